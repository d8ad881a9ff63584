// SPDX-License-Identifier: Apache-2.0
/*
 * forkexec — the cost of running a program as a child.
 *
 *   forkexec PROG [N]      N iterations [5000]
 *
 * Each iteration forks; the child execve()s PROG (no arguments, an empty
 * environment), which should exit 0 at once — bench/true, static, so that
 * no dynamic loader is timed — and the parent waits for it.  Prints
 * "ns_per_op=<float>", the time of one fork + execve + exit + wait.
 *
 * Plain fork rather than vfork or posix_spawn: the row then reads as the
 * `fork` row plus an execve, and fork is what shells do.  Under runsk the
 * execve builds a fresh address space, loads PROG through the gofer (the
 * host file system) and maps its segments.  5 untimed iterations first.
 *
 * Exit status: 0 on success, 1 if a call fails or PROG fails, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 5

/* One fork + execve + waitpid; 0 on success. */
static int once(const char *prog)
{
	char *argv[] = {(char *)prog, NULL}, *envp[] = {NULL};
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		perror("forkexec: fork");
		return -1;
	}
	if (pid == 0) {
		execve(prog, argv, envp);
		/* 127 like a shell's "command not found"; stdio is the parent's,
		 * not to be flushed twice: _exit and a bare message. */
		dprintf(2, "forkexec: execve %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		perror("forkexec: waitpid");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "forkexec: %s ended with status %#x\n", prog, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = 5000;
	char *end = "";
	double t0, t1;

	if (argc == 3)
		n = strtol(argv[2], &end, 0);
	if (argc < 2 || argc > 3 || *end || n < 1) {
		fprintf(stderr, "usage: %s PROG [ITERATIONS]\n", argv[0]);
		return 2;
	}

	for (int i = 0; i < WARMUP; i++)
		if (once(argv[1]))
			return 1;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (once(argv[1]))
			return 1;
	t1 = bench_now_ns();

	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
