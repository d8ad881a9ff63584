// SPDX-License-Identifier: Apache-2.0
/*
 * write_privs — what a write takes away (Linux's file_remove_privs): a
 * write, truncate, ftruncate or open(O_TRUNC) by a caller without
 * CAP_FSETID drops a regular file's set-user-ID bit, and its
 * set-group-ID bit when group-executable; with CAP_FSETID both stay.
 * File capabilities (security.capability) go on any write, even root's,
 * and on chown. An empty write, a directory's set-group-ID bit, and a
 * file whose bits are plain keep everything.
 *
 * As root it runs the unprivileged cases in a child that drops to nobody
 * (the files are world-writable). Not root: nothing to check (the same
 * line either way).
 */
#include "fs_test.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define NOBODY 65534
#define VFS_CAP_REVISION_2 0x02000000u
#define CAP_NET_BIND_SERVICE 10

static unsigned mode_of(const char *name)
{
	struct stat st;
	return stat(name, &st) ? 0 : st.st_mode & 07777;
}

static void make(const char *name, unsigned mode)
{
	unlink(name);
	if (fs_put(name, "data") || chmod(name, mode))
		check(false, "make %s", name);
}

static void expect_mode(const char *what, const char *name, unsigned want)
{
	unsigned got = mode_of(name);
	check(got == want, "%s: mode %04o", what, got);
}

/* Each way of changing the data, on a file made with mode before it. */
static void changes(const char *who, unsigned mode, unsigned want)
{
	char what[128];
	int fd;

	make("f", mode);
	fd = open("f", O_WRONLY);
	snprintf(what, sizeof(what), "%s: write to %04o", who, mode);
	check(fd >= 0 && write(fd, "x", 1) == 1, "%s", what);
	expect_mode(what, "f", want);
	close(fd);

	make("f", mode);
	fd = open("f", O_WRONLY);
	snprintf(what, sizeof(what), "%s: empty write to %04o", who, mode);
	check(fd >= 0 && write(fd, "", 0) == 0, "%s", what);
	expect_mode(what, "f", mode);

	snprintf(what, sizeof(what), "%s: ftruncate of %04o", who, mode);
	check(fd >= 0 && ftruncate(fd, 1) == 0, "%s", what);
	expect_mode(what, "f", want);
	close(fd);

	make("f", mode);
	snprintf(what, sizeof(what), "%s: truncate of %04o", who, mode);
	check(truncate("f", 2) == 0, "%s", what);
	expect_mode(what, "f", want);

	make("f", mode);
	fd = open("f", O_WRONLY | O_TRUNC);
	snprintf(what, sizeof(what), "%s: open O_TRUNC of %04o", who, mode);
	check(fd >= 0, "%s", what);
	expect_mode(what, "f", want);
	close(fd);

	make("f", mode);
	fd = open("f", O_WRONLY | O_APPEND);
	snprintf(what, sizeof(what), "%s: pwritev + append to %04o", who, mode);
	struct iovec iov = {.iov_base = "y", .iov_len = 1};
	check(fd >= 0 && pwritev(fd, &iov, 1, 0) == 1, "%s", what);
	expect_mode(what, "f", want);
	close(fd);
}

static void as_nobody(void)
{
	/* Set-user-ID always goes; set-group-ID only when group-executable (nobody is outside the group otherwise too). */
	changes("nobody", 04777, 00777);
	changes("nobody", 06777, 00777);
	changes("nobody", 02777, 00777);
	changes("nobody", 00777, 00777);
}

static bool set_caps(const char *name)
{
	unsigned v[5] = {VFS_CAP_REVISION_2, 1u << CAP_NET_BIND_SERVICE, 0, 0, 0};
	return setxattr(name, "security.capability", v, sizeof(v), 0) == 0;
}

static void file_caps(void)
{
	char v[64];
	make("c", 0755);
	check(set_caps("c"), "root: set file capabilities");
	int fd = open("c", O_WRONLY);
	check(fd >= 0 && write(fd, "", 0) == 0, "root: empty write to a file with capabilities");
	check(getxattr("c", "security.capability", v, sizeof(v)) > 0,
	      "root: capabilities kept after an empty write");
	check(write(fd, "x", 1) == 1, "root: write to a file with capabilities");
	expect_err(getxattr("c", "security.capability", v, sizeof(v)), ENODATA,
		   "root: capabilities after a write");
	check(set_caps("c") && write(fd, "x", 1) == 1,
	      "root: capabilities set again on the open file, written again");
	expect_err(getxattr("c", "security.capability", v, sizeof(v)), ENODATA,
		   "root: capabilities after the second write");
	close(fd);

	check(set_caps("c") && chown("c", 0, 0) == 0, "root: chown of a file with capabilities");
	expect_err(getxattr("c", "security.capability", v, sizeof(v)), ENODATA,
		   "root: capabilities after chown");
	check(set_caps("c") && truncate("c", 0) == 0, "root: truncate of a file with capabilities");
	expect_err(getxattr("c", "security.capability", v, sizeof(v)), ENODATA,
		   "root: capabilities after truncate");
	make("c", 04755);
	check(set_caps("c") && chown("c", 0, 0) == 0, "root: chown of a set-user-ID file");
	expect_mode("root: chown of 4755", "c", 0755);
}

int main(void)
{
	guest_start("write_privs");
	if (geteuid() != 0) {
		printf("not root: nothing to check\n");
		return guest_finish();
	}
	fs_test_enter("write_privs");
	chmod(".", 0777);

	/* Root has CAP_FSETID: its writes keep the set-ID bits. */
	changes("root", 06777, 06777);
	file_caps();

	/* A directory's set-group-ID bit is no file's business. */
	check(mkdir("d", 02777) == 0 && chmod("d", 02777) == 0, "mkdir a set-group-ID directory");
	expect_mode("directory", "d", 02777);
	rmdir("d");

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(3);
		as_nobody();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nobody's checks");

	unlink("f");
	unlink("c");
	fs_test_leave();
	return guest_finish();
}
