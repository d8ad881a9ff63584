// SPDX-License-Identifier: Apache-2.0
/*
 * The mqueue file system: the queues of mq_open are files of it (as on
 * /dev/mqueue in a container, or where mount -t mqueue puts it when
 * /dev/mqueue is not one). Listing, stat, the status line read(2)
 * gives, open(2) of a queue as mq_open (and with O_CREAT as a new queue),
 * unlink(2) as mq_unlink, poll and epoll on such a descriptor, and what
 * mq_open's own descriptor looks like (fstat, /proc/self/fd).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "guest_test.h"

#define MQUEUE_MAGIC 0x19800202
#define QA "sk-mqfs-a"
#define QB "sk-mqfs-b"

static char dir[64];
static bool mounted;

static bool is_mqueue(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == MQUEUE_MAGIC;
}

/* /dev/mqueue if it is one (containers, runsk), else a mount of our own. */
static bool find_fs(void)
{
	if (is_mqueue("/dev/mqueue")) {
		strcpy(dir, "/dev/mqueue");
		return true;
	}
	snprintf(dir, sizeof(dir), "/tmp/sk-mqfs-%d", (int)getpid());
	if (mkdir(dir, 0700) || mount("none", dir, "mqueue", 0, NULL))
		return false;
	mounted = true;
	return is_mqueue(dir);
}

static const char *path_of(const char *name)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Our queues in the listing (the host may have others), sorted. */
static void list(const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char names[8][32];
	int n = 0;
	bool dots = false;
	if (!d) {
		printf("FAIL %s: opendir: %s\n", what, guest_errno_name(errno));
		guest_failures++;
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".."))
			dots = true;
		if (strncmp(e->d_name, "sk-mqfs-", 8) || n == 8)
			continue;
		if (e->d_type != DT_REG)
			printf("FAIL %s: %s has d_type %d\n", what, e->d_name, e->d_type);
		snprintf(names[n++], sizeof(names[0]), "%.31s", e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_name);
	printf("%s:%s", what, dots ? "" : " (no ..)");
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void show_status(const char *what, const char *path)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("FAIL %s: %s\n", what, guest_errno_name(errno));
		guest_failures++;
	} else {
		buf[n] = 0;
		char *pid = strstr(buf, "NOTIFY_PID:");
		if (pid && atoi(pid + 11) == getpid())
			strcpy(pid + 11, "self\n");
		printf("%s: %s", what, buf);
	}
	if (fd >= 0)
		close(fd);
}

static void test_queue_file(void)
{
	struct mq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 64};
	mq_unlink("/" QA);
	mq_unlink("/" QB);
	umask(022);
	mqd_t q = mq_open("/" QA, O_CREAT | O_RDWR, 0640, &at);
	if (!check(q != (mqd_t)-1, "mq_open " QA))
		return;
	list("listing with one queue");
	struct stat st, fst;
	if (expect_ret(stat(path_of(QA), &st), 0, "stat queue file")) {
		check(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640, "queue file mode 0640");
		expect_ret(st.st_size, 80, "queue file size");
		check(st.st_uid == getuid() && st.st_nlink == 1, "queue file owner and links");
	}
	if (expect_ret(fstat(q, &fst), 0, "fstat mqd"))
		check(S_ISREG(fst.st_mode) && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev &&
			      fst.st_size == 80,
		      "fstat mqd is the queue file");
	char link[64], buf[128];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", (int)q);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("readlink mqd: %s\n", buf);

	show_status("status empty", path_of(QA));
	mq_send(q, "hello", 5, 3);
	mq_send(q, "world!", 6, 7);
	show_status("status two messages", path_of(QA));
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
	expect_ret(mq_notify(q, &ev), 0, "mq_notify SIGEV_SIGNAL");
	show_status("status with notify", path_of(QA));
	expect_ret(mq_notify(q, NULL), 0, "mq_notify off");

	/* open(2) of the file is mq_open: mq_* calls, poll and epoll take it. */
	int fd = open(path_of(QA), O_RDWR);
	if (!check(fd >= 0, "open queue file O_RDWR"))
		return;
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	expect_ret(poll(&p, 1, 0), 1, "poll opened file");
	check(p.revents == (POLLIN | POLLOUT), "poll: POLLIN|POLLOUT");
	int ep = epoll_create1(0);
	struct epoll_event ee = {.events = EPOLLIN}, out;
	expect_ret(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee), 0, "epoll_ctl add");
	expect_ret(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ee), 0, "epoll_ctl add mqd");
	struct epoll_event outs[2];
	expect_ret(epoll_wait(ep, outs, 2, 0), 2, "epoll_wait: both readable");
	unsigned prio = 0;
	n = mq_receive(fd, buf, sizeof(buf), &prio);
	printf("mq_receive on opened file: %zd prio %u %.*s\n", n, prio, (int)(n > 0 ? n : 0), buf);
	n = mq_receive(q, buf, sizeof(buf), &prio);
	printf("mq_receive on mqd: %zd prio %u %.*s\n", n, prio, (int)(n > 0 ? n : 0), buf);
	expect_ret(epoll_wait(ep, &out, 1, 0), 0, "epoll_wait: drained");
	expect_ret(mq_send(fd, "x", 1, 0), 0, "mq_send on opened file");
	expect_ret(mq_getattr(fd, &at), 0, "mq_getattr on opened file");
	printf("attr: maxmsg %ld msgsize %ld curmsgs %ld\n", at.mq_maxmsg, at.mq_msgsize,
	       at.mq_curmsgs);
	close(ep);
	close(fd);
	fd = open(path_of(QA), O_RDONLY);
	expect_err(mq_send(fd, "x", 1, 0), EBADF, "mq_send on O_RDONLY file");
	close(fd);
	mq_close(q);
}

static void test_create_unlink(void)
{
	int fd = open(path_of(QB), O_CREAT | O_EXCL | O_RDWR, 0600);
	if (!check(fd >= 0, "open O_CREAT makes a queue"))
		return;
	struct mq_attr at;
	expect_ret(mq_getattr(fd, &at), 0, "mq_getattr of created file");
	printf("default attr: maxmsg %ld msgsize %ld\n", at.mq_maxmsg, at.mq_msgsize);
	mqd_t q = mq_open("/" QB, O_RDONLY);
	check(q != (mqd_t)-1, "mq_open finds the created queue");
	mq_close(q);
	expect_err(open(path_of(QB), O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST,
		   "open O_CREAT|O_EXCL of a queue");
	list("listing with two queues");
	expect_ret(unlink(path_of(QB)), 0, "unlink queue file");
	expect_err(mq_open("/" QB, O_RDONLY), ENOENT, "mq_open after unlink");
	expect_err(mq_unlink("/" QB), ENOENT, "mq_unlink after unlink");
	expect_ret(mq_send(fd, "y", 1, 0), 0, "mq_send on unlinked queue's fd");
	close(fd);
	expect_ret(mq_unlink("/" QA), 0, "mq_unlink " QA);
	struct stat st;
	expect_err(stat(path_of(QA), &st), ENOENT, "stat after mq_unlink");
	expect_err(open(path_of(QA), O_RDONLY), ENOENT, "open after mq_unlink");
	list("listing after unlink");
	expect_err(mkdir(path_of("sub"), 0700), EPERM, "mkdir in mqueue fs");
	expect_err(symlink("x", path_of("sk-mqfs-l")), EPERM, "symlink in mqueue fs");
	expect_err(mknod(path_of("sk-mqfs-f"), S_IFIFO | 0600, 0), EPERM, "mknod in mqueue fs");
}

int main(void)
{
	guest_start("mqueue_fs");
	if (!check(find_fs(), "mqueue file system")) {
		printf("(mount -t mqueue failed: %s)\n", guest_errno_name(errno));
		return guest_finish();
	}
	struct stat st;
	if (expect_ret(stat(dir, &st), 0, "stat mqueue root"))
		check(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777, "root mode 1777");
	test_queue_file();
	test_create_unlink();
	if (mounted) {
		umount(dir);
		rmdir(dir);
	}
	return guest_finish();
}
