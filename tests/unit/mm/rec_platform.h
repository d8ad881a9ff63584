/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A platform that records what mm maps, for the mm unit tests: a table of
 * the pages the platform would translate (va -> pa, prot), and fixtures
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
#define REC_MAX 4096

struct rec_entry {
	u64 va, pa;
	u32 prot;
};

struct rec_platform {
	struct platform base;
	struct rec_entry e[REC_MAX];
	size_t n;
};

static struct rec_platform rec;
static struct platform_as rec_as = {.p = &rec.base};

static struct rec_entry *rec_find(u64 va)
{
	for (size_t i = 0; i < rec.n; i++)
		if (rec.e[i].va == va)
			return &rec.e[i];
	return NULL;
}

static int rec_as_create(struct platform *p, struct platform_as **out)
{
	*out = &rec_as;
	return 0;
}

static void rec_as_destroy(struct platform_as *as)
{
	rec.n = 0;
}

static int rec_as_map(struct platform_as *as, u64 va, u64 pa, u32 prot)
{
	struct rec_entry *e = rec_find(va);
	if (!e) {
		assert_true(rec.n < REC_MAX);
		e = &rec.e[rec.n++];
	}
	*e = (struct rec_entry){va, pa, prot};
	return 0;
}

static void rec_as_unmap(struct platform_as *as, u64 va, u64 len)
{
	for (size_t i = 0; i < rec.n;) {
		if (rec.e[i].va >= va && rec.e[i].va - va < len)
			rec.e[i] = rec.e[--rec.n];
		else
			i++;
	}
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
	memset(&rec, 0, sizeof(rec));
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
