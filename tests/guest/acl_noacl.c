// SPDX-License-Identifier: Apache-2.0
/*
 * The ACL xattrs (system.posix_acl_access, system.posix_acl_default) on a
 * file system without ACLs: every get, set and remove is EOPNOTSUPP,
 * before the checks of the file (a default ACL of a non-directory:
 * EACCES), the caller (not the owner: EPERM) and the ACL (not valid:
 * EINVAL) that a file system with ACLs makes. Only a value that does not
 * decode is EINVAL first (Linux 6.2 decodes before it asks the file
 * system; 6.1 did so too for a file system with the ACL handlers, but a
 * file system without any xattr handler, such as ramfs, said EOPNOTSUPP
 * first: accepted on kernels before 6.2).
 *
 *   acl_noacl          on /proc (no ACLs natively or under runsk)
 *   acl_noacl ramfs    also on a file system of files: natively a ramfs
 *                      (as root, in a mount namespace of its own); under
 *                      runsk, which has none, a directory under the cwd,
 *                      a goferfs directory with `runsk do --overlay2=none`
 *                      (tests/integration/acl_noacl.sh runs it so)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>

#include "guest_test.h"

#define A "system.posix_acl_access"
#define D "system.posix_acl_default"

static bool before_6_2;
static char dir[256];

/* USER_OBJ rw, USER 1000 r, GROUP_OBJ r, MASK r, OTHER r: valid, more than a mode. */
static const uint8_t acl_named[] = {
	2,    0, 0, 0,			       /* version */
	0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* USER_OBJ */
	0x02, 0, 4, 0, 0xe8, 0x03, 0,	 0,    /* USER 1000 */
	0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* GROUP_OBJ */
	0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* MASK */
	0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* OTHER */
};
/* USER_OBJ rw, GROUP_OBJ r, OTHER r: what mode 0644 says. */
static const uint8_t acl_mode[] = {
	2,    0, 0, 0,			       /* version */
	0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* USER_OBJ */
	0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* GROUP_OBJ */
	0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* OTHER */
};
/* No OTHER entry: decodes, but is not valid. */
static const uint8_t acl_invalid[] = {
	2,    0, 0, 0,			       /* version */
	0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* USER_OBJ */
	0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* GROUP_OBJ */
};

static void no_acls(const char *file, const char *what)
{
	uint8_t b[256];
	printf("-- %s\n", what);
	expect_err(getxattr(file, A, b, sizeof(b)), EOPNOTSUPP, "get access ACL");
	expect_err(getxattr(file, A, NULL, 0), EOPNOTSUPP, "get access ACL size");
	expect_err(getxattr(file, D, b, sizeof(b)), EOPNOTSUPP, "get default ACL");
	expect_err(setxattr(file, A, acl_named, sizeof(acl_named), 0), EOPNOTSUPP,
		   "set access ACL");
	expect_err(setxattr(file, A, acl_mode, sizeof(acl_mode), 0), EOPNOTSUPP,
		   "set an access ACL the mode says");
	expect_err(setxattr(file, A, acl_invalid, sizeof(acl_invalid), 0), EOPNOTSUPP,
		   "set an invalid ACL (not EINVAL)");
	expect_err(setxattr(file, A, acl_named, sizeof(acl_named), XATTR_REPLACE), EOPNOTSUPP,
		   "set access ACL with XATTR_REPLACE");
	expect_err(setxattr(file, A, "", 0, 0), EOPNOTSUPP, "set an empty value");
	expect_err(removexattr(file, A), EOPNOTSUPP, "remove access ACL");
	expect_err(removexattr(file, D), EOPNOTSUPP, "remove default ACL");
	ssize_t n = listxattr(file, (char *)b, sizeof(b));
	bool listed = false;
	for (ssize_t i = 0; i < n; i += strlen((char *)b + i) + 1)
		listed |= !strncmp((char *)b + i, "system.posix_acl", 16);
	check(n >= 0 && !listed, "listxattr names no ACL");

	/* A value that does not decode. */
	errno = 0;
	int r = setxattr(file, A, acl_named, 6, 0);
	if (r < 0 && errno == EOPNOTSUPP && before_6_2)
		fprintf(stderr, "set a value of 6 bytes: EOPNOTSUPP (before 6.2)\n");
	else
		expect_err(r, EINVAL, "set a value of 6 bytes");
	if (r < 0 && errno == EOPNOTSUPP && before_6_2)
		printf("set a value of 6 bytes: EINVAL\n");
}

/* The checks that are EACCES, EPERM on a file system with ACLs (dirpath may be NULL). */
static void no_acls_checks(const char *file, const char *dirpath, const char *what)
{
	printf("-- %s\n", what);
	expect_err(setxattr(file, D, acl_named, sizeof(acl_named), 0), EOPNOTSUPP,
		   "set default ACL of a file (not EACCES)");
	if (dirpath)
		expect_err(setxattr(dirpath, D, acl_named, sizeof(acl_named), 0), EOPNOTSUPP,
			   "set default ACL of a directory");
	/* Not the owner, and without CAP_FOWNER: an fsuid not 0 drops it. */
	setfsuid(1000);
	expect_err(setxattr(file, A, acl_named, sizeof(acl_named), 0), EOPNOTSUPP,
		   "set access ACL as another user (not EPERM)");
	expect_err(removexattr(file, A), EOPNOTSUPP, "remove access ACL as another user");
	setfsuid(0);
}

/* A ramfs natively, else (under runsk) a directory under the cwd. */
static bool make_dir(void)
{
	char cwd[200];
	snprintf(dir, sizeof(dir), "/tmp/acl_noacl.%d", (int)getpid());
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mkdir(dir, 0755) == 0) {
		if (mount("ramfs", dir, "ramfs", 0, "mode=0755") == 0)
			return true;
		rmdir(dir);
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return false;
	snprintf(dir, sizeof(dir), "%s/acl_noacl.%d", cwd, (int)getpid());
	return mkdir(dir, 0755) == 0;
}

static void on_files(void)
{
	char file[300], sub[300], link[300];
	if (!make_dir()) {
		check(false, "no directory to test in: %s", guest_errno_name(errno));
		return;
	}
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0 && fchmod(fd, 0644) == 0 && close(fd) == 0, "make a file");
	check(mkdir(sub, 0755) == 0 && symlink("f", link) == 0, "make a directory and a symlink");

	if (getxattr(file, A, NULL, 0) >= 0 || errno != EOPNOTSUPP) {
		check(false, "the directory's file system keeps ACLs (run with --overlay2=none)");
	} else {
		no_acls(file, "a file");
		no_acls(sub, "a directory");
		no_acls_checks(file, sub, "a file and a directory: the other checks");
		printf("-- a symlink\n");
		expect_err(lsetxattr(link, A, acl_named, sizeof(acl_named), 0), EOPNOTSUPP,
			   "lsetxattr access ACL");
		expect_err(lgetxattr(link, A, NULL, 0), EOPNOTSUPP, "lgetxattr access ACL");
		struct stat st;
		check(stat(file, &st) == 0 && (st.st_mode & 07777) == 0644,
		      "the mode is as it was");
	}
	unlink(link);
	unlink(file);
	rmdir(sub);
	umount(dir); /* natively; the namespace goes with us anyway */
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct utsname u;
	int major = 0, minor = 0;
	guest_start("acl_noacl");
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2)
		before_6_2 = major < 6 || (major == 6 && minor < 2);

	/* /proc/self/comm is ours. (Linux 6.18 says EPERM for /proc/self itself.) */
	no_acls("/proc/self/comm", "/proc/self/comm");
	no_acls_checks("/proc/self/comm", NULL, "/proc/self/comm: the other checks");
	if (argc > 1 && !strcmp(argv[1], "ramfs"))
		on_files();
	return guest_finish();
}
