// SPDX-License-Identifier: Apache-2.0
/*
 * Classic BPF for seccomp: the checker and the interpreter (cbpf.h).
 *
 * The interpreter trusts what the checker proved: every jump lands inside
 * the program, every scratch cell is written before it is read, every
 * context load is in bounds, the last instruction returns. It keeps
 * Linux's arithmetic: 32-bit, a shift by X uses X's low five bits, and a
 * division by an X of zero ends the program with 0 (for seccomp: kill).
 */
#include <errno.h>
#include <linux/filter.h>
#include <string.h>

#include "cbpf.h"

#define MEMWORDS 16 /* BPF_MEMWORDS */

/* What Linux's bpf_check_classic and seccomp_check_filter both let through. */
static bool code_allowed(u16 code)
{
	switch (code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

static bool is_cond_jump(u16 code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* One instruction's own constraints; pc is its index. */
static bool insn_ok(const struct cbpf_insn *in, unsigned pc, unsigned len, unsigned ctx_words)
{
	if (!code_allowed(in->code))
		return false;
	switch (in->code) {
	case BPF_ALU | BPF_DIV | BPF_K:
		return in->k != 0;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return in->k < 32;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return in->k < MEMWORDS;
	case BPF_JMP | BPF_JA:
		return in->k < len - pc - 1;
	case BPF_LD | BPF_W | BPF_ABS:
		return in->k < ctx_words * 4 && !(in->k & 3);
	default:
		if (is_cond_jump(in->code))
			return pc + in->jt + 1 < len && pc + in->jf + 1 < len;
		return true;
	}
}

/*
 * Linux's check_load_and_stores: walking forward, the cells written on
 * every path into an instruction are the intersection over its incoming
 * edges; a jump's fall-through is not an edge.
 */
static bool memory_ok(const struct cbpf_insn *prog, unsigned len)
{
	u16 masks[CBPF_MAXINSNS];
	u16 valid = 0;

	memset(masks, 0xff, len * sizeof(masks[0]));
	for (unsigned pc = 0; pc < len; pc++) {
		const struct cbpf_insn *in = &prog[pc];

		valid &= masks[pc];
		if (in->code == BPF_ST || in->code == BPF_STX) {
			valid |= 1u << in->k;
		} else if (in->code == (BPF_LD | BPF_MEM) || in->code == (BPF_LDX | BPF_MEM)) {
			if (!(valid & (1u << in->k)))
				return false;
		} else if (in->code == (BPF_JMP | BPF_JA)) {
			masks[pc + 1 + in->k] &= valid;
			valid = 0xffff;
		} else if (is_cond_jump(in->code)) {
			masks[pc + 1 + in->jt] &= valid;
			masks[pc + 1 + in->jf] &= valid;
			valid = 0xffff;
		}
	}
	return true;
}

int cbpf_check(struct cbpf_insn *prog, unsigned len, unsigned ctx_words)
{
	if (len == 0 || len > CBPF_MAXINSNS)
		return -EINVAL;
	for (unsigned pc = 0; pc < len; pc++)
		if (!insn_ok(&prog[pc], pc, len, ctx_words))
			return -EINVAL;
	if (BPF_CLASS(prog[len - 1].code) != BPF_RET || !memory_ok(prog, len))
		return -EINVAL;
	/* The context's length is a constant: load it as one. */
	for (unsigned pc = 0; pc < len; pc++) {
		if (prog[pc].code == (BPF_LD | BPF_W | BPF_LEN))
			prog[pc] = (struct cbpf_insn){.code = BPF_LD | BPF_IMM, .k = ctx_words * 4};
		else if (prog[pc].code == (BPF_LDX | BPF_W | BPF_LEN))
			prog[pc] =
				(struct cbpf_insn){.code = BPF_LDX | BPF_IMM, .k = ctx_words * 4};
	}
	return 0;
}

static u32 alu(u16 op, u32 a, u32 v)
{
	switch (op) {
	case BPF_ADD:
		return a + v;
	case BPF_SUB:
		return a - v;
	case BPF_MUL:
		return a * v;
	case BPF_DIV:
		return a / v; /* v != 0: the caller saw to it */
	case BPF_AND:
		return a & v;
	case BPF_OR:
		return a | v;
	case BPF_XOR:
		return a ^ v;
	case BPF_LSH:
		return a << (v & 31);
	case BPF_RSH:
		return a >> (v & 31);
	default: /* BPF_NEG */
		return -a;
	}
}

static bool jump_taken(u16 op, u32 a, u32 v)
{
	switch (op) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	default: /* BPF_JSET */
		return a & v;
	}
}

u32 cbpf_run(const struct cbpf_insn *prog, const u32 *ctx)
{
	u32 a = 0, x = 0, mem[MEMWORDS];

	for (const struct cbpf_insn *in = prog;; in++) {
		u32 v = BPF_SRC(in->code) == BPF_X ? x : in->k;

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : in->k;
		case BPF_ALU:
			if (BPF_OP(in->code) == BPF_DIV && v == 0)
				return 0;
			a = alu(BPF_OP(in->code), a, v);
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA)
				in += in->k;
			else
				in += jump_taken(BPF_OP(in->code), a, v) ? in->jt : in->jf;
			break;
		case BPF_LD:
			if (BPF_MODE(in->code) == BPF_ABS)
				a = ctx[in->k / 4];
			else if (BPF_MODE(in->code) == BPF_MEM)
				a = mem[in->k];
			else
				a = in->k;
			break;
		case BPF_LDX:
			x = BPF_MODE(in->code) == BPF_MEM ? mem[in->k] : in->k;
			break;
		case BPF_ST:
			mem[in->k] = a;
			break;
		case BPF_STX:
			mem[in->k] = x;
			break;
		case BPF_MISC:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
}
