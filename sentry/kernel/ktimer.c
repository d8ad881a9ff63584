// SPDX-License-Identifier: Apache-2.0
/*
 * The timer service (ktimer.h): a sorted list of armed timers per clock
 * under one mutex, and one host thread that sleeps on a CLOCK_MONOTONIC
 * condition variable until the earliest expiry, then runs the callbacks
 * due. A sandbox has few timers, so sorted insertion is cheap and simple.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "lib/log.h"
#include "ktimer.h"

enum { KT_MONO, KT_REAL, KT_BOOT, KT_TAI, KT_NCLOCKS };

/* The longest the thread sleeps while a non-monotonic timer is armed. */
#define WALL_RECHECK_NS NSEC_PER_SEC

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;		    /* the thread's sleep: a timer was armed earlier */
	pthread_cond_t done;		    /* running went back to NULL */
	struct list_head armed[KT_NCLOCKS]; /* sorted by expires */
	struct ktimer *running;
	pthread_t thread;
	bool started;
} svc = {.lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static pthread_once_t svc_once = PTHREAD_ONCE_INIT;

static int clock_slot(int clock)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
		return KT_MONO;
	case CLOCK_REALTIME:
		return KT_REAL;
	case CLOCK_BOOTTIME:
		return KT_BOOT;
	case CLOCK_TAI:
		return KT_TAI;
	default:
		return -1;
	}
}

bool ktimer_clock_valid(int clock)
{
	return clock_slot(clock) >= 0;
}

u64 ktimer_now(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return timespec_to_ns(&ts);
}

/* Run the callbacks due on slot's clock; returns ns until its next expiry (or ~0). Lock held. */
static u64 run_due(int slot, int clock)
{
	for (;;) {
		struct list_head *h = &svc.armed[slot];
		if (list_empty(h))
			return ~0ULL;
		struct ktimer *kt = list_entry(h->next, struct ktimer, node);
		u64 now = ktimer_now(clock);
		if (kt->expires > now)
			return kt->expires - now;
		list_del(&kt->node);
		kt->queued = false;
		svc.running = kt;
		pthread_mutex_unlock(&svc.lock);
		kt->fn(kt);
		pthread_mutex_lock(&svc.lock);
		svc.running = NULL;
		pthread_cond_broadcast(&svc.done);
	}
}

static void *ktimer_thread(void *arg)
{
	static const int clocks[KT_NCLOCKS] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
					       CLOCK_TAI};
	pthread_mutex_lock(&svc.lock);
	for (;;) {
		u64 wait = ~0ULL;
		for (int i = 0; i < KT_NCLOCKS; i++) {
			u64 w = run_due(i, clocks[i]);
			if (i != KT_MONO && w > WALL_RECHECK_NS && w != ~0ULL)
				w = WALL_RECHECK_NS;
			wait = MIN(wait, w);
		}
		if (wait == ~0ULL) {
			pthread_cond_wait(&svc.cond, &svc.lock);
			continue;
		}
		/* Expiries are far below 2^63 ns past now once clamped to a day. */
		wait = MIN(wait, 86400 * NSEC_PER_SEC);
		struct timespec dl = ns_to_timespec(ktimer_now(CLOCK_MONOTONIC) + wait);
		pthread_cond_timedwait(&svc.cond, &svc.lock, &dl);
	}
	return NULL;
}

static void svc_start(void)
{
	pthread_condattr_t a;
	pthread_attr_t attr;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&svc.cond, &a);
	pthread_condattr_destroy(&a);
	for (int i = 0; i < KT_NCLOCKS; i++)
		list_init(&svc.armed[i]);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	/* Host signals (runsk's own, vCPU kicks) are for other threads: block them all. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int ret = pthread_create(&svc.thread, &attr, ktimer_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (ret)
		pr_err("cannot start the timer thread: error %d", ret);
	else
		__atomic_store_n(&svc.started, true, __ATOMIC_RELEASE);
}

/* Whether the thread runs; false also means no callback ever ran. */
static bool svc_running(void)
{
	return __atomic_load_n(&svc.started, __ATOMIC_ACQUIRE);
}

void ktimer_init(struct ktimer *kt, int clock, void (*fn)(struct ktimer *kt))
{
	*kt = (struct ktimer){.fn = fn, .clock = clock};
	list_init(&kt->node);
}

int ktimer_start(struct ktimer *kt, u64 expires)
{
	int slot = clock_slot(kt->clock);
	if (slot < 0)
		return -EINVAL;
	pthread_once(&svc_once, svc_start);
	if (!svc_running())
		return -ENOMEM;
	pthread_mutex_lock(&svc.lock);
	if (kt->queued)
		list_del(&kt->node);
	kt->expires = expires;
	kt->queued = true;
	/* Insert after the last timer that expires no later: FIFO among equals. */
	struct list_head *pos = &svc.armed[slot];
	while (pos->prev != &svc.armed[slot] &&
	       list_entry(pos->prev, struct ktimer, node)->expires > expires)
		pos = pos->prev;
	list_add_tail(&kt->node, pos);
	/* Only a new earliest expiry changes when the thread must wake. */
	if (svc.armed[slot].next == &kt->node)
		pthread_cond_signal(&svc.cond);
	pthread_mutex_unlock(&svc.lock);
	return 0;
}

bool ktimer_try_cancel(struct ktimer *kt)
{
	if (!svc_running())
		return false;
	pthread_mutex_lock(&svc.lock);
	if (kt->queued) {
		list_del(&kt->node);
		kt->queued = false;
	}
	bool running = svc.running == kt;
	pthread_mutex_unlock(&svc.lock);
	return running;
}

void ktimer_cancel(struct ktimer *kt)
{
	if (!svc_running())
		return;
	pthread_mutex_lock(&svc.lock);
	for (;;) {
		if (kt->queued) {
			list_del(&kt->node);
			kt->queued = false;
		}
		/* The callback itself may cancel its own timer: it is not waiting for itself. */
		if (svc.running != kt || pthread_equal(pthread_self(), svc.thread))
			break;
		pthread_cond_wait(&svc.done, &svc.lock);
	}
	pthread_mutex_unlock(&svc.lock);
}
