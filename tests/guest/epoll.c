// SPDX-License-Identifier: Apache-2.0
/*
 * epoll(7): create and ctl errors in Linux's order, level- and
 * edge-triggered reports, EPOLLONESHOT re-armed by EPOLL_CTL_MOD,
 * EPOLLEXCLUSIVE's rules, nested epolls (readiness, loops, the chain
 * limit), registrations that outlive a closed dup and die with the last
 * one, a thread blocked in epoll_wait woken by another's write,
 * timeouts, and signals (EINTR even with SA_RESTART; epoll_pwait's mask).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define NR_epoll_pwait2 441
#define KERNEL_ADDR ((void *)0xffff800000000000UL)

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, op, fd, &ev);
}

/* One epoll_wait that must report exactly one event: "events/data" or the error. */
static const char *wait_one(int ep, int timeout)
{
	static char s[64];
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, timeout);
	if (n < 0)
		return guest_errno_name(errno);
	if (n != 1) {
		snprintf(s, sizeof(s), "%d events", n);
		return s;
	}
	snprintf(s, sizeof(s), "%#x/%llu", ev[0].events, (unsigned long long)ev[0].data.u64);
	return s;
}

static void expect_str(const char *got, const char *want, const char *what)
{
	if (!check(!strcmp(got, want), "%s: %s", what, want))
		printf("  (got %s)\n", got);
}

static void test_create(void)
{
	expect_err(syscall(SYS_epoll_create, 0L), EINVAL, "epoll_create(0)");
	expect_err(syscall(SYS_epoll_create, -1L), EINVAL, "epoll_create(-1)");
	int ep = epoll_create(1);
	check(ep >= 0, "epoll_create(1)");
	expect_ret(fcntl(ep, F_GETFD), 0, "...no FD_CLOEXEC");
	close(ep);
	expect_err(epoll_create1(1), EINVAL, "epoll_create1(1)");
	ep = epoll_create1(EPOLL_CLOEXEC);
	expect_ret(fcntl(ep, F_GETFD), FD_CLOEXEC, "epoll_create1(EPOLL_CLOEXEC): FD_CLOEXEC");
	expect_ret(fcntl(ep, F_GETFL) & O_ACCMODE, O_RDWR, "...O_RDWR");
	struct stat st;
	expect_ret(fstat(ep, &st), 0, "fstat of an epoll");
	expect_ret(st.st_mode, 0600, "...mode 0600, no file type");
	char c;
	expect_err(read(ep, &c, 1), EINVAL, "read of an epoll");
	expect_err(write(ep, &c, 1), EINVAL, "write to an epoll");
	expect_ret(lseek(ep, 5, SEEK_SET), 0, "lseek of an epoll: 0");
	close(ep);
}

static void test_ctl_errors(void)
{
	int ep = epoll_create1(0), p[2], efd = eventfd(0, 0);
	pipe(p);
	struct epoll_event ev = {.events = EPOLLIN};

	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL), EFAULT, "ADD with a NULL event");
	expect_err(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], NULL), EFAULT, "...EFAULT before EBADF");
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], KERNEL_ADDR), EFAULT,
		   "ADD with a kernel address");
	expect_err(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF, "bad epfd");
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF, "bad fd");
	expect_err(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL, "epfd not an epoll");
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL, "an epoll into itself");
	int ep_dup = dup(ep);
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, ep_dup, &ev), EINVAL, "...even through a dup");
	close(ep_dup);
	expect_err(epoll_ctl(ep, 0, p[0], &ev), EINVAL, "op 0");
	expect_err(epoll_ctl(ep, 4, p[0], &ev), EINVAL, "op 4");
	expect_err(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT, "DEL (NULL event) unknown");
	expect_err(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT, "MOD unknown");

	int reg = open("/tmp/epoll_regular", O_CREAT | O_RDWR | O_TRUNC, 0600);
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM, "a regular file on /tmp: EPERM");
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, reg, NULL), EFAULT, "...EFAULT first");
	expect_err(epoll_ctl(reg, EPOLL_CTL_ADD, ep, &ev), EINVAL, "a regular file as epfd");
	close(reg);
	unlink("/tmp/epoll_regular");
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev), EPERM, "a directory: EPERM");
	close(dir);
	int null = open("/dev/null", O_RDWR);
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, null, &ev), EPERM, "/dev/null: EPERM");
	close(null);
	int opath = open("/tmp", O_PATH);
	expect_err(epoll_ctl(ep, EPOLL_CTL_ADD, opath, &ev), EBADF, "an O_PATH fd: EBADF");
	close(opath);

	expect_ret(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), 0, "ADD a pipe");
	expect_err(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), EEXIST, "ADD it again: EEXIST");
	expect_ret(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 2), 0, "MOD it");
	expect_err(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 2), EINVAL,
		   "MOD with EPOLLEXCLUSIVE");
	expect_err(ctl(ep, 7, p[0], EPOLLIN, 2), EINVAL, "op 7 on a registered fd");
	expect_ret(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], KERNEL_ADDR), 0,
		   "DEL ignores its event pointer");
	expect_err(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT, "DEL again: ENOENT");

	expect_err(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL,
		   "EPOLLEXCLUSIVE with EPOLLONESHOT");
	expect_err(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL,
		   "EPOLLEXCLUSIVE with EPOLLRDHUP");
	expect_err(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLPRI | EPOLLEXCLUSIVE, 0), EINVAL,
		   "EPOLLEXCLUSIVE with EPOLLPRI");
	int ep2 = epoll_create1(0);
	expect_err(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL,
		   "EPOLLEXCLUSIVE on an epoll");
	expect_ret(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLEXCLUSIVE, 5), 0,
		   "EPOLLEXCLUSIVE|EPOLLIN|EPOLLOUT|EPOLLET");
	expect_err(ctl(ep, EPOLL_CTL_MOD, efd, EPOLLIN, 5), EINVAL,
		   "MOD of an exclusive item: EINVAL");
	expect_str(wait_one(ep, 0), "0x4/5", "the exclusive item reports EPOLLOUT");
	expect_ret(ctl(ep, EPOLL_CTL_DEL, efd, 0, 0), 0, "DEL of an exclusive item");
	expect_ret(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLWAKEUP | EPOLLRDHUP, 6), 0,
		   "EPOLLWAKEUP and EPOLLRDHUP accepted");
	close(ep2);
	close(efd);
	close(ep);
	close(p[0]);
	close(p[1]);
}

/* epoll_wait without glibc's checks of the buffer's size. */
static long raw_wait(int ep, void *events, long maxevents, long timeout)
{
	return syscall(SYS_epoll_wait, (long)ep, events, maxevents, timeout);
}

static void test_wait_errors(void)
{
	int ep = epoll_create1(0), efd = eventfd(1, 0), p[2];
	struct epoll_event ev[2];
	pipe(p);

	expect_err(raw_wait(ep, ev, 0, 0), EINVAL, "maxevents 0");
	expect_err(raw_wait(ep, ev, -1, 0), EINVAL, "maxevents -1");
	expect_err(raw_wait(ep, ev, INT32_MAX / 12 + 1, 0), EINVAL, "maxevents past EP_MAX_EVENTS");
	/* Which of EBADF and EINVAL comes first changed in Linux 6.x: not checked. */
	expect_err(raw_wait(-1, ev, 1, 0), EBADF, "bad epfd");
	expect_err(epoll_wait(p[0], ev, 1, 0), EINVAL, "epfd not an epoll");
	expect_err(raw_wait(ep, KERNEL_ADDR, 1, 0), EFAULT, "events at a kernel address");
	expect_ret(raw_wait(ep, NULL, 1, 0), 0, "events NULL, nothing ready: 0");
	ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 7);
	expect_err(raw_wait(ep, NULL, 1, 0), EFAULT, "events NULL, one ready: EFAULT");
	expect_str(wait_one(ep, 0), "0x1/7", "...the event is still there");
	close(efd);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void test_triggers(void)
{
	int ep = epoll_create1(0), p[2];
	char buf[8];
	pipe(p);

	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 10);
	expect_ret(epoll_wait(ep, (struct epoll_event[1]){}, 1, 0), 0, "empty pipe: nothing");
	write(p[1], "ab", 2);
	expect_str(wait_one(ep, 0), "0x1/10", "level-triggered: EPOLLIN");
	expect_str(wait_one(ep, 0), "0x1/10", "...and again while data is there");
	read(p[0], buf, 2);
	expect_str(wait_one(ep, 0), "0 events", "...not after it was read");

	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 11);
	write(p[1], "a", 1);
	expect_str(wait_one(ep, 0), "0x1/11", "edge-triggered: EPOLLIN");
	expect_str(wait_one(ep, 0), "0 events", "...once");
	write(p[1], "b", 1);
	expect_str(wait_one(ep, 0), "0x1/11", "...and again on the next write");
	read(p[0], buf, 2);

	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 12);
	write(p[1], "a", 1);
	expect_str(wait_one(ep, 0), "0x1/12", "EPOLLONESHOT: reported");
	expect_str(wait_one(ep, 0), "0 events", "...once");
	write(p[1], "b", 1);
	expect_str(wait_one(ep, 0), "0 events", "...not even after another write");
	expect_err(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EEXIST, "...still registered");
	expect_ret(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 13), 0, "MOD re-arms it");
	expect_str(wait_one(ep, 0), "0x1/13", "...reported again (data is there)");
	expect_str(wait_one(ep, 0), "0 events", "...once");
	read(p[0], buf, 2);

	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLRDHUP, 14);
	ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 15);
	expect_str(wait_one(ep, 0), "0x4/15", "write end: EPOLLOUT");
	close(p[1]);
	expect_str(wait_one(ep, 0), "0x10/14",
		   "writer closed: the read end has EPOLLHUP (its registration went with it)");
	close(p[0]);

	pipe(p);
	ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLET, 16);
	expect_str(wait_one(ep, 0), "0x4/16", "a new pipe's write end: EPOLLOUT");
	close(p[0]);
	expect_str(wait_one(ep, 0), "0xc/16", "reader closed: EPOLLOUT|EPOLLERR, even for ET");
	close(p[1]);
	close(ep);
}

/* A pipe reopened through /proc/self/fd is a new description of the same pipe. */
static void test_reopen(void)
{
	int ep = epoll_create1(0), p[2];
	char path[64];
	pipe(p);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	int r = open(path, O_RDONLY);
	check(r >= 0, "reopen a pipe's read end through /proc/self/fd");
	expect_ret(ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 90), 0, "...epoll takes it");
	write(p[1], "z", 1);
	expect_str(wait_one(ep, 0), "0x1/90", "...and reports the pipe's data");
	close(r);
	int f = open("/tmp/epoll_reopen", O_CREAT | O_RDWR | O_TRUNC, 0600);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
	r = open(path, O_RDONLY);
	expect_err(ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN, 91), EPERM, "a regular file reopened: EPERM");
	close(r);
	close(f);
	unlink("/tmp/epoll_reopen");
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void test_order_and_eventfd(void)
{
	int ep = epoll_create1(0), e[3];
	struct epoll_event ev[4];
	for (int i = 0; i < 3; i++) {
		e[i] = eventfd(1, EFD_NONBLOCK);
		ctl(ep, EPOLL_CTL_ADD, e[i], EPOLLIN, 20 + i);
	}
	char seq[32] = "";
	for (int i = 0; i < 5; i++) {
		if (epoll_wait(ep, ev, 1, 0) == 1)
			seq[strlen(seq)] = '0' + (char)(ev[0].data.u64 - 20);
	}
	expect_str(seq, "01201", "level-triggered items take turns (maxevents 1)");
	expect_ret(epoll_wait(ep, ev, 4, 0), 3, "all three at once");
	uint64_t v;
	read(e[1], &v, sizeof(v));
	expect_ret(epoll_wait(ep, ev, 4, 0), 2, "one read empty: two");
	expect_ret(ctl(ep, EPOLL_CTL_MOD, e[0], EPOLLIN | EPOLLOUT, 30), 0, "MOD to IN|OUT");
	int n = epoll_wait(ep, ev, 4, 0);
	bool found = false;
	for (int i = 0; i < n; i++)
		if (ev[i].data.u64 == 30)
			found = ev[i].events == (EPOLLIN | EPOLLOUT);
	check(found, "eventfd: EPOLLIN|EPOLLOUT with the new data");
	for (int i = 0; i < 3; i++)
		close(e[i]);
	expect_ret(epoll_wait(ep, ev, 4, 0), 0, "all closed: nothing");
	close(ep);
}

static void test_close(void)
{
	int ep = epoll_create1(0), efd = eventfd(0, 0);
	uint64_t one = 1;

	ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 40);
	int dup_fd = dup(efd);
	close(efd);
	write(dup_fd, &one, sizeof(one));
	expect_str(wait_one(ep, 0), "0x1/40", "a dup keeps the description: still reported");
	expect_err(ctl(ep, EPOLL_CTL_DEL, efd, 0, 0), EBADF, "DEL of the closed fd: EBADF");
	expect_err(ctl(ep, EPOLL_CTL_DEL, dup_fd, 0, 0), ENOENT,
		   "DEL through the dup: ENOENT (another fd number)");
	expect_ret(ctl(ep, EPOLL_CTL_ADD, dup_fd, EPOLLIN, 41), 0,
		   "ADD through the dup: a second registration");
	expect_ret(epoll_wait(ep, (struct epoll_event[4]){}, 4, 0), 2, "...both report");
	close(dup_fd);
	expect_ret(epoll_wait(ep, (struct epoll_event[4]){}, 4, 0), 0,
		   "the last fd closed: both gone");
	int again = eventfd(1, 0);
	expect_ret(ctl(ep, EPOLL_CTL_ADD, again, EPOLLIN, 42), 0,
		   "a new file at the old number: ADD works");
	expect_str(wait_one(ep, 0), "0x1/42", "...and reports");
	close(again);

	/* Closing the epoll while it watches things, and a file in two epolls. */
	int ep2 = epoll_create1(0), p[2];
	pipe(p);
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 43);
	ctl(ep2, EPOLL_CTL_ADD, p[0], EPOLLIN, 44);
	close(ep);
	write(p[1], "x", 1);
	expect_str(wait_one(ep2, 0), "0x1/44", "the other epoll of a closed one still works");
	close(ep2);
	expect_ret(write(p[1], "y", 1), 1, "writing after both epolls closed");
	close(p[0]);
	close(p[1]);
}

static void test_nested(void)
{
	int inner = epoll_create1(0), outer = epoll_create1(0), p[2];
	pipe(p);

	ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, 50);
	expect_ret(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 51), 0, "an epoll inside an epoll");
	struct pollfd pf = {inner, POLLIN | POLLOUT, 0};
	expect_ret(poll(&pf, 1, 0), 0, "poll of an idle epoll: 0");
	expect_str(wait_one(outer, 0), "0 events", "outer: nothing");
	write(p[1], "a", 1);
	expect_ret(poll(&pf, 1, 0), 1, "poll of an epoll with an event: 1");
	expect_ret(pf.revents, POLLIN, "...POLLIN");
	expect_str(wait_one(outer, 0), "0x1/51", "outer: the inner epoll has EPOLLIN");
	expect_str(wait_one(inner, 0), "0x1/50", "inner: the pipe");
	char c;
	read(p[0], &c, 1);
	expect_str(wait_one(outer, 0), "0 events", "data read: outer has nothing");

	expect_err(ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0), ELOOP, "a loop: ELOOP");
	int e[7];
	for (int i = 0; i < 7; i++)
		e[i] = epoll_create1(0);
	int ok = 0;
	for (int i = 1; i < 7; i++) {
		if (ctl(e[i], EPOLL_CTL_ADD, e[i - 1], EPOLLIN, 0))
			break;
		ok++;
	}
	expect_ret(ok, 4, "a chain of five epolls is fine");
	expect_err(ctl(e[5], EPOLL_CTL_ADD, e[4], EPOLLIN, 0), ELOOP, "...a sixth: ELOOP");
	expect_err(ctl(e[0], EPOLL_CTL_ADD, e[6], EPOLLIN, 0), ELOOP,
		   "...nor one below the bottom: ELOOP");
	expect_ret(ctl(e[0], EPOLL_CTL_ADD, p[0], EPOLLIN, 0), 0, "a pipe at the bottom is fine");
	write(p[1], "b", 1);
	expect_str(wait_one(e[4], 0), "0x1/0", "...and its data reaches the top");
	expect_ret(ctl(e[2], EPOLL_CTL_DEL, e[1], 0, 0), 0, "DEL in the middle");
	expect_str(wait_one(e[4], 0), "0 events", "...the top no longer sees it");
	for (int i = 0; i < 7; i++)
		close(e[i]);
	/* Closing the inner epoll drops it from the outer. */
	close(inner);
	expect_str(wait_one(outer, 0), "0 events", "inner closed: gone from the outer");
	close(outer);
	close(p[0]);
	close(p[1]);
}

struct writer {
	int fd;
	long delay_ms;
	pthread_t thread;
};

static void *write_later(void *arg)
{
	struct writer *w = arg;
	sleep_ms(w->delay_ms);
	write(w->fd, "w", 1);
	return NULL;
}

static void start_writer(struct writer *w, int fd, long delay_ms)
{
	*w = (struct writer){.fd = fd, .delay_ms = delay_ms};
	pthread_create(&w->thread, NULL, write_later, w);
}

static void test_blocking(void)
{
	int ep = epoll_create1(0), p[2], inner = epoll_create1(0);
	struct writer w;
	char c;
	pipe(p);

	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 60);
	start_writer(&w, p[1], 50);
	expect_str(wait_one(ep, 5000), "0x1/60", "epoll_wait blocks until another thread writes");
	pthread_join(w.thread, NULL);
	read(p[0], &c, 1);

	start_writer(&w, p[1], 50);
	expect_str(wait_one(ep, -1), "0x1/60", "...with timeout -1");
	pthread_join(w.thread, NULL);
	read(p[0], &c, 1);

	start_writer(&w, p[1], 50);
	struct epoll_event ev;
	expect_ret(syscall(NR_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8L), 1,
		   "epoll_pwait2 with no timeout: woken by the write");
	pthread_join(w.thread, NULL);
	read(p[0], &c, 1);

	/* Through a nested epoll: the wake-up goes pipe -> inner -> outer. */
	ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);
	ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, 61);
	ctl(ep, EPOLL_CTL_ADD, inner, EPOLLIN, 62);
	start_writer(&w, p[1], 50);
	expect_str(wait_one(ep, 5000), "0x1/62", "a blocked outer epoll woken through the inner");
	pthread_join(w.thread, NULL);
	read(p[0], &c, 1);

	/* poll on an epoll fd, woken by the write. */
	struct pollfd pf = {inner, POLLIN, 0};
	start_writer(&w, p[1], 50);
	expect_ret(poll(&pf, 1, 5000), 1, "poll of an epoll woken by a write");
	pthread_join(w.thread, NULL);
	read(p[0], &c, 1);
	close(inner);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void test_timeouts(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev;

	long t0 = now_ms();
	expect_ret(epoll_wait(ep, &ev, 1, 50), 0, "epoll_wait 50 ms: 0");
	check(now_ms() - t0 >= 45, "...after about 50 ms");
	t0 = now_ms();
	expect_ret(epoll_pwait(ep, &ev, 1, 30, NULL), 0, "epoll_pwait 30 ms: 0");
	check(now_ms() - t0 >= 25, "...after about 30 ms");
	struct timespec ts = {0, 40000000};
	t0 = now_ms();
	expect_ret(syscall(NR_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8L), 0, "epoll_pwait2 40 ms: 0");
	check(now_ms() - t0 >= 35, "...after about 40 ms");
	ts = (struct timespec){0, 0};
	expect_ret(syscall(NR_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8L), 0, "epoll_pwait2 zero: 0");
	ts = (struct timespec){0, 1000000000};
	expect_err(syscall(NR_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8L), EINVAL,
		   "epoll_pwait2 tv_nsec 1e9: EINVAL");
	ts = (struct timespec){-1, 0};
	expect_err(syscall(NR_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8L), EINVAL,
		   "epoll_pwait2 tv_sec -1: EINVAL");
	expect_err(syscall(NR_epoll_pwait2, ep, &ev, 1, KERNEL_ADDR, NULL, 8L), EFAULT,
		   "epoll_pwait2 bad timespec: EFAULT");
	expect_err(syscall(NR_epoll_pwait2, -1, &ev, 1, KERNEL_ADDR, NULL, 8L), EFAULT,
		   "...before EBADF");
	sigset_t set;
	sigemptyset(&set);
	expect_err(syscall(SYS_epoll_pwait, ep, &ev, 1, 0L, &set, 4L), EINVAL,
		   "epoll_pwait sigsetsize 4: EINVAL");
	expect_err(syscall(SYS_epoll_pwait, ep, &ev, 1, 0L, KERNEL_ADDR, 8L), EFAULT,
		   "epoll_pwait bad sigmask: EFAULT");
	expect_err(syscall(SYS_epoll_pwait, -1, &ev, 1, 0L, &set, 4L), EINVAL,
		   "...sigsetsize before EBADF");
	close(ep);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

struct kicker {
	pthread_t target, thread;
	volatile bool stop;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;
	while (!k->stop) {
		sleep_ms(20);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

static void kick_start(struct kicker *k)
{
	k->target = pthread_self();
	k->stop = false;
	pthread_create(&k->thread, NULL, kick, k);
}

static void kick_stop(struct kicker *k)
{
	k->stop = true;
	pthread_join(k->thread, NULL);
}

static void test_signals(void)
{
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev;
	struct kicker k;
	struct sigaction sa = {.sa_handler = on_usr1};
	pipe(p);
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 70);

	sigaction(SIGUSR1, &sa, NULL);
	kick_start(&k);
	expect_err(epoll_wait(ep, &ev, 1, 5000), EINTR, "a signal ends epoll_wait: EINTR");
	expect_err(epoll_wait(ep, &ev, 1, -1), EINTR, "...with timeout -1 too");
	kick_stop(&k);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	kick_start(&k);
	expect_err(epoll_wait(ep, &ev, 1, 5000), EINTR, "SA_RESTART: epoll_wait still EINTR");
	kick_stop(&k);

	/* The pselect pattern: blocked outside the wait, taken inside it. */
	sigset_t usr1, empty, now;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	handled = 0;
	raise(SIGUSR1);
	check(handled == 0, "SIGUSR1 blocked: pending");
	expect_err(epoll_pwait(ep, &ev, 1, 5000, &empty), EINTR,
		   "epoll_pwait unblocking it: EINTR");
	check(handled == 1, "...the handler ran once");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "...and SIGUSR1 is blocked again");

	handled = 0;
	raise(SIGUSR1);
	expect_err(syscall(NR_epoll_pwait2, ep, &ev, 1, NULL, &empty, 8L), EINTR,
		   "epoll_pwait2 unblocking it: EINTR");
	check(handled == 1, "...the handler ran once");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "...and SIGUSR1 is blocked again");

	write(p[1], "x", 1);
	handled = 0;
	raise(SIGUSR1);
	expect_ret(epoll_pwait(ep, &ev, 1, 0, &usr1), 1,
		   "epoll_pwait keeping it blocked: the event");
	check(handled == 0, "...no handler");
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	check(handled == 1, "...it runs once unblocked");
	close(ep);
	close(p[0]);
	close(p[1]);
}

/*
 * Files registered, woken and closed on one thread while another waits
 * and a third closes dups: nothing may crash or hang, and at the end
 * every registration is gone with its file.
 */
struct churn {
	int ep, rounds;
	volatile bool stop;
};

static void *churn_files(void *arg)
{
	struct churn *c = arg;
	for (int i = 0; i < c->rounds; i++) {
		int p[2], e = eventfd(1, 0);
		pipe(p);
		ctl(c->ep, EPOLL_CTL_ADD, p[0], EPOLLIN | (i % 2 ? EPOLLET : 0), 1);
		ctl(c->ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | (i % 3 ? EPOLLONESHOT : 0), 2);
		ctl(c->ep, EPOLL_CTL_ADD, e, EPOLLIN, 3);
		int d = dup(p[0]);
		write(p[1], "x", 1);
		close(p[0]);
		close(p[1]);
		close(e);
		close(d);
	}
	c->stop = true;
	return NULL;
}

static void *churn_wait(void *arg)
{
	struct churn *c = arg;
	struct epoll_event ev[8];
	while (!c->stop)
		epoll_wait(c->ep, ev, 8, 1);
	return NULL;
}

static void test_churn(void)
{
	struct churn c = {.ep = epoll_create1(0), .rounds = 500};
	int inner = epoll_create1(0), outer = epoll_create1(0);
	ctl(outer, EPOLL_CTL_ADD, c.ep, EPOLLIN, 0);
	ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0);
	pthread_t a, b, d;
	pthread_create(&a, NULL, churn_files, &c);
	pthread_create(&b, NULL, churn_wait, &c);
	struct churn c2 = {.ep = inner};
	pthread_create(&d, NULL, churn_wait, &c2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	c2.stop = true;
	pthread_join(d, NULL);
	struct epoll_event ev[8];
	expect_ret(epoll_wait(c.ep, ev, 8, 0), 0,
		   "500 rounds of files added and closed: none left");
	expect_ret(epoll_wait(inner, ev, 8, 0), 0, "...nor through two nested epolls");
	close(c.ep);
	close(outer);
	close(inner);
}

/*
 * stdout may be a pipe, a file or a tty: epoll either takes it and finds
 * it writable, or EPERM.
 */
static void test_stdout(void)
{
	int ep = epoll_create1(0);
	int r = ctl(ep, EPOLL_CTL_ADD, 1, EPOLLOUT, 80);
	bool ok;
	if (r == 0) {
		struct epoll_event ev;
		ok = epoll_wait(ep, &ev, 1, 1000) == 1 && (ev.events & EPOLLOUT);
	} else {
		ok = errno == EPERM;
	}
	check(ok, "stdout: writable, or EPERM for a regular file");

	/* stdin is /dev/null here: Linux cannot poll it; a host fd the Sentry polls is readable. */
	close(ep);
	ep = epoll_create1(0);
	r = ctl(ep, EPOLL_CTL_ADD, 0, EPOLLIN, 81);
	if (r == 0) {
		struct epoll_event ev;
		ok = epoll_wait(ep, &ev, 1, 1000) == 1 && ev.events == EPOLLIN;
	} else {
		ok = errno == EPERM;
	}
	check(ok, "stdin: readable, or EPERM for /dev/null");
	close(ep);
}

int main(void)
{
	guest_start("epoll");
	test_create();
	test_ctl_errors();
	test_wait_errors();
	test_triggers();
	test_reopen();
	test_order_and_eventfd();
	test_close();
	test_nested();
	test_blocking();
	test_timeouts();
	test_signals();
	test_churn();
	test_stdout();
	return guest_finish();
}
