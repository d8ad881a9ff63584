// SPDX-License-Identifier: Apache-2.0
/*
 * UTS and IPC namespaces, and unshare's other flags, as root:
 * sethostname/setdomainname after unshare(CLONE_NEWUTS) are not seen by
 * the parent, another process joins through setns on /proc/PID/ns/uts;
 * System V objects and POSIX queues made before unshare(CLONE_NEWIPC)
 * are not found after it; ns inode numbers; the setns and unshare
 * errors; EPERM without CAP_SYS_ADMIN.
 *
 * The parent itself first enters a new IPC namespace, and only children
 * in new UTS namespaces set names, so the host is never changed when run
 * natively. Host names are never printed, only compared.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "ns_test.h"

#define KEY 0x4e535443

static const char *read_line(const char *path)
{
	static char buf[128];
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* A child in a new UTS namespace names itself; the parent joins it from another child. */
static void test_uts(void)
{
	struct utsname before, after;
	int go[2], ready[2];
	uname(&before);
	unsigned long long mine = ns_ino("uts");
	check(pipe(go) == 0 && pipe(ready) == 0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		struct utsname u;
		guest_failures = 0;
		expect_ret(unshare(CLONE_NEWUTS), 0, "uts child: unshare(CLONE_NEWUTS)");
		check(ns_ino("uts") != mine && ns_ino("uts") != 0, "uts child: a new uts inode");
		expect_ret(sethostname("ns-test-host", 12), 0, "uts child: sethostname");
		expect_ret(setdomainname("ns-test-dom", 11), 0, "uts child: setdomainname");
		uname(&u);
		printf("uts child: uname nodename %s domainname %s\n", u.nodename, u.domainname);
		printf("uts child: /proc/sys/kernel/hostname %s\n",
		       read_line("/proc/sys/kernel/hostname"));
		expect_err(syscall(SYS_sethostname, "x", 65L), EINVAL,
			   "uts child: sethostname(len 65)");
		expect_err(syscall(SYS_sethostname, "x", -1L), EINVAL,
			   "uts child: sethostname(len -1)");
		expect_err(syscall(SYS_sethostname, 8L, 4L), EFAULT,
			   "uts child: sethostname(bad address)");
		expect_ret(sethostname("", 0), 0, "uts child: sethostname(empty)");
		uname(&u);
		printf("uts child: nodename now '%s'\n", u.nodename);
		expect_ret(sethostname("ns-test-host", 12), 0, "uts child: sethostname again");
		if (write(ready[1], "r", 1) != 1 || read(go[0], (char[1]){0}, 1) != 1)
			_exit(2);
		_exit(guest_failures ? 1 : 0);
	}
	char c;
	check(read(ready[0], &c, 1) == 1, "uts child ready");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", pid);
	int fd = open(path, O_RDONLY);
	check(fd >= 0, "open /proc/CHILD/ns/uts");
	pid_t joiner = fork();
	if (joiner == 0) {
		struct utsname u;
		guest_failures = 0;
		expect_ret(setns(fd, CLONE_NEWUTS), 0, "joiner: setns(child uts, CLONE_NEWUTS)");
		uname(&u);
		printf("joiner: nodename %s\n", u.nodename);
		expect_err(setns(fd, CLONE_NEWIPC), EINVAL, "joiner: setns(uts fd, CLONE_NEWIPC)");
		expect_err(setns(fd, CLONE_NEWNS), EINVAL, "joiner: setns(uts fd, CLONE_NEWNS)");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(joiner, "exit 0", "joiner");
	close(fd);
	int pidfd = (int)syscall(SYS_pidfd_open, (long)pid, 0L);
	check(pidfd >= 0, "pidfd_open(uts child)");
	joiner = fork();
	if (joiner == 0) {
		struct utsname u;
		guest_failures = 0;
		expect_err(setns(pidfd, 0), EINVAL, "pidfd joiner: setns(pidfd, 0)");
		expect_ret(setns(pidfd, CLONE_NEWUTS | CLONE_NEWIPC), 0,
			   "pidfd joiner: setns(pidfd, CLONE_NEWUTS | CLONE_NEWIPC)");
		uname(&u);
		printf("pidfd joiner: nodename %s\n", u.nodename);
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(joiner, "exit 0", "pidfd joiner");
	close(pidfd);
	check(write(go[1], "g", 1) == 1, "release uts child");
	guest_expect_child(pid, "exit 0", "uts child");
	uname(&after);
	check(!strcmp(before.nodename, after.nodename) &&
		      !strcmp(before.domainname, after.domainname),
	      "parent: host and domain names unchanged");
	check(ns_ino("uts") == mine, "parent: same uts inode");
}

/* Objects made before unshare(CLONE_NEWIPC) are not found after it. */
static void test_ipc(void)
{
	unsigned long long mine = ns_ino("ipc");
	int shm = shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
	int msq = msgget(KEY, IPC_CREAT | IPC_EXCL | 0600);
	struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mqd_t mq = mq_open("/ns-test-q", O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	check(shm >= 0 && msq >= 0 && mq != (mqd_t)-1, "shmget, msgget, mq_open before unshare");
	pid_t pid = fork();
	if (pid == 0) {
		struct shmid_ds ds;
		guest_failures = 0;
		expect_ret(unshare(CLONE_NEWIPC), 0, "ipc child: unshare(CLONE_NEWIPC)");
		check(ns_ino("ipc") != mine && ns_ino("ipc") != 0, "ipc child: a new ipc inode");
		expect_err(shmget(KEY, 0, 0), ENOENT, "ipc child: shmget(key)");
		expect_err(msgget(KEY, 0), ENOENT, "ipc child: msgget(key)");
		expect_err(shmctl(shm, IPC_STAT, &ds), EINVAL, "ipc child: shmctl(old id)");
		expect_err(mq_open("/ns-test-q", O_RDONLY), ENOENT,
			   "ipc child: mq_open(old queue)");
		int mine_shm = shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600);
		check(mine_shm >= 0, "ipc child: shmget(key, IPC_CREAT | IPC_EXCL)");
		shmctl(mine_shm, IPC_RMID, NULL);
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "ipc child");
	check(shmget(KEY, 0, 0) == shm, "parent: its segment is still there");
	check(msgget(KEY, 0) == msq, "parent: its queue is still there");
	check(ns_ino("ipc") == mine, "parent: same ipc inode");
	shmctl(shm, IPC_RMID, NULL);
	msgctl(msq, IPC_RMID, NULL);
	mq_close(mq);
	mq_unlink("/ns-test-q");
}

static void *idle(void *arg)
{
	int *fd = arg;
	char c;
	if (read(*fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

/* unshare's flags that are not namespaces. */
static void test_unshare_flags(void)
{
	unsigned long long pid_ns = ns_ino("pid");
	expect_ret(unshare(CLONE_FILES), 0, "unshare(CLONE_FILES)");
	expect_ret(unshare(CLONE_FS), 0, "unshare(CLONE_FS)");
	expect_ret(unshare(CLONE_SYSVSEM), 0, "unshare(CLONE_SYSVSEM)");
	expect_ret(unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), 0,
		   "unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), one thread");
	expect_ret(unshare(CLONE_NEWCGROUP), 0, "unshare(CLONE_NEWCGROUP)");
	expect_ret(unshare(0), 0, "unshare(0)");
	expect_err(unshare(0x1), EINVAL, "unshare(CSIGNAL bit)");
	expect_err(unshare(CLONE_PARENT), EINVAL, "unshare(CLONE_PARENT)");
	check(ns_ino("pid") == pid_ns, "pid inode unchanged");
	int p[2];
	pthread_t th;
	check(pipe(p) == 0 && pthread_create(&th, NULL, idle, &p[0]) == 0, "start a thread");
	expect_err(unshare(CLONE_THREAD), EINVAL, "unshare(CLONE_THREAD), two threads");
	expect_err(unshare(CLONE_VM), EINVAL, "unshare(CLONE_VM), two threads");
	expect_err(unshare(CLONE_SIGHAND), EINVAL, "unshare(CLONE_SIGHAND), two threads");
	expect_ret(unshare(CLONE_FILES), 0, "unshare(CLONE_FILES), two threads");
	check(write(p[1], "x", 1) == 1 && pthread_join(th, NULL) == 0, "thread ends");
	close(p[0]);
	close(p[1]);
}

/* Without CAP_SYS_ADMIN: EPERM. */
static void test_eperm(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		expect_ret(setresuid(65534, 65534, 65534), 0, "setresuid(nobody)");
		expect_err(unshare(CLONE_NEWUTS), EPERM, "nobody: unshare(CLONE_NEWUTS)");
		expect_err(unshare(CLONE_NEWIPC), EPERM, "nobody: unshare(CLONE_NEWIPC)");
		expect_err(sethostname("x", 1), EPERM, "nobody: sethostname");
		expect_err(setdomainname("x", 1), EPERM, "nobody: setdomainname");
		expect_err(setns(fd, CLONE_NEWUTS), EPERM, "nobody: setns(uts)");
		expect_err(syscall(SYS_sethostname, "x", 100L), EPERM,
			   "nobody: sethostname(len 100)");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "unprivileged child");
	close(fd);
}

int main(void)
{
	guest_start("ns_uts_ipc");
	if (unshare(CLONE_NEWIPC)) {
		printf("FAIL setup: unshare(CLONE_NEWIPC): %s\n", guest_errno_name(errno));
		return 1;
	}
	printf("unshare(CLONE_NEWIPC): ok\n");
	test_uts();
	test_ipc();
	test_eperm();
	test_unshare_flags();
	expect_err(setns(-1, CLONE_NEWUTS), EBADF, "setns(-1)");
	return guest_finish();
}
