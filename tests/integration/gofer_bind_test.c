// SPDX-License-Identifier: Apache-2.0
/*
 * `runsk gofer --bind`: bind mounts served as attach points bind0, bind1...
 * A directory's, and a single file's (Kubernetes binds /etc/hosts,
 * /etc/resolv.conf, /etc/hostname into every pod): the file is the attach
 * root, nothing can be walked from it, read-only is honoured, writes reach
 * the host file, and it cannot be removed or renamed. Needs root (the gofer
 * makes namespaces). Usage: gofer_bind_test RUNSK
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_harness.h"

static const char *runsk;

static int group_setup(void **state)
{
	scratch_make();
	host_mkdir("root");
	host_mkdir("root/etc");
	host_write("root/etc/hosts", "image hosts\n");
	host_mkdir("host");
	host_write("host/hosts", "127.0.0.1 localhost pod\n");
	host_write("host/resolv.conf", "nameserver 10.0.0.10\n");
	host_write("host/secret", "sibling of the bound files\n");
	host_mkdir("host/dir");
	host_write("host/dir/a", "in a bound directory\n");
	return 0;
}

static int group_teardown(void **state)
{
	scratch_remove();
	return 0;
}

/* A gofer on root/ with bind0 = host/hosts (rw), bind1 = host/resolv.conf
 * (ro), bind2 = host/dir (rw); versioned and attached to "/". */
static void up(struct server *s)
{
	char root[4200], b0[4200], b1[4200], b2[4200];
	char *argv[] = {(char *)runsk, "gofer", root, "--fd=3", b0, b1, b2, NULL};

	snprintf(root, sizeof(root), "--root=%s", scratch_path("root"));
	snprintf(b0, sizeof(b0), "--bind=%s", scratch_path("host/hosts"));
	snprintf(b1, sizeof(b1), "--bind-ro=%s", scratch_path("host/resolv.conf"));
	snprintf(b2, sizeof(b2), "--bind=%s", scratch_path("host/dir"));
	server_start(s, argv);
	server_connect(s);
}

static void down(struct server *s)
{
	int status = server_stop(s);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static u32 attach(struct server *s, const char *aname, u8 qtype)
{
	struct p9_qid qid;
	u32 fid;

	assert_int_equal(gofer_attach(s->c, aname, 0, &fid, &qid), 0);
	assert_int_equal(qid.type, qtype);
	return fid;
}

/* The whole content of a donated descriptor, from offset 0. */
static void expect_content(int fd, const char *want)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
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

/* A file bind is served: attach gives a file qid, reads and writes work. */
static void test_bind_file_rw(void **state)
{
	struct p9_attr a;
	struct gofer_open o;
	struct server s;
	struct stat st;
	u32 fid, nf;

	up(&s);
	fid = attach(&s, "bind0", P9_QTFILE);
	assert_int_equal(gofer_getattr(s.c, fid, P9_GETATTR_BASIC, &a), 0);
	assert_true(S_ISREG(a.mode));
	assert_int_equal(stat(scratch_path("host/hosts"), &st), 0);
	assert_int_equal(a.size, st.st_size);
	/* Opened by a clone of the root fid, as the Sentry does. */
	assert_int_equal(gofer_walk(s.c, fid, 0, NULL, &nf, NULL), 0);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDWR, &o), 0);
	assert_true(o.fd >= 0);
	assert_int_equal(fstat(o.fd, &st), 0);
	struct stat host;
	assert_int_equal(stat(scratch_path("host/hosts"), &host), 0);
	assert_int_equal(st.st_ino, host.st_ino);
	assert_int_equal(st.st_dev, host.st_dev);
	expect_content(o.fd, "127.0.0.1 localhost pod\n");
	assert_int_equal(pwrite(o.fd, "10.1.2.3  pod\n", 14, 0), 14);
	assert_int_equal(ftruncate(o.fd, 14), 0);
	close(o.fd);
	expect_host("host/hosts", "10.1.2.3  pod\n");
	/* Without the donated descriptor: Twrite and Tread. */
	assert_int_equal(gofer_write(s.c, nf, 0, "10", 2), 2);
	char buf[32] = {0};
	assert_int_equal(gofer_read(s.c, nf, 0, buf, sizeof(buf) - 1), 14);
	assert_string_equal(buf, "10.1.2.3  pod\n");
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	/* O_TRUNC through Tlopen reaches the host file too. */
	assert_int_equal(gofer_walk(s.c, fid, 0, NULL, &nf, NULL), 0);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_WRONLY | P9_DOTL_TRUNC, &o), 0);
	assert_int_equal(write(o.fd, "x\n", 2), 2);
	close(o.fd);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	expect_host("host/hosts", "x\n");
	host_write("host/hosts", "127.0.0.1 localhost pod\n");
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	down(&s);
}

/* Nothing is reachable from a file's root: no name, not "..", not its siblings. */
static void test_bind_file_confined(void **state)
{
	static const char *const names[] = {"..", ".", "secret", "hosts", "file", ""};
	struct server s;
	u32 fid, nf;

	up(&s);
	fid = attach(&s, "bind0", P9_QTFILE);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(gofer_walk(s.c, fid, 1, &names[i], &nf, NULL), -ENOTDIR);
	/* Not a directory: nothing can be made in it, nor listed. */
	struct gofer_open o;
	assert_int_equal(gofer_create(s.c, fid, "x", P9_DOTL_WRONLY, 0644, 0, &nf, &o), -ENOTDIR);
	assert_int_equal(gofer_mkdir(s.c, fid, "x", 0755, 0, NULL), -ENOTDIR);
	assert_int_equal(gofer_unlinkat(s.c, fid, "x", 0), -ENOTDIR);
	/* The root of a mount cannot go: Tremove is EBUSY, and the fid is clunked. */
	assert_int_equal(gofer_walk(s.c, fid, 0, NULL, &nf, NULL), 0);
	assert_int_equal(gofer_remove(s.c, nf), -EBUSY);
	expect_host("host/hosts", "127.0.0.1 localhost pod\n");
	assert_int_equal(access(scratch_path("host/secret"), F_OK), 0);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	down(&s);
}

/* A read-only file bind: EROFS for every change, reads work. */
static void test_bind_file_ro(void **state)
{
	struct p9_setattr sa = {.valid = P9_SETATTR_MODE, .mode = 0600};
	struct p9_setattr trunc = {.valid = P9_SETATTR_SIZE, .size = 0};
	struct gofer_open o;
	struct server s;
	u32 fid, nf;

	up(&s);
	fid = attach(&s, "bind1", P9_QTFILE);
	assert_int_equal(gofer_walk(s.c, fid, 0, NULL, &nf, NULL), 0);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDWR, &o), -EROFS);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_WRONLY, &o), -EROFS);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDONLY | P9_DOTL_TRUNC, &o), -EROFS);
	assert_int_equal(gofer_setattr(s.c, nf, &sa), -EROFS);
	assert_int_equal(gofer_setattr(s.c, nf, &trunc), -EROFS);
	assert_int_equal(gofer_xattr_set(s.c, nf, "user.x", "1", 1, 0), -EROFS);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDONLY, &o), 0);
	assert_int_equal(fcntl(o.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	expect_content(o.fd, "nameserver 10.0.0.10\n");
	/* The host mount itself is read-only too, not only the gofer's check. */
	assert_int_equal(write(o.fd, "x", 1), -1);
	close(o.fd);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	expect_host("host/resolv.conf", "nameserver 10.0.0.10\n");
	down(&s);
}

/* A directory bind next to file binds still works, and stays beneath itself. */
static void test_bind_dir_next_to_files(void **state)
{
	static const char *const a[] = {"a"}, *const up2[] = {"..", "secret"};
	struct gofer_open o;
	struct server s;
	u32 fid, nf;

	up(&s);
	fid = attach(&s, "bind2", P9_QTDIR);
	assert_int_equal(gofer_walk(s.c, fid, 1, a, &nf, NULL), 0);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDONLY, &o), 0);
	expect_content(o.fd, "in a bound directory\n");
	close(o.fd);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	assert_int_equal(gofer_walk(s.c, fid, 2, up2, &nf, NULL), -ENOENT);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	/* The root is untouched by the file binds' private directories. */
	static const char *const hosts[] = {"etc", "hosts"};
	assert_int_equal(gofer_walk(s.c, s.root, 2, hosts, &nf, NULL), 0);
	assert_int_equal(gofer_open(s.c, nf, P9_DOTL_RDONLY, &o), 0);
	expect_content(o.fd, "image hosts\n");
	close(o.fd);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	down(&s);
}

/* A socket (or FIFO, or device) as a bind source: refused at start-up. */
static void test_bind_socket_refused(void **state)
{
	char root[4200], b0[4200];
	char *argv[] = {(char *)runsk, "gofer", root, "--fd=3", b0, NULL};
	struct server s;
	int status;

	assert_int_equal(mkfifo(scratch_path("host/fifo"), 0644), 0);
	snprintf(root, sizeof(root), "--root=%s", scratch_path("root"));
	snprintf(b0, sizeof(b0), "--bind=%s", scratch_path("host/fifo"));
	server_start(&s, argv);
	assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	close(s.sock);
	unlink(scratch_path("host/fifo"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_file_rw),
		cmocka_unit_test(test_bind_file_confined),
		cmocka_unit_test(test_bind_file_ro),
		cmocka_unit_test(test_bind_dir_next_to_files),
		cmocka_unit_test(test_bind_socket_refused),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RUNSK\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr,
			"gofer_bind_test: needs root (the gofer makes namespaces); skipped\n");
		return 77;
	}
	runsk = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
