// SPDX-License-Identifier: Apache-2.0
/* The fd table: close, dup, dup2, dup3, and fcntl's fd and status-flag commands. */
#include <errno.h>
#include <fcntl.h>

#include "abi/linux/flock.h"
#include "abi/linux/memfd.h"
#include "abi/linux/poll.h"
#include "sentry/vfs/file.h"
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
		u32 old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		__atomic_store_n(&f->flags, (old & ~SETFL_MASK) | (a->a[2] & SETFL_MASK),
				 __ATOMIC_RELAXED);
		file_put(f);
		return 0;
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
