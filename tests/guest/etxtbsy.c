// SPDX-License-Identifier: Apache-2.0
/*
 * ETXTBSY: a file that a program runs from cannot be opened for writing
 * (O_WRONLY, O_RDWR, O_TRUNC) or truncated, and a file open for writing
 * cannot be executed, until the program exits or the last writable fd
 * is closed. memfd_create's own fd is no writer (fexecve of it works). A script may
 * be rewritten while its interpreter runs it, but not executed while it
 * is open for writing.
 *
 * The program copies itself and runs the copy in "wait" mode: it writes
 * a byte to fd 1 when it runs and exits when fd 0 reaches its end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "guest_test.h"

static char dir[64];

static const char *at(const char *name)
{
	return guest_path_in(dir, name);
}

static int copy_self(const char *self, const char *to)
{
	int in = open(self, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out);
}

struct runner {
	pid_t pid;
	int release; /* write end of its stdin: close to let it exit */
};

/* Start path in "wait" mode; returns once it runs (or failed: pid -1). */
static struct runner start(const char *path)
{
	int in[2], out[2];
	struct runner r = {-1, -1};
	if (pipe(in) || pipe(out))
		return r;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, path, "wait", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	char c;
	r.pid = read(out[0], &c, 1) == 1 ? pid : -1;
	close(out[0]);
	r.release = in[1];
	return r;
}

static void stop(struct runner r, const char *what)
{
	close(r.release);
	guest_expect_child(r.pid, "exit 0", what);
}

/* execve(path) in a child: how it went ("ran" or the errno). */
static const char *try_exec(const char *path)
{
	static char s[32];
	int p[2];
	if (pipe(p))
		return "pipe failed";
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		fcntl(p[1], F_SETFD, FD_CLOEXEC);
		execl(path, path, "true", (char *)NULL);
		int e = errno;
		write(p[1], &e, sizeof(e));
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read(p[0], &e, sizeof(e));
	close(p[0]);
	guest_child_end(pid);
	snprintf(s, sizeof(s), "%s", n == sizeof(e) ? guest_errno_name(e) : "ran");
	return s;
}

/* open(path, flags): "0" or the errno, as want says. */
static void expect_open(const char *path, int flags, int want, const char *what)
{
	int fd = open(path, flags);
	int got = fd < 0 ? errno : 0;
	check(got == want, "%s: %s", what, guest_errno_name(got));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "true"))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		char c;
		if (write(1, "r", 1) != 1)
			return 1;
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	guest_start("etxtbsy");
	char me[4096], prog[128];
	snprintf(dir, sizeof(dir), "/tmp/runsk-etxtbsy-XXXXXX");
	if (!realpath(argv[0], me) || !mkdtemp(dir))
		return 2;
	snprintf(prog, sizeof(prog), "%s", at("prog"));
	if (copy_self(me, prog))
		return 2;

	struct runner r = start(prog);
	check(r.pid > 0, "the copy runs");
	expect_open(prog, O_WRONLY, ETXTBSY, "open(O_WRONLY) of a running program");
	expect_open(prog, O_RDWR, ETXTBSY, "open(O_RDWR)");
	expect_open(prog, O_RDONLY | O_TRUNC, ETXTBSY, "open(O_RDONLY|O_TRUNC)");
	expect_open(prog, O_RDONLY, 0, "open(O_RDONLY)");
	expect_err(truncate(prog, 0), ETXTBSY, "truncate()");
	check(!strcmp(try_exec(prog), "ran"), "running it again too");
	stop(r, "the copy, released");
	expect_open(prog, O_RDWR, 0, "open(O_RDWR) once it has exited");

	/* Open for writing: not executable, until the last writable fd goes. */
	int w = open(prog, O_WRONLY);
	int w2 = dup(w);
	expect_ret(strcmp(try_exec(prog), "ETXTBSY"), 0, "execve while open for writing: ETXTBSY");
	close(w);
	expect_ret(strcmp(try_exec(prog), "ETXTBSY"), 0, "...while a dup is open: ETXTBSY");
	close(w2);
	check(!strcmp(try_exec(prog), "ran"), "...runs once the last is closed");
	int rdonly = open(prog, O_RDONLY);
	check(!strcmp(try_exec(prog), "ran"), "...and while open read-only");
	close(rdonly);

	/* A script: its own file is free while it runs, not while open for writing. */
	char text[256];
	snprintf(text, sizeof(text), "#!%s wait\n", prog);
	int s = open(at("script"), O_WRONLY | O_CREAT | O_TRUNC, 0755);
	expect_ret(write(s, text, strlen(text)), (long)strlen(text), "write a script");
	expect_ret(strcmp(try_exec(at("script")), "ETXTBSY"), 0,
		   "execve of the script while open for writing: ETXTBSY");
	close(s);
	r = start(at("script"));
	check(r.pid > 0, "the script runs");
	expect_open(at("script"), O_WRONLY, 0, "open(O_WRONLY) of the running script");
	expect_open(prog, O_WRONLY, ETXTBSY, "open(O_WRONLY) of its interpreter");
	stop(r, "the script, released");

	/*
	 * memfd_create's own fd holds no write access (Linux's
	 * alloc_file_pseudo): the memfd runs through /proc/self/fd while it is
	 * open; a writable reopen of it is a writer like any other.
	 */
	int m = memfd_create("prog", MFD_CLOEXEC);
	int in = open(me, O_RDONLY);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(m, buf, n) != n)
			break;
	close(in);
	char mpath[64];
	snprintf(mpath, sizeof(mpath), "/proc/self/fd/%d", m);
	check(!strcmp(try_exec(mpath), "ran"), "execve of a memfd through /proc/self/fd");
	int mw = open(mpath, O_RDWR);
	expect_ret(strcmp(try_exec(mpath), "ETXTBSY"), 0, "...while reopened O_RDWR: ETXTBSY");
	close(mw);
	close(m);

	unlink(at("script"));
	unlink(prog);
	if (rmdir(dir))
		printf("FAIL cleanup: %s\n", guest_errno_name(errno));
	return guest_finish();
}
