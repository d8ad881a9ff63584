/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible layout of an x86-64 Linux signal frame (struct rt_sigframe)
 * and of the XSAVE-format FP state it points to: the legacy FXSAVE region
 * with the software bytes Linux stores in its unused tail, the XSAVE
 * header, and the magic words that mark an extended (XSAVE) frame.
 */
#ifndef ABI_LINUX_SIGFRAME_H
#define ABI_LINUX_SIGFRAME_H

#include <stddef.h>
#include "lib/compiler.h"
#include "signal.h"

/* The 64-bit user segment selectors (__USER_CS, __USER_DS). */
#define LINUX_USER_CS 0x33
#define LINUX_USER_DS 0x2b

/* sigcontext.trapno and err: the vector and error code of the last trap. */
#define X86_TRAP_PF 14
#define X86_PF_PROT 0x1 /* the page was present */
#define X86_PF_WRITE 0x2
#define X86_PF_USER 0x4
#define X86_PF_RSVD 0x8
#define X86_PF_INSTR 0x10
#define X86_PF_PK 0x20
#define X86_PF_ERROR_BITS 0x3f

/* ucontext.uc_flags. */
#define LINUX_UC_FP_XSTATE 0x1	       /* fpstate is an XSAVE image with sw bytes */
#define LINUX_UC_SIGCONTEXT_SS 0x2     /* sigcontext.ss is meaningful */
#define LINUX_UC_STRICT_RESTORE_SS 0x4 /* sigreturn restores ss as saved */

/*
 * What the handler's stack pointer points at: the return address (the
 * SA_RESTORER trampoline, which calls rt_sigreturn), the ucontext and the
 * siginfo. The FP state lies above, 64-byte aligned; uc.mcontext.fpstate
 * holds its address.
 */
struct linux_rt_sigframe {
	u64 pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};
_Static_assert(sizeof(struct linux_ucontext) == 304, "ucontext size");
_Static_assert(offsetof(struct linux_rt_sigframe, uc) == 8, "rt_sigframe.uc offset");
_Static_assert(offsetof(struct linux_rt_sigframe, info) == 312, "rt_sigframe.info offset");
_Static_assert(sizeof(struct linux_rt_sigframe) == 440, "rt_sigframe size");
_Static_assert(offsetof(struct linux_sigcontext, eflags) == 136, "sigcontext.eflags offset");
_Static_assert(offsetof(struct linux_sigcontext, fpstate) == 184, "sigcontext.fpstate offset");

/*
 * struct _fpx_sw_bytes: in bytes 464..511 of the FXSAVE region, which the
 * CPU never writes. magic1 says the frame holds XSAVE state of xstate_size
 * bytes with the components in xfeatures; extended_size counts magic2 too.
 */
#define LINUX_FP_XSTATE_MAGIC1 0x46505853u
#define LINUX_FP_XSTATE_MAGIC2 0x46505845u
#define LINUX_FP_XSTATE_MAGIC2_SIZE 4u
struct linux_fpx_sw_bytes {
	u32 magic1;
	u32 extended_size;
	u64 xfeatures;
	u32 xstate_size;
	u32 padding[7];
};
_Static_assert(sizeof(struct linux_fpx_sw_bytes) == 48, "_fpx_sw_bytes size");

/* The legacy region of an XSAVE image (what FXSAVE writes): 512 bytes. */
struct linux_fxregs {
	u16 cwd, swd, twd, fop;
	u64 rip, rdp;
	u32 mxcsr, mxcsr_mask;
	u32 st_space[32];  /* 8 x87 registers, 16 bytes each */
	u32 xmm_space[64]; /* 16 XMM registers */
	u32 padding[12];
	struct linux_fpx_sw_bytes sw;
};
_Static_assert(sizeof(struct linux_fxregs) == 512, "fxregs size");
_Static_assert(offsetof(struct linux_fxregs, mxcsr) == 24, "fxregs.mxcsr offset");
_Static_assert(offsetof(struct linux_fxregs, st_space) == 32, "fxregs.st_space offset");
_Static_assert(offsetof(struct linux_fxregs, xmm_space) == 160, "fxregs.xmm_space offset");
_Static_assert(offsetof(struct linux_fxregs, sw) == 464, "fxregs.sw_reserved offset");

/* The XSAVE header, right after the legacy region. */
struct linux_xsave_header {
	u64 xfeatures; /* XSTATE_BV */
	u64 xcomp_bv;
	u64 reserved[6];
};
_Static_assert(sizeof(struct linux_xsave_header) == 64, "xsave header size");
#define LINUX_XSAVE_HDR_OFFSET 512
#define LINUX_XSAVE_MIN_SIZE (512 + 64)

/* XSAVE state components (bits of XCR0 and XSTATE_BV). */
#define LINUX_XFEATURE_FP 0x1ull
#define LINUX_XFEATURE_SSE 0x2ull
#define LINUX_XFEATURE_YMM 0x4ull
#define LINUX_XFEATURE_FPSSE (LINUX_XFEATURE_FP | LINUX_XFEATURE_SSE)

/* Reset values (what FNINIT / XRSTOR of the init state give). */
#define LINUX_FCW_DEFAULT 0x037f
#define LINUX_MXCSR_DEFAULT 0x1f80
/* MXCSR bits every x86-64 CPU accepts (with DAZ); others #GP on load. */
#define LINUX_MXCSR_VALID 0xffffu

#endif
