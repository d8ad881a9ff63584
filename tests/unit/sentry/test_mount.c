// SPDX-License-Identifier: Apache-2.0
/*
 * Super block lifetime (sentry/vfs/mount.c, tmpfs/super.c): an unmounted
 * tmpfs gives its frames back to the memory file once nothing uses it,
 * and a busy one is EBUSY to umount2 without MNT_DETACH.
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
#define DATA (4 << 20)

static u64 frames(void)
{
	return memfile_used_frames(shmem_file_memfile());
}

/* Mount a tmpfs on /mnt with a directory tree and a file of DATA bytes: the file, open. */
static struct file *fill(struct vfs_env *e)
{
	static char buf[64 << 10];
	struct file *f;
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(vfs_mount(&e->ctx, "t", "/mnt", "tmpfs", 0, NULL), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/mnt/a", 0755), 0);
	assert_int_equal(vfs_mkdir(&e->ctx, "/mnt/a/b", 0755), 0);
	assert_int_equal(vfs_open(&e->ctx, "/mnt/a/b/f", O_CREAT | O_RDWR, 0600, &f), 0);
	s64 pos = 0;
	for (int i = 0; i < DATA / (int)sizeof(buf); i++)
		assert_int_equal(vfs_write(f, buf, sizeof(buf), &pos), sizeof(buf));
	return f;
}

static void test_mount_umount_frees_tmpfs(void **state)
{
	struct vfs_env *e = *state;
	assert_int_equal(vfs_mkdir(&e->ctx, "/mnt", 0755), 0);
	u64 before = frames();
	struct file *f = fill(e);
	assert_true(frames() >= before + DATA / PAGE_SIZE);
	assert_int_equal(vfs_umount(&e->ctx, "/mnt", 0), -EBUSY);
	file_put(f);
	assert_int_equal(vfs_umount(&e->ctx, "/mnt", 0), 0);
	assert_int_equal(frames(), before);
}

static void test_mount_detach_frees_on_last_close(void **state)
{
	struct vfs_env *e = *state;
	u64 before = frames();
	struct file *f = fill(e);
	assert_int_equal(vfs_umount(&e->ctx, "/mnt", UMOUNT_DETACH), 0);
	assert_true(frames() >= before + DATA / PAGE_SIZE);
	char c = 0;
	s64 pos = 0;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, 0x5a);
	file_put(f);
	assert_int_equal(frames(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_umount_frees_tmpfs),
		cmocka_unit_test(test_mount_detach_frees_on_last_close),
	};
	return cmocka_run_group_tests(tests, vfs_env_setup, vfs_env_teardown);
}
