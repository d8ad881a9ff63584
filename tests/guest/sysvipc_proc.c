// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/sysvipc/{shm,sem,msg} and the IPC sysctls. The tables: Linux's
 * header lines, and each of our objects' line exactly as Linux formats
 * it from the values we know (ids, sizes, pids, owners, counts). The
 * sysctls of /proc/sys/kernel and /proc/sys/fs/mqueue: their defaults,
 * writes by root within Linux's bounds (and EINVAL or ERANGE outside
 * them) that the IPC calls then obey, and EACCES for other users. Every
 * value changed is put back.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include "guest_test.h"

#define NOBODY 65534

static char *slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n, off = 0;
	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + off, sizeof(buf) - 1 - off)) > 0)
		off += n;
	close(fd);
	buf[off] = 0;
	return buf;
}

/* The line of table path whose second field is id, or NULL. */
static char *find_line(const char *path, int id, char *header, size_t hsize)
{
	static char line[512];
	char *text = slurp(path), *save = NULL;
	if (!text)
		return NULL;
	char *l = strtok_r(text, "\n", &save);
	snprintf(header, hsize, "%s", l ? l : "");
	while ((l = strtok_r(NULL, "\n", &save))) {
		int key, lid;
		if (sscanf(l, "%d %d", &key, &lid) == 2 && lid == id) {
			snprintf(line, sizeof(line), "%s", l);
			return line;
		}
	}
	return NULL;
}

static void expect_line(const char *what, const char *got, const char *want)
{
	if (!got)
		printf("FAIL %s: no line\n", what);
	else if (strcmp(got, want))
		printf("FAIL %s:\n  got  [%s]\n  want [%s]\n", what, got, want);
	else {
		printf("%s: ok\n", what);
		return;
	}
	guest_failures++;
}

static void test_shm(void)
{
	char header[512], want[512];
	int id = shmget(IPC_PRIVATE, 3 * 4096 + 5, IPC_CREAT | 0640);
	if (!check(id >= 0, "shmget"))
		return;
	char *p = shmat(id, NULL, 0);
	p[0] = 1;
	p[4096] = 1;
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	char *l = find_line("/proc/sysvipc/shm", id, header, sizeof(header));
	printf("shm header: [%s]\n", header);
	/* Linux's sysvipc_shm_proc_show, rss in bytes: the two pages touched. */
	snprintf(want, sizeof(want),
		 "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu "
		 "%21lu",
		 0, id, 0640, (unsigned long)ds.shm_segsz, getpid(), getpid(), 1UL, getuid(),
		 getgid(), getuid(), getgid(), (unsigned long long)ds.shm_atime,
		 (unsigned long long)ds.shm_dtime, (unsigned long long)ds.shm_ctime, 2 * 4096UL,
		 0UL);
	expect_line("shm line (attached, two pages touched)", l, want);
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
	check(!find_line("/proc/sysvipc/shm", id, header, sizeof(header)),
	      "shm line gone after IPC_RMID");
}

static void test_sem(void)
{
	char header[512], want[512];
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	if (!check(id >= 0, "semget"))
		return;
	struct semid_ds ds;
	union {
		int val;
		struct semid_ds *buf;
	} arg = {.buf = &ds};
	semctl(id, 0, IPC_STAT, arg);
	char *l = find_line("/proc/sysvipc/sem", id, header, sizeof(header));
	printf("sem header: [%s]\n", header);
	snprintf(want, sizeof(want), "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu", 0, id,
		 0600, 3U, getuid(), getgid(), getuid(), getgid(), (unsigned long long)ds.sem_otime,
		 (unsigned long long)ds.sem_ctime);
	expect_line("sem line", l, want);
	semctl(id, 0, IPC_RMID);
}

static void test_msg(void)
{
	char header[512], want[512];
	struct {
		long type;
		char text[16];
	} m = {1, "0123456789"};
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0604);
	if (!check(id >= 0, "msgget"))
		return;
	msgsnd(id, &m, 10, 0);
	msgsnd(id, &m, 7, 0);
	msgrcv(id, &m, sizeof(m.text), 0, 0);
	msgsnd(id, &m, 3, 0);
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	char *l = find_line("/proc/sysvipc/msg", id, header, sizeof(header));
	printf("msg header: [%s]\n", header);
	snprintf(want, sizeof(want),
		 "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu", 0, id,
		 0604, 10UL, 2UL, getpid(), getpid(), getuid(), getgid(), getuid(), getgid(),
		 (unsigned long long)ds.msg_stime, (unsigned long long)ds.msg_rtime,
		 (unsigned long long)ds.msg_ctime);
	expect_line("msg line (10 bytes in 2 messages)", l, want);
	msgctl(id, IPC_RMID, NULL);
}

static const char *const sysctls[] = {
	"kernel/msgmax",	 "kernel/msgmnb",
	"kernel/msgmni",	 "kernel/sem",
	"kernel/shmmax",	 "kernel/shmall",
	"kernel/shmmni",	 "fs/mqueue/msg_default",
	"fs/mqueue/msg_max",	 "fs/mqueue/msgsize_default",
	"fs/mqueue/msgsize_max", "fs/mqueue/queues_max",
};

static char saved[12][128];

static char *sysctl_path(const char *name)
{
	static char path[128];
	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	return path;
}

/* Write text to the sysctl: 0 or the errno. */
static int put(const char *name, const char *text)
{
	int fd = open(sysctl_path(name), O_WRONLY);
	if (fd < 0)
		return errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? errno : 0;
	close(fd);
	return err;
}

static void put_expect(const char *name, const char *text, int want)
{
	int err = put(name, text);
	if (err == want)
		printf("write %s \"%s\": %s\n", name, text, guest_errno_name(err));
	else {
		printf("FAIL write %s \"%s\": got %s, want %s\n", name, text, guest_errno_name(err),
		       guest_errno_name(want));
		guest_failures++;
	}
}

static void show(const char *name)
{
	char *v = slurp(sysctl_path(name));
	printf("%s: %s", name, v ? v : "(unreadable)\n");
}

static void test_sysctls(void)
{
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		char *v = slurp(sysctl_path(sysctls[i]));
		snprintf(saved[i], sizeof(saved[i]), "%s", v ? v : "");
		printf("%s: %s", sysctls[i], v ? v : "(unreadable)\n");
	}

	/* msgmax bounds msgsnd's size. */
	struct {
		long type;
		char text[256];
	} m = {1, ""};
	put_expect("kernel/msgmax", "100", 0);
	show("kernel/msgmax");
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	expect_err(msgsnd(id, &m, 101, IPC_NOWAIT), EINVAL, "msgsnd 101 bytes over msgmax 100");
	expect_ret(msgsnd(id, &m, 100, IPC_NOWAIT), 0, "msgsnd 100 bytes");
	msgctl(id, IPC_RMID, NULL);
	put_expect("kernel/msgmax", "-1", EINVAL);
	put_expect("kernel/msgmax", "abc", EINVAL);
	put_expect("kernel/msgmax", "  0x40\n", 0);
	show("kernel/msgmax");
	put_expect("kernel/msgmni", "32769", EINVAL);
	/* msgmnb: a new queue's msg_qbytes. */
	put_expect("kernel/msgmnb", "5000", 0);
	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	expect_ret((long)ds.msg_qbytes, 5000, "msg_qbytes of a new queue");
	msgctl(id, IPC_RMID, NULL);

	/* sem: semmsl bounds nsems; semmni out of range is ERANGE, the rest stays written. */
	put_expect("kernel/sem", "5 1000 7 32000", 0);
	show("kernel/sem");
	expect_err(semget(IPC_PRIVATE, 6, IPC_CREAT | 0600), EINVAL, "semget 6 over semmsl 5");
	put_expect("kernel/sem", "9 1000 7 40000", ERANGE);
	show("kernel/sem");
	put_expect("kernel/sem", "10 2000", 0);
	show("kernel/sem");

	/* shmmax bounds a segment's size. */
	put_expect("kernel/shmmax", "8192", 0);
	expect_err(shmget(IPC_PRIVATE, 8193, IPC_CREAT | 0600), EINVAL, "shmget over shmmax");
	put_expect("kernel/shmmax", "-5", EINVAL);
	put_expect("kernel/shmmni", "-1", EINVAL);

	/* POSIX queues: the defaults and maxima of mq_open. */
	put_expect("fs/mqueue/msg_max", "0", EINVAL);
	put_expect("fs/mqueue/msg_max", "65537", EINVAL);
	put_expect("fs/mqueue/msgsize_max", "127", EINVAL);
	put_expect("fs/mqueue/msg_default", "5", 0);
	put_expect("fs/mqueue/msgsize_default", "1000", 0);
	mq_unlink("/sk-sysvipc-proc");
	mqd_t q = mq_open("/sk-sysvipc-proc", O_CREAT | O_RDWR, 0600, NULL);
	struct mq_attr at = {0};
	mq_getattr(q, &at);
	printf("mq_open defaults: maxmsg %ld msgsize %ld\n", at.mq_maxmsg, at.mq_msgsize);
	mq_close(q);
	mq_unlink("/sk-sysvipc-proc");
	put_expect("fs/mqueue/msg_max", "3", 0);
	q = mq_open("/sk-sysvipc-proc", O_CREAT | O_RDWR, 0600, NULL);
	mq_getattr(q, &at);
	printf("mq_open defaults under msg_max 3: maxmsg %ld\n", at.mq_maxmsg);
	mq_close(q);
	mq_unlink("/sk-sysvipc-proc");

	/* Only root writes them. */
	pid_t pid = fork();
	if (pid == 0) {
		guest_quiet = true;
		guest_failures = 0;
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		int err = put("kernel/msgmax", "1");
		_exit(err == EACCES ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "write as nobody: EACCES");

	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		if (put(sysctls[i], saved[i]))
			printf("FAIL restore %s\n", sysctls[i]);
	show("kernel/sem");
}

int main(void)
{
	guest_start("sysvipc_proc");
	/*
	 * An IPC namespace of our own (natively: the host's is shared with the
	 * tests running beside us, which our sysctl writes would disturb, and
	 * whose objects would show in the tables).
	 */
	if (unshare(CLONE_NEWIPC) != 0)
		fprintf(stderr, "sysvipc_proc: unshare(CLONE_NEWIPC): %s\n", strerror(errno));
	test_shm();
	test_sem();
	test_msg();
	test_sysctls();
	return guest_finish();
}
