/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sentry's timer service: callbacks at deadlines on the host's
 * CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME or CLOCK_TAI, run one
 * at a time on one host thread (started on first use). It backs
 * ITIMER_REAL, POSIX timers and timerfds; sleeps do not use it (they are
 * task_sleep deadlines).
 *
 * A ktimer is embedded in its owner and armed with an absolute expiry in
 * nanoseconds on its clock. When the expiry passes, the service dequeues
 * it and calls fn, with no service lock held; fn may re-arm its own timer
 * (periodic timers) and may take any Sentry lock (k->lock, a file lock).
 *
 * Deadlines on clocks other than CLOCK_MONOTONIC are rechecked at least
 * once a second, so a step of the host's wall clock is noticed.
 *
 * Lock order: the service lock is a leaf: ktimer_start and
 * ktimer_try_cancel may be called with any other lock held (k->lock).
 * ktimer_cancel waits for a running fn, so its caller must hold no lock
 * that fn takes.
 */
#ifndef SENTRY_KERNEL_KTIMER_H
#define SENTRY_KERNEL_KTIMER_H

#include <time.h>

#include "lib/compiler.h"
#include "lib/list.h"

#define NSEC_PER_SEC 1000000000ULL

struct ktimer {
	void (*fn)(struct ktimer *kt);
	int clock; /* a host clock id: MONOTONIC, REALTIME, BOOTTIME, TAI */
	u64 expires;
	/* Guarded by the service lock. */
	struct list_head node;
	bool queued;
};

/* Set up kt (not armed). clock must be one the service knows. */
void ktimer_init(struct ktimer *kt, int clock, void (*fn)(struct ktimer *kt));
/*
 * Arm (or re-arm) kt to fire when its clock reaches expires (ns; a time
 * already past fires at once). Any thread, any lock held. Returns 0, or
 * -ENOMEM if the service thread could not be started.
 */
int ktimer_start(struct ktimer *kt, u64 expires) __must_check;
/* Disarm kt without waiting: returns true if its fn is running right now. */
bool ktimer_try_cancel(struct ktimer *kt);
/*
 * Disarm kt and wait until its fn is not running (unless the caller is
 * that fn): afterwards kt may be freed, unless fn re-armed it from
 * another timer. May block.
 */
void ktimer_cancel(struct ktimer *kt);

/* Whether the service can arm timers on host clock id. */
bool ktimer_clock_valid(int clock);
/* The host clock's time in ns. */
u64 ktimer_now(int clock);

static inline u64 timespec_to_ns(const struct timespec *ts)
{
	return (u64)ts->tv_sec * NSEC_PER_SEC + (u64)ts->tv_nsec;
}

static inline struct timespec ns_to_timespec(u64 ns)
{
	return (struct timespec){(time_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC)};
}

#endif
