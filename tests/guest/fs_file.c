// SPDX-License-Identifier: Apache-2.0
/*
 * Regular file I/O: open flags, read/write/pread/pwrite/readv/writev at
 * the file's position, lseek, O_APPEND, O_TRUNC, holes, truncate, partial
 * copies at a bad buffer, umask, fsync and friends, and the /dev devices.
 */
#include "fs_test.h"

#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

static void test_rw_and_seek(void)
{
	char buf[64] = {0};
	int fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "open(a, O_RDWR|O_CREAT|O_EXCL)");
	expect_ret(write(fd, "hello world", 11), 11, "write 11 bytes");
	expect_ret(lseek(fd, 0, SEEK_CUR), 11, "lseek(SEEK_CUR) after the write");
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "lseek(0, SEEK_SET)");
	expect_ret(read(fd, buf, 5), 5, "read 5");
	check(memcmp(buf, "hello", 5) == 0, "read: hello");
	expect_ret(pread(fd, buf, 5, 6), 5, "pread(5 at 6)");
	check(memcmp(buf, "world", 5) == 0, "pread: world");
	expect_ret(lseek(fd, 0, SEEK_CUR), 5, "pread leaves the position at 5");
	expect_ret(pwrite(fd, "XY", 2, 20), 2, "pwrite(2 at 20): past the end");
	struct stat st;
	check(fstat(fd, &st) == 0 && st.st_size == 22, "size 22 after the pwrite");
	memset(buf, 1, sizeof(buf));
	expect_ret(pread(fd, buf, 64, 10), 12, "pread(64 at 10): 12 to the end");
	check(buf[0] == 'd' && buf[1] == 0 && buf[9] == 0 && buf[10] == 'X',
	      "the hole reads as zeros");
	expect_ret(read(fd, buf, 64), 17, "read from 5: 17 to the end");
	expect_ret(read(fd, buf, 64), 0, "read at the end: 0");
	expect_ret(lseek(fd, -2, SEEK_END), 20, "lseek(-2, SEEK_END)");
	expect_err(lseek(fd, -100, SEEK_CUR), EINVAL, "lseek before 0");
	expect_err(lseek(fd, 0, 42), EINVAL, "lseek(whence 42)");
	expect_ret(lseek(fd, 100, SEEK_SET), 100, "lseek past the end");
	expect_ret(read(fd, buf, 4), 0, "read past the end: 0");
	expect_ret(lseek(fd, 3, SEEK_DATA), 3, "lseek(3, SEEK_DATA)");
	expect_err(lseek(fd, 30, SEEK_DATA), ENXIO, "lseek(30, SEEK_DATA) past the end");
	expect_ret(lseek(fd, 22, SEEK_HOLE) < 0 ? errno : 0, ENXIO,
		   "lseek(22, SEEK_HOLE) at the end: ENXIO");
	expect_err(pread(fd, buf, 1, -1), EINVAL, "pread at -1");

	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "rewind");
	expect_ret(writev(fd, iov, 2), 5, "writev 2+3");
	char x[2], y[3];
	struct iovec rio[2] = {{x, 2}, {y, 3}};
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "rewind");
	expect_ret(readv(fd, rio, 2), 5, "readv 2+3");
	check(memcmp(x, "ab", 2) == 0 && memcmp(y, "cde", 3) == 0, "readv: ab cde");
	int dup_fd = dup(fd);
	expect_ret(lseek(dup_fd, 7, SEEK_SET), 7, "lseek on a dup");
	expect_ret(lseek(fd, 0, SEEK_CUR), 7, "a dup shares the position");
	close(dup_fd);
	expect_ret(fsync(fd), 0, "fsync");
	expect_ret(fdatasync(fd), 0, "fdatasync");
	expect_ret(syscall(SYS_syncfs, (long)fd), 0, "syncfs");
	sync();
	close(fd);
}

static void test_flags(void)
{
	char buf[32];
	struct stat st;
	int fd = open("a", O_WRONLY | O_APPEND);
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "O_APPEND: lseek to 0");
	expect_ret(write(fd, "++", 2), 2, "O_APPEND: write");
	expect_ret(lseek(fd, 0, SEEK_CUR), 24, "O_APPEND: the write went to the end");
	long fl = fcntl(fd, F_GETFL);
	check((fl & O_APPEND) && (fl & O_ACCMODE) == O_WRONLY, "F_GETFL: O_WRONLY|O_APPEND");
	check(fl & 0x8000, "F_GETFL: O_LARGEFILE is set on x86-64");
	check(!(fl & (O_CREAT | O_TRUNC | O_EXCL)), "F_GETFL: no O_CREAT, O_TRUNC, O_EXCL");
	expect_err(read(fd, buf, 1), EBADF, "read(O_WRONLY fd)");
	close(fd);
	fd = open("a", O_RDONLY);
	expect_err(write(fd, "x", 1), EBADF, "write(O_RDONLY fd)");
	expect_err(ftruncate(fd, 0), EINVAL, "ftruncate(O_RDONLY fd)");
	close(fd);
	fd = open("a", O_RDWR | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties the file");
	close(fd);
	fd = creat("b", 0600);
	check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600,
	      "creat(b, 0600) with umask 022");
	expect_err(read(fd, buf, 1), EBADF, "creat opens write-only");
	close(fd);
	mode_t old = umask(077);
	check(old == 022 || old == 02 || old == 0, "umask returns the old mask");
	fd = open("c", O_RDWR | O_CREAT, 0666);
	check(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "umask 077: 0666 -> 0600");
	close(fd);
	expect_ret(umask(old), 077, "umask restores: returns 077");
	umask(022);
	fd = open("e", O_RDWR | O_CREAT, 0777);
	check(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0755, "umask 022: 0777 -> 0755");
	close(fd);
}

static void test_truncate(void)
{
	struct stat st;
	char buf[8];
	int fd = open("t", O_RDWR | O_CREAT, 0644);
	expect_ret(write(fd, "abcdefgh", 8), 8, "write 8");
	expect_ret(ftruncate(fd, 3), 0, "ftruncate(3)");
	expect_ret(ftruncate(fd, 6), 0, "ftruncate(6)");
	expect_ret(pread(fd, buf, 8, 0), 6, "pread after shrink and grow: 6");
	check(memcmp(buf, "abc\0\0\0", 6) == 0, "the grown part reads as zeros");
	expect_ret(truncate("t", 1), 0, "truncate(t, 1)");
	check(fstat(fd, &st) == 0 && st.st_size == 1, "size 1");
	expect_err(truncate("t", -1), EINVAL, "truncate(-1)");
	expect_err(ftruncate(fd, -1), EINVAL, "ftruncate(-1)");
	mkdir("dir", 0755);
	expect_err(truncate("dir", 0), EISDIR, "truncate(dir)");
	expect_err(truncate("missing", 0), ENOENT, "truncate(missing)");
	expect_err(ftruncate(99, 0), EBADF, "ftruncate(99)");
	expect_ret(ftruncate(fd, 1 << 20), 0, "ftruncate(1 MiB)");
	check(fstat(fd, &st) == 0 && st.st_size == 1 << 20 && st.st_blocks < 64,
	      "a 1 MiB hole takes no blocks");
	close(fd);
}

static void test_big_and_partial(void)
{
	static unsigned char big[1 << 20], back[1 << 20];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 4096);
	int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	expect_ret(write(fd, big, sizeof(big)), sizeof(big), "write 1 MiB");
	expect_ret(pread(fd, back, sizeof(back), 0), sizeof(back), "read 1 MiB back");
	check(memcmp(big, back, sizeof(big)) == 0, "the data matches");

	/* A buffer whose second page is unmapped. */
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(p != MAP_FAILED && munmap(p + 4096, 4096) == 0, "map one page of two"))
		return;
	memset(p, 'p', 4096);
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "rewind");
	expect_ret(write(fd, p, 8192), 4096, "write across a bad page: the good part");
	expect_ret(lseek(fd, 0, SEEK_CUR), 4096, "the position moved by that part");
	expect_ret(read(fd, p, 8192), 4096, "read across a bad page: the good part");
	expect_ret(lseek(fd, 0, SEEK_CUR), 8192, "the position moved by what was delivered");
	expect_err(read(fd, p + 4096, 10), EFAULT, "read into a bad page");
	expect_ret(lseek(fd, 0, SEEK_CUR), 8192, "a failed read does not move the position");
	munmap(p, 4096);
	close(fd);
}

static void test_devices(void)
{
	char buf[16];
	struct stat st;
	int fd = open("/dev/null", O_RDWR);
	expect_ret(read(fd, buf, sizeof(buf)), 0, "read(/dev/null)");
	expect_ret(write(fd, "abc", 3), 3, "write(/dev/null)");
	expect_ret(lseek(fd, 10, SEEK_SET), 0, "lseek(/dev/null)");
	check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
		      minor(st.st_rdev) == 3,
	      "fstat(/dev/null): char device 1:3");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof(buf));
	expect_ret(read(fd, buf, sizeof(buf)), sizeof(buf), "read(/dev/zero)");
	check(buf[0] == 0 && buf[15] == 0, "/dev/zero: zeros");
	close(fd);
	fd = open("/dev/full", O_RDWR);
	expect_err(write(fd, "x", 1), ENOSPC, "write(/dev/full)");
	expect_ret(read(fd, buf, 4), 4, "read(/dev/full)");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	expect_ret(read(fd, buf, sizeof(buf)), sizeof(buf), "read(/dev/urandom)");
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	expect_ret(read(fd, buf, 8), 8, "read(/dev/random)");
	close(fd);
	check(stat("/dev/zero", &st) == 0 && major(st.st_rdev) == 1 && minor(st.st_rdev) == 5,
	      "stat(/dev/zero): 1:5");
}

int main(void)
{
	guest_start("fs_file");
	umask(022);
	fs_test_enter("fs_file");
	test_rw_and_seek();
	test_flags();
	test_truncate();
	test_big_and_partial();
	test_devices();
	fs_test_leave();
	return guest_finish();
}
