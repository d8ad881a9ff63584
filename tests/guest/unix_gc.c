// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX garbage collection of sockets in flight: sockets whose only
 * references are SCM_RIGHTS messages in queues nobody can read (B sent
 * into its own queue; A and B sent into each other's; a datagram pair)
 * are freed, so thousands of such cycles leave /proc/net/unix (the list
 * of live sockets) where it was. Sockets still reachable through an open
 * socket's queue, directly or through other sockets in flight, survive
 * a collection and work. And /proc/net/unix shows a listener's name,
 * flags, type, state and inode as Linux does.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "guest_test.h"

#define CYCLES 3000

/* The lines of /proc/net/unix past its header: the live AF_UNIX sockets. */
static int count_sockets(void)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static int send_fd(int s, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	char c = 'x';
	struct iovec iov = {&c, 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &mh, 0) == 1 ? 0 : -1;
}

/* The fd of the next message on s, or -1. */
static int recv_fd(int s)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	char c;
	struct iovec iov = {&c, 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	if (recvmsg(s, &mh, MSG_DONTWAIT) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* One unreachable cycle of the given kind; 0 if every step worked. */
static int make_cycle(int kind)
{
	int a[2], b[2], err = 0;

	if (socketpair(AF_UNIX, kind == 2 ? SOCK_DGRAM : SOCK_STREAM, 0, a))
		return -1;
	switch (kind) {
	case 0: /* a[1] in its own queue */
		err = send_fd(a[0], a[1]);
		break;
	case 1: /* each end in the other's queue */
	case 2:
		err = send_fd(a[0], a[0]) | send_fd(a[1], a[1]);
		break;
	case 3: /* two pairs, each holding the other */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, b))
			return -1;
		err = send_fd(b[0], a[1]) | send_fd(a[0], b[1]);
		close(b[0]);
		close(b[1]);
		break;
	}
	close(a[0]);
	close(a[1]);
	return err;
}

/* Wait (Linux collects in a work queue) for the count to come back to at most want. */
static int settle(int want)
{
	int n = count_sockets();
	for (int i = 0; i < 200 && n > want; i++) {
		/* A release is what starts a collection. */
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		close(s);
		usleep(10000);
		n = count_sockets();
	}
	return n;
}

static void test_cycles(void)
{
	int base = count_sockets();
	if (!check(base >= 0, "/proc/net/unix readable"))
		return;
	const char *names[] = {"self in own queue", "pair in each other's queue",
			       "dgram pair in each other's queue", "two pairs crossed"};
	for (int kind = 0; kind < 4; kind++) {
		int bad = 0;
		for (int i = 0; i < CYCLES; i++)
			bad += make_cycle(kind) != 0;
		check(!bad, "%d cycles (%s): sends", CYCLES, names[kind]);
		/* Some slack for sockets other programs open meanwhile (natively). */
		int n = settle(base + 8);
		check(n <= base + 8, "%d cycles (%s): live sockets back to the baseline", CYCLES,
		      names[kind]);
	}
}

/* A socket held only by an open socket's queue (directly or through others) stays. */
static void test_reachable(void)
{
	int c[2], x[2], y[2];
	char buf[8];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c) || socketpair(AF_UNIX, SOCK_STREAM, 0, x) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, y))
		return;
	/* y[1] rides in x[1]'s queue, x[1] in c[1]'s; only c is open. */
	check(!send_fd(x[0], y[1]) && !send_fd(c[0], x[1]), "send y over x, x over c");
	close(y[1]);
	close(x[1]);
	close(x[0]);
	check(write(y[0], "hi", 2) == 2, "write into y");
	/* Collections happen at releases: several now. */
	for (int i = 0; i < 4; i++)
		close(socket(AF_UNIX, SOCK_DGRAM, 0));
	settle(0);
	int gx = recv_fd(c[1]);
	check(gx >= 0, "x comes out of c");
	int gy = gx >= 0 ? recv_fd(gx) : -1;
	check(gy >= 0, "y comes out of x");
	check(gy >= 0 && read(gy, buf, sizeof(buf)) == 2 && !memcmp(buf, "hi", 2),
	      "y still carries its data");
	check(gy >= 0 && write(gy, "ok", 2) == 2 && read(y[0], buf, 2) == 2,
	      "y still talks to its peer");
	/* A socket sent over itself and closed, its peer open: the peer gets it back. */
	int p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	send_fd(p[0], p[0]);
	close(p[0]);
	close(socket(AF_UNIX, SOCK_STREAM, 0));
	int g = recv_fd(p[1]);
	check(g >= 0 && write(g, "z", 1) == 1 && read(p[1], buf, 1) == 1 && buf[0] == 'z',
	      "socket sent over itself comes back to its open peer");
	close(g);
	close(p[1]);
	close(gy);
	close(gx);
	close(y[0]);
	close(c[0]);
	close(c[1]);
}

/* The line of /proc/net/unix whose path is name, split into its columns. */
static bool find_line(const char *name, unsigned *flags, unsigned *type, unsigned *st,
		      unsigned long *ino)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512], path[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned refs, proto;
		path[0] = 0;
		if (sscanf(line, "%*[0-9a-f]: %x %x %x %x %x %lu %255s", &refs, &proto, flags, type,
			   st, ino, path) == 7 &&
		    !strcmp(path, name))
			found = true;
	}
	fclose(f);
	return found;
}

static void test_proc_format(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned flags, type, st;
	unsigned long ino;
	struct stat stb;

	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, "\0unix_gc_test\0x", 15);
	bind(l, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 15);
	listen(l, 1);
	fstat(l, &stb);
	bool ok = find_line("@unix_gc_test@x", &flags, &type, &st, &ino);
	check(ok, "abstract listener listed, NULs as '@'");
	if (ok)
		printf("listener: flags %08x type %04x st %02x inode matches %d\n", flags, type, st,
		       ino == stb.st_ino);

	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	unlink("/tmp/unix_gc_dgram");
	strcpy(sa.sun_path, "/tmp/unix_gc_dgram");
	bind(d, (struct sockaddr *)&sa, sizeof(sa));
	fstat(d, &stb);
	ok = find_line("/tmp/unix_gc_dgram", &flags, &type, &st, &ino);
	check(ok, "path datagram socket listed");
	if (ok)
		printf("dgram: flags %08x type %04x st %02x inode matches %d\n", flags, type, st,
		       ino == stb.st_ino);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, "/tmp/unix_gc_conn");
	unlink(sa.sun_path);
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l2, (struct sockaddr *)&sa, sizeof(sa));
	listen(l2, 1);
	connect(s, (struct sockaddr *)&sa, sizeof(sa));
	/* The connection not yet accepted is listed with the listener's name and no inode. */
	ok = find_line("/tmp/unix_gc_conn", &flags, &type, &st, &ino);
	int lines = 0;
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		lines += strstr(line, " /tmp/unix_gc_conn\n") != NULL;
	if (f)
		fclose(f);
	check(lines == 2, "listener and its embryo listed under the name");
	unlink("/tmp/unix_gc_dgram");
	unlink("/tmp/unix_gc_conn");
	close(s);
	close(l2);
	close(d);
	close(l);
}

/*
 * An unprivileged user may have RLIMIT_NOFILE files in flight, and one
 * send more (Linux checks before adding): the next is ETOOMANYREFS. The
 * files are counted, not the messages, and taking them out frees room.
 */
static void test_too_many_refs(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int sv[2], p[2];
		struct rlimit rl = {10, 10};
		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		pipe(p);
		if (setrlimit(RLIMIT_NOFILE, &rl) || setgid(65534) || setuid(65534))
			_exit(3);
		int i;
		for (i = 1; i <= 20; i++)
			if (send_fd(sv[0], p[0]))
				break;
		printf("unprivileged, RLIMIT_NOFILE 10: send %d fails with %s\n", i,
		       guest_errno_name(errno));
		int fd = recv_fd(sv[1]);
		close(fd);
		check(!send_fd(sv[0], p[0]), "one received, one more may go");
		expect_err(send_fd(sv[0], p[0]), ETOOMANYREFS, "and then no more");
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "child");
}

int main(void)
{
	guest_start("unix_gc");
	test_proc_format();
	test_reachable();
	test_too_many_refs();
	test_cycles();
	return guest_finish();
}
