// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd: the counter's read and write rules, semaphore mode, flags,
 * the overflow limit, readiness for poll, fstat (one anon inode shared
 * with epoll), and the /proc/self/fd link text of each anon inode kind.
 *
 * Reads and writes that another thread ends are in pipe_block.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "guest_test.h"

static long efd_write(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v));
}

/* The counter read, or -1 with errno set. */
static long long efd_read(int fd)
{
	uint64_t v;
	long r = read(fd, &v, sizeof(v));
	if (r != sizeof(v))
		return r < 0 ? -1 : -2;
	return (long long)v;
}

static int revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM, 0};
	return poll(&p, 1, 0) < 0 ? -errno : p.revents;
}

static void test_counter(void)
{
	int fd = syscall(SYS_eventfd2, 0L, (long)EFD_NONBLOCK);
	check(fd >= 0, "eventfd2(0, EFD_NONBLOCK)");
	expect_err(efd_read(fd), EAGAIN, "read of a zero counter");
	expect_ret(efd_write(fd, 5), 8, "write 5");
	expect_ret(efd_write(fd, 3), 8, "write 3");
	expect_ret(efd_read(fd), 8, "read: the sum, 8");
	expect_err(efd_read(fd), EAGAIN, "read after it: the counter is zero again");
	expect_ret(efd_write(fd, 0), 8, "write 0");
	expect_err(efd_read(fd), EAGAIN, "...adds nothing");

	uint32_t small = 1;
	expect_err(write(fd, &small, sizeof(small)), EINVAL, "write of 4 bytes");
	expect_err(read(fd, &small, sizeof(small)), EINVAL, "read into 4 bytes");
	/* (A longer write is EINVAL since Linux 6.6, fine before: not checked.) */
	uint64_t two[2] = {0, 9};
	efd_write(fd, 7);
	expect_ret(read(fd, two, sizeof(two)), 8, "read into 16 bytes gives 8");
	expect_ret(two[0], 7, "...the value 7");
	expect_err(syscall(SYS_write, fd, 16L, 8L), EFAULT, "write from a bad pointer");
	expect_ret(lseek(fd, 5, SEEK_SET), 0, "lseek: a no-op at 0");
	expect_err(pread(fd, two, 8, 0), ESPIPE, "pread");

	expect_err(efd_write(fd, UINT64_MAX), EINVAL, "write 2^64 - 1");
	expect_ret(efd_write(fd, UINT64_MAX - 1), 8, "write 2^64 - 2, the largest count");
	expect_err(efd_write(fd, 1), EAGAIN, "write 1 more: it would overflow");
	expect_ret(efd_read(fd) == (long long)(UINT64_MAX - 1), 1, "read: 2^64 - 2");
	close(fd);

	fd = syscall(SYS_eventfd, 7L);
	check(fd >= 0, "eventfd(7)");
	expect_ret(efd_read(fd), 7, "read: the initial value");
	close(fd);
}

static void test_semaphore(void)
{
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	expect_ret(efd_read(fd), 1, "semaphore: read 1");
	expect_ret(efd_read(fd), 1, "semaphore: read 1 again");
	expect_ret(efd_read(fd), 1, "semaphore: and a third time");
	expect_err(efd_read(fd), EAGAIN, "semaphore: then EAGAIN");
	efd_write(fd, 2);
	expect_ret(efd_read(fd), 1, "semaphore: after write 2, read 1");
	close(fd);
}

static void test_flags(void)
{
	expect_err(syscall(SYS_eventfd2, 0L, (long)O_APPEND), EINVAL, "eventfd2(O_APPEND)");
	int fd = syscall(SYS_eventfd2, 0L, (long)EFD_CLOEXEC);
	expect_ret(fcntl(fd, F_GETFD), FD_CLOEXEC, "EFD_CLOEXEC: FD_CLOEXEC set");
	expect_ret(fcntl(fd, F_GETFL), O_RDWR, "F_GETFL: O_RDWR");
	close(fd);
	fd = eventfd(0, EFD_NONBLOCK);
	expect_ret(fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK, "EFD_NONBLOCK: F_GETFL");
	expect_ret(fcntl(fd, F_GETFD), 0, "no EFD_CLOEXEC: FD_CLOEXEC clear");
	close(fd);
}

static void test_poll(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	expect_ret(revents(fd), POLLOUT, "poll of a zero counter: POLLOUT only");
	efd_write(fd, 1);
	expect_ret(revents(fd), POLLIN | POLLOUT, "after a write: POLLIN | POLLOUT");
	efd_read(fd);
	expect_ret(revents(fd), POLLOUT, "after the read: POLLOUT");
	efd_write(fd, UINT64_MAX - 1);
	expect_ret(revents(fd), POLLIN, "at the limit: POLLIN only");
	close(fd);
}

/* (writev of 4 + 4 bytes works only since write became write_iter: not checked.) */
static void test_vectors(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	efd_write(fd, 5);
	uint32_t a = 0, b = 1;
	struct iovec in[2] = {{&a, 4}, {&b, 4}};
	expect_ret(readv(fd, in, 2), 8, "readv into 4 + 4 bytes");
	check(a == 5 && b == 0, "readv: the value, split across the iovecs");
	close(fd);
}

static void test_fstat(void)
{
	int fd = eventfd(0, 0), fd2 = eventfd(0, 0);
	struct stat st, st2;
	expect_ret(fstat(fd, &st), 0, "fstat");
	fstat(fd2, &st2);
	expect_ret(st.st_mode, 0600, "fstat: mode 0600, no file type (anon inode)");
	check(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev,
	      "fstat: every eventfd shares one inode");
	/* Linux's anon_inodefs has one inode for eventfds, epolls, timerfds... alike. */
	int epfd = epoll_create1(0);
	struct stat est;
	expect_ret(fstat(epfd, &est), 0, "fstat of an epoll fd");
	check(est.st_ino == st.st_ino && est.st_dev == st.st_dev,
	      "fstat: an eventfd and an epoll fd share one inode");
	close(epfd);
	close(fd);
	close(fd2);
}

/* readlink of /proc/self/fd/<fd> is exactly want; closes fd. */
static void expect_fd_link(int fd, const char *want)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (!check(n >= 0, "readlink of the fd link of %s", want)) {
		close(fd);
		return;
	}
	buf[n] = 0;
	check(!strcmp(buf, want), "fd link reads \"%s\" (got \"%s\")", want, buf);
	close(fd);
}

/* Linux names each anon inode file by its kind, one inode or not. */
static void test_fd_links(void)
{
	expect_fd_link(eventfd(0, 0), "anon_inode:[eventfd]");
	expect_fd_link(timerfd_create(CLOCK_MONOTONIC, 0), "anon_inode:[timerfd]");
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	expect_fd_link(signalfd(-1, &mask, 0), "anon_inode:[signalfd]");
	expect_fd_link(epoll_create1(0), "anon_inode:[eventpoll]");
}

int main(void)
{
	guest_start("eventfd");
	test_counter();
	test_semaphore();
	test_flags();
	test_poll();
	test_vectors();
	test_fstat();
	test_fd_links();
	return guest_finish();
}
