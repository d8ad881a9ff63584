/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpfs internals. Regular file data lives in host memory, one calloc'd
 * 4 KiB page per present page in a four-level radix of 512-way nodes
 * (files up to 256 TiB, holes read as zeros); it moves to memory-file
 * frames when tmpfs files can be mmapped. Directory contents are an
 * ordered list of entries, each with an offset that never changes while
 * the entry exists, so getdents positions stay valid across unlinks.
 *
 * Locking: directory entry lists under vfs_lock (the VFS calls the dir
 * ops with it held); file data and every inode field under inode->lock.
 */
#ifndef SENTRY_VFS_TMPFS_TMPFS_H
#define SENTRY_VFS_TMPFS_TMPFS_H

#include "sentry/vfs/vfs_internal.h"

#define TMPFS_BOGO_DIRENT_SIZE 20 /* directory st_size per entry, as Linux */

struct tmpfs_info {
	u64 max_pages; /* size= in pages */
	u64 pages;     /* atomic: data pages in use */
};

struct tmpfs_dirent {
	struct list_head link; /* in tmpfs_inode.dir.entries, by offset */
	struct inode *inode;   /* a reference */
	s64 off;
	char name[];
};

struct tmpfs_inode {
	struct inode vfs;
	union {
		struct {
			struct list_head entries;
			s64 next_off;
			u64 parent_ino;
			u32 count;
		} dir;
		void *data; /* radix root */
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

/* Free all of a regular file's pages (destroy). */
void tmpfs_file_free(struct inode *inode);

#endif
