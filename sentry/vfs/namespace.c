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
 * - Propagation types are recorded and shown in mountinfo, and a copied
 *   namespace keeps them (a shared mount's copy is its peer, as Linux's
 *   copy_tree within one user namespace), but no mount event propagates
 *   to peers or slaves, in this namespace or another.
 * - The top of a namespace's tree is the root the processes see (Linux
 *   has rootfs under it): pivot_root accepts a root that is the top, and
 *   the new root becomes the top.
 * - A mount's super block is never freed (see mount.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/kernel/nsproxy.h"
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

/*
 * The file systems with one instance per sandbox, and those instances as
 * the initial mount tree has them (super blocks are never freed).
 */
static const char *const shared_types[] = {"proc", "sysfs", "cgroup2", "devpts", "mqueue"};
static struct super_block *shared_sbs[ARRAY_SIZE(shared_types)];

/* Under vfs_lock: remember the instances mounted in the tree under top. */
static void remember_shared_sbs(struct mount *top)
{
	for (size_t i = 0; i < ARRAY_SIZE(shared_types); i++)
		if (!shared_sbs[i])
			shared_sbs[i] = find_sb(top, shared_types[i], 0);
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
	for (size_t i = 0; i < ARRAY_SIZE(shared_types); i++) {
		if (strcmp(fstype, shared_types[i]))
			continue;
		vfs_lock();
		struct super_block *sb = find_sb(tree_top(ctx->root.mnt), fstype, 0);
		/* A namespace that unmounted its /proc (pivot_root) still gets the one instance. */
		if (!sb)
			sb = shared_sbs[i];
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
	if (!cred_capable(ctx->cred, CAP_SYS_ADMIN))
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

/*
 * Linux's LOOKUP_MOUNTPOINT: a path ending in "." or "/" names the mount
 * stacked on it, so that umount2(".", MNT_DETACH) after pivot_root(".",
 * ".") takes the old root off the new one.
 */
static void follow_down(struct path *p)
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
	follow_down(&p);
	if (!cred_capable(ctx->cred, CAP_SYS_ADMIN))
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

/*
 * Mount namespaces (sentry/kernel/nsproxy.h): a namespace is the tree
 * under its top mount. The namespace holds the top (the tree holds the
 * rest); its last put takes the whole tree out, as a lazy umount.
 */
struct mnt_namespace {
	struct ns_common ns;
	struct mount *root; /* the top of the tree, under vfs_lock */
};

struct ns_common *mnt_ns_common(struct mnt_namespace *ns)
{
	return &ns->ns;
}

struct mnt_namespace *mnt_ns_of_common(struct ns_common *ns)
{
	return container_of(ns, struct mnt_namespace, ns);
}

static struct mnt_namespace *mnt_ns_alloc(u64 inum)
{
	struct mnt_namespace *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->ns.type = LINUX_CLONE_NEWNS;
	ns->ns.inum = inum;
	ns->ns.refs = 1;
	return ns;
}

struct mnt_namespace *mnt_ns_create_initial(struct fs_struct *fs)
{
	struct mnt_namespace *ns = mnt_ns_alloc(NS_INIT_INO_MNT);
	if (!ns)
		return NULL;
	struct path root, cwd;
	fs_struct_paths(fs, &root, &cwd);
	vfs_lock();
	ns->root = mnt_get(tree_top(root.mnt));
	remember_shared_sbs(ns->root);
	vfs_unlock();
	path_put(&root);
	path_put(&cwd);
	return ns;
}

/* Under vfs_lock: take every mount of the tree under top out, then top itself. */
static void tree_teardown(struct mount *top)
{
	while (!list_empty(&top->children))
		mount_detach_tree(list_entry(top->children.next, struct mount, sibling));
	__atomic_store_n(&top->unmounted, true, __ATOMIC_RELEASE);
	mnt_put(top);
}

void mnt_ns_put(struct mnt_namespace *ns)
{
	if (!ns || __atomic_sub_fetch(&ns->ns.refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	vfs_lock();
	tree_teardown(ns->root);
	vfs_unlock();
	free(ns);
}

/* What a copy must find again in the new tree: the root and cwd of the caller. */
struct copy_state {
	struct mount *old_root, *old_cwd;
	struct mount *new_root, *new_cwd;
};

/* Under vfs_lock: give copy old's settings; note it if it stands for the root or cwd. */
static int copy_settings(struct mount *copy, struct mount *old, struct copy_state *cs)
{
	copy->group = old->group;
	copy->master = old->master;
	copy->unbindable = old->unbindable;
	if (old == cs->old_root)
		cs->new_root = copy;
	if (old == cs->old_cwd)
		cs->new_cwd = copy;
	return old->source ? set_source(copy, old->source) : 0;
}

/* Under vfs_lock: copy the mounts under old onto copy, parents first. */
static int copy_children(struct mount *old, struct mount *copy, struct copy_state *cs, int depth)
{
	struct mount *c;
	if (depth > MAX_DEPTH)
		return -ELOOP;
	list_for_each_entry(c, &old->children, sibling)
	{
		struct path mp = {copy, c->mountpoint};
		/* A mount on a removed directory cannot be reached: it is not copied. */
		if (c->mountpoint->unlinked)
			continue;
		__atomic_fetch_add(&c->sb->refs, 1, __ATOMIC_RELAXED);
		struct mount *m = mount_graft(&mp, c->sb, c->root, c->flags);
		if (IS_ERR(m))
			return PTR_ERR(m);
		int ret = copy_settings(m, c, cs);
		if (!ret)
			ret = copy_children(c, m, cs, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* Under vfs_lock: a new top for a copy of top (sb and root dentry shared). */
static struct mount *copy_top(struct mount *top)
{
	__atomic_fetch_add(&top->sb->refs, 1, __ATOMIC_RELAXED);
	struct mount *m = mount_create_root(top->sb);
	if (!m)
		return NULL;
	/* The top may be a bind of a subtree (after pivot_root). */
	struct dentry *old_root = m->root, *old_mp = m->mountpoint;
	m->root = dget(top->root);
	m->mountpoint = dget(top->root);
	dput(old_root);
	dput(old_mp);
	m->flags = top->flags;
	return m;
}

/* Replace *p's mount by m (same dentry), if set. */
static void path_move(struct path *p, struct mount *m, struct path *old)
{
	*old = (struct path){0};
	if (!m)
		return;
	*old = *p;
	p->mnt = mnt_get(m);
	dget(p->dentry);
}

struct mnt_namespace *mnt_ns_copy(struct mnt_namespace *old, struct fs_struct *fs)
{
	struct mnt_namespace *ns = mnt_ns_alloc(ns_alloc_inum());
	if (!ns)
		return ERR_PTR(-ENOMEM);
	struct path root, cwd;
	fs_struct_paths(fs, &root, &cwd);
	struct copy_state cs = {root.mnt, cwd.mnt, NULL, NULL};
	int ret = 0;
	vfs_lock();
	ns->root = copy_top(old->root);
	if (!ns->root)
		ret = -ENOMEM;
	if (!ret && !(ret = copy_settings(ns->root, old->root, &cs)))
		ret = copy_children(old->root, ns->root, &cs, 0);
	if (ret && ns->root)
		tree_teardown(ns->root);
	vfs_unlock();
	path_put(&root);
	path_put(&cwd);
	if (ret) {
		free(ns);
		return ERR_PTR(ret);
	}
	/* The caller's root and cwd move to the copies of their mounts (Linux's copy_mnt_ns). */
	struct path old_root, old_cwd;
	pthread_mutex_lock(&fs->lock);
	path_move(&fs->root, fs->root.mnt == cs.old_root ? cs.new_root : NULL, &old_root);
	path_move(&fs->cwd, fs->cwd.mnt == cs.old_cwd ? cs.new_cwd : NULL, &old_cwd);
	pthread_mutex_unlock(&fs->lock);
	path_put(&old_root);
	path_put(&old_cwd);
	return ns;
}

int mnt_ns_enter(struct mnt_namespace *ns, struct fs_struct *fs)
{
	struct mount *c;
	vfs_lock();
	struct path p = {mnt_get(ns->root), dget(ns->root->root)};
	/* The root is what is mounted on top of the tree's root (Linux follows mounts down). */
	while ((c = mount_lookup(p.mnt, p.dentry))) {
		struct path top = {mnt_get(c), dget(c->root)};
		path_put(&p);
		p = top;
	}
	vfs_unlock();
	struct path old_root, old_cwd;
	path_get(&p);
	pthread_mutex_lock(&fs->lock);
	old_root = fs->root;
	old_cwd = fs->cwd;
	fs->root = p;
	fs->cwd = p;
	pthread_mutex_unlock(&fs->lock);
	path_put(&old_root);
	path_put(&old_cwd);
	return 0;
}

/* Under vfs_lock: is (m, d) at or under the path root? (Linux's is_path_reachable.) */
static bool path_reachable(struct mount *m, struct dentry *d, const struct path *root)
{
	while (m != root->mnt && m->parent) {
		d = m->mountpoint;
		m = m->parent;
	}
	return m == root->mnt && d_is_ancestor(root->dentry, d);
}

/* Under vfs_lock: take m off its parent, keeping the parent's and the mountpoint's references in *mp. */
static void unhook_keep(struct mount *m, struct path *mp)
{
	*mp = (struct path){m->parent, m->mountpoint};
	list_del(&m->sibling);
	list_init(&m->sibling);
	m->parent = NULL;
	m->mountpoint = dget(m->root);
}

/* Under vfs_lock: hang m (a tree's top) on mp, taking over mp's references. */
static void hook(struct mount *m, struct path *mp)
{
	dput(m->mountpoint);
	m->parent = mp->mnt;
	m->mountpoint = mp->dentry;
	list_add_tail(&m->sibling, &m->parent->children);
}

/* Under vfs_lock: Linux's pivot_root checks, in its order. */
static int pivot_check(struct mnt_namespace *ns, const struct path *root, const struct path *nr,
		       const struct path *old)
{
	struct mount *new_mnt = nr->mnt, *root_mnt = root->mnt, *old_mnt = old->mnt;
	if (old_mnt->group || (new_mnt->parent && new_mnt->parent->group) ||
	    (root_mnt->parent && root_mnt->parent->group))
		return -EINVAL;
	if (root_mnt->unmounted || new_mnt->unmounted || tree_top(root_mnt) != ns->root ||
	    tree_top(new_mnt) != ns->root)
		return -EINVAL;
	if (nr->dentry->unlinked || old->dentry->unlinked)
		return -ENOENT;
	if (new_mnt == root_mnt || old_mnt == root_mnt)
		return -EBUSY;
	if (root->dentry != root_mnt->root)
		return -EINVAL; /* not a mount point */
	if (nr->dentry != new_mnt->root || !new_mnt->parent)
		return -EINVAL; /* not a mount point, or the top */
	if (!path_reachable(old_mnt, old->dentry, nr))
		return -EINVAL; /* put_old is not under new_root */
	if (!path_reachable(new_mnt, nr->dentry, root))
		return -EINVAL; /* new_root is not under the root */
	return 0;
}

int mnt_ns_pivot_root(struct mnt_namespace *ns, const struct vfs_ctx *ctx, const char *new_root,
		      const char *put_old, struct path *old_root, struct path *new_root_out)
{
	struct path nr, old;
	*old_root = *new_root_out = (struct path){0};
	if (!cred_capable(ctx->cred, CAP_SYS_ADMIN))
		return -EPERM;
	int ret = vfs_lookup(ctx, new_root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nr);
	if (ret)
		return ret;
	ret = vfs_lookup(ctx, put_old, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &old);
	if (ret) {
		path_put(&nr);
		return ret;
	}
	follow_down(&old); /* Linux's lock_mount: put_old is the top mount there */
	vfs_lock();
	ret = pivot_check(ns, &ctx->root, &nr, &old);
	if (!ret) {
		struct mount *new_mnt = nr.mnt, *root_mnt = ctx->root.mnt;
		struct path ex_mp, root_mp = {0}, old_mp = {mnt_get(old.mnt), dget(old.dentry)};
		unhook_keep(new_mnt, &ex_mp);
		ex_mp.dentry->mounts--;
		if (root_mnt->parent)
			unhook_keep(root_mnt, &root_mp); /* its mountpoint keeps its count */
		/* The old root goes on put_old, the new one where the old one was. */
		old.dentry->mounts++;
		hook(root_mnt, &old_mp);
		if (root_mp.mnt) {
			hook(new_mnt, &root_mp);
		} else {
			ns->root = new_mnt; /* the namespace's reference moves with the top */
		}
		path_put(&ex_mp);
		path_get(&ctx->root);
		*old_root = ctx->root;
		path_get(&nr);
		*new_root_out = nr;
	}
	vfs_unlock();
	path_put(&old);
	path_put(&nr);
	return ret;
}
