// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: what every file system answers alike, whether or
 * not it keeps xattrs (the host's does, the sandbox's do not yet): the
 * errors for bad paths, descriptors, names, flags and sizes, and an empty
 * list on a fresh file.
 */
#include "fs_test.h"

#include <sys/xattr.h>

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

int main(void)
{
	guest_start("xattr");
	fs_test_enter("xattr");
	test_errors();
	fs_test_leave();
	return guest_finish();
}
