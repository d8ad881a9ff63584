// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs directories: lookup and the operations that change entries,
 * each one request (or a few) to the gofer. The VFS calls them under
 * vfs_lock, having checked permissions and that the name does (or does
 * not) exist; the host is asked anyway and its answer wins.
 *
 * A new file is walked to and stat'ed once made, so that its inode holds
 * a walked fid and the host's own attributes; the file create opens is
 * kept on the inode for the open that follows (open(O_CREAT) is create,
 * then open, in the VFS), saving that open two round trips.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "goferfs_internal.h"
#include "lib/log.h"

static u32 dir_fid(struct inode *dir)
{
	return GOFER_I(dir)->fid;
}

/* The group of a new file: a set-group-ID directory's, else the creator's. */
static u32 new_gid(struct inode *dir, const struct vfs_cred *c)
{
	pthread_mutex_lock(&dir->lock);
	u32 gid = (dir->mode & S_ISGID) ? dir->gid : c->fsgid;
	pthread_mutex_unlock(&dir->lock);
	return gid;
}

/* An entry of dir was made or removed: times, link count, listing. */
static void dir_changed(struct inode *dir, int nlink_delta)
{
	pthread_mutex_lock(&dir->lock);
	dir->nlink += nlink_delta;
	inode_touch(dir, ATTR_MTIME | ATTR_CTIME);
	GOFER_I(dir)->attr_stale = true;
	pthread_mutex_unlock(&dir->lock);
	goferfs_dir_invalidate(dir);
	goferfs_neg_forget(dir);
}

static void link_changed(struct inode *inode, int delta, bool all)
{
	pthread_mutex_lock(&inode->lock);
	if (all || (delta < 0 && inode->nlink < (u32)-delta))
		inode->nlink = 0;
	else
		inode->nlink += delta;
	inode_touch(inode, ATTR_CTIME);
	pthread_mutex_unlock(&inode->lock);
}

static struct inode *goferfs_lookup(struct inode *dir, const char *name)
{
	struct p9_qid qid;
	u32 fid;

	if (goferfs_neg_has(dir, name))
		return ERR_PTR(-ENOENT);
	int err = gofer_walk(goferfs_client(dir), dir_fid(dir), 1, &name, &fid, &qid);
	if (err == -ENOENT)
		goferfs_neg_add(dir, name);
	if (err)
		return ERR_PTR(goferfs_err(err));
	return goferfs_iget(dir->sb, fid, &qid);
}

/*
 * The inode of dir/name, which the server just made as qid, given to its
 * creator. If that fails the entry is removed again, so that a failed
 * create leaves nothing behind.
 */
static struct inode *made(struct inode *dir, const char *name, const struct p9_qid *qid,
			  const struct vfs_cred *c, u32 mode)
{
	struct gofer_client *gc = goferfs_client(dir);
	struct inode *inode;
	struct p9_qid wq;
	u32 fid;

	int err = goferfs_err(gofer_walk(gc, dir_fid(dir), 1, &name, &fid, &wq));
	if (err)
		goto out_remove;
	if (wq.path != qid->path) {
		/* Replaced as soon as made: not ours to remove. */
		gofer_clunk(gc, fid);
		return ERR_PTR(-ESTALE);
	}
	inode = goferfs_iget(dir->sb, fid, &wq);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_remove;
	}
	err = goferfs_set_creator(inode, c, mode);
	if (!err)
		return inode;
	inode_put(inode);
out_remove:
	if (gofer_unlinkat(gc, dir_fid(dir), name,
			   (qid->type & P9_QTDIR) ? P9_DOTL_AT_REMOVEDIR : 0))
		pr_warn_ratelimited("goferfs: %s was made but could not be set up (%s) nor removed",
				    name, strerror(-err));
	return ERR_PTR(err);
}

static struct inode *goferfs_create(struct inode *dir, const char *name, u32 mode,
				    const struct vfs_cred *c)
{
	struct gofer_client *gc = goferfs_client(dir);
	struct gofer_open o = {.fd = -1};
	u32 ofid;

	if (goferfs_rdonly(dir))
		return ERR_PTR(-EROFS);
	/* Read-write, whatever the mode: the open that follows may want either. */
	int err = gofer_create(gc, dir_fid(dir), name, P9_DOTL_RDWR | P9_DOTL_EXCL, mode & 07777,
			       new_gid(dir, c), &ofid, &o);
	if (err)
		return ERR_PTR(goferfs_err(err));
	struct goferfs_handle h = {.fid = ofid, .fd = o.fd};
	struct inode *inode = made(dir, name, &o.qid, c, mode);
	if (!IS_ERR(inode) && S_ISREG(inode->mode)) {
		struct goferfs_inode *gi = GOFER_I(inode);
		pthread_mutex_lock(&inode->lock);
		if (!gi->has_created) {
			gi->created = h;
			gi->has_created = true;
			h = (struct goferfs_handle){.fid = P9_NOFID, .fd = -1};
		}
		pthread_mutex_unlock(&inode->lock);
	}
	goferfs_handle_close(gc, &h);
	if (!IS_ERR(inode))
		dir_changed(dir, 0);
	return inode;
}

static struct inode *goferfs_mkdir(struct inode *dir, const char *name, u32 mode,
				   const struct vfs_cred *c)
{
	struct p9_qid qid;

	if (goferfs_rdonly(dir))
		return ERR_PTR(-EROFS);
	int err = gofer_mkdir(goferfs_client(dir), dir_fid(dir), name, mode & 07777,
			      new_gid(dir, c), &qid);
	if (err)
		return ERR_PTR(goferfs_err(err));
	struct inode *inode = made(dir, name, &qid, c, mode);
	if (!IS_ERR(inode))
		dir_changed(dir, 1);
	return inode;
}

static struct inode *goferfs_symlink(struct inode *dir, const char *name, const char *target,
				     const struct vfs_cred *c)
{
	struct p9_qid qid;

	if (goferfs_rdonly(dir))
		return ERR_PTR(-EROFS);
	int err = gofer_symlink(goferfs_client(dir), dir_fid(dir), name, target, new_gid(dir, c),
				&qid);
	if (err)
		return ERR_PTR(goferfs_err(err));
	struct inode *inode = made(dir, name, &qid, c, S_IFLNK | 0777);
	if (IS_ERR(inode))
		return inode;
	pthread_mutex_lock(&inode->lock);
	if (!GOFER_I(inode)->target)
		GOFER_I(inode)->target = strdup(target); /* else read when needed */
	pthread_mutex_unlock(&inode->lock);
	dir_changed(dir, 0);
	return inode;
}

/* The gofer makes FIFOs and sockets; device nodes it refuses (EPERM). */
static struct inode *goferfs_mknod(struct inode *dir, const char *name, u32 mode, u64 rdev,
				   const struct vfs_cred *c)
{
	struct p9_qid qid;

	if (goferfs_rdonly(dir))
		return ERR_PTR(-EROFS);
	int err = gofer_mknod(goferfs_client(dir), dir_fid(dir), name, mode, linux_dev_major(rdev),
			      linux_dev_minor(rdev), new_gid(dir, c), &qid);
	if (err)
		return ERR_PTR(goferfs_err(err));
	struct inode *inode = made(dir, name, &qid, c, mode);
	if (!IS_ERR(inode))
		dir_changed(dir, 0);
	return inode;
}

static int goferfs_link(struct inode *dir, const char *name, struct inode *inode)
{
	if (goferfs_rdonly(dir))
		return -EROFS;
	int err = gofer_link(goferfs_client(dir), dir_fid(dir), GOFER_I(inode)->fid, name);
	if (err)
		return goferfs_err(err);
	link_changed(inode, 1, false);
	dir_changed(dir, 0);
	return 0;
}

static int goferfs_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	if (goferfs_rdonly(dir))
		return -EROFS;
	int err = gofer_unlinkat(goferfs_client(dir), dir_fid(dir), name, 0);
	if (err)
		return goferfs_err(err);
	link_changed(inode, -1, false);
	dir_changed(dir, 0);
	return 0;
}

static int goferfs_rmdir(struct inode *dir, const char *name, struct inode *inode)
{
	if (goferfs_rdonly(dir))
		return -EROFS;
	int err = gofer_unlinkat(goferfs_client(dir), dir_fid(dir), name, P9_DOTL_AT_REMOVEDIR);
	if (err)
		return goferfs_err(err);
	link_changed(inode, 0, true);
	dir_changed(dir, -1);
	return 0;
}

/* What dir/name is now: whether it exists, is a directory, and its inode if cached. */
struct child {
	bool exists, isdir;
	struct inode *inode; /* a reference, or NULL */
};

static int child_find(struct inode *dir, const char *name, struct child *ch)
{
	struct gofer_client *gc = goferfs_client(dir);
	struct p9_qid qid;
	u32 fid;

	*ch = (struct child){0};
	int err = gofer_walk(gc, dir_fid(dir), 1, &name, &fid, &qid);
	if (err == -ENOENT)
		return 0;
	if (err)
		return goferfs_err(err);
	gofer_clunk(gc, fid);
	ch->exists = true;
	ch->isdir = qid.type & P9_QTDIR;
	ch->inode = goferfs_ilookup(dir->sb, qid.path);
	return 0;
}

/*
 * 9P has one rename: Trenameat, which replaces the target. The two files
 * are walked to first, to learn which cached inodes change: the VFS tells
 * us the names only. RENAME_NOREPLACE is that walk's answer (the host
 * could still make the target in between, which under the exclusive
 * policy only the sandbox does, and it holds vfs_lock); RENAME_EXCHANGE
 * cannot be done atomically over 9P and is EINVAL, as on Linux's v9fs.
 * The gofer could do it (renameat2 on its directory fds), but 9P2000.L's
 * Trenameat has no flags field and our protocol has no way to extend a
 * message: Tversion accepts "9P2000.L" only, and the one extension (the
 * donated fds) travels beside the messages. Two Trenameats through a
 * temporary name would not be atomic, so we do not fake it. The overlay
 * root does exchange (its upper layer is in memory); this matters for
 * --overlay2=none and bind mounts only.
 */
static int goferfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
			  const char *nname, unsigned flags)
{
	struct child src, victim = {0};

	if (goferfs_rdonly(odir))
		return -EROFS;
	if (flags & LINUX_RENAME_EXCHANGE)
		return -EINVAL;
	int err = child_find(odir, oname, &src);
	if (!err && !src.exists)
		err = -ENOENT;
	if (!err)
		err = child_find(ndir, nname, &victim);
	if (!err && victim.exists && (flags & LINUX_RENAME_NOREPLACE))
		err = -EEXIST;
	if (!err)
		err = goferfs_err(gofer_renameat(goferfs_client(odir), dir_fid(odir), oname,
						 dir_fid(ndir), nname));
	if (!err) {
		if (src.inode)
			link_changed(src.inode, 0, false);
		if (victim.inode)
			link_changed(victim.inode, -1, victim.isdir);
		/* A directory's ".." links its parent; a replaced directory goes. */
		int moved = src.isdir && odir != ndir, gone = victim.exists && victim.isdir;
		if (odir != ndir) {
			dir_changed(odir, -moved);
			dir_changed(ndir, moved - gone);
		} else {
			dir_changed(odir, -gone);
		}
	}
	inode_put(src.inode);
	inode_put(victim.inode);
	return err;
}

const struct inode_ops goferfs_dir_iops = {
	.lookup = goferfs_lookup,
	.create = goferfs_create,
	.mkdir = goferfs_mkdir,
	.symlink = goferfs_symlink,
	.mknod = goferfs_mknod,
	.link = goferfs_link,
	.unlink = goferfs_unlink,
	.rmdir = goferfs_rmdir,
	.rename = goferfs_rename,
	.setattr = goferfs_setattr,
	.getattr = goferfs_getattr,
	GOFERFS_XATTR_IOPS,
};
