// SPDX-License-Identifier: Apache-2.0
/*
 * kvm_floor — the cheapest possible syscall of our design, measured.
 *
 *   kvm_floor [N]      N timed iterations [200000]
 *
 * Every guest syscall under runsk ends in one VM exit taken from guest ring 3
 * and one KVM_RUN to resume it.  This program does exactly that and nothing
 * else: its own VM, one vCPU in 64-bit long mode, and a ring-3 guest that
 * loops on
 *
 *     out %al, $PORT_TICK ; dec %rcx ; jnz loop
 *
 * while the host re-enters KVM_RUN after each exit without touching a register
 * (no GET/SET_REGS, no sync regs).  It prints "ns_per_op=<float>", the time of
 * one exit round trip: the floor that runsk's getppid is compared against
 * (KVM-HOSTS.md §1).
 *
 * Why ring 3 and not ring 0: the cost of an exit depends on where it comes
 * from — on kvm_pvm, ring 0 is run by KVM's instruction emulator and exits
 * from there are much cheaper than from natively running ring 3.  A guest
 * process's syscall comes from ring 3, so that is the floor.
 *
 * Why `out` may run in ring 3 at all: with RFLAGS.IOPL = 0 the CPU consults
 * the I/O permission bitmap of the current TSS, and allows the port if its bit
 * is clear (and the bitmap bytes lie within the TSS limit).  The guest has no
 * ring-0 code and no IDT: it starts in ring 3 (KVM_SET_SREGS with CPL-3
 * segments), and any exception escalates to a triple fault, which we report.
 *
 * Exit status: 0 on success, 1 if the VM did something unexpected, 2 usage
 * or set-up error.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define PORT_TICK 0xe0 /* one per iteration */
#define PORT_DONE 0xe1 /* once, after the last iteration */

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * The guest program.  It is position independent (relative jumps only) and
 * is copied to CODE_GPA.  RCX holds the number of iterations, set once by
 * KVM_SET_REGS before the first KVM_RUN.  The final `jmp` is never reached:
 * the host stops at the PORT_DONE exit.
 */
extern const unsigned char guest_code[], guest_code_end[];
__asm__(".pushsection .rodata.kvm_floor_guest, \"a\"\n"
	"guest_code:\n"
	"1:	outb	%al, $" STR(PORT_TICK) "\n"
					       "	dec	%rcx\n"
					       "	jnz	1b\n"
					       "	outb	%al, $" STR(
						       PORT_DONE) "\n"
								  "2:	jmp	2b\n"
								  "guest_code_end:\n"
								  ".popsection\n");

/*
 * Guest physical memory, identity mapped (guest virtual == guest physical).
 * The TSS with its I/O bitmap needs 0x68 + 8192 + 1 bytes: three pages.
 */
#define PAGE_SIZE 0x1000
#define PML4_GPA 0x1000
#define PDPT_GPA 0x2000
#define PD_GPA 0x3000
#define PT_GPA 0x4000
#define GDT_GPA 0x5000
#define TSS_GPA 0x6000 /* to 0x8fff */
#define CODE_GPA 0x9000
#define STACK_GPA 0xa000 /* unused by the loop; a sane RSP all the same */
#define MEM_SIZE 0x10000

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)

/* 64-bit TSS: RSP0..2, IST1..7, then the I/O map base at offset 0x66. */
#define TSS_IOMAP_BASE_OFF 0x66
#define TSS_HDR_SIZE 0x68
#define IOMAP_BYTES (65536 / 8)
/*
 * The CPU reads two bitmap bytes for every check, so the bitmap is followed
 * by one all-ones byte, and the limit (offset of the last valid byte) covers
 * it: otherwise a port in the last byte would fault.
 */
#define TSS_LIMIT (TSS_HDR_SIZE + IOMAP_BYTES)

/* GDT selectors.  Only ring-3 segments and the TSS: there is no ring 0. */
#define SEL_UCODE 0x08
#define SEL_UDATA 0x10
#define SEL_TSS 0x18 /* a 16-byte system descriptor */
#define RPL3 3

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

static void die(const char *what)
{
	fprintf(stderr, "kvm_floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

/*
 * Page tables: one PML4, PDPT, PD and PT map the first 64 KiB with 4 KiB
 * pages, as a real address space would (not one large page).  The upper
 * levels allow user access so that the leaf decides; only the code and stack
 * pages are user pages.  The GDT and TSS stay supervisor-only: the CPU's own
 * accesses to them are implicit supervisor accesses, allowed from ring 3.
 */
static void build_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);
	uint64_t *pt = (uint64_t *)(mem + PT_GPA);

	pml4[0] = PDPT_GPA | PTE_P | PTE_W | PTE_U;
	pdpt[0] = PD_GPA | PTE_P | PTE_W | PTE_U;
	pd[0] = PT_GPA | PTE_P | PTE_W | PTE_U;
	for (uint64_t gpa = PAGE_SIZE; gpa < MEM_SIZE; gpa += PAGE_SIZE)
		pt[gpa / PAGE_SIZE] = gpa | PTE_P | PTE_W;   /* page 0 stays unmapped */
	pt[CODE_GPA / PAGE_SIZE] = CODE_GPA | PTE_P | PTE_U; /* read-only */
	pt[STACK_GPA / PAGE_SIZE] |= PTE_U;
}

/*
 * The GDT descriptors are what the segment registers would be loaded from;
 * the guest never reloads one, but a consistent GDT keeps KVM's and the
 * CPU's views equal (and makes a fault report readable).
 */
static void build_gdt_tss(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + GDT_GPA);
	uint8_t *tss = mem + TSS_GPA;
	uint64_t base = TSS_GPA, limit = TSS_LIMIT;

	gdt[0] = 0;
	gdt[SEL_UCODE >> 3] = 0x00affa000000ffffULL; /* code, L=1, DPL 3 */
	gdt[SEL_UDATA >> 3] = 0x00cff2000000ffffULL; /* data, DPL 3 */
	/* 64-bit TSS descriptor, marked busy as LTR would leave it. */
	gdt[SEL_TSS >> 3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0xbULL << 40 |
			    1ULL << 47 /* present */ | ((limit >> 16) & 0xf) << 48 |
			    ((base >> 24) & 0xff) << 56;
	gdt[(SEL_TSS >> 3) + 1] = base >> 32;

	/* Deny every port (bit set), then allow the two the guest uses. */
	memset(tss, 0, TSS_HDR_SIZE);
	*(uint16_t *)(tss + TSS_IOMAP_BASE_OFF) = TSS_HDR_SIZE;
	memset(tss + TSS_HDR_SIZE, 0xff, IOMAP_BYTES + 1);
	for (unsigned int port = PORT_TICK; port <= PORT_DONE; port++)
		tss[TSS_HDR_SIZE + port / 8] &= ~(1u << (port % 8));
}

/*
 * The type of the TSS in TR.  Architecturally a loaded TSS is "busy" (0xb),
 * and Intel VMX refuses to enter a 64-bit guest with anything else.  On AMD,
 * neither VMRUN nor the I/O permission check looks at the type — but QEMU's
 * TCG, which emulates SVM for our hardware-KVM tests, allows ring-3 I/O only
 * if TR's cached type is "available" (9), because its LTR caches the
 * descriptor before marking it busy.  So: 9 on AMD, 0xb elsewhere.
 */
static uint8_t tss_type(void)
{
	unsigned int eax, ebx, ecx, edx;

	/* "AuthenticAMD": EBX, EDX, ECX of leaf 0. */
	if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) && ebx == 0x68747541 && edx == 0x69746e65 &&
	    ecx == 0x444d4163)
		return 0x9;
	return 0xb;
}

static struct kvm_segment user_segment(uint16_t selector, uint8_t type, int code)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector | RPL3,
		.type = type,
		.present = 1,
		.dpl = 3,
		.s = 1,
		.g = 1,
		.l = code,
		.db = !code,
	};
}

/*
 * Registers: straight into ring 3 of long mode.  The CPL is SS.DPL (and
 * CS.RPL) on both SVM and VMX, so 3 everywhere.  RFLAGS.IOPL = 0 and IF = 0:
 * the bitmap is consulted, and no interrupt can arrive without an IDT.
 * This is the only time the host touches the guest's registers.
 */
static void setup_vcpu(int kvm, int vcpu, long iterations)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA,
		.rsp = STACK_GPA + PAGE_SIZE,
		.rflags = 0x2,
		.rcx = iterations,
	};
	struct kvm_cpuid2 *cpuid;
	int nent = 256;

	/* The guest's CPUID must show long mode for KVM to accept EFER.LME. */
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
	if (!cpuid)
		die("calloc");
	cpuid->nent = nent;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs = user_segment(SEL_UCODE, 0xb, 1);
	sregs.ss = user_segment(SEL_UDATA, 0x3, 0);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	sregs.tr = (struct kvm_segment){
		.base = TSS_GPA,
		.limit = TSS_LIMIT,
		.selector = SEL_TSS,
		.type = tss_type(),
		.present = 1,
		.s = 0,
	};
	sregs.ldt = (struct kvm_segment){.type = 0x2, .present = 1, .unusable = 1};
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = (SEL_TSS + 16) - 1;
	/* No IDT: an exception cannot be delivered, becomes a triple fault. */
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/* Returns the port of an expected I/O exit, or -1 after reporting why not. */
static int exit_port(const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
		    run->io.count == 1 && (run->io.port == PORT_TICK || run->io.port == PORT_DONE))
			return run->io.port;
		fprintf(stderr, "kvm_floor: unexpected I/O exit, port %#x\n", run->io.port);
		return -1;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "kvm_floor: guest triple fault (an exception in ring 3:"
				" is the port allowed by the TSS I/O bitmap?)\n");
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "kvm_floor: VM entry failed, reason %#llx\n",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "kvm_floor: KVM internal error, suberror %u\n",
			run->internal.suberror);
		return -1;
	default:
		fprintf(stderr, "kvm_floor: unexpected exit reason %u\n", run->exit_reason);
		return -1;
	}
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_run *run;
	long n = 200000, warmup, ticks = 0;
	double t0 = 0, t1 = 0;
	int kvm, vm, vcpu, run_size, port;
	uint8_t *mem;

	n = bench_count_arg(argc, argv, n);
	/* Untimed first iterations: the first exits fault in KVM's and the
	 * host's state (shadow pages, caches); we want the steady state. */
	warmup = n < 1000 ? n : 1000;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	/* Intel VMX wants this before the first run; others ignore it. */
	(void)!ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	build_page_tables(mem);
	build_gdt_tss(mem);
	memcpy(mem + CODE_GPA, guest_code, guest_code_end - guest_code);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	setup_vcpu(kvm, vcpu, warmup + n);

	/*
	 * The timed part: t0 at exit number `warmup`, t1 at exit warmup + n,
	 * so exactly n round trips (re-entry, dec/jnz, out, exit) lie between.
	 */
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		port = exit_port(run);
		if (port < 0)
			return 1;
		if (port == PORT_DONE)
			break;
		ticks++;
		if (ticks == warmup)
			t0 = bench_now_ns();
		else if (ticks == warmup + n)
			t1 = bench_now_ns();
	}
	if (ticks != warmup + n) {
		fprintf(stderr, "kvm_floor: %ld exits, expected %ld\n", ticks, warmup + n);
		return 1;
	}
	printf("ns_per_op=%.1f\n", (t1 - t0) / n);
	return 0;
}
