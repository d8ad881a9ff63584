// SPDX-License-Identifier: Apache-2.0
/*
 * Anonymous memory: brk grow/shrink/regrow, mmap/munmap/mprotect of
 * MAP_PRIVATE|MAP_ANONYMOUS memory, MAP_FIXED replacement, PROT_NONE,
 * executing code from a mapping made executable, a 64 MiB mapping touched
 * page by page, and the EINVAL/ENOMEM cases Linux gives for bad arguments.
 * Nothing here touches memory that is not readable (no signal delivery).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096UL
#define MIB (1024UL * 1024UL)

static bool is_filled(const void *p, size_t len, unsigned char c)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != c)
			return false;
	return true;
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

/*
 * The raw brk syscall returns the new break (or the old one on failure).
 * libc's malloc may own the break too, so nothing is printed (printing may
 * allocate) until the break is back where it started.
 */
static void test_brk(void)
{
	uintptr_t base, top, mid, r_grow, r_shrink, r_regrow, r_low, r_high;
	uintptr_t r_restore;
	bool zero_grow, zero_regrow, kept;

	fflush(stdout);
	base = syscall(SYS_brk, 0L);
	top = base + MIB + 123; /* Linux keeps the exact, unaligned value */
	mid = base + PAGE;

	r_grow = syscall(SYS_brk, top);
	zero_grow = r_grow == top && is_filled((void *)page_up(base), top - page_up(base), 0);
	if (r_grow == top)
		memset((void *)base, 0x5a, top - base);
	r_shrink = syscall(SYS_brk, mid);
	r_regrow = syscall(SYS_brk, top);
	kept = r_regrow == top && is_filled((void *)base, mid - base, 0x5a);
	zero_regrow = r_regrow == top && is_filled((void *)page_up(mid), top - page_up(mid), 0);
	r_low = syscall(SYS_brk, 4096L);     /* below the start */
	r_high = syscall(SYS_brk, 1L << 47); /* past user space */
	r_restore = syscall(SYS_brk, base);

	check(base != 0, "brk(0): returns the current break");
	check(r_grow == top, "brk(+1 MiB + 123): returns the new break");
	check(zero_grow, "brk: new memory is zero");
	check(r_shrink == mid, "brk(shrink): returns the new break");
	check(r_regrow == top, "brk(regrow): returns the new break");
	check(kept, "brk: memory below the shrink point kept its contents");
	check(zero_regrow, "brk: regrown memory is zero again");
	check(r_low == top, "brk(below start): fails, returns current break");
	check(r_high == top, "brk(past user space): fails, returns current break");
	check(r_restore == base, "brk(original): restored");
}

static void *map_anon(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void test_mmap_basic(void)
{
	size_t len = 16 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(16 pages, RW)"))
		return;
	check(((uintptr_t)p & (PAGE - 1)) == 0, "mmap: page aligned");
	check(is_filled(p, len, 0), "mmap: new memory is zero");
	memset(p, 0x11, len);
	check(is_filled(p, len, 0x11), "mmap: memory is writable and readable");

	/* Same through the raw syscall (glibc/musl add nothing here). */
	char *q = (char *)syscall(SYS_mmap, 0L, (long)PAGE, (long)(PROT_READ | PROT_WRITE),
				  (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
	if (check(q != MAP_FAILED, "raw mmap(1 page, RW)")) {
		q[0] = 1;
		q[PAGE - 1] = 2;
		check(q[0] == 1 && q[PAGE - 1] == 2, "raw mmap: usable");
		expect_ret(syscall(SYS_munmap, q, (long)PAGE), 0, "raw munmap");
	}
	expect_ret(munmap(p, len), 0, "munmap(16 pages)");
	/* Unmapping a range that holds nothing is not an error. */
	expect_ret(munmap(p, len), 0, "munmap(already unmapped)");
}

static void test_map_fixed(void)
{
	size_t len = 8 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE);
	char *r;

	if (!check(p != MAP_FAILED, "mmap(8 pages, RW)"))
		return;
	memset(p, 0xaa, len);
	r = mmap(p + 3 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(r == p + 3 * PAGE, "mmap(MAP_FIXED over a mapping): at the address");
	check(is_filled(p + 3 * PAGE, 2 * PAGE, 0), "MAP_FIXED: replaced pages are zero");
	check(is_filled(p, 3 * PAGE, 0xaa) && is_filled(p + 5 * PAGE, 3 * PAGE, 0xaa),
	      "MAP_FIXED: neighbouring pages kept their contents");

	/* Punch a hole, map it again: fresh zero memory. */
	expect_ret(munmap(p + PAGE, PAGE), 0, "munmap(one page in the middle)");
	expect_err(mprotect(p, len, PROT_READ), ENOMEM, "mprotect(range with a hole)");
	r = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	check(r == p + PAGE, "mmap(MAP_FIXED into the hole)");
	check(is_filled(p + PAGE, PAGE, 0), "MAP_FIXED into the hole: zero");
	check(p[0] == (char)0xaa && p[2 * PAGE] == (char)0xaa, "hole refill: neighbours intact");
	expect_ret(munmap(p, len), 0, "munmap(8 pages)");
}

static void test_mprotect(void)
{
	size_t len = 4 * PAGE;
	char *p = map_anon(len, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(4 pages, RW)"))
		return;
	memset(p, 0x42, len);
	expect_ret(mprotect(p, len, PROT_READ), 0, "mprotect(RW -> R)");
	check(is_filled(p, len, 0x42), "read-only memory reads back");
	expect_ret(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE), 0,
		   "mprotect(one page back to RW)");
	p[PAGE] = 1;
	check(p[PAGE] == 1 && p[0] == 0x42, "page made writable again works");
	/* Raw: musl's mprotect() rounds the address down itself. */
	expect_err(syscall(SYS_mprotect, p + 1, (long)PAGE, (long)PROT_READ), EINVAL,
		   "mprotect(unaligned address)");
	expect_err(mprotect(p, PAGE, 0x80), EINVAL, "mprotect(unknown prot bit)");
	expect_ret(mprotect(p, 0, PROT_READ), 0, "mprotect(length 0)");
	expect_ret(munmap(p, len), 0, "munmap(4 pages)");
	expect_err(mprotect(p, len, PROT_READ), ENOMEM, "mprotect(unmapped range)");
}

static void test_prot_none(void)
{
	size_t len = 4 * PAGE;
	char *p = map_anon(len, PROT_NONE);

	if (!check(p != MAP_FAILED, "mmap(4 pages, PROT_NONE)"))
		return;
	expect_ret(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE), 0,
		   "mprotect(PROT_NONE page -> RW)");
	check(is_filled(p + PAGE, PAGE, 0), "PROT_NONE page made RW is zero");
	memset(p + PAGE, 7, PAGE);
	check(is_filled(p + PAGE, PAGE, 7), "PROT_NONE page made RW is usable");
	expect_ret(munmap(p, len), 0, "munmap(PROT_NONE mapping)");
}

/* mov $42, %eax; ret */
static const unsigned char code_ret42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};

static void test_exec(void)
{
	char *p = map_anon(PAGE, PROT_READ | PROT_WRITE);
	int (*fn)(void);

	if (!check(p != MAP_FAILED, "mmap(1 page, RW) for code"))
		return;
	memcpy(p, code_ret42, sizeof(code_ret42));
	if (expect_ret(mprotect(p, PAGE, PROT_READ | PROT_EXEC), 0, "mprotect(RW -> RX)")) {
		fn = (int (*)(void))(void *)p;
		check(fn() == 42, "call code in an RX mapping");
	}
	expect_ret(munmap(p, PAGE), 0, "munmap(code page)");
}

static void test_big(void)
{
	size_t len = 64 * MIB, npages = len / PAGE, i;
	bool zero = true, match = true;
	uint64_t *p = map_anon(len, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(64 MiB, RW)"))
		return;
	for (i = 0; i < npages; i++) {
		uint64_t *pg = p + i * (PAGE / 8);

		if (!is_filled(pg, PAGE, 0))
			zero = false;
		pg[0] = i;
		pg[PAGE / 8 - 1] = ~(uint64_t)i;
	}
	for (i = 0; i < npages; i++) {
		uint64_t *pg = p + i * (PAGE / 8);

		if (pg[0] != i || pg[PAGE / 8 - 1] != ~(uint64_t)i ||
		    !is_filled(pg + 1, PAGE - 16, 0))
			match = false;
	}
	check(zero, "64 MiB mapping: every page starts zero");
	check(match, "64 MiB mapping: every page holds what was written");
	expect_ret(munmap(p, len), 0, "munmap(64 MiB)");
}

static void test_bad_args(void)
{
	char *p;

	expect_err((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL,
		   "mmap(length 0)");
	expect_err(syscall(SYS_mmap, 0L, (long)PAGE, (long)PROT_READ, (long)MAP_ANONYMOUS, -1L, 0L),
		   EINVAL, "mmap(neither MAP_PRIVATE nor MAP_SHARED)");
	expect_err(syscall(SYS_mmap, 0L, (long)PAGE, (long)PROT_READ,
			   (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 123L),
		   EINVAL, "mmap(unaligned offset)");
	expect_err(syscall(SYS_mmap, 0x10001000L + 1, (long)PAGE, (long)PROT_READ,
			   (long)(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -1L, 0L),
		   EINVAL, "mmap(MAP_FIXED, unaligned address)");
	expect_err(syscall(SYS_mmap, 0L, 1L << 62, (long)PROT_READ,
			   (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L),
		   ENOMEM, "mmap(2^62 bytes)");
	expect_err(syscall(SYS_munmap, 0x10001000L + 1, (long)PAGE), EINVAL,
		   "munmap(unaligned address)");
	p = map_anon(PAGE, PROT_READ);
	if (check(p != MAP_FAILED, "mmap(1 page, R)")) {
		expect_err(munmap(p, 0), EINVAL, "munmap(length 0)");
		expect_ret(munmap(p, PAGE), 0, "munmap(1 page)");
	}
}

int main(void)
{
	guest_start("memory");
	test_brk();
	test_mmap_basic();
	test_map_fixed();
	test_mprotect();
	test_prot_none();
	test_exec();
	test_big();
	test_bad_args();
	return guest_finish();
}
