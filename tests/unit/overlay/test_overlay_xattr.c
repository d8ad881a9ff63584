// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes on tmpfs and the overlay (sentry/vfs/xattr.c,
 * tmpfs/xattr.c, overlay/xattr.c): reads through to lower, a change
 * copies up with the lower's attributes but the overlay's own, bounds,
 * and the file capabilities execve reads.
 */
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

#include "overlay_env.h"
#include "sentry/vfs/xattr.h"

#define CONF "/etc/app/conf"

static const u8 caps_v2[20] = {0x01, 0, 0, 0x02, 0x00, 0x04}; /* cap_net_bind_service=ep */

static ssize_t get(const struct vfs_ctx *c, const char *path, const char *name, void *buf,
		   size_t size)
{
	struct path p;
	int ret = vfs_lookup(c, path, 0, &p);
	if (ret)
		return ret;
	ssize_t n = vfs_getxattr(&p, name, buf, size, &root_cred);
	path_put(&p);
	return n;
}

static int set(const struct vfs_ctx *c, const char *path, const char *name, const void *value,
	       size_t size)
{
	struct path p;
	int ret = vfs_lookup(c, path, 0, &p);
	if (ret)
		return ret;
	ret = value ? vfs_setxattr(&p, name, value, size, 0, &root_cred)
		    : vfs_removexattr(&p, name, &root_cred);
	path_put(&p);
	return ret;
}

/* The list as one string, names joined with ',' in list order. */
static const char *list(const struct vfs_ctx *c, const char *path)
{
	static char out[512];
	char buf[512];
	struct path p;
	out[0] = 0;
	if (vfs_lookup(c, path, 0, &p))
		return "(lookup failed)";
	ssize_t n = vfs_listxattr(&p, buf, sizeof(buf), &root_cred);
	path_put(&p);
	for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1) {
		if (out[0])
			strcat(out, ",");
		strcat(out, buf + i);
	}
	return out;
}

static void setup_lower(struct env *e)
{
	assert_int_equal(set(&e->l, CONF, "user.a", "1", 1), 0);
	assert_int_equal(set(&e->l, CONF, "trusted.overlay.x", "y", 1), 0);
	assert_int_equal(set(&e->l, CONF, "security.capability", caps_v2, sizeof(caps_v2)), 0);
}

static void test_overlay_xattr_reads_lower(void **state)
{
	struct env *e = *state;
	struct kstat st;
	char buf[64];

	setup_lower(e);
	assert_int_equal(get(&e->o, CONF, "user.a", buf, sizeof(buf)), 1);
	assert_int_equal(get(&e->o, CONF, "user.a", NULL, 0), 1);
	assert_int_equal(get(&e->o, CONF, "user.b", buf, sizeof(buf)), -ENODATA);
	/* The overlay's own names are neither seen nor settable. */
	assert_string_equal(list(&e->o, CONF), "user.a,security.capability");
	assert_int_equal(get(&e->o, CONF, "trusted.overlay.x", buf, sizeof(buf)), -EOPNOTSUPP);
	assert_int_equal(set(&e->o, CONF, "trusted.overlay.z", "1", 1), -EOPNOTSUPP);
	/* Removing what is not there copies nothing up. */
	assert_int_equal(set(&e->o, CONF, "user.none", NULL, 0), -ENODATA);
	assert_int_equal(stat_at(&e->u, "/etc", true, &st), -ENOENT);
}

static void test_overlay_xattr_set_copies_up(void **state)
{
	struct env *e = *state;
	struct kstat before, after;
	char buf[64];

	setup_lower(e);
	assert_int_equal(stat_at(&e->o, CONF, true, &before), 0);
	assert_int_equal(set(&e->o, CONF, "user.b", "22", 2), 0);
	assert_int_equal(get(&e->o, CONF, "user.b", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "22", 2);
	/* The copy took the lower's attributes along, but the overlay's own. */
	assert_string_equal(list(&e->u, CONF), "user.a,security.capability,user.b");
	assert_string_equal(list(&e->l, CONF), "user.a,trusted.overlay.x,security.capability");
	assert_int_equal(get_file(&e->u, CONF, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "v=1\n");
	assert_int_equal(stat_at(&e->o, CONF, true, &after), 0);
	assert_int_equal(after.ino, before.ino);
	assert_true(after.ctime.tv_sec > before.ctime.tv_sec ||
		    (after.ctime.tv_sec == before.ctime.tv_sec &&
		     after.ctime.tv_nsec > before.ctime.tv_nsec));
	/* Removal acts on upper only. */
	assert_int_equal(set(&e->o, CONF, "user.a", NULL, 0), 0);
	assert_int_equal(get(&e->o, CONF, "user.a", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(get(&e->l, CONF, "user.a", buf, sizeof(buf)), 1);
}

static void test_overlay_xattr_dir_copy_up(void **state)
{
	struct env *e = *state;
	char buf[8];

	assert_int_equal(set(&e->l, "/etc/app", "user.d", "1", 1), 0);
	assert_int_equal(set(&e->o, "/etc/app", "user.e", "2", 1), 0);
	assert_string_equal(list(&e->u, "/etc/app"), "user.d,user.e");
	assert_int_equal(get(&e->o, "/etc/app", "user.d", buf, sizeof(buf)), 1);
	/* The file below still reads from lower. */
	assert_int_equal(get(&e->o, CONF, "user.a", buf, sizeof(buf)), -ENODATA);
}

static void test_overlay_xattr_file_caps(void **state)
{
	struct env *e = *state;
	struct vfs_file_caps fc;
	struct path p;

	setup_lower(e);
	assert_int_equal(vfs_lookup(&e->o, CONF, 0, &p), 0);
	assert_int_equal(vfs_get_file_caps(path_inode(&p), &fc), 1);
	assert_int_equal(fc.permitted, 1u << 10);
	assert_int_equal(fc.inheritable, 0);
	assert_true(fc.effective);
	path_put(&p);
	assert_int_equal(vfs_lookup(&e->o, "/etc/passwd", 0, &p), 0);
	assert_int_equal(vfs_get_file_caps(path_inode(&p), &fc), 0);
	path_put(&p);
}

static void test_tmpfs_xattr_bounds(void **state)
{
	struct env *e = *state;
	static u8 big[LINUX_XATTR_SIZE_MAX];
	char name[32];
	int i, ret = 0;

	/* A value and an empty one, then the per-inode bound (ENOSPC). */
	assert_int_equal(set(&e->u, "/", "user.empty", "", 0), 0);
	assert_int_equal(get(&e->u, "/", "user.empty", NULL, 0), 0);
	for (i = 0; i < 8 && !ret; i++) {
		snprintf(name, sizeof(name), "user.big%d", i);
		ret = set(&e->u, "/", name, big, sizeof(big));
	}
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(i, SIMPLE_XATTR_SPACE_MAX / LINUX_XATTR_SIZE_MAX);
	/* Removal gives the space back. */
	assert_int_equal(set(&e->u, "/", "user.big0", NULL, 0), 0);
	assert_int_equal(set(&e->u, "/", name, big, sizeof(big)), 0);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "user.big%d", i);
		ret = set(&e->u, "/", name, NULL, 0);
	}
	assert_int_equal(set(&e->u, "/", "user.empty", NULL, 0), 0);
	assert_string_equal(list(&e->u, "/"), "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_overlay_xattr_reads_lower), T(test_overlay_xattr_set_copies_up),
		T(test_overlay_xattr_dir_copy_up), T(test_overlay_xattr_file_caps),
		T(test_tmpfs_xattr_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
