// SPDX-License-Identifier: Apache-2.0
/*
 * unix — AF_UNIX stream round trips between two processes.
 *
 *   unix [N]    N round trips of one byte [100000]
 *
 * The process makes a connected AF_UNIX SOCK_STREAM pair (socketpair), forks
 * a child that echoes every byte back, writes one byte and reads it back N
 * times; 10 untimed round trips first, so the fork is not timed.  Prints
 * "ns_per_op=<float>", per round trip: two sends, two blocking receives, two
 * switches between the processes (the socket twin of `pipe`).
 *
 * Where the kernel has no AF_UNIX sockets (socketpair fails with ENOSYS or
 * EAFNOSUPPORT, as under a Sentry without a network stack) it prints
 * "unsupported=socketpair:<ERRNO NAME>" and exits 3, so that the report can
 * say "n/a" rather than "failed".
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage, 3 no AF_UNIX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10

static void child_echo(int fd)
{
	char c;

	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

static int round_trip(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 100000);
	int sv[2], status;
	double t0, ns;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		if (errno == ENOSYS || errno == EAFNOSUPPORT) {
			printf("unsupported=socketpair:%s\n",
			       errno == ENOSYS ? "ENOSYS" : "EAFNOSUPPORT");
			return 3;
		}
		perror("unix: socketpair");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("unix: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_echo(sv[1]);
	}
	close(sv[1]);

	ns = -1;
	for (int i = 0; i < WARMUP; i++)
		if (round_trip(sv[0]))
			goto done;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (round_trip(sv[0]))
			goto done;
	ns = (bench_now_ns() - t0) / n;
done:
	if (ns < 0)
		perror("unix: round trip");
	close(sv[0]); /* the child's end of file */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "unix: the child failed\n");
		return 1;
	}
	if (ns < 0)
		return 1;
	printf("ns_per_op=%.1f\n", ns);
	return 0;
}
