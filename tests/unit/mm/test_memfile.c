// SPDX-License-Identifier: Apache-2.0
/*
 * The memory file's frame limit (memfile_set_limit, `runsk update
 * --memory`): allocations fail at it as when the file is full, after the
 * reclaimer; lowering it below use runs the reclaimer; it never exceeds
 * the file's size.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mm/memfile.h"

#define FILE_SIZE (8ULL << 20)
#define FRAMES (FILE_SIZE / PAGE_SIZE)

/* A fake page cache for the reclaimer: frames it holds and gives back one a call. */
static struct memfile *cache_mf;
static u64 cache[FRAMES];
static size_t ncache;
static int reclaim_calls;

static bool reclaim_one(void)
{
	reclaim_calls++;
	if (!ncache)
		return false;
	memfile_put(cache_mf, cache[--ncache]);
	return true;
}

static int setup(void **state)
{
	struct memfile *mf = memfile_create(FILE_SIZE);
	if (IS_ERR(mf))
		return -1;
	cache_mf = mf;
	ncache = 0;
	reclaim_calls = 0;
	*state = mf;
	return 0;
}

static int teardown(void **state)
{
	memfile_destroy(*state);
	return 0;
}

/* Allocate n frames into out; returns how many it got before -ENOMEM. */
static size_t alloc_n(struct memfile *mf, u64 *out, size_t n)
{
	size_t i = 0;
	while (i < n && memfile_alloc(mf, &out[i]) == 0)
		i++;
	return i;
}

static void put_n(struct memfile *mf, u64 *pa, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memfile_put(mf, pa[i]);
}

static void test_no_limit_is_the_file(void **state)
{
	struct memfile *mf = *state;
	assert_int_equal(memfile_limit_pages(mf), FRAMES);
	/* 0 and more than the file both mean the file's size: it cannot grow. */
	assert_int_equal(memfile_set_limit(mf, 0), FILE_SIZE);
	assert_int_equal(memfile_set_limit(mf, FILE_SIZE * 4), FILE_SIZE);
	assert_int_equal(memfile_limit_pages(mf), FRAMES);
}

static void test_alloc_fails_at_the_limit(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[FRAMES];

	/* Rounded down to frames. */
	assert_int_equal(memfile_set_limit(mf, 64 * PAGE_SIZE + 100), 64 * PAGE_SIZE);
	assert_int_equal(memfile_limit_pages(mf), 64);
	assert_int_equal(alloc_n(mf, pa, FRAMES), 64);
	assert_int_equal(memfile_used_frames(mf), 64);
	u64 x, y;
	assert_int_equal(memfile_alloc(mf, &x), -ENOMEM);
	assert_int_equal(memfile_alloc_shareable(mf, &x), -ENOMEM);
	/* A freed frame may be allocated again. */
	memfile_put(mf, pa[63]);
	assert_int_equal(memfile_alloc(mf, &pa[63]), 0);
	assert_int_equal(memfile_alloc(mf, &x), -ENOMEM);
	/* Raised: the rest of the file is there again. */
	assert_int_equal(memfile_set_limit(mf, 0), FILE_SIZE);
	assert_int_equal(memfile_alloc(mf, &x), 0);
	assert_int_equal(memfile_alloc_shareable(mf, &y), 0);
	memfile_put(mf, x);
	memfile_put(mf, y);
	put_n(mf, pa, 64);
	assert_int_equal(memfile_used_frames(mf), 0);
}

static void test_reclaim_before_failing(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[FRAMES];

	memfile_set_reclaim(mf, reclaim_one);
	assert_int_equal(memfile_set_limit(mf, 32 * PAGE_SIZE), 32 * PAGE_SIZE);
	ncache = alloc_n(mf, cache, 8);
	assert_int_equal(ncache, 8);
	/* 24 free under the limit, then the 8 cached ones come back one by one. */
	assert_int_equal(alloc_n(mf, pa, FRAMES), 32);
	assert_int_equal(ncache, 0);
	assert_true(reclaim_calls >= 9); /* 8 that freed one, 1 that freed none */
	put_n(mf, pa, 32);
}

static void test_lowering_below_use_reclaims(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[FRAMES];

	memfile_set_reclaim(mf, reclaim_one);
	ncache = alloc_n(mf, cache, 100);
	assert_int_equal(ncache, 100);
	assert_int_equal(alloc_n(mf, pa, 50), 50);
	/* 150 in use, limit 120: the cache gives back 30, and no more. */
	assert_int_equal(memfile_set_limit(mf, 120 * PAGE_SIZE), 120 * PAGE_SIZE);
	assert_int_equal(ncache, 70);
	assert_int_equal(memfile_used_frames(mf), 120);
	/* Below what the cache can give: what is left over stays, allocations fail. */
	assert_int_equal(memfile_set_limit(mf, 10 * PAGE_SIZE), 10 * PAGE_SIZE);
	assert_int_equal(ncache, 0);
	assert_int_equal(memfile_used_frames(mf), 50);
	u64 x;
	assert_int_equal(memfile_alloc(mf, &x), -ENOMEM);
	/* Once under it again, up to the limit. */
	put_n(mf, pa, 45);
	assert_int_equal(alloc_n(mf, pa, FRAMES), 5);
	put_n(mf, pa, 5);
	put_n(mf, &pa[45], 5);
	assert_int_equal(memfile_used_frames(mf), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_limit_is_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fails_at_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_before_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowering_below_use_reclaims, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
