// SPDX-License-Identifier: Apache-2.0
/*
 * Memory that grows down: a MAP_GROWSDOWN mapping grows when a page just
 * below it (or far below, within RLIMIT_STACK) is touched, by the program
 * or by the kernel copying to it (getrandom here), unless an accessible
 * mapping sits within the stack guard gap (256 pages) below;
 * mprotect(PROT_GROWSDOWN) extends the change down to the start of the
 * mapping; and the main stack grows on demand.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096L
#define MIB (1024L * 1024L)

static char *map_at(char *addr, long len, int prot, int extra)
{
	return (char *)syscall(SYS_mmap, addr, len, (long)prot,
			       (long)(MAP_PRIVATE | MAP_ANONYMOUS | extra), -1L, 0L);
}

static long mincore1(void *p)
{
	unsigned char v;
	return syscall(SYS_mincore, p, PAGE, &v);
}

static long fill_random(void *p, long n)
{
	return syscall(SYS_getrandom, p, n, 0L);
}

/* An 8 MiB hole to work in, with nothing accessible in it. */
static char *reserve(void)
{
	char *r = map_at(NULL, 8 * MIB, PROT_NONE, 0);
	if (r == MAP_FAILED || syscall(SYS_munmap, r, 8 * MIB))
		return NULL;
	return r;
}

static void test_growsdown(void)
{
	char *r = reserve(), *g;

	if (!check(r != NULL, "reserve 8 MiB"))
		return;
	g = map_at(r + 6 * MIB, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_GROWSDOWN | MAP_FIXED);
	if (!check(g == r + 6 * MIB, "mmap(4 pages, MAP_GROWSDOWN)"))
		return;
	expect_err(mincore1(g - PAGE), ENOMEM, "mincore(page below): not mapped yet");
	g[-1] = 42;
	check(g[-1] == 42, "write just below: the mapping grew");
	expect_ret(mincore1(g - PAGE), 0, "mincore(page below): mapped now");
	expect_err(mincore1(g - 2 * PAGE), ENOMEM, "mincore(two pages below): still a hole");
	g[-64 * PAGE] = 7;
	check(g[-64 * PAGE] == 7, "write 64 pages below: the mapping grew");
	expect_ret(mincore1(g - 32 * PAGE), 0, "mincore(in between): mapped by the growth");
	expect_ret(fill_random(g - 100 * PAGE, 16), 16, "getrandom(100 pages below): grows too");
	expect_ret(mincore1(g - 100 * PAGE), 0, "mincore(100 pages below): mapped");

	/* PROT_GROWSDOWN: the change runs down to the start of the mapping. */
	expect_ret(syscall(SYS_mprotect, g + PAGE, PAGE, (long)(PROT_READ | PROT_GROWSDOWN)), 0,
		   "mprotect(one page, R|PROT_GROWSDOWN)");
	expect_err(fill_random(g - 100 * PAGE, 16), EFAULT, "bottom page: read-only now");
	expect_err(fill_random(g, 16), EFAULT, "first page: read-only now");
	expect_ret(fill_random(g + 2 * PAGE, 16), 16, "page above the range: still writable");
	expect_ret(syscall(SYS_mprotect, g - 110 * PAGE, 20 * PAGE,
			   (long)(PROT_READ | PROT_WRITE | PROT_GROWSDOWN)),
		   0, "mprotect(from the hole below, RW|PROT_GROWSDOWN)");
	expect_ret(fill_random(g - 100 * PAGE, 16), 16, "bottom page: writable again");
	expect_err(fill_random(g - 90 * PAGE + 8, 8), EFAULT, "above the second change: read-only");
	expect_err(syscall(SYS_mprotect, g - 300 * PAGE, PAGE, (long)(PROT_READ | PROT_GROWSDOWN)),
		   ENOMEM, "mprotect(PROT_GROWSDOWN, below the mapping)");
	expect_err(
		syscall(SYS_mprotect, g, PAGE, (long)(PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)),
		EINVAL, "mprotect(PROT_GROWSDOWN|PROT_GROWSUP)");
	expect_err(syscall(SYS_mprotect, g, PAGE, (long)(PROT_READ | PROT_GROWSUP)), EINVAL,
		   "mprotect(PROT_GROWSUP)");
	expect_ret(syscall(SYS_munmap, r, 8 * MIB), 0, "munmap(everything)");
}

static void test_guard_gap(void)
{
	char *r = reserve(), *low, *g;

	if (!check(r != NULL, "reserve 8 MiB"))
		return;
	low = map_at(r + MIB, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
	g = map_at(r + MIB + 65 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_GROWSDOWN | MAP_FIXED);
	if (!check(low == r + MIB && g == r + MIB + 65 * PAGE, "mmap(RW page, GROWSDOWN above it)"))
		return;
	expect_err(fill_random(g - 8, 8), EFAULT, "grow into the guard gap of an RW mapping");
	expect_err(mincore1(g - PAGE), ENOMEM, "the refused growth mapped nothing");
	expect_ret(syscall(SYS_mprotect, low, PAGE, (long)PROT_NONE), 0,
		   "mprotect(mapping below, PROT_NONE)");
	expect_ret(fill_random(g - 8, 8), 8, "grow above a PROT_NONE mapping: allowed");
	expect_err(syscall(SYS_mprotect, low, PAGE, (long)(PROT_READ | PROT_GROWSDOWN)), EINVAL,
		   "mprotect(PROT_GROWSDOWN, mapping that does not grow down)");
	expect_ret(syscall(SYS_munmap, r, 8 * MIB), 0, "munmap(everything)");
}

/* Use 2 MiB of the main stack: far more than it was mapped with at exec. */
static __attribute__((noinline)) int deep_stack(void)
{
	volatile char buf[2 * MIB];
	for (long i = 0; i < (long)sizeof(buf); i += PAGE)
		buf[i] = (char)i;
	int sum = 0;
	for (long i = 0; i < (long)sizeof(buf); i += PAGE)
		sum += buf[i] == (char)i;
	return sum;
}

int main(void)
{
	guest_start("mm_growsdown");
	test_growsdown();
	test_guard_gap();
	check(deep_stack() == 2 * MIB / PAGE, "the main stack grows on demand (2 MiB)");
	return guest_finish();
}
