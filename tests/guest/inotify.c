// SPDX-License-Identifier: Apache-2.0
/*
 * inotify: the events of changes made by the program itself in a watched
 * directory on /tmp (tmpfs) and in one on the root file system (the
 * overlay under runsk), MOVED_FROM/MOVED_TO cookies, IN_ONESHOT,
 * IN_MASK_ADD, IN_MASK_CREATE, inotify_rm_watch's IN_IGNORED, the read
 * rules (EINVAL for a short buffer, whole records, coalescing), FIONREAD,
 * O_NONBLOCK, poll, a blocking read another thread ends, a signal ending
 * one, IN_Q_OVERFLOW, and IN_UNMOUNT when a watched file system goes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "guest_test.h"

static const struct {
	uint32_t bit;
	const char *name;
} mask_names[] = {
	{IN_ACCESS, "ACCESS"},
	{IN_MODIFY, "MODIFY"},
	{IN_ATTRIB, "ATTRIB"},
	{IN_CLOSE_WRITE, "CLOSE_WRITE"},
	{IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"},
	{IN_OPEN, "OPEN"},
	{IN_MOVED_FROM, "MOVED_FROM"},
	{IN_MOVED_TO, "MOVED_TO"},
	{IN_CREATE, "CREATE"},
	{IN_DELETE, "DELETE"},
	{IN_DELETE_SELF, "DELETE_SELF"},
	{IN_MOVE_SELF, "MOVE_SELF"},
	{IN_UNMOUNT, "UNMOUNT"},
	{IN_Q_OVERFLOW, "Q_OVERFLOW"},
	{IN_IGNORED, "IGNORED"},
	{IN_ISDIR, "ISDIR"},
};

/* Watch descriptors by label, so the output names them the same on every kernel. */
static int wds[8];
static const char *wd_labels[8];
static int nwds;

static void label(int wd, const char *name)
{
	wds[nwds] = wd;
	wd_labels[nwds++] = name;
}

static const char *wd_name(int wd)
{
	for (int i = 0; i < nwds; i++)
		if (wds[i] == wd)
			return wd_labels[i];
	return wd == -1 ? "-1" : "?";
}

static uint32_t last_cookie;

/* Print every queued event (fd is non-blocking), one line each. */
static int drain(int fd, const char *what)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	printf("%s:\n", what);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno != EAGAIN)
				check(false, "read events: %s", guest_errno_name(errno));
			return n;
		}
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			printf("  %s", wd_name(e->wd));
			for (size_t i = 0; i < sizeof(mask_names) / sizeof(mask_names[0]); i++)
				if (e->mask & mask_names[i].bit)
					printf(" %s", mask_names[i].name);
			if (e->len)
				printf(" '%s' len%s", e->name,
				       e->len % 16 == 0 && strlen(e->name) < e->len ? "ok" : "BAD");
			if (e->cookie) {
				printf(" cookie%s", e->cookie == last_cookie ? "=prev" : "");
				last_cookie = e->cookie;
			}
			printf("\n");
			p += sizeof(*e) + e->len;
			n++;
		}
	}
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(fd, s, strlen(s)) < 0)
		check(false, "write %s", path);
	close(fd);
}

static char base[2][128];

/* A tour of the file operations in directory dir, watched by a fresh instance. */
static void tour(const char *dir, const char *what)
{
	char a[160], b[160], c[160], sub[160];
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);

	nwds = 0;
	label(inotify_add_watch(fd, dir, IN_ALL_EVENTS), "dir");
	printf("== %s\n", what);
	put(a, "hello");
	drain(fd, "create+write a");

	char buf[16];
	int f = open(a, O_RDONLY);
	check(read(f, buf, sizeof(buf)) == 5, "read a");
	close(f);
	drain(fd, "read a");

	int wa = inotify_add_watch(fd, a, IN_ALL_EVENTS);
	label(wa, "a");
	chmod(a, 0600);
	truncate(a, 2);
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	utimensat(AT_FDCWD, a, ts, 0);
	drain(fd, "chmod, truncate, utimes a");

	/* Not O_TRUNC: Linux 6.1 reports its IN_MODIFY before IN_OPEN, 6.18 after. */
	f = open(a, O_WRONLY);
	ftruncate(f, 0);
	write(f, "x", 1);
	write(f, "y", 1);
	close(f);
	drain(fd, "open, ftruncate, two writes");
	/* Identical events in a row merge: only a's watch reports these. */
	inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
	f = open(a, O_WRONLY);
	write(f, "x", 1);
	write(f, "y", 1);
	pwrite(f, "z", 1, 5);
	close(f);
	drain(fd, "three writes, a's watch only: coalesced");
	inotify_add_watch(fd, dir, IN_ALL_EVENTS);

	link(a, b);
	rename(a, c);
	drain(fd, "link a b, rename a c");
	unlink(b);
	drain(fd, "unlink b");
	f = open(c, O_RDONLY);
	unlink(c);
	drain(fd, "unlink c while open");
	close(f);
	drain(fd, "close c");

	mkdir(sub, 0755);
	int ws = inotify_add_watch(fd, sub, IN_ALL_EVENTS);
	label(ws, "sub");
	f = open(sub, O_RDONLY | O_DIRECTORY);
	close(f);
	rmdir(sub);
	drain(fd, "mkdir, open, rmdir sub");
	close(fd);
}

/* Cookies pair a move between two watched directories. */
static void cookies(void)
{
	char d1[160], d2[160], from[192], to[192];
	int fd = inotify_init1(IN_NONBLOCK);
	snprintf(d1, sizeof(d1), "%s/m1", base[0]);
	snprintf(d2, sizeof(d2), "%s/m2", base[0]);
	snprintf(from, sizeof(from), "%s/f", d1);
	snprintf(to, sizeof(to), "%s/g", d2);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	put(from, "1");
	nwds = 0;
	label(inotify_add_watch(fd, d1, IN_MOVE), "m1");
	label(inotify_add_watch(fd, d2, IN_MOVE), "m2");
	label(inotify_add_watch(fd, from, IN_MOVE_SELF), "f");
	printf("== cookies\n");
	last_cookie = 0;
	rename(from, to);
	drain(fd, "rename m1/f m2/g");
	unlink(to);
	rmdir(d1);
	rmdir(d2);
	close(fd);
}

static void flags_and_errors(void)
{
	char f1[160];
	int fd = inotify_init1(IN_NONBLOCK);
	int efd = open("/dev/null", O_RDONLY);
	snprintf(f1, sizeof(f1), "%s/f1", base[0]);
	put(f1, "z");
	printf("== flags and errors\n");
	expect_err(inotify_init1(0x1), EINVAL, "inotify_init1(bad flag)");
	int fd2 = syscall(SYS_inotify_init);
	check(fd2 >= 0 && fcntl(fd2, F_GETFD) == 0 && !(fcntl(fd2, F_GETFL) & O_NONBLOCK),
	      "inotify_init: no flags");
	close(fd2);
	fd2 = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	check(fcntl(fd2, F_GETFD) == FD_CLOEXEC && (fcntl(fd2, F_GETFL) & O_NONBLOCK),
	      "inotify_init1(IN_CLOEXEC|IN_NONBLOCK)");
	close(fd2);
	expect_err(inotify_add_watch(efd, f1, IN_MODIFY), EINVAL, "add_watch(not inotify)");
	expect_err(inotify_add_watch(999, f1, IN_MODIFY), EBADF, "add_watch(bad fd)");
	expect_err(inotify_add_watch(fd, f1, 0), EINVAL, "add_watch(mask 0)");
	expect_err(inotify_add_watch(fd, f1, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE), EINVAL,
		   "add_watch(MASK_ADD|MASK_CREATE)");
	expect_err(inotify_add_watch(fd, "/nonexistent/x", IN_MODIFY), ENOENT,
		   "add_watch(missing)");
	expect_err(inotify_add_watch(fd, f1, IN_MODIFY | IN_ONLYDIR), ENOTDIR,
		   "add_watch(file, IN_ONLYDIR)");
	expect_err(inotify_rm_watch(fd, 12345), EINVAL, "rm_watch(unknown wd)");
	expect_err(inotify_rm_watch(efd, 1), EINVAL, "rm_watch(not inotify)");
	char buf[64];
	expect_err(read(fd, buf, sizeof(buf)), EAGAIN, "read(empty, O_NONBLOCK)");
	int avail = -1;
	check(ioctl(fd, FIONREAD, &avail) == 0 && avail == 0, "FIONREAD empty: 0");
	struct pollfd pfd = {fd, POLLIN, 0};
	expect_ret(poll(&pfd, 1, 0), 0, "poll(empty)");

	/* wds count up and a second add on the same inode returns the same wd. */
	int w1 = inotify_add_watch(fd, f1, IN_MODIFY);
	int w2 = inotify_add_watch(fd, base[0], IN_CREATE);
	check(w1 >= 1 && w2 == w1 + 1, "watch descriptors count up");
	check(inotify_add_watch(fd, f1, IN_ATTRIB | IN_MASK_ADD) == w1, "MASK_ADD: same wd");
	expect_err(inotify_add_watch(fd, f1, IN_ATTRIB | IN_MASK_CREATE), EEXIST,
		   "MASK_CREATE on a watched inode");
	nwds = 0;
	label(w1, "f1");
	label(w2, "base");
	put(f1, "zz"); /* open O_TRUNC: MODIFY; write: MODIFY (merged) */
	chmod(f1, 0640);
	drain(fd, "MASK_ADD: modify and attrib");
	inotify_add_watch(fd, f1, IN_ATTRIB); /* replaces the mask */
	put(f1, "zzz");
	chmod(f1, 0644);
	drain(fd, "mask replaced: attrib only");

	/* The record needs 16 + 16 bytes ("f2" padded): a 20-byte buffer is too small. */
	char f2[160];
	snprintf(f2, sizeof(f2), "%s/f2", base[0]);
	put(f2, "");
	check(ioctl(fd, FIONREAD, &avail) == 0 && avail == 32, "FIONREAD: one named record, 32");
	pfd.revents = 0;
	check(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "poll: POLLIN");
	expect_err(read(fd, buf, 20), EINVAL, "read(buffer too small)");
	expect_ret(read(fd, buf, 32), 32, "read(exactly one record)");
	unlink(f2);

	expect_ret(inotify_rm_watch(fd, w1), 0, "rm_watch");
	expect_err(inotify_rm_watch(fd, w1), EINVAL, "rm_watch again");
	drain(fd, "after rm_watch");
	int w3 = inotify_add_watch(fd, f1, IN_MODIFY);
	check(w3 > w2, "a new wd is not a reused one");

	/* IN_ONESHOT: one event, then IN_IGNORED. */
	expect_ret(inotify_rm_watch(fd, w3), 0, "rm_watch w3");
	nwds = 0;
	label(inotify_add_watch(fd, f1, IN_MODIFY | IN_ONESHOT), "oneshot");
	int wf = open(f1, O_WRONLY);
	write(wf, "1", 1);
	chmod(f1, 0600);
	write(wf, "1", 1);
	close(wf);
	drain(fd, "oneshot");

	unlink(f1);
	close(efd);
	close(fd);
}

static int tfd;
static void *later_write(void *arg)
{
	usleep(100000);
	if (write(*(int *)arg, "w", 1) != 1)
		check(false, "write in the thread");
	return NULL;
}

static void on_alarm(int sig GUEST_UNUSED)
{
}

static void blocking(void)
{
	char f[160];
	char buf[256];
	snprintf(f, sizeof(f), "%s/blk", base[0]);
	put(f, "");
	printf("== blocking\n");
	tfd = inotify_init();
	inotify_add_watch(tfd, f, IN_MODIFY);
	pthread_t th;
	int wfd = open(f, O_WRONLY);
	pthread_create(&th, NULL, later_write, &wfd);
	ssize_t r = read(tfd, buf, sizeof(buf));
	check(r == 16 && ((struct inotify_event *)buf)->mask == IN_MODIFY,
	      "blocking read woken by a write in another thread");
	pthread_join(th, NULL);
	close(wfd); /* not watched: IN_MODIFY only */

	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	struct itimerval it = {.it_value = {0, 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	expect_err(read(tfd, buf, sizeof(buf)), EINTR, "blocking read ended by a signal");
	close(tfd);
	unlink(f);
}

/* Distinct events past max_queued_events: the last record is IN_Q_OVERFLOW. */
static void overflow(void)
{
	char f[2][160];
	int fd = inotify_init1(IN_NONBLOCK);
	printf("== overflow\n");
	int maxq = 16384;
	FILE *mq = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (mq) {
		if (fscanf(mq, "%d", &maxq) != 1)
			maxq = 16384;
		fclose(mq);
	}
	int fds[2];
	for (int i = 0; i < 2; i++) {
		snprintf(f[i], sizeof(f[i]), "%s/o%d", base[0], i);
		fds[i] = open(f[i], O_WRONLY | O_CREAT, 0644);
	}
	inotify_add_watch(fd, base[0], IN_MODIFY);
	for (int i = 0; i < maxq + 10; i++)
		write(fds[i & 1], "x", 1);
	int avail = 0;
	ioctl(fd, FIONREAD, &avail);
	check(avail == maxq * 32 + 16, "FIONREAD: max_queued_events records and the overflow");
	static char buf[65536];
	int n = 0, overflows = 0, last_overflow = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			last_overflow = e->mask == IN_Q_OVERFLOW && e->wd == -1;
			overflows += last_overflow;
			n++;
			p += sizeof(*e) + e->len;
		}
	}
	check(n == maxq + 1 && overflows == 1 && last_overflow,
	      "max_queued_events records, then one IN_Q_OVERFLOW (wd -1)");
	for (int i = 0; i < 2; i++) {
		close(fds[i]);
		unlink(f[i]);
	}
	close(fd);
}

/*
 * A file system unmounted under watches: each gets IN_UNMOUNT, then
 * IN_IGNORED. The order across watches is the kernel's own: printed by
 * watch, in the order each got its events.
 */
static void unmount_watched(void)
{
	char mnt[160], f[200];
	printf("== unmount\n");
	snprintf(mnt, sizeof(mnt), "%s/mnt", base[0]);
	snprintf(f, sizeof(f), "%s/f", mnt);
	mkdir(mnt, 0755);
	if (!expect_ret(mount("tmpfs", mnt, "tmpfs", 0, "mode=755"), 0, "mount a tmpfs")) {
		rmdir(mnt);
		return;
	}
	put(f, "x");
	int fd = inotify_init1(IN_NONBLOCK);
	nwds = 0;
	label(inotify_add_watch(fd, mnt, IN_ALL_EVENTS), "root");
	label(inotify_add_watch(fd, f, IN_ALL_EVENTS), "file");
	expect_ret(umount(mnt), 0, "umount with watches on it");
	char buf[4096] __attribute__((aligned(8)));
	ssize_t r = read(fd, buf, sizeof(buf));
	for (int w = 0; w < nwds; w++) {
		printf("  %s:", wd_labels[w]);
		for (char *p = buf; r > 0 && p < buf + r;) {
			struct inotify_event *e = (struct inotify_event *)p;
			for (size_t i = 0;
			     e->wd == wds[w] && i < sizeof(mask_names) / sizeof(mask_names[0]); i++)
				if (e->mask & mask_names[i].bit)
					printf(" %s", mask_names[i].name);
			if (e->wd == wds[w])
				printf(";");
			p += sizeof(*e) + e->len;
		}
		printf("\n");
	}
	expect_err(inotify_rm_watch(fd, wds[0]), EINVAL, "rm_watch after the unmount");
	close(fd);
	rmdir(mnt);
}

int main(void)
{
	guest_start("inotify");
	/* Natively: a mount namespace of our own, so that the test's mount stays ours. */
	if (unshare(CLONE_NEWNS) == 0)
		(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	snprintf(base[0], sizeof(base[0]), "/tmp/inotify-test.%d", (int)getpid());
	/* On the root file system: the overlay under runsk. */
	mkdir("/var", 0755);
	mkdir("/var/tmp", 01777);
	snprintf(base[1], sizeof(base[1]), "/var/tmp/inotify-test.%d", (int)getpid());
	for (int i = 0; i < 2; i++)
		if (mkdir(base[i], 0755))
			check(false, "mkdir %s: %s", i ? "/var/tmp/X" : "/tmp/X",
			      guest_errno_name(errno));

	tour(base[0], "tour on /tmp");
	tour(base[1], "tour on the root file system");
	cookies();
	flags_and_errors();
	blocking();
	overflow();
	unmount_watched();

	rmdir(base[0]);
	rmdir(base[1]);
	return guest_finish();
}
