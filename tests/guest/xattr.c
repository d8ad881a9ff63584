// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: the {,l,f}{set,get,list,remove}xattr family on a
 * tmpfs directory (/dev/shm, else /tmp) and on one in the working
 * directory (the overlay root under runsk), and on this program's own
 * file there (a lower file under runsk: a change copies it up).
 *
 * Which namespaces a file system keeps differs between kernels (tmpfs
 * keeps user.* only since Linux 6.6) and file systems, so each group of
 * checks first asks whether the namespace is kept; if not the group is
 * skipped, and the groups run quietly (guest_quiet): a run prints the
 * same summary lines whatever the file system, and a FAIL line for any
 * check that goes differently. The argument checks Linux makes before
 * any file system is asked print their own lines, as do those of a fresh
 * directory under /tmp (fs_test.h), where every file system answers alike.
 */
#include "fs_test.h"

#include <stdint.h>
#include <sys/xattr.h>
#include <time.h>

static char dir[256], file[300], sub[300], link_[300], fifo[300];

/* ENODATA is not in guest_errno_name's table: compare by value. */
static bool expect_nodata(long ret, const char *what)
{
	return expect_err(ret, ENODATA, "%s", what);
}

/* Does the file system at path keep names of namespace ns ("user.")? */
static bool keeps(const char *path, const char *ns)
{
	char name[64];
	snprintf(name, sizeof(name), "%sprobe", ns);
	if (lsetxattr(path, name, "1", 1, 0))
		return false;
	lremovexattr(path, name);
	return true;
}

/* The user.* names in path's list, NUL-joined, in the list's order. */
static long user_names(const char *path, char *out, size_t size)
{
	char buf[4096];
	ssize_t n = llistxattr(path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	size_t len = 0;
	for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "user.", 5) && len + strlen(buf + i) + 1 < size) {
			strcpy(out + len, buf + i);
			len += strlen(buf + i) + 1;
		}
	return len;
}

static void make_files(const char *base)
{
	snprintf(dir, sizeof(dir), "%s/xattr-test-XXXXXX", base);
	if (!mkdtemp(dir)) {
		dir[0] = 0;
		return;
	}
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(sub, sizeof(sub), "%s/d", dir);
	snprintf(link_, sizeof(link_), "%s/l", dir);
	snprintf(fifo, sizeof(fifo), "%s/p", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0644);
	close(fd);
	mkdir(sub, 0755);
	symlink("f", link_);
	mkfifo(fifo, 0644);
}

static void remove_files(void)
{
	unlink(file);
	rmdir(sub);
	unlink(link_);
	unlink(fifo);
	rmdir(dir);
}

static void user_values(void)
{
	char buf[64] = {0};
	expect_ret(setxattr(file, "user.a", "v1", 2, 0), 0, "set user.a");
	expect_ret(getxattr(file, "user.a", NULL, 0), 2, "get user.a size 0: its length");
	expect_err(getxattr(file, "user.a", buf, 1), ERANGE, "get user.a into 1 byte");
	expect_ret(getxattr(file, "user.a", buf, sizeof(buf)), 2, "get user.a");
	check(!memcmp(buf, "v1", 2), "user.a is v1");
	expect_err(setxattr(file, "user.a", "x", 1, XATTR_CREATE), EEXIST, "XATTR_CREATE of it");
	expect_nodata(setxattr(file, "user.b", "x", 1, XATTR_REPLACE), "XATTR_REPLACE of none");
	expect_ret(setxattr(file, "user.a", "v22", 3, XATTR_REPLACE), 0, "XATTR_REPLACE of it");
	expect_ret(getxattr(file, "user.a", buf, sizeof(buf)), 3, "get the new value");
	check(!memcmp(buf, "v22", 3), "user.a is v22");
	expect_ret(setxattr(file, "user.empty", "", 0, 0), 0, "set an empty value");
	expect_ret(getxattr(file, "user.empty", buf, sizeof(buf)), 0, "get it: 0 bytes");

	char names[256];
	long n = user_names(file, names, sizeof(names));
	/* In any order: Linux's tmpfs keeps them in a tree. */
	bool both = n == 18 && ((!strcmp(names, "user.a") && !strcmp(names + 7, "user.empty")) ||
				(!strcmp(names, "user.empty") && !strcmp(names + 11, "user.a")));
	check(both, "list: user.a, user.empty");
	ssize_t all = listxattr(file, NULL, 0);
	check(all >= 18, "list size 0: its length");
	expect_err(listxattr(file, buf, 1), ERANGE, "list into 1 byte");
	expect_ret(removexattr(file, "user.a"), 0, "remove user.a");
	expect_nodata(removexattr(file, "user.a"), "remove it again");
	expect_nodata(getxattr(file, "user.a", buf, sizeof(buf)), "get it");
	expect_ret(removexattr(file, "user.empty"), 0, "remove user.empty");

	expect_err(setxattr(file, "user.", "x", 1, 0), EINVAL, "set user. (no name after)");
	expect_err(setxattr(file, "other.x", "x", 1, 0), EOPNOTSUPP, "set other.x");
	expect_err(getxattr(file, "other.x", buf, 4), EOPNOTSUPP, "get other.x");
	expect_err(getxattr(file, (char *)1, buf, 4), EFAULT, "get with a bad name");

	expect_ret(setxattr(file, "user.big", buf, 64, 0), 0, "set user.big");
	expect_err(syscall(SYS_getxattr, file, "user.big", (void *)1L, 64L), EFAULT,
		   "get into a bad buffer");
	expect_ret(removexattr(file, "user.big"), 0, "remove user.big");
}

static void user_kinds(void)
{
	char buf[8];
	expect_ret(setxattr(sub, "user.d", "1", 1, 0), 0, "set user.d on a directory");
	expect_ret(getxattr(sub, "user.d", buf, 8), 1, "get it");
	expect_err(lsetxattr(link_, "user.x", "1", 1, 0), EPERM, "lsetxattr user.x on a symlink");
	expect_nodata(lgetxattr(link_, "user.x", buf, 8), "lgetxattr user.x on a symlink");
	expect_ret(setxattr(link_, "user.x", "1", 1, 0), 0, "setxattr through a symlink");
	expect_ret(getxattr(file, "user.x", buf, 8), 1, "...sets its target's");
	expect_err(setxattr(fifo, "user.x", "1", 1, 0), EPERM, "set user.x on a fifo");
	expect_nodata(getxattr(fifo, "user.x", buf, 8), "get user.x on a fifo");
	removexattr(file, "user.x");
	removexattr(sub, "user.d");

	/* By descriptor: opened for reading is enough, O_PATH is not. */
	int fd = open(file, O_RDONLY);
	expect_ret(fsetxattr(fd, "user.fd", "1", 1, 0), 0, "fsetxattr on an O_RDONLY fd");
	expect_ret(fgetxattr(fd, "user.fd", buf, 8), 1, "fgetxattr");
	check(flistxattr(fd, NULL, 0) > 0, "flistxattr");
	expect_ret(fremovexattr(fd, "user.fd"), 0, "fremovexattr");
	close(fd);

	/* Set and remove change ctime. */
	struct stat a, b;
	struct timespec ts = {0, 30 * 1000 * 1000};
	stat(file, &a);
	nanosleep(&ts, NULL);
	setxattr(file, "user.t", "1", 1, 0);
	stat(file, &b);
	check(b.st_ctim.tv_sec != a.st_ctim.tv_sec || b.st_ctim.tv_nsec != a.st_ctim.tv_nsec,
	      "set changes ctime");
	nanosleep(&ts, NULL);
	removexattr(file, "user.t");
	stat(file, &a);
	check(b.st_ctim.tv_sec != a.st_ctim.tv_sec || b.st_ctim.tv_nsec != a.st_ctim.tv_nsec,
	      "remove changes ctime");
	check(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
	      "...not mtime");
}

/* As nobody: the data's permissions, sticky directories, the privileged namespaces. */
static void unprivileged(bool user, bool trusted)
{
	char buf[8];
	char priv[300];
	snprintf(priv, sizeof(priv), "%s/private", dir);
	int fd = open(priv, O_CREAT | O_WRONLY, 0600);
	close(fd);
	chmod(dir, 01777);
	if (user) {
		setxattr(file, "user.r", "1", 1, 0);
		setxattr(priv, "user.r", "1", 1, 0);
	}
	if (trusted)
		setxattr(file, "trusted.t", "1", 1, 0);

	int failures = guest_failures;
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (user) {
			expect_ret(getxattr(file, "user.r", buf, 8), 1,
				   "nobody: get user.r of 0644");
			expect_err(setxattr(file, "user.w", "1", 1, 0), EACCES,
				   "nobody: set user.w on 0644 root's");
			expect_err(removexattr(file, "user.r"), EACCES, "nobody: remove user.r");
			expect_err(getxattr(priv, "user.r", buf, 8), EACCES,
				   "nobody: get user.r of 0600 root's");
			expect_err(setxattr(dir, "user.w", "1", 1, 0), EPERM,
				   "nobody: set user.w on a sticky 1777 directory");
		}
		if (trusted) {
			expect_nodata(getxattr(file, "trusted.t", buf, 8), "nobody: get trusted.t");
			expect_err(setxattr(file, "trusted.u", "1", 1, 0), EPERM,
				   "nobody: set trusted.u");
			char names[256];
			ssize_t n = listxattr(file, names, sizeof(names));
			bool seen = false;
			for (ssize_t i = 0; i < n; i += strlen(names + i) + 1)
				seen |= !strncmp(names + i, "trusted.", 8);
			check(n >= 0 && !seen, "nobody: list hides trusted.*");
		}
		/*
		 * Not security.x, which needs CAP_SYS_ADMIN: kernels with the
		 * BPF LSM on (the 6.1 of tests/hwkvm) let anyone set it, as
		 * its default hook there skips commoncap's check.
		 */
		_exit(guest_failures != failures);
	}
	guest_expect_child(pid, "exit 0", "unprivileged checks");
	chmod(dir, 0700);
	removexattr(file, "user.r");
	removexattr(file, "trusted.t");
	unlink(priv);
}

static void trusted_ns(void)
{
	char buf[8];
	expect_ret(setxattr(file, "trusted.t", "tv", 2, 0), 0, "root: set trusted.t");
	expect_ret(getxattr(file, "trusted.t", buf, 8), 2, "root: get it");
	ssize_t n = listxattr(file, buf, 0);
	check(n >= 10, "root: list shows it");
	expect_ret(removexattr(file, "trusted.t"), 0, "root: remove it");
	expect_err(setxattr(file, "trusted.", "x", 1, 0), EINVAL, "set trusted.");
}

/* Linux's vfs_cap_data, revision 2 and 3. */
static void security_ns(void)
{
	uint32_t v2[5] = {0x02000001, 1u << 10, 0, 0, 0};
	uint32_t v3[6] = {0x03000001, 1u << 10, 0, 0, 0, 0};
	uint32_t v1[3] = {0x01000000, 1u << 10, 0};
	uint32_t v2long[6] = {0x02000001, 1u << 10, 0, 0, 0, 0};
	uint32_t got[6];

	expect_err(setxattr(file, "security.capability", v2, 3, 0), EINVAL,
		   "security.capability: 3 bytes");
	expect_err(setxattr(file, "security.capability", v1, sizeof(v1), 0), EINVAL,
		   "security.capability: revision 1");
	expect_err(setxattr(file, "security.capability", v2long, 24, 0), EINVAL,
		   "security.capability: revision 2 with 24 bytes");
	expect_ret(setxattr(file, "security.capability", v2, sizeof(v2), 0), 0,
		   "security.capability: revision 2");
	expect_ret(getxattr(file, "security.capability", got, sizeof(got)), 20, "get it back");
	check(!memcmp(got, v2, sizeof(v2)), "...as set");
	expect_ret(setxattr(file, "security.capability", v3, sizeof(v3), 0), 0,
		   "security.capability: revision 3, root 0");
	expect_ret(getxattr(file, "security.capability", got, sizeof(got)), 20,
		   "get it back: revision 2 (our root)");
	check(got[0] == 0x02000001 && got[1] == 1u << 10, "...with its bits");
	expect_ret(getxattr(file, "security.capability", NULL, 0), 20, "its size: 20");
	expect_ret(removexattr(file, "security.capability"), 0, "remove it");
	expect_ret(setxattr(file, "security.x", "1", 1, 0), 0, "root: set security.x");
	expect_ret(removexattr(file, "security.x"), 0, "root: remove security.x");
}

/* The checks of one directory, each group only where the file system keeps it. */
static void run_in(const char *base, const char *label)
{
	make_files(base);
	if (!dir[0]) {
		printf("%s: no directory\n", label);
		return;
	}
	bool user = keeps(file, "user."), trusted = keeps(file, "trusted.");
	bool security = keeps(file, "security.");
	guest_quiet = !getenv("XATTR_VERBOSE"); /* set: show what ran */
	if (user) {
		user_values();
		user_kinds();
	}
	if (trusted)
		trusted_ns();
	if (security)
		security_ns();
	if (getuid() == 0)
		unprivileged(user, trusted);
	guest_quiet = false;
	remove_files();
	printf("%s: checks done\n", label);
}

/* This program's own file: under runsk a lower file of the overlay, copied up by a change. */
static void own_file(const char *self)
{
	struct stat a, b;
	char buf[8];
	int fd = open(self, O_RDONLY);
	if (fd < 0 || fstat(fd, &a) || !keeps(self, "user.")) {
		printf("own file: checks done\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	guest_quiet = !getenv("XATTR_VERBOSE"); /* set: show what ran */
	expect_nodata(getxattr(self, "user.own", buf, 8), "own file: get user.own");
	expect_ret(setxattr(self, "user.own", "1", 1, 0), 0, "own file: set user.own");
	expect_ret(getxattr(self, "user.own", buf, 8), 1, "own file: get it");
	expect_ret(fgetxattr(fd, "user.own", buf, 8), 1, "own file: through a fd opened before");
	stat(self, &b);
	check(a.st_ino == b.st_ino && a.st_size == b.st_size, "own file: same ino and size");
	char elf[4];
	check(pread(fd, elf, 4, 0) == 4 && !memcmp(elf, "\177ELF", 4), "own file: data intact");
	expect_ret(removexattr(self, "user.own"), 0, "own file: remove it");
	guest_quiet = false;
	close(fd);
	printf("own file: checks done\n");
}

static void argument_checks(void)
{
	char big[300], buf[8];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "user.", 5);
	big[sizeof(big) - 1] = 0;
	expect_err(setxattr(".", "user.x", "1", 1, 4), EINVAL, "set with flags 4");
	expect_err(setxattr(".", "", "1", 1, 0), ERANGE, "set an empty name");
	expect_err(setxattr(".", big, "1", 1, 0), ERANGE, "set a 299-byte name");
	expect_err(getxattr(".", big, buf, 8), ERANGE, "get a 299-byte name");
	expect_err(removexattr(".", ""), ERANGE, "remove an empty name");
	expect_err(syscall(SYS_setxattr, ".", "user.x", (void *)1L, 4L, 0L), EFAULT,
		   "set from a bad pointer");
	expect_err(getxattr("/nonexistent/x", "user.x", buf, 8), ENOENT, "get on a missing path");
	expect_err(listxattr("/nonexistent/x", buf, 8), ENOENT, "list on a missing path");
	expect_err(fgetxattr(-1, "user.x", buf, 8), EBADF, "fgetxattr(-1)");
	expect_err(flistxattr(1000, buf, 8), EBADF, "flistxattr(1000)");
	int fd = open(".", O_PATH);
	expect_err(fsetxattr(fd, "user.x", "1", 1, 0), EBADF, "fsetxattr on O_PATH");
	expect_err(fgetxattr(fd, "user.x", buf, 8), EBADF, "fgetxattr on O_PATH");
	expect_err(flistxattr(fd, buf, 8), EBADF, "flistxattr on O_PATH");
	expect_err(fremovexattr(fd, "user.x"), EBADF, "fremovexattr on O_PATH");
	close(fd);
	int p[2];
	if (pipe(p) == 0) {
		check(flistxattr(p[0], buf, 8) >= 0, "flistxattr of a pipe");
		close(p[0]);
		close(p[1]);
	}
}

static void test_errors(void)
{
	char big[300], buf[64];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "user.", 5);
	big[sizeof(big) - 1] = 0;

	check(fs_put("f", "x") == 0 && symlink("missing", "dangling") == 0,
	      "make f, dangling -> missing");
	expect_err(getxattr("nope", "user.a", buf, sizeof(buf)), ENOENT, "getxattr(missing file)");
	expect_err(lgetxattr("nope/x", "user.a", buf, sizeof(buf)), ENOENT,
		   "lgetxattr(missing directory)");
	expect_err(getxattr("dangling", "user.a", buf, sizeof(buf)), ENOENT,
		   "getxattr follows a dangling link");
	expect_err(fgetxattr(-1, "user.a", buf, sizeof(buf)), EBADF, "fgetxattr(-1)");
	expect_err(fgetxattr(999, "user.a", buf, sizeof(buf)), EBADF, "fgetxattr(999)");
	expect_err(getxattr("f", "", buf, sizeof(buf)), ERANGE, "getxattr(empty name)");
	expect_err(getxattr("f", big, buf, sizeof(buf)), ERANGE, "getxattr(name over 255)");
	expect_err(removexattr("f", ""), ERANGE, "removexattr(empty name)");
	expect_err(setxattr("f", "user.a", "v", 1, 4), EINVAL, "setxattr(bad flags)");
	static char huge[65537];
	expect_err(setxattr("f", "user.a", huge, sizeof(huge), 0), E2BIG, "setxattr(65537 bytes)");
	expect_err(syscall(SYS_getxattr, "f", (void *)8L, buf, sizeof(buf)), EFAULT,
		   "getxattr(bad name pointer)");
	expect_err(syscall(SYS_getxattr, (void *)8L, "user.a", buf, sizeof(buf)), EFAULT,
		   "getxattr(bad path pointer)");
	expect_ret(listxattr("f", buf, sizeof(buf)), 0, "listxattr(fresh file): empty");
	expect_ret(llistxattr("dangling", NULL, 0), 0, "llistxattr(link): empty");
	int fd = open("f", O_RDONLY);
	expect_ret(flistxattr(fd, buf, sizeof(buf)), 0, "flistxattr(fresh file): empty");
	close(fd);
	expect_err(listxattr("nope", buf, sizeof(buf)), ENOENT, "listxattr(missing)");
}

int main(int argc, char **argv)
{
	guest_start("xattr");
	(void)argc;
	argument_checks();
	struct stat st;
	run_in(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp", "tmpfs");
	run_in(".", "working directory");
	own_file(argv[0]);
	fs_test_enter("xattr");
	test_errors();
	fs_test_leave();
	return guest_finish();
}
