// SPDX-License-Identifier: Apache-2.0
/*
 * pagefault — the cost of faulting in fresh anonymous memory.
 *
 *   pagefault [-s] [MIB]      MiB to touch [256]
 *
 * Maps MIB MiB of private anonymous memory (one mmap, untimed), then writes
 * one byte to every 4 KiB page of it, in address order, and prints one
 * machine-readable line, "ns_per_op=<float>": the time of that loop divided
 * by the number of pages.  Each first write faults; natively the kernel
 * allocates and zeroes a page per fault, under runsk the fault is resolved
 * by the Sentry (and whatever fault-around it does is part of the result).
 * The munmap after the loop is not timed.
 *
 * By default the mapping gets no madvise: transparent huge pages apply if
 * the kernel's policy is "always" (bench/payload.sh records it as INFO thp),
 * and then one fault maps 2 MiB.  -s asks for small pages only
 * (MADV_NOHUGEPAGE; an error, e.g. from a kernel without THP, is ignored), so
 * that every 4 KiB page is one fault.
 *
 * Exit status: 0 on success, 1 if the mapping fails, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PAGE 4096L

int main(int argc, char **argv)
{
	long mib = 256, pages;
	int small = 0, opt;
	volatile char *p;
	double t0, t1;

	while ((opt = getopt(argc, argv, "s")) != -1) {
		if (opt != 's')
			goto usage;
		small = 1;
	}
	if (optind < argc - 1)
		goto usage;
	if (optind == argc - 1) {
		char *end;

		mib = strtol(argv[optind], &end, 0);
		if (*end || mib < 1 || mib > 1L << 20)
			goto usage;
	}
	pages = mib * (1L << 20) / PAGE;

	p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("pagefault: mmap");
		return 1;
	}
	if (small)
		madvise((void *)p, mib << 20, MADV_NOHUGEPAGE);

	t0 = bench_now_ns();
	for (long i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	t1 = bench_now_ns();

	munmap((void *)p, mib << 20);
	printf("ns_per_op=%.1f\n", (t1 - t0) / pages);
	return 0;

usage:
	fprintf(stderr, "usage: %s [-s] [MIB]\n", argv[0]);
	return 2;
}
