// SPDX-License-Identifier: Apache-2.0
/*
 * Private file mappings over a fake file that counts its references and
 * reads: bytes at the right offsets, the tail past the end of the file,
 * SIGBUS past it, writes kept private, copy-on-write across fork, the
 * file's references through splits, merges, moves and unmaps, and the
 * advice and checks that differ from anonymous memory.
 */
#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)
#define PR PLATFORM_PROT_READ
#define PW PLATFORM_PROT_WRITE
#define MADV_DONTNEED_ 4
#define MADV_FREE_ 8
#define MADV_REMOVE_ 9
#define MADV_DONTFORK_ 10
#define MADV_WIPEONFORK_ 18
#define MADV_POPULATE_READ_ 22
#define REMAP_MOVE (MM_REMAP_MAYMOVE | MM_REMAP_FIXED)
#define FAKE_MAX (40 * P)

struct fake {
	struct mm_file base;
	int refs;
	s64 size;
	s64 size_err; /* nonzero: what size returns */
	long fail;    /* nonzero: what read returns */
	int reads;
	u8 data[FAKE_MAX];
};

static struct fake *to_fake(struct mm_file *f)
{
	return container_of(f, struct fake, base);
}

static void fake_get(struct mm_file *f)
{
	to_fake(f)->refs++;
}

static void fake_put(struct mm_file *f)
{
	assert_true(to_fake(f)->refs > 0);
	to_fake(f)->refs--;
}

/* A careless reader: it scribbles past what it returns, which mm must not show. */
static long fake_read(struct mm_file *f, void *buf, size_t len, u64 off)
{
	struct fake *k = to_fake(f);
	if (k->fail)
		return k->fail;
	k->reads++;
	memset(buf, 0xaa, len);
	if (off >= (u64)k->size)
		return 0;
	size_t n = MIN(len, (u64)k->size - off);
	memcpy(buf, k->data + off, n);
	return n;
}

static s64 fake_size(struct mm_file *f)
{
	struct fake *k = to_fake(f);
	return k->size_err ? k->size_err : k->size;
}

static const struct mm_file_ops fake_ops = {
	.get = fake_get,
	.put = fake_put,
	.read = fake_read,
	.size = fake_size,
};

/* The byte of every fake file at off: different in every page and position. */
static u8 fbyte(u64 off)
{
	return (u8)((off >> 12) * 31 + (off & 0xfff) * 7 + 1);
}

/* A fake file of size bytes with the test's own reference. */
static struct fake *fake_new(s64 size)
{
	struct fake *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	k->base.ops = &fake_ops;
	k->refs = 1;
	k->size = size;
	for (u64 i = 0; i < FAKE_MAX; i++)
		k->data[i] = fbyte(i);
	return k;
}

/* Drop the test's reference: nothing else may hold one by then. */
static void fake_free(struct fake *k)
{
	assert_int_equal(k->refs, 1);
	free(k);
}

static long map(struct mm *mm, u64 addr, u64 pages, u32 prot, u32 flags, struct fake *k, u64 off)
{
	return mm_map_file(mm, addr, pages * P, prot, flags | MM_FIXED, &k->base, off);
}

static void put(struct mm *mm, u64 va, char c)
{
	assert_int_equal(mm_copy_to_user(mm, uaddr(va), &c, 1), 0);
}

static u8 get(struct mm *mm, u64 va)
{
	u8 c = 0;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(va), 1), 0);
	return c;
}

/* Whether mm's n pages from va hold the file's bytes from off. */
static bool holds_file(struct mm *mm, u64 va, u64 n, u64 off)
{
	static u8 buf[8 * P];
	assert_true(n <= 8);
	assert_int_equal(mm_copy_from_user(mm, buf, uaddr(va), n * P), 0);
	for (u64 i = 0; i < n * P; i++)
		if (buf[i] != fbyte(off + i))
			return false;
	return true;
}

/* One fault reads the page at its offset, and its neighbours with it. */
static void test_filemap_reads_at_offset(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(6 * P + 100);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 3, PROT_READ, 0, k, 2 * P), a);
	assert_int_equal(k->reads, 0);
	assert_int_equal(mm_handle_fault(mm, a + P, false, false), 0);
	/* Fault-around: the whole VMA is in one 64 KiB window. */
	assert_int_equal(k->reads, 3);
	for (u64 i = 0; i < 3; i++) {
		struct rec_entry *e = rec_find(a + i * P);
		assert_non_null(e);
		assert_int_equal(e->prot, PR);
	}
	assert_true(holds_file(mm, a, 3, 2 * P));
	assert_int_equal(k->reads, 3);
	assert_int_equal(mm_unmap(mm, a, 3 * P), 0);
	fake_free(k);
}

/* Fault-around stays inside the VMA and the file, and its window. */
static void test_filemap_fault_around_bounds(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(36 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 40, PROT_READ, 0, k, 0), a);
	assert_int_equal(mm_handle_fault(mm, a + 17 * P, false, false), 0);
	assert_int_equal(k->reads, 16);
	assert_null(rec_find(a + 15 * P));
	assert_non_null(rec_find(a + 31 * P));
	assert_null(rec_find(a + 32 * P));
	/* The last window stops at the end of the file, without a fault there. */
	assert_int_equal(mm_handle_fault(mm, a + 32 * P, false, false), 0);
	assert_int_equal(k->reads, 20);
	assert_non_null(rec_find(a + 35 * P));
	assert_null(rec_find(a + 36 * P));
	assert_int_equal(mm_unmap(mm, a, 40 * P), 0);
	fake_free(k);
}

/* The last page's tail reads zero; a page wholly past the end is SIGBUS. */
static void test_filemap_tail_and_sigbus(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(2 * P + 100);
	const u64 a = 0x100000, b = 0x200000;
	assert_int_equal(map(mm, a, 4, PROT_READ, 0, k, 0), a);
	assert_int_equal(mm_handle_fault(mm, a + 2 * P, false, false), 0);
	assert_int_equal(get(mm, a + 2 * P + 99), fbyte(2 * P + 99));
	for (u64 i = 100; i < P; i++)
		assert_int_equal(get(mm, a + 2 * P + i), 0);
	assert_true(holds_file(mm, a, 2, 0));
	assert_null(rec_find(a + 3 * P));
	assert_int_equal(mm_handle_fault(mm, a + 3 * P, false, false), -EIO);
	assert_int_equal(mm_handle_fault(mm, a + 3 * P + 5, true, false), -EACCES);
	u8 c;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(a + 3 * P), 1), -EFAULT);
	/* Mapping past the end is allowed; touching it is not. */
	assert_int_equal(map(mm, b, 1, RW, 0, k, 8 * P), b);
	assert_int_equal(mm_handle_fault(mm, b, true, false), -EIO);
	/* The file grows: the page is there at the next touch. */
	k->size = 9 * P;
	assert_int_equal(mm_handle_fault(mm, b, true, false), 0);
	assert_int_equal(get(mm, b + 1), fbyte(8 * P + 1));
	assert_int_equal(mm_unmap(mm, a, 4 * P), 0);
	assert_int_equal(mm_unmap(mm, b, P), 0);
	fake_free(k);
}

/* A write lands in a private frame: the file and other mappings never see it. */
static void test_filemap_write_stays_private(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000, b = 0x200000;
	assert_int_equal(map(mm, a, 2, RW, 0, k, 0), a);
	assert_int_equal(map(mm, b, 2, PROT_READ, 0, k, 0), b);
	put(mm, a + 5, 'x');
	assert_int_equal(get(mm, a + 5), 'x');
	assert_int_equal(k->data[5], fbyte(5));
	assert_int_equal(get(mm, b + 5), fbyte(5));
	struct rec_entry *e = rec_find(a);
	assert_non_null(e);
	assert_int_equal(e->prot, PR | PW);
	/* MADV_DONTNEED drops the private copy: the next touch reads the file again. */
	int reads = k->reads;
	assert_int_equal(mm_advise(mm, a, 2 * P, MADV_DONTNEED_), 0);
	assert_int_equal(get(mm, a + 5), fbyte(5));
	assert_true(k->reads > reads);
	assert_int_equal(mm_unmap(mm, a, 2 * P), 0);
	assert_int_equal(mm_unmap(mm, b, 2 * P), 0);
	fake_free(k);
}

/* After fork the child sees the parent's earlier writes and neither sees the other's later ones. */
static void test_filemap_fork_cow(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 4, RW, 0, k, 0), a);
	put(mm, a, 'p');
	assert_int_equal(mm_advise(mm, a + 3 * P, P, MADV_DONTNEED_), 0);
	assert_int_equal(k->refs, 2);

	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	assert_int_equal(k->refs, 3);
	assert_int_equal(get(child, a), 'p');
	put(mm, a, 'q');
	put(mm, a + 3 * P, 'r');
	assert_int_equal(get(child, a), 'p');
	assert_int_equal(get(child, a + 3 * P), fbyte(3 * P));
	put(child, a + P, 'c');
	assert_int_equal(get(mm, a + P), fbyte(P));
	assert_int_equal(get(mm, a), 'q');
	assert_int_equal(k->data[0], fbyte(0));

	mm_destroy(child);
	assert_int_equal(k->refs, 2);
	assert_int_equal(mm_unmap(mm, a, 4 * P), 0);
	fake_free(k);
}

/* One reference per VMA, and the right offset in each, however they are cut and joined. */
static void test_filemap_refs_split_merge_unmap(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(8 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 4, PROT_READ, 0, k, 2 * P), a);
	assert_int_equal(k->refs, 2);
	assert_int_equal(mm_protect(mm, a + P, 2 * P, RW), 0);
	assert_int_equal(k->refs, 4);
	assert_true(holds_file(mm, a, 4, 2 * P));
	put(mm, a + 2 * P, 'w');
	assert_int_equal(mm_protect(mm, a + P, 2 * P, PROT_READ), 0);
	assert_int_equal(k->refs, 2);
	/* Merged again: one VMA, so one move takes all four pages. */
	assert_int_equal(mm_remap(mm, a, 4 * P, 4 * P, REMAP_MOVE, 0x300000), 0x300000);
	assert_int_equal(mm_remap(mm, 0x300000, 4 * P, 4 * P, REMAP_MOVE, a), a);
	assert_int_equal(get(mm, a + 2 * P), 'w');
	assert_int_equal(mm_unmap(mm, a + P, P), 0);
	assert_int_equal(k->refs, 3);
	/* The trimmed tail keeps its offsets. */
	assert_int_equal(mm_advise(mm, a, 4 * P, MADV_DONTNEED_), -ENOMEM);
	assert_true(holds_file(mm, a + 2 * P, 2, 4 * P));
	assert_true(holds_file(mm, a, 1, 2 * P));
	/* MAP_FIXED over a part replaces it, and its reference with it. */
	assert_int_equal(mm_map_anon(mm, a + 3 * P, P, RW, MM_FIXED), a + 3 * P);
	assert_int_equal(k->refs, 3);
	assert_int_equal(mm_unmap(mm, a, 3 * P), 0);
	assert_int_equal(k->refs, 1);
	assert_int_equal(mm_unmap(mm, a + 3 * P, P), 0);
	fake_free(k);
}

/* Two VMAs merge only for the same file at contiguous offsets. */
static void test_filemap_merge_rules(void **state)
{
	struct mm *mm = MM(state);
	static int open_file; /* what both objects stand for */
	struct fake *k = fake_new(8 * P), *same = fake_new(8 * P), *other = fake_new(8 * P);
	const u64 a = 0x100000, c = 0x400000;
	k->base.id = &open_file;
	same->base.id = &open_file;
	assert_int_equal(map(mm, a, 1, PROT_READ, 0, k, 0), a);
	assert_int_equal(map(mm, a + P, 1, PROT_READ, 0, k, 2 * P), a + P);
	assert_int_equal(k->refs, 3);
	assert_int_equal(mm_remap(mm, a, 2 * P, 2 * P, REMAP_MOVE, c), -EFAULT);
	/* The next offset merges, and the VMA's reference goes with it. */
	assert_int_equal(map(mm, a + P, 1, PROT_READ, 0, k, P), a + P);
	assert_int_equal(k->refs, 2);
	/* Another object for the same open file joins too; one of no id does not. */
	assert_int_equal(map(mm, a + 2 * P, 1, PROT_READ, 0, same, 2 * P), a + 2 * P);
	assert_int_equal(map(mm, a + 3 * P, 1, PROT_READ, 0, other, 3 * P), a + 3 * P);
	assert_int_equal(same->refs, 1);
	assert_int_equal(other->refs, 2);
	assert_int_equal(mm_remap(mm, a, 4 * P, 4 * P, REMAP_MOVE, c), -EFAULT);
	assert_int_equal(mm_remap(mm, a, 3 * P, 3 * P, REMAP_MOVE, c), c);
	assert_true(holds_file(mm, c, 3, 0));
	/* Anonymous memory never joins a file. */
	assert_int_equal(mm_map_anon(mm, c + 3 * P, P, PROT_READ, MM_FIXED), c + 3 * P);
	assert_int_equal(mm_remap(mm, c, 4 * P, 4 * P, REMAP_MOVE, a + 8 * P), -EFAULT);
	assert_int_equal(mm_unmap(mm, a, 0x400000), 0);
	assert_int_equal(k->refs, 1);
	assert_int_equal(other->refs, 1);
	fake_free(k);
	fake_free(same);
	fake_free(other);
}

/* mremap: grow in place reads further into the file, a move keeps private pages. */
static void test_filemap_mremap_grow_move(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000, c = 0x400000;
	assert_int_equal(map(mm, a, 2, RW, 0, k, P), a);
	put(mm, a, 'm');
	assert_int_equal(mm_remap(mm, a, 2 * P, 3 * P, 0, 0), a);
	assert_int_equal(k->refs, 2);
	assert_int_equal(get(mm, a + 2 * P + 7), fbyte(3 * P + 7));
	assert_int_equal(mm_remap(mm, a, 3 * P, 4 * P, 0, 0), a);
	assert_int_equal(mm_handle_fault(mm, a + 3 * P, false, false), -EIO);
	assert_int_equal(mm_remap(mm, a, 4 * P, 4 * P, REMAP_MOVE, c), c);
	assert_int_equal(k->refs, 2);
	assert_int_equal(get(mm, c), 'm');
	assert_true(holds_file(mm, c + P, 2, 2 * P));
	assert_int_equal(mm_handle_fault(mm, c + 3 * P, false, false), -EIO);
	/* A private mapping cannot be duplicated. */
	assert_int_equal(mm_remap(mm, c, 0, P, MM_REMAP_MAYMOVE, 0), -EINVAL);
	/* DONTUNMAP leaves the old range mapped to the file, empty. */
	long r = mm_remap(mm, c, 2 * P, 2 * P, MM_REMAP_MAYMOVE | MM_REMAP_DONTUNMAP, 0);
	assert_true(r > 0);
	assert_int_equal(k->refs, 3);
	assert_int_equal(get(mm, r), 'm');
	assert_int_equal(get(mm, c), fbyte(P));
	assert_int_equal(mm_unmap(mm, r, 2 * P), 0);
	assert_int_equal(mm_unmap(mm, c, 4 * P), 0);
	assert_int_equal(k->refs, 1);
	fake_free(k);
}

/* MAP_SHARED that cannot write: private pages, never writable, duplicable. */
static void test_filemap_shared_nowrite(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 2, PROT_READ, MM_SHARED, k, 0), -ENODEV);
	assert_int_equal(map(mm, a, 2, RW, MM_SHARED | MM_NOWRITE, k, 0), -EACCES);
	assert_int_equal(k->refs, 1);
	assert_int_equal(map(mm, a, 2, PROT_READ, MM_SHARED | MM_NOWRITE, k, 0), a);
	assert_int_equal(mm_protect(mm, a, P, RW), -EACCES);
	assert_int_equal(mm_protect(mm, a, P, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(mm_handle_fault(mm, a + P, true, false), -EACCES);
	assert_int_equal(mm_advise(mm, a, 2 * P, MADV_DONTNEED_), 0);
	long r = mm_remap(mm, a + P, 0, P, MM_REMAP_MAYMOVE, 0);
	assert_true(r > 0 && r != (long)(a + P));
	assert_true(holds_file(mm, r, 1, P));
	assert_int_equal(k->refs, 4);
	u64 total, data, locked;
	mm_vm_pages(mm, &total, &data, &locked);
	assert_int_equal(data, 0);
	assert_int_equal(mm_unmap(mm, a, 2 * P), 0);
	assert_int_equal(mm_unmap(mm, r, P), 0);
	/* /dev/zero's MAP_SHARED when not open for writing: private zeros. */
	assert_int_equal(mm_map_anon(mm, a, P, PROT_READ, MM_SHARED | MM_NOWRITE | MM_FIXED), a);
	assert_int_equal(get(mm, a), 0);
	assert_int_equal(mm_protect(mm, a, P, RW), -EACCES);
	assert_int_equal(mm_advise(mm, a, P, MADV_DONTNEED_), 0);
	assert_int_equal(mm_map_anon(mm, a, P, RW, MM_NOWRITE | MM_FIXED), -EACCES);
	fake_free(k);
}

/* The advice and residency that differ from anonymous memory. */
static void test_filemap_advice(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(2 * P + 1);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 4, RW, 0, k, 0), a);
	assert_int_equal(mm_advise(mm, a, P, MADV_FREE_), -EINVAL);
	assert_int_equal(mm_advise(mm, a, P, MADV_WIPEONFORK_), -EINVAL);
	assert_int_equal(mm_advise(mm, a, P, MADV_REMOVE_), -EACCES);
	/* Inside the file is resident (the file system holds it), touched or not. */
	assert_string_equal(resident(mm, a, 4), "1110");
	assert_int_equal(k->reads, 0);
	assert_int_equal(mm_advise(mm, a, 4 * P, MADV_POPULATE_READ_), -EFAULT);
	assert_int_equal(mm_advise(mm, a, 3 * P, MADV_POPULATE_READ_), 0);
	assert_int_equal(k->reads, 3);
	assert_int_equal(mm_lock(mm, a, 4 * P, 0), -ENOMEM);
	assert_int_equal(mm_advise(mm, a, P, MADV_REMOVE_), -EINVAL);
	assert_int_equal(mm_unlock(mm, a, 4 * P), 0);
	assert_int_equal(mm_sync(mm, a, 4 * P, 4), 0);
	/* DONTFORK: the child has no VMA there, and no reference. */
	assert_int_equal(mm_advise(mm, a + 2 * P, 2 * P, MADV_DONTFORK_), 0);
	assert_int_equal(k->refs, 3);
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	assert_int_equal(k->refs, 4);
	mm_destroy(child);
	assert_int_equal(mm_unmap(mm, a, 4 * P), 0);
	/* MAP_POPULATE reads what lies inside the file and ignores the rest. */
	assert_int_equal(map(mm, a, 4, PROT_READ, MM_POPULATE, k, 0), a);
	assert_non_null(rec_find(a + 2 * P));
	assert_null(rec_find(a + 3 * P));
	assert_int_equal(mm_unmap(mm, a, 4 * P), 0);
	fake_free(k);
}

/* Read errors: SIGBUS, out of memory, or a retry after a signal. */
static void test_filemap_read_errors(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 4, PROT_READ, 0, k, 0), a);
	k->fail = -EIO;
	assert_int_equal(mm_handle_fault(mm, a, false, false), -EIO);
	k->fail = -ENOMEM;
	assert_int_equal(mm_handle_fault(mm, a, false, false), -ENOMEM);
	k->fail = -EINTR;
	assert_int_equal(mm_handle_fault(mm, a, false, false), 0);
	assert_null(rec_find(a));
	k->fail = 0;
	k->size_err = -EIO;
	assert_int_equal(mm_handle_fault(mm, a, false, false), -EIO);
	k->size_err = 0;
	assert_int_equal(mm_handle_fault(mm, a, false, false), 0);
	assert_non_null(rec_find(a));
	assert_int_equal(mm_unmap(mm, a, 4 * P), 0);
	fake_free(k);
}

/* The arguments mm_map_file refuses, without keeping a reference. */
static void test_filemap_map_checks(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	const u64 a = 0x100000;
	assert_int_equal(map(mm, a, 1, PROT_READ, 0, k, 100), -EINVAL);
	assert_int_equal(map(mm, a, 1, PROT_READ, MM_GROWSDOWN, k, 0), -EINVAL);
	assert_int_equal(map(mm, a, 2, PROT_READ, 0, k, ~0ULL << 12), -EOVERFLOW);
	assert_int_equal(map(mm, a, 0, PROT_READ, 0, k, 0), -EINVAL);
	assert_int_equal(mm_map_file(mm, a, P, PROT_READ, MM_FIXED, NULL, 0), -EINVAL);
	assert_int_equal(k->refs, 1);
	/* Not fixed: the hint is taken when free. */
	assert_int_equal(mm_map_file(mm, a, P, PROT_READ, 0, &k->base, 0), a);
	assert_int_equal(mm_map_file(mm, a, P, PROT_READ, MM_FIXED_NOREPLACE, &k->base, 0),
			 -EEXIST);
	assert_int_equal(k->refs, 2);
	assert_int_equal(mm_unmap(mm, a, P), 0);
	fake_free(k);
}

/* The last address space to go drops its references. */
static void test_filemap_destroy_drops_refs(void **state)
{
	struct mm *mm = MM(state);
	struct fake *k = fake_new(4 * P);
	assert_int_equal(map(mm, 0x100000, 2, RW, 0, k, 0), 0x100000);
	assert_int_equal(map(mm, 0x300000, 2, PROT_READ, 0, k, 2 * P), 0x300000);
	put(mm, 0x100000, 'd');
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	assert_int_equal(k->refs, 5);
	mm_destroy(child);
	assert_int_equal(k->refs, 3);
	/* teardown destroys mm: drop the fixture's VMAs here to check the count. */
	assert_int_equal(mm_unmap(mm, 0x100000, 0x300000), 0);
	fake_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filemap_reads_at_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_fault_around_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_tail_and_sigbus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_write_stays_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_fork_cow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_refs_split_merge_unmap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filemap_merge_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_mremap_grow_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_shared_nowrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_advice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_map_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filemap_destroy_drops_refs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
