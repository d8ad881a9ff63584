// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs files against a real gofer (goferfs_harness.h): lookups and the
 * host's attributes, data through the donated descriptor, llseek, links
 * sharing one inode, attribute changes and new files' owners, and the
 * read-only mount. Each change is checked on the host tree too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "goferfs_harness.h"

static void test_goferfs_lookup_and_attributes(void **state)
{
	struct stat hs = host_stat("hello.txt");
	struct kstat st = vstat(&env.ctx, "/hello.txt");
	assert_int_equal(st.mode, S_IFREG | 0644);
	assert_int_equal(st.size, 13);
	assert_int_equal(st.ino, hs.st_ino);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(st.uid, hs.st_uid);
	assert_int_equal(st.gid, hs.st_gid);
	assert_int_equal(st.mtime.tv_sec, hs.st_mtim.tv_sec);
	assert_int_equal(st.mtime.tv_nsec, hs.st_mtim.tv_nsec);
	assert_int_equal(st.blocks, hs.st_blocks);
	assert_false(st.mask & LINUX_STATX_BTIME); /* the gofer does not send it */

	assert_true(S_ISDIR(vstat(&env.ctx, "/").mode));
	assert_int_equal(vstat(&env.ctx, "/").ino, host_stat(".").st_ino);
	assert_int_equal(vlookup(&env.ctx, "/nope", 0), -ENOENT);
	assert_int_equal(vlookup(&env.ctx, "/hello.txt/x", 0), -ENOTDIR);
	assert_int_equal(vlookup(&env.ctx, "/sub/inner", 0), 0);
	assert_int_equal(vlookup(&env.ctx, "/sub/../sub/./inner", 0), 0);
	/* ".." stops at the mount's root: the host above it is not reachable. */
	assert_int_equal(vstat(&env.ctx, "/../..").ino, host_stat(".").st_ino);

	/* Symlinks: followed, read, and truncated as readlink(2) truncates. */
	assert_int_equal(vstat(&env.ctx, "/link").mode & S_IFMT, S_IFLNK);
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/link", LOOKUP_FOLLOW, &p), 0);
	assert_int_equal(path_inode(&p)->ino, hs.st_ino);
	path_put(&p);
	char buf[64];
	assert_int_equal(vfs_lookup(&env.ctx, "/link", 0, &p), 0);
	assert_int_equal(vfs_readlink(&p, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "hello.txt", 9);
	assert_int_equal(vfs_readlink(&p, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	path_put(&p);
}

static void test_goferfs_read_write(void **state)
{
	char buf[64] = {0};
	struct file *f = vopen(&env.ctx, "/hello.txt", O_RDONLY, 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &f->pos), 13);
	assert_string_equal(buf, "hello, world\n");
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &f->pos), 0);
	s64 pos = 7;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vfs_read(f, buf, 5, &pos), 5);
	assert_string_equal(buf, "world");
	assert_int_equal(pos, 12);
	assert_int_equal(vfs_write(f, "x", 1, &pos), -EBADF); /* the host fd is read-only */
	file_put(f);

	/* A new file: mode exact (umask 0 here), data and size on the host. */
	f = vopen(&env.ctx, "/new.txt", O_CREAT | O_EXCL | O_RDWR, 0640);
	vwrite_at(f, "abc", 0);
	assert_int_equal(host_stat("new.txt").st_mode, S_IFREG | 0640);
	assert_string_equal(host_read("new.txt"), "abc");
	assert_int_equal(vstat(&env.ctx, "/new.txt").size, 3);
	/* Past the end: a hole reads as zeros, size follows. */
	vwrite_at(f, "Z", 10);
	assert_int_equal(vstat(&env.ctx, "/new.txt").size, 11);
	assert_int_equal(host_stat("new.txt").st_size, 11);
	pos = 0;
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &pos), 11);
	assert_memory_equal(buf, "abc\0\0\0\0\0\0\0Z", 11);
	assert_int_equal(vfs_fsync(f), 0);
	file_put(f);

	/* O_APPEND writes go to the end whatever the position says. */
	f = vopen(&env.ctx, "/new.txt", O_WRONLY | O_APPEND, 0);
	pos = 0;
	assert_int_equal(vfs_write(f, "END", 3, &pos), 3);
	assert_int_equal(pos, 14);
	file_put(f);
	assert_int_equal(host_stat("new.txt").st_size, 14);
	assert_memory_equal(host_read("new.txt") + 10, "ZEND", 4);

	/* truncate(2) and O_TRUNC. */
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/new.txt", 0, &p), 0);
	assert_int_equal(vfs_truncate(&p, 2, &root_cred), 0);
	path_put(&p);
	assert_int_equal(vstat(&env.ctx, "/new.txt").size, 2);
	assert_string_equal(host_read("new.txt"), "ab");
	f = vopen(&env.ctx, "/new.txt", O_WRONLY | O_TRUNC, 0);
	assert_int_equal(vfs_ftruncate(f, 5, &root_cred), 0);
	assert_int_equal(vstat(&env.ctx, "/new.txt").size, 5);
	file_put(f);
	assert_int_equal(host_stat("new.txt").st_size, 5);
	/* Blocks come from the host after our writes. */
	assert_int_equal(vstat(&env.ctx, "/new.txt").blocks, host_stat("new.txt").st_blocks);
}

static void test_goferfs_llseek(void **state)
{
	/* A sparse host file; the host's own answers are the reference. */
	int fd = open(host_path("sparse"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "data", 4, 0), 4);
	assert_int_equal(pwrite(fd, "more", 4, 1 << 20), 4);
	off_t hole = lseek(fd, 0, SEEK_HOLE), data = lseek(fd, 8192, SEEK_DATA);
	close(fd);

	struct file *f = vopen(&env.ctx, "/sparse", O_RDONLY, 0);
	assert_int_equal(vfs_llseek(f, 0, SEEK_END), (1 << 20) + 4);
	assert_int_equal(vfs_llseek(f, -4, SEEK_CUR), 1 << 20);
	assert_int_equal(vfs_llseek(f, 0, SEEK_HOLE), hole);
	assert_int_equal(vfs_llseek(f, 8192, SEEK_DATA), data);
	assert_int_equal(vfs_llseek(f, (1 << 20) + 4, SEEK_DATA), -ENXIO);
	assert_int_equal(vfs_llseek(f, -1, SEEK_SET), -EINVAL);
	assert_int_equal(vfs_llseek(f, 0, 42), -EINVAL);
	char buf[4];
	assert_int_equal(vfs_read(f, buf, 4, &(s64){1 << 20}), 4);
	assert_memory_equal(buf, "more", 4);
	file_put(f);
}

static void test_goferfs_hard_links_share_an_inode(void **state)
{
	struct path a, b;
	host_write("h1", "shared");
	assert_int_equal(link(host_path("h1"), host_path("h2")), 0);
	assert_int_equal(vfs_lookup(&env.ctx, "/h1", 0, &a), 0);
	assert_int_equal(vfs_lookup(&env.ctx, "/h2", 0, &b), 0);
	assert_ptr_equal(path_inode(&a), path_inode(&b));
	assert_int_equal(path_inode(&a)->nlink, 2);
	path_put(&b);

	assert_int_equal(vfs_link(&env.ctx, "/h1", &env.ctx, "/h3", 0), 0);
	assert_int_equal(host_stat("h3").st_ino, host_stat("h1").st_ino);
	assert_int_equal(vfs_lookup(&env.ctx, "/h3", 0, &b), 0);
	assert_ptr_equal(path_inode(&a), path_inode(&b));
	assert_int_equal(path_inode(&a)->nlink, 3);
	path_put(&b);
	assert_int_equal(vfs_unlink(&env.ctx, "/h2"), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/h3"), 0);
	assert_int_equal(path_inode(&a)->nlink, 1);
	assert_int_equal(host_stat("h1").st_nlink, 1);
	path_put(&a);

	/* Freed inodes leave the cache: many rounds of make, look up, drop. */
	for (int i = 0; i < 50; i++) {
		struct file *f = vopen(&env.ctx, "/churn", O_CREAT | O_WRONLY, 0644);
		file_put(f);
		assert_int_equal(vstat(&env.ctx, "/churn").ino, host_stat("churn").st_ino);
		assert_int_equal(vfs_unlink(&env.ctx, "/churn"), 0);
	}
	assert_int_equal(vfs_unlink(&env.ctx, "/h1"), 0);
}

static void test_goferfs_unlinked_open_file(void **state)
{
	char buf[16] = {0};
	struct file *f = vopen(&env.ctx, "/tmpfile", O_CREAT | O_RDWR, 0600);
	vwrite_at(f, "still here", 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/tmpfile"), 0);
	assert_false(host_exists("tmpfile"));
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &(s64){0}), 10);
	assert_string_equal(buf, "still here");
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.nlink, 0);
	file_put(f);
}

static void test_goferfs_attributes_change(void **state)
{
	struct path p;
	host_write("attr", "x");
	assert_int_equal(vfs_lookup(&env.ctx, "/attr", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 04711, &root_cred), 0);
	assert_int_equal(host_stat("attr").st_mode, S_IFREG | 04711);
	assert_int_equal(vfs_chown(&p, 1234, 5678, &root_cred), 0);
	struct stat hs = host_stat("attr");
	assert_int_equal(hs.st_uid, 1234);
	assert_int_equal(hs.st_gid, 5678);
	struct kstat st;
	assert_int_equal(vfs_getattr(&p, &st), 0);
	assert_int_equal(st.uid, 1234);
	assert_int_equal(st.mode, hs.st_mode);
	const struct linux_timespec times[2] = {{1000000000, 5}, {1200000000, 7}};
	assert_int_equal(vfs_utimes(&p, times, &root_cred), 0);
	hs = host_stat("attr");
	assert_int_equal(hs.st_atim.tv_sec, 1000000000);
	assert_int_equal(hs.st_mtim.tv_sec, 1200000000);
	assert_int_equal(hs.st_mtim.tv_nsec, 7);
	assert_int_equal(vfs_getattr(&p, &st), 0);
	assert_int_equal(st.mtime.tv_sec, 1200000000);
	path_put(&p);
	assert_int_equal(vfs_unlink(&env.ctx, "/attr"), 0);
}

static void test_goferfs_new_files_belong_to_their_creator(void **state)
{
	assert_int_equal(vfs_mkdir(&env.ctx, "/shared", 0777), 0);
	struct file *f = vopen(&env.user_ctx, "/shared/mine", O_CREAT | O_WRONLY, 04755);
	file_put(f);
	struct stat hs = host_stat("shared/mine");
	assert_int_equal(hs.st_uid, 1000);
	assert_int_equal(hs.st_gid, 1000);
	assert_int_equal(hs.st_mode, S_IFREG | 04755);
	assert_int_equal(vfs_mkdir(&env.user_ctx, "/shared/dir", 0700), 0);
	assert_int_equal(host_stat("shared/dir").st_uid, 1000);
	assert_int_equal(vstat(&env.ctx, "/shared/dir").uid, 1000);
	/* The user may now do what owners may: chmod their file. */
	struct path p;
	assert_int_equal(vfs_lookup(&env.user_ctx, "/shared/mine", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0600, &user_cred), 0);
	path_put(&p);
	assert_int_equal(host_stat("shared/mine").st_mode, S_IFREG | 0600);
	assert_int_equal(vfs_unlink(&env.ctx, "/shared/mine"), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/shared/dir"), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/shared"), 0);
}

#define APPENDERS 4
#define RECORDS 100
#define RECORD_LEN 16

struct appender {
	pthread_t thread;
	struct file *f;
	int id;
};

static void *append_records(void *arg)
{
	struct appender *a = arg;
	char rec[RECORD_LEN + 1];
	for (int i = 0; i < RECORDS; i++) {
		snprintf(rec, sizeof(rec), "t%d-%05d-------\n", a->id, i);
		s64 pos = 0; /* ignored: O_APPEND */
		if (vfs_write(a->f, rec, RECORD_LEN, &pos) != RECORD_LEN)
			return "short write";
	}
	return NULL;
}

/* Appends from several threads land whole, one after another, none lost. */
static void test_goferfs_concurrent_appends(void **state)
{
	struct appender a[APPENDERS];
	struct file *f = vopen(&env.ctx, "/log", O_CREAT | O_WRONLY | O_APPEND, 0644);
	for (int i = 0; i < APPENDERS; i++) {
		a[i] = (struct appender){.f = f, .id = i};
		assert_int_equal(pthread_create(&a[i].thread, NULL, append_records, &a[i]), 0);
	}
	for (int i = 0; i < APPENDERS; i++) {
		void *ret;
		assert_int_equal(pthread_join(a[i].thread, &ret), 0);
		assert_null(ret);
	}
	file_put(f);
	assert_int_equal(vstat(&env.ctx, "/log").size, APPENDERS * RECORDS * RECORD_LEN);
	assert_int_equal(host_stat("log").st_size, APPENDERS * RECORDS * RECORD_LEN);

	int next[APPENDERS] = {0};
	FILE *h = fopen(host_path("log"), "r");
	assert_non_null(h);
	char line[64];
	while (fgets(line, sizeof(line), h)) {
		int id, i;
		assert_int_equal(strlen(line), RECORD_LEN);
		assert_int_equal(sscanf(line, "t%d-%d-", &id, &i), 2);
		assert_true(id >= 0 && id < APPENDERS);
		assert_int_equal(i, next[id]++); /* each thread's records in its order */
	}
	fclose(h);
	for (int i = 0; i < APPENDERS; i++)
		assert_int_equal(next[i], RECORDS);
	assert_int_equal(vfs_unlink(&env.ctx, "/log"), 0);
}

static void test_goferfs_readonly(void **state)
{
	const struct vfs_ctx *ro = &env.ro_ctx;
	struct file *f = NULL;
	char buf[32] = {0};

	f = vopen(ro, "/hello.txt", O_RDONLY, 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &f->pos), 13);
	file_put(f);
	assert_int_equal(vfs_open(ro, "/hello.txt", O_WRONLY, 0, &f), -EROFS);
	assert_int_equal(vfs_open(ro, "/hello.txt", O_RDWR, 0, &f), -EROFS);
	assert_int_equal(vfs_open(ro, "/hello.txt", O_RDONLY | O_TRUNC, 0, &f), -EROFS);
	assert_int_equal(vfs_open(ro, "/created", O_CREAT | O_RDONLY, 0644, &f), -EROFS);
	assert_int_equal(vfs_mkdir(ro, "/d", 0755), -EROFS);
	assert_int_equal(vfs_mknod(ro, "/p", S_IFIFO | 0644, 0), -EROFS);
	assert_int_equal(vfs_symlink("x", ro, "/s"), -EROFS);
	assert_int_equal(vfs_link(ro, "/hello.txt", ro, "/l", 0), -EROFS);
	assert_int_equal(vfs_unlink(ro, "/hello.txt"), -EROFS);
	assert_int_equal(vfs_rmdir(ro, "/sub"), -EROFS);
	assert_int_equal(vfs_rename(ro, "/hello.txt", ro, "/moved", 0), -EROFS);
	struct path p;
	assert_int_equal(vfs_lookup(ro, "/hello.txt", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0600, &root_cred), -EROFS);
	assert_int_equal(vfs_chown(&p, 1, 1, &root_cred), -EROFS);
	assert_int_equal(vfs_truncate(&p, 0, &root_cred), -EROFS);
	assert_int_equal(vfs_utimes(&p, NULL, &root_cred), -EROFS);
	path_put(&p);
	/* Nothing changed on the host (its gofer would have allowed it all). */
	assert_string_equal(host_read("hello.txt"), "hello, world\n");
	assert_int_equal(host_stat("hello.txt").st_mode, S_IFREG | 0644);
	assert_false(host_exists("created") || host_exists("d") || host_exists("p") ||
		     host_exists("s") || host_exists("l") || host_exists("moved"));
	assert_true(host_exists("sub"));
}

int main(void)
{
	goferfs_require_root();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goferfs_lookup_and_attributes),
		cmocka_unit_test(test_goferfs_read_write),
		cmocka_unit_test(test_goferfs_llseek),
		cmocka_unit_test(test_goferfs_hard_links_share_an_inode),
		cmocka_unit_test(test_goferfs_unlinked_open_file),
		cmocka_unit_test(test_goferfs_attributes_change),
		cmocka_unit_test(test_goferfs_new_files_belong_to_their_creator),
		cmocka_unit_test(test_goferfs_concurrent_appends),
		cmocka_unit_test(test_goferfs_readonly),
	};
	return cmocka_run_group_tests(tests, goferfs_setup, goferfs_teardown);
}
