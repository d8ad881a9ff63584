/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring0: the only code that runs in guest ring 0, plus the user-visible
 * trampoline page. Position-independent: the platform copies the
 * .ring0.image bytes to R0_PA_IMAGE (run through the direct map) and the
 * .ring0.tramp bytes to R0_PA_TRAMP (run at R0_TRAMP_VA).
 *
 * No path here saves registers to memory on the way out: the Sentry reads
 * them from KVM's sync regs. Only ring0_full_return touches the frame.
 * On kvm_pvm hosts every ring-0 instruction is emulated (~1-2 us each), so
 * the hot paths are one or two instructions long.
 */
#include "ring0/ring0.h"

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

	.section .ring0.image, "ax"
	.balign 4096
	.globl ring0_image_start
ring0_image_start:

/*
 * ring0_syscall: MSR_LSTAR where `syscall` enters ring 0 (hardware KVM).
 * Entry: CPL 0, RSP = user RSP, RCX = user RIP, R11 = user RFLAGS, IF = 0,
 *        every other GPR = user value.
 * Exit:  VM exit on R0_PORT_SYSCALL. The Sentry resumes either here at the
 *        sysretq (it checked RCX == RIP canonical, R11 == RFLAGS) or at
 *        ring0_full_return with RSP at the vCPU's entry stack.
 */
	.globl ring0_syscall
ring0_syscall:
	out	%al, $R0_PORT_SYSCALL
	sysretq

/*
 * ring0_full_return: resume ring 3 from the frame the Sentry filled.
 * Entry: CPL 0, RSP = vCPU area + R0_ENTRY_RSP_OFF (either set by the
 *        Sentry, or the trampoline's ud2 from ring 3 left it there); every
 *        GPR but RSP holds the frame's value already.
 * Work:  page-table stores from the queue, CR3 load (flush), an FP state
 *        (XRSTOR), FS/GS base; then the GPRs used here, and an iretq frame,
 *        from the frame. Without work (R0F_WORK), no GPR is touched: on
 *        kvm_pvm each instruction here costs a microsecond or two.
 * Exit:  ring 3 with the frame's registers; or, if R0F_EXIT_AFTER_APPLY,
 *        a VM exit on R0_PORT_APPLIED once the queue is applied.
 */
	.globl ring0_full_return
ring0_full_return:
	cmpq	$0, (R0F_ARMED - R0_ENTRY_RSP_OFF)(%rsp)
	je	not_armed
	cmpq	$0, (R0F_WORK - R0_ENTRY_RSP_OFF)(%rsp)
	jne	full_work
	movq	$0, (R0F_ARMED - R0_ENTRY_RSP_OFF)(%rsp)
	lea	(R0F_IRET - R0_ENTRY_RSP_OFF)(%rsp), %rsp
	.globl ring0_fast_return_iret
ring0_fast_return_iret:
	iretq

full_work:
	lea	-R0_ENTRY_RSP_OFF(%rsp), %rbx		/* rbx = frame */
	movq	$0, R0F_ARMED(%rbx)
	mov	R0F_QUEUE_LEN(%rbx), %rcx
	jrcxz	2f
	lea	R0_AREA_QUEUE(%rbx), %rsi
	/*
	 * Re-write each entry with its current value, atomically: a write
	 * from inside the guest is what a shadowing MMU sees. The logged
	 * value is not used, so that vCPUs replaying the same address space
	 * concurrently, in any order, never bring back an older value.
	 */
1:	mov	(%rsi), %rdi
	lock orq $0, (%rdi)
	add	$16, %rsi
	loop	1b
	movq	$0, R0F_QUEUE_LEN(%rbx)
	/* A page fault's usual work ends here. */
	testb	$R0W_OTHER, R0F_WORK(%rbx)
	jz	restore_queue
2:	mov	R0F_CR3(%rbx), %rax
	test	%rax, %rax
	jz	3f
	mov	%rax, %cr3
	movq	$0, R0F_CR3(%rbx)
3:	cmpq	$0, R0F_EXIT_AFTER_APPLY(%rbx)
	je	4f
	movq	$0, R0F_EXIT_AFTER_APPLY(%rbx)
	out	%al, $R0_PORT_APPLIED
	ud2
	/*
	 * A new FP state (signal delivery and return): cleared only once
	 * loaded, as a rewound frame (run.c) may run this part again.
	 * Only armed where ring 0 runs natively: KVM's instruction emulator
	 * (kvm_pvm) has no XRSTOR.
	 */
4:	mov	R0F_FP_LOAD(%rbx), %rax
	test	%rax, %rax
	jz	7f
	mov	%rax, %rdx
	shr	$32, %rdx
	xrstor64 R0_AREA_FP(%rbx)
	movq	$0, R0F_FP_LOAD(%rbx)
7:	cmpq	$0, R0F_SET_FS(%rbx)
	je	5f
	movq	$0, R0F_SET_FS(%rbx)
	mov	$MSR_FS_BASE, %ecx
	mov	R0F_FS_BASE(%rbx), %eax
	mov	R0F_FS_BASE+4(%rbx), %edx
	wrmsr
5:	cmpq	$0, R0F_SET_GS(%rbx)
	je	6f
	movq	$0, R0F_SET_GS(%rbx)
	mov	$MSR_GS_BASE, %ecx
	mov	R0F_GS_BASE(%rbx), %eax
	mov	R0F_GS_BASE+4(%rbx), %edx
	wrmsr
	/* The GPRs used above; the queue's alone after it. */
6:	mov	R0F_RAX(%rbx), %rax
	mov	R0F_RDX(%rbx), %rdx
restore_queue:
	mov	R0F_RCX(%rbx), %rcx
	mov	R0F_RSI(%rbx), %rsi
	mov	R0F_RDI(%rbx), %rdi
	lea	R0F_IRET(%rbx), %rsp
	mov	R0F_RBX(%rbx), %rbx
	.globl ring0_full_return_iret
ring0_full_return_iret:
	iretq

/*
 * The trampoline's ud2 when the Sentry did not arm the frame: the program
 * jumped there itself, so it gets the #UD it executed. No register has been
 * touched yet.
 */
not_armed:
	jmp	ring0_exc_stubs + 32 * 6

/*
 * #UD. The trampoline's ud2 at R0_TRAMP_ENTER_OFF is how ring 3 enters
 * ring0_full_return when the Sentry needs ring0 work: a software interrupt
 * through a DPL-3 gate would say it better, but kvm_pvm answers `int n`
 * from ring 3 with #GP(0), while an exception reaches the IDT on every
 * host. The CPU pushed no error code, so RSP is where the gate left it.
 */
	.globl ring0_ud_entry
ring0_ud_entry:
	cmpq	$(R0_TRAMP_VA + R0_TRAMP_ENTER_OFF), (%rsp)
	je	ring0_full_return
	jmp	ring0_exc_stubs + 32 * 6

/*
 * Exception entry, one 32-byte stub per vector 0..31.
 * Entry: the CPU pushed SS, RSP, RFLAGS, CS, RIP (and an error code for
 *        some vectors) on TSS.RSP0 (IST1 for #DF, NMI, #MC).
 * Exit:  VM exit on R0_PORT_EXCEPTION with RSP pointing at
 *        [vector, cr2, error, rip, cs, rflags, rsp, ss] (R0X_* offsets) and
 *        every GPR but RSP equal to the interrupted context's; or on
 *        R0_PORT_RING0_FAULT if the exception came from ring 0.
 */
.macro exc_stub vec
	.balign 32
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	push	$0
	.endif
	push	%rax
	mov	%cr2, %rax
	xchg	%rax, (%rsp)
	push	$\vec
	jmp	exc_common
.endm

	.balign 32
	.globl ring0_exc_stubs
ring0_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	exc_stub \v
	.endr

exc_common:
	testb	$3, R0X_CS(%rsp)
	jnz	1f
	/*
	 * CS says ring 0. Where syscall stays at CPL 3 (kvm_pvm) the selector
	 * may say so in user code too, so trust the address: user code is in
	 * the lower half or the trampoline page (the top 4 GiB); ring0's own
	 * code is in the direct map.
	 */
	cmpl	$0xffffffff, (R0X_RIP + 4)(%rsp)
	je	1f
	btq	$63, R0X_RIP(%rsp)
	jc	ring0_fault
1:	out	%al, $R0_PORT_EXCEPTION
	ud2
ring0_fault:
	out	%al, $R0_PORT_RING0_FAULT
	hlt
	jmp	ring0_fault

	.balign 16
	.globl ring0_image_end
ring0_image_end:

/*
 * The trampoline page: mapped user-readable and executable at R0_TRAMP_VA,
 * so it must hold nothing a program could use against the Sentry.
 */
	.section .ring0.tramp, "ax"
	.balign 4096
	.globl ring0_tramp_start
ring0_tramp_start:
/*
 * MSR_LSTAR on hosts where `syscall` stays in ring 3 (kvm_pvm).
 * Entry: CPL 3, RCX = user RIP, R11 = user RFLAGS. The TSS I/O bitmap
 *        lets ring 3 use R0_PORT_SYSCALL on those hosts only.
 * Exit:  VM exit; the Sentry resumes at the user's RIP directly.
 */
	.globl ring0_tramp_syscall
ring0_tramp_syscall:
	out	%al, $R0_PORT_SYSCALL
	ud2
/*
 * Start-up probe, at MSR_LSTAR once: reading CR0 works only in ring 0, so
 * hardware KVM reaches the `out` (a syscall exit) and a host whose syscall
 * stays in ring 3 raises #GP here instead.
 */
	.balign 16
	.globl ring0_tramp_probe
ring0_tramp_probe:
	mov	%cr0, %rax
	out	%al, $R0_PORT_SYSCALL
	ud2
/* Ring 3 → ring0_full_return, when the Sentry must run ring0 work (ring0_ud_entry). */
	.org	R0_TRAMP_ENTER_OFF
	.globl ring0_tramp_enter
ring0_tramp_enter:
	ud2
	.balign 16
	.globl ring0_tramp_end
ring0_tramp_end:

	.section .note.GNU-stack, "", @progbits
