/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where execve puts a new program: the top of its stack, the base below
 * which mmap allocates, where an ET_DYN (PIE) executable is loaded and how
 * far its break is moved. With address-space layout randomisation, as
 * Linux x86-64 does it (randomize_va_space 2: stack, mmap, PIE, vDSO and
 * brk); personality(ADDR_NO_RANDOMIZE), as `setarch -R` sets, turns it off
 * for the program and its children.
 */
#ifndef SENTRY_KERNEL_LAYOUT_H
#define SENTRY_KERNEL_LAYOUT_H

#include "lib/compiler.h"

struct task;

/* /proc/sys/kernel/randomize_va_space: what the sandbox does, fixed. */
#define RANDOMIZE_VA_SPACE 2

/* personality(2) bits the Sentry honours (include/uapi/linux/personality.h). */
#define LINUX_ADDR_NO_RANDOMIZE 0x0040000u
#define LINUX_READ_IMPLIES_EXEC 0x0400000u
#define LINUX_PER_MASK 0x00ffu
#define LINUX_PER_LINUX32 0x0008u

struct exec_layout {
	u64 stack_top;	 /* one past the stack's highest byte, page aligned */
	u64 sp_offset;	 /* bytes below stack_top the initial frame starts (16-aligned) */
	u64 mmap_base;	 /* top-down mmap allocation starts below this */
	u64 et_dyn_base; /* load address of a PIE's lowest segment */
	u64 brk_offset;	 /* added to the end of the program for the initial break */
};

/* The layout for a program execve'd by t with personality (t's RLIMIT_STACK). */
void exec_layout(const struct task *t, u32 personality, struct exec_layout *l);

#endif
