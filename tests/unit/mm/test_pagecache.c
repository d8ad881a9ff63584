// SPDX-License-Identifier: Apache-2.0
/*
 * A cache's dirty tracking (mm/pagecache.c, shmem.h): clean pages of a
 * writable shared mapping are mapped read-only, the first store dirties
 * them (and tells the owner), msync writes only the dirty pages, in runs,
 * write-protects them again and asks the store to sync for MS_SYNC only.
 */
#include "rec_platform.h"

#define MS_ASYNC_ 1
#define MS_SYNC_ 4
#define NPAGES 8

/* The store: a file in memory that counts what it is asked. */
struct store {
	u8 data[NPAGES * P];
	int writes, syncs, dirtied;
	u64 bytes, last_off, last_len;
};

static struct store st;

static long st_read(void *arg, void *buf, size_t len, u64 off)
{
	if (off >= sizeof(st.data))
		return 0;
	size_t n = MIN(len, sizeof(st.data) - off);
	memcpy(buf, st.data + off, n);
	return n;
}

static long st_write(void *arg, const void *buf, size_t len, u64 off)
{
	assert_true(off + len <= sizeof(st.data));
	memcpy(st.data + off, buf, len);
	st.writes++;
	st.bytes += len;
	st.last_off = off;
	st.last_len = len;
	return len;
}

static void st_release(void *arg)
{
}

static int st_sync(void *arg)
{
	st.syncs++;
	return 0;
}

static void st_dirtied(void *arg)
{
	st.dirtied++;
}

static const struct shmem_backing_ops st_ops = {
	.read = st_read,
	.write = st_write,
	.release = st_release,
	.sync = st_sync,
	.dirtied = st_dirtied,
};

static void nop_file(struct mm_file *f)
{
}

static const struct mm_file_ops file_ops = {.get = nop_file, .put = nop_file};

/* Map the whole store shared and writable at a fixed address; returns it. */
static u64 map_cache(void **state, struct mm_file *f)
{
	struct mm *mm = MM(state);
	struct memfile *mf = ((void **)*state)[0];
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < sizeof(st.data); i++)
		st.data[i] = (u8)(i * 7 + 1);
	struct shmem *c = shmem_create_cache(mf, sizeof(st.data), &st_ops, NULL);
	assert_false(IS_ERR(c));
	*f = (struct mm_file){.ops = &file_ops, .shm = c};
	const u64 a = 0x400000;
	assert_int_equal(
		mm_map_file(mm, a, NPAGES * P, PROT_READ | PROT_WRITE, MM_SHARED | MM_FIXED, f, 0),
		a);
	shmem_put(c); /* the VMA holds its own */
	return a;
}

static bool writable(u64 va)
{
	struct rec_entry *e = rec_find(va);
	return e && (e->prot & PLATFORM_PROT_WRITE);
}

static void test_pagecache_store_dirties_once(void **state)
{
	struct mm *mm = MM(state);
	struct mm_file f;
	u64 a = map_cache(state, &f);

	/* A read maps the page (and its neighbours) read-only: clean. */
	assert_int_equal(mm_handle_fault(mm, a, false, false), 0);
	assert_non_null(rec_find(a));
	assert_false(writable(a));
	assert_false(writable(a + P));
	assert_int_equal(st.dirtied, 0);
	/* The first store dirties it, once. */
	assert_int_equal(mm_handle_fault(mm, a, true, false), 0);
	assert_true(writable(a));
	assert_int_equal(st.dirtied, 1);
	assert_int_equal(mm_copy_to_user(mm, uaddr(a + 10), "abc", 3), 0);
	assert_int_equal(st.dirtied, 1);

	/* MS_SYNC: that page alone is written, synced, and read-only again. */
	assert_int_equal(mm_sync(mm, a, NPAGES * P, MS_SYNC_), 0);
	assert_int_equal(st.writes, 1);
	assert_int_equal(st.last_off, 0);
	assert_int_equal(st.last_len, P);
	assert_int_equal(st.syncs, 1);
	assert_memory_equal(st.data + 10, "abc", 3);
	assert_non_null(rec_find(a)); /* one page: mapped again read-only, reads go on */
	assert_false(writable(a));

	/* Nothing stored since: nothing written (the store is still asked to sync, as Linux). */
	assert_int_equal(mm_sync(mm, a, NPAGES * P, MS_SYNC_), 0);
	assert_int_equal(st.writes, 1);
	assert_int_equal(st.syncs, 2);

	/* The Sentry's own store (read(2) into the mapping) dirties it as the guest's does. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(a + 20), "xyz", 3), 0);
	assert_int_equal(st.dirtied, 2);
	assert_int_equal(mm_sync(mm, a, P, MS_ASYNC_), 0);
	assert_int_equal(st.writes, 2);
	assert_int_equal(st.syncs, 2); /* MS_ASYNC: no sync */
	assert_memory_equal(st.data + 20, "xyz", 3);
	assert_int_equal(mm_unmap(mm, a, NPAGES * P), 0);
}

static void test_pagecache_runs(void **state)
{
	struct mm *mm = MM(state);
	struct mm_file f;
	u64 a = map_cache(state, &f);

	/* Pages 1-3 and 5 dirtied: two writes, of three pages and one. */
	for (u64 i = 1; i < NPAGES; i++)
		if (i != 4 && i < 6)
			assert_int_equal(mm_copy_to_user(mm, uaddr(a + i * P), "d", 1), 0);
	assert_int_equal(st.dirtied, 4);
	assert_int_equal(mm_sync(mm, a, NPAGES * P, MS_SYNC_), 0);
	assert_int_equal(st.writes, 2);
	assert_int_equal(st.bytes, 4 * P);
	for (u64 i = 1; i < 6; i++)
		assert_false(writable(a + i * P));
	/* A run left the tables: its next access maps it again, read-only for a read. */
	assert_int_equal(mm_handle_fault(mm, a + 2 * P, false, false), 0);
	assert_false(writable(a + 2 * P));
	assert_int_equal(st.dirtied, 4);

	/* A range msync writes the dirty pages of its range only. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(a + 1 * P), "e", 1), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(a + 6 * P), "e", 1), 0);
	assert_int_equal(mm_sync(mm, a + 6 * P, P, MS_SYNC_), 0);
	assert_int_equal(st.writes, 3);
	assert_int_equal(st.last_off, 6 * P);
	/* munmap of the last writable mapping writes the rest back. */
	assert_int_equal(mm_unmap(mm, a, NPAGES * P), 0);
	assert_int_equal(st.data[P], 'e');
}

static void test_pagecache_msync_errors(void **state)
{
	struct mm *mm = MM(state);
	struct mm_file f;
	u64 a = map_cache(state, &f);

	assert_int_equal(mm_copy_to_user(mm, uaddr(a), "q", 1), 0);
	/* A hole in the range: ENOMEM, but what is mapped is written all the same. */
	assert_int_equal(mm_sync(mm, a, (NPAGES + 1) * P, MS_SYNC_), -ENOMEM);
	assert_int_equal(st.data[0], 'q');
	assert_int_equal(mm_sync(mm, a + NPAGES * P, P, MS_ASYNC_), -ENOMEM);
	assert_int_equal(mm_sync(mm, a, P, MS_SYNC_ | MS_ASYNC_), -EINVAL);
	assert_int_equal(mm_unmap(mm, a, NPAGES * P), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pagecache_store_dirties_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagecache_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagecache_msync_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
