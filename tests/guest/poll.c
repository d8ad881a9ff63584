// SPDX-License-Identifier: Apache-2.0
/*
 * poll, ppoll, select and pselect6 on pipes, eventfds and other files:
 * readiness as it changes, POLLNVAL, POLLHUP and POLLERR, negative fds,
 * zero and short timeouts (and the time left written back), the
 * argument checks, and the signal mask ppoll and pselect6 swap in.
 *
 * Waits ended by another thread's write or by a signal are in
 * pipe_block.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A timed wait must last about as long as asked (the clocks may differ a little). */
static bool waited(long start, long ms)
{
	return now_ms() - start >= ms - 2;
}

static void make_pipe(int fds[2])
{
	if (pipe2(fds, O_NONBLOCK)) {
		printf("FAIL pipe2: %s\n", guest_errno_name(errno));
		exit(1);
	}
}

/* revents of one fd polled for events with a zero timeout, or -errno. */
static int poll1(int fd, short events)
{
	struct pollfd p = {fd, events, 0x7fff};
	int r = poll(&p, 1, 0);
	if (r < 0)
		return -errno;
	if (r != (p.revents != 0))
		return -1000;
	return p.revents;
}

static void test_poll_pipe(void)
{
	static char buf[4096];
	int fds[2];

	make_pipe(fds);
	expect_ret(poll1(fds[0], POLLIN), 0, "empty pipe, read end: nothing");
	expect_ret(poll1(fds[1], POLLOUT), POLLOUT, "empty pipe, write end: POLLOUT");
	expect_ret(poll1(fds[1], POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM,
		   "write end: POLLWRNORM when asked");
	expect_ret(poll1(fds[1], POLLIN), 0, "write end polled for POLLIN: nothing");
	write(fds[1], "abc", 3);
	expect_ret(poll1(fds[0], POLLIN | POLLRDNORM | POLLPRI), POLLIN | POLLRDNORM,
		   "after a write: POLLIN | POLLRDNORM");
	read(fds[0], buf, sizeof(buf));
	expect_ret(poll1(fds[0], POLLIN), 0, "after reading it all: nothing");

	struct pollfd two[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT, 0}};
	expect_ret(poll(two, 2, 0), 1, "poll of both ends: one ready");
	check(two[0].revents == 0 && two[1].revents == POLLOUT, "...the write end");

	for (int i = 0; i < 16; i++)
		write(fds[1], buf, 4096);
	expect_ret(poll1(fds[1], POLLOUT), 0, "full pipe, write end: nothing");
	read(fds[0], buf, 1);
	expect_ret(poll1(fds[1], POLLOUT), 0, "one byte read: still no free page");
	read(fds[0], buf, 4095);
	expect_ret(poll1(fds[1], POLLOUT), POLLOUT, "a page read: POLLOUT again");

	write(fds[1], "x", 1);
	close(fds[1]);
	expect_ret(poll1(fds[0], POLLIN), POLLIN | POLLHUP, "writer closed with data: IN | HUP");
	expect_ret(poll1(fds[0], 0), POLLHUP, "POLLHUP even when not asked for");
	while (read(fds[0], buf, sizeof(buf)) > 0)
		;
	expect_ret(poll1(fds[0], POLLIN), POLLHUP, "writer closed, drained: HUP only");
	close(fds[0]);

	make_pipe(fds);
	close(fds[0]);
	expect_ret(poll1(fds[1], POLLOUT), POLLOUT | POLLERR, "reader closed: OUT | ERR");
	expect_ret(poll1(fds[1], 0), POLLERR, "POLLERR even when not asked for");
	close(fds[1]);
}

static void test_poll_args(void)
{
	int fds[2];
	struct rlimit rl;

	make_pipe(fds);
	struct pollfd p[3] = {{-1, POLLIN, 0x55}, {999, POLLIN, 0}, {fds[1], POLLOUT, 0}};
	expect_ret(poll(p, 3, 0), 2, "poll of -1, a closed fd and a ready one");
	expect_ret(p[0].revents, 0, "negative fd: ignored, revents 0");
	expect_ret(p[1].revents, POLLNVAL, "closed fd: POLLNVAL");
	expect_ret(p[2].revents, POLLOUT, "ready fd: POLLOUT");
	expect_ret(p[0].fd == -1 && p[0].events == POLLIN, 1, "poll changes only revents");

	struct pollfd neg = {-5, POLLIN, 0};
	expect_ret(poll(&neg, 1, 0), 0, "poll of only a negative fd");
	expect_ret(poll(NULL, 0, 0), 0, "poll of nothing");
	getrlimit(RLIMIT_NOFILE, &rl);
	expect_err(syscall(SYS_poll, NULL, (long)rl.rlim_cur + 1, 0L), EINVAL,
		   "nfds above RLIMIT_NOFILE");
	expect_err(syscall(SYS_poll, 16L, 1L, 0L), EFAULT, "poll of a bad pointer");

	int null = open("/dev/null", O_RDWR);
	expect_ret(poll1(null, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI),
		   POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM,
		   "/dev/null (no poll op): always readable and writable");
	close(null);
	expect_ret(poll1(1, POLLOUT), POLLOUT, "stdout: writable");
	close(fds[0]);
	close(fds[1]);
}

static void test_poll_timeouts(void)
{
	int fds[2];
	struct pollfd p;

	make_pipe(fds);
	p = (struct pollfd){fds[0], POLLIN, 0};
	long start = now_ms();
	expect_ret(poll(&p, 1, 30), 0, "poll for 30 ms of an empty pipe: times out");
	check(waited(start, 30), "...after 30 ms");

	start = now_ms();
	expect_ret(poll(NULL, 0, 20), 0, "poll of nothing for 20 ms: a sleep");
	check(waited(start, 20), "...of 20 ms");

	p = (struct pollfd){fds[1], POLLOUT, 0};
	start = now_ms();
	expect_ret(poll(&p, 1, -1), 1, "poll with no timeout of a ready fd");
	check(now_ms() - start < 1000, "...returns at once");

	struct timespec ts = {0, 25 * 1000 * 1000};
	p = (struct pollfd){fds[0], POLLIN, 0};
	start = now_ms();
	expect_ret(syscall(SYS_ppoll, &p, 1L, &ts, NULL, 8L), 0, "ppoll for 25 ms: times out");
	check(waited(start, 25), "...after 25 ms");
	check(ts.tv_sec == 0 && ts.tv_nsec == 0, "ppoll: the time left is written back (0)");

	ts = (struct timespec){5, 0};
	p = (struct pollfd){fds[1], POLLOUT, 0};
	expect_ret(syscall(SYS_ppoll, &p, 1L, &ts, NULL, 8L), 1, "ppoll of a ready fd");
	check(ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0),
	      "...leaves nearly all of the timeout");

	ts = (struct timespec){0, 1000000000};
	expect_err(syscall(SYS_ppoll, &p, 1L, &ts, NULL, 8L), EINVAL, "ppoll: tv_nsec = 1e9");
	ts = (struct timespec){-1, 0};
	expect_err(syscall(SYS_ppoll, &p, 1L, &ts, NULL, 8L), EINVAL, "ppoll: tv_sec = -1");
	expect_err(syscall(SYS_ppoll, &p, 1L, 16L, NULL, 8L), EFAULT, "ppoll: a bad timeout");
	close(fds[0]);
	close(fds[1]);
}

static void test_ppoll_sigmask(void)
{
	int fds[2];
	sigset_t mask, usr2, now;
	uint64_t kmask = 1ULL << (SIGUSR2 - 1);

	make_pipe(fds);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	struct pollfd p = {fds[1], POLLOUT, 0};
	struct timespec ts = {0, 0};
	expect_err(syscall(SYS_ppoll, &p, 1L, &ts, &kmask, 4L), EINVAL, "ppoll: sigsetsize 4");
	expect_err(syscall(SYS_ppoll, &p, 1L, &ts, 16L, 8L), EFAULT, "ppoll: a bad sigmask");
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	expect_ret(ppoll(&p, 1, &ts, &usr2), 1, "ppoll with a mask");
	sigprocmask(SIG_SETMASK, NULL, &now);
	check(sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2),
	      "ppoll: the old mask is back afterwards");

	fd_set w;
	FD_ZERO(&w);
	FD_SET(fds[1], &w);
	expect_ret(pselect(fds[1] + 1, NULL, &w, NULL, &ts, &usr2), 1, "pselect with a mask");
	sigprocmask(SIG_SETMASK, NULL, &now);
	check(sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2),
	      "pselect: the old mask is back afterwards");
	sigemptyset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	close(fds[0]);
	close(fds[1]);
}

/* select through the raw syscall, so the libc cannot swap it for pselect6. */
static long sys_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	return syscall(SYS_select, (long)n, r, w, e, tv);
}

static void test_select(void)
{
	int fds[2];
	fd_set r, w, e;
	struct timeval tv = {0, 0};

	make_pipe(fds);
	int n = fds[1] + 1;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fds[0], &r);
	FD_SET(fds[1], &w);
	FD_SET(fds[0], &e);
	expect_ret(sys_select(n, &r, &w, &e, &tv), 1, "select on an empty pipe: 1 ready");
	check(!FD_ISSET(fds[0], &r) && FD_ISSET(fds[1], &w) && !FD_ISSET(fds[0], &e),
	      "...the write end, for writing");

	write(fds[1], "a", 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fds[0], &r);
	FD_SET(fds[1], &w);
	FD_SET(fds[1], &r);
	expect_ret(sys_select(n, &r, &w, NULL, &tv), 2, "select after a write: 2 ready");
	check(FD_ISSET(fds[0], &r) && FD_ISSET(fds[1], &w) && !FD_ISSET(fds[1], &r),
	      "...read end readable, write end writable (not readable)");

	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	FD_SET(0, &w);
	FD_CLR(0, &w);
	expect_ret(sys_select(n, &r, NULL, NULL, NULL), 1, "select with no timeout, fd ready");

	/* Below 64: Linux ignores fds beyond its fd table's size, which varies. */
	FD_ZERO(&r);
	FD_SET(60, &r);
	expect_err(sys_select(61, &r, NULL, NULL, &tv), EBADF, "select of a closed fd");
	expect_err(sys_select(-1, NULL, NULL, NULL, &tv), EINVAL, "select with n = -1");
	tv = (struct timeval){0, -1};
	expect_err(sys_select(0, NULL, NULL, NULL, &tv), EINVAL, "select: tv_usec = -1");
	tv = (struct timeval){-1, 0};
	expect_err(sys_select(0, NULL, NULL, NULL, &tv), EINVAL, "select: tv_sec = -1");
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv = (struct timeval){0, 0};
	expect_err(sys_select(n, (fd_set *)16, NULL, NULL, &tv), EFAULT, "select: a bad fd_set");

	/* Whole seconds in tv_usec are folded into tv_sec, not refused. */
	FD_ZERO(&w);
	FD_SET(fds[1], &w);
	tv = (struct timeval){0, 1500000};
	expect_ret(sys_select(n, NULL, &w, NULL, &tv), 1, "select: tv_usec = 1.5 s is allowed");
	check(tv.tv_sec == 1 || (tv.tv_sec == 0 && tv.tv_usec > 400000),
	      "...and the time left is written back");

	char c;
	read(fds[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv = (struct timeval){0, 30000};
	long start = now_ms();
	expect_ret(sys_select(n, &r, NULL, NULL, &tv), 0, "select for 30 ms: times out");
	check(waited(start, 30), "...after 30 ms");
	check(tv.tv_sec == 0 && tv.tv_usec == 0, "...with 0 left written back");
	check(!FD_ISSET(fds[0], &r), "...and the sets cleared");

	tv = (struct timeval){0, 20000};
	start = now_ms();
	expect_ret(sys_select(0, NULL, NULL, NULL, &tv), 0, "select of nothing: a 20 ms sleep");
	check(waited(start, 20), "...of 20 ms");

	close(fds[1]);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv = (struct timeval){0, 0};
	expect_ret(sys_select(n, &r, NULL, NULL, &tv), 1,
		   "writer closed: the read end is readable");
	close(fds[0]);

	make_pipe(fds);
	close(fds[0]);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fds[1], &r);
	FD_SET(fds[1], &w);
	expect_ret(sys_select(fds[1] + 1, &r, &w, NULL, &tv), 2,
		   "reader closed: the write end is readable and writable (POLLERR)");
	close(fds[1]);
}

static void test_pselect6(void)
{
	int fds[2];
	fd_set r, w;
	struct timespec ts = {0, 20 * 1000 * 1000};
	uint64_t kmask = 0;
	struct {
		void *p;
		size_t size;
	} pack = {&kmask, 8};

	make_pipe(fds);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	long start = now_ms();
	expect_ret(syscall(SYS_pselect6, (long)fds[0] + 1, &r, NULL, NULL, &ts, &pack), 0,
		   "pselect6 for 20 ms: times out");
	check(waited(start, 20), "...after 20 ms");
	check(ts.tv_sec == 0 && ts.tv_nsec == 0, "...with 0 left written back");

	FD_ZERO(&w);
	FD_SET(fds[1], &w);
	expect_ret(syscall(SYS_pselect6, (long)fds[1] + 1, NULL, &w, NULL, NULL, NULL), 1,
		   "pselect6 with no timeout and no mask, fd ready");
	pack.size = 4;
	expect_err(syscall(SYS_pselect6, (long)fds[1] + 1, NULL, &w, NULL, NULL, &pack), EINVAL,
		   "pselect6: sigsetsize 4");
	pack.p = NULL;
	expect_ret(syscall(SYS_pselect6, (long)fds[1] + 1, NULL, &w, NULL, NULL, &pack), 1,
		   "pselect6: no mask, so its size is not checked");
	expect_err(syscall(SYS_pselect6, (long)fds[1] + 1, NULL, &w, NULL, NULL, 16L), EFAULT,
		   "pselect6: a bad sigmask pack");
	ts = (struct timespec){0, -1};
	expect_err(syscall(SYS_pselect6, (long)fds[1] + 1, NULL, &w, NULL, &ts, NULL), EINVAL,
		   "pselect6: tv_nsec = -1");
	close(fds[0]);
	close(fds[1]);
}

static void test_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 1;
	fd_set r, w;
	struct timeval tv = {0, 0};

	expect_ret(poll1(fd, POLLIN | POLLOUT), POLLOUT, "eventfd at 0: POLLOUT");
	FD_ZERO(&r);
	FD_SET(fd, &r);
	expect_ret(sys_select(fd + 1, &r, NULL, NULL, &tv), 0, "select: eventfd at 0 not readable");
	write(fd, &v, sizeof(v));
	expect_ret(poll1(fd, POLLIN | POLLOUT), POLLIN | POLLOUT, "eventfd at 1: IN | OUT");
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	expect_ret(sys_select(fd + 1, &r, &w, NULL, &tv), 2, "select: readable and writable");
	read(fd, &v, sizeof(v));
	expect_ret(poll1(fd, POLLIN), 0, "eventfd read back to 0: not readable");

	struct pollfd p = {fd, POLLIN, 0};
	long start = now_ms();
	expect_ret(poll(&p, 1, 20), 0, "poll of an eventfd at 0 for 20 ms: times out");
	check(waited(start, 20), "...after 20 ms");
	close(fd);
}

int main(void)
{
	guest_start("poll");
	test_poll_pipe();
	test_poll_args();
	test_poll_timeouts();
	test_ppoll_sigmask();
	test_select();
	test_pselect6();
	test_eventfd();
	return guest_finish();
}
