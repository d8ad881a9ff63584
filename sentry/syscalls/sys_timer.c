// SPDX-License-Identifier: Apache-2.0
/*
 * Timers: alarm, getitimer, setitimer (sentry/kernel/itimer.c), the POSIX
 * timer_* calls (posix_timer.c) and timerfds (sentry/vfs/timerfd.c). The
 * handlers copy arguments in and results out; the rest is theirs.
 */
#include <errno.h>
#include <fcntl.h>

#include "sentry/kernel/timers.h"
#include "sentry/vfs/timerfd.h"
#include "syscalls.h"

long sys_alarm(struct task *t, const struct syscall_args *a)
{
	return itimer_alarm(t, arg_uint(a, 0));
}

long sys_getitimer(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerval cur;
	int ret = itimer_get(t, arg_int(a, 0), &cur);
	if (ret)
		return ret;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &cur, sizeof(cur)) ? -EFAULT : 0;
}

long sys_setitimer(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerval val, old;
	bool has_val = a->a[1];
	if (has_val && mm_copy_from_user(t->mm, &val, arg_ptr(a, 1), sizeof(val)))
		return -EFAULT;
	int ret = itimer_set(t, arg_int(a, 0), has_val ? &val : NULL, a->a[2] ? &old : NULL);
	if (ret)
		return ret;
	if (a->a[2] && mm_copy_to_user(t->mm, arg_ptr(a, 2), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_timer_create(struct task *t, const struct syscall_args *a)
{
	struct linux_sigevent ev;
	bool has_ev = a->a[1];
	if (has_ev && mm_copy_from_user(t->mm, &ev, arg_ptr(a, 1), sizeof(ev)))
		return -EFAULT;
	long id = posix_timer_create(t, arg_int(a, 0), has_ev ? &ev : NULL);
	if (id < 0)
		return id;
	s32 id32 = (s32)id;
	if (mm_copy_to_user(t->mm, arg_ptr(a, 2), &id32, sizeof(id32))) {
		/* The guest never learnt the ID: take the timer back, as Linux does. */
		int __unused ret = posix_timer_delete(t, (int)id);
		return -EFAULT;
	}
	return 0;
}

long sys_timer_settime(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerspec val, old;
	if (!a->a[2])
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &val, arg_ptr(a, 2), sizeof(val)))
		return -EFAULT;
	int ret = posix_timer_settime(t, arg_int(a, 0), arg_int(a, 1), &val, a->a[3] ? &old : NULL);
	if (ret)
		return ret;
	if (a->a[3] && mm_copy_to_user(t->mm, arg_ptr(a, 3), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_timer_gettime(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerspec cur;
	int ret = posix_timer_gettime(t, arg_int(a, 0), &cur);
	if (ret)
		return ret;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &cur, sizeof(cur)) ? -EFAULT : 0;
}

long sys_timer_getoverrun(struct task *t, const struct syscall_args *a)
{
	return posix_timer_getoverrun(t, arg_int(a, 0));
}

long sys_timer_delete(struct task *t, const struct syscall_args *a)
{
	return posix_timer_delete(t, arg_int(a, 0));
}

long sys_timerfd_create(struct task *t, const struct syscall_args *a)
{
	int flags = arg_int(a, 1);
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *f = timerfd_create(arg_int(a, 0), flags);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return fdtable_alloc(t->files, 0, f, flags & O_CLOEXEC);
}

long sys_timerfd_settime(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerspec val, old;
	int flags = arg_int(a, 1);
	if (mm_copy_from_user(t->mm, &val, arg_ptr(a, 2), sizeof(val)))
		return -EFAULT;
	/* Linux checks the arguments before the fd. */
	if ((flags & ~(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET)) ||
	    !linux_timespec_valid(&val.it_value) || !linux_timespec_valid(&val.it_interval))
		return -EINVAL;
	struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f)
		return -EBADF;
	int ret = timerfd_settime(f, flags, &val, a->a[3] ? &old : NULL);
	file_put(f);
	if (ret)
		return ret;
	if (a->a[3] && mm_copy_to_user(t->mm, arg_ptr(a, 3), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_timerfd_gettime(struct task *t, const struct syscall_args *a)
{
	struct linux_itimerspec cur;
	struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f)
		return -EBADF;
	int ret = timerfd_gettime(f, &cur);
	file_put(f);
	if (ret)
		return ret;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &cur, sizeof(cur)) ? -EFAULT : 0;
}
