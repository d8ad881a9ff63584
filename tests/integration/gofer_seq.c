// SPDX-License-Identifier: Apache-2.0
/* The file-operation sequence both servers must answer alike (gofer_seq.h). */
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
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_harness.h"
#include "gofer_seq.h"

struct transcript {
	char *buf;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) note(struct transcript *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->cap - t->len < 512) {
		t->cap = t->cap ? 2 * t->cap : 4096;
		t->buf = realloc(t->buf, t->cap);
		assert_non_null(t->buf);
	}
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < t->cap - t->len);
	if (getenv("GOFER_TEST_VERBOSE"))
		fputs(t->buf + t->len, stderr);
	t->len += n;
}

void seq_prepare(const char *rel)
{
	char path[256];

	host_mkdir(rel);
	snprintf(path, sizeof(path), "%s/dir", rel);
	host_mkdir(path);
	snprintf(path, sizeof(path), "%s/dir/file.txt", rel);
	host_write(path, "the quick brown fox\n");
}

/* Walk root/path (components split at '/'); a new fid or -errno. */
static long walk(struct gofer_client *c, u32 root, const char *path)
{
	char copy[256], *save, *names[P9_MAXWELEM];
	unsigned int n = 0;
	u32 fid;
	int err;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *p = strtok_r(copy, "/", &save); p && n < P9_MAXWELEM;
	     p = strtok_r(NULL, "/", &save))
		names[n++] = p;
	err = gofer_walk(c, root, n, (const char *const *)names, &fid, NULL);
	return err ? err : (long)fid;
}

/* Whether root/path exists: the walk's result, its fid clunked again. */
static long probe(struct gofer_client *c, u32 root, const char *path)
{
	long fid = walk(c, root, path);

	if (fid >= 0)
		assert_int_equal(gofer_clunk(c, fid), 0);
	return fid;
}

/* Read a whole small file through the fid: donated fd or Tread. */
static int read_all(struct gofer_client *c, u32 fid, char *buf, size_t size)
{
	struct gofer_open o;
	ssize_t n;
	int err = gofer_open(c, fid, P9_DOTL_RDONLY, &o);

	if (err)
		return err;
	if (o.fd >= 0) {
		n = pread(o.fd, buf, size - 1, 0);
		close(o.fd);
	} else {
		n = gofer_read(c, fid, 0, buf, size - 1);
	}
	if (n < 0)
		return n;
	buf[n] = 0;
	return n;
}

static int collect_name(void *arg, const struct p9_dirent *d)
{
	char *names = arg;

	if (p9_str_eq(d->name, ".") || p9_str_eq(d->name, ".."))
		return 0;
	/* Sorted later; one line each. */
	strncat(names, d->name.s, d->name.len);
	strcat(names, "\n");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of an open directory fid, sorted, one per line. */
static void list_dir(struct gofer_client *c, u32 fid, struct transcript *t)
{
	char names[4096] = "", *lines[64], *save;
	size_t n = 0;
	u64 offset = 0;
	int got;

	/* 9P's cookies: continue from the last entry's offset. A callback
	 * that records it would do; re-reading from the start with a
	 * large count is simpler for a tiny directory. */
	got = gofer_readdir(c, fid, offset, 8192, collect_name, names);
	note(t, "readdir: %s\n", got > 0 ? "ok" : strerror(-got));
	for (char *p = strtok_r(names, "\n", &save); p && n < 64; p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++)
		note(t, "  %s\n", lines[i]);
}

static const char *err_name(long err)
{
	return err >= 0 ? "ok" : strerror(-err);
}

char *seq_run(struct gofer_client *c, u32 root)
{
	struct transcript t = {0};
	struct p9_attr a;
	struct gofer_open o;
	char buf[256];
	long fid, dir, f2;
	u32 nf;
	int err;

	/* Walks and a read. */
	fid = walk(c, root, "dir/file.txt");
	note(&t, "walk dir/file.txt: %s\n", err_name(fid));
	note(&t, "walk dir/nothing: %s\n", err_name(probe(c, root, "dir/nothing")));
	err = gofer_getattr(c, fid, P9_GETATTR_BASIC, &a);
	note(&t, "getattr: %s size %llu mode %o nlink %llu\n", err_name(err),
	     (unsigned long long)a.size, a.mode, (unsigned long long)a.nlink);
	err = read_all(c, fid, buf, sizeof(buf));
	note(&t, "read: %s \"%s\"\n", err_name(err), err >= 0 ? buf : "");
	assert_int_equal(gofer_clunk(c, fid), 0);

	/* Create, write through 9P, read back. */
	dir = walk(c, root, "dir");
	note(&t, "walk dir: %s\n", err_name(dir));
	err = gofer_create(c, dir, "new.txt", P9_DOTL_RDWR, 0640, 0, &nf, &o);
	note(&t, "create new.txt: %s\n", err_name(err));
	if (!err) {
		if (o.fd >= 0)
			close(o.fd);
		note(&t, "write: %zd\n", gofer_write(c, nf, 0, "hello, 9p", 9));
		assert_int_equal(gofer_getattr(c, nf, P9_GETATTR_BASIC, &a), 0);
		note(&t, "new.txt: size %llu mode %o\n", (unsigned long long)a.size, a.mode);
		note(&t, "fsync: %s\n", err_name(gofer_fsync(c, nf, false)));
		assert_int_equal(gofer_clunk(c, nf), 0);
	}
	err = gofer_create(c, dir, "new.txt", P9_DOTL_RDWR | P9_DOTL_EXCL, 0600, 0, &nf, &o);
	note(&t, "create new.txt again, O_EXCL: %s\n", err_name(err));
	/* Without O_EXCL, Tlcreate opens what is there, as open(O_CREAT) does. */
	err = gofer_create(c, dir, "new.txt", P9_DOTL_RDONLY, 0600, 0, &nf, &o);
	note(&t, "create new.txt again: %s\n", err_name(err));
	if (!err) {
		assert_int_equal(gofer_getattr(c, nf, P9_GETATTR_BASIC, &a), 0);
		note(&t, "  size %llu mode %o\n", (unsigned long long)a.size, a.mode);
		if (o.fd >= 0)
			close(o.fd);
		assert_int_equal(gofer_clunk(c, nf), 0);
	}

	/* Directories, symlinks, hard links. */
	note(&t, "mkdir sub: %s\n", err_name(gofer_mkdir(c, dir, "sub", 0750, 0, NULL)));
	note(&t, "mkdir sub again: %s\n", err_name(gofer_mkdir(c, dir, "sub", 0750, 0, NULL)));
	note(&t, "symlink: %s\n", err_name(gofer_symlink(c, dir, "link", "new.txt", 0, NULL)));
	f2 = walk(c, root, "dir/link");
	err = gofer_readlink(c, f2, buf, sizeof(buf));
	note(&t, "readlink: %s \"%s\"\n", err_name(err), err >= 0 ? buf : "");
	assert_int_equal(gofer_clunk(c, f2), 0);
	f2 = walk(c, root, "dir/new.txt");
	note(&t, "link: %s\n", err_name(gofer_link(c, dir, f2, "hard")));
	assert_int_equal(gofer_getattr(c, f2, P9_GETATTR_BASIC, &a), 0);
	note(&t, "nlink after link: %llu\n", (unsigned long long)a.nlink);

	/* Attributes. */
	struct p9_setattr sa = {.valid = P9_SETATTR_MODE, .mode = 0604};
	note(&t, "chmod: %s\n", err_name(gofer_setattr(c, f2, &sa)));
	sa = (struct p9_setattr){.valid = P9_SETATTR_SIZE, .size = 5};
	note(&t, "truncate: %s\n", err_name(gofer_setattr(c, f2, &sa)));
	sa = (struct p9_setattr){.valid = P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
				 .mtime_sec = 1000000000};
	note(&t, "utimes: %s\n", err_name(gofer_setattr(c, f2, &sa)));
	assert_int_equal(gofer_getattr(c, f2, P9_GETATTR_BASIC, &a), 0);
	note(&t, "after setattr: size %llu mode %o mtime %llu\n", (unsigned long long)a.size,
	     a.mode, (unsigned long long)a.mtime_sec);
	err = read_all(c, f2, buf, sizeof(buf));
	note(&t, "read after truncate: %s \"%s\"\n", err_name(err), err >= 0 ? buf : "");
	assert_int_equal(gofer_clunk(c, f2), 0);

	/* Extended attributes. */
	f2 = walk(c, root, "dir/hard");
	err = gofer_xattr_set(c, f2, "user.seq", "value", 5, 0);
	note(&t, "xattr set: %s\n", err_name(err));
	err = gofer_xattr_get(c, f2, "user.seq", buf, sizeof(buf));
	note(&t, "xattr get: %s \"%.*s\"\n", err_name(err), err > 0 ? err : 0, buf);
	err = gofer_xattr_get(c, f2, "user.none", buf, sizeof(buf));
	note(&t, "xattr get missing: %s\n", err_name(err));
	err = gofer_xattr_list(c, f2, buf, sizeof(buf));
	note(&t, "xattr list: %s has user.seq: %d\n", err_name(err),
	     err > 0 && memmem(buf, err, "user.seq", 9) != NULL);
	note(&t, "xattr remove: %s\n", err_name(gofer_xattr_remove(c, f2, "user.seq")));
	err = gofer_xattr_get(c, f2, "user.seq", buf, sizeof(buf));
	note(&t, "xattr get removed: %s\n", err_name(err));
	assert_int_equal(gofer_clunk(c, f2), 0);

	/* Rename, list, remove. */
	f2 = walk(c, root, "dir/sub");
	note(&t, "rename into sub: %s\n", err_name(gofer_renameat(c, dir, "new.txt", f2, "moved")));
	note(&t, "walk old name: %s\n", err_name(probe(c, root, "dir/new.txt")));
	fid = walk(c, root, "dir/sub/moved");
	note(&t, "walk new name: %s\n", err_name(fid));
	if (fid >= 0)
		assert_int_equal(gofer_clunk(c, fid), 0);
	fid = walk(c, root, "dir");
	assert_true(fid >= 0);
	assert_int_equal(gofer_open(c, fid, P9_DOTL_RDONLY, &o), 0);
	if (o.fd >= 0)
		close(o.fd);
	list_dir(c, fid, &t);
	assert_int_equal(gofer_clunk(c, fid), 0);
	note(&t, "rmdir non-empty: %s\n",
	     err_name(gofer_unlinkat(c, dir, "sub", P9_DOTL_AT_REMOVEDIR)));
	note(&t, "unlink dir without flag: %s\n", err_name(gofer_unlinkat(c, dir, "sub", 0)));
	note(&t, "unlink moved: %s\n", err_name(gofer_unlinkat(c, f2, "moved", 0)));
	assert_int_equal(gofer_clunk(c, f2), 0);
	note(&t, "rmdir: %s\n", err_name(gofer_unlinkat(c, dir, "sub", P9_DOTL_AT_REMOVEDIR)));
	note(&t, "unlink link: %s\n", err_name(gofer_unlinkat(c, dir, "link", 0)));
	f2 = walk(c, root, "dir/hard");
	note(&t, "remove hard: %s\n", err_name(gofer_remove(c, f2)));
	note(&t, "walk removed: %s\n", err_name(probe(c, root, "dir/hard")));

	/* Locks on an open file. */
	fid = walk(c, root, "dir/file.txt");
	assert_int_equal(gofer_open(c, fid, P9_DOTL_RDWR, &o), 0);
	if (o.fd >= 0)
		close(o.fd);
	struct gofer_flock l = {.type = P9_LOCK_TYPE_WRLCK, .length = 10, .proc_id = 1};
	u8 status = 0xff;
	err = gofer_lock(c, fid, &l, false, &status);
	note(&t, "lock: %s status %u\n", err_name(err), status);
	l = (struct gofer_flock){.type = P9_LOCK_TYPE_UNLCK, .length = 10, .proc_id = 1};
	err = gofer_lock(c, fid, &l, false, &status);
	note(&t, "unlock: %s status %u\n", err_name(err), status);
	assert_int_equal(gofer_clunk(c, fid), 0);

	struct p9_statfs sf;
	note(&t, "statfs: %s\n", err_name(gofer_statfs(c, dir, &sf)));
	assert_int_equal(gofer_clunk(c, dir), 0);
	return t.buf;
}
