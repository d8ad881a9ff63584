// SPDX-License-Identifier: Apache-2.0
/*
 * Loading a static ELF program into a fresh address space, with the
 * initial stack Linux builds. Until the gofer lands, the executable is
 * read from the host by path (runsk do only).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "sentry/loader/loader.h"
#include "sentry/vdso/vdso.h"

/* Where Linux puts an ET_DYN executable without ASLR (ELF_ET_DYN_BASE). */
#define ET_DYN_BASE 0x555555554000ULL
#define STACK_SIZE (8ULL << 20)
#define ARG_MAX_BYTES (2ULL << 20) /* a quarter of the 8 MiB stack, as Linux */
#define MAX_EXE_SIZE (1ULL << 30)

int exec_file_from_host(const char *path, struct exec_file *exe)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (st.st_size > (off_t)MAX_EXE_SIZE)
		return -E2BIG;
	if (!(st.st_mode & 0111))
		return -EACCES;
	exe->len = st.st_size;
	exe->data = mmap(NULL, exe->len ? exe->len : 1, PROT_READ, MAP_PRIVATE, fd, 0);
	if (exe->data == MAP_FAILED) {
		exe->data = NULL;
		return -errno;
	}
	exe->host_mapped = true;
	return 0;
}

void exec_file_free(struct exec_file *exe)
{
	if (exe->host_mapped)
		munmap(exe->data, exe->len ? exe->len : 1);
	else
		free(exe->data);
	exe->data = NULL;
}

static int load_segments(struct mm *mm, const struct elf_image *img, const struct exec_file *exe,
			 u64 bias, u64 *brk)
{
	u64 prev_end = 0;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		u64 start = MAX(ALIGN_DOWN(s->vaddr + bias, PAGE_SIZE), prev_end);
		u64 end = ALIGN_UP(s->vaddr + bias + s->memsz, PAGE_SIZE);
		if (start < end) {
			long r = mm_map_anon(mm, start, end - start, PROT_READ | PROT_WRITE,
					     MM_FIXED);
			if (r < 0)
				return r;
		}
		/* elf_parse checked that the file bytes are inside the file. */
		int ret = mm_poke(mm, uaddr(s->vaddr + bias), exe->data + s->offset, s->filesz);
		if (ret)
			return ret;
		/* A page shared with the previous segment keeps that one's protection. */
		if (start < end && (ret = mm_protect(mm, start, end - start, s->prot)))
			return ret;
		prev_end = MAX(prev_end, end);
	}
	*brk = prev_end;
	return 0;
}

static u64 cpuid_hwcap(void)
{
	u32 eax = 1, ebx, ecx = 0, edx;
	__asm__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return edx;
}

static int build_stack(struct task *t, struct mm *mm, const struct elf_image *img, u64 bias,
		       u64 vdso, const char *execfn, const char *const *argv,
		       const char *const *envp, u64 *sp)
{
	u8 random[16];
	if (getrandom(random, sizeof(random), 0) != sizeof(random))
		return -EIO;
	struct auxv_entry aux[] = {
		{AT_SYSINFO_EHDR, vdso},
		{AT_PHDR, img->phdr_vaddr ? img->phdr_vaddr + bias : 0},
		{AT_PHENT, img->phentsize},
		{AT_PHNUM, img->phnum},
		{AT_PAGESZ, PAGE_SIZE},
		{AT_BASE, 0},
		{AT_FLAGS, 0},
		{AT_ENTRY, img->entry + bias},
		{AT_UID, t->uid},
		{AT_EUID, t->uid},
		{AT_GID, t->gid},
		{AT_EGID, t->gid},
		{AT_SECURE, 0},
		{AT_HWCAP, cpuid_hwcap()},
		{AT_HWCAP2, 0},
		{AT_CLKTCK, 100},
		{AT_MINSIGSTKSZ, 2048},
	};
	struct stack_args sa = {
		.argv = argv,
		.envp = envp,
		.execfn = execfn,
		.platform = "x86_64",
		.random = random,
		.aux = aux,
		.naux = ARRAY_SIZE(aux),
		.stack_top = MM_TASK_SIZE,
	};
	_cleanup_free_ u8 *buf = malloc(ARG_MAX_BYTES);
	if (!buf)
		return -ENOMEM;
	int ret = stack_build(&sa, buf, ARG_MAX_BYTES, sp);
	if (ret)
		return ret;
	ret = mm_map_stack(mm, MM_TASK_SIZE, STACK_SIZE);
	if (ret)
		return ret;
	u64 used = MM_TASK_SIZE - *sp;
	return mm_copy_to_user(mm, uaddr(*sp), buf + ARG_MAX_BYTES - used, used);
}

/*
 * Load the static ELF program exe into mm (fresh and empty) with its
 * stack, and set regs to enter it. Messages go to the debug log: for
 * execve the error number is the program's answer.
 */
static int load_program(struct task *t, struct mm *mm, const struct exec_file *exe,
			const char *execfn, const char *const *argv, const char *const *envp,
			struct user_regs *regs)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	u64 bias = 0, brk = 0, sp = 0, vdso = 0;

	if (!img)
		return -ENOMEM;
	int ret = elf_parse(exe->data, exe->len, img);
	if (ret) {
		pr_debug("%s: not an x86-64 ELF executable runsk can load (%s)", execfn,
			 strerror(-ret));
		return -ENOEXEC;
	}
	if (img->has_interp) {
		/* TODO(tasks): PT_INTERP, once files come from the gofer. */
		pr_debug("%s: dynamically linked (interpreter %s); runsk runs static programs "
			 "until the gofer lands",
			 execfn, img->interp);
		return -ENOEXEC;
	}
	if (img->type == 3 /* ET_DYN */)
		bias = ET_DYN_BASE - img->min_vaddr;
	ret = load_segments(mm, img, exe, bias, &brk);
	if (!ret)
		ret = vdso_map(mm, t->k->mf, t->k->ncpus, &vdso);
	if (!ret)
		ret = build_stack(t, mm, img, bias, vdso, execfn, argv, envp, &sp);
	if (ret)
		return ret;
	mm_brk_init(mm, brk);
	memset(regs, 0, sizeof(*regs));
	regs->rip = img->entry + bias;
	regs->rsp = sp;
	regs->rflags = 0x202;
	return 0;
}

int exec_load(struct task *t, const char *const *argv, const char *const *envp)
{
	struct exec_file exe = {0};
	int ret = exec_file_from_host(t->exe, &exe);
	if (ret) {
		pr_err("%s: cannot read the program: %s", t->exe, strerror(-ret));
		return ret;
	}
	ret = load_program(t, t->mm, &exe, t->exe, argv, envp, &t->regs);
	if (ret == -ENOEXEC)
		pr_err("%s: not an x86-64 ELF executable runsk can load (a static one, until "
		       "the gofer serves dynamic programs' libraries)",
		       t->exe);
	else if (ret)
		pr_err("%s: loading failed: %s", t->exe, strerror(-ret));
	exec_file_free(&exe);
	return ret;
}

int exec_replace(struct task *t, const struct exec_file *exe, const char *path,
		 const char *const *argv, const char *const *envp)
{
	struct user_regs regs;
	struct mm *mm = mm_create(t->k->mf, t->k->platform);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	struct mm *old = t->mm;
	t->mm = mm; /* task_update_mm_limits and the loader work on the new one */
	task_update_mm_limits(t);
	int ret = load_program(t, mm, exe, path, argv, envp, &regs);
	t->mm = old;
	if (ret) {
		mm_put(mm);
		return ret;
	}
	/* The point of no return: the old program is gone from here on. */
	exec_commit(t, mm, path);
	t->regs = regs;
	return 0;
}
