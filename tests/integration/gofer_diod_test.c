// SPDX-License-Identifier: Apache-2.0
/*
 * Our client against a real 9P2000.L server: the file-operation sequence of
 * gofer_seq.c, run against diod and against `runsk gofer` on identical
 * trees, must give the same transcript, so the client speaks 9P as others
 * do and the gofer answers as others do. Skipped (77) without diod.
 * Usage: gofer_diod_test RUNSK
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_harness.h"
#include "gofer_seq.h"

static const char *runsk;

static int group_setup(void **state)
{
	scratch_make();
	seq_prepare("ours");
	seq_prepare("diod");
	return 0;
}

static int group_teardown(void **state)
{
	scratch_remove();
	return 0;
}

static char *run(struct server *s)
{
	char *t;

	server_connect(s);
	t = seq_run(s->c, s->root);
	assert_int_equal(gofer_clunk(s->c, s->root), 0);
	server_stop(s);
	return t;
}

static void test_diod_same_transcript(void **state)
{
	struct server ours, diod;
	char *a, *b;

	if (!diod_start(&diod, "diod"))
		skip();
	b = run(&diod);
	gofer_start(&ours, runsk, "ours", false);
	a = run(&ours);
	if (strcmp(a, b)) /* print_error would cut them short */
		fprintf(stderr, "runsk gofer:\n%s\ndiod:\n%s\n", a, b);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diod_same_transcript),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RUNSK\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "gofer_diod_test: needs root; skipped\n");
		return 77;
	}
	if (access("/usr/sbin/diod", X_OK)) {
		fprintf(stderr,
			"gofer_diod_test: diod is not installed (scripts/setup.sh); skipped\n");
		return 77;
	}
	runsk = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
