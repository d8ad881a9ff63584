// SPDX-License-Identifier: Apache-2.0
/*
 * mremap: shrink, grow in place, grow by moving (MREMAP_MAYMOVE), move to a
 * chosen address (MREMAP_FIXED), move leaving the old range mapped and empty
 * (MREMAP_DONTUNMAP), and the EINVAL/EFAULT/ENOMEM cases, including a
 * region with a hole and one that spans two VMAs. Contents must follow the
 * pages; mincore tells which pages are resident after a move.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096L
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static char *map(long len, int prot)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)(MAP_PRIVATE | MAP_ANONYMOUS),
			       -1L, 0L);
}

static long remap(void *old, long old_len, long new_len, long flags, void *new_addr)
{
	return syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

/* mincore of n pages as a string of '0'/'1', or "ENOMEM" and the like. */
static bool filled(const char *p, long len, char c)
{
	for (long i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void test_shrink_and_grow_in_place(void)
{
	char *p = map(8 * PAGE, PROT_READ | PROT_WRITE);
	long r;

	if (!check(p != MAP_FAILED, "mmap(8 pages)"))
		return;
	memset(p, 0x11, 8 * PAGE);
	r = remap(p, 8 * PAGE, 4 * PAGE, 0, NULL);
	check(r == (long)p, "mremap(shrink 8 -> 4 pages): same address");
	check(!strcmp(guest_resident(p + 4 * PAGE, 1), "ENOMEM"), "shrink: the tail is unmapped");
	check(filled(p, 4 * PAGE, 0x11), "shrink: the head kept its contents");
	r = remap(p, 4 * PAGE, 8 * PAGE, 0, NULL);
	check(r == (long)p, "mremap(grow 4 -> 8 pages, room above): in place");
	check(!strcmp(guest_resident(p, 8), "11110000"), "grow in place: new pages not resident");
	check(filled(p, 4 * PAGE, 0x11) && filled(p + 4 * PAGE, 4 * PAGE, 0),
	      "grow in place: old contents kept, new pages zero");
	expect_ret(syscall(SYS_munmap, p, 8 * PAGE), 0, "munmap");
}

static void test_move(void)
{
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
	char *q;

	if (!check(p != MAP_FAILED, "mmap(3 pages)"))
		return;
	/* A different protection above: the two pages cannot grow in place. */
	expect_ret(syscall(SYS_mprotect, p + 2 * PAGE, PAGE, (long)PROT_READ), 0,
		   "mprotect(third page R)");
	memset(p, 0x22, 2 * PAGE);
	expect_err(remap(p, 2 * PAGE, 4 * PAGE, 0, NULL), ENOMEM,
		   "mremap(grow, no room, no MAYMOVE)");
	expect_err(remap(p, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL), EFAULT,
		   "mremap(range spanning two VMAs)");
	q = (char *)remap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
	if (!check(q != MAP_FAILED && q != p, "mremap(grow, MAYMOVE): moved"))
		return;
	check(!strcmp(guest_resident(q, 4), "1100"), "move: the frames moved, the tail is empty");
	check(filled(q, 2 * PAGE, 0x22) && filled(q + 2 * PAGE, 2 * PAGE, 0),
	      "move: contents followed, new pages zero");
	check(!strcmp(guest_resident(p, 2), "ENOMEM"), "move: the old range is unmapped");
	check(!strcmp(guest_resident(p + 2 * PAGE, 1), "0"), "move: the neighbour stayed");
	expect_ret(syscall(SYS_munmap, q, 4 * PAGE), 0, "munmap(moved)");
	expect_ret(syscall(SYS_munmap, p + 2 * PAGE, PAGE), 0, "munmap(neighbour)");
}

static void test_fixed(void)
{
	char *src = map(2 * PAGE, PROT_READ | PROT_WRITE);
	char *dst = map(4 * PAGE, PROT_READ | PROT_WRITE);
	long r;

	if (!check(src != MAP_FAILED && dst != MAP_FAILED, "mmap(source, destination)"))
		return;
	memset(src, 0x33, 2 * PAGE);
	memset(dst, 0x44, 4 * PAGE);
	expect_err(remap(src, 2 * PAGE, 2 * PAGE, MREMAP_FIXED, dst), EINVAL,
		   "mremap(FIXED without MAYMOVE)");
	expect_err(remap(src, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 1), EINVAL,
		   "mremap(FIXED, unaligned new address)");
	expect_err(remap(src, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, src + PAGE),
		   EINVAL, "mremap(FIXED, overlapping ranges)");
	r = remap(src, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PAGE);
	check(r == (long)(dst + PAGE), "mremap(MAYMOVE|FIXED): at the new address");
	check(filled(dst + PAGE, 2 * PAGE, 0x33), "FIXED: the moved pages replaced the target");
	check(filled(dst, PAGE, 0x44) && filled(dst + 3 * PAGE, PAGE, 0x44),
	      "FIXED: the rest of the target is intact");
	check(!strcmp(guest_resident(src, 2), "ENOMEM"), "FIXED: the source is unmapped");
	/* Shrinking while moving: only the head moves. */
	r = remap(dst, 4 * PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, src);
	check(r == (long)src, "mremap(FIXED, shrink 4 -> 1 page)");
	check(filled(src, PAGE, 0x44), "FIXED shrink: the head moved");
	check(!strcmp(guest_resident(dst, 4), "ENOMEM"), "FIXED shrink: the old range is gone");
	expect_ret(syscall(SYS_munmap, src, PAGE), 0, "munmap");
}

static void test_dontunmap(void)
{
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE);
	char *q;

	if (!check(p != MAP_FAILED, "mmap(2 pages)"))
		return;
	memset(p, 0x55, 2 * PAGE);
	expect_err(remap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EINVAL,
		   "mremap(DONTUNMAP, resize)");
	expect_err(remap(p, 2 * PAGE, 2 * PAGE, MREMAP_DONTUNMAP, NULL), EINVAL,
		   "mremap(DONTUNMAP without MAYMOVE)");
	q = (char *)remap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (!check(q != MAP_FAILED && q != p, "mremap(MAYMOVE|DONTUNMAP): moved"))
		return;
	check(!strcmp(guest_resident(p, 2), "00"), "DONTUNMAP: old range mapped, pages gone");
	check(!strcmp(guest_resident(q, 2), "11"), "DONTUNMAP: the frames moved");
	check(filled(q, 2 * PAGE, 0x55), "DONTUNMAP: contents at the new address");
	check(filled(p, 2 * PAGE, 0), "DONTUNMAP: the old range reads zero");
	expect_ret(syscall(SYS_munmap, p, 2 * PAGE), 0, "munmap(old)");
	expect_ret(syscall(SYS_munmap, q, 2 * PAGE), 0, "munmap(new)");
}

static void test_errors(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	expect_err(remap(p, PAGE, PAGE, 8, NULL), EINVAL, "mremap(unknown flag)");
	expect_err(remap(p + 1, PAGE, PAGE, 0, NULL), EINVAL, "mremap(unaligned address)");
	expect_err(remap(p, PAGE, 0, MREMAP_MAYMOVE, NULL), EINVAL, "mremap(new length 0)");
	expect_err(remap(p, 0, 2 * PAGE, MREMAP_MAYMOVE, NULL), EINVAL,
		   "mremap(old length 0, private mapping)");
	check(remap(p, PAGE + 1, PAGE + 2, 0, NULL) == (long)p,
	      "mremap(lengths round up to the same size): same address");
	/* A hole: the range is not one VMA any more. */
	expect_ret(syscall(SYS_munmap, p + 2 * PAGE, PAGE), 0, "munmap(page 2)");
	expect_err(remap(p, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, NULL), EFAULT,
		   "mremap(region with a hole)");
	expect_err(remap(p + 2 * PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE, NULL), EFAULT,
		   "mremap(unmapped address)");
	/*
	 * A shrink whose old length reaches past the top of memory unmaps
	 * nothing: EINVAL (it once wrapped around and broke the VMA set).
	 */
	expect_err(remap(p, -PAGE, PAGE, 0, NULL), EINVAL, "mremap(old length -4096 to a page)");
	expect_err(remap(p, -PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, p + 8 * PAGE), EINVAL,
		   "mremap(old length -4096, MREMAP_FIXED)");
	expect_err(remap(p, 0x7fffffff0000L, PAGE, 0, NULL), EINVAL,
		   "mremap(old length past the top of memory)");
	check(filled(p, PAGE, 0) && filled(p + PAGE, PAGE, 0), "...the mapping is whole");
	expect_ret(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap");
}

int main(void)
{
	guest_start("mm_mremap");
	test_shrink_and_grow_in_place();
	test_move();
	test_fixed();
	test_dontunmap();
	test_errors();
	return guest_finish();
}
