/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-mode snippets the platform self-test runs in ring 3. The page is
 * copied into the guest and mapped at SELFTEST_VA; each label is an entry.
 */
	.section .rodata.selftest_user, "a"
	.balign 4096
	.globl st_user_start, st_syscall, st_read, st_write, st_hlt, st_fs
	.globl st_spin, st_int81, st_end
st_user_start:
st_syscall:			/* syscall forever; the Sentry sets rax */
	syscall
	jmp	st_syscall
st_read:			/* rax = *rdi, report it */
	mov	(%rdi), %rax
	syscall
	jmp	st_read
st_write:			/* *rdi = rsi, report */
	mov	%rsi, (%rdi)
	syscall
	jmp	st_write
st_hlt:
	hlt
	ud2
st_fs:				/* rax = *fs:0 */
	mov	%fs:0, %rax
	syscall
	jmp	st_fs
st_spin:
	jmp	st_spin
st_int81:
	int	$0x81
	ud2
st_end:
	.section .note.GNU-stack, "", @progbits
