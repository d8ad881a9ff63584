// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs directories: entries in offset order. Offsets 0 and 1 are "." and
 * "..", entries take 2, 3, ... in creation order and keep theirs until
 * removed; a getdents position is the offset of the next entry to return.
 * Every op here runs under vfs_lock (see tmpfs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sentry/vfs/acl.h"
#include "tmpfs.h"

static struct tmpfs_dirent *dirent_find(struct inode *dir, const char *name)
{
	struct tmpfs_dirent *e;
	list_for_each_entry(e, &TMPFS_I(dir)->dir.entries, link)
	{
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/* Touch dir's mtime and ctime and resize it by delta entries. */
static void dir_changed(struct inode *dir, int delta, int nlink_delta)
{
	pthread_mutex_lock(&dir->lock);
	dir->size += delta * TMPFS_BOGO_DIRENT_SIZE;
	dir->nlink += nlink_delta;
	inode_touch(dir, ATTR_MTIME | ATTR_CTIME);
	pthread_mutex_unlock(&dir->lock);
}

/* Add name -> inode (reference consumed) at the end of dir. */
static int dirent_add(struct inode *dir, const char *name, struct inode *inode)
{
	size_t len = strlen(name);
	struct tmpfs_dirent *e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		inode_put(inode);
		return -ENOMEM;
	}
	memcpy(e->name, name, len + 1);
	e->inode = inode;
	e->off = TMPFS_I(dir)->dir.next_off++;
	list_add_tail(&e->link, &TMPFS_I(dir)->dir.entries);
	TMPFS_I(dir)->dir.count++;
	return 0;
}

/* Remove e from dir, returning the inode reference it held. */
static struct inode *dirent_remove(struct inode *dir, struct tmpfs_dirent *e)
{
	struct inode *inode = e->inode;
	list_del(&e->link);
	TMPFS_I(dir)->dir.count--;
	free(e);
	return inode;
}

static void inode_link_change(struct inode *inode, int delta)
{
	pthread_mutex_lock(&inode->lock);
	inode->nlink += delta;
	inode_touch(inode, ATTR_CTIME);
	pthread_mutex_unlock(&inode->lock);
}

static struct inode *tmpfs_lookup(struct inode *dir, const char *name)
{
	struct tmpfs_dirent *e = dirent_find(dir, name);
	return e ? inode_get(e->inode) : ERR_PTR(-ENOENT);
}

/*
 * A new file, directory or node: with dir's default ACL its mode is not
 * umasked but limited by the ACL, which it takes as its own (and as its
 * default too, a directory), as Linux's shmem_mknod and posix_acl_create.
 */
static struct inode *tmpfs_make(struct inode *dir, const char *name, u32 mode, u64 rdev,
				const struct vfs_cred *c)
{
	struct acl_new acls;
	int ret = acl_inherit_prepare(dir, &mode, &acls);
	if (ret)
		return ERR_PTR(ret);
	struct inode *inode = tmpfs_new_inode(dir->sb, dir, mode, c);
	ret = inode ? acl_inherit_apply(inode, &acls) : -ENOMEM;
	acl_new_free(&acls);
	if (!ret) {
		inode->rdev = rdev;
		ret = dirent_add(dir, name, inode_get(inode));
	}
	if (ret) {
		inode_put(inode);
		return ERR_PTR(ret);
	}
	dir_changed(dir, 1, S_ISDIR(mode) ? 1 : 0);
	return inode;
}

static struct inode *tmpfs_create(struct inode *dir, const char *name, u32 mode,
				  const struct vfs_cred *c)
{
	return tmpfs_make(dir, name, mode, 0, c);
}

static struct inode *tmpfs_mknod(struct inode *dir, const char *name, u32 mode, u64 rdev,
				 const struct vfs_cred *c)
{
	return tmpfs_make(dir, name, mode, rdev, c);
}

static struct inode *tmpfs_mkdir(struct inode *dir, const char *name, u32 mode,
				 const struct vfs_cred *c)
{
	return tmpfs_make(dir, name, mode, 0, c);
}

static struct inode *tmpfs_symlink(struct inode *dir, const char *name, const char *target,
				   const struct vfs_cred *c)
{
	char *t = strdup(target);
	if (!t)
		return ERR_PTR(-ENOMEM);
	struct inode *inode = tmpfs_new_inode(dir->sb, dir, S_IFLNK | 0777, c);
	if (!inode) {
		free(t);
		return ERR_PTR(-ENOMEM);
	}
	TMPFS_I(inode)->target = t;
	inode->size = strlen(t);
	int ret = dirent_add(dir, name, inode_get(inode));
	if (ret) {
		inode_put(inode);
		return ERR_PTR(ret);
	}
	dir_changed(dir, 1, 0);
	return inode;
}

static int tmpfs_link(struct inode *dir, const char *name, struct inode *inode)
{
	int ret = dirent_add(dir, name, inode_get(inode));
	if (ret)
		return ret;
	inode_link_change(inode, 1);
	dir_changed(dir, 1, 0);
	return 0;
}

static int tmpfs_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	struct tmpfs_dirent *e = dirent_find(dir, name);
	if (!e)
		return -ENOENT;
	inode_link_change(inode, -1);
	inode_put(dirent_remove(dir, e));
	dir_changed(dir, -1, 0);
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, const char *name, struct inode *inode)
{
	struct tmpfs_dirent *e = dirent_find(dir, name);
	if (!e)
		return -ENOENT;
	if (TMPFS_I(inode)->dir.count)
		return -ENOTEMPTY;
	inode_link_change(inode, -(int)inode->nlink);
	inode_put(dirent_remove(dir, e));
	dir_changed(dir, -1, -1);
	return 0;
}

static int tmpfs_exchange(struct inode *odir, struct tmpfs_dirent *oe, struct inode *ndir,
			  struct tmpfs_dirent *ne)
{
	struct inode *a = oe->inode, *b = ne->inode;
	oe->inode = b;
	ne->inode = a;
	if (odir != ndir && S_ISDIR(a->mode) != S_ISDIR(b->mode)) {
		int d = S_ISDIR(a->mode) ? 1 : -1;
		dir_changed(odir, 0, -d);
		dir_changed(ndir, 0, d);
	}
	if (S_ISDIR(a->mode))
		TMPFS_I(a)->dir.parent_ino = ndir->ino;
	if (S_ISDIR(b->mode))
		TMPFS_I(b)->dir.parent_ino = odir->ino;
	inode_link_change(a, 0);
	inode_link_change(b, 0);
	dir_changed(odir, 0, 0);
	dir_changed(ndir, 0, 0);
	return 0;
}

static int tmpfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
			const char *nname, unsigned flags)
{
	struct tmpfs_dirent *oe = dirent_find(odir, oname), *ne = dirent_find(ndir, nname);
	if (!oe)
		return -ENOENT;
	if (flags & LINUX_RENAME_EXCHANGE)
		return ne ? tmpfs_exchange(odir, oe, ndir, ne) : -ENOENT;

	struct inode *inode = oe->inode;
	bool isdir = S_ISDIR(inode->mode);
	if (ne && S_ISDIR(ne->inode->mode) && TMPFS_I(ne->inode)->dir.count)
		return -ENOTEMPTY;
	/* Make the new entry first: nothing is lost if that fails. */
	int ret = dirent_add(ndir, nname, inode_get(inode));
	if (ret)
		return ret;
	if (ne) {
		struct inode *victim = ne->inode;
		bool vdir = S_ISDIR(victim->mode);
		inode_link_change(victim, vdir ? -(int)victim->nlink : -1);
		inode_put(dirent_remove(ndir, ne));
		dir_changed(ndir, -1, vdir ? -1 : 0);
	}
	inode_put(dirent_remove(odir, oe));
	dir_changed(odir, -1, isdir ? -1 : 0);
	dir_changed(ndir, 1, isdir ? 1 : 0);
	if (isdir)
		TMPFS_I(inode)->dir.parent_ino = ndir->ino;
	inode_link_change(inode, 0);
	return 0;
}

const struct inode_ops tmpfs_dir_iops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.symlink = tmpfs_symlink,
	.mknod = tmpfs_mknod,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	TMPFS_XATTR_IOPS,
};

static int tmpfs_iterate(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->inode;
	struct tmpfs_inode *ti = TMPFS_I(dir);

	if (!dir_emit_dots(ctx, dir->ino, ti->dir.parent_ino))
		return 0;
	struct tmpfs_dirent *e;
	list_for_each_entry(e, &ti->dir.entries, link)
	{
		if (e->off < ctx->pos)
			continue;
		if (!ctx->emit(ctx, e->name, strlen(e->name), e->inode->ino,
			       vfs_dtype(e->inode->mode), e->off + 1))
			return 0;
		ctx->pos = e->off + 1;
	}
	return 0;
}

static int tmpfs_fsync(struct file *f)
{
	return 0;
}

const struct file_ops tmpfs_dir_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = tmpfs_iterate,
	.fsync = tmpfs_fsync,
};
