// SPDX-License-Identifier: Apache-2.0
/*
 * mm over a recording platform: what mm asks the platform to map, and the
 * user-copy doors, without a VM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "mm/mm.h"

#include "rec_platform.h"

static void test_mm_copy_across_pages_and_vmas(void **state)
{
	struct mm *mm = MM(state);
	long a = mm_map_anon(mm, 0x100000, 2 * P, PROT_READ | PROT_WRITE, MM_FIXED);
	long b = mm_map_anon(mm, 0x102000, 2 * P, PROT_READ | PROT_WRITE | PROT_EXEC, MM_FIXED);
	assert_int_equal(a, 0x100000);
	assert_int_equal(b, 0x102000);
	char buf[3 * P], out[3 * P];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x100800), buf, sizeof(buf)), 0);
	assert_int_equal(mm_copy_from_user(mm, out, uaddr(0x100800), sizeof(out)), 0);
	assert_memory_equal(buf, out, sizeof(buf));
	/* Running off the end of the last VMA is EFAULT. */
	assert_int_equal(mm_copy_from_user(mm, out, uaddr(0x103800), P), -EFAULT);
	assert_int_equal(mm_copy_from_user(mm, out, uaddr(~0ULL - 4), 8), -EFAULT);
}

static void test_mm_protection_respected(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x200000, P, PROT_READ, MM_FIXED), 0x200000);
	char c = 1;
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x200000), &c, 1), -EFAULT);
	assert_int_equal(mm_poke(mm, uaddr(0x200000), &c, 1), 0);
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x200000), 1), 0);
	assert_int_equal(c, 1);
	assert_int_equal(mm_handle_fault(mm, 0x200000, true, false), -EACCES);
	assert_int_equal(mm_handle_fault(mm, 0x300000, false, false), -EFAULT);
	assert_int_equal(mm_map_anon(mm, 0x201000, P, PROT_NONE, MM_FIXED), 0x201000);
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x201000), 1), -EFAULT);
}

static void test_mm_mprotect_splits_and_requires_mapping(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x400000, 3 * P, PROT_READ | PROT_WRITE, MM_FIXED),
			 0x400000);
	assert_int_equal(mm_protect(mm, 0x401000, P, PROT_READ), 0);
	char c = 2;
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x400000), &c, 1), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x401000), &c, 1), -EFAULT);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x402000), &c, 1), 0);
	/* A hole in the range: ENOMEM, as Linux. */
	assert_int_equal(mm_protect(mm, 0x400000, 4 * P, PROT_READ), -ENOMEM);
	assert_int_equal(mm_protect(mm, 0x400001, P, PROT_READ), -EINVAL);
}

static void test_mm_fixed_noreplace_and_hint(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x500000, P, PROT_READ, MM_FIXED), 0x500000);
	assert_int_equal(mm_map_anon(mm, 0x500000, P, PROT_READ, MM_FIXED_NOREPLACE), -EEXIST);
	/* A taken hint is moved, not replaced. */
	long r = mm_map_anon(mm, 0x500000, P, PROT_READ, 0);
	assert_true(r > 0 && r != 0x500000);
	assert_int_equal(mm_map_anon(mm, 0, 0, PROT_READ, 0), -EINVAL);
	assert_int_equal(mm_unmap(mm, 0x500001, P), -EINVAL);
}

static void test_mm_brk_semantics(void **state)
{
	struct mm *mm = MM(state);
	mm_brk_init(mm, 0x600123);
	assert_int_equal(mm_brk(mm, 0), 0x600123);
	assert_int_equal(mm_brk(mm, 0x500000), 0x600123); /* below the start: unchanged */
	assert_int_equal(mm_brk(mm, 0x610000), 0x610000);
	char c = 3;
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x60f000), &c, 1), 0);
	assert_int_equal(mm_brk(mm, 0x601000), 0x601000); /* shrink */
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x60f000), &c, 1), -EFAULT);
	assert_int_equal(mm_brk(mm, 0x610000), 0x610000); /* regrow: zeroed */
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(0x60f000), 1), 0);
	assert_int_equal(c, 0);
	/* Growing into another mapping fails and leaves the break. */
	assert_int_equal(mm_map_anon(mm, 0x620000, P, PROT_READ, MM_FIXED), 0x620000);
	assert_int_equal(mm_brk(mm, 0x630000), 0x610000);
}

static void test_mm_fault_around_bounded_by_vma(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x700000, 64 * P, PROT_READ | PROT_WRITE, MM_FIXED),
			 0x700000);
	assert_int_equal(mm_map_anon(mm, 0x740000, 64 * P, PROT_READ, MM_FIXED), 0x740000);
	size_t before = rec.as[0].n;
	assert_int_equal(mm_handle_fault(mm, 0x73f000, true, false), 0);
	assert_int_equal(rec.as[0].n - before, 16); /* the aligned 64 KiB window, all in the VMA */
	assert_int_equal(mm_rss_pages(mm), 16);
	assert_int_equal(mm_unmap(mm, 0x700000, 128 * P), 0);
	assert_int_equal(mm_rss_pages(mm), 0);
}

/*
 * A page table that cannot be allocated (the platform's map fails with
 * -ENOMEM) fails the fault with -ENOMEM, which the Sentry's OOM killer
 * serves, and gives back the frame meant for the page (teardown checks
 * none leaks). A neighbour's failure only ends the fault-around early.
 */
static void test_mm_fault_when_a_page_table_cannot_be_allocated(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x700000, 16 * P, PROT_READ | PROT_WRITE, MM_FIXED),
			 0x700000);
	rec.map_fail_in = 1;
	assert_int_equal(mm_handle_fault(mm, 0x703000, true, false), -ENOMEM);
	assert_int_equal(mm_rss_pages(mm), 0);
	rec.map_fail_in = 3;
	assert_int_equal(mm_handle_fault(mm, 0x703000, true, false), 0);
	assert_int_equal(mm_rss_pages(mm), 2); /* the page, then the window's first */
	assert_int_equal(mm_handle_fault(mm, 0x708000, true, false), 0);
	assert_int_equal(mm_rss_pages(mm), 16);
	assert_int_equal(mm_unmap(mm, 0x700000, 16 * P), 0);
}

/* Pages the fault at va populates, on a mapping where nothing is resident yet. */
static u64 faulted(struct mm *mm, u64 va)
{
	u64 before = mm_rss_pages(mm);
	assert_int_equal(mm_handle_fault(mm, va, true, false), 0);
	return mm_rss_pages(mm) - before;
}

static void test_mm_fault_around_grows_when_sequential(void **state)
{
	struct mm *mm = MM(state);
	const u64 base = 0x40000000, len = 8ULL << 20;
	assert_int_equal(mm_map_anon(mm, base, len, PROT_READ | PROT_WRITE, MM_FIXED), (long)base);
	/*
	 * Each fault just past the last window doubles it, aligned: 16, 32,
	 * ... 512 pages, of which the half above the last window is new.
	 */
	static const u64 added[] = {16, 16, 32, 64, 128, 256, 512, 512};
	u64 at = base;
	for (size_t i = 0; i < ARRAY_SIZE(added); i++) {
		assert_int_equal(faulted(mm, at), added[i]);
		at += added[i] * P;
	}
	/* A fault elsewhere starts small again. */
	assert_int_equal(faulted(mm, base + len - 64 * P), 16);
	assert_int_equal(mm_unmap(mm, base, len), 0);

	/* MADV_NOHUGEPAGE: never more than the small window. */
	assert_int_equal(mm_map_anon(mm, base, len, PROT_READ | PROT_WRITE, MM_FIXED), (long)base);
	assert_int_equal(mm_advise(mm, base, len, MADV_NOHUGEPAGE), 0);
	for (at = base; at < base + 64 * P; at += 16 * P)
		assert_int_equal(faulted(mm, at), 16);
	/* MADV_HUGEPAGE: the aligned 2 MiB at once, inside the VMA. */
	assert_int_equal(mm_advise(mm, base + (2ULL << 20), 2ULL << 20, MADV_HUGEPAGE), 0);
	assert_int_equal(faulted(mm, base + (3ULL << 20)), 512);
	assert_int_equal(mm_unmap(mm, base, len), 0);
	assert_int_equal(mm_rss_pages(mm), 0);
}

static void test_mm_strncpy(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x800000, 2 * P, PROT_READ | PROT_WRITE, MM_FIXED),
			 0x800000);
	char dst[16];
	/* A string that crosses a page boundary. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x800ffe), "abcd", 5), 0);
	assert_int_equal(mm_strncpy_from_user(mm, dst, uaddr(0x800ffe), sizeof(dst)), 4);
	assert_string_equal(dst, "abcd");
	assert_int_equal(mm_strncpy_from_user(mm, dst, uaddr(0x800ffe), 4), -ENAMETOOLONG);
	/* Unterminated at the end of the mapping: EFAULT. */
	char fill[16];
	memset(fill, 'x', sizeof(fill));
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x801ff0), fill, sizeof(fill)), 0);
	assert_int_equal(mm_strncpy_from_user(mm, dst, uaddr(0x801ff8), sizeof(dst)), -EFAULT);
}

/* Shared frames can never be made writable: Linux's EACCES for special mappings. */
static void test_mm_shared_frames_never_writable(void **state)
{
	struct memfile *mf = ((void **)*state)[0];
	struct mm *mm = MM(state);
	u64 pa;
	assert_int_equal(memfile_alloc(mf, &pa), 0);
	assert_int_equal(mm_map_frames(mm, 0x900000, &pa, 1, PROT_READ, MM_FIXED_NOREPLACE),
			 0x900000);
	memfile_put(mf, pa); /* the mapping holds its own reference */
	assert_int_equal(mm_protect(mm, 0x900000, P, PROT_READ | PROT_WRITE), -EACCES);
	assert_int_equal(mm_protect(mm, 0x900000, P, PROT_READ | PROT_EXEC), 0);
	char c = 1;
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x900000), &c, 1), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mm_copy_across_pages_and_vmas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mm_protection_respected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mm_mprotect_splits_and_requires_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mm_fixed_noreplace_and_hint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mm_brk_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mm_fault_around_bounded_by_vma, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mm_fault_when_a_page_table_cannot_be_allocated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mm_fault_around_grows_when_sequential, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mm_strncpy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mm_shared_frames_never_writable, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
