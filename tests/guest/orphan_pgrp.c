// SPDX-License-Identifier: Apache-2.0
/*
 * Orphaned process groups (POSIX; Linux's kill_orphaned_pgrp): a group
 * whose last link to a parent in another group of its session goes while
 * a member is stopped gets SIGHUP then SIGCONT, both when that link is a
 * parent that exits (the stopped child passes to a reaper) and when it is
 * the exiting member itself. In an orphaned group, SIGTSTP, SIGTTIN and
 * SIGTTOU with their default action are discarded; SIGSTOP still stops.
 *
 * The test is a subreaper so that orphans come back to it, in another
 * session than theirs (each case starts one with setsid): natively and
 * under runsk alike, that parent does not keep their group from being
 * orphaned. The stopped children report on a pipe; only the test prints.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>

#include "guest_test.h"

static int rep[2];
static char seen[16];
static volatile sig_atomic_t nseen;

static void on_sig(int sig)
{
	if (nseen < (int)sizeof(seen) - 1)
		seen[nseen++] = sig == SIGHUP ? 'H' : sig == SIGCONT ? 'C' : '?';
}

/* Wait up to 10 s for n signals to have been recorded. */
static void wait_seen(int n)
{
	struct timespec nap = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 1000 && nseen < n; i++)
		nanosleep(&nap, NULL);
}

/*
 * A child that records SIGHUP and SIGCONT (each handler blocks every
 * signal, so the order is the order of delivery), stops itself, and once
 * continued writes what it saw, then tries the terminal's stop signals.
 */
static void stopper(void)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigfillset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	raise(SIGSTOP);
	wait_seen(2);
	seen[nseen] = 0;
	dprintf(rep[1], "%s\n", seen);
	/* Now orphaned (the parent is in another session): these do not stop. */
	raise(SIGTSTP);
	raise(SIGTTIN);
	raise(SIGTTOU);
	dprintf(rep[1], "still running\n");
	_exit(0);
}

/*
 * Wait for pid and check how it ended (wstatus as waitpid gives it).
 * Not guest_expect_child: alone in a program, its snprintf trips gcc's
 * -Wformat-truncation once guest_errno_name is inlined into it.
 */
static void expect_end(pid_t pid, int want, const char *what)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	check(st == want, "%s (status %#x)", what, st == want ? want : st);
}

static void read_line(char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size && read(rep[0], buf + n, 1) == 1 && buf[n] != '\n')
		n++;
	buf[n] = 0;
}

/* Wait for the orphan c (now our child) and check what it reported. */
static void check_orphan(pid_t c, const char *what)
{
	char line[64];
	read_line(line, sizeof(line));
	check(!strcmp(line, "HC"), "%s: SIGHUP then SIGCONT (%s)", what, line);
	int st;
	pid_t r = waitpid(c, &st, WUNTRACED);
	if (r == c && WIFSTOPPED(st)) {
		check(false, "%s: stop signals discarded (stopped by %d)", what, WSTOPSIG(st));
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		return;
	}
	read_line(line, sizeof(line));
	check(!strcmp(line, "still running"), "%s: stop signals discarded", what);
	check(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: orphan exit 0", what);
}

/* The stopped child's parent exits: its group loses its link on reparenting. */
static void orphan_by_parent_exit(void)
{
	pid_t c = -1;
	int link[2];
	pipe(link);
	pid_t m = fork();
	if (m == 0) {
		setsid();
		c = fork();
		if (c == 0) {
			setpgid(0, 0);
			stopper();
		}
		int st;
		waitpid(c, &st, WUNTRACED);
		write(link[1], &c, sizeof(c));
		_exit(WIFSTOPPED(st) ? 0 : 1);
	}
	read(link[0], &c, sizeof(c));
	expect_end(m, 0, "parent of a stopped child in its own group exits");
	check_orphan(c, "parent exits");
	close(link[0]);
	close(link[1]);
}

/* The group's only member with an outside parent exits while another member is stopped. */
static void orphan_by_member_exit(void)
{
	pid_t c = -1;
	int link[2];
	pipe(link);
	pid_t m = fork();
	if (m == 0) {
		setsid();
		pid_t x = fork();
		if (x == 0) {
			setpgid(0, 0);
			c = fork();
			if (c == 0)
				stopper();
			int st;
			waitpid(c, &st, WUNTRACED);
			write(link[1], &c, sizeof(c));
			_exit(WIFSTOPPED(st) ? 0 : 1);
		}
		/* Stay until killed, so that x's exit is the only change. */
		int st;
		waitpid(x, &st, 0);
		for (;;)
			pause();
	}
	read(link[0], &c, sizeof(c));
	check_orphan(c, "group member exits");
	kill(m, SIGKILL);
	expect_end(m, SIGKILL, "session leader killed");
	close(link[0]);
	close(link[1]);
}

/* SIGSTOP still stops a process of an orphaned group (a session leader's own). */
static void sigstop_in_orphaned(void)
{
	pid_t c = fork();
	if (c == 0) {
		setsid();
		pid_t g = fork();
		if (g == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		int st;
		waitpid(g, &st, WUNTRACED);
		kill(g, SIGCONT);
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) ? 0 : 2);
	}
	expect_end(c, 0, "SIGSTOP stops in an orphaned group, SIGCONT resumes");
}

int main(void)
{
	guest_start("orphan_pgrp");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(rep)) {
		check(false, "set up");
		return guest_finish();
	}
	orphan_by_parent_exit();
	orphan_by_member_exit();
	sigstop_in_orphaned();
	return guest_finish();
}
