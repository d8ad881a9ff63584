// SPDX-License-Identifier: Apache-2.0
/*
 * Directories and names: mkdir, rmdir, getdents64/getdents (listings are
 * sorted before printing; positions survive unlinks), unlink(at), link,
 * rename/renameat2 (NOREPLACE, EXCHANGE), chdir, fchdir, getcwd.
 */
#include "fs_test.h"

#include <stdint.h>

struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

#define MAX_ENTS 64
struct listing {
	int n;
	char names[MAX_ENTS][64];
	unsigned char types[MAX_ENTS];
	int64_t offs[MAX_ENTS];
};

/* One getdents64 call's worth into l; returns what the call returned. */
static long list_some(int fd, struct listing *l, size_t bufsize)
{
	static char buf[4096];
	long n = syscall(SYS_getdents64, (long)fd, buf, (long)bufsize);
	for (long pos = 0; n > 0 && pos < n && l->n < MAX_ENTS;) {
		struct dent64 *d = (void *)(buf + pos);
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", d->name);
		l->types[l->n] = d->type;
		l->offs[l->n++] = d->off;
		pos += d->reclen;
	}
	return n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* "name/type name/type ..." sorted, for printing. */
static void print_listing(const char *what, struct listing *l)
{
	static char sorted[MAX_ENTS][80];
	for (int i = 0; i < l->n; i++)
		snprintf(sorted[i], sizeof(sorted[0]), "%s/%s", l->names[i],
			 l->types[i] == DT_DIR	 ? "d"
			 : l->types[i] == DT_REG ? "f"
			 : l->types[i] == DT_LNK ? "l"
						 : "?");
	qsort(sorted, l->n, sizeof(sorted[0]), cmp_names);
	printf("%s:", what);
	for (int i = 0; i < l->n; i++)
		printf(" %s", sorted[i]);
	printf("\n");
}

static void test_getdents(void)
{
	struct listing l = {0};
	check(mkdir("ls", 0755) == 0 && mkdir("ls/sub", 0755) == 0 && fs_put("ls/f1", "") == 0 &&
		      fs_put("ls/f2", "") == 0 && fs_put("ls/f3", "") == 0 &&
		      symlink("f1", "ls/link") == 0,
	      "make ls/{sub,f1,f2,f3,link}");
	int fd = open("ls", O_RDONLY | O_DIRECTORY);
	while (list_some(fd, &l, 4096) > 0)
		;
	print_listing("getdents64(ls)", &l);
	expect_ret(list_some(fd, &l, 4096), 0, "getdents64 at the end: 0");

	/* Resume from a saved position after an entry not yet read is removed. */
	struct listing again = {0};
	/* d_off values are the file system's own (ext4 hashes, tmpfs counts): compare, never print. */
	check(lseek(fd, l.offs[2], SEEK_SET) == l.offs[2], "lseek to the 3rd entry's d_off");
	char victim[80];
	snprintf(victim, sizeof(victim), "ls/%s", l.names[4]);
	int removed = strcmp(l.names[4], "sub") == 0 ? rmdir(victim) : unlink(victim);
	check(removed == 0, "remove the 5th entry listed");
	while (list_some(fd, &again, 4096) > 0)
		;
	check(again.n == l.n - 4, "resuming lists the entries after the 3rd, less the removed one");
	for (int i = 0; i < again.n; i++)
		check(strcmp(again.names[i], l.names[i + (i >= 1 ? 4 : 3)]) == 0,
		      "resumed entry %d as before", i);
	expect_ret(lseek(fd, 0, SEEK_SET), 0, "rewind the directory");
	struct listing one = {0};
	expect_err(list_some(fd, &one, 10), EINVAL, "getdents64 into 10 bytes");
	expect_ret(list_some(fd, &one, 24), 24, "getdents64 into 24 bytes: one entry");
	check(one.n == 1, "exactly one entry");
	char buf[64];
	expect_err(read(fd, buf, sizeof(buf)), EISDIR, "read(directory)");
	close(fd);

	check(fs_put("gf", "") == 0, "make gf");
	int ffd = open("gf", O_RDONLY);
	expect_err(syscall(SYS_getdents64, (long)ffd, buf, 64L), ENOTDIR, "getdents64(file)");
	expect_err(syscall(SYS_getdents, (long)ffd, buf, 64L), ENOTDIR, "getdents(file)");
	close(ffd);
	expect_err(syscall(SYS_getdents64, 99L, buf, 64L), EBADF, "getdents64(99)");
	fd = open("ls", O_RDONLY | O_DIRECTORY);
	long n = syscall(SYS_getdents, (long)fd, buf, 64L);
	unsigned short reclen = 0;
	memcpy(&reclen, buf + 16, sizeof(reclen));
	check(n > 0 && reclen >= 20 && reclen <= n && reclen % 8 == 0,
	      "getdents (old): whole 8-aligned records");
	close(fd);

	check(mkdir("gone", 0755) == 0, "mkdir(gone)");
	fd = open("gone", O_RDONLY | O_DIRECTORY);
	expect_ret(rmdir("gone"), 0, "rmdir(gone) while open");
	expect_err(syscall(SYS_getdents64, (long)fd, buf, 64L), ENOENT,
		   "getdents64 of a removed directory");
	close(fd);
}

static void test_mkdir_rmdir_unlink(void)
{
	struct stat st;
	check(mkdir("m", 0755) == 0 && stat("m", &st) == 0 && st.st_nlink == 2,
	      "mkdir(m): nlink 2");
	check(mkdir("m/s", 0700) == 0 && stat("m", &st) == 0 && st.st_nlink == 3,
	      "mkdir(m/s): m's nlink 3");
	check(stat("m/s", &st) == 0 && (st.st_mode & 07777) == 0700, "m/s mode 0700");
	expect_err(mkdir("m", 0755), EEXIST, "mkdir(m) again");
	expect_err(mkdir("x/y", 0755), ENOENT, "mkdir(x/y)");
	check(fs_put("file", "data") == 0, "make file");
	expect_err(mkdir("file/y", 0755), ENOTDIR, "mkdir(file/y)");
	expect_err(rmdir("m"), ENOTEMPTY, "rmdir(m) not empty");
	expect_err(rmdir("m/s/."), EINVAL, "rmdir(m/s/.)");
	expect_err(rmdir("m/s/.."), ENOTEMPTY, "rmdir(m/s/..)");
	expect_err(rmdir("/"), EBUSY, "rmdir(/)");
	expect_err(rmdir("file"), ENOTDIR, "rmdir(file)");
	expect_err(rmdir("missing"), ENOENT, "rmdir(missing)");
	expect_ret(rmdir("m/s"), 0, "rmdir(m/s)");
	check(stat("m", &st) == 0 && st.st_nlink == 2, "m's nlink back to 2");
	expect_err(unlink("m"), EISDIR, "unlink(m)");
	expect_err(unlinkat(AT_FDCWD, "m", 0x1), EINVAL, "unlinkat(bad flag)");
	expect_err(unlinkat(AT_FDCWD, "file", AT_REMOVEDIR), ENOTDIR,
		   "unlinkat(file, AT_REMOVEDIR)");
	expect_ret(unlinkat(AT_FDCWD, "m", AT_REMOVEDIR), 0, "unlinkat(m, AT_REMOVEDIR)");
	expect_err(unlink("."), EISDIR, "unlink(.)");
	expect_err(unlink("missing"), ENOENT, "unlink(missing)");
}

static void test_link(void)
{
	struct stat a, b;
	char buf[8] = {0};
	expect_ret(link("file", "file2"), 0, "link(file, file2)");
	check(stat("file", &a) == 0 && stat("file2", &b) == 0 && a.st_ino == b.st_ino &&
		      a.st_nlink == 2,
	      "one inode, nlink 2");
	expect_ret(unlink("file"), 0, "unlink(file)");
	int fd = open("file2", O_RDONLY);
	check(fd >= 0 && read(fd, buf, 8) == 4 && strcmp(buf, "data") == 0 && fstat(fd, &b) == 0 &&
		      b.st_nlink == 1,
	      "file2 keeps the data, nlink 1");
	close(fd);
	mkdir("ldir", 0755);
	expect_err(link("ldir", "ldir2"), EPERM, "link(directory)");
	expect_err(link("file2", "ldir"), EEXIST, "link onto an existing name");
	expect_err(link("missing", "x"), ENOENT, "link(missing)");
	symlink("file2", "sl");
	expect_ret(linkat(AT_FDCWD, "sl", AT_FDCWD, "hl", 0), 0, "linkat(symlink) links the link");
	check(lstat("hl", &a) == 0 && S_ISLNK(a.st_mode), "hl is a symlink");
	expect_ret(linkat(AT_FDCWD, "sl", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW), 0,
		   "linkat(AT_SYMLINK_FOLLOW)");
	check(lstat("hf", &a) == 0 && S_ISREG(a.st_mode), "hf is the file");
	expect_err(linkat(AT_FDCWD, "sl", AT_FDCWD, "hx", 0x1), EINVAL, "linkat(bad flag)");
	/* Opened file, then unlinked: its data lives until closed. */
	fd = open("tmpdata", O_RDWR | O_CREAT, 0600);
	unlink("tmpdata");
	check(write(fd, "zz", 2) == 2 && pread(fd, buf, 2, 0) == 2 && fstat(fd, &a) == 0 &&
		      a.st_nlink == 0,
	      "an unlinked open file still works, nlink 0");
	close(fd);
}

static void test_rename(void)
{
	struct stat st;
	char buf[8] = {0};
	fs_put("r1", "one");
	fs_put("r2", "two");
	expect_ret(rename("r1", "r2"), 0, "rename(r1, r2) replaces r2");
	int fd = open("r2", O_RDONLY);
	check(read(fd, buf, 8) == 3 && strcmp(buf, "one") == 0 && stat("r1", &st) != 0,
	      "r2 has r1's data, r1 is gone");
	close(fd);
	mkdir("rd", 0755);
	mkdir("rd/in", 0755);
	mkdir("empty", 0755);
	expect_err(rename("r2", "rd"), EISDIR, "rename(file, dir)");
	expect_err(rename("rd", "r2"), ENOTDIR, "rename(dir, file)");
	expect_err(rename("empty", "rd"), ENOTEMPTY, "rename(dir, non-empty dir)");
	expect_err(rename("rd", "rd/in/x"), EINVAL, "rename(dir into itself)");
	expect_ret(rename("rd", "rd"), 0, "rename(rd, rd)");
	expect_err(rename("rd/.", "x"), EBUSY, "rename(rd/., x)");
	expect_err(rename("missing", "x"), ENOENT, "rename(missing, x)");
	link("r2", "r2link");
	expect_ret(rename("r2", "r2link"), 0, "rename between links of one file: nothing happens");
	check(stat("r2", &st) == 0 && stat("r2link", &st) == 0, "both names remain");
	expect_ret(rename("rd", "empty"), 0, "rename(dir, empty dir)");
	check(stat("empty/in", &st) == 0 && stat("rd", &st) != 0, "empty now holds in/");
	expect_ret(rename("empty/in", "moved"), 0, "rename(empty/in, moved): a dir changes parent");
	check(stat("empty", &st) == 0 && st.st_nlink == 2, "the old parent's nlink drops");
	expect_ret(syscall(SYS_renameat2, (long)AT_FDCWD, "r2", (long)AT_FDCWD, "r2link", 1L) < 0
			   ? errno
			   : 0,
		   EEXIST, "renameat2(RENAME_NOREPLACE) onto a name: EEXIST");
	expect_ret(syscall(SYS_renameat2, (long)AT_FDCWD, "r2", (long)AT_FDCWD, "fresh", 1L), 0,
		   "renameat2(RENAME_NOREPLACE) to a free name");
	expect_ret(syscall(SYS_renameat2, (long)AT_FDCWD, "fresh", (long)AT_FDCWD, "moved", 2L), 0,
		   "renameat2(RENAME_EXCHANGE, file, dir)");
	check(stat("fresh", &st) == 0 && S_ISDIR(st.st_mode) && stat("moved", &st) == 0 &&
		      S_ISREG(st.st_mode),
	      "the file and the directory swapped names");
	expect_err(syscall(SYS_renameat2, (long)AT_FDCWD, "fresh", (long)AT_FDCWD, "nope", 2L),
		   ENOENT, "renameat2(RENAME_EXCHANGE) with a missing target");
	expect_err(syscall(SYS_renameat2, (long)AT_FDCWD, "fresh", (long)AT_FDCWD, "moved", 3L),
		   EINVAL, "renameat2(NOREPLACE|EXCHANGE)");
	expect_err(syscall(SYS_renameat2, (long)AT_FDCWD, "fresh", (long)AT_FDCWD, "m2", 64L),
		   EINVAL, "renameat2(unknown flag)");
	int dfd = open("fresh", O_RDONLY | O_DIRECTORY);
	expect_ret(renameat(AT_FDCWD, "moved", dfd, "inside"), 0, "renameat into a dirfd");
	check(stat("fresh/inside", &st) == 0, "fresh/inside exists");
	close(dfd);
}

static void test_cwd(void)
{
	char buf[PATH_MAX], start[PATH_MAX];
	struct stat st;
	check(getcwd(start, sizeof(start)) != NULL, "getcwd");
	mkdir("cw", 0755);
	mkdir("cw/sub", 0755);
	expect_ret(chdir("cw/sub"), 0, "chdir(cw/sub)");
	check(getcwd(buf, sizeof(buf)) && strlen(buf) == strlen(start) + 7 &&
		      strcmp(buf + strlen(start), "/cw/sub") == 0,
	      "getcwd: <start>/cw/sub");
	expect_ret(chdir(".."), 0, "chdir(..)");
	int fd = open("sub", O_RDONLY | O_DIRECTORY);
	expect_ret(fchdir(fd), 0, "fchdir(sub)");
	close(fd);
	expect_ret(rmdir("../sub"), 0, "rmdir of the cwd");
	expect_err(syscall(SYS_getcwd, buf, (long)sizeof(buf)), ENOENT, "getcwd of a removed cwd");
	expect_err(open("x", O_RDWR | O_CREAT, 0644), ENOENT, "create in a removed cwd");
	check(stat(".", &st) == 0 && st.st_nlink == 0, "stat(.) of a removed cwd: nlink 0");
	expect_ret(chdir(".."), 0, "chdir(..) out of it");
	check(getcwd(buf, sizeof(buf)) && strcmp(buf + strlen(start), "/cw") == 0,
	      "getcwd: <start>/cw");
	expect_err(chdir("missing"), ENOENT, "chdir(missing)");
	fs_put("plain", "");
	expect_err(chdir("plain"), ENOTDIR, "chdir(file)");
	fd = open("plain", O_RDONLY);
	expect_err(fchdir(fd), ENOTDIR, "fchdir(file)");
	close(fd);
	expect_err(fchdir(99), EBADF, "fchdir(99)");
	expect_ret(chdir("/"), 0, "chdir(/)");
	check(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "getcwd: /");
	expect_ret(chdir(start), 0, "chdir back");
}

int main(void)
{
	guest_start("fs_dir");
	fs_test_enter("fs_dir");
	test_getdents();
	test_mkdir_rmdir_unlink();
	test_link();
	test_rename();
	test_cwd();
	fs_test_leave();
	return guest_finish();
}
