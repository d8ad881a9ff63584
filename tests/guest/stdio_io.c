// SPDX-License-Identifier: Apache-2.0
/*
 * I/O on the inherited stdio descriptors: write, writev, read, readv,
 * pread64, pwrite64, fstat, newfstatat(AT_EMPTY_PATH) and the tty ioctls.
 *
 * Expects stdin to be /dev/null (opened read-only) and stdout to be a pipe
 * or a regular file opened write-only; stdout's kind is looked up with
 * fstat and the checks branch on it so the output is the same either way.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "guest_test.h"

#define UIO_MAXIOV_LINUX 1024

static bool stdout_is_pipe;

static void test_fstat(void)
{
	struct stat st, st2;

	memset(&st, 0, sizeof(st));
	if (expect_ret(fstat(1, &st), 0, "fstat(stdout)")) {
		check(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode),
		      "fstat(stdout): pipe or regular file");
		stdout_is_pipe = S_ISFIFO(st.st_mode);
	}
	memset(&st2, 0, sizeof(st2));
	expect_ret(syscall(SYS_newfstatat, 1L, "", &st2, (long)AT_EMPTY_PATH), 0,
		   "newfstatat(stdout, \"\", AT_EMPTY_PATH)");
	check(st.st_mode == st2.st_mode && st.st_ino == st2.st_ino && st.st_dev == st2.st_dev,
	      "newfstatat(stdout) matches fstat(stdout)");
	memset(&st2, 0, sizeof(st2));
	expect_ret(syscall(SYS_fstat, 1L, &st2), 0, "raw fstat(stdout)");
	check(st.st_mode == st2.st_mode && st.st_ino == st2.st_ino,
	      "raw fstat(stdout) matches libc fstat(stdout)");

	memset(&st, 0, sizeof(st));
	if (expect_ret(fstat(0, &st), 0, "fstat(stdin)")) {
		check(S_ISCHR(st.st_mode), "fstat(stdin): character device");
		check(major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
		      "fstat(stdin): rdev 1:3 (/dev/null)");
	}
	expect_err(fstat(99, &st), EBADF, "fstat(99)");
	expect_err(syscall(SYS_newfstatat, 99L, "", &st, (long)AT_EMPTY_PATH), EBADF,
		   "newfstatat(99, \"\", AT_EMPTY_PATH)");
}

static void test_write(void)
{
	static const char l1[] = "write via libc\n";
	static const char l2[] = "write via raw syscall\n";

	fflush(stdout);
	expect_ret(write(1, l1, sizeof(l1) - 1), sizeof(l1) - 1, "write(stdout)");
	expect_ret(syscall(SYS_write, 1L, l2, sizeof(l2) - 1), sizeof(l2) - 1, "raw write(stdout)");
	expect_ret(write(1, l1, 0), 0, "write(stdout, 0 bytes)");
	expect_ret(write(2, l1, 0), 0, "write(stderr, 0 bytes)");
	expect_err(write(0, l1, 1), EBADF, "write(stdin opened read-only)");
	expect_err(write(99, l1, 1), EBADF, "write(99)");
	expect_err(write(-1, l1, 1), EBADF, "write(-1)");
}

static void test_writev(void)
{
	static struct iovec many[UIO_MAXIOV_LINUX + 1];
	struct iovec iov[3] = {
		{.iov_base = "writev ", .iov_len = 7},
		{.iov_base = "of three ", .iov_len = 9},
		{.iov_base = "pieces\n", .iov_len = 7},
	};
	struct iovec huge = {.iov_base = "x", .iov_len = (size_t)SSIZE_MAX + 1};
	static const char msg[] = "writev of 1024 iovecs\n";
	size_t i;

	fflush(stdout);
	expect_ret(writev(1, iov, 3), 23, "writev(stdout, 3 iovecs)");
	expect_ret(syscall(SYS_writev, 1L, iov, 3L), 23, "raw writev(stdout, 3 iovecs)");
	expect_ret(writev(1, iov, 0), 0, "writev(stdout, 0 iovecs)");
	expect_err(syscall(SYS_writev, 1L, iov, -1L), EINVAL, "writev(stdout, iovcnt -1)");

	/* UIO_MAXIOV iovecs are accepted; one more is EINVAL. */
	for (i = 0; i < UIO_MAXIOV_LINUX + 1; i++) {
		many[i].iov_base = (void *)msg;
		many[i].iov_len = 0;
	}
	for (i = 0; i < sizeof(msg) - 1; i++) {
		struct iovec *v = &many[i * 40];

		v->iov_base = (void *)&msg[i];
		v->iov_len = 1;
	}
	fflush(stdout);
	expect_ret(syscall(SYS_writev, 1L, many, (long)UIO_MAXIOV_LINUX), sizeof(msg) - 1,
		   "writev(stdout, 1024 iovecs)");
	expect_err(syscall(SYS_writev, 1L, many, UIO_MAXIOV_LINUX + 1L), EINVAL,
		   "writev(stdout, 1025 iovecs)");
	expect_err(syscall(SYS_writev, 1L, &huge, 1L), EINVAL,
		   "writev(stdout, iov_len > SSIZE_MAX)");
	expect_err(syscall(SYS_writev, 0L, iov, 1L), EBADF, "writev(stdin opened read-only)");
}

static void test_read(void)
{
	char buf[64], buf2[16];
	struct iovec iov[2] = {
		{.iov_base = buf, .iov_len = sizeof(buf)},
		{.iov_base = buf2, .iov_len = sizeof(buf2)},
	};

	expect_ret(read(0, buf, sizeof(buf)), 0, "read(/dev/null)");
	expect_ret(syscall(SYS_read, 0L, buf, sizeof(buf)), 0, "raw read(/dev/null)");
	expect_ret(read(0, buf, 0), 0, "read(/dev/null, 0 bytes)");
	expect_ret(readv(0, iov, 2), 0, "readv(/dev/null, 2 iovecs)");
	expect_ret(syscall(SYS_readv, 0L, iov, 2L), 0, "raw readv(/dev/null, 2 iovecs)");
	expect_err(syscall(SYS_readv, 0L, iov, -1L), EINVAL, "readv(/dev/null, iovcnt -1)");
	expect_err(read(1, buf, sizeof(buf)), EBADF, "read(stdout opened write-only)");
	expect_err(read(99, buf, sizeof(buf)), EBADF, "read(99)");
}

static void test_pread_pwrite(void)
{
	char buf[16];
	bool ok_w, ok_r;

	expect_ret(pread(0, buf, sizeof(buf), 0), 0, "pread64(/dev/null, offset 0)");
	expect_ret(syscall(SYS_pread64, 0L, buf, sizeof(buf), 4096L), 0,
		   "raw pread64(/dev/null, offset 4096)");
	expect_err(syscall(SYS_pread64, 0L, buf, sizeof(buf), -1L), EINVAL,
		   "pread64(/dev/null, offset -1)");
	expect_err(syscall(SYS_pread64, 99L, buf, sizeof(buf), 0L), EBADF, "pread64(99)");
	/* The offset is checked before the descriptor's kind. */
	expect_err(syscall(SYS_pwrite64, 1L, "x", 1L, -1L), EINVAL, "pwrite64(stdout, offset -1)");
	expect_err(syscall(SYS_pwrite64, 99L, "x", 1L, 0L), EBADF, "pwrite64(99)");

	/*
	 * A pipe is not seekable: ESPIPE. A regular file opened write-only:
	 * a 0-byte pwrite succeeds, a pread is EBADF. Never write real bytes
	 * at an offset: that would overwrite the captured output.
	 */
	guest_quiet = true;
	if (stdout_is_pipe) {
		ok_w = expect_err(syscall(SYS_pwrite64, 1L, "x", 0L, 0L), ESPIPE,
				  "(pipe) pwrite64(stdout, 0 bytes)");
		ok_r = expect_err(syscall(SYS_pread64, 1L, buf, 0L, 0L), ESPIPE,
				  "(pipe) pread64(stdout, 0 bytes)");
	} else {
		ok_w = expect_ret(syscall(SYS_pwrite64, 1L, "x", 0L, 0L), 0,
				  "(file) pwrite64(stdout, 0 bytes)");
		ok_r = expect_err(syscall(SYS_pread64, 1L, buf, 0L, 0L), EBADF,
				  "(file) pread64(stdout, 0 bytes)");
	}
	guest_quiet = false;
	if (ok_w)
		puts("pwrite64(stdout, 0 bytes): as for a pipe or a file");
	if (ok_r)
		puts("pread64(stdout, 0 bytes): as for a pipe or a file");
}

static void test_ioctl(void)
{
	struct termios t;
	struct winsize ws;

	expect_err(ioctl(1, TCGETS, &t), ENOTTY, "ioctl(stdout, TCGETS)");
	expect_err(ioctl(1, TIOCGWINSZ, &ws), ENOTTY, "ioctl(stdout, TIOCGWINSZ)");
	expect_err(syscall(SYS_ioctl, 0L, (long)TCGETS, &t), ENOTTY, "ioctl(/dev/null, TCGETS)");
	expect_err(syscall(SYS_ioctl, 0L, (long)TIOCGWINSZ, &ws), ENOTTY,
		   "ioctl(/dev/null, TIOCGWINSZ)");
	expect_err(syscall(SYS_ioctl, 99L, (long)TCGETS, &t), EBADF, "ioctl(99, TCGETS)");
	check(isatty(1) == 0, "isatty(stdout) == 0");
	check(isatty(0) == 0, "isatty(stdin) == 0");
}

int main(void)
{
	guest_start("stdio_io");
	test_fstat();
	test_write();
	test_writev();
	test_read();
	test_pread_pwrite();
	test_ioctl();
	return guest_finish();
}
