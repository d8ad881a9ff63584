// SPDX-License-Identifier: Apache-2.0
/*
 * Changing attributes: chmod, fchmod, fchmodat, chown, fchown, lchown,
 * fchownat, utime, utimes, futimesat, utimensat.
 */
#include <errno.h>
#include <fcntl.h>

#include "sys_path.h"

static long do_fchmodat(struct task *t, int dirfd, uaddr_t upath, u32 mode)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};
	long ret = at_lookup(t, dirfd, upath, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	return vfs_chmod(&p, mode, &c);
}

long sys_chmod(struct task *t, const struct syscall_args *a)
{
	return do_fchmodat(t, AT_FDCWD, arg_ptr(a, 0), arg_uint(a, 1));
}

long sys_fchmodat(struct task *t, const struct syscall_args *a)
{
	return do_fchmodat(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2));
}

long sys_fchmod(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	if (!f->path.dentry)
		return -EPERM; /* host stdio: not ours to change */
	task_vfs_cred(t, &c);
	return vfs_chmod(&f->path, arg_uint(a, 1), &c);
}

static long do_fchownat(struct task *t, int dirfd, uaddr_t upath, u32 uid, u32 gid, int flags)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned lflags = (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	long ret = at_lookup(t, dirfd, upath, lflags, &p);
	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	return vfs_chown(&p, uid, gid, &c);
}

long sys_chown(struct task *t, const struct syscall_args *a)
{
	return do_fchownat(t, AT_FDCWD, arg_ptr(a, 0), arg_uint(a, 1), arg_uint(a, 2), 0);
}

long sys_lchown(struct task *t, const struct syscall_args *a)
{
	return do_fchownat(t, AT_FDCWD, arg_ptr(a, 0), arg_uint(a, 1), arg_uint(a, 2),
			   AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(struct task *t, const struct syscall_args *a)
{
	return do_fchownat(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), arg_uint(a, 3),
			   arg_int(a, 4));
}

long sys_fchown(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	if (!f->path.dentry)
		return -EPERM;
	task_vfs_cred(t, &c);
	return vfs_chown(&f->path, arg_uint(a, 1), arg_uint(a, 2), &c);
}

static bool nsec_valid(s64 nsec)
{
	return nsec == LINUX_UTIME_OMIT || nsec == LINUX_UTIME_NOW ||
	       (nsec >= 0 && nsec < 1000000000);
}

/* times NULL: both now. upath NULL (utimensat only): dirfd itself. */
static long do_utimes(struct task *t, int dirfd, uaddr_t upath, struct linux_timespec *times,
		      int flags)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};
	long ret;

	if (times) {
		if (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec))
			return -EINVAL;
		if (times[0].tv_nsec == LINUX_UTIME_NOW && times[1].tv_nsec == LINUX_UTIME_NOW)
			times = NULL;
		else if (times[0].tv_nsec == LINUX_UTIME_OMIT &&
			 times[1].tv_nsec == LINUX_UTIME_OMIT)
			return 0; /* nothing to change, nothing even looked up */
	}
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	task_vfs_cred(t, &c);
	if (!upath.addr && dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		_cleanup_file_ struct file *f = fd_file(t, dirfd);
		if (!f)
			return -EBADF;
		if (!f->path.dentry)
			return -EPERM;
		return vfs_utimes(&f->path, times, &c);
	}
	unsigned lflags = (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	ret = at_lookup(t, dirfd, upath, lflags, &p);
	return ret ? ret : vfs_utimes(&p, times, &c);
}

long sys_utimensat(struct task *t, const struct syscall_args *a)
{
	struct linux_timespec ts[2];
	if (a->a[2] && mm_copy_from_user(t->mm, ts, arg_ptr(a, 2), sizeof(ts)))
		return -EFAULT;
	return do_utimes(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2] ? ts : NULL, arg_int(a, 3));
}

/* utimes and futimesat: microseconds, no NOW or OMIT. */
static long do_futimesat(struct task *t, int dirfd, uaddr_t upath, uaddr_t utv)
{
	struct linux_timeval tv[2];
	struct linux_timespec ts[2];
	if (!utv.addr)
		return do_utimes(t, dirfd, upath, NULL, 0);
	if (mm_copy_from_user(t->mm, tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct linux_timespec){tv[i].tv_sec, tv[i].tv_usec * 1000};
	}
	return do_utimes(t, dirfd, upath, ts, 0);
}

long sys_utimes(struct task *t, const struct syscall_args *a)
{
	return do_futimesat(t, AT_FDCWD, arg_ptr(a, 0), arg_ptr(a, 1));
}

long sys_futimesat(struct task *t, const struct syscall_args *a)
{
	return do_futimesat(t, arg_int(a, 0), arg_ptr(a, 1), arg_ptr(a, 2));
}

long sys_utime(struct task *t, const struct syscall_args *a)
{
	struct linux_utimbuf ub;
	struct linux_timespec ts[2];
	if (!a->a[1])
		return do_utimes(t, AT_FDCWD, arg_ptr(a, 0), NULL, 0);
	if (mm_copy_from_user(t->mm, &ub, arg_ptr(a, 1), sizeof(ub)))
		return -EFAULT;
	ts[0] = (struct linux_timespec){ub.actime, 0};
	ts[1] = (struct linux_timespec){ub.modtime, 0};
	return do_utimes(t, AT_FDCWD, arg_ptr(a, 0), ts, 0);
}
