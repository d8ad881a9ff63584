// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: the {,l,f}{get,set,list,remove}xattr family.
 *
 * No file system of the Sentry keeps extended attributes yet, so every
 * file answers as one on a Linux file system without xattr support: after
 * the path, the descriptor and the arguments are checked as Linux checks
 * them, get, set and remove are EOPNOTSUPP and the list is empty. Programs
 * (ls -l probing for ACLs, cp -a, tar) take that in their stride; ENOSYS
 * they report as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "lib/cleanup.h"

#include "sys_path.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE 0x1
#define XATTR_REPLACE 0x2

enum xattr_op { XATTR_GET, XATTR_SET, XATTR_LIST, XATTR_REMOVE };

/* The name argument, as Linux's import_xattr_name: ERANGE if empty or too long. */
static long xattr_name(struct task *t, uaddr_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	long len = mm_strncpy_from_user(t->mm, name, uname, sizeof(name));
	if (len == -ENAMETOOLONG || len == 0)
		return -ERANGE;
	return len < 0 ? len : 0;
}

/* Linux copies the value in before asking the file system: a bad one is EFAULT. */
static int value_readable(struct task *t, uaddr_t uvalue, size_t size)
{
	_cleanup_free_ u8 *buf = size ? malloc(size) : NULL;
	if (size && !buf)
		return -ENOMEM;
	return size ? mm_copy_from_user(t->mm, buf, uvalue, size) : 0;
}

/* The operation on a file found (path or descriptor): a.a[1..] are its arguments. */
static long xattr_do(struct task *t, enum xattr_op op, const struct syscall_args *a)
{
	long ret;

	switch (op) {
	case XATTR_SET:
		if (a->a[4] & ~(u64)(XATTR_CREATE | XATTR_REPLACE))
			return -EINVAL;
		if ((ret = xattr_name(t, arg_ptr(a, 1))))
			return ret;
		if (a->a[3] > XATTR_SIZE_MAX)
			return -E2BIG;
		return value_readable(t, arg_ptr(a, 2), a->a[3]) ? -EFAULT : -EOPNOTSUPP;
	case XATTR_GET:
	case XATTR_REMOVE:
		return (ret = xattr_name(t, arg_ptr(a, 1))) ? ret : -EOPNOTSUPP;
	case XATTR_LIST:
		return 0; /* nothing to list, whatever the buffer */
	}
	return -EINVAL;
}

static long path_xattr(struct task *t, enum xattr_op op, const struct syscall_args *a, bool follow)
{
	_cleanup_path_ struct path p = {0};
	long ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 0), follow ? LOOKUP_FOLLOW : 0, &p);
	return ret ? ret : xattr_do(t, op, a);
}

static long fd_xattr(struct task *t, enum xattr_op op, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	return f ? xattr_do(t, op, a) : -EBADF;
}

long sys_setxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_SET, a, true);
}

long sys_lsetxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_SET, a, false);
}

long sys_fsetxattr(struct task *t, const struct syscall_args *a)
{
	return fd_xattr(t, XATTR_SET, a);
}

long sys_getxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_GET, a, true);
}

long sys_lgetxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_GET, a, false);
}

long sys_fgetxattr(struct task *t, const struct syscall_args *a)
{
	return fd_xattr(t, XATTR_GET, a);
}

long sys_listxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_LIST, a, true);
}

long sys_llistxattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_LIST, a, false);
}

long sys_flistxattr(struct task *t, const struct syscall_args *a)
{
	return fd_xattr(t, XATTR_LIST, a);
}

long sys_removexattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_REMOVE, a, true);
}

long sys_lremovexattr(struct task *t, const struct syscall_args *a)
{
	return path_xattr(t, XATTR_REMOVE, a, false);
}

long sys_fremovexattr(struct task *t, const struct syscall_args *a)
{
	return fd_xattr(t, XATTR_REMOVE, a);
}
