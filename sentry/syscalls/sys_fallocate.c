// SPDX-License-Identifier: Apache-2.0
/*
 * fallocate(2): Linux's vfs_fallocate checks, in its order, then the file
 * system's .fallocate op (tmpfs, overlay, goferfs).
 */
#include <errno.h>
#include <linux/falloc.h>
#include <sys/stat.h>

#include "sentry/kernel/rlimit.h"
#include "sentry/vfs/inotify.h"
#include "sys_path.h"

#ifndef FALLOC_FL_WRITE_ZEROES
#define FALLOC_FL_WRITE_ZEROES 0x80 /* Linux 6.17 */
#endif
/* Linux's FALLOC_FL_MODE_MASK: the modes, one at a time, beside FALLOC_FL_KEEP_SIZE. */
#define FALLOC_MODES                                                              \
	(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | \
	 FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES)

/* The VFS entry point (for vfs.h once the lead moves it there; its header is not ours). */
long vfs_fallocate(struct file *f, int mode, s64 off, s64 len);

long vfs_fallocate(struct file *f, int mode, s64 off, s64 len)
{
	struct inode *inode = f->inode;
	s64 end;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_MODES | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	/* The modes exclude each other (mode 0 is "allocate"), as Linux 6.x checks. */
	switch (mode & FALLOC_MODES) {
	case 0:
	case FALLOC_FL_UNSHARE_RANGE:
	case FALLOC_FL_ZERO_RANGE:
		break;
	case FALLOC_FL_PUNCH_HOLE: /* punching never changes the size */
		if (!(mode & FALLOC_FL_KEEP_SIZE))
			return -EOPNOTSUPP;
		break;
	case FALLOC_FL_COLLAPSE_RANGE:
	case FALLOC_FL_INSERT_RANGE:
	case FALLOC_FL_WRITE_ZEROES:
		if (mode & FALLOC_FL_KEEP_SIZE)
			return -EOPNOTSUPP;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (!(f->mode & FMODE_WRITE))
		return -EBADF;
	/*
	 * Files outside the VFS (pipes, sockets, eventfd, ...) tell their type
	 * through .stat; those without one are anon inodes in Linux: no type.
	 */
	u32 type = 0;
	struct kstat st = {0};
	if (inode)
		type = inode->mode & S_IFMT;
	else if (f->ops->stat && !f->ops->stat(f, &st))
		type = st.mode & S_IFMT;
	if (type == S_IFIFO)
		return -ESPIPE;
	if (type == S_IFDIR)
		return -EISDIR;
	if (type != S_IFREG && type != S_IFBLK)
		return -ENODEV;
	if (__builtin_add_overflow(off, len, &end))
		return -EFBIG;
	if (!f->ops->fallocate)
		return -EOPNOTSUPP;
	/*
	 * inode_newsize_ok: growing past RLIMIT_FSIZE is SIGXFSZ and EFBIG.
	 * Most file systems check only a size change; tmpfs checks
	 * FALLOC_FL_KEEP_SIZE too, in its op.
	 */
	if (!(mode & FALLOC_FL_KEEP_SIZE)) {
		s64 size = inode ? __atomic_load_n(&inode->size, __ATOMIC_RELAXED) : st.size;
		int ret = rlimit_fsize_truncate(size, end);
		if (ret)
			return ret;
	}
	return fsnotify_change(f->path.dentry, ATTR_SIZE, f->ops->fallocate(f, mode, off, len));
}

long sys_fallocate(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	return vfs_fallocate(f, arg_int(a, 1), (s64)a->a[2], (s64)a->a[3]);
}
