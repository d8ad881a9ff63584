// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits that act: RLIMIT_FSIZE (short writes up to the limit,
 * then EFBIG and SIGXFSZ; truncates past it), RLIMIT_CPU (SIGXCPU at the
 * soft limit, then every second, SIGKILL at the hard one), RLIMIT_NPROC
 * on fork and thread creation for a non-root uid, RLIMIT_CORE accepted;
 * prlimit64 on other processes and its permission rule; SIGCONT to a
 * process of another uid in the same session.
 *
 * Each limit is set in a child, which then ends. Under runsk the limits
 * are the sandbox's, not each process's, so the parent puts back the
 * values it started with after each child (natively a no-op).
 * The checks that need root print the same "skipped" line without it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define NOBODY 65534

static struct rlimit saved[RLIMIT_NLIMITS];

static void restore_limits(void)
{
	for (int r = 0; r < RLIMIT_NLIMITS; r++)
		setrlimit(r, &saved[r]);
}

/* fork, with the child's own failure count. */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	if (pid == 0)
		guest_failures = 0;
	return pid;
}

static int tmpfile_fd(void)
{
	char path[] = "/tmp/rlimit.XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static bool sig_pending(int sig)
{
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

static void fsize_child(void)
{
	struct rlimit rl = {10, saved[RLIMIT_FSIZE].rlim_max};
	char buf[64] = {0};
	int fd = tmpfile_fd();

	signal(SIGXFSZ, SIG_IGN);
	expect_ret(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit(RLIMIT_FSIZE, 10)");
	expect_ret(write(fd, buf, 4), 4, "write 4 bytes at 0");
	expect_ret(write(fd, buf, 10), 6, "write 10 at 4: short, up to the limit");
	expect_err(write(fd, buf, 1), EFBIG, "write 1 at 10 (SIGXFSZ ignored)");
	expect_ret(write(fd, buf, 0), 0, "write 0 at 10");
	expect_err(pwrite(fd, buf, 1, 100), EFBIG, "pwrite at 100");
	expect_ret(pwrite(fd, buf, 4, 2), 4, "pwrite 4 at 2 (inside)");
	expect_err(ftruncate(fd, 20), EFBIG, "ftruncate to 20");
	expect_ret(ftruncate(fd, 10), 0, "ftruncate to 10 (the limit)");
	expect_ret(ftruncate(fd, 5), 0, "ftruncate to 5");
	expect_ret(lseek(fd, 0, SEEK_END), 5, "  size 5");
	int afd = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, afd | O_APPEND);
	expect_ret(pwrite(fd, buf, 10, 0), 5, "O_APPEND write 10 at size 5: short");
	fcntl(fd, F_SETFL, afd);
	check(!sig_pending(SIGXFSZ), "no SIGXFSZ pending (ignored)");

	/* Blocked: it stays pending. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGXFSZ);
	signal(SIGXFSZ, SIG_DFL);
	sigprocmask(SIG_BLOCK, &s, NULL);
	expect_err(pwrite(fd, buf, 1, 10), EFBIG, "pwrite at 10, SIGXFSZ blocked");
	check(sig_pending(SIGXFSZ), "  SIGXFSZ pending");
	siginfo_t si;
	struct timespec zero = {0, 0};
	int got = sigtimedwait(&s, &si, &zero);
	check(got == SIGXFSZ && si.si_code == SI_USER && si.si_pid == getpid(),
	      "  its siginfo: SI_USER from ourselves");

	/* Pipes have no size to limit. */
	int p[2];
	if (!pipe(p)) {
		expect_ret(write(p[1], buf, 20), 20, "write 20 to a pipe");
		close(p[0]);
		close(p[1]);
	}
	close(fd);
	exit(guest_failures ? 3 : 0);
}

static void fsize_default_child(void)
{
	struct rlimit rl = {10, saved[RLIMIT_FSIZE].rlim_max};
	char buf[16] = {0};
	int fd = tmpfile_fd();
	setrlimit(RLIMIT_FSIZE, &rl);
	(void)!write(fd, buf, 10);
	(void)!write(fd, buf, 1); /* SIGXFSZ's default action ends us */
	_exit(0);
}

static void fsize_tests(void)
{
	/*
	 * The child's limit holds for stdout too (natively a file here), so
	 * it prints to a pipe that we copy out.
	 */
	int p[2];
	char buf[4096];
	ssize_t n;
	if (pipe(p))
		return;
	pid_t pid = fork_child();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		fsize_child();
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(p[0]);
	guest_expect_child(pid, "exit 0", "RLIMIT_FSIZE child");
	pid = fork_child();
	if (pid == 0)
		fsize_default_child();
	guest_expect_child(pid, "signal 25", "RLIMIT_FSIZE write past it, SIGXFSZ default");
}

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

/* Spin until n SIGXCPUs came or secs of wall time passed. */
static void spin_until_xcpu(int n, int secs)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (volatile int i = 0; i < 100000; i++)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (xcpu < n && now.tv_sec - start.tv_sec < secs);
}

static void cpu_child(bool hard)
{
	struct rlimit rl = {1, hard ? 2 : saved[RLIMIT_CPU].rlim_max};
	struct rlimit got;
	struct sigaction sa = {.sa_handler = on_xcpu};
	sigaction(SIGXCPU, &sa, NULL);
	expect_ret(setrlimit(RLIMIT_CPU, &rl), 0, "setrlimit(RLIMIT_CPU, 1 s)");
	spin_until_xcpu(1, 30);
	check(xcpu == 1, "busy 1 s of CPU: the SIGXCPU handler ran");
	getrlimit(RLIMIT_CPU, &got);
	check(got.rlim_cur == 2, "  the soft limit went up by a second");
	/* At the hard limit (2 s), SIGKILL; without one, another SIGXCPU. */
	spin_until_xcpu(2, 30);
	check(!hard && xcpu == 2, "another second: a second SIGXCPU");
	exit(guest_failures ? 3 : 0);
}

static void cpu_tests(bool root)
{
	pid_t pid = fork_child();
	if (pid == 0)
		cpu_child(false);
	guest_expect_child(pid, "exit 0", "RLIMIT_CPU child, soft 1 s");
	if (!root) {
		printf("RLIMIT_CPU hard limit: skipped (not root)\n");
		return;
	}
	pid = fork_child();
	if (pid == 0)
		cpu_child(true);
	guest_expect_child(pid, "signal 9", "RLIMIT_CPU child, soft 1 s, hard 2 s: SIGKILL");
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void nproc_child(void)
{
	struct rlimit rl = {1, saved[RLIMIT_NPROC].rlim_max};
	pthread_t th;
	setrlimit(RLIMIT_NPROC, &rl);
	if (setgid(NOBODY) || setuid(NOBODY)) {
		printf("FAIL setuid(65534): %s\n", guest_errno_name(errno));
		_exit(3);
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	expect_err(pid, EAGAIN, "uid 65534, RLIMIT_NPROC 1: fork");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	expect_errnum(pthread_create(&th, NULL, thread_fn, NULL), EAGAIN, "  pthread_create");
	rl.rlim_cur = rl.rlim_max < 100000 ? rl.rlim_max : 100000;
	setrlimit(RLIMIT_NPROC, &rl);
	pid = fork();
	if (pid == 0)
		_exit(0);
	check(pid > 0, "RLIMIT_NPROC 100000 (or the hard limit): fork works");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	exit(guest_failures ? 3 : 0);
}

/* prlimit64 on others: any thread by ID, with the uid/gid rule or CAP_SYS_RESOURCE. */
static void prlimit_tests(bool root)
{
	struct rlimit old, rl;
	pid_t parent = getpid();

	expect_ret(prlimit(0, RLIMIT_NOFILE, NULL, &old), 0, "prlimit(0, NOFILE) read");
	expect_ret(prlimit(parent, RLIMIT_NOFILE, NULL, &old), 0, "prlimit(own pid) read");
	expect_err(prlimit(0x3fffffff, RLIMIT_NOFILE, NULL, &old), ESRCH, "prlimit(no such pid)");
	expect_err(syscall(SYS_prlimit64, 0x3fffffffL, 99L, NULL, &old), ESRCH,
		   "prlimit64(no such pid, resource 99)");
	expect_err(syscall(SYS_prlimit64, 0L, 99L, NULL, &old), EINVAL,
		   "prlimit64(0, resource 99)");
	expect_err(syscall(SYS_getrlimit, 99L, &old), EINVAL, "getrlimit(99)");
	expect_err(syscall(SYS_setrlimit, 99L, &old), EINVAL, "setrlimit(99)");
	expect_err(syscall(SYS_setrlimit, (long)RLIMIT_CORE, (void *)8), EFAULT,
		   "setrlimit(CORE, bad pointer)");
	rl = (struct rlimit){2, 1};
	expect_err(setrlimit(RLIMIT_CORE, &rl), EINVAL, "setrlimit(CORE, cur > max)");
	rl = (struct rlimit){0, 0};
	expect_ret(syscall(SYS_setrlimit, (long)RLIMIT_CORE, &rl), 0, "setrlimit(CORE, 0) raw");
	getrlimit(RLIMIT_CORE, &old);
	check(old.rlim_cur == 0 && old.rlim_max == 0, "  reads back 0");
	restore_limits();

	int p[2];
	char c;
	if (pipe(p))
		return;
	pid_t sleeper = fork_child();
	if (sleeper == 0) {
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	expect_ret(prlimit(sleeper, RLIMIT_NOFILE, NULL, &old), 0, "prlimit(child) read");
	if (root) {
		rl = (struct rlimit){1048576, 1048577};
		expect_err(prlimit(sleeper, RLIMIT_NOFILE, &rl, NULL), EPERM,
			   "prlimit(child, NOFILE max past nr_open)");
		pid_t pid = fork_child();
		if (pid == 0) {
			if (setgid(NOBODY) || setuid(NOBODY))
				_exit(3);
			expect_err(prlimit(parent, RLIMIT_NOFILE, NULL, &old), EPERM,
				   "uid 65534: prlimit(root's process)");
			expect_ret(prlimit(getpid(), RLIMIT_NOFILE, NULL, &old), 0,
				   "uid 65534: prlimit(itself)");
			exit(guest_failures ? 3 : 0);
		}
		guest_expect_child(pid, "exit 0", "prlimit as uid 65534");
	} else {
		printf("prlimit across uids: skipped (not root)\n");
	}
	(void)!write(p[1], "x", 1);
	guest_child_end(sleeper);
	close(p[0]);
	close(p[1]);
}

/* SIGCONT may go to any process of the sender's session, whatever its uid. */
static void sigcont_tests(void)
{
	int p[2];
	char c;
	if (pipe(p))
		return;
	pid_t target = fork_child(); /* root, in our session */
	if (target == 0) {
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	pid_t pid = fork_child();
	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(3);
		expect_ret(kill(target, SIGCONT), 0,
			   "uid 65534, same session: kill(root's, SIGCONT)");
		expect_err(kill(target, SIGUSR1), EPERM, "  kill(root's, SIGUSR1)");
		expect_err(kill(target, 0), EPERM, "  kill(root's, 0)");
		expect_err(syscall(SYS_tgkill, (long)target, (long)target, (long)SIGUSR1), EPERM,
			   "  tgkill(root's, SIGUSR1)");
		expect_ret(syscall(SYS_tgkill, (long)target, (long)target, (long)SIGCONT), 0,
			   "  tgkill(root's, SIGCONT)");
		setsid();
		expect_err(kill(target, SIGCONT), EPERM, "  after setsid: kill(root's, SIGCONT)");
		exit(guest_failures ? 3 : 0);
	}
	guest_expect_child(pid, "exit 0", "SIGCONT across uids");
	(void)!write(p[1], "x", 1);
	guest_expect_child(target, "exit 0", "  the target went on");
	close(p[0]);
	close(p[1]);
}

/* Limits belong to a process: a child's changes stay its own; fork copies them. */
static void per_process_tests(void)
{
	/* Soft limits only: the hard limit may be anything here, and raising it needs a capability. */
	rlim_t max = saved[RLIMIT_NOFILE].rlim_max;
	struct rlimit rl = {50, max}, got;
	int up[2], down[2]; /* child to parent, parent to child */
	char c;

	if (pipe(up))
		return;
	if (pipe(down)) {
		close(up[0]);
		close(up[1]);
		return;
	}
	pid_t pid = fork_child();
	if (pid == 0) {
		setrlimit(RLIMIT_NOFILE, &rl);
		(void)!write(up[1], "x", 1); /* lowered: the parent looks now */
		(void)!read(down[0], &c, 1); /* ... and has set our soft NOFILE to 40 */
		getrlimit(RLIMIT_NOFILE, &got);
		check(got.rlim_cur == 40 && got.rlim_max == max,
		      "child: prlimit by the parent reached it");
		pid_t grandchild = fork_child();
		if (grandchild == 0) {
			getrlimit(RLIMIT_NOFILE, &got);
			exit(got.rlim_cur == 40 && got.rlim_max == max ? 0 : 3);
		}
		guest_expect_child(grandchild, "exit 0", "child: fork copies its limits");
		exit(guest_failures ? 3 : 0);
	}
	(void)!read(up[0], &c, 1);
	getrlimit(RLIMIT_NOFILE, &got);
	check(got.rlim_cur == saved[RLIMIT_NOFILE].rlim_cur && got.rlim_max == max,
	      "a child's setrlimit leaves the parent's limit alone");
	expect_ret(prlimit(pid, RLIMIT_NOFILE, NULL, &got), 0, "prlimit(child, NOFILE) read");
	check(got.rlim_cur == 50 && got.rlim_max == max, "  sees the child's own value");
	rl.rlim_cur = 40;
	expect_ret(prlimit(pid, RLIMIT_NOFILE, &rl, NULL), 0, "prlimit(child, NOFILE) set");
	getrlimit(RLIMIT_NOFILE, &got);
	check(got.rlim_cur == saved[RLIMIT_NOFILE].rlim_cur, "  our own NOFILE is unchanged");
	(void)!write(down[1], "x", 1);
	guest_expect_child(pid, "exit 0", "per-process limits child");
	for (int i = 0; i < 2; i++) {
		close(up[i]);
		close(down[i]);
	}
}

/* RLIMIT_NOFILE: new descriptors stay below the soft limit (EMFILE). */
static void nofile_tests(void)
{
	pid_t pid = fork_child();
	if (pid == 0) {
		struct rlimit rl = {16, saved[RLIMIT_NOFILE].rlim_max};
		setrlimit(RLIMIT_NOFILE, &rl);
		int fd, highest = -1;
		while ((fd = open("/dev/null", O_RDONLY)) >= 0)
			highest = fd;
		expect_err(fd, EMFILE, "RLIMIT_NOFILE 16: open past it");
		expect_ret(highest, 15, "  the highest descriptor opened");
		int p[2];
		close(highest);
		expect_err(pipe(p), EMFILE, "  pipe with one slot left");
		expect_err(dup2(0, 16), EBADF, "  dup2 to 16");
		exit(guest_failures ? 3 : 0);
	}
	guest_expect_child(pid, "exit 0", "RLIMIT_NOFILE child");
}

int main(void)
{
	guest_start("rlimit");
	bool root = geteuid() == 0;
	for (int r = 0; r < RLIMIT_NLIMITS; r++)
		getrlimit(r, &saved[r]);

	fsize_tests();
	nofile_tests();
	per_process_tests();
	cpu_tests(root);
	prlimit_tests(root);
	if (root) {
		pid_t pid = fork_child();
		if (pid == 0)
			nproc_child();
		guest_expect_child(pid, "exit 0", "RLIMIT_NPROC child");
		sigcont_tests();
	} else {
		printf("RLIMIT_NPROC and SIGCONT across uids: skipped (not root)\n");
	}
	return guest_finish();
}
