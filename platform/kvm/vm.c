// SPDX-License-Identifier: Apache-2.0
/*
 * The KVM platform: the VM, its memory, and the ring0 image inside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_internal.h"
#include "lib/log.h"
#include "lib/spin.h"

extern const u8 ring0_image_start[], ring0_image_end[], ring0_exc_stubs[], ring0_ud_entry[];
extern const u8 ring0_tramp_start[], ring0_tramp_end[];

int kvm_ioctl_error(const char *what)
{
	int err = errno;
	pr_err("kvm: %s failed: %s", what, strerror(err));
	return -err;
}

static int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int err = errno;
	switch (err) {
	case ENOENT:
		pr_err("/dev/kvm: no such device — this host has no KVM; load kvm_intel or "
		       "kvm_amd, or enable nested virtualisation for this VM");
		break;
	case EACCES:
	case EPERM:
		pr_err("/dev/kvm: permission denied — run as root or add the user to group kvm");
		break;
	default:
		pr_err("/dev/kvm: %s", strerror(err));
	}
	return -err;
}

/* The capabilities the platform relies on, each with why. */
static int kvm_check_caps(int kvm)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY (memory file as guest RAM)"},
		{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT (interrupting vCPUs)"},
		{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID (CPUID pass-through)"},
		{KVM_CAP_XSAVE, "KVM_CAP_XSAVE (AVX state)"},
		{KVM_CAP_XCRS, "KVM_CAP_XCRS (XCR0)"},
	};
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		pr_err("/dev/kvm: API version %d, runsk needs %d", api, KVM_API_VERSION);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		if (ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			pr_err("/dev/kvm: missing %s — this KVM is too old for runsk",
			       caps[i].name);
			return -ENOTSUP;
		}
	}
	int sync = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if (sync <= 0 || !(sync & KVM_SYNC_X86_REGS)) {
		pr_err("/dev/kvm: missing KVM_CAP_SYNC_REGS — runsk reads registers without "
		       "ioctls");
		return -ENOTSUP;
	}
	return 0;
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, u32 fn, u32 idx)
{
	for (u32 i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* Host CPUID as KVM supports it: the guest sees the same CPU as the host. */
static int kvm_load_cpuid(struct kvm_platform *kp)
{
	for (u32 n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(kp->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			kp->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return kvm_ioctl_error("KVM_GET_SUPPORTED_CPUID");
	}
	return -E2BIG;
}

/* XCR0: x87, SSE, AVX and the AVX-512 trio when all of them are there. */
static void kvm_pick_features(struct kvm_platform *kp)
{
	struct kvm_cpuid_entry2 *e;
	u64 xcr0 = 3;

	e = cpuid_find(kp->cpuid, 0xd, 0);
	if (e) {
		u64 sup = e->eax | ((u64)e->edx << 32);
		if (sup & 4)
			xcr0 |= 4;
		if ((sup & 0xe0) == 0xe0 && (xcr0 & 4))
			xcr0 |= 0xe0;
	}
	kp->xcr0 = xcr0;
	e = cpuid_find(kp->cpuid, 0x80000001, 0);
	kp->nx = e && (e->edx & (1u << 20));
	e = cpuid_find(kp->cpuid, 7, 0);
	kp->cr4_extra = 0;
	if (e && (e->ebx & (1u << 7)))
		kp->cr4_extra |= 1UL << 20; /* SMEP */
	if (e && (e->ebx & (1u << 20)))
		kp->cr4_extra |= 1UL << 21; /* SMAP */
}

static void idt_set(u64 *idt, unsigned vec, u64 handler, unsigned dpl, unsigned ist)
{
	idt[2 * vec] = (handler & 0xffff) | ((u64)R0_SEL_KCODE << 16) | ((u64)ist << 32) |
		       ((0x8eULL | (dpl << 5)) << 40) | (((handler >> 16) & 0xffff) << 48);
	idt[2 * vec + 1] = handler >> 32;
}

/* Copy ring0 and the trampoline into guest memory and build the IDT. */
static int kvm_install_ring0(struct kvm_platform *kp)
{
	size_t isz = ring0_image_end - ring0_image_start;
	size_t tsz = ring0_tramp_end - ring0_tramp_start;
	if (isz > R0_IMAGE_MAX || tsz > PAGE_SIZE) {
		pr_err("kvm: ring0 image too large (%zu/%zu bytes)", isz, tsz);
		return -E2BIG;
	}
	memcpy(kvm_host_ptr(kp, R0_PA_IMAGE), ring0_image_start, isz);
	memcpy(kvm_host_ptr(kp, R0_PA_TRAMP), ring0_tramp_start, tsz);

	u64 base = kvm_r0_va(R0_PA_IMAGE);
	u64 stubs = base + (ring0_exc_stubs - ring0_image_start);
	u64 *idt = kvm_host_ptr(kp, R0_PA_IDT);
	for (unsigned v = 0; v < R0_IDT_ENTRIES; v++) {
		/* int3 and into are legal in ring 3 and must raise #BP/#OF there. */
		unsigned dpl = (v == 3 || v == 4) ? 3 : 0;
		unsigned ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
		u64 handler = stubs + 32 * v;
		/* #UD first checks for the trampoline's way into ring0 (entry.S). */
		if (v == 6)
			handler = base + (ring0_ud_entry - ring0_image_start);
		/* Nothing raises these but a program's `int n`, which their DPL 0 refuses. */
		else if (v >= 32)
			handler = stubs + 32 * 13;
		idt_set(idt, v, handler, dpl, ist);
	}
	return 0;
}

static u64 kvm_reserved_bytes(struct platform *p)
{
	return R0_RESERVED;
}

static void kvm_destroy(struct platform *p)
{
	struct kvm_platform *kp = container_of(p, struct kvm_platform, base);
	for (unsigned i = 0; i < kp->nvcpus; i++)
		kvm_vcpu_destroy(kp->vcpus[i]);
	if (kp->vm_fd >= 0)
		close(kp->vm_fd);
	if (kp->kvm_fd >= 0)
		close(kp->kvm_fd);
	free(kp->cpuid);
	free(kp->fp_init);
	pthread_mutex_destroy(&kp->lock);
	pthread_cond_destroy(&kp->vcpu_free);
	pthread_mutex_destroy(&kp->pt_lock);
	free(kp->pt_free); /* the frames themselves go with the memory file */
	free(kp);
}

static void kvm_stats(struct platform *p, struct platform_stats *out)
{
	struct kvm_platform *kp = container_of(p, struct kvm_platform, base);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&kp->lock);
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		const struct platform_stats *s = &kp->vcpus[i]->stats;
		out->switches += s->switches;
		out->exits += s->exits;
		out->fast_resumes += s->fast_resumes;
		out->full_resumes += s->full_resumes;
		out->pt_stores += s->pt_stores;
		out->drain_exits += s->drain_exits;
		out->interrupts += s->interrupts;
		out->shootdowns += s->shootdowns;
	}
	pthread_mutex_unlock(&kp->lock);
}

const struct platform_ops kvm_platform_ops = {
	.name = "kvm",
	.destroy = kvm_destroy,
	.reserved_bytes = kvm_reserved_bytes,
	.as_create = kvm_as_create,
	.as_destroy = kvm_as_destroy,
	.as_map = kvm_as_map,
	.as_unmap = kvm_as_unmap,
	.ctx_create = kvm_ctx_create,
	.ctx_destroy = kvm_ctx_destroy,
	.ctx_switch = kvm_ctx_switch,
	.ctx_interrupt = kvm_ctx_interrupt,
	.ctx_clear_interrupt = kvm_ctx_clear_interrupt,
	.ctx_get_fpstate = kvm_ctx_get_fpstate,
	.ctx_set_fpstate = kvm_ctx_set_fpstate,
	.ctx_release = kvm_ctx_release,
	.stats = kvm_stats,
};

static int kvm_create_vm(struct kvm_platform *kp)
{
	do
		kp->vm_fd = ioctl(kp->kvm_fd, KVM_CREATE_VM, 0);
	while (kp->vm_fd < 0 && errno == EINTR);
	if (kp->vm_fd < 0)
		return kvm_ioctl_error("KVM_CREATE_VM");

	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = kp->mem.size,
		.userspace_addr = (u64)(uintptr_t)kp->mem.host,
	};
	if (ioctl(kp->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return kvm_ioctl_error("KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/*
 * Whether KVM walks our page tables itself (EPT/NPT) rather than shadowing
 * them. Shadow paging (kvm_pvm, or EPT/NPT turned off) sees a table store
 * only when a vCPU replays it, and another vCPU could run on the stale
 * shadow in between; so there guest code runs on one vCPU at a time.
 */
static bool kvm_host_tdp(void)
{
	static const char *const params[] = {
		"/sys/module/kvm_intel/parameters/ept",
		"/sys/module/kvm_amd/parameters/npt",
	};
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		FILE *f = fopen(params[i], "re");
		if (!f)
			continue;
		int c = fgetc(f);
		fclose(f);
		return c == 'Y' || c == 'y' || c == '1';
	}
	return false;
}

int platform_kvm_create(const struct platform_config *cfg, struct platform **out)
{
	int ret;

	if (cfg->mem->size < R0_RESERVED + (16UL << 20)) {
		pr_err("kvm: guest memory of %llu bytes is too small",
		       (unsigned long long)cfg->mem->size);
		return -EINVAL;
	}
	struct kvm_platform *kp = calloc(1, sizeof(*kp));
	if (!kp)
		return -ENOMEM;
	kp->base.ops = &kvm_platform_ops;
	kp->mem = *cfg->mem;
	kp->mem.reserve(kp->mem.opaque, R0_RESERVED);
	kp->vm_fd = -1;
	/* A vCPU per host thread (pool.c); as many running as the guest has CPUs. */
	kp->max_vcpus = R0_MAX_VCPUS;
	kp->max_running = cfg->ncpus ? MIN(cfg->ncpus, R0_MAX_VCPUS) : 1;
	pthread_mutex_init(&kp->lock, NULL);
	pthread_cond_init(&kp->vcpu_free, NULL);
	pthread_mutex_init(&kp->pt_lock, NULL);

	kp->kvm_fd = kvm_open();
	if (kp->kvm_fd < 0) {
		ret = kp->kvm_fd;
		goto out_free;
	}
	ret = kvm_check_caps(kp->kvm_fd);
	if (ret)
		goto out_free;
	ret = kvm_load_cpuid(kp);
	if (ret)
		goto out_free;
	kvm_pick_features(kp);
	if (kp->max_running > 1 && !kvm_host_tdp()) {
		pr_warn("kvm: this KVM shadows page tables (no EPT/NPT): guest threads run "
			"one at a time, not on %u vCPUs at once",
			kp->max_running);
		kp->max_running = 1;
	}
	kp->spin = spin_host_cpus() > (int)kp->max_running;
	if (!kp->nx) {
		pr_err("kvm: the guest CPU has no NX bit — runsk needs it for PROT_EXEC");
		ret = -ENOTSUP;
		goto out_free;
	}
	ret = kvm_create_vm(kp);
	if (ret)
		goto out_free;
	ret = kvm_install_ring0(kp);
	if (ret)
		goto out_free;
	ret = kvm_upper_half_build(kp);
	if (ret)
		goto out_free;
	ret = kvm_kick_init();
	if (ret)
		goto out_free;
	struct kvm_vcpu *v0 = kvm_vcpu_create(kp, 0);
	if (IS_ERR(v0)) {
		ret = PTR_ERR(v0);
		goto out_free;
	}
	kp->vcpus[kp->nvcpus++] = v0;
	ret = kvm_fp_init(kp, v0);
	if (ret)
		goto out_free;
	ret = kvm_probe_syscall_entry(kp);
	if (ret)
		goto out_free;
	pr_debug("kvm: syscall entry %s, xcr0 %#llx, cr4 extra %#llx",
		 kp->entry == ENTRY_RING0_LSTAR ? "ring0 LSTAR" : "ring3 trampoline",
		 (unsigned long long)kp->xcr0, (unsigned long long)kp->cr4_extra);
	*out = &kp->base;
	return 0;

out_free:
	kvm_destroy(&kp->base);
	return ret;
}
