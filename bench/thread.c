// SPDX-License-Identifier: Apache-2.0
/*
 * thread — the cost of a short-lived thread.
 *
 *   thread [N]      N iterations [50000]
 *
 * Each iteration creates a POSIX thread that returns at once and joins it.
 * Prints "ns_per_op=<float>", the time of one pthread_create + join.  glibc
 * keeps the stack of a joined thread for the next one, so after the first
 * iteration this is clone(CLONE_VM|CLONE_THREAD|...), the new task's start,
 * its exit (which clears the tid and wakes the joiner through a futex), and
 * the join — not an mmap of a fresh stack.  10 untimed iterations first.
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage error.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define WARMUP 10

static void *nothing(void *arg)
{
	return arg;
}

/* One create + join; 0 on success. */
static int once(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, nothing, NULL);

	if (!err)
		err = pthread_join(t, NULL);
	if (err)
		fprintf(stderr, "thread: %s\n", strerror(err));
	return err;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 50000);
	double t0, t1;

	for (int i = 0; i < WARMUP; i++)
		if (once())
			return 1;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (once())
			return 1;
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
