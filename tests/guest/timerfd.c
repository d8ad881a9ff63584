// SPDX-License-Identifier: Apache-2.0
/*
 * timerfd: create flags and clocks, settime/gettime (relative, absolute,
 * periodic, disarm, old value), reads of the expiration count (blocking,
 * nonblocking, short buffers), poll and select readiness, a blocked read
 * that a signal interrupts, bad arguments. Times are checked against
 * ranges, never printed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

#define MS 1000000LL
#define SEC 1000000000LL

static long long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static long long tfd_read(int fd)
{
	uint64_t v;
	long r = read(fd, &v, sizeof(v));
	if (r != sizeof(v))
		return r < 0 ? -1 : -2;
	return (long long)v;
}

static int revents(int fd, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	int n = poll(&p, 1, timeout_ms);
	return n < 0 ? -errno : p.revents;
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * MS};
	nanosleep(&ts, NULL);
}

static void test_create(void)
{
	expect_err(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL, "timerfd_create(bad flags)");
	expect_err(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL,
		   "timerfd_create(CLOCK_PROCESS_CPUTIME_ID)");
	expect_err(timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL,
		   "timerfd_create(CLOCK_MONOTONIC_RAW)");
	expect_err(timerfd_create(1000, 0), EINVAL, "timerfd_create(bad clock)");
	static const clockid_t ok[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	static const char *names[] = {"REALTIME", "MONOTONIC", "BOOTTIME"};
	for (int i = 0; i < 3; i++) {
		int fd = timerfd_create(ok[i], 0);
		check(fd >= 0, "timerfd_create(CLOCK_%s)", names[i]);
		close(fd);
	}
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	check(fd >= 0, "timerfd_create(TFD_NONBLOCK | TFD_CLOEXEC)");
	check(fcntl(fd, F_GETFL) & O_NONBLOCK, "...O_NONBLOCK is set");
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "...FD_CLOEXEC is set");
	struct stat st;
	check(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600 && !(st.st_mode & S_IFMT),
	      "fstat: an anonymous inode, mode 0600");
	struct itimerspec cur;
	expect_ret(timerfd_gettime(fd, &cur), 0, "timerfd_gettime of a new timerfd");
	check(!cur.it_value.tv_sec && !cur.it_value.tv_nsec && !cur.it_interval.tv_sec &&
		      !cur.it_interval.tv_nsec,
	      "...disarmed");
	expect_err(tfd_read(fd), EAGAIN, "read of a disarmed nonblocking timerfd");
	expect_err(write(fd, "12345678", 8), EINVAL, "write");
	close(fd);
}

static void test_oneshot(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = {.it_value = {0, 50 * MS}}, cur, old;
	expect_ret(timerfd_settime(fd, 0, &its, NULL), 0, "timerfd_settime(50 ms)");
	timerfd_gettime(fd, &cur);
	check(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
		      cur.it_value.tv_nsec <= 50 * MS,
	      "timerfd_gettime: at most 50 ms left");
	expect_err(tfd_read(fd), EAGAIN, "read before expiry: EAGAIN");
	check(revents(fd, 0) == 0, "poll before expiry: nothing");
	int r = revents(fd, 10000);
	check(r == POLLIN, "poll waits until it expires: POLLIN");
	uint32_t small;
	expect_err(read(fd, &small, sizeof(small)), EINVAL, "read into 4 bytes");
	expect_ret(tfd_read(fd), 1, "read: 1 expiration");
	expect_err(tfd_read(fd), EAGAIN, "read again: EAGAIN");
	timerfd_gettime(fd, &cur);
	check(!cur.it_value.tv_sec && !cur.it_value.tv_nsec, "timerfd_gettime after expiry: 0");

	its.it_value = (struct timespec){10, 0};
	timerfd_settime(fd, 0, &its, NULL);
	struct itimerspec zero = {{0, 0}, {0, 0}};
	expect_ret(timerfd_settime(fd, 0, &zero, &old), 0, "timerfd_settime(0) disarms");
	check(old.it_value.tv_sec >= 8 && old.it_value.tv_sec <= 10,
	      "...old value: about 10 s left");
	close(fd);
}

static void test_periodic(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = {.it_interval = {0, 10 * MS}, .it_value = {0, 10 * MS}}, cur;
	timerfd_settime(fd, 0, &its, NULL);
	msleep(100);
	long long n = tfd_read(fd);
	check(n >= 5, "periodic 10 ms, read after 100 ms: several expirations");
	n = tfd_read(fd);
	check(n >= 1 && n <= 3, "blocking read then: waits for the next one");
	timerfd_gettime(fd, &cur);
	check(cur.it_interval.tv_nsec == 10 * MS && cur.it_value.tv_sec == 0 &&
		      cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10 * MS,
	      "timerfd_gettime: interval 10 ms, the next expiry within it");

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	struct timeval tv = {10, 0};
	check(select(fd + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &rd),
	      "select sees it readable");
	close(fd);
}

static void test_epoll(void)
{
	int ep = epoll_create1(0);
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7}, out[2];
	expect_ret(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0, "epoll_ctl(ADD timerfd)");
	expect_ret(epoll_wait(ep, out, 2, 0), 0, "epoll_wait before it is armed: nothing");
	struct itimerspec its = {.it_value = {0, 20 * MS}};
	timerfd_settime(fd, 0, &its, NULL);
	expect_ret(epoll_wait(ep, out, 2, 10000), 1, "epoll_wait until it expires: 1 event");
	check(out[0].events == EPOLLIN && out[0].data.u64 == 7, "...EPOLLIN, our data");
	expect_ret(tfd_read(fd), 1, "read: 1");
	expect_ret(epoll_wait(ep, out, 2, 0), 0, "epoll_wait after the read: nothing");
	close(fd);
	close(ep);
}

static void test_abstime(void)
{
	static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	static const char *names[] = {"REALTIME", "MONOTONIC", "BOOTTIME"};
	for (int i = 0; i < 3; i++) {
		int fd = timerfd_create(clocks[i], 0);
		long long at = now_ns(clocks[i]) + 30 * MS;
		struct itimerspec its = {.it_value = {at / SEC, at % SEC}};
		expect_ret(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0,
			   "timerfd_settime(CLOCK_%s, TFD_TIMER_ABSTIME, now + 30 ms)", names[i]);
		expect_ret(tfd_read(fd), 1, "...read blocks until then: 1");
		check(now_ns(clocks[i]) >= at, "...the clock has passed the time");
		its.it_value = (struct timespec){1, 0};
		timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
		expect_ret(tfd_read(fd), 1, "...a time in the past expires at once");
		close(fd);
	}
	int fd = timerfd_create(CLOCK_REALTIME, 0);
	long long at = now_ns(CLOCK_REALTIME) + 20 * MS;
	struct itimerspec its = {.it_value = {at / SEC, at % SEC}};
	expect_ret(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL), 0,
		   "timerfd_settime(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)");
	expect_ret(tfd_read(fd), 1, "...expires normally");
	close(fd);
}

static volatile sig_atomic_t got_alarm;

static void on_alarm(int sig GUEST_UNUSED)
{
	got_alarm = 1;
}

static void test_read_eintr(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = {.it_value = {100, 0}};
	timerfd_settime(fd, 0, &its, NULL);
	struct itimerval it = {.it_value = {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	expect_err(tfd_read(fd), EINTR, "blocked read, SIGALRM handler: EINTR");
	check(got_alarm, "...the handler ran");
	close(fd);
}

static void test_errors(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = {.it_value = {0, SEC}}, cur;
	expect_err(timerfd_settime(fd, 0, &its, NULL), EINVAL, "timerfd_settime(tv_nsec 1e9)");
	its = (struct itimerspec){.it_value = {-1, 0}};
	expect_err(timerfd_settime(fd, 0, &its, NULL), EINVAL, "timerfd_settime(tv_sec -1)");
	its = (struct itimerspec){.it_value = {1, 0}};
	expect_err(timerfd_settime(fd, 0x100, &its, NULL), EINVAL, "timerfd_settime(bad flags)");
	expect_err(timerfd_settime(-1, 0x100, &its, NULL), EINVAL,
		   "timerfd_settime(bad fd, bad flags): flags first");
	expect_err(timerfd_settime(1000, 0, &its, NULL), EBADF, "timerfd_settime(closed fd)");
	expect_err(timerfd_gettime(1000, &cur), EBADF, "timerfd_gettime(closed fd)");
	int p[2];
	check(pipe(p) == 0, "pipe");
	expect_err(timerfd_settime(p[0], 0, &its, NULL), EINVAL, "timerfd_settime(a pipe)");
	expect_err(timerfd_gettime(p[0], &cur), EINVAL, "timerfd_gettime(a pipe)");
	expect_err(syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL), EFAULT,
		   "timerfd_settime(bad new pointer)");
	expect_err(syscall(SYS_timerfd_gettime, fd, (void *)8), EFAULT,
		   "timerfd_gettime(bad pointer)");
	expect_err(syscall(SYS_timerfd_settime, fd, 0, &its, (void *)8), EFAULT,
		   "timerfd_settime(bad old pointer)");
	close(p[0]);
	close(p[1]);
	close(fd);
}

int main(void)
{
	guest_start("timerfd");
	test_create();
	test_oneshot();
	test_periodic();
	test_epoll();
	test_abstime();
	test_read_eintr();
	test_errors();
	return guest_finish();
}
