// SPDX-License-Identifier: Apache-2.0
/*
 * epoll — wake-ups through epoll_wait handed back and forth between two
 * processes.
 *
 *   epoll [N]    N round trips [100000]
 *
 * The process makes two pipes and forks a child.  Each side has an epoll
 * instance watching the read end it listens on (level-triggered EPOLLIN).
 * The parent writes one byte into the child's pipe and sleeps in
 * epoll_wait until the child, woken from its own epoll_wait, has read the
 * byte and written it back; then the parent reads it.  Prints
 * "ns_per_op=<float>", the time of one round trip: two epoll_waits that
 * really sleep, two reads, two writes and two switches between the
 * processes — `pipe`'s round trip plus two epoll_waits, so that the
 * difference between the two rows is what epoll's wait and wake-up cost.
 * 10 untimed round trips first, so that the fork is not timed.
 *
 * Where the kernel has no epoll (epoll_create1 fails with ENOSYS) it prints
 * "unsupported=epoll_create1:ENOSYS" and exits 3.
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage, 3 no epoll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10

/* An epoll instance watching fd for input; the epoll fd, or -1. */
static int epoll_on(int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -1;
	}
	return ep;
}

/* Sleeps in epoll_wait until in is readable, then reads one byte; 1, 0 at EOF, -1. */
static int wait_read(int ep, int in, char *c)
{
	struct epoll_event ev;
	int n;

	do
		n = epoll_wait(ep, &ev, 1, -1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || ev.data.fd != in)
		return -1;
	return read(in, c, 1);
}

/* Echoes each byte from in to out, each one awaited with epoll_wait, until EOF. */
static void child_echo(int in, int out)
{
	int ep = epoll_on(in);
	char c;
	int n;

	if (ep < 0)
		_exit(1);
	while ((n = wait_read(ep, in, &c)) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(n == 0 ? 0 : 1);
}

static int round_trip(int ep, int in, int out)
{
	char c = 'x';

	return write(out, &c, 1) == 1 && wait_read(ep, in, &c) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 100000);
	int to_child[2], to_parent[2], ep, status;
	double t0, ns = -1;
	pid_t pid;

	/* The probe: tell "no epoll here" apart from a failure. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		if (errno == ENOSYS) {
			printf("unsupported=epoll_create1:ENOSYS\n");
			return 3;
		}
		perror("epoll: epoll_create1");
		return 1;
	}
	close(ep);
	if (pipe(to_child) || pipe(to_parent)) {
		perror("epoll: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("epoll: fork");
		return 1;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		child_echo(to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);

	ep = epoll_on(to_parent[0]);
	if (ep < 0)
		goto done;
	for (int i = 0; i < WARMUP; i++)
		if (round_trip(ep, to_parent[0], to_child[1]))
			goto done;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (round_trip(ep, to_parent[0], to_child[1]))
			goto done;
	ns = (bench_now_ns() - t0) / n;
done:
	if (ns < 0)
		perror("epoll: round trip");
	close(to_child[1]); /* the child's end of file */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "epoll: the child failed\n");
		return 1;
	}
	if (ns < 0)
		return 1;
	printf("ns_per_op=%.1f\n", ns);
	return 0;
}
