// SPDX-License-Identifier: Apache-2.0
/*
 * `runsk selftest`: exercise the KVM platform alone, on whatever KVM this
 * host has: syscall round trips with register preservation, page faults,
 * page-table changes becoming visible (the ring0 store queue, which is
 * what shadow paging needs), FS base, privileged instructions, a program
 * entering the ring0 return gate itself, and interrupting a spinning vCPU
 * from another thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_internal.h"
#include "lib/log.h"

extern const u8 st_user_start[], st_syscall[], st_read[], st_write[], st_hlt[], st_fs[], st_spin[],
	st_int81[], st_end[];

#define CODE_VA 0x400000ULL
#define DATA_VA 0x600000ULL
#define RW (PLATFORM_PROT_READ | PLATFORM_PROT_WRITE)

struct st {
	struct kvm_platform *kp;
	struct platform_as *as;
	struct platform_ctx *ctx;
	struct user_regs regs;
	struct platform_fault fault;
	int failures;
};

#define CHECK(st, cond, ...)                           \
	do {                                           \
		if (cond) {                            \
			printf("  ok   " __VA_ARGS__); \
		} else {                               \
			printf("  FAIL " __VA_ARGS__); \
			(st)->failures++;              \
		}                                      \
		printf("\n");                          \
	} while (0)

static u64 code(const u8 *sym)
{
	return CODE_VA + (sym - st_user_start);
}

static enum platform_event run(struct st *t)
{
	return kvm_ctx_switch(t->ctx, t->as, &t->regs, &t->fault);
}

static u64 new_page(struct st *t, u64 fill)
{
	u64 pa;
	if (t->kp->mem.alloc_frame(t->kp->mem.opaque, &pa))
		return 0;
	u64 *p = kvm_host_ptr(t->kp, pa);
	for (int i = 0; i < 512; i++)
		p[i] = fill;
	return pa;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void test_syscall(struct st *t)
{
	struct user_regs r = {.rip = code(st_syscall),
			      .rflags = 0x202,
			      .rax = 39,
			      .rbx = 0xb0b,
			      .rbp = 0xb9,
			      .r12 = 12,
			      .r13 = 13,
			      .r14 = 14,
			      .r15 = 15,
			      .rdi = 0xd1,
			      .rsi = 0x51,
			      .rdx = 0xd,
			      .r10 = 10,
			      .r8 = 8,
			      .r9 = 9,
			      .rsp = DATA_VA + 0x800};
	t->regs = r;
	enum platform_event ev = run(t);
	CHECK(t, ev == PLATFORM_SYSCALL && t->regs.orig_rax == 39, "syscall exit (nr %llu)",
	      (unsigned long long)t->regs.orig_rax);
	CHECK(t,
	      t->regs.rbx == 0xb0b && t->regs.rbp == 0xb9 && t->regs.r15 == 15 &&
		      t->regs.rdi == 0xd1 && t->regs.r10 == 10 && t->regs.r9 == 9 &&
		      t->regs.rsp == r.rsp && t->regs.rip == r.rip + 2,
	      "syscall sees every user register");
	const int n = 2000;
	bool ok = true;
	double t0 = now_us();
	for (int i = 0; i < n && ok; i++) {
		t->regs.rax = 1000 + i;
		ok = run(t) == PLATFORM_SYSCALL && t->regs.orig_rax == (u64)(1000 + i) &&
		     t->regs.rbx == 0xb0b;
	}
	double dt = now_us() - t0;
	CHECK(t, ok, "%d syscall round trips: %.2f us each", n, dt / n);
}

static void test_faults(struct st *t)
{
	t->regs = (struct user_regs){.rip = code(st_read), .rdi = DATA_VA + 0x10000};
	enum platform_event ev = run(t);
	CHECK(t,
	      ev == PLATFORM_FAULT && t->fault.addr == DATA_VA + 0x10000 && !t->fault.present &&
		      !t->fault.write && t->regs.rip == code(st_read),
	      "read of an unmapped page: #PF at %#llx", (unsigned long long)t->fault.addr);
	u64 pa = new_page(t, 0x1111);
	int ret = kvm_as_map(t->as, DATA_VA + 0x10000, pa, PLATFORM_PROT_READ);
	ev = run(t);
	CHECK(t, !ret && ev == PLATFORM_SYSCALL && t->regs.orig_rax == 0x1111,
	      "the faulting read retried after mapping");

	/* A page-table change must be seen by the guest (shadow paging). */
	u64 pb = new_page(t, 0x2222);
	ret = kvm_as_map(t->as, DATA_VA + 0x10000, pb, PLATFORM_PROT_READ);
	ev = run(t);
	CHECK(t, !ret && ev == PLATFORM_SYSCALL && t->regs.orig_rax == 0x2222,
	      "remapping a present page is seen at once (got %#llx)",
	      (unsigned long long)t->regs.orig_rax);
	kvm_as_unmap(t->as, DATA_VA + 0x10000, PAGE_SIZE);
	ev = run(t);
	CHECK(t, ev == PLATFORM_FAULT && t->fault.addr == DATA_VA + 0x10000,
	      "unmapping a present page faults the next read");

	t->regs = (struct user_regs){.rip = code(st_write), .rdi = DATA_VA + 0x10008, .rsi = 7};
	ret = kvm_as_map(t->as, DATA_VA + 0x10000, pb, PLATFORM_PROT_READ);
	ev = run(t);
	CHECK(t, !ret && ev == PLATFORM_FAULT && t->fault.present && t->fault.write,
	      "write to a read-only page: protection #PF");
	ret = kvm_as_map(t->as, DATA_VA + 0x10000, pb, RW);
	ev = run(t);
	CHECK(t, !ret && ev == PLATFORM_SYSCALL && ((u64 *)kvm_host_ptr(t->kp, pb))[1] == 7,
	      "the write retried after mprotect lands in the page");
	kvm_as_unmap(t->as, DATA_VA + 0x10000, PAGE_SIZE);
	t->kp->mem.free_frame(t->kp->mem.opaque, pa);
	t->kp->mem.free_frame(t->kp->mem.opaque, pb);
}

static void test_exceptions(struct st *t)
{
	t->regs = (struct user_regs){.rip = code(st_hlt)};
	enum platform_event ev = run(t);
	CHECK(t, ev == PLATFORM_EXCEPTION && t->fault.vector == 13 && t->regs.rip == code(st_hlt),
	      "hlt in ring 3: #GP (vector %u)", t->fault.vector);
	t->regs = (struct user_regs){.rip = code(st_hlt) + 1};
	ev = run(t);
	CHECK(t, ev == PLATFORM_EXCEPTION && t->fault.vector == 6, "ud2: #UD (vector %u)",
	      t->fault.vector);
	t->regs = (struct user_regs){.rip = code(st_int81), .rbx = 0x5a5a};
	ev = run(t);
	/* Hardware's error code names the gate: 0x81 * 8 + 2. QEMU's TCG says 0x81 * 16 + 2. */
	CHECK(t,
	      ev == PLATFORM_EXCEPTION && t->fault.vector == 13 &&
		      (t->fault.error_code == ((0x81 << 3) | 2) ||
		       t->fault.error_code == ((0x81 << 4) | 2)) &&
		      t->regs.rbx == 0x5a5a,
	      "int $0x81 from a program: #GP(%#x)", t->fault.error_code);
	t->regs = (struct user_regs){.rip = 0x7fff00000000ULL};
	ev = run(t);
	CHECK(t, ev == PLATFORM_FAULT && t->fault.exec && t->fault.addr == 0x7fff00000000ULL,
	      "jump to an unmapped address: instruction-fetch #PF");
	t->regs = (struct user_regs){.rip = R0_DIRECT_MAP + R0_PA_IMAGE};
	ev = run(t);
	CHECK(t, ev == PLATFORM_FAULT && t->fault.present && t->fault.exec,
	      "jump into ring0's code from ring 3: protection #PF");
}

static void test_fs(struct st *t)
{
	u64 pa = new_page(t, 0xf5f5);
	int ret = kvm_as_map(t->as, DATA_VA + 0x20000, pa, PLATFORM_PROT_READ);
	t->regs = (struct user_regs){.rip = code(st_fs), .fs_base = DATA_VA + 0x20000};
	enum platform_event ev = run(t);
	CHECK(t, !ret && ev == PLATFORM_SYSCALL && t->regs.orig_rax == 0xf5f5,
	      "FS base reaches the guest");
	kvm_as_unmap(t->as, DATA_VA + 0x20000, PAGE_SIZE);
	t->kp->mem.free_frame(t->kp->mem.opaque, pa);
	t->regs.fs_base = 0;
}

static void *kicker(void *arg)
{
	struct st *t = arg;
	usleep(100 * 1000);
	kvm_ctx_interrupt(t->ctx);
	return NULL;
}

static void test_interrupt(struct st *t)
{
	pthread_t th;
	t->regs = (struct user_regs){.rip = code(st_spin)};
	pthread_create(&th, NULL, kicker, t);
	enum platform_event ev = run(t);
	pthread_join(th, NULL);
	CHECK(t, ev == PLATFORM_INTERRUPTED && t->regs.rip == code(st_spin),
	      "a spinning vCPU is interrupted from another thread");
	kvm_ctx_clear_interrupt(t->ctx);
	t->regs = (struct user_regs){.rip = code(st_syscall), .rax = 60};
	ev = run(t);
	CHECK(t, ev == PLATFORM_SYSCALL && t->regs.orig_rax == 60, "and it runs again afterwards");
}

struct storm {
	struct st *t;
	int kicks;
	int done; /* atomic */
};

static void *storm_kicker(void *arg)
{
	struct storm *s = arg;
	for (int i = 0; i < s->kicks && !__atomic_load_n(&s->done, __ATOMIC_RELAXED); i++) {
		usleep((i * 37) % 400);
		kvm_ctx_interrupt(s->t->ctx);
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * Kicks landing at any point, including while the vCPU is inside ring0's
 * full return (every other resume goes through it here: the FS base
 * changes at every second syscall), must neither hang nor lose the
 * guest's state. A kick that finds the frame armed waits for ring0 to
 * take it, so it is the direct sysretq resumes that report interrupts.
 */
static void test_interrupt_storm(struct st *t)
{
	struct storm s = {.t = t, .kicks = 300};
	pthread_t th;
	int syscalls = 0, interrupts = 0, bad = 0;

	t->regs = (struct user_regs){.rip = code(st_syscall), .rax = 1, .rbx = 0x5707};
	pthread_create(&th, NULL, storm_kicker, &s);
	while (!__atomic_load_n(&s.done, __ATOMIC_RELAXED) && !bad) {
		enum platform_event ev = run(t);
		if (ev == PLATFORM_INTERRUPTED) {
			interrupts++;
			kvm_ctx_clear_interrupt(t->ctx);
		} else if (ev == PLATFORM_SYSCALL && t->regs.orig_rax == (u64)syscalls + 1) {
			t->regs.rax = ++syscalls + 1;
			t->regs.fs_base = (syscalls & 2) ? DATA_VA : 0;
		} else {
			bad = 1;
		}
		if (t->regs.rbx != 0x5707)
			bad = 1;
	}
	__atomic_store_n(&s.done, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	kvm_ctx_clear_interrupt(t->ctx);
	CHECK(t, !bad && interrupts > 0 && syscalls > 0,
	      "a storm of kicks, also inside ring0: %d interrupts, %d syscalls, state intact",
	      interrupts, syscalls);
	t->regs.fs_base = 0;
}

static int selftest_setup(struct st *t, u64 *code_pa, u64 *stack_pa)
{
	int ret = kvm_as_create(&t->kp->base, &t->as);
	if (ret)
		return ret;
	*code_pa = new_page(t, 0);
	*stack_pa = new_page(t, 0);
	if (!*code_pa || !*stack_pa)
		return -ENOMEM;
	memcpy(kvm_host_ptr(t->kp, *code_pa), st_user_start, st_end - st_user_start);
	ret = kvm_as_map(t->as, CODE_VA, *code_pa, PLATFORM_PROT_READ | PLATFORM_PROT_EXEC);
	if (!ret)
		ret = kvm_as_map(t->as, DATA_VA, *stack_pa, RW);
	if (!ret)
		ret = kvm_ctx_create(&t->kp->base, &t->ctx);
	return ret;
}

int platform_kvm_selftest(const struct platform_config *cfg)
{
	struct platform *p;
	struct st t = {0};
	u64 code_pa = 0, stack_pa = 0;

	int ret = platform_kvm_create(cfg, &p);
	if (ret)
		return 1;
	t.kp = container_of(p, struct kvm_platform, base);
	printf("selftest: kvm platform, syscall entry: %s\n",
	       t.kp->entry == ENTRY_RING0_LSTAR ? "ring0 (LSTAR)" : "ring3 trampoline");
	ret = selftest_setup(&t, &code_pa, &stack_pa);
	if (ret) {
		printf("selftest: setup failed: %s\n", strerror(-ret));
		t.failures++;
	} else {
		test_syscall(&t);
		test_faults(&t);
		test_exceptions(&t);
		test_fs(&t);
		test_interrupt(&t);
		test_interrupt_storm(&t);
	}
	kvm_ctx_destroy(t.ctx);
	kvm_as_destroy(t.as);
	if (code_pa)
		t.kp->mem.free_frame(t.kp->mem.opaque, code_pa);
	if (stack_pa)
		t.kp->mem.free_frame(t.kp->mem.opaque, stack_pa);
	platform_destroy(p);
	printf("selftest: %s (%d failures)\n", t.failures ? "FAIL" : "PASS", t.failures);
	return t.failures ? 1 : 0;
}
