// SPDX-License-Identifier: Apache-2.0
/*
 * seccomp user notification: SECCOMP_FILTER_FLAG_NEW_LISTENER's fd, and a
 * supervisor thread answering the filtered calls of the main thread
 * through it (RECV, SEND with a value, an error or CONTINUE, ID_VALID,
 * ADDFD with and without SEND), poll, one listener per chain (EBUSY), and
 * ENOSYS once the listener is closed; POLLHUP when the filtered process
 * is gone.
 *
 * The supervisor thread is made before the filter, which (without TSYNC)
 * is the main thread's alone. The ABI's constants are in seccomp_abi.h
 * and here: <linux/seccomp.h> is not there for musl.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "guest_test.h"
#include "seccomp_abi.h"

#define FLAG_CONTINUE 1u
#define ADDFD_SETFD 1u
#define ADDFD_SEND 2u

struct data {
	int nr;
	uint32_t arch;
	uint64_t ip, args[6];
};
struct notif {
	uint64_t id;
	uint32_t pid, flags;
	struct data data;
};
struct resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
struct addfd {
	uint64_t id;
	uint32_t flags, srcfd, newfd, newfd_flags;
};
#define NOTIF_RECV _IOWR('!', 0, struct notif)
#define NOTIF_SEND _IOWR('!', 1, struct resp)
#define NOTIF_ID_VALID _IOW('!', 2, uint64_t)
#define NOTIF_ADDFD _IOW('!', 3, struct addfd)

/* getppid and getpgid go to the listener. */
static long install(unsigned flags)
{
	struct insn p[] = {
		I(LD_ABS, 0, 0, OFF_NR),     I(JEQ_K, 2, 0, SYS_getppid), /* notify */
		I(JEQ_K, 1, 0, SYS_getpgid),				  /* notify */
		I(RET_K, 0, 0, RET_ALLOW),   I(RET_K, 0, 0, RET_USER_NOTIF),
	};
	return seccomp_load(flags, p, 5);
}

/* The supervisor's script: one answer per call, in order. */
enum step { VALUE, ERROR, CONTINUE, ADDFD_THEN_VALUE, ADDFD_SENDING, STOP };
static const enum step script[] = {VALUE, ERROR, CONTINUE, ADDFD_THEN_VALUE, ADDFD_SENDING, STOP};
static int go[2];
static volatile int listener = -1, main_tid, sup_ok = 1, given_fd = -1;

static void sup_check(bool ok, const char *what)
{
	if (!ok) {
		sup_ok = 0;
		fprintf(stderr, "supervisor: %s failed (errno %d)\n", what, errno);
	}
}

static void *supervisor(void *arg)
{
	(void)arg;
	char c;
	if (read(go[0], &c, 1) != 1)
		return NULL;
	for (unsigned i = 0; script[i] != STOP; i++) {
		struct notif n;
		memset(&n, 0, sizeof(n));
		struct pollfd pfd = {listener, POLLIN, 0};
		sup_check(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN), "poll POLLIN");
		sup_check(ioctl(listener, NOTIF_RECV, &n) == 0, "RECV");
		sup_check(n.pid == (uint32_t)main_tid && n.data.arch == 0xc000003e &&
				  (n.data.nr == SYS_getppid || n.data.nr == SYS_getpgid),
			  "RECV's pid, arch, nr");
		sup_check(ioctl(listener, NOTIF_ID_VALID, &n.id) == 0, "ID_VALID");
		pfd.events = POLLOUT;
		sup_check(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT), "poll POLLOUT");
		struct resp r = {.id = n.id};
		struct addfd a = {.id = n.id};
		switch (script[i]) {
		case VALUE:
			r.val = 4242 + (long)n.data.args[0];
			break;
		case ERROR:
			r.error = -EPERM;
			break;
		case CONTINUE:
			r.flags = FLAG_CONTINUE;
			break;
		case ADDFD_THEN_VALUE:
			a.srcfd = (uint32_t)open("/", O_RDONLY | O_DIRECTORY);
			given_fd = ioctl(listener, NOTIF_ADDFD, &a);
			sup_check(given_fd >= 0, "ADDFD");
			close((int)a.srcfd);
			r.val = given_fd;
			break;
		case ADDFD_SENDING:
			a.srcfd = (uint32_t)go[0];
			a.flags = ADDFD_SETFD | ADDFD_SEND;
			a.newfd = 77;
			sup_check(ioctl(listener, NOTIF_ADDFD, &a) == 77, "ADDFD SETFD|SEND");
			continue; /* answered */
		case STOP:
			break;
		}
		sup_check(ioctl(listener, NOTIF_SEND, &r) == 0, "SEND");
	}
	return NULL;
}

static void supervised(void)
{
	pthread_t th;
	long real_ppid = syscall(SYS_getppid);
	main_tid = (int)syscall(SYS_gettid);
	if (pipe(go) || pthread_create(&th, NULL, supervisor, NULL)) {
		check(0, "setup");
		return;
	}
	expect_err(install(FLAG_TSYNC | FLAG_NEW_LISTENER), EINVAL, "TSYNC with NEW_LISTENER");
	long fd = install(FLAG_NEW_LISTENER);
	check(fd >= 0, "NEW_LISTENER gives an fd");
	check(fcntl((int)fd, F_GETFD) == FD_CLOEXEC, "the listener is close-on-exec");
	expect_err(install(FLAG_NEW_LISTENER), EBUSY, "a second listener in the chain");
	listener = (int)fd;
	struct notif n;
	memset(&n, 0, sizeof(n));
	n.id = 1;
	expect_err(ioctl(listener, NOTIF_RECV, &n), EINVAL, "RECV into a non-zeroed struct");
	struct resp bad = {.id = 12345, .flags = 2};
	expect_err(ioctl(listener, NOTIF_SEND, &bad), EINVAL, "SEND with an unknown flag");
	bad.flags = 0;
	expect_err(ioctl(listener, NOTIF_SEND, &bad), ENOENT, "SEND to no call");
	uint64_t id = 12345;
	expect_err(ioctl(listener, NOTIF_ID_VALID, &id), ENOENT, "ID_VALID of no call");
	if (write(go[1], "g", 1) != 1)
		check(0, "go");

	expect_ret(syscall(SYS_getpgid, 7L), 4242 + 7, "answered with a value");
	expect_err(syscall(SYS_getppid), EPERM, "answered with an error");
	check(syscall(SYS_getppid) == real_ppid, "CONTINUE: the call runs");
	long got = syscall(SYS_getppid);
	struct stat a, b;
	check(got >= 0 && got == given_fd && fstat((int)got, &a) == 0 && stat("/", &b) == 0 &&
		      a.st_ino == b.st_ino,
	      "ADDFD: the supervisor's file is ours, the answer its fd");
	expect_ret(syscall(SYS_getppid), 77, "ADDFD with SETFD|SEND answers with the fd");
	check(fcntl(77, F_GETFD) == 0, "fd 77 is there");
	pthread_join(th, NULL);
	check(sup_ok, "the supervisor's checks%s", sup_ok ? "" : " (see stderr)");
	close(listener);
	expect_err(syscall(SYS_getppid), ENOSYS, "after the listener is closed: ENOSYS");
	expect_ret(install(FLAG_NEW_LISTENER) >= 0, 1, "a new listener once the old one closed");
}

/* POLLHUP: the listener of a filter whose process is gone, received over a socket. */
static void hangup(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		check(0, "socketpair");
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long fd = install(FLAG_NEW_LISTENER);
		char cbuf[CMSG_SPACE(sizeof(int))];
		char byte = 'l';
		struct iovec iov = {&byte, 1};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = cbuf,
				   .msg_controllen = sizeof(cbuf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		int ifd = (int)fd;
		memcpy(CMSG_DATA(c), &ifd, sizeof(int));
		_exit(fd >= 0 && sendmsg(sv[1], &m, 0) == 1 ? 0 : 1);
	}
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = {&byte, 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	int lfd = -1;
	if (recvmsg(sv[0], &m, 0) == 1 && CMSG_FIRSTHDR(&m))
		memcpy(&lfd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	guest_expect_child(pid, "exit 0", "a child's listener, sent over a socket");
	struct pollfd pfd = {lfd, POLLIN, 0};
	check(lfd >= 0 && poll(&pfd, 1, 10000) == 1 && pfd.revents == POLLHUP,
	      "POLLHUP once the filtered process is gone");
	close(lfd);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	guest_start("seccomp_notify");
	uint16_t sizes[3];
	expect_ret(seccomp_call(GET_NOTIF_SIZES, 0, sizes), 0, "GET_NOTIF_SIZES");
	check(sizes[0] == sizeof(struct notif) && sizes[1] == sizeof(struct resp) &&
		      sizes[2] == sizeof(struct data),
	      "the sizes: notif %u, resp %u, data %u", sizes[0], sizes[1], sizes[2]);
	hangup();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		supervised();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "supervised calls");
	return guest_finish();
}
