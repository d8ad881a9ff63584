// SPDX-License-Identifier: Apache-2.0
/*
 * Directories: getdents, getdents64, mkdir, mkdirat, chdir, fchdir,
 * getcwd, umask. (rmdir is with unlink in sys_path.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "sys_path.h"

/* The most one getdents call lists; bigger buffers just get fewer entries. */
#define GETDENTS_MAX (64 * 1024)

struct getdents_buf {
	struct dir_context ctx;
	u8 *buf;
	size_t size, used;
	bool old; /* struct linux_dirent (getdents) instead of linux_dirent64 */
	bool too_small;
};

static bool getdents_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino,
			  unsigned type, s64 next)
{
	struct getdents_buf *g = container_of(ctx, struct getdents_buf, ctx);
	size_t head = g->old ? offsetof(struct linux_dirent, d_name)
			     : offsetof(struct linux_dirent64, d_name);
	size_t reclen = ALIGN_UP(head + len + 1 + (g->old ? 1 : 0), 8);

	if (g->used + reclen > g->size) {
		g->too_small = !g->used;
		return false;
	}
	u8 *rec = g->buf + g->used;
	memset(rec, 0, reclen);
	if (g->old) {
		struct linux_dirent *d = (void *)rec;
		d->d_ino = ino;
		d->d_off = next;
		d->d_reclen = reclen;
		memcpy(d->d_name, name, len);
		rec[reclen - 1] = type;
	} else {
		struct linux_dirent64 *d = (void *)rec;
		d->d_ino = ino;
		d->d_off = next;
		d->d_reclen = reclen;
		d->d_type = type;
		memcpy(d->d_name, name, len);
	}
	g->used += reclen;
	return true;
}

static long do_getdents(struct task *t, int fd, uaddr_t udirp, unsigned count, bool old)
{
	_cleanup_file_ struct file *f = fd_file(t, fd);
	if (!f)
		return -EBADF;
	if (!mm_access_ok(udirp, count))
		return -EFAULT;
	struct getdents_buf g = {
		.ctx.emit = getdents_emit, .size = MIN(count, GETDENTS_MAX), .old = old};
	_cleanup_free_ u8 *buf = g.buf = malloc(g.size ? g.size : 1);
	if (!buf)
		return -ENOMEM;
	long ret = vfs_iterate(f, &g.ctx);
	if (ret)
		return ret;
	if (g.too_small)
		return -EINVAL;
	return mm_copy_to_user(t->mm, udirp, buf, g.used) ? -EFAULT : (long)g.used;
}

long sys_getdents(struct task *t, const struct syscall_args *a)
{
	return do_getdents(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), true);
}

long sys_getdents64(struct task *t, const struct syscall_args *a)
{
	return do_getdents(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), false);
}

static long do_mkdirat(struct task *t, int dirfd, uaddr_t upath, u32 mode)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;
	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	ret = at_begin(t, dirfd, name, false, &at);
	if (ret)
		return ret;
	ret = vfs_mkdir(&at.ctx, name, mode);
	at_end(&at);
	return ret;
}

long sys_mkdir(struct task *t, const struct syscall_args *a)
{
	return do_mkdirat(t, AT_FDCWD, arg_ptr(a, 0), arg_uint(a, 1));
}

long sys_mkdirat(struct task *t, const struct syscall_args *a)
{
	return do_mkdirat(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2));
}

long sys_chdir(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};
	long ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 0), LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	return vfs_chdir(t->fs, &p, &c);
}

long sys_fchdir(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_file_ struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f)
		return -EBADF;
	if (!f->path.dentry)
		return -ENOTDIR;
	task_vfs_cred(t, &c);
	return vfs_chdir(t->fs, &f->path, &c);
}

long sys_getcwd(struct task *t, const struct syscall_args *a)
{
	char buf[LINUX_PATH_MAX];
	long len = vfs_getcwd(t->fs, buf, MIN(a->a[1], sizeof(buf)));
	if (len == -ERANGE && a->a[1] > sizeof(buf))
		len = -ENAMETOOLONG;
	if (len < 0)
		return len;
	return mm_copy_to_user(t->mm, arg_ptr(a, 0), buf, len) ? -EFAULT : len;
}

long sys_umask(struct task *t, const struct syscall_args *a)
{
	return fs_struct_umask(t->fs, arg_uint(a, 0));
}
