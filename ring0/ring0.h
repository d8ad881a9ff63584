/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contract between ring0 (guest-side entry code in ring0/entry.S) and
 * the KVM platform that loads it. Included by assembly and by C: every
 * offset the assembly uses is defined here and checked against the C
 * structure with _Static_assert in platform/kvm.
 *
 * Guest virtual layout (upper half, identical in every address space):
 *   R0_DIRECT_MAP   the whole memory file, supervisor-only, 2 MiB pages;
 *                   ring0 code and per-vCPU areas are reached through it.
 *   R0_TRAMP_VA     one user-readable, executable page (the trampoline):
 *                   the syscall entry on hosts where `syscall` stays in
 *                   ring 3, and the ud2 at R0_TRAMP_ENTER_OFF that enters
 *                   ring0 from ring 3 when the Sentry needs ring0 work done.
 *
 * Guest physical layout (the memory file):
 *   [0, R0_RESERVED)  owned by the platform: ring0 image, trampoline page,
 *                     IDT, upper-half page tables, per-vCPU areas.
 *   [R0_RESERVED, size) frames handed out by mm.
 *
 * How the VM exits: every exit is an `out` to one of the R0_PORT_* ports;
 * the Sentry reads the user registers from KVM's sync regs (no register
 * ioctls) and, for exceptions, the hardware frame from the ring0 stack.
 */
#ifndef RING0_RING0_H
#define RING0_RING0_H

#define R0_DIRECT_MAP 0xffff800000000000
#define R0_TRAMP_VA 0xffffffffff400000 /* alone in the top 4 GiB */
#define R0_PML4_DIRECT 256
#define R0_PML4_TRAMP 511

/* Physical layout of the reserved area. */
#define R0_PA_IMAGE 0x0 /* ring0 code, up to 64 KiB */
#define R0_IMAGE_MAX 0x10000
#define R0_PA_TRAMP 0x10000 /* the trampoline page */
#define R0_PA_IDT 0x11000
#define R0_PA_PT 0x12000    /* upper-half page tables, 0x12000..0x3fffff */
#define R0_PA_VCPU 0x200000 /* per-vCPU areas */
#define R0_VCPU_STRIDE 0x20000
#define R0_MAX_VCPUS 64
#define R0_RESERVED (R0_PA_VCPU + R0_MAX_VCPUS * R0_VCPU_STRIDE) /* 10 MiB */

/* Per-vCPU area, offsets from its base. */
#define R0_AREA_FRAME 0x0 /* struct ring0_frame */
#define R0_AREA_GDT 0x1000
#define R0_AREA_TSS 0x2000	/* TSS, then the I/O permission bitmap */
#define R0_AREA_IST1_TOP 0x6000 /* #DF, NMI, #MC */
#define R0_AREA_RSP0 0x8000	/* kernel stack top (TSS.RSP0) */
#define R0_AREA_QUEUE 0x8000	/* page-table store queue, 64 KiB */
#define R0_QUEUE_MAX 4096
#define R0_AREA_FP 0x18000 /* an XSAVE image for R0F_FP_LOAD (64-byte aligned) */
#define R0_AREA_FP_MAX 0x8000

#define R0_TSS_SIZE 0x68
#define R0_IOPB_BYTES 0x2001 /* 65536 ports / 8 + the terminating 0xff */

/* Segment selectors: the same values Linux uses, so signal frames match. */
#define R0_SEL_KCODE 0x10
#define R0_SEL_KDATA 0x18
#define R0_SEL_UCODE32 0x23
#define R0_SEL_UDATA 0x2b
#define R0_SEL_UCODE 0x33
#define R0_SEL_TSS 0x40
#define R0_GDT_ENTRIES 10

/* Exit ports: below 0x100 so `out %al, $imm8` clobbers no register. */
#define R0_PORT_SYSCALL 0xe0
#define R0_PORT_EXCEPTION 0xe1
#define R0_PORT_RING0_FAULT 0xe2
#define R0_PORT_APPLIED 0xe3

/* The trampoline's ud2 that enters ring0_full_return from ring 3. */
#define R0_TRAMP_ENTER_OFF 0x20
/*
 * Every vector has a gate, as in Linux: a program's `int n` through one of
 * ring 0's (DPL 0) gets #GP(n * 8 + 2), which a short IDT would not give on
 * every CPU. One page (R0_PA_IDT).
 */
#define R0_IDT_ENTRIES 256

/*
 * struct ring0_frame: GPRs, then an iretq frame, then control words the
 * Sentry sets before resuming through ring0_full_return. The GPRs are the
 * vCPU's already when ring0_full_return starts (the Sentry sets them with
 * RIP): it restores from here only those it used itself.
 */
#define R0F_R15 0
#define R0F_RDI 112	  /* last of 15 GPRs: r15 .. rdi */
#define R0F_IRET 120	  /* rip, cs, rflags, rsp, ss */
#define R0F_ARMED 160	  /* 1 = the Sentry filled this frame */
#define R0F_QUEUE_LEN 168 /* page-table stores queued */
#define R0F_CR3 176	  /* if non-zero: load into CR3 (flushes) */
#define R0F_SET_FS 184	  /* if non-zero: write FS_BASE from R0F_FS_BASE */
#define R0F_FS_BASE 192
#define R0F_SET_GS 200
#define R0F_GS_BASE 208
#define R0F_EXIT_AFTER_APPLY 216 /* apply the queue and exit, don't return */
#define R0F_FP_LOAD 224		 /* if non-zero: XRSTOR R0_AREA_FP with this RFBM */
#define R0F_WORK 232		 /* R0W_*: which of queue_len .. fp_load are set */
#define R0F_SIZE 240
#define R0W_QUEUE 1 /* queue_len */
#define R0W_OTHER 2 /* any of cr3, set_fs, set_gs, exit_after_apply, fp_load */
/* The GPRs ring0_full_return uses, restored last. */
#define R0F_RBX 40
#define R0F_RAX 80
#define R0F_RCX 88
#define R0F_RDX 96
#define R0F_RSI 104

/* When ring0_full_return starts, RSP is RSP0 minus one hardware frame. */
#define R0_ENTRY_RSP_OFF (R0_AREA_RSP0 - 40)

/* Exception stack, as exc_common leaves it for the Sentry (offsets from RSP). */
#define R0X_VECTOR 0
#define R0X_CR2 8
#define R0X_ERROR 16
#define R0X_RIP 24
#define R0X_CS 32
#define R0X_RFLAGS 40
#define R0X_RSP 48
#define R0X_SS 56

#endif
