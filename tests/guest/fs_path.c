// SPDX-License-Identifier: Apache-2.0
/*
 * Path resolution: ENOENT/ENOTDIR/EISDIR/EEXIST as Linux gives them,
 * trailing slashes, symlinks (O_NOFOLLOW, loops, the 40-link limit),
 * "." and "..", ".." at "/" and across mounts, dirfds, AT_EMPTY_PATH,
 * AT_SYMLINK_NOFOLLOW, O_PATH, ENAMETOOLONG, openat2's RESOLVE_* flags.
 */
#include "fs_test.h"

/* Our own openat2 ABI: musl-gcc builds without the kernel's headers. */
struct open_how {
	unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static bool is_mode(const char *name, int flags, mode_t type)
{
	struct stat st;
	return fstatat(AT_FDCWD, name, &st, flags) == 0 && (st.st_mode & S_IFMT) == type;
}

static void setup(void)
{
	check(mkdir("d", 0755) == 0 && fs_put("f", "hello") == 0 && symlink("f", "lf") == 0 &&
		      symlink("d", "ld") == 0 && symlink("nowhere", "dangling") == 0 &&
		      symlink("loop", "loop") == 0 && symlink("/", "lroot") == 0,
	      "setup: d, f, lf -> f, ld -> d, dangling, loop, lroot -> /");
}

static void test_errors(void)
{
	expect_err(open("", O_RDONLY), ENOENT, "open(\"\")");
	expect_err(open("missing", O_RDONLY), ENOENT, "open(missing)");
	expect_err(open("missing/x", O_RDONLY), ENOENT, "open(missing/x)");
	expect_err(open("f/", O_RDONLY), ENOTDIR, "open(f/)");
	expect_err(open("f/x", O_RDONLY), ENOTDIR, "open(f/x)");
	expect_err(open("f/..", O_RDONLY), ENOTDIR, "open(f/..)");
	expect_err(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR, "open(f, O_DIRECTORY)");
	expect_err(open("d", O_WRONLY), EISDIR, "open(d, O_WRONLY)");
	expect_err(open("d", O_RDWR), EISDIR, "open(d, O_RDWR)");
	expect_err(open("d", O_RDONLY | O_TRUNC), EISDIR, "open(d, O_RDONLY|O_TRUNC)");
	expect_err(open("d", O_RDONLY | O_CREAT, 0644), EISDIR, "open(d, O_CREAT)");
	expect_err(open("new/", O_RDWR | O_CREAT, 0644), EISDIR, "open(new/, O_CREAT)");
	expect_err(open(".", O_RDONLY | O_CREAT, 0644), EISDIR, "open(., O_CREAT)");
	expect_err(open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST, "open(f, O_CREAT|O_EXCL)");
	expect_err(open("lf", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST,
		   "open(lf, O_CREAT|O_EXCL): symlinks are not followed");
	expect_err(open("dangling", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST,
		   "open(dangling, O_CREAT|O_EXCL)");
	expect_err(open("missing/x", O_RDWR | O_CREAT, 0644), ENOENT, "open(missing/x, O_CREAT)");
	expect_err(open("f/x", O_RDWR | O_CREAT, 0644), ENOTDIR, "open(f/x, O_CREAT)");
	int fd = open("dangling", O_RDWR | O_CREAT, 0644);
	check(fd >= 0 && is_mode("nowhere", 0, S_IFREG),
	      "open(dangling, O_CREAT) creates the target");
	close(fd);
	expect_ret(unlink("nowhere"), 0, "unlink(nowhere)");
}

static void test_symlinks(void)
{
	char name[16], target[16];
	int fd;

	check(is_mode("lf", 0, S_IFREG), "stat(lf): the file");
	check(is_mode("lf", AT_SYMLINK_NOFOLLOW, S_IFLNK), "lstat(lf): the link");
	check(is_mode("ld/", AT_SYMLINK_NOFOLLOW, S_IFDIR), "lstat(ld/): a trailing slash follows");
	expect_err(fstatat(AT_FDCWD, "lf/", &(struct stat){0}, AT_SYMLINK_NOFOLLOW), ENOTDIR,
		   "lstat(lf/)");
	expect_err(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP, "open(lf, O_NOFOLLOW)");
	expect_err(open("ld", O_RDONLY | O_NOFOLLOW | O_DIRECTORY), ENOTDIR,
		   "open(ld, O_NOFOLLOW|O_DIRECTORY)");
	fd = open("f", O_RDONLY | O_NOFOLLOW | O_CREAT, 0644);
	check(fd >= 0, "open(f, O_NOFOLLOW|O_CREAT) of a file");
	close(fd);
	expect_err(open("lf", O_RDWR | O_NOFOLLOW | O_CREAT, 0644), ELOOP,
		   "open(lf, O_NOFOLLOW|O_CREAT)");
	fd = open("lf", O_PATH | O_NOFOLLOW);
	struct stat st;
	check(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
	      "open(lf, O_PATH|O_NOFOLLOW): fstat sees the link");
	close(fd);
	expect_err(open("dangling", O_RDONLY), ENOENT, "open(dangling)");
	expect_err(open("loop", O_RDONLY), ELOOP, "open(loop)");
	expect_err(stat("loop/", &st), ELOOP, "stat(loop/)");
	check(is_mode("loop", AT_SYMLINK_NOFOLLOW, S_IFLNK), "lstat(loop)");
	check(is_mode("lroot/tmp", 0, S_IFDIR), "stat(lroot/tmp): an absolute link restarts at /");
	check(is_mode("ld/../f", 0, S_IFREG), "stat(ld/../f): .. of the link's target");
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(target, sizeof(target), i == 1 ? "d" : "c%d", i - 1);
		if (symlink(target, name))
			break;
	}
	check(is_mode("c40", 0, S_IFDIR), "40 symlinks in a row resolve");
	expect_err(stat("c41", &st), ELOOP, "41 symlinks in a row: ELOOP");
	expect_err(stat("c40/../c1", &st), ELOOP, "40 + 1 symlinks in one path: ELOOP");
}

static void test_dots_and_mounts(void)
{
	struct stat a, b;
	check(stat("/..", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino &&
		      a.st_dev == b.st_dev,
	      "/.. is /");
	check(stat("/tmp/..", &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	      "/tmp/.. is / (climbing out of a mount)");
	check(stat("d/./.././d/..", &a) == 0 && stat(".", &b) == 0 && a.st_ino == b.st_ino,
	      "d/./.././d/.. is .");
	check(stat("../../../../../../../..", &a) == 0 && stat("/", &b) == 0 &&
		      a.st_ino == b.st_ino,
	      ".. repeated past / stays at /");
	check(stat("//tmp///", &a) == 0 && S_ISDIR(a.st_mode), "stat(//tmp///)");
}

static void test_dirfds(void)
{
	struct stat st;
	int dfd = open("d", O_RDONLY | O_DIRECTORY), ffd = open("f", O_RDONLY);
	check(dfd >= 0 && ffd >= 0, "open(d) and open(f)");
	int fd = openat(dfd, "inside", O_RDWR | O_CREAT, 0600);
	check(fd >= 0 && is_mode("d/inside", 0, S_IFREG), "openat(dfd, inside, O_CREAT)");
	close(fd);
	expect_err(openat(ffd, "x", O_RDONLY), ENOTDIR, "openat(file fd, x)");
	expect_err(openat(99, "x", O_RDONLY), EBADF, "openat(99, x)");
	fd = openat(99, "/", O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "openat(99, /): an absolute path ignores the dirfd");
	close(fd);
	expect_ret(fstatat(ffd, "", &st, AT_EMPTY_PATH), 0,
		   "fstatat(file fd, \"\", AT_EMPTY_PATH)");
	check(S_ISREG(st.st_mode) && st.st_size == 5, "AT_EMPTY_PATH: the file, 5 bytes");
	expect_err(fstatat(ffd, "", &st, 0), ENOENT, "fstatat(file fd, \"\", 0)");
	expect_err(fstatat(AT_FDCWD, "", &st, 0), ENOENT, "fstatat(AT_FDCWD, \"\", 0)");
	expect_ret(fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH), 0,
		   "fstatat(AT_FDCWD, \"\", AT_EMPTY_PATH): the cwd");
	check(S_ISDIR(st.st_mode), "AT_EMPTY_PATH on AT_FDCWD: a directory");
	expect_ret(fstatat(dfd, "../lf", &st, AT_SYMLINK_NOFOLLOW), 0,
		   "fstatat(dfd, ../lf, AT_SYMLINK_NOFOLLOW)");
	check(S_ISLNK(st.st_mode), "AT_SYMLINK_NOFOLLOW: the link");
	expect_err(fstatat(dfd, "x", &st, 0x10000), EINVAL, "fstatat with a bad flag");

	int pfd = open("d", O_PATH);
	char c;
	expect_err(read(pfd, &c, 1), EBADF, "read(O_PATH fd)");
	expect_err(syscall(SYS_getdents64, pfd, &st, sizeof(st)), EBADF, "getdents64(O_PATH fd)");
	expect_ret(fstat(pfd, &st), 0, "fstat(O_PATH fd)");
	fd = openat(pfd, "inside", O_RDONLY);
	check(fd >= 0, "openat(O_PATH dir fd, inside)");
	close(fd);
	check((fcntl(pfd, F_GETFL) & O_PATH) != 0, "F_GETFL shows O_PATH");
	close(pfd);
	close(dfd);
	close(ffd);
}

static void test_long_names(void)
{
	static char name[5000];
	struct stat st;
	memset(name, 'n', 256);
	name[256] = 0;
	expect_err(stat(name, &st), ENAMETOOLONG, "stat(256-byte name)");
	expect_err(mkdir(name, 0755), ENAMETOOLONG, "mkdir(256-byte name)");
	expect_err(open(name, O_RDWR | O_CREAT, 0644), ENAMETOOLONG,
		   "open(256-byte name, O_CREAT)");
	name[255] = 0;
	expect_err(stat(name, &st), ENOENT, "stat(255-byte name)");
	expect_ret(mkdir(name, 0755), 0, "mkdir(255-byte name)");
	expect_ret(rmdir(name), 0, "rmdir(255-byte name)");
	for (int i = 0; i < 2046; i++)
		memcpy(name + 2 * i, "./", 2);
	strcpy(name + 4092, "f");
	expect_ret(stat(name, &st), 0, "stat(4093-byte path)");
	memset(name, '/', 4096);
	name[4096] = 0;
	expect_err(stat(name, &st), ENAMETOOLONG, "stat(4096-byte path)");
}

static long openat2(int dfd, const char *name, unsigned long long flags, unsigned long long resolve,
		    size_t size)
{
	struct open_how how = {.flags = flags, .resolve = resolve};
	return syscall(SYS_openat2, (long)dfd, name, &how, size);
}

static void test_openat2(void)
{
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	long fd = openat2(dfd, "inside", O_RDONLY, RESOLVE_BENEATH, sizeof(struct open_how));
	check(fd >= 0, "openat2(RESOLVE_BENEATH, inside)");
	close(fd);
	expect_err(openat2(dfd, "../f", O_RDONLY, RESOLVE_BENEATH, sizeof(struct open_how)), EXDEV,
		   "openat2(RESOLVE_BENEATH, ../f)");
	expect_err(openat2(dfd, "/", O_RDONLY, RESOLVE_BENEATH, sizeof(struct open_how)), EXDEV,
		   "openat2(RESOLVE_BENEATH, /)");
	fd = openat2(dfd, "/../inside", O_RDONLY, RESOLVE_IN_ROOT, sizeof(struct open_how));
	check(fd >= 0, "openat2(RESOLVE_IN_ROOT, /../inside): / and .. stay in the dirfd");
	close(fd);
	expect_err(openat2(AT_FDCWD, "lf", O_RDONLY, RESOLVE_NO_SYMLINKS, sizeof(struct open_how)),
		   ELOOP, "openat2(RESOLVE_NO_SYMLINKS, lf)");
	expect_err(openat2(AT_FDCWD, "f", O_RDONLY, 1ULL << 40, sizeof(struct open_how)), EINVAL,
		   "openat2(unknown RESOLVE flag)");
	expect_err(openat2(AT_FDCWD, "f", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT,
			   sizeof(struct open_how)),
		   EINVAL, "openat2(RESOLVE_BENEATH|RESOLVE_IN_ROOT)");
	expect_err(openat2(AT_FDCWD, "f", O_RDONLY, 0, 8), EINVAL, "openat2(size 8)");
	expect_err(openat2(AT_FDCWD, "f", 1ULL << 40, 0, sizeof(struct open_how)), EINVAL,
		   "openat2(unknown O_ flag)");
	struct open_how how = {.flags = O_RDONLY, .mode = 0644};
	expect_err(syscall(SYS_openat2, (long)AT_FDCWD, "f", &how, sizeof(how)), EINVAL,
		   "openat2(mode without O_CREAT)");
	close(dfd);
}

static void test_trailing_slashes(void)
{
	expect_ret(mkdir("nd/", 0755), 0, "mkdir(nd/)");
	expect_ret(rmdir("nd/"), 0, "rmdir(nd/)");
	expect_err(unlink("f/"), ENOTDIR, "unlink(f/)");
	expect_err(unlink("d"), EISDIR, "unlink(d)");
	expect_err(unlink("d/"), EISDIR, "unlink(d/)");
	expect_err(symlink("x", "nl/"), ENOENT, "symlink(x, nl/)");
	expect_err(symlink("x", "f/"), EEXIST, "symlink(x, f/)");
	expect_err(link("f", "nl/"), ENOENT, "link(f, nl/)");
	expect_err(rename("f", "g/"), ENOTDIR, "rename(f, g/)");
	expect_err(rename("f/", "g"), ENOTDIR, "rename(f/, g)");
	expect_err(mkdir("f/", 0755), EEXIST, "mkdir(f/)");
	expect_err(mkdir(".", 0755), EEXIST, "mkdir(.)");
	expect_err(mkdir("..", 0755), EEXIST, "mkdir(..)");
	expect_err(mkdir("/", 0755), EEXIST, "mkdir(/)");
}

int main(void)
{
	guest_start("fs_path");
	fs_test_enter("fs_path");
	setup();
	test_errors();
	test_symlinks();
	test_dots_and_mounts();
	test_dirfds();
	test_long_names();
	test_openat2();
	test_trailing_slashes();
	fs_test_leave();
	return guest_finish();
}
