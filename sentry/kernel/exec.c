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

#include "cred.h"
#include "kernel.h"
#include "layout.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "sentry/loader/loader.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vdso/vdso.h"

#define STACK_SIZE (8ULL << 20)
#define ARG_MAX_BYTES (2ULL << 20) /* a quarter of the 8 MiB stack, as Linux */
/*
 * File pages of the program and its interpreter mapped at exec rather than
 * on first touch (Linux maps none). Here every fault is a VM exit with a
 * full resume, costing far more than reading the page: a small static
 * program faults its text in ~10 exits of fault-around, all of which one
 * populate of the file's pages saves. Bounded, so a large binary is still
 * paged in on demand and does not pay at exec for code it never runs.
 */
#define EXEC_POPULATE_MAX (2ULL << 20)

/*
 * The running program's file (Linux's mm->exe_file): while any address
 * space that runs it lives, opening it for writing is ETXTBSY. Address
 * spaces forked from one share its hold.
 */
struct exe_hold {
	struct mm_exe_hold base;
	int refs; /* atomic */
	struct file *f;
};

static void exe_hold_dup(struct mm_exe_hold *h)
{
	__atomic_fetch_add(&container_of(h, struct exe_hold, base)->refs, 1, __ATOMIC_RELAXED);
}

static void exe_hold_put(struct mm_exe_hold *h)
{
	struct exe_hold *e = container_of(h, struct exe_hold, base);
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL))
		return;
	inode_allow_write_access(e->f->inode);
	file_put(e->f);
	free(e);
}

/* Hand exe's file and its denial of writes to mm (the new program's). */
static int exe_hold_take(struct mm *mm, struct exec_file *exe)
{
	struct exe_hold *e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct exe_hold){{exe_hold_dup, exe_hold_put}, 1, file_get(exe->f)};
	exe->denied = false;
	mm_set_exe_hold(mm, &e->base);
	return 0;
}

void exec_file_free(struct exec_file *exe)
{
	if (exe->denied)
		inode_allow_write_access(exe->f->inode);
	file_put(exe->f);
	free(exe->data);
	free(exe->path);
	*exe = (struct exec_file){0};
}

/* Read len bytes of exe's file from off into buf; short only at its end. */
static int exec_pread(struct exec_file *exe, void *buf, size_t len, u64 off)
{
	s64 pos = off;
	size_t done = 0;
	while (done < len) {
		ssize_t n = vfs_read(exe->f, (u8 *)buf + done, len - done, &pos);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int exec_file_read_head(struct exec_file *exe, size_t len)
{
	u8 *data = malloc(len ? len : 1);
	if (!data)
		return -ENOMEM;
	int n = exec_pread(exe, data, len, 0);
	if (n < 0) {
		free(data);
		return n;
	}
	free(exe->data);
	exe->data = data;
	exe->len = n;
	return 0;
}

/* Parse exe's ELF headers, reading the whole file if they lie past its head. */
static int exec_parse(struct exec_file *exe, struct elf_image *img)
{
	int ret = elf_parse_head(exe->data, exe->len, exe->size, img);
	if (ret != -ENOBUFS || exe->len >= exe->size)
		return ret == -ENOBUFS ? -ENOEXEC : ret;
	ret = exec_file_read_head(exe, exe->size);
	return ret ? ret : elf_parse_head(exe->data, exe->len, exe->size, img);
}

bool exec_interp_path(struct exec_file *exe, char *buf, size_t size)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	if (!img || exec_parse(exe, img) || !img->has_interp)
		return false;
	snprintf(buf, size, "%s", img->interp);
	return true;
}

/* Write the file bytes [off, off + len) at addr, whatever its protection. */
static int poke_file(struct mm *mm, struct exec_file *exe, u64 addr, u64 off, size_t len)
{
	u8 buf[PAGE_SIZE];
	while (len) {
		size_t n = MIN(len, sizeof(buf));
		int got = exec_pread(exe, buf, n, off);
		if (got < 0)
			return got;
		memset(buf + got, 0, n - got); /* a file shorter than it says */
		int ret = mm_poke(mm, uaddr(addr), buf, n);
		if (ret)
			return ret;
		addr += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Map one PT_LOAD as Linux's elf_map does: its file pages privately from
 * the file (so /proc/self/maps names the file; they are read on first
 * touch, or now while *populate allows: EXEC_POPULATE_MAX), the rest of its last file page zeroed, anonymous pages for
 * the bss beyond. A first page shared with the previous segment (below
 * prev_end) keeps that one's mapping and protection and gets this
 * segment's bytes written in.
 */
static int load_segment(struct mm *mm, const struct elf_segment *s, struct exec_file *exe, u64 bias,
			u64 prev_end, u64 *populate)
{
	u64 va = s->vaddr + bias, file_end = va + s->filesz,
	    end = ALIGN_UP(va + s->memsz, PAGE_SIZE);
	u64 start = MAX(ALIGN_DOWN(va, PAGE_SIZE), prev_end);
	int ret;

	if (start > va) { /* the bytes in the shared page */
		u64 n = MIN(start, file_end) - va;
		if (file_end > va && (ret = poke_file(mm, exe, va, s->offset, n)))
			return ret;
	}
	u64 map_end = MAX(start, ALIGN_UP(file_end, PAGE_SIZE));
	if (start < map_end) {
		/* Populating is best effort: a page it could not read faults later. */
		u32 flags = MM_FIXED;
		if (map_end - start <= *populate) {
			flags |= MM_POPULATE;
			*populate -= map_end - start;
		}
		/* elf_parse checked p_offset ≡ p_vaddr (mod page), so this is aligned. */
		long r = vfs_mmap_file(mm, exe->f, start, map_end - start, s->prot, flags,
				       s->offset + (start - va));
		if (r < 0)
			return r;
	}
	if (end > map_end) {
		long r = mm_map_anon(mm, map_end, end - map_end, s->prot, MM_FIXED);
		if (r < 0)
			return r;
	}
	/*
	 * The bss starts inside the last file page, which holds more of the
	 * file: zero it to the page's end, as Linux's padzero (ld.so's first
	 * allocations use what follows its bss in that page as zeroed).
	 */
	u64 zero_end = ALIGN_UP(file_end, PAGE_SIZE);
	if (s->memsz > s->filesz && zero_end > file_end) {
		static const u8 zeros[PAGE_SIZE];
		return mm_poke(mm, uaddr(file_end), zeros, zero_end - file_end);
	}
	return 0;
}

/* *populate: the bytes of file pages still to populate (EXEC_POPULATE_MAX). */
static int load_segments(struct mm *mm, const struct elf_image *img, struct exec_file *exe,
			 u64 bias, u64 *brk, u64 *populate)
{
	u64 prev_end = 0;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		int ret = load_segment(mm, s, exe, bias, prev_end, populate);
		if (ret)
			return ret;
		prev_end = MAX(prev_end, ALIGN_UP(s->vaddr + bias + s->memsz, PAGE_SIZE));
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
static int load_interp(struct mm *mm, struct exec_file *interp, u64 *base, u64 *entry,
		       u64 *populate)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	u64 unused_brk;
	if (!img)
		return -ENOMEM;
	if (exec_parse(interp, img) || img->has_interp)
		return -ELIBBAD; /* Linux's answer for a bad interpreter */
	long at = mm_map_anon(mm, 0, img->max_vaddr - img->min_vaddr, PROT_NONE, 0);
	if (at < 0)
		return at;
	u64 bias = (u64)at - img->min_vaddr;
	int ret = load_segments(mm, img, interp, bias, &unused_brk, populate);
	if (ret)
		return ret;
	*base = at;
	*entry = img->entry + bias;
	return 0;
}

static u64 strings_size(const char *const *list, size_t *n)
{
	u64 size = 0;
	for (*n = 0; list && list[*n]; (*n)++)
		size += strlen(list[*n]) + 1;
	return size;
}

/*
 * Linux's mm->arg_start..env_end for /proc/<pid>/cmdline and environ:
 * stack_build puts each list's strings in one block, in order, so the
 * blocks start where argv[0] and envp[0] point. img is the stack image
 * from sp up.
 */
static void record_exec_info(struct mm *mm, const u8 *img, u64 sp, const char *const *argv,
			     const char *const *envp)
{
	size_t argc, envc;
	u64 argsize = strings_size(argv, &argc), envsize = strings_size(envp, &envc);
	u64 arg0 = 0, env0 = 0;
	memcpy(&arg0, img + 8, sizeof(arg0));
	memcpy(&env0, img + 8 + 8 * (argc + 1), sizeof(env0));
	struct mm_exec_info info = {.start_stack = sp};
	info.arg_start = argc ? arg0 : (envc ? env0 : 0);
	info.arg_end = info.arg_start + argsize;
	info.env_start = envc ? env0 : info.arg_end;
	info.env_end = info.env_start + envsize;
	mm_set_exec_info(mm, &info);
}

static int build_stack(struct mm *mm, const struct exec_layout *l, const struct exec_creds *ec,
		       const struct elf_image *img, u64 bias, u64 interp_base, u64 vdso,
		       const char *execfn, const char *const *argv, const char *const *envp,
		       u64 *sp)
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
		{AT_UID, ec->next->uid},
		{AT_EUID, ec->next->euid},
		{AT_GID, ec->next->gid},
		{AT_EGID, ec->next->egid},
		{AT_SECURE, ec->secure},
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
		.stack_top = l->stack_top,
		.pad = l->sp_offset,
	};
	_cleanup_free_ u8 *buf = malloc(ARG_MAX_BYTES);
	if (!buf)
		return -ENOMEM;
	int ret = stack_build(&sa, buf, ARG_MAX_BYTES, sp);
	if (ret)
		return ret;
	ret = mm_map_stack(mm, l->stack_top, STACK_SIZE);
	if (ret)
		return ret;
	u64 used = l->stack_top - *sp;
	ret = mm_copy_to_user(mm, uaddr(*sp), buf + ARG_MAX_BYTES - used, used);
	if (!ret)
		record_exec_info(mm, buf + ARG_MAX_BYTES - used, *sp, argv, envp);
	return ret;
}

/*
 * Load the ELF program exe, and interp if it names one, into mm (fresh and
 * empty) with its stack, and set regs to enter it (at the interpreter's
 * entry if there is one). Messages go to the debug log: for execve the
 * error number is the program's answer.
 */
static int load_program(struct task *t, struct mm *mm, const struct exec_creds *ec,
			struct exec_file *exe, struct exec_file *interp, const char *execfn,
			const char *const *argv, const char *const *envp, struct user_regs *regs)
{
	_cleanup_free_ struct elf_image *img = calloc(1, sizeof(*img));
	u64 bias = 0, brk = 0, sp = 0, vdso = 0, interp_base = 0, entry;
	u64 populate = EXEC_POPULATE_MAX;
	struct exec_layout l;

	if (!img)
		return -ENOMEM;
	exec_layout(t, t->personality & ~ec->per_clear, &l);
	mm_set_mmap_base(mm, l.mmap_base); /* before the first mapping: ld.so, the vDSO */
	int ret = exec_parse(exe, img);
	if (ret) {
		pr_debug("%s: not an x86-64 ELF executable runsk can load (%s)", execfn,
			 strerror(-ret));
		return -ENOEXEC;
	}
	if (img->has_interp != (interp != NULL))
		return -ENOEXEC; /* the caller opens the interpreter the ELF names */
	if (img->type == 3 /* ET_DYN */)
		bias = l.et_dyn_base - img->min_vaddr;
	entry = img->entry + bias;
	ret = load_segments(mm, img, exe, bias, &brk, &populate);
	/* The break starts after the program, before the interpreter claims space. */
	if (!ret)
		mm_brk_init(mm, brk + l.brk_offset);
	if (!ret)
		ret = vdso_map(mm, t->k->mf, t->k->ncpus, &vdso);
	if (!ret && interp)
		ret = load_interp(mm, interp, &interp_base, &entry, &populate);
	if (!ret)
		ret = build_stack(mm, &l, ec, img, bias, interp_base, vdso, execfn, argv, envp,
				  &sp);
	if (ret)
		return ret;
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rsp = sp;
	regs->rflags = 0x202;
	return 0;
}

static void set_mm_locked(struct task *t, struct mm *mm)
{
	pthread_mutex_lock(&t->k->lock);
	t->mm = mm;
	pthread_mutex_unlock(&t->k->lock);
}

int exec_replace(struct task *t, struct exec_file *exe, struct exec_file *interp,
		 const char *execfn, const char *comm, const char *const *argv,
		 const char *const *envp)
{
	struct user_regs regs;
	struct exec_creds ec;
	struct inode *inode = exe->f->inode;
	pthread_mutex_lock(&inode->lock);
	u32 mode = inode->mode, uid = inode->uid, gid = inode->gid;
	pthread_mutex_unlock(&inode->lock);
	int ret = cred_exec_prepare(t, mode, uid, gid, path_nosuid(&exe->f->path), inode, &ec);
	if (ret)
		return ret;
	struct mm *mm = mm_create(t->k->mf, t->k->platform);
	if (IS_ERR(mm)) {
		cred_exec_abort(&ec);
		return PTR_ERR(mm);
	}
	struct mm *old = t->mm;
	/*
	 * task_update_mm_limits and the loader work on the new mm. procfs
	 * takes references to t->mm under k->lock (proc_info.c), so it
	 * changes under that lock, and an mm it may have seen there is put
	 * only after the next lock and unlock: by then every such reader
	 * holds its own reference.
	 */
	set_mm_locked(t, mm);
	task_update_mm_limits(t);
	ret = load_program(t, mm, &ec, exe, interp, execfn, argv, envp, &regs);
	set_mm_locked(t, old);
	if (!ret)
		ret = exe_hold_take(mm, exe);
	if (ret) {
		mm_put(mm);
		cred_exec_abort(&ec);
		return ret;
	}
	/* exec_commit replaces t->mm and t->files without k->lock: the same grace. */
	struct mm *old_ref = mm_get(old);
	struct fdtable *old_files = fdtable_share(t->files);
	/* The point of no return: the old program is gone from here on. */
	/* /proc/self/exe names the file, wherever it was found from. */
	exec_commit(t, mm, exe->path ? exe->path : execfn, comm, &ec);
	pthread_mutex_lock(&t->k->lock);
	pthread_mutex_unlock(&t->k->lock);
	mm_put(old_ref);
	fdtable_destroy(old_files);
	/*
	 * A 64-bit execve drops READ_IMPLIES_EXEC (Linux's
	 * set_personality_64bit); one that raises privilege, the bits that
	 * would weaken the new program (ADDR_NO_RANDOMIZE, ...).
	 */
	__atomic_fetch_and(&t->personality, ~(LINUX_READ_IMPLIES_EXEC | ec.per_clear),
			   __ATOMIC_RELAXED);
	t->regs = regs;
	return 0;
}
