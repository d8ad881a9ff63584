// SPDX-License-Identifier: Apache-2.0
/*
 * getppid — the syscall round-trip benchmark.
 *
 *   getppid [N]      N iterations [200000]
 *
 * Calls syscall(SYS_getppid) N times and prints one machine-readable line,
 * "ns_per_op=<float>".  getppid does no work in any kernel, so the time per
 * call is the cost of getting into the kernel and back: under runsk, one VM
 * exit serviced by the Sentry.
 *
 * The clock is read only around the whole loop: until runsk has a vDSO,
 * clock_gettime is itself a syscall (a VM exit) under runsk, and reading it
 * per iteration would double what we measure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv)
{
	long n = 200000;
	double t0, t1;

	n = bench_count_arg(argc, argv, n);

	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
