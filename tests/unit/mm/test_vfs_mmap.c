// SPDX-License-Identifier: Apache-2.0
/*
 * vfs_mmap_file over the sandbox's tmpfs and devfs and mm on a recording
 * platform: the Linux checks of the file, the adapter reading through
 * file_ops->read with its own position, the file's references, /dev/zero
 * as anonymous memory, and what a truncation or a later write does to a
 * mapping (SIGBUS past the new end; the documented snapshot).
 */
#include <fcntl.h>

#include "rec_platform.h"
#include "sentry/vfs/vfs.h"

#define RW (PROT_READ | PROT_WRITE)
#define MADV_DONTNEED_ 4
#define A 0x100000ULL

static const struct vfs_cred root_cred = {.caps = ~0ULL};

struct env {
	struct fs_struct *fs;
	struct vfs_ctx ctx;
	struct path root, cwd;
	void *mm_state;
};

static struct env env;

/* One sandbox tree for the group: vfs_sandbox_root sets up process-wide state. */
static int group_setup(void **state)
{
	env.fs = vfs_sandbox_root("/work", 0, 0);
	assert_false(IS_ERR(env.fs));
	fs_struct_paths(env.fs, &env.root, &env.cwd);
	env.ctx = (struct vfs_ctx){.cred = &root_cred, .root = env.root, .start = env.cwd};
	return 0;
}

static int group_teardown(void **state)
{
	path_put(&env.root);
	path_put(&env.cwd);
	fs_struct_put(env.fs);
	return 0;
}

/* A fresh address space (and memory file) per test. */
static int env_setup(void **state)
{
	setup(&env.mm_state);
	*state = &env;
	return 0;
}

static int env_teardown(void **state)
{
	teardown(&env.mm_state);
	return 0;
}

static struct mm *mm_of(struct env *e)
{
	return ((void **)e->mm_state)[1];
}

static u8 fbyte(u64 off)
{
	return (u8)((off >> 12) * 13 + (off & 0xfff) * 3 + 5);
}

static struct file *open_file(struct env *e, const char *name, int flags)
{
	struct file *f;
	assert_int_equal(vfs_open(&e->ctx, name, flags, 0644, &f), 0);
	return f;
}

/* /tmp/data: len bytes of fbyte. */
static void make_data(struct env *e, u64 len)
{
	static u8 buf[8 * P];
	struct file *f = open_file(e, "/tmp/data", O_WRONLY | O_CREAT | O_TRUNC);
	for (u64 i = 0; i < len; i++)
		buf[i] = fbyte(i);
	s64 pos = 0;
	assert_int_equal(vfs_write(f, buf, len, &pos), len);
	file_put(f);
}

static u8 get(struct mm *mm, u64 va)
{
	u8 c = 0;
	assert_int_equal(mm_copy_from_user(mm, &c, uaddr(va), 1), 0);
	return c;
}

/* The bytes at the offset, through tmpfs's read, without moving the file position. */
static void test_vfs_mmap_reads_file(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	make_data(e, 3 * P + 10);
	struct file *f = open_file(e, "/tmp/data", O_RDONLY);
	f->pos = 77;
	assert_int_equal(vfs_mmap_file(mm, f, A, 3 * P, PROT_READ, MM_FIXED, P), A);
	assert_int_equal(f->refs, 2);
	for (u64 i = 0; i < 2 * P + 10; i += 97)
		assert_int_equal(get(mm, A + i), fbyte(P + i));
	assert_int_equal(get(mm, A + 2 * P + 10), 0);
	assert_int_equal(mm_handle_fault(mm, A + 3 * P, false, false), -EFAULT);
	assert_int_equal(f->pos, 77);
	/* Splits share the mapping's one reference to the file; munmap gives it back. */
	assert_int_equal(mm_protect(mm, A + P, P, RW), 0);
	assert_int_equal(f->refs, 2);
	assert_int_equal(mm_unmap(mm, A, P), 0);
	assert_int_equal(f->refs, 2);
	assert_int_equal(get(mm, A + 2 * P + 9), fbyte(3 * P + 9));
	assert_int_equal(mm_unmap(mm, A, 3 * P), 0);
	assert_int_equal(f->refs, 1);
	file_put(f);
}

/* Two mmaps of one open file are one file to mm: their VMAs merge. */
static void test_vfs_mmap_same_file_merges(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	make_data(e, 4 * P);
	struct file *f = open_file(e, "/tmp/data", O_RDONLY);
	struct file *g = open_file(e, "/tmp/data", O_RDONLY);
	assert_int_equal(vfs_mmap_file(mm, f, A, P, PROT_READ, MM_FIXED, 0), A);
	assert_int_equal(vfs_mmap_file(mm, f, A + P, P, PROT_READ, MM_FIXED, P), A + P);
	assert_int_equal(f->refs, 2);
	/* Another open file description of the same inode is another file, as Linux. */
	assert_int_equal(vfs_mmap_file(mm, g, A + 2 * P, P, PROT_READ, MM_FIXED, 2 * P), A + 2 * P);
	assert_int_equal(mm_remap(mm, A, 2 * P, 2 * P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x400000),
			 0x400000);
	assert_int_equal(mm_remap(mm, A + 2 * P, P, P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x402000),
			 0x402000);
	assert_int_equal(
		mm_remap(mm, 0x400000, 3 * P, 3 * P, MM_REMAP_MAYMOVE | MM_REMAP_FIXED, 0x500000),
		-EFAULT);
	assert_int_equal(mm_unmap(mm, 0x400000, 3 * P), 0);
	assert_int_equal(f->refs, 1);
	assert_int_equal(g->refs, 1);
	file_put(f);
	file_put(g);
}

/* do_mmap's checks of the file, in Linux's order. */
static void test_vfs_mmap_checks(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	make_data(e, P);
	struct file *ro = open_file(e, "/tmp/data", O_RDONLY);
	struct file *wo = open_file(e, "/tmp/data", O_WRONLY);
	struct file *rw = open_file(e, "/tmp/data", O_RDWR);
	struct file *path = open_file(e, "/tmp/data", O_PATH);
	struct file *dir = open_file(e, "/tmp", O_RDONLY | O_DIRECTORY);
	struct file *null = open_file(e, "/dev/null", O_RDWR);
	assert_int_equal(vfs_mmap_file(mm, path, A, P, PROT_READ, 0, 0), -EBADF);
	assert_int_equal(vfs_mmap_file(mm, ro, A, 0, PROT_READ, 0, 0), -EINVAL);
	assert_int_equal(vfs_mmap_file(mm, ro, A, P, PROT_READ, 0, 1), -EINVAL);
	assert_int_equal(vfs_mmap_file(mm, ro, A, 2 * P, PROT_READ, 0, 0x7ffffffffffff000ULL),
			 -EOVERFLOW);
	/* A device may map up to 2^64: only a regular file stops at 2^63. */
	assert_int_equal(vfs_mmap_file(mm, null, A, 2 * P, PROT_READ, 0, 0x7ffffffffffff000ULL),
			 -ENODEV);
	assert_int_equal(vfs_mmap_file(mm, ro, A, P, RW, MM_SHARED, 0), -EACCES);
	assert_int_equal(vfs_mmap_file(mm, wo, A, P, PROT_READ, 0, 0), -EACCES);
	assert_int_equal(vfs_mmap_file(mm, dir, A, P, PROT_READ, MM_GROWSDOWN, 0), -ENODEV);
	assert_int_equal(vfs_mmap_file(mm, ro, A, P, PROT_READ, MM_GROWSDOWN, 0), -EINVAL);
	/* MAP_SHARED of a file open for writing: refused, whatever prot (see file.h). */
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, RW, MM_SHARED, 0), -ENODEV);
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, PROT_READ, MM_SHARED, 0), -ENODEV);
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, RW, MM_FIXED, 0), A);
	/* MAP_SHARED of a read-only fd: never writable. */
	assert_int_equal(vfs_mmap_file(mm, ro, A + P, P, PROT_READ, MM_SHARED | MM_FIXED, 0),
			 A + P);
	assert_int_equal(mm_protect(mm, A + P, P, RW), -EACCES);
	assert_int_equal(mm_unmap(mm, A, 2 * P), 0);
	assert_int_equal(ro->refs, 1);
	assert_int_equal(rw->refs, 1);
	file_put(ro);
	file_put(wo);
	file_put(rw);
	file_put(path);
	file_put(dir);
	file_put(null);
}

/* /dev/zero maps as anonymous memory: no file reference is kept. */
static void test_vfs_mmap_dev_zero(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	struct file *rw = open_file(e, "/dev/zero", O_RDWR);
	struct file *ro = open_file(e, "/dev/zero", O_RDONLY);
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, RW, MM_FIXED, 5 * P), A);
	assert_int_equal(get(mm, A), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A), "z", 1), 0);
	assert_int_equal(vfs_mmap_file(mm, rw, A + P, P, RW, MM_SHARED | MM_FIXED, 0), A + P);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + P), "s", 1), 0);
	assert_int_equal(rw->refs, 1);
	assert_int_equal(vfs_mmap_file(mm, ro, A + 2 * P, P, RW, MM_SHARED, 0), -EACCES);
	assert_int_equal(vfs_mmap_file(mm, ro, A + 2 * P, P, PROT_READ, MM_SHARED | MM_FIXED, 0),
			 A + 2 * P);
	assert_int_equal(mm_protect(mm, A + 2 * P, P, RW), -EACCES);
	assert_int_equal(mm_unmap(mm, A, 3 * P), 0);
	file_put(rw);
	file_put(ro);
}

/* Truncation makes the pages past the new end SIGBUS; a write after first touch is not seen. */
static void test_vfs_mmap_truncate_and_snapshot(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	make_data(e, 4 * P);
	struct file *f = open_file(e, "/tmp/data", O_RDWR);
	assert_int_equal(vfs_mmap_file(mm, f, A, 4 * P, PROT_READ, MM_FIXED, 0), A);
	assert_int_equal(get(mm, A), fbyte(0));
	s64 pos = 0;
	assert_int_equal(vfs_write(f, "W", 1, &pos), 1);
	/* The documented deviation: the page is a snapshot from its first touch. */
	assert_int_equal(get(mm, A), fbyte(0));
	assert_int_equal(mm_advise(mm, A, 4 * P, MADV_DONTNEED_), 0);
	assert_int_equal(get(mm, A), 'W');
	assert_int_equal(vfs_ftruncate(f, P + 1, &root_cred), 0);
	assert_int_equal(mm_advise(mm, A, 4 * P, MADV_DONTNEED_), 0);
	assert_int_equal(get(mm, A + P), fbyte(P));
	assert_int_equal(get(mm, A + P + 1), 0);
	assert_int_equal(mm_handle_fault(mm, A + 2 * P, false, false), -EIO);
	assert_int_equal(mm_unmap(mm, A, 4 * P), 0);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vfs_mmap_reads_file, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_same_file_merges, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_checks, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_dev_zero, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_truncate_and_snapshot, env_setup,
						env_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
