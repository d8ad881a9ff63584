// SPDX-License-Identifier: Apache-2.0
/*
 * process_vm_readv/process_vm_writev (self and a child, scatter-gather,
 * partial transfers at an unmapped page, the errors and their order) and
 * kcmp (what fork, threads and dup share, and its errors).
 *
 * Runs as root; the permission checks run in a child that drops to uid
 * 54321 and looks at its root parent.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <fcntl.h>

#include "guest_test.h"

#define NOPID 0x3fffffff
#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_SYSVSEM 6

static char area[8192];

static long vm_read(int pid, struct iovec *l, long nl, struct iovec *r, long nr)
{
	return syscall(SYS_process_vm_readv, (long)pid, l, nl, r, nr, 0L);
}

static long vm_write(int pid, struct iovec *l, long nl, struct iovec *r, long nr)
{
	return syscall(SYS_process_vm_writev, (long)pid, l, nl, r, nr, 0L);
}

static long kcmp(int p1, int p2, int type, long i1, long i2)
{
	return syscall(SYS_kcmp, (long)p1, (long)p2, (long)type, i1, i2);
}

static int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_self(void)
{
	char src[32] = "abcdefghijklmnopqrstuvwxyz", dst[32] = {0};
	struct iovec l = {dst, 26}, r = {src, 26};
	expect_ret(vm_read(getpid(), &l, 1, &r, 1), 26, "readv of self");
	check(memcmp(dst, src, 26) == 0, "...copied");

	/* Scatter-gather: 3 remote pieces into 2 local ones. */
	char a[5] = {0}, b[20] = {0};
	struct iovec ls[2] = {{a, 4}, {b, 20}};
	struct iovec rs[3] = {{src, 2}, {src + 10, 0}, {src + 20, 6}};
	expect_ret(vm_read(getpid(), ls, 2, rs, 3), 8, "readv scatter-gather");
	check(memcmp(a, "abuv", 4) == 0 && memcmp(b, "wxyz", 4) == 0, "...in order");

	struct iovec w = {"XY", 2}, wr = {dst, 2};
	expect_ret(vm_write(getpid(), &w, 1, &wr, 1), 2, "writev of self");
	check(dst[0] == 'X' && dst[1] == 'Y', "...written");

	/* A remote range running into an unmapped page: the bytes before it. */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(m != MAP_FAILED && munmap(m + 4096, 4096) == 0, "a page then a hole");
	memset(m, 'm', 4096);
	struct iovec big = {area, 8192}, rm = {m + 4000, 200};
	expect_ret(vm_read(getpid(), &big, 1, &rm, 1), 96, "readv into the hole: partial");
	struct iovec rm2[2] = {{m, 100}, {m + 4096, 10}};
	expect_ret(vm_read(getpid(), &big, 1, rm2, 2), 100, "readv, second piece bad: partial");
	struct iovec rbad = {m + 4096, 10};
	expect_err(vm_read(getpid(), &big, 1, &rbad, 1), EFAULT, "readv of a hole");
	struct iovec lhole = {m + 4000, 200}, rsrc = {area, 200};
	expect_ret(vm_read(getpid(), &lhole, 1, &rsrc, 1), 96, "readv to a local hole: partial");
	expect_ret(vm_write(getpid(), &big, 1, &rm, 1), 96, "writev into the hole: partial");
	check(mprotect(m, 4096, PROT_READ) == 0, "mprotect read-only");
	expect_err(vm_write(getpid(), &big, 1, &rm, 1), EFAULT, "writev to a read-only page");
	munmap(m, 4096);

	expect_err(syscall(SYS_process_vm_readv, (long)getpid(), &l, 1L, &r, 1L, 1L), EINVAL,
		   "flags 1");
	expect_err(vm_read(getpid(), &l, 1025, &r, 1), EINVAL, "1025 local iovecs");
	expect_err(vm_read(getpid(), &l, 1, &r, 1025), EINVAL, "1025 remote iovecs");
	expect_err(vm_read(getpid(), (void *)8, 1, &r, 1), EFAULT, "bad local iovec array");
	expect_err(vm_read(getpid(), &l, 1, (void *)8, 1), EFAULT, "bad remote iovec array");
	struct iovec neg = {dst, (size_t)-1};
	expect_err(vm_read(getpid(), &neg, 1, &r, 1), EINVAL, "negative local length");
	struct iovec zero = {dst, 0};
	expect_ret(vm_read(NOPID, &zero, 1, &r, 1), 0, "nothing to copy: 0 before the pid");
	expect_ret(vm_read(NOPID, &l, 1, &zero, 1), 0, "nothing remote: 0 too");
	expect_err(vm_read(NOPID, &l, 1, &r, 1), ESRCH, "no such process");
	expect_err(vm_read(-1, &l, 1, &r, 1), ESRCH, "pid -1");
}

static void test_child(void)
{
	int go[2], done[2];
	check(pipe(go) == 0 && pipe(done) == 0, "pipes");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		strcpy(area, "the child's");
		if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		_exit(strcmp(area, "from parent") == 0 ? 0 : 1);
	}
	char c, buf[32] = {0};
	check(read(done[0], &c, 1) == 1, "child ready");
	struct iovec l = {buf, 11}, r = {area, 11};
	expect_ret(vm_read(pid, &l, 1, &r, 1), 11, "readv of the child");
	check(memcmp(buf, "the child's", 11) == 0, "...its data, not ours");
	struct iovec w = {"from parent", 12};
	r.iov_len = 12;
	expect_ret(vm_write(pid, &w, 1, &r, 1), 12, "writev to the child");
	check(write(go[1], "g", 1) == 1, "go");
	expect_ret(reap(pid), 0, "...the child saw it");
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

static void unpriv_child(void)
{
	pid_t parent = getppid();
	char buf[4];
	struct iovec l = {buf, 4}, r = {area, 4};
	if (setresuid(54321, 54321, 54321))
		_exit(3);
	if (vm_read(parent, &l, 1, &r, 1) != -1 || errno != EPERM)
		_exit(1);
	if (kcmp(parent, getpid(), KCMP_VM, 0, 0) != -1 || errno != EPERM)
		_exit(2);
	/* Its own process needs no privilege. */
	_exit(vm_read(getpid(), &l, 1, &r, 1) == 4 && kcmp(getpid(), getpid(), KCMP_VM, 0, 0) == 0
		      ? 0
		      : 4);
}

static pthread_barrier_t barrier;
static int thread_tid;

static void *thread_fn(void *arg)
{
	thread_tid = (int)syscall(SYS_gettid);
	pthread_barrier_wait(&barrier); /* tid published */
	pthread_barrier_wait(&barrier); /* checked */
	return arg;
}

static void test_kcmp(void)
{
	int me = getpid();
	expect_ret(kcmp(me, me, KCMP_VM, 0, 0), 0, "kcmp VM self");
	expect_ret(kcmp(me, me, KCMP_FILES, 0, 0), 0, "kcmp FILES self");
	expect_ret(kcmp(me, me, KCMP_SYSVSEM, 0, 0), 0, "kcmp SYSVSEM self");
	int fd = open("/", O_RDONLY), fd2 = dup(fd), fd3 = open("/", O_RDONLY);
	expect_ret(kcmp(me, me, KCMP_FILE, fd, fd2), 0, "kcmp FILE of a dup");
	long r = kcmp(me, me, KCMP_FILE, fd, fd3);
	check(r == 1 || r == 2, "kcmp FILE of another open: 1 or 2");
	check(kcmp(me, me, KCMP_FILE, fd3, fd) == 3 - r, "...the other way round: the other");
	expect_err(kcmp(me, me, KCMP_FILE, fd, 999), EBADF, "kcmp FILE bad fd");
	expect_err(kcmp(me, me, 8, 0, 0), EINVAL, "kcmp type 8");
	expect_err(kcmp(me, NOPID, KCMP_VM, 0, 0), ESRCH, "kcmp no such pid");
	expect_err(kcmp(NOPID, me, 99, 0, 0), ESRCH, "kcmp no pid before bad type");

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	check(kcmp(me, pid, KCMP_VM, 0, 0) > 0, "kcmp VM of a fork: differ");
	check(kcmp(me, pid, KCMP_FILES, 0, 0) > 0, "kcmp FILES of a fork: differ");
	check(kcmp(me, pid, KCMP_FS, 0, 0) > 0, "kcmp FS of a fork: differ");
	check(kcmp(me, pid, KCMP_SIGHAND, 0, 0) > 0, "kcmp SIGHAND of a fork: differ");
	expect_ret(kcmp(me, pid, KCMP_FILE, fd, fd), 0, "kcmp FILE inherited: same");
	kill(pid, SIGKILL);
	reap(pid);
	/*
	 * The child's files are there as soon as fork returns, before it
	 * first runs: the Sentry's used to appear only once its thread had
	 * started (EBADF in one fork of six on kvm_pvm).
	 */
	int missing = 0;
	for (int i = 0; i < 50; i++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		missing += kcmp(me, pid, KCMP_FILE, fd, fd) != 0;
		kill(pid, SIGKILL);
		reap(pid);
	}
	expect_ret(missing, 0, "kcmp FILE of 50 children right after fork: none missing");

	pthread_t th;
	pthread_barrier_init(&barrier, NULL, 2);
	check(pthread_create(&th, NULL, thread_fn, NULL) == 0, "thread");
	pthread_barrier_wait(&barrier);
	expect_ret(kcmp(me, thread_tid, KCMP_VM, 0, 0), 0, "kcmp VM of a thread: same");
	expect_ret(kcmp(me, thread_tid, KCMP_FILES, 0, 0), 0, "kcmp FILES of a thread: same");
	expect_ret(kcmp(me, thread_tid, KCMP_FS, 0, 0), 0, "kcmp FS of a thread: same");
	expect_ret(kcmp(me, thread_tid, KCMP_SIGHAND, 0, 0), 0, "kcmp SIGHAND of a thread");
	pthread_barrier_wait(&barrier);
	pthread_join(th, NULL);
	close(fd);
	close(fd2);
	close(fd3);
}

int main(void)
{
	guest_start("process_vm");
	test_self();
	test_child();
	test_kcmp();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		unpriv_child();
	expect_ret(reap(pid), 0, "unprivileged: EPERM for root's process, its own fine");
	return guest_finish();
}
