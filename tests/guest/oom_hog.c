// SPDX-License-Identifier: Apache-2.0
/*
 * oom_hog MIB: the memory hog of tests/integration/oom.sh. Maps MIB MiB of
 * anonymous memory, touches every page, prints "ready MIB" and sleeps
 * until a signal ends it. Not a differential test: under a small
 * --memory the OOM killer is meant to end some of these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc == 2 ? atol(argv[1]) : 0;
	if (mib <= 0) {
		fprintf(stderr, "usage: oom_hog MIB\n");
		return 2;
	}
	size_t len = (size_t)mib << 20;
	volatile char *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("oom_hog: mmap");
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	printf("ready %ld\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
