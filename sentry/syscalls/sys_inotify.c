// SPDX-License-Identifier: Apache-2.0
/*
 * inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch, with
 * the checks of Linux's fs/notify/inotify/inotify_user.c in its order;
 * the instances and events are sentry/vfs/inotify.c's.
 */
#include <errno.h>
#include <fcntl.h>

#include "sentry/vfs/inotify.h"
#include "sys_path.h"

_Static_assert(LINUX_IN_NONBLOCK == O_NONBLOCK && LINUX_IN_CLOEXEC == O_CLOEXEC,
	       "inotify_init1 flags are the O_ flags");

static long do_inotify_init1(struct task *t, int flags)
{
	if (flags & ~(LINUX_IN_CLOEXEC | LINUX_IN_NONBLOCK))
		return -EINVAL;
	struct file *f = inotify_create(flags);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return fdtable_alloc(t->files, 0, f, flags & LINUX_IN_CLOEXEC);
}

long sys_inotify_init(struct task *t, const struct syscall_args *a)
{
	return do_inotify_init1(t, 0);
}

long sys_inotify_init1(struct task *t, const struct syscall_args *a)
{
	return do_inotify_init1(t, arg_int(a, 0));
}

/* The inotify instance at fd: -EBADF if none is open there, -EINVAL if it is no instance. */
static struct file *inotify_file(struct task *t, int fd, long *err)
{
	struct file *f = fdtable_get(t->files, fd);
	*err = !f ? -EBADF : !file_is_inotify(f) ? -EINVAL : 0;
	if (*err) {
		file_put(f);
		return NULL;
	}
	return f;
}

long sys_inotify_add_watch(struct task *t, const struct syscall_args *a)
{
	u32 mask = arg_uint(a, 2);
	long ret;

	if ((mask & LINUX_IN_MASK_ADD) && (mask & LINUX_IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & LINUX_IN_ALL_BITS))
		return -EINVAL;
	_cleanup_file_ struct file *f = inotify_file(t, arg_int(a, 0), &ret);
	if (!f)
		return ret;
	unsigned lflags = (mask & LINUX_IN_DONT_FOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (mask & LINUX_IN_ONLYDIR ? LOOKUP_DIRECTORY : 0);
	_cleanup_path_ struct path p = {0};
	ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 1), lflags, &p);
	if (ret)
		return ret;
	/* Linux's inotify_find_inode: watching needs read permission. */
	struct vfs_cred c;
	task_vfs_cred(t, &c);
	ret = inode_permission(path_inode(&p), MAY_READ, &c);
	if (ret)
		return ret;
	return inotify_add_watch(f, &p, mask);
}

long sys_inotify_rm_watch(struct task *t, const struct syscall_args *a)
{
	long ret;
	_cleanup_file_ struct file *f = inotify_file(t, arg_int(a, 0), &ret);
	if (!f)
		return ret;
	return inotify_rm_watch(f, arg_int(a, 1));
}
