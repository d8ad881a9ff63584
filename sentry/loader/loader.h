/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Program loading: parsing an x86-64 ELF image and building the initial
 * user stack (argv, envp, auxv) exactly as Linux's binfmt_elf lays it out.
 *
 * Both halves are pure functions over host buffers, with no guest memory
 * access, so that untrusted files can be unit-tested and fuzzed. The task
 * code maps what they describe.
 */
#ifndef SENTRY_LOADER_LOADER_H
#define SENTRY_LOADER_LOADER_H

#include <stddef.h>
#include "lib/compiler.h"

#define ELF_MAX_LOAD 16	    /* PT_LOAD segments we accept */
#define ELF_MAX_INTERP 4096 /* PATH_MAX, including the NUL */

/* Protection bits of a segment, in PROT_* values. */
struct elf_segment {
	u64 vaddr; /* p_vaddr, unrelocated */
	u64 memsz;
	u64 filesz;
	u64 offset; /* p_offset */
	u32 prot;   /* PROT_READ | PROT_WRITE | PROT_EXEC */
};

struct elf_image {
	u16 type;	/* ET_EXEC or ET_DYN */
	u64 entry;	/* e_entry, unrelocated */
	u64 phdr_vaddr; /* where the program headers are in memory, unrelocated; 0 if not mapped */
	u16 phnum;
	u16 phentsize;
	u64 min_vaddr; /* page-aligned down start of the lowest PT_LOAD */
	u64 max_vaddr; /* page-aligned up end of the highest PT_LOAD */
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_LOAD];
	bool exec_stack; /* PT_GNU_STACK with PF_X, or no PT_GNU_STACK */
	bool has_interp;
	char interp[ELF_MAX_INTERP]; /* PT_INTERP path, NUL-terminated, if has_interp */
};

/*
 * Parse and validate the ELF file held in buf[0..len). Accepts ELFCLASS64,
 * little-endian, EM_X86_64, ET_EXEC or ET_DYN. Rejects (-ENOEXEC) truncated
 * headers, program headers outside the file, PT_LOAD segments with
 * filesz > memsz, p_offset/p_vaddr congruence violations, overlapping or
 * unsorted PT_LOADs, ranges that overflow or reach beyond the user address
 * space (47 bits), more than ELF_MAX_LOAD loads, or no PT_LOAD at all.
 * A PT_INTERP that is not NUL-terminated inside the file is -ENOEXEC too.
 * Returns 0 and fills *img, or a negative errno.
 */
int elf_parse(const u8 *buf, size_t len, struct elf_image *img) __must_check;
/*
 * The same from buf[0..buflen), the head of a file of size bytes: the
 * segments are checked against size, and -ENOBUFS says the headers or the
 * PT_INTERP string lie past the head (read more and parse again).
 */
int elf_parse_head(const u8 *buf, size_t buflen, u64 size, struct elf_image *img) __must_check;

/* One auxiliary vector entry (AT_* type, value). */
struct auxv_entry {
	u64 type;
	u64 val;
};

struct stack_args {
	const char *const *argv; /* NULL-terminated */
	const char *const *envp; /* NULL-terminated */
	const char *execfn;	 /* AT_EXECFN string */
	const char *platform;	 /* AT_PLATFORM string, e.g. "x86_64" */
	const u8 *random;	 /* 16 bytes for AT_RANDOM */
	const struct auxv_entry
		*aux; /* entries other than AT_EXECFN, AT_PLATFORM, AT_RANDOM, AT_NULL */
	size_t naux;
	u64 stack_top; /* guest address one past the highest stack byte */
	u64 pad;       /* bytes left free under the strings (arch_align_stack) */
};

/*
 * Build the initial stack image in buf, which stands for guest memory
 * [stack_top - buflen, stack_top). Layout from the top down: an 8-byte
 * NULL end marker, the execfn string, envp and argv strings, pad bytes
 * and alignment, the platform
 * string, the 16 random bytes, padding to 16-byte alignment, then auxv
 * (the aux entries, AT_EXECFN, AT_PLATFORM, AT_RANDOM, AT_NULL), envp
 * pointers + NULL, argv pointers + NULL, argc. The final stack pointer is
 * 16-byte aligned, as the x86-64 psABI requires at process entry.
 * Returns 0 and sets *sp (guest address of argc), or -E2BIG when the image
 * does not fit in buflen.
 */
int stack_build(const struct stack_args *args, u8 *buf, size_t buflen, u64 *sp) __must_check;

#endif
