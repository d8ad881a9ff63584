// SPDX-License-Identifier: Apache-2.0
/*
 * madvise, mincore and msync on anonymous memory: MADV_DONTNEED drops
 * pages (they read zero after), the flag advices split VMAs (an mremap
 * across the split fails), every advice a program may give is accepted,
 * holes give ENOMEM after the mapped parts were advised, and the
 * EINVAL/EFAULT/ENOMEM/EBUSY cases of the three calls.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096L

/* Linux's values: older libc headers lack some of them. */
enum {
	ADV_DONTNEED = 4,
	ADV_FREE = 8,
	ADV_REMOVE = 9,
	ADV_DONTFORK = 10,
	ADV_DOFORK = 11,
	ADV_WIPEONFORK = 18,
	ADV_POPULATE_READ = 22,
	ADV_POPULATE_WRITE = 23,
};

static const struct {
	int advice;
	const char *name;
} accepted[] = {
	{0, "NORMAL"},	       {1, "RANDOM"},	       {2, "SEQUENTIAL"},
	{3, "WILLNEED"},       {4, "DONTNEED"},	       {8, "FREE"},
	{10, "DONTFORK"},      {11, "DOFORK"},	       {12, "MERGEABLE"},
	{13, "UNMERGEABLE"},   {14, "HUGEPAGE"},       {15, "NOHUGEPAGE"},
	{16, "DONTDUMP"},      {17, "DODUMP"},	       {18, "WIPEONFORK"},
	{19, "KEEPONFORK"},    {20, "COLD"},	       {21, "PAGEOUT"},
	{22, "POPULATE_READ"}, {23, "POPULATE_WRITE"}, {24, "DONTNEED_LOCKED"},
};

static char *map(long len, int prot)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)(MAP_PRIVATE | MAP_ANONYMOUS),
			       -1L, 0L);
}

static long advise(void *p, long len, long advice)
{
	return syscall(SYS_madvise, p, len, advice);
}

static void test_dontneed(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	check(!strcmp(guest_resident(p, 4), "0000"), "mincore(fresh mapping): nothing resident");
	memset(p, 0x5a, 4 * PAGE);
	check(!strcmp(guest_resident(p, 4), "1111"), "mincore(written): all resident");
	expect_ret(advise(p + PAGE, 2 * PAGE, ADV_DONTNEED), 0, "madvise(DONTNEED, 2 pages)");
	check(!strcmp(guest_resident(p, 4), "1001"), "DONTNEED: the pages are gone");
	check(p[PAGE] == 0 && p[3 * PAGE - 1] == 0, "DONTNEED: private pages read zero");
	check(p[0] == 0x5a && p[3 * PAGE] == 0x5a, "DONTNEED: the neighbours kept theirs");
	expect_ret(advise(p, 4 * PAGE, ADV_FREE), 0, "madvise(FREE)");
	p[0] = 7;
	check(p[0] == 7, "FREE: a page written after is kept");
	expect_ret(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap");
}

static void test_accepted(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		expect_ret(advise(p, 4 * PAGE, accepted[i].advice), 0, "madvise(%s)",
			   accepted[i].name);
	expect_err(advise(p, PAGE, ADV_REMOVE), EINVAL, "madvise(REMOVE, private anonymous)");
	expect_ret(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap");
}

static void test_flags_split(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);
	char *q;

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	expect_ret(advise(p + 2 * PAGE, 2 * PAGE, ADV_DONTFORK), 0,
		   "madvise(DONTFORK, upper half)");
	expect_err(syscall(SYS_mremap, p, 4 * PAGE, 8 * PAGE, (long)MREMAP_MAYMOVE, 0L), EFAULT,
		   "mremap(across the DONTFORK split)");
	expect_ret(advise(p + 2 * PAGE, 2 * PAGE, ADV_DOFORK), 0, "madvise(DOFORK, upper half)");
	q = (char *)syscall(SYS_mremap, p, 4 * PAGE, 8 * PAGE, (long)MREMAP_MAYMOVE, 0L);
	if (check(q != MAP_FAILED, "mremap(after DOFORK merged the halves back)"))
		p = q;
	expect_ret(advise(p, PAGE, ADV_WIPEONFORK), 0, "madvise(WIPEONFORK, private anonymous)");
	expect_ret(syscall(SYS_munmap, p, 8 * PAGE), 0, "munmap");
}

static void test_errors(void)
{
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
	char *n = map(PAGE, PROT_NONE);

	if (!check(p != MAP_FAILED && n != MAP_FAILED, "mmap(3 pages RW, 1 page PROT_NONE)"))
		return;
	expect_err(advise(p, PAGE, 5), EINVAL, "madvise(advice 5)");
	expect_err(advise(p, PAGE, 26), EINVAL, "madvise(advice 26)");
	expect_err(advise(p, PAGE, -1), EINVAL, "madvise(advice -1)");
	expect_err(advise(p + 1, PAGE, ADV_DONTNEED), EINVAL, "madvise(unaligned)");
	expect_err(advise(p, -1L, ADV_DONTNEED), EINVAL, "madvise(length -1)");
	expect_ret(advise(p, 0, ADV_DONTNEED), 0, "madvise(length 0)");
	expect_err(advise(n, PAGE, ADV_POPULATE_READ), EINVAL, "madvise(POPULATE_READ, PROT_NONE)");
	expect_ret(syscall(SYS_mprotect, p, PAGE, (long)PROT_READ), 0, "mprotect(first page R)");
	expect_err(advise(p, PAGE, ADV_POPULATE_WRITE), EINVAL,
		   "madvise(POPULATE_WRITE, read-only)");
	expect_ret(syscall(SYS_mprotect, p, PAGE, (long)(PROT_READ | PROT_WRITE)), 0,
		   "mprotect(first page RW)");
	memset(p, 1, 3 * PAGE);
	expect_ret(syscall(SYS_munmap, p + PAGE, PAGE), 0, "munmap(middle page)");
	expect_err(advise(p, 3 * PAGE, ADV_DONTNEED), ENOMEM, "madvise(DONTNEED over a hole)");
	check(p[0] == 0 && p[2 * PAGE] == 0, "DONTNEED over a hole: the mapped pages were dropped");
	expect_err(advise(p + PAGE, PAGE, ADV_DONTNEED), ENOMEM, "madvise(unmapped page)");
	expect_ret(syscall(SYS_munmap, p, 3 * PAGE), 0, "munmap");
	expect_ret(syscall(SYS_munmap, n, PAGE), 0, "munmap(PROT_NONE)");
}

static void test_mincore(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);
	unsigned char v[4];

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	p[0] = 1;
	p[2 * PAGE] = 1;
	expect_err(syscall(SYS_mincore, p + 1, PAGE, v), EINVAL, "mincore(unaligned)");
	expect_err(syscall(SYS_mincore, p, PAGE, 0xffff800000000000L), EFAULT,
		   "mincore(kernel vec)");
	expect_err(syscall(SYS_mincore, p, PAGE, 0x10000L), EFAULT, "mincore(unmapped vec)");
	expect_err(syscall(SYS_mincore, p, 1L << 48, v), ENOMEM, "mincore(past user space)");
	expect_ret(syscall(SYS_mincore, p, 0L, v), 0, "mincore(length 0)");
	memset(v, 9, sizeof(v));
	expect_ret(syscall(SYS_mincore, p, PAGE + 1, v), 0, "mincore(1 page + 1 byte)");
	check(v[0] == 1 && (v[1] & ~1) == 0 && v[2] == 9, "mincore: two bytes written");
	check(!strcmp(guest_resident(p, 1), "1") && !strcmp(guest_resident(p + 2 * PAGE, 1), "1"),
	      "mincore: written pages resident");
	expect_ret(syscall(SYS_munmap, p + 3 * PAGE, PAGE), 0, "munmap(last page)");
	expect_err(syscall(SYS_mincore, p, 4 * PAGE, v), ENOMEM, "mincore(runs into a hole)");
	expect_ret(syscall(SYS_munmap, p, 3 * PAGE), 0, "munmap");
}

static void test_msync(void)
{
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);

	if (!check(p != MAP_FAILED, "mmap(3 pages)"))
		return;
	expect_ret(syscall(SYS_msync, p, 3 * PAGE, (long)MS_ASYNC), 0, "msync(MS_ASYNC)");
	expect_ret(syscall(SYS_msync, p, 3 * PAGE, (long)MS_SYNC), 0, "msync(MS_SYNC)");
	expect_ret(syscall(SYS_msync, p, 3 * PAGE, (long)(MS_SYNC | MS_INVALIDATE)), 0,
		   "msync(MS_SYNC|MS_INVALIDATE)");
	expect_ret(syscall(SYS_msync, p, 0L, (long)MS_SYNC), 0, "msync(length 0)");
	expect_ret(syscall(SYS_msync, p, 1L, (long)MS_SYNC), 0, "msync(length 1)");
	expect_err(syscall(SYS_msync, p, PAGE, (long)(MS_ASYNC | MS_SYNC)), EINVAL,
		   "msync(MS_ASYNC|MS_SYNC)");
	expect_err(syscall(SYS_msync, p, PAGE, 8L), EINVAL, "msync(unknown flag)");
	expect_err(syscall(SYS_msync, p + 1, PAGE, (long)MS_SYNC), EINVAL, "msync(unaligned)");
	expect_ret(syscall(SYS_munmap, p + PAGE, PAGE), 0, "munmap(middle page)");
	expect_err(syscall(SYS_msync, p, 3 * PAGE, (long)MS_SYNC), ENOMEM, "msync(over a hole)");
	expect_err(syscall(SYS_msync, p, 3 * PAGE, (long)MS_ASYNC), ENOMEM,
		   "msync(MS_ASYNC over a hole)");
	expect_err(syscall(SYS_msync, p + PAGE, PAGE, (long)MS_SYNC), ENOMEM, "msync(unmapped)");
	expect_ret(syscall(SYS_munmap, p, 3 * PAGE), 0, "munmap");
}

int main(void)
{
	guest_start("mm_madvise");
	test_dontneed();
	test_accepted();
	test_flags_split();
	test_errors();
	test_mincore();
	test_msync();
	return guest_finish();
}
