// SPDX-License-Identifier: Apache-2.0
/*
 * Start-up probe: where does `syscall` from ring 3 land on this host?
 *
 * Hardware KVM enters ring 0 at MSR_LSTAR. kvm_pvm (KVM-HOSTS.md) jumps
 * to MSR_LSTAR but stays at CPL 3. We point LSTAR at ring0_tramp_probe on
 * the trampoline page, which both can execute, and let one user
 * instruction `syscall`: the probe reads CR0, which only ring 0 may. A
 * syscall exit means ring 0; a #GP means ring 3. We test what the CPU
 * does rather than read CS, whose selector need not tell the CPL on a
 * paravirtual host. Costs one vCPU and two exits, once.
 */
#include <errno.h>
#include <string.h>

#include "kvm_internal.h"
#include "lib/log.h"

#define PROBE_VA 0x400000ULL

static int probe_run(struct kvm_platform *kp, struct platform_as *as, int *cpl)
{
	struct platform_ctx *ctx;
	struct platform_fault fault = {0};
	int ret = kvm_ctx_create(&kp->base, &ctx);
	if (ret)
		return ret;
	struct user_regs regs = {.rip = PROBE_VA, .rflags = 2};
	enum platform_event ev = kvm_ctx_switch(ctx, as, &regs, &fault);
	if (ev == PLATFORM_SYSCALL && regs.rip == PROBE_VA + 2) {
		*cpl = 0;
	} else if (ev == PLATFORM_EXCEPTION && fault.vector == 13 && regs.rip >= R0_TRAMP_VA) {
		*cpl = 3;
	} else {
		pr_err("kvm: syscall entry probe failed: event %d at rip %#llx vector %u — "
		       "this KVM runs neither like hardware KVM nor like kvm_pvm",
		       ev, (unsigned long long)regs.rip, fault.vector);
		ret = -EIO;
	}
	kvm_ctx_destroy(ctx);
	return ret;
}

/* Start every vCPU afresh in the mode kp->entry says. */
static int reset_vcpus(struct kvm_platform *kp)
{
	int ret = 0;
	for (unsigned i = 0; i < kp->nvcpus && !ret; i++)
		ret = kvm_vcpu_reset(kp->vcpus[i]);
	return ret;
}

int kvm_probe_syscall_entry(struct kvm_platform *kp)
{
	static const u8 code[] = {0x0f, 0x05, 0x0f, 0x0b}; /* syscall; ud2 */
	struct platform_as *as;
	u64 pa;
	int cpl = -1;

	/* The vCPUs made so far were set up for another entry: LSTAR must be the probe's. */
	kp->entry = ENTRY_PROBE;
	int ret = reset_vcpus(kp);
	if (ret)
		return ret;
	ret = kp->mem.alloc_frame(kp->mem.opaque, &pa);
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
	return reset_vcpus(kp);
}
