// SPDX-License-Identifier: Apache-2.0
/* signalfd and signalfd4 (sentry/vfs/signalfd.c), with Linux's argument checks. */
#include <errno.h>
#include <fcntl.h>

#include "sentry/vfs/signalfd.h"
#include "syscalls.h"

static long do_signalfd4(struct task *t, int ufd, uaddr_t umask, u64 sizemask, int flags)
{
	u64 mask;

	if (sizemask != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (ufd == -1) {
		struct file *f = signalfd_create(mask, flags);
		if (IS_ERR(f))
			return PTR_ERR(f);
		return fdtable_alloc(t->files, 0, f, flags & O_CLOEXEC);
	}
	/* An existing signalfd takes the new mask; its flags stay as they are. */
	struct file *f = fdtable_get(t->files, ufd);
	if (!f)
		return -EBADF;
	int ret = signalfd_set_mask(f, mask);
	file_put(f);
	return ret ? ret : ufd;
}

long sys_signalfd(struct task *t, const struct syscall_args *a)
{
	return do_signalfd4(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], 0);
}

long sys_signalfd4(struct task *t, const struct syscall_args *a)
{
	return do_signalfd4(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], arg_int(a, 3));
}
