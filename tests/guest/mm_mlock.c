// SPDX-License-Identifier: Apache-2.0
/*
 * mlock, mlock2 (MLOCK_ONFAULT), munlock, mlockall (MCL_CURRENT, MCL_FUTURE,
 * MCL_ONFAULT), munlockall and MAP_LOCKED: locked memory is resident (or
 * becomes so on fault), holes give ENOMEM, locked pages refuse
 * MADV_DONTNEED and msync(MS_INVALIDATE), and RLIMIT_MEMLOCK applies
 * unless the caller may lock without limit (CAP_IPC_LOCK; root here).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define PAGE 4096L
#define LOCK_ONFAULT 1
#define MCL_CUR 1
#define MCL_FUT 2
#define MCL_ONF 4

struct rlim64 {
	uint64_t cur, max;
};

static char *map(long len, int prot, int extra)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot,
			       (long)(MAP_PRIVATE | MAP_ANONYMOUS | extra), -1L, 0L);
}

static void test_mlock(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE, 0);

	if (!check(p != MAP_FAILED, "mmap(4 pages)"))
		return;
	expect_ret(syscall(SYS_mlock, p + PAGE, 2 * PAGE), 0, "mlock(2 pages)");
	check(!strcmp(guest_resident(p + PAGE, 2), "11"), "mlock: the pages are resident");
	check(p[PAGE] == 0 && p[3 * PAGE - 1] == 0, "mlock: locked pages read zero");
	expect_err(syscall(SYS_madvise, p + PAGE, PAGE, (long)MADV_DONTNEED), EINVAL,
		   "madvise(DONTNEED, locked)");
	expect_ret(syscall(SYS_madvise, p + PAGE, PAGE, 24L), 0,
		   "madvise(DONTNEED_LOCKED, locked)");
	expect_err(syscall(SYS_msync, p, 4 * PAGE, (long)(MS_SYNC | MS_INVALIDATE)), EBUSY,
		   "msync(MS_INVALIDATE, locked)");
	expect_ret(syscall(SYS_munlock, p, 4 * PAGE), 0, "munlock(all 4 pages)");
	expect_ret(syscall(SYS_madvise, p + PAGE, PAGE, (long)MADV_DONTNEED), 0,
		   "madvise(DONTNEED, unlocked)");
	/* Unaligned start: the page holding it counts. */
	expect_ret(syscall(SYS_mlock, p + 100, 10L), 0, "mlock(unaligned, 10 bytes)");
	check(!strcmp(guest_resident(p, 1), "1"), "mlock(unaligned): its page is resident");
	expect_ret(syscall(SYS_munlock, p + 100, 10L), 0, "munlock(unaligned, 10 bytes)");
	expect_ret(syscall(SYS_munmap, p + 2 * PAGE, PAGE), 0, "munmap(page 2)");
	expect_err(syscall(SYS_mlock, p, 4 * PAGE), ENOMEM, "mlock(range with a hole)");
	expect_err(syscall(SYS_munlock, p, 4 * PAGE), ENOMEM, "munlock(range with a hole)");
	expect_err(syscall(SYS_mlock, p + 2 * PAGE, PAGE), ENOMEM, "mlock(unmapped)");
	expect_ret(syscall(SYS_mlock, p, 0L), 0, "mlock(length 0)");
	expect_ret(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap");
}

static void test_mlock2(void)
{
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE, 0);
	char *n = map(2 * PAGE, PROT_NONE, 0);

	if (!check(p != MAP_FAILED && n != MAP_FAILED, "mmap(4 pages, 2 PROT_NONE pages)"))
		return;
	expect_err(syscall(SYS_mlock2, p, PAGE, 2L), EINVAL, "mlock2(unknown flag)");
	expect_ret(syscall(SYS_mlock2, p, 4 * PAGE, (long)LOCK_ONFAULT), 0, "mlock2(ONFAULT)");
	check(!strcmp(guest_resident(p, 4), "0000"), "mlock2(ONFAULT): nothing populated yet");
	p[0] = 1;
	check(guest_resident(p, 1)[0] == '1', "mlock2(ONFAULT): a touched page is resident");
	expect_ret(syscall(SYS_mlock2, p, 4 * PAGE, 0L), 0, "mlock2(no flags) over ONFAULT");
	check(!strcmp(guest_resident(p, 4), "1111"), "mlock2: now every page is resident");
	expect_err(syscall(SYS_mlock, n, 2 * PAGE), ENOMEM, "mlock(PROT_NONE)");
	check(!strcmp(guest_resident(n, 2), "00"), "mlock(PROT_NONE): nothing resident");
	expect_ret(syscall(SYS_munlock, n, 2 * PAGE), 0, "munlock(PROT_NONE)");
	expect_ret(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap");
	expect_ret(syscall(SYS_munmap, n, 2 * PAGE), 0, "munmap(PROT_NONE)");
}

static void test_mlockall(void)
{
	char *p, *q, *l;

	expect_err(syscall(SYS_mlockall, 0L), EINVAL, "mlockall(0)");
	expect_err(syscall(SYS_mlockall, (long)MCL_ONF), EINVAL, "mlockall(MCL_ONFAULT alone)");
	expect_err(syscall(SYS_mlockall, 8L), EINVAL, "mlockall(unknown flag)");
	expect_ret(syscall(SYS_mlockall, (long)MCL_FUT), 0, "mlockall(MCL_FUTURE)");
	p = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	check(p != MAP_FAILED && !strcmp(guest_resident(p, 2), "11"),
	      "MCL_FUTURE: a new mapping is resident");
	expect_ret(syscall(SYS_mlockall, (long)(MCL_FUT | MCL_ONF)), 0,
		   "mlockall(MCL_FUTURE|MCL_ONFAULT)");
	q = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	check(q != MAP_FAILED && !strcmp(guest_resident(q, 2), "00"),
	      "MCL_FUTURE|MCL_ONFAULT: a new mapping is not populated");
	expect_ret(syscall(SYS_munlockall), 0, "munlockall");
	l = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	check(l != MAP_FAILED && !strcmp(guest_resident(l, 2), "00"),
	      "after munlockall: a new mapping is not populated");
	syscall(SYS_munmap, l, 2 * PAGE);
	l = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_LOCKED);
	check(l != MAP_FAILED && !strcmp(guest_resident(l, 2), "11"), "MAP_LOCKED: resident");
	expect_ret(syscall(SYS_madvise, q, PAGE, (long)MADV_DONTNEED), 0,
		   "madvise(DONTNEED) after munlockall");
	syscall(SYS_munmap, p, 2 * PAGE);
	syscall(SYS_munmap, q, 2 * PAGE);
	syscall(SYS_munmap, l, 2 * PAGE);
}

/* RLIMIT_MEMLOCK of 0: EPERM without CAP_IPC_LOCK, no limit with it (root). */
static void test_rlimit(void)
{
	struct rlim64 old, zero;
	bool root = geteuid() == 0;
	char *p = map(PAGE, PROT_READ | PROT_WRITE, 0);

	if (syscall(SYS_prlimit64, 0L, (long)RLIMIT_MEMLOCK, NULL, &old))
		return (void)check(false, "prlimit64(get RLIMIT_MEMLOCK)");
	zero.cur = 0;
	zero.max = old.max;
	expect_ret(syscall(SYS_prlimit64, 0L, (long)RLIMIT_MEMLOCK, &zero, NULL), 0,
		   "prlimit64(RLIMIT_MEMLOCK 0)");
	long r = syscall(SYS_mlock, p, PAGE);
	check(root ? r == 0 : (r == -1 && errno == EPERM),
	      "mlock with RLIMIT_MEMLOCK 0: as the capability says");
	r = syscall(SYS_mlockall, (long)MCL_FUT);
	check(root ? r == 0 : (r == -1 && errno == EPERM),
	      "mlockall with RLIMIT_MEMLOCK 0: as the capability says");
	r = (long)map(PAGE, PROT_READ, MAP_LOCKED);
	check(root ? r != -1 : (r == -1 && errno == EPERM),
	      "mmap(MAP_LOCKED) with RLIMIT_MEMLOCK 0: as the capability says");
	syscall(SYS_munlockall);
	expect_ret(syscall(SYS_prlimit64, 0L, (long)RLIMIT_MEMLOCK, &old, NULL), 0,
		   "prlimit64(restore RLIMIT_MEMLOCK)");
	syscall(SYS_munmap, p, PAGE);
}

int main(void)
{
	guest_start("mm_mlock");
	test_mlock();
	test_mlock2();
	test_mlockall();
	test_rlimit();
	return guest_finish();
}
