// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX odds and ends: SO_PEEK_OFF on stream and datagram sockets
 * (MSG_PEEK moves it forward, a read moves it back), SIOCINQ/SIOCOUTQ,
 * SO_PEERSEC without an LSM, recvmmsg's timeout, and when SO_PASSCRED
 * credentials ride along (either end's SO_PASSCRED at send time; none:
 * pid 0 and the overflow ids), with autobind.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "guest_test.h"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF 42
#endif
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static int peek_off(int s)
{
	int v = -100;
	socklen_t len = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &len);
	return v;
}

static void set_peek_off(int s, int v)
{
	if (setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)))
		check(false, "setsockopt(SO_PEEK_OFF, %d)", v);
}

/* recv into a string; prints "<what>: <n> \"<data>\"" or the errno. */
static void show_recv(int s, size_t len, int flags, const char *what)
{
	char buf[64] = {0};
	ssize_t n = recv(s, buf, len, flags | MSG_DONTWAIT);
	if (n < 0)
		printf("%s: %s\n", what, guest_errno_name(errno));
	else
		printf("%s: %zd \"%.*s\" (peek_off %d)\n", what, n, (int)n, buf, peek_off(s));
}

static void test_peek_stream(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	expect_ret(peek_off(sv[1]), -1, "stream: SO_PEEK_OFF starts off");
	set_peek_off(sv[1], 0);
	write(sv[0], "abcdef", 6);
	write(sv[0], "ghij", 4);
	show_recv(sv[1], 2, MSG_PEEK, "stream: peek 2");
	show_recv(sv[1], 3, MSG_PEEK, "stream: peek 3");
	show_recv(sv[1], 10, MSG_PEEK, "stream: peek 10 (across writes)");
	show_recv(sv[1], 3, 0, "stream: read 3");
	show_recv(sv[1], 10, MSG_PEEK, "stream: peek past the end");
	set_peek_off(sv[1], 1);
	show_recv(sv[1], 2, MSG_PEEK, "stream: peek 2 at 1");
	show_recv(sv[1], 10, 0, "stream: read 10");
	set_peek_off(sv[1], -1);
	write(sv[0], "xyz", 3);
	show_recv(sv[1], 2, MSG_PEEK, "stream: peek 2, off again");
	show_recv(sv[1], 2, MSG_PEEK, "stream: peek 2 once more");
	set_peek_off(sv[1], -7);
	expect_ret(peek_off(sv[1]), -7, "stream: a negative offset reads back as set");
	close(sv[0]);
	close(sv[1]);
}

static void test_peek_dgram(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	expect_ret(peek_off(sv[1]), -1, "dgram: SO_PEEK_OFF starts off");
	set_peek_off(sv[1], 0);
	send(sv[0], "one", 3, 0);
	send(sv[0], "two2", 4, 0);
	send(sv[0], "three", 5, 0);
	show_recv(sv[1], 64, MSG_PEEK, "dgram: peek");
	show_recv(sv[1], 64, MSG_PEEK, "dgram: peek again");
	show_recv(sv[1], 2, MSG_PEEK, "dgram: peek 2 of the third");
	show_recv(sv[1], 64, 0, "dgram: read");
	show_recv(sv[1], 64, MSG_PEEK, "dgram: peek at 3 past one");
	set_peek_off(sv[1], 2);
	show_recv(sv[1], 64, MSG_PEEK, "dgram: peek at 2");
	set_peek_off(sv[1], 4);
	char buf[8];
	ssize_t n = recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	printf("dgram: peek at 4 with MSG_TRUNC: %zd \"%.2s\" (peek_off %d)\n", n, buf,
	       peek_off(sv[1]));
	show_recv(sv[1], 64, 0, "dgram: read");
	show_recv(sv[1], 64, 0, "dgram: read");
	close(sv[0]);
	close(sv[1]);
}

static void test_ioctls(void)
{
	int sv[2], v = -1;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "abcdef", 6);
	write(sv[0], "gh", 2);
	expect_ret(ioctl(sv[1], SIOCINQ, &v) ? -1 : v, 8, "stream: SIOCINQ, all queued bytes");
	char b[3];
	read(sv[1], b, 3);
	expect_ret(ioctl(sv[1], SIOCINQ, &v) ? -1 : v, 5, "stream: SIOCINQ after a read");
	expect_ret(ioctl(sv[1], SIOCOUTQ, &v) ? -1 : v, 0, "stream: SIOCOUTQ of the reader");
	check(!ioctl(sv[0], SIOCOUTQ, &v) && v > 0, "stream: SIOCOUTQ of the writer > 0");
	close(sv[0]);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	send(sv[0], "12345", 5, 0);
	send(sv[0], "1234567", 7, 0);
	expect_ret(ioctl(sv[1], SIOCINQ, &v) ? -1 : v, 5, "dgram: SIOCINQ, the next datagram");
	close(sv[0]);
	close(sv[1]);

	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	bind(l, (struct sockaddr *)&sa, sizeof(sa_family_t));
	listen(l, 1);
	expect_err(ioctl(l, SIOCINQ, &v), EINVAL, "listener: SIOCINQ");
	close(l);
}

static void test_peersec(void)
{
	int sv[2];
	char buf[64];
	socklen_t len = sizeof(buf);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	expect_err(getsockopt(sv[0], SOL_SOCKET, SO_PEERSEC, buf, &len), ENOPROTOOPT,
		   "SO_PEERSEC without a security module");
	close(sv[0]);
	close(sv[1]);
}

static void test_recvmmsg_timeout(void)
{
	int sv[2];
	char bufs[4][8];
	struct iovec iov[4];
	struct mmsghdr mm[4];

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	for (int i = 0; i < 5; i++)
		send(sv[0], "d", 1, 0);
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 4; i++) {
		iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec ts = {0, 0};
	expect_ret(recvmmsg(sv[1], mm, 4, 0, &ts), 1, "recvmmsg, zero timeout: one message");
	ts = (struct timespec){5, 0};
	expect_ret(recvmmsg(sv[1], mm, 3, 0, &ts), 3, "recvmmsg, 5 s timeout: all it asks");
	check(ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0),
	      "recvmmsg: the time left is written back");
	ts = (struct timespec){0, 1000000000};
	expect_err(recvmmsg(sv[1], mm, 1, 0, &ts), EINVAL, "recvmmsg: tv_nsec 1e9");
	ts = (struct timespec){-1, 0};
	expect_err(recvmmsg(sv[1], mm, 1, 0, &ts), EINVAL, "recvmmsg: negative timeout");
	expect_err(recvmmsg(sv[1], mm, 1, 0, (struct timespec *)8), EFAULT,
		   "recvmmsg: bad timeout pointer");
	expect_ret(recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL), 1, "recvmmsg without timeout");
	close(sv[0]);
	close(sv[1]);
}

/* Receive one byte with room for credentials; print what came. */
static void show_cred(int s, const char *what)
{
	char c, ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {&c, 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	if (recvmsg(s, &mh, MSG_DONTWAIT) != 1) {
		printf("%s: recvmsg %s\n", what, guest_errno_name(errno));
		return;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_CREDENTIALS) {
		printf("%s: no credentials\n", what);
		return;
	}
	struct ucred uc;
	memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	if (uc.pid == getpid() && uc.uid == getuid() && uc.gid == getgid())
		printf("%s: the sender's\n", what);
	else
		printf("%s: pid %d uid %u gid %u\n", what, uc.pid, uc.uid, uc.gid);
}

static void set_passcred(int s, int on)
{
	setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
}

static void test_creds(void)
{
	int sv[2];
	for (int type = SOCK_STREAM; type <= SOCK_DGRAM; type++) {
		const char *t = type == SOCK_STREAM ? "stream" : "dgram";
		char what[80];
		socketpair(AF_UNIX, type, 0, sv);
		send(sv[0], "a", 1, 0);
		set_passcred(sv[1], 1);
		snprintf(what, sizeof(what), "%s: sent with SO_PASSCRED on neither end", t);
		show_cred(sv[1], what);
		send(sv[0], "b", 1, 0);
		snprintf(what, sizeof(what), "%s: sent with the receiver's SO_PASSCRED", t);
		show_cred(sv[1], what);
		set_passcred(sv[1], 0);
		set_passcred(sv[0], 1);
		send(sv[0], "c", 1, 0);
		set_passcred(sv[1], 1);
		snprintf(what, sizeof(what), "%s: sent with the sender's SO_PASSCRED", t);
		show_cred(sv[1], what);
		set_passcred(sv[1], 0);
		send(sv[0], "d", 1, 0);
		char c;
		recv(sv[1], &c, 1, MSG_DONTWAIT);
		snprintf(what, sizeof(what), "%s: receiver without SO_PASSCRED", t);
		check(c == 'd', "%s", what);
		close(sv[0]);
		close(sv[1]);
	}

	/* A datagram sender with SO_PASSCRED and no name gets one (autobind). */
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX}, got;
	memcpy(sa.sun_path, "\0unix_peek_r", 12);
	socklen_t salen = offsetof(struct sockaddr_un, sun_path) + 12, glen = sizeof(got);
	bind(r, (struct sockaddr *)&sa, salen);
	set_passcred(s, 1);
	sendto(s, "x", 1, 0, (struct sockaddr *)&sa, salen);
	getsockname(s, (struct sockaddr *)&got, &glen);
	check(glen == offsetof(struct sockaddr_un, sun_path) + 6 && got.sun_path[0] == 0,
	      "dgram: SO_PASSCRED sender autobound to an abstract name");
	set_passcred(r, 1);
	show_cred(r, "dgram: sent by an SO_PASSCRED sender, read with it on");
	close(r);
	close(s);
}

int main(void)
{
	guest_start("unix_peek");
	test_peek_stream();
	test_peek_dgram();
	test_ioctls();
	test_peersec();
	test_recvmmsg_timeout();
	test_creds();
	return guest_finish();
}
