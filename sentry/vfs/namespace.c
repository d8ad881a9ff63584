// SPDX-License-Identifier: Apache-2.0
/*
 * mount(2) and umount2(2) on the sandbox's mount tree, in the order of
 * Linux's fs/namespace.c (path_mount, do_umount) so that the same call
 * fails with the same errno. Which super block a new mount gets is
 * mount_sb.c's, propagation types propagation.c's, namespace objects
 * mnt_ns.c's and pivot_root pivot_root.c's (namespace_internal.h).
 *
 * What differs, on purpose or for now:
 * - proc, sysfs, cgroup2 and devpts have one instance per sandbox: a new
 *   mount of one shares the super block already mounted (as a bind would).
 * - MS_REMOUNT without MS_BIND changes the mount's flags, not the file
 *   system's (its options, e.g. tmpfs size=, are checked and ignored).
 * - Mount and umount events propagate to peers and slaves
 *   (propagation.c); a copied namespace's mounts are peers of the
 *   originals, as Linux's copy_tree within one user namespace (there is
 *   one user namespace).
 * - The top of a namespace's tree is the root the processes see (Linux
 *   has rootfs under it): pivot_root accepts a root that is the top, and
 *   the new root becomes the top.
 * - A super block goes with its last mount once nothing uses it (mount.c),
 *   but the one-per-sandbox instances stay.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "namespace_internal.h"

#define MNT_ATIME_MASK (MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME)

/* umount2 flags */
#define UMOUNT_FORCE 0x1
#define UMOUNT_DETACH 0x2
#define UMOUNT_EXPIRE 0x4
#define UMOUNT_NOFOLLOW 0x8

/* Linux's path_mount: the per-mount flags of MS_*, relatime by default. */
static unsigned ms_to_mnt(u64 flags)
{
	unsigned mf = flags & MS_NOATIME ? MNT_NOATIME : MNT_RELATIME;
	if (flags & MS_NOSUID)
		mf |= MNT_NOSUID;
	if (flags & MS_NODEV)
		mf |= MNT_NODEV;
	if (flags & MS_NOEXEC)
		mf |= MNT_NOEXEC;
	if (flags & MS_NODIRATIME)
		mf |= MNT_NODIRATIME;
	if (flags & MS_STRICTATIME)
		mf &= ~(MNT_RELATIME | MNT_NOATIME);
	if (flags & MS_RDONLY)
		mf |= MNT_READONLY;
	return mf;
}

int mount_set_source(struct mount *m, const char *source)
{
	if (!source)
		return 0;
	free(m->source);
	m->source = strdup(source);
	return m->source ? 0 : -ENOMEM;
}

static int do_new_mount(const struct vfs_ctx *ctx, const struct path *p, const char *fstype,
			unsigned mf, const char *source, const char *data)
{
	if (!fstype)
		return -EINVAL;
	struct super_block *sb = mount_get_sb(ctx, fstype, data);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	vfs_lock();
	struct mount *m = p->mnt->sb == sb && p->mnt->root == p->dentry
				  ? ERR_PTR(-EBUSY)
				  : mount_graft(p, sb, sb->root, mf);
	int ret = IS_ERR(m) ? PTR_ERR(m) : 0;
	if (!ret && !(ret = mount_set_source(m, source && *source ? source : "none")))
		ret = mount_propagate(m);
	if (ret && !IS_ERR(m))
		mount_detach_tree(m); /* its super block reference goes with it */
	vfs_unlock();
	/* Not grafted: the reference is still ours (a new tmpfs dies here). */
	if (IS_ERR(m))
		sb_put(sb);
	return ret;
}

/* Under vfs_lock: a copy of old's mount at root (a dentry of it) on mp. */
static struct mount *clone_mount(const struct path *mp, struct mount *old, struct dentry *root)
{
	struct mount *m = mount_graft(mp, sb_get(old->sb), root, old->flags);
	if (IS_ERR(m)) {
		sb_put(old->sb); /* old's own reference keeps it */
		return m;
	}
	/* A bind of a shared mount is its peer (Linux's clone_mnt). */
	m->group = old->group;
	m->master = old->master;
	if (old->source && mount_set_source(m, old->source)) {
		mount_detach_tree(m);
		return ERR_PTR(-ENOMEM);
	}
	return m;
}

/* Under vfs_lock: MS_REC: copy the mounts under old (below root) onto copy. */
static int clone_submounts(struct mount *old, struct dentry *root, struct mount *copy,
			   const struct mount *top, int depth)
{
	struct mount *c;
	if (depth > MAX_DEPTH)
		return -ELOOP;
	list_for_each_entry(c, &old->children, sibling)
	{
		if (c == top || c->unbindable || !d_is_ancestor(root, c->mountpoint))
			continue;
		struct path mp = {copy, c->mountpoint};
		struct mount *m = clone_mount(&mp, c, c->root);
		if (IS_ERR(m))
			return PTR_ERR(m);
		int ret = clone_submounts(c, c->root, m, top, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* Linux's do_loopback: MS_BIND of source onto p, with its mounts if rec. */
static int do_bind(const struct vfs_ctx *ctx, const struct path *p, const char *source, bool rec)
{
	struct path old;
	if (!source || !*source)
		return -EINVAL;
	int ret = vfs_lookup(ctx, source, LOOKUP_FOLLOW, &old);
	if (ret)
		return ret;
	vfs_lock();
	struct mount *m = NULL;
	if (old.mnt->unbindable || old.mnt->unmounted || p->mnt->unmounted)
		ret = -EINVAL;
	if (!ret)
		m = clone_mount(p, old.mnt, old.dentry);
	if (!ret && IS_ERR(m))
		ret = PTR_ERR(m);
	if (!ret && rec)
		ret = clone_submounts(old.mnt, old.dentry, m, m, 0);
	if (!ret && !IS_ERR(m))
		ret = mount_propagate(m);
	if (ret && m && !IS_ERR(m))
		mount_detach_tree(m);
	vfs_unlock();
	path_put(&old);
	return ret;
}

/* MS_REMOUNT: new flags for the mount at p (it must be a mount's root). */
static int do_remount(const struct path *p, unsigned mf, bool bind, const char *data)
{
	if (p->dentry != p->mnt->root)
		return -EINVAL;
	/* The file system's own options must still parse. */
	if (!bind && mount_check_options(p->mnt->sb->fstype, data))
		return -EINVAL;
	vfs_lock();
	int ret = p->mnt->unmounted ? -EINVAL : 0;
	if (!ret)
		__atomic_store_n(&p->mnt->flags, mf, __ATOMIC_RELAXED);
	vfs_unlock();
	return ret;
}

/* Linux's do_move_mount: the mount whose root source is moves onto p. */
static int do_move(const struct vfs_ctx *ctx, const struct path *p, const char *source)
{
	struct path old;
	if (!source || !*source)
		return -EINVAL;
	int ret = vfs_lookup(ctx, source, LOOKUP_FOLLOW, &old);
	if (ret)
		return ret;
	vfs_lock();
	struct mount *m = old.mnt;
	if (m->unmounted || p->mnt->unmounted || old.dentry != m->root || !m->parent)
		ret = -EINVAL;
	else if (d_is_dir(p->dentry) != d_is_dir(old.dentry))
		ret = -ENOTDIR;
	else if (m->parent->group)
		ret = -EINVAL; /* Linux does not move a mount out of a shared parent */
	else if (p->mnt->group && mount_tree_has_unbindable(m))
		ret = -EINVAL;
	else if (p->dentry->unlinked)
		ret = -ENOENT;
	for (struct mount *q = p->mnt; !ret && q; q = q->parent)
		if (q == m)
			ret = -ELOOP;
	if (!ret) {
		/* Under a shared mount it propagates as a new mount would; if that fails, it goes back. */
		struct path back = {mnt_get(m->parent), dget(m->mountpoint)};
		mount_move(m, p);
		if ((ret = mount_propagate(m)))
			mount_move(m, &back);
		path_put(&back);
	}
	vfs_unlock();
	path_put(&old);
	return ret;
}

/*
 * Linux's check_mnt: is m in the caller's mount namespace (the tree its
 * root is in)? A mount taken out of every tree fails later, as before.
 */
static bool in_callers_ns(const struct vfs_ctx *ctx, struct mount *m)
{
	vfs_lock();
	bool ok = m->unmounted || tree_top(m) == tree_top(ctx->root.mnt);
	vfs_unlock();
	return ok;
}

static int path_mount(const struct vfs_ctx *ctx, const char *source, const struct path *p,
		      const char *fstype, u64 flags, const char *data)
{
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if (flags & MS_NOUSER)
		return -EINVAL;
	if (!cred_capable(ctx->cred, LINUX_CAP_SYS_ADMIN))
		return -EPERM;
	if (!in_callers_ns(ctx, p->mnt))
		return -EINVAL;
	unsigned mf = ms_to_mnt(flags);
	/* A remount keeps the atime behaviour unless told otherwise. */
	if ((flags & MS_REMOUNT) && !(flags & MS_ATIME))
		mf = (mf & ~MNT_ATIME_MASK) | (mnt_flags(p->mnt) & MNT_ATIME_MASK);
	if (flags & MS_REMOUNT)
		return do_remount(p, mf, flags & MS_BIND, data);
	if (flags & MS_BIND)
		return do_bind(ctx, p, source, flags & MS_REC);
	if (flags & MS_PROPAGATION)
		return mount_change_type(p, flags);
	if (flags & MS_MOVE)
		return do_move(ctx, p, source);
	return do_new_mount(ctx, p, fstype, mf, source, data);
}

int vfs_mount(const struct vfs_ctx *ctx, const char *source, const char *target, const char *fstype,
	      u64 flags, const char *data)
{
	struct path p;
	int ret = vfs_lookup(ctx, target, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	ret = path_mount(ctx, source, &p, fstype, flags, data);
	path_put(&p);
	return ret;
}

/* Linux's do_umount, under vfs_lock; the caller's lookup holds one reference to m. */
static int do_umount(const struct vfs_ctx *ctx, struct mount *m, int flags)
{
	if (m->unmounted)
		return -EINVAL;
	if (flags & UMOUNT_EXPIRE) {
		if (m == ctx->root.mnt || (flags & (UMOUNT_FORCE | UMOUNT_DETACH)))
			return -EINVAL;
		if (__atomic_load_n(&m->refs, __ATOMIC_ACQUIRE) != 2)
			return -EBUSY;
		/* The first call marks it; a second with nothing used in between unmounts. */
		if (!m->expiry_mark) {
			m->expiry_mark = true;
			return -EAGAIN;
		}
	}
	if (m == ctx->root.mnt && !(flags & UMOUNT_DETACH))
		return -EBUSY;
	if (!m->parent)
		return -EINVAL; /* the top of the tree cannot leave it */
	return mount_umount(m, flags & UMOUNT_DETACH);
}

/*
 * A path ending in "." or "/" names the mount stacked on it, so that
 * umount2(".", MNT_DETACH) after pivot_root(".", ".") takes the old root
 * off the new one.
 */
void mount_follow_down(struct path *p)
{
	struct mount *c;
	vfs_lock();
	while ((c = mount_lookup(p->mnt, p->dentry))) {
		struct path top = {mnt_get(c), dget(c->root)};
		path_put(p);
		*p = top;
	}
	vfs_unlock();
}

int vfs_umount(const struct vfs_ctx *ctx, const char *target, int flags)
{
	struct path p;
	if (flags & ~(UMOUNT_FORCE | UMOUNT_DETACH | UMOUNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	int ret = vfs_lookup(ctx, target, flags & UMOUNT_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	mount_follow_down(&p);
	if (!cred_capable(ctx->cred, LINUX_CAP_SYS_ADMIN))
		ret = -EPERM;
	else if (p.dentry != p.mnt->root || !in_callers_ns(ctx, p.mnt))
		ret = -EINVAL;
	if (!ret) {
		vfs_lock();
		ret = do_umount(ctx, p.mnt, flags);
		vfs_unlock();
	}
	path_put(&p);
	return ret;
}
