// SPDX-License-Identifier: Apache-2.0
/*
 * System V message queues: msgget, msgsnd, msgrcv and msgctl, with the
 * type selection modes (0, >0, <0, MSG_EXCEPT), MSG_NOERROR, E2BIG,
 * blocking both ways against a second process, msg_qbytes, EINTR and
 * restarts, IPC_RMID waking sleepers, and permissions as uid 65534.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_test.h"

#define NOBODY 65534
#define KEY 0x5e4a1002
#ifndef MSG_COPY
#define MSG_COPY 040000 /* musl lacks it */
#endif

struct msg {
	long type;
	char text[64];
};

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * fork, with the child's own failure count. The child reports only
 * failures: its lines would race with the parent's once it is woken.
 */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		guest_quiet = true;
	}
	return pid;
}

static int snd(int id, long type, const char *text, int flg)
{
	struct msg m = {.type = type};
	strncpy(m.text, text, sizeof(m.text) - 1);
	return msgsnd(id, &m, strlen(text), flg);
}

/* Receive and print "type:text" (or the errno). */
static void rcv(int id, long type, size_t sz, int flg, const char *what)
{
	struct msg m = {0};
	ssize_t n = msgrcv(id, &m, sz, type, flg);
	if (n < 0)
		printf("%s: %s\n", what, guest_errno_name(errno));
	else
		printf("%s: %ld:%.*s (%zd)\n", what, m.type, (int)n, m.text, n);
}

static bool qnum_is(int id, unsigned long want)
{
	struct msqid_ds ds;
	for (int i = 0; i < 500; i++) {
		if (msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == want)
			return true;
		msleep(10);
	}
	return false;
}

static void test_get(void)
{
	msgctl(msgget(KEY, 0), IPC_RMID, NULL);
	expect_err(msgget(KEY, 0600), ENOENT, "msgget(key, no IPC_CREAT)");
	int id = msgget(KEY, IPC_CREAT | IPC_EXCL | 0600);
	check(id >= 0, "msgget(key, IPC_CREAT|IPC_EXCL)");
	expect_err(msgget(KEY, IPC_CREAT | IPC_EXCL), EEXIST, "msgget again, IPC_EXCL");
	check(msgget(KEY, 0) == id, "msgget(key): same id");
	struct msqid_ds ds;
	expect_ret(msgctl(id, IPC_STAT, &ds), 0, "IPC_STAT");
	check(ds.msg_qbytes == 16384 && ds.msg_qnum == 0 && ds.msg_cbytes == 0,
	      "new queue: qbytes 16384, empty");
	check((ds.msg_perm.mode & 0777) == 0600 && ds.msg_perm.__key == KEY, "IPC_STAT mode, key");
	struct msginfo mi;
	check(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0, "IPC_INFO");
	check(mi.msgmax == 8192 && mi.msgmnb == 16384 && mi.msgmni == 32000, "IPC_INFO limits");
	check(msgctl(id % 32768, MSG_STAT, &ds) == id, "MSG_STAT(index) returns the id");
	expect_ret(msgctl(id, IPC_RMID, NULL), 0, "IPC_RMID");
	expect_err(msgctl(id, IPC_STAT, &ds), EINVAL, "IPC_STAT after IPC_RMID");
	expect_err(msgctl(-1, IPC_STAT, &ds), EINVAL, "msgctl(id -1)");
}

static void test_types(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct msqid_ds ds;

	expect_err(snd(id, 0, "x", 0), EINVAL, "msgsnd(type 0)");
	expect_err(snd(id, -1, "x", 0), EINVAL, "msgsnd(type -1)");
	expect_err(msgsnd(id, (void *)8, 1, 0), EFAULT, "msgsnd(bad pointer)");
	static struct {
		long type;
		char text[8193];
	} big = {1, ""};
	expect_err(msgsnd(id, &big, 8193, 0), EINVAL, "msgsnd(8193 bytes)");
	expect_ret(msgsnd(id, &big, 0, 0), 0, "msgsnd(0 bytes)");
	rcv(id, 0, 64, 0, "receive the empty message");
	snd(id, 3, "three", 0);
	snd(id, 1, "one", 0);
	snd(id, 2, "two", 0);
	snd(id, 1, "one-b", 0);
	snd(id, 5, "five", 0);
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_qnum == 5 && ds.msg_cbytes == 20, "IPC_STAT: 5 messages, 20 bytes");
	check(ds.msg_lspid == getpid() && ds.msg_stime != 0, "IPC_STAT: lspid, stime");
	rcv(id, 2, 64, 0, "msgrcv(type 2)");
	rcv(id, 7, 64, IPC_NOWAIT, "msgrcv(type 7, IPC_NOWAIT)");
	rcv(id, -4, 64, 0, "msgrcv(type -4): lowest type first");
	rcv(id, 1, 64, MSG_EXCEPT, "msgrcv(type 1, MSG_EXCEPT)");
	rcv(id, 0, 2, 0, "msgrcv(2-byte buffer)");
	rcv(id, 0, 2, MSG_NOERROR, "msgrcv(2-byte buffer, MSG_NOERROR)");
	rcv(id, 0, 64, 0, "msgrcv(type 0)");
	rcv(id, 0, 64, IPC_NOWAIT, "msgrcv(empty, IPC_NOWAIT)");
	snd(id, 9, "nine", 0);
	snd(id, 8, "eight", 0);
	rcv(id, 1, 64, MSG_COPY | IPC_NOWAIT, "msgrcv(MSG_COPY, index 1)");
	rcv(id, 5, 64, MSG_COPY | IPC_NOWAIT, "msgrcv(MSG_COPY, index 5)");
	rcv(id, 0, 64, MSG_COPY, "msgrcv(MSG_COPY without IPC_NOWAIT)");
	rcv(id, 0, 64, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT, "msgrcv(MSG_COPY|MSG_EXCEPT)");
	rcv(id, 0, 64, 0, "msgrcv after MSG_COPY: still first");
	rcv(id, 0, (size_t)-1, 0, "msgrcv(size -1)");
	expect_err(msgrcv(id, (void *)8, 64, 0, 0), EFAULT, "msgrcv(bad pointer): EFAULT");
	rcv(id, 0, 64, IPC_NOWAIT, "the message copied to a bad pointer is lost");
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_lrpid == getpid() && ds.msg_rtime != 0 && ds.msg_qnum == 0,
	      "IPC_STAT: lrpid, rtime, empty");
	msgctl(id, IPC_RMID, NULL);
}

static void test_block(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	pid_t pid = fork_child();
	if (pid == 0) {
		rcv(id, 4, 64, 0, "child: msgrcv(type 4) waits");
		exit(guest_failures);
	}
	msleep(50);
	snd(id, 3, "not for the child", 0);
	snd(id, 4, "for the child", 0);
	guest_expect_child(pid, "exit 0", "receiver");
	check(qnum_is(id, 1), "the type-3 message stays");

	/* A full queue blocks the sender until a receive makes room. */
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 40;
	expect_ret(msgctl(id, IPC_SET, &ds), 0, "IPC_SET msg_qbytes 40");
	expect_ret(snd(id, 1, "0123456789012345678", 0), 0, "fill to 36 of 40 bytes");
	expect_err(snd(id, 1, "01234", IPC_NOWAIT), EAGAIN, "msgsnd(5 more, IPC_NOWAIT)");
	pid = fork_child();
	if (pid == 0) {
		expect_ret(snd(id, 2, "01234", 0), 0, "child: msgsnd waits for room");
		exit(guest_failures);
	}
	msleep(50);
	check(qnum_is(id, 2), "sender still waits");
	rcv(id, 3, 64, 0, "make room");
	guest_expect_child(pid, "exit 0", "sender");
	check(qnum_is(id, 2), "its message is queued");
	msgctl(id, IPC_RMID, NULL);

	/* IPC_RMID wakes sleepers with EIDRM. */
	id = msgget(IPC_PRIVATE, 0600);
	pid = fork_child();
	if (pid == 0) {
		rcv(id, 0, 64, 0, "child: msgrcv on a removed queue");
		exit(guest_failures);
	}
	msleep(50);
	msgctl(id, IPC_RMID, NULL);
	guest_expect_child(pid, "exit 0", "sleeper of a removed queue");
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_eintr(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	pid_t pid = fork_child();
	if (pid == 0) {
		rcv(id, 0, 64, 0, "child: msgrcv interrupted (no SA_RESTART)");
		exit(guest_failures);
	}
	msleep(50);
	kill(pid, SIGUSR1);
	guest_expect_child(pid, "exit 0", "interrupted msgrcv");

	/* signal(7): System V IPC calls are never restarted after a handler. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pid = fork_child();
	if (pid == 0) {
		rcv(id, 0, 64, 0, "child: msgrcv with SA_RESTART: never restarted");
		exit(guest_failures);
	}
	msleep(50);
	kill(pid, SIGUSR1);
	guest_expect_child(pid, "exit 0", "msgrcv with SA_RESTART");
	msgctl(id, IPC_RMID, NULL);
}

static void test_perm(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	int id2 = msgget(IPC_PRIVATE, 0622);
	pid_t pid = fork_child();
	if (pid == 0) {
		guest_quiet = false; /* the parent only waits: no race */
		if (setgid(NOBODY) || setuid(NOBODY)) {
			printf("FAIL setuid(65534)\n");
			exit(1);
		}
		struct msqid_ds ds;
		expect_err(snd(id, 1, "x", 0), EACCES, "uid 65534: msgsnd on 0600");
		rcv(id, 0, 64, IPC_NOWAIT, "uid 65534: msgrcv on 0600");
		expect_err(msgctl(id, IPC_STAT, &ds), EACCES, "uid 65534: IPC_STAT on 0600");
		expect_err(msgctl(id, IPC_RMID, NULL), EPERM, "uid 65534: IPC_RMID");
		expect_ret(snd(id2, 1, "x", 0), 0, "uid 65534: msgsnd on 0622");
		rcv(id2, 0, 64, IPC_NOWAIT, "uid 65534: msgrcv on 0622");
		exit(guest_failures);
	}
	guest_expect_child(pid, "exit 0", "uid 65534 child");
	msgctl(id, IPC_RMID, NULL);
	msgctl(id2, IPC_RMID, NULL);
}

int main(void)
{
	guest_start("sysv_msg");
	test_get();
	test_types();
	test_block();
	test_eintr();
	test_perm();
	return guest_finish();
}
