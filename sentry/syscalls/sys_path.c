// SPDX-License-Identifier: Apache-2.0
/*
 * Names: unlink, rename, link, symlink, readlink and their *at forms, and
 * the helpers every file syscall shares to read a path argument and find
 * where it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "sentry/kernel/cred.h"
#include "sys_path.h"

void task_vfs_cred(const struct task *t, struct vfs_cred *c)
{
	cred_to_vfs(t->cred, c);
}

long path_arg(struct task *t, uaddr_t upath, char *buf)
{
	return mm_strncpy_from_user(t->mm, buf, upath, LINUX_PATH_MAX);
}

int at_begin(struct task *t, int dirfd, const char *name, bool empty_ok, struct at_ctx *at)
{
	return at_begin_scoped(t, dirfd, name, empty_ok, false, at);
}

int at_begin_scoped(struct task *t, int dirfd, const char *name, bool empty_ok, bool scoped,
		    struct at_ctx *at)
{
	struct path cwd;

	memset(at, 0, sizeof(*at));
	if (!*name && !empty_ok)
		return -ENOENT;
	task_vfs_cred(t, &at->cred);
	fs_struct_paths(t->fs, &at->root, &cwd);
	if ((name[0] == '/' && !scoped) || dirfd == AT_FDCWD) {
		at->start = cwd;
	} else {
		path_put(&cwd);
		struct file *f = fdtable_get(t->files, dirfd);
		int ret = !f ? -EBADF : !f->path.dentry ? -ENOTDIR : 0;
		if (!ret) {
			at->start = f->path;
			path_get(&at->start);
		}
		file_put(f);
		if (ret) {
			path_put(&at->root);
			return ret;
		}
	}
	at->ctx = (struct vfs_ctx){
		.cred = &at->cred,
		.root = at->root,
		.start = at->start,
		.umask = fs_struct_umask_get(t->fs),
	};
	return 0;
}

void at_end(struct at_ctx *at)
{
	path_put(&at->root);
	path_put(&at->start);
}

long at_lookup(struct task *t, int dirfd, uaddr_t upath, unsigned lflags, struct path *out)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;
	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	ret = at_begin(t, dirfd, name, lflags & LOOKUP_EMPTY, &at);
	if (ret)
		return ret;
	ret = vfs_lookup(&at.ctx, name, lflags, out);
	at_end(&at);
	return ret;
}

struct file *fd_file(struct task *t, int fd)
{
	struct file *f = fdtable_get(t->files, fd);
	if (f && (f->mode & FMODE_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

static long do_unlinkat(struct task *t, int dirfd, uaddr_t upath, int flags)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	ret = at_begin(t, dirfd, name, false, &at);
	if (ret)
		return ret;
	ret = flags & AT_REMOVEDIR ? vfs_rmdir(&at.ctx, name) : vfs_unlink(&at.ctx, name);
	at_end(&at);
	return ret;
}

long sys_unlink(struct task *t, const struct syscall_args *a)
{
	return do_unlinkat(t, AT_FDCWD, arg_ptr(a, 0), 0);
}

long sys_unlinkat(struct task *t, const struct syscall_args *a)
{
	return do_unlinkat(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2));
}

long sys_rmdir(struct task *t, const struct syscall_args *a)
{
	return do_unlinkat(t, AT_FDCWD, arg_ptr(a, 0), AT_REMOVEDIR);
}

/* Two path arguments, each with its own start (rename, link). */
struct two_paths {
	char oname[LINUX_PATH_MAX], nname[LINUX_PATH_MAX];
	struct at_ctx o, n;
};

static long two_paths_begin(struct task *t, struct two_paths *tp, int odfd, uaddr_t oldp, int ndfd,
			    uaddr_t newp, bool oempty_ok)
{
	long ret = path_arg(t, oldp, tp->oname);
	if (ret >= 0)
		ret = path_arg(t, newp, tp->nname);
	if (ret < 0)
		return ret;
	ret = at_begin(t, odfd, tp->oname, oempty_ok, &tp->o);
	if (ret)
		return ret;
	ret = at_begin(t, ndfd, tp->nname, false, &tp->n);
	if (ret)
		at_end(&tp->o);
	return ret;
}

static long do_renameat2(struct task *t, int odfd, uaddr_t oldp, int ndfd, uaddr_t newp,
			 unsigned flags)
{
	struct two_paths tp;
	long ret = two_paths_begin(t, &tp, odfd, oldp, ndfd, newp, false);
	if (ret)
		return ret;
	ret = vfs_rename(&tp.o.ctx, tp.oname, &tp.n.ctx, tp.nname, flags);
	at_end(&tp.o);
	at_end(&tp.n);
	return ret;
}

long sys_rename(struct task *t, const struct syscall_args *a)
{
	return do_renameat2(t, AT_FDCWD, arg_ptr(a, 0), AT_FDCWD, arg_ptr(a, 1), 0);
}

long sys_renameat(struct task *t, const struct syscall_args *a)
{
	return do_renameat2(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), arg_ptr(a, 3), 0);
}

long sys_renameat2(struct task *t, const struct syscall_args *a)
{
	return do_renameat2(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), arg_ptr(a, 3),
			    arg_uint(a, 4));
}

static long do_linkat(struct task *t, int odfd, uaddr_t oldp, int ndfd, uaddr_t newp, int flags)
{
	struct two_paths tp;
	struct vfs_cred c;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* Linking an fd by AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH. */
	task_vfs_cred(t, &c);
	if ((flags & AT_EMPTY_PATH) && !cred_capable(&c, LINUX_CAP_DAC_READ_SEARCH))
		flags &= ~AT_EMPTY_PATH;
	long ret = two_paths_begin(t, &tp, odfd, oldp, ndfd, newp, flags & AT_EMPTY_PATH);
	if (ret)
		return ret;
	unsigned lflags = (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) |
			  (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	ret = vfs_link(&tp.o.ctx, tp.oname, &tp.n.ctx, tp.nname, lflags);
	at_end(&tp.o);
	at_end(&tp.n);
	return ret;
}

long sys_link(struct task *t, const struct syscall_args *a)
{
	return do_linkat(t, AT_FDCWD, arg_ptr(a, 0), AT_FDCWD, arg_ptr(a, 1), 0);
}

long sys_linkat(struct task *t, const struct syscall_args *a)
{
	return do_linkat(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), arg_ptr(a, 3),
			 arg_int(a, 4));
}

static long do_symlinkat(struct task *t, uaddr_t utarget, int dirfd, uaddr_t upath)
{
	char target[LINUX_PATH_MAX], name[LINUX_PATH_MAX];
	struct at_ctx at;

	long ret = path_arg(t, utarget, target);
	if (ret >= 0)
		ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	if (!*target)
		return -ENOENT;
	ret = at_begin(t, dirfd, name, false, &at);
	if (ret)
		return ret;
	ret = vfs_symlink(target, &at.ctx, name);
	at_end(&at);
	return ret;
}

long sys_symlink(struct task *t, const struct syscall_args *a)
{
	return do_symlinkat(t, arg_ptr(a, 0), AT_FDCWD, arg_ptr(a, 1));
}

long sys_symlinkat(struct task *t, const struct syscall_args *a)
{
	return do_symlinkat(t, arg_ptr(a, 0), arg_int(a, 1), arg_ptr(a, 2));
}

/* readlink(at). */
static long do_readlinkat(struct task *t, int dirfd, uaddr_t upath, uaddr_t ubuf, int bufsiz)
{
	char name[LINUX_PATH_MAX], target[LINUX_PATH_MAX];
	struct at_ctx at;
	struct path p;

	if (bufsiz <= 0)
		return -EINVAL;
	long ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	ret = at_begin(t, dirfd, name, true, &at);
	if (ret)
		return ret == -ENOTDIR && !*name ? -ENOENT : ret;
	ret = vfs_lookup(&at.ctx, name, LOOKUP_EMPTY, &p);
	at_end(&at);
	if (ret)
		return ret;
	ret = vfs_readlink(&p, target, MIN((size_t)bufsiz, sizeof(target)));
	path_put(&p);
	if (ret == -EINVAL && !*name)
		ret = -ENOENT;
	if (ret < 0)
		return ret;
	return mm_copy_to_user(t->mm, ubuf, target, ret) ? -EFAULT : ret;
}

long sys_readlink(struct task *t, const struct syscall_args *a)
{
	return do_readlinkat(t, AT_FDCWD, arg_ptr(a, 0), arg_ptr(a, 1), arg_int(a, 2));
}

long sys_readlinkat(struct task *t, const struct syscall_args *a)
{
	return do_readlinkat(t, arg_int(a, 0), arg_ptr(a, 1), arg_ptr(a, 2), arg_int(a, 3));
}
