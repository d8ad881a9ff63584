/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of the KVM platform.
 *
 * Lock order: kvm_platform.lock (vCPU pool, shared page tables) > kvm_as.lock.
 */
#ifndef PLATFORM_KVM_INTERNAL_H
#define PLATFORM_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <time.h>

#include "platform/platform.h"
#include "ring0/ring0.h"

/* How `syscall` from ring 3 reaches the Sentry on this host (probed). */
enum kvm_syscall_entry {
	ENTRY_RING0_LSTAR, /* hardware KVM: LSTAR enters ring 0 */
	ENTRY_RING3_TRAMP, /* kvm_pvm: LSTAR stays in ring 3; trampoline `out` */
	ENTRY_PROBE,	   /* start-up only: LSTAR at ring0_tramp_probe */
};

/* Where a vCPU stopped, which decides how it may be resumed. */
enum vcpu_state {
	VCPU_FRESH,	    /* ring 0, never ran user code */
	VCPU_SYSCALL_RING0, /* ring 0 after `out` in ring0_syscall; sysretq next */
	VCPU_SYSCALL_RING3, /* ring 3 after `out` in the trampoline */
	VCPU_EXCEPTION,	    /* ring 0 after `out` in exc_common */
	VCPU_USER,	    /* ring 3, user code (interrupted) */
	VCPU_APPLIED,	    /* ring 0 after the queue was applied */
	VCPU_BROKEN,	    /* ring0 fault: never run again */
};

/* Mirror of the frame ring0/entry.S uses; offsets checked in vcpu.c. */
struct ring0_frame {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	u64 rax, rcx, rdx, rsi, rdi;
	u64 rip, cs, rflags, rsp, ss;
	u64 armed;
	u64 queue_len;
	u64 cr3;
	u64 set_fs, fs_base;
	u64 set_gs, gs_base;
	u64 exit_after_apply;
	u64 fp_load;
	u64 work; /* set by frame_seal (run.c) */
};

struct pt_store {
	u64 va; /* ring0 address of the page-table entry */
	u64 val;
};

struct kvm_as;

struct kvm_vcpu {
	int fd;
	unsigned id;
	struct kvm_run *run;
	size_t run_size;
	u64 area_pa;		   /* per-vCPU area in the memory file */
	struct ring0_frame *frame; /* host view of the frame */
	struct pt_store *queue;	   /* host view of the store queue */
	enum vcpu_state state;
	/*
	 * The address space whose CR3 is loaded, or will be once the armed
	 * frame has run; until then prev_as's may still be (kp->lock for
	 * writes: kvm_as_destroy must not free either).
	 */
	struct kvm_as *cur_as;
	struct kvm_as *prev_as;
	u64 cur_fs, cur_gs; /* FS/GS base currently in the vCPU */
	u64 flushed_gen;    /* cur_as's flush_gen as of this vCPU's last CR3 load */
	u64 armed_gen;	    /* the flush_gen an armed frame's CR3 load will cover */
	bool busy;	    /* owned by a context */
	bool ran;	    /* some thread has held it (its pid is set in KVM) */
	/* In KVM_RUN now, and returns from it so far (shootdown.c; atomics). */
	bool in_guest;
	u64 guest_exits;
	struct kvm_ctx *fp_owner; /* whose FP registers the vCPU holds (pool.c) */
	struct kvm_ctx *owner;	  /* the context holding it (busy) */
	struct kvm_as *dead_as;	  /* destroyed while its CR3 was loaded here (pagetable.c) */
	struct kvm_platform *kp;
	struct platform_stats stats; /* written by the owning thread only */
};

struct kvm_platform {
	struct platform base;
	int kvm_fd;
	int vm_fd;
	struct platform_memory mem;
	enum kvm_syscall_entry entry;
	struct kvm_cpuid2 *cpuid;
	u64 xcr0;
	u64 cr4_extra; /* SMEP/SMAP where usable */
	bool nx;
	u64 pml4_upper[512]; /* upper-half PML4 entries shared by every as */
	u64 kernel_pml4_pa;  /* a PML4 with only the upper half (start-up CR3) */

	pthread_mutex_t lock; /* guards vcpus[], nvcpus, and the pool (pool.c) */
	pthread_cond_t vcpu_free;
	struct kvm_xsave *fp_init;	 /* the FP state of a new program */
	u32 mxcsr_mask;			 /* MXCSR bits the CPU has */
	u64 ticket_next, ticket_serving; /* FIFO order of vCPU waiters */
	unsigned max_vcpus;		 /* vCPUs that may exist */
	unsigned max_running;		 /* vCPUs that may be held at once */
	bool spin; /* waiters spin first (lib/spin.h): more host CPUs than max_running */
	unsigned nrunning;
	unsigned nvcpus;
	struct kvm_vcpu *vcpus[R0_MAX_VCPUS];
	/*
	 * Frames that were page tables, kept for page tables (pagetable.c's
	 * pt_frame_put says why). Under pt_lock, a leaf.
	 */
	pthread_mutex_t pt_lock;
	u64 *pt_free;
	size_t npt_free, pt_free_cap;
};

#define KVM_AS_BATCH 256

/* A table's stores since the queue was last handed to a vCPU (pagetable.c). */
struct pt_batch {
	u64 table;	 /* its frame; 0: a free slot */
	unsigned queued; /* stores queued for replay */
	bool forget;	 /* a store making a shadowing KVM forget it is queued */
};

struct kvm_as {
	struct platform_as base;
	struct kvm_platform *kp;
	pthread_mutex_t lock; /* guards the tables and the pending stores */
	u64 pml4_pa;
	/* Stores not yet applied by ring0 (see pagetable.c). */
	struct pt_store *pending;
	size_t npending, cap;
	/*
	 * Bumped when a present entry changes: every vCPU with this as loaded
	 * must reload CR3 (flush its TLB) before user code runs again, not
	 * only the one that applies the stores.
	 */
	u64 flush_gen;
	/*
	 * The tables stored to since the queue was last handed to a vCPU, by
	 * frame, direct-mapped (a collision only costs replays).
	 */
	struct pt_batch batch[KVM_AS_BATCH];
	bool batch_used;
	struct kvm_as *next_dead; /* in a vCPU's dead_as list */
};

struct kvm_ctx {
	struct platform_ctx base;
	struct kvm_platform *kp;
	struct kvm_vcpu *vcpu; /* held while running or handling an exit; NULL when released */
	struct kvm_vcpu *last; /* the vCPU it ran on last (affinity) */
	struct kvm_xsave *fp;  /* FP state while no vCPU holds it */
	bool fp_saved;	       /* fp is current (else the vCPU fp_owner is) */
	bool yield;	       /* a waiter asked for the vCPU (kp->lock) */
	pthread_t thread;
	int interrupt;	    /* atomic: a kick is pending */
	timer_t kick_timer; /* run.c's re-kick, created on first use */
	bool have_kick_timer;
};

/* Guest-physical to host pointer. SAFETY: callers pass pa < mem.size. */
static inline void *kvm_host_ptr(struct kvm_platform *kp, u64 pa)
{
	return kp->mem.host + pa;
}

static inline u64 kvm_r0_va(u64 pa)
{
	return R0_DIRECT_MAP + pa;
}

/* vm.c */
extern const struct platform_ops kvm_platform_ops;
int kvm_ioctl_error(const char *what);

/* vcpu.c */
struct kvm_vcpu *kvm_vcpu_create(struct kvm_platform *kp, unsigned id);
void kvm_vcpu_destroy(struct kvm_vcpu *v);
int kvm_vcpu_set_syscall_entry(struct kvm_vcpu *v);
int kvm_vcpu_reset(struct kvm_vcpu *v);
void kvm_vcpu_dump(struct kvm_vcpu *v, const char *why);

/* pagetable.c */
int kvm_upper_half_build(struct kvm_platform *kp);
int kvm_as_create(struct platform *p, struct platform_as **out);
void kvm_as_destroy(struct platform_as *pas);
int kvm_as_map(struct platform_as *pas, u64 va, u64 pa, u32 prot);
/* The byte at user address va in as, or -1 where the user may not read it. */
int kvm_as_peek_user(struct kvm_as *as, u64 va);
void kvm_as_unmap(struct platform_as *pas, u64 va, u64 len);
/*
 * v's owner, at the start of a switch (v's last armed frame has run): free
 * the address spaces destroyed while v had them loaded, and forget
 * prev_as.
 */
void kvm_vcpu_reap_dead_as(struct kvm_vcpu *v);
/* The armed frame loads as's CR3 (v's owner, resume_prepare). */
void kvm_vcpu_set_as(struct kvm_vcpu *v, struct kvm_as *as);
/* Move as's pending stores into v's queue; true if they did not all fit. */
bool kvm_as_drain(struct kvm_as *as, struct kvm_vcpu *v);

/* shootdown.c: after as's flush_gen moved, wait out vCPUs running as. */
void kvm_as_shootdown(struct kvm_as *as);

/* pool.c */
int kvm_ctx_create(struct platform *p, struct platform_ctx **out);
void kvm_ctx_destroy(struct platform_ctx *pctx);
int kvm_ctx_acquire(struct kvm_ctx *ctx);
void kvm_ctx_yield_if_asked(struct kvm_ctx *ctx);
void kvm_ctx_release(struct platform_ctx *pctx);
/* The vCPU the calling thread holds on kp, or NULL. */
struct kvm_vcpu *kvm_held_vcpu(const struct kvm_platform *kp);
int kvm_ctx_get_fpstate(struct platform_ctx *pctx, void *buf);
int kvm_ctx_set_fpstate(struct platform_ctx *pctx, const void *buf);
int kvm_fp_init(struct kvm_platform *kp, struct kvm_vcpu *v);

/* run.c */
enum platform_event kvm_ctx_switch(struct platform_ctx *pctx, struct platform_as *pas,
				   struct user_regs *regs, struct platform_fault *fault);
void kvm_ctx_interrupt(struct platform_ctx *pctx);
void kvm_ctx_clear_interrupt(struct platform_ctx *pctx);
int kvm_kick_init(void);
/* The calling thread no longer runs a vCPU: its kicks have nothing to stop. */
void kvm_kick_forget(void);
/* Make thread's KVM_RUN return (its context's interrupt flag untouched). */
void kvm_kick_thread(pthread_t thread);

/* probe.c */
int kvm_probe_syscall_entry(struct kvm_platform *kp);

#endif
