// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs's idle page caches (sentry/vfs/goferfs/cache.c) against a real
 * gofer (goferfs_harness.h): a mapped file's cache stays after its last
 * close, within the budget, least recently idled first out; mapping it
 * again takes it back; a write or a truncate lets it go; one bigger than
 * the whole budget is not kept; what is read through a kept cache is the
 * file's; a full memory file takes idle caches back before -ENOMEM.
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
#include <sys/mman.h>
#include <cmocka.h>

#include "goferfs_harness.h"
#include "mm/memfile.h"
#include "mm/shmem.h"
#include "sentry/vfs/goferfs/goferfs.h"
#include "sentry/vfs/goferfs/goferfs_internal.h"

#define PG 4096

/* A host file of pages pages, each byte its page's number plus c. */
static void make_file(const char *name, int pages, char c)
{
	char *buf = malloc(pages * PG + 1);
	for (int i = 0; i < pages * PG; i++)
		buf[i] = (char)(c + i / PG);
	buf[pages * PG] = 0;
	host_write(name, buf);
	free(buf);
}

/* Open name, map it privately, fault its pages into the cache, unmap, close. */
static void map_and_close(const char *name, int pages)
{
	struct file *f = vopen(&env.ctx, name, O_RDONLY, 0);
	u32 flags = 0;
	struct shmem *s = f->ops->mmap(f, PROT_READ, &flags);
	assert_non_null(s);
	assert_false(IS_ERR(s));
	for (int i = 0; i < pages; i++) {
		u64 pa;
		assert_int_equal(shmem_frame(s, (u64)i * PG, &pa), 0);
		memfile_put(shmem_memfile(s), pa);
	}
	shmem_put(s);
	file_put(f);
}

static void expect_idle(u64 caches, u64 pages)
{
	u64 c, p;
	goferfs_cache_idle_stats(&c, &p);
	assert_int_equal(c, caches);
	assert_int_equal(p, pages);
}

static void test_goferfs_cache_kept_within_budget(void **state)
{
	goferfs_cache_set_budget(8);
	make_file("ca", 3, 'a');
	make_file("cb", 3, 'b');
	make_file("cc", 3, 'c');
	make_file("cd", 3, 'd');
	expect_idle(0, 0);
	map_and_close("/ca", 3);
	expect_idle(1, 3);
	map_and_close("/cb", 3);
	expect_idle(2, 6);
	/* Nine pages: the oldest, ca, goes. */
	map_and_close("/cc", 3);
	expect_idle(2, 6);

	/* Mapped again, cb leaves the list, and comes back as the youngest. */
	struct file *f = vopen(&env.ctx, "/cb", O_RDONLY, 0);
	u32 flags = 0;
	struct shmem *s = f->ops->mmap(f, PROT_READ, &flags);
	assert_false(IS_ERR(s));
	expect_idle(1, 3);
	assert_int_equal(shmem_nr_frames(s), 3); /* still resident */
	shmem_put(s);
	file_put(f);
	expect_idle(2, 6);
	map_and_close("/cd", 3); /* cc, now the oldest, goes */
	expect_idle(2, 6);

	/* Read through the kept cache: the file's bytes. */
	char buf[8] = {0};
	f = vopen(&env.ctx, "/cb", O_RDONLY, 0);
	s64 pos = 2 * PG + 5;
	assert_int_equal(vfs_read(f, buf, 4, &pos), 4);
	assert_memory_equal(buf, "dddd", 4);
	file_put(f);
	expect_idle(2, 6);

	/* Bigger than the whole budget: not kept. */
	make_file("big", 12, 'A');
	map_and_close("/big", 12);
	expect_idle(2, 6);
	goferfs_cache_set_budget(0);
}

static void test_goferfs_cache_dropped_on_change(void **state)
{
	goferfs_cache_set_budget(64);
	make_file("w1", 2, 'k');
	make_file("w2", 2, 'm');
	map_and_close("/w1", 2);
	map_and_close("/w2", 2);
	u64 c0, p0;
	goferfs_cache_idle_stats(&c0, &p0);
	assert_true(c0 >= 2);

	/* A write: w1's idle cache goes, and the next read sees the write. */
	struct file *f = vopen(&env.ctx, "/w1", O_WRONLY, 0);
	vwrite_at(f, "NEW", PG);
	file_put(f);
	expect_idle(c0 - 1, p0 - 2);
	char buf[4] = {0};
	f = vopen(&env.ctx, "/w1", O_RDONLY, 0);
	s64 pos = PG;
	assert_int_equal(vfs_read(f, buf, 3, &pos), 3);
	assert_string_equal(buf, "NEW");
	file_put(f);

	/* A truncate: w2's goes too, and the mapping sees the new size. */
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/w2", 0, &p), 0);
	assert_int_equal(vfs_truncate(&p, 10, &root_cred), 0);
	path_put(&p);
	expect_idle(c0 - 2, p0 - 4);
	map_and_close("/w2", 1);
	expect_idle(c0 - 1, p0 - 3);
	goferfs_cache_set_budget(0);
}

/*
 * A full memory file takes idle caches' frames back, oldest first, one
 * cache per failed allocation, before it answers -ENOMEM.
 */
static void test_goferfs_cache_reclaimed_when_memory_is_full(void **state)
{
	goferfs_cache_set_budget(64);
	make_file("r1", 2, 'r');
	make_file("r2", 2, 's');
	map_and_close("/r1", 2);
	map_and_close("/r2", 2);
	u64 c0, p0;
	goferfs_cache_idle_stats(&c0, &p0);
	assert_true(c0 >= 2);

	struct memfile *mf = shmem_file_memfile();
	u64 n = memfile_size(mf) / PG, got = 0;
	u64 *pas = malloc((n + p0) * sizeof(*pas));
	assert_non_null(pas);
	while (got < n && memfile_alloc(mf, &pas[got]) == 0)
		got++;
	expect_idle(c0, p0); /* without a reclaimer: full is full */

	memfile_set_reclaim(mf, goferfs_cache_reclaim);
	assert_int_equal(memfile_alloc(mf, &pas[got++]), 0);
	u64 c, p;
	goferfs_cache_idle_stats(&c, &p);
	assert_int_equal(c, c0 - 1);
	while (memfile_alloc(mf, &pas[got]) == 0)
		got++;
	expect_idle(0, 0);
	memfile_set_reclaim(mf, NULL);

	while (got)
		memfile_put(mf, pas[--got]);
	memfile_flush(mf);
	free(pas);
	goferfs_cache_set_budget(0);
}

int main(void)
{
	goferfs_require_root();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goferfs_cache_kept_within_budget),
		cmocka_unit_test(test_goferfs_cache_dropped_on_change),
		cmocka_unit_test(test_goferfs_cache_reclaimed_when_memory_is_full),
	};
	return cmocka_run_group_tests(tests, goferfs_setup, goferfs_teardown);
}
