// SPDX-License-Identifier: Apache-2.0
/* Asking about files: stat, lstat, fstat, newfstatat, statx, access, faccessat(2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "sentry/kernel/cred.h"
#include "sys_path.h"

static void kstat_to_stat(const struct kstat *k, struct linux_stat *st)
{
	*st = (struct linux_stat){
		.st_dev = k->dev,
		.st_ino = k->ino,
		.st_nlink = k->nlink,
		.st_mode = k->mode,
		.st_uid = k->uid,
		.st_gid = k->gid,
		.st_rdev = k->rdev,
		.st_size = k->size,
		.st_blksize = k->blksize,
		.st_blocks = k->blocks,
		.st_atim = k->atime,
		.st_mtim = k->mtime,
		.st_ctim = k->ctime,
	};
}

static struct linux_statx_timestamp statx_ts(struct linux_timespec ts)
{
	return (struct linux_statx_timestamp){.tv_sec = ts.tv_sec, .tv_nsec = ts.tv_nsec};
}

static void kstat_to_statx(const struct kstat *k, struct linux_statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = k->mask;
	sx->stx_blksize = k->blksize;
	sx->stx_nlink = k->nlink;
	sx->stx_uid = k->uid;
	sx->stx_gid = k->gid;
	sx->stx_mode = k->mode;
	sx->stx_ino = k->ino;
	sx->stx_size = k->size;
	sx->stx_blocks = k->blocks;
	sx->stx_atime = statx_ts(k->atime);
	sx->stx_btime = statx_ts(k->btime);
	sx->stx_ctime = statx_ts(k->ctime);
	sx->stx_mtime = statx_ts(k->mtime);
	sx->stx_rdev_major = linux_dev_major(k->rdev);
	sx->stx_rdev_minor = linux_dev_minor(k->rdev);
	sx->stx_dev_major = linux_dev_major(k->dev);
	sx->stx_dev_minor = linux_dev_minor(k->dev);
	sx->stx_mnt_id = k->mnt_id;
}

/* stat of (dirfd, path) by flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH). */
static long do_statat(struct task *t, int dirfd, uaddr_t upath, int flags, struct kstat *k)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;
	struct path p;

	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	if (!*name && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		/* The file itself, whatever it is (stdio has no path). */
		_cleanup_file_ struct file *f = fdtable_get(t->files, dirfd);
		return f ? vfs_fstat(f, k) : -EBADF;
	}
	ret = at_begin(t, dirfd, name, flags & AT_EMPTY_PATH, &at);
	if (ret)
		return ret;
	unsigned lflags = (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	ret = vfs_lookup(&at.ctx, name, lflags, &p);
	at_end(&at);
	if (ret)
		return ret;
	ret = vfs_getattr(&p, k);
	path_put(&p);
	return ret;
}

static long stat_out(struct task *t, long ret, const struct kstat *k, uaddr_t ubuf)
{
	struct linux_stat st;
	if (ret)
		return ret;
	kstat_to_stat(k, &st);
	return mm_copy_to_user(t->mm, ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_stat(struct task *t, const struct syscall_args *a)
{
	struct kstat k;
	return stat_out(t, do_statat(t, AT_FDCWD, arg_ptr(a, 0), 0, &k), &k, arg_ptr(a, 1));
}

long sys_lstat(struct task *t, const struct syscall_args *a)
{
	struct kstat k;
	return stat_out(t, do_statat(t, AT_FDCWD, arg_ptr(a, 0), AT_SYMLINK_NOFOLLOW, &k), &k,
			arg_ptr(a, 1));
}

long sys_fstat(struct task *t, const struct syscall_args *a)
{
	struct kstat k;
	_cleanup_file_ struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f)
		return -EBADF;
	return stat_out(t, vfs_fstat(f, &k), &k, arg_ptr(a, 1));
}

long sys_newfstatat(struct task *t, const struct syscall_args *a)
{
	struct kstat k;
	int flags = arg_int(a, 3);

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_out(t, do_statat(t, arg_int(a, 0), arg_ptr(a, 1), flags, &k), &k,
			arg_ptr(a, 2));
}

long sys_statx(struct task *t, const struct syscall_args *a)
{
	struct kstat k;
	struct linux_statx sx;
	int flags = arg_int(a, 2);
	unsigned mask = arg_uint(a, 3);

	if (flags &
	    ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | LINUX_AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & LINUX_AT_STATX_SYNC_TYPE) == LINUX_AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & LINUX_STATX__RESERVED)
		return -EINVAL;
	long ret = do_statat(t, arg_int(a, 0), arg_ptr(a, 1), flags, &k);
	if (ret)
		return ret;
	kstat_to_statx(&k, &sx);
	return mm_copy_to_user(t->mm, arg_ptr(a, 4), &sx, sizeof(sx)) ? -EFAULT : 0;
}

static long do_faccessat(struct task *t, int dirfd, uaddr_t upath, int mode, int flags)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	unsigned lflags = (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	long ret = at_lookup(t, dirfd, upath, lflags, &p);
	if (ret)
		return ret;
	/* The real ids, unless AT_EACCESS (cred.h). */
	cred_to_vfs_access(t->cred, flags & AT_EACCESS, &c);
	return vfs_access(&p, mode, &c);
}

long sys_access(struct task *t, const struct syscall_args *a)
{
	return do_faccessat(t, AT_FDCWD, arg_ptr(a, 0), arg_int(a, 1), 0);
}

long sys_faccessat(struct task *t, const struct syscall_args *a)
{
	return do_faccessat(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), 0);
}

long sys_faccessat2(struct task *t, const struct syscall_args *a)
{
	return do_faccessat(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), arg_int(a, 3));
}
