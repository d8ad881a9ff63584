/* SPDX-License-Identifier: Apache-2.0 */
/*
 * goferfs internals, shared by super.c (mounting, the inode cache),
 * inode.c (attributes, symlinks), dir.c (directory entries), readdir.c
 * (directory listings) and file.c (open files). See goferfs.h for the
 * caching policy and the lock order.
 */
#ifndef SENTRY_VFS_GOFERFS_GOFERFS_INTERNAL_H
#define SENTRY_VFS_GOFERFS_GOFERFS_INTERNAL_H

#include <errno.h>

#include "gofer/client.h"
#include "goferfs.h"
#include "sentry/vfs/vfs_internal.h"

/* The attach uid: the gofer gives files it creates to this user. */
#define GOFERFS_ATTACH_UID 0u

struct goferfs_info {
	struct gofer_client *c;
	unsigned flags;		     /* GOFERFS_* */
	u32 dir_chunk;		     /* Treaddir count: as much as one reply holds */
	pthread_mutex_t icache_lock; /* guards the table below */
	struct goferfs_inode **buckets;
	size_t nbuckets, count;
};

/* An open gofer file: the opened fid and the donated descriptor (or -1). */
struct goferfs_handle {
	u32 fid;
	int fd;
};

/* An open file's private_data. */
struct goferfs_file {
	struct goferfs_handle h;       /* directories: opened at the first read-ahead */
	struct goferfs_shared *shared; /* regular files: h is this kept handle's (handles.c) */
	u64 gen;		       /* directories: dir.gen when hint was taken */
	u32 hint;		       /* directories: the index of f->pos in the listing */
};

/* One directory entry as listed: it comes next at position off. */
struct goferfs_dirent {
	s64 off;
	s64 next; /* the server's cookie for the entry after it */
	u64 ino;
	u8 type; /* LINUX_DT_* */
	u8 len;
	char name[];
};

/*
 * A window of a directory's listing, read ahead from position start on.
 * ents[i + 1]->off == ents[i]->next. Guarded by vfs_lock.
 */
struct goferfs_dir_cache {
	struct goferfs_dirent **ents;
	u32 n, cap;
	s64 start;
	s64 resume;    /* the cookie to read on from (past skipped names) */
	bool complete; /* nothing after the last entry */
	u64 gen;       /* changes whenever entries are freed */
};

struct goferfs_inode {
	struct inode vfs;
	u32 fid;		     /* walked, never opened */
	struct goferfs_inode *hnext; /* inode cache chain, under icache_lock */
	/* The rest is under vfs.lock, except dir (under vfs_lock). */
	bool has_btime;
	bool attr_stale; /* blocks (directories: size, nlink) changed on the host */
	bool has_created;
	struct goferfs_handle created; /* the create's open file, until claimed */
	char *target;		       /* a symlink's, once read */
	struct goferfs_dir_cache dir;
	struct goferfs_negative *negative; /* names it lacks (negative.c), under vfs_lock */
	struct goferfs_cache *cache; /* the page cache, mapped or idle (cache.c), under vfs.lock */
	/* Kept open handles by access mode (handles.c), under its lock. */
	struct goferfs_shared *shared[3];
	u8 fcaps_state; /* xattr.c: 0 unread, 1 none, 2 + length of fcaps */
	u8 fcaps[24];	/* security.capability, as first read (execve) */
};

static inline struct goferfs_inode *GOFER_I(struct inode *inode)
{
	return container_of(inode, struct goferfs_inode, vfs);
}

static inline struct goferfs_info *GOFER_SB(struct super_block *sb)
{
	return sb->fs_info;
}

static inline struct gofer_client *goferfs_client(struct inode *inode)
{
	return GOFER_SB(inode->sb)->c;
}

static inline bool goferfs_rdonly(struct inode *inode)
{
	return GOFER_SB(inode->sb)->flags & GOFERFS_RDONLY;
}

/*
 * The guest's errno for a client result: the client's own transport
 * errors, and codes only kernels use internally (>= 512, the restart
 * codes), become -EIO.
 */
static inline int goferfs_err(int err)
{
	if (err == -ECONNRESET || err == -EPROTO || err == -EBADMSG || err <= -512)
		return -EIO;
	return err;
}

/* super.c */
/*
 * The inode for the gofer file fid names (fid consumed: kept by a new
 * inode, clunked otherwise): the cached one for qid->path, else a new one
 * from the server's attributes. A new reference, or ERR_PTR.
 */
struct inode *goferfs_iget(struct super_block *sb, u32 fid, const struct p9_qid *qid);
/* The cached inode for ino (linked: nlink > 0) with a new reference, or NULL. */
struct inode *goferfs_ilookup(struct super_block *sb, u64 ino);

/* inode.c */
/* Set iops and fops for inode's type. */
void goferfs_set_ops(struct inode *inode);
/* Fill inode from attributes the server sent; -EIO if they make no sense. */
int goferfs_attr_to_inode(struct inode *inode, const struct p9_attr *a);
/* Give inode, just made with mode for c, to c's fsuid with the set-id bits of mode. */
int goferfs_set_creator(struct inode *inode, const struct vfs_cred *c, u32 mode);
/* inode_ops.setattr and .getattr of every goferfs inode (vfs.h). */
int goferfs_setattr(struct inode *inode, const struct iattr *ia);
int goferfs_getattr(struct inode *inode, struct kstat *st);
extern const struct inode_ops goferfs_file_iops;
extern const struct inode_ops goferfs_symlink_iops;
extern const struct inode_ops goferfs_special_iops;

/* dir.c */
extern const struct inode_ops goferfs_dir_iops;

/* readdir.c */
extern const struct file_ops goferfs_dir_fops;
/* Forget dir's listing: the sandbox changed it (caller holds vfs_lock). */
void goferfs_dir_invalidate(struct inode *dir);

/* negative.c: names dir is known to lack (vfs_lock held). */
struct goferfs_negative;
bool goferfs_neg_has(struct inode *dir, const char *name);
void goferfs_neg_add(struct inode *dir, const char *name);
/* dir gained a name: forget what it lacked. */
void goferfs_neg_forget(struct inode *dir);
void goferfs_neg_free(struct inode *dir);
/* Free a listing's entries (destroy_inode). */
void goferfs_dir_cache_free(struct goferfs_dir_cache *dc);

/* xattr.c: the inode_ops xattr calls of every goferfs inode. */
ssize_t goferfs_getxattr(struct inode *inode, const char *name, void *buf, size_t size);
int goferfs_setxattr(struct inode *inode, const char *name, const void *value, size_t size,
		     int flags);
ssize_t goferfs_listxattr(struct inode *inode, char *buf, size_t size);
int goferfs_removexattr(struct inode *inode, const char *name);
#define GOFERFS_XATTR_IOPS                                          \
	.getxattr = goferfs_getxattr, .setxattr = goferfs_setxattr, \
	.listxattr = goferfs_listxattr, .removexattr = goferfs_removexattr

/* file.c */
extern const struct file_ops goferfs_file_fops;
/* Open a new fid of inode with P9_DOTL_* flags; h->fd is -1 for directories. */
int goferfs_handle_open(struct inode *inode, u32 p9flags, struct goferfs_handle *h) __must_check;
/* Clunk and close h (NULL-safe on an unopened handle: fid P9_NOFID). */
void goferfs_handle_close(struct gofer_client *c, struct goferfs_handle *h);

/* handles.c: open handles kept per inode and access mode (see there). */
struct goferfs_shared;
/*
 * An open handle of regular file inode for P9_DOTL_* flags: a kept one
 * (*shared set: give it back with goferfs_handle_put, never close it) if
 * the flags are a plain access mode, else a new one (*shared NULL). Returns
 * 0 or goferfs_handle_open's error. May block.
 */
int goferfs_handle_get(struct inode *inode, u32 p9flags, struct goferfs_handle *h,
		       struct goferfs_shared **shared) __must_check;
/* Done with h from goferfs_handle_get: kept for the next open, or closed. */
void goferfs_handle_put(struct gofer_client *c, struct goferfs_handle *h,
			struct goferfs_shared *shared);
/* Close inode's kept handles (destroy_inode: none in use). */
void goferfs_handles_drop(struct inode *inode);

/* cache.c: a regular file's page cache, kept idle after use (see there). */
/*
 * A reference to the inode's cache, or NULL; and the size with it. A file
 * never mapped has none: a peek without the lock spares its reads the
 * lock. May be idle: it stays so (reads add no frames).
 */
struct shmem *goferfs_cache_ref(struct inode *inode, s64 *size);
/* Whether the inode has a cache now (that peek alone: no lock, no reference). */
bool goferfs_cache_active(struct inode *inode);
/*
 * file_ops.mmap's object: the inode's cache (made now over host
 * descriptor fd, else taken off the idle list) with a new reference; a
 * writable shared mapping (shared_write) gets a descriptor for writing
 * back and is counted (shmem_map_writable). ERR_PTR on failure.
 */
struct shmem *goferfs_cache_mmap(struct inode *inode, int fd, bool shared_write);
/*
 * A file of inode closed: write the cache back and, if nothing else uses
 * it, keep it idle (or drop it); idle caches over the budget go. Maybe
 * under mm->lock (a mapping's last reference). Takes inode->lock.
 */
void goferfs_cache_close(struct inode *inode);
/*
 * The sandbox changes the file (a write, fallocate; inode->lock held): an
 * idle cache is detached, its reference returned for the caller to put
 * (NULL if none); a cache in use stays, for the caller to keep in step.
 */
struct shmem *goferfs_cache_changed_locked(struct inode *inode) __must_check;
/* The inode's cache's object (inode->lock held; no new reference), or NULL. */
struct shmem *goferfs_cache_shm_locked(struct inode *inode);
/* The size changed (setattr, inode->lock held: let go meanwhile): the page cache follows. */
void goferfs_cache_resize(struct inode *inode);
/* destroy_inode: the cache goes with the inode. */
void goferfs_cache_free(struct inode *inode);
/* Tests: the idle budget in pages (0: the default), and what idle caches hold. */
void goferfs_cache_set_budget(u64 pages);
void goferfs_cache_idle_stats(u64 *caches, u64 *pages);

#endif
