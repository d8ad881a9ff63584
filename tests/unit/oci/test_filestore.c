// SPDX-License-Identifier: Apache-2.0
/*
 * The file store of --overlay2=root:self (oci/filestore.c): its capacity
 * rule, and, in a real temporary directory, that create makes a 0600 file
 * with no name until oci_filestore_name gives it one, never over a taken
 * name or through a symlink, and that remove takes only the file made and
 * does not mind its absence.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "oci/cli.h"
#include "tests/unit/rmtree.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define MEM (64 * MiB)

static char dir[64];
static char err_line[1024];
static int err_lines;

/* main.c's, which this test does not link: keep the line to look at. */
void cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_line, sizeof(err_line), fmt, ap);
	va_end(ap);
	err_lines++;
}

/* DIR/NAME into buf. */
static const char *in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

static bool exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return !lstat(in_dir(path, sizeof(path), name), &st);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/test_filestore.XXXXXX");
	umask(022);
	err_lines = 0;
	err_line[0] = '\0';
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmtree(dir);
}

/* --- capacity --------------------------------------------------------------- */

static void test_capacity_big_fs_capped_at_16g(void **state)
{
	assert_int_equal(oci_filestore_capacity(1ULL << 40, MEM), 16 * GiB);
	assert_int_equal(oci_filestore_capacity(16 * GiB + 2 * MiB, 2 * GiB), 16 * GiB);
	assert_int_equal(oci_filestore_capacity(UINT64_MAX, 0), 16 * GiB);
}

static void test_capacity_small_fs_bounded_by_it(void **state)
{
	assert_int_equal(oci_filestore_capacity(64 * MiB, MEM), 64 * MiB);
	assert_int_equal(oci_filestore_capacity(16 * GiB - 2 * MiB, MEM), 16 * GiB - 2 * MiB);
}

static void test_capacity_rounds_down_to_2m(void **state)
{
	assert_int_equal(oci_filestore_capacity(101 * MiB, MEM), 100 * MiB);
	assert_int_equal(oci_filestore_capacity(4 * MiB - 1, MEM), 2 * MiB);
	assert_int_equal(oci_filestore_capacity(2 * MiB, MEM), 2 * MiB);
}

static void test_capacity_zero_when_nothing_fits(void **state)
{
	assert_int_equal(oci_filestore_capacity(0, MEM), 0);
	assert_int_equal(oci_filestore_capacity(2 * MiB - 1, MEM), 0);
}

/* Memory and store stay under 384 GiB; memory counts in whole 2 MiB units. */
static void test_capacity_bounded_by_the_span(void **state)
{
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 380 * GiB), 4 * GiB);
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 383 * GiB + 1), GiB - 2 * MiB);
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 384 * GiB - 2 * MiB), 2 * MiB);
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 384 * GiB - 1), 0);
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 384 * GiB), 0);
	assert_int_equal(oci_filestore_capacity(1ULL << 40, 512 * GiB), 0);
}

/* --- create, name, remove ----------------------------------------------------- */

static void test_create_makes_0600_named_later(void **state)
{
	struct oci_filestore fs;
	struct statvfs sv;
	struct stat st, named;
	char path[PATH_MAX];

	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), 0);
	assert_true(fs.fd >= 0);
	assert_true(fcntl(fs.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fstat(fs.fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(fs.dev, st.st_dev);
	assert_int_equal(fs.ino, st.st_ino);
	assert_int_equal(statvfs(dir, &sv), 0);
	assert_int_equal(fs.size, oci_filestore_capacity((u64)sv.f_blocks * sv.f_frsize, MEM));
	/* With O_TMPFILE (ext4, tmpfs, xfs, btrfs), nameless until named. */
	assert_int_equal(exists(".runsk.filestore.c1"), fs.named);
	assert_int_equal(st.st_nlink, fs.named ? 1 : 0);

	assert_int_equal(oci_filestore_name("test", dir, "c1", &fs), 0);
	assert_true(fs.named);
	assert_int_equal(lstat(in_dir(path, sizeof(path), ".runsk.filestore.c1"), &named), 0);
	assert_int_equal(named.st_ino, st.st_ino);
	assert_int_equal(named.st_mode & 07777, 0600);
	/* Named already: nothing to do. */
	assert_int_equal(oci_filestore_name("test", dir, "c1", &fs), 0);
	assert_int_equal(err_lines, 0);

	assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
	assert_int_equal(fs.fd, -1);
	assert_false(exists(".runsk.filestore.c1"));
}

static void test_create_refuses_a_taken_name(void **state)
{
	struct oci_filestore fs;
	char path[PATH_MAX];
	struct stat st;
	int fd = open(in_dir(path, sizeof(path), ".runsk.filestore.c1"), O_CREAT | O_WRONLY, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), -EEXIST);
	assert_int_equal(fs.fd, -1);
	assert_int_equal(err_lines, 1);
	assert_non_null(strstr(err_line, "runsk test:"));
	assert_non_null(strstr(err_line, ".runsk.filestore.c1"));
	/* The file there is left as it was. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void test_create_refuses_a_symlink(void **state)
{
	struct oci_filestore fs;
	char path[PATH_MAX], target[PATH_MAX];

	in_dir(target, sizeof(target), "target");
	assert_int_equal(symlink(target, in_dir(path, sizeof(path), ".runsk.filestore.c1")), 0);
	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), -EEXIST);
	assert_int_equal(fs.fd, -1);
	assert_false(exists("target"));
}

/* A name taken between create and name (or a symlink planted there) stays. */
static void test_name_refuses_a_name_taken_since(void **state)
{
	struct oci_filestore fs;
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), 0);
	if (fs.named) {
		assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
		skip(); /* no O_TMPFILE here: nothing is named later */
	}
	in_dir(target, sizeof(target), "target");
	assert_int_equal(symlink(target, in_dir(path, sizeof(path), ".runsk.filestore.c1")), 0);
	assert_int_equal(oci_filestore_name("test", dir, "c1", &fs), -EEXIST);
	assert_false(fs.named);
	assert_int_equal(err_lines, 1);
	assert_false(exists("target"));
	/* Remove leaves what is not its file alone. */
	assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_create_id_null_has_no_name(void **state)
{
	struct oci_filestore fs;
	struct stat st;

	assert_int_equal(oci_filestore_create("test", dir, NULL, MEM, &fs), 0);
	assert_int_equal(fstat(fs.fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(oci_filestore_name("test", dir, NULL, &fs), 0);
	assert_int_equal(oci_filestore_remove(dir, NULL, &fs), 0);
	assert_int_equal(fs.fd, -1);
	/* The directory is as it was: empty. */
	assert_int_equal(dir_entries(dir), 0);
}

static void test_create_bad_rootfs_or_id(void **state)
{
	struct oci_filestore fs;
	char path[PATH_MAX], id[NAME_MAX + 1];

	in_dir(path, sizeof(path), "none");
	assert_int_equal(oci_filestore_create("test", path, "c1", MEM, &fs), -ENOENT);
	assert_int_equal(fs.fd, -1);
	memset(id, 'a', NAME_MAX);
	id[NAME_MAX] = '\0';
	assert_int_equal(oci_filestore_create("test", dir, id, MEM, &fs), -ENAMETOOLONG);
	assert_int_equal(fs.fd, -1);
	assert_int_equal(err_lines, 2);
}

/* A store that was never named (runsk killed, or name failed): nothing to remove. */
static void test_remove_tolerates_absence(void **state)
{
	struct oci_filestore fs, none = OCI_FILESTORE_NONE;
	char path[PATH_MAX];

	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), 0);
	if (fs.named) /* no O_TMPFILE here: take its name away */
		assert_int_equal(unlink(in_dir(path, sizeof(path), ".runsk.filestore.c1")), 0);
	assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
	assert_int_equal(fs.fd, -1);
	assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
	assert_int_equal(oci_filestore_remove(dir, "c1", NULL), 0);
	assert_int_equal(oci_filestore_remove(dir, "c1", &none), 0);
	assert_false(exists(".runsk.filestore.c1"));
}

/* delete (fs NULL) removes a regular file of that name, never a symlink. */
static void test_remove_without_fs(void **state)
{
	char path[PATH_MAX], target[PATH_MAX];
	int fd = open(in_dir(path, sizeof(path), ".runsk.filestore.c1"), O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(oci_filestore_remove(dir, "c1", NULL), 0);
	assert_false(exists(".runsk.filestore.c1"));

	fd = open(in_dir(target, sizeof(target), "target"), O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(oci_filestore_remove(dir, "c1", NULL), 0);
	assert_true(exists(".runsk.filestore.c1"));
	assert_true(exists("target"));
}

/* A file put in its place since (not the one made) is not removed. */
static void test_remove_leaves_a_replaced_file(void **state)
{
	struct oci_filestore fs;
	char path[PATH_MAX];
	int fd;

	assert_int_equal(oci_filestore_create("test", dir, "c1", MEM, &fs), 0);
	assert_int_equal(oci_filestore_name("test", dir, "c1", &fs), 0);
	assert_int_equal(unlink(in_dir(path, sizeof(path), ".runsk.filestore.c1")), 0);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(oci_filestore_remove(dir, "c1", &fs), 0);
	assert_int_equal(fs.fd, -1);
	assert_true(exists(".runsk.filestore.c1"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_big_fs_capped_at_16g),
		cmocka_unit_test(test_capacity_small_fs_bounded_by_it),
		cmocka_unit_test(test_capacity_rounds_down_to_2m),
		cmocka_unit_test(test_capacity_zero_when_nothing_fits),
		cmocka_unit_test(test_capacity_bounded_by_the_span),
		T(test_create_makes_0600_named_later),
		T(test_create_refuses_a_taken_name),
		T(test_create_refuses_a_symlink),
		T(test_name_refuses_a_name_taken_since),
		T(test_create_id_null_has_no_name),
		T(test_create_bad_rootfs_or_id),
		T(test_remove_tolerates_absence),
		T(test_remove_without_fs),
		T(test_remove_leaves_a_replaced_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
