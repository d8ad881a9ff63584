/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86-64 signal frame, exactly as Linux lays it out (struct
 * rt_sigframe: return address, ucontext, siginfo, then the XSAVE-format
 * FP state), so that unwinders, glibc and programs that edit the
 * ucontext in a handler work unchanged; and the alternate signal stack
 * the frame may go on (sigaltstack(2)).
 *
 * t->altstack is read and written only by t's own thread (sigaltstack,
 * delivery, rt_sigreturn; clone copies it before the child runs), so
 * these need no lock. All may block (they touch guest memory).
 */
#ifndef SENTRY_KERNEL_SIGFRAME_H
#define SENTRY_KERNEL_SIGFRAME_H

#include "kernel.h"

/*
 * Build a frame for a handler of info->signo with action act on t's user
 * stack (or its alternate stack, per SA_ONSTACK and t->altstack), saving
 * t->regs, the FP state, and blocked (the mask to restore on return), and
 * point t->regs at the handler with the arguments Linux passes. As Linux,
 * the handler starts with the FP state reset, and an SS_AUTODISARM
 * alternate stack is disarmed (the frame keeps the old setting). The
 * caller still applies act's mask, SA_NODEFER and SA_RESETHAND. Returns 0,
 * or -EFAULT if the frame cannot be written, the alternate stack would
 * overflow, or act has no SA_RESTORER (x86-64 Linux requires one); the
 * caller then kills t with SIGSEGV, as Linux does. t->regs is unchanged
 * on failure.
 */
int sigframe_setup(struct task *t, const struct linux_siginfo *info,
		   const struct linux_sigaction *act, u64 blocked) __must_check;

/*
 * rt_sigreturn: restore t->regs (orig_rax = -1: no restart), the FP state
 * and the alternate-stack setting from the frame at the user stack, and
 * return the mask the frame saved in *mask. Returns 0, or -EFAULT for a
 * bad frame (SIGSEGV). As Linux sets the mask before the rest, *mask is
 * valid even on -EFAULT unless the ucontext itself could not be read
 * (then *mask is left alone). A bad FP state resets the FP registers.
 */
int sigframe_restore(struct task *t, u64 *mask) __must_check;

/*
 * sigaltstack(2), Linux's do_sigaltstack, with sp the user stack pointer
 * at the call. sigaltstack_get reports the current setting (SS_ONSTACK
 * when sp is on it). sigaltstack_set installs ss: -EPERM while running on
 * the current alternate stack, -EINVAL for bad flags, -ENOMEM below
 * MINSIGSTKSZ; nothing changes on error.
 */
void sigaltstack_get(const struct task *t, u64 sp, struct linux_stack *old);
int sigaltstack_set(struct task *t, const struct linux_stack *ss, u64 sp) __must_check;

#endif
