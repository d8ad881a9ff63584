// SPDX-License-Identifier: Apache-2.0
/*
 * poll, ppoll, select and pselect6, over the poll machinery of
 * sentry/vfs/poll.h, with Linux's fs/select.c as the reference for every
 * error, timeout and signal-mask rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "abi/linux/poll.h"
#include "lib/cleanup.h"
#include "sentry/kernel/signal.h"
#include "sentry/vfs/poll.h"
#include "syscalls.h"

#define NSEC_PER_SEC 1000000000L
/* Beyond this an end time is as good as never (and safe from overflow). */
#define TIMEOUT_FOREVER_SEC (1LL << 40)

/* What select counts as ready for each of its three sets (Linux's POLL*_SET). */
#define SELECT_IN \
	(LINUX_POLLRDNORM | LINUX_POLLRDBAND | LINUX_POLLIN | LINUX_POLLHUP | LINUX_POLLERR)
#define SELECT_OUT (LINUX_POLLWRBAND | LINUX_POLLWRNORM | LINUX_POLLOUT | LINUX_POLLERR)
#define SELECT_EX LINUX_POLLPRI

/*
 * A timeout: none (wait forever), zero (only look), or an end time on
 * CLOCK_MONOTONIC, as Linux's poll_select_set_timeout makes it.
 */
struct poll_timeout {
	bool set;
	bool zero;
	struct timespec end;
};

static int timeout_set(struct poll_timeout *to, s64 sec, s64 nsec)
{
	if (sec < 0 || (u64)nsec >= (u64)NSEC_PER_SEC)
		return -EINVAL;
	to->set = true;
	to->zero = !sec && !nsec;
	if (to->zero)
		return 0;
	if (sec > TIMEOUT_FOREVER_SEC)
		sec = TIMEOUT_FOREVER_SEC;
	to->end = deadline_after(&(struct timespec){sec, nsec});
	return 0;
}

/* The deadline to sleep to: NULL for none. */
static const struct timespec *timeout_deadline(const struct poll_timeout *to)
{
	return to->set && !to->zero ? &to->end : NULL;
}

/*
 * select, pselect6 and ppoll tell the caller how much of the timeout is
 * left, as Linux's poll_select_finish: not for a zero timeout, and a
 * timeout the caller cannot get back turns a restart into EINTR (the
 * restart would start the whole timeout again).
 */
static long timeout_finish(struct task *t, const struct poll_timeout *to, uaddr_t uto, bool timeval,
			   long ret)
{
	struct timespec now;

	if (!uto.addr || !to->set || to->zero)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s64 sec = to->end.tv_sec - now.tv_sec;
	s64 nsec = to->end.tv_nsec - now.tv_nsec;
	if (nsec < 0) {
		sec--;
		nsec += NSEC_PER_SEC;
	}
	if (sec < 0)
		sec = nsec = 0;
	int err;
	if (timeval) {
		struct linux_timeval tv = {sec, nsec / 1000};
		err = mm_copy_to_user(t->mm, uto, &tv, sizeof(tv));
	} else {
		struct linux_timespec ts = {sec, nsec};
		err = mm_copy_to_user(t->mm, uto, &ts, sizeof(ts));
	}
	return err && ret == -ERESTARTNOHAND ? -EINTR : ret;
}

/* A guest timespec as a timeout: -EFAULT, -EINVAL. */
static int timeout_from_user(struct task *t, uaddr_t uts, struct poll_timeout *to)
{
	struct linux_timespec ts;

	*to = (struct poll_timeout){0};
	if (!uts.addr)
		return 0;
	if (mm_copy_from_user(t->mm, &ts, uts, sizeof(ts)))
		return -EFAULT;
	return timeout_set(to, ts.tv_sec, ts.tv_nsec);
}

/*
 * ppoll and pselect6 wait with the caller's signal mask. If a signal ends
 * the wait, the old mask comes back only after its handler has run (the
 * signal code restores saved_sigmask); otherwise at once.
 */
static int sigmask_swap(struct task *t, uaddr_t umask, u64 size, bool *swapped)
{
	u64 mask;

	*swapped = false;
	if (!umask.addr)
		return 0;
	if (size != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	signal_set_temporary_mask(t, mask);
	*swapped = true;
	return 0;
}

static void sigmask_restore_unless_interrupted(struct task *t, bool swapped, long ret)
{
	if (swapped && ret != -ERESTARTNOHAND)
		signal_restore_temporary_mask(t);
}

/*
 * Look at fd for the events in key (POLLERR and POLLHUP included), queueing
 * on it through pw. A closed fd or an O_PATH one is POLLNVAL, as Linux's
 * fdget sees neither.
 */
static u32 poll_one(struct task *t, int fd, u32 key, struct poll_wqueues *pw)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f || (f->mode & FMODE_PATH)) {
		file_put(f);
		return LINUX_POLLNVAL;
	}
	pw->pt.key = key;
	u32 mask = vfs_poll(f, &pw->pt);
	file_put(f);
	return mask;
}

/*
 * The wait both poll and select do around their scans: scan (queueing on
 * every file the first time), and unless something is ready, a signal is
 * pending or time is up, sleep and scan again. scan returns the count of
 * ready entries; the result is that count, -ERESTARTNOHAND or -ENOMEM.
 */
static long poll_loop(struct task *t, const struct poll_timeout *to,
		      long (*scan)(struct task *t, struct poll_wqueues *pw, void *arg), void *arg)
{
	struct poll_wqueues pw;
	bool timed_out = to->set && to->zero;
	long count;

	poll_wqueues_init(&pw, t);
	if (timed_out)
		poll_wqueues_stop(&pw);
	for (;;) {
		count = scan(t, &pw, arg);
		poll_wqueues_stop(&pw);
		if (!count) {
			count = pw.error;
			if (task_signal_pending(t))
				count = -ERESTARTNOHAND;
		}
		if (count || timed_out)
			break;
		/* -EINTR: the next scan sees the signal (unless another thread took it). */
		if (poll_schedule(&pw, timeout_deadline(to)) == -ETIMEDOUT)
			timed_out = true;
	}
	poll_wqueues_free(&pw);
	return count;
}

struct poll_scan {
	struct linux_pollfd *fds;
	u32 n;
};

static long poll_scan(struct task *t, struct poll_wqueues *pw, void *arg)
{
	struct poll_scan *ps = arg;
	long count = 0;

	for (u32 i = 0; i < ps->n; i++) {
		struct linux_pollfd *p = &ps->fds[i];
		u32 mask = 0;
		if (p->fd >= 0) {
			u32 filter = p->events | LINUX_POLLERR | LINUX_POLLHUP;
			mask = poll_one(t, p->fd, filter, pw);
			if (!(mask & LINUX_POLLNVAL))
				mask &= filter;
		}
		p->revents = (u16)mask;
		if (mask) {
			count++;
			/* One ready file ends the call: queueing on the rest is wasted. */
			poll_wqueues_stop(pw);
		}
	}
	return count;
}

static long do_sys_poll(struct task *t, uaddr_t ufds, u32 nfds, const struct poll_timeout *to)
{
	if (nfds > task_rlimit(t, LINUX_RLIMIT_NOFILE))
		return -EINVAL;
	_cleanup_free_ struct linux_pollfd *fds = calloc(nfds ? nfds : 1, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	if (mm_copy_from_user(t->mm, fds, ufds, (size_t)nfds * sizeof(*fds)))
		return -EFAULT;
	struct poll_scan ps = {fds, nfds};
	long ret = poll_loop(t, to, poll_scan, &ps);
	/* Only revents goes back: the guest may be changing fd and events. */
	for (u32 i = 0; i < nfds; i++) {
		uaddr_t u = uaddr(ufds.addr + i * sizeof(*fds) +
				  offsetof(struct linux_pollfd, revents));
		if (mm_copy_to_user(t->mm, u, &fds[i].revents, sizeof(fds[i].revents)))
			return -EFAULT;
	}
	return ret;
}

static long poll_restart(struct task *t);

/*
 * Linux's sys_poll: an interrupted poll goes on through restart_syscall
 * (when no handler ran) with the end time it had, not its whole timeout
 * again; with a handler it is EINTR, SA_RESTART or not.
 */
static long poll_and_restart(struct task *t, uaddr_t ufds, u32 nfds, const struct poll_timeout *to)
{
	long ret = do_sys_poll(t, ufds, nfds, to);
	if (ret != -ERESTARTNOHAND)
		return ret;
	t->restart.fn = poll_restart;
	t->restart.arg[0] = ufds.addr;
	t->restart.arg[1] = nfds;
	t->restart.arg[2] = to->set;
	t->restart.expires = (u64)to->end.tv_sec * NSEC_PER_SEC + (u64)to->end.tv_nsec;
	return -ERESTART_RESTARTBLOCK;
}

static long poll_restart(struct task *t)
{
	struct poll_timeout to = {.set = t->restart.arg[2] != 0};
	if (to.set) {
		to.end.tv_sec = (time_t)(t->restart.expires / NSEC_PER_SEC);
		to.end.tv_nsec = (long)(t->restart.expires % NSEC_PER_SEC);
	}
	return poll_and_restart(t, uaddr(t->restart.arg[0]), (u32)t->restart.arg[1], &to);
}

long sys_poll(struct task *t, const struct syscall_args *a)
{
	struct poll_timeout to = {0};
	int ms = arg_int(a, 2);

	if (ms >= 0 && timeout_set(&to, ms / 1000, (s64)(ms % 1000) * 1000000))
		return -EINVAL;
	return poll_and_restart(t, arg_ptr(a, 0), arg_uint(a, 1), &to);
}

long sys_ppoll(struct task *t, const struct syscall_args *a)
{
	struct poll_timeout to;
	bool swapped;

	long ret = timeout_from_user(t, arg_ptr(a, 2), &to);
	if (ret)
		return ret;
	ret = sigmask_swap(t, arg_ptr(a, 3), a->a[4], &swapped);
	if (ret)
		return ret;
	ret = do_sys_poll(t, arg_ptr(a, 0), arg_uint(a, 1), &to);
	sigmask_restore_unless_interrupted(t, swapped, ret);
	return timeout_finish(t, &to, arg_ptr(a, 2), false, ret);
}

/* select's fd sets: in, out, ex as given, then the three results. */
struct select_scan {
	int n;
	u64 *set[6];
};

static long select_scan(struct task *t, struct poll_wqueues *pw, void *arg)
{
	struct select_scan *ss = arg;
	long count = 0;

	for (int fd = 0; fd < ss->n; fd++) {
		u64 bit = 1ULL << (fd % 64);
		int w = fd / 64;
		bool in = ss->set[0][w] & bit, out = ss->set[1][w] & bit, ex = ss->set[2][w] & bit;
		if (!in && !out && !ex)
			continue;
		u32 key = SELECT_EX | (in ? SELECT_IN : 0) | (out ? SELECT_OUT : 0);
		u32 mask = poll_one(t, fd, key, pw);
		bool r[3] = {in && (mask & SELECT_IN), out && (mask & SELECT_OUT),
			     ex && (mask & SELECT_EX)};
		for (int s = 0; s < 3; s++) {
			if (!r[s])
				continue;
			ss->set[3 + s][w] |= bit;
			count++;
			poll_wqueues_stop(pw);
		}
	}
	return count;
}

/* Linux's max_select_fd: every fd named in a set must be open. */
static int select_check_fds(struct task *t, const struct select_scan *ss)
{
	for (int fd = 0; fd < ss->n; fd++) {
		u64 bit = 1ULL << (fd % 64);
		int w = fd / 64;
		if (!((ss->set[0][w] | ss->set[1][w] | ss->set[2][w]) & bit))
			continue;
		struct file *f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		file_put(f);
	}
	return 0;
}

static long core_sys_select(struct task *t, int n, const uaddr_t uset[3],
			    const struct poll_timeout *to)
{
	u64 words[6][FDTABLE_MAX / 64] = {{0}};
	struct select_scan ss;

	if (n < 0)
		return -EINVAL;
	/* Linux clamps n to the fd table's size. */
	ss.n = MIN(n, FDTABLE_MAX);
	size_t bytes = (size_t)(ss.n + 63) / 64 * sizeof(u64);
	for (int s = 0; s < 6; s++)
		ss.set[s] = words[s];
	for (int s = 0; s < 3; s++)
		if (uset[s].addr && mm_copy_from_user(t->mm, ss.set[s], uset[s], bytes))
			return -EFAULT;
	long ret = select_check_fds(t, &ss);
	if (ret)
		return ret;
	ret = poll_loop(t, to, select_scan, &ss);
	if (ret < 0)
		return ret;
	for (int s = 0; s < 3; s++)
		if (uset[s].addr && mm_copy_to_user(t->mm, uset[s], ss.set[3 + s], bytes))
			return -EFAULT;
	return ret;
}

long sys_select(struct task *t, const struct syscall_args *a)
{
	const uaddr_t uset[3] = {arg_ptr(a, 1), arg_ptr(a, 2), arg_ptr(a, 3)};
	uaddr_t utv = arg_ptr(a, 4);
	struct poll_timeout to = {0};

	if (utv.addr) {
		struct linux_timeval tv;
		if (mm_copy_from_user(t->mm, &tv, utv, sizeof(tv)))
			return -EFAULT;
		/* Linux folds whole seconds of tv_usec into tv_sec (wrapping, as C there). */
		s64 sec = (s64)((u64)tv.tv_sec + (u64)(tv.tv_usec / 1000000));
		if (timeout_set(&to, sec, (tv.tv_usec % 1000000) * 1000))
			return -EINVAL;
	}
	long ret = core_sys_select(t, arg_int(a, 0), uset, &to);
	return timeout_finish(t, &to, utv, true, ret);
}

long sys_pselect6(struct task *t, const struct syscall_args *a)
{
	const uaddr_t uset[3] = {arg_ptr(a, 1), arg_ptr(a, 2), arg_ptr(a, 3)};
	struct linux_sigset_argpack pack = {0};
	struct poll_timeout to;
	bool swapped;

	if (a->a[5] && mm_copy_from_user(t->mm, &pack, arg_ptr(a, 5), sizeof(pack)))
		return -EFAULT;
	long ret = timeout_from_user(t, arg_ptr(a, 4), &to);
	if (ret)
		return ret;
	ret = sigmask_swap(t, uaddr(pack.sigmask), pack.size, &swapped);
	if (ret)
		return ret;
	ret = core_sys_select(t, arg_int(a, 0), uset, &to);
	sigmask_restore_unless_interrupted(t, swapped, ret);
	return timeout_finish(t, &to, arg_ptr(a, 4), false, ret);
}
