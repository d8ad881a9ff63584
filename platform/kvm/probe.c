// SPDX-License-Identifier: Apache-2.0
/*
 * Start-up probe: where does `syscall` from ring 3 land on this host?
 *
 * Hardware KVM enters ring 0 at MSR_LSTAR. kvm_pvm (KVM-HOSTS.md) jumps
 * to MSR_LSTAR but stays at CPL 3. We point LSTAR at the trampoline page,
 * which both can execute, let one user instruction `syscall`, and read the
 * CPL at the exit. One vCPU, one exit and two register ioctls, once.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_internal.h"
#include "lib/log.h"

#define PROBE_VA 0x400000ULL

static int probe_run(struct kvm_platform *kp, struct platform_as *as, int *cpl)
{
	struct platform_ctx *ctx;
	struct platform_fault fault;
	int ret = kvm_ctx_create(&kp->base, &ctx);
	if (ret)
		return ret;
	struct user_regs regs = { .rip = PROBE_VA, .rflags = 2 };
	enum platform_event ev = kvm_ctx_switch(ctx, as, &regs, &fault);
	if (ev == PLATFORM_SYSCALL && regs.rip == PROBE_VA + 2) {
		struct kvm_sregs s;
		ret = ioctl(container_of(ctx, struct kvm_ctx, base)->vcpu->fd, KVM_GET_SREGS, &s);
		ret = ret < 0 ? kvm_ioctl_error("KVM_GET_SREGS") : 0;
		*cpl = s.cs.selector & 3;
	} else {
		pr_err("kvm: syscall entry probe failed: event %d at rip %#llx vector %u",
		       ev, (unsigned long long)regs.rip, fault.vector);
		ret = -EIO;
	}
	kvm_ctx_destroy(ctx);
	return ret;
}

int kvm_probe_syscall_entry(struct kvm_platform *kp)
{
	static const u8 code[] = { 0x0f, 0x05, 0x0f, 0x0b }; /* syscall; ud2 */
	struct platform_as *as;
	u64 pa;
	int cpl = -1;

	kp->entry = ENTRY_RING3_TRAMP; /* works on both while probing */
	int ret = kp->mem.alloc_frame(kp->mem.opaque, &pa);
	if (ret)
		return ret;
	memcpy(kvm_host_ptr(kp, pa), code, sizeof(code));
	ret = kvm_as_create(&kp->base, &as);
	if (!ret) {
		ret = kvm_as_map(as, PROBE_VA, pa, PLATFORM_PROT_READ | PLATFORM_PROT_EXEC);
		if (!ret)
			ret = probe_run(kp, as, &cpl);
		kvm_as_destroy(as);
	}
	kp->mem.free_frame(kp->mem.opaque, pa);
	if (ret)
		return ret;
	kp->entry = cpl == 0 ? ENTRY_RING0_LSTAR : ENTRY_RING3_TRAMP;
	/* Start every vCPU afresh in the mode just found. */
	for (unsigned i = 0; i < kp->nvcpus && !ret; i++)
		ret = kvm_vcpu_reset(kp->vcpus[i]);
	return ret;
}
