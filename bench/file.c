// SPDX-License-Identifier: Apache-2.0
/*
 * file — file-system calls on an existing file.
 *
 *   file -o PATH [N]    N × (open, read up to 4 KiB, close) [100000]
 *   file -s PATH [N]    N × stat [200000]
 *   file -r PATH [N]    N × reading the whole file, from an fd opened once,
 *                       with pread in 1 MiB pieces [2000]
 *   file -R PATH [N]    the same with pread in 4 KiB pieces [2000]
 *   file -w PATH [N]    N × (create PATH, which must not exist, write 1 MiB
 *                       to it in 4 KiB writes, close, unlink) [2000]
 *
 * Prints "ns_per_op=<float>": per open+read+close (-o), per stat (-s), or
 * per MiB read (-r, -R: the time over the bytes read, so use a file of 1 MiB
 * or more; bench/payload.sh makes one of exactly 1 MiB) or written (-w: a
 * new file each time, its creation and unlinking included).
 *
 * For -o, -s, -r and -R, PATH should be a file the caller made on the host
 * before the run: under runsk the sandbox's root is the host's / served by
 * the gofer under an in-memory overlay, so each of these reaches the gofer
 * unless the Sentry caches what it needs.  For -w, PATH names a file in an
 * existing directory: under runsk a new file lands in the overlay's
 * in-memory upper layer, never on the host.  10 untimed iterations first.
 *
 * Exit status: 0 on success, 1 if a call fails, 2 usage error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP 10
#define SMALL_READ 4096
#define SMALL_PIECE 4096L
#define PIECE (1L << 20)

static char buf[PIECE];

/* One open + read + close; bytes read, or -1. */
static long open_read_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, SMALL_READ);
	if (close(fd))
		return -1;
	return n;
}

static long stat_once(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* The whole file from offset 0 through fd, piece bytes a call; bytes read, or -1. */
static long read_all(int fd, long piece)
{
	long total = 0;
	ssize_t n;

	while ((n = pread(fd, buf, piece, total)) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

/* A new file of 1 MiB written in 4 KiB pieces, then removed; bytes written, or -1. */
static long write_new(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	long total = 0;

	if (fd < 0)
		return -1;
	while (total < PIECE && write(fd, buf, SMALL_PIECE) == SMALL_PIECE)
		total += SMALL_PIECE;
	if (close(fd) || unlink(path) || total < PIECE)
		return -1;
	return total;
}

/* One operation of the mode; bytes read (the size, for stat), or -1. */
static long once(int mode, const char *path, int fd)
{
	switch (mode) {
	case 'o':
		return open_read_close(path);
	case 's':
		return stat_once(path);
	case 'w':
		return write_new(path);
	case 'R':
		return read_all(fd, SMALL_PIECE);
	default:
		return read_all(fd, PIECE);
	}
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	long n = 0, bytes = 0;
	int mode = 0, opt, fd = -1;
	double t0, t1;

	while ((opt = getopt(argc, argv, "o:s:r:R:w:")) != -1) {
		if (mode || opt == '?' || opt == ':')
			goto usage;
		mode = opt;
		path = optarg;
	}
	if (!mode || optind < argc - 1)
		goto usage;
	n = mode == 'o' ? 100000 : mode == 's' ? 200000 : 2000;
	if (optind == argc - 1) {
		char *end;

		n = strtol(argv[optind], &end, 0);
		if (*end || n < 1)
			goto usage;
	}
	if (mode == 'r' || mode == 'R') {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			goto fail;
	}

	for (int i = 0; i < WARMUP; i++)
		if (once(mode, path, fd) < 0)
			goto fail;
	t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		long got = once(mode, path, fd);

		if (got < 0)
			goto fail;
		bytes += got;
	}
	t1 = bench_now_ns();

	if (mode == 'r' || mode == 'R' || mode == 'w') {
		if (bytes < PIECE) {
			fprintf(stderr, "file: %s has less than 1 MiB\n", path);
			return 1;
		}
		printf("ns_per_op=%.1f\n", (t1 - t0) / ((double)bytes / PIECE));
	} else {
		printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	}
	return 0;

fail:
	perror(path);
	return 1;

usage:
	fprintf(stderr, "usage: %s -o|-s|-r|-R|-w PATH [N]\n", argv[0]);
	return 2;
}
