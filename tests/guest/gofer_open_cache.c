// SPDX-License-Identifier: Apache-2.0
/*
 * What keeping a file's open host descriptor across opens (goferfs,
 * sentry/vfs/goferfs/handles.c) must not change, on files of the root
 * file system (a gofer file under runsk, under the overlay or alone with
 * --overlay2=none):
 * - one file open at once with several flags (O_RDONLY twice, O_RDWR,
 *   O_WRONLY|O_APPEND, O_TRUNC, O_DSYNC): each its own offset, each
 *   write seen through the others and in the size;
 * - locks of one open file description do not belong to another one of
 *   the same file (flock, OFD);
 * - a shared mapping sees writes made through another descriptor;
 * - unlink and rename of a file opened before, then reopen;
 * - more distinct files than any cache holds (3000 made here, and up to
 *   400 existing ones of /usr/bin and /usr/lib/x86_64-linux-gnu, read
 *   twice), and 200 of them open at once afterwards;
 * - with an argument LOWER: a file whose content is "lower-file\n" (from
 *   the image under runsk): read through an O_RDONLY descriptor, written
 *   through O_RDWR (a copy-up under the overlay), seen by the first one;
 *   written back as it was at the end.
 *
 *   gofer_open_cache [LOWER]   in a fresh directory under the cwd
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "guest_test.h"

#define NFILES 3000
#define NLOWER 400

static char dir[PATH_MAX];

static void enter_here(void)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)) ||
	    snprintf(dir, sizeof(dir), "%s/gofer_open_cache.XXXXXX", cwd) >= (int)sizeof(dir) ||
	    !mkdtemp(dir) || chdir(dir) != 0) {
		printf("FAIL cannot make and enter a directory under the cwd: %s\n",
		       guest_errno_name(errno));
		exit(1);
	}
}

static void put(const char *name, const char *s)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		printf("FAIL making %s: %s\n", name, guest_errno_name(errno));
	close(fd);
}

/* What a fresh O_RDONLY open of name reads (at most 63 bytes), or "<errno>". */
static const char *get(const char *name)
{
	static char buf[64];
	int fd = open(name, O_RDONLY);
	if (fd < 0)
		return guest_errno_name(errno);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static void expect_str(const char *got, const char *want, const char *what)
{
	if (!check(strcmp(got, want) == 0, "%s: \"%s\"", what, want))
		printf("  got \"%s\"\n", got);
}

static const char *pread_str(int fd, size_t len, off_t off)
{
	static char buf[64];
	ssize_t n = pread(fd, buf, len < sizeof(buf) - 1 ? len : sizeof(buf) - 1, off);
	buf[n < 0 ? 0 : n] = 0;
	return n < 0 ? guest_errno_name(errno) : buf;
}

static off_t size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? -1 : st.st_size;
}

static void test_many_flags(void)
{
	put("f", "0123456789abcdefghij");
	int r1 = open("f", O_RDONLY), r2 = open("f", O_RDONLY);
	int rw = open("f", O_RDWR), ap = open("f", O_WRONLY | O_APPEND);
	check(r1 >= 0 && r2 >= 0 && rw >= 0 && ap >= 0, "open O_RDONLY twice, O_RDWR, O_APPEND");

	char b[8] = {0};
	expect_ret(read(r1, b, 3), 3, "read 3 through the first O_RDONLY");
	expect_ret(read(r2, b, 5), 5, "read 5 through the second");
	expect_ret(lseek(r1, 0, SEEK_CUR), 3, "first offset");
	expect_ret(lseek(r2, 0, SEEK_CUR), 5, "second offset");
	expect_ret(lseek(rw, 0, SEEK_CUR), 0, "O_RDWR offset");

	expect_ret(write(rw, "AB", 2), 2, "write 2 through O_RDWR");
	expect_str(pread_str(r1, 4, 0), "AB23", "seen through O_RDONLY");
	expect_ret(lseek(r1, 0, SEEK_CUR), 3, "first offset unchanged by pread");
	expect_ret(write(ap, "XYZ", 3), 3, "append 3");
	expect_ret(size_of(r2), 23, "size after the append");
	expect_str(pread_str(r2, 8, 18), "ijXYZ", "the append through O_RDONLY");
	expect_ret(lseek(rw, 0, SEEK_CUR), 2, "O_RDWR offset unchanged by the append");
	expect_ret(lseek(ap, 0, SEEK_CUR), 23, "O_APPEND offset at the end");
	expect_ret(read(rw, b, 2), 2, "read on through O_RDWR");
	expect_str((b[2] = 0, b), "23", "O_RDWR reads on from its own offset");

	int ds = open("f", O_WRONLY | O_DSYNC);
	expect_ret(pwrite(ds, "D", 1, 22), 1, "pwrite through O_DSYNC");
	expect_str(pread_str(r1, 1, 22), "D", "the O_DSYNC write through O_RDONLY");
	close(ds);

	int tr = open("f", O_WRONLY | O_TRUNC);
	check(tr >= 0, "open O_TRUNC while others are open");
	expect_ret(size_of(r1), 0, "size 0 through the others");
	expect_ret(read(r2, b, 4), 0, "read at 5 after O_TRUNC: EOF");
	expect_ret(write(tr, "new", 3), 3, "write through the O_TRUNC one");
	expect_str(pread_str(r2, 8, 0), "new", "seen through O_RDONLY");
	expect_ret(write(ap, "+", 1), 1, "append after the truncate");
	expect_str(pread_str(rw, 8, 0), "new+", "the append went to the new end");
	close(tr);
	close(ap);
	close(rw);
	close(r2);
	expect_str(pread_str(r1, 8, 0), "new+", "O_RDONLY after the others closed");
	close(r1);
	expect_str(get("f"), "new+", "a fresh open");

	/* Writes through one open, then reads through a fresh one, again and again. */
	bool ok = true;
	for (int i = 0; i < 200 && ok; i++) {
		char want[16];
		snprintf(want, sizeof(want), "round %d", i);
		int w = open("f", i % 2 ? O_WRONLY : O_RDWR);
		ok = w >= 0 && pwrite(w, want, strlen(want), 0) == (ssize_t)strlen(want);
		ok = ok && ftruncate(w, strlen(want)) == 0;
		close(w);
		ok = ok && strcmp(get("f"), want) == 0;
	}
	check(ok, "200 × write, close, reopen and read");
}

static void test_locks(void)
{
	int a = open("f", O_RDONLY), b = open("f", O_RDONLY);
	expect_ret(flock(a, LOCK_EX | LOCK_NB), 0, "flock(LOCK_EX) through one O_RDONLY");
	expect_err(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "flock(LOCK_EX) through another");
	expect_ret(flock(a, LOCK_UN), 0, "unlock");
	close(a);
	expect_ret(flock(b, LOCK_SH | LOCK_NB), 0, "flock(LOCK_SH) once the first is closed");
	close(b);

	int w = open("f", O_RDWR), r = open("f", O_RDWR);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	expect_ret(fcntl(w, F_OFD_SETLK, &fl), 0, "F_OFD_SETLK F_WRLCK");
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	expect_ret(fcntl(r, F_OFD_GETLK, &fl), 0, "F_OFD_GETLK through another open");
	check(fl.l_type == F_WRLCK, "it sees the lock");
	close(w);
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
	expect_ret(fcntl(r, F_OFD_GETLK, &fl), 0, "F_OFD_GETLK after its close");
	check(fl.l_type == F_UNLCK, "the lock went with it");
	close(r);
}

static void test_mmap(void)
{
	put("m", "mapped file");
	int r = open("m", O_RDONLY), w = open("m", O_WRONLY);
	char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r, 0);
	if (check(p != MAP_FAILED, "mmap(MAP_SHARED) of an O_RDONLY open")) {
		expect_ret(pwrite(w, "MAPPED", 6, 0), 6, "pwrite through O_WRONLY");
		check(memcmp(p, "MAPPED file", 11) == 0, "the mapping sees it");
		close(r);
		close(w);
		check(memcmp(get("m"), "MAPPED file", 11) == 0, "a fresh open too");
		expect_ret(pwrite(w = open("m", O_WRONLY), "m", 1, 0), 1, "pwrite after reopen");
		check(p[0] == 'm', "the mapping sees that too");
		close(w);
		munmap(p, 4096);
	}
}

static void test_unlink_rename(void)
{
	put("u", "old");
	expect_str(get("u"), "old", "u");
	int keep = open("u", O_RDONLY);
	expect_ret(unlink("u"), 0, "unlink u, still open");
	expect_str(get("u"), "ENOENT", "open u after unlink");
	put("u", "new one");
	expect_str(get("u"), "new one", "a new u");
	expect_str(pread_str(keep, 8, 0), "old", "the unlinked one, through its descriptor");
	close(keep);
	expect_str(get("u"), "new one", "the new u after that close");

	put("a", "AAA");
	expect_str(get("a"), "AAA", "a");
	expect_ret(rename("a", "b"), 0, "rename a b");
	expect_str(get("b"), "AAA", "b");
	expect_str(get("a"), "ENOENT", "a after the rename");
	put("a", "NEW");
	expect_str(get("a"), "NEW", "a new a");
	expect_ret(rename("a", "b"), 0, "rename a over b");
	expect_str(get("b"), "NEW", "b after the rename over it");
	int w = open("b", O_WRONLY | O_APPEND);
	expect_ret(write(w, "!", 1), 1, "append to b");
	close(w);
	expect_str(get("b"), "NEW!", "b");
}

static void test_many_files(void)
{
	char name[32], want[32];
	bool ok = true;
	for (int i = 0; i < NFILES && ok; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(want, sizeof(want), "file %d", i);
		put(name, want);
		ok = strcmp(get(name), want) == 0;
	}
	check(ok, "%d files made and read back", NFILES);
	for (int i = NFILES - 1; i >= 0 && ok; i--) {
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(want, sizeof(want), "file %d", i);
		int fd = open(name, i % 3 ? O_RDONLY : O_RDWR);
		ok = fd >= 0 && strcmp(pread_str(fd, 31, 0), want) == 0;
		close(fd);
	}
	check(ok, "read again in reverse, some O_RDWR");

	int fds[200];
	int n = 0;
	for (; n < 200; n++) {
		snprintf(name, sizeof(name), "n%d", n * 7);
		if ((fds[n] = open(name, O_RDONLY)) < 0)
			break;
	}
	expect_ret(n, 200, "200 of them open at once");
	while (n--)
		close(fds[n]);
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		unlink(name);
	}
}

/* Up to max regular files of path: each read twice (64 bytes), the same. */
static void read_tree(const char *path, int max)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0, bad = 0;
	if (!d) {
		printf("%s: absent\n", path);
		return;
	}
	while (n < max && (e = readdir(d))) {
		char p[PATH_MAX], a[64], b[64];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (stat(p, &st) || !S_ISREG(st.st_mode))
			continue;
		n++;
		int fd = open(p, O_RDONLY);
		ssize_t la = fd < 0 ? -1 : read(fd, a, sizeof(a));
		close(fd);
		fd = open(p, O_RDONLY);
		ssize_t lb = fd < 0 ? -1 : pread(fd, b, sizeof(b), 0);
		close(fd);
		if (la < 0 || la != lb || memcmp(a, b, la) ||
		    (la < (ssize_t)sizeof(a) && la != st.st_size)) {
			if (bad++ < 3)
				printf("FAIL %s read %zd then %zd\n", p, la, lb);
		}
	}
	closedir(d);
	check(!bad, "existing files of %s: each read twice alike", path);
}

static void test_lower(const char *path)
{
	expect_str(get(path), "lower-file\n", "the lower file");
	int r = open(path, O_RDONLY);
	int w = open(path, O_RDWR);
	check(r >= 0 && w >= 0, "open it O_RDONLY, then O_RDWR");
	expect_ret(pwrite(w, "LOWER", 5, 0), 5, "write through O_RDWR");
	expect_str(pread_str(r, 63, 0), "LOWER-file\n", "seen through O_RDONLY");
	expect_str(get(path), "LOWER-file\n", "and a fresh open");
	expect_ret(pwrite(w, "lower", 5, 0), 5, "written back");
	close(w);
	close(r);
	expect_str(get(path), "lower-file\n", "as it was");
}

int main(int argc, char **argv)
{
	char lower[PATH_MAX] = "";
	guest_start("gofer_open_cache");
	if (argc > 1 && !realpath(argv[1], lower))
		printf("FAIL %s: %s\n", argv[1], guest_errno_name(errno));
	enter_here();
	test_many_flags();
	test_locks();
	test_mmap();
	test_unlink_rename();
	test_many_files();
	read_tree("/usr/bin", NLOWER);
	read_tree("/usr/lib/x86_64-linux-gnu", NLOWER);
	if (lower[0])
		test_lower(lower);
	unlink("f");
	unlink("m");
	unlink("u");
	unlink("b");
	if (chdir("/") || rmdir(dir))
		printf("FAIL rmdir: %s\n", guest_errno_name(errno));
	return guest_finish();
}
