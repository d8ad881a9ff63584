// SPDX-License-Identifier: Apache-2.0
/* mm_remap over a recording platform: frames move, nothing is copied. */
#include "mm/mm_internal.h"
#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)

static void test_mremap_moves_frames(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = ((void **)*state)[0];
	char buf[2 * P], out[2 * P];
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED), 0x100000);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x100000), buf, sizeof(buf)), 0);
	struct rec_entry *e = rec_find(0x101000);
	assert_non_null(e);
	u64 pa = e->pa;
	u64 used = memfile_used_frames(mf);

	long r = mm_remap(mm, 0x100000, 2 * P, 4 * P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x200000);
	assert_int_equal(r, 0x200000);
	/* The same frame now backs the new address; the old one is gone. */
	assert_null(rec_find(0x101000));
	e = rec_find(0x201000);
	assert_non_null(e);
	assert_int_equal(e->pa, pa);
	assert_int_equal(memfile_used_frames(mf), used);
	assert_string_equal(resident(mm, 0x200000, 4), "1100");
	assert_string_equal(resident(mm, 0x100000, 1), "ENOMEM");
	assert_int_equal(mm_copy_from_user(mm, out, uaddr(0x200000), sizeof(out)), 0);
	assert_memory_equal(buf, out, sizeof(out));
}

static void test_mremap_grow_shrink_in_place(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_remap(mm, 0x100000, 4 * P, 2 * P, 0, 0), 0x100000);
	assert_string_equal(resident(mm, 0x102000, 1), "ENOMEM");
	assert_int_equal(mm_remap(mm, 0x100000, 2 * P, 8 * P, 0, 0), 0x100000);
	assert_string_equal(resident(mm, 0x100000, 8), "00000000");
	/* Something above: no room, and no MAYMOVE. */
	assert_int_equal(mm_map_anon(mm, 0x108000, P, PROT_READ, MM_FIXED), 0x108000);
	assert_int_equal(mm_remap(mm, 0x100000, 8 * P, 9 * P, 0, 0), -ENOMEM);
	long r = mm_remap(mm, 0x100000, 8 * P, 9 * P, MM_REMAP_MAYMOVE, 0);
	assert_true(r > 0 && r != 0x100000);
	assert_string_equal(resident(mm, 0x100000, 1), "ENOMEM");
}

static void test_mremap_dontunmap(void **state)
{
	struct mm *mm = MM(state);
	char c = 7;
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x100000), &c, 1), 0);
	assert_int_equal(mm_remap(mm, 0x100000, 2 * P, 2 * P, MM_REMAP_DONTUNMAP, 0), -EINVAL);
	long r = mm_remap(mm, 0x100000, 2 * P, 2 * P, MM_REMAP_MAYMOVE | MM_REMAP_DONTUNMAP,
			  0x300000);
	assert_int_equal(r, 0x300000); /* the hint was free */
	assert_string_equal(resident(mm, 0x100000, 2), "00");
	c = 0;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x300000), 1), 0);
	assert_int_equal(c, 7);
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x100000), 1), 0);
	assert_int_equal(c, 0);
}

static void test_mremap_errors(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_remap(mm, 0x100000, P, P, 8, 0), -EINVAL);
	assert_int_equal(mm_remap(mm, 0x100000, P, P, MM_REMAP_FIXED, 0x200000), -EINVAL);
	assert_int_equal(mm_remap(mm, 0x100001, P, P, 0, 0), -EINVAL);
	assert_int_equal(mm_remap(mm, 0x100000, P, 0, 0, 0), -EINVAL);
	assert_int_equal(mm_remap(mm, 0x100000, 0, P, MM_REMAP_MAYMOVE, 0), -EINVAL);
	assert_int_equal(
		mm_remap(mm, 0x100000, 2 * P, 2 * P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x101000),
		-EINVAL);
	assert_int_equal(mm_unmap(mm, 0x102000, P), 0);
	assert_int_equal(mm_remap(mm, 0x100000, 4 * P, 8 * P, MM_REMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(mm_remap(mm, 0x102000, P, 2 * P, MM_REMAP_MAYMOVE, 0), -EFAULT);
	/* A shrink whose old length wraps past the top: nothing unmapped, the set whole. */
	assert_int_equal(mm_remap(mm, 0x100000, -P, P, 0, 0), -EINVAL);
	assert_int_equal(mm_remap(mm, 0x100000, -P, P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x400000),
			 -EINVAL);
	assert_null(vma_set_check(&mm->vmas));
	assert_non_null(vma_find(&mm->vmas, 0x101000));
	/* Growth that RLIMIT_AS refuses. */
	struct mm_limits l = {.as = 8 * P,
			      .data = ~0ULL,
			      .data_max = ~0ULL,
			      .stack = ~0ULL,
			      .memlock = ~0ULL,
			      .memlock_max = ~0ULL};
	mm_set_limits(mm, &l);
	assert_int_equal(mm_remap(mm, 0x100000, 2 * P, 16 * P, MM_REMAP_MAYMOVE, 0), -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mremap_moves_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_grow_shrink_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_dontunmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
