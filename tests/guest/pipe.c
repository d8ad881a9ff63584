// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes: data in and out, O_NONBLOCK, end-of-file and
 * EPIPE, the page-buffer capacity rules (64 KiB, small writes sharing a
 * page, PIPE_BUF atomicity), O_DIRECT packets, F_GETPIPE_SZ and
 * F_SETPIPE_SZ, FIONREAD, fstat, readv/writev, SIGPIPE.
 *
 * Waits that another thread ends are in pipe_block.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_test.h"

static char big[128 * 1024];

static void make_pipe(int fds[2], long flags)
{
	if (syscall(SYS_pipe2, fds, flags)) {
		printf("FAIL pipe2(%#lx): %s\n", flags, guest_errno_name(errno));
		exit(1);
	}
}

static void close_pipe(const int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static int nread(int fd)
{
	int n = -1;
	if (ioctl(fd, FIONREAD, &n))
		return -errno;
	return n;
}

static void test_basic(void)
{
	int fds[2];
	char buf[16] = {0};

	expect_ret(syscall(SYS_pipe, fds), 0, "pipe");
	check(fds[0] >= 3 && fds[1] == fds[0] + 1, "pipe: the two lowest free fds");
	expect_ret(write(fds[1], "hello", 5), 5, "write 5 bytes");
	expect_ret(nread(fds[0]), 5, "FIONREAD after the write");
	expect_ret(nread(fds[1]), 5, "FIONREAD on the write end");
	expect_ret(read(fds[0], buf, 0), 0, "read 0 bytes");
	expect_ret(read(fds[0], buf, 3), 3, "read 3 of 5");
	expect_ret(nread(fds[0]), 2, "FIONREAD after a partial read");
	expect_ret(read(fds[0], buf + 3, sizeof(buf) - 3), 2, "read the rest (short read)");
	check(!memcmp(buf, "hello", 5), "read: the bytes written, in order");
	expect_ret(write(fds[1], buf, 0), 0, "write 0 bytes");
	expect_ret(nread(fds[0]), 0, "FIONREAD of an empty pipe");

	expect_err(read(fds[1], buf, 1), EBADF, "read from the write end");
	expect_err(write(fds[0], "x", 1), EBADF, "write to the read end");
	expect_err(lseek(fds[0], 0, SEEK_SET), ESPIPE, "lseek on a pipe");
	expect_err(pread(fds[0], buf, 1, 0), ESPIPE, "pread on a pipe");
	expect_err(pwrite(fds[1], "x", 1, 0), ESPIPE, "pwrite on a pipe");
	expect_ret(fcntl(fds[0], F_GETFL) & O_ACCMODE, O_RDONLY, "F_GETFL: read end O_RDONLY");
	expect_ret(fcntl(fds[1], F_GETFL) & O_ACCMODE, O_WRONLY, "F_GETFL: write end O_WRONLY");
	expect_ret(fcntl(fds[0], F_GETFD), 0, "pipe: FD_CLOEXEC clear");
	close_pipe(fds);

	make_pipe(fds, O_CLOEXEC | O_NONBLOCK);
	expect_ret(fcntl(fds[0], F_GETFD), FD_CLOEXEC, "pipe2(O_CLOEXEC): read end");
	expect_ret(fcntl(fds[1], F_GETFD), FD_CLOEXEC, "pipe2(O_CLOEXEC): write end");
	check(fcntl(fds[0], F_GETFL) & O_NONBLOCK, "pipe2(O_NONBLOCK): read end");
	check(fcntl(fds[1], F_GETFL) & O_NONBLOCK, "pipe2(O_NONBLOCK): write end");
	expect_err(read(fds[0], buf, 1), EAGAIN, "read of an empty O_NONBLOCK pipe");
	close_pipe(fds);

	expect_err(syscall(SYS_pipe2, fds, (long)O_APPEND), EINVAL, "pipe2(O_APPEND)");
	int lowest = dup(0);
	close(lowest);
	expect_err(syscall(SYS_pipe, NULL), EFAULT, "pipe(NULL)");
	int fd = dup(0);
	expect_ret(fd == lowest, 1, "pipe(NULL) left no fds behind");
	close(fd);
}

static void test_nonblock_toggle(void)
{
	int fds[2], on = 1;
	char c;

	make_pipe(fds, 0);
	expect_ret(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0, "F_SETFL(O_NONBLOCK)");
	expect_err(read(fds[0], &c, 1), EAGAIN, "read after F_SETFL(O_NONBLOCK): EAGAIN");
	expect_ret(fcntl(fds[0], F_SETFL, 0), 0, "F_SETFL(0)");
	expect_ret(ioctl(fds[0], FIONBIO, &on), 0, "FIONBIO(1)");
	expect_err(read(fds[0], &c, 1), EAGAIN, "read after FIONBIO: EAGAIN");
	close_pipe(fds);
}

static void test_capacity(void)
{
	int fds[2], n;
	long total;

	make_pipe(fds, O_NONBLOCK);
	expect_ret(fcntl(fds[0], F_GETPIPE_SZ), 65536, "F_GETPIPE_SZ: 64 KiB by default");
	for (n = 0; write(fds[1], big, 4096) == 4096; n++)
		;
	expect_ret(n, 16, "4096-byte writes until EAGAIN");
	expect_ret(nread(fds[0]), 65536, "FIONREAD of a full pipe");
	expect_err(write(fds[1], big, 1), EAGAIN, "write 1 byte to a full pipe");
	/* One read of more than is there takes it all and does not block. */
	expect_ret(read(fds[0], big, sizeof(big)), 65536, "read(128 KiB) of a full pipe");
	close_pipe(fds);

	/* Small writes share a page only while they fit whole. */
	make_pipe(fds, O_NONBLOCK);
	for (n = 0, total = 0; write(fds[1], big, 1000) == 1000; n++)
		total += 1000;
	expect_ret(n, 64, "1000-byte writes until EAGAIN (four to a page)");
	expect_ret(nread(fds[0]), 64000, "FIONREAD after them");
	close_pipe(fds);

	/* A write of at most PIPE_BUF bytes goes in whole or not at all. */
	make_pipe(fds, O_NONBLOCK);
	for (n = 0; n < 15; n++)
		write(fds[1], big, 4096);
	expect_ret(write(fds[1], big, 3996), 3996, "fill all but 100 bytes");
	expect_err(write(fds[1], big, 200), EAGAIN, "write 200 bytes into 100 free: EAGAIN");
	expect_ret(write(fds[1], big, 100), 100, "write 100 bytes into 100 free");
	expect_ret(nread(fds[0]), 65536, "the pipe is full");
	close_pipe(fds);

	/* Larger writes may be partial. */
	make_pipe(fds, O_NONBLOCK);
	expect_ret(write(fds[1], big, 70000), 65536, "write 70000 to an empty O_NONBLOCK pipe");
	close_pipe(fds);
}

static void test_set_size(void)
{
	int fds[2];

	make_pipe(fds, O_NONBLOCK);
	expect_ret(fcntl(fds[1], F_SETPIPE_SZ, 3 * 4096), 16384,
		   "F_SETPIPE_SZ(12288): rounded up to 16384");
	expect_ret(fcntl(fds[0], F_GETPIPE_SZ), 16384, "F_GETPIPE_SZ on the other end");
	expect_ret(fcntl(fds[0], F_SETPIPE_SZ, 0), 4096, "F_SETPIPE_SZ(0): one page");
	expect_ret(write(fds[1], big, 10000), 4096, "a one-page pipe takes 4096 bytes");
	expect_ret(fcntl(fds[0], F_SETPIPE_SZ, 1 << 20), 1 << 20, "F_SETPIPE_SZ(1 MiB)");
	expect_ret(nread(fds[0]), 4096, "resizing keeps the data");
	expect_ret(write(fds[1], big, 8192), 8192, "two more pages");
	expect_err(fcntl(fds[0], F_SETPIPE_SZ, 4096), EBUSY,
		   "F_SETPIPE_SZ smaller than the data in it");
	expect_err(fcntl(fds[0], F_SETPIPE_SZ, 0x80000001L), EINVAL, "F_SETPIPE_SZ(2^31 + 1)");
	close_pipe(fds);

	int null = open("/dev/null", O_RDWR);
	expect_err(fcntl(null, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ on /dev/null");
	close(null);
}

static void test_eof_epipe(void)
{
	int fds[2];
	char buf[8];

	make_pipe(fds, 0);
	expect_ret(write(fds[1], "ab", 2), 2, "write before closing the write end");
	close(fds[1]);
	expect_ret(read(fds[0], buf, sizeof(buf)), 2, "read: the data left after the close");
	expect_ret(read(fds[0], buf, sizeof(buf)), 0, "read with no writers: 0 (end of file)");
	close(fds[0]);

	signal(SIGPIPE, SIG_IGN);
	make_pipe(fds, 0);
	close(fds[0]);
	expect_err(write(fds[1], "x", 1), EPIPE, "write with no readers (SIGPIPE ignored)");
	expect_ret(write(fds[1], "", 0), 0, "write 0 bytes with no readers");
	close(fds[1]);
}

static volatile sig_atomic_t sigpipe_code = -1;

static void on_sigpipe(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGPIPE)
		sigpipe_code = si->si_code;
}

/* SIGPIPE goes to the writer: a handler sees SI_USER; by default it dies. */
static void test_sigpipe(void)
{
	int fds[2], status;
	struct sigaction sa = {.sa_sigaction = on_sigpipe, .sa_flags = SA_SIGINFO};

	sigaction(SIGPIPE, &sa, NULL);
	make_pipe(fds, 0);
	close(fds[0]);
	expect_err(write(fds[1], "x", 1), EPIPE, "write with no readers, SIGPIPE handled");
	expect_ret(sigpipe_code, SI_USER, "...the handler ran, si_code SI_USER");

	signal(SIGPIPE, SIG_DFL);
	pid_t pid = fork();
	if (pid == 0) {
		write(fds[1], "x", 1);
		_exit(0);
	}
	expect_ret(waitpid(pid, &status, 0) == pid, 1, "waitpid of the writer");
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE,
	      "write with no readers, SIGPIPE default: the writer dies of it");
	close(fds[1]);
	signal(SIGPIPE, SIG_IGN);
}

static void test_packets(void)
{
	int fds[2];
	char buf[16];

	make_pipe(fds, O_DIRECT | O_NONBLOCK);
	check(fcntl(fds[1], F_GETFL) & O_DIRECT, "pipe2(O_DIRECT): write end has O_DIRECT");
	check(!(fcntl(fds[0], F_GETFL) & O_DIRECT), "pipe2(O_DIRECT): read end has not");
	write(fds[1], "abc", 3);
	write(fds[1], "defgh", 5);
	expect_ret(read(fds[0], buf, sizeof(buf)), 3, "packet mode: one read, one packet (3)");
	expect_ret(read(fds[0], buf, 2), 2, "a read shorter than the packet");
	expect_err(read(fds[0], buf, sizeof(buf)), EAGAIN, "the rest of that packet is gone");

	struct iovec iov[2] = {{"12", 2}, {"3456", 4}};
	expect_ret(writev(fds[1], iov, 2), 6, "writev of two iovecs");
	expect_ret(read(fds[0], buf, sizeof(buf)), 6, "...is one packet");
	close_pipe(fds);
}

static void test_vectors_and_faults(void)
{
	int fds[2];
	char a[4], b[4];

	make_pipe(fds, O_NONBLOCK);
	struct iovec out[3] = {{"ab", 2}, {"cd", 2}, {"ef", 2}};
	expect_ret(writev(fds[1], out, 3), 6, "writev of 3 iovecs");
	struct iovec in[2] = {{a, 4}, {b, 4}};
	expect_ret(readv(fds[0], in, 2), 6, "readv into 2 iovecs: all 6 bytes");
	check(!memcmp(a, "abcd", 4) && !memcmp(b, "ef", 2), "readv: the bytes in order");

	expect_err(syscall(SYS_write, fds[1], 16L, 10L), EFAULT, "write from a bad pointer");
	expect_ret(nread(fds[0]), 0, "...wrote nothing");
	write(fds[1], "xyz", 3);
	expect_err(syscall(SYS_read, fds[0], 16L, 3L), EFAULT, "read into a bad pointer");
	close_pipe(fds);
}

static void test_fstat(void)
{
	int fds[2], other[2];
	struct stat r, w, o;

	make_pipe(fds, 0);
	make_pipe(other, 0);
	expect_ret(fstat(fds[0], &r), 0, "fstat(read end)");
	expect_ret(fstat(fds[1], &w), 0, "fstat(write end)");
	expect_ret(fstat(other[0], &o), 0, "fstat(another pipe)");
	check(S_ISFIFO(r.st_mode) && S_ISFIFO(w.st_mode), "fstat: S_ISFIFO");
	expect_ret(r.st_mode & 07777, 0600, "fstat: mode 0600");
	expect_ret(r.st_blksize, 4096, "fstat: st_blksize");
	expect_ret(r.st_nlink, 1, "fstat: st_nlink");
	expect_ret(r.st_size, 0, "fstat: st_size");
	check(r.st_uid == getuid() && r.st_gid == getgid(), "fstat: owned by the creator");
	check(r.st_ino == w.st_ino && r.st_dev == w.st_dev, "fstat: both ends are one inode");
	check(r.st_ino != o.st_ino && r.st_dev == o.st_dev,
	      "fstat: another pipe, another inode on the same device");
	close_pipe(fds);
	close_pipe(other);
}

int main(void)
{
	guest_start("pipe");
	test_basic();
	test_nonblock_toggle();
	test_capacity();
	test_set_size();
	test_eof_epipe();
	test_sigpipe();
	test_packets();
	test_vectors_and_faults();
	test_fstat();
	return guest_finish();
}
