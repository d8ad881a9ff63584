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
 *
 * oom_hog populate|mlock|madvise MIB: has the kernel populate a fresh MIB
 * MiB mapping (MAP_POPULATE; mlock(2); MADV_POPULATE_WRITE), never
 * touched by the program, and prints "MODE: N MiB resident" as mincore(2)
 * counts it, or the call's error.
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

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int do_populate(const char *mode, long mib)
{
	size_t len = (size_t)mib << 20;
	char *p;
	int ret = 0;

	if (!strcmp(mode, "populate")) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED) {
			perror("oom_hog: mmap");
			return 1;
		}
	} else {
		p = fresh(len);
		if (!strcmp(mode, "mlock"))
			ret = mlock(p, len);
		else
			ret = madvise(p, len, MADV_POPULATE_WRITE);
	}
	if (ret) {
		printf("%s: %s\n", mode, strerror(errno));
		return 1;
	}
	static unsigned char vec[(256 << 20) / 4096];
	if (len > sizeof(vec) * 4096 || mincore(p, len, vec)) {
		perror("oom_hog: mincore");
		return 1;
	}
	size_t resident = 0;
	for (size_t i = 0; i < len / 4096; i++)
		resident += vec[i] & 1;
	printf("%s: %zu MiB resident\n", mode, resident >> 8);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "read") && atol(argv[2]) > 0)
		return do_read(atol(argv[2]));
	if (argc == 3 && atol(argv[2]) > 0 &&
	    (!strcmp(argv[1], "populate") || !strcmp(argv[1], "mlock") ||
	     !strcmp(argv[1], "madvise")))
		return do_populate(argv[1], atol(argv[2]));
	long mib = argc == 2 ? atol(argv[1]) : 0;
	if (mib <= 0) {
		fprintf(stderr, "usage: oom_hog MIB | read MIB | populate|mlock|madvise MIB\n");
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
