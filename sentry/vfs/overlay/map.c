// SPDX-License-Identifier: Apache-2.0
/*
 * A small u64 -> u64 chained hash map for the overlay's inode cache and
 * its origin, opaque and index records. It doubles when the load passes
 * two per bucket so that lookups stay short on image-sized trees.
 */
#include <errno.h>
#include <stdlib.h>

#include "overlay_internal.h"

#define MAP_MIN_BUCKETS 64

struct ovl_map_entry {
	struct ovl_map_entry *next;
	u64 key, val;
};

static size_t bucket(u64 key, size_t nbuckets)
{
	/* Inos are often sequential: mix them so they spread over the bits we use. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (nbuckets - 1);
}

static struct ovl_map_entry **find(const struct ovl_map *m, u64 key)
{
	if (!m->nbuckets)
		return NULL;
	struct ovl_map_entry **p = &m->buckets[bucket(key, m->nbuckets)];
	while (*p && (*p)->key != key)
		p = &(*p)->next;
	return p;
}

bool ovl_map_get(const struct ovl_map *m, u64 key, u64 *val)
{
	struct ovl_map_entry **p = find(m, key);
	if (!p || !*p)
		return false;
	if (val)
		*val = (*p)->val;
	return true;
}

/* Best effort: a map that cannot grow still works, with longer chains. */
static void grow(struct ovl_map *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : MAP_MIN_BUCKETS;
	struct ovl_map_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct ovl_map_entry *e = m->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t j = bucket(e->key, n);
			e->next = b[j];
			b[j] = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

int ovl_map_set(struct ovl_map *m, u64 key, u64 val)
{
	if (m->count >= 2 * m->nbuckets)
		grow(m);
	struct ovl_map_entry **p = find(m, key);
	if (!p)
		return -ENOMEM;
	if (*p) {
		(*p)->val = val;
		return 0;
	}
	struct ovl_map_entry *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->key = key;
	e->val = val;
	e->next = NULL;
	*p = e;
	m->count++;
	return 0;
}

bool ovl_map_del(struct ovl_map *m, u64 key, const u64 *match)
{
	struct ovl_map_entry **p = find(m, key);
	if (!p || !*p || (match && (*p)->val != *match))
		return false;
	struct ovl_map_entry *e = *p;
	*p = e->next;
	free(e);
	m->count--;
	return true;
}
