// SPDX-License-Identifier: Apache-2.0
/*
 * Changes to directories: mkdir, mknod, rmdir, unlink, symlink, link and
 * rename, with Linux's checks in Linux's order (fs/namei.c: may_create,
 * may_delete, filename_create, do_renameat2). Each runs under vfs_lock
 * from its walk to its dentry update, so no one sees a half-made change.
 */
#include <errno.h>
#include <string.h>

#include "acl.h"
#include "inotify.h"
#include "vfs_internal.h"

static int may_create(struct dentry *dir, const struct vfs_cred *c)
{
	if (dir->unlinked)
		return -ENOENT;
	return inode_permission(dir->inode, MAY_WRITE | MAY_EXEC, c);
}

/* The sticky bit: only the file's or the directory's owner may remove it. */
static bool sticky_forbids(struct inode *dir, struct inode *inode, const struct vfs_cred *c)
{
	if (!(dir->mode & S_ISVTX))
		return false;
	if (inode->uid == c->fsuid || dir->uid == c->fsuid)
		return false;
	return !cred_capable(c, LINUX_CAP_FOWNER);
}

static bool d_is_mountpoint(const struct dentry *d)
{
	return d->mounts > 0;
}

/* Linux's may_delete: victim is the child of dir about to go. */
static int may_delete(struct dentry *dir, struct dentry *victim, bool isdir,
		      const struct vfs_cred *c)
{
	int ret = inode_permission(dir->inode, MAY_WRITE | MAY_EXEC, c);
	if (ret)
		return ret;
	if (sticky_forbids(dir->inode, victim->inode, c))
		return -EPERM;
	if (isdir) {
		if (!d_is_dir(victim))
			return -ENOTDIR;
		if (victim->parent == victim)
			return -EBUSY;
	} else if (d_is_dir(victim)) {
		return -EISDIR;
	}
	if (dir->unlinked)
		return -ENOENT;
	return 0;
}

/*
 * Walk to the parent of a name about to be created (filename_create):
 * EEXIST for ".", ".." and "/" or an existing entry, ENOENT for
 * "missing/" unless a directory is being made.
 */
static int create_prepare(struct nameidata *nd, bool want_dir)
{
	int ret = namei_walk(nd);
	if (ret)
		return ret;
	if (nd->last_type != LAST_NORM)
		return -EEXIST;
	struct path p;
	ret = namei_last(nd, &p);
	if (!ret) {
		path_put(&p);
		return -EEXIST;
	}
	if (ret != -ENOENT)
		return ret;
	if (nd->last_slash && !want_dir)
		return -ENOENT;
	return mnt_want_write(nd->path.mnt) ?: may_create(nd->path.dentry, nd->ctx->cred);
}

/* Cache the inode a creating op returned (or pass its error on). */
static int create_finish(struct nameidata *nd, struct inode *inode)
{
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	struct dentry *d = d_add_child(nd->path.dentry, nd->last, inode);
	if (IS_ERR(d))
		return PTR_ERR(d);
	fsnotify_create(nd->path.dentry, d);
	dput(d);
	return 0;
}

int vfs_mkdir(const struct vfs_ctx *ctx, const char *name, u32 mode)
{
	struct nameidata nd;
	vfs_lock();
	int ret = namei_start(&nd, ctx, name, 0);
	if (!ret)
		ret = create_prepare(&nd, true);
	if (!ret) {
		struct inode *dir = nd.path.dentry->inode;
		mode = (mode & 01777 & ~acl_create_umask(dir, ctx->umask)) | S_IFDIR;
		if (!dir->iops->mkdir)
			ret = -EPERM;
		else
			ret = create_finish(&nd, dir->iops->mkdir(dir, nd.last, mode, ctx->cred));
	}
	namei_done(&nd);
	vfs_unlock();
	return ret;
}

/*
 * Device nodes: CAP_MKNOD, as Linux asks, and then, as gVisor, only for a
 * device the Sentry has (devices.c): a node nothing can open is refused
 * rather than made. Block devices there are none.
 */
static int may_mknod_dev(u32 type, u64 rdev, const struct vfs_cred *c)
{
	if (!cred_capable(c, 27 /* CAP_MKNOD */))
		return -EPERM;
	return type == S_IFCHR && chrdev_ops(rdev) ? 0 : -EPERM;
}

int vfs_mknod(const struct vfs_ctx *ctx, const char *name, u32 mode, u64 rdev)
{
	struct nameidata nd;
	u32 type = mode & S_IFMT;

	if (type == S_IFDIR)
		return -EPERM;
	if (type && type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	vfs_lock();
	int ret = namei_start(&nd, ctx, name, 0);
	if (!ret)
		ret = create_prepare(&nd, false);
	if (!ret && (type == S_IFCHR || type == S_IFBLK))
		ret = may_mknod_dev(type, rdev, ctx->cred);
	if (!ret) {
		struct inode *dir = nd.path.dentry->inode;
		mode = (mode & 07777 & ~acl_create_umask(dir, ctx->umask)) |
		       (type ? type : S_IFREG);
		if (S_ISREG(mode))
			ret = dir->iops->create
				      ? create_finish(&nd, dir->iops->create(dir, nd.last, mode,
									     ctx->cred))
				      : -EACCES;
		else
			ret = dir->iops->mknod
				      ? create_finish(&nd, dir->iops->mknod(dir, nd.last, mode,
									    rdev, ctx->cred))
				      : -EPERM;
	}
	namei_done(&nd);
	vfs_unlock();
	return ret;
}

int vfs_symlink(const char *target, const struct vfs_ctx *ctx, const char *name)
{
	struct nameidata nd;

	if (!*target)
		return -ENOENT;
	vfs_lock();
	int ret = namei_start(&nd, ctx, name, 0);
	if (!ret)
		ret = create_prepare(&nd, false);
	if (!ret) {
		struct inode *dir = nd.path.dentry->inode;
		ret = dir->iops->symlink ? create_finish(&nd, dir->iops->symlink(dir, nd.last,
										 target, ctx->cred))
					 : -EPERM;
	}
	namei_done(&nd);
	vfs_unlock();
	return ret;
}

/* Walk to the parent and look up the victim of rmdir or unlink. */
static int delete_prepare(struct nameidata *nd, struct path *victim, bool isdir)
{
	int ret = namei_walk(nd);
	if (ret)
		return ret;
	switch (nd->last_type) {
	case LAST_DOTDOT:
		return isdir ? -ENOTEMPTY : -EISDIR;
	case LAST_DOT:
		return isdir ? -EINVAL : -EISDIR;
	case LAST_ROOT:
		return isdir ? -EBUSY : -EISDIR;
	}
	/* No mounts followed: a mountpoint itself is what goes (EBUSY below). */
	if ((ret = mnt_want_write(nd->path.mnt)))
		return ret;
	if (nd->last_len > LINUX_NAME_MAX)
		return -ENAMETOOLONG;
	struct dentry *d = d_lookup(nd->path.dentry, nd->last, nd->last_len);
	if (IS_ERR(d))
		return PTR_ERR(d);
	*victim = (struct path){mnt_get(nd->path.mnt), d};
	if (!isdir && nd->last_slash)
		ret = d_is_dir(d) ? -EISDIR : -ENOTDIR;
	if (!ret)
		ret = may_delete(nd->path.dentry, d, isdir, nd->ctx->cred);
	if (!ret && d_is_mountpoint(d))
		ret = -EBUSY;
	if (ret)
		path_put(victim);
	return ret;
}

static int do_delete(const struct vfs_ctx *ctx, const char *name, bool isdir)
{
	struct nameidata nd;
	struct path victim;

	vfs_lock();
	int ret = namei_start(&nd, ctx, name, 0);
	if (!ret)
		ret = delete_prepare(&nd, &victim, isdir);
	if (!ret) {
		struct inode *dir = nd.path.dentry->inode;
		int (*op)(struct inode *, const char *, struct inode *) =
			isdir ? dir->iops->rmdir : dir->iops->unlink;
		ret = op ? op(dir, nd.last, victim.dentry->inode) : -EPERM;
		if (!ret)
			d_unlink(victim.dentry);
		if (!ret)
			fsnotify_delete(nd.path.dentry, victim.dentry, isdir);
		path_put(&victim);
	}
	namei_done(&nd);
	vfs_unlock();
	return ret;
}

int vfs_rmdir(const struct vfs_ctx *ctx, const char *name)
{
	return do_delete(ctx, name, true);
}

int vfs_unlink(const struct vfs_ctx *ctx, const char *name)
{
	return do_delete(ctx, name, false);
}

/* protected_hardlinks: only the owner links what they cannot read and write. */
static int may_linkat(struct inode *inode, const struct vfs_cred *c)
{
	if (inode->uid == c->fsuid || cred_capable(c, LINUX_CAP_FOWNER))
		return 0;
	if (!S_ISREG(inode->mode) || (inode->mode & S_ISUID) ||
	    (inode->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		return -EPERM;
	return inode_permission(inode, MAY_READ | MAY_WRITE, c) ? -EPERM : 0;
}

int vfs_link(const struct vfs_ctx *octx, const char *oname, const struct vfs_ctx *nctx,
	     const char *nname, unsigned lflags)
{
	struct nameidata nd;
	struct path old;

	vfs_lock();
	int ret = namei_lookup(octx, oname, lflags & (LOOKUP_FOLLOW | LOOKUP_EMPTY), &old);
	if (ret) {
		vfs_unlock();
		return ret;
	}
	ret = namei_start(&nd, nctx, nname, 0);
	if (!ret)
		ret = create_prepare(&nd, false);
	if (!ret && old.mnt != nd.path.mnt)
		ret = -EXDEV;
	if (!ret)
		ret = may_linkat(old.dentry->inode, nctx->cred);
	if (!ret) {
		struct inode *dir = nd.path.dentry->inode, *inode = old.dentry->inode;
		if (!dir->iops->link || S_ISDIR(inode->mode))
			ret = -EPERM;
		else if (inode->nlink == 0)
			ret = -ENOENT;
		else
			ret = dir->iops->link(dir, nd.last, inode);
		if (!ret)
			fsnotify_link_count(inode);
		if (!ret)
			ret = create_finish(&nd, inode_get(inode));
	}
	namei_done(&nd);
	path_put(&old);
	vfs_unlock();
	return ret;
}

int vfs_readlink(const struct path *p, char *buf, size_t size)
{
	struct inode *inode = path_inode(p);
	if (!S_ISLNK(inode->mode) || !inode->iops->readlink)
		return -EINVAL;
	return inode->iops->readlink(inode, buf, size);
}
