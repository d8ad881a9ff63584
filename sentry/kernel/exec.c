// SPDX-License-Identifier: Apache-2.0
/*
 * Loading an ELF program, and its interpreter (PT_INTERP) when it has one,
 * into a fresh address space, with the initial stack Linux builds. The
 * files come from the sandbox's VFS (sys_exec.c opens and reads them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

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

void exec_file_free(struct exec_file *exe)
{
	free(exe->data);
	free(exe->path);
	exe->data = NULL;
	exe->path = NULL;
}

bool exec_interp_path(const struct exec_file *exe, char *buf, size_t size)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	if (!img || elf_parse(exe->data, exe->len, img) || !img->has_interp)
		return false;
	snprintf(buf, size, "%s", img->interp);
	return true;
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

/*
 * Map the interpreter wherever mm's allocator puts a block of its size
 * (top-down below the stack, as Linux maps ld.so), then its segments over
 * that reservation. *base is where it starts (AT_BASE), *entry its entry.
 */
static int load_interp(struct mm *mm, const struct exec_file *interp, u64 *base, u64 *entry)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	u64 unused_brk;
	if (!img)
		return -ENOMEM;
	if (elf_parse(interp->data, interp->len, img) || img->has_interp)
		return -ELIBBAD; /* Linux's answer for a bad interpreter */
	long at = mm_map_anon(mm, 0, img->max_vaddr - img->min_vaddr, PROT_NONE, 0);
	if (at < 0)
		return at;
	u64 bias = (u64)at - img->min_vaddr;
	int ret = load_segments(mm, img, interp, bias, &unused_brk);
	if (ret)
		return ret;
	*base = at;
	*entry = img->entry + bias;
	return 0;
}

static int build_stack(struct task *t, struct mm *mm, const struct elf_image *img, u64 bias,
		       u64 interp_base, u64 vdso, const char *execfn, const char *const *argv,
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
		{AT_BASE, interp_base},
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
 * Load the ELF program exe, and interp if it names one, into mm (fresh and
 * empty) with its stack, and set regs to enter it (at the interpreter's
 * entry if there is one). Messages go to the debug log: for execve the
 * error number is the program's answer.
 */
static int load_program(struct task *t, struct mm *mm, const struct exec_file *exe,
			const struct exec_file *interp, const char *execfn, const char *const *argv,
			const char *const *envp, struct user_regs *regs)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	u64 bias = 0, brk = 0, sp = 0, vdso = 0, interp_base = 0, entry;

	if (!img)
		return -ENOMEM;
	int ret = elf_parse(exe->data, exe->len, img);
	if (ret) {
		pr_debug("%s: not an x86-64 ELF executable runsk can load (%s)", execfn,
			 strerror(-ret));
		return -ENOEXEC;
	}
	if (img->has_interp != (interp != NULL))
		return -ENOEXEC; /* the caller opens the interpreter the ELF names */
	if (img->type == 3 /* ET_DYN */)
		bias = ET_DYN_BASE - img->min_vaddr;
	entry = img->entry + bias;
	ret = load_segments(mm, img, exe, bias, &brk);
	/* The break starts after the program, before the interpreter claims space. */
	if (!ret)
		mm_brk_init(mm, brk);
	if (!ret)
		ret = vdso_map(mm, t->k->mf, t->k->ncpus, &vdso);
	if (!ret && interp)
		ret = load_interp(mm, interp, &interp_base, &entry);
	if (!ret)
		ret = build_stack(t, mm, img, bias, interp_base, vdso, execfn, argv, envp, &sp);
	if (ret)
		return ret;
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = sp;
	regs->rflags = 0x202;
	return 0;
}

int exec_replace(struct task *t, const struct exec_file *exe, const struct exec_file *interp,
		 const char *path, const char *const *argv, const char *const *envp)
{
	struct user_regs regs;
	struct mm *mm = mm_create(t->k->mf, t->k->platform);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	struct mm *old = t->mm;
	t->mm = mm; /* task_update_mm_limits and the loader work on the new one */
	task_update_mm_limits(t);
	int ret = load_program(t, mm, exe, interp, path, argv, envp, &regs);
	t->mm = old;
	if (ret) {
		mm_put(mm);
		return ret;
	}
	/* The point of no return: the old program is gone from here on. */
	exec_commit(t, mm, path);
	/* /proc/self/exe names the file, wherever it was found from. */
	if (exe->path)
		snprintf(t->exe, sizeof(t->exe), "%s", exe->path);
	t->regs = regs;
	return 0;
}
