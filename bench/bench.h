/* SPDX-License-Identifier: Apache-2.0 */
/* What every bench workload needs: a clock and its one optional count argument. */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* argv[1] as a positive count, or def if absent; exits 2 on a bad one. */
static inline long bench_count_arg(int argc, char **argv, long def)
{
	char *end;
	long n;

	if (argc < 2)
		return def;
	n = strtol(argv[1], &end, 0);
	if (*end || n < 1) {
		fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
		exit(2);
	}
	return n;
}

#endif
