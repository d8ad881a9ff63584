// SPDX-License-Identifier: Apache-2.0
/*
 * pidfds: pidfd_open's checks, readiness (poll, epoll) when the process
 * exits, pidfd_send_signal with kill's rules and siginfo checks,
 * pidfd_getfd, waitid(P_PIDFD) with O_NONBLOCK, and CLONE_PIDFD of clone
 * and clone3; a reaped process is gone for its pidfd (ESRCH, ECHILD);
 * a /proc/<pid> directory as the fd of pidfd_send_signal.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

static long p_open(long pid, long flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static long p_send(long fd, long sig, siginfo_t *info, long flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static long p_getfd(long fd, long target, long flags)
{
	return syscall(SYS_pidfd_getfd, fd, target, flags);
}

static int revents(int fd, int timeout)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDNORM, 0};
	return poll(&p, 1, timeout) < 0 ? -errno : p.revents;
}

static pid_t child_pausing(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void *thread_fn(void *arg GUEST_UNUSED)
{
	pause();
	return NULL;
}

static void test_open(void)
{
	expect_err(p_open(getpid(), 1), EINVAL, "pidfd_open flags 1");
	expect_err(p_open(getpid(), O_CLOEXEC), EINVAL, "pidfd_open O_CLOEXEC flag");
	expect_err(p_open(0, 0), EINVAL, "pidfd_open pid 0");
	expect_err(p_open(-1, 0), EINVAL, "pidfd_open pid -1");
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	expect_err(p_open(gone, 0), ESRCH, "pidfd_open of a reaped child");

	int fd = p_open(getpid(), 0);
	check(fd >= 0, "pidfd_open(getpid())");
	expect_ret(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD: FD_CLOEXEC");
	expect_ret(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR, "F_GETFL: O_RDWR");
	char b[8];
	expect_err(read(fd, b, sizeof(b)), EINVAL, "read of a pidfd");
	expect_err(write(fd, b, sizeof(b)), EINVAL, "write of a pidfd");
	expect_ret(revents(fd, 0), 0, "poll of ourselves: not exited");
	expect_ret(p_send(fd, 0, NULL, 0), 0, "pidfd_send_signal(self, 0)");
	close(fd);
	fd = p_open(getpid(), O_NONBLOCK);
	expect_ret(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK, "PIDFD_NONBLOCK: O_NONBLOCK");
	close(fd);

	pthread_t th;
	pthread_create(&th, NULL, thread_fn, NULL);
	/* A thread's tid: EINVAL in Linux 6.1, ENOENT since 6.9 (which has PIDFD_THREAD). */
	pid_t tid = 0;
	for (int i = getpid() + 1; i < getpid() + 64 && !tid; i++)
		if (syscall(SYS_tgkill, (long)getpid(), (long)i, 0L) == 0)
			tid = i;
	check(tid > 0, "found the thread's tid");
	long r = p_open(tid, 0);
	check(r == -1 && (errno == EINVAL || errno == ENOENT),
	      "pidfd_open of a non-leader thread: refused");
}

static void test_exit_and_signal(void)
{
	pid_t pid = child_pausing();
	int fd = p_open(pid, 0);
	check(fd >= 0, "pidfd_open(child)");
	expect_ret(revents(fd, 0), 0, "poll: child running");
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 5}, out[2];
	expect_ret(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0, "epoll_ctl ADD pidfd");
	expect_ret(epoll_wait(ep, out, 2, 0), 0, "epoll_wait: child running");

	/* (Flags 1 to 4 are PIDFD_SIGNAL_* since Linux 6.9.) */
	expect_err(p_send(fd, SIGTERM, NULL, 0x100), EINVAL, "pidfd_send_signal flags 0x100");
	expect_err(p_send(-1, SIGTERM, NULL, 0), EBADF, "pidfd_send_signal fd -1");
	int pp[2];
	pipe(pp);
	expect_err(p_send(pp[0], SIGTERM, NULL, 0), EBADF, "pidfd_send_signal on a pipe");
	expect_err(p_send(fd, 100, NULL, 0), EINVAL, "pidfd_send_signal signal 100");
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGUSR1;
	info.si_code = SI_QUEUE;
	expect_err(p_send(fd, SIGTERM, &info, 0), EINVAL, "siginfo's signo differs");
	info.si_signo = SIGTERM;
	info.si_code = SI_USER;
	expect_err(p_send(fd, SIGTERM, &info, 0), EPERM, "SI_USER siginfo to another process");
	info.si_code = SI_TKILL;
	expect_err(p_send(fd, SIGTERM, &info, 0), EPERM, "SI_TKILL siginfo to another process");
	expect_err(p_send(fd, SIGTERM, (siginfo_t *)8, 0), EFAULT, "bad siginfo pointer");
	expect_ret(p_send(fd, 0, NULL, 0), 0, "signal 0 to the child");
	info.si_code = SI_QUEUE;
	expect_ret(p_send(fd, SIGTERM, &info, 0), 0, "SIGTERM with a SI_QUEUE siginfo");

	expect_ret(revents(fd, 5000), POLLIN | POLLRDNORM, "poll: POLLIN|POLLRDNORM once it died");
	expect_ret(epoll_wait(ep, out, 2, 5000), 1, "epoll_wait: ready");
	expect_ret(out[0].events, EPOLLIN, "...EPOLLIN");
	expect_ret(p_send(fd, 0, NULL, 0), 0, "signal 0 to the zombie");
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	expect_ret(waitid(P_PIDFD, fd, &si, WEXITED), 0, "waitid(P_PIDFD)");
	check(si.si_pid == pid, "...si_pid the child's");
	expect_ret(si.si_code, CLD_KILLED, "...CLD_KILLED");
	expect_ret(si.si_status, SIGTERM, "...SIGTERM");
	expect_err(p_send(fd, SIGTERM, NULL, 0), ESRCH, "pidfd_send_signal after the reap");
	expect_err(p_getfd(fd, 0, 0), ESRCH, "pidfd_getfd after the reap");
	/* (Linux 6.9 adds POLLHUP here.) */
	expect_ret(revents(fd, 0) & ~POLLHUP, POLLIN | POLLRDNORM, "poll after the reap: POLLIN");
	expect_err(waitid(P_PIDFD, fd, &si, WEXITED), ECHILD, "waitid after the reap: ECHILD");
	close(ep);
	close(fd);
	close(pp[0]);
	close(pp[1]);
}

static void test_waitid(void)
{
	siginfo_t si;
	int pp[2];
	pipe(pp);
	expect_err(waitid(P_PIDFD, -1, &si, WEXITED), EINVAL, "waitid(P_PIDFD, -1)");
	expect_err(waitid(P_PIDFD, 999, &si, WEXITED), EBADF, "waitid(P_PIDFD, closed fd)");
	expect_err(waitid(P_PIDFD, pp[0], &si, WEXITED), EBADF, "waitid(P_PIDFD, a pipe)");
	int self = p_open(getpid(), 0);
	expect_err(waitid(P_PIDFD, self, &si, WEXITED | WNOHANG), ECHILD,
		   "waitid(P_PIDFD, ourselves): ECHILD");
	close(self);

	pid_t pid = child_pausing();
	int fd = p_open(pid, O_NONBLOCK);
	expect_err(waitid(P_PIDFD, fd, &si, WEXITED), EAGAIN,
		   "waitid of a running child through a O_NONBLOCK pidfd: EAGAIN");
	si.si_pid = 1;
	expect_ret(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG), 0, "...with WNOHANG: 0");
	expect_ret(si.si_pid, 0, "...si_pid 0");
	kill(pid, SIGKILL);
	expect_ret(revents(fd, 5000), POLLIN | POLLRDNORM, "poll: killed");
	expect_ret(waitid(P_PIDFD, fd, &si, WEXITED), 0, "waitid: reaped");
	expect_ret(si.si_status, SIGKILL, "...SIGKILL");
	close(fd);
	close(pp[0]);
	close(pp[1]);
}

static void test_getfd(void)
{
	int pp[2], sync[2];
	pipe(pp);
	pipe(sync);
	pid_t pid = fork();
	if (pid == 0) {
		/* The write end at fd 100; the parent closes its own copy. */
		dup2(pp[1], 100);
		close(pp[1]);
		close(pp[0]);
		write(sync[1], "r", 1);
		for (;;)
			pause();
	}
	close(pp[1]);
	char c;
	read(sync[0], &c, 1);
	int fd = p_open(pid, 0);
	expect_err(p_getfd(fd, 100, 1), EINVAL, "pidfd_getfd flags 1");
	expect_err(p_getfd(-1, 100, 0), EBADF, "pidfd_getfd bad pidfd");
	expect_err(p_getfd(sync[0], 100, 0), EBADF, "pidfd_getfd on a pipe");
	expect_err(p_getfd(fd, 999, 0), EBADF, "pidfd_getfd of a closed target fd");
	int got = p_getfd(fd, 100, 0);
	check(got >= 0, "pidfd_getfd(child, 100)");
	expect_ret(fcntl(got, F_GETFD), FD_CLOEXEC, "...close-on-exec");
	expect_ret(write(got, "x", 1), 1, "write through it");
	expect_ret(read(pp[0], &c, 1), 1, "...read at our end");
	expect_ret(c, 'x', "...the byte");
	int self = p_open(getpid(), 0);
	int mine = p_getfd(self, pp[0], 0);
	check(mine >= 0 && mine != pp[0], "pidfd_getfd of our own fd");
	close(mine);
	close(self);
	close(got);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);
	close(pp[0]);
	close(sync[0]);
	close(sync[1]);
}

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls;
};

static void test_clone(void)
{
	int pfd = -1;
	struct clone_args_v0 ca = {
		.flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pfd, .exit_signal = SIGCHLD};
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(7);
	check(pid > 0, "clone3(CLONE_PIDFD)");
	check(pfd >= 0, "...a pidfd");
	expect_ret(fcntl(pfd, F_GETFD), FD_CLOEXEC, "...close-on-exec");
	expect_ret(revents(pfd, 5000), POLLIN | POLLRDNORM, "...POLLIN when it exits");
	siginfo_t si;
	expect_ret(waitid(P_PIDFD, pfd, &si, WEXITED), 0, "waitid(P_PIDFD) on it");
	check(si.si_pid == pid, "...its pid");
	expect_ret(si.si_status, 7, "...exit status 7");
	close(pfd);

	ca.flags = CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	expect_err(syscall(SYS_clone3, &ca, sizeof(ca)), EINVAL, "clone3 CLONE_PIDFD|CLONE_THREAD");
	ca.flags = CLONE_PIDFD;
	ca.pidfd = 8;
	expect_err(syscall(SYS_clone3, &ca, sizeof(ca)), EFAULT, "clone3 CLONE_PIDFD bad pointer");

	/* clone(): the pidfd goes where parent_tid points. */
	pfd = -1;
	pid = syscall(SYS_clone, (long)(CLONE_PIDFD | SIGCHLD), 0L, &pfd, 0L, 0L);
	if (pid == 0)
		_exit(9);
	check(pid > 0 && pfd >= 0, "clone(CLONE_PIDFD): a pidfd at parent_tid");
	expect_ret(waitid(P_PIDFD, pfd, &si, WEXITED), 0, "waitid(P_PIDFD) on it");
	expect_ret(si.si_status, 9, "...exit status 9");
	close(pfd);
	expect_err(syscall(SYS_clone, (long)(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD), 0L, &pfd,
			   0L, 0L),
		   EINVAL, "clone CLONE_PIDFD|CLONE_PARENT_SETTID");
}

static int got_usr1;

static void on_usr1(int sig GUEST_UNUSED)
{
	got_usr1++;
}

/* pidfd_send_signal, and it alone, takes a /proc/<pid> directory for a pidfd. */
static void test_proc_dir(void)
{
	signal(SIGUSR1, on_usr1);
	int self = open("/proc/self", O_RDONLY | O_DIRECTORY);
	expect_ret(p_send(self, SIGUSR1, NULL, 0), 0, "pidfd_send_signal(/proc/self, SIGUSR1)");
	expect_ret(got_usr1, 1, "...the handler ran");
	int path = open("/proc/self", O_PATH | O_DIRECTORY);
	expect_err(p_send(path, 0, NULL, 0), EBADF, "pidfd_send_signal(O_PATH /proc/self)");
	expect_err(p_getfd(self, 0, 0), EBADF, "pidfd_getfd(/proc/self)");
	siginfo_t si;
	expect_err(waitid(P_PIDFD, self, &si, WEXITED | WNOHANG), EBADF,
		   "waitid(P_PIDFD, /proc/self)");
	char name[64];
	snprintf(name, sizeof(name), "/proc/self/task/%d", getpid());
	int task = open(name, O_RDONLY | O_DIRECTORY);
	expect_err(p_send(task, 0, NULL, 0), EBADF, "pidfd_send_signal(/proc/self/task/<tid>)");
	int fds = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	expect_err(p_send(fds, 0, NULL, 0), EBADF, "pidfd_send_signal(/proc/self/fd)");
	int stat = open("/proc/self/stat", O_RDONLY);
	expect_err(p_send(stat, 0, NULL, 0), EBADF, "pidfd_send_signal(/proc/self/stat)");
	int root = open("/proc", O_RDONLY | O_DIRECTORY);
	expect_err(p_send(root, 0, NULL, 0), EBADF, "pidfd_send_signal(/proc)");

	pid_t pid = child_pausing();
	snprintf(name, sizeof(name), "/proc/%d", pid);
	int child = open(name, O_RDONLY | O_DIRECTORY);
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGTERM;
	info.si_code = SI_USER;
	expect_err(p_send(child, SIGTERM, &info, 0), EPERM,
		   "SI_USER siginfo to another process's /proc dir");
	expect_ret(p_send(child, SIGTERM, NULL, 0), 0, "pidfd_send_signal(/proc/<child>, SIGTERM)");
	guest_expect_child(pid, "signal 15", "the child");
	expect_err(p_send(child, 0, NULL, 0), ESRCH, "pidfd_send_signal(/proc/<reaped child>)");
	int fdsets[] = {self, path, task, fds, stat, root, child};
	for (size_t i = 0; i < sizeof(fdsets) / sizeof(*fdsets); i++)
		close(fdsets[i]);
	signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
	guest_start("pidfd");
	test_open();
	test_exit_and_signal();
	test_proc_dir();
	test_waitid();
	test_getfd();
	test_clone();
	return guest_finish();
}
