// SPDX-License-Identifier: Apache-2.0
/*
 * Attributes: stat, chmod, chown, truncate, utimes and access, with the
 * ownership and capability rules of Linux's setattr_prepare.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "lease.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/rlimit.h"
#include "sentry/kernel/kernel.h"
#include "acl.h"
#include "inotify.h"
#include "vfs_internal.h"
#include "xattr.h"

#define MAX_FILE_SIZE 0x7fffffffffffffffLL

static bool owner_or_capable(const struct inode *inode, const struct vfs_cred *c)
{
	return inode->uid == c->fsuid || cred_capable(c, LINUX_CAP_FOWNER);
}

int vfs_getattr(const struct path *p, struct kstat *st)
{
	struct inode *inode = path_inode(p);
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&inode->lock);
	st->mask = LINUX_STATX_BASIC_STATS | LINUX_STATX_BTIME | LINUX_STATX_MNT_ID;
	st->mode = inode->mode;
	st->nlink = inode->nlink;
	st->uid = inode->uid;
	st->gid = inode->gid;
	st->blksize = PAGE_SIZE;
	st->dev = inode->sb->dev;
	st->rdev = inode->rdev;
	st->ino = inode->ino;
	st->size = inode->size;
	st->blocks = inode->blocks;
	st->atime = inode->atime;
	st->mtime = inode->mtime;
	st->ctime = inode->ctime;
	st->btime = inode->btime;
	int ret = inode->iops && inode->iops->getattr ? inode->iops->getattr(inode, st) : 0;
	pthread_mutex_unlock(&inode->lock);
	st->mnt_id = p->mnt->id;
	return ret;
}

/* Apply ia under the inode's lock, ctime now; size changes need the fs. */
static int setattr_locked(struct inode *inode, struct iattr *ia)
{
	vfs_now(&ia->ctime);
	ia->valid |= ATTR_CTIME;
	if (ia->valid & ATTR_MODE)
		__atomic_store_n(&inode->nosec, false, __ATOMIC_RELAXED);
	if (inode->iops && inode->iops->setattr)
		return inode->iops->setattr(inode, ia);
	if (ia->valid & ATTR_SIZE)
		return -EPERM;
	inode_apply_attr(inode, ia);
	return 0;
}

/* Linux's setattr_should_drop_suidgid: the set-ID bits a write by c takes away. */
static u32 suid_kill_mask(const struct inode *inode, const struct vfs_cred *c)
{
	u32 kill = inode->mode & S_ISUID;
	if ((inode->mode & S_ISGID) && ((inode->mode & S_IXGRP) || !cred_in_group(c, inode->gid)))
		kill |= S_ISGID;
	return cred_capable(c, LINUX_CAP_FSETID) ? 0 : kill;
}

static bool has_file_caps(struct inode *inode)
{
	u8 v[XATTR_CAPS_MAX];
	return inode->iops && inode->iops->getxattr &&
	       inode->iops->getxattr(inode, XATTR_CAPS, v, sizeof(v)) >= 0;
}

int vfs_chmod(const struct path *p, u32 mode, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	struct iattr ia = {.valid = ATTR_MODE, .mode = mode & 07777};
	int ret = -EPERM;

	if (mnt_want_write(p->mnt))
		return -EROFS;
	pthread_mutex_lock(&inode->lock);
	if (owner_or_capable(inode, c)) {
		if (!cred_in_group(c, inode->gid) && !cred_capable(c, LINUX_CAP_FSETID))
			ia.mode &= ~S_ISGID;
		ret = setattr_locked(inode, &ia);
	}
	pthread_mutex_unlock(&inode->lock);
	/* The access ACL's owner, mask (or group) and other entries follow the mode. */
	if (!ret)
		ret = acl_chmod(inode);
	return fsnotify_change(p->dentry, ATTR_MODE, ret);
}

int vfs_chown(const struct path *p, u32 uid, u32 gid, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	struct iattr ia = {0};
	int ret = 0;

	if (mnt_want_write(p->mnt))
		return -EROFS;
	pthread_mutex_lock(&inode->lock);
	if (uid != (u32)-1) {
		ia.valid |= ATTR_UID;
		ia.uid = uid;
		if (uid != inode->uid && !cred_capable(c, LINUX_CAP_CHOWN))
			ret = -EPERM;
	}
	if (gid != (u32)-1) {
		ia.valid |= ATTR_GID;
		ia.gid = gid;
		if ((inode->uid != c->fsuid || (gid != inode->gid && !cred_in_group(c, gid))) &&
		    !cred_capable(c, LINUX_CAP_CHOWN))
			ret = -EPERM;
	}
	if (!ret && !S_ISDIR(inode->mode)) {
		/* A change of owner drops set-user-ID, and set-group-ID if group-executable. */
		u32 mode = inode->mode & 07777;
		if (mode & S_ISUID)
			mode &= ~S_ISUID;
		if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			mode &= ~S_ISGID;
		if (mode != (inode->mode & 07777)) {
			ia.valid |= ATTR_MODE;
			ia.mode = mode;
		}
	}
	if (!ret)
		ret = setattr_locked(inode, &ia);
	pthread_mutex_unlock(&inode->lock);
	/* And its file capabilities, whoever changes the owner (ATTR_KILL_PRIV). */
	if (!ret && S_ISREG(inode->mode) && has_file_caps(inode) && inode->iops->removexattr) {
		ret = inode->iops->removexattr(inode, XATTR_CAPS);
		ret = ret == -ENODATA ? 0 : ret;
	}
	return fsnotify_change(p->dentry, ia.valid, ret);
}

int inode_remove_privs(struct inode *inode, const struct vfs_cred *c)
{
	if (!S_ISREG(inode->mode) || __atomic_load_n(&inode->nosec, __ATOMIC_RELAXED))
		return 0;
	/* Outside the inode lock: a file system's xattr ops take it themselves. */
	bool caps = has_file_caps(inode);
	int ret = 0;
	if (caps && inode->iops->removexattr) {
		ret = inode->iops->removexattr(inode, XATTR_CAPS);
		ret = ret == -ENODATA ? 0 : ret;
	}
	pthread_mutex_lock(&inode->lock);
	u32 kill = suid_kill_mask(inode, c);
	if (!ret && kill) {
		struct iattr ia = {.valid = ATTR_MODE, .mode = inode->mode & 07777 & ~kill};
		ret = setattr_locked(inode, &ia);
	}
	if (!ret && !caps && !(inode->mode & (S_ISUID | S_ISGID)))
		__atomic_store_n(&inode->nosec, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

int file_remove_privs(struct file *f)
{
	struct inode *inode = f->inode;
	if (!inode || __atomic_load_n(&inode->nosec, __ATOMIC_RELAXED) || !S_ISREG(inode->mode))
		return 0;
	struct task *t = task_current();
	if (!t)
		return 0; /* the Sentry's own write (a copy-up) keeps what it copies */
	struct vfs_cred c;
	cred_to_vfs(t->cred, &c);
	return inode_remove_privs(inode, &c);
}

static int do_truncate(struct inode *inode, s64 len)
{
	struct iattr ia = {.valid = ATTR_SIZE, .size = len};
	pthread_mutex_lock(&inode->lock);
	int ret = rlimit_fsize_truncate(inode->size, len) ?: setattr_locked(inode, &ia);
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

int vfs_truncate(const struct path *p, s64 len, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	if (len < 0)
		return -EINVAL;
	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	int ret = mnt_want_write(p->mnt) ?: inode_permission(inode, MAY_WRITE, c)
						  ?: inode_get_write_access(inode);
	if (ret)
		return ret;
	/* A truncate breaks leases as an open for writing does (Linux's vfs_truncate). */
	if ((ret = lease_break(inode, O_WRONLY))) {
		inode_put_write_access(inode);
		return ret;
	}
	ret = inode_remove_privs(inode, c);
	ret = fsnotify_change(p->dentry, ATTR_SIZE, ret ? ret : do_truncate(inode, len));
	inode_put_write_access(inode);
	return ret;
}

int vfs_ftruncate(struct file *f, s64 len, const struct vfs_cred *c)
{
	if (len < 0)
		return -EINVAL;
	if (f->mode & FMODE_PATH)
		return -EBADF;
	if (!f->inode || !S_ISREG(f->inode->mode) || !(f->mode & FMODE_WRITE))
		return -EINVAL;
	int ret = inode_remove_privs(f->inode, c);
	return fsnotify_change(f->path.dentry, ATTR_SIZE, ret ? ret : do_truncate(f->inode, len));
}

static bool utime_explicit(const struct linux_timespec *ts)
{
	return ts->tv_nsec != LINUX_UTIME_NOW && ts->tv_nsec != LINUX_UTIME_OMIT;
}

int vfs_utimes(const struct path *p, const struct linux_timespec *times, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	struct iattr ia = {.valid = ATTR_ATIME | ATTR_MTIME};
	struct linux_timespec now;
	int ret = 0;

	if (mnt_want_write(p->mnt))
		return -EROFS;
	vfs_now(&now);
	ia.atime = ia.mtime = now;
	if (times) {
		if (times[0].tv_nsec == LINUX_UTIME_OMIT)
			ia.valid &= ~ATTR_ATIME;
		else if (times[0].tv_nsec != LINUX_UTIME_NOW)
			ia.atime = times[0];
		if (times[1].tv_nsec == LINUX_UTIME_OMIT)
			ia.valid &= ~ATTR_MTIME;
		else if (times[1].tv_nsec != LINUX_UTIME_NOW)
			ia.mtime = times[1];
	}
	bool explicit = times && (utime_explicit(&times[0]) || utime_explicit(&times[1]));
	if (!owner_or_capable(inode, c)) {
		if (explicit)
			return -EPERM;
		ret = inode_permission(inode, MAY_WRITE, c);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&inode->lock);
	ret = setattr_locked(inode, &ia);
	pthread_mutex_unlock(&inode->lock);
	return fsnotify_change(p->dentry, ia.valid, ret);
}

int vfs_access(const struct path *p, int mode, const struct vfs_cred *c)
{
	if (!(mode & 7))
		return 0; /* F_OK: it exists */
	return inode_permission(path_inode(p), mode & 7, c)
		       ?: ((mode & MAY_WRITE) ? mnt_may_open_write(p, MAY_WRITE) : 0);
}

int vfs_statfs(const struct path *p, struct kstatfs *st)
{
	struct super_block *sb = path_inode(p)->sb;
	*st = (struct kstatfs){
		.bsize = PAGE_SIZE, .namelen = LINUX_NAME_MAX, .flags = mnt_statfs_flags(p->mnt)};
	return sb->ops->statfs ? sb->ops->statfs(sb, st) : 0;
}
