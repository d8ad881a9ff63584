// SPDX-License-Identifier: Apache-2.0
/*
 * The fd table: close, dup, dup2, dup3 and fcntl's descriptor and
 * status-flag commands, on the stdio descriptors every sandbox has.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

static void test_dup(void)
{
	long fd = syscall(SYS_dup, 1L);
	check(fd >= 3, "dup(1): a new descriptor above stdio");
	expect_ret(syscall(SYS_write, fd, "", 0L), 0, "write(dup of stdout, 0 bytes)");
	expect_ret(syscall(SYS_fcntl, fd, (long)F_GETFD), 0, "dup: FD_CLOEXEC is clear");
	expect_ret(syscall(SYS_close, fd), 0, "close(dup)");
	expect_err(syscall(SYS_close, fd), EBADF, "close(dup) again");
	expect_err(syscall(SYS_dup, 999L), EBADF, "dup(999)");
	expect_err(syscall(SYS_dup, -1L), EBADF, "dup(-1)");
}

static void test_dup2_dup3(void)
{
	expect_ret(syscall(SYS_dup2, 1L, 1L), 1, "dup2(1, 1)");
	expect_err(syscall(SYS_dup2, 77L, 77L), EBADF, "dup2(77, 77) of a closed fd");
	expect_ret(syscall(SYS_dup2, 1L, 40L), 40, "dup2(1, 40)");
	expect_ret(syscall(SYS_dup3, 2L, 40L, (long)O_CLOEXEC), 40,
		   "dup3(2, 40, O_CLOEXEC) replaces 40");
	expect_ret(syscall(SYS_fcntl, 40L, (long)F_GETFD), FD_CLOEXEC, "dup3: FD_CLOEXEC is set");
	expect_err(syscall(SYS_dup3, 1L, 1L, 0L), EINVAL, "dup3(1, 1)");
	expect_err(syscall(SYS_dup3, 1L, 41L, 1L), EINVAL, "dup3 with a bad flag");
	expect_err(syscall(SYS_dup2, 1L, -1L), EBADF, "dup2(1, -1)");
	expect_err(syscall(SYS_dup2, 1L, 1L << 20), EBADF, "dup2(1, 1<<20) beyond RLIMIT_NOFILE");
	expect_ret(syscall(SYS_close, 40L), 0, "close(40)");
}

static void test_fcntl(void)
{
	expect_ret(syscall(SYS_fcntl, 1L, (long)F_DUPFD, 50L), 50, "F_DUPFD(1, 50)");
	expect_ret(syscall(SYS_fcntl, 1L, (long)F_DUPFD, 50L), 51, "F_DUPFD(1, 50) again: 51");
	expect_ret(syscall(SYS_fcntl, 1L, (long)F_DUPFD_CLOEXEC, 50L), 52,
		   "F_DUPFD_CLOEXEC(1, 50)");
	expect_ret(syscall(SYS_fcntl, 52L, (long)F_GETFD), FD_CLOEXEC,
		   "F_GETFD after F_DUPFD_CLOEXEC");
	expect_ret(syscall(SYS_fcntl, 52L, (long)F_SETFD, 0L), 0, "F_SETFD(0)");
	expect_ret(syscall(SYS_fcntl, 52L, (long)F_GETFD), 0, "F_GETFD after F_SETFD(0)");
	expect_err(syscall(SYS_fcntl, 1L, (long)F_DUPFD, -1L), EINVAL,
		   "F_DUPFD with a negative minimum");
	expect_err(syscall(SYS_fcntl, 99L, (long)F_GETFD), EBADF, "F_GETFD(99)");
	expect_err(syscall(SYS_fcntl, 99L, (long)F_GETFL), EBADF, "F_GETFL(99)");

	long fl = syscall(SYS_fcntl, 0L, (long)F_GETFL);
	check(fl >= 0 && (fl & O_ACCMODE) != O_WRONLY, "F_GETFL(stdin): readable");
	expect_ret(syscall(SYS_fcntl, 50L, (long)F_SETFL, (long)(O_NONBLOCK | O_RDONLY)), 0,
		   "F_SETFL(O_NONBLOCK) keeps the access mode");
	long fl50 = syscall(SYS_fcntl, 50L, (long)F_GETFL);
	long fl1 = syscall(SYS_fcntl, 1L, (long)F_GETFL);
	check((fl50 & O_NONBLOCK) && (fl50 & O_ACCMODE) == (fl1 & O_ACCMODE),
	      "F_SETFL: O_NONBLOCK set on the shared description, access mode unchanged");
	check(fl1 & O_NONBLOCK, "F_SETFL: a dup shares the status flags");
	expect_ret(syscall(SYS_fcntl, 1L, (long)F_SETFL, 0L), 0, "F_SETFL(0) clears O_NONBLOCK");
	for (long fd = 50; fd <= 52; fd++)
		syscall(SYS_close, fd);
}

int main(void)
{
	guest_start("fdtable");
	test_dup();
	test_dup2_dup3();
	test_fcntl();
	return guest_finish();
}
