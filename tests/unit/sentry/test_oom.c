// SPDX-License-Identifier: Apache-2.0
/*
 * The OOM killer's pure parts (sentry/kernel/oom.c): Linux's badness and
 * its /proc/<pid>/oom_score scale, and the victim choice: the highest
 * badness, never an unkillable process, init only as the last choice, no
 * second victim while one is exiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sentry/kernel/oom.h"

#define TOTAL 16384 /* 64 MiB of pages */

static void test_oom_badness(void **state)
{
	(void)state;
	/* 1000 pages, 2 of page tables. */
	assert_int_equal(oom_badness(1000, 0, TOTAL), 1002);
	/* adj thousandths of the memory: 1000 is all of it (16 pages each). */
	assert_int_equal(oom_badness(1000, 1000, TOTAL), 1002 + 16 * 1000);
	assert_int_equal(oom_badness(1000, -500, TOTAL), 1002 - 16 * 500);
	assert_true(oom_badness(1000, -1000, TOTAL) == OOM_UNKILLABLE);
	assert_int_equal(oom_badness(0, 0, TOTAL), 0);
}

static void test_oom_score_points(void **state)
{
	(void)state;
	assert_int_equal(oom_score_points(0, TOTAL), 666);
	assert_int_equal(oom_score_points(TOTAL, TOTAL), 1333);
	assert_int_equal(oom_score_points(-TOTAL, TOTAL), 0);
	assert_int_equal(oom_score_points(2 * TOTAL, TOTAL), 2000);
	assert_int_equal(oom_score_points(OOM_UNKILLABLE, TOTAL), 0);
	assert_int_equal(oom_score_points(5, 0), 0);
}

static void test_oom_choose_highest(void **state)
{
	(void)state;
	struct oom_candidate c[] = {
		{.tgid = 1, .points = 5000, .init = true},
		{.tgid = 2, .points = 100},
		{.tgid = 3, .points = 3000},
		{.tgid = 4, .points = 2000},
	};
	/* init is the biggest, but another can be chosen. */
	assert_int_equal(oom_choose(c, 4), 2);
	/* Equal points: the later one, as Linux's scan. */
	c[3].points = 3000;
	assert_int_equal(oom_choose(c, 4), 3);
	/* Negative badness (a negative adj) is still a choice. */
	struct oom_candidate neg[] = {{.tgid = 7, .points = -40}, {.tgid = 8, .points = -50}};
	assert_int_equal(oom_choose(neg, 2), 0);
}

static void test_oom_choose_unkillable(void **state)
{
	(void)state;
	struct oom_candidate c[] = {
		{.tgid = 1, .points = 10, .init = true},
		{.tgid = 2, .points = OOM_UNKILLABLE},
		{.tgid = 3, .points = OOM_UNKILLABLE},
	};
	/* Only init is left. */
	assert_int_equal(oom_choose(c, 3), 0);
	c[0].points = OOM_UNKILLABLE;
	assert_int_equal(oom_choose(c, 3), OOM_CHOOSE_NONE);
	assert_int_equal(oom_choose(c, 0), OOM_CHOOSE_NONE);
}

static void test_oom_choose_waits_for_exiting(void **state)
{
	(void)state;
	struct oom_candidate c[] = {
		{.tgid = 2, .points = 9000},
		{.tgid = 3, .points = OOM_UNKILLABLE, .exiting = true},
	};
	assert_int_equal(oom_choose(c, 2), OOM_CHOOSE_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_badness),
		cmocka_unit_test(test_oom_score_points),
		cmocka_unit_test(test_oom_choose_highest),
		cmocka_unit_test(test_oom_choose_unkillable),
		cmocka_unit_test(test_oom_choose_waits_for_exiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
