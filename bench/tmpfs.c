// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs — file data and metadata on a memory file system (/dev/shm, /tmp).
 *
 *   tmpfs -b DIR [MIB]   MIB MiB written then read back in 1 MiB calls [1024]
 *   tmpfs -s DIR [MIB]   the same in 4 KiB calls [1024]
 *   tmpfs -o DIR [N]     N × (open, fstat, close) of one small file [200000]
 *
 * -b and -s: each pass creates DIR/tmpfs-rw.PID, writes it from start to
 * end with write(), reads it all back with pread() from offset 0, closes
 * and unlinks it; the file has min(MIB, 256) MiB (issue 4 asks for 256 MiB),
 * and MIB / that many passes run, so that a small MIB makes one short pass
 * where every call is slow (a VM exit under emulation) and a large one
 * repeats the 256 MiB file.  Prints "ns_per_op=<float>" per MiB moved: one
 * MiB written and the same MiB read, the creation and freeing of its pages
 * included.  One untimed pass of 1 MiB first.
 *
 * -o: creates DIR/open-fstat.PID (1 KiB) once, then times N × (open
 * read-only, fstat, close); prints "ns_per_op=<float>" per triple.  10
 * untimed triples first.
 *
 * Under runsk, /dev/shm and /tmp of a sandbox without a root image are the
 * Sentry's tmpfs (no gofer); with the host's root, /tmp is the overlay's
 * in-memory upper layer, /dev/shm still a tmpfs.  The caller picks DIR.
 *
 * Exit status: 0 on success, 1 if a call fails or data goes missing, 2 usage.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MIB (1L << 20)
#define SMALL 4096L
#define FILE_MIB_MAX 256
#define WARMUP 10

static char buf[MIB];

/* write() all of len bytes from buf in piece-sized calls; 0 on success. */
static int write_piecewise(int fd, long len, long piece)
{
	for (long off = 0; off < len; off += piece)
		if (write(fd, buf, piece) != piece)
			return -1;
	return 0;
}

/* pread() len bytes from offset 0 in piece-sized calls; 0 if all came back. */
static int read_piecewise(int fd, long len, long piece)
{
	for (long off = 0; off < len; off += piece)
		if (pread(fd, buf, piece, off) != piece)
			return -1;
	return 0;
}

/* One pass: create path, fill it with mib MiB, read them back, unlink it. */
static int rw_pass(const char *path, long mib, long piece)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -1;
	ret = write_piecewise(fd, mib * MIB, piece);
	if (!ret)
		ret = read_piecewise(fd, mib * MIB, piece);
	if (close(fd))
		ret = -1;
	if (unlink(path))
		ret = -1;
	return ret;
}

static int open_fstat_close(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fstat(fd, &st) || st.st_size != 1024 ? -1 : 0;
	if (close(fd))
		ret = -1;
	return ret;
}

/* The -o file: 1 KiB, made once. */
static int make_small(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, buf, 1024) == 1024 ? 0 : -1;
	if (close(fd))
		ret = -1;
	return ret;
}

static int bench_rw(const char *path, long total_mib, long piece)
{
	long file_mib = total_mib < FILE_MIB_MAX ? total_mib : FILE_MIB_MAX;
	long passes = total_mib / file_mib;
	double t0, t1;

	memset(buf, 0xa5, sizeof(buf));
	if (rw_pass(path, 1, piece))
		return -1;
	t0 = bench_now_ns();
	for (long i = 0; i < passes; i++)
		if (rw_pass(path, file_mib, piece))
			return -1;
	t1 = bench_now_ns();
	printf("ns_per_op=%.1f\n", (t1 - t0) / (passes * file_mib));
	return 0;
}

static int bench_open_fstat(const char *path, long n)
{
	double t0, t1;
	int ret = make_small(path);

	for (int i = 0; !ret && i < WARMUP; i++)
		ret = open_fstat_close(path);
	t0 = bench_now_ns();
	for (long i = 0; !ret && i < n; i++)
		ret = open_fstat_close(path);
	t1 = bench_now_ns();
	if (unlink(path))
		ret = -1;
	if (!ret)
		printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return ret;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	const char *dir = NULL;
	int mode = 0, opt, ret;
	long n;

	while ((opt = getopt(argc, argv, "b:s:o:")) != -1) {
		if (mode || opt == '?' || opt == ':')
			goto usage;
		mode = opt;
		dir = optarg;
	}
	if (!mode || optind < argc - 1)
		goto usage;
	n = mode == 'o' ? 200000 : 1024;
	if (optind == argc - 1) {
		char *end;

		n = strtol(argv[optind], &end, 0);
		if (*end || n < 1)
			goto usage;
	}
	if (snprintf(path, sizeof(path), "%s/%s.%ld", dir, mode == 'o' ? "open-fstat" : "tmpfs-rw",
		     (long)getpid()) >= (int)sizeof(path))
		goto usage;

	if (mode == 'o')
		ret = bench_open_fstat(path, n);
	else
		ret = bench_rw(path, n, mode == 'b' ? MIB : SMALL);
	if (ret) {
		perror(path);
		unlink(path);
		return 1;
	}
	return 0;

usage:
	fprintf(stderr, "usage: %s -b|-s|-o DIR [N]\n", argv[0]);
	return 2;
}
