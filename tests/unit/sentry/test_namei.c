// SPDX-License-Identifier: Apache-2.0
/* Path walking on the sandbox's tmpfs tree (sentry/vfs/namei.c and friends). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sentry/vfs/vfs.h"
#include "vfs_env.h"

static const struct vfs_cred user_cred = {.fsuid = 1000, .fsgid = 1000};

static int setup(void **state)
{
	*state = vfs_env_init("/work/dir", 0);
	return 0;
}

static int lookup(struct vfs_env *e, const char *name, unsigned flags)
{
	struct path p;
	int ret = vfs_lookup(&e->ctx, name, flags, &p);
	if (!ret)
		path_put(&p);
	return ret;
}

static u32 mode_of(struct vfs_env *e, const char *name, unsigned flags)
{
	struct path p;
	struct kstat st;
	if (vfs_lookup(&e->ctx, name, flags, &p))
		return 0;
	assert_int_equal(vfs_getattr(&p, &st), 0);
	path_put(&p);
	return st.mode;
}

static void test_namei_skeleton_and_cwd(void **state)
{
	struct vfs_env *e = *state;
	char buf[64];
	assert_true(S_ISDIR(mode_of(e, "/dev", 0)));
	assert_true(S_ISCHR(mode_of(e, "/dev/null", 0)));
	assert_int_equal(mode_of(e, "/tmp", 0), S_IFDIR | 01777);
	assert_int_equal(vfs_getcwd(e->fs, buf, sizeof(buf)), strlen("/work/dir") + 1);
	assert_string_equal(buf, "/work/dir");
	assert_int_equal(vfs_getcwd(e->fs, buf, 5), -ERANGE);
}

static void test_namei_dots_and_root(void **state)
{
	struct vfs_env *e = *state;
	assert_int_equal(lookup(e, "/..", 0), 0);
	assert_int_equal(lookup(e, "../../../..", LOOKUP_DIRECTORY), 0);
	assert_int_equal(lookup(e, "", 0), -ENOENT);
	assert_int_equal(lookup(e, "", LOOKUP_EMPTY), 0);
	assert_int_equal(lookup(e, "/nonexistent", 0), -ENOENT);
	assert_int_equal(lookup(e, "/nonexistent/x", 0), -ENOENT);
	assert_int_equal(lookup(e, "/dev/null/", 0), -ENOTDIR);
	assert_int_equal(lookup(e, "/dev/null/x", 0), -ENOTDIR);
	assert_int_equal(lookup(e, "/dev/null/..", 0), -ENOTDIR);
	assert_int_equal(lookup(e, "//dev///null", 0), 0);
}

static void test_namei_mounts_both_ways(void **state)
{
	struct vfs_env *e = *state;
	struct path a, b;
	struct kstat sa, sb;
	/* /tmp is its own tmpfs: a different st_dev below it, and ".." climbs out. */
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/m", 0700), 0);
	assert_int_equal(vfs_lookup(&e->ctx, "/tmp/m/../..", 0, &a), 0);
	assert_int_equal(vfs_lookup(&e->ctx, "/", 0, &b), 0);
	assert_int_equal(vfs_getattr(&a, &sa), 0);
	assert_int_equal(vfs_getattr(&b, &sb), 0);
	assert_int_equal(sa.ino, sb.ino);
	assert_int_equal(sa.dev, sb.dev);
	path_put(&a);
	assert_int_equal(vfs_lookup(&e->ctx, "/tmp/m", 0, &a), 0);
	assert_int_equal(vfs_getattr(&a, &sa), 0);
	assert_int_not_equal(sa.dev, sb.dev);
	path_put(&a);
	path_put(&b);
	assert_int_equal(vfs_rmdir(&e->ctx, "/tmp"), -EBUSY);
	assert_int_equal(vfs_rmdir(&e->ctx, "/tmp/m"), 0);
}

static void test_namei_symlink_loops(void **state)
{
	struct vfs_env *e = *state;
	char name[32], target[32];
	assert_int_equal(vfs_symlink("loop", &e->ctx, "/tmp/loop"), 0);
	assert_int_equal(lookup(e, "/tmp/loop", LOOKUP_FOLLOW), -ELOOP);
	assert_int_equal(lookup(e, "/tmp/loop", 0), 0);
	assert_int_equal(lookup(e, "/tmp/loop/", 0), -ELOOP);
	/* A chain of 40 links resolves; 41 is ELOOP. */
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/c", 0755), 0);
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/tmp/c/l%d", i);
		snprintf(target, sizeof(target), i == 1 ? "/tmp" : "l%d", i - 1);
		assert_int_equal(vfs_symlink(target, &e->ctx, name), 0);
	}
	assert_int_equal(lookup(e, "/tmp/c/l40", LOOKUP_FOLLOW | LOOKUP_DIRECTORY), 0);
	assert_int_equal(lookup(e, "/tmp/c/l41", LOOKUP_FOLLOW), -ELOOP);
	assert_int_equal(lookup(e, "/tmp/c/l40/c/l1", LOOKUP_FOLLOW), -ELOOP);
	assert_int_equal(lookup(e, "/tmp/c/l3/c", 0), 0);
	assert_int_equal(vfs_symlink("", &e->ctx, "/tmp/empty"), -ENOENT);
	assert_int_equal(vfs_symlink("/dev/null", &e->ctx, "/tmp/dangling/"), -ENOENT);
}

static void test_namei_names_too_long(void **state)
{
	struct vfs_env *e = *state;
	char name[300];
	memset(name, 'a', sizeof(name));
	name[256] = 0;
	assert_int_equal(lookup(e, name, 0), -ENAMETOOLONG);
	assert_int_equal(vfs_mkdir(&e->ctx, name, 0755), -ENAMETOOLONG);
	name[255] = 0;
	assert_int_equal(lookup(e, name, 0), -ENOENT);
}

static void test_namei_resolve_flags(void **state)
{
	struct vfs_env *e = *state;
	struct path tmp;
	assert_int_equal(vfs_lookup(&e->ctx, "/tmp", 0, &tmp), 0);
	struct vfs_ctx c = e->ctx;
	c.start = tmp;
	c.resolve = LINUX_RESOLVE_BENEATH;
	assert_int_equal(vfs_lookup(&c, "..", 0, &(struct path){0}), -EXDEV);
	assert_int_equal(vfs_lookup(&c, "/dev", 0, &(struct path){0}), -EXDEV);
	c.resolve = LINUX_RESOLVE_IN_ROOT;
	struct path p;
	assert_int_equal(vfs_lookup(&c, "/..", 0, &p), 0);
	assert_ptr_equal(p.dentry, tmp.dentry);
	path_put(&p);
	c.resolve = LINUX_RESOLVE_NO_XDEV;
	c.start = e->root;
	assert_int_equal(vfs_lookup(&c, "tmp", 0, &(struct path){0}), -EXDEV);
	path_put(&tmp);
}

static void test_namei_permissions(void **state)
{
	struct vfs_env *e = *state;
	struct vfs_ctx u = e->ctx;
	u.cred = &user_cred;
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/private", 0700), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/private/x", 0755), 0);
	assert_int_equal(vfs_lookup(&u, "/tmp/private/x", 0, &(struct path){0}), -EACCES);
	assert_int_equal(vfs_mkdir(&u, "/mine", 0755), -EACCES);
	assert_int_equal(vfs_mkdir(&u, "/tmp/mine", 0755), 0);
	/* Sticky /tmp: a user cannot remove root's directory. */
	assert_int_equal(vfs_rmdir(&u, "/tmp/private"), -EPERM);
}

static void test_namei_rename_rules(void **state)
{
	struct vfs_env *e = *state;
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/r", 0755), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/r/a", 0755), 0);
	assert_int_equal(vfs_rename(&e->ctx, "/tmp/r", &e->ctx, "/tmp/r/a/b", 0), -EINVAL);
	assert_int_equal(vfs_rename(&e->ctx, "/tmp/r/a", &e->ctx, "/tmp/r", 0), -ENOTEMPTY);
	assert_int_equal(vfs_rename(&e->ctx, "/tmp/r/a", &e->ctx, "/dev/a", 0), -EXDEV);
	assert_int_equal(vfs_rename(&e->ctx, "/tmp/r/.", &e->ctx, "/tmp/x", 0), -EBUSY);
	assert_int_equal(vfs_rename(&e->ctx, "/tmp/r/a", &e->ctx, "/tmp/r/b", 0), 0);
	assert_int_equal(lookup(e, "/tmp/r/b", 0), 0);
	assert_int_equal(lookup(e, "/tmp/r/a", 0), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namei_skeleton_and_cwd),
		cmocka_unit_test(test_namei_dots_and_root),
		cmocka_unit_test(test_namei_mounts_both_ways),
		cmocka_unit_test(test_namei_symlink_loops),
		cmocka_unit_test(test_namei_names_too_long),
		cmocka_unit_test(test_namei_resolve_flags),
		cmocka_unit_test(test_namei_permissions),
		cmocka_unit_test(test_namei_rename_rules),
	};
	return cmocka_run_group_tests(tests, setup, vfs_env_teardown);
}
