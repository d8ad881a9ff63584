// SPDX-License-Identifier: Apache-2.0
/*
 * mm_lock and friends: populating, accounting against RLIMIT_MEMLOCK,
 * and populating through the OOM killer when memory is full.
 */
#include <pthread.h>

#include "rec_platform.h"
#include "mm/memfile.h"
#include "mm/mm_internal.h" /* struct mm's lock, to see it let go */

#define RW (PROT_READ | PROT_WRITE)

static void limit_memlock(struct mm *mm, u64 bytes)
{
	struct mm_limits l = {.as = ~0ULL,
			      .data = ~0ULL,
			      .data_max = ~0ULL,
			      .stack = ~0ULL,
			      .memlock = bytes,
			      .memlock_max = ~0ULL,
			      .ipc_lock = false};
	mm_set_limits(mm, &l);
}

static u64 locked(struct mm *mm)
{
	u64 total, data, lck;
	mm_vm_pages(mm, &total, &data, &lck);
	return lck;
}

static void test_mlock_populates_and_counts(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_lock(mm, 0x101000, 2 * P, 0), 0);
	assert_string_equal(resident(mm, 0x100000, 4), "0110");
	assert_int_equal(locked(mm), 2);
	assert_int_equal(mm_lock(mm, 0x100000, 4 * P, MM_LOCK_ONFAULT), 0);
	assert_int_equal(locked(mm), 4);
	assert_string_equal(resident(mm, 0x100000, 4), "0110");
	assert_int_equal(mm_unlock(mm, 0x100000, 4 * P), 0);
	assert_int_equal(locked(mm), 0);
	assert_int_equal(mm_lock(mm, 0x100000, P, 2), -EINVAL);
	/* Unmapping locked memory uncounts it. */
	assert_int_equal(mm_lock(mm, 0x100000, 4 * P, 0), 0);
	assert_int_equal(mm_unmap(mm, 0x100000, P), 0);
	assert_int_equal(locked(mm), 3);
	assert_int_equal(mm_lock(mm, 0x100000, 4 * P, 0), -ENOMEM);
}

static void test_mlock_rlimit(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_string_equal(resident(mm, 0x100000, 1), "0"); /* maps the scratch page */
	limit_memlock(mm, 2 * P);
	assert_int_equal(mm_lock(mm, 0x100000, 2 * P, 0), 0);
	assert_int_equal(mm_lock(mm, 0x102000, P, 0), -ENOMEM);
	/* Pages locked already do not count twice. */
	assert_int_equal(mm_lock(mm, 0x100000, 2 * P, 0), 0);
	assert_int_equal(mm_map_anon(mm, 0x200000, P, RW, MM_FIXED | MM_LOCKED), -EAGAIN);
	assert_int_equal(mm_unlock(mm, 0x100000, 2 * P), 0);
	assert_int_equal(mm_lock_all(mm, MM_MCL_FUTURE), 0);
	assert_int_equal(mm_map_anon(mm, 0x200000, 2 * P, RW, MM_FIXED), 0x200000);
	assert_string_equal(resident(mm, 0x200000, 2), "11");
	assert_int_equal(mm_map_anon(mm, 0x300000, P, RW, MM_FIXED), -EAGAIN);
	assert_int_equal(mm_unlock_all(mm), 0);
	assert_int_equal(locked(mm), 0);
	limit_memlock(mm, 0);
	assert_int_equal(mm_lock(mm, 0x100000, P, 0), -EPERM);
	assert_int_equal(mm_lock_all(mm, MM_MCL_CURRENT), -EPERM);
	assert_int_equal(mm_map_anon(mm, 0x300000, P, RW, MM_FIXED | MM_LOCKED), -EPERM);
	assert_int_equal(mm_unlock(mm, 0x100000, P), 0);
}

static void test_mlockall(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_lock_all(mm, 0), -EINVAL);
	assert_int_equal(mm_lock_all(mm, MM_MCL_ONFAULT), -EINVAL);
	assert_int_equal(mm_lock_all(mm, 8), -EINVAL);
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_map_anon(mm, 0x200000, 2 * P, PROT_NONE, MM_FIXED), 0x200000);
	assert_string_equal(resident(mm, 0x100000, 1), "0"); /* maps the scratch page */
	assert_int_equal(mm_lock_all(mm, MM_MCL_CURRENT), 0);
	assert_string_equal(resident(mm, 0x100000, 2), "11");
	assert_string_equal(resident(mm, 0x200000, 2), "00");
	assert_int_equal(locked(mm), 4 + 1);			    /* and the scratch page */
	assert_int_equal(mm_lock(mm, 0x200000, 2 * P, 0), -ENOMEM); /* PROT_NONE */
	assert_int_equal(mm_unlock_all(mm), 0);
	assert_int_equal(locked(mm), 0);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static struct memfile *oom_mf;
static unsigned int oom_calls;

/* A stand-in for the OOM killer whose victim gives back one frame. */
static int oom_frees_a_frame(struct mm *mm, u64 addr, unsigned int attempt)
{
	(void)addr;
	(void)attempt;
	/* mm->lock is let go while the killer waits: the victim's exit may need it. */
	assert_int_equal(pthread_mutex_trylock(&mm->lock), 0);
	pthread_mutex_unlock(&mm->lock);
	oom_calls++;
	memfile_set_limit(oom_mf, (memfile_limit_pages(oom_mf) + 1) * P);
	return 0;
}

/* One whose victim is the caller's own process. */
static int oom_kills_the_caller(struct mm *mm, u64 addr, unsigned int attempt)
{
	(void)mm;
	(void)addr;
	(void)attempt;
	oom_calls++;
	return -ENOMEM;
}

static void test_populating_runs_the_oom_killer(void **state)
{
	struct mm *mm = MM(state);
	oom_mf = ((void **)*state)[0];
	oom_calls = 0;
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_string_equal(resident(mm, 0x100000, 1), "0"); /* maps the scratch page */
	memfile_set_limit(oom_mf, (memfile_used_frames(oom_mf) + 2) * P);

	/* With no killer, what does not fit fails at once: mlock's EAGAIN. */
	assert_int_equal(mm_lock(mm, 0x100000, 4 * P, 0), -EAGAIN);
	assert_string_equal(resident(mm, 0x100000, 4), "1100");

	/* With one, each page that finds memory full waits a round of it. */
	mm_set_oom_handler(oom_frees_a_frame);
	assert_int_equal(mm_lock(mm, 0x100000, 4 * P, 0), 0);
	assert_string_equal(resident(mm, 0x100000, 4), "1111");
	assert_int_equal(oom_calls, 2);
	assert_int_equal(mm_map_anon(mm, 0x200000, 2 * P, RW, MM_FIXED | MM_POPULATE), 0x200000);
	assert_string_equal(resident(mm, 0x200000, 2), "11");
	assert_int_equal(oom_calls, 4);
	assert_int_equal(mm_map_anon(mm, 0x300000, 2 * P, RW, MM_FIXED), 0x300000);
	assert_int_equal(mm_advise(mm, 0x300000, 2 * P, MADV_POPULATE_WRITE), 0);
	assert_string_equal(resident(mm, 0x300000, 2), "11");
	assert_int_equal(oom_calls, 6);

	/* Its own process killed, mlock fails (EAGAIN), MADV_POPULATE_* too (ENOMEM). */
	mm_set_oom_handler(oom_kills_the_caller);
	assert_int_equal(mm_map_anon(mm, 0x400000, 2 * P, RW, MM_FIXED), 0x400000);
	assert_int_equal(mm_lock(mm, 0x400000, P, 0), -EAGAIN);
	assert_int_equal(mm_advise(mm, 0x400000, 2 * P, MADV_POPULATE_WRITE), -ENOMEM);
	assert_string_equal(resident(mm, 0x400000, 2), "00");
	assert_int_equal(oom_calls, 8);
	mm_set_oom_handler(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mlock_populates_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_rlimit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlockall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_populating_runs_the_oom_killer, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
