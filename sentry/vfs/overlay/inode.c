// SPDX-License-Identifier: Apache-2.0
/*
 * overlay inode operations that every kind of file has: lookup (for
 * directories), attributes and symlink targets.
 */
#include <errno.h>
#include <string.h>

#include "overlay_internal.h"

struct inode *ovl_real_lookup(struct inode *dir, const char *name)
{
	if (!dir->iops || !dir->iops->lookup)
		return ERR_PTR(-ENOTDIR);
	struct inode *inode = dir->iops->lookup(dir, name);
	return PTR_ERR(inode) == -ENOENT ? NULL : inode;
}

/*
 * The lower directory of an upper one found at dir/name, when it merges:
 * the one it was renamed with (redirect), else lower's at the same path.
 */
static struct inode *ovl_lookup_merge(struct ovl_inode *dir, struct inode *upper, const char *name)
{
	struct ovl_fs *ofs = OVL_FS(dir->vfs.sb);
	struct inode *ldir = ovl_lower_dir(dir);
	u64 redirect;
	if (ovl_map_get(&ofs->opaque, upper->ino, NULL))
		return NULL;
	if (ovl_map_get(&ofs->redirect, upper->ino, &redirect))
		return inode_get((struct inode *)(uintptr_t)redirect);
	if (!ldir)
		return NULL;
	struct inode *lower = ovl_real_lookup(ldir, name);
	if (lower && !IS_ERR(lower) && !S_ISDIR(lower->mode)) {
		inode_put(lower);
		return NULL;
	}
	return lower;
}

struct inode *ovl_lookup(struct inode *dir, const char *name)
{
	struct ovl_inode *d = OVL_I(dir);
	struct ovl_fs *ofs = OVL_FS(dir->sb);
	struct inode *udir = ovl_upper(d), *upper = NULL, *lower;

	if (udir && (upper = ovl_real_lookup(udir, name))) {
		if (IS_ERR(upper))
			return upper;
		if (ovl_is_whiteout(upper)) {
			inode_put(upper);
			return ERR_PTR(-ENOENT);
		}
		if (!S_ISDIR(upper->mode)) {
			u64 origin;
			bool copied = ovl_map_get(&ofs->origin, upper->ino, &origin);
			return ovl_get_inode(dir->sb, upper, NULL, copied ? &origin : NULL, NULL,
					     NULL);
		}
		lower = ovl_lookup_merge(d, upper, name);
		if (IS_ERR(lower)) {
			inode_put(upper);
			return lower;
		}
		return ovl_get_inode(dir->sb, upper, lower, NULL, NULL, NULL);
	}
	struct inode *ldir = ovl_lower_dir(d);
	lower = ldir ? ovl_real_lookup(ldir, name) : NULL;
	if (!lower)
		return ERR_PTR(-ENOENT);
	if (IS_ERR(lower))
		return lower;
	return ovl_get_inode(dir->sb, NULL, lower, NULL, d, name);
}

/* Caller holds inode->lock (vfs_getattr), which orders before the layer's. */
int ovl_getattr(struct inode *inode, struct kstat *st)
{
	struct kstat real = {.mask = st->mask};
	ovl_sync_locked(OVL_I(inode), &real);
	if (!(real.mask & LINUX_STATX_BTIME))
		st->mask &= ~LINUX_STATX_BTIME;
	st->mode = inode->mode;
	st->nlink = inode->nlink;
	st->uid = inode->uid;
	st->gid = inode->gid;
	st->rdev = inode->rdev;
	st->size = inode->size;
	st->blocks = inode->blocks;
	st->atime = inode->atime;
	st->mtime = inode->mtime;
	st->ctime = inode->ctime;
	st->btime = inode->btime;
	return 0; /* dev and ino: the overlay's, as vfs_getattr filled them */
}

/*
 * Caller holds inode->lock. A copy-up needs vfs_lock, which orders before
 * it, so the lock is let go for the copy: the attributes the caller
 * checked may change meanwhile, as they may between its check and a
 * setattr on Linux's overlayfs, which revalidates nothing either.
 */
int ovl_setattr(struct inode *inode, const struct iattr *ia)
{
	struct ovl_inode *oi = OVL_I(inode);
	int ret = 0;

	if (!ovl_upper(oi)) {
		/* A truncation needs only the data it keeps. */
		s64 limit = ia->valid & ATTR_SIZE ? ia->size : -1;
		pthread_mutex_unlock(&inode->lock);
		vfs_lock();
		ret = ovl_copy_up(oi, limit);
		vfs_unlock();
		pthread_mutex_lock(&inode->lock);
		if (ret)
			return ret;
	}
	struct inode *real = ovl_upper(oi);
	pthread_mutex_lock(&real->lock);
	if (real->iops && real->iops->setattr)
		ret = real->iops->setattr(real, ia);
	else if (ia->valid & ATTR_SIZE)
		ret = -EPERM;
	else
		inode_apply_attr(real, ia);
	pthread_mutex_unlock(&real->lock);
	ovl_sync_locked(oi, NULL);
	return ret;
}

static int ovl_readlink(struct inode *inode, char *buf, size_t size)
{
	struct inode *real = ovl_real(OVL_I(inode));
	if (!real->iops || !real->iops->readlink)
		return -EINVAL;
	return real->iops->readlink(real, buf, size);
}

const struct inode_ops ovl_nondir_iops = {
	.readlink = ovl_readlink,
	.setattr = ovl_setattr,
	.getattr = ovl_getattr,
	OVL_XATTR_IOPS,
};
