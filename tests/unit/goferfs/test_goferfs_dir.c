// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs directories against a real gofer (goferfs_harness.h): making
 * and removing entries, rename, listings (positions, seekdir, our own
 * changes showing at once) and a 5,000-entry directory listed whole and
 * fast. Each change is checked on the host tree too.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "goferfs_harness.h"

#define BIG_DIR_ENTRIES 5000

static void test_goferfs_directories(void **state)
{
	struct kstat before = vstat(&env.ctx, "/");
	assert_int_equal(vfs_mkdir(&env.ctx, "/d", 0750), 0);
	assert_int_equal(host_stat("d").st_mode, S_IFDIR | 0750);
	assert_int_equal(vfs_mkdir(&env.ctx, "/d", 0750), -EEXIST);
	struct kstat after = vstat(&env.ctx, "/");
	assert_int_equal(after.nlink, host_stat(".").st_nlink);
	assert_int_equal(after.nlink, before.nlink + 1);
	assert_true(after.mtime.tv_sec >= before.mtime.tv_sec);

	struct file *f = vopen(&env.ctx, "/d/f", O_CREAT | O_WRONLY, 0600);
	file_put(f);
	assert_int_equal(vfs_rmdir(&env.ctx, "/d"), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(&env.ctx, "/d/f"), 0);
	assert_false(host_exists("d/f"));
	assert_int_equal(vfs_rmdir(&env.ctx, "/d"), 0);
	assert_false(host_exists("d"));
	assert_int_equal(vstat(&env.ctx, "/").nlink, before.nlink);

	/* Symlinks and FIFOs are made on the host; device nodes never are. */
	assert_int_equal(vfs_symlink("some/where", &env.ctx, "/sl"), 0);
	char buf[64];
	ssize_t n = readlink(host_path("sl"), buf, sizeof(buf));
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "some/where", 10);
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/sl", 0, &p), 0);
	assert_int_equal(vfs_readlink(&p, buf, sizeof(buf)), 10);
	path_put(&p);
	assert_int_equal(vfs_mknod(&env.ctx, "/fifo", S_IFIFO | 0600, 0), 0);
	assert_true(S_ISFIFO(host_stat("fifo").st_mode));
	assert_true(S_ISFIFO(vstat(&env.ctx, "/fifo").mode));
	assert_int_equal(vfs_mknod(&env.ctx, "/null", S_IFCHR | 0600, linux_encode_dev(1, 3)),
			 -EPERM);
	assert_false(host_exists("null"));
	assert_int_equal(vfs_unlink(&env.ctx, "/sl"), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/fifo"), 0);
}

/*
 * A name found missing stays missing without asking the gofer again, even
 * if the host makes it meanwhile (the exclusive policy), until the sandbox
 * itself adds a name to the directory.
 */
static void test_goferfs_negative_lookups(void **state)
{
	assert_int_equal(vfs_mkdir(&env.ctx, "/neg", 0755), 0);
	assert_int_equal(vlookup(&env.ctx, "/neg/absent", 0), -ENOENT);
	host_write("neg/absent", "made on the host");
	assert_int_equal(vlookup(&env.ctx, "/neg/absent", 0), -ENOENT);
	/* The sandbox adds another name: the directory is asked afresh. */
	struct file *f = vopen(&env.ctx, "/neg/other", O_CREAT | O_WRONLY, 0600);
	file_put(f);
	assert_int_equal(vlookup(&env.ctx, "/neg/absent", 0), 0);
	/* A name the sandbox creates after a miss is found at once. */
	assert_int_equal(vlookup(&env.ctx, "/neg/later", 0), -ENOENT);
	assert_int_equal(vfs_mkdir(&env.ctx, "/neg/later", 0755), 0);
	assert_int_equal(vlookup(&env.ctx, "/neg/later", 0), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/neg/later"), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/neg/absent"), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/neg/other"), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/neg"), 0);
}

/* statfs passes on the host file system's numbers, as v9fs does. */
static void test_goferfs_statfs(void **state)
{
	struct statfs host;
	struct kstatfs st;
	struct path p;
	assert_int_equal(statfs(host_path(""), &host), 0);
	assert_int_equal(vfs_lookup(&env.ctx, "/", 0, &p), 0);
	assert_int_equal(vfs_statfs(&p, &st), 0);
	path_put(&p);
	assert_int_equal(st.type, (u64)host.f_type);
	assert_int_equal(st.bsize, (u64)host.f_bsize);
	assert_int_equal(st.blocks, host.f_blocks);
	assert_int_equal(st.namelen, (u64)host.f_namelen);
}

static void test_goferfs_rename(void **state)
{
	host_write("r1", "one");
	host_write("r2", "two");
	assert_int_equal(vfs_mkdir(&env.ctx, "/rd", 0755), 0);

	assert_int_equal(vfs_rename(&env.ctx, "/r1", &env.ctx, "/rd/moved", 0), 0);
	assert_false(host_exists("r1"));
	assert_string_equal(host_read("rd/moved"), "one");
	assert_int_equal(vlookup(&env.ctx, "/r1", 0), -ENOENT);

	/* Replacing: the victim, still held, has no links left. */
	struct path victim;
	assert_int_equal(vfs_lookup(&env.ctx, "/r2", 0, &victim), 0);
	assert_int_equal(vfs_rename(&env.ctx, "/rd/moved", &env.ctx, "/r2", LINUX_RENAME_NOREPLACE),
			 -EEXIST);
	assert_int_equal(vfs_rename(&env.ctx, "/rd/moved", &env.ctx, "/r2", 0), 0);
	assert_string_equal(host_read("r2"), "one");
	struct kstat st;
	assert_int_equal(vfs_getattr(&victim, &st), 0);
	assert_int_equal(st.nlink, 0);
	path_put(&victim);

	/* A directory changes parents: link counts follow the host's. */
	assert_int_equal(vfs_mkdir(&env.ctx, "/rd/sub", 0755), 0);
	assert_int_equal(vfs_rename(&env.ctx, "/rd/sub", &env.ctx, "/rsub", 0), 0);
	assert_true(S_ISDIR(host_stat("rsub").st_mode));
	assert_int_equal(vstat(&env.ctx, "/rd").nlink, host_stat("rd").st_nlink);
	assert_int_equal(vstat(&env.ctx, "/").nlink, host_stat(".").st_nlink);
	assert_int_equal(vfs_rename(&env.ctx, "/rsub", &env.ctx, "/r2", LINUX_RENAME_EXCHANGE),
			 -EINVAL);
	assert_int_equal(vfs_rename(&env.ctx, "/r2", &env.ctx, "/rd/r2", LINUX_RENAME_NOREPLACE),
			 0);
	assert_string_equal(host_read("rd/r2"), "one");
	assert_int_equal(vfs_unlink(&env.ctx, "/rd/r2"), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/rd"), 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/rsub"), 0);
}

/* A getdents in progress: collects names, at most limit per call. */
struct lister {
	struct dir_context ctx;
	unsigned limit, got;
	size_t n;
	char (*names)[LINUX_NAME_MAX + 1];
	u64 *inos;
	unsigned *types;
};

static bool lister_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino,
			unsigned type, s64 next)
{
	struct lister *l = container_of(ctx, struct lister, ctx);
	if (l->got == l->limit)
		return false;
	assert_true(l->n < BIG_DIR_ENTRIES + 16);
	memcpy(l->names[l->n], name, len);
	l->names[l->n][len] = 0;
	l->inos[l->n] = ino;
	l->types[l->n] = type;
	l->n++;
	l->got++;
	return true;
}

static void lister_init(struct lister *l)
{
	*l = (struct lister){.ctx.emit = lister_emit};
	l->names = calloc(BIG_DIR_ENTRIES + 16, sizeof(*l->names));
	l->inos = calloc(BIG_DIR_ENTRIES + 16, sizeof(*l->inos));
	l->types = calloc(BIG_DIR_ENTRIES + 16, sizeof(*l->types));
	assert_true(l->names && l->inos && l->types);
}

static void lister_free(struct lister *l)
{
	free(l->names);
	free(l->inos);
	free(l->types);
}

/* Iterate f to the end, per entries per call. */
static void list_rest(struct file *f, struct lister *l, unsigned per)
{
	do {
		l->got = 0;
		l->limit = per;
		assert_int_equal(vfs_iterate(f, &l->ctx), 0);
	} while (l->got);
}

static ssize_t find(const struct lister *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return i;
	return -1;
}

static void test_goferfs_iterate(void **state)
{
	struct lister l;
	lister_init(&l);
	assert_int_equal(vfs_mkdir(&env.ctx, "/ls", 0755), 0);
	host_write("ls/a", "");
	assert_int_equal(mkdir(host_path("ls/b"), 0755), 0);
	assert_int_equal(symlink("a", host_path("ls/c")), 0);

	struct file *f = vopen(&env.ctx, "/ls", O_RDONLY | O_DIRECTORY, 0);
	list_rest(f, &l, 2);
	assert_int_equal(l.n, 5);
	ssize_t dot = find(&l, "."), dotdot = find(&l, ".."), a = find(&l, "a");
	assert_true(dot >= 0 && dotdot >= 0 && a >= 0);
	assert_int_equal(l.inos[dot], host_stat("ls").st_ino);
	assert_int_equal(l.inos[dotdot], host_stat(".").st_ino);
	assert_int_equal(l.inos[a], host_stat("ls/a").st_ino);
	assert_int_equal(l.types[a], LINUX_DT_REG);
	assert_int_equal(l.types[find(&l, "b")], LINUX_DT_DIR);
	assert_int_equal(l.types[find(&l, "c")], LINUX_DT_LNK);

	/* seekdir back to a telldir position: the same entries follow. */
	assert_int_equal(vfs_llseek(f, 0, SEEK_SET), 0);
	l.n = 0;
	l.got = 0;
	l.limit = 2;
	assert_int_equal(vfs_iterate(f, &l.ctx), 0);
	s64 mark = f->pos;
	char third[LINUX_NAME_MAX + 1];
	list_rest(f, &l, 1);
	strcpy(third, l.names[2]);
	assert_int_equal(vfs_llseek(f, mark, SEEK_SET), mark);
	l.n = 0;
	list_rest(f, &l, 1);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.names[0], third);

	/* Our own changes show at once, in the open directory too. */
	assert_int_equal(vfs_mkdir(&env.ctx, "/ls/new", 0755), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/ls/a"), 0);
	assert_int_equal(vfs_llseek(f, 0, SEEK_SET), 0);
	l.n = 0;
	list_rest(f, &l, 100);
	assert_int_equal(l.n, 5);
	assert_true(find(&l, "new") >= 0);
	assert_true(find(&l, "a") < 0);
	file_put(f);

	/* A removed directory lists nothing. */
	struct file *g = vopen(&env.ctx, "/ls/new", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(vfs_rmdir(&env.ctx, "/ls/new"), 0);
	l.n = 0;
	l.limit = 100;
	assert_int_equal(vfs_iterate(g, &l.ctx), -ENOENT);
	file_put(g);
	lister_free(&l);
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_goferfs_big_directory(void **state)
{
	char name[64];
	struct lister l;
	lister_init(&l);
	assert_int_equal(mkdir(host_path("big"), 0755), 0);
	for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "big/entry-with-a-longish-name-%05d", i);
		int fd = open(host_path(name), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}

	double t0 = now_sec();
	struct file *f = vopen(&env.ctx, "/big", O_RDONLY | O_DIRECTORY, 0);
	list_rest(f, &l, 200); /* about what a 8 KiB getdents buffer holds */
	double t1 = now_sec();
	assert_int_equal(l.n, BIG_DIR_ENTRIES + 2);
	char *seen = calloc(BIG_DIR_ENTRIES, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < l.n; i++) {
		int k;
		if (sscanf(l.names[i], "entry-with-a-longish-name-%d", &k) == 1) {
			assert_true(k >= 0 && k < BIG_DIR_ENTRIES && !seen[k]);
			seen[k] = 1;
		}
	}
	for (int k = 0; k < BIG_DIR_ENTRIES; k++)
		assert_true(seen[k]);
	free(seen);

	/* The second listing comes from the cache. */
	assert_int_equal(vfs_llseek(f, 0, SEEK_SET), 0);
	l.n = 0;
	list_rest(f, &l, 200);
	double t2 = now_sec();
	assert_int_equal(l.n, BIG_DIR_ENTRIES + 2);
	file_put(f);
	print_message("    %d entries listed in %.1f ms, again in %.1f ms\n", BIG_DIR_ENTRIES,
		      (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	assert_true(t1 - t0 < 2.0);
	assert_true(t2 - t1 < t1 - t0);
	lister_free(&l);
}

int main(void)
{
	goferfs_require_root();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goferfs_directories),
		cmocka_unit_test(test_goferfs_negative_lookups),
		cmocka_unit_test(test_goferfs_statfs),
		cmocka_unit_test(test_goferfs_rename),
		cmocka_unit_test(test_goferfs_iterate),
		cmocka_unit_test(test_goferfs_big_directory),
	};
	return cmocka_run_group_tests(tests, goferfs_setup, goferfs_teardown);
}
