// SPDX-License-Identifier: Apache-2.0
/*
 * statfs and fstatfs: what holds on any file system (the host's and the
 * sandbox's differ in type and size): both calls agree, the numbers are
 * sane, /proc is procfs, a pipe is pipefs, and the errors are Linux's.
 */
#include "fs_test.h"

#include <sys/statfs.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define PIPEFS_MAGIC 0x50495045

static void test_statfs(void)
{
	struct statfs a, b;
	check(fs_put("f", "x") == 0, "make f");
	expect_ret(statfs("f", &a), 0, "statfs(f)");
	int fd = open("f", O_RDONLY);
	expect_ret(fstatfs(fd, &b), 0, "fstatfs(f)");
	close(fd);
	check(a.f_type == b.f_type && !memcmp(&a.f_fsid, &b.f_fsid, sizeof(a.f_fsid)) &&
		      a.f_bsize == b.f_bsize,
	      "statfs and fstatfs agree on type, fsid and block size");
	check(a.f_bsize > 0 && a.f_frsize > 0 && a.f_namelen == 255 && a.f_bfree <= a.f_blocks &&
		      a.f_bavail <= a.f_blocks,
	      "block size set, names up to 255, free within total");
	check(a.f_flags & 0x20, "f_flags has ST_VALID");
	fd = open(".", O_PATH);
	expect_ret(fstatfs(fd, &b), 0, "fstatfs(O_PATH descriptor)");
	close(fd);

	expect_ret(statfs("/proc", &a), 0, "statfs(/proc)");
	check(a.f_type == PROC_SUPER_MAGIC, "/proc is procfs");
	int p[2];
	check(pipe(p) == 0, "pipe");
	expect_ret(fstatfs(p[0], &a), 0, "fstatfs(pipe)");
	check(a.f_type == PIPEFS_MAGIC, "a pipe is on pipefs");
	close(p[0]);
	close(p[1]);

	expect_err(statfs("missing", &a), ENOENT, "statfs(missing)");
	expect_err(statfs("f/x", &a), ENOTDIR, "statfs(f/x)");
	expect_err(fstatfs(-1, &a), EBADF, "fstatfs(-1)");
	expect_err(syscall(SYS_statfs, "f", (void *)8L), EFAULT, "statfs(bad buffer)");
	expect_err(syscall(SYS_statfs, (void *)8L, &a), EFAULT, "statfs(bad path)");
}

int main(void)
{
	guest_start("statfs");
	fs_test_enter("statfs");
	test_statfs();
	fs_test_leave();
	return guest_finish();
}
