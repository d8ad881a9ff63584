// SPDX-License-Identifier: Apache-2.0
/* mm_advise, mm_mincore, mm_sync over a recording platform. */
#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)

static void test_madvise_dontneed_drops_frames(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = ((void **)*state)[0];
	char buf[4 * P];
	memset(buf, 1, sizeof(buf));
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x100000), buf, sizeof(buf)), 0);
	assert_string_equal(resident(mm, 0x100000, 4), "1111");
	u64 used = memfile_used_frames(mf);
	assert_int_equal(mm_advise(mm, 0x101000, 2 * P, 4 /* DONTNEED */), 0);
	assert_int_equal(memfile_used_frames(mf), used - 2);
	assert_null(rec_find(0x101000));
	assert_string_equal(resident(mm, 0x100000, 4), "1001");
	char c = 9;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x101000), 1), 0);
	assert_int_equal(c, 0);
}

static void test_madvise_hole_and_errors(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 3 * P, RW, MM_POPULATE | MM_FIXED), 0x100000);
	assert_int_equal(mm_unmap(mm, 0x101000, P), 0);
	/* The hole is reported after both sides were advised. */
	assert_int_equal(mm_advise(mm, 0x100000, 3 * P, 4), -ENOMEM);
	assert_string_equal(resident(mm, 0x102000, 1), "0");
	assert_int_equal(mm_advise(mm, 0x100000, P, 5), -EINVAL);
	assert_int_equal(mm_advise(mm, 0x100001, P, 4), -EINVAL);
	assert_int_equal(mm_advise(mm, 0x100000, ~0ULL, 4), -EINVAL);
	assert_int_equal(mm_advise(mm, 0x100000, 0, 4), 0);
	assert_int_equal(mm_advise(mm, 0x100000, P, 9 /* REMOVE */), -EINVAL);
	assert_int_equal(mm_advise(mm, 0x400000, P, 3 /* WILLNEED */), -ENOMEM);
}

static void test_madvise_flags_split_vmas(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_advise(mm, 0x102000, 2 * P, 10 /* DONTFORK */), 0);
	assert_int_equal(mm_remap(mm, 0x100000, 4 * P, 8 * P, MM_REMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(mm_advise(mm, 0x102000, 2 * P, 11 /* DOFORK */), 0);
	assert_true(mm_remap(mm, 0x100000, 4 * P, 8 * P, MM_REMAP_MAYMOVE, 0) > 0);
}

static void test_mincore_errors(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED), 0x100000);
	assert_string_equal(resident(mm, 0x100000, 2), "00");
	assert_int_equal(mm_mincore(mm, 0x100001, P, uaddr(0x100000)), -EINVAL);
	assert_int_equal(mm_mincore(mm, 0x100000, P, uaddr(0x900000)), -EFAULT);
	assert_int_equal(mm_mincore(mm, 0x100000, P, uaddr(~0ULL - 2)), -EFAULT);
	assert_int_equal(mm_mincore(mm, 0x100000, 1ULL << 48, uaddr(0x100000)), -ENOMEM);
	assert_int_equal(mm_mincore(mm, 0x100000, 3 * P, uaddr(0x100000)), -ENOMEM);
	assert_int_equal(mm_mincore(mm, 0x900000, 0, uaddr(0x100000)), 0);
}

static void test_msync_checks(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 3 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_sync(mm, 0x100000, 3 * P, 4), 0);
	assert_int_equal(mm_sync(mm, 0x100000, 3 * P, 1 | 4), -EINVAL);
	assert_int_equal(mm_sync(mm, 0x100000, 3 * P, 8), -EINVAL);
	assert_int_equal(mm_sync(mm, 0x100001, 3 * P, 4), -EINVAL);
	assert_int_equal(mm_unmap(mm, 0x101000, P), 0);
	assert_int_equal(mm_sync(mm, 0x100000, 3 * P, 4), -ENOMEM);
	assert_int_equal(mm_sync(mm, 0x100000, 0, 4), 0);
	assert_int_equal(mm_lock(mm, 0x100000, P, 0), 0);
	assert_int_equal(mm_sync(mm, 0x100000, P, 2 | 4), -EBUSY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_madvise_dontneed_drops_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_madvise_hole_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madvise_flags_split_vmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mincore_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msync_checks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
