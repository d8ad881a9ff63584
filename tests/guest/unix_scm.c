// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX ancillary data: SCM_RIGHTS passing a pipe end and a socket
 * (itself included), MSG_CTRUNC when the control buffer is short,
 * MSG_CMSG_CLOEXEC, files in flight dropped with the queue, SCM_RIGHTS
 * between processes; SCM_CREDENTIALS with SO_PASSCRED; sendmmsg and
 * recvmmsg.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "guest_test.h"

static int send_fds(int s, const void *data, size_t len, const int *fds, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = {(void *)data, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(s, &mh, 0);
}

/* Receive with ctllen bytes of control room; the fds got into fds, their count returned. */
static int recv_fds(int s, void *buf, size_t len, size_t ctllen, int flags, int *fds,
		    int *msg_flags, long *ret)
{
	char ctl[256];
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctllen ? ctl : NULL,
			    .msg_controllen = ctllen};
	*ret = recvmsg(s, &mh, flags);
	*msg_flags = mh.msg_flags;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
			n += k;
		}
	return n;
}

static void test_rights(void)
{
	int sv[2], p[2], fds[8], mf;
	long ret;
	char buf[16];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	expect_ret(send_fds(sv[0], "P", 1, &p[1], 1), 1, "SCM_RIGHTS: send a pipe end");
	close(p[1]);
	int n = recv_fds(sv[1], buf, sizeof(buf), 64, 0, fds, &mf, &ret);
	expect_ret(ret, 1, "SCM_RIGHTS: recvmsg");
	expect_ret(n, 1, "SCM_RIGHTS: one fd");
	check(!(mf & MSG_CTRUNC), "SCM_RIGHTS: no MSG_CTRUNC");
	check(fcntl(fds[0], F_GETFD) == 0, "SCM_RIGHTS: no FD_CLOEXEC");
	expect_ret(write(fds[0], "via", 3), 3, "write to the received pipe end");
	expect_ret(read(p[0], buf, sizeof(buf)), 3, "read it from the pipe");
	close(fds[0]);
	expect_ret(read(p[0], buf, sizeof(buf)), 0, "pipe EOF once the passed end closed");
	close(p[0]);

	/* Pass a socket of the pair over itself, then use it. */
	expect_ret(send_fds(sv[0], "S", 1, &sv[0], 1), 1, "SCM_RIGHTS: send the socket itself");
	n = recv_fds(sv[1], buf, sizeof(buf), 64, MSG_CMSG_CLOEXEC, fds, &mf, &ret);
	expect_ret(n, 1, "SCM_RIGHTS: got a socket");
	check(fcntl(fds[0], F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
	struct stat a, b;
	fstat(fds[0], &a);
	fstat(sv[0], &b);
	check(a.st_ino == b.st_ino, "received socket is the same socket");
	write(fds[0], "dup", 3);
	expect_ret(read(sv[1], buf, sizeof(buf)), 3, "write through the received socket");
	close(fds[0]);

	/* MSG_CTRUNC: room for one of three. */
	pipe(p);
	int three[3] = {p[0], p[1], p[0]};
	send_fds(sv[0], "T", 1, three, 3);
	n = recv_fds(sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0, fds, &mf, &ret);
	expect_ret(n, 2, "short control buffer: two fds fit");
	check(mf & MSG_CTRUNC, "short control buffer: MSG_CTRUNC");
	close(fds[0]);
	close(fds[1]);
	send_fds(sv[0], "U", 1, three, 2);
	n = recv_fds(sv[1], buf, sizeof(buf), 0, 0, fds, &mf, &ret);
	expect_ret(ret, 1, "no control buffer: data");
	expect_ret(n, 0, "no control buffer: no fds");
	check(mf & MSG_CTRUNC, "no control buffer: MSG_CTRUNC");
	/* A plain read drops the files too. */
	send_fds(sv[0], "V", 1, three, 1);
	expect_ret(read(sv[1], buf, sizeof(buf)), 1, "read(2) of a message with files");

	/* Data after a message with files is not glued to it. */
	send_fds(sv[0], "ab", 2, &p[1], 1);
	write(sv[0], "cd", 2);
	n = recv_fds(sv[1], buf, sizeof(buf), 64, 0, fds, &mf, &ret);
	expect_ret(ret, 2, "recv stops after a message with files");
	close(fds[0]);
	expect_ret(read(sv[1], buf, sizeof(buf)), 2, "then the rest");

	/* Files in flight go with the queue: the pipe's writer count drops. */
	send_fds(sv[0], "W", 1, &p[1], 1);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	expect_err(read(p[0], buf, 1), EAGAIN, "pipe writer still in flight");
	close(sv[1]);
	expect_ret(read(p[0], buf, 1), 0, "in-flight writer dropped with the receiver");
	close(p[0]);
	close(sv[0]);

	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int bad = 99;
	expect_err(send_fds(sv[0], "x", 1, &bad, 1), EBADF, "SCM_RIGHTS: bad fd");
	close(sv[0]);
	close(sv[1]);
}

static void test_rights_fork(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		int p[2];
		pipe(p);
		write(p[1], "from child", 10);
		send_fds(sv[1], "x", 1, &p[0], 1);
		_exit(0);
	}
	close(sv[1]);
	int fds[8], mf;
	long ret;
	char buf[16];
	int n = recv_fds(sv[0], buf, sizeof(buf), 64, 0, fds, &mf, &ret);
	expect_ret(n, 1, "SCM_RIGHTS from a child");
	expect_ret(read(fds[0], buf, sizeof(buf)), 10, "read the child's pipe");
	expect_ret(read(fds[0], buf, sizeof(buf)), 0, "child's pipe: EOF");
	int st;
	waitpid(pid, &st, 0);
	close(fds[0]);
	close(sv[0]);
}

static void test_creds(void)
{
	int sv[2], on = 1;
	char buf[8], ctl[64];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	expect_ret(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0, "SO_PASSCRED");
	send(sv[0], "c", 1, 0);
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	expect_ret(recvmsg(sv[1], &mh, 0), 1, "recvmsg with SO_PASSCRED");
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	check(c && c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred)),
	      "SCM_CREDENTIALS received");
	struct ucred cr;
	memcpy(&cr, CMSG_DATA(c), sizeof(cr));
	check(cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(),
	      "SCM_CREDENTIALS: our pid, uid, gid");
	expect_ret(mh.msg_controllen, CMSG_SPACE(sizeof(struct ucred)), "msg_controllen used");

	/* Explicit credentials: our own are fine, another pid is EPERM (unless root). */
	char sctl[CMSG_SPACE(sizeof(struct ucred))];
	struct msghdr sm = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = sctl,
			    .msg_controllen = sizeof(sctl)};
	iov.iov_len = 1;
	c = CMSG_FIRSTHDR(&sm);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(cr));
	cr = (struct ucred){getpid(), getuid(), getgid()};
	memcpy(CMSG_DATA(c), &cr, sizeof(cr));
	expect_ret(sendmsg(sv[0], &sm, 0), 1, "sendmsg(SCM_CREDENTIALS, own)");
	if (geteuid() != 0) {
		cr.pid = 1;
		memcpy(CMSG_DATA(c), &cr, sizeof(cr));
		expect_err(sendmsg(sv[0], &sm, 0), EPERM, "sendmsg(SCM_CREDENTIALS, pid 1)");
	} else {
		printf("sendmsg(SCM_CREDENTIALS, pid 1): EPERM\n");
	}
	c->cmsg_len = CMSG_LEN(4);
	expect_err(sendmsg(sv[0], &sm, 0), EINVAL, "sendmsg(SCM_CREDENTIALS, short)");
	close(sv[0]);
	close(sv[1]);
}

static void test_mmsg(void)
{
	int sv[2];
	char b[3][8];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct iovec siov[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
	struct mmsghdr sm[3] = {0};
	for (int i = 0; i < 3; i++) {
		sm[i].msg_hdr.msg_iov = &siov[i];
		sm[i].msg_hdr.msg_iovlen = 1;
	}
	expect_ret(sendmmsg(sv[0], sm, 3, 0), 3, "sendmmsg");
	check(sm[0].msg_len == 1 && sm[2].msg_len == 3, "sendmmsg: msg_len");
	struct iovec riov[3] = {{b[0], 8}, {b[1], 8}, {b[2], 8}};
	struct mmsghdr rm[3] = {0};
	for (int i = 0; i < 3; i++) {
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	expect_ret(recvmmsg(sv[1], rm, 3, MSG_WAITFORONE, NULL), 3, "recvmmsg");
	check(rm[1].msg_len == 2 && !memcmp(b[2], "ccc", 3), "recvmmsg: lengths and data");
	send(sv[0], "z", 1, 0);
	expect_ret(recvmmsg(sv[1], rm, 3, MSG_WAITFORONE, NULL), 1, "recvmmsg: WAITFORONE");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	guest_start("unix_scm");
	test_rights();
	test_rights_fork();
	test_creds();
	test_mmsg();
	return guest_finish();
}
