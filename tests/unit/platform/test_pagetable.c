// SPDX-License-Identifier: Apache-2.0
/*
 * The KVM platform's page-table builder, on a plain buffer standing in for
 * the memory file: entries, permissions, the store queue ring0 replays,
 * and flush decisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform/kvm/kvm_internal.h"

#define MEM (R0_RESERVED + (64ULL << 20))
#define PTE_P 1ULL
#define PTE_W 2ULL
#define PTE_U 4ULL
#define PTE_NX (1ULL << 63)
#define ADDR 0x000ffffffffff000ULL

struct fake {
	u8 *mem;
	u64 next;
	int frees;
};

static int fake_alloc(void *opaque, u64 *pa)
{
	struct fake *f = opaque;
	if (f->next >= MEM)
		return -ENOMEM;
	*pa = f->next;
	f->next += PAGE_SIZE;
	return 0;
}

static void fake_free(void *opaque, u64 pa)
{
	((struct fake *)opaque)->frees++;
}

static struct kvm_platform *setup(struct fake *f)
{
	f->mem = calloc(1, MEM);
	f->next = R0_RESERVED;
	struct kvm_platform *kp = calloc(1, sizeof(*kp));
	kp->base.ops = &kvm_platform_ops;
	kp->mem = (struct platform_memory){.fd = -1,
					   .host = f->mem,
					   .size = MEM,
					   .alloc_frame = fake_alloc,
					   .free_frame = fake_free,
					   .opaque = f};
	pthread_mutex_init(&kp->lock, NULL);
	assert_int_equal(kvm_upper_half_build(kp), 0);
	return kp;
}

static void teardown_kp(struct kvm_platform *kp)
{
	free(kp->pt_free);
	free(kp);
}

static u64 walk(struct kvm_platform *kp, struct kvm_as *as, u64 va)
{
	u64 t = as->pml4_pa;
	for (int level = 3; level >= 0; level--) {
		u64 e = ((u64 *)(kp->mem.host + t))[(va >> (12 + 9 * level)) & 511];
		if (level == 0 || !(e & PTE_P))
			return e;
		t = e & ADDR;
	}
	return 0;
}

/* The last-level table that holds va's entry. */
static u64 walk_table(struct kvm_platform *kp, struct kvm_as *as, u64 va)
{
	u64 t = as->pml4_pa;
	for (int level = 3; level > 0; level--)
		t = ((u64 *)(kp->mem.host + t))[(va >> (12 + 9 * level)) & 511] & ADDR;
	return t;
}

/* A platform on the fake memory, one address space, and a vCPU to drain it into. */
struct env {
	struct fake f;
	struct kvm_platform *kp;
	struct platform_as *pas;
	struct kvm_as *as;
	struct ring0_frame frame;
	struct kvm_vcpu v;
};

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	e->kp = setup(&e->f);
	assert_int_equal(kvm_as_create(&e->kp->base, &e->pas), 0);
	e->as = container_of(e->pas, struct kvm_as, base);
	e->v = (struct kvm_vcpu){.frame = &e->frame,
				 .queue = calloc(R0_QUEUE_MAX, sizeof(struct pt_store)),
				 .kp = e->kp};
	assert_non_null(e->v.queue);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	free(e->v.queue);
	kvm_as_destroy(e->pas);
	teardown_kp(e->kp);
	free(e->f.mem);
	free(e);
	return 0;
}

static void test_pagetable_upper_half_shared(void **state)
{
	struct fake f;
	struct kvm_platform *kp = setup(&f);
	/* The direct map covers all memory with supervisor 2 MiB pages. */
	u64 pdpt = kp->pml4_upper[R0_PML4_DIRECT] & ADDR;
	assert_true(kp->pml4_upper[R0_PML4_DIRECT] & PTE_P);
	assert_false(kp->pml4_upper[R0_PML4_DIRECT] & PTE_U);
	u64 pd = ((u64 *)(f.mem + pdpt))[0] & ADDR;
	u64 e0 = ((u64 *)(f.mem + pd))[0], e1 = ((u64 *)(f.mem + pd))[1];
	assert_int_equal(e0 & ADDR, 0);
	assert_false(e0 & PTE_NX); /* ring0's image is executable */
	assert_true(e1 & PTE_NX);  /* nothing else is */
	assert_int_equal(e1 & ADDR, 2ULL << 20);

	struct platform_as *pas;
	assert_int_equal(kvm_as_create(&kp->base, &pas), 0);
	struct kvm_as *as = container_of(pas, struct kvm_as, base);
	u64 *pml4 = (u64 *)(f.mem + as->pml4_pa);
	assert_memory_equal(pml4 + 256, kp->pml4_upper + 256, 256 * 8);
	/*
	 * A new table is fresh: one store makes a shadowing KVM forget any old
	 * shadow of its frame (misaligned: byte 2), and its entries need no
	 * replay, since no vCPU can have walked it yet.
	 */
	assert_int_equal(as->npending, 1);
	assert_int_equal(as->pending[0].va, kvm_r0_va(as->pml4_pa) + 2);
	kvm_as_destroy(pas);
	teardown_kp(kp);
	free(f.mem);
}

static void test_pagetable_map_permissions_and_queue(void **state)
{
	struct env *e = *state;
	struct kvm_platform *kp = e->kp;
	struct platform_as *pas = e->pas;
	struct kvm_as *as = e->as;
	struct ring0_frame *frame = &e->frame;
	assert_false(kvm_as_drain(as, &e->v)); /* it ran: its PML4 is no longer fresh */

	u64 va = 0x7f0000001000ULL, pa = R0_RESERVED + (32ULL << 20);
	assert_int_equal(kvm_as_map(pas, va, pa, PLATFORM_PROT_READ), 0);
	u64 pte = walk(kp, as, va);
	assert_int_equal(pte & ADDR, pa);
	assert_true((pte & (PTE_P | PTE_U)) == (PTE_P | PTE_U));
	assert_false(pte & PTE_W);
	assert_true(pte & PTE_NX);
	/*
	 * Three new tables: each one "forget" store, and only the store that
	 * links the first into the PML4 the guest may already walk; the links
	 * inside the new tables and the leaf are not replayed.
	 */
	u64 pml4e = ((u64 *)(e->f.mem + as->pml4_pa))[(va >> 39) & 511];
	u64 pdpt = pml4e & ADDR;
	u64 pd = ((u64 *)(e->f.mem + pdpt))[(va >> 30) & 511] & ADDR;
	u64 pt = ((u64 *)(e->f.mem + pd))[(va >> 21) & 511] & ADDR;
	assert_int_equal(as->npending, 4);
	assert_int_equal(as->pending[0].va, kvm_r0_va(pdpt) + 2);
	assert_int_equal(as->pending[1].va, kvm_r0_va(as->pml4_pa) + ((va >> 39) & 511) * 8);
	assert_int_equal(as->pending[1].val, pml4e);
	assert_int_equal(as->pending[2].va, kvm_r0_va(pd) + 2);
	assert_int_equal(as->pending[3].va, kvm_r0_va(pt) + 2);
	assert_false(kvm_as_drain(as, &e->v));
	frame->queue_len = 0; /* ring0 applied it */

	/* Once the guest may walk them, every store is replayed, at its ring0 address. */
	assert_int_equal(kvm_as_map(pas, va + PAGE_SIZE, pa, PLATFORM_PROT_READ), 0);
	assert_int_equal(as->npending, 1);
	u64 r0 = as->pending[0].va;
	assert_true(r0 >= R0_DIRECT_MAP && r0 < R0_DIRECT_MAP + MEM);
	assert_int_equal(*(u64 *)(e->f.mem + (r0 - R0_DIRECT_MAP)), as->pending[0].val);
	assert_int_equal(as->pending[0].val, walk(kp, as, va + PAGE_SIZE));
	u64 gen = as->flush_gen;

	assert_int_equal(kvm_as_map(pas, va, pa,
				    PLATFORM_PROT_READ | PLATFORM_PROT_WRITE | PLATFORM_PROT_EXEC),
			 0);
	pte = walk(kp, as, va);
	assert_true(pte & PTE_W);
	assert_false(pte & PTE_NX);
	/* not-present -> present needs no flush; changing a present entry does */
	assert_int_equal(as->flush_gen, gen + 1);

	kvm_as_unmap(pas, va, PAGE_SIZE);
	assert_false(walk(kp, as, va) & PTE_P);

	/* Bad arguments. */
	assert_int_equal(kvm_as_map(pas, 1ULL << 47, pa, PLATFORM_PROT_READ), -EINVAL);
	assert_int_equal(kvm_as_map(pas, va + 1, pa, PLATFORM_PROT_READ), -EINVAL);
	assert_int_equal(kvm_as_map(pas, va, 0x1000, PLATFORM_PROT_READ), -EINVAL);
}

/*
 * A table that cannot be allocated (the memory file is full) fails the
 * map with -ENOMEM, which the fault path gives the OOM killer: the
 * tables made before it stay, empty, nothing is mapped, and the same map
 * succeeds once memory is back.
 */
static void test_pagetable_full_memory(void **state)
{
	struct env *e = *state;
	assert_false(kvm_as_drain(e->as, &e->v));
	u64 va = 0x7f0000001000ULL, pa = R0_RESERVED + (32ULL << 20);
	u64 next = e->f.next;
	e->f.next = MEM - PAGE_SIZE; /* room for one of the three tables */
	assert_int_equal(kvm_as_map(e->pas, va, pa, PLATFORM_PROT_READ), -ENOMEM);
	assert_false(walk(e->kp, e->as, va) & PTE_P);
	e->f.next = next;
	assert_int_equal(kvm_as_map(e->pas, va, pa, PLATFORM_PROT_READ), 0);
	assert_int_equal(walk(e->kp, e->as, va) & ADDR, pa);
	assert_int_equal(e->f.frees, 0);
}

static void test_pagetable_drain_in_batches(void **state)
{
	struct env *e = *state;
	struct platform_as *pas = e->pas;
	struct kvm_as *as = e->as;
	struct ring0_frame *frame = &e->frame;
	u64 pa = R0_RESERVED + (32ULL << 20);

	/*
	 * Built, and run once: from then on a store is replayed, one per
	 * last-level table here (one page per 2 MiB), so that none is
	 * forgotten instead.
	 */
	for (u64 i = 0; i < R0_QUEUE_MAX + 100; i++)
		assert_int_equal(kvm_as_map(pas, 0x400000 + (i << 21), pa, PLATFORM_PROT_READ), 0);
	while (kvm_as_drain(as, &e->v)) /* a "forget" store per new table */
		frame->queue_len = 0;
	assert_int_equal(frame->cr3, as->pml4_pa); /* new address space: load CR3 */
	*frame = (struct ring0_frame){0};
	for (u64 i = 0; i < R0_QUEUE_MAX + 100; i++)
		assert_int_equal(kvm_as_map(pas, 0x400000 + (i << 21), pa,
					    PLATFORM_PROT_READ | PLATFORM_PROT_WRITE),
				 0);
	size_t total = as->npending;
	assert_int_equal(total, R0_QUEUE_MAX + 100);

	assert_true(kvm_as_drain(as, &e->v)); /* more to come */
	assert_int_equal(frame->queue_len, R0_QUEUE_MAX);
	frame->queue_len = 0; /* ring0 applied it */
	assert_false(kvm_as_drain(as, &e->v));
	assert_int_equal(frame->queue_len, total - R0_QUEUE_MAX);
	assert_int_equal(as->npending, 0);
}

/*
 * Many stores into one table the guest may walk: the first few are
 * replayed, then the table is forgotten by a shadowing KVM instead (one
 * misaligned store), the stores queued for it before are dropped (they
 * would replay old values over newer ones), and the rest need no replay.
 * Another table's stores stay; after the drain the count starts over.
 */
static void test_pagetable_forget_a_busy_table(void **state)
{
	struct env *e = *state;
	struct kvm_platform *kp = e->kp;
	struct platform_as *pas = e->pas;
	struct kvm_as *as = e->as;
	struct ring0_frame *frame = &e->frame;
	u64 va = 0x400000, other = 0x800000, pa = R0_RESERVED + (32ULL << 20);

	assert_int_equal(kvm_as_map(pas, va, pa, PLATFORM_PROT_READ), 0);
	assert_int_equal(kvm_as_map(pas, other, pa, PLATFORM_PROT_READ), 0);
	assert_false(kvm_as_drain(as, &e->v));
	*frame = (struct ring0_frame){0};
	u64 pt = walk_table(kp, as, va), other_pt = walk_table(kp, as, other);
	assert_true(pt != other_pt);

	assert_int_equal(kvm_as_map(pas, va, pa, PLATFORM_PROT_READ | PLATFORM_PROT_WRITE), 0);
	assert_int_equal(kvm_as_map(pas, other, pa, PLATFORM_PROT_READ | PLATFORM_PROT_WRITE), 0);
	for (u64 i = 1; i < 4; i++)
		assert_int_equal(kvm_as_map(pas, va + i * PAGE_SIZE, pa, PLATFORM_PROT_READ), 0);
	assert_int_equal(as->npending, 5); /* four into pt, one into other_pt */
	for (u64 i = 4; i < 16; i++)
		assert_int_equal(kvm_as_map(pas, va + i * PAGE_SIZE, pa, PLATFORM_PROT_READ), 0);
	assert_int_equal(as->npending, 2);
	assert_int_equal(as->pending[0].va, kvm_r0_va(other_pt) + ((other >> 12) & 511) * 8);
	assert_int_equal(as->pending[1].va, kvm_r0_va(pt) + 2);
	for (u64 i = 0; i < 16; i++)
		assert_true(walk(kp, as, va + i * PAGE_SIZE) & PTE_P); /* our view has them all */
	assert_true(walk(kp, as, va) & PTE_W);

	assert_false(kvm_as_drain(as, &e->v));
	assert_int_equal(frame->queue_len, 2);
	frame->queue_len = 0;
	kvm_as_unmap(pas, va, PAGE_SIZE);
	assert_int_equal(as->npending, 1);
	assert_int_equal(as->pending[0].va, kvm_r0_va(pt) + ((va >> 12) & 511) * 8);
	assert_int_equal(as->pending[0].val, 0);
}

/*
 * A flush is owed by every vCPU that has the address space loaded, not
 * only by the one that applies the stores (threads on their own vCPUs).
 */
static void test_pagetable_flush_reaches_every_vcpu(void **state)
{
	struct fake f;
	struct kvm_platform *kp = setup(&f);
	struct platform_as *pas;
	assert_int_equal(kvm_as_create(&kp->base, &pas), 0);
	struct kvm_as *as = container_of(pas, struct kvm_as, base);
	u64 va = 0x400000, pa = R0_RESERVED + (32ULL << 20);
	assert_int_equal(kvm_as_map(pas, va, pa, PLATFORM_PROT_READ | PLATFORM_PROT_WRITE), 0);

	struct ring0_frame fa = {0}, fb = {0};
	struct pt_store *qa = calloc(R0_QUEUE_MAX, sizeof(*qa));
	struct pt_store *qb = calloc(R0_QUEUE_MAX, sizeof(*qb));
	struct kvm_vcpu a = {.frame = &fa, .queue = qa, .kp = kp, .cur_as = as};
	struct kvm_vcpu b = {.frame = &fb, .queue = qb, .kp = kp, .cur_as = as};
	assert_false(kvm_as_drain(as, &a));
	assert_false(kvm_as_drain(as, &b));
	fa.cr3 = fb.cr3 = 0; /* both loaded the tables */

	assert_int_equal(kvm_as_map(pas, va, pa, PLATFORM_PROT_READ), 0); /* write-protect */
	assert_false(kvm_as_drain(as, &a));
	assert_int_equal(fa.cr3, as->pml4_pa); /* a applies the store and flushes */
	assert_int_equal(as->npending, 0);
	assert_false(kvm_as_drain(as, &b));
	assert_int_equal(fb.queue_len, 0);     /* nothing left to store for b... */
	assert_int_equal(fb.cr3, as->pml4_pa); /* ...but its TLB must go too */
	fa.cr3 = fb.cr3 = 0;
	assert_false(kvm_as_drain(as, &b));
	assert_int_equal(fb.cr3, 0); /* and only once */

	free(qa);
	free(qb);
	kvm_as_destroy(pas);
	teardown_kp(kp);
	free(f.mem);
}

/*
 * Table frames stay tables: a shadowing KVM may write-protect a freed one
 * long after, and guest data there would trap into its emulator. A new
 * address space takes them back, zeroed, with a store making KVM forget
 * the old shadow; the memory file's allocator sees neither the free nor a
 * new allocation.
 */
static void test_pagetable_table_frames_stay_tables(void **state)
{
	struct fake f = {0};
	struct kvm_platform *kp = setup(&f);
	struct platform_as *pas;

	assert_int_equal(kvm_as_create(&kp->base, &pas), 0);
	assert_int_equal(kvm_as_map(pas, 0x400000, R0_RESERVED, PLATFORM_PROT_READ), 0);
	u64 used = f.next;
	struct kvm_as *as = container_of(pas, struct kvm_as, base);
	u64 old_table = walk_table(kp, as, 0x400000);
	kvm_as_destroy(pas);
	assert_int_equal(f.frees, 0);
	assert_int_equal(kp->npt_free, 4); /* PML4, PDPT, PD, PT */

	assert_int_equal(kvm_as_create(&kp->base, &pas), 0);
	assert_int_equal(kvm_as_map(pas, 0x400000, R0_RESERVED, PLATFORM_PROT_READ), 0);
	as = container_of(pas, struct kvm_as, base);
	assert_int_equal(f.next, used); /* nothing new from the allocator */
	assert_int_equal(kp->npt_free, 0);
	u64 table = walk_table(kp, as, 0x400000);
	bool reused = table == old_table || as->pml4_pa == old_table;
	assert_true(reused);
	/* Each reused frame was zeroed but for what this as stored, and forgotten. */
	u64 *pt = (u64 *)(f.mem + table);
	for (unsigned i = 0; i < 512; i++)
		if (i != ((0x400000 >> 12) & 511))
			assert_int_equal(pt[i], 0);
	bool forgotten = false;
	for (size_t i = 0; i < as->npending; i++)
		forgotten |= as->pending[i].va == kvm_r0_va(table) + 2;
	assert_true(forgotten);
	kvm_as_destroy(pas);
	teardown_kp(kp);
	free(f.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pagetable_upper_half_shared),
		cmocka_unit_test(test_pagetable_table_frames_stay_tables),
		cmocka_unit_test_setup_teardown(test_pagetable_map_permissions_and_queue, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_pagetable_full_memory, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_pagetable_drain_in_batches, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(test_pagetable_forget_a_busy_table, env_setup,
						env_teardown),
		cmocka_unit_test(test_pagetable_flush_reaches_every_vcpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
