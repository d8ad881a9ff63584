// SPDX-License-Identifier: Apache-2.0
/*
 * vfs_mmap_file over the sandbox's tmpfs and devfs and mm on a recording
 * platform: the Linux checks of the file, the file's references, /dev/zero
 * as anonymous memory, tmpfs files mapped as their shared memory object
 * (MAP_SHARED coherent with read and write, MAP_PRIVATE copy-on-write,
 * truncation taking pages out of every mapping, in forks too), and
 * memfd's seals against writes, resizes and mappings.
 */
#include <fcntl.h>

#include "abi/linux/memfd.h"
#include "rec_platform.h"
#include "sentry/vfs/memfd.h"
#include "sentry/vfs/vfs.h"

#define RW (PROT_READ | PROT_WRITE)
#define MADV_DONTNEED_ 4
#define A 0x100000ULL

static const struct vfs_cred root_cred = {.caps = ~0ULL};

struct env {
	struct fs_struct *fs;
	struct vfs_ctx ctx;
	struct path root, cwd;
	void *mm_state[2]; /* memory file, mm: rec_platform.h's layout */
};

static struct env env;

/*
 * One sandbox tree for the group: vfs_sandbox_root sets up process-wide
 * state. tmpfs keeps file data in the memory file, so the group has one,
 * which every test's address space uses as the sandbox's do.
 */
static int group_setup(void **state)
{
	struct memfile *mf = memfile_create(64ULL << 20);
	assert_false(IS_ERR(mf));
	memfile_reserve(mf, 2ULL << 20);
	env.mm_state[0] = mf;
	shmem_set_file_memfile(mf);
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
	return 0; /* the tree and its memory file live as long as the process, as in the sandbox */
}

/* rec_platform.h's own setup makes a memory file per test: not the one tmpfs uses. */
static int (*const unused_setup[])(void **) __attribute__((unused)) = {setup, teardown};

/* A fresh address space per test. */
static int env_setup(void **state)
{
	for (size_t i = 0; i < REC_AS_MAX; i++)
		rec.as[i].live = false;
	rec.base.ops = &rec_ops;
	struct mm *mm = mm_create(env.mm_state[0], &rec.base);
	assert_false(IS_ERR(mm));
	env.mm_state[1] = mm;
	*state = &env;
	return 0;
}

/* Every frame went back once the file is gone: nothing leaks past the address space. */
static int env_teardown(void **state)
{
	mm_destroy(env.mm_state[1]);
	int gone = vfs_unlink(&env.ctx, "/tmp/data");
	assert_true(gone == 0 || gone == -ENOENT);
	memfile_flush(env.mm_state[0]);
	assert_int_equal(memfile_used_frames(env.mm_state[0]), 0);
	return 0;
}

static struct mm *mm_of(struct env *e)
{
	return e->mm_state[1];
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
	/* MAP_SHARED of a tmpfs file open for writing: its own frames, whatever prot. */
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, PROT_READ, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(mm_protect(mm, A, P, RW), 0);
	assert_int_equal(vfs_mmap_file(mm, rw, A, P, RW, MM_SHARED | MM_FIXED, 0), A);
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

/* MAP_PRIVATE of a tmpfs file: its frames copy-on-write, showing the file until written. */
static void test_vfs_mmap_private_cow(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	char c;
	make_data(e, 4 * P);
	struct file *f = open_file(e, "/tmp/data", O_RDWR);
	assert_int_equal(vfs_mmap_file(mm, f, A, 4 * P, RW, MM_FIXED, 0), A);
	assert_int_equal(get(mm, A), fbyte(0));
	s64 pos = 0;
	assert_int_equal(vfs_write(f, "W", 1, &pos), 1);
	assert_int_equal(get(mm, A), 'W');
	/* The first write copies the page: the file keeps its byte, the copy the file's later ones not. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + 1), "p", 1), 0);
	pos = 1;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, fbyte(1));
	pos = 0;
	assert_int_equal(vfs_write(f, "X", 1, &pos), 1);
	assert_int_equal(get(mm, A), 'W');
	assert_int_equal(get(mm, A + 1), 'p');
	/* MADV_DONTNEED drops the copy: the file's bytes again. */
	assert_int_equal(mm_advise(mm, A, P, MADV_DONTNEED_), 0);
	assert_int_equal(get(mm, A), 'X');
	/* A write to an untouched page copies it at once (never into the file's frame). */
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + 2 * P), "q", 1), 0);
	pos = 2 * P;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, fbyte(2 * P));
	assert_int_equal(get(mm, A + 2 * P), 'q');
	/* The loader's pokes into a read-only private mapping copy too. */
	assert_int_equal(mm_protect(mm, A + 3 * P, P, PROT_READ), 0);
	assert_int_equal(mm_poke(mm, uaddr(A + 3 * P), "k", 1), 0);
	assert_int_equal(get(mm, A + 3 * P), 'k');
	pos = 3 * P;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, fbyte(3 * P));
	assert_int_equal(mm_unmap(mm, A, 4 * P), 0);
	assert_int_equal(f->refs, 1);
	file_put(f);
}

/* A sparse file: a fault fills its own page only, not the holes around it. */
static void test_vfs_mmap_sparse(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	struct kstat st;
	struct file *f = open_file(e, "/tmp/data", O_RDWR | O_CREAT | O_TRUNC);
	assert_int_equal(vfs_ftruncate(f, 16 * P, &root_cred), 0);
	assert_int_equal(vfs_mmap_file(mm, f, A, 16 * P, RW, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + 5 * P), "s", 1), 0);
	assert_int_equal(get(mm, A + 6 * P), 0);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.blocks, 2 * P / 512);
	assert_int_equal(mm_unmap(mm, A, 16 * P), 0);
	file_put(f);
}

/* MAP_SHARED of a tmpfs file: one set of frames for the mapping, read, write and a fork. */
static void test_vfs_mmap_shared_coherent(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	char c;
	make_data(e, 2 * P);
	struct file *f = open_file(e, "/tmp/data", O_RDWR);
	assert_int_equal(vfs_mmap_file(mm, f, A, 2 * P, RW, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + 5), "S", 1), 0);
	s64 pos = 5;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, 'S');
	pos = P + 3;
	assert_int_equal(vfs_write(f, "T", 1, &pos), 1);
	assert_int_equal(get(mm, A + P + 3), 'T');
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	assert_int_equal(mm_copy_to_user(child, uaddr(A + 7), "C", 1), 0);
	assert_int_equal(get(mm, A + 7), 'C');
	pos = 7;
	assert_int_equal(vfs_read(f, &c, 1, &pos), 1);
	assert_int_equal(c, 'C');
	mm_destroy(child);
	/* A read-only descriptor maps it too, never writable, still seeing the writes. */
	struct file *ro = open_file(e, "/tmp/data", O_RDONLY);
	assert_int_equal(vfs_mmap_file(mm, ro, A + 2 * P, P, PROT_READ, MM_SHARED | MM_FIXED, 0),
			 A + 2 * P);
	assert_int_equal(get(mm, A + 2 * P + 5), 'S');
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + 5), "R", 1), 0);
	assert_int_equal(get(mm, A + 2 * P + 5), 'R');
	assert_int_equal(mm_unmap(mm, A, 3 * P), 0);
	assert_int_equal(f->refs, 1);
	assert_int_equal(ro->refs, 1);
	file_put(ro);
	file_put(f);
}

/* Truncation takes the pages past the end out of every mapping: shared, private, forked. */
static void test_vfs_mmap_truncate_zaps(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	const u64 B = 0x400000;
	make_data(e, 4 * P);
	struct file *f = open_file(e, "/tmp/data", O_RDWR);
	assert_int_equal(vfs_mmap_file(mm, f, A, 4 * P, RW, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(vfs_mmap_file(mm, f, B, 4 * P, RW, MM_FIXED, 0), B);
	for (u64 i = 0; i < 4; i++) {
		assert_int_equal(get(mm, A + i * P), fbyte(i * P));
		assert_int_equal(get(mm, B + i * P), fbyte(i * P));
	}
	assert_int_equal(mm_copy_to_user(mm, uaddr(B + 3 * P), "c", 1), 0);
	struct mm *child = mm_fork(mm);
	assert_false(IS_ERR(child));
	assert_int_equal(vfs_ftruncate(f, P + 1, &root_cred), 0);
	assert_int_equal(mm_handle_fault(mm, A + 2 * P, false, false), -EIO);
	assert_int_equal(mm_handle_fault(mm, B + 3 * P, false, false), -EIO);
	assert_int_equal(mm_handle_fault(child, A + 3 * P, false, false), -EIO);
	assert_int_equal(mm_handle_fault(child, B + 2 * P, false, false), -EIO);
	assert_int_equal(get(mm, A + P), fbyte(P));
	assert_int_equal(get(mm, A + P + 1), 0);
	assert_int_equal(get(child, B + P + 1), 0);
	/* Grown back, the file is a hole there, which the mapping reads. */
	assert_int_equal(vfs_ftruncate(f, 4 * P, &root_cred), 0);
	assert_int_equal(get(mm, A + 3 * P), 0);
	assert_int_equal(get(child, A + 2 * P + 9), 0);
	mm_destroy(child);
	assert_int_equal(mm_unmap(mm, A, 4 * P), 0);
	assert_int_equal(mm_unmap(mm, B, 4 * P), 0);
	file_put(f);
}

static long seals(struct file *m, int cmd, u64 arg)
{
	return m->ops->fcntl(m, cmd, arg);
}

/* memfd's seals: each one's -EPERM, F_SEAL_WRITE's -EBUSY, and the name /proc shows. */
static void test_vfs_mmap_memfd_seals(void **state)
{
	struct env *e = *state;
	struct mm *mm = mm_of(e);
	struct file *m, *u, *fw;
	char name[64];
	struct kstat st;
	assert_int_equal(vfs_memfd_create("t", true, &root_cred, &m), 0);
	assert_int_equal(vfs_d_path_shown(&e->root, &m->path, name, sizeof(name)), 18);
	assert_string_equal(name, "/memfd:t (deleted)");
	assert_int_equal(vfs_fstat(m, &st), 0);
	assert_int_equal(st.nlink, 0);
	assert_int_equal(st.mode, S_IFREG | 0777);
	assert_int_equal(seals(m, LINUX_F_GET_SEALS, 0), 0);
	s64 pos = 0;
	assert_int_equal(vfs_write(m, "abcd", 4, &pos), 4);
	assert_int_equal(vfs_mmap_file(mm, m, A, P, RW, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, LINUX_F_SEAL_WRITE), -EBUSY);
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, 0x40), -EINVAL);
	assert_int_equal(mm_unmap(mm, A, P), 0);
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, LINUX_F_SEAL_WRITE), 0);
	pos = 0;
	assert_int_equal(vfs_write(m, "x", 1, &pos), -EPERM);
	assert_int_equal(vfs_mmap_file(mm, m, A, P, RW, MM_SHARED | MM_FIXED, 0), -EPERM);
	assert_int_equal(vfs_mmap_file(mm, m, A, P, PROT_READ, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(mm_protect(mm, A, P, RW), -EACCES);
	assert_int_equal(get(mm, A + 3), 'd');
	assert_int_equal(vfs_mmap_file(mm, m, A + P, P, RW, MM_FIXED, 0), A + P);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A + P), "z", 1), 0);
	assert_int_equal(get(mm, A), 'a');
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, LINUX_F_SEAL_SHRINK | LINUX_F_SEAL_GROW), 0);
	assert_int_equal(vfs_ftruncate(m, 2, &root_cred), -EPERM);
	assert_int_equal(vfs_ftruncate(m, 8, &root_cred), -EPERM);
	assert_int_equal(vfs_ftruncate(m, 4, &root_cred), 0);
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, LINUX_F_SEAL_SEAL), 0);
	assert_int_equal(seals(m, LINUX_F_ADD_SEALS, LINUX_F_SEAL_FUTURE_WRITE), -EPERM);
	assert_int_equal(seals(m, LINUX_F_GET_SEALS, 0), 0xf);
	assert_int_equal(mm_unmap(mm, A, 2 * P), 0);
	file_put(m);

	/* Without MFD_ALLOW_SEALING: F_SEAL_SEAL from the start. */
	assert_int_equal(vfs_memfd_create("u", false, &root_cred, &u), 0);
	assert_int_equal(seals(u, LINUX_F_GET_SEALS, 0), LINUX_F_SEAL_SEAL);
	assert_int_equal(seals(u, LINUX_F_ADD_SEALS, LINUX_F_SEAL_WRITE), -EPERM);
	file_put(u);

	/* F_SEAL_FUTURE_WRITE: a writable mapping made before keeps writing; nothing new may. */
	assert_int_equal(vfs_memfd_create("fw", true, &root_cred, &fw), 0);
	assert_int_equal(vfs_ftruncate(fw, P, &root_cred), 0);
	assert_int_equal(vfs_mmap_file(mm, fw, A, P, RW, MM_SHARED | MM_FIXED, 0), A);
	assert_int_equal(seals(fw, LINUX_F_ADD_SEALS, LINUX_F_SEAL_FUTURE_WRITE), 0);
	assert_int_equal(mm_copy_to_user(mm, uaddr(A), "m", 1), 0);
	pos = 0;
	assert_int_equal(vfs_write(fw, "w", 1, &pos), -EPERM);
	assert_int_equal(vfs_mmap_file(mm, fw, A + P, P, RW, MM_SHARED | MM_FIXED, 0), -EPERM);
	char c;
	pos = 0;
	assert_int_equal(vfs_read(fw, &c, 1, &pos), 1);
	assert_int_equal(c, 'm');
	assert_int_equal(mm_unmap(mm, A, P), 0);
	file_put(fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vfs_mmap_reads_file, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_same_file_merges, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_checks, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_dev_zero, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_private_cow, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_sparse, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_shared_coherent, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_truncate_zaps, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_mmap_memfd_seals, env_setup, env_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
