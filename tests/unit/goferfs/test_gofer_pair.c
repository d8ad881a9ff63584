// SPDX-License-Identifier: Apache-2.0
/*
 * The client's paired requests (gofer/client.c) against a real gofer,
 * whose workers may answer the second before the first: Twalk with the
 * Tgetattr of the fid it makes, and the clone's Twalk with its Tlopen.
 * Many rounds, so that the second running first (EBADF, sent again) is
 * seen; failures leave no fid behind, and attributes kept for a fid go
 * with its number.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "goferfs_harness.h"

#define ROUNDS 300

static u32 attach_root(void)
{
	struct p9_qid qid;
	u32 fid;
	assert_int_equal(gofer_attach(env.c, "/", 0, &fid, &qid), 0);
	return fid;
}

static void test_walk_getattr(void **state)
{
	(void)state;
	u32 root = attach_root();
	for (int i = 0; i < ROUNDS; i++) {
		struct p9_qid qid;
		struct p9_attr a;
		u32 fid;
		assert_int_equal(
			gofer_walk_getattr(env.c, root, "hello.txt", &fid, &qid, P9_GETATTR_BASIC),
			0);
		assert_int_equal(gofer_getattr(env.c, fid, P9_GETATTR_BASIC, &a), 0);
		assert_int_equal(a.qid.path, qid.path);
		assert_int_equal(a.size, 13);
		assert_true(S_ISREG(a.mode));
		assert_int_equal(gofer_clunk(env.c, fid), 0);
	}
	struct p9_qid qid;
	u32 fid = 12345;
	assert_int_equal(gofer_walk_getattr(env.c, root, "missing", &fid, &qid, P9_GETATTR_BASIC),
			 -ENOENT);
	assert_int_equal(fid, 12345); /* untouched */
	assert_int_equal(gofer_clunk(env.c, root), 0);
}

/* Kept attributes go with the fid number: its next file is asked afresh. */
static void test_walk_getattr_reuse(void **state)
{
	(void)state;
	u32 root = attach_root();
	struct p9_qid qid;
	struct p9_attr a;
	u32 fid, again;
	assert_int_equal(gofer_walk_getattr(env.c, root, "hello.txt", &fid, &qid, P9_GETATTR_BASIC),
			 0);
	assert_int_equal(gofer_clunk(env.c, fid), 0);
	const char *sub = "sub";
	assert_int_equal(gofer_walk(env.c, root, 1, &sub, &again, &qid), 0);
	assert_int_equal(again, fid); /* numbers are reused first */
	assert_int_equal(gofer_getattr(env.c, again, P9_GETATTR_BASIC, &a), 0);
	assert_true(S_ISDIR(a.mode));
	assert_int_equal(gofer_clunk(env.c, again), 0);
	assert_int_equal(gofer_clunk(env.c, root), 0);
}

static void test_walk_open(void **state)
{
	(void)state;
	u32 root = attach_root(), file;
	const char *name = "hello.txt";
	struct p9_qid qid;
	assert_int_equal(gofer_walk(env.c, root, 1, &name, &file, &qid), 0);
	for (int i = 0; i < ROUNDS; i++) {
		struct gofer_open o = {.fd = -1};
		char buf[16] = "";
		u32 fid;
		assert_int_equal(gofer_walk_open(env.c, file, P9_DOTL_RDONLY, &fid, &o), 0);
		assert_int_equal(o.qid.path, qid.path);
		assert_true(o.fd >= 0);
		assert_int_equal(pread(o.fd, buf, 5, 0), 5);
		assert_memory_equal(buf, "hello", 5);
		close(o.fd);
		assert_int_equal(gofer_clunk(env.c, fid), 0);
	}
	/* A fid the server does not know: both fail, nothing is left. */
	struct gofer_open o = {.fd = -1};
	u32 fid = 12345;
	assert_int_equal(gofer_walk_open(env.c, 0xfffff0, P9_DOTL_RDONLY, &fid, &o), -EBADF);
	assert_int_equal(fid, 12345);
	assert_int_equal(o.fd, -1);
	/* The open refused (a directory for writing): the clone is clunked. */
	const char *sub = "sub";
	u32 dir;
	assert_int_equal(gofer_walk(env.c, root, 1, &sub, &dir, &qid), 0);
	assert_int_equal(gofer_walk_open(env.c, dir, P9_DOTL_RDWR, &fid, &o), -EISDIR);
	assert_int_equal(fid, 12345);
	assert_int_equal(gofer_clunk(env.c, dir), 0);
	assert_int_equal(gofer_clunk(env.c, file), 0);
	assert_int_equal(gofer_clunk(env.c, root), 0);
}

int main(void)
{
	goferfs_require_root();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_getattr),
		cmocka_unit_test(test_walk_getattr_reuse),
		cmocka_unit_test(test_walk_open),
	};
	return cmocka_run_group_tests(tests, goferfs_setup, goferfs_teardown);
}
