// SPDX-License-Identifier: Apache-2.0
/*
 * fork_until N [threads]: the helper of tests/integration/limits.sh.
 * Makes up to N child processes (or, with "threads", N threads) that wait,
 * stopping at the first failure, and prints how many it made and the
 * error, as "procs 3 EAGAIN" or "threads 5 ok"; then ends them all. Not a
 * differential test: its output depends on the sandbox's pids.max.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TASKS 1024

static const char *err_name(int err)
{
	return err == EAGAIN ? "EAGAIN" : err == ENOMEM ? "ENOMEM" : strerror(err);
}

static void *wait_forever(void *arg __attribute__((unused)))
{
	for (;;)
		pause();
	return NULL;
}

static int make_procs(int n)
{
	static pid_t pids[MAX_TASKS];
	int made = 0, err = 0;

	while (made < n) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		pids[made++] = pid;
	}
	printf("procs %d %s\n", made, err ? err_name(err) : "ok");
	for (int i = 0; i < made; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}

static int make_threads(int n)
{
	pthread_t t;
	int made = 0, err = 0;

	while (made < n) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 << 10);
		err = pthread_create(&t, &a, wait_forever, NULL);
		pthread_attr_destroy(&a);
		if (err)
			break;
		made++;
	}
	printf("threads %d %s\n", made, err ? err_name(err) : "ok");
	fflush(stdout);
	_exit(0); /* the threads go with the process */
}

int main(int argc, char **argv)
{
	int n = argc >= 2 ? atoi(argv[1]) : 0;

	if (n <= 0 || n > MAX_TASKS) {
		fprintf(stderr, "usage: fork_until N [threads] (N up to %d)\n", MAX_TASKS);
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	return argc >= 3 && !strcmp(argv[2], "threads") ? make_threads(n) : make_procs(n);
}
