// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/io: its fields in Linux's order, and rchar, wchar, syscr
 * and syscw growing by exactly what the read- and write-family calls in
 * between moved (plus the reads of the file itself), with threads
 * counted in their process, refused calls (EBADF) not counted, a new
 * process starting from 0, and EACCES for another user's process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "guest_test.h"

#define NOBODY 65534

struct io {
	unsigned long long v[7];
	size_t text_len;
	int err;
};

static const char *const names[] = {
	"rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes", "cancelled_write_bytes",
};

/* One snapshot: an open, a read of the whole text and a read of 0, as Linux counts them. */
static struct io snap(const char *path)
{
	struct io io = {0};
	char buf[1024];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		io.err = errno;
		return io;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	ssize_t z = read(fd, buf + (n > 0 ? n : 0), 1);
	close(fd);
	if (n <= 0 || z != 0) {
		io.err = n < 0 ? errno : EIO;
		return io;
	}
	buf[n] = 0;
	io.text_len = n;
	char *p = buf;
	for (int i = 0; i < 7; i++) {
		size_t l = strlen(names[i]);
		if (strncmp(p, names[i], l) || p[l] != ':' || p[l + 1] != ' ') {
			io.err = EINVAL;
			return io;
		}
		io.v[i] = strtoull(p + l + 2, &p, 10);
		if (*p++ != '\n') {
			io.err = EINVAL;
			return io;
		}
	}
	if (*p)
		io.err = EINVAL;
	return io;
}

static void expect_delta(const char *what, const struct io *a, const struct io *b, long rchar,
			 long wchar, long syscr, long syscw)
{
	/* The snapshot a's own reads land after its text was made. */
	long dr = (long)(b->v[0] - a->v[0]) - (long)a->text_len,
	     dsr = (long)(b->v[2] - a->v[2]) - 2;
	long dw = (long)(b->v[1] - a->v[1]), dsw = (long)(b->v[3] - a->v[3]);
	if (a->err || b->err)
		printf("FAIL %s: snapshot: %s\n", what, guest_errno_name(a->err ? a->err : b->err));
	else if (dr != rchar || dw != wchar || dsr != syscr || dsw != syscw)
		printf("FAIL %s: got rchar+%ld wchar+%ld syscr+%ld syscw+%ld, want +%ld +%ld +%ld "
		       "+%ld\n",
		       what, dr, dw, dsr, dsw, rchar, wchar, syscr, syscw);
	else {
		printf("%s: rchar+%ld wchar+%ld syscr+%ld syscw+%ld\n", what, rchar, wchar, syscr,
		       syscw);
		return;
	}
	guest_failures++;
}

static int tmpfd = -1;

static void *thread_reads(void *arg GUEST_UNUSED)
{
	char buf[100];
	if (pread(tmpfd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return (void *)1;
	return NULL;
}

int main(void)
{
	guest_start("proc_io");
	char path[64], buf[4096] = {0};
	snprintf(path, sizeof(path), "/tmp/sk-proc-io-%d", (int)getpid());
	tmpfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(path);
	if (!check(tmpfd >= 0, "open temporary file"))
		return guest_finish();

	struct io a = snap("/proc/self/io"), b;
	if (!check(!a.err, "fields in Linux's order"))
		return guest_finish();

	/* Writes: write, pwrite, writev. */
	a = snap("/proc/self/io");
	ssize_t w1 = write(tmpfd, buf, 1000);
	ssize_t w2 = pwrite(tmpfd, buf, 500, 1000);
	struct iovec iov[2] = {{buf, 100}, {buf + 100, 200}};
	ssize_t w3 = pwritev(tmpfd, iov, 2, 1500);
	b = snap("/proc/self/io");
	check(w1 == 1000 && w2 == 500 && w3 == 300, "writes done");
	expect_delta("write, pwrite, pwritev", &a, &b, 0, 1800, 0, 3);

	/* Reads: read, pread, preadv, readv. */
	a = snap("/proc/self/io");
	ssize_t r1 = read(tmpfd, buf, 10);
	ssize_t r2 = pread(tmpfd, buf, 700, 0);
	ssize_t r3 = preadv(tmpfd, iov, 2, 1700);
	lseek(tmpfd, 0, SEEK_SET);
	ssize_t r4 = readv(tmpfd, iov, 2);
	b = snap("/proc/self/io");
	check(r1 == 10 && r2 == 700 && r3 == 100 && r4 == 300, "reads done");
	expect_delta("read, pread, preadv, readv", &a, &b, 1110, 0, 4, 0);

	/* Refused before any I/O: not counted. */
	int wo = open("/dev/null", O_WRONLY);
	a = snap("/proc/self/io");
	ssize_t e1 = read(wo, buf, 1);
	ssize_t e2 = read(-1, buf, 1);
	b = snap("/proc/self/io");
	check(e1 == -1 && e2 == -1, "reads refused");
	expect_delta("read of O_WRONLY fd and of a bad fd", &a, &b, 0, 0, 0, 0);
	close(wo);

	/* A pipe read that finds nothing still counts as a call. */
	int p[2];
	pipe2(p, O_NONBLOCK);
	a = snap("/proc/self/io");
	ssize_t e3 = read(p[0], buf, 1);
	ssize_t w4 = write(p[1], "xyz", 3);
	b = snap("/proc/self/io");
	check(e3 == -1 && errno == EAGAIN && w4 == 3, "pipe read EAGAIN, write");
	expect_delta("EAGAIN read and a pipe write", &a, &b, 0, 3, 1, 1);

	/* Threads count in their process. */
	pthread_t th;
	void *res = (void *)1;
	a = snap("/proc/self/io");
	pthread_create(&th, NULL, thread_reads, NULL);
	pthread_join(th, &res);
	b = snap("/proc/self/io");
	check(res == NULL, "thread read");
	expect_delta("a thread's pread", &a, &b, 100, 0, 1, 0);

	/* A new process starts from 0; another user may not look. */
	char ppath[64];
	snprintf(ppath, sizeof(ppath), "/proc/%d/io", (int)getpid());
	pid_t pid = fork();
	if (pid == 0) {
		guest_quiet = true;
		struct io c = snap("/proc/self/io");
		if (c.err || c.v[0] || c.v[1] || c.v[2] || c.v[3])
			_exit(1);
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		c = snap(ppath);
		_exit(c.err == EACCES ? 0 : 3);
	}
	guest_expect_child(pid, "exit 0", "child starts at 0, nobody gets EACCES for the parent");
	close(tmpfd);
	return guest_finish();
}
