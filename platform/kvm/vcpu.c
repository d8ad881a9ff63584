// SPDX-License-Identifier: Apache-2.0
/*
 * vCPU creation and start-up state: GDT, TSS, control registers, MSRs,
 * CPUID and XCR0. Everything here runs once per vCPU, never per switch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_internal.h"
#include "lib/log.h"

_Static_assert(offsetof(struct ring0_frame, r15) == R0F_R15, "frame r15");
_Static_assert(offsetof(struct ring0_frame, rdi) == R0F_RDI, "frame rdi");
_Static_assert(offsetof(struct ring0_frame, rip) == R0F_IRET, "frame iret");
_Static_assert(offsetof(struct ring0_frame, armed) == R0F_ARMED, "frame armed");
_Static_assert(offsetof(struct ring0_frame, queue_len) == R0F_QUEUE_LEN, "frame queue");
_Static_assert(offsetof(struct ring0_frame, cr3) == R0F_CR3, "frame cr3");
_Static_assert(offsetof(struct ring0_frame, set_fs) == R0F_SET_FS, "frame set_fs");
_Static_assert(offsetof(struct ring0_frame, fs_base) == R0F_FS_BASE, "frame fs");
_Static_assert(offsetof(struct ring0_frame, set_gs) == R0F_SET_GS, "frame set_gs");
_Static_assert(offsetof(struct ring0_frame, gs_base) == R0F_GS_BASE, "frame gs");
_Static_assert(offsetof(struct ring0_frame, exit_after_apply) == R0F_EXIT_AFTER_APPLY,
	       "frame exit_after_apply");
_Static_assert(offsetof(struct ring0_frame, fp_load) == R0F_FP_LOAD, "frame fp_load");
_Static_assert(offsetof(struct ring0_frame, work) == R0F_WORK, "frame work");
_Static_assert(offsetof(struct ring0_frame, rbx) == R0F_RBX, "frame rbx");
_Static_assert(offsetof(struct ring0_frame, rax) == R0F_RAX, "frame rax");
_Static_assert(offsetof(struct ring0_frame, rcx) == R0F_RCX, "frame rcx");
_Static_assert(offsetof(struct ring0_frame, rdx) == R0F_RDX, "frame rdx");
_Static_assert(offsetof(struct ring0_frame, rsi) == R0F_RSI, "frame rsi");
_Static_assert(sizeof(struct ring0_frame) == R0F_SIZE, "frame size");
_Static_assert(R0F_SIZE <= R0_AREA_GDT, "frame fits its page");
_Static_assert(R0_AREA_TSS + R0_TSS_SIZE + R0_IOPB_BYTES <= R0_AREA_IST1_TOP - 0x1000,
	       "TSS and I/O bitmap leave room for the IST stack");
_Static_assert(R0_AREA_QUEUE + R0_QUEUE_MAX * sizeof(struct pt_store) <= R0_AREA_FP,
	       "queue fits the area");
_Static_assert(R0_AREA_FP % 64 == 0 && R0_AREA_FP + R0_AREA_FP_MAX <= R0_VCPU_STRIDE,
	       "XSAVE image aligned, and fits the area");

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC 0x10
#define MSR_TSC_AUX 0xc0000103

#define CR0_PE (1UL << 0)
#define CR0_MP (1UL << 1)
#define CR0_ET (1UL << 4)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR0_AM (1UL << 18)
#define CR0_PG (1UL << 31)
#define CR4_PAE (1UL << 5)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NXE (1UL << 11)

/* RFLAGS bits cleared on syscall entry: TF, IF, DF, IOPL, NT, RF, AC. */
#define SYSCALL_FMASK 0x47700

extern const u8 ring0_image_start[], ring0_syscall[];
extern const u8 ring0_tramp_start[], ring0_tramp_syscall[], ring0_tramp_probe[];

static u64 area_va(struct kvm_vcpu *v, u64 off)
{
	return kvm_r0_va(v->area_pa + off);
}

static void gdt_build(struct kvm_vcpu *v)
{
	u64 *gdt = kvm_host_ptr(v->kp, v->area_pa + R0_AREA_GDT);
	u64 tss = area_va(v, R0_AREA_TSS);
	u64 lim = R0_TSS_SIZE + R0_IOPB_BYTES - 1;

	memset(gdt, 0, R0_GDT_ENTRIES * 8);
	gdt[1] = 0x00cf9b000000ffffULL; /* kernel 32-bit code (unused) */
	gdt[R0_SEL_KCODE >> 3] = 0x00af9b000000ffffULL;
	gdt[R0_SEL_KDATA >> 3] = 0x00cf93000000ffffULL;
	gdt[R0_SEL_UCODE32 >> 3] = 0x00cffb000000ffffULL;
	gdt[R0_SEL_UDATA >> 3] = 0x00cff3000000ffffULL;
	gdt[R0_SEL_UCODE >> 3] = 0x00affb000000ffffULL;
	gdt[R0_SEL_TSS >> 3] = (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
			       (((lim >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56);
	gdt[(R0_SEL_TSS >> 3) + 1] = tss >> 32;
}

static void tss_build(struct kvm_vcpu *v)
{
	u8 *tss = kvm_host_ptr(v->kp, v->area_pa + R0_AREA_TSS);
	u64 rsp0 = area_va(v, R0_AREA_RSP0);
	u64 ist1 = area_va(v, R0_AREA_IST1_TOP);

	memset(tss, 0, R0_TSS_SIZE);
	memcpy(tss + 4, &rsp0, 8);
	memcpy(tss + 0x24, &ist1, 8);
	u16 iopb = R0_TSS_SIZE;
	memcpy(tss + 0x66, &iopb, 2);
	u8 *bitmap = tss + R0_TSS_SIZE;
	memset(bitmap, 0xff, R0_IOPB_BYTES);
	/* Only hosts whose syscall stays in ring 3 need a port open to ring 3. */
	if (v->kp->entry != ENTRY_RING0_LSTAR)
		bitmap[R0_PORT_SYSCALL / 8] &= ~(1u << (R0_PORT_SYSCALL % 8));
}

static struct kvm_segment code_seg(u16 sel, unsigned dpl, bool l)
{
	return (struct kvm_segment){.base = 0,
				    .limit = 0xffffffff,
				    .selector = sel,
				    .type = 11,
				    .present = 1,
				    .dpl = dpl,
				    .db = !l,
				    .s = 1,
				    .l = l,
				    .g = 1};
}

static int vcpu_set_sregs(struct kvm_vcpu *v)
{
	struct kvm_platform *kp = v->kp;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return kvm_ioctl_error("KVM_GET_SREGS");
	s.cs = code_seg(R0_SEL_KCODE, 0, true);
	s.ds = s.es = s.ss = code_seg(R0_SEL_KDATA, 0, false);
	s.ds.type = s.es.type = s.ss.type = 3;
	s.fs = s.gs = s.ds;
	s.fs.selector = s.gs.selector = 0;
	s.tr = (struct kvm_segment){.base = area_va(v, R0_AREA_TSS),
				    .limit = R0_TSS_SIZE + R0_IOPB_BYTES - 1,
				    .selector = R0_SEL_TSS,
				    .type = 11,
				    .present = 1};
	s.ldt = (struct kvm_segment){.type = 2, .present = 1, .unusable = 1};
	s.gdt.base = area_va(v, R0_AREA_GDT);
	s.gdt.limit = R0_GDT_ENTRIES * 8 - 1;
	s.idt.base = kvm_r0_va(R0_PA_IDT);
	s.idt.limit = R0_IDT_ENTRIES * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	s.cr3 = kp->kernel_pml4_pa;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
	if (kp->entry == ENTRY_RING0_LSTAR)
		s.cr4 |= kp->cr4_extra;
	s.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return kvm_ioctl_error("KVM_SET_SREGS");
	return 0;
}

int kvm_vcpu_set_syscall_entry(struct kvm_vcpu *v)
{
	u64 lstar;
	switch (v->kp->entry) {
	case ENTRY_RING0_LSTAR:
		lstar = kvm_r0_va(R0_PA_IMAGE) + (ring0_syscall - ring0_image_start);
		break;
	case ENTRY_RING3_TRAMP:
		lstar = R0_TRAMP_VA + (ring0_tramp_syscall - ring0_tramp_start);
		break;
	default:
		lstar = R0_TRAMP_VA + (ring0_tramp_probe - ring0_tramp_start);
		break;
	}
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[7];
	} m = {.hdr.nmsrs = 7};
	m.e[0] = (struct kvm_msr_entry){.index = MSR_STAR,
					.data = ((u64)(R0_SEL_UCODE32 & ~3) << 48) |
						((u64)R0_SEL_KCODE << 32)};
	m.e[1] = (struct kvm_msr_entry){.index = MSR_LSTAR, .data = lstar};
	m.e[2] = (struct kvm_msr_entry){.index = MSR_CSTAR, .data = lstar};
	m.e[3] = (struct kvm_msr_entry){.index = MSR_SFMASK, .data = SYSCALL_FMASK};
	m.e[4] = (struct kvm_msr_entry){.index = MSR_FS_BASE, .data = 0};
	m.e[5] = (struct kvm_msr_entry){.index = MSR_GS_BASE, .data = 0};
	m.e[6] = (struct kvm_msr_entry){.index = MSR_KERNEL_GS_BASE, .data = 0};
	if (ioctl(v->fd, KVM_SET_MSRS, &m) != 7)
		return kvm_ioctl_error("KVM_SET_MSRS");
	v->cur_fs = v->cur_gs = 0;
	return 0;
}

/* Put the vCPU in its start-up state: ring 0, long mode, nothing loaded. */
int kvm_vcpu_reset(struct kvm_vcpu *v)
{
	int ret;

	gdt_build(v);
	tss_build(v);
	memset(v->frame, 0, sizeof(*v->frame));
	ret = vcpu_set_sregs(v);
	if (ret)
		return ret;
	ret = kvm_vcpu_set_syscall_entry(v);
	if (ret)
		return ret;
	struct kvm_regs r = {.rflags = 2, .rsp = area_va(v, R0_ENTRY_RSP_OFF)};
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return kvm_ioctl_error("KVM_SET_REGS");
	v->state = VCPU_FRESH;
	v->cur_as = NULL;
	return 0;
}

static int vcpu_set_cpu_features(struct kvm_vcpu *v)
{
	struct kvm_platform *kp = v->kp;

	if (ioctl(v->fd, KVM_SET_CPUID2, kp->cpuid) < 0)
		return kvm_ioctl_error("KVM_SET_CPUID2");
	struct kvm_xcrs x = {.nr_xcrs = 1, .xcrs[0] = {.xcr = 0, .value = kp->xcr0}};
	if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0)
		return kvm_ioctl_error("KVM_SET_XCRS");
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return kvm_ioctl_error("KVM_SET_FPU");
	return 0;
}

static u64 host_rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/*
 * The guest reads the host's TSC (offset 0), so that the vDSO converts it
 * with the Sentry's parameters; TSC_AUX holds the vCPU number for rdtscp
 * (the vDSO's getcpu). KVM_VCPU_TSC_OFFSET (Linux 5.16) sets the offset
 * exactly. Older kernels get the host's TSC written to IA32_TSC: off by
 * the ioctl's latency, and KVM gives that offset to every later vCPU (it
 * synchronises writes that match within a second).
 */
static int vcpu_set_tsc(struct kvm_vcpu *v)
{
	u64 offset = 0;
	struct kvm_device_attr attr = {.group = KVM_VCPU_TSC_CTRL,
				       .attr = KVM_VCPU_TSC_OFFSET,
				       .addr = (u64)(uintptr_t)&offset};
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m = {.hdr.nmsrs = 1};

	if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &attr) == 0) {
		if (ioctl(v->fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
			return kvm_ioctl_error("KVM_SET_DEVICE_ATTR(KVM_VCPU_TSC_OFFSET)");
	} else {
		m.e[0] = (struct kvm_msr_entry){.index = MSR_IA32_TSC, .data = host_rdtsc()};
		if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
			return kvm_ioctl_error("KVM_SET_MSRS(IA32_TSC)");
	}
	m.e[0] = (struct kvm_msr_entry){.index = MSR_TSC_AUX, .data = v->id};
	if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
		pr_debug("kvm: vcpu %u: TSC_AUX not settable; getcpu reports 0", v->id);
	return 0;
}

struct kvm_vcpu *kvm_vcpu_create(struct kvm_platform *kp, unsigned id)
{
	struct kvm_vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return ERR_PTR(-ENOMEM);
	v->kp = kp;
	v->id = id;
	v->area_pa = R0_PA_VCPU + (u64)id * R0_VCPU_STRIDE;
	v->frame = kvm_host_ptr(kp, v->area_pa + R0_AREA_FRAME);
	v->queue = kvm_host_ptr(kp, v->area_pa + R0_AREA_QUEUE);
	v->fd = ioctl(kp->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		int err = kvm_ioctl_error("KVM_CREATE_VCPU");
		free(v);
		return ERR_PTR(err);
	}
	int size = ioctl(kp->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	int ret = size > 0 ? 0 : kvm_ioctl_error("KVM_GET_VCPU_MMAP_SIZE");
	if (!ret) {
		v->run_size = size;
		v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			ret = kvm_ioctl_error("mmap(kvm_run)");
		}
	}
	if (!ret)
		ret = vcpu_set_cpu_features(v);
	if (!ret)
		ret = vcpu_set_tsc(v);
	if (!ret)
		ret = kvm_vcpu_reset(v);
	if (ret) {
		kvm_vcpu_destroy(v);
		return ERR_PTR(ret);
	}
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return v;
}

void kvm_vcpu_destroy(struct kvm_vcpu *v)
{
	if (!v)
		return;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

/* Log everything we know about a vCPU that stopped for a bad reason. */
void kvm_vcpu_dump(struct kvm_vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	pr_err("kvm: vcpu %u: %s", v->id, why);
	if (ioctl(v->fd, KVM_GET_REGS, &r) == 0) {
		pr_err("  rip=%#llx rsp=%#llx rflags=%#llx rax=%#llx rbx=%#llx rcx=%#llx", r.rip,
		       r.rsp, r.rflags, r.rax, r.rbx, r.rcx);
		pr_err("  rdx=%#llx rsi=%#llx rdi=%#llx rbp=%#llx r8=%#llx r9=%#llx", r.rdx, r.rsi,
		       r.rdi, r.rbp, r.r8, r.r9);
		pr_err("  r10=%#llx r11=%#llx r12=%#llx r13=%#llx r14=%#llx r15=%#llx", r.r10,
		       r.r11, r.r12, r.r13, r.r14, r.r15);
	}
	if (ioctl(v->fd, KVM_GET_SREGS, &s) == 0)
		pr_err("  cs=%#x ss=%#x cr0=%#llx cr2=%#llx cr3=%#llx cr4=%#llx efer=%#llx",
		       s.cs.selector, s.ss.selector, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}
