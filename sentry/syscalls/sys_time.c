// SPDX-License-Identifier: Apache-2.0
/*
 * Clocks and sleeps. Time is the host's (the vDSO that avoids the exit
 * comes later). Sleeps wake early only when the sandbox is being stopped.
 */
#include <errno.h>
#include <time.h>

#include "sentry/vdso/vdso.h"
#include "syscalls.h"

static bool clock_valid(int id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		return true;
	default:
		return false;
	}
}

/*
 * The Sentry's clocks: the vDSO's own parameters when it serves the clock,
 * so a program mixing the syscall and the vDSO sees one clock (the coarse
 * clocks above all, which the vDSO serves precisely); the host's otherwise.
 */
static void sentry_clock(int id, struct timespec *ts)
{
	if (vdso_clock_gettime(id, ts))
		clock_gettime(id, ts);
}

long sys_clock_gettime(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;
	int id = arg_int(a, 0);
	if (!clock_valid(id))
		return -EINVAL;
	sentry_clock(id, &ts);
	struct linux_timespec lt = {ts.tv_sec, ts.tv_nsec};
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &lt, sizeof(lt)) ? -EFAULT : 0;
}

long sys_clock_getres(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;
	int id = arg_int(a, 0);
	if (!clock_valid(id))
		return -EINVAL;
	if (!a->a[1])
		return 0;
	clock_getres(id, &ts);
	struct linux_timespec lt = {ts.tv_sec, ts.tv_nsec};
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &lt, sizeof(lt)) ? -EFAULT : 0;
}

long sys_gettimeofday(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;
	sentry_clock(CLOCK_REALTIME, &ts);
	if (a->a[0]) {
		struct linux_timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
		if (mm_copy_to_user(t->mm, arg_ptr(a, 0), &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (a->a[1]) {
		struct linux_timezone tz = {0, 0};
		if (mm_copy_to_user(t->mm, arg_ptr(a, 1), &tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

long sys_time(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;
	sentry_clock(CLOCK_REALTIME, &ts); /* what the vDSO's time() reads */
	s64 now = ts.tv_sec;
	if (a->a[0] && mm_copy_to_user(t->mm, arg_ptr(a, 0), &now, sizeof(now)))
		return -EFAULT;
	return now;
}

static long do_sleep(struct task *t, int clock, int flags, uaddr_t ureq, uaddr_t urem)
{
	struct linux_timespec req;
	if (mm_copy_from_user(t->mm, &req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000)
		return -EINVAL;
	struct timespec ts = {req.tv_sec, req.tv_nsec}, rem;
	int ret;
	/* Restart after host signals unless the sandbox is being stopped. */
	while ((ret = clock_nanosleep(clock, flags, &ts, &rem)) == EINTR &&
	       !__atomic_load_n(&t->k->killed, __ATOMIC_RELAXED))
		if (!(flags & TIMER_ABSTIME))
			ts = rem;
	if (ret == EINTR && !(flags & TIMER_ABSTIME) && urem.addr) {
		struct linux_timespec lr = {rem.tv_sec, rem.tv_nsec};
		if (mm_copy_to_user(t->mm, urem, &lr, sizeof(lr)))
			return -EFAULT;
	}
	return ret ? -ret : 0;
}

long sys_nanosleep(struct task *t, const struct syscall_args *a)
{
	return do_sleep(t, CLOCK_MONOTONIC, 0, arg_ptr(a, 0), arg_ptr(a, 1));
}

long sys_clock_nanosleep(struct task *t, const struct syscall_args *a)
{
	int clock = arg_int(a, 0), flags = arg_int(a, 1);
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		return -EINVAL;
	default:
		return clock_valid(clock) ? -ENOTSUP : -EINVAL;
	}
	return do_sleep(t, clock, flags & TIMER_ABSTIME, arg_ptr(a, 2), arg_ptr(a, 3));
}
