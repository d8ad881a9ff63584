// SPDX-License-Identifier: Apache-2.0
/*
 * clock_gettime — the time-read benchmark.
 *
 *   clock_gettime [N]      N iterations [200000]
 *
 * Calls clock_gettime(CLOCK_MONOTONIC) through libc N times and prints one
 * machine-readable line, "ns_per_op=<float>". libc goes through the vDSO
 * (AT_SYSINFO_EHDR) where there is one: natively and under runsk that is a
 * TSC read and a little arithmetic, no kernel entry; without a usable vDSO
 * every call is a syscall (under runsk, a VM exit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

int main(int argc, char **argv)
{
	long n = 200000;
	struct timespec ts;
	long long sink = 0;
	double t0, t1;

	n = bench_count_arg(argc, argv, n);

	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sink += ts.tv_nsec;
	}
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return sink == 42; /* keeps the loop; practically always 0 */
}
