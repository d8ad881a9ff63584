// SPDX-License-Identifier: Apache-2.0
/*
 * preadv, pwritev, preadv2 and pwritev2: positional vector I/O, offset -1
 * meaning the file position (the v2 forms), the RWF_* flags, and their
 * errors, on a tmpfs file and a pipe.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "guest_test.h"

#ifndef RWF_APPEND
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif

/* The raw calls: glibc's wrappers would emulate the v2 forms on ENOSYS. */
static long rpreadv2(int fd, const struct iovec *iov, int n, long off, int flags)
{
	return syscall(SYS_preadv2, (long)fd, iov, (long)n, off, 0L, (long)flags);
}

static long rpwritev2(int fd, const struct iovec *iov, int n, long off, int flags)
{
	return syscall(SYS_pwritev2, (long)fd, iov, (long)n, off, 0L, (long)flags);
}

static long rpreadv(int fd, const struct iovec *iov, int n, long off)
{
	return syscall(SYS_preadv, (long)fd, iov, (long)n, off, 0L);
}

static long rpwritev(int fd, const struct iovec *iov, int n, long off)
{
	return syscall(SYS_pwritev, (long)fd, iov, (long)n, off, 0L);
}

static void test_file(int fd)
{
	char a[4] = "abcd", b[3] = "xyz", r1[3], r2[4];
	struct iovec w[2] = {{a, 4}, {b, 3}};
	struct iovec r[2] = {{r1, 3}, {r2, 4}};

	expect_ret(rpwritev(fd, w, 2, 10), 7, "pwritev 4+3 bytes at 10");
	expect_ret(lseek(fd, 0, SEEK_CUR), 0, "  the file position stays 0");
	struct stat st;
	fstat(fd, &st);
	expect_ret(st.st_size, 17, "  the file grew to 17");
	expect_ret(rpreadv(fd, r, 2, 10), 7, "preadv 3+4 bytes at 10");
	check(!memcmp(r1, "abc", 3) && !memcmp(r2, "dxyz", 4), "  the bytes, split across buffers");
	expect_ret(rpreadv(fd, r, 2, 15), 2, "preadv at 15: short at the end");
	expect_ret(rpreadv(fd, r, 2, 100), 0, "preadv past the end: 0");
	expect_err(rpreadv(fd, r, 2, -1), EINVAL, "preadv at -1");
	expect_err(rpwritev(fd, w, 2, -5), EINVAL, "pwritev at -5");
	expect_err(rpreadv(-1, r, 2, -1), EINVAL, "preadv(bad fd, -1): the offset first");
	expect_err(rpreadv(-1, r, 2, 0), EBADF, "preadv(bad fd)");
	expect_err(rpreadv(fd, (void *)8, 2, 0), EFAULT, "preadv(bad iovec pointer)");
	expect_err(rpreadv(fd, r, -1, 0), EINVAL, "preadv(count -1)");
	expect_ret(rpreadv(fd, r, 0, 0), 0, "preadv of no buffers");

	/* v2: -1 is the file position, which then moves. */
	lseek(fd, 10, SEEK_SET);
	expect_ret(rpreadv2(fd, r, 1, -1, 0), 3, "preadv2 at -1 reads at the position");
	expect_ret(lseek(fd, 0, SEEK_CUR), 13, "  and moves it");
	expect_ret(rpreadv2(fd, r, 1, 11, 0), 3, "preadv2 at 11");
	check(!memcmp(r1, "bcd", 3), "  the bytes");
	expect_ret(lseek(fd, 0, SEEK_CUR), 13, "  the position stays");
	expect_err(rpreadv2(fd, r, 1, -2, 0), EINVAL, "preadv2 at -2");
	expect_ret(rpreadv2(fd, r, 1, 0, RWF_HIPRI), 3, "preadv2 RWF_HIPRI (a hint)");
	expect_err(rpreadv2(fd, r, 1, 0, 0x10000000), EOPNOTSUPP, "preadv2 unknown flag");
	expect_ret(rpwritev2(fd, w, 1, 0, RWF_DSYNC), 4, "pwritev2 RWF_DSYNC");
	expect_ret(rpwritev2(fd, w, 1, 0, RWF_SYNC), 4, "pwritev2 RWF_SYNC");
	expect_ret(rpwritev2(fd, &w[1], 1, 0, RWF_APPEND), 3, "pwritev2 RWF_APPEND at 0");
	fstat(fd, &st);
	expect_ret(st.st_size, 20, "  wrote at the end instead");
	expect_ret(rpreadv2(fd, r, 1, 17, 0), 3, "  read back at 17");
	check(!memcmp(r1, "xyz", 3), "  the bytes");
	lseek(fd, 2, SEEK_SET);
	expect_ret(rpwritev2(fd, w, 1, -1, 0), 4, "pwritev2 at -1 writes at the position");
	expect_ret(lseek(fd, 0, SEEK_CUR), 6, "  and moves it");
}

static void test_pipe(void)
{
	int p[2];
	char c[2];
	struct iovec v = {c, 2};
	if (pipe(p))
		return;
	expect_ret(write(p[1], "hi", 2), 2, "pipe: write 2");
	expect_err(rpreadv(p[0], &v, 1, 0), ESPIPE, "pipe: preadv at 0");
	expect_err(rpwritev(p[1], &v, 1, 0), ESPIPE, "pipe: pwritev at 0");
	expect_err(rpreadv2(p[0], &v, 1, 0, 0), ESPIPE, "pipe: preadv2 at 0");
	expect_ret(rpreadv2(p[0], &v, 1, -1, 0), 2, "pipe: preadv2 at -1 reads the stream");
	check(!memcmp(c, "hi", 2), "  the bytes");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	guest_start("rw_vec");
	char path[] = "/tmp/rw_vec.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		printf("FAIL mkstemp: %s\n", guest_errno_name(errno));
		return 1;
	}
	unlink(path);
	char zero[10] = {0};
	if (write(fd, zero, 10) != 10)
		printf("FAIL write of 10 zero bytes\n");
	lseek(fd, 0, SEEK_SET);
	test_file(fd);
	close(fd);
	test_pipe();
	return guest_finish();
}
