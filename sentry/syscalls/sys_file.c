// SPDX-License-Identifier: Apache-2.0
/*
 * Opening files and what applies to a whole file: open, openat, creat,
 * openat2, lseek, truncate, ftruncate, fsync, fdatasync, sync, syncfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "sys_path.h"

/* The flags openat2 accepts (Linux's VALID_OPEN_FLAGS). */
#define VALID_OPEN_FLAGS                                                                   \
	(O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
	 O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | LINUX_O_LARGEFILE | O_DIRECTORY |     \
	 O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC)
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
#define VALID_RESOLVE_FLAGS                                                                \
	(LINUX_RESOLVE_NO_XDEV | LINUX_RESOLVE_NO_MAGICLINKS | LINUX_RESOLVE_NO_SYMLINKS | \
	 LINUX_RESOLVE_BENEATH | LINUX_RESOLVE_IN_ROOT | LINUX_RESOLVE_CACHED)

static long do_openat(struct task *t, int dirfd, uaddr_t upath, int flags, u32 mode, u64 resolve)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;
	struct file *f;

	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	/* RESOLVE_BENEATH and RESOLVE_IN_ROOT scope even absolute names to dirfd. */
	bool scoped = resolve & (LINUX_RESOLVE_BENEATH | LINUX_RESOLVE_IN_ROOT);
	ret = at_begin_scoped(t, dirfd, name, false, scoped, &at);
	if (ret)
		return ret;
	at.ctx.resolve = resolve;
	ret = vfs_open(&at.ctx, name, flags, mode, &f);
	at_end(&at);
	if (ret)
		return ret;
	return fdtable_alloc(t->files, 0, f, flags & O_CLOEXEC);
}

long sys_open(struct task *t, const struct syscall_args *a)
{
	return do_openat(t, AT_FDCWD, arg_ptr(a, 0), arg_int(a, 1), arg_uint(a, 2), 0);
}

long sys_openat(struct task *t, const struct syscall_args *a)
{
	return do_openat(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), arg_uint(a, 3), 0);
}

long sys_creat(struct task *t, const struct syscall_args *a)
{
	return do_openat(t, AT_FDCWD, arg_ptr(a, 0), O_CREAT | O_WRONLY | O_TRUNC, arg_uint(a, 1),
			 0);
}

/* Copy a versioned struct (Linux's copy_struct_from_user): E2BIG for unknown non-zero tails. */
static long open_how_copy(struct task *t, uaddr_t uhow, u64 size, struct linux_open_how *how)
{
	if (size < LINUX_OPEN_HOW_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (mm_copy_from_user(t->mm, how, uhow, sizeof(*how)))
		return -EFAULT;
	for (u64 off = sizeof(*how); off < size; off++) {
		u8 b;
		if (mm_copy_from_user(t->mm, &b, uaddr(uhow.addr + off), 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	return 0;
}

long sys_openat2(struct task *t, const struct syscall_args *a)
{
	struct linux_open_how how;
	long ret = open_how_copy(t, arg_ptr(a, 2), a->a[3], &how);
	if (ret)
		return ret;
	if (how.flags & ~(u64)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve & ~(u64)VALID_RESOLVE_FLAGS)
		return -EINVAL;
	bool creating = (how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE;
	if (creating ? how.mode & ~07777ULL : how.mode)
		return -EINVAL;
	if ((how.flags & O_PATH) && (how.flags & ~(u64)O_PATH_FLAGS))
		return -EINVAL;
	if ((how.resolve & LINUX_RESOLVE_BENEATH) && (how.resolve & LINUX_RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how.resolve & LINUX_RESOLVE_CACHED) && (creating || (how.flags & O_TRUNC)))
		return -EAGAIN;
	return do_openat(t, arg_int(a, 0), arg_ptr(a, 1), (int)(how.flags | LINUX_O_LARGEFILE),
			 (u32)how.mode, how.resolve);
}

long sys_lseek(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	return vfs_llseek(f, (s64)a->a[1], arg_uint(a, 2));
}

long sys_truncate(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};
	s64 len = a->a[1];

	if (len < 0)
		return -EINVAL;
	long ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 0), LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	return vfs_truncate(&p, len, &c);
}

long sys_ftruncate(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	s64 len = a->a[1];

	if (len < 0)
		return -EINVAL;
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	task_vfs_cred(t, &c);
	return vfs_ftruncate(f, len, &c);
}

long sys_fsync(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	return f ? vfs_fsync(f) : -EBADF;
}

long sys_fdatasync(struct task *t, const struct syscall_args *a)
{
	return sys_fsync(t, a);
}

/* Everything the Sentry holds is in memory: there is nothing to flush. */
long sys_sync(struct task *t, const struct syscall_args *a)
{
	return 0;
}

long sys_syncfs(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	return f ? 0 : -EBADF;
}
