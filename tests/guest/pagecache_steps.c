// SPDX-License-Identifier: Apache-2.0
/*
 * The guest half of tests/integration/pagecache.sh, which checks from
 * outside what a shared mapping of a gofer file writes to the host file.
 *
 *   pagecache_steps steps FILE   serve commands read from stdin, one a
 *                                line, each answered by one line: map
 *                                (2 pages of FILE, shared), store WORD,
 *                                msync, async, fsync, mtime, unmap, exit
 *   pagecache_steps host FILE    print FILE's first word and mtime (ns)
 */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PAGE 4096L

static char *map(long len, int prot, int flags, int fd, long off)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)flags, (long)fd, off);
}

static long msync_(void *p, long len, long flags)
{
	return syscall(SYS_msync, p, len, flags);
}

static long long mtime_ns(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static int host(const char *path)
{
	int fd = open(path, O_RDONLY);
	char buf[32] = {0};
	if (fd < 0 || pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		return 1;
	buf[strcspn(buf, " \n")] = 0;
	printf("%s %lld\n", buf[0] ? buf : "-", mtime_ns(fd));
	return 0;
}

/* One command of the steps protocol; the answer is one line. */
static void step(const char *cmd, const char *path, int *fd, char **p)
{
	long r = 0;
	if (!strcmp(cmd, "map")) {
		*fd = open(path, O_RDWR);
		*p = *fd < 0 ? MAP_FAILED
			     : map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
		r = *p == MAP_FAILED ? -1 : 0;
	} else if (!strncmp(cmd, "store ", 6)) {
		memcpy(*p, cmd + 6, strlen(cmd + 6) + 1);
	} else if (!strcmp(cmd, "msync")) {
		r = msync_(*p, 2 * PAGE, MS_SYNC);
	} else if (!strcmp(cmd, "async")) {
		r = msync_(*p, 2 * PAGE, MS_ASYNC);
	} else if (!strcmp(cmd, "fsync")) {
		r = fsync(*fd);
	} else if (!strcmp(cmd, "mtime")) {
		printf("%lld\n", mtime_ns(*fd));
		return;
	} else if (!strcmp(cmd, "unmap")) {
		r = munmap(*p, 2 * PAGE);
	} else {
		printf("unknown %s\n", cmd);
		return;
	}
	printf("%s %s\n", cmd, r ? guest_errno_name(errno) : "ok");
}

static int steps(const char *path)
{
	char line[256];
	int fd = -1;
	char *p = MAP_FAILED;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "exit"))
			break;
		step(line, path, &fd, &p);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "host"))
		return host(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "steps"))
		return steps(argv[2]);
	fprintf(stderr, "usage: %s steps|host FILE\n", argv[0]);
	return 2;
}
