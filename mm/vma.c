// SPDX-License-Identifier: Apache-2.0
/*
 * The VMA set: an AVL tree keyed by start, threaded with an address-order
 * list. VMAs never overlap, so ordering by start also orders by end, and
 * "the first VMA ending above addr" is one descent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"
#include "shmem.h"
#include "vma.h"

static void file_get(struct mm_file *f)
{
	if (f)
		f->ops->get(f);
}

static void file_put(struct mm_file *f)
{
	if (f)
		f->ops->put(f);
}

void vma_set_init(struct vma_set *s)
{
	memset(s, 0, sizeof(*s));
}

void vma_set_destroy(struct vma_set *s)
{
	struct mm *owner = s->owner;
	for (struct vma *v = s->head, *next; v; v = next) {
		next = v->next;
		shmem_unlink(v->shm, owner, vma_is_shared(v));
		file_put(v->file);
		free(v);
	}
	memset(s, 0, sizeof(*s));
	s->owner = owner;
}

struct vma *vma_first_after(struct vma_set *s, u64 addr)
{
	struct vma *best = NULL;
	for (struct vma *n = s->root; n;) {
		if (n->end > addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vma *vma_find(struct vma_set *s, u64 addr)
{
	struct vma *v = vma_first_after(s, addr);
	return v && v->start <= addr ? v : NULL;
}

bool vma_range_free(struct vma_set *s, u64 start, u64 end)
{
	struct vma *v = vma_first_after(s, start);
	return !v || v->start >= end;
}

/* ---- AVL tree by start ---- */

static int height(const struct vma *n)
{
	return n ? n->height : 0;
}

static void fix_height(struct vma *n)
{
	n->height = 1 + MAX(height(n->left), height(n->right));
}

static struct vma *rotate_right(struct vma *n)
{
	struct vma *l = n->left;
	n->left = l->right;
	l->right = n;
	fix_height(n);
	fix_height(l);
	return l;
}

static struct vma *rotate_left(struct vma *n)
{
	struct vma *r = n->right;
	n->right = r->left;
	r->left = n;
	fix_height(n);
	fix_height(r);
	return r;
}

static struct vma *rebalance(struct vma *n)
{
	fix_height(n);
	int bal = height(n->left) - height(n->right);
	if (bal > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bal < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vma *tree_insert(struct vma *root, struct vma *node)
{
	if (!root)
		return node;
	if (node->start < root->start)
		root->left = tree_insert(root->left, node);
	else
		root->right = tree_insert(root->right, node);
	return rebalance(root);
}

/* Unlink the leftmost node of root into *min. */
static struct vma *tree_take_min(struct vma *root, struct vma **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = tree_take_min(root->left, min);
	return rebalance(root);
}

static struct vma *tree_delete(struct vma *root, const struct vma *node)
{
	if (!root)
		return NULL;
	if (node->start < root->start) {
		root->left = tree_delete(root->left, node);
	} else if (node->start > root->start) {
		root->right = tree_delete(root->right, node);
	} else {
		if (!root->left || !root->right)
			return root->left ? root->left : root->right;
		struct vma *min;
		struct vma *right = tree_take_min(root->right, &min);
		min->left = root->left;
		min->right = right;
		root = min;
	}
	return rebalance(root);
}

/* ---- set operations ---- */

/* An unlinked copy of v, holding its own reference to v's object. */
static struct vma *vma_new(const struct vma_set *s, const struct vma *v)
{
	struct vma *node = malloc(sizeof(*node));
	if (!node)
		return NULL;
	*node = (struct vma){.start = v->start,
			     .end = v->end,
			     .prot = v->prot,
			     .flags = v->flags,
			     .shm = v->shm,
			     .file = v->file,
			     .off = v->off,
			     .height = 1};
	if (shmem_link(node->shm, s->owner, vma_is_shared(node))) {
		free(node);
		return NULL;
	}
	file_get(node->file);
	return node;
}

/*
 * Link a copy of v after prev (NULL: first). Linux's vm.max_map_count caps
 * a process at 65530 mappings (ENOMEM), which also bounds the Sentry memory
 * a guest can make us spend on them.
 */
static struct vma *vma_add(struct vma_set *s, const struct vma *v, struct vma *prev)
{
	if (s->n >= VMA_MAX_COUNT)
		return ERR_PTR(-ENOMEM);
	struct vma *node = vma_new(s, v);
	if (!node)
		return ERR_PTR(-ENOMEM);
	node->prev = prev;
	node->next = prev ? prev->next : s->head;
	if (node->next)
		node->next->prev = node;
	else
		s->tail = node;
	if (prev)
		prev->next = node;
	else
		s->head = node;
	s->root = tree_insert(s->root, node);
	s->n++;
	return node;
}

static void vma_del(struct vma_set *s, struct vma *v)
{
	s->root = tree_delete(s->root, v);
	if (v->prev)
		v->prev->next = v->next;
	else
		s->head = v->next;
	if (v->next)
		v->next->prev = v->prev;
	else
		s->tail = v->prev;
	s->n--;
	shmem_unlink(v->shm, s->owner, vma_is_shared(v));
	file_put(v->file);
	free(v);
}

/* The same file: one object, or two an owner says are the same (mm_file.id). */
static bool same_file(const struct mm_file *a, const struct mm_file *b)
{
	return a == b || (a && b && a->id && a->id == b->id);
}

/* Adjacent, alike, and for an object the same one without a jump in offset. */
static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
	       a->shm == b->shm && same_file(a->file, b->file) &&
	       (!vma_has_object(a) || b->off == vma_off(a, a->end));
}

int vma_insert(struct vma_set *s, struct vma v)
{
	struct vma *next = vma_first_after(s, v.start);
	if (next && next->start < v.end)
		return -EEXIST;
	struct vma *prev = next ? next->prev : s->tail;
	if (prev && vma_mergeable(prev, &v)) {
		prev->end = v.end;
		if (next && vma_mergeable(prev, next)) {
			prev->end = next->end;
			vma_del(s, next);
		}
		return 0;
	}
	if (next && vma_mergeable(&v, next)) {
		next->start = v.start; /* still after prev: the order holds */
		next->off = v.off;
		return 0;
	}
	struct vma *node = vma_add(s, &v, prev);
	return IS_ERR(node) ? PTR_ERR(node) : 0;
}

/* Split v at addr (strictly inside): v keeps [start, addr). */
static int vma_split_at(struct vma_set *s, struct vma *v, u64 addr)
{
	struct vma upper = *v;
	upper.start = addr;
	upper.off = vma_has_object(v) ? vma_off(v, addr) : 0;
	struct vma *node = vma_add(s, &upper, v);
	if (IS_ERR(node))
		return PTR_ERR(node);
	v->end = addr;
	return 0;
}

int vma_remove(struct vma_set *s, u64 start, u64 end)
{
	struct vma *v = vma_first_after(s, start);
	/* A VMA that covers both edges splits in two. */
	if (v && v->start < start && v->end > end) {
		int ret = vma_split_at(s, v, end);
		if (!ret)
			v->end = start;
		return ret;
	}
	while (v && v->start < end) {
		struct vma *next = v->next;
		if (v->start < start) {
			v->end = start;
		} else if (v->end > end) {
			v->off = vma_has_object(v) ? vma_off(v, end) : 0;
			v->start = end;
		} else {
			vma_del(s, v);
		}
		v = next;
	}
	return 0;
}

int vma_split(struct vma_set *s, u64 addr)
{
	struct vma *v = vma_first_after(s, addr);
	if (!v || v->start >= addr)
		return 0;
	return vma_split_at(s, v, addr);
}

void vma_merge_range(struct vma_set *s, u64 start, u64 end)
{
	struct vma *v = vma_first_after(s, start);
	if (!v)
		v = s->tail;
	else if (v->prev)
		v = v->prev;
	while (v && v->next && v->start <= end) {
		if (vma_mergeable(v, v->next))
			v->end = v->next->end, vma_del(s, v->next);
		else
			v = v->next;
	}
}

bool vma_range_free_gap(struct vma_set *s, u64 start, u64 end, u64 guard)
{
	struct vma *v = vma_first_after(s, start);
	return !v || vma_start_gap(v, guard) >= end;
}

u64 vma_find_gap_down(struct vma_set *s, u64 len, u64 bottom, u64 top, u64 guard)
{
	/* Gaps lie between a VMA's end and the next one's start gap, walked downwards. */
	struct vma *next = vma_first_after(s, top);
	struct vma *prev = next ? next->prev : s->tail;
	for (;;) {
		u64 hi = next ? MIN(top, vma_start_gap(next, guard)) : top;
		u64 lo = prev ? MAX(prev->end, bottom) : bottom;
		if (hi >= lo && hi - lo >= len)
			return hi - len;
		if (!prev || hi <= bottom)
			return 0;
		next = prev;
		prev = prev->prev;
	}
}

/* A balanced tree of the n list nodes from *cur on, which it moves past them. */
static struct vma *tree_build(struct vma **cur, size_t n)
{
	if (!n)
		return NULL;
	struct vma *left = tree_build(cur, n / 2);
	struct vma *root = *cur;
	*cur = root->next;
	root->left = left;
	root->right = tree_build(cur, n - n / 2 - 1);
	fix_height(root);
	return root;
}

int vma_set_copy(struct vma_set *dst, const struct vma_set *src,
		 bool (*keep)(void *arg, struct vma *v), void *arg)
{
	/* Appending in address order and building the tree once avoids n rebalancing inserts. */
	for (const struct vma *v = src->head; v; v = v->next) {
		struct vma copy = *v;
		if (!keep(arg, &copy))
			continue;
		struct vma *node = vma_new(dst, &copy);
		if (!node) {
			vma_set_destroy(dst);
			return -ENOMEM;
		}
		node->prev = dst->tail;
		if (dst->tail)
			dst->tail->next = node;
		else
			dst->head = node;
		dst->tail = node;
		dst->n++;
	}
	struct vma *cur = dst->head;
	dst->root = tree_build(&cur, dst->n);
	return 0;
}

/* In-order walk for vma_set_check: the first rule n breaks, or NULL. */
static const char *check_walk(const struct vma_set *s, const struct vma *n, const struct vma **prev,
			      size_t *count)
{
	if (!n)
		return NULL;
	const char *bad = check_walk(s, n->left, prev, count);
	if (bad)
		return bad;
	if (n->start >= n->end || !IS_ALIGNED(n->start, PAGE_SIZE) ||
	    !IS_ALIGNED(n->end, PAGE_SIZE))
		return "a VMA that is empty, reversed or unaligned";
	if (*prev && (*prev)->end > n->start)
		return "overlapping VMAs";
	if ((*prev ? (*prev)->next : s->head) != n || n->prev != *prev)
		return "the list and the tree disagree";
	*prev = n;
	(*count)++;
	return check_walk(s, n->right, prev, count);
}

const char *vma_set_check(const struct vma_set *s)
{
	const struct vma *last = NULL;
	size_t count = 0;
	const char *bad = check_walk(s, s->root, &last, &count);
	if (bad)
		return bad;
	if (count != s->n || last != s->tail)
		return "the count or the list's end is wrong";
	return NULL;
}
