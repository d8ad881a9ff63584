// SPDX-License-Identifier: Apache-2.0
/*
 * The mount trees (one per mount namespace: mnt_ns.c), the per-mount
 * flags and the file system types, registered in one explicit array.
 *
 * Lifetimes: the tree holds one reference to each mount in it, a child
 * holds its parent, and every struct path holds its mount. umount takes a
 * mount (and what is mounted under it) out of the tree and drops the
 * tree's reference; the mount is freed when the last path on it goes, so
 * an open file or a cwd on a lazily unmounted tree keeps working.
 *
 * Super blocks: sb->refs counts its active users, as Linux's s_active:
 * one per struct mount (taken by whoever makes the mount, dropped when
 * the mount is freed), plus holders that keep an instance for mounts to
 * come (the one-per-sandbox types of mount_sb.c, an overlay's layers).
 * Files, cwds, roots and mappings (which hold their file) hold a path,
 * hence a mount, hence the super block, so the last sb_put comes once
 * nothing can reach an inode through the VFS: then the file system's
 * kill_sb frees what it can (tmpfs: every inode and its frames), after
 * inotify's watches on its inodes got IN_UNMOUNT and went. An inode
 * something else still holds directly outlives it; the file system keeps
 * its own data alive for such stragglers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/ipc/ipc.h"
#include "inotify.h"
#include "namespace_internal.h"

static const struct fs_type fs_types[] = {
	{.name = "tmpfs", .mount = tmpfs_mount},
	{.name = "devtmpfs", .mount = devfs_mount},
	{.name = "mqueue", .mount = mqueue_mount}, /* sentry/ipc/mqueue_fs.c */
};

const struct fs_type *vfs_find_fs_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		if (strcmp(fs_types[i].name, name) == 0)
			return &fs_types[i];
	return NULL;
}

struct super_block *sb_get(struct super_block *sb)
{
	__atomic_fetch_add(&sb->refs, 1, __ATOMIC_RELAXED);
	return sb;
}

void sb_put(struct super_block *sb)
{
	if (!sb || __atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL))
		return;
	fsnotify_sb_gone(sb); /* its watches' inode references go too */
	if (sb->ops && sb->ops->kill_sb)
		sb->ops->kill_sb(sb);
}

static u64 next_mount_id = 1;
/* Mounts alive, against Linux's fs.mount-max (100000): ENOSPC beyond. */
static int nr_mounts;
#define MOUNT_MAX 100000

u64 mount_next_id(void)
{
	return __atomic_load_n(&next_mount_id, __ATOMIC_RELAXED);
}

struct mount *mnt_get(struct mount *m)
{
	__atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

/* The last reference to an unmounted mount: it has no parent and no children left. */
static void mount_free(struct mount *m)
{
	struct super_block *sb = m->sb;
	vfs_lock();
	dput(m->root);
	dput(m->mountpoint);
	vfs_unlock();
	__atomic_fetch_sub(&nr_mounts, 1, __ATOMIC_RELAXED);
	free(m->source);
	free(m);
	sb_put(sb); /* after the dentries: kill_sb finds only what nobody uses */
}

void mnt_put(struct mount *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/*
	 * Only unmounted mounts are freed: a mount in the tree has the
	 * tree's reference, and the roots made by root.c and memfd.c hand
	 * their one reference to a path, so they may reach 0 harmlessly.
	 */
	if (__atomic_load_n(&m->unmounted, __ATOMIC_ACQUIRE))
		mount_free(m);
}

/*
 * The flags a mount of this type gets by default, as the container
 * runtimes mount them: proc, sysfs and cgroup2 nosuid,nodev,noexec;
 * everything relatime, as Linux's default. sysfs and cgroup2 refuse
 * writes themselves (EACCES without write bits, as kernfs, else EROFS:
 * procfs/seq.c) and /proc shows them "ro"; a read-only mount flag would
 * turn root's EACCES into EROFS.
 */
static unsigned default_flags(const struct super_block *sb)
{
	if (!strcmp(sb->fstype, "proc") || !strcmp(sb->fstype, "sysfs") ||
	    !strcmp(sb->fstype, "cgroup2"))
		return MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_RELATIME;
	return MNT_RELATIME;
}

static struct mount *mount_alloc(struct super_block *sb, struct dentry *root)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	__atomic_fetch_add(&nr_mounts, 1, __ATOMIC_RELAXED);
	m->refs = 1;
	m->sb = sb;
	m->root = dget(root);
	m->id = __atomic_fetch_add(&next_mount_id, 1, __ATOMIC_RELAXED);
	m->flags = default_flags(sb);
	list_init(&m->children);
	list_init(&m->sibling);
	return m;
}

struct mount *mount_create_root(struct super_block *sb)
{
	struct mount *m = mount_alloc(sb, sb->root);
	if (m)
		m->mountpoint = dget(m->root);
	return m;
}

struct mount *mount_graft(const struct path *mp, struct super_block *sb, struct dentry *root,
			  unsigned flags)
{
	if (d_is_dir(mp->dentry) != d_is_dir(root))
		return ERR_PTR(-ENOTDIR);
	if (mp->dentry->unlinked || mp->mnt->unmounted)
		return ERR_PTR(-ENOENT);
	if (__atomic_load_n(&nr_mounts, __ATOMIC_RELAXED) >= MOUNT_MAX)
		return ERR_PTR(-ENOSPC);
	struct mount *m = mount_alloc(sb, root);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->flags = flags;
	m->parent = mnt_get(mp->mnt);
	m->mountpoint = dget(mp->dentry);
	mp->dentry->mounts++;
	list_add_tail(&m->sibling, &mp->mnt->children);
	return m;
}

int mount_at(const struct path *mp, struct super_block *sb)
{
	if (!d_is_dir(mp->dentry))
		return -ENOTDIR;
	struct mount *m = mount_graft(mp, sb, sb->root, default_flags(sb));
	return IS_ERR(m) ? PTR_ERR(m) : 0;
}

struct mount *mount_lookup(struct mount *m, struct dentry *d)
{
	if (!d->mounts)
		return NULL;
	struct mount *c;
	/* The last one mounted there is on top, as Linux's __lookup_mnt_last. */
	struct mount *found = NULL;
	list_for_each_entry(c, &m->children, sibling)
	{
		if (c->mountpoint == d)
			found = c;
	}
	return found;
}

void mount_move(struct mount *m, const struct path *to)
{
	struct mount *parent = m->parent;
	list_del(&m->sibling);
	m->mountpoint->mounts--;
	dput(m->mountpoint);
	m->parent = mnt_get(to->mnt);
	m->mountpoint = dget(to->dentry);
	to->dentry->mounts++;
	list_add_tail(&m->sibling, &to->mnt->children);
	mnt_put(parent);
}

/* Take m alone out of its parent; its children stay on it. */
static void mount_unhook(struct mount *m)
{
	struct mount *parent = m->parent;
	mount_leave_propagation(m); /* an unmounted mount is private, as Linux's umount_tree */
	list_del(&m->sibling);
	list_init(&m->sibling);
	m->mountpoint->mounts--;
	dput(m->mountpoint);
	m->mountpoint = dget(m->root);
	m->parent = NULL;
	__atomic_store_n(&m->unmounted, true, __ATOMIC_RELEASE);
	mnt_put(parent);
}

void mount_detach_tree(struct mount *m)
{
	/*
	 * Leaves first (each holds its parent), without recursion: a guest
	 * may stack mounts as deep as mount_max allows.
	 */
	for (;;) {
		struct mount *c = m;
		while (!list_empty(&c->children))
			c = list_entry(c->children.next, struct mount, sibling);
		bool last = c == m;
		mount_unhook(c);
		mnt_put(c); /* the tree's reference */
		if (last)
			return;
	}
}

/*
 * "Busy" is Linux's propagate_mount_busy: a mount on it, or any reference
 * but the tree's and the caller's own: an open file, a cwd or root, an
 * mmap of a file in it, a path another call holds.
 */
bool mount_is_busy(const struct mount *m, int caller_refs)
{
	if (!list_empty(&m->children))
		return true;
	return __atomic_load_n(&m->refs, __ATOMIC_ACQUIRE) > 1 + caller_refs;
}

unsigned mnt_flags(const struct mount *m)
{
	return m ? __atomic_load_n(&m->flags, __ATOMIC_RELAXED) : 0;
}

int mnt_want_write(const struct mount *m)
{
	return mnt_flags(m) & MNT_READONLY ? -EROFS : 0;
}

int mnt_may_open(const struct path *p)
{
	u32 type = path_inode(p)->mode & S_IFMT;
	if ((type == S_IFCHR || type == S_IFBLK) && (mnt_flags(p->mnt) & MNT_NODEV))
		return -EACCES;
	return 0;
}

int mnt_may_open_write(const struct path *p, int acc)
{
	u32 type = path_inode(p)->mode & S_IFMT;
	/* Devices, FIFOs and sockets write nothing to the file system. */
	if (!(acc & MAY_WRITE) || (type != S_IFREG && type != S_IFDIR && type != S_IFLNK))
		return 0;
	return mnt_want_write(p->mnt);
}

u64 mnt_statfs_flags(const struct mount *m)
{
	static const struct {
		unsigned mnt, st;
	} map[] = {
		{MNT_READONLY, LINUX_ST_RDONLY},   {MNT_NOSUID, LINUX_ST_NOSUID},
		{MNT_NODEV, LINUX_ST_NODEV},	   {MNT_NOEXEC, LINUX_ST_NOEXEC},
		{MNT_NOATIME, LINUX_ST_NOATIME},   {MNT_NODIRATIME, LINUX_ST_NODIRATIME},
		{MNT_RELATIME, LINUX_ST_RELATIME},
	};
	unsigned flags = mnt_flags(m);
	u64 st = 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (flags & map[i].mnt)
			st |= map[i].st;
	return st;
}
