// SPDX-License-Identifier: Apache-2.0
/*
 * Pseudo-terminals with job control: a child makes a session and takes a
 * pty slave as its controlling terminal (TIOCSCTTY); the parent, on the
 * master, types lines, ^C and window sizes at it. The child checks what
 * it gets and reports on a pipe; only the parent prints. Then background
 * reads and writes (SIGTTIN, SIGTTOU with TOSTOP), tcsetpgrp, a session
 * leader's exit (SIGHUP to its foreground group) and the master's close
 * (SIGHUP to the session leader).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static int rep = -1; /* the child's report pipe */
static volatile sig_atomic_t got_int, got_winch;

static void on_int(int sig)
{
	(void)sig;
	got_int = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

static void on_hup_exit(int sig)
{
	(void)sig;
	_exit(42);
}

static void on_hup_report(int sig)
{
	(void)sig;
	static const char msg[] = "grandchild: SIGHUP\n";
	write(rep, msg, sizeof(msg) - 1);
	_exit(0);
}

#define REPORT(...) dprintf(rep, __VA_ARGS__)

static int open_master(char *name, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, name, size))
		return -1;
	return m;
}

static const char *err_name(long r)
{
	return r >= 0 ? "0" : guest_errno_name(errno);
}

/* Wait for a flag a handler sets, with SIGINT and SIGWINCH taken only here. */
static void wait_flag(volatile sig_atomic_t *flag)
{
	sigset_t none;
	sigemptyset(&none);
	while (!*flag)
		sigsuspend(&none);
}

/* A grandchild in a group of its own (the background) runs fn and exits with its result. */
static int in_background(int s, int (*fn)(int s), int *status)
{
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		_exit(fn(s));
	}
	setpgid(g, g);
	waitpid(g, status, WUNTRACED);
	if (WIFSTOPPED(*status)) {
		kill(g, SIGKILL);
		waitpid(g, NULL, 0);
	}
	return g;
}

static int bg_read(int s)
{
	char c;
	return read(s, &c, 1) < 0 ? errno : 0;
}

static int bg_read_ignoring(int s)
{
	signal(SIGTTIN, SIG_IGN);
	return bg_read(s);
}

static int bg_write(int s)
{
	return write(s, "bg\n", 3) < 0 ? errno : 0;
}

static int bg_write_ignoring(int s)
{
	signal(SIGTTOU, SIG_IGN);
	return bg_write(s);
}

static int bg_tcsetattr(int s)
{
	struct termios t;
	tcgetattr(s, &t);
	return tcsetattr(s, TCSANOW, &t) < 0 ? errno : 0;
}

static void report_status(const char *what, int status)
{
	if (WIFSTOPPED(status))
		REPORT("%s: stopped by %s\n", what,
		       WSTOPSIG(status) == SIGTTIN   ? "SIGTTIN"
		       : WSTOPSIG(status) == SIGTTOU ? "SIGTTOU"
						     : "other");
	else if (WIFEXITED(status))
		REPORT("%s: %s\n", what,
		       WEXITSTATUS(status) ? guest_errno_name(WEXITSTATUS(status)) : "0");
	else
		REPORT("%s: killed\n", what);
}

static void child_jobctl(int s)
{
	int status;
	struct termios t;

	in_background(s, bg_read, &status);
	report_status("background read", status);
	in_background(s, bg_read_ignoring, &status);
	report_status("background read ignoring SIGTTIN", status);
	in_background(s, bg_write, &status);
	report_status("background write without TOSTOP", status);
	tcgetattr(s, &t);
	t.c_lflag |= TOSTOP;
	tcsetattr(s, TCSANOW, &t);
	in_background(s, bg_write, &status);
	report_status("background write with TOSTOP", status);
	in_background(s, bg_write_ignoring, &status);
	report_status("background write ignoring SIGTTOU", status);
	t.c_lflag &= ~TOSTOP;
	tcsetattr(s, TCSANOW, &t);
	in_background(s, bg_tcsetattr, &status);
	report_status("background tcsetattr", status);

	/* An orphaned background group: its reads fail with EIO instead of stopping. */
	int sync[2];
	pipe(sync);
	pid_t mid = fork();
	if (mid == 0) {
		pid_t self = getpid();
		if (fork() == 0) {
			setpgid(0, 0);
			while (getppid() == self)
				usleep(1000);
			REPORT("orphaned background read: %s\n", guest_errno_name(bg_read(s)));
			write(sync[1], "d", 1);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	char c;
	read(sync[0], &c, 1);
	close(sync[0]);
	close(sync[1]);

	/* tcsetpgrp: another group of the session; back, from the background, with SIGTTOU blocked. */
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(g, g);
	REPORT("tcsetpgrp(grandchild): %s\n", err_name(tcsetpgrp(s, g)));
	REPORT("tcgetpgrp is the grandchild: %s\n", tcgetpgrp(s) == g ? "ok" : "no");
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	REPORT("tcsetpgrp back from the background: %s\n", err_name(tcsetpgrp(s, getpid())));
	sigprocmask(SIG_SETMASK, &old, NULL);
	kill(g, SIGKILL);
	waitpid(g, NULL, 0);
	REPORT("tcsetpgrp(parent's group): %s\n", err_name(tcsetpgrp(s, getppid())));
	REPORT("tcsetpgrp(no such group): %s\n", err_name(tcsetpgrp(s, 999999)));
	pid_t bad = -1;
	REPORT("TIOCSPGRP(-1): %s\n", err_name(ioctl(s, TIOCSPGRP, &bad)));
}

/* The first child: a session with the slave as its terminal. */
static void child_main(const char *name)
{
	char line[128];

	REPORT("setsid: %s\n", setsid() == getpid() ? "ok" : "no");
	int s = open(name, O_RDWR | O_NOCTTY);
	REPORT("TIOCSCTTY: %s\n", err_name(ioctl(s, TIOCSCTTY, 0)));
	REPORT("TIOCSCTTY again: %s\n", err_name(ioctl(s, TIOCSCTTY, 0)));
	REPORT("tcgetpgrp is the child: %s\n", tcgetpgrp(s) == getpid() ? "ok" : "no");
	REPORT("tcgetsid is the child: %s\n", tcgetsid(s) == getpid() ? "ok" : "no");
	int tty = open("/dev/tty", O_RDWR);
	REPORT("open /dev/tty: %s\n", tty >= 0 ? "ok" : guest_errno_name(errno));
	const char *tn = tty >= 0 ? ttyname(tty) : NULL;
	REPORT("ttyname(/dev/tty): %s\n", tn ? tn : "NULL");
	char other[64];
	int m2 = open_master(other, sizeof(other));
	int s2 = open(other, O_RDWR | O_NOCTTY);
	REPORT("TIOCSCTTY of a second pty: %s\n", err_name(ioctl(s2, TIOCSCTTY, 0)));
	REPORT("tcgetpgrp of a pty not ours: %s\n", err_name(tcgetpgrp(s2)));
	close(s2);
	close(m2);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGINT, on_int);
	signal(SIGWINCH, on_winch);
	signal(SIGHUP, on_hup_exit);

	REPORT("ready for a line\n");
	ssize_t n = read(s, line, sizeof(line) - 1);
	line[n > 0 ? n - 1 : 0] = 0;
	REPORT("child read: %s\n", line);
	REPORT("ready for ^C\n");
	wait_flag(&got_int);
	REPORT("child: SIGINT\n");
	n = read(s, line, sizeof(line) - 1);
	line[n > 0 ? n - 1 : 0] = 0;
	REPORT("child read after ^C: %s\n", line);
	REPORT("ready for a resize\n");
	wait_flag(&got_winch);
	struct winsize ws;
	ioctl(tty, TIOCGWINSZ, &ws);
	REPORT("child: SIGWINCH, %dx%d\n", ws.ws_row, ws.ws_col);
	child_jobctl(s);
	REPORT("waiting for the hangup\n");
	for (;;)
		pause();
}

/* The second child: a session leader whose exit hangs up its foreground group. */
static void leader_main(const char *name)
{
	setsid();
	int s = open(name, O_RDWR | O_NOCTTY);
	ioctl(s, TIOCSCTTY, 0);
	int ready[2];
	pipe(ready);
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		signal(SIGHUP, on_hup_report);
		write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	setpgid(g, g);
	char c;
	read(ready[0], &c, 1);
	signal(SIGTTOU, SIG_IGN);
	tcsetpgrp(s, g);
	REPORT("leader exits\n");
	_exit(0);
}

/* Read the child's reports up to and including one starting with until. */
static void relay(FILE *in, const char *until)
{
	char line[256];
	while (fgets(line, sizeof(line), in)) {
		fputs(line, stdout);
		if (strncmp(line, until, strlen(until)) == 0)
			return;
	}
	printf("FAIL report pipe closed before \"%s\"\n", until);
	guest_failures++;
}

/* What the master can read within a moment, \r dropped. */
static void master_sees(int m, const char *what, const char *want)
{
	char buf[256];
	size_t n = 0;
	struct timespec ts = {0, 20000000};
	fcntl(m, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 50 && n < strlen(want); i++) {
		ssize_t r = read(m, buf + n, sizeof(buf) - 1 - n);
		if (r > 0)
			n += r;
		else
			nanosleep(&ts, NULL);
	}
	fcntl(m, F_SETFL, 0);
	buf[n] = 0;
	check(n == strlen(want) && memcmp(buf, want, n) == 0, "%s", what);
}

int main(void)
{
	char name[64];
	int p[2];

	guest_start("pty_jobctl");
	int m = open_master(name, sizeof(name));
	if (!check(m >= 0, "pty pair") || pipe(p))
		return guest_finish();
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(m);
		rep = p[1];
		child_main(name);
	}
	close(p[1]);
	FILE *in = fdopen(p[0], "r");

	relay(in, "ready for a line");
	write(m, "line one\n", 9);
	relay(in, "child read");
	master_sees(m, "echo of the line", "line one\r\n");
	relay(in, "ready for ^C");
	write(m, "partial", 7);
	master_sees(m, "echo of a partial line", "partial");
	/* ^C flushes the partial line (and any output not yet read: none here). */
	write(m, "\003", 1);
	relay(in, "child: SIGINT");
	master_sees(m, "echo of ^C", "^C");
	write(m, "after\n", 6);
	relay(in, "child read after ^C");
	master_sees(m, "echo after ^C", "after\r\n");
	relay(in, "ready for a resize");
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	ioctl(m, TIOCSWINSZ, &ws);
	relay(in, "waiting for the hangup");
	close(m);
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "the session leader got SIGHUP when the master closed");
	fclose(in);

	/* A session leader's exit: SIGHUP to its foreground group. */
	m = open_master(name, sizeof(name));
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(m);
		rep = p[1];
		leader_main(name);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	relay(in, "leader exits");
	waitpid(pid, &status, 0);
	relay(in, "grandchild: SIGHUP");
	fclose(in);
	close(m);

	/* A session leader opening a slave gets it as its terminal, unless O_NOCTTY. */
	for (int noctty = 1; noctty >= 0; noctty--) {
		m = open_master(name, sizeof(name));
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			setsid();
			int s = open(name, O_RDWR | (noctty ? O_NOCTTY : 0));
			_exit(s >= 0 && tcgetsid(s) == getpid() ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		check(WIFEXITED(status) && WEXITSTATUS(status) == (noctty ? 1 : 0),
		      "a new session opens a slave %s: %s", noctty ? "with O_NOCTTY" : "without it",
		      noctty ? "no controlling terminal" : "its controlling terminal");
		close(m);
	}
	return guest_finish();
}
