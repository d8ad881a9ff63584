// SPDX-License-Identifier: Apache-2.0
/*
 * futex(2), futex_waitv(2) and get_robust_list(2) (set_robust_list is in
 * sys_thread.c): argument decoding, timeouts and restart codes over
 * sentry/kernel/futex.h.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "abi/linux/futex.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/process.h"
#include "sentry/vdso/vdso.h"
#include "syscalls.h"

#define NSEC_PER_SEC 1000000000L
/* Past this many seconds from now a deadline is never reached: wait for ever. */
#define FOREVER_SEC (INT64_MAX / 4)

/* The ops whose fourth argument is a timeout rather than a count (val2). */
static bool cmd_has_timeout(int cmd)
{
	switch (cmd) {
	case LINUX_FUTEX_WAIT:
	case LINUX_FUTEX_LOCK_PI:
	case LINUX_FUTEX_LOCK_PI2:
	case LINUX_FUTEX_WAIT_BITSET:
	case LINUX_FUTEX_WAIT_REQUEUE_PI:
		return true;
	default:
		return false;
	}
}

/* Copy in a timespec and check it as Linux's timespec64_valid: -EFAULT, -EINVAL. */
static int read_timespec(struct task *t, uaddr_t a, struct linux_timespec *ts)
{
	if (mm_copy_from_user(t->mm, ts, a, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/* The guest's view of clock id (the vDSO's, so deadlines agree with it). */
static struct timespec guest_now(int id)
{
	struct timespec now;
	if (vdso_clock_gettime(id, &now))
		clock_gettime(id, &now);
	return now;
}

/*
 * The guest time ts (relative to now if rel, else absolute on clock:
 * CLOCK_MONOTONIC or CLOCK_REALTIME) as the absolute host CLOCK_MONOTONIC
 * deadline task_sleep takes. Returns dl, or NULL for a deadline too far
 * off to ever come (Linux saturates it). A CLOCK_REALTIME deadline is
 * converted once with the clocks' offset now, so a later jump of the
 * realtime clock does not move it as it would on Linux.
 */
static struct timespec *to_deadline(const struct linux_timespec *ts, int clock, bool rel,
				    struct timespec *dl)
{
	struct timespec mono;
	s64 sec = ts->tv_sec, nsec = ts->tv_nsec;

	if (!rel && clock == CLOCK_MONOTONIC) {
		if (sec > FOREVER_SEC)
			return NULL;
		dl->tv_sec = sec;
		dl->tv_nsec = nsec;
		return dl;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (!rel) {
		/* Absolute realtime: how far ahead of the guest's realtime clock it lies. */
		struct timespec rt = guest_now(CLOCK_REALTIME);
		sec -= rt.tv_sec;
		nsec -= rt.tv_nsec;
		if (nsec < 0) {
			nsec += NSEC_PER_SEC;
			sec--;
		}
		if (sec < 0)
			sec = nsec = 0; /* in the past: time out at once */
	}
	if (sec > FOREVER_SEC)
		return NULL;
	dl->tv_sec = mono.tv_sec + sec;
	dl->tv_nsec = mono.tv_nsec + nsec;
	if (dl->tv_nsec >= NSEC_PER_SEC) {
		dl->tv_nsec -= NSEC_PER_SEC;
		dl->tv_sec++;
	}
	return dl;
}

/*
 * The restart code of a wait a signal interrupted. Untimed waits restart
 * with ERESTARTSYS, as Linux. A timed wait goes on through
 * restart_syscall with its absolute deadline when no handler ran, and is
 * EINTR when one did (Linux's futex_wait_restart): a relative FUTEX_WAIT
 * stopped and continued waits out only what was left of its timeout.
 */
static long futex_wait_restart(struct task *t);

static long wait_and_restart(struct task *t, uaddr_t addr, bool shared, u32 val, u32 bitset,
			     const struct timespec *dl, bool timed)
{
	int ret = futex_wait(t, addr, shared, val, bitset, dl);
	if (ret != -EINTR)
		return ret;
	if (!timed)
		return -ERESTARTSYS;
	if (!dl) /* too far off to come: the same wait again is the same deadline */
		return -ERESTARTNOHAND;
	t->restart.fn = futex_wait_restart;
	t->restart.arg[0] = addr.addr;
	t->restart.arg[1] = val | (u64)shared << 32;
	t->restart.arg[2] = bitset;
	t->restart.expires = (u64)dl->tv_sec * NSEC_PER_SEC + (u64)dl->tv_nsec;
	return -ERESTART_RESTARTBLOCK;
}

static long futex_wait_restart(struct task *t)
{
	struct timespec dl = {(time_t)(t->restart.expires / NSEC_PER_SEC),
			      (long)(t->restart.expires % NSEC_PER_SEC)};
	u64 v = t->restart.arg[1];
	return wait_and_restart(t, uaddr(t->restart.arg[0]), v >> 32, (u32)v,
				(u32)t->restart.arg[2], &dl, true);
}

long sys_futex(struct task *t, const struct syscall_args *a)
{
	uaddr_t addr = arg_ptr(a, 0), addr2 = arg_ptr(a, 4);
	int op = arg_int(a, 1), cmd = op & LINUX_FUTEX_CMD_MASK;
	u32 val = arg_uint(a, 2), val2 = arg_uint(a, 3), val3 = arg_uint(a, 5);
	bool shared = !(op & LINUX_FUTEX_PRIVATE_FLAG);
	struct timespec deadline, *dl = NULL;
	bool timed = false;
	int ret;

	/* Linux reads the timeout before it looks at the rest of op. */
	if (a->a[3] && cmd_has_timeout(cmd)) {
		struct linux_timespec ts;
		if ((ret = read_timespec(t, arg_ptr(a, 3), &ts)))
			return ret;
		/* FUTEX_WAIT's is relative; LOCK_PI's absolute on CLOCK_REALTIME always. */
		int clock = cmd == LINUX_FUTEX_LOCK_PI || (op & LINUX_FUTEX_CLOCK_REALTIME)
				    ? CLOCK_REALTIME
				    : CLOCK_MONOTONIC;
		dl = to_deadline(&ts, clock, cmd == LINUX_FUTEX_WAIT, &deadline);
		timed = true;
	}
	if ((op & LINUX_FUTEX_CLOCK_REALTIME) && cmd != LINUX_FUTEX_WAIT_BITSET &&
	    cmd != LINUX_FUTEX_WAIT_REQUEUE_PI && cmd != LINUX_FUTEX_LOCK_PI2)
		return -ENOSYS;

	switch (cmd) {
	case LINUX_FUTEX_WAIT:
		val3 = LINUX_FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case LINUX_FUTEX_WAIT_BITSET:
		return wait_and_restart(t, addr, shared, val, val3, dl, timed);
	case LINUX_FUTEX_WAKE:
		val3 = LINUX_FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case LINUX_FUTEX_WAKE_BITSET:
		return futex_wake(t, addr, shared, (int)val, val3);
	case LINUX_FUTEX_REQUEUE:
		return futex_requeue(t, addr, addr2, shared, (int)val, (int)val2, NULL);
	case LINUX_FUTEX_CMP_REQUEUE:
		return futex_requeue(t, addr, addr2, shared, (int)val, (int)val2, &val3);
	case LINUX_FUTEX_WAKE_OP:
		return futex_wake_op(t, addr, addr2, shared, (int)val, (int)val2, val3);
	case LINUX_FUTEX_LOCK_PI:
	case LINUX_FUTEX_LOCK_PI2:
		ret = futex_lock_pi(t, addr, shared, false, dl);
		/* Linux restarts an interrupted LOCK_PI whatever the handler says. */
		return ret == -EINTR ? -ERESTARTNOINTR : ret;
	case LINUX_FUTEX_TRYLOCK_PI:
		return futex_lock_pi(t, addr, shared, true, NULL);
	case LINUX_FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, addr, shared);
	case LINUX_FUTEX_WAIT_REQUEUE_PI:
	case LINUX_FUTEX_CMP_REQUEUE_PI:
		/* TODO: requeue-PI; glibc's condition variables stopped using it in 2.25. */
		return -ENOSYS;
	default:
		return -ENOSYS; /* FUTEX_FD went in 2.6.26 */
	}
}

/* Copy in and check futex_waitv's entries as Linux's futex_parse_waitv. */
static int read_waitv(struct task *t, uaddr_t uw, unsigned n, struct futex_vec *v)
{
	for (unsigned i = 0; i < n; i++) {
		struct linux_futex_waitv w;
		if (mm_copy_from_user(t->mm, &w, uaddr(uw.addr + i * sizeof(w)), sizeof(w)))
			return -EFAULT;
		if ((w.flags & ~(LINUX_FUTEX2_SIZE_MASK | LINUX_FUTEX2_PRIVATE)) || w.reserved)
			return -EINVAL;
		/* Only 32-bit words, and a value that fits one. */
		if ((w.flags & LINUX_FUTEX2_SIZE_MASK) != LINUX_FUTEX2_SIZE_U32 ||
		    w.val > UINT32_MAX)
			return -EINVAL;
		v[i] = (struct futex_vec){uaddr(w.uaddr), (u32)w.val,
					  !(w.flags & LINUX_FUTEX2_PRIVATE)};
	}
	return 0;
}

long sys_futex_waitv(struct task *t, const struct syscall_args *a)
{
	uaddr_t uw = arg_ptr(a, 0), uto = arg_ptr(a, 3);
	unsigned n = arg_uint(a, 1);
	int clock = arg_int(a, 4), ret;
	struct futex_vec v[LINUX_FUTEX_WAITV_MAX];
	struct timespec deadline, *dl = NULL;

	if (arg_uint(a, 2)) /* no flags defined */
		return -EINVAL;
	if (!n || n > LINUX_FUTEX_WAITV_MAX || !uw.addr)
		return -EINVAL;
	if (uto.addr) {
		struct linux_timespec ts;
		if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
			return -EINVAL;
		if ((ret = read_timespec(t, uto, &ts)))
			return ret;
		dl = to_deadline(&ts, clock, false, &deadline);
	}
	if ((ret = read_waitv(t, uw, n, v)))
		return ret;
	ret = futex_wait_multiple(t, v, n, dl);
	/* Linux's futex_waitv restarts with its absolute deadline unchanged. */
	return ret == -EINTR ? -ERESTARTSYS : ret;
}

/*
 * Whether t may read o's robust list: ptrace's PTRACE_MODE_READ_REALCREDS
 * as far as the Sentry models credentials (same process, root, or the
 * same UID on a dumpable target).
 */
static bool may_read_robust_list(const struct task *t, const struct task *o)
{
	return o->tg == t->tg || t->uid == 0 || (t->uid == o->uid && o->dumpable);
}

long sys_get_robust_list(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	u64 head, len = sizeof(struct linux_robust_list_head);

	if (!pid || pid == t->tid) {
		head = t->robust_list;
	} else {
		pthread_mutex_lock(&t->k->lock);
		struct task *o = task_lookup_locked(t->k, pid);
		if (!o || !may_read_robust_list(t, o)) {
			pthread_mutex_unlock(&t->k->lock);
			return o ? -EPERM : -ESRCH;
		}
		/* Read racily, as Linux: o may set it again at any time. */
		head = __atomic_load_n(&o->robust_list, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&t->k->lock);
	}
	if (mm_copy_to_user(t->mm, arg_ptr(a, 2), &len, sizeof(len)))
		return -EFAULT;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &head, sizeof(head)) ? -EFAULT : 0;
}
