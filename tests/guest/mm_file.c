// SPDX-License-Identifier: Apache-2.0
/*
 * mmap of files: private mappings at offsets read the file's bytes, the
 * tail of the last page reads zero and a page wholly past the end raises
 * SIGBUS (BUS_ADRERR); writes stay private (the file is unchanged); a
 * MAP_SHARED mapping of a read-only fd can never be made writable;
 * /dev/zero maps as anonymous memory, private or shared; fork children
 * see the writes made before fork and not those after; mremap, madvise,
 * mincore and msync on file mappings; and the EBADF, EACCES, ENODEV,
 * EINVAL, EOVERFLOW and EOPNOTSUPP cases of mmap.
 */
#include "fs_test.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096L
/* The test file: three pages and 100 bytes. */
#define FILE_SIZE (3 * PAGE + 100)

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* Linux's values: older libc headers lack some of them. */
enum {
	ADV_DONTNEED = 4,
	ADV_FREE = 8,
	ADV_REMOVE = 9,
	ADV_WIPEONFORK = 18,
	ADV_POPULATE_READ = 22,
};

/* The test file's byte at off: different in every page and position. */
static unsigned char fbyte(long off)
{
	return (unsigned char)((off / PAGE) * 31 + (off % PAGE) * 7 + 1);
}

static char *map(long len, int prot, int flags, int fd, long off)
{
	return (char *)syscall(SYS_mmap, 0L, len, (long)prot, (long)flags, (long)fd, off);
}

static long unmap(void *p, long len)
{
	return syscall(SYS_munmap, p, len);
}

/* Whether len bytes at p are the file's from off. */
static bool holds_file(const char *p, long len, long off)
{
	for (long i = 0; i < len; i++)
		if ((unsigned char)p[i] != fbyte(off + i))
			return false;
	return true;
}

static bool all_zero(const char *p, long len)
{
	for (long i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
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

/* The byte at p, or -1 if reading it raised SIGBUS (bus_code, bus_addr say how). */
static int touch(const volatile char *p)
{
	bus_code = 0;
	bus_addr = NULL;
	if (sigsetjmp(bus_env, 1))
		return -1;
	return (unsigned char)*p;
}

/* Whether reading p raises SIGBUS with BUS_ADRERR at p itself. */
static bool sigbus_at(const char *p)
{
	return touch(p) == -1 && bus_code == BUS_ADRERR && bus_addr == (void *)p;
}

/* expect_err for ENODEV, which guest_errno_name does not name. */
static bool expect_enodev(long ret, const char *what)
{
	int err = errno;

	if (ret == -1 && err == ENODEV) {
		printf("%s: ENODEV\n", what);
		return true;
	}
	return check(false, "%s: got %ld (%s), want ENODEV", what, ret, guest_errno_name(err));
}

static int open_data(int flags)
{
	return open("data", flags);
}

/* ---- the tests ---- */

static void test_private_offsets(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(2 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);

	if (!check(p != MAP_FAILED, "mmap(private, 2 pages at offset 1 page)"))
		return;
	check(holds_file(p, 2 * PAGE, PAGE), "private: the bytes at the offset");
	expect_ret(unmap(p, 2 * PAGE), 0, "munmap");
	p = map(PAGE, PROT_READ, MAP_PRIVATE, fd, 3 * PAGE);
	if (check(p != MAP_FAILED, "mmap(the last, partial page)")) {
		check(holds_file(p, 100, 3 * PAGE), "last page: the file's 100 bytes");
		check(all_zero(p + 100, PAGE - 100), "last page: zero past the end of the file");
		unmap(p, PAGE);
	}
	/* Not page-aligned lengths map whole pages. */
	p = map(10, PROT_READ, MAP_PRIVATE, fd, 0);
	if (check(p != MAP_FAILED, "mmap(10 bytes)")) {
		check(holds_file(p, PAGE, 0), "10 bytes: the whole first page is there");
		unmap(p, 10);
	}
	close(fd);
}

static void test_sigbus(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	int pp[2];

	if (!check(p != MAP_FAILED, "mmap(3 pages from offset 2 pages, past the end)"))
		return;
	check(touch(p + PAGE + 99) == fbyte(3 * PAGE + 99), "the last byte of the file");
	check(touch(p + 2 * PAGE - 1) == 0, "the end of its page reads zero");
	check(sigbus_at(p + 2 * PAGE), "a page past the end: SIGBUS, BUS_ADRERR, at the address");
	check(sigbus_at(p + 2 * PAGE + 123), "again, mid-page: SIGBUS");
	expect_err(read(fd, p + 2 * PAGE, 1), EFAULT, "read(file, into the page past the end)");
	if (check(pipe(pp) == 0, "pipe")) {
		expect_err(write(pp[1], p + 2 * PAGE, 1), EFAULT,
			   "write(pipe, from the page past the end)");
		close(pp[0]);
		close(pp[1]);
	}
	unmap(p, 3 * PAGE);
	p = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 8 * PAGE);
	if (check(p != MAP_FAILED, "mmap(wholly past the end): allowed")) {
		check(sigbus_at(p), "touching it: SIGBUS");
		unmap(p, PAGE);
	}
	close(fd);
}

static void test_private_writes(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *q = map(2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	char c = 0;

	if (!check(p != MAP_FAILED && q != MAP_FAILED, "mmap(private RW and R, O_RDONLY fd)"))
		return;
	p[10] = 'X';
	p[PAGE + 1] = 'Y';
	check(p[10] == 'X' && p[PAGE + 1] == 'Y', "private write: visible in the mapping");
	expect_ret(pread(fd, &c, 1, 10), 1, "pread(offset 10)");
	check((unsigned char)c == fbyte(10), "private write: the file is unchanged");
	check(holds_file(q, 2 * PAGE, 0), "private write: another mapping sees the file");
	check(!strcmp(guest_resident(p, 2), "11"), "mincore(written pages): resident");
	expect_ret(syscall(SYS_madvise, p, PAGE, (long)ADV_DONTNEED), 0, "madvise(DONTNEED)");
	check((unsigned char)p[10] == fbyte(10), "DONTNEED: the page reads the file again");
	check(p[PAGE + 1] == 'Y', "DONTNEED: the next page kept its write");
	expect_ret(syscall(SYS_mprotect, p, 2 * PAGE, (long)PROT_READ), 0, "mprotect(R)");
	expect_ret(syscall(SYS_mprotect, p, 2 * PAGE, (long)(PROT_READ | PROT_WRITE)), 0,
		   "mprotect(RW) on a private mapping of a read-only fd");
	unmap(p, 2 * PAGE);
	unmap(q, 2 * PAGE);
	close(fd);
}

static void test_shared_readonly(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	char *d;

	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES,
		   "mmap(MAP_SHARED, PROT_WRITE, O_RDONLY fd)");
	if (!check(p != MAP_FAILED, "mmap(MAP_SHARED, PROT_READ, O_RDONLY fd)"))
		return;
	check(holds_file(p, FILE_SIZE, 0), "shared read-only: the file's bytes");
	expect_err(syscall(SYS_mprotect, p, PAGE, (long)(PROT_READ | PROT_WRITE)), EACCES,
		   "mprotect(PROT_WRITE) on it");
	expect_ret(syscall(SYS_mprotect, p, PAGE, (long)(PROT_READ | PROT_EXEC)), 0,
		   "mprotect(PROT_EXEC) on it");
	expect_ret(syscall(SYS_madvise, p, 4 * PAGE, (long)ADV_DONTNEED), 0, "madvise(DONTNEED)");
	expect_err(syscall(SYS_madvise, p, PAGE, (long)ADV_REMOVE), EACCES, "madvise(REMOVE)");
	expect_ret(syscall(SYS_msync, p, 4 * PAGE, (long)MS_SYNC), 0, "msync(MS_SYNC)");
	d = (char *)syscall(SYS_mremap, p + PAGE, 0L, PAGE, (long)MREMAP_MAYMOVE, NULL);
	if (check(d != MAP_FAILED && d != p + PAGE, "mremap(old_len 0): a second mapping")) {
		check(holds_file(d, PAGE, PAGE), "the second mapping: the same bytes");
		unmap(d, PAGE);
	}
	check(touch(p + 3 * PAGE + 200) == 0, "the tail of the last page reads zero");
	unmap(p, 4 * PAGE);
	close(fd);
}

static void test_dev_zero(void)
{
	int rw = open("/dev/zero", O_RDWR), ro = open("/dev/zero", O_RDONLY);
	char *p, *s;
	int status;

	if (!check(rw >= 0 && ro >= 0, "open(/dev/zero)"))
		return;
	p = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 5 * PAGE);
	if (check(p != MAP_FAILED, "mmap(/dev/zero, private)")) {
		check(all_zero(p, 2 * PAGE), "private /dev/zero: zeros");
		p[0] = 1;
		check(p[0] == 1, "private /dev/zero: writable");
		unmap(p, 2 * PAGE);
	}
	s = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	if (check(s != MAP_FAILED, "mmap(/dev/zero, MAP_SHARED, O_RDWR)")) {
		pid_t pid = fork();
		if (pid == 0) {
			s[7] = 'S';
			_exit(0);
		}
		check(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "fork and wait");
		check(s[7] == 'S', "shared /dev/zero: the child's write is seen");
		unmap(s, PAGE);
	}
	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES,
		   "mmap(/dev/zero, MAP_SHARED, PROT_WRITE, O_RDONLY)");
	s = map(PAGE, PROT_READ, MAP_SHARED, ro, 0);
	if (check(s != MAP_FAILED, "mmap(/dev/zero, MAP_SHARED, PROT_READ, O_RDONLY)")) {
		check(all_zero(s, PAGE), "read-only shared /dev/zero: zeros");
		expect_err(syscall(SYS_mprotect, s, PAGE, (long)(PROT_READ | PROT_WRITE)), EACCES,
			   "mprotect(PROT_WRITE) on it");
		unmap(s, PAGE);
	}
	close(rw);
	close(ro);
}

static void test_fork(void)
{
	int fd = open_data(O_RDONLY), sync[2], status;
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char go;

	if (!check(p != MAP_FAILED && pipe(sync) == 0, "mmap(private RW, 3 pages) and pipe"))
		return;
	p[0] = 'A';
	/* The third page is left untouched: the child reads it from the file. */
	expect_ret(syscall(SYS_madvise, p + 2 * PAGE, PAGE, (long)ADV_DONTNEED), 0,
		   "madvise(DONTNEED, third page)");
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		if (read(sync[0], &go, 1) != 1)
			_exit(9);
		bad |= (p[0] != 'A') << 0;
		bad |= ((unsigned char)p[PAGE] != fbyte(PAGE)) << 1;
		bad |= ((unsigned char)p[2 * PAGE + 3] != fbyte(2 * PAGE + 3)) << 2;
		p[1] = 'C';
		p[2 * PAGE] = 'D';
		_exit(bad);
	}
	p[0] = 'B';
	p[PAGE] = 'E';
	p[2 * PAGE + 3] = 'F';
	expect_ret(write(sync[1], "g", 1), 1, "tell the child to look");
	check(pid > 0 && waitpid(pid, &status, 0) == pid, "waitpid");
	check(WIFEXITED(status) && !(WEXITSTATUS(status) & 1), "child: sees the pre-fork write");
	check(WIFEXITED(status) && !(WEXITSTATUS(status) & 6),
	      "child: does not see the parent's post-fork writes");
	check(WIFEXITED(status) && WEXITSTATUS(status) < 8, "child: ran its checks");
	check(p[0] == 'B' && (unsigned char)p[1] == fbyte(1) &&
		      (unsigned char)p[2 * PAGE] == fbyte(2 * PAGE),
	      "parent: does not see the child's writes");
	close(sync[0]);
	close(sync[1]);
	unmap(p, 3 * PAGE);
	close(fd);
}

static void test_mremap(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *q, *r;

	if (!check(p != MAP_FAILED, "mmap(private RW, 2 pages)"))
		return;
	p[5] = 'M';
	q = (char *)syscall(SYS_mremap, p, 2 * PAGE, 5 * PAGE, (long)MREMAP_MAYMOVE, NULL);
	if (!check(q != MAP_FAILED, "mremap(grow to 5 pages)"))
		return;
	check(q[5] == 'M', "grow: the private write followed");
	check(holds_file(q + PAGE, 2 * PAGE + 100, PAGE), "grow: the new pages read the file");
	check(sigbus_at(q + 4 * PAGE), "grow: the page past the end raises SIGBUS");
	r = map(5 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (check(r != MAP_FAILED, "mmap(a place to move to)")) {
		char *m = (char *)syscall(SYS_mremap, q, 5 * PAGE, 5 * PAGE,
					  (long)(MREMAP_MAYMOVE | MREMAP_FIXED), r);
		check(m == r, "mremap(MAYMOVE|FIXED)");
		check(r[5] == 'M' && holds_file(r + PAGE, 2 * PAGE, PAGE),
		      "move: the write and the file's bytes followed");
		check(sigbus_at(r + 4 * PAGE), "move: past the end still raises SIGBUS");
		check(!strcmp(guest_resident(q, 1), "ENOMEM"), "move: the old range is gone");
		expect_err(syscall(SYS_mremap, r, 0L, PAGE, (long)MREMAP_MAYMOVE, NULL), EINVAL,
			   "mremap(old_len 0) of a private mapping");
		unmap(r, 5 * PAGE);
	}
	close(fd);
}

static void test_advice(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	if (!check(p != MAP_FAILED, "mmap(private RW, 5 pages)"))
		return;
	expect_err(syscall(SYS_madvise, p, PAGE, (long)ADV_FREE), EINVAL, "madvise(FREE)");
	expect_err(syscall(SYS_madvise, p, PAGE, (long)ADV_WIPEONFORK), EINVAL,
		   "madvise(WIPEONFORK)");
	expect_err(syscall(SYS_madvise, p, PAGE, (long)ADV_REMOVE), EACCES, "madvise(REMOVE)");
	expect_err(syscall(SYS_madvise, p, 5 * PAGE, (long)ADV_POPULATE_READ), EFAULT,
		   "madvise(POPULATE_READ) past the end of the file");
	expect_ret(syscall(SYS_madvise, p, 4 * PAGE, (long)ADV_POPULATE_READ), 0,
		   "madvise(POPULATE_READ) inside it");
	check(!strcmp(guest_resident(p, 5), "11110"), "mincore: the file's pages, not past it");
	expect_ret(syscall(SYS_msync, p, 5 * PAGE, (long)MS_SYNC), 0, "msync(MS_SYNC)");
	expect_ret(syscall(SYS_msync, p, 5 * PAGE, (long)MS_ASYNC), 0, "msync(MS_ASYNC)");
	expect_err(syscall(SYS_msync, p, 5 * PAGE, (long)(MS_SYNC | MS_ASYNC)), EINVAL,
		   "msync(MS_SYNC|MS_ASYNC)");
	expect_err(syscall(SYS_msync, p + 1, PAGE, (long)MS_SYNC), EINVAL, "msync(unaligned)");
	unmap(p, 5 * PAGE);
	expect_err(syscall(SYS_msync, p, PAGE, (long)MS_SYNC), ENOMEM, "msync(unmapped)");
	/* MAP_POPULATE reads what it can and ignores the page past the end. */
	p = map(5 * PAGE, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (check(p != MAP_FAILED, "mmap(MAP_POPULATE, past the end)")) {
		check(holds_file(p, FILE_SIZE, 0), "MAP_POPULATE: the file's bytes");
		unmap(p, 5 * PAGE);
	}
	close(fd);
}

static void test_errors(void)
{
	int ro = open_data(O_RDONLY), wo = open_data(O_WRONLY);
	int dir = open(".", O_RDONLY | O_DIRECTORY), path = open_data(O_PATH);
	int pp[2], piped = pipe(pp);
	int closed = dup(ro);

	/* Opened last and closed: no other fd of ours reuses its number. */
	close(closed);
	if (!check(ro >= 0 && wo >= 0 && dir >= 0 && path >= 0 && piped == 0 && closed >= 0,
		   "open the fds"))
		return;
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, closed, 0), EBADF, "mmap(closed fd)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, -1, 0), EBADF, "mmap(fd -1)");
	expect_err((long)map(0, PROT_READ, MAP_PRIVATE, closed, 0), EBADF,
		   "mmap(closed fd, length 0)");
	expect_err((long)map(PAGE, PROT_READ, 0, closed, 0), EBADF,
		   "mmap(closed fd, no mapping type)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, path, 0), EBADF, "mmap(O_PATH fd)");
	expect_enodev((long)map(PAGE, PROT_READ, MAP_PRIVATE, dir, 0), "mmap(directory)");
	expect_enodev((long)map(PAGE, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, dir, 0),
		      "mmap(directory, MAP_GROWSDOWN)");
	expect_enodev((long)map(PAGE, PROT_READ, MAP_PRIVATE, pp[0], 0), "mmap(pipe)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, wo, 0), EACCES, "mmap(O_WRONLY fd)");
	expect_err((long)map(PAGE, PROT_READ, MAP_SHARED, wo, 0), EACCES,
		   "mmap(MAP_SHARED, O_WRONLY fd)");
	expect_err((long)map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES,
		   "mmap(MAP_SHARED, PROT_WRITE, O_RDONLY fd)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, ro, 100), EINVAL,
		   "mmap(unaligned offset)");
	expect_err((long)map(0, PROT_READ, MAP_PRIVATE, ro, 0), EINVAL, "mmap(length 0)");
	expect_err((long)map(PAGE, PROT_READ, 0, ro, 0), EINVAL, "mmap(no mapping type)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, ro, 0), EINVAL,
		   "mmap(file, MAP_GROWSDOWN)");
	expect_err((long)map(2 * PAGE, PROT_READ, MAP_PRIVATE, ro, 0x7ffffffffffff000L), EOVERFLOW,
		   "mmap(offset + length past the largest file offset)");
	expect_err((long)map(PAGE, PROT_READ, MAP_PRIVATE, ro, (long)0xfffffffffffff000UL),
		   EOVERFLOW, "mmap(offset 2^64 - 1 page)");
	expect_err((long)map(PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, ro, 0), EOPNOTSUPP,
		   "mmap(MAP_SHARED_VALIDATE|MAP_SYNC, file)");
	expect_err((long)map(PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, ro, 0),
		   EOPNOTSUPP, "mmap(MAP_SHARED_VALIDATE|MAP_FIXED_NOREPLACE, file)");
	char *p = map(PAGE, PROT_READ, MAP_SHARED_VALIDATE, ro, 0);
	if (check(p != MAP_FAILED, "mmap(MAP_SHARED_VALIDATE, O_RDONLY fd)"))
		unmap(p, PAGE);
	p = map(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, (int)closed, 0);
	if (check(p != MAP_FAILED, "mmap(MAP_ANONYMOUS ignores the fd)"))
		unmap(p, PAGE);
	close(ro);
	close(wo);
	close(dir);
	close(path);
	close(pp[0]);
	close(pp[1]);
}

/* MAP_FIXED over a file mapping, and a file mapping placed with MAP_FIXED over memory. */
static void test_fixed(void)
{
	int fd = open_data(O_RDONLY);
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	if (!check(p != MAP_FAILED, "mmap(anonymous, 4 pages)"))
		return;
	memset(p, 0x77, 4 * PAGE);
	/* As ld.so: a file segment over a reserved range, then anonymous bss over its tail. */
	q = (char *)syscall(SYS_mmap, p + PAGE, 2 * PAGE, (long)PROT_READ,
			    (long)(MAP_PRIVATE | MAP_FIXED), (long)fd, 2 * PAGE);
	check(q == p + PAGE, "mmap(MAP_FIXED, file, over anonymous memory)");
	check(holds_file(q, PAGE + 100, 2 * PAGE) && all_zero(q + PAGE + 100, PAGE - 100),
	      "MAP_FIXED: the file's bytes replaced the old ones");
	check((unsigned char)p[0] == 0x77 && (unsigned char)p[3 * PAGE] == 0x77,
	      "MAP_FIXED: the neighbours are intact");
	q = (char *)syscall(SYS_mmap, p + 2 * PAGE, PAGE, (long)(PROT_READ | PROT_WRITE),
			    (long)(MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS), -1L, 0L);
	check(q == p + 2 * PAGE && all_zero(q, PAGE), "mmap(MAP_FIXED, anonymous, over the file)");
	check(holds_file(p + PAGE, PAGE, 2 * PAGE), "the rest of the file mapping stays");
	expect_err((long)syscall(SYS_mmap, p, PAGE, (long)PROT_READ,
				 (long)(MAP_PRIVATE | MAP_FIXED_NOREPLACE), (long)fd, 0L),
		   EEXIST, "mmap(MAP_FIXED_NOREPLACE, file, over a mapping)");
	unmap(p, 4 * PAGE);
	close(fd);
}

int main(void)
{
	struct sigaction sa = {0};
	char buf[FILE_SIZE];
	int fd;

	guest_start("mm_file");
	fs_test_enter("mm_file");
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	for (long i = 0; i < FILE_SIZE; i++)
		buf[i] = (char)fbyte(i);
	fd = open("data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!check(fd >= 0 && write(fd, buf, FILE_SIZE) == FILE_SIZE && close(fd) == 0,
		   "write the test file (3 pages and 100 bytes)"))
		return guest_finish();

	test_private_offsets();
	test_sigbus();
	test_private_writes();
	test_shared_readonly();
	test_dev_zero();
	test_fork();
	test_mremap();
	test_advice();
	test_errors();
	test_fixed();
	fs_test_leave();
	return guest_finish();
}
