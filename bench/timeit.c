// SPDX-License-Identifier: Apache-2.0
/*
 * timeit — wall time of a command, run several times.
 *
 *   timeit [-a] [-n RUNS] [-t SECS] CMD [ARG...]      RUNS [20]
 *
 * Runs CMD RUNS times, one after the other, with stdout sent to /dev/null
 * (stderr is kept, so that failures explain themselves), and prints one
 * machine-readable line:
 *
 *   runs=20 hung=0 median_us=1234.5 min_us=1100.0 max_us=1500.2
 *
 * -a adds a second line with every sample in run order, for a caller that
 * pools samples from several invocations:  samples_us=1100.0,1234.5,...
 *
 * -t kills a run (its process group: each run gets one) that takes longer
 * than SECS, and stops there: what hangs once tends to hang again, and each
 * hang costs SECS.  The hung run is no sample but is counted (hung=1 in the
 * first line), and the runs before it keep their samples.
 *
 * Exits 1, printing "failed=exit:N" (or signal:N, spawn:0, hung:K when every
 * run hung), if a run fails.
 *
 * Why a C helper: inside the QEMU/TCG test VM there is only busybox sh, whose
 * `time` has 10 ms resolution, while start-up times are a few ms natively.
 * The clock is read in this process around posix_spawn + waitpid, so the
 * spawn cost is included — it is the same for the native and the runsk
 * columns, which are compared in the same run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define RUN_HUNG (-2)

/*
 * run_once: one spawn + wait; returns the wait status, -1 on error, or
 * RUN_HUNG if the run outlived `limit` (0: no limit) and was killed.
 * SIGCHLD is blocked in this process (see main), so that sigtimedwait can
 * wait for the child with a deadline yet wake the moment it exits: polling
 * would add its period to every sample.
 */
static int run_once(char **argv, const posix_spawn_file_actions_t *fa,
		    const posix_spawnattr_t *attr, long limit)
{
	struct timespec deadline = {.tv_sec = limit}, zero = {0};
	sigset_t chld;
	pid_t pid;
	int status, err;

	/* A SIGCHLD left pending by an earlier run (a killed one) would end
	 * this run's wait at once: drop it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (sigtimedwait(&chld, NULL, &zero) > 0)
		;
	err = posix_spawnp(&pid, argv[0], fa, attr, argv, environ);
	if (err) {
		fprintf(stderr, "timeit: cannot run %s: %s\n", argv[0], strerror(err));
		return -1;
	}
	while (limit && sigtimedwait(&chld, NULL, &deadline) < 0) {
		if (errno == EINTR)
			continue;    /* restarts the full limit: good enough */
		kill(-pid, SIGKILL); /* its process group: helpers too */
		/* A process stuck in the kernel may not even die: don't hang
		 * with it. */
		deadline.tv_sec = 10;
		if (sigtimedwait(&chld, NULL, &deadline) < 0 ||
		    waitpid(pid, &status, WNOHANG) != pid) {
			fprintf(stderr, "timeit: pid %d survives SIGKILL\n", (int)pid);
			printf("failed=unkillable:%d\n", (int)pid);
			exit(1);
		}
		return RUN_HUNG;
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("timeit: waitpid");
		return -1;
	}
	return status;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t chld, none;
	long runs = 20, limit = 0, done = 0, hung = 0;
	double *us, *sorted;
	int opt, all = 0;

	while ((opt = getopt(argc, argv, "+an:t:")) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'n':
			runs = strtol(optarg, NULL, 10);
			if (runs < 1)
				goto usage;
			break;
		case 't':
			limit = strtol(optarg, NULL, 10);
			if (limit < 1)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;

	us = calloc(runs, sizeof(*us));
	sorted = calloc(runs, sizeof(*sorted));
	if (!us || !sorted) {
		perror("timeit");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	/* SIGCHLD blocked here (for sigtimedwait), but not in the child. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

	for (long i = 0; i < runs; i++) {
		double t0 = now_us();
		int status = run_once(argv + optind, &fa, &attr, limit);
		double t1 = now_us();

		if (status == RUN_HUNG) {
			fprintf(stderr,
				"timeit: run %ld took over %ld s, killed;"
				" skipping the remaining runs\n",
				i + 1, limit);
			hung++;
			break;
		}
		us[done++] = t1 - t0;
		if (status != 0) {
			printf("failed=%s:%d\n",
			       status < 0	     ? "spawn"
			       : WIFSIGNALED(status) ? "signal"
						     : "exit",
			       status < 0	     ? 0
			       : WIFSIGNALED(status) ? WTERMSIG(status)
						     : WEXITSTATUS(status));
			return 1;
		}
	}

	if (!done) {
		printf("failed=hung:%ld\n", hung);
		return 1;
	}
	memcpy(sorted, us, done * sizeof(*us));
	qsort(sorted, done, sizeof(*sorted), cmp_double);
	printf("runs=%ld hung=%ld median_us=%.1f min_us=%.1f max_us=%.1f\n", done, hung,
	       done % 2 ? sorted[done / 2] : (sorted[done / 2 - 1] + sorted[done / 2]) / 2,
	       sorted[0], sorted[done - 1]);
	if (all) {
		printf("samples_us=");
		for (long i = 0; i < done; i++)
			printf("%s%.1f", i ? "," : "", us[i]);
		printf("\n");
	}
	return 0;

usage:
	fprintf(stderr, "usage: %s [-a] [-n RUNS] [-t SECS] CMD [ARG...]\n", argv[0]);
	return 2;
}
