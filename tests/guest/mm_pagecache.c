// SPDX-License-Identifier: Apache-2.0
/*
 * The page cache of a file of the root file system (goferfs under runsk,
 * run with --overlay2=none to reach the host): msync's checks and errors,
 * write(2) and a shared mapping seeing each other at once, fsync and
 * msync writing what the mapping stored, a store after a write-back
 * advancing mtime (on ext4, xfs, btrfs: tmpfs and ramfs never write back,
 * nor track it), ftruncate's SIGBUS past the new end.
 * The checks run in a directory made under the cwd. pagecache_steps.c
 * checks from outside (tests/integration/pagecache.sh) that the host file
 * gets the stores, and only once.
 */
#include "guest_test.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#define PAGE 4096L
#define NPAGES 4
/* File systems whose page_mkwrite updates mtime (file_update_time). */
#define EXT4_MAGIC_ 0xef53L
#define XFS_MAGIC_ 0x58465342L
#define BTRFS_MAGIC_ 0x9123683eL

static char dir[PATH_MAX];

static char *map(long len, int prot, int flags, int fd, long off)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)flags, (long)fd, off);
}

static long msync_(void *p, long len, long flags)
{
	return syscall(SYS_msync, p, len, flags);
}

static long long mtime_ns(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

/* Let the clock move past the file system's timestamp granularity (jiffies). */
static void tick(void)
{
	struct timespec ts = {0, 30 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static int make_file(const char *name)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char buf[NPAGES * PAGE];
	for (long i = 0; i < (long)sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		printf("FAIL making %s: %s\n", name, guest_errno_name(errno));
		exit(1);
	}
	return fd;
}

/* ---- SIGBUS, caught ---- */

static sigjmp_buf bus_env;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(bus_env, 1);
}

static bool sigbus_at(volatile char *p)
{
	bus_code = 0;
	if (!sigsetjmp(bus_env, 1))
		*p = 1;
	return bus_code == BUS_ADRERR;
}

static void test_errors(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "mmap shared"))
		return;
	expect_err(msync_(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL, "msync(MS_SYNC|MS_ASYNC)");
	expect_err(msync_(p + 1, PAGE, MS_SYNC), EINVAL, "msync(unaligned)");
	expect_err(msync_(p, PAGE, 8), EINVAL, "msync(unknown flag)");
	expect_ret(msync_(p, 0, MS_SYNC), 0, "msync(len 0)");
	expect_ret(msync_(p, PAGE, MS_INVALIDATE), 0, "msync(MS_INVALIDATE)");
	expect_ret(msync_(p, PAGE, MS_ASYNC | MS_INVALIDATE), 0, "msync(MS_ASYNC|MS_INVALIDATE)");
	munmap(p + 2 * PAGE, PAGE);
	expect_err(msync_(p, NPAGES * PAGE, MS_SYNC), ENOMEM, "msync over a hole");
	expect_err(msync_(p + 2 * PAGE, PAGE, MS_ASYNC), ENOMEM, "msync(MS_ASYNC) of the hole");
	expect_err(msync_(p + 2 * PAGE, PAGE, MS_SYNC), ENOMEM, "msync(MS_SYNC) of the hole");
	if (mlock(p, PAGE) == 0) {
		expect_err(msync_(p, PAGE, MS_INVALIDATE), EBUSY,
			   "msync(MS_INVALIDATE) of locked pages");
		expect_ret(msync_(p, PAGE, MS_SYNC), 0, "msync(MS_SYNC) of locked pages");
		munlock(p, PAGE);
	} else {
		printf("msync(MS_INVALIDATE) of locked pages: EBUSY\n"); /* no RLIMIT_MEMLOCK here */
		printf("msync(MS_SYNC) of locked pages: 0\n");
	}
	munmap(p, NPAGES * PAGE);
}

static void test_coherent(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "mmap shared"))
		return;
	check(p[PAGE + 3] == 'a' + (PAGE + 3) % 26, "the mapping shows the file");
	expect_ret(pwrite(fd, "WRITE", 5, PAGE + 3), 5, "pwrite into a mapped page");
	check(!memcmp(p + PAGE + 3, "WRITE", 5), "the mapping sees it at once");
	memcpy(p + 2 * PAGE + 7, "STORE", 5);
	char buf[5];
	expect_ret(pread(fd, buf, 5, 2 * PAGE + 7), 5, "pread of a stored page");
	check(!memcmp(buf, "STORE", 5), "read(2) sees the store at once");
	/* read(2) into the mapping itself: the Sentry's store dirties the page too. */
	expect_ret(pread(fd, p + 3 * PAGE, 5, PAGE + 3), 5, "pread into the mapping");
	expect_ret(fsync(fd), 0, "fsync");
	int fd2 = open("data", O_RDONLY);
	expect_ret(pread(fd2, buf, 5, 3 * PAGE), 5, "pread through a fresh open");
	check(!memcmp(buf, "WRITE", 5), "it reads what read(2) put in the mapping");
	close(fd2);
	/* The same bytes again, stored after a write-back: seen, and written again. */
	memcpy(p + 2 * PAGE + 7, "AGAIN", 5);
	expect_ret(msync_(p, NPAGES * PAGE, MS_SYNC), 0, "msync(MS_SYNC) after another store");
	expect_ret(pread(fd, buf, 5, 2 * PAGE + 7), 5, "pread");
	check(!memcmp(buf, "AGAIN", 5), "it reads the second store");
	munmap(p, NPAGES * PAGE);
}

/* A store after a write-back advances mtime; a write-back with no store does not. */
static void test_mtime(int fd)
{
	/*
	 * Whether a store after a write-back updates mtime depends on the
	 * file system (tmpfs, ramfs and an overlay over them never write
	 * back, so never write-protect): checked only where Linux does it.
	 * tests/integration/pagecache.sh checks it under runsk.
	 */
	struct statfs sf;
	bool tracked =
		fstatfs(fd, &sf) == 0 &&
		(sf.f_type == EXT4_MAGIC_ || sf.f_type == XFS_MAGIC_ || sf.f_type == BTRFS_MAGIC_);
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "mmap shared"))
		return;
	p[0] = 'x';
	expect_ret(msync_(p, PAGE, MS_SYNC), 0, "msync(MS_SYNC)");
	long long t0 = mtime_ns(fd);
	tick();
	volatile char c = p[0]; /* a read faults nothing dirty */
	(void)c;
	expect_ret(msync_(p, PAGE, MS_SYNC), 0, "msync(MS_SYNC) with no store");
	check(mtime_ns(fd) == t0, "mtime stays");
	tick();
	p[1] = 'y';
	long long t1 = mtime_ns(fd);
	check(!tracked || t1 > t0, "a store after the write-back advances mtime");
	tick();
	p[2] = 'z'; /* the page is writable now: no second update */
	check(!tracked || mtime_ns(fd) == t1, "a second store to the dirty page does not");
	expect_ret(msync_(p, PAGE, MS_ASYNC), 0, "msync(MS_ASYNC)");
	munmap(p, NPAGES * PAGE);
}

static void test_truncate(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "mmap shared"))
		return;
	p[3 * PAGE] = 'q';
	expect_ret(ftruncate(fd, PAGE + 10), 0, "ftruncate to a page and 10 bytes");
	check(sigbus_at(p + 3 * PAGE), "a stored page past the new end: SIGBUS BUS_ADRERR");
	check(sigbus_at(p + 2 * PAGE), "a page past the new end: SIGBUS BUS_ADRERR");
	check(p[PAGE + 10] == 0, "the rest of the last page reads as zeros");
	p[PAGE + 20] = 'w'; /* past the end in the last page: kept in memory, never written */
	expect_ret(msync_(p, 2 * PAGE, MS_SYNC), 0, "msync(MS_SYNC)");
	struct stat st;
	expect_ret(fstat(fd, &st), 0, "fstat");
	expect_ret(st.st_size, PAGE + 10, "st_size stays");
	munmap(p, NPAGES * PAGE);
}

int main(void)
{
	guest_start("mm_pagecache");
	struct sigaction sa = {0};
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	char cwd[PATH_MAX];
	/* Not /tmp: a tmpfs under runsk, not a gofer file. */
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(dir, sizeof(dir), "%s/mm_pagecache.XXXXXX", cwd) >= (int)sizeof(dir) ||
	    !mkdtemp(dir) || chdir(dir) != 0) {
		printf("FAIL cannot make and enter a directory under the cwd\n");
		return 1;
	}
	int fd = make_file("data");
	test_errors(fd);
	test_coherent(fd);
	test_mtime(fd);
	test_truncate(fd);
	close(fd);
	unlink("data");
	if (chdir("..") || rmdir(dir))
		printf("FAIL removing the directory\n");
	return guest_finish();
}
