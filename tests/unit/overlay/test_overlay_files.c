// SPDX-License-Identifier: Apache-2.0
/* overlay files: reads from lower, copy-up, attributes, identity (sentry/vfs/overlay/). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "overlay_env.h"
#include "sentry/vfs/overlay/overlay_internal.h"

static void test_overlay_reads_lower(void **state)
{
	struct env *e = *state;
	struct kstat st, lst;
	char buf[64];

	assert_int_equal(get_file(&e->o, "/etc/passwd", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "root:x:0:0\n");
	/* The symlink resolves inside the overlay. */
	assert_int_equal(get_file(&e->o, "/bin/sh", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "ELF");
	struct path p;
	assert_int_equal(vfs_lookup(&e->o, "/bin/sh", 0, &p), 0);
	assert_int_equal(vfs_readlink(&p, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "busybox", 7);
	path_put(&p);
	/* Names stay cached once unused (SB_KEEP_DENTRIES), until pruned. */
	size_t cached = OVL_FS(e->ovl)->cache.count;
	assert_true(cached > 1);
	assert_int_equal(vfs_lookup(&e->o, "/bin/sh", 0, &p), 0);
	path_put(&p);
	assert_int_equal(OVL_FS(e->ovl)->cache.count, cached);
	d_prune_unused(e->ovl);
	assert_int_equal(OVL_FS(e->ovl)->cache.count, 1);
	/* The overlay's st_dev, the lower's st_ino and attributes. */
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), 0);
	assert_int_equal(stat_at(&e->l, "/etc/passwd", true, &lst), 0);
	assert_int_equal(st.dev, e->ovl->dev);
	assert_int_not_equal(st.dev, lst.dev);
	assert_int_equal(st.ino, lst.ino);
	assert_int_equal(st.mode, S_IFREG | 0644);
	assert_int_equal(st.size, 11);
	assert_int_equal(stat_at(&e->o, "/nonexistent", true, &st), -ENOENT);
	assert_int_equal(stat_at(&e->o, "/etc/passwd/x", true, &st), -ENOTDIR);
	/* Reading copies nothing up. */
	assert_int_equal(stat_at(&e->u, "/etc", true, &st), -ENOENT);
}

static void test_overlay_write_copies_up(void **state)
{
	struct env *e = *state;
	struct kstat before, after, st;
	struct file *ro, *w;
	char buf[128];
	const char *both = "127.0.0.1 localhost\n::1 localhost\n";

	assert_int_equal(stat_at(&e->o, "/etc/hosts", true, &before), 0);
	assert_int_equal(vfs_open(&e->o, "/etc/hosts", O_RDONLY, 0, &ro), 0);
	assert_int_equal(vfs_open(&e->o, "/etc/hosts", O_WRONLY | O_APPEND, 0, &w), 0);
	s64 pos = 0;
	assert_int_equal(vfs_write(w, "::1 localhost\n", 14, &pos), 14);
	file_put(w);

	assert_int_equal(get_file(&e->o, "/etc/hosts", buf, sizeof(buf)), strlen(both));
	assert_string_equal(buf, both);
	/* A descriptor opened on lower before the copy-up reads the copy. */
	pos = 0;
	assert_int_equal(vfs_read(ro, buf, sizeof(buf) - 1, &pos), strlen(both));
	file_put(ro);
	/* The lower file is unchanged; upper holds the copy and its directory. */
	assert_int_equal(get_file(&e->l, "/etc/hosts", buf, sizeof(buf)), 20);
	assert_string_equal(buf, "127.0.0.1 localhost\n");
	assert_int_equal(get_file(&e->u, "/etc/hosts", buf, sizeof(buf)), strlen(both));
	assert_int_equal(stat_at(&e->u, "/etc", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(stat_at(&e->u, "/etc/passwd", true, &st), -ENOENT);
	/* Same file as far as anyone can tell. */
	assert_int_equal(stat_at(&e->o, "/etc/hosts", true, &after), 0);
	assert_int_equal(after.ino, before.ino);
	assert_int_equal(after.dev, before.dev);
	assert_int_equal(after.size, strlen(both));
}

static void test_overlay_truncate_chmod_copy_up(void **state)
{
	struct env *e = *state;
	struct kstat st, lst;
	struct path p;
	struct file *f;
	char buf[64];

	assert_int_equal(vfs_lookup(&e->o, "/etc/passwd", 0, &p), 0);
	assert_int_equal(vfs_truncate(&p, 4, &root_cred), 0);
	path_put(&p);
	assert_int_equal(get_file(&e->o, "/etc/passwd", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "root");
	assert_int_equal(get_file(&e->l, "/etc/passwd", buf, sizeof(buf)), 11);

	assert_int_equal(stat_at(&e->l, "/etc/app/conf", true, &lst), 0);
	assert_int_equal(vfs_lookup(&e->o, "/etc/app/conf", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0600, &root_cred), 0);
	assert_int_equal(vfs_chown(&p, 7, 8, &root_cred), 0);
	path_put(&p);
	assert_int_equal(stat_at(&e->o, "/etc/app/conf", true, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0600);
	assert_int_equal(st.uid, 7);
	assert_int_equal(st.gid, 8);
	assert_int_equal(st.ino, lst.ino);
	assert_int_equal(stat_at(&e->l, "/etc/app/conf", true, &lst), 0);
	assert_int_equal(lst.mode, S_IFREG | 0644);
	assert_int_equal(lst.uid, 0);
	assert_int_equal(get_file(&e->o, "/etc/app/conf", buf, sizeof(buf)), 4);

	/* O_RDONLY|O_TRUNC truncates (a copy-up after the open) and reads the copy. */
	assert_int_equal(vfs_open(&e->o, "/etc/hosts", O_RDONLY | O_TRUNC, 0, &f), 0);
	s64 pos = 0;
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &pos), 0);
	file_put(f);
	assert_int_equal(stat_at(&e->o, "/etc/hosts", true, &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(stat_at(&e->l, "/etc/hosts", true, &lst), 0);
	assert_int_equal(lst.size, 20);

	/* A directory's chmod copies it up and leaves it merged. */
	assert_int_equal(vfs_lookup(&e->o, "/etc/app", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0710, &root_cred), 0);
	path_put(&p);
	assert_int_equal(stat_at(&e->o, "/etc/app", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0710);
	assert_int_equal(stat_at(&e->u, "/etc/app", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0710);
	assert_int_equal(stat_at(&e->l, "/etc/app", true, &lst), 0);
	assert_int_equal(lst.mode, S_IFDIR | 0755);
	assert_int_equal(stat_at(&e->o, "/etc/app/conf", true, &st), 0);

	/* utimes copies up and sets exactly what it is told. */
	struct linux_timespec t[2] = {{.tv_sec = 1000}, {.tv_sec = 2000, .tv_nsec = 5}};
	assert_int_equal(vfs_lookup(&e->o, "/bin/busybox", 0, &p), 0);
	assert_int_equal(vfs_utimes(&p, t, &root_cred), 0);
	path_put(&p);
	assert_int_equal(stat_at(&e->o, "/bin/busybox", true, &st), 0);
	assert_int_equal(st.mtime.tv_sec, 2000);
	assert_int_equal(st.mtime.tv_nsec, 5);
	assert_int_equal(st.mode, S_IFREG | 0755);
	assert_int_equal(stat_at(&e->u, "/bin/busybox", true, &st), 0);
	assert_int_equal(st.atime.tv_sec, 1000);
}

static void test_overlay_ino_stable(void **state)
{
	struct env *e = *state;
	struct kstat l1, l2, o1, o2, n;

	assert_int_equal(stat_at(&e->l, "/etc", true, &l1), 0);
	assert_int_equal(stat_at(&e->l, "/etc/app/conf", true, &l2), 0);
	put_file(&e->o, "/etc/app/conf", "v=2\n"); /* copies up /etc, /etc/app, conf */
	/* Nothing holds the overlay inodes now: these look them up afresh in upper. */
	assert_int_equal(stat_at(&e->o, "/etc", true, &o1), 0);
	assert_int_equal(stat_at(&e->o, "/etc/app/conf", true, &o2), 0);
	assert_int_equal(o1.ino, l1.ino);
	assert_int_equal(o2.ino, l2.ino);
	assert_int_equal(o1.nlink, 1); /* a merged directory, as overlayfs */
	/* A file made in the overlay gets an ino no lower file can have. */
	put_file(&e->o, "/etc/new", "n\n");
	assert_int_equal(stat_at(&e->o, "/etc/new", true, &n), 0);
	assert_true(n.ino & (1ULL << 63));
	assert_int_equal(n.dev, e->ovl->dev);
	/* The root is merged too, with the lower root's ino. */
	assert_int_equal(stat_at(&e->l, "/", true, &l1), 0);
	assert_int_equal(stat_at(&e->o, "/", true, &o1), 0);
	assert_int_equal(o1.ino, l1.ino);
	/* Renamed after copy-up, it is still the same file. */
	assert_int_equal(vfs_rename(&e->o, "/etc/app/conf", &e->o, "/conf.moved", 0), 0);
	assert_int_equal(stat_at(&e->o, "/conf.moved", true, &o2), 0);
	assert_int_equal(o2.ino, l2.ino);
}

static void test_overlay_nested_copy_up(void **state)
{
	struct env *e = *state;
	struct kstat st, lst;
	char buf[64];

	put_file(&e->o, "/data/a/b/c/deep.txt", "deeper\n");
	assert_int_equal(get_file(&e->u, "/data/a/b/c/deep.txt", buf, sizeof(buf)), 7);
	assert_int_equal(get_file(&e->l, "/data/a/b/c/deep.txt", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "deep\n");
	/* The parents came up with the lower's mode, owner and times. */
	assert_int_equal(stat_at(&e->u, "/data", true, &st), 0);
	assert_int_equal(stat_at(&e->l, "/data", true, &lst), 0);
	assert_int_equal(st.mode, S_IFDIR | 0750);
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.gid, 1000);
	assert_int_equal(st.mtime.tv_sec, lst.mtime.tv_sec);
	assert_int_equal(st.mtime.tv_nsec, lst.mtime.tv_nsec);
	assert_int_equal(stat_at(&e->u, "/data/a", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);
	assert_int_equal(st.uid, 1001);
	assert_int_equal(st.gid, 1002);
	assert_int_equal(stat_at(&e->u, "/data/a/b/c", true, &st), 0);
	assert_true(S_ISDIR(st.mode));
	/* A new file deep in a lower-only tree copies the parents up too. */
	assert_int_equal(vfs_mkdir(&e->o, "/etc/app/sub", 0700), 0);
	assert_int_equal(stat_at(&e->u, "/etc/app/sub", true, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0700);
}

static void test_overlay_symlink_copy_up(void **state)
{
	struct env *e = *state;
	struct kstat st;
	struct path p;
	char buf[64];

	assert_int_equal(vfs_lookup(&e->o, "/bin/sh", 0, &p), 0);
	assert_int_equal(vfs_chown(&p, 5, 5, &root_cred), 0);
	path_put(&p);
	assert_int_equal(vfs_lookup(&e->u, "/bin/sh", 0, &p), 0);
	assert_int_equal(vfs_getattr(&p, &st), 0);
	assert_true(S_ISLNK(st.mode));
	assert_int_equal(st.uid, 5);
	assert_int_equal(vfs_readlink(&p, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "busybox", 7);
	path_put(&p);
	assert_int_equal(stat_at(&e->l, "/bin/sh", false, &st), 0);
	assert_int_equal(st.uid, 0);
	assert_int_equal(get_file(&e->o, "/bin/sh", buf, sizeof(buf)), 3);
	/* New symlinks go to upper. */
	assert_int_equal(vfs_symlink("/etc/passwd", &e->o, "/bin/pw"), 0);
	assert_int_equal(get_file(&e->o, "/bin/pw", buf, sizeof(buf)), 11);
	assert_int_equal(stat_at(&e->l, "/bin/pw", false, &st), -ENOENT);
}

static void test_overlay_hard_links(void **state)
{
	struct env *e = *state;
	struct kstat a, b;
	char buf[64];

	assert_int_equal(stat_at(&e->o, "/hard1", true, &a), 0);
	assert_int_equal(stat_at(&e->o, "/hard2", true, &b), 0);
	assert_int_equal(a.ino, b.ino);
	/* Writing one name changes the file the other names too, even after the inode goes. */
	put_file(&e->o, "/hard1", "changed\n");
	assert_int_equal(get_file(&e->o, "/hard2", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "changed\n");
	assert_int_equal(stat_at(&e->o, "/hard2", true, &b), 0);
	assert_int_equal(b.ino, a.ino);
	assert_int_equal(get_file(&e->l, "/hard2", buf, sizeof(buf)), 7);
	/* Renaming the other name links the copy there. */
	assert_int_equal(vfs_rename(&e->o, "/hard2", &e->o, "/hard3", 0), 0);
	assert_int_equal(get_file(&e->o, "/hard3", buf, sizeof(buf)), 8);
	assert_int_equal(stat_at(&e->o, "/hard2", true, &b), -ENOENT);
	/*
	 * Reached through its second name after the first one's directory is
	 * forgotten: the copy goes to the first name, whose directory the
	 * overlay inode alone keeps.
	 */
	struct file *f1, *f2;
	assert_int_equal(vfs_open(&e->o, "/data/l1/h", O_RDONLY, 0, &f1), 0);
	assert_int_equal(vfs_open(&e->o, "/data/l2/h", O_RDONLY, 0, &f2), 0);
	assert_ptr_equal(f1->inode, f2->inode);
	file_put(f1);
	assert_int_equal(vfs_chmod(&f2->path, 0600, &root_cred), 0);
	file_put(f2);
	assert_int_equal(stat_at(&e->o, "/data/l1/h", true, &a), 0);
	assert_int_equal(stat_at(&e->o, "/data/l2/h", true, &b), 0);
	assert_int_equal(a.mode, S_IFREG | 0600);
	assert_int_equal(b.mode, S_IFREG | 0600);
	assert_int_equal(a.ino, b.ino);

	/* link() in the overlay: one file, two upper names. */
	assert_int_equal(vfs_link(&e->o, "/etc/passwd", &e->o, "/etc/passwd.lnk", 0), 0);
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &a), 0);
	assert_int_equal(stat_at(&e->o, "/etc/passwd.lnk", true, &b), 0);
	assert_int_equal(a.ino, b.ino);
	assert_int_equal(b.nlink, 2);
	put_file(&e->o, "/etc/passwd.lnk", "x\n");
	assert_int_equal(get_file(&e->o, "/etc/passwd", buf, sizeof(buf)), 2);
	assert_int_equal(get_file(&e->l, "/etc/passwd", buf, sizeof(buf)), 11);
}

static void test_overlay_sparse_copy_up(void **state)
{
	struct env *e = *state;
	struct kstat st;
	struct path p;
	struct file *f;
	char buf[8];

	assert_int_equal(vfs_lookup(&e->o, "/sparse", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0600, &root_cred), 0);
	path_put(&p);
	assert_int_equal(stat_at(&e->u, "/sparse", true, &st), 0);
	assert_int_equal(st.size, (1 << 20) + 3);
	assert_true(st.blocks <= 16); /* the hole stayed a hole */
	assert_int_equal(vfs_open(&e->o, "/sparse", O_RDONLY, 0, &f), 0);
	s64 pos = (1 << 20) - 2;
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &pos), 5);
	assert_memory_equal(buf, "\0\0end", 5);
	assert_int_equal(vfs_llseek(f, 0, SEEK_END), (1 << 20) + 3);
	file_put(f);
}

static void test_overlay_unlinked_open_file(void **state)
{
	struct env *e = *state;
	struct listing l;
	struct kstat st;
	struct file *f;
	char buf[64];

	assert_int_equal(vfs_open(&e->o, "/etc/hosts", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_unlink(&e->o, "/etc/hosts"), 0);
	struct kstat root_before, root_after;
	assert_int_equal(stat_at(&e->u, "/", true, &root_before), 0);
	/* fchmod of the gone name copies up to an orphan nobody sees. */
	assert_int_equal(vfs_chmod(&f->path, 0640, &root_cred), 0);
	assert_int_equal(stat_at(&e->u, "/", true, &root_after), 0);
	assert_int_equal(root_after.mtime.tv_nsec, root_before.mtime.tv_nsec);
	assert_int_equal(root_after.mtime.tv_sec, root_before.mtime.tv_sec);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0640);
	s64 pos = 0;
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &pos), 20);
	file_put(f);
	assert_int_equal(list_dir(&e->u, "/", 16, &l), 0);
	assert_string_equal(listing_names(&l, buf, sizeof(buf)), "etc");
	assert_int_equal(stat_at(&e->o, "/etc/hosts", true, &st), -ENOENT);
	assert_int_equal(stat_at(&e->l, "/etc/hosts", true, &st), 0);
	assert_int_equal(st.mode, S_IFREG | 0644);
}

static void test_overlay_mknod_whiteout_refused(void **state)
{
	struct env *e = *state;
	assert_int_equal(vfs_mknod(&e->o, "/etc/wh", S_IFCHR | 0600, 0), -EPERM);
	assert_int_equal(vfs_mknod(&e->o, "/etc/fifo", S_IFIFO | 0600, 0), 0);
	struct kstat st;
	assert_int_equal(stat_at(&e->o, "/etc/fifo", true, &st), 0);
	assert_true(S_ISFIFO(st.mode));
}

struct racer {
	struct env *e;
	int id;
	int failures;
};

/*
 * Copy-ups of one file from several threads at once: chmod (which lets go
 * of the inode lock for the copy), opens for writing, stats, listings and
 * reads of descriptors opened before the copy.
 */
static void *race(void *arg)
{
	struct racer *r = arg;
	const char *files[] = {"/etc/passwd", "/etc/hosts", "/data/a/b/c/deep.txt"};
	struct listing l;
	struct kstat st;
	char buf[64];

	for (int i = 0; i < 100; i++) {
		const char *name = files[(i + r->id) % 3];
		struct path p;
		struct file *f;
		if (vfs_lookup(&r->e->o, name, 0, &p) == 0) {
			r->failures += vfs_chmod(&p, 0600 + (i & 7), &root_cred) != 0;
			path_put(&p);
		}
		if (vfs_open(&r->e->o, name, O_RDONLY, 0, &f) == 0) {
			s64 pos = 0;
			r->failures += vfs_read(f, buf, sizeof(buf), &pos) < 0;
			file_put(f);
		}
		if (vfs_open(&r->e->o, name, O_WRONLY, 0, &f) == 0) {
			s64 pos = 0;
			r->failures += vfs_write(f, "r", 1, &pos) != 1;
			file_put(f);
		}
		r->failures += stat_at(&r->e->o, name, true, &st) != 0;
		r->failures += list_dir(&r->e->o, "/etc", 8, &l) != 0 || l.n != 3;
	}
	return NULL;
}

static void test_overlay_concurrent_copy_up(void **state)
{
	struct env *e = *state;
	struct racer r[4];
	pthread_t t[4];
	struct kstat st, lst;
	char buf[64];

	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){.e = e, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].failures, 0);
	}
	assert_int_equal(get_file(&e->o, "/etc/passwd", buf, sizeof(buf)), 11);
	assert_int_equal(buf[0], 'r');
	assert_int_equal(stat_at(&e->o, "/etc/passwd", true, &st), 0);
	assert_int_equal(stat_at(&e->l, "/etc/passwd", true, &lst), 0);
	assert_int_equal(st.ino, lst.ino);
	assert_int_equal(lst.mode, S_IFREG | 0644);
	assert_int_equal(get_file(&e->l, "/data/a/b/c/deep.txt", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "deep\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_overlay_reads_lower),
		T(test_overlay_write_copies_up),
		T(test_overlay_truncate_chmod_copy_up),
		T(test_overlay_ino_stable),
		T(test_overlay_nested_copy_up),
		T(test_overlay_symlink_copy_up),
		T(test_overlay_hard_links),
		T(test_overlay_sparse_copy_up),
		T(test_overlay_unlinked_open_file),
		T(test_overlay_mknod_whiteout_refused),
		T(test_overlay_concurrent_copy_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
