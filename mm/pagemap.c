// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>

#include "pagemap.h"

/* Nodes are 512 pointers; leaves are 512 entries of (pa + 1), 0 = empty. */
#define PM_FANOUT 512
#define PM_LEVELS 4

static unsigned pm_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PM_FANOUT - 1);
}

void pagemap_init(struct pagemap *pm)
{
	pm->root = NULL;
}

static void pm_free(void **node, int level)
{
	if (!node)
		return;
	for (int i = 0; i < PM_FANOUT && level > 0; i++)
		pm_free(node[i], level - 1);
	free(node);
}

void pagemap_destroy(struct pagemap *pm)
{
	pm_free(pm->root, PM_LEVELS - 1);
	pm->root = NULL;
}

static u64 *pm_leaf(struct pagemap *pm, u64 va, bool create)
{
	void **slot = &pm->root;
	for (int level = PM_LEVELS - 1; level >= 0; level--) {
		if (!*slot) {
			if (!create)
				return NULL;
			*slot = calloc(PM_FANOUT, sizeof(void *));
			if (!*slot)
				return NULL;
		}
		if (level == 0)
			return &((u64 *)*slot)[pm_index(va, 0)];
		slot = &((void **)*slot)[pm_index(va, level)];
	}
	return NULL;
}

u64 pagemap_get(struct pagemap *pm, u64 va)
{
	u64 *e = pm_leaf(pm, va, false);
	return e ? *e : 0;
}

int pagemap_set(struct pagemap *pm, u64 va, u64 pa)
{
	u64 *e = pm_leaf(pm, va, true);
	if (!e)
		return -ENOMEM;
	*e = pa + 1;
	return 0;
}

int pagemap_prepare(struct pagemap *pm, u64 start, u64 end)
{
	const u64 leaf_span = (u64)PM_FANOUT << PAGE_SHIFT;
	for (u64 va = start; va < end && va >= start; va = ALIGN_DOWN(va, leaf_span) + leaf_span)
		if (!pm_leaf(pm, va, true))
			return -ENOMEM;
	return 0;
}

/* Visit [start, end) under node (covering base..), skipping absent subtrees. */
static void pm_visit_node(void **node, int level, u64 base, u64 start, u64 end, bool clear,
			  void (*fn)(void *arg, u64 va, u64 pa), void *arg)
{
	const u64 span = 1ULL << (PAGE_SHIFT + 9 * level); /* bytes per entry */
	unsigned first = start > base ? (start - base) / span : 0;
	for (unsigned i = first; i < PM_FANOUT; i++) {
		u64 lo = base + i * span;
		if (lo >= end)
			break;
		if (level == 0) {
			u64 *e = &((u64 *)node)[i];
			if (*e) {
				u64 pa = *e - 1;
				if (clear)
					*e = 0;
				fn(arg, lo, pa);
			}
		} else if (node[i]) {
			pm_visit_node(node[i], level - 1, lo, start, end, clear, fn, arg);
		}
	}
}

static void pm_visit(struct pagemap *pm, u64 start, u64 end, bool clear,
		     void (*fn)(void *arg, u64 va, u64 pa), void *arg)
{
	if (pm->root && start < end)
		pm_visit_node(pm->root, PM_LEVELS - 1, 0, start, end, clear, fn, arg);
}

void pagemap_walk(struct pagemap *pm, u64 start, u64 end, void (*fn)(void *arg, u64 va, u64 pa),
		  void *arg)
{
	pm_visit(pm, start, end, false, fn, arg);
}

void pagemap_clear(struct pagemap *pm, u64 start, u64 end, void (*fn)(void *arg, u64 va, u64 pa),
		   void *arg)
{
	pm_visit(pm, start, end, true, fn, arg);
}
