// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int sink = STDERR_FILENO;
static bool debug_on;

int log_init(const char *path, bool debug)
{
	debug_on = debug;
	if (!path)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	sink = fd;
	return 0;
}

bool log_debug_enabled(void)
{
	return debug_on;
}

int log_fd(void)
{
	return sink;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = {"E", "W", "I", "D"};
	char line[1024];
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof(line), "%s %ld.%06ld runsk[%d]: ", tag[lvl], (long)ts.tv_sec,
			 ts.tv_nsec / 1000, (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so concurrent threads never interleave a line. */
	ssize_t __unused w = write(sink, line, n);
}

bool log_ratelimit(u64 *stamp, u32 *count)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	u64 sec = ts.tv_sec;
	u64 old = __atomic_load_n(stamp, __ATOMIC_RELAXED);
	if (old != sec) {
		__atomic_store_n(stamp, sec, __ATOMIC_RELAXED);
		__atomic_store_n(count, 0, __ATOMIC_RELAXED);
	}
	return __atomic_fetch_add(count, 1, __ATOMIC_RELAXED) < 10;
}
