/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpfs internals. Regular file data lives in a shared memory object
 * (mm/shmem.h): memory-file frames, holes read as zeros, that mmap maps
 * directly, so read(2), write(2) and every mapping see the same bytes, as
 * Linux's shmem. Directory contents are an ordered list of entries, each
 * with an offset that never changes while the entry exists, so getdents
 * positions stay valid across unlinks.
 *
 * Locking: directory entry lists under vfs_lock (the VFS calls the dir
 * ops with it held); file data, seals and every inode field under
 * inode->lock, above the data object's lock (mm/shmem.h). A truncation
 * lets inode->lock go while it takes pages out of the address spaces that
 * map the file (they need mm->lock, which a fault through a file that
 * reads this one holds when it takes inode->lock).
 */
#ifndef SENTRY_VFS_TMPFS_TMPFS_H
#define SENTRY_VFS_TMPFS_TMPFS_H

#include "sentry/vfs/vfs_internal.h"
#include "sentry/vfs/xattr.h"

#define TMPFS_BOGO_DIRENT_SIZE 20 /* directory st_size per entry, as Linux */

struct tmpfs_info {
	u64 max_pages;	 /* size= in pages */
	u64 pages;	 /* atomic: data pages in use */
	u64 xattr_bytes; /* atomic: what its inodes' xattrs take (xattr.c) */
	u64 xattr_max;	 /* their bound: a share of size=, in the Sentry's heap even with store */
	u64 inodes;	 /* atomic: live inodes, +1 until kill_sb: the last frees sb (super.c) */
	bool store;	 /* file data in the memory file's store (tmpfs_mount_stored) */
};

struct tmpfs_dirent {
	struct list_head link; /* in tmpfs_inode.dir.entries, by offset */
	struct inode *inode;   /* a reference */
	s64 off;
	char name[];
};

struct tmpfs_inode {
	struct inode vfs;
	struct simple_xattrs xattrs; /* under vfs.lock */
	union {
		struct {
			struct list_head entries;
			s64 next_off;
			u64 parent_ino;
			u32 count;
		} dir;
		struct {
			struct shmem *shm; /* the data; NULL until first needed */
			/* LINUX_F_SEAL_*, with F_SEAL_SEAL too unless sealable (a memfd made so). */
			u32 seals;
			bool sealable;
		} reg;
		char *target;
	};
};

static inline struct tmpfs_inode *TMPFS_I(struct inode *inode)
{
	return container_of(inode, struct tmpfs_inode, vfs);
}

static inline struct tmpfs_info *TMPFS_SB(struct super_block *sb)
{
	return sb->fs_info;
}

/* A new inode of mode in sb (dir: its parent, or NULL for the root). */
struct inode *tmpfs_new_inode(struct super_block *sb, struct inode *dir, u32 mode,
			      const struct vfs_cred *c);

extern const struct inode_ops tmpfs_dir_iops;
extern const struct file_ops tmpfs_dir_fops;
extern const struct inode_ops tmpfs_file_iops;
extern const struct file_ops tmpfs_file_fops;

/* xattr.c: the inode_ops xattr calls of every tmpfs inode. */
ssize_t tmpfs_getxattr(struct inode *inode, const char *name, void *buf, size_t size);
int tmpfs_setxattr(struct inode *inode, const char *name, const void *value, size_t size,
		   int flags);
ssize_t tmpfs_listxattr(struct inode *inode, char *buf, size_t size);
int tmpfs_removexattr(struct inode *inode, const char *name);
#define TMPFS_XATTR_IOPS                                                                      \
	.getxattr = tmpfs_getxattr, .setxattr = tmpfs_setxattr, .listxattr = tmpfs_listxattr, \
	.removexattr = tmpfs_removexattr

/* Free all of a regular file's pages (destroy). */
void tmpfs_file_free(struct inode *inode);
/*
 * Under inode->lock: the file's data object, made (as big as the file)
 * if it has none yet. ERR_PTR(-ENOMEM) on failure.
 */
struct shmem *tmpfs_file_shmem(struct inode *inode);

#endif
