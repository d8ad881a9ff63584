/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the mount code: mount(2) and umount2(2) (namespace.c), the
 * super blocks a new mount gets (mount_sb.c), propagation types
 * (propagation.c), mount namespace objects (mnt_ns.c) and pivot_root
 * (pivot_root.c). The reference rules are mount.c's (and vfs_internal.h's);
 * everything here that says "under vfs_lock" walks or changes a tree.
 */
#ifndef SENTRY_VFS_NAMESPACE_INTERNAL_H
#define SENTRY_VFS_NAMESPACE_INTERNAL_H

#include "abi/linux/capability.h"
#include "sentry/kernel/nsproxy.h"
#include "vfs_internal.h"

/* mount(2) flags, Linux's values. */
#define MS_RDONLY 0x1ull
#define MS_NOSUID 0x2ull
#define MS_NODEV 0x4ull
#define MS_NOEXEC 0x8ull
#define MS_REMOUNT 0x20ull
#define MS_NOATIME 0x400ull
#define MS_NODIRATIME 0x800ull
#define MS_BIND 0x1000ull
#define MS_MOVE 0x2000ull
#define MS_REC 0x4000ull
#define MS_SILENT 0x8000ull
#define MS_UNBINDABLE (1ull << 17)
#define MS_PRIVATE (1ull << 18)
#define MS_SLAVE (1ull << 19)
#define MS_SHARED (1ull << 20)
#define MS_RELATIME (1ull << 21)
#define MS_STRICTATIME (1ull << 24)
#define MS_NOUSER (1ull << 31)
#define MS_MGC_VAL 0xc0ed0000ull
#define MS_MGC_MSK 0xffff0000ull
#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define MS_ATIME (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* Mounts under mounts under ...: deeper than this is ELOOP-like abuse. */
#define MAX_DEPTH 64

/*
 * A mount namespace (sentry/kernel/nsproxy.h) is the tree under its top
 * mount. The namespace holds the top (the tree holds the rest); its last
 * put takes the whole tree out, as a lazy umount.
 */
struct mnt_namespace {
	struct ns_common ns;
	struct mount *root;    /* the top of the tree, under vfs_lock */
	struct list_head link; /* in mnt_ns_list while it lives, under vfs_lock */
};

/* mnt_ns.c: the live namespaces, whose trees propagation walks (under vfs_lock). */
extern struct list_head mnt_ns_list;

/* Under vfs_lock: the top of m's tree (the namespace's root mount, or a detached tree's top). */
static inline struct mount *tree_top(struct mount *m)
{
	while (m->parent)
		m = m->parent;
	return m;
}

/*
 * mount.c: a super block's active references (mount.c's header says who
 * holds them). The last put calls sb->ops->kill_sb; takes vfs_lock, so
 * callers may hold it but no inode->lock.
 */
struct super_block *sb_get(struct super_block *sb);
/* NULL-safe. */
void sb_put(struct super_block *sb);

/* Under vfs_lock: the id the next mount will get (mounts made from now on have this or more). */
u64 mount_next_id(void);
/* Under vfs_lock: move m (with what is on it) onto to (borrowed: m takes its own references). */
void mount_move(struct mount *m, const struct path *to);

/* namespace.c */
/* Set m's source as /proc shows it (NULL: leave it). 0 or -ENOMEM. */
int mount_set_source(struct mount *m, const char *source) __must_check;
/*
 * Linux's LOOKUP_MOUNTPOINT: *p (held) moves to the mount stacked on it,
 * the top one, so that a path ending in "." names what is mounted there.
 */
void mount_follow_down(struct path *p);

/* mount_sb.c */
/*
 * A super block for a new mount of fstype with mount(2)'s data (a new
 * reference), or ERR_PTR: -EINVAL (bad options), -ENODEV (unknown type).
 * proc, sysfs, cgroup2, devpts and mqueue have one instance per sandbox.
 */
struct super_block *mount_get_sb(const struct vfs_ctx *ctx, const char *fstype, const char *data);
/* Under vfs_lock: remember the one-per-sandbox instances mounted under top. */
void mount_remember_shared_sbs(struct mount *top);
/* Do data's options parse for a remount of a file system of fstype? 0 or -EINVAL. */
int mount_check_options(const char *fstype, const char *data) __must_check;

/* propagation.c */
/* MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE (|MS_REC) of the mount at p. 0 or -EINVAL. */
int mount_change_type(const struct path *p, u64 flags) __must_check;
/*
 * Under vfs_lock: the tree at src was just put on its parent (a new
 * mount, a bind, a move). If the parent is shared, every mount of the
 * tree becomes shared and a copy of it goes to each peer and slave of
 * the parent that sees the mountpoint. 0, or -ENOMEM, -ENOSPC, -ELOOP
 * with no copy left and src's groups as they were (src stays: the
 * caller undoes it).
 */
int mount_propagate(struct mount *src) __must_check;
/*
 * Under vfs_lock: umount m's tree and, where m's parent (or a parent in
 * the tree) is shared, what its peers and slaves have mounted at the
 * same places and that has no mounts of its own (Linux's umount_tree
 * with propagate_umount). Without detach, -EBUSY if m or such a copy is
 * in use (the caller holds one reference to m). 0, -EBUSY or -ENOMEM.
 */
int mount_umount(struct mount *m, bool detach) __must_check;
/* Under vfs_lock: m leaves its peer group and master (it is being unmounted). */
void mount_leave_propagation(struct mount *m);
/* Under vfs_lock: is there an unbindable mount in the tree under top? */
bool mount_tree_has_unbindable(struct mount *top);
/* Under vfs_lock: mountinfo's propagate_from:N of the slave m, seen from root (0: none). */
u64 mount_propagate_from(struct mount *m, const struct path *root);

#endif
