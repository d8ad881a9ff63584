// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX names and connections: bind to a path (a socket file appears),
 * to the abstract namespace and by autobind; getsockname/getpeername
 * lengths; listen, connect and accept between processes (fork), with
 * SO_PEERCRED; the backlog; datagrams by address; the errors Linux gives.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "guest_test.h"

static char path[108];

static socklen_t mkaddr(struct sockaddr_un *a, const char *p, bool abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(a->sun_path + 1, p, strlen(p));
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(p);
	}
	strcpy(a->sun_path, p);
	return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static void test_bind(void)
{
	struct sockaddr_un a, got;
	socklen_t len;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	len = sizeof(got);
	expect_ret(getsockname(s, (struct sockaddr *)&got, &len), 0, "getsockname(unbound)");
	expect_ret(len, 2, "getsockname(unbound): len 2");
	check(got.sun_family == AF_UNIX, "getsockname(unbound): AF_UNIX");
	len = sizeof(got);
	expect_err(getpeername(s, (struct sockaddr *)&got, &len), ENOTCONN,
		   "getpeername(unconnected)");
	expect_err(listen(s, 1), EINVAL, "listen(unbound)");

	socklen_t alen = mkaddr(&a, path, false);
	expect_err(bind(s, (struct sockaddr *)&a, 1), EINVAL, "bind(len 1)");
	a.sun_family = AF_INET;
	expect_err(bind(s, (struct sockaddr *)&a, alen), EINVAL, "bind(AF_INET name)");
	a.sun_family = AF_UNIX;
	expect_err(bind(s, (struct sockaddr *)&a, sizeof(a) + 1), EINVAL, "bind(len too big)");
	expect_ret(bind(s, (struct sockaddr *)&a, alen), 0, "bind(path)");
	struct stat st;
	expect_ret(stat(path, &st), 0, "stat(socket file)");
	check(S_ISSOCK(st.st_mode), "socket file is S_IFSOCK");
	expect_err(bind(s, (struct sockaddr *)&a, alen), EADDRINUSE, "bind again (same path)");
	struct sockaddr_un a2;
	char other[120];
	snprintf(other, sizeof(other), "%s.2", path);
	socklen_t a2len = mkaddr(&a2, other, false);
	expect_err(bind(s, (struct sockaddr *)&a2, a2len), EINVAL, "bind again (new path)");
	expect_err(access(other, F_OK), ENOENT, "bind again: no file left");
	len = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &len);
	check(len == alen, "getsockname(path): len");
	check(!strcmp(got.sun_path, path), "getsockname(path): name");
	/* A longer addrlen with a NUL inside: the name ends at the NUL. */
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err(bind(s2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE, "bind(existing path)");
	close(s2);
	int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_err(connect(dg, (struct sockaddr *)&a, alen), EPROTOTYPE,
		   "connect(dgram to stream path)");
	close(dg);
	int fd = open(path, O_RDONLY);
	expect_err(fd, ENXIO, "open(socket file)");

	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED, "connect(not listening)");
	close(c);
	close(s);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED, "connect(closed socket)");
	unlink(path);
	expect_err(connect(c, (struct sockaddr *)&a, alen), ENOENT, "connect(no such path)");
	alen = mkaddr(&a, "/", false);
	expect_err(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED, "connect(a directory)");
	close(c);

	/* Abstract names. */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	alen = mkaddr(&a, "sentry-kvm-test", true);
	expect_ret(bind(s, (struct sockaddr *)&a, alen), 0, "bind(abstract)");
	len = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &len);
	expect_ret(len, alen, "getsockname(abstract): len");
	check(!memcmp(&got, &a, alen), "getsockname(abstract): name");
	s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_err(bind(s2, (struct sockaddr *)&a, alen), EADDRINUSE, "bind(abstract in use)");
	int st2 = socket(AF_UNIX, SOCK_STREAM, 0);
	/* Abstract names are per type, so Linux finds nothing. */
	expect_err(connect(st2, (struct sockaddr *)&a, alen), ECONNREFUSED,
		   "connect(stream to dgram, abstract)");
	close(st2);

	/* Autobind: a NUL and five hex digits. */
	expect_ret(bind(s2, (struct sockaddr *)&a, 2), 0, "bind(autobind)");
	len = sizeof(got);
	getsockname(s2, (struct sockaddr *)&got, &len);
	expect_ret(len, 8, "getsockname(autobind): len 8");
	check(got.sun_path[0] == 0, "autobind: abstract");

	/* Datagrams by address, with the sender's name. */
	expect_ret(sendto(s2, "hi", 2, 0, (struct sockaddr *)&a, alen), 2, "sendto(abstract)");
	char buf[16];
	struct sockaddr_un from;
	len = sizeof(from);
	expect_ret(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 2, "recvfrom");
	expect_ret(len, 8, "recvfrom: sender's name len");
	check(!memcmp(&from, &got, 8), "recvfrom: sender's name");
	int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(anon, "x", 1, 0, (struct sockaddr *)&a, alen);
	len = sizeof(from);
	recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	expect_ret(len, 0, "recvfrom(unbound sender): len 0");
	expect_err(send(anon, "x", 1, 0), ENOTCONN, "send(unconnected dgram)");
	/* A datagram socket connected elsewhere takes nothing from others. */
	expect_ret(connect(s, (struct sockaddr *)&got, 8), 0, "connect(dgram)");
	expect_err(sendto(anon, "x", 1, 0, (struct sockaddr *)&a, alen), EPERM,
		   "sendto(socket connected elsewhere)");
	len = sizeof(from);
	expect_ret(getpeername(s, (struct sockaddr *)&from, &len), 0, "getpeername(dgram)");
	expect_ret(len, 8, "getpeername(dgram): len");
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	expect_ret(connect(s, &unspec, sizeof(unspec)), 0, "connect(AF_UNSPEC)");
	expect_ret(sendto(anon, "x", 1, 0, (struct sockaddr *)&a, alen), 1,
		   "sendto after disconnect");
	close(anon);
	close(s);
	close(s2);
}

static void test_accept(void)
{
	struct sockaddr_un a, got;
	socklen_t alen = mkaddr(&a, path, false), len;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&a, alen);
	expect_ret(listen(l, 5), 0, "listen");
	int v;
	len = sizeof(v);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
	expect_ret(v, 1, "SO_ACCEPTCONN on listener");
	/* The raw call: an old musl retries a refused accept4 as accept. */
	expect_err(syscall(SYS_accept4, l, 0L, 0L, 0x100L), EINVAL, "accept4(bad flags)");
	int nb = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, nb | O_NONBLOCK);
	expect_err(accept(l, NULL, NULL), EAGAIN, "accept(nonblocking, none)");
	struct pollfd p = {l, POLLIN | POLLOUT, 0};
	expect_ret(poll(&p, 1, 0), 0, "poll(idle listener)");
	fcntl(l, F_SETFL, nb);

	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, alen))
			_exit(1);
		char buf[16];
		if (write(c, "ping", 4) != 4 || read(c, buf, sizeof(buf)) != 4)
			_exit(2);
		struct ucred cr;
		socklen_t l2 = sizeof(cr);
		getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l2);
		if (cr.pid != getppid())
			_exit(3);
		if (read(c, buf, sizeof(buf)) != 0)
			_exit(4);
		_exit(0);
	}
	len = sizeof(got);
	int s = accept4(l, (struct sockaddr *)&got, &len, SOCK_CLOEXEC);
	check(s >= 0, "accept4");
	expect_ret(len, 2, "accept: unbound peer's name len");
	check(fcntl(s, F_GETFD) == FD_CLOEXEC, "accept4: SOCK_CLOEXEC");
	struct ucred cr;
	len = sizeof(cr);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len);
	check(cr.pid == pid && cr.uid == geteuid(), "SO_PEERCRED: the connecting child");
	len = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &len);
	check(len == alen && !strcmp(got.sun_path, path), "accepted socket: listener's name");
	len = sizeof(got);
	getpeername(s, (struct sockaddr *)&got, &len);
	expect_ret(len, 2, "accepted socket: peer unbound");
	char buf[16];
	expect_ret(read(s, buf, sizeof(buf)), 4, "read from child");
	expect_ret(write(s, "pong", 4), 4, "write to child");
	close(s);
	int status;
	waitpid(pid, &status, 0);
	expect_ret(WEXITSTATUS(status), 0, "child: connect, ping, SO_PEERCRED, EOF");

	/* A full backlog: a nonblocking connect gets EAGAIN. */
	close(l);
	unlink(path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 1);
	int c[4], n = 0;
	for (int i = 0; i < 4; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (!connect(c[i], (struct sockaddr *)&a, alen))
			n++;
		else if (i == 3)
			expect_err(-1, EAGAIN, "connect(full backlog)");
	}
	expect_ret(n, 2, "backlog 1 takes two connections");
	p = (struct pollfd){l, POLLIN, 0};
	expect_ret(poll(&p, 1, 0), 1, "poll(listener with a connection)");
	/* Linux looks at the listener's backlog before at our own state. */
	expect_err(connect(c[0], (struct sockaddr *)&a, alen), EAGAIN,
		   "connect again, backlog full");
	expect_ret(write(c[0], "queued", 6), 6, "write before accept");
	s = accept(l, NULL, NULL);
	expect_ret(read(s, buf, sizeof(buf)), 6, "read what was written before accept");
	expect_err(connect(c[0], (struct sockaddr *)&a, alen), EISCONN, "connect again");
	close(s);
	/* Closing the listener resets connections it never accepted. */
	close(l);
	expect_err(read(c[1], buf, sizeof(buf)), ECONNRESET, "unaccepted connection: ECONNRESET");
	for (int i = 0; i < 4; i++)
		close(c[i]);
	unlink(path);

	/* Abstract stream listener and SEQPACKET. */
	alen = mkaddr(&a, "sentry-kvm-seq", true);
	l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 1);
	int cs = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	expect_err(send(cs, "x", 1, 0), ENOTCONN, "seqpacket: send unconnected");
	expect_ret(connect(cs, (struct sockaddr *)&a, alen), 0, "seqpacket: connect(abstract)");
	s = accept(l, NULL, NULL);
	send(cs, "abc", 3, 0);
	send(cs, "de", 2, 0);
	expect_ret(recv(s, buf, sizeof(buf), 0), 3, "seqpacket: first record");
	expect_ret(recv(s, buf, sizeof(buf), 0), 2, "seqpacket: second record");
	close(cs);
	close(s);
	close(l);
}

int main(void)
{
	guest_start("unix_conn");
	snprintf(path, sizeof(path), "/tmp/unix_conn.%d", getpid());
	unlink(path);
	test_bind();
	unlink(path);
	test_accept();
	unlink(path);
	return guest_finish();
}
