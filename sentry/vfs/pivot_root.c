// SPDX-License-Identifier: Apache-2.0
/*
 * pivot_root(2) (Linux's fs/namespace.c): the mount of the caller's root
 * moves onto put_old and new_root's mount takes its place. The top of a
 * namespace's tree is the root the processes see (Linux has rootfs under
 * it), so a root that is the top is accepted, and the new root becomes
 * the top. Moving every task's root and cwd is the caller's
 * (nsproxy_chroot_fs_refs).
 */
#include <errno.h>

#include "namespace_internal.h"

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
	if (!cred_capable(ctx->cred, LINUX_CAP_SYS_ADMIN))
		return -EPERM;
	int ret = vfs_lookup(ctx, new_root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nr);
	if (ret)
		return ret;
	ret = vfs_lookup(ctx, put_old, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &old);
	if (ret) {
		path_put(&nr);
		return ret;
	}
	mount_follow_down(&old); /* Linux's lock_mount: put_old is the top mount there */
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
