// SPDX-License-Identifier: Apache-2.0
/*
 * rename, renameat, renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE), with
 * do_renameat2's checks in its order. RENAME_WHITEOUT is EINVAL until the
 * overlay needs it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inotify.h"
#include "vfs_internal.h"

static int may_delete_rename(struct dentry *dir, struct dentry *victim, bool isdir,
			     const struct vfs_cred *c)
{
	int ret = inode_permission(dir->inode, MAY_WRITE | MAY_EXEC, c);
	if (ret)
		return ret;
	if ((dir->inode->mode & S_ISVTX) && victim->inode->uid != c->fsuid &&
	    dir->inode->uid != c->fsuid && !cred_capable(c, LINUX_CAP_FOWNER))
		return -EPERM;
	if (isdir && !d_is_dir(victim))
		return -ENOTDIR;
	if (!isdir && d_is_dir(victim))
		return -EISDIR;
	if (victim->parent == victim)
		return -EBUSY;
	return dir->unlinked ? -ENOENT : 0;
}

static int lookup_optional(struct nameidata *nd, struct dentry **out)
{
	if (nd->last_len > LINUX_NAME_MAX)
		return -ENAMETOOLONG;
	struct dentry *d = d_lookup(nd->path.dentry, nd->last, nd->last_len);
	if (IS_ERR(d)) {
		*out = NULL;
		return PTR_ERR(d) == -ENOENT ? 0 : PTR_ERR(d);
	}
	*out = d;
	return 0;
}

/* The checks between the two lookups and the file system's rename. */
static int rename_check(struct nameidata *o, struct dentry *od, struct nameidata *n,
			struct dentry *nd, unsigned flags)
{
	const struct vfs_cred *c = o->ctx->cred;
	bool exchange = flags & LINUX_RENAME_EXCHANGE;
	bool isdir = d_is_dir(od);

	if (!nd && exchange)
		return -ENOENT;
	if (nd && (flags & LINUX_RENAME_NOREPLACE))
		return -EEXIST;
	if (exchange) {
		if ((!isdir && o->last_slash) || (!d_is_dir(nd) && n->last_slash))
			return -ENOTDIR;
	} else if (!isdir && (o->last_slash || n->last_slash)) {
		return -ENOTDIR;
	}
	if (d_is_ancestor(od, n->path.dentry))
		return -EINVAL;
	if (nd && d_is_ancestor(nd, o->path.dentry))
		return exchange ? -EINVAL : -ENOTEMPTY;
	if (nd && nd->inode == od->inode)
		return 1; /* the same file: nothing to do */
	int ret = may_delete_rename(o->path.dentry, od, isdir, c);
	if (ret)
		return ret;
	if (!nd)
		ret = n->path.dentry->unlinked
			      ? -ENOENT
			      : inode_permission(n->path.dentry->inode, MAY_WRITE | MAY_EXEC, c);
	else
		ret = may_delete_rename(n->path.dentry, nd, exchange ? d_is_dir(nd) : isdir, c);
	if (ret)
		return ret;
	if (!o->path.dentry->inode->iops->rename)
		return -EPERM;
	/* A directory changing parent rewrites its "..": it must be writable. */
	if (o->path.dentry != n->path.dentry) {
		if (isdir && (ret = inode_permission(od->inode, MAY_WRITE, c)))
			return ret;
		if (exchange && d_is_dir(nd) && (ret = inode_permission(nd->inode, MAY_WRITE, c)))
			return ret;
	}
	if (od->mounts || (nd && nd->mounts))
		return -EBUSY;
	return 0;
}

static int rename_locked(struct nameidata *o, struct nameidata *n, unsigned flags)
{
	struct dentry *od = NULL, *nd = NULL;
	int ret = namei_walk(o);
	if (!ret)
		ret = namei_walk(n);
	if (ret)
		return ret;
	if (o->path.mnt != n->path.mnt)
		return -EXDEV;
	if (o->last_type != LAST_NORM)
		return -EBUSY;
	if (n->last_type != LAST_NORM)
		return flags & LINUX_RENAME_NOREPLACE ? -EEXIST : -EBUSY;
	if ((ret = mnt_want_write(o->path.mnt)))
		return ret;
	ret = lookup_optional(o, &od);
	if (!ret && !od)
		ret = -ENOENT;
	if (!ret)
		ret = lookup_optional(n, &nd);
	if (!ret)
		ret = rename_check(o, od, n, nd, flags);
	if (!ret) {
		struct inode *odir = o->path.dentry->inode, *ndir = n->path.dentry->inode;
		ret = odir->iops->rename(odir, o->last, ndir, n->last, flags);
	}
	if (!ret && (flags & LINUX_RENAME_EXCHANGE)) {
		ret = d_move(od, n->path.dentry, n->last);
		if (!ret)
			ret = d_move(nd, o->path.dentry, o->last);
	} else if (!ret) {
		if (nd)
			d_unlink(nd);
		ret = d_move(od, n->path.dentry, n->last);
	}
	if (!ret)
		fsnotify_rename(o->path.dentry, o->last, n->path.dentry, n->last, od, nd, flags);
	if (ret == 1)
		ret = 0;
	dput(od);
	dput(nd);
	return ret;
}

int vfs_rename(const struct vfs_ctx *octx, const char *oname, const struct vfs_ctx *nctx,
	       const char *nname, unsigned flags)
{
	struct nameidata o, n;

	if (flags & ~(LINUX_RENAME_NOREPLACE | LINUX_RENAME_EXCHANGE | LINUX_RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (LINUX_RENAME_NOREPLACE | LINUX_RENAME_WHITEOUT)) &&
	    (flags & LINUX_RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & LINUX_RENAME_WHITEOUT)
		return -EINVAL;
	vfs_lock();
	int ret = namei_start(&o, octx, oname, 0);
	int ret2 = namei_start(&n, nctx, nname, 0);
	if (!ret)
		ret = ret2;
	if (!ret)
		ret = rename_locked(&o, &n, flags);
	namei_done(&o);
	namei_done(&n);
	vfs_unlock();
	return ret;
}
