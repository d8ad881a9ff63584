// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs extended attributes (sentry/vfs/goferfs/xattr.c) against a real
 * gofer on a scratch tree: user.* both ways, the host's other namespaces
 * out of reach, empty values refused rather than removed, read-only
 * mounts, and security.capability read once for execve.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "goferfs_harness.h"
#include "sentry/vfs/xattr.h"

static int vset(const struct vfs_ctx *ctx, const char *name, const char *attr, const void *value,
		size_t size)
{
	struct path p;
	int ret = vfs_lookup(ctx, name, 0, &p);
	if (ret)
		return ret;
	ret = value ? vfs_setxattr(&p, attr, value, size, 0, ctx->cred)
		    : vfs_removexattr(&p, attr, ctx->cred);
	path_put(&p);
	return ret;
}

static ssize_t vget(const struct vfs_ctx *ctx, const char *name, const char *attr, void *buf,
		    size_t size)
{
	struct path p;
	int ret = vfs_lookup(ctx, name, 0, &p);
	if (ret)
		return ret;
	ssize_t n = vfs_getxattr(&p, attr, buf, size, ctx->cred);
	path_put(&p);
	return n;
}

static ssize_t vlist(const struct vfs_ctx *ctx, const char *name, char *buf, size_t size)
{
	struct path p;
	int ret = vfs_lookup(ctx, name, 0, &p);
	if (ret)
		return ret;
	ssize_t n = vfs_listxattr(&p, buf, size, ctx->cred);
	path_put(&p);
	return n;
}

static void test_goferfs_xattr_user(void **state)
{
	char buf[64];

	host_write("x.txt", "x");
	if (setxattr(host_path("x.txt"), "user.probe", "1", 1, 0)) {
		print_message("    the scratch file system keeps no user.* xattrs: skipped\n");
		skip();
	}
	removexattr(host_path("x.txt"), "user.probe");
	assert_int_equal(vset(&env.ctx, "x.txt", "user.a", "v1", 2), 0);
	assert_int_equal(getxattr(host_path("x.txt"), "user.a", buf, sizeof(buf)), 2);
	assert_int_equal(vget(&env.ctx, "x.txt", "user.a", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "v1", 2);
	assert_int_equal(vget(&env.ctx, "x.txt", "user.a", buf, 1), -ERANGE);
	assert_int_equal(vget(&env.ctx, "x.txt", "user.a", NULL, 0), 2);
	assert_int_equal(vget(&env.ctx, "x.txt", "user.b", buf, sizeof(buf)), -ENODATA);
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "x.txt", 0, &p), 0);
	assert_int_equal(vfs_setxattr(&p, "user.a", "z", 1, LINUX_XATTR_CREATE, &root_cred),
			 -EEXIST);
	assert_int_equal(vfs_setxattr(&p, "user.b", "z", 1, LINUX_XATTR_REPLACE, &root_cred),
			 -ENODATA);
	path_put(&p);
	/* Only user.* (and security.capability) shows, whatever the host has. */
	assert_int_equal(setxattr(host_path("x.txt"), "trusted.hidden", "1", 1, 0), 0);
	assert_int_equal(vlist(&env.ctx, "x.txt", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "user.a");
	assert_int_equal(vget(&env.ctx, "x.txt", "trusted.hidden", buf, sizeof(buf)), -EOPNOTSUPP);
	assert_int_equal(vset(&env.ctx, "x.txt", "trusted.t", "1", 1), -EOPNOTSUPP);
	assert_int_equal(vset(&env.ctx, "x.txt", "security.capability",
			      (const u8[20]){0x01, 0, 0, 0x02}, 20),
			 -EOPNOTSUPP);
	/* 9P2000.L would remove for an empty value: refused instead. */
	assert_int_equal(vset(&env.ctx, "x.txt", "user.a", "", 0), -EOPNOTSUPP);
	assert_int_equal(getxattr(host_path("x.txt"), "user.a", buf, sizeof(buf)), 2);
	/* Read-only mount; then a user without write permission. */
	assert_int_equal(vset(&env.ro_ctx, "x.txt", "user.c", "1", 1), -EROFS);
	assert_int_equal(vset(&env.ro_ctx, "x.txt", "user.a", NULL, 0), -EROFS);
	assert_int_equal(vget(&env.ro_ctx, "x.txt", "user.a", buf, sizeof(buf)), 2);
	assert_int_equal(vset(&env.user_ctx, "x.txt", "user.c", "1", 1), -EACCES);
	assert_int_equal(vset(&env.ctx, "x.txt", "user.a", NULL, 0), 0);
	assert_int_equal(getxattr(host_path("x.txt"), "user.a", buf, sizeof(buf)), -1);
	assert_int_equal(vset(&env.ctx, "x.txt", "user.a", NULL, 0), -ENODATA);
	assert_int_equal(vset(&env.ctx, "sub", "user.d", "1", 1), 0);
	assert_int_equal(vget(&env.ctx, "sub", "user.d", buf, sizeof(buf)), 1);
	assert_int_equal(vset(&env.ctx, "sub", "user.d", NULL, 0), 0);
	removexattr(host_path("x.txt"), "trusted.hidden");
}

static void test_goferfs_xattr_file_caps(void **state)
{
	const u8 v2[20] = {0x01, 0, 0, 0x02, 0x00, 0x04}; /* cap_net_bind_service=ep */
	struct vfs_file_caps fc;
	struct path p;

	host_write("prog", "x");
	if (setxattr(host_path("prog"), "security.capability", v2, sizeof(v2), 0)) {
		print_message("    the scratch file system keeps no file capabilities: skipped\n");
		skip();
	}
	assert_int_equal(vfs_lookup(&env.ctx, "prog", 0, &p), 0);
	assert_int_equal(vfs_get_file_caps(path_inode(&p), &fc), 1);
	assert_int_equal(fc.permitted, 1u << 10);
	assert_true(fc.effective);
	/* Kept from the first read: the host's change is not seen (goferfs.h's policy). */
	assert_int_equal(removexattr(host_path("prog"), "security.capability"), 0);
	assert_int_equal(vfs_get_file_caps(path_inode(&p), &fc), 1);
	path_put(&p);
	host_write("plain", "x");
	assert_int_equal(vfs_lookup(&env.ctx, "plain", 0, &p), 0);
	assert_int_equal(vfs_get_file_caps(path_inode(&p), &fc), 0);
	path_put(&p);
}

int main(void)
{
	goferfs_require_root();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goferfs_xattr_user),
		cmocka_unit_test(test_goferfs_xattr_file_caps),
	};
	return cmocka_run_group_tests(tests, goferfs_setup, goferfs_teardown);
}
