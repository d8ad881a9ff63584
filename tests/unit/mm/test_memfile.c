// SPDX-License-Identifier: Apache-2.0
/*
 * The memory file's frame limit (memfile_set_limit, `runsk update
 * --memory`): allocations fail at it as when the file is full, after the
 * reclaimer; lowering it below use runs the reclaimer; it never exceeds
 * the file's size.
 *
 * The store (memfile_create_with_store, --overlay2=root:self): its frames
 * come after the memory, their data lands in the host file at the frame's
 * offset, they are not memory (neither used nor limited), they go back to
 * the disk when freed, and a full store is -ENOSPC.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mm/memfile.h"
#include "platform/platform.h"

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

#define STORE_SIZE (8ULL << 20)
#define STORE_FRAMES (STORE_SIZE / PAGE_SIZE)

/* The store's file, as the memory file's test sees it: another descriptor of it. */
static int store_view = -1;

static int setup_store(void **state)
{
	char path[] = "/tmp/test_memfile.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	store_view = dup(fd);
	/* An odd size: rounded down to 2 MiB. */
	struct memfile *mf = memfile_create_with_store(FILE_SIZE, fd, STORE_SIZE + 12345);
	if (IS_ERR(mf) || store_view < 0)
		return -1;
	*state = mf;
	return 0;
}

static int teardown_store(void **state)
{
	memfile_destroy(*state);
	close(store_view);
	store_view = -1;
	return 0;
}

static u64 store_blocks(void)
{
	struct stat st;
	assert_int_equal(fstat(store_view, &st), 0);
	return st.st_blocks;
}

static size_t alloc_store_n(struct memfile *mf, u64 *out, size_t n)
{
	size_t i = 0;
	while (i < n && memfile_alloc_store(mf, &out[i]) == 0)
		i++;
	return i;
}

static void test_store_layout(void **state)
{
	struct memfile *mf = *state;
	struct platform_memory pm = memfile_platform_memory(mf);
	struct stat st;

	assert_int_equal(memfile_size(mf), FILE_SIZE);
	assert_int_equal(memfile_store_frames(mf), STORE_FRAMES);
	/* Guest-physical: the memory, then the store, one span. */
	assert_int_equal(pm.size, FILE_SIZE + STORE_SIZE);
	/* Sized, sparse: no block until a frame is handed out. */
	assert_int_equal(fstat(store_view, &st), 0);
	assert_int_equal(st.st_size, STORE_SIZE);
	assert_int_equal(st.st_blocks, 0);
}

static void test_store_data_lands_in_the_file(void **state)
{
	struct memfile *mf = *state;
	u64 pa[3];
	char buf[PAGE_SIZE];

	assert_int_equal(alloc_store_n(mf, pa, 3), 3);
	for (int i = 0; i < 3; i++) {
		assert_true(pa[i] >= FILE_SIZE && pa[i] < FILE_SIZE + STORE_SIZE);
		assert_int_equal(pa[i] % PAGE_SIZE, 0);
		u8 *p = memfile_ptr(mf, pa[i]);
		for (size_t j = 0; j < PAGE_SIZE; j++)
			assert_int_equal(p[j], 0);
		memset(p, 'a' + i, PAGE_SIZE);
		snprintf((char *)p, 32, "frame %llx", (unsigned long long)pa[i]);
	}
	/* Each at its frame's offset in the file: (pa - memory) */
	for (int i = 0; i < 3; i++) {
		char want[32];
		assert_int_equal(pread(store_view, buf, PAGE_SIZE, pa[i] - FILE_SIZE), PAGE_SIZE);
		snprintf(want, sizeof(want), "frame %llx", (unsigned long long)pa[i]);
		assert_string_equal(buf, want);
		assert_int_equal(buf[PAGE_SIZE - 1], 'a' + i);
	}
	/* Blocks were given before the frames were handed out: a chunk at a time. */
	assert_true(store_blocks() * 512 >= 3 * PAGE_SIZE);
	for (int i = 0; i < 3; i++)
		memfile_put(mf, pa[i]);
}

static void test_store_is_not_memory(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[STORE_FRAMES];
	u64 m;

	/* A limit of one frame of memory: the store is not under it. */
	assert_int_equal(memfile_set_limit(mf, PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(alloc_store_n(mf, pa, 100), 100);
	assert_int_equal(memfile_used_frames(mf), 0);
	assert_int_equal(memfile_alloc(mf, &m), 0);
	assert_true(m < FILE_SIZE);
	assert_int_equal(memfile_used_frames(mf), 1);
	u64 x;
	assert_int_equal(memfile_alloc(mf, &x), -ENOMEM);
	memfile_put(mf, m);
	for (int i = 0; i < 100; i++)
		memfile_put(mf, pa[i]);
	assert_int_equal(memfile_used_frames(mf), 0);
}

static void test_store_refcount(void **state)
{
	struct memfile *mf = *state;
	u64 pa, again;

	assert_int_equal(memfile_alloc_store(mf, &pa), 0);
	assert_int_equal(memfile_refcount(mf, pa), 1);
	memfile_get(mf, pa);
	assert_int_equal(memfile_refcount(mf, pa), 2);
	memcpy(memfile_ptr(mf, pa), "still here", 11);
	memfile_put(mf, pa);
	assert_int_equal(memfile_refcount(mf, pa), 1);
	assert_string_equal((char *)memfile_ptr(mf, pa), "still here");
	memfile_put(mf, pa);
	assert_int_equal(memfile_refcount(mf, pa), 0);
	/* Free: the next store frame is that one (warm), cleared. */
	assert_int_equal(memfile_alloc_store(mf, &again), 0);
	assert_int_equal(again, pa);
	assert_int_equal(memfile_ptr(mf, again)[0], 0);
	memfile_put(mf, again);
}

static void test_store_full_is_enospc(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[STORE_FRAMES + 1];
	u64 m;

	assert_int_equal(alloc_store_n(mf, pa, STORE_FRAMES + 1), STORE_FRAMES);
	assert_int_equal(memfile_alloc_store(mf, &pa[STORE_FRAMES]), -ENOSPC);
	/* The memory is another allocator. */
	assert_int_equal(memfile_alloc(mf, &m), 0);
	memfile_put(mf, m);
	memfile_put(mf, pa[7]);
	assert_int_equal(memfile_alloc_store(mf, &pa[7]), 0);
	for (size_t i = 0; i < STORE_FRAMES; i++)
		memfile_put(mf, pa[i]);
}

static void test_store_freed_frames_go_back_to_the_disk(void **state)
{
	struct memfile *mf = *state;
	static u64 pa[STORE_FRAMES];

	assert_int_equal(alloc_store_n(mf, pa, STORE_FRAMES), STORE_FRAMES);
	for (size_t i = 0; i < STORE_FRAMES; i++)
		memset(memfile_ptr(mf, pa[i]), 0x5a, PAGE_SIZE);
	u64 full = store_blocks();
	assert_true(full * 512 >= STORE_SIZE);
	for (size_t i = 0; i < STORE_FRAMES; i++)
		memfile_put(mf, pa[i]);
	memfile_flush(mf);
	/* At most the few kept warm hold blocks now. */
	assert_true(store_blocks() * 512 <= STORE_SIZE / 4);
	/* They come back zeroed, with blocks again. */
	assert_int_equal(alloc_store_n(mf, pa, STORE_FRAMES), STORE_FRAMES);
	for (size_t i = 0; i < STORE_FRAMES; i += 97) {
		u8 *p = memfile_ptr(mf, pa[i]);
		for (size_t j = 0; j < PAGE_SIZE; j += 511)
			assert_int_equal(p[j], 0);
	}
	assert_true(store_blocks() * 512 >= STORE_SIZE);
	for (size_t i = 0; i < STORE_FRAMES; i++)
		memfile_put(mf, pa[i]);
}

static void test_no_store(void **state)
{
	struct memfile *mf = *state;
	u64 pa;

	assert_int_equal(memfile_store_frames(mf), 0);
	assert_int_equal(memfile_alloc_store(mf, &pa), -ENOSPC);
	assert_int_equal(memfile_platform_memory(mf).size, FILE_SIZE);
}

static void test_store_too_small(void **state)
{
	char path[] = "/tmp/test_memfile.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	/* Less than one 2 MiB chunk: no store, and the descriptor is closed. */
	struct memfile *mf = memfile_create_with_store(FILE_SIZE, fd, (2ULL << 20) - 1);
	assert_true(IS_ERR(mf));
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_limit_is_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_fails_at_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_before_failing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowering_below_use_reclaims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_layout, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_store_data_lands_in_the_file, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_store_is_not_memory, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_store_refcount, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_store_full_is_enospc, setup_store,
						teardown_store),
		cmocka_unit_test_setup_teardown(test_store_freed_frames_go_back_to_the_disk,
						setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_no_store, setup, teardown),
		cmocka_unit_test(test_store_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
