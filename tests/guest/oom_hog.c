// SPDX-License-Identifier: Apache-2.0
/*
 * The memory hog of tests/integration/oom.sh, not a differential test:
 * under a small --memory the OOM killer is meant to end some of these.
 *
 * oom_hog MIB: maps MIB MiB of anonymous memory, touches every page,
 * prints "ready MIB" and sleeps until a signal ends it.
 *
 * oom_hog read MIB: read(2)s of fd 0 into a fresh MIB MiB buffer, never
 * touched by the program, until it is full or at EOF: the Sentry writes
 * every page of it first. Prints "ready read" on stdout, then "read N MiB"
 * (or the error) on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *fresh(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("oom_hog: mmap");
		exit(1);
	}
	return p;
}

static void ready(const char *what)
{
	printf("ready %s\n", what);
	fflush(stdout);
}

static int do_read(long mib)
{
	size_t len = (size_t)mib << 20;
	char *buf = fresh(len);
	ready("read");
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(0, buf + done, len - done);
		if (n < 0) {
			fprintf(stderr, "read: %s after %zu bytes\n", strerror(errno), done);
			return 1;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	fprintf(stderr, "read %zu MiB\n", done >> 20);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "read") && atol(argv[2]) > 0)
		return do_read(atol(argv[2]));
	long mib = argc == 2 ? atol(argv[1]) : 0;
	if (mib <= 0) {
		fprintf(stderr, "usage: oom_hog MIB | read MIB\n");
		return 2;
	}
	size_t len = (size_t)mib << 20;
	volatile char *p = fresh(len);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	printf("ready %ld\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
