// SPDX-License-Identifier: Apache-2.0
/*
 * Mount propagation (Linux's fs/pnode.c, Documentation/filesystems/
 * sharedsubtree.rst): a mount or umount under a shared mount happens at
 * every peer of it and at every slave of its group, down through slaves
 * of slaves, in this namespace and in the others; MS_SHARED, MS_SLAVE,
 * MS_PRIVATE and MS_UNBINDABLE change who sends and who receives.
 *
 * Groups are ids, not lists: m->group is the peer group m is in while
 * shared ("shared:N"), m->master the group it receives from while a slave
 * ("master:N"); the peers of a group all have one master, as Linux keeps
 * them. The peers and slaves of a group are found by walking the trees of
 * every live namespace (mnt_ns.c's list), which happens only under a
 * shared mount. A group whose last member leaves hands its slaves to its
 * own master, as Linux's do_make_slave.
 *
 * A copy goes under what a receiver had mounted at that place, and an
 * umount that takes a copy away puts such a mount back in its place
 * (Linux's mnt_change_mountpoint and find_topper).
 *
 * What differs: group ids are never reused (Linux's are, once free).
 * Each event and each shared mount leaving its group walks every tree,
 * so tearing down a namespace of n shared mounts costs n^2 steps.
 */
#include <errno.h>
#include <stdlib.h>

#include "namespace_internal.h"

/* Peer group ids: never reused, as Linux's mnt_group_ida is not while a group lives. */
static u64 next_group_id = 1;

static u64 new_group_id(void)
{
	return __atomic_fetch_add(&next_group_id, 1, __ATOMIC_RELAXED);
}

/* Under vfs_lock: the mount after m in a pre-order walk of top's tree (no recursion: trees may be deep). */
static struct mount *walk_next(struct mount *m, const struct mount *top)
{
	if (!list_empty(&m->children))
		return list_entry(m->children.next, struct mount, sibling);
	for (; m != top && m->parent; m = m->parent)
		if (m->sibling.next != &m->parent->children)
			return list_entry(m->sibling.next, struct mount, sibling);
	return NULL;
}

/* Under vfs_lock: is m in the tree under top? */
static bool in_tree(const struct mount *m, const struct mount *top)
{
	for (; m; m = m->parent)
		if (m == top)
			return true;
	return false;
}

/*
 * Every mount of every live namespace's tree, origin's tree first (a
 * tree the unit tests make may be in none). Nobody may graft or take a
 * mount out while one walks: callers collect first, then change.
 */
struct mount_iter {
	struct mount *first;
	struct mnt_namespace *ns; /* whose tree is walked; NULL while first's */
	struct mount *top, *m;
};

static void iter_start(struct mount_iter *it, struct mount *origin)
{
	it->first = it->top = tree_top(origin);
	it->ns = NULL;
	it->m = NULL;
}

static struct mount *iter_next(struct mount_iter *it)
{
	it->m = it->m ? walk_next(it->m, it->top) : it->top;
	while (!it->m) {
		struct list_head *next = it->ns ? it->ns->link.next : mnt_ns_list.next;
		if (next == &mnt_ns_list)
			return NULL;
		it->ns = list_entry(next, struct mnt_namespace, link);
		if (it->ns->root != it->first)
			it->top = it->m = it->ns->root;
	}
	return it->m;
}

struct mount_vec {
	struct mount **v;
	size_t n, cap;
};

static int vec_push(struct mount_vec *vec, struct mount *m)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 16;
		struct mount **v = realloc(vec->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = m;
	return 0;
}

static bool vec_has(const struct mount_vec *vec, const struct mount *m)
{
	for (size_t i = 0; i < vec->n; i++)
		if (vec->v[i] == m)
			return true;
	return false;
}

struct id_set {
	u64 *v;
	size_t n, cap;
};

static int id_push(struct id_set *set, u64 id)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 16;
		u64 *v = realloc(set->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = id;
	return 0;
}

static bool id_has(const struct id_set *set, u64 id)
{
	for (size_t i = 0; id && i < set->n; i++)
		if (set->v[i] == id)
			return true;
	return false;
}

enum { BY_GROUP, BY_MASTER };

/* Under vfs_lock: add the mounts whose group (or master) is id to out. */
static int collect(struct mount *origin, int by, u64 id, struct mount_vec *out)
{
	struct mount_iter it;
	struct mount *m;
	iter_start(&it, origin);
	while ((m = iter_next(&it))) {
		if ((by == BY_GROUP ? m->group : m->master) != id)
			continue;
		int ret = vec_push(out, m);
		if (ret)
			return ret;
	}
	return 0;
}

/* Under vfs_lock: has a mount other than m group id? */
static bool group_has_other(struct mount *m, u64 id)
{
	struct mount_iter it;
	struct mount *o;
	iter_start(&it, m);
	while ((o = iter_next(&it)))
		if (o != m && o->group == id)
			return true;
	return false;
}

/* Under vfs_lock: m leaves its peer group; the last to leave hands the group's slaves to its master. */
static void leave_group(struct mount *m)
{
	struct mount_iter it;
	struct mount *o;
	u64 g = m->group;
	if (!g)
		return;
	m->group = 0;
	if (group_has_other(m, g))
		return;
	iter_start(&it, m);
	while ((o = iter_next(&it)))
		if (o->master == g)
			o->master = m->master;
}

void mount_leave_propagation(struct mount *m)
{
	leave_group(m);
	m->master = 0;
}

/* Linux's change_mnt_propagation, on one mount. */
static void change_propagation(struct mount *m, u64 type)
{
	switch (type) {
	case MS_SHARED:
		if (!m->group)
			m->group = new_group_id();
		m->unbindable = false;
		break;
	case MS_SLAVE: {
		/* A shared mount with peers receives from them; alone, it keeps its master. */
		u64 g = m->group;
		bool peers = g && group_has_other(m, g);
		leave_group(m);
		if (peers)
			m->master = g;
		m->unbindable = false;
		break;
	}
	default: /* MS_PRIVATE, MS_UNBINDABLE */
		mount_leave_propagation(m);
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

/* A propagation of a tree just attached (Linux's propagate_mnt). */
struct prop {
	struct mount *src;  /* the tree attached on (dest, mp) */
	struct mount *dest; /* shared */
	struct dentry *mp;
	size_t n;		 /* mounts in src's tree */
	u64 first_new;		 /* mounts from this id on are copies made here */
	struct mount_vec copies; /* the copies' tops */
	struct mount_vec under;	 /* for each, what was mounted where it went, or NULL */
	struct id_set seen;	 /* groups handled */
};

/*
 * Under vfs_lock: a copy of s's tree on mp; each mount's group and
 * master come from ids and masters (NULL: none), indexed in s's
 * pre-order from *i on.
 */
static struct mount *copy_tree(const struct path *mp, struct mount *s, const u64 *ids,
			       const u64 *masters, size_t *i, int depth)
{
	struct mount *c;
	if (depth > MAX_DEPTH)
		return ERR_PTR(-ELOOP);
	struct mount *m = mount_graft(mp, sb_get(s->sb), s->root, s->flags);
	if (IS_ERR(m)) {
		sb_put(s->sb); /* s's own reference keeps it */
		return m;
	}
	m->group = ids ? ids[*i] : 0;
	m->master = masters ? masters[*i] : 0;
	(*i)++;
	int ret = s->source ? mount_set_source(m, s->source) : 0;
	list_for_each_entry(c, &s->children, sibling)
	{
		if (ret)
			break;
		struct path cmp = {m, c->mountpoint};
		struct mount *cc = copy_tree(&cmp, c, ids, masters, i, depth + 1);
		if (IS_ERR(cc))
			ret = PTR_ERR(cc);
	}
	if (ret) {
		mount_detach_tree(m);
		return ERR_PTR(ret);
	}
	return m;
}

/* Under vfs_lock: copy the source onto r where the source is on dest, if r sees that place. 1: copied. */
static int copy_to(struct prop *pr, struct mount *r, const u64 *ids, const u64 *masters)
{
	if (r == pr->dest || r->id >= pr->first_new || in_tree(r, pr->src) ||
	    !d_is_ancestor(r->root, pr->mp))
		return 0;
	struct path mp = {r, pr->mp};
	struct mount *under = mount_lookup(r, pr->mp);
	size_t i = 0;
	struct mount *c = copy_tree(&mp, pr->src, ids, masters, &i, 0);
	if (IS_ERR(c))
		return PTR_ERR(c);
	int ret = vec_push(&pr->copies, c);
	if (!ret && (ret = vec_push(&pr->under, under)))
		pr->copies.n--;
	if (ret) {
		mount_detach_tree(c);
		return ret;
	}
	return 1;
}

static u64 *new_ids(size_t n)
{
	u64 *ids = malloc(n * sizeof(*ids));
	for (size_t i = 0; ids && i < n; i++)
		ids[i] = new_group_id();
	return ids;
}

/*
 * Under vfs_lock: copy the source to the members of group g (peers of
 * the copies with groups ids, slaves of masters) and on to the slaves of
 * g: a slave that is shared in a group of its own gets copies in new
 * groups, slaves of g's copies (Linux's CL_SLAVE | CL_MAKE_SHARED).
 */
static int propagate_group(struct prop *pr, u64 g, const u64 *ids, const u64 *masters, int depth)
{
	struct mount_vec peers = {0}, slaves = {0};
	bool copied = depth == 0; /* the source itself is in the first group */
	int ret = depth > MAX_DEPTH ? -ELOOP : id_push(&pr->seen, g);
	if (!ret)
		ret = collect(pr->dest, BY_GROUP, g, &peers);
	if (!ret)
		ret = collect(pr->dest, BY_MASTER, g, &slaves);
	for (size_t i = 0; ret >= 0 && i < peers.n; i++) {
		ret = copy_to(pr, peers.v[i], ids, masters);
		copied |= ret > 0;
	}
	/* The slaves of a group that got no copy receive from the copies above it. */
	const u64 *above = copied ? ids : masters;
	for (size_t i = 0; ret >= 0 && i < slaves.n; i++) {
		struct mount *s = slaves.v[i];
		if (!s->group) {
			ret = copy_to(pr, s, NULL, above);
		} else if (!id_has(&pr->seen, s->group)) {
			u64 *sub = new_ids(pr->n);
			ret = sub ? propagate_group(pr, s->group, sub, above, depth + 1) : -ENOMEM;
			free(sub);
		}
	}
	free(peers.v);
	free(slaves.v);
	return ret < 0 ? ret : 0;
}

/*
 * Under vfs_lock: each copy goes under what was mounted where it went,
 * which moves onto the copy's top (Linux's mnt_change_mountpoint in
 * attach_recursive_mnt), so that a receiver still sees its own mount.
 */
static void tuck_copies(struct prop *pr)
{
	for (size_t i = 0; i < pr->copies.n; i++) {
		struct mount *top = pr->copies.v[i], *c;
		if (!pr->under.v[i])
			continue;
		while ((c = mount_lookup(top, top->root)))
			top = c;
		struct path to = {top, top->root};
		mount_move(pr->under.v[i], &to);
	}
}

int mount_propagate(struct mount *src)
{
	struct mount *dest = src->parent, *m;
	if (!dest || !dest->group)
		return 0;
	struct prop pr = {.src = src, .dest = dest, .mp = src->mountpoint};
	pr.first_new = mount_next_id();
	for (m = src; m; m = walk_next(m, src))
		pr.n++;
	u64 *ids = calloc(pr.n, sizeof(*ids)), *masters = calloc(pr.n, sizeof(*masters));
	u64 *orig = calloc(pr.n, sizeof(*orig));
	int ret = ids && masters && orig ? 0 : -ENOMEM;
	/* Every mount of the source becomes shared (Linux's invent_group_ids). */
	size_t i = 0;
	for (m = src; !ret && m; m = walk_next(m, src), i++) {
		orig[i] = m->group;
		if (!m->group)
			m->group = new_group_id();
		ids[i] = m->group;
		masters[i] = m->master;
	}
	if (!ret)
		ret = propagate_group(&pr, dest->group, ids, masters, 0);
	if (ret) {
		while (pr.copies.n)
			mount_detach_tree(pr.copies.v[--pr.copies.n]);
		i = 0;
		for (m = src; ids && masters && orig && m; m = walk_next(m, src))
			m->group = orig[i++];
	} else {
		tuck_copies(&pr);
	}
	free(ids);
	free(masters);
	free(orig);
	free(pr.copies.v);
	free(pr.under.v);
	free(pr.seen.v);
	return ret;
}

bool mount_tree_has_unbindable(struct mount *top)
{
	for (struct mount *m = top; m; m = walk_next(m, top))
		if (m->unbindable)
			return true;
	return false;
}

/* Under vfs_lock: the groups that receive what happens in group g: g, its slaves' groups, theirs... */
static int receiving_groups(struct mount *origin, u64 g, struct id_set *set)
{
	int ret = id_push(set, g);
	for (size_t i = 0; !ret && i < set->n && i <= MAX_DEPTH * MAX_DEPTH; i++) {
		struct mount_iter it;
		struct mount *m;
		iter_start(&it, origin);
		while (!ret && (m = iter_next(&it)))
			if (m->group && m->master == set->v[i] && !id_has(set, m->group))
				ret = id_push(set, m->group);
	}
	return ret;
}

/*
 * Under vfs_lock: add to out what the peers and slaves of x's parent
 * have mounted where x is, outside top's tree (Linux's
 * __propagate_umount).
 */
static int umount_candidates(struct mount *x, struct mount *top, struct mount_vec *out)
{
	struct mount *p = x->parent, *r;
	struct id_set set = {0};
	struct mount_iter it;
	int ret = receiving_groups(p, p->group, &set);
	iter_start(&it, p);
	while (!ret && (r = iter_next(&it))) {
		if (r == p || !(id_has(&set, r->group) || id_has(&set, r->master)))
			continue;
		struct mount *c = mount_lookup(r, x->mountpoint);
		if (c && !in_tree(c, top) && !vec_has(out, c))
			ret = vec_push(out, c);
	}
	free(set.v);
	return ret;
}

/* Under vfs_lock: the one mount on c, if it covers c's root (Linux's find_topper), else NULL. */
static struct mount *topper(struct mount *c)
{
	if (list_empty(&c->children) || c->children.next != c->children.prev)
		return NULL;
	struct mount *t = list_entry(c->children.next, struct mount, sibling);
	return t->mountpoint == c->root ? t : NULL;
}

/* Under vfs_lock: does a mount in m's tree sit on a shared mount? */
static bool tree_under_shared(struct mount *m)
{
	for (struct mount *x = m; x; x = walk_next(x, m))
		if (x->parent && x->parent->group)
			return true;
	return false;
}

int mount_umount(struct mount *m, bool detach)
{
	struct mount_vec tree = {0}, cand = {0};
	if (!detach && mount_is_busy(m, 1))
		return -EBUSY;
	int ret = 0;
	bool propagates = tree_under_shared(m);
	for (struct mount *x = m; !ret && propagates && x; x = walk_next(x, m))
		ret = vec_push(&tree, x);
	/* Children first, so that a copy whose mounts were copies too has none left when its turn comes. */
	for (size_t i = tree.n; !ret && i-- > 0;)
		if (tree.v[i]->parent->group)
			ret = umount_candidates(tree.v[i], m, &cand);
	/* Linux's propagate_mount_busy: a copy that would go must not be in use. */
	for (size_t i = 0; !ret && !detach && i < cand.n; i++) {
		struct mount *c = cand.v[i], *t = topper(c);
		/* The tree's reference, and the topper's on its parent. */
		int refs = 1 + (t ? 1 : 0);
		if ((list_empty(&c->children) || t) &&
		    __atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) > refs)
			ret = -EBUSY;
	}
	/* A copy goes if nothing is on it but one mount over its root, which takes its place. */
	for (size_t i = 0; !ret && i < cand.n; i++) {
		struct mount *c = cand.v[i], *t = topper(c);
		if (t && !in_tree(t, m)) {
			struct path to = {c->parent, c->mountpoint};
			mount_move(t, &to);
		}
		if (list_empty(&c->children))
			mount_detach_tree(c);
	}
	if (!ret)
		mount_detach_tree(m);
	free(tree.v);
	free(cand.v);
	return ret;
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

/*
 * Linux's get_dominating_id: the first group up m's chain of masters
 * with a member in the tree of root that root can reach.
 */
u64 mount_propagate_from(struct mount *m, const struct path *root)
{
	struct mount *top = tree_top(root->mnt);
	u64 g = m->master;
	for (int depth = 0; g && depth <= MAX_DEPTH; depth++) {
		struct mount_iter it;
		struct mount *o;
		u64 up = 0;
		iter_start(&it, m);
		while ((o = iter_next(&it))) {
			if (o->group != g)
				continue;
			if (tree_top(o) == top && path_reachable(o, o->root, root))
				return g;
			up = o->master;
		}
		g = up;
	}
	return 0;
}
