// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer hides the runtime's file stores (--overlay2=root:self, names
 * starting with GOFER_HIDDEN_PREFIX) at the root of the root attach point:
 * a walk or unlink gets ENOENT, readdir skips them (even a whole batch of
 * them), and making one by any call gets EACCES, leaving the host file as
 * it was. Elsewhere the names are ordinary. Needs root (the gofer makes
 * namespaces). Usage: gofer_hidden_test RUNSK
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer/gofer.h"
#include "gofer_harness.h"

#define STORE GOFER_HIDDEN_PREFIX "c1"
#define NSTORES 40 /* more hidden names than a small Treaddir's batch */

static const char *runsk;

static int group_setup(void **state)
{
	char name[64];

	scratch_make();
	host_mkdir("root");
	host_write("root/" STORE, "the store\n");
	for (int i = 0; i < NSTORES; i++) {
		snprintf(name, sizeof(name), "root/" GOFER_HIDDEN_PREFIX "%02d", i);
		host_write(name, "another store\n");
	}
	host_write("root/a", "a\n");
	host_write("root/.runsk.filestorex", "not the prefix\n");
	host_mkdir("root/sub");
	host_write("root/sub/" STORE, "below the root: ordinary\n");
	return 0;
}

static int group_teardown(void **state)
{
	scratch_remove();
	return 0;
}

static void up(struct server *s)
{
	gofer_start(s, runsk, "root", false);
	server_connect(s);
}

static void down(struct server *s)
{
	int status = server_stop(s);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void expect_host(const char *rel, const char *want)
{
	char buf[256];
	int fd = open(scratch_path(rel), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static int walk_path(struct server *s, unsigned n, const char *const *names)
{
	u32 fid;
	int ret = gofer_walk(s->c, s->root, n, names, &fid, NULL);

	if (!ret)
		gofer_clunk(s->c, fid);
	return ret;
}

static void test_hidden_walk(void **state)
{
	struct server s;

	up(&s);
	assert_int_equal(walk_path(&s, 1, (const char *[]){STORE}), -ENOENT);
	assert_int_equal(walk_path(&s, 1, (const char *[]){GOFER_HIDDEN_PREFIX "07"}), -ENOENT);
	/* Through "..", the root is still the root. */
	assert_int_equal(walk_path(&s, 3, (const char *[]){"sub", "..", STORE}), -ENOENT);
	assert_int_equal(walk_path(&s, 2, (const char *[]){"sub", STORE}), 0);
	assert_int_equal(walk_path(&s, 1, (const char *[]){".runsk.filestorex"}), 0);
	assert_int_equal(walk_path(&s, 1, (const char *[]){"a"}), 0);
	down(&s);
}

struct listing {
	int hidden, a, sub, other, total;
	u64 last;
};

static int count_entry(void *arg, const struct p9_dirent *d)
{
	struct listing *l = arg;

	l->last = d->offset;
	l->total++;
	if (d->name.len >= strlen(GOFER_HIDDEN_PREFIX) &&
	    !memcmp(d->name.s, GOFER_HIDDEN_PREFIX, strlen(GOFER_HIDDEN_PREFIX)))
		l->hidden++;
	else if (p9_str_eq(d->name, "a"))
		l->a++;
	else if (p9_str_eq(d->name, "sub"))
		l->sub++;
	else if (p9_str_eq(d->name, ".runsk.filestorex"))
		l->other++;
	return 0;
}

/* Every entry of directory fid, count bytes per Treaddir. */
static struct listing list_dir(struct server *s, u32 fid, u32 count)
{
	struct listing l = {0};
	int n;

	do
		n = gofer_readdir(s->c, fid, l.last, count, count_entry, &l);
	while (n > 0);
	assert_int_equal(n, 0);
	return l;
}

static void test_hidden_readdir(void **state)
{
	struct gofer_open o;
	struct server s;
	u32 dir, sub;

	up(&s);
	assert_int_equal(gofer_walk(s.c, s.root, 0, NULL, &dir, NULL), 0);
	assert_int_equal(gofer_open(s.c, dir, P9_DOTL_RDONLY, &o), 0);
	/* Big batches, then batches of one or two entries: whole ones are hidden. */
	u32 counts[] = {8192, 64};
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		struct listing l = list_dir(&s, dir, counts[i]);
		assert_int_equal(l.hidden, 0);
		assert_int_equal(l.a, 1);
		assert_int_equal(l.sub, 1);
		assert_int_equal(l.other, 1);
		assert_int_equal(l.total, 5); /* . .. a sub .runsk.filestorex */
	}
	gofer_clunk(s.c, dir);
	assert_int_equal(gofer_walk(s.c, s.root, 1, (const char *[]){"sub"}, &sub, NULL), 0);
	assert_int_equal(gofer_open(s.c, sub, P9_DOTL_RDONLY, &o), 0);
	assert_int_equal(list_dir(&s, sub, 8192).hidden, 1);
	gofer_clunk(s.c, sub);
	down(&s);
}

static void test_hidden_not_made(void **state)
{
	struct gofer_open o;
	struct p9_qid qid;
	struct server s;
	u32 nf, a;

	up(&s);
	assert_int_equal(
		gofer_create(s.c, s.root, STORE, P9_DOTL_RDWR | P9_DOTL_TRUNC, 0644, 0, &nf, &o),
		-EACCES);
	assert_int_equal(gofer_create(s.c, s.root, GOFER_HIDDEN_PREFIX "new", P9_DOTL_RDWR, 0644, 0,
				      &nf, &o),
			 -EACCES);
	assert_int_equal(gofer_mkdir(s.c, s.root, GOFER_HIDDEN_PREFIX "d", 0755, 0, &qid), -EACCES);
	assert_int_equal(gofer_symlink(s.c, s.root, GOFER_HIDDEN_PREFIX "l", "a", 0, &qid),
			 -EACCES);
	assert_int_equal(
		gofer_mknod(s.c, s.root, GOFER_HIDDEN_PREFIX "n", S_IFREG | 0644, 0, 0, 0, &qid),
		-EACCES);
	assert_int_equal(gofer_walk(s.c, s.root, 1, (const char *[]){"a"}, &a, NULL), 0);
	assert_int_equal(gofer_link(s.c, s.root, a, STORE), -EACCES);
	gofer_clunk(s.c, a);
	/* A rename can neither replace the store nor take it away. */
	assert_int_equal(gofer_renameat(s.c, s.root, "a", s.root, STORE), -EACCES);
	assert_int_equal(gofer_renameat(s.c, s.root, STORE, s.root, "b"), -ENOENT);
	assert_int_equal(gofer_unlinkat(s.c, s.root, STORE, 0), -ENOENT);
	down(&s);
	expect_host("root/" STORE, "the store\n");
	expect_host("root/a", "a\n");
	struct stat st;
	assert_int_equal(stat(scratch_path("root/" GOFER_HIDDEN_PREFIX "new"), &st), -1);
	assert_int_equal(stat(scratch_path("root/" GOFER_HIDDEN_PREFIX "d"), &st), -1);
}

/* Below the root the prefix means nothing: the file is the container's. */
static void test_hidden_only_at_root(void **state)
{
	struct gofer_open o;
	struct server s;
	u32 sub, nf;

	up(&s);
	assert_int_equal(gofer_walk(s.c, s.root, 1, (const char *[]){"sub"}, &sub, NULL), 0);
	assert_int_equal(
		gofer_create(s.c, sub, GOFER_HIDDEN_PREFIX "x", P9_DOTL_RDWR, 0644, 0, &nf, &o), 0);
	if (o.fd >= 0)
		close(o.fd);
	gofer_clunk(s.c, nf);
	assert_int_equal(gofer_unlinkat(s.c, sub, GOFER_HIDDEN_PREFIX "x", 0), 0);
	gofer_clunk(s.c, sub);
	down(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hidden_walk),
		cmocka_unit_test(test_hidden_readdir),
		cmocka_unit_test(test_hidden_not_made),
		cmocka_unit_test(test_hidden_only_at_root),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RUNSK\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr,
			"gofer_hidden_test: needs root (the gofer makes namespaces); skipped\n");
		return 77;
	}
	runsk = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
