/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Classic BPF as seccomp(2) speaks it: the check a program must pass
 * before it is attached, and an interpreter that runs it over a context
 * of 32-bit words (struct seccomp_data).
 *
 * The check is Linux's bpf_check_classic followed by seccomp's own: the
 * instruction set narrowed to what makes sense without a packet (32-bit
 * absolute loads of aligned words inside the context, no MOD, no byte or
 * half-word loads, no indirect loads), jumps only forward and inside the
 * program, scratch memory written before it is read on every path, and a
 * return as the last instruction. A program that passed always ends.
 *
 * No state, no locks: both functions may run on any thread.
 */
#ifndef SENTRY_KERNEL_CBPF_H
#define SENTRY_KERNEL_CBPF_H

#include "lib/compiler.h"

/* struct sock_filter. */
struct cbpf_insn {
	u16 code;
	u8 jt;
	u8 jf;
	u32 k;
};
_Static_assert(sizeof(struct cbpf_insn) == 8, "struct sock_filter");

#define CBPF_MAXINSNS 4096 /* Linux's BPF_MAXINSNS */

/*
 * Check prog (len instructions) for a context of ctx_words 32-bit words
 * and rewrite the loads of the context's length into immediates, as Linux
 * does. 0, or -EINVAL naming nothing more (Linux says no more either).
 */
int cbpf_check(struct cbpf_insn *prog, unsigned len, unsigned ctx_words) __must_check;

/* Run a checked program over ctx; returns what its RET returns. */
u32 cbpf_run(const struct cbpf_insn *prog, const u32 *ctx);

#endif
