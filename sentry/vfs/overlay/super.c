// SPDX-License-Identifier: Apache-2.0
/*
 * overlay: mounting, the cache of live overlay inodes, and the attribute
 * mirror (see overlay_internal.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "overlay_internal.h"

static void ovl_destroy_inode(struct inode *inode)
{
	struct ovl_inode *oi = OVL_I(inode);
	struct ovl_fs *ofs = OVL_FS(inode->sb);
	u64 self = (uintptr_t)oi;

	/* A lookup may have made a successor already: only our own entry goes. */
	pthread_mutex_lock(&ofs->cache_lock);
	ovl_map_del(&ofs->cache, inode->ino, &self);
	pthread_mutex_unlock(&ofs->cache_lock);
	inode_put(oi->upper);
	inode_put(oi->lower);
	if (oi->parent)
		inode_put(&oi->parent->vfs);
	free(oi->name);
	free(oi);
}

/* The upper layer's space, where writes go, under the overlay's own type (as overlayfs). */
static int ovl_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct super_block *upper = OVL_FS(sb)->upper;
	int ret = upper->ops->statfs ? upper->ops->statfs(upper, st) : 0;
	st->type = LINUX_OVERLAYFS_SUPER_MAGIC;
	return ret;
}

static const struct super_ops ovl_super_ops = {
	.destroy_inode = ovl_destroy_inode,
	.statfs = ovl_statfs,
};

int ovl_real_stat(struct inode *real, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&real->lock);
	st->mask = LINUX_STATX_BASIC_STATS | LINUX_STATX_BTIME;
	st->mode = real->mode;
	st->nlink = real->nlink;
	st->uid = real->uid;
	st->gid = real->gid;
	st->blksize = PAGE_SIZE;
	st->rdev = real->rdev;
	st->ino = real->ino;
	st->size = real->size;
	st->blocks = real->blocks;
	st->atime = real->atime;
	st->mtime = real->mtime;
	st->ctime = real->ctime;
	st->btime = real->btime;
	int ret = real->iops && real->iops->getattr ? real->iops->getattr(real, st) : 0;
	pthread_mutex_unlock(&real->lock);
	return ret;
}

/* Merged directories report one link, as overlayfs does: the count is unknowable. */
static bool ovl_is_merged_dir(struct ovl_inode *oi)
{
	return S_ISDIR(oi->vfs.mode) && ovl_upper(oi) && oi->lower && !ovl_is_opaque(oi);
}

void ovl_sync_locked(struct ovl_inode *oi, struct kstat *out)
{
	struct inode *inode = &oi->vfs;
	struct kstat st;

	if (ovl_real_stat(ovl_real(oi), &st))
		return; /* keep the last known attributes */
	if (out)
		*out = st;
	/*
	 * The VFS reads mode's type bits and nlink without the lock (as it
	 * does on every file system, whose chmod writes them): store only
	 * what changed, so a refresh is not one more writer.
	 */
	u32 nlink = ovl_is_merged_dir(oi) ? 1 : st.nlink;
	if (inode->mode != st.mode)
		inode->mode = st.mode;
	if (inode->nlink != nlink)
		inode->nlink = nlink;
	inode->uid = st.uid;
	inode->gid = st.gid;
	inode->rdev = st.rdev;
	inode->size = st.size;
	inode->blocks = st.blocks;
	inode->atime = st.atime;
	inode->mtime = st.mtime;
	inode->ctime = st.ctime;
	inode->btime = st.btime;
}

void ovl_sync(struct ovl_inode *oi)
{
	pthread_mutex_lock(&oi->vfs.lock);
	ovl_sync_locked(oi, NULL);
	pthread_mutex_unlock(&oi->vfs.lock);
}

void ovl_drop_alias(struct ovl_inode *oi)
{
	if (oi->parent)
		inode_put(&oi->parent->vfs);
	oi->parent = NULL;
	free(oi->name);
	oi->name = NULL;
}

/* Take a reference unless the last one is already being dropped. */
static bool inode_get_unless_zero(struct inode *inode)
{
	int refs = __atomic_load_n(&inode->refs, __ATOMIC_RELAXED);
	do {
		if (refs == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&inode->refs, &refs, refs + 1, false,
					      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

static int ovl_set_alias(struct ovl_inode *oi, struct ovl_inode *parent, const char *name)
{
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	oi->parent = OVL_I(inode_get(&parent->vfs));
	oi->name = n;
	return 0;
}

static struct ovl_inode *cache_find(struct ovl_fs *ofs, u64 ino)
{
	u64 p;
	struct ovl_inode *oi = NULL;
	pthread_mutex_lock(&ofs->cache_lock);
	if (ovl_map_get(&ofs->cache, ino, &p) &&
	    inode_get_unless_zero(&((struct ovl_inode *)(uintptr_t)p)->vfs))
		oi = (struct ovl_inode *)(uintptr_t)p;
	pthread_mutex_unlock(&ofs->cache_lock);
	return oi;
}

/* A live inode found again: complete what it may lack. */
static struct inode *ovl_reuse(struct ovl_inode *oi, struct inode *upper, struct inode *lower,
			       struct ovl_inode *parent, const char *name)
{
	if (upper && !ovl_upper(oi) && (upper->mode & S_IFMT) == (oi->vfs.mode & S_IFMT)) {
		__atomic_store_n(&oi->upper, upper, __ATOMIC_RELEASE);
		upper = NULL;
		ovl_drop_alias(oi);
		ovl_sync(oi);
	}
	/* Another name of a lower hard link, or the file's name after an unlink. */
	if (!ovl_upper(oi) && !oi->parent && parent && ovl_set_alias(oi, parent, name))
		pr_warn_ratelimited("overlay: no memory to remember where ino %llu is",
				    (unsigned long long)oi->vfs.ino);
	inode_put(upper);
	inode_put(lower);
	return &oi->vfs;
}

static struct ovl_inode *ovl_alloc(struct super_block *sb, struct inode *upper, struct inode *lower,
				   u64 ino)
{
	struct ovl_inode *oi = calloc(1, sizeof(*oi));
	if (!oi)
		return NULL;
	struct inode *inode = &oi->vfs;
	pthread_mutex_init(&inode->lock, NULL);
	inode->refs = 1;
	inode->sb = sb;
	inode->ino = ino;
	oi->upper = upper;
	oi->lower = lower;
	inode->mode = ovl_real(oi)->mode;
	if (S_ISDIR(inode->mode)) {
		inode->iops = &ovl_dir_iops;
		inode->fops = &ovl_dir_fops;
	} else {
		inode->iops = &ovl_nondir_iops;
		inode->fops = S_ISREG(inode->mode) ? &ovl_file_fops : NULL;
	}
	return oi;
}

struct inode *ovl_get_inode(struct super_block *sb, struct inode *upper, struct inode *lower,
			    const u64 *origin, struct ovl_inode *parent, const char *name)
{
	struct ovl_fs *ofs = OVL_FS(sb);
	bool lower_ino = lower || origin;
	u64 ino = lower ? lower->ino : origin ? *origin : upper->ino | OVL_UPPER_INO;

	struct ovl_inode *oi = cache_find(ofs, ino);
	if (oi)
		return ovl_reuse(oi, upper, lower, parent, name);

	/* Another lower name of a hard link copied up earlier. */
	u64 copy;
	if (!upper && !S_ISDIR(lower->mode) && ovl_map_get(&ofs->index, lower->ino, &copy))
		upper = inode_get((struct inode *)(uintptr_t)copy);
	oi = ovl_alloc(sb, upper, lower, ino);
	if (!oi)
		goto out_nomem;
	oi->has_lower_ino = lower_ino;
	if (upper && S_ISDIR(upper->mode) && ovl_map_get(&ofs->opaque, upper->ino, NULL))
		ovl_mark_opaque(oi);
	if (!upper && parent && ovl_set_alias(oi, parent, name))
		goto out_free;
	ovl_sync(oi);
	pthread_mutex_lock(&ofs->cache_lock);
	int ret = ovl_map_set(&ofs->cache, ino, (uintptr_t)oi);
	pthread_mutex_unlock(&ofs->cache_lock);
	if (ret)
		goto out_free;
	return &oi->vfs;

out_free:
	ovl_drop_alias(oi);
	free(oi);
out_nomem:
	inode_put(upper);
	inode_put(lower);
	return ERR_PTR(-ENOMEM);
}

struct super_block *overlay_mount(struct super_block *lower, struct super_block *upper)
{
	struct ovl_fs *ofs = calloc(1, sizeof(*ofs));
	struct super_block *sb = sb_alloc(&ovl_super_ops, "overlay");
	if (!ofs || !sb)
		goto out_nomem;
	pthread_mutex_init(&ofs->cache_lock, NULL);
	ofs->lower = lower;
	ofs->upper = upper;
	sb->fs_info = ofs;
	/* Its lookups reach the lower layer's, and nothing renames behind the VFS. */
	sb->flags |= SB_KEEP_DENTRIES;

	vfs_lock();
	struct inode *root = ovl_get_inode(sb, inode_get(upper->root->inode),
					   inode_get(lower->root->inode), NULL, NULL, NULL);
	vfs_unlock();
	if (IS_ERR(root))
		goto out_nomem;
	ofs->root = OVL_I(root);
	sb->root = d_make_root(root);
	if (!sb->root)
		goto out_nomem; /* the root inode, freed with its dentry, left the cache */
	/* Super blocks are never freed yet (no umount): these are for the record. */
	__atomic_fetch_add(&lower->refs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&upper->refs, 1, __ATOMIC_RELAXED);
	return sb;

out_nomem:
	free(ofs);
	free(sb);
	return ERR_PTR(-ENOMEM);
}
