// SPDX-License-Identifier: Apache-2.0
/*
 * MAP_SHARED anonymous memory in one address space: the object's offsets
 * through mremap, splits, trims and merges; its end; the advice that
 * differs from private memory; its frames freed with the last VMA.
 */
#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)
#define MADV_DONTNEED_ 4
#define MADV_FREE_ 8
#define REMAP_MOVE (MM_REMAP_MAYMOVE | MM_REMAP_FIXED)

static struct memfile *MF(void **state)
{
	return ((void **)*state)[0];
}

static void put(struct mm *mm, u64 va, char c)
{
	assert_int_equal(mm_copy_to_user(mm, uaddr(va), &c, 1), 0);
}

/* The bytes at the start of n pages from va, faulted afresh from the object. */
static const char *pages(struct mm *mm, u64 va, u64 n)
{
	static char s[16];
	assert_int_equal(mm_advise(mm, va, n * P, MADV_DONTNEED_), 0);
	for (u64 i = 0; i < n; i++)
		assert_int_equal(mm_copy_from_user(mm, &s[i], uaddr(va + i * P), 1), 0);
	s[n] = 0;
	return s;
}

/* Each VMA keeps the right object offset however it is cut, moved or joined. */
static void test_shmem_offsets_follow_vmas(void **state)
{
	struct mm *mm = MM(state);
	const u64 a = 0x100000, b = 0x300000, c = 0x500000;
	assert_int_equal(mm_map_anon(mm, a, 4 * P, RW, MM_FIXED | MM_SHARED), a);
	for (u64 i = 0; i < 4; i++)
		put(mm, a + i * P, 'A' + i);
	/* A zero old_len maps the same object again. */
	assert_int_equal(mm_remap(mm, a, 0, 4 * P, REMAP_MOVE, b), b);
	assert_string_equal(pages(mm, b, 4), "ABCD");
	put(mm, b + 2 * P, 'z');
	assert_string_equal(pages(mm, a, 4), "ABzD");

	/* Split by mprotect, trimmed by munmap. */
	assert_int_equal(mm_protect(mm, a + 2 * P, P, PROT_READ), 0);
	assert_int_equal(mm_unmap(mm, a, P), 0);
	assert_string_equal(pages(mm, a + P, 3), "BzD");
	/* Merged back, then moved as one VMA. */
	assert_int_equal(mm_protect(mm, a + 2 * P, P, RW), 0);
	assert_int_equal(mm_remap(mm, a + P, 3 * P, 3 * P, REMAP_MOVE, c), c);
	assert_string_equal(pages(mm, c, 3), "BzD");
	/* Offset 0 moved in just below offset 1: the two merge at the front. */
	assert_int_equal(mm_remap(mm, b, P, P, REMAP_MOVE, c - P), c - P);
	assert_string_equal(pages(mm, c - P, 4), "ABzD");
	assert_int_equal(mm_remap(mm, c - P, 4 * P, 4 * P, REMAP_MOVE, a), a);
	assert_string_equal(pages(mm, a, 4), "ABzD");
	/* Adjacent pages of one object out of order stay apart. */
	assert_int_equal(mm_remap(mm, b + 3 * P, P, P, REMAP_MOVE, a + 4 * P), a + 4 * P);
	assert_int_equal(mm_unmap(mm, a + P, 3 * P), 0);
	assert_int_equal(mm_remap(mm, a + 4 * P, P, P, REMAP_MOVE, a + P), a + P);
	assert_int_equal(mm_remap(mm, a, 2 * P, 2 * P, REMAP_MOVE, c), -EFAULT);
	assert_string_equal(pages(mm, a, 2), "AD");
}

/* A shared mapping grown past its object faults with SIGBUS there, as Linux. */
static void test_shmem_grow_past_end(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED | MM_SHARED), 0x100000);
	assert_int_equal(mm_remap(mm, 0x100000, 2 * P, 4 * P, 0, 0), 0x100000);
	assert_int_equal(mm_handle_fault(mm, 0x101000, true, false), 0);
	assert_int_equal(mm_handle_fault(mm, 0x102000, false, false), -EIO);
	char c;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x103000), 1), -EFAULT);
	assert_int_equal(mm_lock(mm, 0x100000, 2 * P, 0), 0);
}

static void test_shmem_remap_zero_len(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_remap(mm, 0x100000, 0, P, MM_REMAP_MAYMOVE, 0), -EINVAL);
	assert_int_equal(mm_map_anon(mm, 0x200000, P, RW, MM_FIXED | MM_SHARED), 0x200000);
	assert_int_equal(mm_remap(mm, 0x200000, 0, P, 0, 0), -ENOMEM);
	long r = mm_remap(mm, 0x200000, 0, P, MM_REMAP_MAYMOVE, 0);
	assert_true(r > 0 && r != 0x200000);
	put(mm, r, 'x');
	char c;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x200000), 1), 0);
	assert_int_equal(c, 'x');
}

/* Where shared memory differs from private: advice, residency, accounting, flags. */
static void test_shmem_advice_and_accounting(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 32 * P, RW, MM_FIXED | MM_SHARED), 0x100000);
	assert_int_equal(mm_advise(mm, 0x100000, P, MADV_FREE_), -EINVAL);
	put(mm, 0x100000, 'k');
	assert_int_equal(mm_advise(mm, 0x100000, 32 * P, MADV_DONTNEED_), 0);
	/* mincore sees the object's pages (Linux's page cache), mapped or not. */
	assert_string_equal(resident(mm, 0x10f000, 2), "10");
	u64 total, data, locked;
	mm_vm_pages(mm, &total, &data, &locked);
	assert_int_equal(total, 32 + 1); /* and resident()'s scratch page */
	assert_int_equal(data, 1);	 /* shared memory is not data (RLIMIT_DATA) */
	assert_int_equal(mm_map_anon(mm, 0, P, RW, MM_SHARED | MM_GROWSDOWN), -EINVAL);
}

/* Two MAP_SHARED mappings are two objects, even side by side. */
static void test_shmem_separate_objects(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, P, RW, MM_FIXED | MM_SHARED), 0x100000);
	assert_int_equal(mm_map_anon(mm, 0x101000, P, RW, MM_FIXED | MM_SHARED), 0x101000);
	put(mm, 0x100000, 'a');
	put(mm, 0x101000, 'b');
	assert_int_equal(mm_remap(mm, 0x100000, 2 * P, 2 * P, REMAP_MOVE, 0x300000), -EFAULT);
	assert_string_equal(pages(mm, 0x100000, 2), "ab");
}

/* The object's frames outlive any one VMA and go with the last. */
static void test_shmem_freed_with_last_vma(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED | MM_SHARED | MM_POPULATE),
			 0x100000);
	assert_int_equal(memfile_used_frames(mf), 4);
	put(mm, 0x103000, 'l');
	assert_int_equal(mm_remap(mm, 0x100000, 0, 4 * P, REMAP_MOVE, 0x200000), 0x200000);
	assert_int_equal(mm_unmap(mm, 0x100000, 4 * P), 0);
	assert_int_equal(memfile_used_frames(mf), 4);
	assert_string_equal(pages(mm, 0x203000, 1), "l");
	/* MAP_FIXED over the last mapping replaces it, object and all. */
	assert_int_equal(mm_map_anon(mm, 0x200000, 4 * P, RW, MM_FIXED), 0x200000);
	assert_int_equal(memfile_used_frames(mf), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shmem_offsets_follow_vmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmem_grow_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmem_remap_zero_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmem_advice_and_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmem_separate_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmem_freed_with_last_vma, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
