// SPDX-License-Identifier: Apache-2.0
/*
 * signal — a signal sent to oneself, delivered to a handler, and returned
 * from.
 *
 *   signal [N]    N signals [200000]
 *
 * The process installs a handler for SIGUSR1 (sigaction, no SA_RESTART
 * needed: nothing blocks) and sends itself SIGUSR1 N times with
 * tgkill(getpid(), gettid(), SIGUSR1) — the raw system call, not raise(),
 * which adds two rt_sigprocmask calls around it.  The signal is pending and
 * unblocked when tgkill returns, so the kernel delivers it on the way out:
 * it builds the signal frame, runs the handler (one increment), and the
 * handler's return enters rt_sigreturn, which restores the frame.  Prints
 * "ns_per_op=<float>", per signal: one tgkill, one delivery, one
 * rt_sigreturn.  10 untimed signals first; the handler's count is checked
 * at the end, so that a lost signal is a failure rather than a fast run.
 *
 * Exit status: 0 on success, 1 if a call fails or a signal is lost, 2 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10

static volatile sig_atomic_t delivered;

static void on_usr1(int sig)
{
	(void)sig;
	delivered++;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 200000);
	struct sigaction sa = {.sa_handler = on_usr1};
	pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
	double t0, t1;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL)) {
		perror("signal: sigaction");
		return 1;
	}
	for (int i = 0; i < WARMUP; i++)
		if (syscall(SYS_tgkill, pid, tid, SIGUSR1))
			goto fail;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_tgkill, pid, tid, SIGUSR1))
			goto fail;
	t1 = bench_now_ns();
	if (delivered != WARMUP + n) {
		fprintf(stderr, "signal: %ld sent, %ld delivered\n", WARMUP + n, (long)delivered);
		return 1;
	}
	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;

fail:
	perror("signal: tgkill");
	return 1;
}
