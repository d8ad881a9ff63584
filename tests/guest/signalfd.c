// SPDX-License-Identifier: Apache-2.0
/*
 * signalfd: argument checks, what a read dequeues (the reader's own and
 * its process's signals in the mask, with every signalfd_siginfo field
 * the siginfo layout carries), mask updates, readiness for poll, select
 * and epoll, blocking reads ended by another thread's signal or by an
 * unblocked signal (EINTR), and SIGCHLD of a child.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static long sfd4(long fd, const sigset_t *mask, long size, long flags)
{
	return syscall(SYS_signalfd4, fd, mask, size, flags);
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static int revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDNORM, 0};
	return poll(&p, 1, 0) < 0 ? -errno : p.revents;
}

static void msleep(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_args(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	int p[2];
	expect_err(sfd4(-1, &m, 4, 0), EINVAL, "signalfd4 sizemask 4");
	expect_err(sfd4(-1, &m, 16, 0), EINVAL, "signalfd4 sizemask 16");
	expect_err(sfd4(-1, NULL, 8, 0), EFAULT, "signalfd4 mask NULL");
	expect_err(sfd4(-1, &m, 8, 1), EINVAL, "signalfd4 unknown flag");
	expect_err(sfd4(-2, &m, 8, 0), EBADF, "signalfd4 on fd -2");
	expect_err(sfd4(999, &m, 8, 0), EBADF, "signalfd4 on a closed fd");
	check(pipe(p) == 0, "pipe");
	expect_err(sfd4(p[0], &m, 8, 0), EINVAL, "signalfd4 on a pipe");
	expect_err(syscall(SYS_signalfd, -1L, &m, 4L), EINVAL, "signalfd sizemask 4");
	close(p[0]);
	close(p[1]);

	int fd = sfd4(-1, &m, 8, SFD_CLOEXEC | SFD_NONBLOCK);
	check(fd >= 0, "signalfd4(SFD_CLOEXEC|SFD_NONBLOCK)");
	expect_ret(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD: FD_CLOEXEC");
	expect_ret(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK,
		   "F_GETFL: O_RDWR|O_NONBLOCK");
	char small[127];
	expect_err(read(fd, small, sizeof(small)), EINVAL, "read into 127 bytes");
	struct signalfd_siginfo si;
	expect_err(read(fd, &si, sizeof(si)), EAGAIN, "read with nothing pending");
	expect_err(write(fd, &si, sizeof(si)), EINVAL, "write");
	expect_ret(revents(fd), 0, "poll with nothing pending");
	/* The update keeps the flags: still nonblocking, still close-on-exec. */
	int fd2 = syscall(SYS_signalfd, (long)fd, &m, 8L);
	expect_ret(fd2, fd, "signalfd on it returns the same fd");
	expect_ret(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK, "...O_NONBLOCK kept");
	close(fd);
	fd = syscall(SYS_signalfd, -1L, &m, 8L);
	expect_ret(fcntl(fd, F_GETFD), 0, "signalfd(): no FD_CLOEXEC");
	expect_ret(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "signalfd(): blocking");
	close(fd);
}

static void test_read(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	int fd = sfd4(-1, &m, 8, SFD_NONBLOCK);
	struct signalfd_siginfo si[3];

	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	expect_ret(revents(fd), POLLIN, "poll with SIGUSR1 pending: POLLIN");
	memset(si, 0xaa, sizeof(si));
	expect_ret(read(fd, si, sizeof(si)), 128, "read: one siginfo (standard signals coalesce)");
	expect_ret(si[0].ssi_signo, SIGUSR1, "ssi_signo");
	expect_ret(si[0].ssi_code, SI_USER, "ssi_code SI_USER");
	check(si[0].ssi_pid == (uint32_t)getpid(), "ssi_pid is ours");
	check(si[0].ssi_uid == getuid(), "ssi_uid is ours");
	expect_ret(si[0].ssi_errno | si[0].ssi_fd | si[0].ssi_tid | si[0].ssi_band, 0,
		   "other fields zero");
	expect_ret(si[0].ssi_ptr | si[0].ssi_addr | si[0].ssi_utime | si[0].ssi_call_addr, 0,
		   "...ptr, addr, utime, call_addr zero");
	expect_err(read(fd, si, sizeof(si)), EAGAIN, "read again: EAGAIN");
	sigset_t pend;
	sigpending(&pend);
	expect_ret(sigismember(&pend, SIGUSR1), 0, "SIGUSR1 no longer pending");

	/* Not in the mask: stays pending, unseen. */
	kill(getpid(), SIGUSR2);
	expect_ret(revents(fd), 0, "SIGUSR2 pending, mask SIGUSR1: no POLLIN");
	expect_err(read(fd, si, sizeof(si)), EAGAIN, "...read EAGAIN");
	/* A mask update makes it readable. */
	sigset_t m2 = set_of(SIGUSR2, SIGRTMIN);
	expect_ret(sfd4(fd, &m2, 8, 0), fd, "mask updated to SIGUSR2|SIGRTMIN");
	expect_ret(revents(fd), POLLIN, "...POLLIN now");
	expect_ret(read(fd, si, sizeof(si)), 128, "read SIGUSR2");
	expect_ret(si[0].ssi_signo, SIGUSR2, "...ssi_signo SIGUSR2");

	/* Real-time signals queue, with their values, in order. */
	union sigval v = {.sival_int = 42};
	sigqueue(getpid(), SIGRTMIN, v);
	v.sival_int = 43;
	sigqueue(getpid(), SIGRTMIN, v);
	v.sival_int = 44;
	sigqueue(getpid(), SIGRTMIN, v);
	expect_ret(read(fd, si, 2 * 128 + 100), 256, "read 2.8 siginfos: two");
	expect_ret(si[0].ssi_code, SI_QUEUE, "ssi_code SI_QUEUE");
	expect_ret(si[0].ssi_int, 42, "ssi_int 42");
	expect_ret(si[0].ssi_ptr, 42, "ssi_ptr 42");
	expect_ret(si[1].ssi_int, 43, "second: ssi_int 43");
	check(si[1].ssi_pid == (uint32_t)getpid(), "...ssi_pid ours");
	expect_ret(read(fd, si, sizeof(si)), 128, "read the third");
	expect_ret(si[0].ssi_int, 44, "...ssi_int 44");

	/* tgkill: SI_TKILL, pid and uid. */
	syscall(SYS_tgkill, (long)getpid(), (long)syscall(SYS_gettid), (long)SIGUSR2);
	expect_ret(read(fd, si, sizeof(si)), 128, "read a tgkill'ed SIGUSR2");
	expect_ret(si[0].ssi_code, SI_TKILL, "...ssi_code SI_TKILL");
	check(si[0].ssi_pid == (uint32_t)getpid(), "...ssi_pid ours");

	/* rt_sigqueueinfo with our own code and fields. */
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGUSR2;
	info.si_code = -42;
	info.si_pid = 1234;
	info.si_uid = 77;
	info.si_value.sival_ptr = (void *)0x123456789aLL;
	expect_ret(syscall(SYS_rt_sigqueueinfo, (long)getpid(), (long)SIGUSR2, &info), 0,
		   "rt_sigqueueinfo code -42");
	expect_ret(read(fd, si, sizeof(si)), 128, "read it");
	expect_ret(si[0].ssi_code, -42, "...ssi_code -42");
	expect_ret(si[0].ssi_pid, 1234, "...ssi_pid 1234");
	expect_ret(si[0].ssi_uid, 77, "...ssi_uid 77");
	check(si[0].ssi_ptr == 0x123456789aULL, "...ssi_ptr");
	expect_ret(si[0].ssi_int, 0x3456789a, "...ssi_int the low half");

	/* SIGKILL and SIGSTOP are dropped from the mask silently. */
	sigset_t all;
	sigfillset(&all);
	int fa = sfd4(-1, &all, 8, SFD_NONBLOCK);
	check(fa >= 0, "signalfd of a full set");
	expect_err(read(fa, si, sizeof(si)), EAGAIN, "...nothing pending");
	close(fa);
	close(fd);
}

static void test_sigchld(void)
{
	sigset_t m = set_of(SIGCHLD, 0);
	int fd = sfd4(-1, &m, 8, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	struct signalfd_siginfo si;
	expect_ret(read(fd, &si, sizeof(si)), 128, "blocking read of SIGCHLD");
	expect_ret(si.ssi_signo, SIGCHLD, "...ssi_signo SIGCHLD");
	expect_ret(si.ssi_code, CLD_EXITED, "...ssi_code CLD_EXITED");
	expect_ret(si.ssi_status, 3, "...ssi_status 3");
	check(si.ssi_pid == (uint32_t)pid, "...ssi_pid the child's");
	check(si.ssi_uid == getuid(), "...ssi_uid");
	waitpid(pid, NULL, 0);
	close(fd);
}

static int waker_sig;
static pid_t waker_tid;
static void *waker(void *arg GUEST_UNUSED)
{
	msleep(50);
	if (waker_tid)
		syscall(SYS_tgkill, (long)getpid(), (long)waker_tid, (long)waker_sig);
	else
		kill(getpid(), waker_sig);
	return NULL;
}

static void start_waker(pthread_t *th, int sig, pid_t tid)
{
	waker_sig = sig;
	waker_tid = tid;
	pthread_create(th, NULL, waker, NULL);
}

static void test_readiness(void)
{
	sigset_t m = set_of(SIGUSR1, SIGUSR2);
	int fd = sfd4(-1, &m, 8, 0);
	struct signalfd_siginfo si;
	pthread_t th;

	/* A blocking read another thread's kill ends. */
	start_waker(&th, SIGUSR1, 0);
	expect_ret(read(fd, &si, sizeof(si)), 128, "blocking read woken by a kill from a thread");
	expect_ret(si.ssi_signo, SIGUSR1, "...SIGUSR1");
	pthread_join(th, NULL);

	/* poll, select and epoll, each woken by the signal. */
	struct pollfd p = {fd, POLLIN, 0};
	start_waker(&th, SIGUSR2, 0);
	expect_ret(poll(&p, 1, 5000), 1, "poll woken by a signal");
	expect_ret(p.revents, POLLIN, "...POLLIN");
	pthread_join(th, NULL);
	expect_ret(read(fd, &si, sizeof(si)), 128, "read it");

	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	struct timeval tv = {0, 0};
	expect_ret(select(fd + 1, &rs, NULL, NULL, &tv), 0, "select: not ready");
	start_waker(&th, SIGUSR1, 0);
	FD_SET(fd, &rs);
	tv.tv_sec = 5;
	expect_ret(select(fd + 1, &rs, NULL, NULL, &tv), 1, "select woken by a signal");
	pthread_join(th, NULL);
	expect_ret(read(fd, &si, sizeof(si)), 128, "read it");

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out[2];
	expect_ret(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0, "epoll_ctl ADD signalfd");
	expect_ret(epoll_wait(ep, out, 2, 0), 0, "epoll_wait: nothing");
	start_waker(&th, SIGUSR2, 0);
	expect_ret(epoll_wait(ep, out, 2, 5000), 1, "epoll_wait woken by a signal");
	expect_ret(out[0].events, EPOLLIN, "...EPOLLIN");
	expect_ret(out[0].data.u32, 7, "...its data");
	pthread_join(th, NULL);
	expect_ret(epoll_wait(ep, out, 2, 0), 1, "level-triggered: still ready before the read");
	expect_ret(read(fd, &si, sizeof(si)), 128, "read it");
	expect_ret(epoll_wait(ep, out, 2, 0), 0, "not ready after the read");
	close(ep);
	close(fd);
}

/* The signalfd reads the reader's signals: a signal for another thread is not ours. */
static pid_t other_tid;
static int other_fd;
static volatile int other_go;
static int other_got;
static void *other_thread(void *arg GUEST_UNUSED)
{
	struct signalfd_siginfo si;
	other_tid = syscall(SYS_gettid);
	while (!other_go)
		msleep(1);
	other_got = read(other_fd, &si, sizeof(si)) == 128 ? (int)si.ssi_code : -1;
	return NULL;
}

static void test_threads(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	int fd = sfd4(-1, &m, 8, SFD_NONBLOCK);
	struct signalfd_siginfo si;
	pthread_t th;

	other_fd = fd;
	pthread_create(&th, NULL, other_thread, NULL);
	while (!other_tid)
		msleep(1);
	syscall(SYS_tgkill, (long)getpid(), (long)other_tid, (long)SIGUSR1);
	expect_ret(revents(fd), 0, "a signal for another thread: no POLLIN here");
	expect_err(read(fd, &si, sizeof(si)), EAGAIN, "...and nothing to read here");
	other_go = 1;
	pthread_join(th, NULL);
	expect_ret(other_got, SI_TKILL, "that thread reads it from the same signalfd");
	close(fd);
}

static void on_alarm(int sig GUEST_UNUSED)
{
}

static void test_eintr(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	int fd = sfd4(-1, &m, 8, 0);
	struct signalfd_siginfo si;
	struct sigaction sa = {.sa_handler = on_alarm};
	pthread_t th;

	sigaction(SIGALRM, &sa, NULL);
	start_waker(&th, SIGALRM, syscall(SYS_gettid));
	expect_err(read(fd, &si, sizeof(si)), EINTR, "blocking read, a handled signal: EINTR");
	pthread_join(th, NULL);
	close(fd);
}

int main(void)
{
	guest_start("signalfd");
	sigset_t block = set_of(SIGUSR1, SIGUSR2);
	sigaddset(&block, SIGRTMIN);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	test_args();
	test_read();
	test_sigchld();
	test_readiness();
	test_threads();
	test_eintr();
	return guest_finish();
}
