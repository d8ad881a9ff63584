/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A platform that records what mm maps, for the mm unit tests: per address
 * space, a table of the pages it would translate (va -> pa, prot), and fixtures
 * that build an mm over a 64 MiB memory file and check, at teardown, that
 * every frame went back.
 */
#ifndef TESTS_UNIT_MM_REC_PLATFORM_H
#define TESTS_UNIT_MM_REC_PLATFORM_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "mm/mm.h"

#define P 0x1000ULL
/* Slots of each address space's table: open addressing, a power of two. */
#define REC_SLOTS 32768
#define REC_AS_MAX 3

struct rec_entry {
	u64 va, pa;
	u32 prot; /* 0: an empty slot (mm never maps a page with no access) */
};

/* One address space: what its page tables would translate. */
struct rec_as {
	struct platform_as base;
	bool live;
	size_t n;
	struct rec_entry e[REC_SLOTS];
};

struct rec_platform {
	struct platform base;
	struct rec_as as[REC_AS_MAX];
	/* Fail the map call this many calls on (1: the next) with -ENOMEM, as a page table that cannot be allocated; 0: never. */
	int map_fail_in;
};

static struct rec_platform rec;

static size_t rec_hash(u64 va)
{
	return ((va >> 12) * 0x9e3779b97f4a7c15ULL >> 32) & (REC_SLOTS - 1);
}

/* The slot holding va, or the empty one where it would go. */
static struct rec_entry *rec_slot(struct rec_as *a, u64 va)
{
	size_t i = rec_hash(va);
	while (a->e[i].prot && a->e[i].va != va)
		i = (i + 1) & (REC_SLOTS - 1);
	return &a->e[i];
}

static __attribute__((unused)) struct rec_entry *rec_lookup(struct rec_as *a, u64 va)
{
	struct rec_entry *e = rec_slot(a, va);
	return e->prot ? e : NULL;
}

/* The table of mm's address space. */
static __attribute__((unused)) struct rec_as *rec_of(struct mm *mm)
{
	return container_of(mm_platform_as(mm), struct rec_as, base);
}

/* The fixture's address space, the first one made. */
static __attribute__((unused)) struct rec_entry *rec_find(u64 va)
{
	return rec_lookup(&rec.as[0], va);
}

/* Empty slot i and shift later entries of its cluster back (no tombstones). */
static void rec_del_slot(struct rec_as *a, size_t i)
{
	size_t j = i;
	a->n--;
	for (;;) {
		a->e[i].prot = 0;
		for (;;) {
			j = (j + 1) & (REC_SLOTS - 1);
			if (!a->e[j].prot)
				return;
			size_t k = rec_hash(a->e[j].va);
			/* Entry j stays if its home lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		a->e[i] = a->e[j];
		i = j;
	}
}

static int rec_as_create(struct platform *p, struct platform_as **out)
{
	for (size_t i = 0; i < REC_AS_MAX; i++) {
		struct rec_as *a = &rec.as[i];
		if (a->live)
			continue;
		memset(a->e, 0, sizeof(a->e));
		a->n = 0;
		a->live = true;
		a->base.p = p;
		*out = &a->base;
		return 0;
	}
	return -ENOMEM;
}

static void rec_as_destroy(struct platform_as *as)
{
	struct rec_as *a = container_of(as, struct rec_as, base);
	a->live = false;
	a->n = 0;
}

static int rec_as_map(struct platform_as *as, u64 va, u64 pa, u32 prot)
{
	struct rec_as *a = container_of(as, struct rec_as, base);
	assert_true(prot != 0);
	if (rec.map_fail_in && !--rec.map_fail_in)
		return -ENOMEM;
	struct rec_entry *e = rec_slot(a, va);
	if (!e->prot) {
		assert_true(a->n < REC_SLOTS / 2);
		a->n++;
	}
	*e = (struct rec_entry){va, pa, prot};
	return 0;
}

static void rec_as_unmap(struct platform_as *as, u64 va, u64 len)
{
	struct rec_as *a = container_of(as, struct rec_as, base);
	if (len / P <= REC_SLOTS) {
		for (u64 off = 0; off < len; off += P) {
			struct rec_entry *e = rec_slot(a, va + off);
			if (e->prot)
				rec_del_slot(a, e - a->e);
		}
		return;
	}
	/* A huge range: find the victims first, as deleting moves entries. */
	u64 *victims = malloc(REC_SLOTS * sizeof(u64));
	size_t n = 0;
	assert_non_null(victims);
	for (size_t i = 0; i < REC_SLOTS; i++)
		if (a->e[i].prot && a->e[i].va >= va && a->e[i].va - va < len)
			victims[n++] = a->e[i].va;
	for (size_t i = 0; i < n; i++)
		rec_del_slot(a, rec_slot(a, victims[i]) - a->e);
	free(victims);
}

static const struct platform_ops rec_ops = {
	.name = "record",
	.as_create = rec_as_create,
	.as_destroy = rec_as_destroy,
	.as_map = rec_as_map,
	.as_unmap = rec_as_unmap,
};

static int setup(void **state)
{
	for (size_t i = 0; i < REC_AS_MAX; i++)
		rec.as[i].live = false;
	rec.map_fail_in = 0;
	rec.base.ops = &rec_ops;
	struct memfile *mf = memfile_create(64ULL << 20);
	assert_false(IS_ERR(mf));
	memfile_reserve(mf, 2ULL << 20);
	struct mm *mm = mm_create(mf, &rec.base);
	assert_false(IS_ERR(mm));
	void **s = calloc(2, sizeof(void *));
	s[0] = mf;
	s[1] = mm;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	void **s = *state;
	struct memfile *mf = s[0];
	mm_destroy(s[1]);
	/* Every frame went back: nothing leaks past the address space. */
	assert_int_equal(memfile_used_frames(mf), 0);
	memfile_destroy(mf);
	free(s);
	return 0;
}

#define MM(state) ((struct mm *)((void **)*(state))[1])

/* mincore of n pages as "1010", or "ENOMEM"/"EFAULT"/"EINVAL". */
static __attribute__((unused)) const char *resident(struct mm *mm, u64 va, u64 n)
{
	static char s[64];
	/* mincore copies out through the mm itself: a scratch page at 0x10000. */
	const u64 vec = 0x10000;
	if (!mm_mincore(mm, vec, 1, uaddr(vec)))
		; /* the scratch page exists already */
	else if (mm_map_anon(mm, vec, P, PROT_READ | PROT_WRITE, MM_FIXED) != (long)vec)
		return "setup";
	int ret = mm_mincore(mm, va, n * P, uaddr(vec));
	if (ret)
		return ret == -ENOMEM ? "ENOMEM" : ret == -EFAULT ? "EFAULT" : "EINVAL";
	u8 v[64];
	assert_int_equal(mm_copy_from_user(mm, v, uaddr(vec), n), 0);
	for (u64 i = 0; i < n; i++)
		s[i] = '0' + v[i];
	s[n] = 0;
	return s;
}

#endif
