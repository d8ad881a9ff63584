// SPDX-License-Identifier: Apache-2.0
/*
 * prctl's process attributes: PR_SET_PDEATHSIG (delivered when the
 * parent exits, cleared in a fork child), PR_SET_CHILD_SUBREAPER (an
 * orphaned grandchild comes to us), PR_GET_TID_ADDRESS, the timer slack,
 * THP_DISABLE, and EINVAL for what x86-64 Linux does not have.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "guest_test.h"

static long prctl5(long op, long a2, long a3, long a4, long a5)
{
	return syscall(SYS_prctl, op, a2, a3, a4, a5);
}

static int report_fd;

static void on_usr1(int sig)
{
	(void)sig;
	(void)!write(report_fd, "d", 1);
	_exit(0);
}

/* M forks C, which asks for SIGUSR1 at its parent's death; M exits; C reports. */
static void test_pdeathsig(void)
{
	int got = -1;
	expect_ret(prctl5(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0), 0, "PR_SET_PDEATHSIG SIGUSR2");
	expect_ret(prctl5(PR_GET_PDEATHSIG, (long)&got, 0, 0, 0), 0, "PR_GET_PDEATHSIG");
	check(got == SIGUSR2, "  reads SIGUSR2");
	expect_err(prctl5(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL, "PR_SET_PDEATHSIG 65");
	expect_err(prctl5(PR_GET_PDEATHSIG, 8, 0, 0, 0), EFAULT,
		   "PR_GET_PDEATHSIG to a bad pointer");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int v = -1;
		prctl5(PR_GET_PDEATHSIG, (long)&v, 0, 0, 0);
		_exit(v == 0 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a fork child starts without one");
	prctl5(PR_SET_PDEATHSIG, 0, 0, 0, 0);

	int p[2], ready[2];
	if (pipe(p) || pipe(ready))
		return;
	pid_t m = fork();
	if (m == 0) {
		pid_t c = fork();
		if (c == 0) {
			report_fd = p[1];
			signal(SIGUSR1, on_usr1);
			prctl5(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
			(void)!write(ready[1], "r", 1);
			for (;;)
				pause();
		}
		char r;
		(void)!read(ready[0], &r, 1);
		_exit(0); /* C's parent dies */
	}
	close(p[1]);
	close(ready[1]);
	waitpid(m, NULL, 0);
	char d = 0;
	expect_ret(read(p[0], &d, 1), 1, "the parent exits: the child gets its PDEATHSIG");
	close(p[0]);
	close(ready[0]);
}

static void test_subreaper(void)
{
	int got = -1;
	expect_ret(prctl5(PR_GET_CHILD_SUBREAPER, (long)&got, 0, 0, 0), 0,
		   "PR_GET_CHILD_SUBREAPER");
	check(got == 0, "  0 at first");
	expect_ret(prctl5(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER 1");
	prctl5(PR_GET_CHILD_SUBREAPER, (long)&got, 0, 0, 0);
	check(got == 1, "  reads 1");

	int p[2];
	if (pipe(p))
		return;
	fflush(stdout);
	pid_t m = fork();
	if (m == 0) {
		pid_t c = fork();
		if (c == 0) {
			/* Wait until the middle process is gone, then say who the parent is. */
			for (int i = 0;
			     i < 2000 && getppid() != (pid_t)strtol(getenv("TOP"), NULL, 10); i++)
				usleep(1000);
			pid_t pp = getppid();
			(void)!write(p[1], &pp, sizeof(pp));
			_exit(7);
		}
		(void)!write(p[1], &c, sizeof(c));
		_exit(0);
	}
	pid_t c = 0, pp = 0;
	(void)!read(p[0], &c, sizeof(c));
	waitpid(m, NULL, 0);
	(void)!read(p[0], &pp, sizeof(pp));
	check(pp == getpid(), "an orphaned grandchild's parent is the subreaper");
	int st = 0;
	check(waitpid(c, &st, 0) == c, "  which reaps it with waitpid");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "  exit status 7");
	prctl5(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close(p[0]);
	close(p[1]);
}

static void test_misc(void)
{
	unsigned long addr = 0;
	expect_ret(prctl5(PR_GET_TID_ADDRESS, (long)&addr, 0, 0, 0), 0, "PR_GET_TID_ADDRESS");
	check(addr != 0, "  glibc or musl set one (set_tid_address)");
	expect_ret(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000, "PR_GET_TIMERSLACK: the default");
	expect_ret(prctl5(PR_SET_TIMERSLACK, 1000, 0, 0, 0), 0, "PR_SET_TIMERSLACK 1000");
	expect_ret(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 1000, "  reads 1000");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0) == 1000 ? 0 : 1);
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "  a fork child inherits it");
	expect_ret(prctl5(PR_SET_TIMERSLACK, 0, 0, 0, 0), 0, "PR_SET_TIMERSLACK 0");
	expect_ret(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000, "  the default again");
	expect_ret(prctl5(PR_GET_THP_DISABLE, 0, 0, 0, 0), 0, "PR_GET_THP_DISABLE");
	expect_ret(prctl5(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0, "PR_SET_THP_DISABLE 1");
	expect_ret(prctl5(PR_GET_THP_DISABLE, 0, 0, 0, 0), 1, "  reads 1");
	expect_err(prctl5(PR_SET_THP_DISABLE, 1, 1, 0, 0), EINVAL, "PR_SET_THP_DISABLE with arg3");
	prctl5(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	expect_ret(prctl5(PR_GET_SECCOMP, 0, 0, 0, 0), 0, "PR_GET_SECCOMP: no filter");
	expect_err(prctl5(9999, 0, 0, 0, 0), EINVAL, "prctl(9999)");
	expect_err(prctl5(PR_GET_ENDIAN, (long)&addr, 0, 0, 0), EINVAL, "PR_GET_ENDIAN (not x86)");
}

int main(void)
{
	guest_start("prctl");
	char top[16];
	snprintf(top, sizeof(top), "%d", getpid());
	setenv("TOP", top, 1);
	test_pdeathsig();
	test_subreaper();
	test_misc();
	return guest_finish();
}
