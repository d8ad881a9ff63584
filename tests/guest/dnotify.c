// SPDX-License-Identifier: Apache-2.0
/*
 * dnotify: fcntl(F_NOTIFY) on a directory sends its owner (the caller)
 * SIGIO, or the F_SETSIG signal with si_code POLL_MSG and si_fd, for each
 * DN_* event in it: DN_CREATE, DN_DELETE, DN_MODIFY, DN_ACCESS,
 * DN_ATTRIB and DN_RENAME (a rename within it); once, or with
 * DN_MULTISHOT until removed by a mask of 0 or by closing the fd; its
 * errors (ENOTDIR, EBADF).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "guest_test.h"

static volatile int n_rt, rt_code, rt_fd, n_sigio;
static volatile long rt_band;
static char dir[64];

static void on_rt(int sig GUEST_UNUSED, siginfo_t *si, void *uc GUEST_UNUSED)
{
	n_rt++;
	rt_code = si->si_code;
	rt_fd = si->si_fd;
	rt_band = si->si_band;
}

static void on_sigio(int sig GUEST_UNUSED)
{
	n_sigio++;
}

static const char *at(const char *name)
{
	return guest_path_in(dir, name);
}

static void touch(const char *name)
{
	int fd = open(at(name), O_CREAT | O_WRONLY, 0600);
	close(fd);
}

/* One event kind: a watch for arg, then act(), then how many signals came. */
static void one(const char *what, unsigned long arg, void (*act)(void), int want)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	fcntl(fd, F_SETSIG, SIGRTMIN + 2);
	n_rt = rt_code = rt_fd = 0;
	rt_band = 0;
	expect_ret(fcntl(fd, F_NOTIFY, arg), 0, "F_NOTIFY for %s", what);
	act();
	check(n_rt == want && (!want || (rt_code == POLL_MSG && rt_fd == fd &&
					 rt_band == (POLLIN | POLLRDNORM | POLLMSG))),
	      "...%d signal(s) (code %d, fd %s, band %#lx)", n_rt, rt_code,
	      rt_fd == fd ? "ok" : "other", rt_band);
	close(fd);
}

static void act_create(void)
{
	touch("c");
}

static void act_delete(void)
{
	unlink(at("c"));
}

static void act_modify(void)
{
	int fd = open(at("f"), O_WRONLY);
	write(fd, "x", 1);
	close(fd);
}

static void act_access(void)
{
	char c;
	int fd = open(at("f"), O_RDONLY);
	read(fd, &c, 1);
	close(fd);
}

static void act_attrib(void)
{
	chmod(at("f"), 0640);
}

static void act_rename(void)
{
	rename(at("f"), at("g"));
	rename(at("g"), at("f"));
}

static void act_two_creates(void)
{
	touch("c1");
	touch("c2");
	unlink(at("c1"));
	unlink(at("c2"));
}

static void act_nothing_watched(void)
{
	chmod(at("f"), 0600); /* DN_ATTRIB not asked for */
	int fd = open(at("f"), O_RDONLY);
	close(fd);
}

int main(void)
{
	guest_start("dnotify");
	struct sigaction sa = {.sa_sigaction = on_rt, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigaction(SIGRTMIN + 2, &sa, NULL);
	signal(SIGIO, on_sigio);
	snprintf(dir, sizeof(dir), "/tmp/runsk-dnotify-XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	touch("f");

	one("DN_CREATE", DN_CREATE, act_create, 1);
	one("DN_DELETE", DN_DELETE, act_delete, 1);
	one("DN_MODIFY", DN_MODIFY, act_modify, 1);
	one("DN_ACCESS", DN_ACCESS, act_access, 1);
	one("DN_ATTRIB", DN_ATTRIB, act_attrib, 1);
	one("DN_RENAME", DN_RENAME, act_rename, 1);
	one("DN_CREATE once", DN_CREATE, act_two_creates, 1);
	one("DN_CREATE|DN_MULTISHOT", DN_CREATE | DN_MULTISHOT, act_two_creates, 2);
	one("DN_CREATE|DN_MODIFY", DN_CREATE | DN_MODIFY | DN_MULTISHOT, act_nothing_watched, 0);

	/* Removal: a mask of 0, or closing the fd. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	fcntl(fd, F_SETSIG, SIGRTMIN + 2);
	n_rt = 0;
	expect_ret(fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT), 0,
		   "F_NOTIFY DN_CREATE|DN_MULTISHOT");
	expect_ret(fcntl(fd, F_NOTIFY, 0), 0, "F_NOTIFY 0");
	act_create();
	act_delete();
	expect_ret(n_rt, 0, "...no signal after removal");
	expect_ret(fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT), 0, "F_NOTIFY again");
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	close(dup);
	act_create();
	act_delete();
	expect_ret(n_rt, 0, "...none after closing a dup of its fd (the watch goes)");
	expect_ret(fcntl(fd, F_NOTIFY, DN_DELETE), 0, "F_NOTIFY DN_DELETE");
	expect_ret(fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT), 0,
		   "F_NOTIFY DN_CREATE|DN_MULTISHOT: added");
	act_create();
	act_delete();
	act_create();
	act_delete();
	expect_ret(n_rt, 4, "...both kinds, on and on");
	check(fcntl(fd, F_GETOWN) == getpid(), "F_GETOWN: F_NOTIFY made us the owner");

	/* Without F_SETSIG: plain SIGIO. */
	expect_ret(fcntl(fd, F_SETSIG, 0), 0, "F_SETSIG 0");
	act_create();
	act_delete();
	check(n_sigio >= 1, "...SIGIO");
	close(fd);

	/* Errors. */
	int file = open(at("f"), O_RDONLY);
	expect_err(fcntl(file, F_NOTIFY, DN_CREATE), ENOTDIR, "F_NOTIFY on a file");
	expect_ret(fcntl(file, F_NOTIFY, 0), 0, "F_NOTIFY 0 on a file");
	close(file);
	int path = open(dir, O_PATH);
	expect_err(fcntl(path, F_NOTIFY, DN_CREATE), EBADF, "F_NOTIFY on an O_PATH fd");
	close(path);
	expect_err(fcntl(-1, F_NOTIFY, DN_CREATE), EBADF, "F_NOTIFY on fd -1");

	unlink(at("f"));
	if (rmdir(dir))
		printf("FAIL cleanup: %s\n", guest_errno_name(errno));
	return guest_finish();
}
