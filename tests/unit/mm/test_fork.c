// SPDX-License-Identifier: Apache-2.0
/*
 * mm_fork over a recording platform: copy-on-write from either side,
 * shared memory staying shared, fork advice, what the child inherits, and
 * every frame going back once both address spaces are gone.
 */
#include <time.h>

#include "rec_platform.h"

#define RW (PROT_READ | PROT_WRITE)
#define PW PLATFORM_PROT_WRITE
#define MADV_DONTNEED_ 4
#define MADV_DONTFORK_ 10
#define MADV_DOFORK_ 11
#define MADV_WIPEONFORK_ 18
#define MADV_KEEPONFORK_ 19

static struct memfile *MF(void **state)
{
	return ((void **)*state)[0];
}

/* The frame the platform maps at va in mm (which must be mapped). */
static u64 frame(struct mm *mm, u64 va)
{
	struct rec_entry *e = rec_lookup(rec_of(mm), va);
	assert_non_null(e);
	return e->pa;
}

static u32 prot(struct mm *mm, u64 va)
{
	struct rec_entry *e = rec_lookup(rec_of(mm), va);
	assert_non_null(e);
	return e->prot;
}

static void put(struct mm *mm, u64 va, char c)
{
	assert_int_equal(mm_copy_to_user(mm, uaddr(va), &c, 1), 0);
}

static char get(struct mm *mm, u64 va)
{
	char c = 0x7f;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(va), 1), 0);
	return c;
}

static struct mm *fork_ok(struct mm *mm)
{
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	return child;
}

/* Both sides map the frame read-only; the child's first write copies it. */
static void test_fork_cow_child_writes_first(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 2 * P, RW, MM_FIXED), 0x100000);
	put(mm, 0x100000, 'a');
	put(mm, 0x101000, 'a');
	u64 pa = frame(mm, 0x100000);
	assert_true(prot(mm, 0x100000) & PW);

	struct mm *child = fork_ok(mm);
	assert_int_equal(frame(child, 0x100000), pa);
	assert_false(prot(mm, 0x100000) & PW);
	assert_false(prot(child, 0x100000) & PW);
	assert_int_equal(memfile_refcount(mf, pa), 2);

	/* A read fault keeps sharing. */
	assert_int_equal(mm_handle_fault(child, 0x100000, false, false), 0);
	assert_int_equal(frame(child, 0x100000), pa);
	assert_false(prot(child, 0x100000) & PW);

	/* The child's write fault copies, contents and all. */
	assert_int_equal(mm_handle_fault(child, 0x100000, true, false), 0);
	u64 copy = frame(child, 0x100000);
	assert_int_not_equal(copy, pa);
	assert_true(prot(child, 0x100000) & PW);
	assert_int_equal(memfile_refcount(mf, pa), 1);
	assert_int_equal(get(child, 0x100000), 'a');
	put(child, 0x100000, 'b');
	assert_int_equal(get(mm, 0x100000), 'a');

	/* The parent's frame is its own again: writable without a copy. */
	assert_int_equal(mm_handle_fault(mm, 0x100000, true, false), 0);
	assert_int_equal(frame(mm, 0x100000), pa);
	assert_true(prot(mm, 0x100000) & PW);
	put(mm, 0x100000, 'c');
	assert_int_equal(get(child, 0x100000), 'b');
	mm_destroy(child);
}

/* The same from the parent's side, through the Sentry's own copy-out. */
static void test_fork_cow_parent_writes_first(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, P, RW, MM_FIXED), 0x100000);
	put(mm, 0x100000, 'a');
	u64 pa = frame(mm, 0x100000);
	struct mm *child = fork_ok(mm);

	put(mm, 0x100000, 'p'); /* mm_copy_to_user breaks COW too */
	assert_int_not_equal(frame(mm, 0x100000), pa);
	assert_true(prot(mm, 0x100000) & PW);
	assert_int_equal(get(child, 0x100000), 'a');
	assert_int_equal(memfile_refcount(mf, pa), 1);

	u64 used = memfile_used_frames(mf);
	assert_int_equal(mm_handle_fault(child, 0x100000, true, false), 0);
	assert_int_equal(frame(child, 0x100000), pa); /* no copy at refcount 1 */
	assert_true(prot(child, 0x100000) & PW);
	put(child, 0x100000, 'c');
	assert_int_equal(memfile_used_frames(mf), used);
	assert_int_equal(get(mm, 0x100000), 'p');
	mm_destroy(child);
}

/* A grandchild shares too; each writer copies until one user is left. */
static void test_fork_of_fork(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, P, RW, MM_FIXED | MM_POPULATE), 0x100000);
	put(mm, 0x100000, 'a');
	u64 pa = frame(mm, 0x100000);
	struct mm *child = fork_ok(mm);
	struct mm *grand = fork_ok(child);
	assert_int_equal(memfile_refcount(mf, pa), 3);
	put(child, 0x100000, 'c');
	assert_int_equal(memfile_refcount(mf, pa), 2);
	assert_int_equal(get(mm, 0x100000), 'a');
	assert_int_equal(get(grand, 0x100000), 'a');
	mm_destroy(child);
	put(grand, 0x100000, 'g');
	assert_int_not_equal(frame(grand, 0x100000), pa);
	put(mm, 0x100000, 'p');
	assert_int_equal(frame(mm, 0x100000), pa);
	assert_int_equal(get(grand, 0x100000), 'g');
	mm_destroy(grand);
}

/* Read-only private memory just shares its frame; mprotect keeps it COW. */
static void test_fork_readonly_shares_frame(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	const u64 a = 0x100000, b = 0x101000;
	assert_int_equal(mm_map_anon(mm, a, 2 * P, PROT_READ, MM_FIXED), a);
	char c = 'r';
	assert_int_equal(mm_poke(mm, uaddr(a), &c, 1), 0);
	assert_int_equal(mm_poke(mm, uaddr(b), &c, 1), 0);
	u64 pa = frame(mm, a), pb = frame(mm, b);
	struct mm *child = fork_ok(mm);
	assert_int_equal(frame(child, a), pa);
	assert_int_equal(prot(mm, a), PLATFORM_PROT_READ);
	assert_int_equal(memfile_refcount(mf, pa), 2);

	/* Made writable, a shared page is still mapped read-only until written. */
	assert_int_equal(mm_protect(child, a, P, RW), 0);
	assert_false(prot(child, a) & PW);
	put(child, a, 'w');
	assert_int_not_equal(frame(child, a), pa);
	assert_int_equal(get(mm, a), 'r');

	/* A forced write (program loading, ptrace) copies too. */
	c = 'q';
	assert_int_equal(mm_poke(mm, uaddr(b), &c, 1), 0);
	assert_int_not_equal(frame(mm, b), pb);
	assert_int_equal(get(child, b), 'r');
	assert_int_equal(memfile_refcount(mf, pb), 1);
	mm_destroy(child);
}

/* MAP_SHARED anonymous memory: both sides see each other's writes, forever. */
static void test_fork_shared_anon_stays_shared(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	const u64 len = 64 * P; /* beyond one fault-around window */
	assert_int_equal(mm_map_anon(mm, 0x100000, len, RW, MM_FIXED | MM_SHARED), 0x100000);
	put(mm, 0x100000, 'a');
	struct mm *child = fork_ok(mm);
	assert_int_equal(frame(child, 0x100000), frame(mm, 0x100000));
	assert_true(prot(mm, 0x100000) & PW);
	assert_true(prot(child, 0x100000) & PW);

	assert_int_equal(get(child, 0x100000), 'a');
	put(child, 0x100000, 'b');
	assert_int_equal(get(mm, 0x100000), 'b');
	/* Pages first touched after fork, from either side. */
	put(child, 0x128000, 'c');
	assert_int_equal(get(mm, 0x128000), 'c');
	assert_int_equal(frame(mm, 0x128000), frame(child, 0x128000));
	assert_int_equal(mm_handle_fault(mm, 0x134000, true, false), 0);
	put(mm, 0x134000, 'd');
	assert_int_equal(get(child, 0x134000), 'd');
	assert_int_equal(frame(mm, 0x134000), frame(child, 0x134000));

	/* MADV_DONTNEED drops this side's pages, not the object's data. */
	assert_int_equal(mm_advise(mm, 0x100000, len, MADV_DONTNEED_), 0);
	assert_int_equal(get(mm, 0x100000), 'b');
	/* Unmapping in the child leaves the parent's object whole. */
	u64 used = memfile_used_frames(mf);
	assert_int_equal(mm_unmap(child, 0x100000, len), 0);
	assert_int_equal(memfile_used_frames(mf), used);
	assert_int_equal(get(mm, 0x128000), 'c');
	assert_int_equal(get(mm, 0x134000), 'd');
	mm_destroy(child);
	/* The last VMA goes: so do the object's frames. */
	assert_int_equal(mm_unmap(mm, 0x100000, len), 0);
	assert_int_equal(memfile_used_frames(mf), 0);
}

/* MADV_DONTFORK and MADV_WIPEONFORK, and the advice that undoes them. */
static void test_fork_dontfork_wipeonfork(void **state)
{
	struct mm *mm = MM(state);
	const u64 a = 0x100000, b = 0x200000, c = 0x300000, d = 0x400000;
	for (u64 va = a; va <= d; va += 0x100000) {
		assert_int_equal(mm_map_anon(mm, va, 2 * P, RW, MM_FIXED), (long)va);
		put(mm, va, 'x');
	}
	assert_int_equal(mm_advise(mm, a, 2 * P, MADV_DONTFORK_), 0);
	assert_int_equal(mm_advise(mm, b, 2 * P, MADV_WIPEONFORK_), 0);
	assert_int_equal(mm_advise(mm, c, 2 * P, MADV_DONTFORK_), 0);
	assert_int_equal(mm_advise(mm, c, 2 * P, MADV_DOFORK_), 0);
	assert_int_equal(mm_advise(mm, d, 2 * P, MADV_WIPEONFORK_), 0);
	assert_int_equal(mm_advise(mm, d, 2 * P, MADV_KEEPONFORK_), 0);
	u64 total, data, locked, ctotal, cdata;
	mm_vm_pages(mm, &total, &data, &locked);

	struct mm *child = fork_ok(mm);
	char ch;
	assert_int_equal(mm_copy_from_user(child, &ch, uaddr(a), 1), -EFAULT);
	assert_int_equal(get(child, b), 0);
	assert_int_equal(get(child, c), 'x');
	assert_int_equal(get(child, d), 'x');
	mm_vm_pages(child, &ctotal, &cdata, &locked);
	assert_int_equal(ctotal, total - 2);
	assert_int_equal(cdata, data - 2);
	/* The parent is untouched, and what the child did not get stays writable. */
	assert_true(prot(mm, a) & PW);
	assert_true(prot(mm, b) & PW);
	assert_false(prot(mm, c) & PW);
	assert_int_equal(get(mm, a), 'x');
	assert_int_equal(get(mm, b), 'x');
	/* WIPEONFORK is kept in the child, and a shared mapping cannot have it. */
	put(child, b, 'y');
	struct mm *grand = fork_ok(child);
	assert_int_equal(get(grand, b), 0);
	mm_destroy(grand);
	assert_int_equal(mm_map_anon(mm, 0x500000, P, RW, MM_FIXED | MM_SHARED), 0x500000);
	assert_int_equal(mm_advise(mm, 0x500000, P, MADV_WIPEONFORK_), -EINVAL);
	mm_destroy(child);
}

/* Locks belong to the process: the child has none, now or in the future. */
static void test_fork_mlock_not_inherited(void **state)
{
	struct mm *mm = MM(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 4 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_lock(mm, 0x100000, 2 * P, 0), 0);
	assert_int_equal(mm_lock_all(mm, MM_MCL_FUTURE), 0);
	u64 total, data, locked;
	mm_vm_pages(mm, &total, &data, &locked);
	assert_int_equal(locked, 2);

	struct mm *child = fork_ok(mm);
	u64 ctotal, cdata, clocked;
	mm_vm_pages(child, &ctotal, &cdata, &clocked);
	assert_int_equal(ctotal, total);
	assert_int_equal(cdata, data);
	assert_int_equal(clocked, 0);
	/* No MCL_FUTURE in the child: new memory is not locked there. */
	assert_int_equal(mm_map_anon(child, 0x200000, P, RW, MM_FIXED), 0x200000);
	mm_vm_pages(child, &ctotal, &cdata, &clocked);
	assert_int_equal(clocked, 0);
	assert_int_equal(mm_map_anon(mm, 0x200000, P, RW, MM_FIXED), 0x200000);
	mm_vm_pages(mm, &total, &data, &locked);
	assert_int_equal(locked, 3);
	/* Unlocked in the child, the range may be dropped there. */
	assert_int_equal(mm_advise(mm, 0x100000, P, MADV_DONTNEED_), -EINVAL);
	assert_int_equal(mm_advise(child, 0x100000, P, MADV_DONTNEED_), 0);
	mm_destroy(child);
}

/* The break, the limits, the stack's growth and membarrier registrations carry over. */
static void test_fork_inherits_state(void **state)
{
	struct mm *mm = MM(state);
	const u64 top = 0x7ff000000000ULL;
	mm_brk_init(mm, 0x600000);
	assert_int_equal(mm_brk(mm, 0x604000), 0x604000);
	put(mm, 0x603000, 'h');
	assert_int_equal(mm_map_stack(mm, top, 8ULL << 20), 0);
	assert_int_equal(mm_membarrier_register(mm, 5), 5);
	struct mm_limits l = {.as = 1ULL << 30,
			      .data = 1ULL << 30,
			      .data_max = 1ULL << 30,
			      .stack = 8ULL << 20,
			      .memlock = 1ULL << 20,
			      .memlock_max = 1ULL << 20,
			      .ipc_lock = false};
	mm_set_limits(mm, &l);

	struct mm *child = fork_ok(mm);
	assert_int_equal(mm_brk(child, 0), 0x604000);
	assert_int_equal(get(child, 0x603000), 'h');
	assert_int_equal(mm_brk(child, 0x608000), 0x608000);
	assert_int_equal(mm_brk(mm, 0), 0x604000);
	assert_int_equal(mm_membarrier_register(child, 0), 5);
	/* The stack grows in the child, within the inherited RLIMIT_STACK. */
	assert_int_equal(mm_handle_fault(child, top - (1ULL << 20), true, false), 0);
	assert_int_equal(mm_handle_fault(child, top - (9ULL << 20), true, false), -EFAULT);
	/* RLIMIT_MEMLOCK came along. */
	assert_int_equal(mm_lock(child, 0x600000, 2ULL << 20, 0), -ENOMEM);
	mm_destroy(child);
}

/* The vDSO's shared frames stay shared and never writable in the child. */
static void test_fork_vvar_stays_shared(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	u64 pa;
	assert_int_equal(memfile_alloc(mf, &pa), 0);
	assert_int_equal(mm_map_frames(mm, 0x900000, &pa, 1, PROT_READ, MM_FIXED_NOREPLACE),
			 0x900000);
	assert_int_equal(mm_advise(mm, 0x900000, P, MADV_DONTFORK_), -EINVAL);
	assert_int_equal(mm_advise(mm, 0x900000, P, MADV_DONTNEED_), -EINVAL);
	/* Linux accepts WIPEONFORK here, and the child still finds the frame. */
	assert_int_equal(mm_advise(mm, 0x900000, P, MADV_WIPEONFORK_), 0);
	struct mm *child = fork_ok(mm);
	assert_int_equal(frame(child, 0x900000), pa);
	assert_int_equal(prot(child, 0x900000), PLATFORM_PROT_READ);
	assert_int_equal(memfile_refcount(mf, pa), 3);
	assert_int_equal(mm_protect(child, 0x900000, P, RW), -EACCES);
	mm_destroy(child);
	assert_int_equal(memfile_refcount(mf, pa), 2);
	memfile_put(mf, pa);
}

/* Whatever the child does to its copy, the parent's data stays. */
static void test_fork_child_unmap_keeps_parent(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	char buf[8 * P], out[8 * P];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13);
	assert_int_equal(mm_map_anon(mm, 0x100000, 8 * P, RW, MM_FIXED), 0x100000);
	assert_int_equal(mm_copy_to_user(mm, uaddr(0x100000), buf, sizeof(buf)), 0);
	u64 used = memfile_used_frames(mf);

	struct mm *child = fork_ok(mm);
	assert_int_equal(mm_advise(child, 0x100000, 2 * P, MADV_DONTNEED_), 0);
	assert_int_equal(mm_unmap(child, 0x102000, 4 * P), 0);
	assert_int_equal(mm_remap(child, 0x106000, 2 * P, 2 * P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED,
				  0x200000),
			 0x200000);
	put(child, 0x200000, 'z');
	mm_destroy(child);
	/* One copied page came and went; the parent holds the rest alone. */
	assert_int_equal(memfile_used_frames(mf), used);
	assert_int_equal(mm_copy_from_user(mm, out, uaddr(0x100000), sizeof(out)), 0);
	assert_memory_equal(buf, out, sizeof(out));
	assert_int_equal(memfile_refcount(mf, frame(mm, 0x100000)), 1);
}

/* Private, shared, read-only and wiped memory: all frames go back at the end. */
static void test_fork_frames_all_freed(void **state)
{
	struct mm *mm = MM(state);
	struct memfile *mf = MF(state);
	assert_int_equal(mm_map_anon(mm, 0x100000, 16 * P, RW, MM_FIXED | MM_POPULATE), 0x100000);
	assert_int_equal(mm_map_anon(mm, 0x200000, 16 * P, RW, MM_FIXED | MM_SHARED | MM_POPULATE),
			 0x200000);
	assert_int_equal(mm_map_anon(mm, 0x300000, 4 * P, PROT_READ, MM_FIXED | MM_POPULATE),
			 0x300000);
	assert_int_equal(mm_map_anon(mm, 0x400000, 4 * P, RW, MM_FIXED | MM_POPULATE), 0x400000);
	assert_int_equal(mm_advise(mm, 0x400000, 4 * P, MADV_WIPEONFORK_), 0);
	struct mm *child = fork_ok(mm);
	for (u64 va = 0x100000; va < 0x110000; va += 2 * P)
		put(child, va, 1);
	for (u64 va = 0x200000; va < 0x210000; va += 3 * P)
		put(child, va, 2);
	put(child, 0x400000, 3);
	assert_int_equal(mm_unmap(mm, 0x100000, 0x400000), 0);
	mm_destroy(child);
	assert_int_equal(memfile_used_frames(mf), 0);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Forking many VMAs costs O(n): no insert-and-rebalance per VMA, no rescans. */
static void test_fork_10000_vmas_is_linear(void **state)
{
	struct mm *mm = MM(state);
	const u64 n = 10000, base = 0x10000000;
	for (u64 i = 0; i < n; i++) {
		u64 va = base + 2 * i * P;
		assert_int_equal(mm_map_anon(mm, va, P, RW, MM_FIXED), (long)va);
		assert_int_equal(mm_handle_fault(mm, va, true, false), 0);
	}
	double t0 = now_ms();
	struct mm *child = fork_ok(mm);
	double ms = now_ms() - t0;
	print_message("fork of %llu VMAs: %.1f ms\n", (unsigned long long)n, ms);
	/* Generous for sanitizers and loaded machines; O(n^2) would take seconds. */
	assert_true(ms < 1000);
	assert_int_equal(mm_rss_pages(child), n);
	assert_int_equal(rec_of(child)->n, n);
	for (u64 i = 0; i < n; i += 1111)
		assert_int_equal(frame(child, base + 2 * i * P), frame(mm, base + 2 * i * P));
	put(child, base + 2 * (n - 1) * P, 'e');
	assert_int_equal(get(mm, base + 2 * (n - 1) * P), 0);
	mm_destroy(child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_cow_child_writes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_cow_parent_writes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_of_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_readonly_shares_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_shared_anon_stays_shared, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fork_dontfork_wipeonfork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_mlock_not_inherited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_inherits_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_vvar_stays_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_child_unmap_keeps_parent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fork_frames_all_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_10000_vmas_is_linear, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
