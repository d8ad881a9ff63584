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

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = 200000;
	double t0, t1;

	if (argc > 1) {
		char *end;

		n = strtol(argv[1], &end, 0);
		if (*end || n < 1) {
			fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
			return 2;
		}
	}

	t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	t1 = now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
