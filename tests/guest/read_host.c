// SPDX-License-Identifier: Apache-2.0
/*
 * read(2) and friends of a file on the host (this program's own binary,
 * under runsk the gofer's file as the overlay's lower layer, which the
 * Sentry reads straight into guest memory) into buffers of every kind: fresh, large, partly
 * unmapped, read-only, copy-on-write after fork, shared with a child,
 * scattered over iovecs; each compared with the file's mapping.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "guest_test.h"

#define PAGE 4096L

static const unsigned char *file; /* the whole file, mapped */
static long size;

/* Whether buf holds the file's bytes from off for len. */
static bool same(const void *buf, long off, long len)
{
	return off + len <= size && !memcmp(buf, file + off, (size_t)len);
}

static void *fresh(long len, int prot, int flags)
{
	void *p = mmap(NULL, (size_t)len, prot, MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void test_whole(int fd)
{
	long len = (size + PAGE - 1) / PAGE * PAGE + 4 * PAGE;
	char *buf = fresh(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	expect_ret(pread(fd, buf, (size_t)len, 0), size,
		   "pread of the whole file into a fresh buffer");
	check(same(buf, 0, size), "pread of the whole file: its bytes");
	expect_ret(pread(fd, buf + 1, 3 * PAGE, 5), 3 * PAGE, "pread at odd offsets");
	check(same(buf + 1, 5, 3 * PAGE), "pread at odd offsets: its bytes");
	expect_ret(pread(fd, buf, PAGE, size), 0, "pread at the end");
	expect_ret(pread(fd, buf, PAGE, size + PAGE), 0, "pread past the end");
	expect_ret(pread(fd, buf, PAGE, size - 10), 10, "pread over the end");
	check(same(buf, size - 10, 10), "pread over the end: its bytes");
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "lseek");
	long got = 0;
	for (ssize_t n; (n = read(fd, buf + got, 100000)) > 0;)
		got += n;
	expect_ret(got, size, "read in 100000-byte calls to the end");
	check(same(buf, 0, size), "read in 100000-byte calls: its bytes");
	expect_ret(lseek(fd, 0, SEEK_CUR), size, "read moved the position");
	munmap(buf, (size_t)len);
}

static void test_bad_buffers(int fd)
{
	char *buf = fresh(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	munmap(buf + 2 * PAGE, 2 * PAGE);
	expect_ret(pread(fd, buf, 4 * PAGE, 0), 2 * PAGE,
		   "pread into a buffer half unmapped: short");
	check(same(buf, 0, 2 * PAGE), "pread into a buffer half unmapped: its bytes");
	expect_err(pread(fd, buf + 2 * PAGE, PAGE, 0), EFAULT, "pread into an unmapped buffer");
	mprotect(buf + PAGE, PAGE, PROT_READ);
	expect_ret(pread(fd, buf, 2 * PAGE, 0), PAGE, "pread into a buffer half read-only: short");
	expect_err(pread(fd, buf + PAGE, PAGE, 0), EFAULT, "pread into a read-only buffer");
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "lseek");
	expect_ret(read(fd, buf, 2 * PAGE), PAGE, "read into a buffer half read-only: short");
	expect_ret(lseek(fd, 0, SEEK_CUR), PAGE, "the position moved by what was read");
	munmap(buf, 2 * PAGE);
}

static void test_fork(int fd)
{
	char *priv = fresh(8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *shared = fresh(8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
	memset(priv, 'p', 8 * PAGE);
	memset(shared, 's', 8 * PAGE);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* Into pages shared copy-on-write with the parent, and truly shared. */
		bool ok = pread(fd, priv, 8 * PAGE, PAGE) == 8 * PAGE &&
			  same(priv, PAGE, 8 * PAGE) &&
			  pread(fd, shared, 8 * PAGE, 2 * PAGE) == 8 * PAGE;
		_exit(ok ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	expect_ret(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "the child's preads");
	bool untouched = true;
	for (long i = 0; i < 8 * PAGE; i++)
		untouched &= priv[i] == 'p';
	check(untouched, "the child's pread left the parent's copy-on-write buffer alone");
	check(same(shared, 2 * PAGE, 8 * PAGE), "the child's pread reached the shared buffer");
	munmap(priv, 8 * PAGE);
	munmap(shared, 8 * PAGE);
}

static void test_iovecs(int fd)
{
	char *big = fresh(12 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char small[100], tail[7];
	struct iovec iov[3] = {{small, sizeof(small)}, {big, 12 * PAGE}, {tail, sizeof(tail)}};
	long want = (long)sizeof(small) + 12 * PAGE + (long)sizeof(tail);
	expect_ret(preadv(fd, iov, 3, 3), want, "preadv into three buffers");
	check(same(small, 3, sizeof(small)) && same(big, 3 + sizeof(small), 12 * PAGE) &&
		      same(tail, 3 + sizeof(small) + 12 * PAGE, sizeof(tail)),
	      "preadv into three buffers: their bytes");
	munmap(big, 12 * PAGE);
}

int main(void)
{
	guest_start("read_host");
	/* The binary itself: opening the magic link opens the file it names. */
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 16 * PAGE) {
		fprintf(stderr,
			"read_host: /proc/self/exe: not a regular file of 64 KiB or more\n");
		return 1;
	}
	size = st.st_size;
	file = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED) {
		perror("mmap the file");
		return 1;
	}
	test_whole(fd);
	test_bad_buffers(fd);
	test_fork(fd);
	test_iovecs(fd);
	return guest_finish();
}
