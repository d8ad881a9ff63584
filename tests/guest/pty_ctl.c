// SPDX-License-Identifier: Apache-2.0
/*
 * Terminal control ioctls on a pty: TIOCSTI (a byte as if typed, into
 * one's own controlling terminal only without CAP_SYS_ADMIN; Linux 6.1,
 * or dev.tty.legacy_tiocsti=1), the errors of TIOCGPGRP and TIOCSPGRP,
 * and TIOCNOTTY: a session leader giving up its terminal sends SIGHUP and
 * SIGCONT to the foreground group, and the session no longer has one;
 * another process gives it up for itself (and the children it forks).
 *
 * A child makes a session with the slave as its controlling terminal and
 * reports on a pipe; only the parent prints. Runs as root (the test
 * drops to an unprivileged UID for the CAP_SYS_ADMIN cases).
 */
#define _GNU_SOURCE
#include <fcntl.h>
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
	return r >= 0 ? "0" : guest_errno_name(errno);
}

static int open_master(char *name, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, size))
		return -1;
	return m;
}

/*
 * Read want bytes (1 s at most, then what came). The line discipline's
 * echo may come in pieces (Linux flushes it from a work queue): waiting
 * for all of it keeps what the next read sees the same on every kernel.
 */
static const char *read_some(int fd, size_t want)
{
	static char buf[64];
	struct timespec nap = {0, 10000000};
	size_t got = 0;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < 100 && got < want; i++) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n > 0)
			got += (size_t)n;
		else
			nanosleep(&nap, NULL);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	buf[got] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = *p == '\n' ? 'N' : 'R';
	return buf;
}

static volatile sig_atomic_t hups, conts;

static void on_hup(int sig)
{
	(void)sig;
	hups++;
}

static void on_cont(int sig)
{
	(void)sig;
	conts++;
}

static void child_tiocsti(int m, int s, int other_slave)
{
	char c = 'a';
	REPORT("TIOCSTI own terminal: %s\n", res(ioctl(s, TIOCSTI, &c)));
	c = '\n';
	ioctl(s, TIOCSTI, &c);
	REPORT("slave reads the typed line: %s\n", read_some(s, 2));
	REPORT("master reads the echo: %s\n", read_some(m, 3));
	REPORT("TIOCSTI bad pointer: %s\n", res(ioctl(s, TIOCSTI, (char *)8)));
	c = 'm';
	REPORT("TIOCSTI master (CAP_SYS_ADMIN): %s\n", res(ioctl(m, TIOCSTI, &c)));
	REPORT("master reads its own input: %s\n", read_some(m, 1));
	c = 'o';
	REPORT("TIOCSTI other terminal (CAP_SYS_ADMIN): %s\n",
	       res(ioctl(other_slave, TIOCSTI, &c)));

	pid_t u = fork();
	if (u == 0) {
		/* Without CAP_SYS_ADMIN: one's own terminal only. */
		if (setgid(65534) || setuid(65534))
			REPORT("setuid failed\n");
		c = 'u';
		REPORT("unprivileged TIOCSTI own terminal: %s\n", res(ioctl(s, TIOCSTI, &c)));
		REPORT("unprivileged TIOCSTI master: %s\n", res(ioctl(m, TIOCSTI, &c)));
		REPORT("unprivileged TIOCSTI other terminal: %s\n",
		       res(ioctl(other_slave, TIOCSTI, &c)));
		_exit(0);
	}
	waitpid(u, NULL, 0);
	tcflush(s, TCIFLUSH);
	tcflush(m, TCIFLUSH);
}

static void child_pgrp(int m, int s, int other_slave, pid_t parent_pgrp)
{
	int pg = -1;
	REPORT("TIOCGPGRP own terminal is own group: %s\n",
	       ioctl(s, TIOCGPGRP, &pg) == 0 && pg == getpgrp() ? "ok" : "no");
	REPORT("TIOCGPGRP on master: %s\n",
	       ioctl(m, TIOCGPGRP, &pg) == 0 && pg == getpgrp() ? "ok" : "no");
	REPORT("TIOCGPGRP other terminal: %s\n", res(ioctl(other_slave, TIOCGPGRP, &pg)));
	pg = -5;
	REPORT("TIOCSPGRP negative: %s\n", res(ioctl(s, TIOCSPGRP, &pg)));
	pg = 4000000;
	REPORT("TIOCSPGRP no such group: %s\n", res(ioctl(s, TIOCSPGRP, &pg)));
	pg = parent_pgrp;
	REPORT("TIOCSPGRP group of another session: %s\n", res(ioctl(s, TIOCSPGRP, &pg)));
	pg = getpgrp();
	REPORT("TIOCSPGRP other terminal: %s\n", res(ioctl(other_slave, TIOCSPGRP, &pg)));
	REPORT("TIOCSPGRP bad pointer: %s\n", res(ioctl(s, TIOCSPGRP, (int *)8)));
	REPORT("TIOCSPGRP own group: %s\n", res(ioctl(s, TIOCSPGRP, &pg)));
	REPORT("TIOCNOTTY other terminal: %s\n", res(ioctl(other_slave, TIOCNOTTY)));
	REPORT("TIOCNOTTY master: %s\n", res(ioctl(m, TIOCNOTTY)));
}

/* A process that does not lead its session gives the terminal up alone, and its children. */
static void child_notty_member(int s)
{
	pid_t g = fork();
	if (g == 0) {
		int r = ioctl(s, TIOCNOTTY);
		REPORT("TIOCNOTTY by a member: %s\n", res(r));
		REPORT("member opens /dev/tty: %s\n", res(open("/dev/tty", O_RDWR)));
		int pg;
		REPORT("member's TIOCGPGRP: %s\n", res(ioctl(s, TIOCGPGRP, &pg)));
		pid_t gg = fork();
		if (gg == 0) {
			REPORT("its child opens /dev/tty: %s\n", res(open("/dev/tty", O_RDWR)));
			_exit(0);
		}
		waitpid(gg, NULL, 0);
		_exit(0);
	}
	waitpid(g, NULL, 0);
	int fd = open("/dev/tty", O_RDWR);
	REPORT("the leader still has it: %s\n", res(fd));
	close(fd);
}

/* The leader gives the terminal up: its foreground group (its own and g's) hears of it. */
static void child_notty(int s)
{
	int sync[2];
	pipe(sync);
	struct sigaction sa = {.sa_handler = on_hup};
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, NULL);
	pid_t g = fork();
	if (g == 0) {
		write(sync[1], "r", 1);
		struct timespec nap = {0, 10000000};
		for (int i = 0; i < 500 && !(hups && conts); i++)
			nanosleep(&nap, NULL);
		REPORT("foreground member got SIGHUP %d SIGCONT %d\n", hups, conts);
		_exit(0);
	}
	char b;
	read(sync[0], &b, 1);
	const char *r = res(ioctl(s, TIOCNOTTY));
	waitpid(g, NULL, 0); /* g reports first */
	REPORT("TIOCNOTTY by the leader: %s\n", r);
	REPORT("leader got SIGHUP %d SIGCONT %d\n", hups, conts);
	int sid;
	REPORT("TIOCGSID afterwards: %s\n", res(ioctl(s, TIOCGSID, &sid)));
	REPORT("open /dev/tty afterwards: %s\n", res(open("/dev/tty", O_RDWR)));
	REPORT("TIOCSCTTY again: %s\n", res(ioctl(s, TIOCSCTTY, 0)));
}

int main(void)
{
	guest_start("pty_ctl");
	char name[64], other[64];
	int m = open_master(name, sizeof(name)), m2 = open_master(other, sizeof(other));
	if (m < 0 || m2 < 0 || pipe(rep)) {
		check(false, "set up");
		return guest_finish();
	}
	/* A group of our own: the one we started in may be 0 (a bare initramfs's init). */
	setpgid(0, 0);
	pid_t parent_pgrp = getpgrp();
	pid_t c = fork();
	if (c == 0) {
		close(rep[0]);
		setsid();
		int s = open(name, O_RDWR); /* becomes the controlling terminal */
		int o = open(other, O_RDWR | O_NOCTTY);
		if (s < 0 || o < 0) {
			REPORT("open slaves failed\n");
			_exit(1);
		}
		child_tiocsti(m, s, o);
		child_pgrp(m, s, o, parent_pgrp);
		child_notty_member(s);
		child_notty(s);
		_exit(0);
	}
	close(rep[1]);
	FILE *f = fdopen(rep[0], "r");
	char line[160];
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	int st;
	waitpid(c, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exit 0");
	return guest_finish();
}
