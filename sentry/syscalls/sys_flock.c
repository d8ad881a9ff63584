// SPDX-License-Identifier: Apache-2.0
/*
 * File locks: flock(2) and fcntl(2)'s record-lock commands, decoded here
 * and kept by sentry/vfs/locks.c.
 */
#include <errno.h>

#include "sentry/vfs/locks.h"
#include "syscalls.h"

/* The close race of Linux's fcntl_setlk: an fd closed while we locked through it. */
static int setlk_recheck(struct task *t, int fd, struct file *f)
{
	struct file *now = fdtable_get(t->files, fd);
	file_put(now);
	if (now == f)
		return 0;
	locks_remove_posix(f, t->files);
	return -EBADF;
}

static long do_fcntl_lock(struct task *t, int fd, struct file *f, int cmd, uaddr_t arg)
{
	struct linux_flock fl;
	bool ofd =
		cmd == LINUX_F_OFD_GETLK || cmd == LINUX_F_OFD_SETLK || cmd == LINUX_F_OFD_SETLKW;
	int ret;

	if (mm_copy_from_user(t->mm, &fl, arg, sizeof(fl)))
		return -EFAULT;
	if (cmd == LINUX_F_GETLK || cmd == LINUX_F_OFD_GETLK) {
		ret = vfs_lock_test(f, t->files, ofd, &fl);
		if (!ret && mm_copy_to_user(t->mm, arg, &fl, sizeof(fl)))
			ret = -EFAULT;
		return ret;
	}
	bool wait = cmd == LINUX_F_SETLKW || cmd == LINUX_F_OFD_SETLKW;
	ret = vfs_lock_set(t, f, t->files, t->tg->tgid, ofd, wait, &fl);
	if (!ret && !ofd && fl.l_type != LINUX_F_UNLCK)
		ret = setlk_recheck(t, fd, f);
	return ret;
}

long fcntl_lock(struct task *t, int fd, int cmd, uaddr_t arg)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return -EBADF;
	/* O_PATH descriptors take no fcntl lock commands. */
	long ret = f->mode & FMODE_PATH ? -EBADF : do_fcntl_lock(t, fd, f, cmd, arg);
	file_put(f);
	return ret;
}

long sys_flock(struct task *t, const struct syscall_args *a)
{
	unsigned cmd = arg_uint(a, 1);
	int type;

	/* Linux ignores the long-broken LOCK_MAND requests (with a warning). */
	if (cmd & LINUX_LOCK_MAND)
		return 0;
	switch (cmd & ~LINUX_LOCK_NB) {
	case LINUX_LOCK_SH:
		type = LINUX_F_RDLCK;
		break;
	case LINUX_LOCK_EX:
		type = LINUX_F_WRLCK;
		break;
	case LINUX_LOCK_UN:
		type = LINUX_F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	struct file *f = fdtable_get(t->files, arg_int(a, 0));
	if (!f)
		return -EBADF;
	long ret = -EBADF;
	if (!(f->mode & FMODE_PATH) &&
	    (type == LINUX_F_UNLCK || (f->mode & (FMODE_READ | FMODE_WRITE))))
		ret = vfs_flock(t, f, type, !(cmd & LINUX_LOCK_NB));
	file_put(f);
	return ret;
}
