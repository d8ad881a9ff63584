// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs extended attributes: every kind of inode keeps its own in memory
 * (struct simple_xattrs, bounded per inode), as Linux's shmem does; the
 * VFS has already decided which namespaces a file may carry. A mount's
 * xattrs together are bounded too (a 16th of size=, -ENOSPC past it), as
 * Linux charges them to the mount's inode space, so that many files each
 * at the per-inode bound cannot grow the Sentry without limit.
 */
#include <errno.h>

#include "sentry/vfs/xattr.h"
#include "tmpfs.h"

/* Charge delta bytes (may be negative) to sb; -ENOSPC if that would pass the bound. */
static int charge(struct super_block *sb, s64 delta)
{
	struct tmpfs_info *info = TMPFS_SB(sb);
	u64 max = info->xattr_max;
	u64 now = __atomic_add_fetch(&info->xattr_bytes, (u64)delta, __ATOMIC_RELAXED);
	if (delta > 0 && now > max) {
		__atomic_sub_fetch(&info->xattr_bytes, (u64)delta, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	return 0;
}

ssize_t tmpfs_getxattr(struct inode *inode, const char *name, void *buf, size_t size)
{
	pthread_mutex_lock(&inode->lock);
	ssize_t ret = simple_xattr_get(&TMPFS_I(inode)->xattrs, name, buf, size);
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

int tmpfs_setxattr(struct inode *inode, const char *name, const void *value, size_t size, int flags)
{
	struct simple_xattrs *x = &TMPFS_I(inode)->xattrs;
	/* Reserve the most it can add; settle for what it did. */
	s64 reserve = value ? (s64)simple_xattr_space(name, size) : 0;
	int ret = charge(inode->sb, reserve);
	if (ret)
		return ret;
	pthread_mutex_lock(&inode->lock);
	size_t before = x->space;
	ret = simple_xattr_set(x, name, value, size, flags);
	if (!ret)
		inode_touch(inode, ATTR_CTIME);
	s64 used = (s64)x->space - (s64)before;
	pthread_mutex_unlock(&inode->lock);
	charge(inode->sb, used - reserve); /* not positive: cannot fail */
	return ret;
}

ssize_t tmpfs_listxattr(struct inode *inode, char *buf, size_t size)
{
	pthread_mutex_lock(&inode->lock);
	ssize_t ret = simple_xattr_list(&TMPFS_I(inode)->xattrs, buf, size);
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

int tmpfs_removexattr(struct inode *inode, const char *name)
{
	return tmpfs_setxattr(inode, name, NULL, 0, LINUX_XATTR_REPLACE);
}
