// SPDX-License-Identifier: Apache-2.0
/* mknod and mknodat: FIFOs, socket files, regular files and known devices (vfs_mknod). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "sys_path.h"

/*
 * Linux's may_mknod, which comes before the name is even looked at (so
 * before EFAULT or ENOENT); vfs_mknod checks the same again.
 */
static int may_mknod(u32 mode)
{
	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return 0;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

static long do_mknodat(struct task *t, int dirfd, uaddr_t upath, u32 mode, u32 dev)
{
	char name[LINUX_PATH_MAX];
	struct at_ctx at;
	long ret = may_mknod(mode);
	if (ret)
		return ret;
	ret = path_arg(t, upath, name);
	if (ret < 0)
		return ret;
	ret = at_begin(t, dirfd, name, false, &at);
	if (ret)
		return ret;
	/* dev is the 32-bit new_encode_dev form, the same as our rdev's. */
	ret = vfs_mknod(&at.ctx, name, mode, dev);
	at_end(&at);
	return ret;
}

long sys_mknod(struct task *t, const struct syscall_args *a)
{
	return do_mknodat(t, AT_FDCWD, arg_ptr(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_mknodat(struct task *t, const struct syscall_args *a)
{
	return do_mknodat(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), arg_uint(a, 3));
}
