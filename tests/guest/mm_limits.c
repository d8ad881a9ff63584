// SPDX-License-Identifier: Apache-2.0
/*
 * RLIMIT_AS and RLIMIT_DATA: mmap, mremap, mprotect and brk fail with
 * ENOMEM (brk: keeps the old break) once a limit would be passed; memory
 * that is not private and writable is not "data".
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#define MIB (1024L * 1024L)

struct rlim64 {
	uint64_t cur, max;
};

static char *map(long len, int prot)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)(MAP_PRIVATE | MAP_ANONYMOUS),
			       -1L, 0L);
}

static bool set_limit(int res, uint64_t cur, struct rlim64 *old)
{
	struct rlim64 l;
	if (syscall(SYS_prlimit64, 0L, (long)res, NULL, old))
		return false;
	l.cur = cur;
	l.max = old->max;
	return syscall(SYS_prlimit64, 0L, (long)res, &l, NULL) == 0;
}

static void test_as(void)
{
	struct rlim64 old;
	char *p, *q;

	fflush(stdout);
	if (!check(set_limit(RLIMIT_AS, 256 * MIB, &old), "prlimit64(RLIMIT_AS 256 MiB)"))
		return;
	expect_err((long)map(512 * MIB, PROT_NONE), ENOMEM, "mmap(512 MiB, PROT_NONE)");
	p = map(MIB, PROT_READ | PROT_WRITE);
	check(p != MAP_FAILED, "mmap(1 MiB)");
	expect_err(syscall(SYS_mremap, p, MIB, 512 * MIB, (long)MREMAP_MAYMOVE, 0L), ENOMEM,
		   "mremap(grow to 512 MiB)");
	q = (char *)syscall(SYS_mremap, p, MIB, 2 * MIB, (long)MREMAP_MAYMOVE, 0L);
	if (check(q != MAP_FAILED, "mremap(grow to 2 MiB)"))
		p = q;
	/* MAP_FIXED over existing pages: only the growth counts. */
	q = (char *)syscall(SYS_mmap, p, 2 * MIB, (long)PROT_READ,
			    (long)(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -1L, 0L);
	check(q == p, "mmap(MAP_FIXED over 2 MiB already counted)");
	syscall(SYS_munmap, p, 2 * MIB);
	check(syscall(SYS_prlimit64, 0L, (long)RLIMIT_AS, &old, NULL) == 0,
	      "prlimit64(restore RLIMIT_AS)");
}

static void test_data(void)
{
	struct rlim64 old;
	uintptr_t brk0, brk1;
	char *ro, *rw;

	fflush(stdout);
	brk0 = syscall(SYS_brk, 0L);
	if (!check(set_limit(RLIMIT_DATA, 16 * MIB, &old), "prlimit64(RLIMIT_DATA 16 MiB)"))
		return;
	expect_err((long)map(64 * MIB, PROT_READ | PROT_WRITE), ENOMEM, "mmap(64 MiB, RW)");
	ro = map(64 * MIB, PROT_READ);
	check(ro != MAP_FAILED, "mmap(64 MiB, R): not data");
	expect_err(syscall(SYS_mprotect, ro, 64 * MIB, (long)(PROT_READ | PROT_WRITE)), ENOMEM,
		   "mprotect(64 MiB R -> RW)");
	expect_ret(syscall(SYS_mprotect, ro, MIB, (long)(PROT_READ | PROT_WRITE)), 0,
		   "mprotect(1 MiB R -> RW)");
	rw = map(MIB, PROT_READ | PROT_WRITE);
	check(rw != MAP_FAILED, "mmap(1 MiB, RW)");
	brk1 = syscall(SYS_brk, brk0 + 64 * MIB);
	check(brk1 == brk0, "brk(+64 MiB): refused, the break stays");
	brk1 = syscall(SYS_brk, brk0 + MIB);
	check(brk1 == brk0 + MIB, "brk(+1 MiB): allowed");
	syscall(SYS_brk, brk0);
	syscall(SYS_munmap, ro, 64 * MIB);
	syscall(SYS_munmap, rw, MIB);
	check(syscall(SYS_prlimit64, 0L, (long)RLIMIT_DATA, &old, NULL) == 0,
	      "prlimit64(restore RLIMIT_DATA)");
}

int main(void)
{
	guest_start("mm_limits");
	test_as();
	test_data();
	return guest_finish();
}
