// SPDX-License-Identifier: Apache-2.0
/*
 * Writes to stdout (a host file under difftest.sh) by processes that are
 * being signalled while they write. Each child is a fresh guest process
 * on a host thread of its own (all are alive at once), so its first write
 * is also the Sentry thread's first host I/O; the parent keeps sending it
 * SIGUSR1 (SA_RESTART) while it writes. Linux completes every write: a
 * signal does not interrupt a write to a regular file, and to a pipe it
 * could only after nothing was written, which SA_RESTART restarts.
 *
 * Under runsk a signal for the child is a host signal on its thread (a
 * kick), which could make io_uring cancel that first write (ECANCELED;
 * tests/unit/sentry/test_hostio.c provokes that race reliably, this
 * program only now and then).
 */
#define _GNU_SOURCE
#include <signal.h>

#include "guest_test.h"

#define CHILDREN 24
#define LINES 4
/* Signals per child at most: the child is done long before. */
#define MAX_KILLS 20000

static void on_usr1(int sig GUEST_UNUSED)
{
}

static void child(int n, int go)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(2);
	for (int i = 0; i < LINES; i++) {
		char line[64];
		int len = snprintf(line, sizeof(line), "child %d line %d\n", n, i);
		ssize_t w = write(1, line, (size_t)len);
		if (w != len) {
			fprintf(stderr, "child %d: write returned %zd (%s)\n", n, w,
				guest_errno_name(w < 0 ? errno : 0));
			_exit(1);
		}
	}
	_exit(0);
}

int main(void)
{
	guest_start("stdout_signalled");
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	pid_t pids[CHILDREN];
	int gos[CHILDREN];
	for (int n = 0; n < CHILDREN; n++) {
		int p[2];
		if (!expect_ret(pipe(p), 0, "pipe"))
			return guest_finish();
		fflush(stdout);
		pids[n] = fork();
		if (pids[n] < 0) {
			check(false, "fork: %s", guest_errno_name(errno));
			return guest_finish();
		}
		if (pids[n] == 0) {
			close(p[1]);
			child(n, p[0]);
		}
		close(p[0]);
		gos[n] = p[1];
	}

	/* One at a time, so that the lines come out in a fixed order. */
	for (int n = 0; n < CHILDREN; n++) {
		if (write(gos[n], "g", 1) != 1)
			check(false, "child %d: go", n);
		close(gos[n]);
		int status = 0;
		pid_t got = 0;
		for (int k = 0; k < MAX_KILLS && got == 0; k++) {
			kill(pids[n], SIGUSR1);
			got = waitpid(pids[n], &status, WNOHANG);
		}
		if (got == 0)
			got = waitpid(pids[n], &status, 0);
		check(got == pids[n] && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child %d signalled while writing: exit 0", n);
	}
	return guest_finish();
}
