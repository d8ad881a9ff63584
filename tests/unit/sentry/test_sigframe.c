// SPDX-License-Identifier: Apache-2.0
/*
 * Signal frames and sigaltstack without a VM: a task over a real mm (a
 * memory file and a platform that maps nothing) whose FP state is a
 * buffer, so the frame's bytes, the registers and the FP image can be
 * checked exactly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "abi/linux/sigframe.h"
#include "sentry/kernel/sigframe.h"

#define P 0x1000ULL
#define FPSIZE 832 /* x87, SSE, header, AVX */
#define XCR0 7ULL
#define STACK_LO 0x700000ULL
#define STACK_HI 0x710000ULL
#define ALT_LO 0x800000ULL
#define ALT_SIZE 0x4000ULL
#define HANDLER 0x401000ULL
#define RESTORER 0x402000ULL
#define BLOCKED 0x5a5aULL

/* A platform whose address spaces map nothing and whose FP state is a buffer. */
struct fake {
	struct platform base;
	struct platform_as as;
	struct platform_ctx ctx;
	u8 fp[FPSIZE];
	int sets;
	int fail_set;
};

static struct fake fake;

static int fake_as_create(struct platform *p, struct platform_as **out)
{
	fake.as.p = p;
	*out = &fake.as;
	return 0;
}

static void fake_as_destroy(struct platform_as *as)
{
}

static int fake_as_map(struct platform_as *as, u64 va, u64 pa, u32 prot)
{
	return 0;
}

static void fake_as_unmap(struct platform_as *as, u64 va, u64 len)
{
}

static int fake_get_fpstate(struct platform_ctx *ctx, void *buf)
{
	memcpy(buf, fake.fp, FPSIZE);
	return 0;
}

static int fake_set_fpstate(struct platform_ctx *ctx, const void *buf)
{
	fake.sets++;
	if (fake.fail_set)
		return -EINVAL;
	memcpy(fake.fp, buf, FPSIZE);
	return 0;
}

static const struct platform_ops fake_ops = {
	.name = "fake",
	.as_create = fake_as_create,
	.as_destroy = fake_as_destroy,
	.as_map = fake_as_map,
	.as_unmap = fake_as_unmap,
	.ctx_get_fpstate = fake_get_fpstate,
	.ctx_set_fpstate = fake_set_fpstate,
};

static struct linux_fxregs *fx_of(u8 *img)
{
	return (struct linux_fxregs *)img;
}

static struct linux_xsave_header *hdr_of(u8 *img)
{
	return (struct linux_xsave_header *)(img + LINUX_XSAVE_HDR_OFFSET);
}

/* A recognisable live FP state: x87, SSE and AVX in use, a non-default MXCSR. */
static void fake_fp_fill(void)
{
	memset(fake.fp, 0, FPSIZE);
	for (int i = 0; i < FPSIZE; i++)
		fake.fp[i] = (u8)(i * 13 + 1);
	memset(&fx_of(fake.fp)->sw, 0, sizeof(fx_of(fake.fp)->sw));
	fx_of(fake.fp)->mxcsr = 0x3f80;
	fx_of(fake.fp)->cwd = 0x27f;
	memset(hdr_of(fake.fp), 0, sizeof(struct linux_xsave_header));
	hdr_of(fake.fp)->xfeatures = XCR0;
}

struct fixture {
	struct memfile *mf;
	struct mm *mm;
	struct task t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	memset(&fake, 0, sizeof(fake));
	fake.base.ops = &fake_ops;
	fake.base.fpstate_size = FPSIZE;
	fake.base.xcr0 = XCR0;
	fake.ctx.p = &fake.base;
	fake_fp_fill();
	f->mf = memfile_create(16ULL << 20);
	assert_false(IS_ERR(f->mf));
	memfile_reserve(f->mf, 1ULL << 20);
	f->mm = mm_create(f->mf, &fake.base);
	assert_false(IS_ERR(f->mm));
	assert_int_equal(
		mm_map_anon(f->mm, STACK_LO, STACK_HI - STACK_LO, PROT_READ | PROT_WRITE, MM_FIXED),
		STACK_LO);
	assert_int_equal(mm_map_anon(f->mm, ALT_LO, ALT_SIZE, PROT_READ | PROT_WRITE, MM_FIXED),
			 ALT_LO);
	f->t.mm = f->mm;
	f->t.ctx = &fake.ctx;
	f->t.tid = 1;
	for (int i = 0; i < 16; i++)
		((u64 *)&f->t.regs)[i] = 0x1111ULL * (i + 1);
	f->t.regs.rip = 0x400123;
	f->t.regs.rsp = STACK_HI - 0x1003;		/* deliberately misaligned */
	f->t.regs.rflags = 0x202 | 0x400 | 0x100 | 0x1; /* IF, DF, TF, CF */
	f->t.regs.fs_base = 0x7777000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mm_destroy(f->mm);
	memfile_destroy(f->mf);
	free(f);
	return 0;
}

static struct linux_sigaction action(u64 flags)
{
	return (struct linux_sigaction){
		.handler = HANDLER, .flags = flags | LINUX_SA_RESTORER, .restorer = RESTORER};
}

static struct linux_siginfo info_of(int sig, int code)
{
	struct linux_siginfo si;

	memset(&si, 0, sizeof(si));
	si.signo = sig;
	si.code = code;
	si.kill.pid = 42;
	return si;
}

static void read_frame(struct fixture *f, u64 frame, struct linux_rt_sigframe *out)
{
	assert_int_equal(mm_copy_from_user(f->mm, out, uaddr(frame), sizeof(*out)), 0);
}

/* The handler returns: its ret pops the return address. */
static void handler_returns(struct task *t)
{
	t->regs.rsp += 8;
	t->regs.rax = 15; /* rt_sigreturn, as the restorer leaves it */
}

static void test_sigframe_setup_layout(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct user_regs before = t->regs;
	struct linux_sigaction act = action(LINUX_SA_SIGINFO);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_TKILL);
	u8 saved_fp[FPSIZE];

	memcpy(saved_fp, fake.fp, FPSIZE);
	assert_int_equal(sigframe_setup(t, &si, &act, BLOCKED), 0);

	u64 frame = t->regs.rsp;
	assert_int_equal((frame + 8) % 16, 0);
	assert_int_equal(t->regs.rip, HANDLER);
	assert_int_equal(t->regs.rdi, LINUX_SIGUSR1);
	assert_int_equal(t->regs.rsi, frame + 312);
	assert_int_equal(t->regs.rdx, frame + 8);
	assert_int_equal(t->regs.rax, 0);
	/* DF and TF cleared; IF and CF kept. */
	assert_int_equal(t->regs.rflags, 0x203);
	assert_int_equal(t->regs.fs_base, before.fs_base);

	struct linux_rt_sigframe fr;
	read_frame(f, frame, &fr);
	assert_int_equal(fr.pretcode, RESTORER);
	assert_int_equal(fr.uc.flags,
			 LINUX_UC_FP_XSTATE | LINUX_UC_SIGCONTEXT_SS | LINUX_UC_STRICT_RESTORE_SS);
	assert_int_equal(fr.uc.link, 0);
	assert_int_equal(fr.uc.stack.flags, LINUX_SS_DISABLE);
	assert_int_equal(fr.uc.stack.sp, 0);
	assert_int_equal(fr.uc.stack.size, 0);
	const struct linux_sigcontext *sc = &fr.uc.mcontext;
	assert_int_equal(sc->rsp, before.rsp);
	assert_int_equal(sc->rip, before.rip);
	assert_int_equal(sc->rax, before.rax);
	assert_int_equal(sc->r15, before.r15);
	assert_int_equal(sc->rdi, before.rdi);
	assert_int_equal(sc->eflags, before.rflags);
	assert_int_equal(sc->cs, LINUX_USER_CS);
	assert_int_equal(sc->ss, LINUX_USER_DS);
	assert_int_equal(sc->oldmask, BLOCKED);
	assert_int_equal(sc->trapno, 0);
	assert_int_equal(sc->cr2, 0);
	assert_int_equal(fr.uc.sigmask, BLOCKED);
	assert_int_equal(fr.info.signo, LINUX_SIGUSR1);
	assert_int_equal(fr.info.code, LINUX_SI_TKILL);
	assert_int_equal(fr.info.kill.pid, 42);

	/* The FP state: above the frame, 64-byte aligned, below the red zone. */
	u64 fp = sc->fpstate;
	assert_int_equal(fp % 64, 0);
	assert_true(fp >= frame + sizeof(struct linux_rt_sigframe));
	assert_true(fp + FPSIZE + 4 <= before.rsp - 128);
	assert_true(fp - (frame + sizeof(struct linux_rt_sigframe)) < 64 + 16);
	u8 img[FPSIZE + 4];
	assert_int_equal(mm_copy_from_user(f->mm, img, uaddr(fp), sizeof(img)), 0);
	struct linux_fpx_sw_bytes *sw = &fx_of(img)->sw;
	assert_int_equal(sw->magic1, LINUX_FP_XSTATE_MAGIC1);
	assert_int_equal(sw->extended_size, FPSIZE + 4);
	assert_int_equal(sw->xfeatures, XCR0);
	assert_int_equal(sw->xstate_size, FPSIZE);
	u32 magic2;
	memcpy(&magic2, img + FPSIZE, 4);
	assert_int_equal(magic2, LINUX_FP_XSTATE_MAGIC2);
	/* The registers themselves, as the platform had them. */
	assert_memory_equal(img, saved_fp, 464);
	assert_memory_equal(img + 576, saved_fp + 576, FPSIZE - 576);

	/* The handler starts with the init FP state. */
	assert_int_equal(fx_of(fake.fp)->cwd, LINUX_FCW_DEFAULT);
	assert_int_equal(fx_of(fake.fp)->mxcsr, LINUX_MXCSR_DEFAULT);
	assert_int_equal(hdr_of(fake.fp)->xfeatures, LINUX_XFEATURE_FPSSE);
	assert_int_equal(fx_of(fake.fp)->xmm_space[0], 0);
}

static void test_sigframe_setup_siginfo_only_with_sa_siginfo(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_sigaction act = action(0);
	struct linux_siginfo si = info_of(LINUX_SIGUSR2, LINUX_SI_USER);
	struct linux_rt_sigframe fr;
	u64 zero[16] = {0};

	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	read_frame(f, t->regs.rsp, &fr);
	assert_int_equal(t->regs.rdi, LINUX_SIGUSR2);
	assert_memory_equal(&fr.info, zero, sizeof(zero));
}

static void test_sigframe_setup_needs_restorer(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct user_regs before = t->regs;
	struct linux_sigaction act = action(0);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);

	act.flags &= ~(u64)LINUX_SA_RESTORER;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), -EFAULT);
	assert_memory_equal(&t->regs, &before, sizeof(before));
}

static void test_sigframe_setup_bad_stack_faults(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_sigaction act = action(0);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);

	t->regs.rsp = STACK_LO + 0x100; /* the frame would go below the mapping */
	struct user_regs before = t->regs;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), -EFAULT);
	assert_memory_equal(&t->regs, &before, sizeof(before));
	t->regs.rsp = 0x10; /* wraps */
	assert_int_equal(sigframe_setup(t, &si, &act, 0), -EFAULT);
}

/* The frame reports the thread's last trap, whatever the signal (Linux). */
static void test_sigframe_reports_the_last_trap(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_sigaction act = action(LINUX_SA_SIGINFO);
	struct linux_siginfo si = info_of(LINUX_SIGSEGV, LINUX_SEGV_ACCERR);
	struct linux_rt_sigframe fr;

	si.fault.addr = 0xdead000;
	t->trap.trapno = X86_TRAP_PF;
	t->trap.err = X86_PF_PROT | X86_PF_WRITE | X86_PF_USER;
	t->trap.cr2 = 0xdead000;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	read_frame(f, t->regs.rsp, &fr);
	assert_int_equal(fr.uc.mcontext.trapno, 14);
	assert_int_equal(fr.uc.mcontext.cr2, 0xdead000);
	assert_int_equal(fr.uc.mcontext.err, 7);
	assert_int_equal(fr.info.fault.addr, 0xdead000);

	si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);
	t->regs.rsp = fr.uc.mcontext.rsp;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	read_frame(f, t->regs.rsp, &fr);
	assert_int_equal(fr.uc.mcontext.trapno, 14);
	assert_int_equal(fr.uc.mcontext.err, 7);
}

static void test_sigframe_restore_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct user_regs before = t->regs;
	struct linux_sigaction act = action(LINUX_SA_SIGINFO);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_TKILL);
	u8 saved_fp[FPSIZE];
	u64 mask = 0;

	memcpy(saved_fp, fake.fp, FPSIZE);
	assert_int_equal(sigframe_setup(t, &si, &act, BLOCKED), 0);
	u64 frame = t->regs.rsp;
	/* The handler clobbers registers and edits the frame. */
	t->regs.rbx = 0xbad;
	t->regs.rflags = 0x246;
	memset(fake.fp, 0xee, FPSIZE);
	struct linux_rt_sigframe fr;
	read_frame(f, frame, &fr);
	fr.uc.mcontext.rax = 0x1234;
	fr.uc.mcontext.rip += 2;
	fr.uc.mcontext.eflags = 0x40000 | 0x80 | 0x1; /* AC SF CF; IF and IOPL dropped */
	fr.uc.mcontext.eflags |= 0x3000;
	fr.uc.sigmask = 0x77;
	assert_int_equal(mm_copy_to_user(f->mm, uaddr(frame), &fr, sizeof(fr)), 0);

	handler_returns(t);
	assert_int_equal(sigframe_restore(t, &mask), 0);
	assert_int_equal(mask, 0x77);
	assert_int_equal(t->regs.rax, 0x1234);
	assert_int_equal(t->regs.rip, before.rip + 2);
	assert_int_equal(t->regs.rsp, before.rsp);
	assert_int_equal(t->regs.rbx, before.rbx);
	assert_int_equal(t->regs.r12, before.r12);
	assert_int_equal(t->regs.rflags, 0x40000 | 0x200 | 0x80 | 0x2 | 0x1);
	assert_int_equal(t->regs.orig_rax, (u64)-1);
	assert_int_equal(t->regs.fs_base, before.fs_base);
	/* FP state as before the signal (x87/SSE marked present, as saved). */
	assert_memory_equal(fake.fp, saved_fp, 464);
	assert_memory_equal(fake.fp + 576, saved_fp + 576, FPSIZE - 576);
	assert_int_equal(hdr_of(fake.fp)->xfeatures, XCR0);
}

/* Set up a frame and return the address of its FP image. */
static u64 frame_and_fp(struct fixture *f, u64 *frame)
{
	struct linux_sigaction act = action(0);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);
	struct linux_rt_sigframe fr;

	assert_int_equal(sigframe_setup(&f->t, &si, &act, 0), 0);
	*frame = f->t.regs.rsp;
	read_frame(f, *frame, &fr);
	return fr.uc.mcontext.fpstate;
}

static void poke32(struct fixture *f, u64 addr, u32 v)
{
	assert_int_equal(mm_copy_to_user(f->mm, uaddr(addr), &v, sizeof(v)), 0);
}

static void poke64(struct fixture *f, u64 addr, u64 v)
{
	assert_int_equal(mm_copy_to_user(f->mm, uaddr(addr), &v, sizeof(v)), 0);
}

static void test_sigframe_restore_legacy_fp_frame(void **state)
{
	struct fixture *f = *state;
	u8 saved_fp[FPSIZE];
	u64 frame, mask;

	memcpy(saved_fp, fake.fp, FPSIZE);
	u64 fp = frame_and_fp(f, &frame);
	/* No magic2: restored as FXSAVE, x87 and SSE only, AVX reset. */
	poke32(f, fp + FPSIZE, 0);
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), 0);
	assert_memory_equal(fake.fp, saved_fp, 464);
	assert_int_equal(hdr_of(fake.fp)->xfeatures, LINUX_XFEATURE_FPSSE);
}

static void test_sigframe_restore_xfeatures_limit_restore(void **state)
{
	struct fixture *f = *state;
	u8 saved_fp[FPSIZE];
	u64 frame, mask;

	memcpy(saved_fp, fake.fp, FPSIZE);
	u64 fp = frame_and_fp(f, &frame);
	/* sw.xfeatures without SSE and AVX: those reset, x87 kept. */
	poke64(f, fp + 464 + 8, LINUX_XFEATURE_FP);
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), 0);
	assert_memory_equal(fake.fp, saved_fp, 24);
	assert_int_equal(fx_of(fake.fp)->mxcsr, LINUX_MXCSR_DEFAULT);
	assert_int_equal(fx_of(fake.fp)->xmm_space[5], 0);
	assert_int_equal(hdr_of(fake.fp)->xfeatures, LINUX_XFEATURE_FPSSE);
}

static void test_sigframe_restore_bad_fp_resets_and_faults(void **state)
{
	struct fixture *f = *state;
	u64 frame, mask;

	/* Reserved MXCSR bits: XRSTOR would #GP. */
	u64 fp = frame_and_fp(f, &frame);
	poke32(f, fp + 24, 0x10000);
	fake_fp_fill();
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), -EFAULT);
	assert_int_equal(fx_of(fake.fp)->mxcsr, LINUX_MXCSR_DEFAULT);
	assert_int_equal(fx_of(fake.fp)->cwd, LINUX_FCW_DEFAULT);

	/* A compacted-form header. */
	f->t.regs.rsp = STACK_HI - 0x1003;
	fp = frame_and_fp(f, &frame);
	poke64(f, fp + 512 + 8, 1ULL << 63);
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), -EFAULT);

	/* XSTATE_BV beyond XCR0. */
	f->t.regs.rsp = STACK_HI - 0x1003;
	fp = frame_and_fp(f, &frame);
	poke64(f, fp + 512, 0x207);
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), -EFAULT);

	/* A misaligned fpstate pointer. */
	f->t.regs.rsp = STACK_HI - 0x1003;
	fp = frame_and_fp(f, &frame);
	poke64(f, frame + 8 + 40 + offsetof(struct linux_sigcontext, fpstate), fp + 8);
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), -EFAULT);

	/* An unreadable ucontext. */
	f->t.regs.rsp = 0x1000;
	mask = 99;
	assert_int_equal(sigframe_restore(&f->t, &mask), -EFAULT);
	assert_int_equal(mask, 99);
}

static void test_sigframe_restore_null_fpstate_resets(void **state)
{
	struct fixture *f = *state;
	u64 frame, mask;

	frame_and_fp(f, &frame);
	poke64(f, frame + 8 + 40 + offsetof(struct linux_sigcontext, fpstate), 0);
	fake_fp_fill();
	handler_returns(&f->t);
	assert_int_equal(sigframe_restore(&f->t, &mask), 0);
	assert_int_equal(fx_of(fake.fp)->mxcsr, LINUX_MXCSR_DEFAULT);
	assert_int_equal(fx_of(fake.fp)->xmm_space[0], 0);
}

static struct linux_stack stack_of(u64 sp, u32 flags, u64 size)
{
	return (struct linux_stack){.sp = sp, .flags = (s32)flags, .size = size};
}

static void test_sigaltstack_rules(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_stack old, ss;
	u64 sp = t->regs.rsp;

	sigaltstack_get(t, sp, &old);
	assert_int_equal(old.flags, LINUX_SS_DISABLE);
	assert_int_equal(old.size, 0);

	ss = stack_of(ALT_LO, 0, LINUX_MINSIGSTKSZ - 1);
	assert_int_equal(sigaltstack_set(t, &ss, sp), -ENOMEM);
	ss = stack_of(ALT_LO, 4, ALT_SIZE);
	assert_int_equal(sigaltstack_set(t, &ss, sp), -EINVAL);
	ss = stack_of(ALT_LO, LINUX_SS_ONSTACK | LINUX_SS_DISABLE, ALT_SIZE);
	assert_int_equal(sigaltstack_set(t, &ss, sp), -EINVAL);
	sigaltstack_get(t, sp, &old);
	assert_int_equal(old.flags, LINUX_SS_DISABLE);

	/* SS_ONSTACK as a mode means 0, for old programs. */
	ss = stack_of(ALT_LO, LINUX_SS_ONSTACK, ALT_SIZE);
	assert_int_equal(sigaltstack_set(t, &ss, sp), 0);
	sigaltstack_get(t, sp, &old);
	assert_int_equal(old.flags, 0);
	assert_int_equal(old.sp, ALT_LO);
	assert_int_equal(old.size, ALT_SIZE);

	/* On it: reported, and no change allowed. Its top counts, its base does not. */
	sigaltstack_get(t, ALT_LO + ALT_SIZE, &old);
	assert_int_equal(old.flags, LINUX_SS_ONSTACK);
	sigaltstack_get(t, ALT_LO, &old);
	assert_int_equal(old.flags, 0);
	ss = stack_of(0, LINUX_SS_DISABLE, 0);
	assert_int_equal(sigaltstack_set(t, &ss, ALT_LO + 0x100), -EPERM);

	/* SS_DISABLE clears sp and size; the AUTODISARM bit is kept and reported. */
	ss = stack_of(0x1234, LINUX_SS_DISABLE | LINUX_SS_AUTODISARM, 5);
	assert_int_equal(sigaltstack_set(t, &ss, sp), 0);
	sigaltstack_get(t, sp, &old);
	assert_int_equal((u32)old.flags, LINUX_SS_DISABLE | LINUX_SS_AUTODISARM);
	assert_int_equal(old.sp, 0);
	assert_int_equal(old.size, 0);

	/* An SS_AUTODISARM stack is never "on": it can be changed from on it. */
	ss = stack_of(ALT_LO, LINUX_SS_AUTODISARM, ALT_SIZE);
	assert_int_equal(sigaltstack_set(t, &ss, sp), 0);
	sigaltstack_get(t, ALT_LO + 0x100, &old);
	assert_int_equal((u32)old.flags, LINUX_SS_AUTODISARM);
	assert_int_equal(sigaltstack_set(t, &ss, ALT_LO + 0x100), 0);
}

static void test_sigframe_onstack(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_sigaction act = action(LINUX_SA_ONSTACK);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);
	struct linux_stack ss = stack_of(ALT_LO, 0, ALT_SIZE);
	struct linux_rt_sigframe fr;
	u64 mask;

	assert_int_equal(sigaltstack_set(t, &ss, t->regs.rsp), 0);
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	u64 frame = t->regs.rsp;
	assert_true(frame > ALT_LO && frame < ALT_LO + ALT_SIZE);
	/* No red zone at the top of the alternate stack. */
	assert_true(ALT_LO + ALT_SIZE - frame < 440 + FPSIZE + 4 + 64 + 16);
	read_frame(f, frame, &fr);
	assert_int_equal(fr.uc.stack.sp, ALT_LO);
	assert_int_equal(fr.uc.stack.flags, 0);
	assert_int_equal(fr.uc.stack.size, ALT_SIZE);

	/* Nested: below the running handler's frame and red zone. */
	t->regs.rsp = frame - 0x40;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	assert_true(t->regs.rsp < frame - 0x40 - 128 - FPSIZE);
	assert_true(t->regs.rsp > ALT_LO);

	/* A handler without SA_ONSTACK interrupting it stays on it too. */
	struct linux_sigaction plain = action(0);
	t->regs.rsp = frame - 0x40;
	assert_int_equal(sigframe_setup(t, &si, &plain, 0), 0);
	assert_true(t->regs.rsp > ALT_LO);

	/* Overflow: a frame that would leave the alternate stack. */
	t->regs.rsp = ALT_LO + 0x200;
	struct user_regs before = t->regs;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), -EFAULT);
	assert_memory_equal(&t->regs, &before, sizeof(before));

	/* Returning from the first handler to the normal stack keeps the setting. */
	t->regs.rsp = frame;
	handler_returns(t);
	assert_int_equal(sigframe_restore(t, &mask), 0);
	assert_int_equal(t->altstack.sp, ALT_LO);
	assert_int_equal(t->altstack.size, ALT_SIZE);
}

static void test_sigframe_autodisarm(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_sigaction act = action(LINUX_SA_ONSTACK);
	struct linux_siginfo si = info_of(LINUX_SIGUSR1, LINUX_SI_USER);
	struct linux_stack ss = stack_of(ALT_LO, LINUX_SS_AUTODISARM, ALT_SIZE), old;
	struct linux_rt_sigframe fr;
	u64 mask;

	assert_int_equal(sigaltstack_set(t, &ss, t->regs.rsp), 0);
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	u64 frame = t->regs.rsp;
	assert_true(frame > ALT_LO && frame < ALT_LO + ALT_SIZE);
	/* Disarmed inside; the frame keeps the setting. */
	sigaltstack_get(t, frame, &old);
	assert_int_equal(old.flags, LINUX_SS_DISABLE);
	read_frame(f, frame, &fr);
	assert_int_equal((u32)fr.uc.stack.flags, LINUX_SS_AUTODISARM);
	assert_int_equal(fr.uc.stack.sp, ALT_LO);

	/* A nested signal goes on the same stack's current rsp (no altstack now). */
	t->regs.rsp = frame - 0x40;
	assert_int_equal(sigframe_setup(t, &si, &act, 0), 0);
	assert_true(t->regs.rsp < frame - 0x40 - 128);

	/* Return from the first handler: armed again. */
	t->regs.rsp = frame;
	handler_returns(t);
	assert_int_equal(sigframe_restore(t, &mask), 0);
	sigaltstack_get(t, t->regs.rsp, &old);
	assert_int_equal((u32)old.flags, LINUX_SS_AUTODISARM);
	assert_int_equal(old.sp, ALT_LO);
	assert_int_equal(old.size, ALT_SIZE);
}

static void test_sigframe_restore_ignores_bad_uc_stack(void **state)
{
	struct fixture *f = *state;
	struct task *t = &f->t;
	struct linux_stack ss = stack_of(ALT_LO, 0, ALT_SIZE);
	u64 frame, mask;

	assert_int_equal(sigaltstack_set(t, &ss, t->regs.rsp), 0);
	frame_and_fp(f, &frame);
	/* uc_stack.ss_flags = 4 (invalid): ignored, the setting stays. */
	poke32(f, frame + 8 + 16 + 8, 4);
	handler_returns(t);
	assert_int_equal(sigframe_restore(t, &mask), 0);
	assert_int_equal(t->altstack.sp, ALT_LO);
	assert_int_equal(t->altstack.flags, 0);
	assert_int_equal(t->altstack.size, ALT_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sigframe_setup_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_setup_siginfo_only_with_sa_siginfo,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_setup_needs_restorer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_setup_bad_stack_faults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_reports_the_last_trap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_legacy_fp_frame, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_xfeatures_limit_restore,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_bad_fp_resets_and_faults,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_null_fpstate_resets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigaltstack_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_onstack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_autodisarm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigframe_restore_ignores_bad_uc_stack, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
