// SPDX-License-Identifier: Apache-2.0
/*
 * Setting the clock: clock_settime, settimeofday, adjtimex and
 * clock_adjtime check their arguments as Linux does, and without
 * CAP_SYS_TIME refuse with EPERM; adjtimex may read the clock's state.
 *
 * Natively this runs as root, which could set the host's clock: every
 * call that would succeed with CAP_SYS_TIME is made in a child that has
 * dropped to uid 65534 first. The rest fail before any change as root.
 */
#define _GNU_SOURCE
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

#include "guest_test.h"

#ifndef ADJ_OFFSET_SS_READ
#define ADJ_OFFSET_SS_READ 0xa001
#endif

static long settime(long clock, const struct timespec *ts)
{
	return syscall(SYS_clock_settime, clock, ts);
}

static long clock_adj(long clock, struct timex *tx)
{
	return syscall(SYS_clock_adjtime, clock, tx);
}

/* The raw calls: glibc's settimeofday reads its argument itself, and may call clock_settime. */
static long set_tod(const struct timeval *tv, const struct timezone *tz)
{
	return syscall(SYS_settimeofday, tv, tz);
}

static long adj(struct timex *tx)
{
	return syscall(SYS_adjtimex, tx);
}

/* Fails before any change, even as root. */
static void test_bad_arguments(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	expect_err(settime(CLOCK_MONOTONIC, &now), EINVAL, "clock_settime(CLOCK_MONOTONIC)");
	expect_err(settime(CLOCK_BOOTTIME, &now), EINVAL, "clock_settime(CLOCK_BOOTTIME)");
	expect_err(settime(100, &now), EINVAL, "clock_settime(100)");
	expect_err(settime(CLOCK_REALTIME, (void *)8), EFAULT, "clock_settime bad pointer");
	struct timespec bad = {now.tv_sec, 1000000000};
	expect_err(settime(CLOCK_REALTIME, &bad), EINVAL, "clock_settime nsec 1e9");
	bad = (struct timespec){-1, 0};
	expect_err(settime(CLOCK_REALTIME, &bad), EINVAL, "clock_settime before 1970");

	struct timeval tv = {now.tv_sec, 1000000};
	expect_err(set_tod(&tv, NULL), EINVAL, "settimeofday usec 1e6");
	expect_err(set_tod((void *)8, NULL), EFAULT, "settimeofday bad pointer");
	expect_err(set_tod(NULL, (void *)8), EFAULT, "settimeofday bad timezone pointer");

	struct timex tx = {.modes = 0x8000};
	expect_err(adj(&tx), EINVAL, "adjtimex ADJ_ADJTIME without SINGLESHOT");
	expect_err(adj((void *)8), EFAULT, "adjtimex bad pointer");
	tx.modes = 0;
	expect_err(clock_adj(CLOCK_MONOTONIC, &tx), EOPNOTSUPP, "clock_adjtime(CLOCK_MONOTONIC)");
	expect_err(clock_adj(CLOCK_PROCESS_CPUTIME_ID, &tx), EOPNOTSUPP,
		   "clock_adjtime(CLOCK_PROCESS_CPUTIME_ID)");
	expect_err(clock_adj(100, &tx), EINVAL, "clock_adjtime(100)");
	expect_err(clock_adj(CLOCK_REALTIME, (void *)8), EFAULT, "clock_adjtime bad pointer");
}

/* Reading the state needs nothing. */
static void test_read(void)
{
	struct timex tx = {.modes = 0};
	int state = adj(&tx);
	struct timeval now;
	gettimeofday(&now, NULL);
	check(state >= 0 && state <= 5, "adjtimex(0): a clock state");
	check(now.tv_sec - tx.time.tv_sec <= 2 && now.tv_sec >= tx.time.tv_sec,
	      "...its time is now");
	check(tx.tick > 0, "...a tick");
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SS_READ;
	check(adj(&tx) >= 0, "adjtimex(ADJ_OFFSET_SS_READ)");
	memset(&tx, 0, sizeof(tx));
	check(clock_adj(CLOCK_REALTIME, &tx) >= 0, "clock_adjtime(CLOCK_REALTIME, 0)");
}

/* A process's CPU clock by pid (Linux's MAKE_PROCESS_CPUCLOCK, CPUCLOCK_SCHED). */
static long cpu_clock_of(pid_t pid)
{
	return (int)((~(unsigned)pid << 3) | 2);
}

/* As uid 65534: what would change the clock is EPERM. */
static void unprivileged(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	expect_err(settime(CLOCK_REALTIME, &now), EPERM, "clock_settime(CLOCK_REALTIME, now)");
	expect_err(settime(CLOCK_PROCESS_CPUTIME_ID, &now), EINVAL,
		   "clock_settime(CLOCK_PROCESS_CPUTIME_ID)");
	expect_err(settime(cpu_clock_of(getpid()), &now), EPERM,
		   "clock_settime(our CPU clock by pid)");
	expect_err(settime(cpu_clock_of(4000000), &now), EINVAL,
		   "clock_settime(no process's CPU clock)");
	struct timeval tv = {now.tv_sec, 0};
	expect_err(set_tod(&tv, NULL), EPERM, "settimeofday(now)");
	struct timezone tz = {0, 0};
	expect_err(set_tod(NULL, &tz), EPERM, "settimeofday(NULL, timezone)");
	expect_err(set_tod(NULL, NULL), EPERM, "settimeofday(NULL, NULL)");
	struct timex tx = {.modes = ADJ_FREQUENCY};
	expect_err(adj(&tx), EPERM, "adjtimex(ADJ_FREQUENCY)");
	tx = (struct timex){.modes = ADJ_OFFSET_SINGLESHOT};
	expect_err(adj(&tx), EPERM, "adjtimex(ADJ_OFFSET_SINGLESHOT)");
	tx = (struct timex){.modes = ADJ_STATUS};
	expect_err(clock_adj(CLOCK_REALTIME, &tx), EPERM, "clock_adjtime(ADJ_STATUS)");
	tx = (struct timex){.modes = 0};
	check(adj(&tx) >= 0, "adjtimex(0) unprivileged");
}

int main(void)
{
	guest_start("time_set");
	test_bad_arguments();
	test_read();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534)) {
			printf("FAIL setuid(65534): %s\n", guest_errno_name(errno));
			_exit(1);
		}
		unprivileged();
		_exit(guest_finish());
	}
	guest_expect_child(pid, "exit 0", "the unprivileged checks");
	return guest_finish();
}
