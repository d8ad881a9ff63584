// SPDX-License-Identifier: Apache-2.0
/*
 * What the guest seccomp tests (seccomp.c, seccomp_notify.c) need of the
 * seccomp(2) and classic-BPF ABI, spelled out: <linux/seccomp.h> and
 * <linux/filter.h> are not there for musl.
 */
#ifndef SECCOMP_ABI_H
#define SECCOMP_ABI_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* seccomp(2) operations and SECCOMP_FILTER_FLAG_*. */
#define SET_MODE_STRICT 0
#define SET_MODE_FILTER 1
#define GET_ACTION_AVAIL 2
#define GET_NOTIF_SIZES 3
#define FLAG_TSYNC 1u
#define FLAG_LOG 2u
#define FLAG_NEW_LISTENER 8u
#define FLAG_TSYNC_ESRCH 16u

/* SECCOMP_RET_* actions. */
#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD 0x00000000u
#define RET_TRAP 0x00030000u
#define RET_ERRNO 0x00050000u
#define RET_USER_NOTIF 0x7fc00000u
#define RET_TRACE 0x7ff00000u
#define RET_LOG 0x7ffc0000u
#define RET_ALLOW 0x7fff0000u
#define AUDIT_ARCH_X86_64 0xc000003eu

/* struct sock_filter and struct sock_fprog. */
struct insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct fprog {
	unsigned short len;
	struct insn *filter;
};

/* The classic BPF opcodes the tests use. */
#define LD_ABS 0x20  /* A = data[k] (32 bits) */
#define LD_LEN 0x80  /* A = len */
#define LD_IMM 0x00  /* A = k */
#define LDX_IMM 0x01 /* X = k */
#define LD_MEM 0x60  /* A = M[k] */
#define LDX_MEM 0x61 /* X = M[k] */
#define ST 0x02	     /* M[k] = A */
#define STX 0x03     /* M[k] = X */
#define ALU_ADD_K 0x04
#define ALU_MUL_K 0x24
#define ALU_DIV_X 0x3c
#define ALU_OR_K 0x44
#define ALU_AND_K 0x54
#define ALU_LSH_K 0x64
#define ALU_RSH_X 0x7c
#define ALU_NEG 0x84
#define ALU_MOD_K 0x94
#define ALU_XOR_X 0xac
#define JA 0x05
#define JEQ_K 0x15
#define JGT_K 0x25
#define JSET_K 0x45
#define RET_K 0x06
#define RET_A 0x16
#define TAX 0x07
#define TXA 0x87
#define LD_B_ABS 0x30

#define I(c, t, f, kk) ((struct insn){.code = (c), .jt = (t), .jf = (f), .k = (kk)})
/* seccomp_data: nr at 0, arch at 4, instruction_pointer at 8, args at 16 (low word first). */
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG(i) (16 + 8 * (i))

/* seccomp(2) by number: libcs differ in having a wrapper. */
static inline long seccomp_call(unsigned op, unsigned flags, void *args)
{
	return syscall(SYS_seccomp, (long)op, (long)flags, args);
}

/* Attach the n instructions at p with flags. */
static inline long seccomp_load(unsigned flags, struct insn *p, unsigned short n)
{
	struct fprog f = {n, p};
	return seccomp_call(SET_MODE_FILTER, flags, &f);
}

#endif
