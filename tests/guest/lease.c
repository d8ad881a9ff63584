// SPDX-License-Identifier: Apache-2.0
/*
 * File leases: F_SETLEASE's checks (type, owner, regular file, the opens
 * a read or a write lease excludes), F_GETLEASE through a break, and the
 * breaks themselves: an open for writing breaks a read lease, any open a
 * write lease, and so does truncate; the holder gets SIGIO or its
 * F_SETSIG signal (POLL_MSG, si_fd), the opener fails with EWOULDBLOCK
 * (O_NONBLOCK) or waits until the holder downgrades, unlocks or closes,
 * and a signal ends the wait.
 *
 * The lease holder is this process; each breaker is a child, whose
 * outcome the parent reads from its exit status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "guest_test.h"

static const char *path;
static volatile sig_atomic_t got_sig, got_code, got_fd;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_fd = si->si_fd;
}

static int lease_of(int fd)
{
	return fcntl(fd, F_GETLEASE);
}

static void new_file(void)
{
	unlink(path);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "lease\n", 6) != 6)
		check(0, "create %s: %s", path, guest_errno_name(errno));
	close(fd);
}

static void test_checks(void)
{
	new_file();
	int ro = open(path, O_RDONLY);
	expect_ret(lease_of(ro), F_UNLCK, "F_GETLEASE with none");
	expect_err(fcntl(ro, F_SETLEASE, 7), EINVAL, "F_SETLEASE type 7");
	expect_ret(fcntl(ro, F_SETLEASE, F_RDLCK), 0, "read lease on a read-only fd");
	expect_ret(lease_of(ro), F_RDLCK, "F_GETLEASE read");
	expect_ret(fcntl(ro, F_SETLEASE, F_WRLCK), 0, "upgrade to write lease, the only open");
	expect_ret(lease_of(ro), F_WRLCK, "F_GETLEASE write");
	/* Our own second open breaks it too (a blocking one would wait for us). */
	expect_err(open(path, O_RDONLY | O_NONBLOCK), EWOULDBLOCK, "a second open of ours");
	expect_ret(lease_of(ro), F_RDLCK, "F_GETLEASE: being downgraded");
	expect_ret(fcntl(ro, F_SETLEASE, F_UNLCK), 0, "F_UNLCK");
	expect_ret(lease_of(ro), F_UNLCK, "F_GETLEASE after F_UNLCK");
	close(ro);

	int rw = open(path, O_RDWR);
	expect_err(fcntl(rw, F_SETLEASE, F_RDLCK), EAGAIN, "read lease on a writable fd");
	ro = open(path, O_RDONLY);
	expect_err(fcntl(ro, F_SETLEASE, F_RDLCK), EAGAIN, "read lease with a writer open");
	close(rw);
	expect_ret(fcntl(ro, F_SETLEASE, F_RDLCK), 0, "read lease once the writer closed");
	int ro2 = open(path, O_RDONLY);
	check(ro2 >= 0, "a reader does not break a read lease%s", ro2 >= 0 ? "" : " (it did)");
	expect_err(fcntl(ro2, F_SETLEASE, F_WRLCK), EAGAIN, "write lease with another open");
	expect_ret(fcntl(ro2, F_SETLEASE, F_RDLCK), 0, "a second read lease");
	expect_ret(fcntl(ro2, F_SETLEASE, F_UNLCK), 0, "its F_UNLCK");
	close(ro2);
	close(ro);

	int dir = open("/", O_RDONLY | O_DIRECTORY);
	expect_err(fcntl(dir, F_SETLEASE, F_RDLCK), EINVAL, "lease on a directory");
	close(dir);
	int p[2];
	if (pipe(p) == 0) {
		expect_err(fcntl(p[0], F_SETLEASE, F_RDLCK), EINVAL, "lease on a pipe");
		expect_ret(lease_of(p[0]), F_UNLCK, "F_GETLEASE of a pipe");
		close(p[0]);
		close(p[1]);
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		expect_err(fcntl(sv[0], F_SETLEASE, F_WRLCK), EINVAL, "lease on a socket");
		expect_ret(lease_of(sv[0]), F_UNLCK, "F_GETLEASE of a socket");
		close(sv[0]);
		close(sv[1]);
	}
	int op = open(path, O_PATH);
	expect_err(fcntl(op, F_SETLEASE, F_RDLCK), EBADF, "lease on an O_PATH fd");
	close(op);
}

static void test_not_owner(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresuid(65534, 65534, 65534))
			_exit(3);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(4);
		_exit(fcntl(fd, F_SETLEASE, F_RDLCK) < 0 && errno == EACCES ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "lease on another user's file: EACCES");
}

/* A child that opens path with flags and exits 0 on success, 10 + errno's rank otherwise. */
static pid_t opener(int flags)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, flags);
		if (fd >= 0)
			_exit(0);
		_exit(errno == EWOULDBLOCK ? 11 : errno == EINTR ? 12 : 13);
	}
	return pid;
}

/* Wait for the break signal (5 s at most). */
static bool wait_signal(void)
{
	for (int i = 0; i < 5000 && !got_sig; i++)
		usleep(1000);
	return got_sig != 0;
}

static void test_nonblocking_break(void)
{
	new_file();
	int fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, SIGRTMIN + 1);
	expect_ret(fcntl(fd, F_SETLEASE, F_RDLCK), 0, "read lease");
	got_sig = 0;
	guest_expect_child(opener(O_WRONLY | O_NONBLOCK), "exit 11",
			   "O_NONBLOCK writer breaks it: EWOULDBLOCK");
	check(wait_signal() && got_sig == SIGRTMIN + 1 && got_code == 3 && got_fd == fd,
	      "the holder gets its F_SETSIG signal, POLL_MSG, si_fd%s", got_sig ? "" : " (none)");
	expect_ret(lease_of(fd), F_UNLCK, "F_GETLEASE during an unlock break");
	expect_ret(fcntl(fd, F_SETLEASE, F_UNLCK), 0, "the holder unlocks");
	guest_expect_child(opener(O_WRONLY), "exit 0", "the writer then opens");
	close(fd);
}

static void test_downgrade(void)
{
	new_file();
	int fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, 0); /* plain SIGIO */
	expect_ret(fcntl(fd, F_SETLEASE, F_WRLCK), 0, "write lease");
	got_sig = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = opener(O_RDONLY);
	check(wait_signal() && got_sig == SIGIO, "a reader's open: SIGIO to the holder");
	expect_ret(lease_of(fd), F_RDLCK, "F_GETLEASE during a downgrade break");
	expect_ret(fcntl(fd, F_SETLEASE, F_RDLCK), 0, "the holder downgrades");
	guest_expect_child(pid, "exit 0", "the reader's open completes");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check(t1.tv_sec - t0.tv_sec < 20, "well before the break time");
	expect_ret(lease_of(fd), F_RDLCK, "the read lease stays");

	/* A writer breaks the read lease; closing the fd ends it. */
	got_sig = 0;
	pid = opener(O_WRONLY);
	check(wait_signal(), "a writer's open: SIGIO again");
	close(fd);
	guest_expect_child(pid, "exit 0", "closing the leased fd lets the writer in");
}

static void test_truncate_breaks(void)
{
	new_file();
	int fd = open(path, O_RDONLY);
	expect_ret(fcntl(fd, F_SETLEASE, F_RDLCK), 0, "read lease");
	got_sig = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(truncate(path, 0) == 0 ? 0 : 1);
	check(wait_signal(), "truncate breaks it");
	expect_ret(fcntl(fd, F_SETLEASE, F_UNLCK), 0, "the holder unlocks");
	guest_expect_child(pid, "exit 0", "truncate then completes");
	struct stat st;
	check(stat(path, &st) == 0 && st.st_size == 0, "the file was truncated");
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_interrupted(void)
{
	new_file();
	int fd = open(path, O_RDONLY);
	expect_ret(fcntl(fd, F_SETLEASE, F_WRLCK), 0, "write lease");
	got_sig = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		int r = open(path, O_RDONLY);
		_exit(r < 0 && errno == EINTR ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "a signal ends the wait: EINTR");
	expect_ret(fcntl(fd, F_SETLEASE, F_UNLCK), 0, "the holder unlocks");
	close(fd);
}

int main(void)
{
	guest_start("lease");
	struct sigaction sa = {.sa_sigaction = on_sig, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigaction(SIGIO, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	char name[64];
	snprintf(name, sizeof(name), "lease-test.%d", (int)getpid());
	path = guest_path_in("/dev/shm", name);

	test_checks();
	test_not_owner();
	test_nonblocking_break();
	test_downgrade();
	test_truncate_breaks();
	test_interrupted();
	unlink(path);
	return guest_finish();
}
