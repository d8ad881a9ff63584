// SPDX-License-Identifier: Apache-2.0
/*
 * fallocate(2): mode 0 growing a file (reads as zeros), FALLOC_FL_KEEP_SIZE
 * leaving st_size alone, FALLOC_FL_PUNCH_HOLE zeroing a range (seen through
 * a MAP_SHARED mapping too), the argument and file type checks, the seals
 * of a memfd and RLIMIT_FSIZE. Only outcomes every Linux file system shares
 * are printed for the file in /tmp (no st_blocks); mode errors are checked
 * on a memfd, which is tmpfs natively and under runsk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "guest_test.h"

#define MIN_(a, b) ((a) < (b) ? (a) : (b))
#define KEEP_SIZE 0x01
#define PUNCH_HOLE 0x02
#define COLLAPSE_RANGE 0x08
#define ZERO_RANGE 0x10
#define F_ADD_SEALS_ 1033
#define SEAL_GROW 0x4
#define SEAL_WRITE 0x8

static long falloc(int fd, long mode, long off, long len)
{
	return syscall(SYS_fallocate, (long)fd, mode, off, len);
}

static long size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? -1 : (long)st.st_size;
}

/* Whether [from, to) of fd reads as byte c. */
static bool reads_as(int fd, long from, long to, char c)
{
	char buf[256];
	for (long at = from; at < to;) {
		long n = MIN_(to - at, (long)sizeof(buf));
		if (pread(fd, buf, n, at) != n)
			return false;
		for (long i = 0; i < n; i++)
			if (buf[i] != c)
				return false;
		at += n;
	}
	return true;
}

static void test_file(int fd, const char *what)
{
	char x[8192];

	expect_ret(write(fd, "abc", 3), 3, "%s: write 3", what);
	expect_ret(falloc(fd, 0, 0, 8192), 0, "%s: mode 0 to 8192", what);
	expect_ret(size_of(fd), 8192, "%s: st_size", what);
	check(reads_as(fd, 3, 8192, 0), "%s: grown part reads as zeros", what);
	expect_ret(falloc(fd, KEEP_SIZE, 0, 65536), 0, "%s: KEEP_SIZE to 65536", what);
	expect_ret(size_of(fd), 8192, "%s: st_size after KEEP_SIZE", what);
	expect_ret(falloc(fd, 0, 100, 200), 0, "%s: mode 0 inside", what);
	expect_ret(size_of(fd), 8192, "%s: st_size after mode 0 inside", what);

	memset(x, 'x', sizeof(x));
	expect_ret(pwrite(fd, x, sizeof(x), 0), 8192, "%s: fill", what);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "%s: mmap shared", what);
	if (m == MAP_FAILED)
		return;
	check(m[200] == 'x' && m[4500] == 'x', "%s: mapping sees the data", what);
	expect_err(falloc(fd, PUNCH_HOLE, 100, 4900), EOPNOTSUPP, "%s: PUNCH_HOLE alone", what);
	expect_ret(falloc(fd, PUNCH_HOLE | KEEP_SIZE, 100, 4900), 0, "%s: punch [100,5000)", what);
	expect_ret(size_of(fd), 8192, "%s: st_size after punch", what);
	check(reads_as(fd, 0, 100, 'x') && reads_as(fd, 100, 5000, 0) &&
		      reads_as(fd, 5000, 8192, 'x'),
	      "%s: read sees the hole", what);
	bool ok = m[99] == 'x' && m[5000] == 'x';
	for (int i = 100; i < 5000; i++)
		ok &= m[i] == 0;
	check(ok, "%s: MAP_SHARED mapping sees the hole", what);
	m[200] = 'y';
	check(reads_as(fd, 200, 201, 'y'), "%s: mapping writes into the hole", what);
	expect_ret(falloc(fd, PUNCH_HOLE | KEEP_SIZE, 6000, 100000), 0, "%s: punch past the end",
		   what);
	expect_ret(size_of(fd), 8192, "%s: st_size after punch past end", what);
	check(reads_as(fd, 5000, 6000, 'x') && reads_as(fd, 6000, 8192, 0),
	      "%s: punch past the end zeroes to the end", what);
	munmap(m, 8192);

	expect_err(falloc(fd, 0, -1L, 10), EINVAL, "%s: offset -1", what);
	expect_err(falloc(fd, 0, 0, 0), EINVAL, "%s: len 0", what);
	expect_err(falloc(fd, 0, 0, -5L), EINVAL, "%s: len -5", what);
	expect_err(falloc(fd, 0, INT64_MAX - 10, 100), EFBIG, "%s: offset+len overflows", what);
	expect_err(falloc(fd, 0x1000, 0, 10), EOPNOTSUPP, "%s: unknown mode bit", what);
	expect_err(falloc(fd, PUNCH_HOLE | ZERO_RANGE | KEEP_SIZE, 0, 10), EOPNOTSUPP,
		   "%s: PUNCH_HOLE|ZERO_RANGE", what);
	/* COLLAPSE_RANGE|KEEP_SIZE: EINVAL before Linux 6.x's mode switch, EOPNOTSUPP after. */
}

int main(void)
{
	char path[64];
	int p[2];

	guest_start("fallocate");
	signal(SIGXFSZ, SIG_IGN);

	snprintf(path, sizeof(path), "/tmp/fallocate-test.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "open /tmp file");
	test_file(fd, "tmp");
	int ro = open(path, O_RDONLY);
	expect_err(falloc(ro, 0, 0, 10), EBADF, "O_RDONLY file");
	close(ro);
	close(fd);
	unlink(path);

	int mfd = memfd_create("falloc", MFD_ALLOW_SEALING);
	check(mfd >= 0, "memfd_create");
	test_file(mfd, "memfd");
	expect_err(falloc(mfd, ZERO_RANGE, 0, 10), EOPNOTSUPP, "memfd: ZERO_RANGE");
	expect_err(falloc(mfd, COLLAPSE_RANGE, 0, 4096), EOPNOTSUPP, "memfd: COLLAPSE_RANGE");

	/* RLIMIT_FSIZE: shmem checks it for KEEP_SIZE as well. */
	struct rlimit old, lim = {16384, 16384};
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &lim);
	expect_err(falloc(mfd, 0, 0, 20000), EFBIG, "memfd: mode 0 past RLIMIT_FSIZE");
	expect_err(falloc(mfd, KEEP_SIZE, 0, 20000), EFBIG, "memfd: KEEP_SIZE past RLIMIT_FSIZE");
	expect_ret(falloc(mfd, 0, 0, 16384), 0, "memfd: mode 0 up to RLIMIT_FSIZE");
	setrlimit(RLIMIT_FSIZE, &old);

	expect_ret(fcntl(mfd, F_ADD_SEALS_, SEAL_GROW), 0, "memfd: F_SEAL_GROW");
	expect_err(falloc(mfd, 0, 0, 20000), EPERM, "memfd sealed: mode 0 growing");
	expect_err(falloc(mfd, KEEP_SIZE, 0, 20000), EPERM, "memfd sealed: KEEP_SIZE growing");
	expect_ret(falloc(mfd, 0, 0, 16384), 0, "memfd sealed: mode 0 inside");
	expect_ret(falloc(mfd, PUNCH_HOLE | KEEP_SIZE, 0, 100), 0, "memfd sealed: punch");
	expect_ret(fcntl(mfd, F_ADD_SEALS_, SEAL_WRITE), 0, "memfd: F_SEAL_WRITE");
	expect_err(falloc(mfd, PUNCH_HOLE | KEEP_SIZE, 0, 100), EPERM, "memfd write-sealed: punch");
	expect_ret(falloc(mfd, 0, 0, 100), 0, "memfd write-sealed: mode 0 inside");
	expect_ret(size_of(mfd), 16384, "memfd: st_size");
	close(mfd);

	expect_err(falloc(-1, 0, 0, 10), EBADF, "fd -1");
	expect_err(falloc(1000, 0, 0, 10), EBADF, "fd not open");
	check(pipe(p) == 0, "pipe");
	expect_err(falloc(p[1], 0, 0, 10), ESPIPE, "pipe write end");
	expect_err(falloc(p[0], 0, 0, 10), EBADF, "pipe read end");
	close(p[0]);
	close(p[1]);
	int dn = open("/dev/null", O_WRONLY);
	expect_err(falloc(dn, 0, 0, 10), ENODEV, "/dev/null");
	close(dn);
	int efd = eventfd(0, 0);
	expect_err(falloc(efd, 0, 0, 10), ENODEV, "eventfd");
	close(efd);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	expect_err(falloc(dir, 0, 0, 10), EBADF, "directory");
	close(dir);
	int op = open("/tmp", O_PATH);
	expect_err(falloc(op, 0, 0, 10), EBADF, "O_PATH fd");
	close(op);
	return guest_finish();
}
