// SPDX-License-Identifier: Apache-2.0
/* Files made by a syscall rather than opened by name: pipe, pipe2, eventfd, eventfd2. */
#include <errno.h>
#include <fcntl.h>

#include "abi/linux/poll.h"
#include "sentry/vfs/pipe.h"
#include "syscalls.h"

_Static_assert(LINUX_EFD_NONBLOCK == O_NONBLOCK && LINUX_EFD_CLOEXEC == O_CLOEXEC,
	       "eventfd flags are the O_ flags");

static void close_unpublished(struct task *t, int fd)
{
	/* The fd was never handed to the guest: it is still ours to close. */
	int __unused ret = fdtable_close(t->files, fd);
}

static long do_pipe2(struct task *t, uaddr_t ufds, int flags)
{
	struct file *ends[2];
	int fds[2];

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | LINUX_O_NOTIFICATION_PIPE))
		return -EINVAL;
	/* Watch-queue pipes: Linux built without CONFIG_WATCH_QUEUE says this. */
	if (flags & LINUX_O_NOTIFICATION_PIPE)
		return -ENOPKG;
	int ret = pipe_create(flags, t->uid, t->gid, ends);
	if (ret)
		return ret;
	fds[0] = fdtable_alloc(t->files, 0, ends[0], flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(ends[1]);
		return fds[0];
	}
	fds[1] = fdtable_alloc(t->files, 0, ends[1], flags & O_CLOEXEC);
	if (fds[1] < 0) {
		close_unpublished(t, fds[0]);
		return fds[1];
	}
	if (mm_copy_to_user(t->mm, ufds, fds, sizeof(fds))) {
		close_unpublished(t, fds[0]);
		close_unpublished(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(struct task *t, const struct syscall_args *a)
{
	return do_pipe2(t, arg_ptr(a, 0), 0);
}

long sys_pipe2(struct task *t, const struct syscall_args *a)
{
	return do_pipe2(t, arg_ptr(a, 0), arg_int(a, 1));
}

static long do_eventfd2(struct task *t, unsigned initval, int flags)
{
	if (flags & ~(LINUX_EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *f = eventfd_create(initval, flags);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return fdtable_alloc(t->files, 0, f, flags & O_CLOEXEC);
}

long sys_eventfd(struct task *t, const struct syscall_args *a)
{
	return do_eventfd2(t, arg_uint(a, 0), 0);
}

long sys_eventfd2(struct task *t, const struct syscall_args *a)
{
	return do_eventfd2(t, arg_uint(a, 0), arg_int(a, 1));
}
