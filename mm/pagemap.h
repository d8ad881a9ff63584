/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which frame backs each populated user page of an address space: a 4-level
 * radix tree over the 47-bit user half, in Sentry memory. It is mm's own
 * record, independent of any platform's page tables, so that copy-in/out
 * and the systrap platform work the same way.
 * Not thread-safe: the owning mm's lock guards it.
 */
#ifndef MM_PAGEMAP_H
#define MM_PAGEMAP_H

#include "lib/compiler.h"

struct pagemap {
	void *root;
};

void pagemap_init(struct pagemap *pm);
/* Free the tree (not the frames: the caller has dropped them). */
void pagemap_destroy(struct pagemap *pm);
/* The frame at va (page-aligned) + 1, or 0 if none. */
u64 pagemap_get(struct pagemap *pm, u64 va);
int pagemap_set(struct pagemap *pm, u64 va, u64 pa) __must_check;
/* Allocate the tree for [start, end), so that pagemap_set there cannot fail. */
int pagemap_prepare(struct pagemap *pm, u64 start, u64 end) __must_check;
/* Call fn(arg, va, pa) for every entry in [start, end). */
void pagemap_walk(struct pagemap *pm, u64 start, u64 end, void (*fn)(void *arg, u64 va, u64 pa),
		  void *arg);
/* Clear every entry in [start, end), calling fn(arg, va, pa) for each. */
void pagemap_clear(struct pagemap *pm, u64 start, u64 end, void (*fn)(void *arg, u64 va, u64 pa),
		   void *arg);

#endif
