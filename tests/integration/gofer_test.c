// SPDX-License-Identifier: Apache-2.0
/*
 * `runsk gofer` end to end: a real gofer process serving a scratch tree on a
 * socketpair, driven through the client library (gofer/client.h) and with
 * raw bytes. Needs root (the gofer makes namespaces). Usage: gofer_test RUNSK
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_harness.h"
#include "gofer_seq.h"

#define BIG_DIR_ENTRIES 2000

static const char *runsk;

static int group_setup(void **state)
{
	char name[64];

	scratch_make();
	seq_prepare("root");
	host_mkdir("root/etc");
	host_write("root/etc/passwd", "sandbox passwd\n");
	assert_int_equal(symlink("/etc/passwd", scratch_path("root/evil")), 0);
	assert_int_equal(symlink("../../../../../../..", scratch_path("root/up")), 0);
	host_mkdir("root/big");
	for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "root/big/entry-%04d", i);
		host_write(name, "");
	}
	host_mkdir("root/race");
	host_mkdir("root/race/d");
	host_mkdir("root/race/d/etc");
	host_write("root/race/d/etc/passwd", "inside\n");
	return 0;
}

static int group_teardown(void **state)
{
	scratch_remove();
	return 0;
}

/* A gofer on root/, connected and attached. */
static void up(struct server *s, bool ro)
{
	gofer_start(s, runsk, "root", ro);
	server_connect(s);
}

static void down(struct server *s)
{
	int status = server_stop(s);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static long walk(struct server *s, const char *a, const char *b, const char *c)
{
	const char *names[] = {a, b, c};
	unsigned int n = !a ? 0 : !b ? 1 : !c ? 2 : 3;
	u32 fid;
	int err = gofer_walk(s->c, s->root, n, names, &fid, NULL);

	return err ? err : (long)fid;
}

static void test_gofer_sequence(void **state)
{
	struct server s;
	char *t;

	up(&s, false);
	t = seq_run(s.c, s.root);
	/* Every line checked against what Linux itself does. */
	assert_string_equal(t, "walk dir/file.txt: ok\n"
			       "walk dir/nothing: No such file or directory\n"
			       "getattr: ok size 20 mode 100644 nlink 1\n"
			       "read: ok \"the quick brown fox\n\"\n"
			       "walk dir: ok\n"
			       "create new.txt: ok\n"
			       "write: 9\n"
			       "new.txt: size 9 mode 100640\n"
			       "fsync: ok\n"
			       "create new.txt again, O_EXCL: File exists\n"
			       "create new.txt again: ok\n"
			       "  size 9 mode 100640\n"
			       "mkdir sub: ok\n"
			       "mkdir sub again: File exists\n"
			       "symlink: ok\n"
			       "readlink: ok \"new.txt\"\n"
			       "link: ok\n"
			       "nlink after link: 2\n"
			       "chmod: ok\n"
			       "truncate: ok\n"
			       "utimes: ok\n"
			       "after setattr: size 5 mode 100604 mtime 1000000000\n"
			       "read after truncate: ok \"hello\"\n"
			       "xattr set: ok\n"
			       "xattr get: ok \"value\"\n"
			       "xattr get missing: No data available\n"
			       "xattr list: ok has user.seq: 1\n"
			       "xattr remove: ok\n"
			       "xattr get removed: No data available\n"
			       "rename into sub: ok\n"
			       "walk old name: No such file or directory\n"
			       "walk new name: ok\n"
			       "readdir: ok\n"
			       "  file.txt\n"
			       "  hard\n"
			       "  link\n"
			       "  sub\n"
			       "rmdir non-empty: Directory not empty\n"
			       "unlink dir without flag: Is a directory\n"
			       "unlink moved: ok\n"
			       "rmdir: ok\n"
			       "unlink link: ok\n"
			       "remove hard: ok\n"
			       "walk removed: No such file or directory\n"
			       "lock: ok status 0\n"
			       "unlock: ok status 0\n"
			       "statfs: ok\n");
	free(t);
	down(&s);
}

/*
 * A file system mounted under the root is served (as a host `/` has /tmp
 * or /home mounts), and its inode numbers, which start again from 1, do
 * not make its files look like the root's: qid paths stay unique.
 */
static void test_gofer_submount_qids(void **state)
{
	struct p9_qid root_qid, qids[2];
	struct server s;
	u32 fid;

	host_mkdir("mnt");
	host_mkdir("mnt/root");
	host_mkdir("mnt/root/sub");
	assert_int_equal(mount("tmpfs", scratch_path("mnt/root/sub"), "tmpfs", 0, "mode=0755"), 0);
	host_write("mnt/root/sub/inside", "on the tmpfs\n");
	gofer_start(&s, runsk, "mnt/root", false);
	s.aname = "/";
	s.c = gofer_client_create(s.sock, 65536);
	assert_false(IS_ERR(s.c));
	s.sock = -1;
	assert_int_equal(gofer_attach(s.c, "/", 0, &s.root, &root_qid), 0);
	const char *names[] = {"sub", "inside"};
	assert_int_equal(gofer_walk(s.c, s.root, 2, names, &fid, qids), 0);
	assert_int_equal(qids[0].type, P9_QTDIR);
	assert_int_not_equal(qids[0].path, root_qid.path);
	assert_int_not_equal(qids[1].path, root_qid.path);
	assert_int_not_equal(qids[0].path, qids[1].path);
	down(&s);
	assert_int_equal(umount2(scratch_path("mnt/root/sub"), MNT_DETACH), 0);
}

/*
 * An asynchronous clunk gives its fid number back only with the reply: a
 * burst of clunks and walks never reuses a number the gofer still knows.
 */
static void test_gofer_clunk_async(void **state)
{
	struct server s;
	u32 fids[200];

	up(&s, false);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 200; i++)
			assert_int_equal(gofer_walk(s.c, s.root, 0, NULL, &fids[i], NULL), 0);
		for (int i = 0; i < 200; i++)
			gofer_clunk_async(s.c, fids[i]);
	}
	/* Rounds after the first reuse numbers: each walk above would have
	 * failed had the server still known its new fid. */
	down(&s);
}

/* Tlopen hands over the host file itself; data then needs no gofer. */
static void test_gofer_open_donates_fd(void **state)
{
	struct gofer_open o;
	struct server s;
	struct stat st, host;
	char buf[64] = "";
	long fid;
	u32 nf;

	up(&s, false);
	fid = walk(&s, "dir", "file.txt", NULL);
	assert_true(fid >= 0);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), 0);
	assert_true(o.fd >= 0);
	assert_true(fcntl(o.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(o.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(pread(o.fd, buf, sizeof(buf), 0), 20);
	assert_string_equal(buf, "the quick brown fox\n");
	assert_int_equal(fstat(o.fd, &st), 0);
	assert_int_equal(stat(scratch_path("root/dir/file.txt"), &host), 0);
	assert_int_equal(st.st_ino, host.st_ino);
	assert_int_equal(o.qid.path, host.st_ino);
	close(o.fd);
	/* An open fid is busy: a second open fails, a walk from it works. */
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), -EBUSY);
	assert_int_equal(gofer_clunk(s.c, fid), 0);

	/* Directories get no descriptor. */
	fid = walk(&s, "dir", NULL, NULL);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), 0);
	assert_int_equal(o.fd, -1);
	assert_int_equal(o.qid.type, P9_QTDIR);

	/* A created file's descriptor writes to the host file. */
	assert_int_equal(gofer_create(s.c, s.root, "donated", P9_DOTL_WRONLY, 0600, 0, &nf, &o), 0);
	assert_true(o.fd >= 0);
	assert_int_equal(write(o.fd, "via fd", 6), 6);
	close(o.fd);
	assert_int_equal(stat(scratch_path("root/donated"), &host), 0);
	assert_int_equal(host.st_size, 6);
	assert_int_equal(host.st_mode & 07777, 0600);
	assert_int_equal(gofer_unlinkat(s.c, s.root, "donated", 0), 0);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	down(&s);
}

struct count {
	int entries;
	u64 last;
	bool seen[BIG_DIR_ENTRIES];
};

static int count_entry(void *arg, const struct p9_dirent *d)
{
	struct count *n = arg;
	int i;

	n->last = d->offset;
	if (d->name.len == 10 && !memcmp(d->name.s, "entry-", 6)) {
		/* Names are not NUL-terminated: four digits by hand. */
		i = 0;
		for (int k = 6; k < 10; k++)
			i = 10 * i + (d->name.s[k] - '0');
		assert_in_range(i, 0, BIG_DIR_ENTRIES - 1);
		assert_false(n->seen[i]);
		n->seen[i] = true;
		n->entries++;
	} else {
		assert_true(p9_str_eq(d->name, ".") || p9_str_eq(d->name, ".."));
	}
	return 0;
}

static void test_gofer_readdir_big(void **state)
{
	static struct count n;
	struct gofer_open o;
	struct server s;
	int calls = 0, got;
	long fid;

	up(&s, false);
	fid = walk(&s, "big", NULL, NULL);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), 0);
	memset(&n, 0, sizeof(n));
	while ((got = gofer_readdir(s.c, fid, n.last, 8192, count_entry, &n)) > 0)
		calls++;
	assert_int_equal(got, 0);
	assert_int_equal(n.entries, BIG_DIR_ENTRIES);
	assert_true(calls > 1); /* it really took several round trips */
	/* A count too small for one entry is an error, not an empty (end) reply. */
	assert_int_equal(gofer_readdir(s.c, fid, 0, 10, count_entry, &n), -EINVAL);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	down(&s);
}

static void test_gofer_owner(void **state)
{
	struct p9_setattr sa = {.valid = P9_SETATTR_UID | P9_SETATTR_GID, .uid = 1234, .gid = 5678};
	struct gofer_open o;
	struct server s;
	struct stat st;
	u32 user, nf;
	long fid;

	up(&s, false);
	/* A second attach as uid 1000: what it creates is 1000's. */
	assert_int_equal(gofer_attach(s.c, "", 1000, &user, NULL), 0);
	assert_int_equal(gofer_create(s.c, user, "owned", P9_DOTL_WRONLY, 0644, 100, &nf, &o), 0);
	close(o.fd);
	assert_int_equal(stat(scratch_path("root/owned"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 100);
	assert_int_equal(gofer_mkdir(s.c, user, "owned-dir", 0700, 100, NULL), 0);
	assert_int_equal(stat(scratch_path("root/owned-dir"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(gofer_setattr(s.c, nf, &sa), 0);
	assert_int_equal(stat(scratch_path("root/owned"), &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	/* Device nodes are never made; FIFOs are. */
	assert_int_equal(gofer_mknod(s.c, s.root, "dev", S_IFCHR | 0600, 1, 3, 0, NULL), -EPERM);
	assert_int_equal(gofer_mknod(s.c, s.root, "fifo", S_IFIFO | 0600, 0, 0, 0, NULL), 0);
	fid = walk(&s, "fifo", NULL, NULL);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), -EOPNOTSUPP);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	assert_int_equal(gofer_unlinkat(s.c, s.root, "fifo", 0), 0);
	assert_int_equal(gofer_unlinkat(s.c, s.root, "owned", 0), 0);
	assert_int_equal(gofer_unlinkat(s.c, s.root, "owned-dir", P9_DOTL_AT_REMOVEDIR), 0);
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	assert_int_equal(gofer_clunk(s.c, user), 0);
	down(&s);
}

/* Read the file fid names through its donated descriptor. */
static void read_via_fd(struct server *s, u32 fid, char *buf, size_t size)
{
	struct gofer_open o;
	ssize_t n;

	assert_int_equal(gofer_open(s->c, fid, P9_DOTL_RDONLY, &o), 0);
	n = pread(o.fd, buf, size - 1, 0);
	assert_true(n >= 0);
	buf[n] = 0;
	close(o.fd);
}

static void test_gofer_confined_paths(void **state)
{
	const char *dotdot[] = {"..", "..", "..", "etc", "passwd"};
	struct p9_qid qids[5];
	struct gofer_open o;
	struct server s;
	char buf[256];
	long fid;
	u32 nf;

	up(&s, false);
	/* A symlink to the host's /etc/passwd is only a symlink. */
	fid = walk(&s, "evil", NULL, NULL);
	assert_true(fid >= 0);
	assert_int_equal(gofer_readlink(s.c, fid, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "/etc/passwd");
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), -ELOOP);
	/* Nothing is reached through it: from the link itself, ENOTDIR; as
	 * part of a longer walk, 9P's partial walk (the client's ENOENT). */
	assert_int_equal(gofer_walk(s.c, fid, 1, (const char *[]){"x"}, &nf, NULL), -ENOTDIR);
	assert_int_equal(gofer_walk(s.c, fid, 1, (const char *[]){".."}, &nf, NULL), -ENOTDIR);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	assert_int_equal(walk(&s, "evil", "x", NULL), -ENOENT);
	assert_int_equal(walk(&s, "up", "etc", "passwd"), -ENOENT);

	/* ".." at the root stays there. */
	assert_int_equal(gofer_walk(s.c, s.root, 5, dotdot, &nf, qids), 0);
	read_via_fd(&s, nf, buf, sizeof(buf));
	assert_string_equal(buf, "sandbox passwd\n");
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	fid = walk(&s, "dir", "..", "..");
	assert_true(fid >= 0);
	assert_int_equal(gofer_walk(s.c, fid, 2, (const char *[]){"etc", "passwd"}, &nf, NULL), 0);
	read_via_fd(&s, nf, buf, sizeof(buf));
	assert_string_equal(buf, "sandbox passwd\n");
	assert_int_equal(gofer_clunk(s.c, nf), 0);
	assert_int_equal(gofer_clunk(s.c, fid), 0);

	/* Names are one component, never "." or "..". */
	assert_int_equal(walk(&s, "dir/file.txt", NULL, NULL), -EINVAL);
	assert_int_equal(walk(&s, ".", NULL, NULL), -EINVAL);
	assert_int_equal(walk(&s, "", NULL, NULL), -EINVAL);
	assert_int_equal(gofer_mkdir(s.c, s.root, "a/b", 0755, 0, NULL), -EINVAL);
	assert_int_equal(gofer_mkdir(s.c, s.root, "..", 0755, 0, NULL), -EINVAL);
	assert_int_equal(gofer_unlinkat(s.c, s.root, "../root", 0), -EINVAL);
	assert_int_equal(gofer_renameat(s.c, s.root, "dir", s.root, "../escaped"), -EINVAL);
	assert_int_equal(gofer_symlink(s.c, s.root, "x/y", "t", 0, NULL), -EINVAL);
	/* The attach root cannot be removed or renamed. */
	assert_int_equal(gofer_walk(s.c, s.root, 0, NULL, &nf, NULL), 0);
	assert_int_equal(gofer_remove(s.c, nf), -EBUSY);
	down(&s);
}

struct racer {
	volatile bool stop;
	int swaps;
};

/*
 * The host side of the race: keep replacing root/race/d, a real directory,
 * with a symlink to the host's "/" and back.
 */
static void *race_renames(void *arg)
{
	struct racer *r = arg;
	char d[512], saved[512];

	snprintf(d, sizeof(d), "%s", scratch_path("root/race/d"));
	snprintf(saved, sizeof(saved), "%s", scratch_path("root/race/saved"));
	while (!r->stop) {
		if (rename(d, saved) == 0) {
			if (symlink("/", d) == 0)
				unlink(d);
			rename(saved, d);
			r->swaps++;
		}
	}
	return NULL;
}

static void test_gofer_rename_race(void **state)
{
	const char *names[] = {"race", "d", "etc", "passwd"};
	struct racer r = {0};
	struct server s;
	pthread_t t;
	char buf[256];
	int ok = 0, failed = 0;

	up(&s, false);
	assert_int_equal(pthread_create(&t, NULL, race_renames, &r), 0);
	for (int i = 0; i < 3000; i++) {
		u32 fid;
		struct gofer_open o;

		if (gofer_walk(s.c, s.root, 4, names, &fid, NULL)) {
			failed++;
			continue;
		}
		if (gofer_open(s.c, fid, P9_DOTL_RDONLY, &o) == 0) {
			ssize_t n = pread(o.fd, buf, sizeof(buf) - 1, 0);
			assert_true(n >= 0);
			buf[n] = 0;
			/* Never the host's /etc/passwd. */
			assert_string_equal(buf, "inside\n");
			close(o.fd);
			ok++;
		}
		assert_int_equal(gofer_clunk(s.c, fid), 0);
	}
	r.stop = true;
	pthread_join(t, NULL);
	print_message("rename race: %d reads inside, %d walks refused, %d swaps\n", ok, failed,
		      r.swaps);
	assert_true(ok > 0);
	down(&s);
}

static void test_gofer_readonly(void **state)
{
	struct p9_setattr sa = {.valid = P9_SETATTR_MODE, .mode = 0600};
	struct gofer_open o;
	struct server s;
	long fid, dir;
	u32 nf;

	up(&s, true);
	dir = walk(&s, "dir", NULL, NULL);
	fid = walk(&s, "dir", "file.txt", NULL);
	assert_true(dir >= 0 && fid >= 0);
	assert_int_equal(gofer_create(s.c, dir, "x", P9_DOTL_WRONLY, 0644, 0, &nf, &o), -EROFS);
	assert_int_equal(gofer_mkdir(s.c, dir, "x", 0755, 0, NULL), -EROFS);
	assert_int_equal(gofer_symlink(s.c, dir, "x", "y", 0, NULL), -EROFS);
	assert_int_equal(gofer_mknod(s.c, dir, "x", S_IFIFO | 0644, 0, 0, 0, NULL), -EROFS);
	assert_int_equal(gofer_link(s.c, dir, fid, "x"), -EROFS);
	assert_int_equal(gofer_unlinkat(s.c, dir, "file.txt", 0), -EROFS);
	assert_int_equal(gofer_renameat(s.c, dir, "file.txt", dir, "y"), -EROFS);
	assert_int_equal(gofer_setattr(s.c, fid, &sa), -EROFS);
	assert_int_equal(gofer_xattr_set(s.c, fid, "user.x", "1", 1, 0), -EROFS);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDWR, &o), -EROFS);
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY | P9_DOTL_TRUNC, &o), -EROFS);
	/* Reading still works, and the donated descriptor is read-only. */
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), 0);
	assert_int_equal(fcntl(o.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(write(o.fd, "x", 1), -1);
	close(o.fd);
	assert_int_equal(gofer_remove(s.c, fid), -EROFS);
	assert_int_equal(gofer_clunk(s.c, dir), 0);
	down(&s);
}

/* Whatever the client asks, the gofer sets user.* attributes only. */
static void test_gofer_xattr_namespaces(void **state)
{
	(void)state;
	struct server s;
	int fid;

	up(&s, false);
	fid = walk(&s, "dir", "file.txt", NULL);
	assert_true(fid >= 0);
	assert_int_equal(gofer_xattr_set(s.c, fid, "user.ok", "1", 1, 0), 0);
	assert_int_equal(gofer_xattr_set(s.c, fid, "trusted.x", "1", 1, 0), -EOPNOTSUPP);
	assert_int_equal(gofer_xattr_set(s.c, fid, "security.capability", "1", 1, 0), -EOPNOTSUPP);
	assert_int_equal(gofer_xattr_set(s.c, fid, "system.posix_acl_access", "1", 1, 0),
			 -EOPNOTSUPP);
	assert_int_equal(gofer_clunk(s.c, fid), 0);
	down(&s);
}

/* Send m and expect Rlerror(err) for it. */
static void expect_lerror(struct server *s, const struct p9_msg *m, int err)
{
	struct p9_msg r;
	u8 *buf;

	raw_send(s, m);
	buf = raw_recv(s, &r);
	assert_non_null(buf);
	assert_int_equal(r.tag, m->tag);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.rlerror.ecode, err);
	free(buf);
}

static void expect_reply(struct server *s, const struct p9_msg *m, u8 type)
{
	struct p9_msg r;
	u8 *buf;

	raw_send(s, m);
	buf = raw_recv(s, &r);
	assert_non_null(buf);
	assert_int_equal(r.tag, m->tag);
	if (r.type == P9_RLERROR)
		fail_msg("%s got Rlerror %u", p9_type_name(m->type), r.rlerror.ecode);
	assert_int_equal(r.type, type);
	free(buf);
}

static void send_version(struct server *s)
{
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG, .tversion.msize = 65536};

	m.tversion.version = (struct p9_str){P9_VERSION_L, 8};
	expect_reply(s, &m, P9_RVERSION);
}

/* Bytes that frame as a message: size, type, tag, then body. */
static void send_frame(struct server *s, u8 type, u16 tag, const void *body, u32 len)
{
	u8 buf[512];
	u32 size = P9_HDRSZ + len;

	assert_true(size <= sizeof(buf));
	memcpy(buf, &size, 4);
	buf[4] = type;
	memcpy(buf + 5, &tag, 2);
	memcpy(buf + 7, body, len);
	raw_send_bytes(s, buf, size);
}

static void expect_frame_lerror(struct server *s, u8 type, u16 tag, const void *body, u32 len,
				int err)
{
	struct p9_msg r;
	u8 *buf;

	send_frame(s, type, tag, body, len);
	buf = raw_recv(s, &r);
	assert_non_null(buf);
	assert_int_equal(r.tag, tag);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.rlerror.ecode, err);
	free(buf);
}

static void test_gofer_hostile_messages(void **state)
{
	struct p9_msg m = {0};
	struct server s;
	u8 body[64] = {0};
	u8 *buf;

	gofer_start(&s, runsk, "root", false);
	/* Nothing before Tversion. */
	m = (struct p9_msg){.type = P9_TCLUNK, .tag = 1, .tclunk.fid = 0};
	expect_lerror(&s, &m, EPROTO);
	send_version(&s);
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 2, .tattach = {.fid = 7, .afid = P9_NOFID}};
	m.tattach.n_uname = 0;
	expect_reply(&s, &m, P9_RATTACH);
	/* The same fid again. */
	expect_lerror(&s, &m, EEXIST);
	/* Unknown fids. */
	m = (struct p9_msg){.type = P9_TGETATTR, .tag = 3, .tgetattr.fid = 99};
	expect_lerror(&s, &m, EBADF);
	m = (struct p9_msg){.type = P9_TREAD, .tag = 4, .tread = {.fid = 7, .count = 1 << 30}};
	expect_lerror(&s, &m, EBADF); /* not open */
	m = (struct p9_msg){.type = P9_TWALK, .tag = 5, .twalk = {.fid = 7, .newfid = 7}};
	expect_reply(&s, &m, P9_RWALK); /* newfid == fid: allowed */
	m = (struct p9_msg){.type = P9_TWALK, .tag = 6, .twalk = {.fid = 99, .newfid = 8}};
	expect_lerror(&s, &m, EBADF);
	m = (struct p9_msg){.type = P9_TWALK, .tag = 6, .twalk = {.fid = 7, .newfid = P9_NOFID}};
	expect_lerror(&s, &m, EINVAL);
	m = (struct p9_msg){.type = P9_TAUTH, .tag = 6, .tauth = {.afid = 1}};
	expect_lerror(&s, &m, EOPNOTSUPP);

	/* Malformed: truncated, padded, 17 names, a NUL in a name. */
	expect_frame_lerror(&s, P9_TGETATTR, 10, body, 4, EBADMSG);
	expect_frame_lerror(&s, P9_TCLUNK, 11, body, 5, EBADMSG);
	body[8] = 17; /* Twalk fid[4] newfid[4] nwname[2] */
	expect_frame_lerror(&s, P9_TWALK, 12, body, 10, EBADMSG);
	memcpy(body, "\x07\0\0\0\x08\0\0\0\x01\0\x03\0a\0b", 15);
	expect_frame_lerror(&s, P9_TWALK, 13, body, 15, EBADMSG);
	memcpy(body, "\x07\0\0\0\x08\0\0\0\x01\0\xff\xff", 12); /* name runs off the end */
	expect_frame_lerror(&s, P9_TWALK, 14, body, 12, EBADMSG);
	/* Unknown types, and R-messages, are not requests. */
	expect_frame_lerror(&s, 200, 15, body, 0, EOPNOTSUPP);
	expect_frame_lerror(&s, P9_RCLUNK, 16, body, 0, EOPNOTSUPP);
	/* Tflush of nothing in flight is answered at once. */
	m = (struct p9_msg){.type = P9_TFLUSH, .tag = 17, .tflush.oldtag = 1234};
	expect_reply(&s, &m, P9_RFLUSH);

	/* A size that cannot frame a message closes the connection. */
	raw_send_bytes(&s, "\xff\xff\xff\x7f\x64\x01\x00", 7);
	buf = raw_recv(&s, &m);
	assert_null(buf);
	down(&s);
}

/* xorshift: the same garbage every run */
static u32 rnd(u32 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/*
 * Random bodies under every request type, framed right: each gets an
 * answer, the gofer survives, and it exits cleanly at the end.
 */
static void test_gofer_garbage_storm(void **state)
{
	struct p9_msg m;
	struct server s;
	u32 seed = 12345;
	u8 body[200];
	u8 *buf;

	gofer_start(&s, runsk, "root", false);
	send_version(&s);
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 1, .tattach = {.fid = 0, .afid = P9_NOFID}};
	expect_reply(&s, &m, P9_RATTACH);
	for (int i = 0; i < 3000; i++) {
		u8 type = 8 + 2 * (rnd(&seed) % 58); /* T-message numbers, some unused */
		u32 len = rnd(&seed) % sizeof(body);

		/* Twalk/Tclunk/Tremove of fid 0 would end the test early;
		 * Tversion is answered in order; Tflush might eat a reply. */
		if (type == P9_TVERSION || type == P9_TFLUSH)
			continue;
		for (u32 j = 0; j < len; j++)
			body[j] = rnd(&seed);
		if (len >= 4 && (type == P9_TCLUNK || type == P9_TREMOVE))
			body[0] = 1 + body[0] % 200;
		send_frame(&s, type, 100, body, len);
		buf = raw_recv(&s, &m);
		assert_non_null(buf);
		assert_int_equal(m.tag, 100);
		free(buf);
	}
	/* Still serving. */
	m = (struct p9_msg){.type = P9_TGETATTR, .tag = 2, .tgetattr.fid = 0};
	expect_reply(&s, &m, P9_RGETATTR);
	down(&s);
}

static unsigned long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long v = ~0UL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtoul(line + strlen(key), NULL, key[0] == 'C' ? 16 : 10);
	fclose(f);
	return v;
}

static bool same_ns(pid_t pid, const char *ns)
{
	char a[64], b[64], la[64] = "", lb[64] = "";

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns);
	snprintf(b, sizeof(b), "/proc/self/ns/%s", ns);
	assert_true(readlink(a, la, sizeof(la) - 1) > 0);
	assert_true(readlink(b, lb, sizeof(lb) - 1) > 0);
	return !strcmp(la, lb);
}

/* What the confinement left: five capabilities, no_new_privs, a seccomp
 * filter, its own mount and network namespaces, no children. */
static void test_gofer_confinement(void **state)
{
	char path[64], children[64] = "";
	struct server s;
	FILE *f;

	up(&s, false);
	assert_int_equal(status_field(s.pid, "CapEff:"), 0x1f);
	assert_int_equal(status_field(s.pid, "CapPrm:"), 0x1f);
	assert_int_equal(status_field(s.pid, "CapBnd:"), 0x1f);
	assert_int_equal(status_field(s.pid, "CapAmb:"), 0);
	assert_int_equal(status_field(s.pid, "NoNewPrivs:"), 1);
	assert_int_equal(status_field(s.pid, "Seccomp:"), 2);
	assert_false(same_ns(s.pid, "mnt"));
	assert_false(same_ns(s.pid, "net"));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)s.pid, (int)s.pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_null(fgets(children, sizeof(children), f));
	fclose(f);
	down(&s);
	/* Reaped: nothing of ours is left behind. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

struct worker_arg {
	struct server *s;
	int ok;
};

static void *worker(void *p)
{
	struct worker_arg *w = p;
	const char *names[] = {"dir", "file.txt"};

	for (int i = 0; i < 300; i++) {
		struct gofer_open o;
		struct p9_attr a;
		char buf[32];
		u32 fid;

		if (gofer_walk(w->s->c, w->s->root, 2, names, &fid, NULL))
			continue;
		if (!gofer_getattr(w->s->c, fid, P9_GETATTR_BASIC, &a) && a.size == 20 &&
		    !gofer_open(w->s->c, fid, P9_DOTL_RDONLY, &o)) {
			if (gofer_read(w->s->c, fid, 4, buf, 5) == 5 && !memcmp(buf, "quick", 5))
				w->ok++;
			close(o.fd);
		}
		if (gofer_clunk(w->s->c, fid))
			w->ok = -100000;
	}
	return NULL;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Many threads share one client: tags keep their replies apart. */
static void test_gofer_concurrent_clients(void **state)
{
	struct worker_arg args[8];
	pthread_t t[8];
	struct server s;

	up(&s, false);
	for (int i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){.s = &s};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].ok, 300);
	}
	/* Everything clunked: no descriptor left behind but stderr, the
	 * socket, the root, and the attached root fid's. */
	assert_int_equal(count_fds(s.pid), 4);
	down(&s);
}

/*
 * A file keeps its fid across renames: by the client (the gofer follows),
 * not by someone else on the host (ESTALE, never some other file).
 */
static void test_gofer_fid_follows_rename(void **state)
{
	struct gofer_open o;
	struct server s;
	char buf[64];
	long fid, dir;

	host_write("root/dir/moving", "moving\n");
	up(&s, false);
	fid = walk(&s, "dir", "moving", NULL);
	dir = walk(&s, "dir", NULL, NULL);
	assert_true(fid >= 0 && dir >= 0);
	assert_int_equal(gofer_renameat(s.c, dir, "moving", s.root, "moved"), 0);
	read_via_fd(&s, fid, buf, sizeof(buf));
	assert_string_equal(buf, "moving\n");
	assert_int_equal(gofer_clunk(s.c, fid), 0);

	fid = walk(&s, "moved", NULL, NULL);
	host_rename("root/moved", "root/elsewhere");
	host_write("root/moved", "an impostor\n");
	assert_int_equal(gofer_open(s.c, fid, P9_DOTL_RDONLY, &o), -ESTALE);
	assert_int_equal(gofer_remove(s.c, fid), -ESTALE);
	assert_int_equal(unlink(scratch_path("root/elsewhere")), 0);
	assert_int_equal(unlink(scratch_path("root/moved")), 0);
	assert_int_equal(gofer_clunk(s.c, dir), 0);
	down(&s);
}

/*
 * Tflush: the flushed request is answered before Rflush or not at all,
 * never after; Tversion forgets every fid.
 */
static void test_gofer_flush_and_version(void **state)
{
	struct p9_msg m, r;
	struct server s;
	bool flushed = false, old_seen = false, seen[40] = {0};
	u8 *buf;
	int replies = 0;

	gofer_start(&s, runsk, "root", false);
	send_version(&s);
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 1, .tattach = {.fid = 0, .afid = P9_NOFID}};
	expect_reply(&s, &m, P9_RATTACH);
	m = (struct p9_msg){
		.type = P9_TWALK, .tag = 1, .twalk = {.fid = 0, .newfid = 1, .nwname = 1}};
	m.twalk.wnames[0] = (struct p9_str){"big", 3};
	expect_reply(&s, &m, P9_RWALK);
	m = (struct p9_msg){.type = P9_TLOPEN, .tag = 1, .tlopen = {.fid = 1}};
	expect_reply(&s, &m, P9_RLOPEN);
	/* Slow requests, so that the last is likely still queued. */
	for (u16 tag = 1; tag <= 40; tag++) {
		m = (struct p9_msg){
			.type = P9_TREADDIR, .tag = tag, .treaddir = {.fid = 1, .count = 60000}};
		raw_send(&s, &m);
	}
	m = (struct p9_msg){.type = P9_TFLUSH, .tag = 41, .tflush.oldtag = 40};
	raw_send(&s, &m);
	/* Every other request is answered once; 40 before Rflush or never. */
	while (!flushed || replies < 39) {
		buf = raw_recv(&s, &r);
		assert_non_null(buf);
		free(buf);
		if (r.tag == 41) {
			assert_int_equal(r.type, P9_RFLUSH);
			flushed = true;
		} else if (r.tag == 40) {
			assert_false(flushed);
			old_seen = true;
		} else {
			assert_true(r.tag >= 1 && r.tag < 40);
			assert_false(seen[r.tag]);
			seen[r.tag] = true;
			replies++;
		}
	}
	/* And nothing more for tag 40 after Rflush. */
	m = (struct p9_msg){.type = P9_TCLUNK, .tag = 42, .tclunk.fid = 1000};
	expect_lerror(&s, &m, EBADF);
	print_message("flush: the old request was %s\n", old_seen ? "answered first" : "dropped");

	/* Tversion again: fid 0 is gone. */
	send_version(&s);
	m = (struct p9_msg){.type = P9_TGETATTR, .tag = 1, .tgetattr.fid = 0};
	expect_lerror(&s, &m, EBADF);
	down(&s);
}

/* Each open fid owns its locks; a conflict says BLOCKED, never waits. */
static void test_gofer_locks(void **state)
{
	struct gofer_flock wr = {.type = P9_LOCK_TYPE_WRLCK, .start = 0, .length = 10};
	struct gofer_flock rd = {.type = P9_LOCK_TYPE_RDLCK, .start = 5, .length = 1};
	struct gofer_flock un = {.type = P9_LOCK_TYPE_UNLCK, .start = 0, .length = 10};
	struct gofer_flock probe = rd;
	struct gofer_open o;
	struct server s;
	long a, b;
	u8 status;

	up(&s, false);
	a = walk(&s, "dir", "file.txt", NULL);
	b = walk(&s, "dir", "file.txt", NULL);
	assert_int_equal(gofer_open(s.c, a, P9_DOTL_RDWR, &o), 0);
	close(o.fd);
	assert_int_equal(gofer_open(s.c, b, P9_DOTL_RDWR, &o), 0);
	close(o.fd);
	assert_int_equal(gofer_lock(s.c, a, &wr, false, &status), 0);
	assert_int_equal(status, P9_LOCK_SUCCESS);
	assert_int_equal(gofer_lock(s.c, b, &rd, true, &status), 0);
	assert_int_equal(status, P9_LOCK_BLOCKED);
	assert_int_equal(gofer_getlock(s.c, b, &probe), 0);
	assert_int_equal(probe.type, P9_LOCK_TYPE_WRLCK);
	assert_int_equal(probe.start, 0);
	assert_int_equal(probe.length, 10);
	assert_int_equal(gofer_lock(s.c, a, &un, false, &status), 0);
	assert_int_equal(gofer_lock(s.c, b, &rd, false, &status), 0);
	assert_int_equal(status, P9_LOCK_SUCCESS);
	probe = wr;
	assert_int_equal(gofer_getlock(s.c, a, &probe), 0);
	assert_int_equal(probe.type, P9_LOCK_TYPE_RDLCK);
	/* Not open: no locks. */
	assert_int_equal(gofer_lock(s.c, s.root, &wr, false, &status), -EBADF);
	assert_int_equal(gofer_clunk(s.c, a), 0);
	assert_int_equal(gofer_clunk(s.c, b), 0);
	down(&s);
}

/* The peer going away mid-stream ends the gofer, with status 0. */
static void test_gofer_exits_on_close(void **state)
{
	struct server s;

	gofer_start(&s, runsk, "root", false);
	send_version(&s);
	raw_send_bytes(&s, "\x20\0\0\0\x68\x01", 6); /* half a message */
	down(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gofer_sequence),
		cmocka_unit_test(test_gofer_open_donates_fd),
		cmocka_unit_test(test_gofer_submount_qids),
		cmocka_unit_test(test_gofer_clunk_async),
		cmocka_unit_test(test_gofer_readdir_big),
		cmocka_unit_test(test_gofer_owner),
		cmocka_unit_test(test_gofer_confined_paths),
		cmocka_unit_test(test_gofer_rename_race),
		cmocka_unit_test(test_gofer_readonly),
		cmocka_unit_test(test_gofer_xattr_namespaces),
		cmocka_unit_test(test_gofer_hostile_messages),
		cmocka_unit_test(test_gofer_garbage_storm),
		cmocka_unit_test(test_gofer_confinement),
		cmocka_unit_test(test_gofer_concurrent_clients),
		cmocka_unit_test(test_gofer_fid_follows_rename),
		cmocka_unit_test(test_gofer_locks),
		cmocka_unit_test(test_gofer_flush_and_version),
		cmocka_unit_test(test_gofer_exits_on_close),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RUNSK\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "gofer_test: needs root (the gofer makes namespaces); skipped\n");
		return 77;
	}
	runsk = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
