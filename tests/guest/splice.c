// SPDX-License-Identifier: Apache-2.0
/*
 * splice, tee, vmsplice, sendfile, copy_file_range and the pipe size
 * fcntls: data moved file -> pipe -> file with and without offsets (and
 * which positions move), between pipes, duplicated by tee, to and from
 * user memory; blocking waits woken by another thread; and the errors of
 * each call's man page, in Linux's order.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char dir[64];
static unsigned char data[20000];

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static const char *at(const char *name)
{
	return guest_path_in(dir, name);
}

/* A new file name holding data[0..len). */
static int make_file(const char *name, size_t len)
{
	int fd = open(at(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Whether fd holds data[off..off+len) at pos. */
static bool file_has(int fd, off_t pos, size_t off, size_t len)
{
	static unsigned char buf[sizeof(data)];
	return pread(fd, buf, len, pos) == (ssize_t)len && !memcmp(buf, data + off, len);
}

static long cur(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

static void test_splice_files(void)
{
	int p[2];
	int in = make_file("in", sizeof(data));
	int out = open(at("out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t off_in = 100, off_out = 50;

	pipe(p);
	expect_ret(splice(in, &off_in, p[1], NULL, 1000, 0), 1000,
		   "splice file->pipe at an offset");
	expect_ret(off_in, 1100, "...the offset moved");
	expect_ret(cur(in), 0, "...the file position did not");
	expect_ret(splice(p[0], NULL, out, &off_out, 1000, SPLICE_F_MOVE | SPLICE_F_MORE), 1000,
		   "splice pipe->file at an offset");
	expect_ret(off_out, 1050, "...the offset moved");
	check(file_has(out, 50, 100, 1000), "...the file holds the bytes");
	check(file_has(out, 0, 0, 0) && lseek(out, 0, SEEK_END) == 1050, "...and is 1050 bytes");

	lseek(in, 5000, SEEK_SET);
	lseek(out, 0, SEEK_SET);
	expect_ret(splice(in, NULL, p[1], NULL, 100000, 0), 15000,
		   "splice file->pipe from the position to the file's end");
	expect_ret(cur(in), sizeof(data), "...the file position moved");
	long n = sizeof(data) - 5000;
	expect_ret(splice(p[0], NULL, out, NULL, 100000, 0), n,
		   "splice pipe->file empties the pipe and stops");
	expect_ret(cur(out), n, "...the output position moved");
	check(file_has(out, 0, 5000, n), "...the bytes are the file's");
	expect_ret(splice(in, NULL, p[1], NULL, 10, 0), 0, "splice from the end of a file: 0");
	fcntl(p[1], F_SETPIPE_SZ, 8192);
	off_in = 0;
	expect_ret(splice(in, &off_in, p[1], NULL, 100000, 0), 8192,
		   "splice file->pipe takes what the pipe has room for");
	expect_ret(splice(p[0], NULL, out, NULL, 100000, 0), 8192, "...and gives it on");
	lseek(out, 0, SEEK_SET);
	fcntl(p[1], F_SETPIPE_SZ, 65536);

	/* Write less than the pipe holds: the rest stays. */
	write(p[1], "0123456789", 10);
	off_out = 0;
	expect_ret(splice(p[0], NULL, out, &off_out, 4, 0), 4, "splice 4 of 10 bytes");
	char buf[16] = {0};
	expect_ret(read(p[0], buf, sizeof(buf)), 6, "...6 are left in the pipe");
	check(!memcmp(buf, "456789", 6), "...in order");

	/* A named FIFO is a pipe to splice too. */
	mkfifo(at("fifo"), 0600);
	int ff = open(at("fifo"), O_RDWR);
	static unsigned char got[100];
	off_in = 10;
	expect_ret(splice(in, &off_in, ff, NULL, 100, 0), 100, "splice file->FIFO");
	expect_ret(read(ff, got, sizeof(got)), 100, "...read back from the FIFO");
	check(!memcmp(got, data + 10, 100), "...the file's bytes");
	expect_err(splice(ff, NULL, ff, NULL, 10, 0), EINVAL, "splice a FIFO into itself");
	close(ff);
	unlink(at("fifo"));
	close(in);
	close(out);
	close(p[0]);
	close(p[1]);
}

static void test_splice_pipes_and_tee(void)
{
	int a[2], b[2], c[2];
	char buf[32] = {0};

	pipe(a);
	pipe(b);
	pipe(c);
	write(a[1], "hello world", 11);
	expect_ret(splice(a[0], NULL, b[1], NULL, 5, 0), 5, "splice pipe->pipe 5 bytes");
	expect_ret(read(b[0], buf, sizeof(buf)), 5, "...the other pipe has them");
	check(!memcmp(buf, "hello", 5), "...the first five");
	expect_ret(tee(a[0], b[1], 100, 0), 6, "tee what is left (6 bytes)");
	expect_ret(tee(a[0], c[1], 3, 0), 3, "tee 3 of them to a third pipe");
	memset(buf, 0, sizeof(buf));
	expect_ret(read(b[0], buf, sizeof(buf)), 6, "...the copy");
	check(!memcmp(buf, " world", 6), "...is the data");
	expect_ret(read(c[0], buf, sizeof(buf)), 3, "...the short copy");
	expect_ret(read(a[0], buf, sizeof(buf)), 6, "tee consumed nothing");
	check(!memcmp(buf, " world", 6), "...the source still holds the data");

	close(a[1]);
	expect_ret(splice(a[0], NULL, b[1], NULL, 10, 0), 0,
		   "splice from an empty pipe, no writers: 0");
	expect_ret(tee(a[0], b[1], 10, 0), 0, "tee from an empty pipe, no writers: 0");
	expect_err(splice(b[0], NULL, c[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN,
		   "splice from an empty pipe with SPLICE_F_NONBLOCK");
	expect_err(tee(b[0], c[1], 10, SPLICE_F_NONBLOCK), EAGAIN, "tee with SPLICE_F_NONBLOCK");
	fcntl(b[0], F_SETFL, O_NONBLOCK);
	expect_err(splice(b[0], NULL, c[1], NULL, 10, 0), EAGAIN,
		   "splice from an empty O_NONBLOCK pipe");
	close(a[0]);
	close(b[0]);
	close(b[1]);
	close(c[0]);
	close(c[1]);
}

static void test_vmsplice(void)
{
	int p[2];
	char x[] = "abc", y[] = "defgh", out1[4] = {0}, out2[8] = {0};
	struct iovec in[2] = {{x, 3}, {y, 5}};
	struct iovec outv[2] = {{out1, 2}, {out2, 8}};

	pipe(p);
	expect_ret(vmsplice(p[1], in, 2, SPLICE_F_GIFT), 8, "vmsplice two iovecs into a pipe");
	expect_ret(vmsplice(p[0], outv, 2, 0), 8, "vmsplice them out of the read end");
	check(!memcmp(out1, "ab", 2) && !memcmp(out2, "cdefgh", 6), "...scattered in order");
	expect_err(vmsplice(p[0], outv, 2, SPLICE_F_NONBLOCK), EAGAIN,
		   "vmsplice from an empty pipe, SPLICE_F_NONBLOCK");
	expect_ret(vmsplice(p[1], in, 0, 0), 0, "vmsplice of no iovecs");
	struct iovec bad = {(void *)8, 10};
	expect_err(vmsplice(p[1], &bad, 1, 0), EFAULT, "vmsplice from a bad address");
	expect_err(vmsplice(p[1], in, 1025, 0), EINVAL, "vmsplice of more than UIO_MAXIOV");
	expect_err(vmsplice(p[1], in, 2, 0x10), EINVAL, "vmsplice with an unknown flag");
	expect_err(vmsplice(-1, in, 2, 0), EBADF, "vmsplice on a bad fd");
	int f = make_file("vm", 10);
	expect_err(vmsplice(f, in, 2, 0), EBADF, "vmsplice on a regular file");
	close(f);

	/* Fill a pipe by user pages: 16 buffers of 4 KiB. */
	static char big[70000] __attribute__((aligned(4096)));
	struct iovec bigv = {big, sizeof(big)};
	expect_ret(vmsplice(p[1], &bigv, 1, 0), 65536, "vmsplice fills the pipe and stops");
	expect_err(vmsplice(p[1], &bigv, 1, SPLICE_F_NONBLOCK), EAGAIN,
		   "...then EAGAIN (SPLICE_F_NONBLOCK; O_NONBLOCK does not count)");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	expect_err(vmsplice(p[1], in, 2, 0), EPIPE, "vmsplice with no reader: EPIPE");
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void test_sendfile(void)
{
	int in = make_file("sf-in", 10000);
	int out = open(at("sf-out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	off_t off = 1000;

	expect_ret(sendfile(out, in, NULL, 3000), 3000, "sendfile without an offset");
	expect_ret(cur(in), 3000, "...moves the input position");
	expect_ret(cur(out), 3000, "...and the output's");
	expect_ret(sendfile(out, in, &off, 2000), 2000, "sendfile at an offset");
	expect_ret(off, 3000, "...moves the offset");
	expect_ret(cur(in), 3000, "...not the input position");
	check(file_has(out, 0, 0, 3000) && file_has(out, 3000, 1000, 2000), "...the bytes");
	off = 9000;
	expect_ret(sendfile(out, in, &off, 5000), 1000, "sendfile past the end: what there is");
	expect_ret(sendfile(out, in, &off, 5000), 0, "...then 0");
	expect_ret(sendfile(out, in, NULL, 0), 0, "sendfile of 0 bytes");

	int p[2];
	pipe(p);
	off = 0;
	expect_ret(sendfile(p[1], in, &off, 100000), 10000, "sendfile to a pipe");
	static unsigned char buf[10000];
	long got = 0, r;
	while (got < 10000 && (r = read(p[0], buf + got, sizeof(buf) - got)) > 0)
		got += r;
	check(got == 10000 && !memcmp(buf, data, 10000), "...the pipe has the file");
	write(p[1], "abc", 3);
	expect_err(sendfile(out, p[0], NULL, 3), EINVAL, "sendfile from a pipe");
	off = -1;
	expect_err(sendfile(out, in, &off, 10), EINVAL, "sendfile at a negative offset");
	off = 0;
	expect_err(sendfile(out, p[0], &off, 10), ESPIPE, "sendfile at an offset of a pipe");
	expect_err(sendfile(out, -1, NULL, 10), EBADF, "sendfile from a bad fd");
	expect_err(sendfile(-1, in, NULL, 10), EBADF, "sendfile to a bad fd");
	int ro = open(at("sf-in"), O_RDONLY);
	expect_err(sendfile(ro, in, NULL, 10), EBADF, "sendfile to a file not open for writing");
	close(ro);
	int wo = open(at("sf-in"), O_WRONLY);
	expect_err(sendfile(out, wo, NULL, 10), EBADF, "sendfile from a file not open for reading");
	close(wo);
	int ap = open(at("sf-out"), O_WRONLY | O_APPEND);
	expect_err(sendfile(ap, in, NULL, 10), EINVAL, "sendfile to an O_APPEND file");
	close(ap);
	expect_err(syscall(SYS_sendfile, out, in, (void *)8, 10), EFAULT,
		   "sendfile with a bad offset pointer");
	close(p[0]);
	close(p[1]);
	close(in);
	close(out);
}

static void test_copy_file_range(void)
{
	int in = make_file("cf-in", 8000);
	int out = open(at("cf-out"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t off_in = 100, off_out = 10;

	expect_ret(copy_file_range(in, &off_in, out, &off_out, 1000, 0), 1000,
		   "copy_file_range with offsets");
	check(off_in == 1100 && off_out == 1010, "...both offsets moved");
	check(cur(in) == 0 && cur(out) == 0, "...the file positions did not");
	check(file_has(out, 10, 100, 1000), "...the bytes");
	lseek(in, 7000, SEEK_SET);
	expect_ret(copy_file_range(in, NULL, out, NULL, 5000, 0), 1000,
		   "copy_file_range at the positions, to the input's end");
	check(cur(in) == 8000 && cur(out) == 1000, "...the positions moved");
	expect_ret(copy_file_range(in, NULL, out, NULL, 5000, 0), 0, "...then 0");
	expect_err(copy_file_range(in, NULL, out, NULL, 10, 1), EINVAL, "copy_file_range flags 1");
	off_in = 0;
	off_out = 10;
	expect_err(copy_file_range(in, &off_in, in, &off_out, 100, 0), EINVAL,
		   "copy_file_range overlapping in one file");
	off_out = 200;
	int rw = open(at("cf-in"), O_RDWR);
	expect_ret(copy_file_range(in, &off_in, rw, &off_out, 100, 0), 100,
		   "copy_file_range within one file, apart");
	close(rw);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	expect_err(copy_file_range(d, NULL, out, NULL, 10, 0), EISDIR,
		   "copy_file_range from a directory");
	close(d);
	int p[2];
	pipe(p);
	expect_err(copy_file_range(p[0], NULL, out, NULL, 10, 0), EINVAL,
		   "copy_file_range from a pipe");
	expect_err(copy_file_range(in, NULL, p[1], NULL, 10, 0), EINVAL,
		   "copy_file_range to a pipe");
	close(p[0]);
	close(p[1]);
	int ap = open(at("cf-out"), O_WRONLY | O_APPEND);
	expect_err(copy_file_range(in, NULL, ap, NULL, 10, 0), EBADF,
		   "copy_file_range to an O_APPEND file");
	close(ap);
	int ro = open(at("cf-in"), O_RDONLY);
	expect_err(copy_file_range(out, NULL, ro, NULL, 10, 0), EBADF,
		   "copy_file_range to a file open read-only");
	close(ro);
	expect_err(copy_file_range(-1, NULL, out, NULL, 10, 0), EBADF, "copy_file_range bad fd");
	expect_err(copy_file_range(in, (loff_t *)8, out, NULL, 10, 0), EFAULT,
		   "copy_file_range bad offset pointer");
	close(in);
	close(out);
}

static void test_splice_errors(void)
{
	int p[2], q[2];
	int f = make_file("err", 100);
	loff_t off = 0;

	pipe(p);
	pipe(q);
	expect_ret(splice(-1, NULL, -1, NULL, 0, 0), 0, "splice of 0 bytes, even with bad fds");
	expect_err(splice(p[0], NULL, q[1], NULL, 10, 0x10), EINVAL, "splice with an unknown flag");
	expect_err(splice(-1, NULL, p[1], NULL, 10, 0), EBADF, "splice from a bad fd");
	expect_err(splice(f, NULL, -1, NULL, 10, 0), EBADF, "splice to a bad fd");
	expect_err(splice(f, NULL, f, NULL, 10, 0), EINVAL, "splice between two non-pipes");
	expect_err(splice(p[0], &off, f, NULL, 10, 0), ESPIPE, "splice with an offset on a pipe");
	expect_err(splice(f, NULL, p[1], &off, 10, 0), ESPIPE,
		   "splice with an offset on the pipe out");
	expect_err(splice(p[1], NULL, f, NULL, 10, 0), EBADF, "splice from a pipe's write end");
	expect_err(splice(f, NULL, p[0], NULL, 10, 0), EBADF, "splice into a pipe's read end");
	expect_err(splice(p[0], NULL, p[1], NULL, 10, 0), EINVAL, "splice a pipe into itself");
	expect_err(tee(p[0], p[1], 10, 0), EINVAL, "tee a pipe into itself");
	expect_err(tee(f, p[1], 10, 0), EINVAL, "tee from a regular file");
	expect_err(tee(p[0], q[1], 10, 0x20), EINVAL, "tee with an unknown flag");
	expect_ret(tee(-1, -1, 0, 0), 0, "tee of 0 bytes");
	expect_err(tee(-1, q[1], 10, 0), EBADF, "tee from a bad fd");
	write(p[1], "data", 4);
	off = -5;
	expect_err(splice(p[0], NULL, f, &off, 4, 0), EINVAL, "splice to a negative offset");
	expect_err(splice(f, &off, q[1], NULL, 4, 0), EINVAL, "splice from a negative offset");
	expect_err(splice(p[0], NULL, f, (loff_t *)8, 4, 0), EFAULT,
		   "splice with a bad offset pointer");
	int ap = open(at("err"), O_WRONLY | O_APPEND);
	expect_err(splice(p[0], NULL, ap, NULL, 4, 0), EINVAL, "splice to an O_APPEND file");
	close(ap);
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	expect_err(splice(p[0], NULL, q[1], NULL, 4, 0), EPIPE,
		   "splice into a pipe without readers");
	expect_err(splice(f, NULL, q[1], NULL, 4, 0), EPIPE, "splice file->pipe without readers");
	signal(SIGPIPE, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(q[1]);
	close(f);
}

struct later {
	int fd;
	bool write;
	long ret;
};

static void *later_io(void *arg)
{
	struct later *l = arg;
	static char buf[70000];
	sleep_ms(50);
	l->ret = l->write ? write(l->fd, "wake", 4) : read(l->fd, buf, sizeof(buf));
	return NULL;
}

static void test_blocking(void)
{
	int p[2];
	int out = open(at("blk"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	pthread_t th;
	struct later l;

	pipe(p);
	l = (struct later){p[1], true, 0};
	pthread_create(&th, NULL, later_io, &l);
	expect_ret(splice(p[0], NULL, out, NULL, 100, 0), 4,
		   "splice from an empty pipe waits for a writer");
	pthread_join(th, NULL);

	int in = make_file("blk-in", sizeof(data));
	static char fill[65536];
	write(p[1], fill, sizeof(fill));
	l = (struct later){p[0], false, 0};
	pthread_create(&th, NULL, later_io, &l);
	expect_ret(splice(in, NULL, p[1], NULL, 100, 0), 100,
		   "splice into a full pipe waits for a reader");
	pthread_join(th, NULL);
	expect_ret(l.ret, 65536, "...who took the pipe's contents");
	close(in);
	close(out);
	close(p[0]);
	close(p[1]);
}

static void test_pipe_size(void)
{
	int p[2];
	char page[4096] = {0};

	pipe(p);
	expect_ret(fcntl(p[0], F_GETPIPE_SZ), 65536, "F_GETPIPE_SZ: 64 KiB at first");
	expect_ret(fcntl(p[1], F_SETPIPE_SZ, 100000), 131072,
		   "F_SETPIPE_SZ rounds up to a power of two");
	expect_ret(fcntl(p[0], F_GETPIPE_SZ), 131072, "...both ends see it");
	expect_ret(fcntl(p[1], F_SETPIPE_SZ, 1), 4096, "F_SETPIPE_SZ 1: one page");
	expect_ret(fcntl(p[1], F_SETPIPE_SZ, 0), 4096, "F_SETPIPE_SZ 0: one page");
	/* Root has CAP_SYS_RESOURCE, unless a container took it (as on some hosts). */
	long r = fcntl(p[1], F_SETPIPE_SZ, 2 << 20);
	check(r == 2 << 20 || (r == -1 && errno == EPERM),
	      "F_SETPIPE_SZ past pipe-max-size as root: 2 MiB (EPERM without CAP_SYS_RESOURCE)");
	expect_ret(fcntl(p[1], F_SETPIPE_SZ, 65536), 65536, "F_SETPIPE_SZ back to 64 KiB");
	for (int i = 0; i < 3; i++)
		write(p[1], page, sizeof(page));
	expect_err(fcntl(p[1], F_SETPIPE_SZ, 8192), EBUSY, "F_SETPIPE_SZ below the data held");
	expect_ret(fcntl(p[1], F_SETPIPE_SZ, 16384), 16384, "F_SETPIPE_SZ to just what is held");
	expect_err(fcntl(p[1], F_SETPIPE_SZ, 0x80000001u), EINVAL, "F_SETPIPE_SZ above 2 GiB");
	int f = make_file("sz", 1);
	expect_err(fcntl(f, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ of a regular file");
	close(f);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) != 1 << 20)
			_exit(3);
		_exit(fcntl(p[1], F_SETPIPE_SZ, 2 << 20) == -1 && errno == EPERM ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	expect_ret(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
		   "unprivileged: 1 MiB fine, past pipe-max-size EPERM");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	guest_start("splice");
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	snprintf(dir, sizeof(dir), "/tmp/splice-test-%d", getpid());
	if (mkdir(dir, 0755)) {
		printf("FAIL mkdir %s\n", dir);
		return 1;
	}
	test_splice_files();
	test_splice_pipes_and_tee();
	test_vmsplice();
	test_sendfile();
	test_copy_file_range();
	test_splice_errors();
	test_blocking();
	test_pipe_size();
	const char *names[] = {"in",	 "out", "vm",  "sf-in",	 "sf-out", "cf-in",
			       "cf-out", "err", "blk", "blk-in", "sz"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(at(names[i]));
	rmdir(dir);
	return guest_finish();
}
