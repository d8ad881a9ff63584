// SPDX-License-Identifier: Apache-2.0
/*
 * Signal-driven I/O: fcntl's F_SETOWN, F_GETOWN, F_SETOWN_EX,
 * F_GETOWN_EX, F_SETSIG and F_GETSIG with their errors; O_ASYNC through
 * F_SETFL and FIOASYNC on pipes, sockets, terminals and inotify: SIGIO, or the
 * F_SETSIG signal with si_code, si_fd and si_band, sent to the owner (a
 * process, a thread or a process group) by the time the call that caused
 * it returns; and which events a pipe's two ends each hear of.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "guest_test.h"

static volatile int n_sigio, n_rt, rt_code, rt_fd, rt_tid;
static volatile long rt_band;

static void on_sigio(int sig GUEST_UNUSED)
{
	n_sigio++;
}

static void on_rt(int sig GUEST_UNUSED, siginfo_t *si, void *uc GUEST_UNUSED)
{
	n_rt++;
	rt_code = si->si_code;
	rt_fd = si->si_fd;
	rt_band = si->si_band;
	rt_tid = gettid();
}

static void reset(void)
{
	n_sigio = n_rt = rt_code = rt_fd = rt_tid = 0;
	rt_band = 0;
}

/* Report the F_SETSIG signal seen: "<count> code=<c> fd=<fd is want> band=<hex>". */
static void expect_rt(int count, int code, int fd, long band, const char *what)
{
	check(n_rt == count && rt_code == code && rt_fd == fd && rt_band == band,
	      "%s: %d signal(s), code %d, fd %s, band %#lx", what, n_rt, rt_code,
	      rt_fd == fd ? "ok" : "wrong", rt_band);
}

static void test_owner_calls(void)
{
	int p[2];
	if (pipe(p))
		return;
	struct f_owner_ex ex = {.type = 99, .pid = 1};
	expect_ret(fcntl(p[0], F_GETOWN), 0, "F_GETOWN of a new pipe");
	expect_ret(fcntl(p[0], F_GETSIG), 0, "F_GETSIG of a new pipe");
	expect_ret(fcntl(p[0], F_GETOWN_EX, &ex), 0, "F_GETOWN_EX of a new pipe");
	check(ex.type == F_OWNER_TID && ex.pid == 0, "...F_OWNER_TID, 0: %d %d", ex.type, ex.pid);
	expect_ret(fcntl(p[0], F_SETOWN, getpid()), 0, "F_SETOWN(getpid())");
	check(fcntl(p[0], F_GETOWN) == getpid(), "F_GETOWN: our pid");
	expect_ret(fcntl(p[0], F_SETOWN, -getpgrp()), 0, "F_SETOWN(-getpgrp())");
	check(fcntl(p[0], F_GETOWN) == -getpgrp(), "F_GETOWN: minus our process group");
	expect_ret(fcntl(p[0], F_GETOWN_EX, &ex), 0, "F_GETOWN_EX");
	check(ex.type == F_OWNER_PGRP && ex.pid == getpgrp(), "...F_OWNER_PGRP, our group");
	ex = (struct f_owner_ex){.type = F_OWNER_TID, .pid = gettid()};
	expect_ret(fcntl(p[0], F_SETOWN_EX, &ex), 0, "F_SETOWN_EX(F_OWNER_TID, gettid())");
	memset(&ex, 0, sizeof(ex));
	expect_ret(fcntl(p[0], F_GETOWN_EX, &ex), 0, "F_GETOWN_EX");
	check(ex.type == F_OWNER_TID && ex.pid == gettid(), "...F_OWNER_TID, our tid");
	ex.type = 3;
	expect_err(fcntl(p[0], F_SETOWN_EX, &ex), EINVAL, "F_SETOWN_EX type 3");
	expect_err(fcntl(p[0], F_SETOWN_EX, (void *)8), EFAULT, "F_SETOWN_EX bad pointer");
	expect_err(fcntl(p[0], F_GETOWN_EX, (void *)8), EFAULT, "F_GETOWN_EX bad pointer");
	expect_err(fcntl(p[0], F_SETOWN, 4000000), ESRCH, "F_SETOWN of no process");
	expect_err(fcntl(p[0], F_SETOWN, -4000000), ESRCH, "F_SETOWN of no process group");
	expect_ret(fcntl(p[0], F_SETOWN, 0), 0, "F_SETOWN(0)");
	expect_ret(fcntl(p[0], F_GETOWN), 0, "F_GETOWN: none");
	expect_err(fcntl(p[0], F_SETSIG, -1), EINVAL, "F_SETSIG(-1)");
	expect_err(fcntl(p[0], F_SETSIG, 65), EINVAL, "F_SETSIG(65)");
	expect_ret(fcntl(p[0], F_SETSIG, SIGRTMIN + 1), 0, "F_SETSIG(SIGRTMIN + 1)");
	check(fcntl(p[0], F_GETSIG) == SIGRTMIN + 1, "F_GETSIG: SIGRTMIN + 1");
	expect_err(fcntl(-1, F_SETOWN, getpid()), EBADF, "F_SETOWN(-1)");
	int path = open("/", O_PATH);
	expect_err(fcntl(path, F_SETOWN, getpid()), EBADF, "F_SETOWN of an O_PATH fd");
	expect_err(fcntl(path, F_GETSIG), EBADF, "F_GETSIG of an O_PATH fd");
	close(path);
	close(p[0]);
	close(p[1]);
}

static void test_pipe(void)
{
	int p[2];
	char buf[65536];
	if (pipe(p))
		return;
	/* O_ASYNC without an owner sends nothing. */
	reset();
	expect_ret(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK), 0, "F_SETFL O_ASYNC, no owner");
	check(fcntl(p[0], F_GETFL) & O_ASYNC, "F_GETFL: O_ASYNC");
	expect_ret(write(p[1], "x", 1), 1, "write");
	expect_ret(n_sigio, 0, "...no SIGIO");
	expect_ret(read(p[0], buf, sizeof(buf)), 1, "read");

	expect_ret(fcntl(p[0], F_SETOWN, getpid()), 0, "F_SETOWN(getpid()) on the read end");
	expect_ret(write(p[1], "x", 1), 1, "write");
	expect_ret(n_sigio, 1, "...SIGIO by the time write returns");
	expect_ret(read(p[0], buf, sizeof(buf)), 1, "read");
	expect_ret(n_sigio, 1, "...the read end hears nothing of room");

	/* F_SETSIG: a queued signal with si_code, si_fd and si_band. */
	reset();
	expect_ret(fcntl(p[0], F_SETSIG, SIGRTMIN + 1), 0, "F_SETSIG(SIGRTMIN + 1)");
	expect_ret(write(p[1], "xy", 2), 2, "write");
	expect_rt(1, POLL_IN, p[0], POLLIN | POLLRDNORM, "...POLL_IN");
	expect_ret(n_sigio, 0, "...and no SIGIO");
	expect_ret(read(p[0], buf, sizeof(buf)), 2, "read");

	/* The write end: room after it was full. */
	reset();
	expect_ret(fcntl(p[1], F_SETOWN, getpid()), 0, "F_SETOWN on the write end");
	expect_ret(fcntl(p[1], F_SETSIG, SIGRTMIN + 1), 0, "F_SETSIG on the write end");
	expect_ret(fcntl(p[1], F_SETFL, O_ASYNC | O_NONBLOCK), 0,
		   "F_SETFL O_ASYNC on the write end");
	long filled = 0, n;
	while ((n = write(p[1], buf, sizeof(buf))) > 0)
		filled += n;
	check(filled == 65536 && errno == EAGAIN, "filled the pipe: %ld bytes", filled);
	n_rt = 0; /* the reader heard of the data: that is the read end's */
	expect_ret(read(p[0], buf, 4096), 4096, "read a page of the full pipe");
	expect_rt(1, POLL_OUT, p[1], POLLOUT | POLLWRNORM | POLLWRBAND,
		  "...POLL_OUT to the writer");
	/* Closing the last writer is news for the reader. */
	reset();
	close(p[1]);
	expect_rt(1, POLL_IN, p[0], POLLIN | POLLRDNORM, "close of the write end");
	close(p[0]);
}

static void test_fioasync(void)
{
	int p[2], on = 1, off = 0;
	if (pipe(p))
		return;
	reset();
	fcntl(p[0], F_SETOWN, getpid());
	expect_ret(ioctl(p[0], FIOASYNC, &on), 0, "FIOASYNC on");
	check(fcntl(p[0], F_GETFL) & O_ASYNC, "F_GETFL: O_ASYNC");
	expect_ret(write(p[1], "x", 1), 1, "write");
	expect_ret(n_sigio, 1, "...SIGIO");
	expect_ret(ioctl(p[0], FIOASYNC, &off), 0, "FIOASYNC off");
	check(!(fcntl(p[0], F_GETFL) & O_ASYNC), "F_GETFL: no O_ASYNC");
	expect_ret(write(p[1], "x", 1), 1, "write");
	expect_ret(n_sigio, 1, "...no SIGIO");
	expect_err(ioctl(p[0], FIOASYNC, (void *)8), EFAULT, "FIOASYNC bad pointer");

	/* A regular file cannot signal: FIOASYNC says so (F_SETFL's flag: kernels differ). */
	char name[] = "/tmp/runsk-fasync-XXXXXX";
	int fd = mkstemp(name);
	unlink(name);
	expect_ret(fcntl(fd, F_SETFL, O_ASYNC), 0, "F_SETFL O_ASYNC on a regular file");
	expect_ret(fcntl(fd, F_SETFL, 0), 0, "F_SETFL 0");
	expect_err(ioctl(fd, FIOASYNC, &on), ENOTTY, "FIOASYNC on a regular file");
	expect_ret(ioctl(fd, FIOCLEX), 0, "FIOCLEX");
	expect_ret(fcntl(fd, F_GETFD), FD_CLOEXEC, "...FD_CLOEXEC");
	expect_ret(ioctl(fd, FIONCLEX), 0, "FIONCLEX");
	expect_ret(fcntl(fd, F_GETFD), 0, "...not FD_CLOEXEC");
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void test_socket(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	reset();
	fcntl(sv[0], F_SETOWN, getpid());
	fcntl(sv[0], F_SETSIG, SIGRTMIN + 1);
	expect_ret(fcntl(sv[0], F_SETFL, O_ASYNC | O_NONBLOCK), 0, "socket: F_SETFL O_ASYNC");
	expect_ret(send(sv[1], "hello", 5, 0), 5, "send to the other end");
	check(n_rt >= 1 && rt_code == POLL_IN && rt_fd == sv[0], "...POLL_IN for our end");
	close(sv[0]);
	close(sv[1]);
}

static void test_pty(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return;
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	reset();
	fcntl(m, F_SETOWN, getpid());
	fcntl(m, F_SETSIG, SIGRTMIN + 1);
	expect_ret(fcntl(m, F_SETFL, O_ASYNC | O_NONBLOCK), 0, "pty master: F_SETFL O_ASYNC");
	expect_ret(write(s, "hi\n", 3), 3, "write to the slave");
	/* Linux passes terminal input on from a work queue: the signal comes later. */
	for (int i = 0; i < 5000 && !n_rt; i++)
		usleep(1000);
	check(n_rt >= 1 && rt_code == POLL_IN && rt_fd == m, "...POLL_IN for the master");
	close(s);
	close(m);
}

static void test_inotify(void)
{
	char dir[] = "/tmp/runsk-fasync-XXXXXX";
	if (!mkdtemp(dir))
		return;
	int in = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(in, dir, IN_CREATE);
	reset();
	fcntl(in, F_SETOWN, getpid());
	expect_ret(fcntl(in, F_SETFL, O_ASYNC | O_NONBLOCK), 0, "inotify: F_SETFL O_ASYNC");
	char name[64];
	snprintf(name, sizeof(name), "%s/f", dir);
	int fd = open(name, O_CREAT | O_WRONLY, 0600);
	check(n_sigio >= 1, "a file created in the watched directory: SIGIO");
	close(fd);
	unlink(name);
	rmdir(dir);
	close(in);
}

static int thread_pipe[2];
static volatile int thread_tid, thread_done;

static void *thread_main(void *arg GUEST_UNUSED)
{
	thread_tid = gettid();
	while (!thread_done)
		usleep(1000);
	return NULL;
}

/* F_OWNER_TID: the signal goes to that thread, not to whichever takes it. */
static void test_thread_owner(void)
{
	pthread_t th;
	if (pipe(thread_pipe) || pthread_create(&th, NULL, thread_main, NULL))
		return;
	while (!thread_tid)
		usleep(1000);
	reset();
	struct f_owner_ex ex = {.type = F_OWNER_TID, .pid = thread_tid};
	fcntl(thread_pipe[0], F_SETOWN_EX, &ex);
	fcntl(thread_pipe[0], F_SETSIG, SIGRTMIN + 1);
	fcntl(thread_pipe[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	expect_ret(write(thread_pipe[1], "x", 1), 1, "write, owner the other thread");
	for (int i = 0; i < 5000 && !n_rt; i++)
		usleep(1000);
	check(n_rt == 1 && rt_tid == thread_tid, "...the other thread took it");
	thread_done = 1;
	pthread_join(th, NULL);
	close(thread_pipe[0]);
	close(thread_pipe[1]);
}

/* A process group owner: every process of the group gets the signal. */
static void test_pgrp_owner(void)
{
	int p[2], ready[2];
	if (pipe(p) || pipe(ready))
		return;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGIO);
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* Our own group, so that only we and the parent hear. */
		write(ready[1], "r", 1);
		sigset_t wait;
		sigemptyset(&wait);
		sigaddset(&wait, SIGIO);
		struct timespec ts = {10, 0};
		_exit(sigtimedwait(&wait, NULL, &ts) == SIGIO ? 0 : 1);
	}
	char c;
	read(ready[0], &c, 1);
	reset();
	setpgid(0, 0);
	setpgid(pid, getpid());
	expect_ret(fcntl(p[0], F_SETOWN, -getpgrp()), 0, "F_SETOWN(-our new group)");
	fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	expect_ret(write(p[1], "x", 1), 1, "write");
	sigset_t wait;
	sigemptyset(&wait);
	sigaddset(&wait, SIGIO);
	struct timespec ts = {10, 0};
	expect_ret(sigtimedwait(&wait, NULL, &ts), SIGIO, "SIGIO for us");
	guest_expect_child(pid, "exit 0", "...and for the child in the group");
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	close(p[1]);
	close(ready[0]);
	close(ready[1]);
}

/*
 * Linux's sigio_perm: an owner set by uid 1000 may not signal a root
 * process (its uids match neither of the target's real and saved uid),
 * and may signal itself; one set by root may signal anyone.
 */
static void test_owner_permission(void)
{
	if (geteuid() != 0) {
		printf("owner permission: skipped (not root)\n");
		return;
	}
	int p[2];
	if (pipe(p))
		return;
	reset();
	fflush(stdout);
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		n_sigio = 0;
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		if (fcntl(p[0], F_SETOWN, parent) || fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK))
			_exit(11);
		if (write(p[1], "x", 1) != 1)
			_exit(12);
		if (fcntl(p[0], F_SETOWN, getpid()) || write(p[1], "y", 1) != 1)
			_exit(13);
		_exit(n_sigio == 1 ? 0 : 14);
	}
	guest_expect_child(pid, "exit 0", "owner set by uid 1000: SIGIO to itself only");
	expect_ret(n_sigio, 0, "...none to the root parent");

	/* Root's owner reaches a uid-1000 child. */
	int ready[2];
	if (pipe(ready))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigset_t io;
		sigemptyset(&io);
		sigaddset(&io, SIGIO);
		sigprocmask(SIG_BLOCK, &io, NULL);
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(10);
		if (write(ready[1], "r", 1) != 1)
			_exit(11);
		struct timespec ts = {10, 0};
		_exit(sigtimedwait(&io, NULL, &ts) == SIGIO ? 0 : 12);
	}
	char c;
	if (read(ready[0], &c, 1) != 1)
		return;
	expect_ret(fcntl(p[0], F_SETOWN, pid), 0, "root: F_SETOWN(a uid-1000 child)");
	expect_ret(write(p[1], "z", 1), 1, "write");
	guest_expect_child(pid, "exit 0", "...the child gets SIGIO");
	close(ready[0]);
	close(ready[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	guest_start("fasync");
	signal(SIGIO, on_sigio);
	struct sigaction sa = {.sa_sigaction = on_rt, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigaction(SIGRTMIN + 1, &sa, NULL);
	test_owner_calls();
	test_pipe();
	test_fioasync();
	test_socket();
	test_pty();
	test_inotify();
	test_thread_owner();
	test_pgrp_owner();
	test_owner_permission();
	return guest_finish();
}
