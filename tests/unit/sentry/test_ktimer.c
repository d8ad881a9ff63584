// SPDX-License-Identifier: Apache-2.0
/*
 * The timer service (sentry/kernel/ktimer.c) on its own: callbacks run in
 * expiry order, re-arming moves a timer, a cancelled timer stays quiet,
 * ktimer_cancel waits for a running callback, a callback may re-arm its
 * own timer, wall-clock timers fire, bad clocks are refused.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sentry/kernel/ktimer.h"

#define MS 1000000ULL

struct probe {
	struct ktimer kt;
	int fired; /* atomic */
	int order; /* the value of seq when it fired */
	unsigned sleep_ms;
	int rearm; /* re-arm itself this many times */
	int done;  /* atomic: the callback returned */
};

static int seq;

static void probe_fn(struct ktimer *kt)
{
	struct probe *p = container_of(kt, struct probe, kt);
	p->order = __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&p->fired, 1, __ATOMIC_SEQ_CST);
	if (p->sleep_ms)
		usleep(p->sleep_ms * 1000);
	if (p->rearm > 0) {
		p->rearm--;
		assert_int_equal(ktimer_start(kt, ktimer_now(kt->clock) + MS), 0);
	}
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
}

static void probe_init(struct probe *p, int clock)
{
	*p = (struct probe){0};
	ktimer_init(&p->kt, clock, probe_fn);
}

/* Wait up to 5 s for *flag to reach want. */
static bool wait_for(int *flag, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(flag, __ATOMIC_SEQ_CST) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_ktimer_fires_in_expiry_order(void **state)
{
	struct probe a, b, c;
	u64 now = ktimer_now(CLOCK_MONOTONIC);
	probe_init(&a, CLOCK_MONOTONIC);
	probe_init(&b, CLOCK_MONOTONIC);
	probe_init(&c, CLOCK_MONOTONIC);
	assert_int_equal(ktimer_start(&a.kt, now + 30 * MS), 0);
	assert_int_equal(ktimer_start(&b.kt, now + 10 * MS), 0);
	assert_int_equal(ktimer_start(&c.kt, now + 20 * MS), 0);
	assert_true(wait_for(&a.fired, 1));
	assert_true(b.order < c.order && c.order < a.order);
	assert_true(ktimer_now(CLOCK_MONOTONIC) >= now + 30 * MS);
	/* Before the probes go out of scope: no callback may still be on them. */
	ktimer_cancel(&a.kt);
	ktimer_cancel(&b.kt);
	ktimer_cancel(&c.kt);
}

static void test_ktimer_rearm_moves_the_expiry(void **state)
{
	struct probe a;
	u64 now = ktimer_now(CLOCK_MONOTONIC);
	probe_init(&a, CLOCK_MONOTONIC);
	assert_int_equal(ktimer_start(&a.kt, now + 3600 * 1000 * MS), 0);
	assert_int_equal(ktimer_start(&a.kt, now + 5 * MS), 0);
	assert_true(wait_for(&a.fired, 1));
	usleep(20000);
	assert_int_equal(a.fired, 1);
	ktimer_cancel(&a.kt);
}

static void test_ktimer_try_cancel_keeps_it_quiet(void **state)
{
	struct probe a;
	probe_init(&a, CLOCK_MONOTONIC);
	assert_int_equal(ktimer_start(&a.kt, ktimer_now(CLOCK_MONOTONIC) + 20 * MS), 0);
	assert_false(ktimer_try_cancel(&a.kt));
	usleep(50000);
	assert_int_equal(a.fired, 0);
	ktimer_cancel(&a.kt);
}

static void test_ktimer_cancel_waits_for_the_callback(void **state)
{
	struct probe a;
	probe_init(&a, CLOCK_MONOTONIC);
	a.sleep_ms = 50;
	assert_int_equal(ktimer_start(&a.kt, ktimer_now(CLOCK_MONOTONIC)), 0);
	assert_true(wait_for(&a.fired, 1));
	ktimer_cancel(&a.kt);
	assert_int_equal(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 1);
}

static void test_ktimer_callback_rearms_itself(void **state)
{
	struct probe a;
	probe_init(&a, CLOCK_MONOTONIC);
	a.rearm = 4;
	assert_int_equal(ktimer_start(&a.kt, ktimer_now(CLOCK_MONOTONIC)), 0);
	assert_true(wait_for(&a.fired, 5));
	usleep(20000);
	assert_int_equal(a.fired, 5);
	ktimer_cancel(&a.kt);
}

static void test_ktimer_cancel_stops_a_periodic_timer(void **state)
{
	struct probe a;
	probe_init(&a, CLOCK_MONOTONIC);
	a.rearm = 1 << 30;
	assert_int_equal(ktimer_start(&a.kt, ktimer_now(CLOCK_MONOTONIC)), 0);
	assert_true(wait_for(&a.fired, 3));
	ktimer_cancel(&a.kt);
	int n = __atomic_load_n(&a.fired, __ATOMIC_SEQ_CST);
	usleep(20000);
	assert_int_equal(a.fired, n);
}

static void test_ktimer_wall_clocks_fire(void **state)
{
	static const int clocks[] = {CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_TAI};
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct probe a;
		probe_init(&a, clocks[i]);
		u64 at = ktimer_now(clocks[i]) + 10 * MS;
		assert_int_equal(ktimer_start(&a.kt, at), 0);
		assert_true(wait_for(&a.fired, 1));
		assert_true(ktimer_now(clocks[i]) >= at);
		ktimer_cancel(&a.kt);
	}
}

static void test_ktimer_bad_clock(void **state)
{
	struct probe a;
	probe_init(&a, CLOCK_PROCESS_CPUTIME_ID);
	assert_false(ktimer_clock_valid(CLOCK_PROCESS_CPUTIME_ID));
	assert_int_equal(ktimer_start(&a.kt, 0), -EINVAL);
	/* Cancelling a timer that was never armed is harmless. */
	ktimer_cancel(&a.kt);
	assert_false(ktimer_try_cancel(&a.kt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktimer_fires_in_expiry_order),
		cmocka_unit_test(test_ktimer_rearm_moves_the_expiry),
		cmocka_unit_test(test_ktimer_try_cancel_keeps_it_quiet),
		cmocka_unit_test(test_ktimer_cancel_waits_for_the_callback),
		cmocka_unit_test(test_ktimer_callback_rearms_itself),
		cmocka_unit_test(test_ktimer_cancel_stops_a_periodic_timer),
		cmocka_unit_test(test_ktimer_wall_clocks_fire),
		cmocka_unit_test(test_ktimer_bad_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
