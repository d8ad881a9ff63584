// SPDX-License-Identifier: Apache-2.0
/*
 * The fd table: close, dup, dup2, dup3, and fcntl's fd, status-flag and
 * owner commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>

#include "abi/linux/flock.h"
#include "abi/linux/memfd.h"
#include "abi/linux/poll.h"
#include "sentry/vfs/fasync.h"
#include "sentry/vfs/lease.h"
#include "sys_path.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/inotify.h"
#include "sys_path.h"
#include "syscalls.h"

/* Status flags F_SETFL may change; the rest (access mode, O_CREAT...) stay. */
#define SETFL_MASK (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)

long sys_close(struct task *t, const struct syscall_args *a)
{
	return fdtable_close(t->files, arg_int(a, 0));
}

static long do_dup_to(struct task *t, int oldfd, int newfd, bool cloexec)
{
	struct file *f = fdtable_get(t->files, oldfd);
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= FDTABLE_MAX ||
	    (u64)newfd >= task_rlimit(t, LINUX_RLIMIT_NOFILE)) {
		file_put(f);
		return -EBADF;
	}
	int ret = fdtable_install(t->files, newfd, f, cloexec);
	return ret ? ret : newfd;
}

static long do_dup_min(struct task *t, int oldfd, long min, bool cloexec)
{
	if (min < 0 || min >= FDTABLE_MAX || (u64)min >= task_rlimit(t, LINUX_RLIMIT_NOFILE))
		return -EINVAL;
	struct file *f = fdtable_get(t->files, oldfd);
	if (!f)
		return -EBADF;
	return fdtable_alloc(t->files, min, f, cloexec);
}

long sys_dup(struct task *t, const struct syscall_args *a)
{
	return do_dup_min(t, arg_int(a, 0), 0, false);
}

long sys_dup2(struct task *t, const struct syscall_args *a)
{
	int oldfd = arg_int(a, 0), newfd = arg_int(a, 1);
	if (oldfd == newfd) {
		/* dup2 of an fd onto itself only checks that it is open. */
		struct file *f = fdtable_get(t->files, oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup_to(t, oldfd, newfd, false);
}

long sys_dup3(struct task *t, const struct syscall_args *a)
{
	int oldfd = arg_int(a, 0), newfd = arg_int(a, 1), flags = arg_int(a, 2);
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return do_dup_to(t, oldfd, newfd, flags & O_CLOEXEC);
}

/* The owner commands of signal-driven I/O (fasync.h). */
static long fcntl_owner(struct task *t, struct file *f, int cmd, u64 arg)
{
	struct linux_f_owner_ex ex;
	long id = (int)arg;

	switch (cmd) {
	case LINUX_F_SETOWN:
		/* A negative id is a process group; -INT_MIN has no positive twin. */
		if (id == INT_MIN)
			return -EINVAL;
		return fasync_setown(t, f, id < 0 ? LINUX_F_OWNER_PGRP : LINUX_F_OWNER_PID,
				     id < 0 ? -id : id);
	case LINUX_F_SETOWN_EX:
		if (mm_copy_from_user(t->mm, &ex, uaddr(arg), sizeof(ex)))
			return -EFAULT;
		return fasync_setown(t, f, ex.type, ex.pid);
	case LINUX_F_GETOWN:
		fasync_getown(f, &ex.type, &ex.pid);
		return ex.type == LINUX_F_OWNER_PGRP ? -(long)ex.pid : ex.pid;
	case LINUX_F_GETOWN_EX:
		fasync_getown(f, &ex.type, &ex.pid);
		return mm_copy_to_user(t->mm, uaddr(arg), &ex, sizeof(ex)) ? -EFAULT : 0;
	case LINUX_F_SETSIG:
		return fasync_setsig(f, (int)arg);
	default: /* LINUX_F_GETSIG */
		return fasync_getsig(f);
	}
}

long sys_fcntl(struct task *t, const struct syscall_args *a)
{
	int fd = arg_int(a, 0);
	struct file *f;
	long ret;

	switch (arg_int(a, 1)) {
	case F_DUPFD:
		return do_dup_min(t, fd, (long)a->a[2], false);
	case F_DUPFD_CLOEXEC:
		return do_dup_min(t, fd, (long)a->a[2], true);
	case F_GETFD:
		ret = fdtable_get_cloexec(t->files, fd);
		return ret < 0 ? ret : (ret ? FD_CLOEXEC : 0);
	case F_SETFD:
		return fdtable_set_cloexec(t->files, fd, a->a[2] & FD_CLOEXEC);
	case F_GETFL:
		f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		ret = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		file_put(f);
		return ret;
	case F_SETFL:
		f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		ret = file_set_async(f, fd, a->a[2] & O_ASYNC);
		if (!ret) {
			/* file_set_async has made O_ASYNC what it is to be. */
			u32 mask = SETFL_MASK & ~O_ASYNC;
			u32 old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
			__atomic_store_n(&f->flags, (old & ~mask) | (a->a[2] & mask),
					 __ATOMIC_RELAXED);
		}
		file_put(f);
		return ret;
	case LINUX_F_SETLEASE:
	case LINUX_F_GETLEASE: {
		struct vfs_cred c;
		f = fd_file(t, fd);
		if (!f)
			return -EBADF;
		task_vfs_cred(t, &c);
		ret = arg_int(a, 1) == LINUX_F_GETLEASE ? lease_get(f)
							: lease_set(t, f, fd, arg_int(a, 2), &c);
		file_put(f);
		return ret;
	}
	case LINUX_F_NOTIFY:
		f = fd_file(t, fd);
		if (!f)
			return -EBADF;
		ret = dnotify_fcntl(t, f, fd, (u32)a->a[2]);
		file_put(f);
		return ret;
	case LINUX_F_SETOWN:
	case LINUX_F_SETOWN_EX:
	case LINUX_F_GETOWN:
	case LINUX_F_GETOWN_EX:
	case LINUX_F_SETSIG:
	case LINUX_F_GETSIG:
		f = fd_file(t, fd);
		if (!f)
			return -EBADF;
		ret = fcntl_owner(t, f, arg_int(a, 1), a->a[2]);
		file_put(f);
		return ret;
	case LINUX_F_GETPIPE_SZ:
	case LINUX_F_SETPIPE_SZ:
		/* Commands of one file type go to its .fcntl op. */
		f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		ret = f->ops->fcntl && !(f->mode & FMODE_PATH)
			      ? f->ops->fcntl(f, arg_int(a, 1), a->a[2])
			      : -EBADF;
		file_put(f);
		return ret;
	case LINUX_F_GETLK:
	case LINUX_F_SETLK:
	case LINUX_F_SETLKW:
	case LINUX_F_OFD_GETLK:
	case LINUX_F_OFD_SETLK:
	case LINUX_F_OFD_SETLKW:
		return fcntl_lock(t, fd, arg_int(a, 1), arg_ptr(a, 2));
	case LINUX_F_ADD_SEALS:
	case LINUX_F_GET_SEALS:
		/* Seals are a shmem file's (Linux's memfd_fcntl): -EINVAL on any other. */
		f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		if (f->mode & FMODE_PATH)
			ret = -EBADF;
		else if (f->ops->mmap && f->ops->fcntl)
			ret = f->ops->fcntl(f, arg_int(a, 1), a->a[2]);
		else
			ret = -EINVAL;
		file_put(f);
		return ret;
	default:
		/* TODO(vfs): leases, seals, owners. */
		f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		file_put(f);
		return -EINVAL;
	}
}
