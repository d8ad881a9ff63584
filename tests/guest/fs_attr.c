// SPDX-License-Identifier: Apache-2.0
/*
 * Attributes: stat/lstat/fstat/statx, chmod family, chown family (the
 * programs run as root natively and in the sandbox), utimensat/utimes/
 * utime with exact times, access/faccessat/faccessat2.
 */
#include "fs_test.h"

#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <utime.h>

struct statx_ts {
	int64_t sec;
	uint32_t nsec;
	int32_t pad;
};
struct statx_buf {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

static void test_stat(void)
{
	struct stat st, lst;
	check(fs_put("f", "0123456789") == 0 && symlink("f", "l") == 0,
	      "make f (10 bytes), l -> f");
	check(stat("f", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 10 && st.st_nlink == 1 &&
		      (st.st_mode & 07777) == 0644,
	      "stat(f): regular, 10 bytes, nlink 1, 0644");
	check(lstat("l", &lst) == 0 && S_ISLNK(lst.st_mode) && lst.st_size == 1 &&
		      (lst.st_mode & 0777) == 0777,
	      "lstat(l): symlink, size 1 (the target's length), 0777");
	check(stat("l", &lst) == 0 && lst.st_ino == st.st_ino, "stat(l) is f");
	check(st.st_blksize > 0 && st.st_blocks >= 1, "blksize and blocks set");
	expect_err(stat("missing", &st), ENOENT, "stat(missing)");
	expect_err(syscall(SYS_stat, NULL, &st), EFAULT, "stat(NULL)");
	expect_err(syscall(SYS_stat, "f", (void *)8L), EFAULT, "stat(f, bad buffer)");

	struct statx_buf sx;
	expect_ret(syscall(SYS_statx, (long)AT_FDCWD, "f", 0L, 0x7ffL, &sx), 0, "statx(f)");
	check((sx.mask & 0x7ff) == 0x7ff && sx.size == 10 && sx.ino == st.st_ino &&
		      sx.mode == st.st_mode && sx.nlink == 1,
	      "statx: basic stats agree with stat");
	check(sx.dev_major == (uint32_t)major(st.st_dev) &&
		      sx.dev_minor == (uint32_t)minor(st.st_dev),
	      "statx: dev agrees with stat");
	expect_ret(syscall(SYS_statx, (long)AT_FDCWD, "l", (long)AT_SYMLINK_NOFOLLOW, 0x7ffL, &sx),
		   0, "statx(l, AT_SYMLINK_NOFOLLOW)");
	check(S_ISLNK(sx.mode), "statx: the link");
	expect_err(syscall(SYS_statx, (long)AT_FDCWD, "f", 0x6000L, 0x7ffL, &sx), EINVAL,
		   "statx(FORCE_SYNC|DONT_SYNC)");
	expect_err(syscall(SYS_statx, (long)AT_FDCWD, "f", 0x1L, 0x7ffL, &sx), EINVAL,
		   "statx(bad flag)");
	expect_err(syscall(SYS_statx, (long)AT_FDCWD, "f", 0L, 0x80000000L, &sx), EINVAL,
		   "statx(STATX__RESERVED)");
	int fd = open("f", O_RDONLY);
	expect_ret(syscall(SYS_statx, (long)fd, "", (long)AT_EMPTY_PATH, 0x7ffL, &sx), 0,
		   "statx(fd, \"\", AT_EMPTY_PATH)");
	check(sx.ino == st.st_ino, "statx(AT_EMPTY_PATH): the file");
	close(fd);
}

static void test_chmod_chown(void)
{
	struct stat st;
	expect_ret(chmod("f", 04751), 0, "chmod(f, 04751)");
	check(stat("f", &st) == 0 && (st.st_mode & 07777) == 04751, "mode 04751");
	int fd = open("f", O_RDONLY);
	expect_ret(fchmod(fd, 0600), 0, "fchmod(0600)");
	check(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600");
	expect_ret(fchmodat(AT_FDCWD, "l", 0640, 0), 0, "fchmodat(l) follows");
	check(stat("f", &st) == 0 && (st.st_mode & 07777) == 0640, "f's mode 0640");
	expect_err(chmod("missing", 0600), ENOENT, "chmod(missing)");
	expect_ret(chown("f", 1234, 5678), 0, "chown(f, 1234, 5678)");
	check(stat("f", &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678, "owner 1234:5678");
	expect_ret(fchown(fd, -1, 42), 0, "fchown(-1, 42)");
	check(fstat(fd, &st) == 0 && st.st_uid == 1234 && st.st_gid == 42, "owner 1234:42");
	expect_ret(lchown("l", 7, 8), 0, "lchown(l)");
	check(lstat("l", &st) == 0 && st.st_uid == 7 && st.st_gid == 8 && stat("f", &st) == 0 &&
		      st.st_uid == 1234,
	      "lchown changed the link, not f");
	expect_ret(chmod("f", 06755), 0, "chmod(f, 06755)");
	expect_ret(chown("f", 0, 0), 0, "chown(f, 0, 0)");
	check(stat("f", &st) == 0 && (st.st_mode & 07777) == 0755,
	      "chown drops set-user-ID and set-group-ID");
	expect_err(fchownat(AT_FDCWD, "f", 0, 0, 0x1), EINVAL, "fchownat(bad flag)");
	expect_ret(fchownat(AT_FDCWD, "l", 9, 9, AT_SYMLINK_NOFOLLOW), 0,
		   "fchownat(AT_SYMLINK_NOFOLLOW)");
	int pfd = open("f", O_PATH);
	expect_err(syscall(SYS_fchmod, (long)pfd, 0644L), EBADF, "fchmod(O_PATH fd)");
	expect_err(syscall(SYS_fchown, (long)pfd, 0L, 0L), EBADF, "fchown(O_PATH fd)");
	close(pfd);
	close(fd);
}

static void test_times(void)
{
	struct stat st;
	struct timespec ts[2] = {{1000000000, 111}, {1200000000, 222}};
	expect_ret(utimensat(AT_FDCWD, "f", ts, 0), 0, "utimensat(f, explicit)");
	check(stat("f", &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 111 &&
		      st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 222,
	      "atime and mtime as set");
	struct timespec omit[2] = {{5, UTIME_OMIT}, {1300000000, 0}};
	expect_ret(utimensat(AT_FDCWD, "f", omit, 0), 0, "utimensat(UTIME_OMIT, explicit)");
	check(stat("f", &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
		      st.st_mtim.tv_sec == 1300000000,
	      "atime kept, mtime set");
	struct timespec both_omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	expect_ret(utimensat(AT_FDCWD, "missing", both_omit, 0), 0,
		   "utimensat(missing, both UTIME_OMIT): nothing to do");
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	expect_err(utimensat(AT_FDCWD, "f", bad, 0), EINVAL, "utimensat(tv_nsec 1e9)");
	expect_err(utimensat(AT_FDCWD, "f", ts, 0x4), EINVAL, "utimensat(bad flag)");
	expect_err(syscall(SYS_utimensat, (long)AT_FDCWD, NULL, ts, 0L), EFAULT,
		   "utimensat(AT_FDCWD, NULL)");
	expect_ret(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW), 0,
		   "utimensat(l, AT_SYMLINK_NOFOLLOW)");
	check(lstat("l", &st) == 0 && st.st_mtim.tv_sec == 1200000000 && stat("f", &st) == 0 &&
		      st.st_mtim.tv_sec == 1300000000,
	      "the link's times changed, not f's");
	int fd = open("f", O_RDWR);
	expect_ret(futimens(fd, ts), 0, "futimens");
	check(fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000, "futimens set mtime");
	expect_ret(write(fd, "x", 1), 1, "write");
	check(fstat(fd, &st) == 0 && st.st_mtim.tv_sec > 1200000000, "a write sets mtime to now");
	close(fd);
	struct timeval tv[2] = {{1100000000, 5}, {1100000001, 6}};
	expect_ret(utimes("f", tv), 0, "utimes");
	check(stat("f", &st) == 0 && st.st_mtim.tv_sec == 1100000001 && st.st_mtim.tv_nsec == 6000,
	      "utimes: microseconds");
	struct timeval badtv[2] = {{0, 1000000}, {0, 0}};
	expect_err(utimes("f", badtv), EINVAL, "utimes(tv_usec 1e6)");
	struct utimbuf ub = {900000000, 900000001};
	expect_ret(utime("f", &ub), 0, "utime");
	check(stat("f", &st) == 0 && st.st_atim.tv_sec == 900000000 &&
		      st.st_mtim.tv_sec == 900000001 && st.st_mtim.tv_nsec == 0,
	      "utime: whole seconds");
	expect_ret(utimensat(AT_FDCWD, "f", NULL, 0), 0, "utimensat(NULL): now");
	check(stat("f", &st) == 0 && st.st_mtim.tv_sec > 1300000000, "mtime is now");
}

static void test_access(void)
{
	check(fs_put("plain", "") == 0 && chmod("plain", 0644) == 0, "make plain, 0644");
	expect_ret(access("plain", F_OK), 0, "access(F_OK)");
	expect_ret(access("plain", R_OK | W_OK), 0, "access(R_OK|W_OK) as root");
	expect_err(access("plain", X_OK), EACCES, "access(X_OK) of 0644, even as root");
	expect_ret(chmod("plain", 0744), 0, "chmod(0744)");
	expect_ret(access("plain", X_OK), 0, "access(X_OK) of 0744");
	expect_err(access("missing", F_OK), ENOENT, "access(missing)");
	expect_err(access("plain", 8), EINVAL, "access(mode 8)");
	expect_ret(access(".", X_OK), 0, "access(., X_OK)");
	expect_err(syscall(SYS_faccessat2, (long)AT_FDCWD, "plain", (long)F_OK, 0x1L), EINVAL,
		   "faccessat2(bad flag)");
	symlink("nowhere", "dangling");
	expect_err(syscall(SYS_faccessat2, (long)AT_FDCWD, "dangling", (long)F_OK, 0L), ENOENT,
		   "faccessat2(dangling)");
	expect_ret(syscall(SYS_faccessat2, (long)AT_FDCWD, "dangling", (long)F_OK,
			   (long)AT_SYMLINK_NOFOLLOW),
		   0, "faccessat2(dangling, AT_SYMLINK_NOFOLLOW)");
	expect_ret(syscall(SYS_faccessat, (long)AT_FDCWD, "plain", (long)R_OK), 0, "faccessat");
}

int main(void)
{
	guest_start("fs_attr");
	fs_test_enter("fs_attr");
	test_stat();
	test_chmod_chown();
	test_times();
	test_access();
	fs_test_leave();
	return guest_finish();
}
