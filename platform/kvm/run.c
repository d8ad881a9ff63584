// SPDX-License-Identifier: Apache-2.0
/*
 * The run loop: resume user code, KVM_RUN, decode the exit.
 *
 * The hot path (a syscall with nothing else to do) touches no register
 * ioctl: registers travel in KVM's sync regs, and the vCPU resumes either
 * at the sysretq after ring0_syscall (hardware KVM) or directly at the
 * user's RIP (hosts whose syscall stays in ring 3). Everything else -- a
 * new CR3, page-table stores, FS/GS base, exceptions -- resumes through
 * ring0_full_return with the state in the vCPU's frame.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kvm_internal.h"
#include "lib/log.h"

extern const u8 ring0_image_start[], ring0_image_end[], ring0_syscall[], ring0_full_return[],
	ring0_full_return_iret[];
extern const u8 ring0_tramp_start[], ring0_tramp_enter[];

#define PF_PRESENT 1u
#define PF_RSVD 8u
#define RFLAGS_USER_MASK 0x254dd5ULL /* CF PF AF ZF SF TF DF OF AC ID + bit 1 */
#define RFLAGS_IF 0x200ULL
#define RFLAGS_TF 0x100ULL
#define RFLAGS_RF 0x10000ULL
/* Highest RIP sysret may return to: Linux's TASK_SIZE_MAX check. */
#define SYSRET_RIP_MAX 0x7ffffffff000ULL

static __thread struct kvm_run *kick_run;
static int sig_kick;

static void kick_handler(int sig)
{
	struct kvm_run *run = kick_run;
	if (run)
		__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_RELAXED);
}

/*
 * One-shot re-kick of ctx's thread (the caller) in 1 ms, for a vCPU that
 * must leave ring0 before it can be interrupted (see kvm_ctx_switch).
 * The timer is the context's, deleted with it: a timer per thread that
 * ever ran would use up RLIMIT_SIGPENDING, and re-kicks with it.
 */
static void kick_later(struct kvm_ctx *ctx)
{
	if (!ctx->have_kick_timer) {
		struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = sig_kick};
		sev._sigev_un._tid = gettid();
		if (timer_create(CLOCK_MONOTONIC, &sev, &ctx->kick_timer) < 0) {
			pr_warn_ratelimited("kvm: timer_create for a re-kick: %s", strerror(errno));
			return;
		}
		ctx->have_kick_timer = true;
	}
	struct itimerspec its = {.it_value = {.tv_nsec = 1000 * 1000}};
	timer_settime(ctx->kick_timer, 0, &its, NULL);
}

void kvm_kick_forget(void)
{
	kick_run = NULL;
}

int kvm_kick_init(void)
{
	/*
	 * SA_RESTART: a kick meant for KVM_RUN (which fails with EINTR all
	 * the same) may land once the thread is back in the Sentry, in the
	 * middle of some host call (fallocate, a read); that call must not
	 * fail because of it.
	 */
	struct sigaction sa = {.sa_handler = kick_handler, .sa_flags = SA_RESTART};
	sig_kick = SIGRTMIN + 1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig_kick, &sa, NULL) < 0)
		return -errno;
	return 0;
}

void kvm_kick_thread(pthread_t thread)
{
	pthread_kill(thread, sig_kick);
}

void kvm_ctx_interrupt(struct platform_ctx *pctx)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	__atomic_store_n(&ctx->interrupt, 1, __ATOMIC_SEQ_CST);
	kvm_kick_thread(ctx->thread);
}

void kvm_ctx_clear_interrupt(struct platform_ctx *pctx)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	__atomic_store_n(&ctx->interrupt, 0, __ATOMIC_SEQ_CST);
}

static bool is_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static u64 r0_sym(const u8 *sym)
{
	return kvm_r0_va(R0_PA_IMAGE) + (sym - ring0_image_start);
}

static u64 tramp_sym(const u8 *sym)
{
	return R0_TRAMP_VA + (sym - ring0_tramp_start);
}

static void regs_to_kvm(const struct user_regs *r, struct kvm_regs *k)
{
	k->rax = r->rax, k->rbx = r->rbx, k->rcx = r->rcx, k->rdx = r->rdx;
	k->rsi = r->rsi, k->rdi = r->rdi, k->rbp = r->rbp, k->rsp = r->rsp;
	k->r8 = r->r8, k->r9 = r->r9, k->r10 = r->r10, k->r11 = r->r11;
	k->r12 = r->r12, k->r13 = r->r13, k->r14 = r->r14, k->r15 = r->r15;
	k->rip = r->rip, k->rflags = r->rflags;
}

/* GPRs from sync regs; RIP, RSP and RFLAGS are the caller's to fill. */
static void regs_from_kvm(struct user_regs *r, const struct kvm_regs *k)
{
	r->rax = k->rax, r->rbx = k->rbx, r->rcx = k->rcx, r->rdx = k->rdx;
	r->rsi = k->rsi, r->rdi = k->rdi, r->rbp = k->rbp;
	r->r8 = k->r8, r->r9 = k->r9, r->r10 = k->r10, r->r11 = k->r11;
	r->r12 = k->r12, r->r13 = k->r13, r->r14 = k->r14, r->r15 = k->r15;
	r->cs = R0_SEL_UCODE;
	r->ss = R0_SEL_UDATA;
}

static void frame_fill(struct ring0_frame *f, const struct user_regs *r)
{
	f->r15 = r->r15, f->r14 = r->r14, f->r13 = r->r13, f->r12 = r->r12;
	f->rbp = r->rbp, f->rbx = r->rbx, f->r11 = r->r11, f->r10 = r->r10;
	f->r9 = r->r9, f->r8 = r->r8, f->rax = r->rax, f->rcx = r->rcx;
	f->rdx = r->rdx, f->rsi = r->rsi, f->rdi = r->rdi;
	f->rip = r->rip, f->cs = R0_SEL_UCODE, f->rflags = r->rflags;
	f->rsp = r->rsp, f->ss = R0_SEL_UDATA;
}

static bool vcpu_in_ring0(enum vcpu_state s)
{
	return s == VCPU_FRESH || s == VCPU_SYSCALL_RING0 || s == VCPU_EXCEPTION ||
	       s == VCPU_APPLIED;
}

/*
 * Set up the vCPU to continue with regs in as. Returns true if the resume
 * goes through ring0 with an "apply the queue and exit" first.
 */
static bool resume_prepare(struct kvm_vcpu *v, struct kvm_as *as, struct user_regs *regs)
{
	struct kvm_regs *k = &v->run->s.regs.regs;
	struct ring0_frame *f = v->frame;

	/* What the CPU would refuse, or we never allow, is fixed here. */
	regs->rflags = (regs->rflags & RFLAGS_USER_MASK) | RFLAGS_IF | 2;
	if (!is_canonical(regs->fs_base))
		regs->fs_base = 0;
	if (!is_canonical(regs->gs_base))
		regs->gs_base = 0;

	/*
	 * A frame armed by an earlier, interrupted resume still has work; so
	 * has an FP state for ring0 to load (pool.c).
	 */
	bool need_ring0 = f->armed || f->fp_load || v->cur_as != as || as->npending ||
			  __atomic_load_n(&as->flush_gen, __ATOMIC_RELAXED) != v->flushed_gen ||
			  regs->fs_base != v->cur_fs || regs->gs_base != v->cur_gs ||
			  !is_canonical(regs->rip);
	v->run->kvm_dirty_regs = KVM_SYNC_X86_REGS;

	if (!need_ring0 && v->state == VCPU_SYSCALL_RING0 && regs->rcx == regs->rip &&
	    regs->r11 == regs->rflags && regs->rip < SYSRET_RIP_MAX &&
	    !(regs->rflags & (RFLAGS_TF | RFLAGS_RF))) {
		regs_to_kvm(regs, k);
		k->rip = r0_sym(ring0_syscall) + 2; /* the sysretq after the out */
		k->rflags = 2;
		v->stats.fast_resumes++;
		return false;
	}
	if (!need_ring0 && (v->state == VCPU_SYSCALL_RING3 || v->state == VCPU_USER)) {
		regs_to_kvm(regs, k);
		v->stats.fast_resumes++;
		return false;
	}

	u64 queued = f->queue_len;
	bool more = kvm_as_drain(as, v);
	v->stats.pt_stores += f->queue_len - queued;
	v->stats.full_resumes++;
	f->exit_after_apply = more;
	f->set_fs |= regs->fs_base != v->cur_fs;
	f->fs_base = regs->fs_base;
	f->set_gs |= regs->gs_base != v->cur_gs;
	f->gs_base = regs->gs_base;
	frame_fill(f, regs);
	f->armed = 1;
	if (v->cur_as != as)
		kvm_vcpu_set_as(v, as);
	if (!more) {
		v->cur_fs = regs->fs_base;
		v->cur_gs = regs->gs_base;
	}
	/* ring0_full_return restores only the GPRs it uses: the vCPU holds the rest. */
	regs_to_kvm(regs, k);
	if (vcpu_in_ring0(v->state)) {
		k->rip = r0_sym(ring0_full_return);
		k->rsp = kvm_r0_va(v->area_pa + R0_ENTRY_RSP_OFF);
		k->rflags = 2;
	} else {
		k->rip = tramp_sym(ring0_tramp_enter);
	}
	return more;
}

/* What ring0_full_return has to do besides restoring the registers (R0W_*). */
static void frame_seal(struct ring0_frame *f)
{
	bool other = f->cr3 || f->set_fs || f->set_gs || f->exit_after_apply || f->fp_load;
	f->work = (f->queue_len ? R0W_QUEUE : 0) | (other ? R0W_OTHER : 0);
}

/*
 * Where kvm_pvm reports an exception unlike hardware, report what hardware
 * would, since Linux (and so a program's sigcontext) says what hardware
 * does:
 *  - a ring-3 `int n` (cd nn) through a gate ring 3 may not use raises
 *    #UD or #GP(0) there, at the instruction; hardware raises #GP(n * 8 + 2),
 *    and through int3's and into's gates (ring0 makes them DPL 3) the
 *    traps #BP and #OF, after the instruction;
 *  - a fetch or access of ring0's upper half from ring 3 comes as a
 *    not-present or reserved-bit #PF, from one run to the next; hardware
 *    finds the supervisor page present.
 */
static void pvm_fixup_exception(struct kvm_vcpu *v, struct user_regs *regs,
				struct platform_fault *fault)
{
	if ((fault->vector == 6 || (fault->vector == 13 && !fault->error_code)) && v->cur_as &&
	    kvm_as_peek_user(v->cur_as, regs->rip) == 0xcd) {
		int n = kvm_as_peek_user(v->cur_as, regs->rip + 1);
		if (n == 3 || n == 4) {
			fault->vector = n;
			fault->error_code = 0;
			regs->rip += 2;
		} else if (n >= 0) {
			fault->vector = 13;
			fault->error_code = ((u32)n << 3) | 2;
		}
	}
	if (fault->vector == 14 && (s64)fault->addr < 0)
		fault->error_code = (fault->error_code | PF_PRESENT) & ~PF_RSVD;
}

/* Read the exception frame exc_common left on the vCPU's ring0 stack. */
static enum platform_event decode_exception(struct kvm_vcpu *v, struct user_regs *regs,
					    struct platform_fault *fault)
{
	const struct kvm_regs *k = &v->run->s.regs.regs;
	u64 lo = kvm_r0_va(v->area_pa + R0_AREA_IST1_TOP - 0x1000);
	u64 hi = kvm_r0_va(v->area_pa + R0_AREA_RSP0);

	if (k->rsp < lo || k->rsp + 64 > hi) {
		kvm_vcpu_dump(v, "exception exit with RSP outside the vCPU stacks");
		v->state = VCPU_BROKEN;
		return PLATFORM_DEAD;
	}
	const u64 *x = kvm_host_ptr(v->kp, k->rsp - R0_DIRECT_MAP);
	regs_from_kvm(regs, k);
	regs->rip = x[R0X_RIP / 8];
	regs->rflags = x[R0X_RFLAGS / 8];
	regs->rsp = x[R0X_RSP / 8];
	v->state = VCPU_EXCEPTION;

	*fault = (struct platform_fault){
		.vector = x[R0X_VECTOR / 8],
		.error_code = x[R0X_ERROR / 8],
		.addr = x[R0X_CR2 / 8],
	};
	if (v->kp->entry == ENTRY_RING3_TRAMP)
		pvm_fixup_exception(v, regs, fault);
	if (fault->vector != 14)
		return PLATFORM_EXCEPTION;
	fault->present = fault->error_code & 1;
	fault->write = fault->error_code & 2;
	fault->exec = fault->error_code & 16;
	return PLATFORM_FAULT;
}

static void decode_syscall(struct kvm_vcpu *v, struct user_regs *regs)
{
	const struct kvm_regs *k = &v->run->s.regs.regs;
	regs_from_kvm(regs, k);
	regs->rip = k->rcx;
	regs->rflags = k->r11;
	regs->rsp = k->rsp;
	regs->orig_rax = k->rax;
	v->state = v->kp->entry == ENTRY_RING0_LSTAR ? VCPU_SYSCALL_RING0 : VCPU_SYSCALL_RING3;
}

/*
 * Whether KVM still holds an event for the vCPU: an exception or software
 * interrupt whose delivery an exit cut short (re-injected at the next
 * entry), or one it has queued. It belongs to the registers the vCPU has
 * now, so no other context, nor this one after a signal frame, may be
 * resumed over it. One ioctl, on the interrupt path only.
 */
static bool event_in_flight(struct kvm_vcpu *v)
{
	struct kvm_vcpu_events e;
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &e) < 0) {
		kvm_ioctl_error("KVM_GET_VCPU_EVENTS");
		return false;
	}
	return e.exception.injected || e.exception.pending || e.interrupt.injected ||
	       e.nmi.injected;
}

/*
 * KVM_RUN returned EINTR. If the vCPU stopped in user code its registers
 * are the task's; if it stopped before the resume took effect the caller's
 * regs still are. If it is in the middle of ring0 code, ring0 must finish.
 */
static int decode_interrupt(struct kvm_vcpu *v, struct user_regs *regs)
{
	const struct kvm_regs *k = &v->run->s.regs.regs;
	u64 image = kvm_r0_va(R0_PA_IMAGE);
	u64 rip = k->rip;

	if (rip == r0_sym(ring0_full_return)) {
		/* Perhaps just entered from the trampoline: ring 0 now either way. */
		if (!vcpu_in_ring0(v->state))
			v->state = VCPU_APPLIED;
		return 1;
	}
	if (rip == r0_sym(ring0_syscall) + 2 || rip == tramp_sym(ring0_tramp_enter))
		return 1;
	if ((rip >= image && rip < image + R0_IMAGE_MAX) ||
	    (rip >= R0_TRAMP_VA && rip < R0_TRAMP_VA + PAGE_SIZE))
		return 0;
	regs_from_kvm(regs, k);
	regs->rip = k->rip;
	regs->rflags = k->rflags;
	regs->rsp = k->rsp;
	v->state = VCPU_USER;
	return 1;
}

/*
 * Whether entering now could run user code of as under a translation
 * older than its flush_gen: neither has this vCPU flushed since, nor does
 * its armed frame carry a CR3 load that covers it. (A frame drained in
 * batches carries a load per batch; only the last makes v->flushed_gen.)
 */
static bool resume_stale(const struct kvm_vcpu *v, struct kvm_as *as)
{
	u64 gen = __atomic_load_n(&as->flush_gen, __ATOMIC_SEQ_CST);
	if (v->cur_as != as || gen == v->flushed_gen)
		return false;
	return !(v->frame->armed && v->frame->cr3 && v->armed_gen == gen);
}

/*
 * A vCPU stopped inside ring0_full_return, past the armed check, still
 * has nothing of its own to keep: the frame holds the registers it is
 * restoring and the queue it applies (applying it twice is harmless,
 * entry.S). So it can start over from a fresh frame -- which is how a
 * resume that went stale while ring0 ran gets its CR3 reload. Not with
 * an event in KVM's hands, which belongs to where it stopped.
 */
static bool rewind_full_return(struct kvm_vcpu *v)
{
	u64 rip = v->run->s.regs.regs.rip;
	if (rip <= r0_sym(ring0_full_return) || rip > r0_sym(ring0_full_return_iret) ||
	    event_in_flight(v))
		return false;
	v->state = VCPU_APPLIED;
	return true;
}

enum platform_event kvm_ctx_switch(struct platform_ctx *pctx, struct platform_as *pas,
				   struct user_regs *regs, struct platform_fault *fault)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	struct kvm_as *as = container_of(pas, struct kvm_as, base);
	bool prepared = false, finish = false;

	kvm_ctx_yield_if_asked(ctx);
	if (kvm_ctx_acquire(ctx))
		return PLATFORM_DEAD;
	struct kvm_vcpu *v = ctx->vcpu;
	struct kvm_run *run = v->run;
	if (v->dead_as || v->prev_as)
		kvm_vcpu_reap_dead_as(v);
	if (v->state == VCPU_BROKEN)
		return PLATFORM_DEAD;
	kick_run = run;
	v->stats.switches++;
	for (;;) {
		if (!prepared) {
			resume_prepare(v, as, regs);
			prepared = true;
		}
		/*
		 * A kick must not stop the vCPU while it holds work of this
		 * context's that only running it completes: ring0 code it was
		 * stopped in or an event KVM has yet to deliver (finish), which
		 * immediate exits would never let finish; or an armed frame,
		 * whose page-table stores and CR3 belong to this context's
		 * address space and, left behind, would be applied when another
		 * context takes the vCPU, perhaps after those tables were freed
		 * and reused. Run it plainly and have the timer kick again
		 * shortly. (Having ring0 exit right after the frame instead
		 * costs an exit per such kick: measured slower under nested TCG.)
		 */
		bool interrupt = __atomic_load_n(&ctx->interrupt, __ATOMIC_SEQ_CST);
		if (finish || (interrupt && v->frame->armed))
			kick_later(ctx);
		else if (interrupt)
			run->immediate_exit = 1;
		/*
		 * The tables may have changed since the resume was prepared
		 * (another thread's munmap; shootdown.c): then this entry must
		 * reload CR3 first. in_guest is published before flush_gen is
		 * read, so a change after this check waits for our exit.
		 */
		__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
		if (resume_stale(v, as)) {
			__atomic_store_n(&v->in_guest, false, __ATOMIC_SEQ_CST);
			if (v->frame->armed) {
				/* ring0 has yet to read the frame: add the CR3 load to it. */
				v->frame->exit_after_apply |= kvm_as_drain(as, v);
				continue;
			}
			if (finish ? rewind_full_return(v) : !event_in_flight(v)) {
				finish = false;
				prepared = false;
				continue;
			}
			/*
			 * Exception entry, or an exception KVM has yet to deliver:
			 * either exits to us before user code runs.
			 */
			__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
		}
		if (v->frame->armed)
			frame_seal(v->frame);
		int rc = ioctl(v->fd, KVM_RUN, 0);
		__atomic_add_fetch(&v->guest_exits, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&v->in_guest, false, __ATOMIC_SEQ_CST);
		if (rc < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				kvm_ioctl_error("KVM_RUN");
				v->state = VCPU_BROKEN;
				return PLATFORM_DEAD;
			}
			run->immediate_exit = 0;
			finish = !decode_interrupt(v, regs);
			if (!finish) {
				/*
				 * Stopped in user code: resume from its registers, as they
				 * are now -- unless KVM holds an exception for them, which
				 * must be delivered where they are (a resume through ring0
				 * would deliver it at the trampoline instead).
				 */
				if (v->state == VCPU_USER && !event_in_flight(v))
					prepared = false;
				if (__atomic_load_n(&ctx->interrupt, __ATOMIC_SEQ_CST) &&
				    !v->frame->armed) {
					if (!event_in_flight(v)) {
						v->stats.interrupts++;
						return PLATFORM_INTERRUPTED;
					}
					finish = true;
				}
			}
			continue;
		}
		v->stats.exits++;
		if (run->exit_reason != KVM_EXIT_IO) {
			char why[160];
			if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
				snprintf(why, sizeof(why),
					 "KVM internal error, suberror %u, data %#llx %#llx %#llx "
					 "%#llx",
					 run->internal.suberror,
					 (unsigned long long)run->internal.data[0],
					 (unsigned long long)run->internal.data[1],
					 (unsigned long long)run->internal.data[2],
					 (unsigned long long)run->internal.data[3]);
			else
				snprintf(why, sizeof(why), "unexpected exit reason %u",
					 run->exit_reason);
			kvm_vcpu_dump(v, why);
			v->state = VCPU_BROKEN;
			return PLATFORM_DEAD;
		}
		switch (run->io.port) {
		case R0_PORT_SYSCALL:
			decode_syscall(v, regs);
			return PLATFORM_SYSCALL;
		case R0_PORT_EXCEPTION:
			return decode_exception(v, regs, fault);
		case R0_PORT_APPLIED:
			v->stats.drain_exits++;
			v->state = VCPU_APPLIED;
			prepared = false;
			/* Nothing in flight between two batches: a kick may stop a long drain. */
			if (__atomic_load_n(&ctx->interrupt, __ATOMIC_SEQ_CST)) {
				v->stats.interrupts++;
				return PLATFORM_INTERRUPTED;
			}
			continue;
		case R0_PORT_RING0_FAULT:
			kvm_vcpu_dump(v, "fault in ring0");
			v->state = VCPU_BROKEN;
			return PLATFORM_DEAD;
		default:
			kvm_vcpu_dump(v, "exit on an unknown port");
			v->state = VCPU_BROKEN;
			return PLATFORM_DEAD;
		}
	}
}
