// SPDX-License-Identifier: Apache-2.0
/*
 * Clocks and sleeps: clock_gettime (through libc, which may use the vDSO,
 * and through the raw syscall), clock_getres, gettimeofday, time,
 * nanosleep and clock_nanosleep (relative and TIMER_ABSTIME).
 * Only relations are printed (monotonic, close to, at least), never times.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define NSEC_PER_SEC 1000000000LL
#define SLEEP_NS (10 * 1000000LL) /* 10 ms */
/* 2020-01-01T00:00:00Z: any sane realtime clock is past it. */
#define EPOCH_2020 1577836800LL

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NSEC_PER_SEC + t->tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ns(&t);
}

static bool ts_valid(const struct timespec *t)
{
	return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < NSEC_PER_SEC;
}

static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{CLOCK_REALTIME, "CLOCK_REALTIME"},
	{CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
	{CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
	{CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
	{CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
	{CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
};

static void test_clock_gettime(void)
{
	struct timespec t, r;
	size_t i;

	for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		memset(&t, 0xff, sizeof(t));
		memset(&r, 0xff, sizeof(r));
		if (expect_ret(clock_gettime(clocks[i].id, &t), 0, "clock_gettime(%s)",
			       clocks[i].name))
			check(ts_valid(&t), "clock_gettime(%s): valid timespec", clocks[i].name);
		if (expect_ret(syscall(SYS_clock_gettime, (long)clocks[i].id, &r), 0,
			       "raw clock_gettime(%s)", clocks[i].name))
			check(ts_valid(&r), "raw clock_gettime(%s): valid timespec",
			      clocks[i].name);
	}
	expect_err(clock_gettime((clockid_t)1000, &t), EINVAL, "clock_gettime(clock 1000)");
	expect_err(syscall(SYS_clock_gettime, 1000L, &t), EINVAL, "raw clock_gettime(clock 1000)");

	clock_gettime(CLOCK_REALTIME, &t);
	check(t.tv_sec > EPOCH_2020, "CLOCK_REALTIME: after 2020");
}

static void test_monotonic(void)
{
	struct timespec t;
	int64_t prev = 0, now;
	bool libc_ok = true, raw_ok = true, mixed_ok = true;
	int i;

	for (i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		now = ts_ns(&t);
		if (now < prev)
			libc_ok = false;
		prev = now;
	}
	for (i = 0; i < 1000; i++) {
		syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, &t);
		now = ts_ns(&t);
		if (now < prev)
			raw_ok = false;
		prev = now;
	}
	/* Alternate: the vDSO and the syscall must be on the same clock. */
	for (i = 0; i < 1000; i++) {
		if (i & 1)
			clock_gettime(CLOCK_MONOTONIC, &t);
		else
			syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, &t);
		now = ts_ns(&t);
		if (now < prev)
			mixed_ok = false;
		prev = now;
	}
	check(libc_ok, "CLOCK_MONOTONIC: non-decreasing over 1000 libc calls");
	check(raw_ok, "CLOCK_MONOTONIC: non-decreasing over 1000 raw calls");
	check(mixed_ok, "CLOCK_MONOTONIC: non-decreasing, libc and raw mixed");
}

static bool close_secs(long long a, long long b)
{
	return a - b <= 1 && b - a <= 1;
}

static void test_realtime_agree(void)
{
	struct timespec t;
	struct timeval tv, rtv;
	time_t tt = 0, t1, t2;

	clock_gettime(CLOCK_REALTIME, &t);
	t1 = time(NULL);
	t2 = syscall(SYS_time, &tt);
	check(close_secs(t.tv_sec, t1), "time() within 1 s of CLOCK_REALTIME");
	check(close_secs(t1, t2), "raw time within 1 s of time()");
	check(tt == t2, "raw time(&t): stores what it returns");
	check(syscall(SYS_time, NULL) > EPOCH_2020, "raw time(NULL): after 2020");

	expect_ret(gettimeofday(&tv, NULL), 0, "gettimeofday");
	expect_ret(syscall(SYS_gettimeofday, &rtv, NULL), 0, "raw gettimeofday");
	check(tv.tv_usec >= 0 && tv.tv_usec < 1000000 && rtv.tv_usec >= 0 && rtv.tv_usec < 1000000,
	      "gettimeofday: tv_usec in range");
	check(close_secs(tv.tv_sec, t.tv_sec) && close_secs(rtv.tv_sec, t.tv_sec),
	      "gettimeofday within 1 s of CLOCK_REALTIME");
	check(syscall(SYS_gettimeofday, NULL, NULL) == 0, "raw gettimeofday(NULL, NULL): 0");
}

static void test_getres(void)
{
	struct timespec r;
	size_t i;

	for (i = 0; i < 2; i++) { /* REALTIME, MONOTONIC: high resolution */
		memset(&r, 0xff, sizeof(r));
		if (expect_ret(clock_getres(clocks[i].id, &r), 0, "clock_getres(%s)",
			       clocks[i].name))
			check(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000,
			      "clock_getres(%s): 0 < res <= 1 ms", clocks[i].name);
		memset(&r, 0xff, sizeof(r));
		if (expect_ret(syscall(SYS_clock_getres, (long)clocks[i].id, &r), 0,
			       "raw clock_getres(%s)", clocks[i].name))
			check(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000,
			      "raw clock_getres(%s): 0 < res <= 1 ms", clocks[i].name);
	}
	expect_ret(syscall(SYS_clock_getres, (long)CLOCK_MONOTONIC, NULL), 0,
		   "raw clock_getres(CLOCK_MONOTONIC, NULL)");
	expect_err(syscall(SYS_clock_getres, 1000L, &r), EINVAL, "raw clock_getres(clock 1000)");
}

static void test_nanosleep(void)
{
	struct timespec req = {0, SLEEP_NS}, rem = {0, 0};
	int64_t t0, t1;

	t0 = mono_ns();
	expect_ret(nanosleep(&req, &rem), 0, "nanosleep(10 ms)");
	t1 = mono_ns();
	check(t1 - t0 >= SLEEP_NS, "nanosleep(10 ms): slept at least 10 ms");
	check(t1 - t0 < 10 * NSEC_PER_SEC, "nanosleep(10 ms): woke within 10 s");

	t0 = mono_ns();
	expect_ret(syscall(SYS_nanosleep, &req, NULL), 0, "raw nanosleep(10 ms)");
	t1 = mono_ns();
	check(t1 - t0 >= SLEEP_NS, "raw nanosleep(10 ms): slept at least 10 ms");

	req.tv_nsec = 0;
	expect_ret(syscall(SYS_nanosleep, &req, NULL), 0, "nanosleep(0)");
	req.tv_nsec = NSEC_PER_SEC;
	expect_err(syscall(SYS_nanosleep, &req, NULL), EINVAL, "nanosleep(tv_nsec = 1e9)");
	req.tv_sec = -1;
	req.tv_nsec = 0;
	expect_err(syscall(SYS_nanosleep, &req, NULL), EINVAL, "nanosleep(tv_sec = -1)");
}

static void test_clock_nanosleep(void)
{
	struct timespec req = {0, SLEEP_NS}, abs_t, now;
	int64_t t0, t1;

	t0 = mono_ns();
	expect_errnum(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0,
		      "clock_nanosleep(MONOTONIC, relative 10 ms)");
	t1 = mono_ns();
	check(t1 - t0 >= SLEEP_NS, "clock_nanosleep relative: slept >= 10 ms");

	clock_gettime(CLOCK_MONOTONIC, &abs_t);
	abs_t.tv_nsec += SLEEP_NS;
	if (abs_t.tv_nsec >= NSEC_PER_SEC) {
		abs_t.tv_nsec -= NSEC_PER_SEC;
		abs_t.tv_sec++;
	}
	expect_ret(syscall(SYS_clock_nanosleep, (long)CLOCK_MONOTONIC, (long)TIMER_ABSTIME, &abs_t,
			   NULL),
		   0, "raw clock_nanosleep(MONOTONIC, TIMER_ABSTIME now + 10 ms)");
	clock_gettime(CLOCK_MONOTONIC, &now);
	check(ts_ns(&now) >= ts_ns(&abs_t),
	      "clock_nanosleep TIMER_ABSTIME: woke at or after the deadline");

	clock_gettime(CLOCK_REALTIME, &abs_t);
	abs_t.tv_nsec = abs_t.tv_nsec >= NSEC_PER_SEC - SLEEP_NS ? NSEC_PER_SEC - 1
								 : abs_t.tv_nsec + SLEEP_NS;
	expect_errnum(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs_t, NULL), 0,
		      "clock_nanosleep(REALTIME, TIMER_ABSTIME a little ahead)");
	clock_gettime(CLOCK_REALTIME, &now);
	check(ts_ns(&now) >= ts_ns(&abs_t),
	      "clock_nanosleep REALTIME TIMER_ABSTIME: woke after the "
	      "deadline");

	/* A deadline in the past returns at once. */
	abs_t.tv_sec = 1;
	abs_t.tv_nsec = 0;
	t0 = mono_ns();
	expect_errnum(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs_t, NULL), 0,
		      "clock_nanosleep(TIMER_ABSTIME in the past)");
	t1 = mono_ns();
	check(t1 - t0 < NSEC_PER_SEC, "TIMER_ABSTIME in the past: no wait");

	expect_errnum(clock_nanosleep((clockid_t)1000, 0, &req, NULL), EINVAL,
		      "clock_nanosleep(clock 1000)");
	expect_err(syscall(SYS_clock_nanosleep, 1000L, 0L, &req, NULL), EINVAL,
		   "raw clock_nanosleep(clock 1000)");
	req.tv_nsec = NSEC_PER_SEC;
	expect_err(syscall(SYS_clock_nanosleep, (long)CLOCK_MONOTONIC, 0L, &req, NULL), EINVAL,
		   "raw clock_nanosleep(tv_nsec = 1e9)");
}

int main(void)
{
	guest_start("time");
	test_clock_gettime();
	test_monotonic();
	test_realtime_agree();
	test_getres();
	test_nanosleep();
	test_clock_nanosleep();
	return guest_finish();
}
