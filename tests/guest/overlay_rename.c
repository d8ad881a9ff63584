// SPDX-License-Identifier: Apache-2.0
/*
 * rename(2) and renameat2(2) of directories that exist in the image, the
 * case an overlay root must handle with redirects (overlayfs's
 * redirect_dir), plus mmap through a file reopened by /proc/self/fd.
 *
 *   overlay_rename [FIXTURE]
 *   overlay_rename --make FIXTURE
 *
 * FIXTURE is a directory the tree below is made in by --make. Run
 * natively before runsk starts, that puts it in the image, so that under
 * `runsk do` every directory here is in the overlay's lower layer. The
 * checks put the tree back as it was (same names, types, modes, sizes and
 * contents), so the native run leaves the fixture as the sandboxed run
 * found it, and the caller can check the host tree is unchanged after
 * the sandbox exits. Without FIXTURE, the tree is made in a fresh
 * directory under /tmp and removed at the end (under runsk it is then all
 * in the upper layer). Only relative outcomes are printed: "same inode",
 * never an inode number.
 *
 *   d/f1 "one\n"   d/f2 "two\n"   d/sub/f3 "three\n"   x "x\n"   e/ (empty)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "guest_test.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static char fix[512];

static const char *P(const char *rel)
{
	static char buf[4][1024];
	static int i;
	char *b = buf[i++ & 3];
	snprintf(b, sizeof(buf[0]), "%s/%s", fix, rel);
	return b;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int make_fixture(void)
{
	if ((mkdir(fix, 0755) && errno != EEXIST) || mkdir(P("d"), 0755) ||
	    mkdir(P("d/sub"), 0755) || mkdir(P("e"), 0755) || put(P("d/f1"), "one\n") ||
	    put(P("d/f2"), "two\n") || put(P("d/sub/f3"), "three\n") || put(P("x"), "x\n"))
		return -1;
	return 0;
}

static long rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static unsigned long long ino_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* The names in dir, sorted, space-separated; d_ino of want_name in *dino. */
static const char *listing(const char *dir, const char *want_name, unsigned long long *dino)
{
	static char out[512];
	char names[32][256];
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return strerror(errno);
	struct dirent *e;
	while ((e = readdir(d)) && n < 32) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (want_name && dino && !strcmp(e->d_name, want_name))
			*dino = e->d_ino;
		snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "",
			 names[i]);
	return out;
}

static void expect_list(const char *dir, const char *want)
{
	const char *got = listing(P(dir), NULL, NULL);
	if (!check(!strcmp(got, want), "ls %s = [%s]", dir, want))
		printf("  got [%s]\n", got);
}

static void expect_content(const char *rel, const char *want)
{
	char buf[64] = {0};
	int fd = open(P(rel), O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (!check(n >= 0 && !strcmp(buf, want), "read %s", rel))
		printf("  got %zd [%s]\n", n, buf);
}

struct inos {
	unsigned long long d, f1, f2, sub, f3;
};

static void expect_same_inos(const struct inos *was, const char *dname)
{
	char b[5][128];
	snprintf(b[0], 128, "%s", dname);
	snprintf(b[1], 128, "%s/f1", dname);
	snprintf(b[2], 128, "%s/f2", dname);
	snprintf(b[3], 128, "%s/sub", dname);
	snprintf(b[4], 128, "%s/sub/f3", dname);
	check(ino_of(P(b[0])) == was->d, "st_ino of %s: same as before", b[0]);
	check(ino_of(P(b[1])) == was->f1, "st_ino of %s: same as before", b[1]);
	check(ino_of(P(b[2])) == was->f2, "st_ino of %s: same as before", b[2]);
	check(ino_of(P(b[3])) == was->sub, "st_ino of %s: same as before", b[3]);
	check(ino_of(P(b[4])) == was->f3, "st_ino of %s: same as before", b[4]);
}

static void test_rename_and_back(void)
{
	struct inos was;
	/* One at a time: P() reuses its buffers. */
	was.d = ino_of(P("d"));
	was.f1 = ino_of(P("d/f1"));
	was.f2 = ino_of(P("d/f2"));
	was.sub = ino_of(P("d/sub"));
	was.f3 = ino_of(P("d/sub/f3"));

	expect_ret(rename(P("d"), P("d2")), 0, "rename d d2");
	expect_err(access(P("d"), F_OK), ENOENT, "access d after the rename");
	expect_list(".", "d2 e x");
	expect_list("d2", "f1 f2 sub");
	expect_list("d2/sub", "f3");
	expect_same_inos(&was, "d2");
	unsigned long long dino = 0;
	listing(P("."), "d2", &dino);
	check(dino == was.d, "d_ino of d2 in its parent: its st_ino");
	dino = 0;
	listing(P("d2"), "sub", &dino);
	check(dino == was.sub, "d_ino of d2/sub: its st_ino");
	expect_content("d2/f1", "one\n");
	expect_content("d2/sub/f3", "three\n");

	/* Copy-up of a file below the moved directory, then put its data back. */
	int fd = open(P("d2/f2"), O_RDWR | O_APPEND);
	check(fd >= 0, "open d2/f2 O_RDWR");
	expect_ret(write(fd, "more\n", 5), 5, "append to d2/f2");
	expect_content("d2/f2", "two\nmore\n");
	check(ino_of(P("d2/f2")) == was.f2, "st_ino of d2/f2 after a write: same");
	expect_ret(ftruncate(fd, 4), 0, "ftruncate d2/f2 back");
	close(fd);

	/* Entries made and moved out below the moved directory. */
	expect_ret(put(P("d2/new"), "new\n"), 0, "create d2/new");
	expect_ret(rename(P("d2/f1"), P("f1.out")), 0, "rename d2/f1 out");
	expect_list("d2", "f2 new sub");
	expect_ret(rename(P("d2/sub"), P("d2/sub2")), 0, "rename d2/sub d2/sub2 (nested)");
	expect_list("d2", "f2 new sub2");
	expect_list("d2/sub2", "f3");
	expect_content("d2/sub2/f3", "three\n");

	/* Into another directory, and back. */
	expect_ret(rename(P("d2"), P("e/in")), 0, "rename d2 e/in");
	expect_list("e", "in");
	expect_list("e/in", "f2 new sub2");
	expect_ret(rename(P("e/in"), P("d2")), 0, "rename e/in d2");
	expect_list("e", "");

	expect_ret(rename(P("d2/sub2"), P("d2/sub")), 0, "rename d2/sub2 d2/sub");
	expect_ret(rename(P("f1.out"), P("d2/f1")), 0, "rename f1.out d2/f1");
	expect_ret(unlink(P("d2/new")), 0, "unlink d2/new");
	expect_ret(rename(P("d2"), P("d")), 0, "rename d2 d (back)");
	expect_err(access(P("d2"), F_OK), ENOENT, "access d2 after renaming back");
	expect_list(".", "d e x");
	expect_list("d", "f1 f2 sub");
	expect_same_inos(&was, "d");
	expect_content("d/f2", "two\n");
}

static void test_flags(void)
{
	unsigned long long dino = ino_of(P("d")), xino = ino_of(P("x"));

	expect_err(rename2(P("d"), P("x"), RENAME_NOREPLACE), EEXIST, "renameat2 d x NOREPLACE");
	expect_err(rename2(P("d"), P("e"), RENAME_NOREPLACE), EEXIST, "renameat2 d e NOREPLACE");
	expect_ret(rename2(P("d"), P("d3"), RENAME_NOREPLACE), 0, "renameat2 d d3 NOREPLACE");
	expect_list("d3", "f1 f2 sub");
	expect_ret(rename2(P("d3"), P("d"), RENAME_NOREPLACE), 0, "renameat2 d3 d NOREPLACE");

	/* With a file of the image. */
	expect_ret(rename2(P("d"), P("x"), RENAME_EXCHANGE), 0, "renameat2 d x EXCHANGE");
	expect_list("x", "f1 f2 sub");
	expect_content("d", "x\n");
	expect_content("x/sub/f3", "three\n");
	check(ino_of(P("x")) == dino && ino_of(P("d")) == xino, "exchanged st_inos");
	expect_ret(rename2(P("x"), P("d"), RENAME_EXCHANGE), 0, "renameat2 x d EXCHANGE (back)");
	expect_list("d", "f1 f2 sub");
	expect_content("x", "x\n");

	/* With a new file (the upper layer's only). */
	expect_ret(put(P("u"), "u\n"), 0, "create u");
	expect_ret(rename2(P("d"), P("u"), RENAME_EXCHANGE), 0, "renameat2 d u EXCHANGE");
	expect_list(".", "d e u x");
	expect_list("u", "f1 f2 sub");
	expect_content("d", "u\n");
	expect_ret(rename2(P("u"), P("d"), RENAME_EXCHANGE), 0, "renameat2 u d EXCHANGE (back)");
	expect_content("u", "u\n");
	expect_ret(unlink(P("u")), 0, "unlink u");

	/* Two directories of the image. */
	expect_ret(rename2(P("d"), P("e"), RENAME_EXCHANGE), 0, "renameat2 d e EXCHANGE");
	expect_list("e", "f1 f2 sub");
	expect_list("d", "");
	expect_ret(rename2(P("e"), P("d"), RENAME_EXCHANGE), 0, "renameat2 e d EXCHANGE (back)");
	expect_list("d", "f1 f2 sub");
	expect_list("e", "");

	/* Over an empty directory of the image, which goes; made again after. */
	expect_ret(rename(P("d"), P("e")), 0, "rename d e (over an empty directory)");
	expect_list(".", "e x");
	expect_list("e", "f1 f2 sub");
	expect_ret(rename(P("e"), P("d")), 0, "rename e d (back)");
	expect_ret(mkdir(P("e"), 0755), 0, "mkdir e again");
	expect_err(rename(P("x"), P("d")), EISDIR, "rename x d (file over directory)");
	expect_err(rename(P("d"), P("x")), ENOTDIR, "rename d x (directory over file)");
	expect_err(rename(P("d"), P("d/sub/in")), EINVAL, "rename d into itself");
	expect_list(".", "d e x");
}

/*
 * mmap of a file reopened through /proc/self/fd maps the original: for a
 * pipe, that is -ENODEV. (A memfd cannot be reopened so in the sandbox
 * yet: its link names "/memfd:... (deleted)", and the walk has no magic
 * links to jump to the open file.)
 */
static void test_proc_reopen_mmap(void)
{
	int p[2];
	if (!check(pipe(p) == 0, "pipe"))
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	check(r >= 0, "open /proc/self/fd/<pipe>");
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, r, 0);
	expect_err(m == MAP_FAILED ? -1 : 0, ENODEV, "mmap of a reopened pipe");
	close(r);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--make")) {
		snprintf(fix, sizeof(fix), "%s", argv[2]);
		return make_fixture() ? (perror("make fixture"), 1) : 0;
	}
	guest_start("overlay_rename");
	bool own = argc < 2;
	if (own) {
		snprintf(fix, sizeof(fix), "/tmp/ovlr.XXXXXX");
		if (!mkdtemp(fix) || make_fixture()) {
			perror("fixture");
			return 1;
		}
	} else {
		snprintf(fix, sizeof(fix), "%s", argv[1]);
	}
	test_rename_and_back();
	test_flags();
	test_proc_reopen_mmap();
	if (own &&
	    (unlink(P("d/f1")) || unlink(P("d/f2")) || unlink(P("d/sub/f3")) || rmdir(P("d/sub")) ||
	     rmdir(P("d")) || rmdir(P("e")) || unlink(P("x")) || rmdir(fix)))
		printf("FAIL cleanup: %s\n", strerror(errno));
	return guest_finish();
}
