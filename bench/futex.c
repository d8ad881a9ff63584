// SPDX-License-Identifier: Apache-2.0
/*
 * futex — a wake-up handed back and forth between two threads.
 *
 *   futex [N]      N round trips [100000]
 *
 * Two threads of one process take turns through one futex word: the main
 * thread sets it to 1 and wakes the peer, then sleeps in FUTEX_WAIT until
 * the peer has set it back to 0 and woken it.  Prints "ns_per_op=<float>",
 * the time of one round trip: two FUTEX_WAKEs, two FUTEX_WAITs that really
 * sleep, and two switches between the threads.  Private futexes, as a
 * mutex or condition variable of one process uses.  10 untimed round trips
 * first, so that the peer is running (few: under runsk in the QEMU/TCG test
 * VM a round trip has been seen to take 25 ms).
 *
 * Where the threads run matters: on one CPU (the QEMU/TCG test VM, runsk
 * with its one vCPU) each wake-up is a switch on that CPU; on two idle CPUs
 * it can be a cross-CPU wake-up, which costs more on some hosts (see
 * KVM-HOSTS.md).
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage error.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10
#define STOP 2

static _Atomic int word;

/* A failing futex would turn the ping-pong into a busy loop: stop instead. */
static void futex_fail(const char *op)
{
	fprintf(stderr, "futex: %s: %s\n", op, strerror(errno));
	exit(1);
}

static void futex_wait(int val)
{
	/* EAGAIN (the word already changed) and EINTR: the callers re-check. */
	if (syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0) && errno != EAGAIN &&
	    errno != EINTR)
		futex_fail("FUTEX_WAIT");
}

static void futex_wake(void)
{
	if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0)
		futex_fail("FUTEX_WAKE");
}

static void *peer(void *arg)
{
	int v;

	for (;;) {
		while ((v = atomic_load(&word)) == 0)
			futex_wait(0);
		if (v == STOP)
			return arg;
		atomic_store(&word, 0);
		futex_wake();
	}
}

static void round_trip(void)
{
	atomic_store(&word, 1);
	futex_wake();
	while (atomic_load(&word) == 1)
		futex_wait(1);
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 100000);
	pthread_t t;
	double t0, t1;
	int err;

	err = pthread_create(&t, NULL, peer, NULL);
	if (err) {
		fprintf(stderr, "futex: pthread_create: %s\n", strerror(err));
		return 1;
	}
	for (int i = 0; i < WARMUP; i++)
		round_trip();
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		round_trip();
	t1 = bench_now_ns();
	atomic_store(&word, STOP);
	futex_wake();
	pthread_join(t, NULL);

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
