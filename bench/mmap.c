// SPDX-License-Identifier: Apache-2.0
/*
 * mmap — the cost of a short-lived anonymous mapping.
 *
 *   mmap [-n] [N]      N mmap+munmap pairs [100000]
 *
 * Maps 64 KiB of private anonymous memory, writes one byte to its first page
 * (so that one page fault happens, as with a real allocation), unmaps it, N
 * times, and prints one machine-readable line, "ns_per_op=<float>": the time
 * of one mmap + touch + munmap.  -n leaves out the write, so no page is ever
 * faulted in: the two system calls alone.
 *
 * Under runsk the mmap and the munmap are one VM exit each and the write is a
 * page fault resolved by the Sentry; the munmap also has to drop the page
 * from the guest's page tables.  100 untimed pairs come first.
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SIZE (64L << 10)
#define WARMUP 100

/* One mmap (+ write) + munmap; 0 on success. */
static int pair(int touch)
{
	volatile char *p =
		mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap: mmap");
		return -1;
	}
	if (touch)
		p[0] = 1;
	if (munmap((void *)p, SIZE)) {
		perror("mmap: munmap");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = 100000;
	int touch = 1, opt;
	double t0, t1;

	while ((opt = getopt(argc, argv, "n")) != -1) {
		if (opt != 'n')
			goto usage;
		touch = 0;
	}
	if (optind < argc - 1)
		goto usage;
	if (optind == argc - 1) {
		char *end;

		n = strtol(argv[optind], &end, 0);
		if (*end || n < 1)
			goto usage;
	}

	for (int i = 0; i < WARMUP; i++)
		if (pair(touch))
			return 1;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (pair(touch))
			return 1;
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;

usage:
	fprintf(stderr, "usage: %s [-n] [PAIRS]\n", argv[0]);
	return 2;
}
