// SPDX-License-Identifier: Apache-2.0
/*
 * open(2) and friends: lookup or creation of the last component, then
 * Linux's do_open and may_open checks, then the file. O_TMPFILE is
 * EOPNOTSUPP for now; O_NOATIME, O_DIRECT, O_SYNC and O_DSYNC are kept in
 * the flags and change nothing (tmpfs has no cache to bypass or flush).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "acl.h"
#include "inotify.h"
#include "lease.h"
#include "pipe.h"
#include "vfs_internal.h"

/* O_PATH files: a place, no I/O (read/write refuse on FMODE_PATH). */
static const struct file_ops path_fops = {0};

/* ACC_MODE: the permission an access mode needs (3 needs both). */
static int acc_mode(int flags)
{
	static const int modes[4] = {MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE,
				     MAY_READ | MAY_WRITE};
	return modes[flags & O_ACCMODE];
}

static u32 fmode(int flags)
{
	static const u32 modes[4] = {FMODE_READ, FMODE_WRITE, FMODE_READ | FMODE_WRITE, 0};
	return modes[flags & O_ACCMODE];
}

static int may_open(struct inode *inode, int acc, int flags, const struct vfs_cred *c)
{
	switch (inode->mode & S_IFMT) {
	case S_IFLNK:
		return -ELOOP;
	case S_IFDIR:
		if (acc & MAY_WRITE)
			return -EISDIR;
		break;
	}
	int ret = inode_permission(inode, acc, c);
	if (ret)
		return ret;
	if ((flags & O_NOATIME) && inode->uid != c->fsuid && !cred_capable(c, LINUX_CAP_FOWNER))
		return -EPERM;
	return 0;
}

static const struct file_ops *open_ops(struct inode *inode)
{
	switch (inode->mode & S_IFMT) {
	case S_IFCHR:
		return chrdev_ops(inode->rdev);
	case S_IFIFO:
		return &fifo_fops;
	case S_IFBLK:
	case S_IFSOCK:
		return NULL; /* no block drivers; sockets are opened by connect, not open */
	}
	return inode->fops;
}

static int open_truncate(struct file *f, const struct vfs_cred *c)
{
	struct iattr ia = {.valid = ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, .size = 0};
	struct inode *inode = f->inode;
	vfs_now(&ia.mtime);
	ia.ctime = ia.mtime;
	/* O_RDONLY|O_TRUNC writes too: not to a running program (Linux's handle_truncate). */
	int ret = inode_get_write_access(inode);
	if (ret)
		return ret;
	ret = inode_remove_privs(inode, c);
	if (!ret) {
		pthread_mutex_lock(&inode->lock);
		ret = inode->iops->setattr ? inode->iops->setattr(inode, &ia) : -EPERM;
		pthread_mutex_unlock(&inode->lock);
		ret = fsnotify_change(f->path.dentry, ATTR_SIZE, ret);
	}
	inode_put_write_access(inode);
	return ret;
}

/* Open the inode at p; created: p was made by this open (no checks, no O_TRUNC). */
static int do_open(const struct vfs_ctx *ctx, const struct path *p, int flags, bool created,
		   struct file **out)
{
	struct inode *inode = path_inode(p);
	const struct file_ops *ops = &path_fops;
	int ret;

	if (!(flags & O_PATH)) {
		bool trunc = !created && (flags & O_TRUNC) && S_ISREG(inode->mode);
		int acc = created ? 0 : acc_mode(flags) | (flags & O_TRUNC ? MAY_WRITE : 0);
		if ((ret = mnt_may_open(p) ?: may_open(inode, acc, flags, ctx->cred) ?: mnt_may_open_write(p, acc)))
			return ret;
		if (!(ops = open_ops(inode)))
			return -ENXIO;
		flags = trunc ? flags : flags & ~O_TRUNC;
	}
	u32 mode = flags & O_PATH ? FMODE_PATH : fmode(flags);
	/* Not while a program runs from it (ETXTBSY); devices and FIFOs do not count. */
	if ((mode & FMODE_WRITE) && S_ISREG(inode->mode)) {
		if ((ret = inode_get_write_access(inode)))
			return ret;
		mode |= FMODE_WRITER;
	} else if ((mode & FMODE_READ) && S_ISREG(inode->mode)) {
		__atomic_add_fetch(&inode->readcount, 1, __ATOMIC_SEQ_CST);
		mode |= FMODE_READER;
	}
	/* Counted first: a lease taken meanwhile sees this open (lease.c). */
	ret = S_ISREG(inode->mode) && !(flags & O_PATH) ? lease_break(inode, flags) : 0;
	struct file *f = ret ? NULL : file_alloc(sizeof(*f), ops);
	if (!f) {
		if (mode & FMODE_WRITER)
			inode_put_write_access(inode);
		if (mode & FMODE_READER)
			__atomic_sub_fetch(&inode->readcount, 1, __ATOMIC_SEQ_CST);
		return ret ? ret : -ENOMEM;
	}
	f->path = *p;
	path_get(p);
	f->inode = inode;
	f->mode = mode;
	/* O_NOCTTY is for the open op (a terminal becomes the controlling one without it). */
	f->flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC);
	f->partial_copy = S_ISREG(inode->mode);
	if (!(flags & O_PATH)) {
		f->flags |= LINUX_O_LARGEFILE;
		ret = ops->open ? ops->open(inode, f) : 0;
		if (!ret)
			fsnotify_open(f);
		if (!ret && (flags & O_TRUNC))
			ret = open_truncate(f, ctx->cred);
		if (ret) {
			file_put(f);
			return ret;
		}
	}
	f->flags &= ~O_NOCTTY;
	*out = f;
	return 0;
}

int vfs_open_path(const struct vfs_ctx *ctx, const struct path *p, int flags, struct file **out)
{
	return do_open(ctx, p, flags, false, out);
}

/* O_CREAT: the last component is looked up, followed, or made. */
static int open_create(const struct vfs_ctx *ctx, const char *name, int flags, u32 mode,
		       struct path *out, bool *created)
{
	struct nameidata nd;
	int ret = namei_start(&nd, ctx, name, 0);

	while (!ret && !(ret = namei_walk(&nd))) {
		if (nd.last_type == LAST_EMPTY) {
			/* Where a magic link (/proc/self/fd/N) led: it exists. */
			if (flags & O_EXCL) {
				ret = -EEXIST;
			} else {
				*out = nd.path;
				path_get(out);
			}
			break;
		}
		if (nd.last_type != LAST_NORM || nd.last_slash) {
			ret = -EISDIR;
			break;
		}
		ret = namei_last(&nd, out);
		if (!ret && (flags & O_EXCL)) {
			path_put(out);
			ret = -EEXIST;
		} else if (!ret && S_ISLNK(out->dentry->inode->mode) && !(flags & O_NOFOLLOW)) {
			ret = namei_follow(&nd, out);
			path_put(out);
			continue;
		} else if (ret == -ENOENT) {
			struct dentry *dir = nd.path.dentry;
			ret = dir->unlinked ? -ENOENT
					    : mnt_want_write(nd.path.mnt) ?: inode_permission(dir->inode, MAY_WRITE | MAY_EXEC,
							       ctx->cred);
			if (!ret && !dir->inode->iops->create)
				ret = -EACCES;
			if (!ret) {
				mode = (mode & 07777 & ~acl_create_umask(dir->inode, ctx->umask)) |
				       S_IFREG;
				struct inode *inode = dir->inode->iops->create(dir->inode, nd.last,
									       mode, ctx->cred);
				struct dentry *d = IS_ERR(inode) ? (void *)inode
								 : d_add_child(dir, nd.last, inode);
				ret = IS_ERR(d) ? PTR_ERR(d) : 0;
				if (!ret) {
					*out = (struct path){mnt_get(nd.path.mnt), d};
					*created = true;
					fsnotify_create(dir, d);
				}
			}
		}
		break;
	}
	namei_done(&nd);
	return ret;
}

int vfs_open(const struct vfs_ctx *ctx, const char *name, int flags, u32 mode, struct file **out)
{
	struct path p;
	bool created = false;
	int ret;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	if ((flags & O_CREAT) && (ctx->resolve & LINUX_RESOLVE_CACHED))
		return -EAGAIN;

	vfs_lock();
	if (flags & O_CREAT) {
		ret = open_create(ctx, name, flags, mode, &p, &created);
		if (!ret && d_is_dir(p.dentry)) {
			path_put(&p);
			ret = -EISDIR;
		}
	} else {
		unsigned lflags = (flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
				  (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0);
		ret = namei_lookup(ctx, name, lflags, &p);
	}
	vfs_unlock();
	if (ret)
		return ret;
	ret = do_open(ctx, &p, flags, created, out);
	path_put(&p);
	return ret;
}
