// SPDX-License-Identifier: Apache-2.0
/*
 * pipe — pipes between two processes: latency, or throughput with -b.
 *
 *   pipe [N]        N round trips of one byte [100000]
 *   pipe -b [N]     N writes of 64 KiB through one pipe [20000]
 *
 * The process forks a child, then:
 *
 * - by default the parent writes one byte to the child over one pipe and
 *   reads it back from the child over a second; prints "ns_per_op=<float>",
 *   the time of one round trip: two writes, two reads that block, and two
 *   switches between the processes;
 * - with -b the parent writes N chunks of 64 KiB into one pipe, the child
 *   reads them (into a 64 KiB buffer, as many reads as it takes) and, at end
 *   of file, reports the byte count back; prints "ns_per_op=<float>", the
 *   time per 64 KiB chunk, and "mib_per_s=<float>" (for people: the bench
 *   report reads ns_per_op only).
 *
 * The clock starts after the child has answered (10 untimed round trips, or
 * one byte with -b), so that the fork is not timed.  Under runsk every read and write is a VM exit and the data
 * is copied through the Sentry's pipe buffer.
 *
 * Exit status: 0 on success, 1 if a call fails or data goes missing, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CHUNK (64L << 10)
#define WARMUP 10

static char buf[CHUNK];

/* write() all of len bytes, across short writes; 0 on success. */
static int write_all(int fd, const char *p, long len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Echoes each byte from in to out until end of file. */
static void child_echo(int in, int out)
{
	char c;

	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

/* Answers once, then counts bytes from in until end of file and sends the count. */
static void child_sink(int in, int out)
{
	long total = 0;
	ssize_t n;

	if (write(out, "", 1) != 1)
		_exit(1);
	while ((n = read(in, buf, CHUNK)) != 0) {
		if (n < 0 && errno != EINTR)
			_exit(1);
		if (n > 0)
			total += n;
	}
	_exit(write(out, &total, sizeof(total)) == sizeof(total) ? 0 : 1);
}

static int round_trip(int to, int from)
{
	char c = 'x';

	return write(to, &c, 1) == 1 && read(from, &c, 1) == 1 ? 0 : -1;
}

/* Parent of child_echo: times n round trips; returns ns per trip or -1. */
static double latency(int to, int from, long n)
{
	double t0;

	for (int i = 0; i < WARMUP; i++)
		if (round_trip(to, from))
			goto fail;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++)
		if (round_trip(to, from))
			goto fail;
	return (bench_now_ns() - t0) / n;
fail:
	perror("pipe: round trip");
	return -1;
}

/*
 * Parent of child_sink: times n chunks into `to`, which it closes (the
 * child's end of file) on every path; returns ns per chunk or -1.
 */
static double throughput(int to, int from, long n)
{
	long total = 0, i = 0;
	double t0 = 0;
	char c;

	if (read(from, &c, 1) == 1)
		for (t0 = bench_now_ns(); i < n && !write_all(to, buf, CHUNK); i++)
			;
	close(to);
	if (i < n) {
		perror("pipe: write");
		return -1;
	}
	if (read(from, &total, sizeof(total)) != sizeof(total) || total != n * CHUNK) {
		fprintf(stderr, "pipe: the reader got %ld bytes of %ld\n", total, n * CHUNK);
		return -1;
	}
	return (bench_now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	int bw = 0, opt, status, down[2], up[2];
	long n;
	double ns;
	pid_t pid;

	while ((opt = getopt(argc, argv, "b")) != -1) {
		if (opt != 'b')
			goto usage;
		bw = 1;
	}
	if (optind < argc - 1)
		goto usage;
	n = bw ? 20000 : 100000;
	if (optind == argc - 1) {
		char *end;

		n = strtol(argv[optind], &end, 0);
		if (*end || n < 1)
			goto usage;
	}

	if (pipe(down) || pipe(up)) {
		perror("pipe: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("pipe: fork");
		return 1;
	}
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		if (bw)
			child_sink(down[0], up[1]);
		child_echo(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	if (bw) {
		ns = throughput(down[1], up[0], n);
	} else {
		ns = latency(down[1], up[0], n);
		close(down[1]); /* the child's end of file */
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pipe: the child failed\n");
		return 1;
	}
	if (ns < 0)
		return 1;
	printf("ns_per_op=%.1f\n", ns);
	if (bw)
		printf("mib_per_s=%.1f\n", 1e9 / ns * CHUNK / (1 << 20));
	return 0;

usage:
	fprintf(stderr, "usage: %s [-b] [N]\n", argv[0]);
	return 2;
}
