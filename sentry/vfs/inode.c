// SPDX-License-Identifier: Apache-2.0
/* Inodes and super blocks: life cycle, times, ownership and permission. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "acl.h"
#include "vfs_internal.h"

/* Anonymous device numbers (major 0), as Linux gives tmpfs and friends. */
static u32 next_anon_minor = 16;

struct super_block *sb_alloc(const struct super_ops *ops, const char *fstype)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->ops = ops;
	sb->fstype = fstype;
	sb->refs = 1;
	sb->next_ino = 1;
	sb->dev = linux_encode_dev(0, __atomic_fetch_add(&next_anon_minor, 1, __ATOMIC_RELAXED));
	return sb;
}

u64 sb_next_ino(struct super_block *sb)
{
	return __atomic_fetch_add(&sb->next_ino, 1, __ATOMIC_RELAXED);
}

void vfs_now(struct linux_timespec *ts)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	ts->tv_sec = now.tv_sec;
	ts->tv_nsec = now.tv_nsec;
}

void inode_init(struct inode *inode, struct super_block *sb, const struct inode *dir, u32 mode,
		const struct vfs_cred *c)
{
	pthread_mutex_init(&inode->lock, NULL);
	inode->refs = 1;
	inode->sb = sb;
	inode->ino = sb_next_ino(sb);
	inode->uid = c->fsuid;
	inode->gid = c->fsgid;
	if (dir && (dir->mode & S_ISGID)) {
		inode->gid = dir->gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	}
	/* A set-group-ID file in a group its creator is not in loses the bit. */
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && !S_ISDIR(mode) &&
	    !cred_in_group(c, inode->gid) && !cred_capable(c, LINUX_CAP_FSETID))
		mode &= ~S_ISGID;
	inode->mode = mode;
	inode->nlink = 1;
	vfs_now(&inode->atime);
	inode->mtime = inode->ctime = inode->btime = inode->atime;
}

struct inode *inode_get(struct inode *inode)
{
	__atomic_fetch_add(&inode->refs, 1, __ATOMIC_RELAXED);
	return inode;
}

/* Move writecount one step by delta unless it is on the other side of zero. */
static int writecount_step(struct inode *inode, int delta)
{
	int n = __atomic_load_n(&inode->writecount, __ATOMIC_RELAXED);
	do {
		if (delta > 0 ? n < 0 : n > 0)
			return -ETXTBSY;
	} while (!__atomic_compare_exchange_n(&inode->writecount, &n, n + delta, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return 0;
}

int inode_get_write_access(struct inode *inode)
{
	return writecount_step(inode, 1);
}

void inode_put_write_access(struct inode *inode)
{
	__atomic_fetch_sub(&inode->writecount, 1, __ATOMIC_ACQ_REL);
}

int inode_deny_write_access(struct inode *inode)
{
	return writecount_step(inode, -1);
}

void inode_allow_write_access(struct inode *inode)
{
	__atomic_fetch_add(&inode->writecount, 1, __ATOMIC_ACQ_REL);
}

void inode_put(struct inode *inode)
{
	if (!inode || __atomic_sub_fetch(&inode->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_destroy(&inode->lock);
	if (inode->sb->ops && inode->sb->ops->destroy_inode)
		inode->sb->ops->destroy_inode(inode);
	else
		free(inode);
}

void inode_touch(struct inode *inode, u32 which)
{
	struct linux_timespec now;
	vfs_now(&now);
	if (which & ATTR_ATIME)
		inode->atime = now;
	if (which & ATTR_MTIME)
		inode->mtime = now;
	if (which & ATTR_CTIME)
		inode->ctime = now;
}

static bool ts_le(const struct linux_timespec *a, const struct linux_timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* relatime: only when atime is not after mtime or ctime, or a day old. */
void inode_accessed(struct inode *inode)
{
	struct linux_timespec now;
	vfs_now(&now);
	pthread_mutex_lock(&inode->lock);
	if (ts_le(&inode->atime, &inode->mtime) || ts_le(&inode->atime, &inode->ctime) ||
	    now.tv_sec - inode->atime.tv_sec >= 24 * 3600)
		inode->atime = now;
	pthread_mutex_unlock(&inode->lock);
}

void inode_apply_attr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & ATTR_MODE)
		inode->mode = (inode->mode & S_IFMT) | (ia->mode & 07777);
	if (ia->valid & ATTR_UID)
		inode->uid = ia->uid;
	if (ia->valid & ATTR_GID)
		inode->gid = ia->gid;
	if (ia->valid & ATTR_ATIME)
		inode->atime = ia->atime;
	if (ia->valid & ATTR_MTIME)
		inode->mtime = ia->mtime;
	if (ia->valid & ATTR_CTIME)
		inode->ctime = ia->ctime;
}

/*
 * Linux's generic_permission: the owner's, group's or others' bits, or
 * the access ACL's entries for a file that has one, then
 * CAP_DAC_READ_SEARCH (read anything, search directories) and
 * CAP_DAC_OVERRIDE (read and write anything, search directories, execute
 * what has an execute bit).
 */
int inode_permission(struct inode *inode, int mask, const struct vfs_cred *c)
{
	pthread_mutex_lock(&inode->lock);
	u32 mode = inode->mode, uid = inode->uid, gid = inode->gid;
	pthread_mutex_unlock(&inode->lock);

	/* The owner's bits; an ACL (acl.c) only when the mode has group bits, as Linux's. */
	int ret = -EAGAIN;
	if (c->fsuid == uid)
		ret = mask & ~(mode >> 6) & 7 ? -EACCES : 0;
	else if (mode & S_IRWXG)
		ret = acl_permission(inode, uid, gid, mask, c);
	if (ret == -EAGAIN)
		ret = mask & ~(cred_in_group(c, gid) ? mode >> 3 : mode) & 7 ? -EACCES : 0;
	if (ret != -EACCES)
		return ret;

	bool dir = S_ISDIR(mode);
	if (cred_capable(c, LINUX_CAP_DAC_OVERRIDE)) {
		if (!(mask & MAY_EXEC) || dir || (mode & 0111))
			return 0;
	}
	if (cred_capable(c, LINUX_CAP_DAC_READ_SEARCH)) {
		if (mask == MAY_READ || (dir && !(mask & MAY_WRITE)))
			return 0;
	}
	return -EACCES;
}
