/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the VFS (sentry/vfs/ and its file systems): dentries, mounts,
 * the namespace lock and the path walker. See vfs.h for the lock order and
 * the reference rules.
 */
#ifndef SENTRY_VFS_VFS_INTERNAL_H
#define SENTRY_VFS_VFS_INTERNAL_H

#include <sys/stat.h>

#include "lib/list.h"
#include "vfs.h"

/*
 * vfs_lock: the namespace lock (mount tree, dentry names/parents/children,
 * directory contents). Recursive, so that dput, which takes it to free a
 * dentry, may be called with or without it held.
 */
void vfs_lock(void);
void vfs_unlock(void);

struct dentry {
	int refs; /* atomic; the drop to 0 happens under vfs_lock */
	/* The rest is guarded by vfs_lock. */
	struct dentry *parent; /* itself at a file system's root */
	struct inode *inode;   /* never NULL: negative entries are not cached */
	char *name;
	struct list_head children; /* cached children */
	struct list_head sibling;  /* in parent->children unless unlinked */
	int mounts;		   /* mounts whose mountpoint this is */
	bool unlinked;		   /* removed from its directory */
	struct list_head lru;	   /* in the unused list while refs is 0 (dcache.c) */
	bool unused;		   /* on that list */
};

struct mount {
	int refs; /* atomic; the tree holds one; freed at 0 once unmounted */
	/* The rest is guarded by vfs_lock. */
	struct mount *parent;	   /* NULL for the root of the tree (or once detached) */
	struct dentry *mountpoint; /* in parent; the root dentry for the root */
	struct dentry *root;
	struct super_block *sb;
	struct list_head children; /* mounts on dentries of this one */
	struct list_head sibling;
	u64 id;
	unsigned flags;	  /* MNT_* (vfs.h) */
	bool unbindable;  /* MS_UNBINDABLE */
	u64 group;	  /* peer group id while shared (shared:N), else 0 */
	u64 master;	  /* the group it receives from while a slave (master:N), else 0 */
	char *source;	  /* mount(2)'s source, as /proc shows it; NULL: the type */
	bool unmounted;	  /* out of the tree: the last mnt_put frees it */
	bool expiry_mark; /* umount2 MNT_EXPIRE was asked once */
};

struct dentry *dget(struct dentry *d);
/* NULL-safe. */
void dput(struct dentry *d);
/* The root dentry of a new file system (reference to inode consumed). */
struct dentry *d_make_root(struct inode *inode);
/*
 * Under vfs_lock: dir's child name, from the cache or the file system.
 * Returns a new reference, or ERR_PTR (-ENOENT, -ENAMETOOLONG, ...).
 */
struct dentry *d_lookup(struct dentry *dir, const char *name, size_t len);
/* Under vfs_lock: cache a child just created (reference to inode consumed). */
struct dentry *d_add_child(struct dentry *dir, const char *name, struct inode *inode);
/* Free the unused dentries of sb (NULL: of every file system). */
void d_prune_unused(const struct super_block *sb);
/* Under vfs_lock: d was removed from its directory. */
void d_unlink(struct dentry *d);
/* Under vfs_lock: d was renamed to dir/name. -ENOMEM leaves it as it was. */
int d_move(struct dentry *d, struct dentry *dir, const char *name);
/* Under vfs_lock: is a an ancestor of (or the same as) d in one file system? */
bool d_is_ancestor(const struct dentry *a, const struct dentry *d);

static inline bool d_is_dir(const struct dentry *d)
{
	return S_ISDIR(d->inode->mode);
}

struct mount *mnt_get(struct mount *m);
void mnt_put(struct mount *m);
/* A new mount tree root for sb (reference consumed). */
struct mount *mount_create_root(struct super_block *sb);
/* Under vfs_lock: mount sb on the directory mp (its reference taken on success, as mount_graft). */
int mount_at(const struct path *mp, struct super_block *sb) __must_check;
/*
 * Under vfs_lock: mount sb with root dentry root (borrowed; a bind
 * mount's subtree) on mp, with MNT_* flags. A directory goes on a
 * directory, anything else on a non-directory (-ENOTDIR, -EISDIR
 * otherwise). The new mount, owned by the tree, which took the caller's
 * reference to sb; or ERR_PTR, and the reference is still the caller's.
 */
struct mount *mount_graft(const struct path *mp, struct super_block *sb, struct dentry *root,
			  unsigned flags);
/* Under vfs_lock: the mount on (m, d), or NULL. */
struct mount *mount_lookup(struct mount *m, struct dentry *d);
/*
 * Under vfs_lock: take m and every mount under it out of the tree (they
 * stay usable through the references others hold, and are freed with the
 * last). m must not be the tree's root.
 */
void mount_detach_tree(struct mount *m);
/* Under vfs_lock: may m go without MNT_DETACH? Not if anything but the tree and caller_refs hold it (see namespace.c). */
bool mount_is_busy(const struct mount *m, int caller_refs);
/* f_flags' ST_* bits for m's flags (vfs_statfs). */
u64 mnt_statfs_flags(const struct mount *m);

/* Last component kinds (nameidata.last_type). */
enum { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT, LAST_EMPTY };

/*
 * A path walk in progress (Linux's nameidata). All under vfs_lock.
 * namei_start, then namei_walk to stop at the last component's parent
 * (nd->path, name in nd->last), then namei_last to look that up, and
 * namei_follow to go on through a symlink there.
 */
struct nameidata {
	const struct vfs_ctx *ctx;
	struct path root; /* where "/" and ".." stop (borrowed) */
	struct path path; /* where the walk is (held) */
	char *buf;	  /* the rest of the path (owned) */
	const char *rest;
	char last[LINUX_NAME_MAX + 1];
	size_t last_len; /* may exceed NAME_MAX: the lookup says ENAMETOOLONG */
	int last_type;
	bool last_slash; /* the last component had a trailing slash */
	unsigned flags;	 /* LOOKUP_* */
	int nlinks;
};

int namei_start(struct nameidata *nd, const struct vfs_ctx *ctx, const char *name,
		unsigned flags) __must_check;
int namei_walk(struct nameidata *nd) __must_check;
/* Look up the last component: a new reference in *out, or -errno. */
int namei_last(struct nameidata *nd, struct path *out) __must_check;
/* Continue the walk through the symlink at link (borrowed). */
int namei_follow(struct nameidata *nd, const struct path *link) __must_check;
void namei_done(struct nameidata *nd);
/* The whole lookup, under vfs_lock. */
int namei_lookup(const struct vfs_ctx *ctx, const char *name, unsigned flags,
		 struct path *out) __must_check;

/* Devices the VFS knows, registered in devices.c. */
struct super_block *devfs_mount(const char *options);
struct super_block *tmpfs_mount(const char *options);
/*
 * A tmpfs (mode 0755) whose file data lives in the memory file's store, as
 * big as the store (--overlay2=root:self's upper layer). ERR_PTR(-ENOSPC)
 * without a store.
 */
struct super_block *tmpfs_mount_stored(void);

#endif
