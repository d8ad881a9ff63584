// SPDX-License-Identifier: Apache-2.0
/*
 * Signal frames and the alternate signal stack, as x86-64 Linux has them
 * (arch/x86/kernel/signal*.c, fpu/signal.c, kernel/signal.c).
 *
 * The frame, from the handler's stack pointer (frame) upwards:
 *
 *   frame + 0     return address: act->restorer (calls rt_sigreturn)
 *   frame + 8     struct ucontext (304 bytes; uc_mcontext at +48)
 *   frame + 312   struct siginfo (128 bytes; written for SA_SIGINFO only)
 *   frame + 440   padding up to fp
 *   fp            the XSAVE image (fpstate_size bytes, 64-byte aligned),
 *                 _fpx_sw_bytes at fp + 464, FP_XSTATE_MAGIC2 at
 *                 fp + fpstate_size
 *   fp + size + 4 padding; then the 128-byte red zone below the
 *                 interrupted rsp (or the top of the alternate stack)
 *
 * frame is 16-byte aligned minus 8, so (rsp + 8) % 16 == 0 at handler
 * entry, as after a call. The frame is built in one host buffer and
 * copied out with one mm_copy_to_user.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/sigframe.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "sigframe.h"

#define RED_ZONE 128

#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_TF 0x100ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_RF 0x10000ull
#define RFLAGS_AC 0x40000ull
/* The flags rt_sigreturn takes from the frame (Linux's FIX_EFLAGS). */
#define RFLAGS_FROM_FRAME                                                                    \
	(RFLAGS_AC | RFLAGS_OF | RFLAGS_DF | RFLAGS_TF | RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | \
	 RFLAGS_PF | RFLAGS_CF | RFLAGS_RF)

/* ---- The alternate signal stack ---- */

/* Linux's __on_sig_stack: sp in (ss_sp, ss_sp + ss_size]. */
static bool altstack_contains(const struct linux_stack *ss, u64 sp)
{
	return sp > ss->sp && sp - ss->sp <= ss->size;
}

/*
 * Linux's on_sig_stack: an SS_AUTODISARM stack is never "current" (it is
 * disarmed while in use), so a corrupt sp near it cannot block delivery.
 */
static bool altstack_on(const struct task *t, u64 sp)
{
	if ((u32)t->altstack.flags & LINUX_SS_AUTODISARM)
		return false;
	return altstack_contains(&t->altstack, sp);
}

/* Linux's sas_ss_flags: SS_DISABLE, SS_ONSTACK or 0. */
static u32 altstack_state(const struct task *t, u64 sp)
{
	if (!t->altstack.size)
		return LINUX_SS_DISABLE;
	return altstack_on(t, sp) ? LINUX_SS_ONSTACK : 0;
}

/*
 * The setting as the frame's uc_stack records it: the stored flags, raw.
 * A zeroed t->altstack (a new task) is Linux's initial SS_DISABLE; no
 * other setting has size 0 and flags 0.
 */
static struct linux_stack altstack_saved(const struct task *t)
{
	struct linux_stack ss = t->altstack;

	if (!ss.size && !ss.flags)
		ss.flags = LINUX_SS_DISABLE;
	ss._pad = 0;
	return ss;
}

void sigaltstack_get(const struct task *t, u64 sp, struct linux_stack *old)
{
	memset(old, 0, sizeof(*old));
	old->sp = t->altstack.sp;
	old->size = t->altstack.size;
	old->flags = (s32)(altstack_state(t, sp) | ((u32)t->altstack.flags & LINUX_SS_AUTODISARM));
}

int sigaltstack_set(struct task *t, const struct linux_stack *ss, u64 sp)
{
	u32 flags = (u32)ss->flags;
	u32 mode = flags & ~LINUX_SS_AUTODISARM;
	u64 base = ss->sp, size = ss->size;

	if (altstack_on(t, sp))
		return -EPERM;
	/* SS_ONSTACK is accepted as 0, for old programs. */
	if (mode != LINUX_SS_DISABLE && mode != LINUX_SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == LINUX_SS_DISABLE) {
		base = 0;
		size = 0;
	} else if (size < LINUX_MINSIGSTKSZ) {
		return -ENOMEM;
	}
	t->altstack = (struct linux_stack){.sp = base, .flags = (s32)flags, .size = size};
	return 0;
}

/* ---- FP state ---- */

static struct platform *task_platform(const struct task *t)
{
	return t->ctx->p;
}

/* The XSAVE image of the init state: what a handler starts with. */
static void fp_init_image(u8 *img, u32 size)
{
	struct linux_fxregs *fx = (struct linux_fxregs *)img;
	struct linux_xsave_header *hdr =
		(struct linux_xsave_header *)(img + LINUX_XSAVE_HDR_OFFSET);

	memset(img, 0, size);
	fx->cwd = LINUX_FCW_DEFAULT;
	fx->mxcsr = LINUX_MXCSR_DEFAULT;
	/* x87 and SSE explicit (their init values above), the rest init. */
	hdr->xfeatures = LINUX_XFEATURE_FPSSE;
}

/* Linux's fpu__clear_user_states. */
static void fp_reset(struct task *t)
{
	struct platform *p = task_platform(t);
	_cleanup_free_ u8 *img = calloc(1, p->fpstate_size);

	if (!img) {
		pr_warn_ratelimited("tid %d: no memory to reset the FP state", t->tid);
		return;
	}
	fp_init_image(img, p->fpstate_size);
	if (p->ops->ctx_set_fpstate(t->ctx, img))
		pr_warn_ratelimited("tid %d: resetting the FP state failed", t->tid);
}

/*
 * Fill the FP part of a frame: the XSAVE image, the sw bytes that mark it
 * as extended, and MAGIC2 after it (buf has fpstate_size + 4 bytes).
 */
static int fp_save(struct task *t, u8 *buf)
{
	struct platform *p = task_platform(t);
	struct linux_fxregs *fx = (struct linux_fxregs *)buf;
	struct linux_xsave_header *hdr =
		(struct linux_xsave_header *)(buf + LINUX_XSAVE_HDR_OFFSET);
	u32 magic2 = LINUX_FP_XSTATE_MAGIC2;

	if (p->ops->ctx_get_fpstate(t->ctx, buf))
		return -EFAULT;
	memset(&fx->sw, 0, sizeof(fx->sw));
	fx->sw.magic1 = LINUX_FP_XSTATE_MAGIC1;
	fx->sw.extended_size = p->fpstate_size + LINUX_FP_XSTATE_MAGIC2_SIZE;
	fx->sw.xfeatures = p->xcr0;
	fx->sw.xstate_size = p->fpstate_size;
	/*
	 * As Linux: x87 and SSE always marked present, so a handler that
	 * edits them in the legacy region without touching XSTATE_BV still
	 * has its edits restored.
	 */
	hdr->xfeatures |= LINUX_XFEATURE_FPSSE;
	memcpy(buf + p->fpstate_size, &magic2, sizeof(magic2));
	return 0;
}

/*
 * Linux's check_xstate_in_sigframe: whether the frame at ufp is a whole
 * XSAVE frame (both magics, sane sizes) rather than a legacy FXSAVE-only
 * one. -EFAULT if magic2 cannot be read.
 */
static int fp_frame_is_xstate(struct task *t, u64 ufp, const struct linux_fpx_sw_bytes *sw)
{
	u32 size = task_platform(t)->fpstate_size, magic2;

	if (sw->magic1 != LINUX_FP_XSTATE_MAGIC1 || sw->xstate_size < LINUX_XSAVE_MIN_SIZE ||
	    sw->xstate_size > size || sw->xstate_size > sw->extended_size)
		return 0;
	if (mm_copy_from_user(t->mm, &magic2, uaddr(ufp + sw->xstate_size), sizeof(magic2)))
		return -EFAULT;
	return magic2 == LINUX_FP_XSTATE_MAGIC2;
}

/*
 * Turn the user's XSAVE image into the state XRSTOR would load with
 * RFBM = xrestore followed by Linux's reset of the components outside
 * it: x87 and SSE made explicit, others left to XSTATE_BV. -EFAULT
 * where XRSTOR would fault (#GP).
 */
static int fp_apply_xrstor(u8 *img, u64 xcr0, u64 xrestore)
{
	struct linux_fxregs *fx = (struct linux_fxregs *)img;
	struct linux_xsave_header *hdr =
		(struct linux_xsave_header *)(img + LINUX_XSAVE_HDR_OFFSET);
	u64 bv = hdr->xfeatures;

	/* Standard form: XCOMP_BV and the next 8 bytes must be zero. */
	if (hdr->xcomp_bv || hdr->reserved[0] || (bv & ~xcr0))
		return -EFAULT;
	bv &= xrestore;
	if (!(bv & LINUX_XFEATURE_FP)) {
		u32 mxcsr[2] = {fx->mxcsr, fx->mxcsr_mask};

		memset(fx, 0, offsetof(struct linux_fxregs, xmm_space));
		fx->cwd = LINUX_FCW_DEFAULT;
		fx->mxcsr = mxcsr[0];
		fx->mxcsr_mask = mxcsr[1];
	}
	if (!(bv & LINUX_XFEATURE_SSE))
		memset(fx->xmm_space, 0, sizeof(fx->xmm_space));
	/* MXCSR: from memory if SSE or YMM is restored, unless then reset. */
	if ((xcr0 & ~xrestore) & (LINUX_XFEATURE_SSE | LINUX_XFEATURE_YMM))
		fx->mxcsr = LINUX_MXCSR_DEFAULT;
	memset(hdr, 0, sizeof(*hdr));
	hdr->xfeatures = bv | LINUX_XFEATURE_FPSSE;
	return 0;
}

/*
 * Linux's fpu__restore_sig for a 64-bit frame: no fpstate means the init
 * state; an XSAVE frame is restored with XRSTOR semantics, anything else
 * as an FXSAVE image (x87 and SSE; the rest reset). -EFAULT where Linux
 * fails (bad address, alignment, header, MXCSR); the caller resets.
 */
static int fp_restore(struct task *t, u64 ufp)
{
	struct platform *p = task_platform(t);
	u32 size = p->fpstate_size;
	_cleanup_free_ u8 *img = calloc(1, size);
	struct linux_fxregs *fx = (struct linux_fxregs *)img;
	int xstate;

	if (!img)
		return -ENOMEM;
	if (!ufp) {
		fp_init_image(img, size);
		return p->ops->ctx_set_fpstate(t->ctx, img) ? -EFAULT : 0;
	}
	if (mm_copy_from_user(t->mm, img, uaddr(ufp), sizeof(*fx)))
		return -EFAULT;
	xstate = fp_frame_is_xstate(t, ufp, &fx->sw);
	if (xstate < 0)
		return xstate;
	if (xstate) {
		/* XRSTOR: 64-byte alignment. */
		if (ufp % 64 || mm_copy_from_user(t->mm, img, uaddr(ufp), size))
			return -EFAULT;
		if (fp_apply_xrstor(img, p->xcr0, fx->sw.xfeatures & p->xcr0))
			return -EFAULT;
	} else {
		/* FXRSTOR: 16-byte alignment; x87 and SSE only. */
		if (ufp % 16)
			return -EFAULT;
		((struct linux_xsave_header *)(img + LINUX_XSAVE_HDR_OFFSET))->xfeatures =
			LINUX_XFEATURE_FPSSE;
	}
	if (fx->mxcsr & ~LINUX_MXCSR_VALID)
		return -EFAULT;
	return p->ops->ctx_set_fpstate(t->ctx, img) ? -EFAULT : 0;
}

/* ---- The frame ---- */

static void sigcontext_fill(struct linux_sigcontext *sc, const struct user_regs *r)
{
	sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
	sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
	sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
	sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->rsp;
	sc->rip = r->rip, sc->eflags = r->rflags;
	sc->cs = LINUX_USER_CS;
	sc->ss = LINUX_USER_DS;
}

/*
 * Linux's get_sigframe: where the frame and the FP state go, or -EFAULT
 * if they would overflow the alternate stack.
 */
static int sigframe_place(const struct task *t, const struct linux_sigaction *act, u32 fpsize,
			  u64 *frame, u64 *fp)
{
	u64 sp = t->regs.rsp - RED_ZONE;
	bool nested = altstack_on(t, t->regs.rsp), entering = false;

	if ((act->flags & LINUX_SA_ONSTACK) && altstack_state(t, sp) == 0) {
		sp = t->altstack.sp + t->altstack.size;
		entering = true;
	}
	if (fpsize)
		sp = ALIGN_DOWN(sp - fpsize - LINUX_FP_XSTATE_MAGIC2_SIZE, 64);
	*fp = fpsize ? sp : 0;
	*frame = ALIGN_DOWN(sp - sizeof(struct linux_rt_sigframe), 16) - 8;
	if ((nested || entering) && !altstack_contains(&t->altstack, *frame)) {
		pr_warn_ratelimited("tid %d overflowed its sigaltstack", t->tid);
		return -EFAULT;
	}
	return 0;
}

int sigframe_setup(struct task *t, const struct linux_siginfo *info,
		   const struct linux_sigaction *act, u64 blocked)
{
	u32 fpsize = task_platform(t)->fpstate_size;
	u64 frame, fp;

	/* x86-64 has no kernel-provided return path. */
	if (!(act->flags & LINUX_SA_RESTORER))
		return -EFAULT;
	if (sigframe_place(t, act, fpsize, &frame, &fp))
		return -EFAULT;

	u64 len = fpsize ? fp + fpsize + LINUX_FP_XSTATE_MAGIC2_SIZE - frame
			 : sizeof(struct linux_rt_sigframe);
	_cleanup_free_ u8 *buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	/* SAFETY: buf is 16-byte aligned (malloc) and at least 440 bytes. */
	struct linux_rt_sigframe *f = (struct linux_rt_sigframe *)buf;
	struct linux_sigcontext *sc = &f->uc.mcontext;

	f->pretcode = act->restorer;
	f->uc.flags = LINUX_UC_SIGCONTEXT_SS | LINUX_UC_STRICT_RESTORE_SS;
	if (fpsize)
		f->uc.flags |= LINUX_UC_FP_XSTATE;
	f->uc.stack = altstack_saved(t);
	sigcontext_fill(sc, &t->regs);
	sc->trapno = t->trap.trapno;
	sc->err = t->trap.err;
	sc->cr2 = t->trap.cr2;
	sc->oldmask = blocked;
	sc->fpstate = fp;
	f->uc.sigmask = blocked;
	if (act->flags & LINUX_SA_SIGINFO)
		f->info = *info;
	if (fpsize && fp_save(t, buf + (fp - frame)))
		return -EFAULT;
	if (mm_copy_to_user(t->mm, uaddr(frame), buf, len))
		return -EFAULT;

	t->regs.rdi = (u64)info->signo;
	t->regs.rsi = frame + offsetof(struct linux_rt_sigframe, info);
	t->regs.rdx = frame + offsetof(struct linux_rt_sigframe, uc);
	t->regs.rax = 0; /* for handlers declared without a prototype (varargs) */
	t->regs.rip = act->handler;
	t->regs.rsp = frame;
	t->regs.rflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	if (fpsize)
		fp_reset(t);
	if ((u32)t->altstack.flags & LINUX_SS_AUTODISARM)
		t->altstack = (struct linux_stack){.flags = LINUX_SS_DISABLE};
	return 0;
}

static void regs_restore(struct user_regs *r, const struct linux_sigcontext *sc)
{
	r->r8 = sc->r8, r->r9 = sc->r9, r->r10 = sc->r10, r->r11 = sc->r11;
	r->r12 = sc->r12, r->r13 = sc->r13, r->r14 = sc->r14, r->r15 = sc->r15;
	r->rdi = sc->rdi, r->rsi = sc->rsi, r->rbp = sc->rbp, r->rbx = sc->rbx;
	r->rdx = sc->rdx, r->rax = sc->rax, r->rcx = sc->rcx, r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->rflags = (r->rflags & ~RFLAGS_FROM_FRAME) | (sc->eflags & RFLAGS_FROM_FRAME);
	/* cs and ss: 64-bit user mode is the only mode; fs/gs bases stay. */
	r->orig_rax = (u64)-1;
}

int sigframe_restore(struct task *t, u64 *mask)
{
	/* The restorer's ret popped the return address. */
	u64 frame = t->regs.rsp - 8;
	struct linux_ucontext uc;

	if (mm_copy_from_user(t->mm, &uc, uaddr(frame + offsetof(struct linux_rt_sigframe, uc)),
			      sizeof(uc)))
		return -EFAULT;
	*mask = uc.sigmask;
	/*
	 * The frame may resume right on a syscall instruction that was set
	 * up to run restart_syscall: a handler ran since, so that is EINTR
	 * now (Linux's rt_sigreturn sets do_no_restart_syscall).
	 */
	t->restart.fn = NULL;
	regs_restore(&t->regs, &uc.mcontext);
	if (task_platform(t)->fpstate_size && fp_restore(t, uc.mcontext.fpstate)) {
		fp_reset(t);
		return -EFAULT;
	}
	/* As Linux's restore_altstack: checked against the restored rsp, errors ignored. */
	int ignored = sigaltstack_set(t, &uc.stack, t->regs.rsp);
	(void)ignored;
	return 0;
}
