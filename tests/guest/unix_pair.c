// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX socketpairs: stream data and EOF, datagram and seqpacket record
 * boundaries (MSG_TRUNC, MSG_PEEK), nonblocking EAGAIN, shutdown and
 * EPIPE/SIGPIPE, poll readiness, FIONREAD, fstat, socket options, the
 * errors of bad arguments and of non-socket fds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

#include "guest_test.h"

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static const char *events(short ev)
{
	static char s[64];
	s[0] = 0;
	if (ev & POLLIN)
		strcat(s, "IN ");
	if (ev & POLLOUT)
		strcat(s, "OUT ");
	if (ev & POLLRDHUP)
		strcat(s, "RDHUP ");
	if (ev & POLLHUP)
		strcat(s, "HUP ");
	if (ev & POLLERR)
		strcat(s, "ERR ");
	return s;
}

static short poll1(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void test_create(void)
{
	int sv[2];
	expect_err(socket(AF_INET + 100, SOCK_STREAM, 0), EAFNOSUPPORT, "socket(bad family)");
	expect_err(socket(AF_UNIX, 42, 0), EINVAL, "socket(AF_UNIX, type 42)");
	expect_err(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL, "socket(bad flag)");
	expect_err(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT, "socket(AF_UNIX, proto 7)");
	expect_err(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT, "socket(AF_UNIX, SOCK_RDM)");
	expect_err(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8L), EFAULT,
		   "socketpair(bad ptr)");
	expect_ret(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0,
		   "socketpair(NONBLOCK|CLOEXEC)");
	check(fcntl(sv[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK set");
	check(fcntl(sv[1], F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC set");
	check((fcntl(sv[0], F_GETFL) & O_ACCMODE) == O_RDWR, "O_RDWR");
	struct stat st;
	expect_ret(fstat(sv[0], &st), 0, "fstat(socket)");
	check(S_ISSOCK(st.st_mode), "fstat: S_IFSOCK");
	check((st.st_mode & 0777) == 0777, "fstat: mode 0777");
	check(st.st_nlink == 1, "fstat: nlink 1");
	struct stat st2;
	fstat(sv[1], &st2);
	check(st.st_dev == st2.st_dev && st.st_ino != st2.st_ino, "fstat: one sockfs, own inodes");
	char link[64], want[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", sv[0]);
	ssize_t n = readlink(link, want, sizeof(want) - 1);
	want[n > 0 ? n : 0] = 0;
	char expect[64];
	snprintf(expect, sizeof(expect), "socket:[%lu]", (unsigned long)st.st_ino);
	check(!strcmp(want, expect), "/proc/self/fd link: socket:[ino]");
	expect_err(lseek(sv[0], 0, SEEK_SET), ESPIPE, "lseek(socket)");
	close(sv[0]);
	close(sv[1]);

	int p[2];
	pipe(p);
	int v = 1;
	socklen_t len = sizeof(v);
	expect_err(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &len), ENOTSOCK, "getsockopt(pipe)");
	expect_err(send(p[1], "x", 1, 0), ENOTSOCK, "send(pipe)");
	expect_err(shutdown(p[0], SHUT_RD), ENOTSOCK, "shutdown(pipe)");
	expect_err(listen(p[0], 1), ENOTSOCK, "listen(pipe)");
	expect_err(send(99, "x", 1, 0), EBADF, "send(bad fd)");
	close(p[0]);
	close(p[1]);
}

static void test_stream(void)
{
	int sv[2];
	char buf[64];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	check(poll1(sv[0]) == POLLOUT, "stream: idle poll OUT");
	expect_ret(write(sv[0], "hello", 5), 5, "stream: write");
	expect_ret(send(sv[0], " world", 6, 0), 6, "stream: send");
	int q = -1;
	expect_ret(ioctl(sv[1], FIONREAD, &q), 0, "stream: FIONREAD");
	expect_ret(q, 11, "stream: FIONREAD bytes");
	check(poll1(sv[1]) == (POLLIN | POLLOUT), "stream: poll IN OUT");
	expect_ret(recv(sv[1], buf, 3, MSG_PEEK), 3, "stream: MSG_PEEK 3");
	expect_ret(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 11, "stream: MSG_PEEK spans writes");
	expect_ret(read(sv[1], buf, sizeof(buf)), 11, "stream: read glues writes");
	check(!memcmp(buf, "hello world", 11), "stream: data");
	expect_err(recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN, "stream: MSG_DONTWAIT empty");
	struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
	expect_ret(writev(sv[1], iov, 2), 5, "stream: writev");
	char b1[1], b2[8];
	struct iovec riov[2] = {{b1, 1}, {b2, 8}};
	expect_ret(readv(sv[0], riov, 2), 5, "stream: readv");
	check(b1[0] == 'a' && !memcmp(b2, "bcde", 4), "stream: readv data");

	/* shutdown(SHUT_WR): the peer reads EOF and sees RDHUP; we get EPIPE. */
	expect_ret(shutdown(sv[0], SHUT_WR), 0, "stream: shutdown(SHUT_WR)");
	printf("stream: peer poll after SHUT_WR: %s\n", events(poll1(sv[1])));
	printf("stream: own poll after SHUT_WR: %s\n", events(poll1(sv[0])));
	expect_ret(read(sv[1], buf, sizeof(buf)), 0, "stream: EOF after SHUT_WR");
	signal(SIGPIPE, on_sigpipe);
	expect_err(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "stream: send after SHUT_WR");
	check(sigpipes == 0, "stream: MSG_NOSIGNAL: no SIGPIPE");
	expect_err(write(sv[0], "x", 1), EPIPE, "stream: write after SHUT_WR");
	check(sigpipes == 1, "stream: SIGPIPE raised");
	expect_ret(send(sv[1], "back", 4, 0), 4, "stream: other direction still works");
	expect_ret(read(sv[0], buf, 4), 4, "stream: read other direction");
	expect_err(shutdown(sv[0], 3), EINVAL, "shutdown(how 3)");
	close(sv[1]);
	printf("stream: poll after peer close: %s\n", events(poll1(sv[0])));
	expect_ret(read(sv[0], buf, 4), 0, "stream: read after peer close: EOF");
	expect_err(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "stream: send after peer close");
	close(sv[0]);

	/* Closing with unread data: the peer reads ECONNRESET. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "x", 1);
	close(sv[1]);
	expect_err(read(sv[0], buf, 1), ECONNRESET, "stream: peer closed with unread data");
	expect_ret(read(sv[0], buf, 1), 0, "stream: then EOF");
	close(sv[0]);

	/* Nonblocking writes fill the buffer, then EAGAIN; a reader drains it. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	static char big[65536];
	long total = 0, n;
	while ((n = write(sv[0], big, sizeof(big))) > 0)
		total += n;
	expect_err(n, EAGAIN, "stream: full buffer: EAGAIN");
	check(total > 100000, "stream: buffer holds > 100000 bytes");
	check(!(poll1(sv[0]) & POLLOUT), "stream: full buffer: not writable");
	long got = 0;
	while ((n = read(sv[1], big, sizeof(big))) > 0)
		got += n;
	check(got == total, "stream: drained all that was written");
	check(poll1(sv[0]) & POLLOUT, "stream: drained: writable");
	int outq = -1;
	expect_ret(ioctl(sv[0], TIOCOUTQ, &outq), 0, "stream: SIOCOUTQ");
	expect_ret(outq, 0, "stream: SIOCOUTQ after drain");
	close(sv[0]);
	close(sv[1]);
}

static void test_dgram(int type, const char *name)
{
	int sv[2];
	char buf[64];
	socketpair(AF_UNIX, type, 0, sv);
	expect_ret(send(sv[0], "one", 3, 0), 3, "%s: send one", name);
	expect_ret(send(sv[0], "two!", 4, 0), 4, "%s: send two", name);
	expect_ret(send(sv[0], "", 0, 0), 0, "%s: send empty", name);
	int q = -1;
	ioctl(sv[1], FIONREAD, &q);
	/* Linux sums a SEQPACKET queue, but tells a datagram socket's next message. */
	expect_ret(q, type == SOCK_SEQPACKET ? 7 : 3, "%s: FIONREAD", name);
	expect_ret(recv(sv[1], buf, sizeof(buf), MSG_PEEK), 3, "%s: MSG_PEEK", name);
	expect_ret(recv(sv[1], buf, sizeof(buf), 0), 3, "%s: recv keeps boundaries", name);
	struct msghdr mh = {0};
	struct iovec iov = {buf, 2};
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	expect_ret(recvmsg(sv[1], &mh, MSG_PEEK | MSG_TRUNC), 4, "%s: MSG_TRUNC gives full length",
		   name);
	check(mh.msg_flags & MSG_TRUNC, "%s: msg_flags MSG_TRUNC", name);
	expect_ret(recv(sv[1], buf, 2, 0), 2, "%s: short recv truncates", name);
	expect_ret(recv(sv[1], buf, sizeof(buf), 0), 0, "%s: empty message", name);
	expect_err(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "%s: empty queue", name);
	struct iovec wiov[2] = {{"ab", 2}, {"cd", 2}};
	expect_ret(writev(sv[0], wiov, 2), 4, "%s: writev is one message", name);
	expect_ret(read(sv[1], buf, sizeof(buf)), 4, "%s: read it whole", name);
	int v;
	socklen_t len = sizeof(v);
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
	expect_ret(v, type, "%s: SO_TYPE", name);
	close(sv[0]);
	if (type == SOCK_SEQPACKET) {
		expect_ret(recv(sv[1], buf, sizeof(buf), 0), 0, "%s: EOF after peer close", name);
		expect_err(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE, "%s: send after peer close",
			   name);
	} else {
		expect_err(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN,
			   "%s: no EOF after peer close", name);
		expect_err(send(sv[1], "x", 1, 0), ECONNREFUSED, "%s: send after peer close", name);
		expect_err(send(sv[1], "x", 1, 0), ENOTCONN, "%s: then not connected", name);
	}
	close(sv[1]);
}

static void test_options(void)
{
	int sv[2], v;
	socklen_t len = sizeof(v);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len);
	expect_ret(v, AF_UNIX, "SO_DOMAIN");
	getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &len);
	expect_ret(v, 0, "SO_PROTOCOL");
	getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len);
	expect_ret(v, 0, "SO_ERROR");
	getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	expect_ret(v, 0, "SO_ACCEPTCONN");
	v = 10000;
	expect_ret(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0, "SO_SNDBUF set");
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len);
	expect_ret(v, 20000, "SO_SNDBUF doubled");
	v = 1;
	expect_ret(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0, "SO_SNDBUF tiny");
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len);
	expect_ret(v, 4608, "SO_SNDBUF minimum");
	v = 1;
	expect_ret(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0, "SO_REUSEADDR");
	expect_err(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL,
		   "setsockopt(short optlen)");
	expect_err(setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof(v)), ENOPROTOOPT,
		   "setsockopt(unknown)");
	expect_err(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT,
		   "getsockopt(unknown)");
	expect_err(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8), EFAULT,
		   "getsockopt(bad optlen)");
	struct linger l = {1, 5};
	expect_ret(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0, "SO_LINGER set");
	memset(&l, 0, sizeof(l));
	len = sizeof(l);
	getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &l, &len);
	check(l.l_onoff == 1 && l.l_linger == 5 && len == sizeof(l), "SO_LINGER get");
	struct ucred cr;
	len = sizeof(cr);
	expect_ret(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len), 0, "SO_PEERCRED");
	check(cr.pid == getpid() && cr.uid == geteuid() && cr.gid == getegid(),
	      "SO_PEERCRED: our own pid, uid, gid");
	struct timeval tv = {0, 100000};
	expect_ret(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0, "SO_RCVTIMEO");
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	check(tv.tv_sec == 0 && tv.tv_usec == 100000, "SO_RCVTIMEO get");
	char c;
	expect_err(recv(sv[0], &c, 1, 0), EAGAIN, "recv times out: EAGAIN");
	close(sv[0]);
	close(sv[1]);
}

static void *late_writer(void *arg)
{
	int fd = *(int *)arg;
	struct timespec ts = {0, 50000000};
	nanosleep(&ts, NULL);
	write(fd, "late", 4);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_blocking(void)
{
	int sv[2];
	char buf[8];
	pthread_t th;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pthread_create(&th, NULL, late_writer, &sv[1]);
	expect_ret(read(sv[0], buf, sizeof(buf)), 4, "blocking read woken by a writer");
	pthread_join(th, NULL);
	pthread_create(&th, NULL, late_writer, &sv[1]);
	struct pollfd p = {sv[0], POLLIN, 0};
	expect_ret(poll(&p, 1, 5000), 1, "poll woken by a writer");
	pthread_join(th, NULL);
	read(sv[0], buf, sizeof(buf));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 7}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	pthread_create(&th, NULL, late_writer, &sv[1]);
	expect_ret(epoll_wait(ep, &out, 1, 5000), 1, "epoll woken by a writer");
	check(out.events == EPOLLIN, "epoll: EPOLLIN");
	pthread_join(th, NULL);
	read(sv[0], buf, sizeof(buf));
	shutdown(sv[1], SHUT_WR);
	expect_ret(epoll_wait(ep, &out, 1, 5000), 1, "epoll after peer SHUT_WR");
	check(out.events == (EPOLLIN | EPOLLRDHUP), "epoll: EPOLLIN|EPOLLRDHUP");
	close(ep);

	/* A signal ends a blocking recv with EINTR (no SA_RESTART). */
	int sv2[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv2);
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	expect_err(recv(sv2[0], buf, sizeof(buf), 0), EINTR, "recv interrupted by a signal");
	close(sv2[0]);
	close(sv2[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	guest_start("unix_pair");
	test_create();
	test_stream();
	test_dgram(SOCK_DGRAM, "dgram");
	test_dgram(SOCK_SEQPACKET, "seqpacket");
	test_options();
	test_blocking();
	return guest_finish();
}
