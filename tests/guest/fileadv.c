// SPDX-License-Identifier: Apache-2.0
/*
 * close_range (plain, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE with a
 * shared table), the page cache hints readahead, fadvise64 and
 * sync_file_range (argument checks and file types), chroot (errors, the
 * new root, the privilege), and the errors of name_to_handle_at and
 * open_by_handle_at that do not depend on the file system.
 *
 * Runs as root; unprivileged checks run in a child that drops to uid 54321.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fs_test.h"
#include "guest_test.h"

#define CLOSE_UNSHARE (1U << 1)
#define CLOSE_CLOEXEC (1U << 2)

static long close_range_(unsigned lo, unsigned hi, unsigned flags)
{
	return syscall(SYS_close_range, (long)lo, (long)hi, (long)flags);
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void fds_at(int from, int n)
{
	for (int i = 0; i < n; i++)
		dup2(0, from + i);
}

/* Wait for pid; its exit status, or 128 + the signal. */
static int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run fn in a child process (a fresh failure count); its exit status. */
static int in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		fn();
		exit(guest_finish());
	}
	return reap(pid);
}

static void test_close_range(void)
{
	fds_at(100, 6);
	expect_ret(close_range_(101, 103, 0), 0, "close_range(101, 103)");
	check(is_open(100) && !is_open(101) && !is_open(103) && is_open(104),
	      "...closed just those");
	expect_ret(close_range_(104, 105, CLOSE_CLOEXEC), 0, "close_range CLOEXEC");
	check(fcntl(104, F_GETFD) == FD_CLOEXEC && fcntl(105, F_GETFD) == FD_CLOEXEC,
	      "...marked close-on-exec");
	check(fcntl(100, F_GETFD) == 0, "...not the one before");
	expect_err(close_range_(5, 4, 0), EINVAL, "close_range lo > hi");
	expect_err(close_range_(100, 200, 1), EINVAL, "close_range flag 1");
	expect_err(close_range_(100, 200, 8), EINVAL, "close_range flag 8");
	expect_ret(close_range_(2000, 3000, 0), 0, "close_range past the table");
	expect_ret(close_range_(100, ~0U, 0), 0, "close_range(100, ~0)");
	check(!is_open(100) && !is_open(104) && !is_open(105) && is_open(2),
	      "...all from 100 closed");

	/* A child sharing the table: UNSHARE closes in its own copy only. */
	fds_at(110, 2);
	fflush(stdout);
	long pid = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L);
	if (pid == 0) {
		if (close_range_(110, 110, CLOSE_UNSHARE))
			_exit(1);
		/* Unshared now: this close is the child's alone, too. */
		_exit(close_range_(111, 111, 0) || is_open(110) || is_open(111) ? 2 : 0);
	}
	expect_ret(reap(pid), 0, "child: close_range UNSHARE");
	check(is_open(110) && is_open(111), "...the parent's fds stay open");
	pid = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L);
	if (pid == 0)
		_exit(close_range_(110, 110, 0) ? 1 : 0);
	expect_ret(reap(pid), 0, "child: close_range on the shared table");
	check(!is_open(110) && is_open(111), "...closed the parent's fd");
	close(111);
}

static long fadvise(int fd, long off, long len, int advice)
{
	return syscall(SYS_fadvise64, (long)fd, off, len, (long)advice);
}

static long sfr(int fd, long off, long n, unsigned flags)
{
	return syscall(SYS_sync_file_range, (long)fd, off, n, (long)flags);
}

static void test_hints(void)
{
	int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int p[2];
	check(fd >= 0 && write(fd, "hello", 5) == 5 && pipe(p) == 0, "file and pipe");
	int dir = open(".", O_RDONLY | O_DIRECTORY);
	int wo = open("f", O_WRONLY);
	int opath = open("f", O_PATH);

	for (int adv = 0; adv <= 5; adv++)
		expect_ret(fadvise(fd, 0, 0, adv), 0, "fadvise advice %d", adv);
	expect_err(fadvise(fd, 0, 0, 6), EINVAL, "fadvise advice 6");
	expect_err(fadvise(fd, 0, -1, 0), EINVAL, "fadvise len -1");
	expect_ret(fadvise(fd, 1L << 40, 100, POSIX_FADV_WILLNEED), 0, "fadvise past the end");
	expect_ret(fadvise(dir, 0, 0, 0), 0, "fadvise on a directory");
	expect_err(fadvise(p[0], 0, 0, 0), ESPIPE, "fadvise on a pipe");
	expect_err(fadvise(p[0], 0, 0, 99), ESPIPE, "fadvise on a pipe, bad advice");
	expect_err(fadvise(-1, 0, 0, 0), EBADF, "fadvise bad fd");
	expect_err(fadvise(opath, 0, 0, 0), EBADF, "fadvise O_PATH");

	expect_ret(syscall(SYS_readahead, (long)fd, 0L, 4096L), 0, "readahead");
	expect_err(syscall(SYS_readahead, (long)p[0], 0L, 10L), EINVAL, "readahead pipe");
	expect_err(syscall(SYS_readahead, (long)dir, 0L, 10L), EINVAL, "readahead directory");
	expect_err(syscall(SYS_readahead, (long)wo, 0L, 10L), EBADF, "readahead O_WRONLY");
	expect_err(syscall(SYS_readahead, -1L, 0L, 10L), EBADF, "readahead bad fd");

	expect_ret(sfr(fd, 0, 0, 7), 0, "sync_file_range all flags");
	expect_ret(sfr(fd, 0, 5, 2), 0, "sync_file_range WRITE");
	expect_ret(sfr(fd, 0, 0, 0), 0, "sync_file_range no flags");
	expect_ret(sfr(dir, 0, 0, 7), 0, "sync_file_range directory");
	expect_err(sfr(fd, 0, 0, 8), EINVAL, "sync_file_range flag 8");
	expect_err(sfr(fd, -1, 0, 0), EINVAL, "sync_file_range offset -1");
	expect_err(sfr(fd, 0, -2, 0), EINVAL, "sync_file_range nbytes -2");
	expect_err(sfr(fd, 0x7fffffffffffff00L, 0x1000, 0), EINVAL, "sync_file_range overflow");
	expect_err(sfr(p[1], 0, 0, 2), ESPIPE, "sync_file_range pipe");
	expect_err(sfr(-1, 0, 0, 99), EBADF, "sync_file_range bad fd and flags");
	close(fd);
	close(dir);
	close(wo);
	close(opath);
	close(p[0]);
	close(p[1]);
}

static void chroot_child(void)
{
	expect_ret(chroot("root"), 0, "chroot(root)");
	check(chdir("/") == 0, "chdir /");
	struct stat st;
	expect_ret(stat("/marker", &st), 0, "stat /marker in the new root");
	expect_err(stat("/f", &st), ENOENT, "stat /f: outside it");
	expect_ret(stat("/../marker", &st), 0, "/.. stays at the root");
	expect_ret(chroot("/sub"), 0, "chroot again, deeper");
	expect_err(stat("/marker", &st), ENOENT, "...marker now above the root");
}

static void unpriv_child(void)
{
	check(setresuid(54321, 54321, 54321) == 0, "drop to uid 54321");
	expect_err(chroot("root"), EPERM, "chroot unprivileged");
	expect_err(chroot("nonexistent"), ENOENT, "chroot unprivileged, no such dir");
	char fh[16] = {0};
	*(unsigned *)fh = 8;
	expect_err(syscall(SYS_open_by_handle_at, (long)AT_FDCWD, fh, (long)O_RDONLY), EPERM,
		   "open_by_handle_at unprivileged");
}

static void test_chroot(void)
{
	check(mkdir("root", 0755) == 0 && mkdir("root/sub", 0755) == 0 &&
		      fs_put("root/marker", "x") == 0,
	      "make root/");
	expect_err(chroot("nonexistent"), ENOENT, "chroot(nonexistent)");
	expect_err(chroot("f"), ENOTDIR, "chroot(a file)");
	expect_err(chroot(""), ENOENT, "chroot(\"\")");
	expect_err(syscall(SYS_chroot, (void *)8), EFAULT, "chroot(bad pointer)");
	expect_ret(in_child(chroot_child), 0, "chroot in a child");
	check(chmod(".", 0755) == 0, "chmod . 0755 for the unprivileged child");
	expect_ret(in_child(unpriv_child), 0, "unprivileged");
}

static void test_handles(void)
{
	char buf[8 + 128];
	int mnt;
	memset(buf, 0, sizeof(buf));
	*(unsigned *)buf = 128;
	expect_err(syscall(SYS_name_to_handle_at, (long)AT_FDCWD, "f", buf, &mnt, 0x4L), EINVAL,
		   "name_to_handle_at bad flag");
	expect_err(syscall(SYS_name_to_handle_at, (long)AT_FDCWD, "nope", buf, &mnt, 0L), ENOENT,
		   "name_to_handle_at no such file");
	expect_err(syscall(SYS_name_to_handle_at, 999L, "f", buf, &mnt, 0L), EBADF,
		   "name_to_handle_at bad dirfd");
	long r = syscall(SYS_name_to_handle_at, (long)AT_FDCWD, "f", buf, &mnt, 0L);
	/* Whether the file system has handles is its own business. */
	check(r == 0 || errno == EOPNOTSUPP, "name_to_handle_at: a handle or EOPNOTSUPP");

	*(unsigned *)buf = 8;
	expect_err(syscall(SYS_open_by_handle_at, 999L, buf, (long)O_RDONLY), EBADF,
		   "open_by_handle_at bad fd");
	*(unsigned *)buf = 0;
	expect_err(syscall(SYS_open_by_handle_at, (long)AT_FDCWD, buf, (long)O_RDONLY), EINVAL,
		   "open_by_handle_at 0 bytes");
	*(unsigned *)buf = 129;
	expect_err(syscall(SYS_open_by_handle_at, (long)AT_FDCWD, buf, (long)O_RDONLY), EINVAL,
		   "open_by_handle_at 129 bytes");
	expect_err(syscall(SYS_open_by_handle_at, (long)AT_FDCWD, (void *)8, (long)O_RDONLY),
		   EFAULT, "open_by_handle_at bad pointer");
}

int main(void)
{
	guest_start("fileadv");
	fs_test_enter("fileadv");
	test_close_range();
	test_hints();
	test_chroot();
	test_handles();
	fs_test_leave();
	return guest_finish();
}
