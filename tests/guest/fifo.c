// SPDX-License-Identifier: Apache-2.0
/*
 * mknod(2) and named FIFOs (fifo(7)): the node types and errors mknod
 * gives; opening a FIFO, which blocks a reader until a writer comes and a
 * writer until a reader does (O_NONBLOCK: a reader at once, a writer
 * ENXIO), O_RDWR never; one pipe shared by every opener, gone with the
 * last close; EOF, EPIPE and POLLHUP as for pipes; a blocked open ended
 * by a signal. On /tmp and, where it is a directory, /dev/shm.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char dir[64];

static void sleep_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static const char *at(const char *name)
{
	return guest_path_in(dir, name);
}

static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

static int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_mknod(void)
{
	struct stat st;

	umask(022);
	expect_ret(mknod(at("fifo"), S_IFIFO | 0666, 0), 0, "mknod S_IFIFO");
	check(!stat(at("fifo"), &st) && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0644,
	      "...is a FIFO, mode 0666 less the umask");
	expect_err(mknod(at("fifo"), S_IFIFO | 0600, 0), EEXIST, "mknod over an existing name");
	expect_err(mkfifo(at("fifo"), 0600), EEXIST, "mkfifo over an existing name");
	expect_ret(mknod(at("sock"), S_IFSOCK | 0600, 0), 0, "mknod S_IFSOCK");
	check(!lstat(at("sock"), &st) && S_ISSOCK(st.st_mode), "...is a socket file");
	expect_err(open(at("sock"), O_RDONLY), ENXIO, "open of a socket file");
	expect_ret(mknod(at("reg"), S_IFREG | 0640, 0), 0, "mknod S_IFREG");
	check(!stat(at("reg"), &st) && S_ISREG(st.st_mode) && st.st_size == 0 &&
		      (st.st_mode & 07777) == 0640,
	      "...is an empty regular file");
	expect_ret(mknod(at("zero"), 0600, 0), 0, "mknod with type 0");
	check(!stat(at("zero"), &st) && S_ISREG(st.st_mode), "...makes a regular file");
	expect_err(mknod(at("dir"), S_IFDIR | 0700, 0), EPERM, "mknod S_IFDIR");
	expect_err(mknod(at("bad"), 0170000 | 0600, 0), EINVAL, "mknod of a bad type");
	expect_err(mknod(at("bad"), 0110000 | 0600, 0), EINVAL, "mknod of another bad type");
	expect_err(mknod("", S_IFIFO | 0600, 0), ENOENT, "mknod of an empty path");
	expect_err(mknod(at("none/fifo"), S_IFIFO | 0600, 0), ENOENT,
		   "mknod in a missing directory");
	expect_err(mknod(at("reg/fifo"), S_IFIFO | 0600, 0), ENOTDIR, "mknod under a regular file");
	expect_err(mknod(at("fifo2/"), S_IFIFO | 0600, 0), ENOENT, "mknod of a name ending in /");
	expect_err(mknod((char *)8, S_IFIFO | 0600, 0), EFAULT, "mknod of a bad path pointer");
	expect_err(mknod((char *)8, 0170000, 0), EINVAL, "a bad type comes before a bad path");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	expect_ret(mknodat(dfd, "fifo3", S_IFIFO | 0600, 0), 0, "mknodat relative to a dirfd");
	check(!fstatat(dfd, "fifo3", &st, 0) && S_ISFIFO(st.st_mode), "...made there");
	expect_err(mknodat(-5, "x", S_IFIFO, 0), EBADF, "mknodat with a bad dirfd");
	close(dfd);

	/* A device Linux and the Sentry both have: made as root. */
	expect_ret(mknod(at("null"), S_IFCHR | 0666, makedev(1, 3)), 0, "mknod c 1 3 as root");
	check(!stat(at("null"), &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
	      "...a character device 1:3");
	/* Linux makes any node; the Sentry (as gVisor) only those it has devices for. */
	int r = mknod(at("odd"), S_IFCHR | 0600, makedev(42, 42));
	check(r == 0 || errno == EPERM, "mknod c 42 42: made (Linux) or EPERM (Sentry)");

	pid_t pid = fork_flushed();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		/* No CAP_MKNOD now; the directory is root's, so EACCES first for a new name. */
		int e = mknod("/tmp", S_IFCHR | 0600, makedev(1, 3));
		_exit(e == -1 && errno == EEXIST ? 0 : 1);
	}
	expect_ret(wait_child(pid), 0, "unprivileged mknod of an existing name: EEXIST first");
	pid = fork_flushed();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		int e = mknod("/tmp/fifo-test-x", S_IFCHR | 0600, makedev(1, 3));
		_exit(e == -1 && errno == EPERM ? 0 : 1);
	}
	expect_ret(wait_child(pid), 0, "unprivileged mknod of a device: EPERM");
}

static void test_nonblocking_opens(void)
{
	char buf[16];
	const char *f = at("fifo");

	expect_err(open(f, O_WRONLY | O_NONBLOCK | O_CLOEXEC), ENXIO,
		   "O_WRONLY|O_NONBLOCK without a reader");
	int r = open(f, O_RDONLY | O_NONBLOCK);
	check(r >= 0, "O_RDONLY|O_NONBLOCK without a writer opens at once");
	expect_ret(read(r, buf, sizeof(buf)), 0, "...and reads EOF (no writer)");
	struct pollfd pfd = {r, POLLIN, 0};
	expect_ret(poll(&pfd, 1, 0), 0, "...poll: no POLLHUP for a writer never seen");
	int w = open(f, O_WRONLY | O_NONBLOCK);
	check(w >= 0, "O_WRONLY|O_NONBLOCK with a reader opens");
	expect_err(read(r, buf, sizeof(buf)), EAGAIN, "empty FIFO with a writer: EAGAIN");
	expect_ret(write(w, "hello", 5), 5, "write to the FIFO");
	expect_ret(read(r, buf, sizeof(buf)), 5, "read it from the other open");
	expect_ret(fcntl(w, F_GETPIPE_SZ), 65536, "F_GETPIPE_SZ of a FIFO");
	struct stat st;
	check(!fstat(w, &st) && S_ISFIFO(st.st_mode), "fstat of an open FIFO: S_IFIFO");
	expect_err(lseek(r, 0, SEEK_SET), ESPIPE, "lseek on a FIFO");
	close(w);
	pfd.revents = 0;
	expect_ret(poll(&pfd, 1, 0), 1, "...the writer closed: poll reports");
	check(pfd.revents == POLLHUP, "...POLLHUP");
	expect_ret(read(r, buf, sizeof(buf)), 0, "...read: EOF");
	close(r);
}

static void test_rdwr_and_lifetime(void)
{
	char buf[16] = {0};
	const char *f = at("fifo");

	int rw = open(f, O_RDWR);
	check(rw >= 0, "O_RDWR never blocks");
	int r = open(f, O_RDONLY);
	check(r >= 0, "O_RDONLY with a writer present does not block");
	expect_ret(write(rw, "abc", 3), 3, "write through the O_RDWR open");
	expect_ret(read(r, buf, sizeof(buf)), 3, "one pipe for every opener");
	check(!memcmp(buf, "abc", 3), "...the bytes written");
	expect_ret(write(rw, "left", 4), 4, "write data nobody reads");
	close(r);
	close(rw);
	rw = open(f, O_RDWR | O_NONBLOCK);
	expect_err(read(rw, buf, sizeof(buf)), EAGAIN,
		   "reopened: the data went with the last close");
	int w = open(f, O_WRONLY | O_NONBLOCK);
	close(rw);
	signal(SIGPIPE, SIG_IGN);
	expect_err(write(w, "x", 1), EPIPE, "write with no reader left: EPIPE");
	signal(SIGPIPE, SIG_DFL);
	close(w);

	/* A FIFO stays usable once unlinked. */
	mkfifo(at("gone"), 0600);
	rw = open(at("gone"), O_RDWR);
	unlink(at("gone"));
	expect_ret(write(rw, "z", 1), 1, "write to an unlinked FIFO");
	expect_ret(read(rw, buf, 1), 1, "...and read it back");
	close(rw);
}

static void test_blocking_opens(void)
{
	const char *f = at("fifo");
	char buf[16] = {0};

	pid_t pid = fork_flushed();
	if (pid == 0) {
		sleep_ms(50);
		int w = open(f, O_WRONLY);
		_exit(w >= 0 && write(w, "hello", 5) == 5 ? 0 : 1);
	}
	int r = open(f, O_RDONLY);
	check(r >= 0, "O_RDONLY blocks until a writer opens");
	expect_ret(read(r, buf, sizeof(buf)), 5, "...then reads what it wrote");
	expect_ret(wait_child(pid), 0, "...the writer");
	expect_ret(read(r, buf, sizeof(buf)), 0, "...and EOF once it is gone");
	close(r);

	pid = fork_flushed();
	if (pid == 0) {
		sleep_ms(50);
		int rd = open(f, O_RDONLY);
		char b[8] = {0};
		_exit(rd >= 0 && read(rd, b, sizeof(b)) == 3 && !memcmp(b, "xyz", 3) ? 0 : 1);
	}
	int w = open(f, O_WRONLY);
	check(w >= 0, "O_WRONLY blocks until a reader opens");
	expect_ret(write(w, "xyz", 3), 3, "...then writes");
	expect_ret(wait_child(pid), 0, "...the reader read it");
	close(w);

	/* A writer that comes and goes at once still lets the reader through. */
	pid = fork_flushed();
	if (pid == 0) {
		sleep_ms(50);
		/* The blocked reader counts: a non-blocking writer may open. */
		int wn = open(f, O_WRONLY | O_NONBLOCK);
		close(wn);
		_exit(wn >= 0 ? 0 : 1);
	}
	r = open(f, O_RDONLY);
	check(r >= 0, "a writer that opened and closed wakes a blocked reader");
	expect_ret(read(r, buf, sizeof(buf)), 0, "...which reads EOF");
	close(r);
	expect_ret(wait_child(pid), 0, "...that writer opened O_NONBLOCK (a reader waited)");
}

static void on_alarm(int sig GUEST_UNUSED)
{
}

static pthread_t main_thread;

static void *kick(void *arg GUEST_UNUSED)
{
	sleep_ms(50);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static void test_interrupted_open(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	pthread_t th;

	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	pthread_create(&th, NULL, kick, NULL);
	expect_err(open(at("fifo"), O_RDONLY), EINTR,
		   "a signal ends a blocked open (no SA_RESTART)");
	pthread_join(th, NULL);
	int w = open(at("fifo"), O_WRONLY | O_NONBLOCK);
	expect_err(w, ENXIO, "...and leaves no reader behind");
	signal(SIGUSR1, SIG_DFL);
}

static void test_shm(void)
{
	struct stat st;
	char buf[8];
	bool ok = true;

	/* /dev/shm is a tmpfs on Linux and in the Sentry; skip where it is absent. */
	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode)) {
		check(true, "FIFO on /dev/shm");
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/dev/shm/fifo-test-%d", getpid());
	ok &= mkfifo(path, 0600) == 0;
	int rw = open(path, O_RDWR);
	ok &= rw >= 0 && write(rw, "shm", 3) == 3 && read(rw, buf, 8) == 3;
	close(rw);
	ok &= unlink(path) == 0;
	check(ok, "FIFO on /dev/shm");
}

static void cleanup(void)
{
	const char *names[] = {"fifo", "fifo3", "sock", "reg", "zero", "null", "odd"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(at(names[i]));
	rmdir(dir);
}

int main(void)
{
	guest_start("fifo");
	snprintf(dir, sizeof(dir), "/tmp/fifo-test-%d", getpid());
	if (mkdir(dir, 0755)) {
		printf("FAIL mkdir %s\n", dir);
		return 1;
	}
	test_mknod();
	test_nonblocking_opens();
	test_rdwr_and_lifetime();
	test_blocking_opens();
	test_interrupted_open();
	test_shm();
	cleanup();
	return guest_finish();
}
