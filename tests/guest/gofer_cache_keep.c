// SPDX-License-Identifier: Apache-2.0
/*
 * A file's page cache outlives its last close and munmap (under runsk:
 * goferfs keeps a gofer file's cache idle, sentry/vfs/goferfs/cache.c),
 * and what the sandbox does to the file afterwards must still be seen by
 * the next open + mmap, read and execve, as on Linux:
 * - mapped, closed, mapped again: the same bytes (and read agrees);
 * - then written with pwrite, truncated shorter and longer (ftruncate,
 *   truncate, O_TRUNC), appended to, written through a shared mapping
 *   then with pwrite: each re-open and re-mmap shows the new contents;
 * - a copy of this program run twice, then replaced by a script (O_TRUNC
 *   and write): the next execve runs the script;
 * - a file of the image (this program itself: a lower file under the
 *   overlay) mapped twice agrees with read(2).
 * Files live in a fresh directory under the cwd (the root file system:
 * a gofer file under runsk with --overlay2=none, the overlay's upper
 * layer by default).
 *
 *   gofer_cache_keep          the checks
 *   gofer_cache_keep child    exit 42 (the program run by execve)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "guest_test.h"

#define PAGE 4096L

static char dir[PATH_MAX];

static void enter_here(void)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(dir, sizeof(dir), "%s/gofer_cache_keep.XXXXXX", cwd) >= (int)sizeof(dir) ||
	    !mkdtemp(dir) || chdir(dir) != 0) {
		printf("FAIL cannot make and enter a directory under the cwd: %s\n",
		       guest_errno_name(errno));
		exit(1);
	}
}

/* The byte at offset off of version v of the file. */
static char vbyte(int v, long off)
{
	return (char)('a' + (off * 7 + v * 3) % 26);
}

static void write_version(const char *name, int v, long len)
{
	char *buf = malloc(len);
	for (long i = 0; i < len; i++)
		buf[i] = vbyte(v, i);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!check(fd >= 0, "create %s", name))
		exit(1);
	expect_ret(write(fd, buf, len), len, "write version %d of %s", v, name);
	close(fd);
	free(buf);
}

/*
 * Open name, map its first len bytes (size: the file's size) privately
 * and through read(2), and compare both with want (len bytes; NULL: the
 * mapping against read alone). Then munmap and close: the cache goes idle.
 */
static void check_contents(const char *name, const char *want, long len, const char *what)
{
	int fd = open(name, O_RDONLY);
	if (!check(fd >= 0, "%s: open", what))
		return;
	struct stat st;
	expect_ret(fstat(fd, &st), 0, "%s: fstat", what);
	expect_ret(st.st_size, len, "%s: size", what);
	long maplen = (len + PAGE - 1) / PAGE * PAGE;
	char *buf = malloc(len + 1);
	expect_ret(pread(fd, buf, len + 1, 0), len, "%s: pread all", what);
	char *p = maplen ? mmap(NULL, maplen, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (maplen && check(p != MAP_FAILED, "%s: mmap", what)) {
		check(!memcmp(p, buf, len), "%s: the mapping agrees with read", what);
		if (want)
			check(!memcmp(p, want, len), "%s: the mapping has the new contents", what);
		bool zero = true;
		for (long i = len; i < maplen; i++)
			zero &= p[i] == 0;
		check(zero, "%s: zeros past the end in the last page", what);
		munmap(p, maplen);
	}
	if (want)
		check(!memcmp(buf, want, len), "%s: read has the new contents", what);
	free(buf);
	close(fd);
}

/* Version v of a file of len bytes, as a buffer (static, at most 4 pages). */
static const char *version(int v, long len)
{
	static char buf[4 * PAGE];
	for (long i = 0; i < len; i++)
		buf[i] = vbyte(v, i);
	return buf;
}

static void test_changes(void)
{
	long len = 2 * PAGE + 100;
	write_version("data", 1, len);
	check_contents("data", version(1, len), len, "first map");
	check_contents("data", version(1, len), len, "mapped again");

	/* pwrite into the middle of the second page. */
	int fd = open("data", O_WRONLY);
	char *want = malloc(3 * PAGE);
	memcpy(want, version(1, len), len);
	memcpy(want + PAGE + 10, "PWRITE", 6);
	expect_ret(pwrite(fd, "PWRITE", 6, PAGE + 10), 6, "pwrite");
	close(fd);
	check_contents("data", want, len, "after pwrite");

	/* Shorter, then longer again: the cut bytes read as zeros. */
	expect_ret(truncate("data", PAGE + 50), 0, "truncate to a page and 50");
	check_contents("data", want, PAGE + 50, "after truncate");
	fd = open("data", O_WRONLY);
	expect_ret(ftruncate(fd, 3 * PAGE), 0, "ftruncate to 3 pages");
	close(fd);
	memset(want + PAGE + 50, 0, 3 * PAGE - (PAGE + 50));
	check_contents("data", want, 3 * PAGE, "after ftruncate longer");
	free(want);

	/* O_TRUNC and new contents. */
	write_version("data", 2, PAGE + 7);
	check_contents("data", version(2, PAGE + 7), PAGE + 7, "after O_TRUNC and write");

	/* An append past the cached end. */
	fd = open("data", O_WRONLY | O_APPEND);
	expect_ret(write(fd, "APPENDED", 8), 8, "append");
	close(fd);
	want = malloc(PAGE + 15);
	memcpy(want, version(2, PAGE + 7), PAGE + 7);
	memcpy(want + PAGE + 7, "APPENDED", 8);
	check_contents("data", want, PAGE + 15, "after append");

	/* A store through a shared mapping, written back at munmap, then pwrite over it. */
	fd = open("data", O_RDWR);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (check(p != MAP_FAILED, "mmap shared")) {
		memcpy(p + 100, "SHARED", 6);
		munmap(p, 2 * PAGE);
	}
	close(fd);
	memcpy(want + 100, "SHARED", 6);
	check_contents("data", want, PAGE + 15, "after a shared store");
	fd = open("data", O_WRONLY);
	expect_ret(pwrite(fd, "XY", 2, 102), 2, "pwrite over the shared store");
	close(fd);
	memcpy(want + 102, "XY", 2);
	check_contents("data", want, PAGE + 15, "after pwrite over it");
	free(want);
	expect_ret(unlink("data"), 0, "unlink data");
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	bool ok = in >= 0 && out >= 0;
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, n) == n;
	check(ok, "copy %s to %s", from, to);
	close(in);
	close(out);
}

/* fork + execve ./prog child: how it ended. */
static void run_prog(const char *want, const char *what)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"prog", "child", NULL};
		execv("./prog", argv);
		_exit(127);
	}
	guest_expect_child(pid, want, what);
}

static void test_exec(void)
{
	copy_file("/proc/self/exe", "prog");
	run_prog("exit 42", "execve a copy of this program");
	run_prog("exit 42", "execve it again");
	/* Replaced in place by a script: the next execve must read the new bytes. */
	int fd = open("prog", O_WRONLY | O_TRUNC);
	const char script[] = "#!/bin/sh\nexit 7\n";
	expect_ret(write(fd, script, sizeof(script) - 1), sizeof(script) - 1,
		   "overwrite it with a script");
	close(fd);
	run_prog("exit 7", "execve the script now in its place");
	expect_ret(unlink("prog"), 0, "unlink prog");
}

/* This program's own file (an image file: the overlay's lower layer under runsk). */
static void test_image_file(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat st;
	if (!check(fd >= 0 && fstat(fd, &st) == 0, "open and fstat this program"))
		return;
	close(fd);
	long len = st.st_size < 4 * PAGE ? st.st_size : 4 * PAGE;
	char *want = malloc(len);
	fd = open("/proc/self/exe", O_RDONLY);
	expect_ret(pread(fd, want, len, 0), len, "read the head of this program");
	close(fd);
	for (int i = 0; i < 2; i++) {
		fd = open("/proc/self/exe", O_RDONLY);
		char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (check(p != MAP_FAILED, "map this program (%d)", i)) {
			check(!memcmp(p, want, len), "the mapping agrees with read (%d)", i);
			munmap(p, len);
		}
		close(fd);
	}
	free(want);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return 42;
	guest_start("gofer_cache_keep");
	test_image_file();
	enter_here();
	test_changes();
	test_exec();
	if (chdir("..") != 0 || rmdir(dir) != 0)
		check(false, "remove the directory: %s", guest_errno_name(errno));
	return guest_finish();
}
