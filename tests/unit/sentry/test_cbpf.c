// SPDX-License-Identifier: Apache-2.0
/*
 * Classic BPF for seccomp (sentry/kernel/cbpf.c): Linux's 32-bit
 * arithmetic, the jumps, the context-length rewrite, and a stream of
 * random programs that the checker must either refuse or let run to a
 * RET without a stray access (ASan watches).
 */
#include <errno.h>
#include <linux/filter.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sentry/kernel/cbpf.h"

#define I(c, t, f, kk) ((struct cbpf_insn){.code = (c), .jt = (t), .jf = (f), .k = (kk)})
#define CTX_WORDS 16

static const u32 ctx[CTX_WORDS] = {1, 2, 3, 0xffffffff, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* A = a; X = x; A op= (K k or X); return A. */
static u32 alu(u16 op, u32 a, u32 x, u32 k)
{
	struct cbpf_insn p[] = {
		I(BPF_LD | BPF_IMM, 0, 0, a),
		I(BPF_LDX | BPF_IMM, 0, 0, x),
		I(BPF_ALU | op, 0, 0, k),
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	assert_int_equal(cbpf_check(p, 4, CTX_WORDS), 0);
	return cbpf_run(p, ctx);
}

static void test_alu(void **state)
{
	(void)state;
	assert_int_equal(alu(BPF_ADD | BPF_K, 0xffffffff, 0, 2), 1);
	assert_int_equal(alu(BPF_SUB | BPF_X, 1, 2, 0), 0xffffffff);
	assert_int_equal(alu(BPF_MUL | BPF_K, 0x80000001, 0, 2), 2);
	assert_int_equal(alu(BPF_DIV | BPF_K, 7, 0, 2), 3);
	assert_int_equal(alu(BPF_DIV | BPF_X, 7, 0, 0), 0); /* ends the program with 0 */
	assert_int_equal(alu(BPF_AND | BPF_X, 0xf0f0, 0xff00, 0), 0xf000);
	assert_int_equal(alu(BPF_OR | BPF_K, 0xf0, 0, 0x0f), 0xff);
	assert_int_equal(alu(BPF_XOR | BPF_K, 0xff, 0, 0x0f), 0xf0);
	assert_int_equal(alu(BPF_LSH | BPF_K, 1, 0, 31), 0x80000000);
	assert_int_equal(alu(BPF_LSH | BPF_X, 1, 33, 0), 2); /* X's low five bits */
	assert_int_equal(alu(BPF_RSH | BPF_X, 0x80000000, 32, 0), 0x80000000);
	assert_int_equal(alu(BPF_NEG, 1, 0, 0), 0xffffffff);
}

static void test_loads_and_memory(void **state)
{
	(void)state;
	struct cbpf_insn p[] = {
		I(BPF_LD | BPF_W | BPF_ABS, 0, 0, 12), /* ctx[3] */
		I(BPF_ST, 0, 0, 15),
		I(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0),
		I(BPF_MISC | BPF_TAX, 0, 0, 0),
		I(BPF_STX, 0, 0, 0),
		I(BPF_LDX | BPF_MEM, 0, 0, 15),
		I(BPF_LD | BPF_MEM, 0, 0, 0),
		I(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0), /* 64 + 0xffffffff */
		I(BPF_RET | BPF_A, 0, 0, 0),
	};
	assert_int_equal(cbpf_check(p, 9, CTX_WORDS), 0);
	assert_int_equal(p[2].code, BPF_LD | BPF_IMM); /* the length became a constant */
	assert_int_equal(p[2].k, 64);
	assert_int_equal(cbpf_run(p, ctx), 63);
}

/* "A = ctx[0] (1); if (A cmp v) return 1 else return 2", with v as K or in X. */
static u32 jump(u16 op, u32 v, bool use_x)
{
	struct cbpf_insn p[] = {
		I(BPF_LDX | BPF_IMM, 0, 0, v),
		I(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0),
		I(BPF_JMP | op | (use_x ? BPF_X : BPF_K), 0, 1, v),
		I(BPF_RET | BPF_K, 0, 0, 1),
		I(BPF_RET | BPF_K, 0, 0, 2),
	};
	assert_int_equal(cbpf_check(p, 5, CTX_WORDS), 0);
	return cbpf_run(p, ctx);
}

static void test_jumps(void **state)
{
	(void)state;
	for (int x = 0; x < 2; x++) {
		assert_int_equal(jump(BPF_JEQ, 1, x), 1);
		assert_int_equal(jump(BPF_JEQ, 2, x), 2);
		assert_int_equal(jump(BPF_JGT, 0, x), 1);
		assert_int_equal(jump(BPF_JGT, 1, x), 2);
		assert_int_equal(jump(BPF_JGE, 1, x), 1);
		assert_int_equal(jump(BPF_JGE, 0xffffffff, x), 2); /* unsigned */
		assert_int_equal(jump(BPF_JSET, 3, x), 1);
		assert_int_equal(jump(BPF_JSET, 2, x), 2);
	}
	struct cbpf_insn ja[] = {
		I(BPF_JMP | BPF_JA, 0, 0, 1),
		I(BPF_RET | BPF_K, 0, 0, 7),
		I(BPF_RET | BPF_K, 0, 0, 9),
	};
	assert_int_equal(cbpf_check(ja, 3, CTX_WORDS), 0);
	assert_int_equal(cbpf_run(ja, ctx), 9);
}

static void test_refusals(void **state)
{
	(void)state;
	struct cbpf_insn ret = I(BPF_RET | BPF_K, 0, 0, 0);
	struct cbpf_insn p[2] = {I(BPF_LD | BPF_W | BPF_ABS, 0, 0, CTX_WORDS * 4), ret};

	assert_int_equal(cbpf_check(p, 2, CTX_WORDS), -EINVAL);
	p[0] = I(BPF_LD | BPF_W | BPF_IND, 0, 0, 0);
	assert_int_equal(cbpf_check(p, 2, CTX_WORDS), -EINVAL);
	p[0] = I(BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0);
	assert_int_equal(cbpf_check(p, 2, CTX_WORDS), -EINVAL);
	p[0] = I(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0);
	assert_int_equal(cbpf_check(p, 2, CTX_WORDS), -EINVAL);
	p[0] = I(BPF_JMP | BPF_JA, 0, 0, 0xffffffff); /* no wrap-around backwards */
	assert_int_equal(cbpf_check(p, 2, CTX_WORDS), -EINVAL);
	assert_int_equal(cbpf_check(p, 0, CTX_WORDS), -EINVAL);
	assert_int_equal(cbpf_check(p, CBPF_MAXINSNS + 1, CTX_WORDS), -EINVAL);
}

/* Biased towards what the checker accepts, so that many programs run. */
static struct cbpf_insn random_insn(unsigned len)
{
	static const u16 codes[] = {
		BPF_RET | BPF_K,
		BPF_RET | BPF_A,
		BPF_ALU | BPF_ADD | BPF_X,
		BPF_ALU | BPF_DIV | BPF_X,
		BPF_ALU | BPF_DIV | BPF_K,
		BPF_ALU | BPF_LSH | BPF_K,
		BPF_ALU | BPF_RSH | BPF_X,
		BPF_ALU | BPF_NEG,
		BPF_LD | BPF_W | BPF_ABS,
		BPF_LD | BPF_W | BPF_LEN,
		BPF_LDX | BPF_W | BPF_LEN,
		BPF_LD | BPF_IMM,
		BPF_LDX | BPF_IMM,
		BPF_LD | BPF_MEM,
		BPF_LDX | BPF_MEM,
		BPF_ST,
		BPF_STX,
		BPF_MISC | BPF_TAX,
		BPF_MISC | BPF_TXA,
		BPF_JMP | BPF_JA,
		BPF_JMP | BPF_JEQ | BPF_K,
		BPF_JMP | BPF_JGT | BPF_X,
		BPF_JMP | BPF_JSET | BPF_K,
		BPF_LD | BPF_B | BPF_ABS,
		BPF_ALU | BPF_MOD | BPF_K,
	};
	struct cbpf_insn in = {.code = codes[rand() % ARRAY_SIZE(codes)]};
	if (rand() % 50 == 0)
		in.code = (u16)rand();
	in.jt = rand() % (len + 1);
	in.jf = rand() % (len + 1);
	switch (rand() % 4) {
	case 0:
		in.k = rand() % 20;
		break;
	case 1:
		in.k = (rand() % 20) * 4;
		break;
	case 2:
		in.k = rand() % len;
		break;
	default:
		in.k = (u32)rand() * 2654435761u;
	}
	return in;
}

static void test_random_programs(void **state)
{
	(void)state;
	struct cbpf_insn p[16];
	unsigned accepted = 0;

	srand(1);
	for (int i = 0; i < 200000; i++) {
		unsigned len = 1 + rand() % 16;
		for (unsigned j = 0; j < len; j++)
			p[j] = random_insn(len);
		if (cbpf_check(p, len, CTX_WORDS) == 0) {
			accepted++;
			(void)cbpf_run(p, ctx);
		}
	}
	assert_true(accepted > 1000); /* the stream exercises the interpreter */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu),
		cmocka_unit_test(test_loads_and_memory),
		cmocka_unit_test(test_jumps),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_random_programs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
