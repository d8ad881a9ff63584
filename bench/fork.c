// SPDX-License-Identifier: Apache-2.0
/*
 * fork — the cost of a short-lived child process.
 *
 *   fork [N]      N iterations [20000]
 *
 * Each iteration forks; the child calls _exit(0) at once and the parent
 * waits for it with waitpid.  Prints "ns_per_op=<float>", the time of one
 * fork + exit + wait.  Under runsk that is a copy-on-write duplication of the
 * address space (page tables included), a new task scheduled, its exit and
 * the reaping, plus the write faults the parent takes afterwards on its own
 * stack and data, now shared copy-on-write.  10 untimed iterations first.
 *
 * Exit status: 0 on success, 1 if a call fails or a child exits non-zero,
 * 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10

/* One fork + _exit + waitpid; 0 on success. */
static int once(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		perror("fork: fork");
		return -1;
	}
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid) {
		perror("fork: waitpid");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "fork: child ended with status %#x\n", status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 20000);
	double t0, t1;

	for (int i = 0; i < WARMUP; i++)
		if (once())
			return 1;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (once())
			return 1;
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
