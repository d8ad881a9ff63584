// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX message queues: mq_open, mq_unlink, mq_timedsend,
 * mq_timedreceive, mq_notify and mq_getsetattr. Priorities, limits,
 * blocking against a second process, timeouts, EINTR, poll readiness,
 * SIGEV_SIGNAL notification, the read(2) status line, and permissions as
 * uid 65534.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_test.h"

#define NOBODY 65534
/*
 * Queue names and the test uid carry our pid: the glibc and musl builds
 * of this test run at the same time natively, and queues (and a uid's
 * RLIMIT_MSGQUEUE charge) are host-wide there. Never printed.
 */
static char qname[64], qa[64], qb[64], qc[64];
static unsigned test_uid;

static void names_init(void)
{
	int pid = (int)getpid();
	snprintf(qname, sizeof(qname), "/sentry-kvm-mqueue-test-%d", pid);
	snprintf(qa, sizeof(qa), "/sentry-kvm-mq-a-%d", pid);
	snprintf(qb, sizeof(qb), "/sentry-kvm-mq-b-%d", pid);
	snprintf(qc, sizeof(qc), "/sentry-kvm-mq-c-%d", pid);
	test_uid = 54321 + (unsigned)pid % 1000;
}

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The child reports only failures: its lines would race with the parent's. */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		guest_quiet = true;
	}
	return pid;
}

/* Receive one message and print "prio:text" or the errno. */
static void rcv(mqd_t q, const char *what)
{
	char buf[8192];
	unsigned prio = 99;
	ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
	if (n < 0)
		printf("%s: %s\n", what, guest_errno_name(errno));
	else
		printf("%s: %u:%.*s\n", what, prio, (int)n, buf);
}

static long raw_open(const char *name, int oflag)
{
	return syscall(SYS_mq_open, name, oflag, 0600L, NULL);
}

static void test_open(void)
{
	struct mq_attr at;
	mq_unlink(qname);
	expect_err(mq_open(qname, O_RDWR), ENOENT, "mq_open(no O_CREAT)");
	mqd_t q = mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	check(q >= 0, "mq_open(O_CREAT|O_EXCL)");
	expect_err(mq_open(qname, O_RDWR | O_CREAT | O_EXCL, 0600, NULL), EEXIST,
		   "mq_open again, O_EXCL");
	mqd_t q2 = mq_open(qname, O_WRONLY);
	check(q2 >= 0 && q2 != q, "mq_open(existing, O_WRONLY)");
	expect_ret(fcntl(q, F_GETFD), FD_CLOEXEC, "queue descriptors are close-on-exec");
	expect_err(raw_open("a/b", O_RDWR | O_CREAT), EACCES, "mq_open(\"a/b\")");
	expect_err(raw_open("", O_RDWR | O_CREAT), ENOENT, "mq_open(\"\")");
	expect_err(raw_open("..", O_RDWR | O_CREAT), EACCES, "mq_open(\"..\")");
	expect_err(raw_open((char *)8, O_RDWR), EFAULT, "mq_open(bad name)");
	char longname[300];
	memset(longname, 'x', 299);
	longname[299] = 0;
	expect_err(raw_open(longname, O_RDWR | O_CREAT), ENAMETOOLONG, "mq_open(299-byte name)");
	expect_err(raw_open(qname + 1, O_RDWR | O_WRONLY), EINVAL, "mq_open(O_RDWR|O_WRONLY)");
	expect_ret(mq_getattr(q, &at), 0, "mq_getattr");
	check(at.mq_maxmsg == 10 && at.mq_msgsize == 8192 && at.mq_curmsgs == 0 && at.mq_flags == 0,
	      "default attributes: 10 x 8192, empty, blocking");
	struct mq_attr bad = {.mq_maxmsg = 0, .mq_msgsize = 16};
	expect_err(mq_open("/sentry-kvm-mq-bad", O_RDWR | O_CREAT, 0600, &bad), EINVAL,
		   "mq_open(mq_maxmsg 0)");
	bad.mq_maxmsg = 2;
	bad.mq_msgsize = -1;
	expect_err(mq_open("/sentry-kvm-mq-bad", O_RDWR | O_CREAT, 0600, &bad), EINVAL,
		   "mq_open(mq_msgsize -1)");
	struct mq_attr nb = {.mq_flags = O_NONBLOCK}, old;
	expect_ret(mq_setattr(q, &nb, &old), 0, "mq_setattr(O_NONBLOCK)");
	check(old.mq_flags == 0, "old flags 0");
	mq_getattr(q, &at);
	check(at.mq_flags == O_NONBLOCK, "flags now O_NONBLOCK");
	check(fcntl(q, F_GETFL) & O_NONBLOCK, "F_GETFL shows O_NONBLOCK");
	nb.mq_flags = O_APPEND;
	expect_err(mq_setattr(q, &nb, NULL), EINVAL, "mq_setattr(O_APPEND)");
	expect_err(mq_getattr(1000, &at), EBADF, "mq_getattr(closed fd)");
	expect_err(mq_getattr(0, &at), EBADF, "mq_getattr(not a queue)");
	expect_ret(mq_unlink(qname), 0, "mq_unlink");
	expect_err(mq_unlink(qname), ENOENT, "mq_unlink again");
	expect_ret(mq_send(q2, "still", 5, 1), 0, "send after unlink");
	rcv(q, "receive after unlink");
	mq_close(q);
	mq_close(q2);
}

static void test_send_receive(void)
{
	struct mq_attr attr = {.mq_maxmsg = 3, .mq_msgsize = 16};
	mqd_t q = mq_open(qname, O_RDWR | O_CREAT | O_NONBLOCK, 0600, &attr);
	char buf[64];
	struct timespec ts;

	mq_unlink(qname);
	expect_ret(mq_send(q, "low", 3, 1), 0, "send prio 1");
	expect_ret(mq_send(q, "high", 4, 7), 0, "send prio 7");
	expect_ret(mq_send(q, "low2", 4, 1), 0, "send prio 1 again");
	expect_err(mq_send(q, "full", 4, 1), EAGAIN, "send to a full queue, O_NONBLOCK");
	expect_err(mq_send(q, "x", 17, 1), EMSGSIZE, "send 17 bytes of 16");
	expect_err(mq_send(q, "x", 1, 32768), EINVAL, "send prio 32768");
	expect_err(mq_send(q, (char *)8, 1, 1), EFAULT,
		   "send bad pointer to a full queue: copied first");
	char small[15];
	expect_err(mq_receive(q, small, sizeof(small), NULL), EMSGSIZE, "receive, buffer 15 < 16");
	char status[128] = {0};
	ssize_t n = pread(q, status, sizeof(status) - 1, 0);
	check(n > 0, "read(2) the status line");
	printf("status: %s", status);
	rcv(q, "receive 1");
	rcv(q, "receive 2");
	rcv(q, "receive 3");
	rcv(q, "receive from empty, O_NONBLOCK");
	struct mq_attr blk = {.mq_flags = 0};
	mq_setattr(q, &blk, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	expect_err(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), ETIMEDOUT,
		   "mq_timedreceive(50 ms) times out");
	ts.tv_nsec = 1000000000L;
	expect_err(mq_timedreceive(q, buf, sizeof(buf), NULL, &ts), EINVAL,
		   "mq_timedreceive(tv_nsec 1e9)");
	ts = (struct timespec){0, 0};
	expect_ret(mq_timedsend(q, "x", 1, 0, &ts), 0,
		   "mq_timedsend(past deadline) with room: sent");
	rcv(q, "drain");
	expect_err(mq_send(q, (char *)8, 1, 1), EFAULT, "send(bad pointer)");
	mq_close(q);
}

static void test_block(void)
{
	struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = 16};
	mqd_t q = mq_open(qname, O_RDWR | O_CREAT, 0600, &attr);
	mq_unlink(qname);
	pid_t pid = fork_child();
	if (pid == 0) {
		char buf[16];
		unsigned prio;
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		check(n == 5 && prio == 3 && !memcmp(buf, "hello", 5), "child: received hello");
		exit(guest_failures);
	}
	msleep(50);
	expect_ret(mq_send(q, "hello", 5, 3), 0, "send to the waiting child");
	guest_expect_child(pid, "exit 0", "receiver");

	/* A full queue blocks the sender until a receive. */
	mq_send(q, "one", 3, 0);
	pid = fork_child();
	if (pid == 0) {
		check(mq_send(q, "two", 3, 0) == 0, "child: send waits for room");
		exit(guest_failures);
	}
	msleep(50);
	rcv(q, "make room");
	guest_expect_child(pid, "exit 0", "sender");
	rcv(q, "the sender's message");

	/* poll readiness. */
	struct pollfd p = {.fd = q, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM};
	expect_ret(poll(&p, 1, 0), 1, "poll(empty)");
	check(p.revents == (POLLOUT | POLLWRNORM), "empty: POLLOUT|POLLWRNORM");
	mq_send(q, "x", 1, 0);
	poll(&p, 1, 0);
	check(p.revents == (POLLIN | POLLRDNORM), "full: POLLIN|POLLRDNORM");
	rcv(q, "drain");
	p.events = POLLIN;
	pid = fork_child();
	if (pid == 0) {
		msleep(50);
		mq_send(q, "wake", 4, 0);
		exit(0);
	}
	expect_ret(poll(&p, 1, 5000), 1, "poll wakes on a send");
	guest_expect_child(pid, "exit 0", "poll waker");
	rcv(q, "drain");
	mq_close(q);
}

static volatile sig_atomic_t got_sig, got_code, got_val, got_pid;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_val = si->si_value.sival_int;
	got_pid = si->si_pid;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_notify(void)
{
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 16};
	mqd_t q = mq_open(qname, O_RDWR | O_CREAT, 0600, &attr);
	mq_unlink(qname);
	struct sigaction sa = {.sa_sigaction = on_sig, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR2, &sa, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
	ev.sigev_value.sival_int = 42;
	expect_ret(mq_notify(q, &ev), 0, "mq_notify(SIGEV_SIGNAL)");
	char status[128] = {0};
	pread(q, status, sizeof(status) - 1, 0);
	check(strstr(status, "NOTIFY:0     SIGNO:12") != NULL, "status line shows SIGNO:12");
	pid_t pid = fork_child();
	if (pid == 0) {
		struct sigevent e2 = {.sigev_notify = SIGEV_NONE};
		check(mq_notify(q, &e2) == -1 && errno == EBUSY, "child: mq_notify: EBUSY");
		check(mq_notify(q, NULL) == 0, "child: mq_notify(NULL) of another's: 0");
		mq_send(q, "note", 4, 0);
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "child sender");
	check(got_sig == SIGUSR2 && got_code == SI_MESGQ && got_val == 42 && got_pid == pid,
	      "notified: SIGUSR2, SI_MESGQ, value 42, sender's pid");
	got_sig = 0;
	mq_send(q, "more", 4, 0);
	check(got_sig == 0, "one notification only (registration removed)");
	expect_ret(mq_notify(q, &ev), 0, "register again");
	mq_send(q, "not empty", 9, 0);
	check(got_sig == 0, "no notification when the queue was not empty");
	expect_ret(mq_notify(q, NULL), 0, "mq_notify(NULL) unregisters");
	ev.sigev_signo = 65;
	expect_err(mq_notify(q, &ev), EINVAL, "mq_notify(signal 65)");
	ev.sigev_notify = 99;
	expect_err(mq_notify(q, &ev), EINVAL, "mq_notify(sigev_notify 99)");
	mq_close(q);

	/* EINTR: a handler without SA_RESTART interrupts a blocked receive. */
	q = mq_open(qname, O_RDWR | O_CREAT, 0600, &attr);
	mq_unlink(qname);
	struct sigaction su = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &su, NULL);
	pid = fork();
	if (pid == 0) {
		rcv(q, "child: receive interrupted");
		exit(0);
	}
	msleep(50);
	kill(pid, SIGUSR1);
	guest_expect_child(pid, "exit 0", "interrupted receiver");
	/* With SA_RESTART it restarts and gets the later message. */
	su.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &su, NULL);
	pid = fork();
	if (pid == 0) {
		rcv(q, "child: receive restarted");
		exit(0);
	}
	msleep(50);
	kill(pid, SIGUSR1);
	msleep(50);
	mq_send(q, "after", 5, 2);
	guest_expect_child(pid, "exit 0", "restarted receiver");
	mq_close(q);
}

/* RLIMIT_MSGQUEUE: a default queue costs 10 * (8192 + 96) bytes, as Linux counts. */
static void test_rlimit(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		struct rlimit rl = {2 * 82880, 2 * 82880};
		setrlimit(RLIMIT_MSGQUEUE, &rl);
		/* The limit is per user: a uid of our own, so no other queue on the host counts. */
		if (setgid(test_uid) || setuid(test_uid)) {
			printf("FAIL setuid(test uid)\n");
			exit(1);
		}
		mqd_t a = mq_open(qa, O_RDWR | O_CREAT, 0600, NULL);
		mqd_t b = mq_open(qb, O_RDWR | O_CREAT, 0600, NULL);
		check(a >= 0 && b >= 0, "two default queues fit 2 * 82880 bytes");
		expect_err(mq_open(qc, O_RDWR | O_CREAT, 0600, NULL), EMFILE, "a third: EMFILE");
		mq_unlink(qa);
		expect_ret(mq_open(qc, O_RDWR | O_CREAT, 0600, NULL) >= 0, 0,
			   "unlinked but still open: still charged");
		mq_close(a);
		mqd_t c = mq_open(qc, O_RDWR | O_CREAT, 0600, NULL);
		check(c >= 0, "after the last close: room again");
		mq_unlink(qb);
		mq_unlink(qc);
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "RLIMIT_MSGQUEUE child");
}

static void test_perm(void)
{
	mqd_t q = mq_open(qname, O_RDWR | O_CREAT, 0640, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		if (setgid(NOBODY) || setuid(NOBODY)) {
			printf("FAIL setuid(65534)\n");
			exit(1);
		}
		expect_err(mq_open(qname, O_RDONLY), EACCES, "uid 65534: mq_open 0640");
		expect_err(mq_unlink(qname), EACCES, "uid 65534: mq_unlink root's");
		struct mq_attr big = {.mq_maxmsg = 11, .mq_msgsize = 16};
		expect_err(mq_open("/sentry-kvm-mq-nobody", O_RDWR | O_CREAT, 0600, &big), EINVAL,
			   "uid 65534: mq_maxmsg 11 past msg_max");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "uid 65534 child");
	mq_unlink(qname);
	mq_close(q);
}

int main(void)
{
	guest_start("mqueue");
	names_init();
	test_open();
	test_send_receive();
	test_block();
	test_notify();
	test_rlimit();
	test_perm();
	return guest_finish();
}
