// SPDX-License-Identifier: Apache-2.0
/*
 * The vCPU pool. A context holds a vCPU only while its thread runs guest
 * code or handles what stopped it; a task that sleeps gives it back, so
 * a sandbox may have far more guest threads than vCPUs. vCPUs are created
 * on demand up to max_vcpus: they are our resource, not the guest's CPU
 * count (--cpus is what the guest is told).
 *
 * How many vCPUs may be held at once (max_running) is separate from how
 * many exist. Each host thread keeps one vCPU of its own, because KVM
 * charges a vCPU that moves to another host thread a synchronize_rcu()
 * (the vCPU's pid changes; kvm_vcpu_ioctl, Linux 6.1): milliseconds, which
 * made every hand-over between two guest threads cost ~12 ms. With a vCPU
 * per thread (and task threads reused, sentry/kernel/threadpool.c) a
 * hand-over is a condition-variable wake-up. max_running stays 1 until
 * page-table changes are shot down on vCPUs running concurrently.
 *
 * The FP/SSE/AVX registers live in the vCPU, so they move lazily: a vCPU
 * remembers whose state it holds (fp_owner) and only when another context
 * takes it is that state saved into its owner's buffer and the new
 * owner's loaded (two ioctls; none while a thread keeps its own vCPU,
 * which is the common case). Where ring 0 runs natively, a state to load
 * (a new owner's, a signal handler's, rt_sigreturn's) costs no ioctl at
 * all: it is copied to the vCPU's area and ring0 XRSTORs it on the way
 * back to user code (frame fp_load), which is why a read checks there
 * first (fp_read).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvm_internal.h"
#include "lib/log.h"
#include "lib/spin.h"

/* Offsets in an XSAVE image (Intel SDM vol. 1, 10.5.1 and 13.4.2). */
#define FP_MXCSR_OFFSET 24
#define FP_MXCSR_MASK_OFFSET 28
#define FP_HDR_OFFSET 512
#define FP_HDR_SIZE 64

static int xsave_get(struct kvm_vcpu *v, struct kvm_xsave *buf)
{
	if (ioctl(v->fd, KVM_GET_XSAVE, buf) < 0)
		return kvm_ioctl_error("KVM_GET_XSAVE");
	/*
	 * kvm_pvm runs the guest on the host's own CR4.PKE and reports PKRU in
	 * XSTATE_BV though the guest's XCR0 lacks it: what is outside XCR0 is
	 * not the guest's state, and a signal frame must not carry it.
	 */
	u64 bv;
	memcpy(&bv, (u8 *)buf->region + FP_HDR_OFFSET, sizeof(bv));
	bv &= v->kp->xcr0;
	memcpy((u8 *)buf->region + FP_HDR_OFFSET, &bv, sizeof(bv));
	return 0;
}

static int xsave_set(struct kvm_vcpu *v, const struct kvm_xsave *buf)
{
	return ioctl(v->fd, KVM_SET_XSAVE, buf) < 0 ? kvm_ioctl_error("KVM_SET_XSAVE") : 0;
}

static void *fp_area(struct kvm_vcpu *v)
{
	return kvm_host_ptr(v->kp, v->area_pa + R0_AREA_FP);
}

/*
 * v's FP state as user code will see it: an image handed to ring0 to load
 * on the way back (frame fp_load) is not in the registers yet.
 */
static int fp_read(struct kvm_vcpu *v, struct kvm_xsave *buf)
{
	if (!v->frame->fp_load)
		return xsave_get(v, buf);
	memset(buf, 0, sizeof(*buf));
	memcpy(buf->region, fp_area(v), v->kp->base.fpstate_size);
	return 0;
}

/*
 * Whether ring0 may XRSTOR img itself, with no KVM_SET_XSAVE: only where
 * ring 0 runs natively (KVM's instruction emulator, on kvm_pvm, has no
 * XRSTOR), and only an image XRSTOR cannot refuse, since a #GP in ring0
 * would end the sandbox where Linux sends SIGSEGV: standard form (header
 * bytes 8..63 zero), no component outside XCR0, no MXCSR bit the CPU
 * lacks. Anything else takes the ioctl, and KVM's checks.
 */
static bool fp_ring0_loadable(const struct kvm_platform *kp, const u8 *img)
{
	static const u8 zero[FP_HDR_SIZE];
	u64 bv;
	u32 mxcsr;

	if (kp->entry != ENTRY_RING0_LSTAR || kp->base.fpstate_size > R0_AREA_FP_MAX)
		return false;
	memcpy(&bv, img + FP_HDR_OFFSET, sizeof(bv));
	memcpy(&mxcsr, img + FP_MXCSR_OFFSET, sizeof(mxcsr));
	return !(bv & ~kp->xcr0) && !(mxcsr & ~kp->mxcsr_mask) &&
	       !memcmp(img + FP_HDR_OFFSET + 8, zero, sizeof(zero) - 8);
}

/* Called with kp->lock held. */
static int fp_take(struct kvm_ctx *ctx, struct kvm_vcpu *v)
{
	struct kvm_ctx *old = v->fp_owner;
	int ret = 0;

	if (old == ctx)
		return 0;
	if (old) {
		ret = fp_read(v, old->fp);
		if (ret)
			return ret;
		old->fp_saved = true;
	}
	const struct kvm_xsave *src = ctx->fp_saved ? ctx->fp : ctx->kp->fp_init;
	if (fp_ring0_loadable(ctx->kp, (const u8 *)src->region)) {
		/* ring0 loads it on the way to user code: no ioctl. */
		memcpy(fp_area(v), src->region, ctx->kp->base.fpstate_size);
		v->frame->fp_load = ctx->kp->xcr0;
	} else {
		ret = xsave_set(v, src);
		if (ret)
			return ret;
		v->frame->fp_load = 0;
	}
	ctx->fp_saved = false;
	v->fp_owner = ctx;
	return 0;
}

/*
 * The calling thread's own vCPU, by index (a pointer could outlive its
 * platform; an index is only a preference, checked against kp).
 */
static __thread const struct kvm_platform *own_kp;
static __thread unsigned own_id;
static __thread struct kvm_vcpu *held;

struct kvm_vcpu *kvm_held_vcpu(const struct kvm_platform *kp)
{
	return held && held->kp == kp ? held : NULL;
}

/* Called with kp->lock held and a running slot free. */
static struct kvm_vcpu *pick_free(struct kvm_platform *kp)
{
	if (own_kp == kp && own_id < kp->nvcpus && !kp->vcpus[own_id]->busy)
		return kp->vcpus[own_id];
	/* A vCPU no thread has run yet, then a new one: neither changes pid. */
	for (unsigned i = 0; i < kp->nvcpus; i++)
		if (!kp->vcpus[i]->busy && !kp->vcpus[i]->ran)
			return kp->vcpus[i];
	if (kp->nvcpus < kp->max_vcpus) {
		struct kvm_vcpu *v = kvm_vcpu_create(kp, kp->nvcpus);
		if (!IS_ERR(v))
			return kp->vcpus[kp->nvcpus++] = v;
		pr_warn_ratelimited("kvm: cannot create vCPU %u; sharing the others", kp->nvcpus);
	}
	/* More threads than vCPUs: take another thread's, FP state unloaded first. */
	struct kvm_vcpu *any = NULL;
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		struct kvm_vcpu *v = kp->vcpus[i];
		if (v->busy)
			continue;
		if (!v->fp_owner)
			return v;
		any = any ? any : v;
	}
	return any;
}

/*
 * Waiters take tickets, so the pool is first come, first served. A waiter
 * that waits longer than a time slice interrupts the holders; a holder
 * interrupted while others wait gives its vCPU up at its next switch
 * (kvm_ctx_yield_if_asked), so a guest thread spinning in user mode
 * cannot starve the others.
 */
#define SLICE_NS (10 * 1000 * 1000)

static void ask_holders_to_yield(struct kvm_platform *kp)
{
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		struct kvm_ctx *owner = kp->vcpus[i]->owner;
		if (owner && !owner->yield) {
			owner->yield = true;
			kvm_ctx_interrupt(&owner->base);
		}
	}
}

static bool vcpu_may_run(void *arg)
{
	struct kvm_platform *kp = arg;
	return __atomic_load_n(&kp->nrunning, __ATOMIC_RELAXED) < kp->max_running;
}

/*
 * The first waiter spins (lib/spin.h) before it sleeps, with the lock let
 * go: a guest thread woken by another usually finds the waker still on
 * the vCPU, which it gives up at its next blocking call. Whether a vCPU
 * may run now.
 */
static bool spin_until_free(struct kvm_platform *kp)
{
	if (!kp->spin)
		return false;
	pthread_mutex_unlock(&kp->lock);
	bool freed = spin_until(vcpu_may_run, kp, SPIN_HANDOVER_NS);
	pthread_mutex_lock(&kp->lock);
	return freed;
}

int kvm_ctx_acquire(struct kvm_ctx *ctx)
{
	struct kvm_platform *kp = ctx->kp;
	struct kvm_vcpu *v;
	int ret;

	if (ctx->vcpu)
		return 0;
	pthread_mutex_lock(&kp->lock);
	u64 ticket = kp->ticket_next++;
	bool spun = false;
	for (;;) {
		if (ticket == kp->ticket_serving && kp->nrunning < kp->max_running &&
		    (v = pick_free(kp)))
			break;
		if (!kp->nvcpus) {
			kp->ticket_serving++;
			pthread_mutex_unlock(&kp->lock);
			return -EAGAIN;
		}
		if (!spun && ticket == kp->ticket_serving) {
			spun = true;
			if (spin_until_free(kp))
				continue;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SLICE_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&kp->vcpu_free, &kp->lock, &until) == ETIMEDOUT &&
		    ticket == kp->ticket_serving)
			ask_holders_to_yield(kp);
	}
	kp->ticket_serving++;
	v->busy = true;
	ret = fp_take(ctx, v);
	if (ret) {
		v->busy = false;
	} else {
		kp->nrunning++;
		v->owner = ctx;
		v->ran = true;
		own_kp = kp;
		own_id = v->id;
		held = v;
		ctx->vcpu = ctx->last = v;
		ctx->yield = false;
	}
	/* The next ticket may be able to go too (another free vCPU). */
	pthread_cond_broadcast(&kp->vcpu_free);
	pthread_mutex_unlock(&kp->lock);
	return ret;
}

void kvm_ctx_yield_if_asked(struct kvm_ctx *ctx)
{
	struct kvm_platform *kp = ctx->kp;
	if (!ctx->vcpu || !__atomic_load_n(&ctx->yield, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&kp->lock);
	bool waiters = kp->ticket_next != kp->ticket_serving;
	ctx->yield = false;
	pthread_mutex_unlock(&kp->lock);
	if (waiters)
		kvm_ctx_release(&ctx->base);
}

void kvm_ctx_release(struct platform_ctx *pctx)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	struct kvm_platform *kp = ctx->kp;

	if (!ctx->vcpu)
		return;
	kvm_kick_forget();
	held = NULL;
	pthread_mutex_lock(&kp->lock);
	kp->nrunning--;
	ctx->vcpu->busy = false;
	ctx->vcpu->owner = NULL;
	ctx->vcpu = NULL;
	pthread_cond_broadcast(&kp->vcpu_free);
	pthread_mutex_unlock(&kp->lock);
}

int kvm_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct kvm_platform *kp = container_of(p, struct kvm_platform, base);
	struct kvm_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->fp = aligned_alloc(64, sizeof(*ctx->fp));
	if (!ctx->fp) {
		free(ctx);
		return -ENOMEM;
	}
	ctx->base.p = p;
	ctx->kp = kp;
	ctx->thread = pthread_self();
	*out = &ctx->base;
	return 0;
}

void kvm_ctx_destroy(struct platform_ctx *pctx)
{
	if (!pctx)
		return;
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	struct kvm_platform *kp = ctx->kp;

	kvm_ctx_release(pctx);
	if (ctx->have_kick_timer)
		timer_delete(ctx->kick_timer);
	pthread_mutex_lock(&kp->lock);
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		if (kp->vcpus[i]->fp_owner == ctx) {
			kp->vcpus[i]->fp_owner = NULL;
			kp->vcpus[i]->frame->fp_load = 0;
		}
	}
	pthread_mutex_unlock(&kp->lock);
	free(ctx->fp);
	free(ctx);
}

int kvm_ctx_get_fpstate(struct platform_ctx *pctx, void *buf)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	struct kvm_platform *kp = ctx->kp;
	const struct kvm_xsave *src = kp->fp_init;
	int ret = 0;

	pthread_mutex_lock(&kp->lock);
	if (ctx->fp_saved) {
		src = ctx->fp;
	} else if (ctx->last && ctx->last->fp_owner == ctx) {
		ret = fp_read(ctx->last, ctx->fp);
		src = ctx->fp;
	}
	if (!ret)
		memcpy(buf, src->region, kp->base.fpstate_size);
	pthread_mutex_unlock(&kp->lock);
	return ret;
}

int kvm_ctx_set_fpstate(struct platform_ctx *pctx, const void *buf)
{
	struct kvm_ctx *ctx = container_of(pctx, struct kvm_ctx, base);
	struct kvm_platform *kp = ctx->kp;
	int ret = 0;

	pthread_mutex_lock(&kp->lock);
	if (ctx->vcpu && fp_ring0_loadable(kp, buf)) {
		/*
		 * Ours and live, as on every signal delivery and return: ring0
		 * loads it on the way back to user code (the resume goes
		 * through ring0 for it), which costs no ioctl.
		 */
		memcpy(fp_area(ctx->vcpu), buf, kp->base.fpstate_size);
		ctx->vcpu->frame->fp_load = kp->xcr0;
		ctx->vcpu->fp_owner = ctx;
		ctx->fp_saved = false;
		pthread_mutex_unlock(&kp->lock);
		return 0;
	}
	memset(ctx->fp, 0, sizeof(*ctx->fp));
	memcpy(ctx->fp->region, buf, kp->base.fpstate_size);
	if (ctx->vcpu) {
		/* Ours and live: load it now; KVM checks the header and XCR0 bits. */
		ctx->vcpu->frame->fp_load = 0;
		ret = xsave_set(ctx->vcpu, ctx->fp);
		ctx->vcpu->fp_owner = ret ? NULL : ctx;
		ctx->fp_saved = ret != 0;
	} else {
		if (ctx->last && ctx->last->fp_owner == ctx) {
			ctx->last->fp_owner = NULL;
			ctx->last->frame->fp_load = 0;
		}
		ctx->fp_saved = true;
	}
	pthread_mutex_unlock(&kp->lock);
	return ret;
}

/* The MXCSR bits this CPU has (what FXSAVE reports; 0 means the default). */
static u32 host_mxcsr_mask(void)
{
	u8 area[512] __attribute__((aligned(16))) = {0};
	u32 mask;

	__asm__ volatile("fxsave64 %0" : "=m"(area));
	memcpy(&mask, area + FP_MXCSR_MASK_OFFSET, sizeof(mask));
	return mask ? mask : 0xffbf;
}

/*
 * The state a new program starts with, taken from a fresh vCPU (the
 * architectural reset state with our XCR0), and the size of its XSAVE
 * image: the end of the furthest enabled component (CPUID 0xD).
 */
int kvm_fp_init(struct kvm_platform *kp, struct kvm_vcpu *v)
{
	kp->fp_init = aligned_alloc(64, sizeof(*kp->fp_init));
	if (!kp->fp_init)
		return -ENOMEM;
	int ret = xsave_get(v, kp->fp_init);
	if (ret)
		return ret;
	u32 size = 512 + 64; /* legacy area and XSAVE header */
	for (unsigned c = 2; c < 64; c++) {
		if (!(kp->xcr0 & (1ULL << c)))
			continue;
		u32 eax = 0xd, ebx, ecx = c, edx;
		__asm__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
		size = MAX(size, ebx + eax); /* offset + size */
	}
	kp->base.fpstate_size = MIN(size, (u32)sizeof(kp->fp_init->region));
	kp->mxcsr_mask = host_mxcsr_mask();
	kp->base.xcr0 = kp->xcr0;
	kp->base.fpstate_init = kp->fp_init->region;
	return 0;
}
