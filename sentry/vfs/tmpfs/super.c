// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs: mounting, inode allocation and destruction, symlinks, and the
 * end of a file system. kill_sb (mount.c's last sb_put: no mount left,
 * so no file, cwd or mapping) drops every directory entry, which frees
 * the inodes and gives their frames back to the memory file. An inode
 * held past that (an inotify watch) still needs the super block and
 * tmpfs_info when it goes, so they are freed by the last of kill_sb and
 * the inodes (tmpfs_info.inodes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tmpfs.h"

#define TMPFS_DEFAULT_SIZE (1ULL << 30)
#define TMPFS_XATTR_SHARE 16 /* of size=, for every xattr of the mount */

/* Drop one of tmpfs_info.inodes: the last frees the file system. */
static void tmpfs_info_put(struct super_block *sb)
{
	struct tmpfs_info *info = TMPFS_SB(sb);
	if (__atomic_sub_fetch(&info->inodes, 1, __ATOMIC_ACQ_REL))
		return;
	free(info);
	free(sb);
}

static void tmpfs_destroy_inode(struct inode *inode)
{
	struct super_block *sb = inode->sb;
	struct tmpfs_inode *ti = TMPFS_I(inode);
	if (S_ISREG(inode->mode))
		tmpfs_file_free(inode);
	else if (S_ISLNK(inode->mode))
		free(ti->target);
	__atomic_sub_fetch(&TMPFS_SB(inode->sb)->xattr_bytes, ti->xattrs.space, __ATOMIC_RELAXED);
	simple_xattrs_free(&ti->xattrs);
	/* A directory's entries are gone: it is only destroyed once empty. */
	free(ti);
	tmpfs_info_put(sb);
}

/* Blocks are data pages against size=; inodes are not limited, so they count as blocks do. */
static int tmpfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct tmpfs_info *info = TMPFS_SB(sb);
	u64 used = __atomic_load_n(&info->pages, __ATOMIC_RELAXED);
	st->type = LINUX_TMPFS_MAGIC;
	st->blocks = st->files = info->max_pages;
	st->bfree = st->bavail = st->ffree = used < info->max_pages ? info->max_pages - used : 0;
	return 0;
}

/*
 * Under vfs_lock: take every entry out of the tree under the root,
 * dropping the references the directories hold. Without recursion: a
 * guest may nest directories as deep as it likes. A directory's entries
 * move to the work list before its own reference goes.
 */
static void move_entries(struct inode *dir, struct list_head *to)
{
	struct tmpfs_inode *ti = TMPFS_I(dir);
	while (!list_empty(&ti->dir.entries)) {
		struct list_head *n = ti->dir.entries.next;
		list_del(n);
		list_add_tail(n, to);
	}
	ti->dir.count = 0;
}

static void tmpfs_empty_tree(struct inode *root)
{
	struct list_head work;
	list_init(&work);
	move_entries(root, &work);
	while (!list_empty(&work)) {
		struct tmpfs_dirent *e = list_entry(work.next, struct tmpfs_dirent, link);
		list_del(&e->link);
		struct inode *inode = e->inode;
		if (S_ISDIR(inode->mode))
			move_entries(inode, &work);
		free(e);
		inode_put(inode);
	}
}

static void tmpfs_kill_sb(struct super_block *sb)
{
	vfs_lock();
	tmpfs_empty_tree(sb->root->inode);
	dput(sb->root); /* the root inode goes with its dentry */
	sb->root = NULL;
	vfs_unlock();
	tmpfs_info_put(sb);
}

static const struct super_ops tmpfs_super_ops = {
	.destroy_inode = tmpfs_destroy_inode,
	.statfs = tmpfs_statfs,
	.kill_sb = tmpfs_kill_sb,
};

static int tmpfs_readlink(struct inode *inode, char *buf, size_t size)
{
	const char *t = TMPFS_I(inode)->target;
	size_t len = strlen(t);
	memcpy(buf, t, MIN(len, size));
	return MIN(len, size);
}

static const struct inode_ops tmpfs_symlink_iops = {
	.readlink = tmpfs_readlink,
	TMPFS_XATTR_IOPS,
};

static const struct inode_ops tmpfs_special_iops = {
	TMPFS_XATTR_IOPS,
};

struct inode *tmpfs_new_inode(struct super_block *sb, struct inode *dir, u32 mode,
			      const struct vfs_cred *c)
{
	struct tmpfs_inode *ti = calloc(1, sizeof(*ti));
	if (!ti)
		return NULL;
	struct inode *inode = &ti->vfs;
	__atomic_fetch_add(&TMPFS_SB(sb)->inodes, 1, __ATOMIC_RELAXED);
	inode_init(inode, sb, dir, mode, c);
	simple_xattrs_init(&ti->xattrs);
	switch (mode & S_IFMT) {
	case S_IFDIR:
		inode->iops = &tmpfs_dir_iops;
		inode->fops = &tmpfs_dir_fops;
		inode->nlink = 2;
		inode->size = 2 * TMPFS_BOGO_DIRENT_SIZE;
		list_init(&ti->dir.entries);
		ti->dir.next_off = 2;
		ti->dir.parent_ino = dir ? dir->ino : inode->ino;
		break;
	case S_IFREG:
		inode->iops = &tmpfs_file_iops;
		inode->fops = &tmpfs_file_fops;
		break;
	case S_IFLNK:
		inode->iops = &tmpfs_symlink_iops;
		break;
	default:
		inode->iops = &tmpfs_special_iops;
		break;
	}
	return inode;
}

/* Options: "mode=OCTAL" and "size=BYTES", comma-separated. */
static int tmpfs_parse(const char *options, u32 *mode, u64 *size)
{
	const char *s = options ? options : "";
	while (*s) {
		char *end;
		if (strncmp(s, "mode=", 5) == 0) {
			*mode = strtoul(s + 5, &end, 8) & 07777;
		} else if (strncmp(s, "size=", 5) == 0) {
			*size = strtoull(s + 5, &end, 10);
		} else {
			return -EINVAL;
		}
		if (*end && *end != ',')
			return -EINVAL;
		s = *end ? end + 1 : end;
	}
	return 0;
}

struct super_block *tmpfs_mount_stored(void)
{
	struct memfile *mf = shmem_file_memfile();
	if (IS_ERR(mf))
		return (void *)mf;
	if (!memfile_store_frames(mf))
		return ERR_PTR(-ENOSPC);
	struct super_block *sb = tmpfs_mount("mode=0755");
	if (!IS_ERR(sb)) {
		struct tmpfs_info *info = TMPFS_SB(sb);
		info->store = true;
		info->max_pages = memfile_store_frames(mf);
	}
	return sb;
}

struct super_block *tmpfs_mount(const char *options)
{
	static const struct vfs_cred root = {.caps = ~0ULL};
	u32 mode = 01777;
	u64 size = TMPFS_DEFAULT_SIZE;
	int ret = tmpfs_parse(options, &mode, &size);
	if (ret)
		return ERR_PTR(ret);

	struct tmpfs_info *info = calloc(1, sizeof(*info));
	struct super_block *sb = sb_alloc(&tmpfs_super_ops, "tmpfs");
	if (!info || !sb)
		goto out_nomem;
	info->max_pages = size / PAGE_SIZE;
	info->xattr_max = size / TMPFS_XATTR_SHARE;
	info->inodes = 1; /* until kill_sb */
	sb->fs_info = info;
	struct inode *root_inode = tmpfs_new_inode(sb, NULL, S_IFDIR | mode, &root);
	if (!root_inode)
		goto out_nomem;
	sb->root = d_make_root(root_inode);
	if (!sb->root)
		goto out_nomem;
	return sb;
out_nomem:
	free(info);
	free(sb);
	return ERR_PTR(-ENOMEM);
}
