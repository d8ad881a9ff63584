// SPDX-License-Identifier: Apache-2.0
/*
 * Processes: fork, vfork, wait4/waitid statuses, copy-on-write and shared
 * memory across fork, process groups, execve of this same program (also
 * from a process with a second thread), and signals between processes
 * (kill, also of a child asleep in pause; SIGCHLD; a child killed by a
 * fault).
 *
 * Children report through exit statuses and MAP_SHARED memory only; all
 * output is the parent's, after it has waited, so the order is fixed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static volatile sig_atomic_t got_sigchld, got_usr1;

static void on_sigchld(int sig GUEST_UNUSED)
{
	got_sigchld++;
}

static void on_usr1(int sig GUEST_UNUSED)
{
	got_usr1++;
}

static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

/* A child that sets *ready and then sleeps in pause() until a signal kills it. */
static pid_t fork_pauser(volatile int *ready)
{
	*ready = 0;
	pid_t pid = fork_flushed();
	if (pid == 0) {
		*ready = 1;
		for (;;)
			pause();
	}
	return pid;
}

/*
 * Give a fork_pauser child time to fall asleep, so that the signal that
 * follows must wake a sleeper; were it still running, the outcome would
 * be the same, only the kernel path would differ.
 */
static void wait_ready(volatile int *ready)
{
	struct timespec ms = {0, 1000 * 1000};
	for (int i = 0; i < 10000 && !*ready; i++)
		nanosleep(&ms, NULL);
	ms.tv_nsec = 20 * 1000 * 1000;
	nanosleep(&ms, NULL);
}

static void test_fork_exit_status(void)
{
	int status = 0;
	pid_t pid = fork_flushed();
	if (pid == 0)
		_exit(42);
	check(pid > 0, "fork returns the child's pid");
	check(waitpid(pid, &status, 0) == pid, "waitpid returns the child");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 42, "child exit status 42");
	expect_err(waitpid(-1, &status, 0), ECHILD, "waitpid with no children");
	expect_err(waitpid(pid, &status, WNOHANG), ECHILD, "waitpid of a reaped child");
}

static void test_identity(int *shared)
{
	pid_t me = getpid();
	pid_t pid = fork_flushed();
	if (pid == 0) {
		shared[0] = getppid() == me;
		shared[1] = getpid() != me;
		shared[2] = getpgrp() == getpgid(me);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	check(shared[0], "child's getppid is the parent");
	check(shared[1], "child has its own pid");
	check(shared[2], "child inherits the process group");
}

static void test_cow_and_shared(int *shared)
{
	static int private_var = 1;
	char *big = malloc(1 << 20);
	memset(big, 'p', 1 << 20);
	shared[0] = 0;
	pid_t pid = fork_flushed();
	if (pid == 0) {
		int saw = private_var;
		private_var = 2;
		memset(big, 'c', 1 << 20);
		shared[0] = saw * 10 + private_var;
		shared[1] = big[12345] == 'c';
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	check(shared[0] == 12, "child sees the value before fork and its own write");
	check(private_var == 1, "parent's copy unchanged by the child's write");
	check(big[12345] == 'p' && big[(1 << 20) - 1] == 'p', "parent's 1 MiB unchanged");
	check(shared[1] == 1, "MAP_SHARED anonymous memory is shared with the child");
	free(big);
}

static void test_signals_between(int *shared)
{
	int status = 0;
	pid_t pid = fork_flushed();
	if (pid == 0) {
		for (;;)
			pause();
	}
	expect_ret(waitpid(pid, &status, WNOHANG), 0, "WNOHANG on a running child");
	expect_ret(kill(pid, 0), 0, "kill(pid, 0) on a live child");
	expect_ret(kill(pid, SIGTERM), 0, "kill(child, SIGTERM)");
	check(waitpid(pid, &status, 0) == pid, "waitpid after SIGTERM");
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "child killed by SIGTERM");

	/* A fatal signal must wake a process asleep in pause(), not only a running one. */
	pid = fork_pauser(shared);
	wait_ready(shared);
	expect_ret(kill(pid, SIGTERM), 0, "kill(child in pause, SIGTERM)");
	check(waitpid(pid, &status, 0) == pid, "waitpid after SIGTERM to a sleeper");
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	      "sleeping child killed by SIGTERM");

	pid = fork_flushed();
	if (pid == 0) {
		volatile uintptr_t bad = 8;
		*(volatile int *)bad = 1; /* SIGSEGV */
		_exit(1);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child killed by SIGSEGV");
	expect_err(kill(pid, 0), ESRCH, "kill(pid, 0) on a reaped child");
	expect_err(kill(0x3ffffff, SIGTERM), ESRCH, "kill of a pid nobody has");
	expect_err(kill(pid, 65), ESRCH, "kill of a reaped pid with signal 65");
	expect_err(kill(getpid(), 65), EINVAL, "kill of self with signal 65");
}

static void test_waitid(void)
{
	siginfo_t si;
	pid_t pid = fork_flushed();
	if (pid == 0)
		_exit(5);
	memset(&si, 0, sizeof(si));
	expect_ret(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0, "waitid WNOWAIT");
	check(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 5,
	      "waitid reports CLD_EXITED status 5");
	memset(&si, 0, sizeof(si));
	expect_ret(waitid(P_ALL, 0, &si, WEXITED), 0, "waitid reaps after WNOWAIT");
	check(si.si_pid == pid && si.si_signo == SIGCHLD, "waitid si_signo SIGCHLD");
	expect_err(waitid(P_ALL, 0, &si, 0), EINVAL, "waitid without WEXITED etc.");
}

static void test_sigchld_handler(void)
{
	struct sigaction sa = {.sa_handler = on_sigchld};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	got_sigchld = 0;
	pid_t pid = fork_flushed();
	if (pid == 0)
		_exit(0);
	sigset_t wait_mask = old;
	sigdelset(&wait_mask, SIGCHLD);
	while (!got_sigchld)
		sigsuspend(&wait_mask);
	check(got_sigchld == 1, "SIGCHLD handler ran once for the child's exit");
	sigprocmask(SIG_SETMASK, &old, NULL);
	waitpid(pid, NULL, 0);
	signal(SIGCHLD, SIG_DFL);
}

static void test_self_signals(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	got_usr1 = 0;
	kill(getpid(), SIGUSR1);
	check(got_usr1 == 1, "kill(self, SIGUSR1) runs the handler before kill returns");

	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pending);
	check(sigismember(&pending, SIGUSR1) && got_usr1 == 1, "blocked SIGUSR1 stays pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check(got_usr1 == 2, "unblocking delivers it once (standard signals coalesce)");

	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR2);
	siginfo_t si;
	struct timespec zero = {0, 0};
	expect_ret(sigtimedwait(&set, &si, &zero), SIGUSR2, "sigtimedwait takes SIGUSR2");
	check(si.si_code == SI_USER && si.si_pid == getpid(), "si_code SI_USER, si_pid self");
	expect_err(sigtimedwait(&set, &si, &zero), EAGAIN, "sigtimedwait with nothing pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR1, SIG_DFL);

	signal(SIGUSR2, SIG_IGN);
	check(kill(getpid(), SIGUSR2) == 0, "an ignored signal is dropped");
	signal(SIGUSR2, SIG_DFL);
}

static void test_vfork(int *shared)
{
	int status;
	shared[0] = 0;
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		shared[0] = 77;
		_exit(3);
	}
	check(shared[0] == 77, "vfork parent resumes after the child ran");
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 3, "vfork child exit status 3");
}

static void test_pgrp(int *shared)
{
	pid_t pid = fork_pauser(shared);
	expect_ret(setpgid(pid, pid), 0, "setpgid(child, child)");
	check(getpgid(pid) == pid, "getpgid(child) is the new group");
	wait_ready(shared);
	expect_ret(kill(-pid, SIGKILL), 0, "kill(-pgid, SIGKILL)");
	int status;
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "group member killed");
	expect_err(setpgid(getpid(), 0x3ffffff), EPERM, "setpgid to a group that does not exist");
}

static void *spin_main(void *started)
{
	*(volatile int *)started = 1;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void test_exec(const char *self)
{
	char *argv[] = {(char *)self, "exec-child", "x y", NULL};
	char *envp[] = {"RUNSK_TEST=1", NULL};
	int status;
	pid_t pid = fork_flushed();
	if (pid == 0) {
		execve(self, argv, envp);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 7, "execve'd child exits 7");

	/* execve ends the other threads first, one that never enters the kernel too. */
	pid = fork_flushed();
	if (pid == 0) {
		volatile int started = 0;
		pthread_t th;
		if (pthread_create(&th, NULL, spin_main, (void *)&started))
			_exit(126);
		wait_ready(&started);
		execve(self, argv, envp);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	      "execve'd child of a two-thread process exits 7");
	expect_err(execve("/nonexistent/program", (char *[]){"x", NULL}, NULL), ENOENT,
		   "execve of a missing file");
}

static int exec_child(int argc, char **argv)
{
	/* Nothing printed: the parent checks the status only. */
	if (argc == 3 && !strcmp(argv[2], "x y") && getenv("RUNSK_TEST") &&
	    !strcmp(getenv("RUNSK_TEST"), "1"))
		return 7;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return exec_child(argc, argv);
	guest_start("process");
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 2;
	test_fork_exit_status();
	test_identity(shared);
	test_cow_and_shared(shared);
	test_signals_between(shared);
	test_waitid();
	test_sigchld_handler();
	test_self_signals();
	test_vfork(shared);
	test_pgrp(shared);
	test_exec(argv[0]);
	return guest_finish();
}
