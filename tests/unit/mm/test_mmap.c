// SPDX-License-Identifier: Apache-2.0
/* Growing down, PROT_GROWSDOWN, the stack, RLIMIT_AS and RLIMIT_DATA. */
#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)
#define MIB (1ULL << 20)

static void set_limits(struct mm *mm, u64 as, u64 data, u64 stack)
{
	struct mm_limits l = {.as = as,
			      .data = data,
			      .data_max = ~0ULL,
			      .stack = stack,
			      .memlock = ~0ULL,
			      .memlock_max = ~0ULL,
			      .ipc_lock = true};
	mm_set_limits(mm, &l);
}

static void test_growsdown_fault_grows(void **state)
{
	struct mm *mm = MM(state);
	const u64 g = 0x4000000;
	assert_int_equal(mm_map_anon(mm, g, 4 * P, RW, MM_FIXED | MM_GROWSDOWN), g);
	assert_string_equal(resident(mm, g - P, 1), "ENOMEM");
	assert_int_equal(mm_handle_fault(mm, g - 1, true, false), 0);
	assert_string_equal(resident(mm, g - P, 1), "1");
	assert_string_equal(resident(mm, g - 2 * P, 1), "ENOMEM");
	/* Copies grow it too, as the kernel's own faults do. */
	char c = 1;
	assert_int_equal(mm_copy_to_user(mm, uaddr(g - 10 * P), &c, 1), 0);
	assert_string_not_equal(resident(mm, g - 5 * P, 1), "ENOMEM");
	/* RLIMIT_STACK bounds the whole mapping. */
	set_limits(mm, ~0ULL, ~0ULL, 16 * P);
	assert_int_equal(mm_handle_fault(mm, g - 12 * P, true, false), 0);
	assert_int_equal(mm_handle_fault(mm, g - 13 * P, true, false), -EFAULT);
}

static void test_growsdown_guard_gap(void **state)
{
	struct mm *mm = MM(state);
	const u64 g = 0x4000000, low = g - 64 * P;
	assert_int_equal(mm_map_anon(mm, low, P, RW, MM_FIXED), low);
	assert_int_equal(mm_map_anon(mm, g, P, RW, MM_FIXED | MM_GROWSDOWN), g);
	assert_int_equal(mm_handle_fault(mm, g - 1, true, false), -EFAULT);
	assert_int_equal(mm_protect(mm, low, P, PROT_NONE), 0);
	assert_int_equal(mm_handle_fault(mm, g - 1, true, false), 0);
	/* A hint inside the gap below a stack is not taken. */
	long a = mm_map_anon(mm, g - 2 * P - P, P, RW, 0);
	assert_true(a > 0 && (u64)a != g - 3 * P);
}

static void test_protect_growsdown(void **state)
{
	struct mm *mm = MM(state);
	const u64 g = 0x4000000;
	assert_int_equal(mm_map_anon(mm, g, 8 * P, RW, MM_FIXED | MM_GROWSDOWN), g);
	assert_int_equal(mm_map_anon(mm, 0x100000, P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_protect_grows(mm, g + 4 * P, P, PROT_READ, MM_PROT_GROWSDOWN), 0);
	char c = 1;
	assert_int_equal(mm_copy_to_user(mm, uaddr(g), &c, 1), -EFAULT);
	assert_int_equal(mm_copy_to_user(mm, uaddr(g + 4 * P), &c, 1), -EFAULT);
	assert_int_equal(mm_copy_to_user(mm, uaddr(g + 5 * P), &c, 1), 0);
	assert_int_equal(mm_protect_grows(mm, 0x100000, P, PROT_READ, MM_PROT_GROWSDOWN), -EINVAL);
	assert_int_equal(mm_protect_grows(mm, 0x100000, P, PROT_READ, MM_PROT_GROWSUP), -EINVAL);
	assert_int_equal(mm_protect_grows(mm, 0x200000, P, PROT_READ, MM_PROT_GROWSUP), -ENOMEM);
	assert_int_equal(mm_protect_grows(mm, g - 100 * P, P, PROT_READ, MM_PROT_GROWSDOWN),
			 -ENOMEM);
}

static void test_stack_grows_on_demand(void **state)
{
	struct mm *mm = MM(state);
	const u64 top = MM_TASK_SIZE;
	assert_int_equal(mm_map_stack(mm, top, 8 * MIB), 0);
	assert_string_equal(resident(mm, top - 33 * P, 1), "0");
	assert_string_equal(resident(mm, top - 34 * P, 1), "ENOMEM");
	char c = 1;
	assert_int_equal(mm_copy_to_user(mm, uaddr(top - 4 * MIB), &c, 1), 0);
	assert_string_equal(resident(mm, top - 4 * MIB + P, 1), "0");
	/* The size given is RLIMIT_STACK until the limits are set. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(top - 8 * MIB), &c, 1), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(top - 8 * MIB - 1), &c, 1), -EFAULT);
}

static void test_rlimit_as_and_data(void **state)
{
	struct mm *mm = MM(state);
	set_limits(mm, 64 * P, 16 * P, ~0ULL);
	assert_int_equal(mm_map_anon(mm, 0x100000, 128 * P, PROT_NONE, 0) > 0, 0);
	assert_int_equal(mm_map_anon(mm, 0x100000, 32 * P, RW, MM_FIXED), -ENOMEM);
	assert_int_equal(mm_map_anon(mm, 0x100000, 32 * P, PROT_READ, MM_FIXED), 0x100000);
	assert_int_equal(mm_protect(mm, 0x100000, 32 * P, RW), -ENOMEM);
	assert_int_equal(mm_protect(mm, 0x100000, 8 * P, RW), 0);
	/* MAP_FIXED over counted pages: only the growth counts. */
	assert_int_equal(mm_map_anon(mm, 0x100000, 32 * P, PROT_READ, MM_FIXED), 0x100000);
	assert_int_equal(mm_map_anon(mm, 0x200000, 40 * P, PROT_READ, MM_FIXED), -ENOMEM);
	mm_brk_init(mm, 0x600000);
	assert_int_equal(mm_brk(mm, 0x600000 + 32 * P), 0x600000);
	assert_int_equal(mm_brk(mm, 0x600000 + 8 * P), 0x600000 + 8 * P);
}

static void test_brk_keeps_a_page_free(void **state)
{
	struct mm *mm = MM(state);
	mm_brk_init(mm, 0x600000);
	assert_int_equal(mm_map_anon(mm, 0x610000, P, PROT_READ, MM_FIXED), 0x610000);
	assert_int_equal(mm_brk(mm, 0x610000), 0x600000);
	assert_int_equal(mm_brk(mm, 0x60f000), 0x60f000);
	/* Shrinking needs the heap to be there. */
	assert_int_equal(mm_unmap(mm, 0x600000, 0xf000), 0);
	assert_int_equal(mm_brk(mm, 0x600000), 0x60f000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_growsdown_fault_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growsdown_guard_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_growsdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_grows_on_demand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rlimit_as_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_keeps_a_page_free, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
