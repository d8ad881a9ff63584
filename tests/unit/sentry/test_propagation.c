// SPDX-License-Identifier: Apache-2.0
/*
 * Mount propagation (sentry/vfs/propagation.c) and the lifetimes around
 * it: a mount under a shared mount is copied to its peer, umount of
 * either takes both, a busy copy is EBUSY, and once every copy is gone
 * the tmpfs gives its frames back (no copy keeps a reference).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mm/shmem.h"
#include "sentry/vfs/vfs.h"
#include "vfs_env.h"

#define UMOUNT_DETACH 0x2
#define MS_BIND 0x1000
#define MS_PRIVATE (1 << 18)
#define MS_SLAVE (1 << 19)
#define MS_SHARED (1 << 20)
#define DATA (1 << 20)

static u64 frames(void)
{
	return memfile_used_frames(shmem_file_memfile());
}

/* /pa a shared tmpfs, /pb its peer (a bind), /ps its slave, each with a directory x. */
static void peers(struct vfs_env *e)
{
	/* The tests share one environment: the mount points stay from the first. */
	static const char *const dirs[] = {"/pa", "/pb", "/ps"};
	for (int i = 0; i < 3; i++) {
		int ret = vfs_mkdir(&e->ctx, dirs[i], 0755);
		assert_true(ret == 0 || ret == -EEXIST);
	}
	assert_int_equal(vfs_mount(&e->ctx, "t", "/pa", "tmpfs", 0, NULL), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/pa/x", 0755), 0);
	assert_int_equal(vfs_mount(&e->ctx, NULL, "/pa", NULL, MS_SHARED, NULL), 0);
	assert_int_equal(vfs_mount(&e->ctx, "/pa", "/pb", NULL, MS_BIND, NULL), 0);
	assert_int_equal(vfs_mount(&e->ctx, "/pa", "/ps", NULL, MS_BIND, NULL), 0);
	assert_int_equal(vfs_mount(&e->ctx, NULL, "/ps", NULL, MS_SLAVE, NULL), 0);
}

static void unpeer(struct vfs_env *e)
{
	assert_int_equal(vfs_umount(&e->ctx, "/ps", 0), 0);
	assert_int_equal(vfs_umount(&e->ctx, "/pb", 0), 0);
	assert_int_equal(vfs_umount(&e->ctx, "/pa", 0), 0);
}

/* A file of DATA bytes at path, closed. */
static void fill(struct vfs_env *e, const char *path)
{
	static char buf[64 << 10];
	struct file *f;
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(vfs_open(&e->ctx, path, O_CREAT | O_RDWR, 0600, &f), 0);
	s64 pos = 0;
	for (int i = 0; i < DATA / (int)sizeof(buf); i++)
		assert_int_equal(vfs_write(f, buf, sizeof(buf), &pos), sizeof(buf));
	file_put(f);
}

static bool exists(struct vfs_env *e, const char *path)
{
	struct file *f;
	if (vfs_open(&e->ctx, path, O_RDONLY, 0, &f))
		return false;
	file_put(f);
	return true;
}

static void test_copy_seen_and_freed(void **state)
{
	struct vfs_env *e = *state;
	peers(e);
	u64 before = frames();
	assert_int_equal(vfs_mount(&e->ctx, "t", "/pa/x", "tmpfs", 0, NULL), 0);
	fill(e, "/pa/x/f");
	assert_true(exists(e, "/pb/x/f"));
	assert_true(exists(e, "/ps/x/f"));
	/* The slave's own mount is not sent back. */
	assert_int_equal(vfs_mkdir(&e->ctx, "/pa/x/d", 0755), 0);
	assert_int_equal(vfs_mount(&e->ctx, "t", "/ps/x/d", "tmpfs", 0, NULL), 0);
	fill(e, "/ps/x/d/g");
	assert_false(exists(e, "/pa/x/d/g"));
	assert_int_equal(vfs_umount(&e->ctx, "/ps/x/d", 0), 0);
	/* umount at the peer takes the original and the slave's copy. */
	assert_int_equal(vfs_umount(&e->ctx, "/pb/x", 0), 0);
	assert_false(exists(e, "/pa/x/f"));
	assert_false(exists(e, "/ps/x/f"));
	assert_int_equal(frames(), before);
	unpeer(e);
}

static void test_busy_copy(void **state)
{
	struct vfs_env *e = *state;
	struct file *f;
	peers(e);
	u64 before = frames();
	assert_int_equal(vfs_mount(&e->ctx, "t", "/pa/x", "tmpfs", 0, NULL), 0);
	fill(e, "/pa/x/f");
	assert_int_equal(vfs_open(&e->ctx, "/ps/x/f", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_umount(&e->ctx, "/pa/x", 0), -EBUSY);
	assert_true(exists(e, "/pb/x/f"));
	/* Lazily, it goes everywhere; the open file keeps the tmpfs until closed. */
	assert_int_equal(vfs_umount(&e->ctx, "/pa/x", UMOUNT_DETACH), 0);
	assert_false(exists(e, "/pb/x/f"));
	assert_false(exists(e, "/ps/x/f"));
	assert_true(frames() >= before + DATA / PAGE_SIZE);
	file_put(f);
	assert_int_equal(frames(), before);
	unpeer(e);
}

static void test_private_tree(void **state)
{
	struct vfs_env *e = *state;
	peers(e);
	assert_int_equal(vfs_mount(&e->ctx, NULL, "/pb", NULL, MS_PRIVATE, NULL), 0);
	u64 before = frames();
	assert_int_equal(vfs_mount(&e->ctx, "t", "/pa/x", "tmpfs", 0, NULL), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/pa/x/y", 0755), 0);
	assert_int_equal(vfs_mount(&e->ctx, "t", "/pa/x/y", "tmpfs", 0, NULL), 0);
	fill(e, "/pa/x/y/f");
	assert_false(exists(e, "/pb/x/y/f"));
	assert_true(exists(e, "/ps/x/y/f"));
	assert_int_equal(vfs_umount(&e->ctx, "/pa/x", 0), -EBUSY);
	assert_int_equal(vfs_umount(&e->ctx, "/pa/x", UMOUNT_DETACH), 0);
	assert_false(exists(e, "/ps/x/y/f"));
	assert_int_equal(frames(), before);
	unpeer(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_seen_and_freed),
		cmocka_unit_test(test_busy_copy),
		cmocka_unit_test(test_private_tree),
	};
	return cmocka_run_group_tests(tests, vfs_env_setup, vfs_env_teardown);
}
