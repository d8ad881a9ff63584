// SPDX-License-Identifier: Apache-2.0
/*
 * vhangup(2) on a pty slave that is the caller's controlling terminal:
 * EPERM without CAP_SYS_TTY_CONFIG, nothing to do without a terminal;
 * else every slave file open at the time is hung up (reads 0, writes and
 * ioctls EIO, TIOCSPGRP ENOTTY, poll all events; a waiting read returns
 * 0), the session loses its terminal and its leader gets SIGHUP and
 * SIGCONT. (Whether input the master wrote just before survives is a race
 * in Linux, its flip buffers being pushed from a work queue: not checked.) A new open of the slave works. The master reads EIO
 * afterwards only if one slave file was open.
 *
 * A child makes a session with the slave as its controlling terminal and
 * reports on a pipe; only the parent prints. Runs as root (the test
 * drops to an unprivileged UID for the EPERM case).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>

#include "guest_test.h"

static int rep[2];

#define REPORT(...) dprintf(rep[1], __VA_ARGS__)

static const char *res(long r)
{
	static char buf[32];
	if (r < 0)
		return guest_errno_name(errno);
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

static volatile sig_atomic_t hups, conts;

static void on_sig(int sig)
{
	if (sig == SIGHUP)
		hups++;
	else
		conts++;
}

/* What a non-blocking read of the master gives: the bytes, or the errno. */
static const char *master_read(int m)
{
	static char buf[64];
	struct timespec nap = {0, 50000000};
	nanosleep(&nap, NULL); /* output reaches the master from a work queue in Linux */
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	ssize_t n = read(m, buf, sizeof(buf) - 1);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) & ~O_NONBLOCK);
	if (n < 0)
		return guest_errno_name(errno);
	buf[n] = 0;
	return buf;
}

static void wait_signals(int want)
{
	struct timespec nap = {0, 10000000};
	for (int i = 0; i < 300 && hups + conts < want; i++)
		nanosleep(&nap, NULL);
}

static void report_hung(const char *what, int fd)
{
	char c;
	struct termios tio;
	int pg = getpgrp();
	struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
	REPORT("%s read: %s\n", what, res(read(fd, &c, 1)));
	REPORT("%s write: %s\n", what, res(write(fd, "w", 1)));
	REPORT("%s TCGETS: %s\n", what, res(ioctl(fd, TCGETS, &tio)));
	REPORT("%s TIOCSPGRP: %s\n", what, res(ioctl(fd, TIOCSPGRP, &pg)));
	int n = poll(&pfd, 1, 0);
	REPORT("%s poll: %d %#x\n", what, n, pfd.revents);
}

static void child(int m, const char *name)
{
	setsid();
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);

	REPORT("vhangup without a terminal: %s\n", res(syscall(SYS_vhangup)));
	int s = open(name, O_RDWR), tty = open("/dev/tty", O_RDWR);
	REPORT("slave and /dev/tty open: %s %s\n", s >= 0 ? "ok" : "no", tty >= 0 ? "ok" : "no");
	pid_t u = fork();
	if (u == 0) {
		if (setgid(65534) || setuid(65534))
			REPORT("setuid failed\n");
		REPORT("unprivileged vhangup: %s\n", res(syscall(SYS_vhangup)));
		_exit(0);
	}
	waitpid(u, NULL, 0);
	/* No echo, and the master drains the output first: Linux moves both from a work queue. */
	struct termios tio;
	tcgetattr(s, &tio);
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(s, TCSANOW, &tio);
	REPORT("write before: %s\n", res(write(s, "out", 3)));
	REPORT("master reads before: %s\n", master_read(m));
	REPORT("vhangup: %s\n", res(syscall(SYS_vhangup)));
	wait_signals(2);
	REPORT("leader got SIGHUP %d SIGCONT %d\n", hups, conts);
	report_hung("slave", s);
	report_hung("/dev/tty", tty);
	REPORT("master after, two slave files: %s\n", master_read(m));
	REPORT("open /dev/tty after: %s\n", res(open("/dev/tty", O_RDWR) < 0 ? -1 : 0));
	int sid;
	REPORT("TIOCGSID on master: %s\n", res(ioctl(m, TIOCGSID, &sid)));

	/* A new open works, and takes the terminal back (no O_NOCTTY). */
	int s2 = open(name, O_RDWR);
	REPORT("reopen: %s\n", res(s2 < 0 ? -1 : 0));
	REPORT("reopen write: %s\n", res(write(s2, "new", 3)));
	REPORT("master reads: %s\n", master_read(m));
	REPORT("reopened is controlling: %s\n", res(ioctl(s2, TIOCGSID, &sid) < 0 ? -1 : 0));
	close(s);
	close(tty);

	/* One slave file open: the master sees the slave closed. */
	/* A member of the session waits in read: the hangup ends it with end of file. */
	int sync[2];
	pipe(sync);
	pid_t r = fork();
	if (r == 0) {
		signal(SIGHUP, SIG_IGN);
		write(sync[1], "r", 1);
		char c;
		ssize_t n = read(s2, &c, 1);
		REPORT("waiting reader: %s\n", res(n));
		_exit(0);
	}
	char b;
	read(sync[0], &b, 1);
	struct timespec nap = {0, 100000000};
	nanosleep(&nap, NULL); /* let it block */
	hups = conts = 0;
	long again = syscall(SYS_vhangup);
	wait_signals(2);
	waitpid(r, NULL, 0); /* it reports first */
	REPORT("vhangup again: %s\n", res(again));
	REPORT("leader got SIGHUP %d SIGCONT %d\n", hups, conts);
	report_hung("reopened", s2);
	REPORT("master after, one slave file: %s\n", master_read(m));
	close(s2);
	REPORT("master after the close: %s\n", master_read(m));
	int s3 = open(name, O_RDWR | O_NOCTTY);
	REPORT("third open write: %s\n", res(write(s3, "3", 1)));
	REPORT("master reads: %s\n", master_read(m));
	_exit(0);
}

int main(void)
{
	guest_start("vhangup");
	if (geteuid() != 0) {
		printf("not root: skipped\n");
		return guest_finish();
	}
	char name[64];
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, sizeof(name)) || pipe(rep)) {
		check(false, "set up");
		return guest_finish();
	}
	pid_t c = fork();
	if (c == 0) {
		close(rep[0]);
		child(m, name);
	}
	close(rep[1]);
	char buf[4096];
	ssize_t n;
	while ((n = read(rep[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	guest_expect_child(c, "exit 0", "child");
	return guest_finish();
}
