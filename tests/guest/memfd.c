// SPDX-License-Identifier: Apache-2.0
/*
 * memfd_create(2) and file seals: the file it makes (name in /proc,
 * flags, mode, st_nlink, close-on-exec), its argument checks (EINVAL,
 * EFAULT), and each seal's effect on write, ftruncate and mmap: EPERM, and
 * EBUSY for F_SEAL_WRITE while a writable shared mapping exists; F_SEAL_SEAL
 * from the start without MFD_ALLOW_SEALING; F_GET_SEALS on other files;
 * a memfd shared by parent and child through fork, mapped in both.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest_test.h"

#define PAGE 4096L

/* Linux's values, for libc headers that lack them. */
#define MFD_CLOEXEC_ 0x1
#define MFD_ALLOW_SEALING_ 0x2
#define F_ADD_SEALS_ 1033
#define F_GET_SEALS_ 1034
#define SEAL_SEAL 0x1
#define SEAL_SHRINK 0x2
#define SEAL_GROW 0x4
#define SEAL_WRITE 0x8
#define SEAL_FUTURE_WRITE 0x10

static long memfd(const char *name, long flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

static char *map(long len, int prot, int flags, int fd)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)flags, (long)fd, 0L);
}

static sigjmp_buf bus_env;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

static int touch(const volatile char *p)
{
	if (sigsetjmp(bus_env, 1))
		return -1;
	return (unsigned char)*p;
}

/* The name /proc/self/fd/<fd> links to. */
static const char *fd_link(int fd)
{
	static char buf[512];
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

/* Whether /proc/self/maps names the mapping at p as want. */
static bool maps_names(void *p, const char *want)
{
	char line[512], start[32];
	bool found = false;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)p);
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		size_t n = strlen(line), w = strlen(want);
		found = !strncmp(line, start, strlen(start)) && n >= w &&
			!strcmp(line + n - w, want);
	}
	if (f)
		fclose(f);
	return found;
}

static void test_create(void)
{
	int fd = memfd("test", 0);
	if (!check(fd >= 0, "memfd_create(\"test\", 0)"))
		return;
	printf("fd link: %s\n", fd_link(fd));
	expect_ret(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND), O_RDWR, "F_GETFL access mode");
	expect_ret(fcntl(fd, F_GETFD), 0, "F_GETFD");
	struct stat st;
	if (check(fstat(fd, &st) == 0, "fstat")) {
		expect_ret(st.st_mode, S_IFREG | 0777, "st_mode");
		expect_ret(st.st_nlink, 0, "st_nlink");
		expect_ret(st.st_size, 0, "st_size");
	}
	expect_ret(write(fd, "hello", 5), 5, "write");
	char buf[8] = {0};
	expect_ret(pread(fd, buf, sizeof(buf), 0), 5, "pread");
	check(!strcmp(buf, "hello"), "read back");
	char *p = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	if (check(p != MAP_FAILED, "mmap(MAP_SHARED)")) {
		check(maps_names(p, "/memfd:test (deleted)"), "/proc/self/maps names it");
		p[1] = 'E';
		expect_ret(pread(fd, buf, 5, 0), 5, "pread after a store");
		check(!strcmp(buf, "hEllo"), "the store is in the file");
		expect_ret(touch(p + 100), 0, "past the end in the page reads zero");
		expect_ret(ftruncate(fd, 0), 0, "ftruncate(0)");
		expect_ret(touch(p), -1, "SIGBUS past the new end");
		munmap(p, PAGE);
	}
	expect_ret(fcntl(fd, F_GET_SEALS_), SEAL_SEAL, "F_GET_SEALS without MFD_ALLOW_SEALING");
	expect_err(fcntl(fd, F_ADD_SEALS_, SEAL_WRITE), EPERM, "F_ADD_SEALS without it");
	close(fd);

	fd = memfd("", MFD_CLOEXEC_);
	if (check(fd >= 0, "memfd_create(\"\", MFD_CLOEXEC)")) {
		expect_ret(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD");
		printf("fd link: %s\n", fd_link(fd));
		close(fd);
	}
}

static void test_args(void)
{
	char name[300];
	memset(name, 'n', sizeof(name));
	name[249] = 0;
	long fd = memfd(name, 0);
	if (check(fd >= 0, "memfd_create(249-byte name)"))
		close(fd);
	name[249] = 'n';
	name[250] = 0;
	expect_err(memfd(name, 0), EINVAL, "memfd_create(250-byte name)");
	expect_err(memfd("x", 0x100), EINVAL, "memfd_create(unknown flag)");
	expect_err(memfd("x", 1L << 26), EINVAL, "memfd_create(huge size without MFD_HUGETLB)");
	expect_err(memfd((const char *)8, 0), EFAULT, "memfd_create(bad name)");
	expect_err(memfd(NULL, 0), EFAULT, "memfd_create(NULL name)");

	int p[2];
	if (check(pipe(p) == 0, "pipe")) {
		expect_err(fcntl(p[0], F_GET_SEALS_), EINVAL, "F_GET_SEALS on a pipe");
		expect_err(fcntl(p[1], F_ADD_SEALS_, SEAL_SEAL), EINVAL, "F_ADD_SEALS on a pipe");
		close(p[0]);
		close(p[1]);
	}
	/* Not a /tmp file: on tmpfs Linux answers F_SEAL_SEAL, on other file systems EINVAL. */
}

static void test_seals(void)
{
	int fd = memfd("sealed", MFD_ALLOW_SEALING_);
	if (!check(fd >= 0, "memfd_create(MFD_ALLOW_SEALING)"))
		return;
	expect_ret(fcntl(fd, F_GET_SEALS_), 0, "F_GET_SEALS");
	expect_ret(ftruncate(fd, 2 * PAGE), 0, "ftruncate(2 pages)");
	expect_err(fcntl(fd, F_ADD_SEALS_, 0x40), EINVAL, "F_ADD_SEALS(unknown seal)");

	/* F_SEAL_WRITE: EBUSY while a writable shared mapping exists. */
	char *p = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	check(p != MAP_FAILED, "mmap(MAP_SHARED, PROT_WRITE)");
	expect_err(fcntl(fd, F_ADD_SEALS_, SEAL_WRITE), EBUSY, "F_SEAL_WRITE with it mapped");
	p[0] = 'w';
	munmap(p, PAGE);
	/* A read-only shared mapping of an O_RDWR fd may still become writable: EBUSY too. */
	p = map(PAGE, PROT_READ, MAP_SHARED, fd);
	expect_err(fcntl(fd, F_ADD_SEALS_, SEAL_WRITE), EBUSY,
		   "F_SEAL_WRITE with PROT_READ mapped");
	munmap(p, PAGE);
	p = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_WRITE), 0, "F_SEAL_WRITE with a private mapping");
	munmap(p, PAGE);
	expect_err(write(fd, "x", 1), EPERM, "write after F_SEAL_WRITE");
	expect_err(pwrite(fd, "x", 1, 0), EPERM, "pwrite after F_SEAL_WRITE");
	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd), EPERM,
		   "mmap(MAP_SHARED, PROT_WRITE) after F_SEAL_WRITE");
	p = map(PAGE, PROT_READ, MAP_SHARED, fd);
	if (check(p != MAP_FAILED, "mmap(MAP_SHARED, PROT_READ) after F_SEAL_WRITE")) {
		expect_ret(p[0], 'w', "it reads the data");
		expect_err(syscall(SYS_mprotect, p, PAGE, (long)(PROT_READ | PROT_WRITE)), EACCES,
			   "mprotect(PROT_WRITE) of it");
		munmap(p, PAGE);
	}
	p = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	if (check(p != MAP_FAILED, "mmap(MAP_PRIVATE, PROT_WRITE) after F_SEAL_WRITE")) {
		p[0] = 'p';
		char c = 0;
		expect_ret(pread(fd, &c, 1, 0), 1, "pread");
		expect_ret(c, 'w', "a private store stays private");
		munmap(p, PAGE);
	}
	expect_ret(ftruncate(fd, 3 * PAGE), 0, "ftruncate up (no F_SEAL_GROW)");
	expect_ret(ftruncate(fd, 2 * PAGE), 0, "ftruncate down (no F_SEAL_SHRINK)");

	expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_SHRINK), 0, "F_SEAL_SHRINK");
	expect_err(ftruncate(fd, PAGE), EPERM, "ftruncate down after F_SEAL_SHRINK");
	expect_ret(ftruncate(fd, 3 * PAGE), 0, "ftruncate up");
	expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_GROW), 0, "F_SEAL_GROW");
	expect_err(ftruncate(fd, 4 * PAGE), EPERM, "ftruncate up after F_SEAL_GROW");
	expect_ret(ftruncate(fd, 3 * PAGE), 0, "ftruncate to the same size");
	expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_SEAL), 0, "F_SEAL_SEAL");
	expect_err(fcntl(fd, F_ADD_SEALS_, SEAL_FUTURE_WRITE), EPERM,
		   "F_ADD_SEALS after F_SEAL_SEAL");
	expect_ret(fcntl(fd, F_GET_SEALS_), SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE,
		   "F_GET_SEALS");
	/* Seals belong to the file: a descriptor dup'ed from it sees them. */
	int dup_fd = dup(fd);
	expect_ret(fcntl(dup_fd, F_GET_SEALS_), SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE,
		   "F_GET_SEALS on a dup");
	close(dup_fd);
	close(fd);

	/* F_SEAL_GROW alone: a write may not end past the end of the file. */
	fd = memfd("grow", MFD_ALLOW_SEALING_);
	if (check(fd >= 0, "memfd_create(\"grow\")")) {
		expect_ret(write(fd, "abcd", 4), 4, "write");
		expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_GROW), 0, "F_SEAL_GROW");
		expect_ret(pwrite(fd, "xy", 2, 0), 2, "pwrite inside the file");
		expect_err(pwrite(fd, "xyzw", 4, 2), EPERM, "pwrite across the end");
		expect_err(pwrite(fd, "x", 1, 4), EPERM, "pwrite at the end");
		expect_ret(ftruncate(fd, 2), 0, "ftruncate down");
		close(fd);
	}

	/* F_SEAL_FUTURE_WRITE: a writable mapping made before keeps writing; nothing new may. */
	fd = memfd("future", MFD_ALLOW_SEALING_);
	if (!check(fd >= 0, "memfd_create(\"future\")"))
		return;
	expect_ret(ftruncate(fd, PAGE), 0, "ftruncate");
	p = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	check(p != MAP_FAILED, "mmap(MAP_SHARED, PROT_WRITE)");
	expect_ret(fcntl(fd, F_ADD_SEALS_, SEAL_FUTURE_WRITE), 0,
		   "F_SEAL_FUTURE_WRITE while mapped");
	p[0] = 'm';
	char c = 0;
	expect_ret(pread(fd, &c, 1, 0), 1, "pread");
	expect_ret(c, 'm', "the old mapping still writes");
	expect_err(write(fd, "x", 1), EPERM, "write after F_SEAL_FUTURE_WRITE");
	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd), EPERM,
		   "new mmap(MAP_SHARED, PROT_WRITE)");
	char *q = map(PAGE, PROT_READ, MAP_SHARED, fd);
	if (check(q != MAP_FAILED, "new mmap(MAP_SHARED, PROT_READ)")) {
		expect_err(syscall(SYS_mprotect, q, PAGE, (long)(PROT_READ | PROT_WRITE)), EACCES,
			   "mprotect(PROT_WRITE) of it");
		munmap(q, PAGE);
	}
	expect_err(fcntl(fd, F_ADD_SEALS_, SEAL_WRITE), EBUSY,
		   "F_SEAL_WRITE while mapped writable");
	munmap(p, PAGE);
	close(fd);
}

/* A memfd shared through fork, mapped in both processes. */
static void test_fork(void)
{
	int fd = memfd("shared", 0);
	int sync[2], back[2];
	if (!check(fd >= 0 && ftruncate(fd, 2 * PAGE) == 0 && pipe(sync) == 0 && pipe(back) == 0,
		   "memfd, ftruncate and pipes"))
		return;
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	if (!check(p != MAP_FAILED, "mmap in the parent"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		char *q = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		if (q == MAP_FAILED)
			_exit(10);
		q[PAGE + 1] = 'k';
		p[2] = 'i';
		if (write(back[1], "1", 1) != 1 || read(sync[0], &c, 1) != 1)
			_exit(11);
		_exit((q[3] != 'P') | (p[PAGE + 4] != 'W') << 1);
	}
	char c;
	if (!check(pid > 0 && read(back[0], &c, 1) == 1, "fork"))
		return;
	expect_ret(p[PAGE + 1], 'k', "parent sees the child's store (child's mapping)");
	expect_ret(p[2], 'i', "parent sees the child's store (inherited mapping)");
	p[3] = 'P';
	expect_ret(pwrite(fd, "W", 1, PAGE + 4), 1, "pwrite in the parent");
	expect_ret(write(sync[1], "2", 1), 1, "wake the child");
	int status = -1;
	waitpid(pid, &status, 0);
	expect_ret(WIFEXITED(status) ? WEXITSTATUS(status) : 100 + status, 0,
		   "child sees the parent's store and write");
	munmap(p, 2 * PAGE);
	close(fd);
}

int main(void)
{
	guest_start("memfd");
	signal(SIGBUS, on_bus);
	test_create();
	test_args();
	test_seals();
	test_fork();
	return guest_finish();
}
