// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs inodes: the server's attributes mapped into struct inode,
 * setattr and stat, and symlink targets. Under the exclusive caching
 * policy (goferfs.h) the cached fields are the truth; the server is asked
 * again only for what our own changes make unknowable here (block counts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "goferfs_internal.h"
#include "lib/log.h"

#define NSEC_PER_SEC 1000000000ULL

static bool mode_type_valid(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return true;
	}
	return false;
}

static int ts_from_p9(u64 sec, u64 nsec, struct linux_timespec *ts)
{
	/* tv_sec travels as the bits of a signed time_t: before 1970 is fine. */
	if (nsec >= NSEC_PER_SEC)
		return -EIO;
	ts->tv_sec = (s64)sec;
	ts->tv_nsec = (s64)nsec;
	return 0;
}

int goferfs_attr_to_inode(struct inode *inode, const struct p9_attr *a)
{
	struct linux_timespec at = inode->atime, mt = inode->mtime, ct = inode->ctime;
	struct linux_timespec bt = inode->btime;
	u64 v = a->valid;
	int err = 0;

	if (!(v & P9_GETATTR_MODE) || !mode_type_valid(a->mode) || a->size > INT64_MAX)
		err = -EIO;
	if (!err && (v & P9_GETATTR_ATIME))
		err = ts_from_p9(a->atime_sec, a->atime_nsec, &at);
	if (!err && (v & P9_GETATTR_MTIME))
		err = ts_from_p9(a->mtime_sec, a->mtime_nsec, &mt);
	if (!err && (v & P9_GETATTR_CTIME))
		err = ts_from_p9(a->ctime_sec, a->ctime_nsec, &ct);
	if (!err && (v & P9_GETATTR_BTIME))
		err = ts_from_p9(a->btime_sec, a->btime_nsec, &bt);
	if (err) {
		pr_warn_ratelimited("goferfs: attributes of inode %llu make no sense (mode %#o)",
				    (unsigned long long)a->qid.path, a->mode);
		return err;
	}
	inode->mode = a->mode & (S_IFMT | 07777);
	inode->uid = v & P9_GETATTR_UID ? a->uid : 0;
	inode->gid = v & P9_GETATTR_GID ? a->gid : 0;
	inode->nlink = v & P9_GETATTR_NLINK ? (u32)MIN(a->nlink, (u64)UINT32_MAX) : 1;
	inode->rdev = v & P9_GETATTR_RDEV ? a->rdev : 0;
	inode->size = v & P9_GETATTR_SIZE ? (s64)a->size : 0;
	inode->blocks = v & P9_GETATTR_BLOCKS ? a->blocks : 0;
	inode->atime = at;
	inode->mtime = mt;
	inode->ctime = ct;
	inode->btime = bt;
	GOFER_I(inode)->has_btime = v & P9_GETATTR_BTIME;
	return 0;
}

void goferfs_set_ops(struct inode *inode)
{
	switch (inode->mode & S_IFMT) {
	case S_IFDIR:
		inode->iops = &goferfs_dir_iops;
		inode->fops = &goferfs_dir_fops;
		break;
	case S_IFREG:
		inode->iops = &goferfs_file_iops;
		inode->fops = &goferfs_file_fops;
		break;
	case S_IFLNK:
		inode->iops = &goferfs_symlink_iops;
		break;
	default:
		/* FIFOs, sockets and devices are the Sentry's own (open.c). */
		inode->iops = &goferfs_special_iops;
		break;
	}
}

/*
 * The gofer made the file as the attach user and then gave it the group
 * we asked for; a change of owner clears set-user-ID and set-group-ID on
 * the host. Give the file to its creator and put back the set-id bits it
 * was created with, in one request (the gofer applies the owner first).
 */
int goferfs_set_creator(struct inode *inode, const struct vfs_cred *c, u32 mode)
{
	u32 lost = mode & (S_ISUID | S_ISGID) & ~inode->mode;
	struct p9_setattr sa = {0};

	/* Linux's inode_init_owner: set-group-ID only for members (or CAP_FSETID). */
	if (!S_ISDIR(inode->mode) && (mode & S_IXGRP) && !cred_in_group(c, inode->gid) &&
	    !cred_capable(c, LINUX_CAP_FSETID))
		lost &= ~S_ISGID;
	if (S_ISLNK(inode->mode))
		lost = 0;
	if (c->fsuid != inode->uid) {
		sa.valid |= P9_SETATTR_UID;
		sa.uid = c->fsuid;
	}
	if (lost || (sa.valid && !S_ISLNK(inode->mode))) {
		sa.valid |= P9_SETATTR_MODE;
		sa.mode = (inode->mode | lost) & 07777;
	}
	if (!sa.valid)
		return 0;
	pthread_mutex_lock(&inode->lock);
	int err = goferfs_err(gofer_setattr(goferfs_client(inode), GOFER_I(inode)->fid, &sa));
	if (!err && (sa.valid & P9_SETATTR_UID))
		inode->uid = c->fsuid;
	if (!err && (sa.valid & P9_SETATTR_MODE))
		inode->mode = (inode->mode & S_IFMT) | sa.mode;
	pthread_mutex_unlock(&inode->lock);
	return err;
}

int goferfs_setattr(struct inode *inode, const struct iattr *ia)
{
	struct p9_setattr sa = {0};

	if (goferfs_rdonly(inode))
		return -EROFS;
	if (ia->valid & ATTR_MODE) {
		sa.valid |= P9_SETATTR_MODE;
		sa.mode = ia->mode & 07777;
	}
	if (ia->valid & ATTR_UID) {
		sa.valid |= P9_SETATTR_UID;
		sa.uid = ia->uid;
	}
	if (ia->valid & ATTR_GID) {
		sa.valid |= P9_SETATTR_GID;
		sa.gid = ia->gid;
	}
	if (ia->valid & ATTR_SIZE) {
		if (ia->size < 0)
			return -EINVAL;
		sa.valid |= P9_SETATTR_SIZE;
		sa.size = ia->size;
	}
	if (ia->valid & ATTR_ATIME) {
		sa.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
		sa.atime_sec = ia->atime.tv_sec;
		sa.atime_nsec = ia->atime.tv_nsec;
	}
	if (ia->valid & ATTR_MTIME) {
		sa.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
		sa.mtime_sec = ia->mtime.tv_sec;
		sa.mtime_nsec = ia->mtime.tv_nsec;
	}
	/*
	 * Any other change sets the host's ctime anyway. Alone, CTIME makes
	 * the gofer chown(-1, -1), which also clears set-user-ID: after a
	 * chmod in the same request that would undo it.
	 */
	if ((ia->valid & ATTR_CTIME) && !sa.valid)
		sa.valid |= P9_SETATTR_CTIME;

	int err = goferfs_err(gofer_setattr(goferfs_client(inode), GOFER_I(inode)->fid, &sa));
	if (err)
		return err;
	if ((ia->valid & ATTR_SIZE) && ia->size != inode->size) {
		inode->size = ia->size;
		goferfs_cache_resize(inode);
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		GOFER_I(inode)->attr_stale = true;
	}
	inode_apply_attr(inode, ia);
	return 0;
}

/*
 * After our own changes, what only the host knows (blocks; a directory's
 * size and link count, which depend on its file system) is fetched once.
 */
int goferfs_getattr(struct inode *inode, struct kstat *st)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct p9_attr a;

	if (!gi->has_btime)
		st->mask &= ~LINUX_STATX_BTIME;
	if (!gi->attr_stale)
		return 0;
	int err = goferfs_err(gofer_getattr(goferfs_client(inode), gi->fid, P9_GETATTR_BASIC, &a));
	if (err || a.qid.path != inode->ino || (a.size > INT64_MAX)) {
		/* Not worth failing a stat for: the cached values stand. */
		pr_warn_ratelimited("goferfs: refreshing inode %llu: %s",
				    (unsigned long long)inode->ino,
				    err ? strerror(-err) : "bad reply");
		return 0;
	}
	gi->attr_stale = false;
	if (a.valid & P9_GETATTR_BLOCKS)
		inode->blocks = st->blocks = a.blocks;
	if (S_ISDIR(inode->mode) && (a.valid & P9_GETATTR_SIZE))
		inode->size = st->size = a.size;
	if (S_ISDIR(inode->mode) && (a.valid & P9_GETATTR_NLINK))
		inode->nlink = st->nlink = (u32)MIN(a.nlink, (u64)UINT32_MAX);
	return 0;
}

/* A symlink's target never changes: it is read once and kept. */
static int goferfs_readlink(struct inode *inode, char *buf, size_t size)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	int ret = 0;

	pthread_mutex_lock(&inode->lock);
	if (!gi->target) {
		char *t = malloc(LINUX_PATH_MAX);
		ssize_t n = t ? gofer_readlink(goferfs_client(inode), gi->fid, t, LINUX_PATH_MAX)
			      : -ENOMEM;
		if (n < 0) {
			free(t);
			ret = goferfs_err(n);
		} else {
			char *shrunk = realloc(t, n + 1);
			gi->target = shrunk ? shrunk : t;
		}
	}
	if (!ret) {
		size_t len = strlen(gi->target);
		ret = MIN(len, size);
		memcpy(buf, gi->target, ret);
	}
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

const struct inode_ops goferfs_file_iops = {
	.setattr = goferfs_setattr,
	.getattr = goferfs_getattr,
	GOFERFS_XATTR_IOPS,
};

const struct inode_ops goferfs_symlink_iops = {
	.readlink = goferfs_readlink,
	.setattr = goferfs_setattr,
	.getattr = goferfs_getattr,
	GOFERFS_XATTR_IOPS,
};

const struct inode_ops goferfs_special_iops = {
	.setattr = goferfs_setattr,
	.getattr = goferfs_getattr,
	GOFERFS_XATTR_IOPS,
};
