// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX ACLs through the raw xattrs system.posix_acl_access and
 * system.posix_acl_default (the binary format built here, no libacl), as
 * root on a tmpfs of its own (/tmp/guest-acl; natively in a mount
 * namespace of its own so the host's mounts stay as they are): the
 * format's errors, the mode mirroring, chmod's effect on the mask, the
 * permission check as other users (named user, named group, mask,
 * other), inheritance of a directory's default ACL, ownership (EPERM),
 * getxattr's sizes (size 0, ERANGE) and listxattr.
 *
 * Then, quietly, on the working directory (the overlay root under runsk,
 * whatever the host has natively): if it keeps ACLs, a new file and this
 * program's own file (a lower file under runsk: the change copies it up)
 * take one, honour it, and lose it again. One summary line either way.
 *
 * Linux 6.2 changed one thing we leave alone: an empty value (setxattr
 * with size 0) is a removal since, EINVAL before.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "guest_test.h"

#define BASE "/tmp/guest-acl"
#define A "system.posix_acl_access"
#define D "system.posix_acl_default"

#define USER_OBJ 0x01
#define USER 0x02
#define GROUP_OBJ 0x04
#define GROUP 0x08
#define MASK 0x10
#define OTHER 0x20
#define U 0xffffffffu

struct ent {
	uint16_t tag, perm;
	uint32_t id;
};

/* The value for n entries after a header of version ver; returns its size. */
static size_t acl(uint8_t *buf, uint32_t ver, const struct ent *e, size_t n)
{
	memcpy(buf, &ver, 4); /* x86-64: little-endian, as the format */
	for (size_t i = 0; i < n; i++)
		memcpy(buf + 4 + 8 * i, &e[i], 8);
	return 4 + 8 * n;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SET(path, name, ents, what)                                         \
	do {                                                                \
		uint8_t b_[256];                                            \
		size_t l_ = acl(b_, 2, ents, N(ents));                      \
		expect_ret(setxattr(path, name, b_, l_, 0), 0, "%s", what); \
	} while (0)
#define SET_ERR(path, name, ents, err, what)                                  \
	do {                                                                  \
		uint8_t b_[256];                                              \
		size_t l_ = acl(b_, 2, ents, N(ents));                        \
		expect_err(setxattr(path, name, b_, l_, 0), err, "%s", what); \
	} while (0)

static unsigned mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) ? 0 : st.st_mode;
}

/* The value of name on path as hex entries "tag:perm:id ..." (or the errno's name). */
static const char *show(const char *path, const char *name)
{
	static char s[512];
	uint8_t v[256];
	ssize_t n = getxattr(path, name, v, sizeof(v));
	if (n < 0)
		return errno == ENODATA ? "ENODATA" : guest_errno_name(errno);
	size_t len = snprintf(s, sizeof(s), "v%u", v[0]);
	for (ssize_t i = 4; i + 8 <= n && len < sizeof(s) - 32; i += 8) {
		struct ent e;
		memcpy(&e, v + i, 8);
		len += snprintf(s + len, sizeof(s) - len, " %x:%o:%d", e.tag, e.perm, (int)e.id);
	}
	return s;
}

static void expect_show(const char *path, const char *name, const char *want, const char *what)
{
	const char *got = show(path, name);
	if (!check(!strcmp(got, want), "%s = %s", what, want))
		printf("  got %s\n", got);
}

static void expect_mode(const char *path, unsigned want, const char *what)
{
	unsigned got = mode_of(path);
	if (!check(got == want, "%s mode %o", what, want))
		printf("  got %o\n", got);
}

/* Run fn in a child with these credentials; its failures count as ours. */
static void as_user(uid_t uid, gid_t gid, gid_t sup, void (*fn)(void), const char *what)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		gid_t groups[1] = {sup};
		if (setgroups(sup ? 1 : 0, groups) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid)) {
			printf("FAIL %s: cannot change credentials\n", what);
			_exit(1);
		}
		guest_failures = 0;
		fn();
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", what);
}

static const char *f = BASE "/f", *d = BASE "/d";

static void test_format_errors(void)
{
	uint8_t b[256];
	const struct ent min[] = {{USER_OBJ, 6, U}, {GROUP_OBJ, 4, U}, {OTHER, 0, U}};
	size_t len = acl(b, 2, min, N(min));

	expect_err(getxattr(f, A, b, sizeof(b)), ENODATA, "get access ACL of a plain file");
	expect_err(getxattr(f, D, b, sizeof(b)), ENODATA, "get default ACL of a file");
	expect_err(setxattr(f, A, b, 2, 0), EINVAL, "set a value shorter than the header");
	expect_err(setxattr(f, A, b, len + 3, 0), EINVAL, "set a value of part of an entry");
	acl(b, 1, min, N(min));
	expect_err(setxattr(f, A, b, len, 0), EOPNOTSUPP, "set version 1");
	const struct ent no_other[] = {{USER_OBJ, 6, U}, {GROUP_OBJ, 4, U}};
	SET_ERR(f, A, no_other, EINVAL, "set without OTHER");
	const struct ent no_mask[] = {
		{USER_OBJ, 6, U}, {USER, 4, 1000}, {GROUP_OBJ, 4, U}, {OTHER, 0, U}};
	SET_ERR(f, A, no_mask, EINVAL, "set a named user without MASK");
	const struct ent order[] = {{GROUP_OBJ, 4, U}, {USER_OBJ, 6, U}, {OTHER, 0, U}};
	SET_ERR(f, A, order, EINVAL, "set GROUP_OBJ before USER_OBJ");
	const struct ent two_masks[] = {{USER_OBJ, 6, U}, {USER, 4, 1000}, {GROUP_OBJ, 4, U},
					{MASK, 4, U},	  {MASK, 4, U},	   {OTHER, 0, U}};
	SET_ERR(f, A, two_masks, EINVAL, "set two MASKs");
	const struct ent perm[] = {{USER_OBJ, 8, U}, {GROUP_OBJ, 4, U}, {OTHER, 0, U}};
	SET_ERR(f, A, perm, EINVAL, "set a perm beyond rwx");
	const struct ent tag[] = {{USER_OBJ, 6, U}, {0x40, 4, U}, {OTHER, 0, U}};
	SET_ERR(f, A, tag, EINVAL, "set an unknown tag");
	const struct ent bad_id[] = {
		{USER_OBJ, 6, U}, {USER, 4, U}, {GROUP_OBJ, 4, U}, {MASK, 4, U}, {OTHER, 0, U}};
	SET_ERR(f, A, bad_id, EINVAL, "set a named user of id -1");
	SET_ERR(f, D, min, EACCES, "set a default ACL on a file");
	acl(b, 2, min, 0);
	expect_ret(setxattr(f, D, b, 4, 0), 0, "set a header-only default ACL on a file");
	expect_err(setxattr(f, "system.foo", "1", 1, 0), EOPNOTSUPP, "set system.foo");
	symlink("f", BASE "/l");
	expect_err(lgetxattr(BASE "/l", A, b, sizeof(b)), EOPNOTSUPP, "lgetxattr ACL of a symlink");
	expect_err(lsetxattr(BASE "/l", A, b, len, 0), EOPNOTSUPP, "lsetxattr ACL of a symlink");
}

static void test_mirroring(void)
{
	/* Ids of unnamed entries are ignored and read back as -1. */
	const struct ent min[] = {{USER_OBJ, 7, 5}, {GROUP_OBJ, 4, 6}, {OTHER, 1, 7}};
	SET(f, A, min, "set an ACL the mode can say");
	expect_mode(f, S_IFREG | 0741, "after it");
	expect_show(f, A, "ENODATA", "and it is not stored:");
	expect_ret(listxattr(f, NULL, 0), 0, "listxattr of it");

	const struct ent full[] = {{USER_OBJ, 6, 5}, {USER, 6, 1000}, {GROUP_OBJ, 4, 6},
				   {GROUP, 6, 2000}, {MASK, 6, 9},    {OTHER, 0, 7}};
	SET(f, A, full, "set named user, named group and mask");
	expect_mode(f, S_IFREG | 0660, "after it");
	expect_show(f, A, "v2 1:6:-1 2:6:1000 4:4:-1 8:6:2000 10:6:-1 20:0:-1", "it reads back");
	expect_ret(getxattr(f, A, NULL, 0), 52, "getxattr size 0");
	char small[16];
	expect_err(getxattr(f, A, small, sizeof(small)), ERANGE, "getxattr into 16 bytes");
	char list[128];
	expect_ret(listxattr(f, list, sizeof(list)), sizeof(A), "listxattr");
	check(!strcmp(list, A), "it lists %s", A);
	/* XATTR_CREATE and XATTR_REPLACE mean nothing to ACLs. */
	uint8_t b[256];
	size_t len = acl(b, 2, full, N(full));
	expect_ret(setxattr(f, A, b, len, XATTR_CREATE), 0, "set again with XATTR_CREATE");
}

static void named_user_rw(void)
{
	expect_ret(access(f, R_OK | W_OK), 0, "uid 1000 (named rw-): access R_OK|W_OK");
	int fd = open(f, O_RDWR);
	check(fd >= 0, "uid 1000: open O_RDWR");
	close(fd);
	expect_err(access(f, X_OK), EACCES, "uid 1000: access X_OK");
	const struct ent min[] = {{USER_OBJ, 7, U}, {GROUP_OBJ, 7, U}, {OTHER, 7, U}};
	SET_ERR(f, A, min, EPERM, "uid 1000: set an ACL on another's file");
}

static void named_group_rw(void)
{
	expect_ret(access(f, W_OK), 0, "gid 2000 (named group rw-): access W_OK");
	expect_ret(access(f, R_OK), 0, "gid 2000: access R_OK");
}

static void owning_group_r(void)
{
	expect_ret(access(f, R_OK), 0, "owning group (r--): access R_OK");
	expect_err(access(f, W_OK), EACCES, "owning group: access W_OK");
}

static void other_none(void)
{
	expect_err(open(f, O_RDONLY), EACCES, "other (---): open O_RDONLY");
	expect_ret(getxattr(f, A, NULL, 0), 52, "other: getxattr size 0");
	expect_err(removexattr(f, A), EPERM, "other: removexattr");
}

static void named_user_masked_r(void)
{
	expect_ret(access(f, R_OK), 0, "after chmod 640, uid 1000: access R_OK");
	expect_err(access(f, W_OK), EACCES, "after chmod 640, uid 1000: access W_OK (mask r--)");
}

/* Linux asks the ACL only when the mode has group bits: 604 gives other's r--. */
static void named_user_no_group_bits(void)
{
	expect_ret(access(f, R_OK), 0, "after chmod 604, uid 1000: access R_OK (other's bits)");
	expect_err(access(f, W_OK), EACCES, "after chmod 604, uid 1000: access W_OK");
}

static void test_permission(void)
{
	as_user(1000, 1000, 0, named_user_rw, "as uid 1000");
	as_user(1001, 1001, 2000, named_group_rw, "as uid 1001 in group 2000");
	as_user(1002, 1002, 50, owning_group_r, "as uid 1002 in group 50");
	as_user(1003, 1003, 0, other_none, "as uid 1003");

	expect_ret(chmod(f, 0640), 0, "chmod 640");
	expect_show(f, A, "v2 1:6:-1 2:6:1000 4:4:-1 8:6:2000 10:4:-1 20:0:-1", "the mask follows");
	as_user(1000, 1000, 0, named_user_masked_r, "as uid 1000 again");
	expect_ret(chmod(f, 0604), 0, "chmod 604");
	expect_show(f, A, "v2 1:6:-1 2:6:1000 4:4:-1 8:6:2000 10:0:-1 20:4:-1",
		    "mask and other follow");
	as_user(1000, 1000, 0, named_user_no_group_bits, "as uid 1000 once more");

	expect_ret(removexattr(f, A), 0, "removexattr");
	expect_mode(f, S_IFREG | 0604, "after it");
	expect_show(f, A, "ENODATA", "then");
	expect_ret(removexattr(f, A), 0, "removexattr again");
}

static void set_own_acl(void)
{
	const struct ent a[] = {
		{USER_OBJ, 6, U}, {USER, 4, 1000}, {GROUP_OBJ, 4, U}, {MASK, 5, U}, {OTHER, 0, U}};
	SET(BASE "/g", A, a, "uid 1000 sets an ACL on its set-group-ID file of group 50");
}

static void test_setgid(void)
{
	int fd = open(BASE "/g", O_CREAT | O_WRONLY, 0600);
	close(fd);
	chown(BASE "/g", 1000, 50);
	chmod(BASE "/g", 02750);
	as_user(1000, 1000, 0, set_own_acl, "as uid 1000 outside group 50");
	expect_mode(BASE "/g", S_IFREG | 0650, "set-group-ID dropped,");
}

static void test_inheritance(void)
{
	const struct ent def[] = {
		{USER_OBJ, 7, U}, {GROUP_OBJ, 5, U}, {GROUP, 5, 2000}, {MASK, 7, U}, {OTHER, 5, U}};
	SET(d, D, def, "set a default ACL on a directory");
	expect_show(d, D, "v2 1:7:-1 4:5:-1 8:5:2000 10:7:-1 20:5:-1", "it reads back");
	expect_show(d, A, "ENODATA", "the directory's own ACL");
	umask(077);
	int fd = open(BASE "/d/n", O_CREAT | O_WRONLY, 0666);
	close(fd);
	expect_mode(BASE "/d/n", S_IFREG | 0664, "a new file 666 under umask 077");
	expect_show(BASE "/d/n", A, "v2 1:6:-1 4:5:-1 8:5:2000 10:6:-1 20:4:-1", "its ACL");
	expect_show(BASE "/d/n", D, "ENODATA", "its default ACL");
	expect_ret(mkdir(BASE "/d/s", 0777), 0, "mkdir 777");
	expect_mode(BASE "/d/s", S_IFDIR | 0775, "the new directory");
	expect_show(BASE "/d/s", A, "v2 1:7:-1 4:5:-1 8:5:2000 10:7:-1 20:5:-1", "its ACL");
	expect_show(BASE "/d/s", D, "v2 1:7:-1 4:5:-1 8:5:2000 10:7:-1 20:5:-1", "its default ACL");
	expect_ret(mknod(BASE "/d/p", S_IFIFO | 0600, 0), 0, "mknod a fifo 600");
	expect_mode(BASE "/d/p", S_IFIFO | 0600, "the fifo");
	expect_show(BASE "/d/p", A, "v2 1:6:-1 4:5:-1 8:5:2000 10:0:-1 20:0:-1", "its ACL");
	expect_ret(symlink("n", BASE "/d/l"), 0, "symlink");
	expect_mode(BASE "/d/l", S_IFLNK | 0777, "the symlink");

	const struct ent min[] = {{USER_OBJ, 7, U}, {GROUP_OBJ, 0, U}, {OTHER, 0, U}};
	SET(d, D, min, "set a default ACL the mode could say");
	expect_show(d, D, "v2 1:7:-1 4:0:-1 20:0:-1", "it is kept");
	umask(0);
	fd = open(BASE "/d/m", O_CREAT | O_WRONLY, 0666);
	close(fd);
	expect_mode(BASE "/d/m", S_IFREG | 0600, "a new file 666 under umask 0");
	expect_show(BASE "/d/m", A, "ENODATA", "its ACL");
	expect_ret(removexattr(d, D), 0, "remove the default ACL");
	umask(022);
	fd = open(BASE "/d/o", O_CREAT | O_WRONLY, 0666);
	close(fd);
	expect_mode(BASE "/d/o", S_IFREG | 0644, "then a new file 666 under umask 022");
}

/* The working directory's file system, if it keeps ACLs: one summary line. */
static void test_cwd(const char *self)
{
	const struct ent a[] = {
		{USER_OBJ, 7, U}, {USER, 5, 1000}, {GROUP_OBJ, 5, U}, {MASK, 5, U}, {OTHER, 5, U}};
	uint8_t b[256];
	size_t len = acl(b, 2, a, N(a));
	char name[64]; /* the working directory is shared with other tests */
	snprintf(name, sizeof(name), "acl-test-file.%d", (int)getpid());
	unlink(name);
	int fd = open(name, O_CREAT | O_WRONLY, 0755);
	close(fd);
	bool keeps = setxattr(name, A, b, len, 0) == 0;
	/* Not compared (stderr), but says which way this run went. */
	fprintf(stderr, "acl: the working directory %s ACLs\n", keeps ? "keeps" : "does not keep");
	int failures = guest_failures;
	guest_quiet = true;
	if (keeps) {
		expect_show(name, A, "v2 1:7:-1 2:5:1000 4:5:-1 10:5:-1 20:5:-1", "new file's ACL");
		struct stat st;
		stat(self, &st);
		/* Under runsk's overlay: a file of the image (lower), not copied up yet. */
		expect_err(getxattr(self, A, NULL, 0), ENODATA, "this program has no ACL");
		expect_ret(setxattr(self, A, b, len, 0), 0, "set an ACL on this program");
		expect_show(self, A, "v2 1:7:-1 2:5:1000 4:5:-1 10:5:-1 20:5:-1", "its ACL");
		expect_ret(chmod(self, 0700), 0, "chmod 700 of it");
		expect_show(self, A, "v2 1:7:-1 2:5:1000 4:5:-1 10:0:-1 20:0:-1", "its ACL after");
		expect_ret(removexattr(self, A), 0, "remove it");
		expect_ret(chmod(self, st.st_mode & 07777), 0, "chmod it back");
	}
	guest_quiet = false;
	unlink(name);
	check(guest_failures == failures, "working directory: ACLs as its file system keeps them");
}

int main(int argc, char **argv)
{
	(void)argc;
	guest_start("acl");
	/*
	 * A mount namespace of our own, all private, so the host's mounts stay
	 * as they are; and a /tmp of our own in it, so that the glibc and musl
	 * builds of this test, run at once, do not share BASE.
	 */
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		(void)mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	mkdir(BASE, 0755);
	if (!expect_ret(mount("tmpfs", BASE, "tmpfs", 0, "mode=755"), 0, "mount a tmpfs"))
		return guest_finish();
	int fd = open(f, O_CREAT | O_WRONLY, 0640);
	close(fd);
	chmod(f, 0640);
	chown(f, 0, 50);
	mkdir(d, 0755);
	chmod(d, 0755);

	test_format_errors();
	test_mirroring();
	test_permission();
	test_setgid();
	test_inheritance();
	expect_ret(umount2(BASE, MNT_DETACH), 0, "umount the tmpfs");
	rmdir(BASE);
	test_cwd(argv[0]);
	return guest_finish();
}
