// SPDX-License-Identifier: Apache-2.0
/*
 * MAP_SHARED of a file open for writing (a file under /tmp: the sandbox's
 * tmpfs, the host's file system natively): writes through the mapping
 * are seen by read(2) at once and the other way round; two processes
 * (fork, and a mapping made in the child) share the pages; msync; a
 * MAP_PRIVATE mapping sees the file's later writes to pages it has not
 * written and keeps its own copy of those it has; ftruncate takes the
 * pages past the new end out of every mapping (SIGBUS, BUS_ADRERR) and
 * zeroes the rest of the last page; mremap keeps the sharing; a punched
 * hole (fallocate, MADV_REMOVE) reads as zeros in every mapping but the
 * private copies. mm_gofer_file.c runs the same checks on a file of the
 * root file system (goferfs under runsk).
 */
#include "fs_test.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096L
#define NPAGES 4

static unsigned char fbyte(long off)
{
	return (unsigned char)((off / PAGE) * 29 + (off % PAGE) * 5 + 3);
}

static char *map(long len, int prot, int flags, int fd, long off)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)flags, (long)fd, off);
}

static int pread_byte(int fd, long off)
{
	unsigned char c;
	return pread(fd, &c, 1, off) == 1 ? c : -1;
}

/* ---- SIGBUS, caught ---- */

static sigjmp_buf bus_env;
static volatile int bus_code;
static void *volatile bus_addr;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(bus_env, 1);
}

static int touch(const volatile char *p)
{
	bus_code = 0;
	bus_addr = NULL;
	if (sigsetjmp(bus_env, 1))
		return -1;
	return (unsigned char)*p;
}

static bool sigbus_at(const char *p)
{
	return touch(p) == -1 && bus_code == BUS_ADRERR && bus_addr == (void *)p;
}

static int make_file(void)
{
	static char buf[NPAGES * PAGE];
	for (long i = 0; i < NPAGES * PAGE; i++)
		buf[i] = (char)fbyte(i);
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		printf("FAIL cannot make the test file: %s\n", guest_errno_name(errno));
		exit(1);
	}
	return fd;
}

/* Writes through the mapping and through write(2) meet. */
static void test_coherent(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!check(p != MAP_FAILED, "mmap(MAP_SHARED, PROT_WRITE, O_RDWR fd)"))
		return;
	check((unsigned char)p[PAGE + 7] == fbyte(PAGE + 7), "shared mapping reads the file");
	p[10] = 'A';
	expect_ret(pread_byte(fd, 10), 'A', "pread sees a store through the mapping");
	expect_ret(pwrite(fd, "B", 1, 2 * PAGE + 1), 1, "pwrite");
	expect_ret(p[2 * PAGE + 1], 'B', "the mapping sees pwrite");
	expect_ret(syscall(SYS_msync, p, NPAGES * PAGE, (long)MS_SYNC), 0, "msync(MS_SYNC)");
	expect_ret(syscall(SYS_msync, p, NPAGES * PAGE, (long)MS_ASYNC), 0, "msync(MS_ASYNC)");
	expect_ret(syscall(SYS_msync, p, PAGE, (long)MS_INVALIDATE), 0, "msync(MS_INVALIDATE)");
	expect_ret(pread_byte(fd, 10), 'A', "after msync");

	/* A second mapping of another open file description of the same file. */
	int fd2 = open("data", O_RDWR);
	char *q = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, PAGE);
	if (check(q != MAP_FAILED, "mmap the same file again at offset PAGE")) {
		q[5] = 'Q';
		expect_ret(p[PAGE + 5], 'Q', "two mappings share the page");
		munmap(q, PAGE);
	}
	close(fd2);

	/* mremap moves the mapping, not the sharing. */
	char *r =
		(char *)syscall(SYS_mremap, p, NPAGES * PAGE, NPAGES * PAGE, (long)MREMAP_MAYMOVE);
	if (check(r != MAP_FAILED, "mremap(MAYMOVE)")) {
		r[3 * PAGE + 2] = 'R';
		expect_ret(pread_byte(fd, 3 * PAGE + 2), 'R', "pread sees a store after mremap");
		p = r;
	}
	/* A read-only descriptor maps it shared but never writable, and sees the writes. */
	int ro = open("data", O_RDONLY);
	char *s = map(PAGE, PROT_READ, MAP_SHARED, ro, 0);
	if (check(s != MAP_FAILED, "mmap(MAP_SHARED, PROT_READ, O_RDONLY fd)")) {
		p[11] = 'S';
		expect_ret(s[11], 'S', "read-only shared mapping sees a store");
		expect_err(syscall(SYS_mprotect, s, PAGE, (long)(PROT_READ | PROT_WRITE)), EACCES,
			   "mprotect(PROT_WRITE) of it");
		munmap(s, PAGE);
	}
	close(ro);
	munmap(p, NPAGES * PAGE);
}

/* Parent and child share the pages both ways, through an inherited and a new mapping. */
static void test_fork(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int to_child[2], to_parent[2];
	if (!check(p != MAP_FAILED && pipe(to_child) == 0 && pipe(to_parent) == 0,
		   "mmap and pipes for fork"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		int bad = 0;
		char *q = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (q == MAP_FAILED)
			_exit(10);
		p[20] = 'C';
		q[PAGE + 30] = 'D';
		if (write(to_parent[1], "1", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(11);
		/* The parent wrote these after fork, through its mapping and write(2). */
		bad |= (p[40] != 'E') << 0;
		bad |= (q[40] != 'E') << 1;
		bad |= (q[2 * PAGE] != 'F') << 2;
		_exit(bad);
	}
	char c;
	if (!check(pid > 0 && read(to_parent[0], &c, 1) == 1, "fork and wait for the child"))
		return;
	expect_ret(p[20], 'C', "parent sees the child's store (inherited mapping)");
	expect_ret(p[PAGE + 30], 'D', "parent sees the child's store (child's own mapping)");
	expect_ret(pread_byte(fd, PAGE + 30), 'D', "pread sees the child's store");
	p[40] = 'E';
	expect_ret(pwrite(fd, "F", 1, 2 * PAGE), 1, "pwrite in the parent");
	expect_ret(write(to_child[1], "2", 1), 1, "wake the child");
	int status = -1;
	waitpid(pid, &status, 0);
	expect_ret(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + status, 0,
		   "child sees the parent's stores and writes");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	munmap(p, NPAGES * PAGE);
}

/* MAP_PRIVATE: the file's later writes show until the page is written. */
static void test_private(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!check(p != MAP_FAILED, "mmap(MAP_PRIVATE)"))
		return;
	expect_ret(p[0], fbyte(0), "private mapping reads the file");
	expect_ret(pwrite(fd, "Z", 1, 0), 1, "pwrite");
	expect_ret(p[0], 'Z', "private mapping sees a later write to an unwritten page");
	p[1] = 'y';
	expect_ret(pread_byte(fd, 1), fbyte(1), "a private store stays out of the file");
	expect_ret(pwrite(fd, "Q", 1, 0), 1, "pwrite again");
	expect_ret(p[0], 'Z', "a written page is the process's own copy");
	expect_ret(pwrite(fd, (char[]){(char)fbyte(0)}, 1, 0), 1, "restore the byte");
	munmap(p, NPAGES * PAGE);
}

/* ftruncate: SIGBUS past the new end in shared and private mappings, zeros up to it. */
static void test_truncate(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *r = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!check(p != MAP_FAILED && r != MAP_FAILED, "mmap shared and private"))
		return;
	for (long i = 0; i < NPAGES; i++)
		(void)touch(p + i * PAGE), (void)touch(r + i * PAGE);
	r[3 * PAGE] = 'c'; /* a private copy past the coming end */
	expect_ret(ftruncate(fd, PAGE + 100), 0, "ftruncate(PAGE + 100)");
	check(sigbus_at(p + 2 * PAGE), "shared page past the end: SIGBUS BUS_ADRERR");
	check(sigbus_at(r + 3 * PAGE), "private copy past the end: SIGBUS BUS_ADRERR");
	check(sigbus_at(r + 2 * PAGE + 17), "private page past the end: SIGBUS BUS_ADRERR");
	expect_ret(touch(p + PAGE + 99), fbyte(PAGE + 99), "last byte of the file");
	expect_ret(touch(p + PAGE + 100), 0, "past the end in the last page reads zero");
	expect_ret(touch(r + PAGE + 200), 0, "in the private mapping too");
	p[PAGE + 300] = 'x'; /* allowed: the page is inside the mapping and the file */
	struct stat st;
	expect_ret(fstat(fd, &st) == 0 ? st.st_size : -1, PAGE + 100,
		   "a store past the end does not grow the file");
	expect_ret(ftruncate(fd, NPAGES * PAGE), 0, "ftruncate back up");
	expect_ret(touch(p + 3 * PAGE + 5), 0, "the new part reads zero");
	expect_ret(touch(r + 3 * PAGE), 0, "in the private mapping too");
	munmap(p, NPAGES * PAGE);
	munmap(r, NPAGES * PAGE);
}

/* fallocate(PUNCH_HOLE) and MADV_REMOVE: zeros in shared mappings and unwritten private pages. */
static void test_punch(int fd)
{
	char *p = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *r = map(NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!check(p != MAP_FAILED && r != MAP_FAILED, "mmap shared and private for punch"))
		return;
	for (long i = 0; i < NPAGES * PAGE; i++)
		p[i] = (char)fbyte(i);
	(void)touch(r + PAGE);
	r[2 * PAGE] = 'p'; /* a private copy */
	long ret = syscall(SYS_fallocate, (long)fd, 3L /* PUNCH_HOLE | KEEP_SIZE */, PAGE - 10L,
			   2 * PAGE + 20L);
	if (ret && errno == EOPNOTSUPP) {
		printf("fallocate(PUNCH_HOLE): not supported by this file system\n");
	} else if (expect_ret(ret, 0, "fallocate(PUNCH_HOLE, PAGE - 10, 2 PAGE + 20)")) {
		expect_ret((unsigned char)p[PAGE - 11], fbyte(PAGE - 11),
			   "byte before the hole kept");
		check(p[PAGE - 10] == 0 && p[PAGE - 1] == 0, "partial page zeroed in the mapping");
		check(p[PAGE] == 0 && p[2 * PAGE + 4095] == 0, "whole pages zero in the mapping");
		check(p[3 * PAGE + 9] == 0 &&
			      (unsigned char)p[3 * PAGE + 10] == fbyte(3 * PAGE + 10),
		      "partial last page zeroed up to the end of the hole");
		expect_ret(touch(r + PAGE + 5), 0, "unwritten private page sees the hole");
		expect_ret(r[2 * PAGE], 'p', "a private copy keeps its data");
		expect_ret(pread_byte(fd, PAGE + 5), 0, "pread sees the hole");
		struct stat st;
		expect_ret(fstat(fd, &st) == 0 ? st.st_size : -1, NPAGES * PAGE,
			   "the size is kept");
		p[PAGE + 1] = 'h';
		expect_ret(pread_byte(fd, PAGE + 1), 'h', "a store into the hole reaches the file");
	}
	munmap(r, NPAGES * PAGE);
	/* MADV_REMOVE punches the file a shared writable mapping maps. */
	ret = syscall(SYS_madvise, p + 3 * PAGE, PAGE, (long)MADV_REMOVE);
	if (ret && errno == EOPNOTSUPP) {
		printf("madvise(MADV_REMOVE): not supported by this file system\n");
	} else if (expect_ret(ret, 0, "madvise(MADV_REMOVE) of the last page")) {
		expect_ret(p[3 * PAGE + 100], 0, "the mapping reads zero");
		expect_ret(pread_byte(fd, 3 * PAGE + 100), 0, "so does the file");
	}
	char *q = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (q != MAP_FAILED) {
		expect_err(syscall(SYS_madvise, q, PAGE, (long)MADV_REMOVE), EACCES,
			   "madvise(MADV_REMOVE) of a private mapping");
		munmap(q, PAGE);
	}
	munmap(p, NPAGES * PAGE);
}

#ifndef MM_SHARED_FILE_NO_MAIN
int main(void)
{
	struct sigaction sa = {0};
	guest_start("mm_shared_file");
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	fs_test_enter("mm_shared_file");
	int fd = make_file();
	test_coherent(fd);
	test_fork(fd);
	test_private(fd);
	test_truncate(fd);
	close(fd);
	fd = make_file();
	test_punch(fd);
	close(fd);
	fs_test_leave();
	return guest_finish();
}
#endif
