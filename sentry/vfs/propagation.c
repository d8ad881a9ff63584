// SPDX-License-Identifier: Apache-2.0
/*
 * Propagation types of mounts (Linux's fs/pnode.c, the part we have):
 * shared (a peer group id, "shared:N" in mountinfo), slave (the group it
 * receives from, "master:N"), private and unbindable. They are recorded,
 * shown and copied with a namespace, but no mount event propagates yet
 * (namespace.c's header).
 */
#include "namespace_internal.h"

/* Peer group ids: never reused, as Linux's mnt_group_ida is not while a group lives. */
static u64 next_group_id = 1;

void mount_inherit_shared(struct mount *m, const struct mount *parent)
{
	if (parent->group && !m->group)
		m->group = __atomic_fetch_add(&next_group_id, 1, __ATOMIC_RELAXED);
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

int mount_change_type(const struct path *p, u64 flags)
{
	u64 type = flags & ~(MS_REC | MS_SILENT);
	if (p->dentry != p->mnt->root || (type & (type - 1)))
		return -EINVAL;
	vfs_lock();
	change_tree(p->mnt, type, flags & MS_REC, 0);
	vfs_unlock();
	return 0;
}
