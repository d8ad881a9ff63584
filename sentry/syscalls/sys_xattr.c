// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: the {,l,f}{get,set,list,remove}xattr family. The
 * handlers copy the arguments in, in the order Linux (6.13 and later)
 * checks them: flags, name, size and value before the path or the
 * descriptor; then the VFS (sentry/vfs/xattr.h) applies the namespace and
 * permission rules and asks the file system.
 *
 * Files outside the VFS (pipes, sockets, anonymous inodes) keep nothing:
 * get, set and remove are EOPNOTSUPP and the list is empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "lib/cleanup.h"
#include "sentry/vfs/xattr.h"

#include "sys_path.h"

enum xattr_op { XATTR_GET, XATTR_SET, XATTR_LIST, XATTR_REMOVE };

/* The file an xattr call acts on: a looked-up path, or an open file's. */
struct xattr_target {
	struct path path; /* a reference, or {NULL, NULL} for a file outside the VFS */
	struct vfs_cred cred;
};

/* The name argument, as Linux's import_xattr_name: ERANGE if empty or too long. */
static long xattr_name(struct task *t, uaddr_t uname, char name[LINUX_XATTR_NAME_MAX + 1])
{
	long len = mm_strncpy_from_user(t->mm, name, uname, LINUX_XATTR_NAME_MAX + 1);
	if (len == -ENAMETOOLONG || len == 0)
		return -ERANGE;
	return len < 0 ? len : 0;
}

/* a->a[0] is a path (fd false) or a descriptor. */
static long xattr_target(struct task *t, const struct syscall_args *a, bool fd, bool follow,
			 struct xattr_target *x)
{
	*x = (struct xattr_target){0};
	task_vfs_cred(t, &x->cred);
	if (!fd)
		return at_lookup(t, AT_FDCWD, arg_ptr(a, 0), follow ? LOOKUP_FOLLOW : 0, &x->path);
	/* O_PATH descriptors are EBADF, as Linux's fdget. */
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	if (f->path.dentry) {
		x->path = f->path;
		path_get(&x->path);
	}
	return 0;
}

static long do_setxattr(struct task *t, const struct syscall_args *a, bool fd, bool follow)
{
	char name[LINUX_XATTR_NAME_MAX + 1];
	size_t size = a->a[3];
	int flags = arg_int(a, 4);
	long ret;

	if (flags & ~(LINUX_XATTR_CREATE | LINUX_XATTR_REPLACE))
		return -EINVAL;
	if ((ret = xattr_name(t, arg_ptr(a, 1), name)))
		return ret;
	if (size > LINUX_XATTR_SIZE_MAX)
		return -E2BIG;
	_cleanup_free_ u8 *value = size ? malloc(size) : NULL;
	if (size && !value)
		return -ENOMEM;
	if (size && mm_copy_from_user(t->mm, value, arg_ptr(a, 2), size))
		return -EFAULT;
	struct xattr_target x;
	if ((ret = xattr_target(t, a, fd, follow, &x)))
		return ret;
	ret = x.path.dentry ? vfs_setxattr(&x.path, name, value, size, flags, &x.cred)
			    : -EOPNOTSUPP;
	path_put(&x.path);
	return ret;
}

static long do_getxattr(struct task *t, const struct syscall_args *a, bool fd, bool follow)
{
	char name[LINUX_XATTR_NAME_MAX + 1];
	/* Linux asks for no more than the largest value there can be. */
	size_t size = MIN(a->a[3], (u64)LINUX_XATTR_SIZE_MAX);
	long ret;

	if ((ret = xattr_name(t, arg_ptr(a, 1), name)))
		return ret;
	struct xattr_target x;
	if ((ret = xattr_target(t, a, fd, follow, &x)))
		return ret;
	_cleanup_free_ u8 *buf = size ? malloc(size) : NULL;
	if (size && !buf)
		ret = -ENOMEM;
	else
		ret = x.path.dentry ? vfs_getxattr(&x.path, name, buf, size, &x.cred) : -EOPNOTSUPP;
	path_put(&x.path);
	if (ret > 0 && size && mm_copy_to_user(t->mm, arg_ptr(a, 2), buf, ret))
		return -EFAULT;
	return ret;
}

static long do_listxattr(struct task *t, const struct syscall_args *a, bool fd, bool follow)
{
	size_t size = MIN(a->a[2], (u64)LINUX_XATTR_LIST_MAX);
	struct xattr_target x;
	long ret;

	if ((ret = xattr_target(t, a, fd, follow, &x)))
		return ret;
	_cleanup_free_ char *buf = size ? malloc(size) : NULL;
	if (size && !buf)
		ret = -ENOMEM;
	else
		ret = x.path.dentry ? vfs_listxattr(&x.path, buf, size, &x.cred) : 0;
	path_put(&x.path);
	if (ret > 0 && size && mm_copy_to_user(t->mm, arg_ptr(a, 1), buf, ret))
		return -EFAULT;
	return ret;
}

static long do_removexattr(struct task *t, const struct syscall_args *a, bool fd, bool follow)
{
	char name[LINUX_XATTR_NAME_MAX + 1];
	long ret;

	if ((ret = xattr_name(t, arg_ptr(a, 1), name)))
		return ret;
	struct xattr_target x;
	if ((ret = xattr_target(t, a, fd, follow, &x)))
		return ret;
	ret = x.path.dentry ? vfs_removexattr(&x.path, name, &x.cred) : -EOPNOTSUPP;
	path_put(&x.path);
	return ret;
}

long sys_setxattr(struct task *t, const struct syscall_args *a)
{
	return do_setxattr(t, a, false, true);
}

long sys_lsetxattr(struct task *t, const struct syscall_args *a)
{
	return do_setxattr(t, a, false, false);
}

long sys_fsetxattr(struct task *t, const struct syscall_args *a)
{
	return do_setxattr(t, a, true, false);
}

long sys_getxattr(struct task *t, const struct syscall_args *a)
{
	return do_getxattr(t, a, false, true);
}

long sys_lgetxattr(struct task *t, const struct syscall_args *a)
{
	return do_getxattr(t, a, false, false);
}

long sys_fgetxattr(struct task *t, const struct syscall_args *a)
{
	return do_getxattr(t, a, true, false);
}

long sys_listxattr(struct task *t, const struct syscall_args *a)
{
	return do_listxattr(t, a, false, true);
}

long sys_llistxattr(struct task *t, const struct syscall_args *a)
{
	return do_listxattr(t, a, false, false);
}

long sys_flistxattr(struct task *t, const struct syscall_args *a)
{
	return do_listxattr(t, a, true, false);
}

long sys_removexattr(struct task *t, const struct syscall_args *a)
{
	return do_removexattr(t, a, false, true);
}

long sys_lremovexattr(struct task *t, const struct syscall_args *a)
{
	return do_removexattr(t, a, false, false);
}

long sys_fremovexattr(struct task *t, const struct syscall_args *a)
{
	return do_removexattr(t, a, true, false);
}
