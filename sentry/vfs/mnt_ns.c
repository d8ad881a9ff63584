// SPDX-License-Identifier: Apache-2.0
/*
 * Mount namespace objects (sentry/kernel/nsproxy.h): the initial one, a
 * copy of a tree for unshare/clone(CLONE_NEWNS) (Linux's copy_mnt_ns),
 * setns into one (mntns_install), and the last put, which takes the tree
 * out as a lazy umount. pivot_root is pivot_root.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include "namespace_internal.h"

struct list_head mnt_ns_list = LIST_HEAD_INIT(mnt_ns_list);

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
	mount_remember_shared_sbs(ns->root);
	list_add_tail(&ns->link, &mnt_ns_list);
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
	mount_leave_propagation(top);
	__atomic_store_n(&top->unmounted, true, __ATOMIC_RELEASE);
	mnt_put(top);
}

void mnt_ns_put(struct mnt_namespace *ns)
{
	if (!ns || __atomic_sub_fetch(&ns->ns.refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	vfs_lock();
	list_del(&ns->link); /* nothing propagates to a tree on its way out */
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
	return old->source ? mount_set_source(copy, old->source) : 0;
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
		struct mount *m = mount_graft(&mp, sb_get(c->sb), c->root, c->flags);
		if (IS_ERR(m)) {
			sb_put(c->sb); /* c's own reference keeps it */
			return PTR_ERR(m);
		}
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
	struct mount *m = mount_create_root(sb_get(top->sb));
	if (!m) {
		sb_put(top->sb);
		return NULL;
	}
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
	if (!ret)
		list_add_tail(&ns->link, &mnt_ns_list);
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
	vfs_lock();
	struct path p = {mnt_get(ns->root), dget(ns->root->root)};
	/* The root is what is mounted on top of the tree's root (Linux follows mounts down). */
	mount_follow_down(&p);
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
