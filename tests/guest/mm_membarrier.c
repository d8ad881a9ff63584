// SPDX-License-Identifier: Apache-2.0
/*
 * membarrier: QUERY lists the commands glibc and the JVM use, the private
 * expedited commands fail with EPERM until the process registers, the
 * global ones need no registration, and bad commands or flags are EINVAL.
 * Commands that older kernels lack (RSEQ, GET_REGISTRATIONS) are checked
 * only when QUERY lists them, with one line either way.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

enum {
	MB_QUERY = 0,
	MB_GLOBAL = 1 << 0,
	MB_GLOBAL_EXPEDITED = 1 << 1,
	MB_REGISTER_GLOBAL_EXPEDITED = 1 << 2,
	MB_PRIVATE_EXPEDITED = 1 << 3,
	MB_REGISTER_PRIVATE_EXPEDITED = 1 << 4,
	MB_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5,
	MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6,
	MB_PRIVATE_EXPEDITED_RSEQ = 1 << 7,
	MB_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8,
	MB_GET_REGISTRATIONS = 1 << 9,
	MB_FLAG_CPU = 1,
};

static long mb(long cmd, long flags, long cpu)
{
	return syscall(SYS_membarrier, cmd, flags, cpu);
}

int main(void)
{
	long q;
	bool ok;

	guest_start("mm_membarrier");
	q = mb(MB_QUERY, 0, 0);
	check(q > 0 && (q & 0x7f) == 0x7f, "QUERY: GLOBAL through REGISTER_..._SYNC_CORE listed");
	expect_err(mb(MB_QUERY, 1, 0), EINVAL, "QUERY with flags");
	expect_err(mb(3, 0, 0), EINVAL, "two commands at once");
	expect_err(mb(1 << 20, 0, 0), EINVAL, "unknown command");
	expect_err(mb(-1, 0, 0), EINVAL, "command -1");
	expect_err(mb(MB_PRIVATE_EXPEDITED, MB_FLAG_CPU, 0), EINVAL,
		   "PRIVATE_EXPEDITED with FLAG_CPU");

	expect_ret(mb(MB_GLOBAL, 0, 0), 0, "GLOBAL");
	expect_ret(mb(MB_GLOBAL_EXPEDITED, 0, 0), 0, "GLOBAL_EXPEDITED (no registration needed)");
	expect_ret(mb(MB_REGISTER_GLOBAL_EXPEDITED, 0, 0), 0, "REGISTER_GLOBAL_EXPEDITED");
	expect_ret(mb(MB_GLOBAL_EXPEDITED, 0, 0), 0, "GLOBAL_EXPEDITED after registering");

	expect_err(mb(MB_PRIVATE_EXPEDITED, 0, 0), EPERM, "PRIVATE_EXPEDITED before registering");
	expect_err(mb(MB_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EPERM,
		   "PRIVATE_EXPEDITED_SYNC_CORE before registering");
	expect_ret(mb(MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), 0,
		   "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE");
	expect_err(mb(MB_PRIVATE_EXPEDITED, 0, 0), EPERM,
		   "PRIVATE_EXPEDITED after registering SYNC_CORE only");
	expect_ret(mb(MB_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), 0, "PRIVATE_EXPEDITED_SYNC_CORE");
	expect_ret(mb(MB_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0, "REGISTER_PRIVATE_EXPEDITED");
	expect_ret(mb(MB_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0, "REGISTER_PRIVATE_EXPEDITED again");
	expect_ret(mb(MB_PRIVATE_EXPEDITED, 0, 0), 0, "PRIVATE_EXPEDITED");

	/* Newer commands: quiet checks, one line whatever the kernel has. */
	guest_quiet = true;
	ok = true;
	if (q & MB_PRIVATE_EXPEDITED_RSEQ) {
		ok &= expect_err(mb(MB_PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM, "RSEQ unregistered");
		ok &= expect_err(mb(MB_PRIVATE_EXPEDITED_RSEQ, 2, 0), EINVAL, "RSEQ bad flags");
		ok &= expect_ret(mb(MB_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0, "REGISTER_RSEQ");
		ok &= expect_ret(mb(MB_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0, "RSEQ");
		ok &= expect_ret(mb(MB_PRIVATE_EXPEDITED_RSEQ, MB_FLAG_CPU, 0), 0, "RSEQ on CPU 0");
		ok &= expect_ret(mb(MB_PRIVATE_EXPEDITED_RSEQ, MB_FLAG_CPU, 100000), 0,
				 "RSEQ on a CPU that does not exist");
	}
	if (q & MB_GET_REGISTRATIONS) {
		long want = MB_REGISTER_GLOBAL_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED |
			    MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
		if (q & MB_PRIVATE_EXPEDITED_RSEQ)
			want |= MB_REGISTER_PRIVATE_EXPEDITED_RSEQ;
		ok &= expect_ret(mb(MB_GET_REGISTRATIONS, 0, 0), want, "GET_REGISTRATIONS");
	}
	guest_quiet = false;
	check(ok, "RSEQ and GET_REGISTRATIONS, where QUERY lists them");
	return guest_finish();
}
