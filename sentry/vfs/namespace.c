// SPDX-License-Identifier: Apache-2.0
/*
 * mount(2) and umount2(2) on the sandbox's mount tree, in the order of
 * Linux's fs/namespace.c (path_mount, do_umount) so that the same call
 * fails with the same errno.
 *
 * What differs, on purpose or for now:
 * - proc, sysfs, cgroup2 and devpts have one instance per sandbox: a new
 *   mount of one shares the super block already mounted (as a bind would).
 * - MS_REMOUNT without MS_BIND changes the mount's flags, not the file
 *   system's (its options, e.g. tmpfs size=, are checked and ignored).
 * - Propagation types are recorded and shown in mountinfo, but no mount
 *   event propagates: the sandbox has one mount namespace.
 * - A mount's super block is never freed (see mount.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_internal.h"

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

#define MNT_ATIME_MASK (MNT_NOATIME | MNT_NODIRATIME | MNT_RELATIME)

/* umount2 flags */
#define UMOUNT_FORCE 0x1
#define UMOUNT_DETACH 0x2
#define UMOUNT_EXPIRE 0x4
#define UMOUNT_NOFOLLOW 0x8

#define CAP_SYS_ADMIN 21

/* Mounts under mounts under ...: deeper than this is ELOOP-like abuse. */
#define MAX_DEPTH 64

static u64 next_group_id = 1;

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

static struct mount *tree_top(struct mount *m)
{
	while (m->parent)
		m = m->parent;
	return m;
}

/* A super block of type fstype mounted anywhere under m, or NULL. */
static struct super_block *find_sb(struct mount *m, const char *fstype, int depth)
{
	if (!strcmp(m->sb->fstype, fstype))
		return m->sb;
	struct mount *c;
	if (depth > MAX_DEPTH)
		return NULL;
	list_for_each_entry(c, &m->children, sibling)
	{
		struct super_block *sb = find_sb(c, fstype, depth + 1);
		if (sb)
			return sb;
	}
	return NULL;
}

/* Parse a number with tmpfs's k/m/g suffixes. */
static int parse_size(const char *s, const char **end, u64 *out)
{
	char *e;
	u64 v = strtoull(s, &e, 0);
	if (e == s)
		return -EINVAL;
	switch (*e) {
	case 'k':
	case 'K':
		v <<= 10, e++;
		break;
	case 'm':
	case 'M':
		v <<= 20, e++;
		break;
	case 'g':
	case 'G':
		v <<= 30, e++;
		break;
	case '%':
		v = 0, e++; /* a share of memory: the default size */
		break;
	}
	*end = e;
	return 0;
}

/* tmpfs options of mount(2)'s data, as Linux's shmem_parse_one; the owner is set after. */
static int tmpfs_options(const char *data, char *out, size_t outlen, u32 *uid, u32 *gid)
{
	const char *s = data ? data : "";
	u64 size = 0, mode = 01777;
	*uid = *gid = (u32)-1;
	while (*s) {
		const char *e = s + strcspn(s, ",");
		char *ne;
		u64 v;
		int ret = 0;
		if (!strncmp(s, "size=", 5)) {
			ret = parse_size(s + 5, &e, &size);
		} else if (!strncmp(s, "nr_inodes=", 10) || !strncmp(s, "nr_blocks=", 10)) {
			ret = parse_size(s + 10, &e, &v); /* inodes are not limited */
		} else if (!strncmp(s, "mode=", 5)) {
			mode = strtoull(s + 5, &ne, 8) & 07777;
			ret = ne == s + 5 ? -EINVAL : 0, e = ne;
		} else if (!strncmp(s, "uid=", 4) || !strncmp(s, "gid=", 4)) {
			v = strtoull(s + 4, &ne, 0);
			ret = ne == s + 4 || v > 0xfffffffeull ? -EINVAL : 0, e = ne;
			*(s[0] == 'u' ? uid : gid) = v;
		} else if (strncmp(s, "rw,", 3) && strcmp(s, "rw") && strncmp(s, "ro,", 3) &&
			   strcmp(s, "ro") && strncmp(s, "huge=", 5) && strncmp(s, "mpol=", 5) &&
			   strncmp(s, "inode64", 7) && strncmp(s, "inode32", 7) &&
			   strncmp(s, "noswap", 6) && s[0] != ',') {
			return -EINVAL;
		} else {
			e = s + strcspn(s, ",");
		}
		if (ret || (*e && *e != ','))
			return -EINVAL;
		s = *e ? e + 1 : e;
	}
	if (size)
		snprintf(out, outlen, "mode=%llo,size=%llu", (unsigned long long)mode,
			 (unsigned long long)size);
	else
		snprintf(out, outlen, "mode=%llo", (unsigned long long)mode);
	return 0;
}

static struct super_block *new_tmpfs(const char *data)
{
	char opts[96];
	u32 uid, gid;
	int ret = tmpfs_options(data, opts, sizeof(opts), &uid, &gid);
	if (ret)
		return ERR_PTR(ret);
	struct super_block *sb = tmpfs_mount(opts);
	if (IS_ERR(sb))
		return sb;
	struct inode *root = sb->root->inode;
	pthread_mutex_lock(&root->lock);
	if (uid != (u32)-1)
		root->uid = uid;
	if (gid != (u32)-1)
		root->gid = gid;
	pthread_mutex_unlock(&root->lock);
	return sb;
}

/* A super block for a new mount of fstype (a new reference), or ERR_PTR. */
static struct super_block *get_sb(const struct vfs_ctx *ctx, const char *fstype, const char *data)
{
	if (!strcmp(fstype, "tmpfs"))
		return new_tmpfs(data);
	const struct fs_type *type = vfs_find_fs_type(fstype);
	if (type)
		return type->mount(data);
	static const char *const shared[] = {"proc", "sysfs", "cgroup2", "devpts", "mqueue"};
	for (size_t i = 0; i < ARRAY_SIZE(shared); i++) {
		if (strcmp(fstype, shared[i]))
			continue;
		vfs_lock();
		struct super_block *sb = find_sb(tree_top(ctx->root.mnt), fstype, 0);
		if (sb)
			__atomic_fetch_add(&sb->refs, 1, __ATOMIC_RELAXED);
		vfs_unlock();
		return sb ? sb : ERR_PTR(-ENODEV);
	}
	return ERR_PTR(-ENODEV);
}

/* A new mount joins a shared parent's propagation as a shared mount of its own group. */
static void inherit_shared(struct mount *m, const struct mount *parent)
{
	if (parent->group && !m->group)
		m->group = __atomic_fetch_add(&next_group_id, 1, __ATOMIC_RELAXED);
}

static int set_source(struct mount *m, const char *source)
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
	struct super_block *sb = get_sb(ctx, fstype, data);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	vfs_lock();
	struct mount *m = p->mnt->sb == sb && p->mnt->root == p->dentry
				  ? ERR_PTR(-EBUSY)
				  : mount_graft(p, sb, sb->root, mf);
	int ret = IS_ERR(m) ? PTR_ERR(m) : 0;
	if (!ret) {
		inherit_shared(m, p->mnt);
		ret = set_source(m, source && *source ? source : "none");
	}
	vfs_unlock();
	return ret;
}

/* Under vfs_lock: a copy of old's mount at root (a dentry of it) on mp. */
static struct mount *clone_mount(const struct path *mp, struct mount *old, struct dentry *root)
{
	__atomic_fetch_add(&old->sb->refs, 1, __ATOMIC_RELAXED);
	struct mount *m = mount_graft(mp, old->sb, root, old->flags);
	if (IS_ERR(m))
		return m;
	/* A bind of a shared mount is its peer (Linux's clone_mnt). */
	m->group = old->group;
	m->master = old->master;
	if (old->source && set_source(m, old->source)) {
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
	if (!ret)
		inherit_shared(m, p->mnt);
	if (!ret && rec && (ret = clone_submounts(old.mnt, old.dentry, m, m, 0)))
		mount_detach_tree(m);
	vfs_unlock();
	path_put(&old);
	return ret;
}

/* Under vfs_lock: does another mount of m's tree share m's peer group? */
static bool has_peers(struct mount *m, struct mount *under, int depth)
{
	struct mount *c;
	if (under != m && under->group == m->group)
		return true;
	if (depth > MAX_DEPTH)
		return false;
	list_for_each_entry(c, &under->children, sibling)
	{
		if (has_peers(m, c, depth + 1))
			return true;
	}
	return false;
}

/* Linux's change_mnt_propagation, on one mount. */
static void change_propagation(struct mount *m, u64 type)
{
	switch (type) {
	case MS_SHARED:
		if (!m->group)
			m->group = __atomic_fetch_add(&next_group_id, 1, __ATOMIC_RELAXED);
		m->unbindable = false;
		break;
	case MS_SLAVE:
		/* A shared mount with peers receives from them; alone, it keeps its master. */
		if (m->group && has_peers(m, tree_top(m), 0))
			m->master = m->group;
		m->group = 0;
		m->unbindable = false;
		break;
	default: /* MS_PRIVATE, MS_UNBINDABLE */
		m->group = m->master = 0;
		m->unbindable = type == MS_UNBINDABLE;
	}
}

static void change_tree(struct mount *m, u64 type, bool rec, int depth)
{
	struct mount *c;
	change_propagation(m, type);
	if (!rec || depth > MAX_DEPTH)
		return;
	list_for_each_entry(c, &m->children, sibling) change_tree(c, type, rec, depth + 1);
}

static int do_change_type(const struct path *p, u64 flags)
{
	u64 type = flags & ~(MS_REC | MS_SILENT);
	if (p->dentry != p->mnt->root || (type & (type - 1)))
		return -EINVAL;
	vfs_lock();
	change_tree(p->mnt, type, flags & MS_REC, 0);
	vfs_unlock();
	return 0;
}

/* MS_REMOUNT: new flags for the mount at p (it must be a mount's root). */
static int do_remount(const struct path *p, unsigned mf, bool bind, const char *data)
{
	char opts[96];
	u32 uid, gid;
	if (p->dentry != p->mnt->root)
		return -EINVAL;
	/* The file system's own options must still parse. */
	if (!bind && !strcmp(p->mnt->sb->fstype, "tmpfs") &&
	    tmpfs_options(data, opts, sizeof(opts), &uid, &gid))
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
		ret = -EINVAL;
	else if (p->dentry->unlinked)
		ret = -ENOENT;
	for (struct mount *q = p->mnt; !ret && q; q = q->parent)
		if (q == m)
			ret = -ELOOP;
	if (!ret) {
		struct mount *parent = m->parent;
		list_del(&m->sibling);
		m->mountpoint->mounts--;
		dput(m->mountpoint);
		m->parent = mnt_get(p->mnt);
		m->mountpoint = dget(p->dentry);
		p->dentry->mounts++;
		list_add_tail(&m->sibling, &p->mnt->children);
		mnt_put(parent);
	}
	vfs_unlock();
	path_put(&old);
	return ret;
}

static int path_mount(const struct vfs_ctx *ctx, const char *source, const struct path *p,
		      const char *fstype, u64 flags, const char *data)
{
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if (flags & MS_NOUSER)
		return -EINVAL;
	if (!cred_capable(ctx->cred, CAP_SYS_ADMIN))
		return -EPERM;
	unsigned mf = ms_to_mnt(flags);
	/* A remount keeps the atime behaviour unless told otherwise. */
	if ((flags & MS_REMOUNT) && !(flags & MS_ATIME))
		mf = (mf & ~MNT_ATIME_MASK) | (mnt_flags(p->mnt) & MNT_ATIME_MASK);
	if (flags & MS_REMOUNT)
		return do_remount(p, mf, flags & MS_BIND, data);
	if (flags & MS_BIND)
		return do_bind(ctx, p, source, flags & MS_REC);
	if (flags & MS_PROPAGATION)
		return do_change_type(p, flags);
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
	if (!(flags & UMOUNT_DETACH) && mount_is_busy(m, 1))
		return -EBUSY;
	mount_detach_tree(m);
	return 0;
}

int vfs_umount(const struct vfs_ctx *ctx, const char *target, int flags)
{
	struct path p;
	if (flags & ~(UMOUNT_FORCE | UMOUNT_DETACH | UMOUNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	int ret = vfs_lookup(ctx, target, flags & UMOUNT_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (ret)
		return ret;
	if (!cred_capable(ctx->cred, CAP_SYS_ADMIN))
		ret = -EPERM;
	else if (p.dentry != p.mnt->root)
		ret = -EINVAL;
	if (!ret) {
		vfs_lock();
		ret = do_umount(ctx, p.mnt, flags);
		vfs_unlock();
	}
	path_put(&p);
	return ret;
}
