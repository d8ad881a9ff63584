// SPDX-License-Identifier: Apache-2.0
/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
 * epoll_pwait2 over sentry/vfs/epoll.h, with the argument checks of
 * Linux's fs/eventpoll.c in its order.
 */
#include <errno.h>
#include <time.h>

#include "abi/linux/signal.h"
#include "sentry/kernel/signal.h"
#include "sentry/vfs/epoll.h"
#include "syscalls.h"

#define NSEC_PER_SEC 1000000000L
/* Beyond this an end time is as good as never (and safe from overflow). */
#define TIMEOUT_FOREVER_SEC (1LL << 40)

static long do_epoll_create(struct task *t, int flags)
{
	if (flags & ~LINUX_EPOLL_CLOEXEC)
		return -EINVAL;
	struct file *f = epoll_create_file();
	if (IS_ERR(f))
		return PTR_ERR(f);
	return fdtable_alloc(t->files, 0, f, flags & LINUX_EPOLL_CLOEXEC);
}

long sys_epoll_create(struct task *t, const struct syscall_args *a)
{
	/* The size is a hint Linux ignores, but it must be positive. */
	if (arg_int(a, 0) <= 0)
		return -EINVAL;
	return do_epoll_create(t, 0);
}

long sys_epoll_create1(struct task *t, const struct syscall_args *a)
{
	return do_epoll_create(t, arg_int(a, 0));
}

long sys_epoll_ctl(struct task *t, const struct syscall_args *a)
{
	int epfd = arg_int(a, 0), op = arg_int(a, 1), fd = arg_int(a, 2);
	struct linux_epoll_event ev;
	bool has_event = op == LINUX_EPOLL_CTL_ADD || op == LINUX_EPOLL_CTL_MOD;

	if (has_event && mm_copy_from_user(t->mm, &ev, arg_ptr(a, 3), sizeof(ev)))
		return -EFAULT;
	struct file *epf = fdtable_get(t->files, epfd);
	if (!epf)
		return -EBADF;
	struct file *tf = fdtable_get(t->files, fd);
	long ret = -EBADF;
	/* O_PATH descriptors are invisible to fdget, as in poll. */
	if (tf && !(tf->mode & FMODE_PATH) && !(epf->mode & FMODE_PATH))
		ret = epoll_ctl_file(epf, op, fd, tf, has_event ? &ev : NULL);
	file_put(tf);
	file_put(epf);
	return ret;
}

/*
 * The wait all three share once the timeout is known: deadline NULL waits
 * forever, nonblock only looks.
 */
static long do_epoll_wait(struct task *t, const struct syscall_args *a,
			  const struct timespec *deadline, bool nonblock)
{
	int maxevents = arg_int(a, 2);
	uaddr_t events = arg_ptr(a, 1);

	struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f || (f->mode & FMODE_PATH)) {
		file_put(f);
		return -EBADF;
	}
	long ret = -EINVAL;
	if (maxevents > 0 && maxevents <= EPOLL_MAX_EVENTS) {
		ret = -EFAULT;
		if (mm_access_ok(events, (u64)maxevents * sizeof(struct linux_epoll_event)))
			ret = epoll_wait_file(t, f, events, maxevents, deadline, nonblock);
	}
	file_put(f);
	return ret;
}

/* epoll_wait and epoll_pwait's timeout in ms: negative waits forever. */
static long do_epoll_wait_ms(struct task *t, const struct syscall_args *a)
{
	int ms = arg_int(a, 3);
	if (ms < 0)
		return do_epoll_wait(t, a, NULL, false);
	struct timespec end = deadline_after(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L});
	return do_epoll_wait(t, a, &end, ms == 0);
}

long sys_epoll_wait(struct task *t, const struct syscall_args *a)
{
	return do_epoll_wait_ms(t, a);
}

/*
 * epoll_pwait and epoll_pwait2 wait with the caller's signal mask; if a
 * signal ends the wait (EINTR), the old mask comes back only after its
 * handler ran, as ppoll (sys_poll.c).
 */
static long sigmask_set(struct task *t, const struct syscall_args *a, bool *swapped)
{
	uaddr_t umask = arg_ptr(a, 4);
	u64 mask;

	*swapped = false;
	if (!umask.addr)
		return 0;
	if (a->a[5] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	signal_set_temporary_mask(t, mask);
	*swapped = true;
	return 0;
}

static long sigmask_done(struct task *t, bool swapped, long ret)
{
	if (swapped && ret != -EINTR)
		signal_restore_temporary_mask(t);
	return ret;
}

long sys_epoll_pwait(struct task *t, const struct syscall_args *a)
{
	bool swapped;
	long ret = sigmask_set(t, a, &swapped);
	if (ret)
		return ret;
	return sigmask_done(t, swapped, do_epoll_wait_ms(t, a));
}

long sys_epoll_pwait2(struct task *t, const struct syscall_args *a)
{
	struct timespec end, *deadline = NULL;
	bool nonblock = false, swapped;
	uaddr_t uts = arg_ptr(a, 3);

	if (uts.addr) {
		struct linux_timespec ts;
		if (mm_copy_from_user(t->mm, &ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || (u64)ts.tv_nsec >= (u64)NSEC_PER_SEC)
			return -EINVAL;
		nonblock = !ts.tv_sec && !ts.tv_nsec;
		s64 sec = ts.tv_sec > TIMEOUT_FOREVER_SEC ? TIMEOUT_FOREVER_SEC : ts.tv_sec;
		end = deadline_after(&(struct timespec){sec, ts.tv_nsec});
		deadline = &end;
	}
	long ret = sigmask_set(t, a, &swapped);
	if (ret)
		return ret;
	return sigmask_done(t, swapped, do_epoll_wait(t, a, deadline, nonblock));
}
