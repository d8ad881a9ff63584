// SPDX-License-Identifier: Apache-2.0
/* overlay directories: whiteouts, opaque directories, merged listings, rename. */
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

static bool is_whiteout(const struct vfs_ctx *c, const char *path)
{
	struct kstat st;
	return stat_at(c, path, false, &st) == 0 && S_ISCHR(st.mode) && st.rdev == 0;
}

static void test_overlay_unlink_whiteout(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	struct file *f;
	char buf[128];

	assert_int_equal(vfs_unlink(&e->o, "/etc/passwd"), 0);
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), -ENOENT);
	assert_int_equal(vfs_open(&e->o, "/etc/passwd", O_RDONLY, 0, &f), -ENOENT);
	assert_int_equal(vfs_unlink(&e->o, "/etc/passwd"), -ENOENT);
	assert_true(is_whiteout(&e->u, "/etc/passwd"));
	assert_int_equal(get_file(&e->l, "/etc/passwd", buf, sizeof(buf)), 11);
	assert_int_equal(list_dir(&e->o, "/etc", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "app,hosts");

	/* A new file takes the whited-out name. */
	assert_int_equal(vfs_open(&e->o, "/etc/passwd", O_CREAT | O_EXCL | O_WRONLY, 0600, &f), 0);
	s64 pos = 0;
	assert_int_equal(vfs_write(f, "new\n", 4, &pos), 4);
	file_put(f);
	assert_int_equal(get_file(&e->o, "/etc/passwd", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "new\n");
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	assert_int_equal(list_dir(&e->o, "/etc", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "app,hosts,passwd");
	assert_int_equal(get_file(&e->l, "/etc/passwd", buf, sizeof(buf)), 11);

	/* Removing it again leaves a whiteout; an upper-only name leaves nothing. */
	assert_int_equal(vfs_unlink(&e->o, "/etc/passwd"), 0);
	assert_true(is_whiteout(&e->u, "/etc/passwd"));
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), -ENOENT);
	put_file(&e->o, "/etc/only-upper", "u\n");
	assert_int_equal(vfs_unlink(&e->o, "/etc/only-upper"), 0);
	assert_int_equal(stat_at(&e->u, "/etc/only-upper", false, &st), -ENOENT);
	/* A symlink is removed, not its target. */
	assert_int_equal(vfs_unlink(&e->o, "/bin/sh"), 0);
	assert_int_equal(get_file(&e->o, "/bin/busybox", buf, sizeof(buf)), 3);
}

static void test_overlay_rmdir(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	char buf[64];

	assert_int_equal(vfs_rmdir(&e->o, "/gone"), -ENOTEMPTY);
	put_file(&e->o, "/gone/z", "z\n");
	assert_int_equal(vfs_unlink(&e->o, "/gone/x"), 0);
	assert_int_equal(vfs_unlink(&e->o, "/gone/y"), 0);
	assert_int_equal(vfs_rmdir(&e->o, "/gone"), -ENOTEMPTY); /* z */
	assert_int_equal(vfs_unlink(&e->o, "/gone/z"), 0);
	/* Only whiteouts are left in upper: the merged view is empty. */
	assert_int_equal(list_dir(&e->o, "/gone", 64, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(vfs_rmdir(&e->o, "/gone"), 0);
	assert_int_equal(stat_at(&e->o, "/gone", true, &st), -ENOENT);
	assert_int_equal(stat_at(&e->o, "/gone/x", true, &st), -ENOENT);
	assert_true(is_whiteout(&e->u, "/gone"));
	assert_int_equal(list_dir(&e->l, "/gone", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "x,y");
	/* A lower-only empty directory goes at once; a file is not a directory. */
	assert_int_equal(vfs_rmdir(&e->o, "/empty"), 0);
	assert_int_equal(stat_at(&e->o, "/empty", true, &st), -ENOENT);
	assert_int_equal(vfs_rmdir(&e->o, "/hard1"), -ENOTDIR);
	assert_int_equal(vfs_unlink(&e->o, "/etc"), -EISDIR);
	/* Directories made in the overlay come and go without traces. */
	assert_int_equal(vfs_mkdir(&e->o, "/fresh", 0755), 0);
	assert_int_equal(vfs_rmdir(&e->o, "/fresh"), 0);
	assert_int_equal(stat_at(&e->u, "/fresh", false, &st), -ENOENT);
}

struct counter {
	struct dir_context ctx;
	int n;
};

static bool count_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino,
		       unsigned type, s64 next)
{
	container_of(ctx, struct counter, ctx)->n++;
	return true;
}

static void test_overlay_merged_listing(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	char buf[256];

	put_file(&e->o, "/etc/new", "n\n");
	assert_int_equal(vfs_mkdir(&e->o, "/etc/newdir", 0755), 0);
	put_file(&e->o, "/etc/passwd", "changed\n"); /* in both layers now */
	assert_int_equal(vfs_unlink(&e->o, "/etc/hosts"), 0);
	/* Any batch size gives each name once, "." and ".." once. */
	for (int batch = 1; batch <= 4; batch++) {
		assert_int_equal(list_dir(&e->o, "/etc", batch, &l), 0);
		assert_string_equal(listing_names(&l, buf, sizeof(buf)), "app,new,newdir,passwd");
		assert_int_equal(l.dots, 1);
		assert_int_equal(l.dotdots, 1);
	}
	/* d_ino is what stat says. */
	const char *names[] = {"app", "new", "newdir", "passwd"};
	char path[64];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/etc/%s", names[i]);
		assert_int_equal(stat_at(&e->o, path, false, &st), 0);
		assert_int_equal(listing_ino(&l, names[i]), st.ino);
	}
	assert_int_equal(list_dir(&e->o, "/", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)),
			    "bin,data,empty,etc,gone,hard1,hard2,sparse");

	/* A listing goes on from its snapshot; a rewind takes a new one. */
	struct file *f;
	struct counter lr = {.ctx.emit = count_emit};
	assert_int_equal(vfs_open(&e->o, "/etc", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	assert_int_equal(vfs_iterate(f, &lr.ctx), 0);
	assert_int_equal(lr.n, 6);
	put_file(&e->o, "/etc/late", "l\n");
	assert_int_equal(vfs_iterate(f, &lr.ctx), 0);
	assert_int_equal(lr.n, 6);
	assert_int_equal(vfs_llseek(f, 0, SEEK_SET), 0);
	lr.n = 0;
	assert_int_equal(vfs_iterate(f, &lr.ctx), 0);
	assert_int_equal(lr.n, 7);
	/* Names removed meanwhile, from either layer, are not listed on resuming. */
	assert_int_equal(vfs_llseek(f, 2, SEEK_SET), 2);
	assert_int_equal(vfs_unlink(&e->o, "/etc/new"), 0);
	assert_int_equal(vfs_unlink(&e->o, "/etc/passwd"), 0);
	lr.n = 0;
	assert_int_equal(vfs_iterate(f, &lr.ctx), 0);
	assert_int_equal(lr.n, 3); /* app, late, newdir */
	file_put(f);

	/* A lower-only directory lists its lower. */
	assert_int_equal(list_dir(&e->o, "/data/a/b", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "c");
	/* Not a directory. */
	assert_int_equal(list_dir(&e->o, "/etc/late", 64, &l), -ENOTDIR);
}

static void test_overlay_opaque_dir(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	char buf[64];

	assert_int_equal(vfs_unlink(&e->o, "/gone/x"), 0);
	assert_int_equal(vfs_unlink(&e->o, "/gone/y"), 0);
	assert_int_equal(vfs_rmdir(&e->o, "/gone"), 0);
	assert_int_equal(vfs_mkdir(&e->o, "/gone", 0700), 0);
	/* Made over a whiteout: the lower directory's entries stay hidden. */
	assert_int_equal(list_dir(&e->o, "/gone", 64, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(stat_at(&e->o, "/gone/x", true, &st), -ENOENT);
	put_file(&e->o, "/gone/n", "n\n");
	/* Every overlay inode is gone by now: the mark is found again in upper. */
	assert_int_equal(list_dir(&e->o, "/gone", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "n");
	assert_int_equal(stat_at(&e->o, "/gone/y", true, &st), -ENOENT);
	assert_int_equal(stat_at(&e->o, "/gone", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);
	assert_true(st.ino & (1ULL << 63)); /* a new directory, not the lower one */
	/* Removing it leaves a whiteout again, for the lower /gone. */
	assert_int_equal(vfs_unlink(&e->o, "/gone/n"), 0);
	assert_int_equal(vfs_rmdir(&e->o, "/gone"), 0);
	assert_true(is_whiteout(&e->u, "/gone"));
	assert_int_equal(stat_at(&e->o, "/gone", true, &st), -ENOENT);
}

static void test_overlay_rename_files(void **state)
{
	struct env *e = *state;
	struct kstat st, before;
	char buf[64];

	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &before), 0);
	assert_int_equal(vfs_rename(&e->o, "/etc/passwd", &e->o, "/etc/passwd.bak", 0), 0);
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), -ENOENT);
	assert_int_equal(get_file(&e->o, "/etc/passwd.bak", buf, sizeof(buf)), 11);
	assert_int_equal(stat_at(&e->o, "/etc/passwd.bak", true, &st), 0);
	assert_int_equal(st.ino, before.ino);
	assert_true(is_whiteout(&e->u, "/etc/passwd"));
	assert_int_equal(get_file(&e->l, "/etc/passwd", buf, sizeof(buf)), 11);
	assert_int_equal(stat_at(&e->l, "/etc/passwd.bak", true, &st), -ENOENT);

	/* Over a lower file, across directories. */
	assert_int_equal(vfs_rename(&e->o, "/etc/passwd.bak", &e->o, "/bin/busybox", 0), 0);
	assert_int_equal(get_file(&e->o, "/bin/busybox", buf, sizeof(buf)), 11);
	assert_int_equal(get_file(&e->l, "/bin/busybox", buf, sizeof(buf)), 3);
	assert_int_equal(stat_at(&e->o, "/etc/passwd.bak", true, &st), -ENOENT);

	assert_int_equal(vfs_rename(&e->o, "/etc/hosts", &e->o, "/hard1", LINUX_RENAME_NOREPLACE),
			 -EEXIST);
	/* Exchange a lower file with an upper one. */
	put_file(&e->o, "/etc/mine", "mine\n");
	assert_int_equal(vfs_rename(&e->o, "/etc/hosts", &e->o, "/etc/mine", LINUX_RENAME_EXCHANGE),
			 0);
	assert_int_equal(get_file(&e->o, "/etc/hosts", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "mine\n");
	assert_int_equal(get_file(&e->o, "/etc/mine", buf, sizeof(buf)), 20);
	assert_int_equal(get_file(&e->l, "/etc/hosts", buf, sizeof(buf)), 20);
	assert_int_equal(stat_at(&e->l, "/etc/mine", true, &st), -ENOENT);
}

static void test_overlay_rename_dirs(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	char buf[64];

	/* Directories that exist in lower move by redirect: lower is untouched. */
	struct kstat was_app, was_conf;
	assert_int_equal(stat_at(&e->o, "/etc/app", true, &was_app), 0);
	assert_int_equal(stat_at(&e->o, "/etc/app/conf", true, &was_conf), 0);
	assert_int_equal(vfs_rename(&e->o, "/etc/app", &e->o, "/etc/app2", 0), 0);
	assert_int_equal(stat_at(&e->o, "/etc/app", true, &st), -ENOENT);
	assert_true(is_whiteout(&e->u, "/etc/app"));
	assert_int_equal(get_file(&e->o, "/etc/app2/conf", buf, sizeof(buf)), 4);
	assert_int_equal(stat_at(&e->l, "/etc/app/conf", true, &st), 0);
	assert_int_equal(stat_at(&e->l, "/etc/app2", true, &st), -ENOENT);
	/* Found again through the redirect once the caches are gone: same st_ino. */
	vfs_drop_caches();
	assert_int_equal(stat_at(&e->o, "/etc/app2", true, &st), 0);
	assert_int_equal(st.ino, was_app.ino);
	assert_int_equal(stat_at(&e->o, "/etc/app2/conf", true, &st), 0);
	assert_int_equal(st.ino, was_conf.ino);
	assert_int_equal(list_dir(&e->o, "/etc/app2", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "conf");
	assert_int_equal(list_dir(&e->o, "/etc", 64, &l), 0);
	assert_int_equal(listing_ino(&l, "app2"), was_app.ino);
	/* A copy-up below it lands in the moved directory. */
	put_file(&e->o, "/etc/app2/conf", "v=2\n");
	assert_int_equal(stat_at(&e->u, "/etc/app2/conf", true, &st), 0);
	assert_int_equal(get_file(&e->l, "/etc/app/conf", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "v=1\n");
	put_file(&e->o, "/etc/x", "x\n"); /* /etc is merged now */
	assert_int_equal(vfs_rename(&e->o, "/etc", &e->o, "/etc2", 0), 0);
	vfs_drop_caches();
	assert_int_equal(get_file(&e->o, "/etc2/app2/conf", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "v=2\n");
	assert_int_equal(get_file(&e->o, "/etc2/passwd", buf, sizeof(buf)), 11);
	/* And back, where the redirect names what the path would. */
	assert_int_equal(vfs_rename(&e->o, "/etc2", &e->o, "/etc", 0), 0);
	assert_int_equal(vfs_rename(&e->o, "/etc/app2", &e->o, "/etc/app", 0), 0);
	vfs_drop_caches();
	assert_int_equal(stat_at(&e->o, "/etc/app/conf", true, &st), 0);
	assert_int_equal(st.ino, was_conf.ino);
	assert_int_equal(list_dir(&e->o, "/etc", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "app,hosts,passwd,x");

	/* A directory made in the overlay moves, and hides what lower has at its new name. */
	assert_int_equal(vfs_mkdir(&e->o, "/newd", 0755), 0);
	put_file(&e->o, "/newd/f", "f\n");
	assert_int_equal(vfs_rename(&e->o, "/newd", &e->o, "/empty", 0), 0);
	assert_int_equal(list_dir(&e->o, "/empty", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "f");
	assert_int_equal(vfs_unlink(&e->o, "/gone/x"), 0);
	assert_int_equal(vfs_rename(&e->o, "/empty", &e->o, "/gone", 0), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(&e->o, "/gone/y"), 0);
	assert_int_equal(vfs_rename(&e->o, "/empty", &e->o, "/gone", 0), 0);
	assert_int_equal(list_dir(&e->o, "/gone", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "f");
	/* /empty exists in lower: a whiteout stays behind. */
	assert_int_equal(stat_at(&e->o, "/empty", true, &st), -ENOENT);
	assert_true(is_whiteout(&e->u, "/empty"));
	/* And moving it on from over a whiteout leaves one there too. */
	assert_int_equal(vfs_rename(&e->o, "/gone", &e->o, "/moved", 0), 0);
	assert_int_equal(stat_at(&e->o, "/gone", true, &st), -ENOENT);
	assert_int_equal(stat_at(&e->o, "/gone/y", true, &st), -ENOENT);
	assert_int_equal(get_file(&e->o, "/moved/f", buf, sizeof(buf)), 2);
	assert_int_equal(list_dir(&e->o, "/", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)),
			    "bin,data,etc,hard1,hard2,moved,sparse");
	assert_int_equal(list_dir(&e->l, "/", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)),
			    "bin,data,empty,etc,gone,hard1,hard2,sparse");
}

static void test_overlay_rename_exchange_dirs(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	char buf[64];

	assert_int_equal(vfs_mkdir(&e->o, "/u1", 0755), 0);
	put_file(&e->o, "/u1/a", "a\n");
	/* A directory and a lower file trade places. */
	assert_int_equal(vfs_rename(&e->o, "/u1", &e->o, "/etc/hosts", LINUX_RENAME_EXCHANGE), 0);
	assert_int_equal(list_dir(&e->o, "/etc/hosts", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "a");
	assert_int_equal(get_file(&e->o, "/u1", buf, sizeof(buf)), 20);
	assert_int_equal(get_file(&e->l, "/etc/hosts", buf, sizeof(buf)), 20);
	assert_int_equal(stat_at(&e->l, "/u1", true, &st), -ENOENT);
	/* With a directory that exists in lower, too. */
	assert_int_equal(vfs_rename(&e->o, "/etc/hosts", &e->o, "/etc/app", LINUX_RENAME_EXCHANGE),
			 0);
	vfs_drop_caches();
	assert_int_equal(get_file(&e->o, "/etc/hosts/conf", buf, sizeof(buf)), 4);
	assert_int_equal(list_dir(&e->o, "/etc/app", 64, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "a");
	assert_int_equal(vfs_rename(&e->o, "/etc/hosts", &e->o, "/etc/app", LINUX_RENAME_EXCHANGE),
			 0);
	assert_int_equal(get_file(&e->o, "/etc/app/conf", buf, sizeof(buf)), 4);
	assert_int_equal(get_file(&e->l, "/etc/app/conf", buf, sizeof(buf)), 4);
	assert_int_equal(vfs_rename(&e->o, "/etc/hosts", &e->o, "/nothing", LINUX_RENAME_EXCHANGE),
			 -ENOENT);
	/* Renaming onto itself through a hard link changes nothing. */
	assert_int_equal(vfs_rename(&e->o, "/hard1", &e->o, "/hard2", 0), 0);
	assert_int_equal(stat_at(&e->o, "/hard1", true, &st), 0);
	assert_int_equal(stat_at(&e->o, "/hard2", true, &st), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_overlay_unlink_whiteout),      T(test_overlay_rmdir),
		T(test_overlay_merged_listing),	      T(test_overlay_opaque_dir),
		T(test_overlay_rename_files),	      T(test_overlay_rename_dirs),
		T(test_overlay_rename_exchange_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
