// SPDX-License-Identifier: Apache-2.0
/*
 * Clocks and sleeps. Time is the host's. Sleeps are task_sleep deadlines
 * (the vCPU is free meanwhile) that a signal interrupts as on Linux.
 *
 * The host's clock is not the sandbox's to set: clock_settime,
 * settimeofday and adjtimex make Linux's checks of their arguments and
 * then fail with EPERM, as for a container without CAP_SYS_TIME (and as
 * gVisor does). adjtimex may still read the clock's state.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/timex.h>
#include <time.h>

#include "sentry/kernel/timers.h"
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
	int id = arg_int(a, 0), tid;
	if (id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID || id < 0) {
		/* The guest's threads, not the host's whole Sentry nor a pooled thread's past. */
		int clock = cpu_clock_resolve(t, id, true, &tid);
		if (clock < 0)
			return clock;
		ts = ns_to_timespec(cpu_clock_now(t, clock, tid));
	} else if (clock_valid(id)) {
		sentry_clock(id, &ts);
	} else {
		return -EINVAL;
	}
	struct linux_timespec lt = {ts.tv_sec, ts.tv_nsec};
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &lt, sizeof(lt)) ? -EFAULT : 0;
}

long sys_clock_getres(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;
	int id = arg_int(a, 0), tid;
	if (id < 0 && cpu_clock_resolve(t, id, false, &tid) < 0)
		return -EINVAL;
	if (id >= 0 && !clock_valid(id))
		return -EINVAL;
	if (!a->a[1])
		return 0;
	clock_getres(id < 0 ? CLOCK_PROCESS_CPUTIME_ID : id, &ts);
	/* Linux's posix_cpu_clock_getres: a tick for the PROF and VIRT clocks, 1 ns for SCHED. */
	if (id < 0 && (id & 3) != 2)
		ts = ns_to_timespec(CPU_TICK_NS);
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

/* Linux's timespec64_valid_settod: a valid time the clock could be set to. */
static bool settod_valid(const struct linux_timespec *ts)
{
	/* KTIME_SEC_MAX less TIME_SETTOD_SEC_ALLOWANCE (30 years). */
	const s64 settod_max = INT64_MAX / (s64)NSEC_PER_SEC - 30LL * 365 * 86400;
	return linux_timespec_valid(ts) && ts->tv_sec < settod_max;
}

long sys_clock_settime(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), tid;
	struct linux_timespec ts;
	if (id < 0) /* a CPU clock: Linux's posix_cpu_clock_set */
		return cpu_clock_resolve(t, id, false, &tid) < 0 ? -EINVAL : -EPERM;
	if (id != CLOCK_REALTIME) /* the only clock with a clock_set */
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &ts, arg_ptr(a, 1), sizeof(ts)))
		return -EFAULT;
	return settod_valid(&ts) ? -EPERM : -EINVAL;
}

long sys_settimeofday(struct task *t, const struct syscall_args *a)
{
	struct linux_timeval tv = {0};
	struct linux_timezone tz;
	if (a->a[0]) {
		if (mm_copy_from_user(t->mm, &tv, arg_ptr(a, 0), sizeof(tv)))
			return -EFAULT;
		if (!linux_timeval_valid(&tv))
			return -EINVAL;
	}
	if (a->a[1] && mm_copy_from_user(t->mm, &tz, arg_ptr(a, 1), sizeof(tz)))
		return -EFAULT;
	struct linux_timespec ts = {tv.tv_sec, tv.tv_usec * 1000};
	if (a->a[0] && !settod_valid(&ts))
		return -EINVAL;
	return -EPERM;
}

/* The kernel's names: glibc's ADJ_OFFSET_SINGLESHOT (0x8001) is ADJTIME | SINGLESHOT. */
#define LINUX_ADJ_ADJTIME 0x8000
#define LINUX_ADJ_OFFSET_SINGLESHOT 0x0001
#define LINUX_ADJ_OFFSET_READONLY 0x2000
#define LINUX_CLOCKFD 3 /* a dynamic (PTP) clock's id: ~fd << 3 | 3 */

/*
 * adjtimex on the realtime clock: Linux's timekeeping_validate_timex
 * with no CAP_SYS_TIME, so only a read passes; it reads the host's
 * state (the call cannot change it with these modes).
 */
static long adjtime_realtime(struct task *t, uaddr_t utx)
{
	struct timex tx;
	if (mm_copy_from_user(t->mm, &tx, utx, sizeof(tx)))
		return -EFAULT;
	if (tx.modes & LINUX_ADJ_ADJTIME) {
		/* adjtime(3)'s single-shot offset, which may only be read. */
		if (!(tx.modes & LINUX_ADJ_OFFSET_SINGLESHOT))
			return -EINVAL;
		if (!(tx.modes & LINUX_ADJ_OFFSET_READONLY))
			return -EPERM;
	} else if (tx.modes) {
		return -EPERM;
	}
	/* Linux ignores the other bits of a read: the host is asked only to read. */
	struct timex host = {.modes = tx.modes ? ADJ_OFFSET_SS_READ : 0};
	int state = adjtimex(&host);
	if (state < 0)
		return -errno;
	return mm_copy_to_user(t->mm, utx, &host, sizeof(host)) ? -EFAULT : state;
}

long sys_adjtimex(struct task *t, const struct syscall_args *a)
{
	return adjtime_realtime(t, arg_ptr(a, 0));
}

long sys_clock_adjtime(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0);
	struct timex tx;
	if (mm_copy_from_user(t->mm, &tx, arg_ptr(a, 1), sizeof(tx)))
		return -EFAULT;
	if (id == CLOCK_REALTIME)
		return adjtime_realtime(t, arg_ptr(a, 1));
	/* A dynamic clock's fd names no clock here. */
	if (id < 0 && (id & 7) == LINUX_CLOCKFD)
		return -EINVAL;
	/* CPU clocks (any pid: Linux looks no further) and the rest cannot be adjusted. */
	return id < 0 || clock_valid(id) ? -EOPNOTSUPP : -EINVAL;
}

/* A guest time in ns, saturated as Linux's ktime (KTIME_MAX) so sums cannot wrap. */
#define KTIME_MAX ((u64)INT64_MAX)

static u64 ts_to_ktime(const struct linux_timespec *ts)
{
	if ((u64)ts->tv_sec >= KTIME_MAX / NSEC_PER_SEC)
		return KTIME_MAX;
	return (u64)ts->tv_sec * NSEC_PER_SEC + (u64)ts->tv_nsec;
}

static u64 ktime_add_safe(u64 a, u64 b)
{
	return a > KTIME_MAX - b ? KTIME_MAX : a + b;
}

/*
 * A sleep's clock: a host clock, or a CPU clock resolved by
 * cpu_clock_resolve with cpu_id its process or thread (timers.h).
 */
static bool clock_is_cpu(int clock)
{
	return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID;
}

static u64 sleep_clock_now(struct task *t, int clock, int cpu_id)
{
	return clock_is_cpu(clock) ? cpu_clock_now(t, clock, cpu_id) : ktimer_now(clock);
}

/*
 * Sleep until clock reaches expires (ns). Returns 0, or -EINTR
 * for a signal. The wait is a task_sleep on CLOCK_MONOTONIC, so the vCPU
 * is free meanwhile; other clocks are re-read at least once a second, so
 * an absolute CLOCK_REALTIME sleep ends when the wall clock passes it
 * even if it was stepped meanwhile.
 */
static int sleep_until(struct task *t, int clock, int cpu_id, u64 expires)
{
	for (;;) {
		u64 now = sleep_clock_now(t, clock, cpu_id);
		if (now >= expires)
			return 0;
		u64 left = MIN(expires - now, 86400 * NSEC_PER_SEC);
		/* Other threads' CPU time is sampled, as Linux's CPU timers on the tick. */
		if (clock_is_cpu(clock))
			left = MIN(left, CPU_TICK_NS);
		else if (clock != CLOCK_MONOTONIC)
			left = MIN(left, NSEC_PER_SEC);
		struct timespec dl = ns_to_timespec(ktimer_now(CLOCK_MONOTONIC) + left);
		if (task_sleep(t, &dl) == -EINTR)
			return -EINTR;
	}
}

static long nanosleep_restart(struct task *t);

/*
 * The sleep proper, for the first call and for restart_syscall: as
 * Linux's do_nanosleep, an interrupted relative sleep writes the time
 * left to urem and returns -ERESTART_RESTARTBLOCK, so that after a stop
 * (no handler ran) restart_syscall sleeps on to the same expiry; with a
 * handler the guest sees EINTR (nanosleep ignores SA_RESTART, see
 * signal(7)). An absolute sleep returns -ERESTARTNOHAND: the syscall
 * itself is restarted with the same arguments.
 */
static long sleep_to(struct task *t, int clock, int cpu_id, u64 expires, bool abs, uaddr_t urem)
{
	if (!sleep_until(t, clock, cpu_id, expires))
		return 0;
	if (abs)
		return -ERESTARTNOHAND;
	u64 now = sleep_clock_now(t, clock, cpu_id);
	if (now >= expires)
		return 0;
	if (urem.addr) {
		u64 left = expires - now;
		struct linux_timespec lr = {left / NSEC_PER_SEC, left % NSEC_PER_SEC};
		if (mm_copy_to_user(t->mm, urem, &lr, sizeof(lr)))
			return -EFAULT;
	}
	t->restart.fn = nanosleep_restart;
	t->restart.clock = clock;
	t->restart.expires = expires;
	t->restart.urem = urem.addr;
	t->restart.arg[0] = (u64)cpu_id;
	return -ERESTART_RESTARTBLOCK;
}

static long nanosleep_restart(struct task *t)
{
	return sleep_to(t, t->restart.clock, (int)t->restart.arg[0], t->restart.expires, false,
			uaddr(t->restart.urem));
}

/*
 * restart_syscall(2): the signal code turns -ERESTART_RESTARTBLOCK into
 * this syscall when no handler ran (signal.c). Without a pending restart
 * (the guest calling it by hand, or a second call) it is EINTR, as Linux's
 * do_no_restart_syscall.
 */
long sys_restart_syscall(struct task *t, const struct syscall_args *a)
{
	long (*fn)(struct task *) = t->restart.fn;
	t->restart.fn = NULL;
	return fn ? fn(t) : -EINTR;
}

static long do_sleep(struct task *t, int clock, int cpu_id, bool abs, uaddr_t ureq, uaddr_t urem)
{
	struct linux_timespec req;
	if (mm_copy_from_user(t->mm, &req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000)
		return -EINVAL;
	u64 ns = ts_to_ktime(&req);
	if (!abs) {
		/* Linux runs relative CLOCK_REALTIME sleeps on CLOCK_MONOTONIC (hrtimer_init). */
		if (clock == CLOCK_REALTIME || clock == CLOCK_TAI)
			clock = CLOCK_MONOTONIC;
		ns = ktime_add_safe(sleep_clock_now(t, clock, cpu_id), ns);
	}
	return sleep_to(t, clock, cpu_id, ns, abs, urem);
}

long sys_nanosleep(struct task *t, const struct syscall_args *a)
{
	return do_sleep(t, CLOCK_MONOTONIC, 0, false, arg_ptr(a, 0), arg_ptr(a, 1));
}

long sys_clock_nanosleep(struct task *t, const struct syscall_args *a)
{
	int clock = arg_int(a, 0), flags = arg_int(a, 1), tid = t->tg->tgid;
	/* Linux's posix_cpu_nsleep: the caller's own thread clock never advances while it sleeps. */
	if (clock < 0 && (clock & 4) && (~(clock >> 3) == 0 || ~(clock >> 3) == t->tid))
		return -EINVAL;
	/* Dynamic ids: glibc names the caller's process clock so (-6); other processes' too. */
	if (clock < 0 && (clock = cpu_clock_resolve(t, clock, false, &tid)) < 0)
		return clock;
	if (clock == CLOCK_THREAD_CPUTIME_ID && tid != t->tid)
		return do_sleep(t, clock, tid, flags & TIMER_ABSTIME, arg_ptr(a, 2), arg_ptr(a, 3));
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_PROCESS_CPUTIME_ID: /* until other threads have used that much CPU */
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		return -EINVAL;
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		/* Linux without an RTC to wake the system; the sandbox has none. */
		return -ENOTSUP;
	default:
		return clock_valid(clock) ? -ENOTSUP : -EINVAL;
	}
	return do_sleep(t, clock, tid, flags & TIMER_ABSTIME, arg_ptr(a, 2), arg_ptr(a, 3));
}
