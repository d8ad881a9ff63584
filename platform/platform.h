/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one interface between the Sentry and whatever runs guest code.
 *
 * A platform runs user code of address spaces (platform_as) on execution
 * contexts (platform_ctx, one per guest thread, used by that thread's host
 * thread only). It knows nothing of tasks, files or syscalls: it maps
 * memory-file pages, switches into user mode, and reports why user mode
 * stopped. Two implementations sit behind it: kvm (platform/kvm) and, later,
 * systrap (seccomp traps in a stub process).
 *
 * Lock order: platform->lock (vCPU pool) > as->lock.
 */
#ifndef PLATFORM_PLATFORM_H
#define PLATFORM_PLATFORM_H

#include "lib/compiler.h"

struct platform;
struct platform_as;
struct platform_ctx;

/* User registers, in the order of Linux's struct user_regs_struct. */
struct user_regs {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	u64 rax, rcx, rdx, rsi, rdi, orig_rax;
	u64 rip, cs, rflags, rsp, ss;
	u64 fs_base, gs_base;
	u64 ds, es, fs, gs;
};

enum platform_event {
	PLATFORM_SYSCALL,     /* regs->rax = number; regs->rip is after the syscall */
	PLATFORM_FAULT,	      /* page fault: see struct platform_fault */
	PLATFORM_EXCEPTION,   /* other CPU exception: vector, error code */
	PLATFORM_INTERRUPTED, /* platform_interrupt() was called */
	PLATFORM_DEAD,	      /* the platform cannot continue (ring0 fault); logged */
};

struct platform_fault {
	u64 addr;   /* CR2 for #PF */
	u32 vector; /* x86 exception vector */
	u32 error_code;
	bool write;   /* #PF: the access was a write */
	bool exec;    /* #PF: instruction fetch */
	bool present; /* #PF: the page was present (protection violation) */
};

/* Where the memory file is; pages mapped into guests are offsets in it. */
struct platform_memory {
	int fd;	  /* backs the low frames only: see mm/memfile.h */
	u8 *host; /* the memory file mapped in the Sentry */
	u64 size;
	/* Frames for the platform's own use (page tables); zeroed. */
	int (*alloc_frame)(void *opaque, u64 *pa);
	void (*free_frame)(void *opaque, u64 pa);
	/* Keep [0, bytes) out of the frame allocator (called once, first). */
	void (*reserve)(void *opaque, u64 bytes);
	void *opaque;
};

struct platform_config {
	unsigned ncpus;
	const struct platform_memory *mem;
};

/* Counters for `runsk do --profile`: where the time between guest and Sentry goes. */
struct platform_stats {
	u64 switches;	  /* platform_switch calls */
	u64 exits;	  /* exits from the guest (VM exits, traps) */
	u64 fast_resumes; /* resumed with no ring0 work */
	u64 full_resumes; /* resumed through ring0's full return path */
	u64 pt_stores;	  /* page-table stores ring0 replayed */
	u64 drain_exits;  /* extra exits to drain a full store queue */
	u64 interrupts;	  /* switches ended by platform_interrupt */
	u64 shootdowns;	  /* page-table changes that had to stop vCPUs running the space */
};

#define PLATFORM_PROT_READ 1
#define PLATFORM_PROT_WRITE 2
#define PLATFORM_PROT_EXEC 4

struct platform_ops {
	const char *name;
	void (*destroy)(struct platform *p);
	/* First frame the platform does not use; mm allocates from here. */
	u64 (*reserved_bytes)(struct platform *p);

	int (*as_create)(struct platform *p, struct platform_as **out);
	void (*as_destroy)(struct platform_as *as);
	/* Map one page at va to memory-file offset pa (replacing any mapping). */
	int (*as_map)(struct platform_as *as, u64 va, u64 pa, u32 prot);
	/* Unmap [va, va+len); flushes before any context re-enters as. */
	void (*as_unmap)(struct platform_as *as, u64 va, u64 len);

	int (*ctx_create)(struct platform *p, struct platform_ctx **out);
	void (*ctx_destroy)(struct platform_ctx *ctx);
	enum platform_event (*ctx_switch)(struct platform_ctx *ctx, struct platform_as *as,
					  struct user_regs *regs, struct platform_fault *fault);
	/* Any thread: make ctx's current or next switch return PLATFORM_INTERRUPTED. */
	void (*ctx_interrupt)(struct platform_ctx *ctx);
	/* Clear a pending interrupt (the owner thread has handled it). */
	void (*ctx_clear_interrupt)(struct platform_ctx *ctx);
	/*
	 * The context's FP/SSE/AVX state in XSAVE standard format (what
	 * XSAVE writes, fpstate_size bytes). Owner thread only, between
	 * switches. set also serves fork (the child starts with the parent's).
	 */
	int (*ctx_get_fpstate)(struct platform_ctx *ctx, void *buf);
	int (*ctx_set_fpstate)(struct platform_ctx *ctx, const void *buf);
	/* The vCPU is not needed until the next switch (the task sleeps). */
	void (*ctx_release)(struct platform_ctx *ctx);
	/* Sum of every context's counters so far. Any thread; approximate while running. */
	void (*stats)(struct platform *p, struct platform_stats *out);
};

/* Every platform object starts with a pointer to its ops. */
struct platform {
	const struct platform_ops *ops;
	/* Bytes of the XSAVE image ctx_get_fpstate writes (CPUID 0xD for our XCR0). */
	u32 fpstate_size;
	/* The XCR0 the guest runs with: which XSAVE components exist. */
	u64 xcr0;
	/* The FP state a new program starts with (fpstate_size bytes). */
	const void *fpstate_init;
};
struct platform_as {
	struct platform *p;
};
struct platform_ctx {
	struct platform *p;
};

/*
 * Create the KVM platform. Prints one line naming the problem and the fix
 * (e.g. missing /dev/kvm, permission, missing capability) and returns a
 * negative errno on failure.
 */
int platform_kvm_create(const struct platform_config *cfg, struct platform **out) __must_check;

/* Run the KVM platform's self-tests (runsk selftest). 0 = all passed. */
int platform_kvm_selftest(const struct platform_config *cfg);

static inline void platform_destroy(struct platform *p)
{
	if (p)
		p->ops->destroy(p);
}

static inline enum platform_event platform_switch(struct platform_ctx *ctx, struct platform_as *as,
						  struct user_regs *regs,
						  struct platform_fault *fault)
{
	return ctx->p->ops->ctx_switch(ctx, as, regs, fault);
}

#endif
