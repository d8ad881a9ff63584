// SPDX-License-Identifier: Apache-2.0
/*
 * overlay directory operations: new entries go into upper (its parents
 * copied up first); a name that exists in lower is removed by leaving a
 * whiteout. Anything that replaces an upper entry is built under a
 * temporary name and renamed over it, as overlayfs does through its work
 * directory, so that the lower entry never shows through, even when the
 * upper file system fails half-way. Everything here runs under vfs_lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "overlay_internal.h"

/* Whiteouts belong to root, as the mounter's on Linux. */
static const struct vfs_cred ovl_root_cred = {.caps = ~0ULL};

struct inode *ovl_make_real(struct inode *udir, const char *name, const struct ovl_new *n)
{
	const struct inode_ops *ops = udir->iops;
	if (n->link) {
		int ret = ops->link ? ops->link(udir, name, n->link) : -EPERM;
		return ret ? ERR_PTR(ret) : inode_get(n->link);
	}
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		return ops->mkdir ? ops->mkdir(udir, name, n->mode, n->cred) : ERR_PTR(-EPERM);
	case S_IFREG:
		return ops->create ? ops->create(udir, name, n->mode, n->cred) : ERR_PTR(-EACCES);
	case S_IFLNK:
		return ops->symlink ? ops->symlink(udir, name, n->target, n->cred)
				    : ERR_PTR(-EPERM);
	default:
		return ops->mknod ? ops->mknod(udir, name, n->mode, n->rdev, n->cred)
				  : ERR_PTR(-EPERM);
	}
}

int ovl_remove_real(struct inode *udir, const char *name, struct inode *inode)
{
	int (*op)(struct inode *, const char *, struct inode *) =
		S_ISDIR(inode->mode) ? udir->iops->rmdir : udir->iops->unlink;
	return op ? op(udir, name, inode) : -EPERM;
}

int ovl_rename_real(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		    unsigned flags)
{
	if (!odir->iops->rename)
		return -EPERM;
	return odir->iops->rename(odir, oname, ndir, nname, flags);
}

int ovl_temp_name(struct ovl_fs *ofs, struct inode *udir, char *buf, size_t size)
{
	for (;;) {
		snprintf(buf, size, "#ovl.%llx", (unsigned long long)++ofs->temp_seq);
		struct inode *probe = ovl_real_lookup(udir, buf);
		if (!probe)
			return 0;
		if (IS_ERR(probe))
			return PTR_ERR(probe);
		inode_put(probe);
	}
}

/* Build n aside in udir and rename it over name (what is there goes). */
static struct inode *ovl_make_over(struct ovl_fs *ofs, struct inode *udir, const char *name,
				   const struct ovl_new *n, bool opaque)
{
	char tmp[32];
	int ret = ovl_temp_name(ofs, udir, tmp, sizeof(tmp));
	if (ret)
		return ERR_PTR(ret);
	struct inode *made = ovl_make_real(udir, tmp, n);
	if (IS_ERR(made))
		return made;
	if (opaque)
		ret = ovl_set_opaque(ofs, made, NULL);
	if (!ret)
		ret = ovl_rename_real(udir, tmp, udir, name, 0);
	if (ret) {
		if (ovl_remove_real(udir, tmp, made))
			pr_warn("overlay: cannot remove temporary %s", tmp);
		ovl_forget_upper(ofs, made);
		inode_put(made);
		return ERR_PTR(ret);
	}
	return made;
}

int ovl_whiteout(struct ovl_fs *ofs, struct inode *udir, const char *name, struct inode *what)
{
	const struct ovl_new wh = {.mode = S_IFCHR, .rdev = 0, .cred = &ovl_root_cred};
	struct inode *w =
		what ? ovl_make_over(ofs, udir, name, &wh, false) : ovl_make_real(udir, name, &wh);
	if (IS_ERR(w))
		return PTR_ERR(w);
	inode_put(w);
	return 0;
}

int ovl_set_redirect(struct ovl_fs *ofs, struct inode *udir, struct inode *ldir)
{
	/* Moved before: it already names ldir, the directory's one lower. */
	if (ovl_map_get(&ofs->redirect, udir->ino, NULL))
		return 0;
	int ret = ovl_map_set(&ofs->redirect, udir->ino, (uintptr_t)ldir);
	if (!ret)
		inode_get(ldir);
	return ret;
}

int ovl_set_opaque(struct ovl_fs *ofs, struct inode *udir, struct ovl_inode *oi)
{
	int ret = ovl_map_set(&ofs->opaque, udir->ino, 1);
	if (!ret && oi)
		ovl_mark_opaque(oi);
	return ret;
}

int ovl_lower_has(struct ovl_inode *dir, const char *name)
{
	struct inode *ldir = ovl_lower_dir(dir);
	struct inode *l = ldir ? ovl_real_lookup(ldir, name) : NULL;
	if (!l || IS_ERR(l))
		return PTR_ERR(l);
	inode_put(l);
	return 1;
}

void ovl_forget_upper(struct ovl_fs *ofs, struct inode *upper)
{
	pthread_mutex_lock(&upper->lock);
	u32 nlink = upper->nlink;
	pthread_mutex_unlock(&upper->lock);
	if (nlink)
		return;
	ovl_map_del(&ofs->origin, upper->ino, NULL);
	ovl_map_del(&ofs->opaque, upper->ino, NULL);
	u64 ldir;
	if (ovl_map_get(&ofs->redirect, upper->ino, &ldir)) {
		ovl_map_del(&ofs->redirect, upper->ino, NULL);
		inode_put((struct inode *)(uintptr_t)ldir);
	}
}

/* Put n at dir/name in upper; a whiteout there is replaced, and a directory made opaque. */
static struct inode *ovl_create_upper(struct inode *dir, const char *name, const struct ovl_new *n)
{
	struct ovl_inode *d = OVL_I(dir);
	struct ovl_fs *ofs = OVL_FS(dir->sb);
	int ret = ovl_copy_up(d, -1);
	if (ret)
		return ERR_PTR(ret);
	struct inode *udir = ovl_upper(d);
	struct inode *old = ovl_real_lookup(udir, name), *made;
	if (!old) {
		made = ovl_make_real(udir, name, n);
	} else if (IS_ERR(old)) {
		return old;
	} else {
		/* The VFS found nothing here: anything but a whiteout is a broken layer. */
		bool wh = ovl_is_whiteout(old);
		inode_put(old);
		if (!wh)
			return ERR_PTR(-EIO);
		made = ovl_make_over(ofs, udir, name, n, S_ISDIR(n->mode) && !n->link);
	}
	if (!IS_ERR(made))
		ovl_sync(d);
	return made;
}

static struct inode *ovl_create_new(struct inode *dir, const char *name, const struct ovl_new *n)
{
	struct inode *upper = ovl_create_upper(dir, name, n);
	if (IS_ERR(upper))
		return upper;
	return ovl_get_inode(dir->sb, upper, NULL, NULL, NULL, NULL);
}

static struct inode *ovl_create(struct inode *dir, const char *name, u32 mode,
				const struct vfs_cred *c)
{
	return ovl_create_new(dir, name, &(struct ovl_new){.mode = mode, .cred = c});
}

static struct inode *ovl_mkdir(struct inode *dir, const char *name, u32 mode,
			       const struct vfs_cred *c)
{
	return ovl_create_new(dir, name, &(struct ovl_new){.mode = mode, .cred = c});
}

static struct inode *ovl_symlink(struct inode *dir, const char *name, const char *target,
				 const struct vfs_cred *c)
{
	const struct ovl_new n = {.mode = S_IFLNK | 0777, .target = target, .cred = c};
	return ovl_create_new(dir, name, &n);
}

static struct inode *ovl_mknod(struct inode *dir, const char *name, u32 mode, u64 rdev,
			       const struct vfs_cred *c)
{
	/* It would read as a whiteout: overlayfs refuses it too. */
	if (S_ISCHR(mode) && rdev == 0)
		return ERR_PTR(-EPERM);
	return ovl_create_new(dir, name, &(struct ovl_new){.mode = mode, .rdev = rdev, .cred = c});
}

static int ovl_link(struct inode *dir, const char *name, struct inode *inode)
{
	struct ovl_inode *oi = OVL_I(inode);
	int ret = ovl_copy_up(oi, -1);
	if (ret)
		return ret;
	struct inode *upper = ovl_create_upper(dir, name, &(struct ovl_new){.link = ovl_upper(oi)});
	if (IS_ERR(upper))
		return PTR_ERR(upper);
	/* A copy whose names were all gone (an orphan) has lost its origin record. */
	if (oi->has_lower_ino && ovl_map_set(&OVL_FS(dir->sb)->origin, upper->ino, inode->ino))
		pr_warn_ratelimited("overlay: no memory to record the origin of ino %llu",
				    (unsigned long long)inode->ino);
	inode_put(upper);
	ovl_sync(oi);
	return 0;
}

/* name in dir no longer leads to oi. */
static void ovl_unlinked(struct ovl_inode *dir, const char *name, struct ovl_inode *oi,
			 struct inode *upper)
{
	if (upper)
		ovl_forget_upper(OVL_FS(dir->vfs.sb), upper);
	if (oi->parent == dir && strcmp(oi->name, name) == 0)
		ovl_drop_alias(oi);
	ovl_sync(oi);
	ovl_sync(dir);
}

/* The upper entry at d/name (NULL if none or a whiteout), with d copied up if need_upper. */
static int ovl_upper_victim(struct ovl_inode *d, const char *name, bool need_upper,
			    struct inode **out)
{
	int ret = need_upper ? ovl_copy_up(d, -1) : 0;
	struct inode *udir = ovl_upper(d);
	*out = NULL;
	if (ret || !udir)
		return ret;
	struct inode *u = ovl_real_lookup(udir, name);
	if (IS_ERR(u))
		return PTR_ERR(u);
	if (u && ovl_is_whiteout(u)) {
		inode_put(u);
		u = NULL;
	}
	*out = u;
	return 0;
}

static int ovl_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	struct ovl_inode *d = OVL_I(dir);
	struct ovl_fs *ofs = OVL_FS(dir->sb);
	struct inode *u;
	int low = ovl_lower_has(d, name);
	if (low < 0)
		return low;
	int ret = ovl_upper_victim(d, name, low, &u);
	if (ret)
		return ret;
	if (low)
		ret = ovl_whiteout(ofs, ovl_upper(d), name, u);
	else
		ret = u ? ovl_remove_real(ovl_upper(d), name, u) : -ENOENT;
	if (!ret)
		ovl_unlinked(d, name, OVL_I(inode), u);
	inode_put(u);
	return ret;
}

static int ovl_rmdir(struct inode *dir, const char *name, struct inode *inode)
{
	struct ovl_inode *d = OVL_I(dir), *victim = OVL_I(inode);
	struct ovl_fs *ofs = OVL_FS(dir->sb);
	struct inode *u;
	int ret = ovl_check_empty(victim);
	if (ret)
		return ret;
	int low = ovl_lower_has(d, name);
	if (low < 0)
		return low;
	ret = ovl_upper_victim(d, name, low, &u);
	if (ret)
		return ret;
	/* Opaque first: if clearing its whiteouts fails half-way, nothing lower shows. */
	if (u && ovl_lower_dir(victim))
		ret = ovl_set_opaque(ofs, u, victim);
	if (!ret && u)
		ret = ovl_clear_whiteouts(u);
	if (!ret && low)
		ret = ovl_whiteout(ofs, ovl_upper(d), name, u);
	else if (!ret)
		ret = u ? ovl_remove_real(ovl_upper(d), name, u) : -ENOENT;
	if (!ret) {
		ovl_mark_opaque(victim); /* a removed directory lists nothing */
		ovl_unlinked(d, name, victim, u);
	}
	inode_put(u);
	return ret;
}

const struct inode_ops ovl_dir_iops = {
	.lookup = ovl_lookup,
	.create = ovl_create,
	.mkdir = ovl_mkdir,
	.symlink = ovl_symlink,
	.mknod = ovl_mknod,
	.link = ovl_link,
	.unlink = ovl_unlink,
	.rmdir = ovl_rmdir,
	.rename = ovl_rename,
	.setattr = ovl_setattr,
	.getattr = ovl_getattr,
	OVL_XATTR_IOPS,
};
