// SPDX-License-Identifier: Apache-2.0
/*
 * x86-64 4-level page tables for guest address spaces.
 *
 * The Sentry owns the tables and keeps its own view of them current, but a
 * store it makes is not seen by a guest whose MMU shadows the tables
 * (kvm_pvm, or hardware KVM without NPT/EPT). So a store is also queued as
 * (ring0 address, value) and ring0 repeats it from inside the guest before
 * user code runs again (ring0_full_return) -- or, for a table that is new
 * or takes many stores at once, one store is queued that makes such a KVM
 * forget its shadow of the table (pt_forget_shadow). Under NPT/EPT the
 * repeat is redundant but harmless; the flush it carries is needed anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>

#include "kvm_internal.h"
#include "lib/log.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define USER_TOP (1ULL << 47)

static unsigned pt_index(u64 va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* The shared upper half: direct map of the memory file and the trampoline. */
int kvm_upper_half_build(struct kvm_platform *kp)
{
	u64 gib = (kp->mem.size + (1ULL << 30) - 1) >> 30;
	u64 next = R0_PA_PT;
	u64 pml4 = next, pdpt = next + PAGE_SIZE, pd = next + 2 * PAGE_SIZE;

	next = pd + gib * PAGE_SIZE;
	u64 t_pdpt = next, t_pd = next + PAGE_SIZE, t_pt = next + 2 * PAGE_SIZE;
	if (t_pt + PAGE_SIZE > R0_PA_VCPU || gib > 512) {
		pr_err("kvm: guest memory of %llu GiB is too large", (unsigned long long)gib);
		return -E2BIG;
	}
	/* Host stores are fine here: the guest has never run. */
	u64 *pdpte = kvm_host_ptr(kp, pdpt);
	for (u64 g = 0; g < gib; g++) {
		u64 *pde = kvm_host_ptr(kp, pd + g * PAGE_SIZE);
		pdpte[g] = (pd + g * PAGE_SIZE) | PTE_P | PTE_W;
		for (u64 i = 0; i < 512; i++) {
			u64 pa = (g << 30) | (i << 21);
			if (pa >= kp->mem.size)
				break;
			/* Only the chunk holding the ring0 image is executable. */
			u64 nx = pa == ALIGN_DOWN(R0_PA_IMAGE, 1ULL << 21) ? 0 : PTE_NX;
			pde[i] = pa | PTE_P | PTE_W | PTE_PS | nx;
		}
	}
	u64 tramp_va = R0_TRAMP_VA;
	((u64 *)kvm_host_ptr(kp, t_pdpt))[pt_index(tramp_va, 2)] = t_pd | PTE_P | PTE_W | PTE_U;
	((u64 *)kvm_host_ptr(kp, t_pd))[pt_index(tramp_va, 1)] = t_pt | PTE_P | PTE_W | PTE_U;
	((u64 *)kvm_host_ptr(kp, t_pt))[pt_index(tramp_va, 0)] = R0_PA_TRAMP | PTE_P | PTE_U;

	memset(kp->pml4_upper, 0, sizeof(kp->pml4_upper));
	kp->pml4_upper[R0_PML4_DIRECT] = pdpt | PTE_P | PTE_W;
	kp->pml4_upper[R0_PML4_TRAMP] = t_pdpt | PTE_P | PTE_W | PTE_U;
	memcpy(kvm_host_ptr(kp, pml4), kp->pml4_upper, sizeof(kp->pml4_upper));
	kp->kernel_pml4_pa = pml4;
	return 0;
}

static struct kvm_as *to_kvm_as(struct platform_as *pas)
{
	return container_of(pas, struct kvm_as, base);
}

/* Queue a store for ring0 to replay at guest address va. */
static int queue_push(struct kvm_as *as, u64 va, u64 val)
{
	if (as->npending == as->cap) {
		size_t cap = as->cap ? as->cap * 2 : 64;
		struct pt_store *p = realloc(as->pending, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		as->pending = p;
		as->cap = cap;
	}
	as->pending[as->npending++] = (struct pt_store){va, val};
	return 0;
}

/*
 * Stores a table takes in one batch before a shadowing KVM is made to
 * forget it instead. A replayed store into a table KVM shadows is a write
 * KVM traps and emulates, about a VM exit (7-20 us on kvm_pvm); forgetting
 * costs one such write, and the guest's next accesses through the table
 * fault it back into the shadow, eight entries at a time. A fault-around
 * window, an munmap or fork's write-protecting of a range changes tens to
 * hundreds of entries of one table; a page fault changes one.
 */
#define PT_FORGET_AFTER 4

static struct pt_batch *batch_slot(struct kvm_as *as, u64 table_pa)
{
	struct pt_batch *b = &as->batch[(table_pa >> PAGE_SHIFT) % KVM_AS_BATCH];
	if (b->table != table_pa) {
		*b = (struct pt_batch){.table = table_pa};
		as->batch_used = true;
	}
	return b;
}

/* Drop the queued stores into table pa: our view already holds what they store. */
static void queue_drop_table(struct kvm_as *as, u64 table_pa)
{
	u64 lo = kvm_r0_va(table_pa), hi = lo + PAGE_SIZE;
	size_t n = 0;
	for (size_t i = 0; i < as->npending; i++)
		if (as->pending[i].va < lo || as->pending[i].va >= hi)
			as->pending[n++] = as->pending[i];
	as->npending = n;
}

/*
 * Make a shadowing MMU (kvm_pvm; KVM without EPT/NPT) forget table pa
 * once ring0 has replayed this batch, so that the guest's next walk reads
 * it afresh; until then, stores into it need no replay. A misaligned guest
 * write to a shadowed table makes KVM drop every shadow of it (mmu.c's
 * detect_write_misaligned): the store queued is ring0's atomic no-op OR at
 * byte 2, across two entries. With EPT/NPT it is a plain no-op.
 *
 * A new table needs it too: its frame may have been a table before, in an
 * address space now gone, freed and cleared by host writes KVM never sees.
 * KVM may still keep its shadow of that old table and would find it again
 * by frame number, and the guest would run on translations to frames long
 * given to others. A table in use may have stores queued from before: they
 * would replay old values over newer ones, and go.
 */
static int pt_forget_shadow(struct kvm_as *as, u64 table_pa, bool in_use)
{
	if (in_use)
		queue_drop_table(as, table_pa);
	int ret = queue_push(as, kvm_r0_va(table_pa) + 2, 0);
	if (!ret)
		batch_slot(as, table_pa)->forget = true;
	return ret;
}

/*
 * Store val at entry idx of table pa, in the Sentry's view and, unless the
 * table is to be forgotten (new, or changed much in this batch), in the
 * queue for ring0 to replay.
 */
static int pt_store(struct kvm_as *as, u64 table_pa, unsigned idx, u64 val)
{
	u64 *table = kvm_host_ptr(as->kp, table_pa);
	struct pt_batch *b = batch_slot(as, table_pa);
	int ret = 0;
	if (!b->forget && b->queued == PT_FORGET_AFTER)
		ret = pt_forget_shadow(as, table_pa, true);
	else if (!b->forget && !(ret = queue_push(as, kvm_r0_va(table_pa) + idx * 8, val)))
		b->queued++;
	if (ret)
		return ret;
	if (table[idx] & PTE_P)
		as->flush_gen++;
	table[idx] = val;
	return 0;
}

/*
 * A frame for a new table: one that was a table before if there is one
 * (zeroed here, by a host write KVM does not see: the caller makes a
 * shadowing KVM forget the frame), else a fresh zeroed one.
 */
static int pt_frame_get(struct kvm_platform *kp, u64 *pa)
{
	pthread_mutex_lock(&kp->pt_lock);
	bool reuse = kp->npt_free > 0;
	if (reuse)
		*pa = kp->pt_free[--kp->npt_free];
	pthread_mutex_unlock(&kp->pt_lock);
	if (!reuse)
		return kp->mem.alloc_frame(kp->mem.opaque, pa);
	memset(kvm_host_ptr(kp, *pa), 0, PAGE_SIZE);
	return 0;
}

/*
 * A table is freed: keep its frame for tables. A shadowing KVM (kvm_pvm,
 * EPT/NPT off) may keep a shadow of it and write-protect it long after,
 * and given to guest memory it would trap the guest's writes into KVM's
 * instruction emulator, which on kvm_pvm gives up on some of them (a
 * `rep stos` into a fresh page: KVM_EXIT_INTERNAL_ERROR, the sandbox
 * dies). As a table again, pt_forget_shadow makes KVM drop that shadow.
 * The pool only grows to the most tables the sandbox ever had at once.
 */
static void pt_frame_put(struct kvm_platform *kp, u64 pa)
{
	pthread_mutex_lock(&kp->pt_lock);
	if (kp->npt_free == kp->pt_free_cap) {
		size_t cap = kp->pt_free_cap ? 2 * kp->pt_free_cap : 64;
		u64 *a = realloc(kp->pt_free, cap * sizeof(*a));
		if (!a) { /* out of memory: leak the frame rather than risk the guest */
			pthread_mutex_unlock(&kp->pt_lock);
			pr_warn_ratelimited("kvm: page-table frame pool full: a frame leaks");
			return;
		}
		kp->pt_free = a;
		kp->pt_free_cap = cap;
	}
	kp->pt_free[kp->npt_free++] = pa;
	pthread_mutex_unlock(&kp->pt_lock);
}

int kvm_as_create(struct platform *p, struct platform_as **out)
{
	struct kvm_platform *kp = container_of(p, struct kvm_platform, base);
	struct kvm_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->base.p = p;
	as->kp = kp;
	pthread_mutex_init(&as->lock, NULL);
	int ret = pt_frame_get(kp, &as->pml4_pa);
	if (ret) {
		free(as);
		return ret;
	}
	ret = pt_forget_shadow(as, as->pml4_pa, false);
	for (unsigned i = 256; i < 512 && !ret; i++)
		if (kp->pml4_upper[i])
			ret = pt_store(as, as->pml4_pa, i, kp->pml4_upper[i]);
	if (ret) {
		kvm_as_destroy(&as->base);
		return ret;
	}
	*out = &as->base;
	return 0;
}

static void pt_free_level(struct kvm_as *as, u64 table_pa, int level)
{
	u64 *table = kvm_host_ptr(as->kp, table_pa);
	unsigned end = level == 3 ? 256 : 512;
	for (unsigned i = 0; i < end && level > 0; i++)
		if (table[i] & PTE_P)
			pt_free_level(as, table[i] & PTE_ADDR, level - 1);
	pt_frame_put(as->kp, table_pa);
}

static void as_free(struct kvm_as *as)
{
	if (as->pml4_pa)
		pt_free_level(as, as->pml4_pa, 3);
	free(as->pending);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

/* Point an idle vCPU's CR3 at the kernel-only tables. Caller owns v or holds kp->lock with v idle. */
static int vcpu_forget_cr3(struct kvm_vcpu *v)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return kvm_ioctl_error("KVM_GET_SREGS");
	s.cr3 = v->kp->kernel_pml4_pa;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return kvm_ioctl_error("KVM_SET_SREGS");
	return 0;
}

void kvm_vcpu_reap_dead_as(struct kvm_vcpu *v)
{
	struct kvm_platform *kp = v->kp;
	pthread_mutex_lock(&kp->lock);
	struct kvm_as *dead = v->dead_as;
	v->dead_as = NULL;
	v->prev_as = NULL;
	pthread_mutex_unlock(&kp->lock);
	if (!dead)
		return;
	/* The next entry must go through ring0 and load a live CR3 again. */
	if (vcpu_forget_cr3(v))
		v->state = VCPU_BROKEN;
	v->cur_as = NULL;
	while (dead) {
		struct kvm_as *next = dead->next_dead;
		as_free(dead);
		dead = next;
	}
}

void kvm_vcpu_set_as(struct kvm_vcpu *v, struct kvm_as *as)
{
	pthread_mutex_lock(&v->kp->lock);
	v->prev_as = v->cur_as;
	v->cur_as = as;
	pthread_mutex_unlock(&v->kp->lock);
}

void kvm_as_destroy(struct platform_as *pas)
{
	if (!pas)
		return;
	struct kvm_as *as = to_kvm_as(pas);
	struct kvm_platform *kp = as->kp;
	bool deferred = false;

	/*
	 * A vCPU may still have this as's CR3 loaded, and resume through
	 * ring0 code running under it: the tables must outlive that. That
	 * includes a vCPU already switching away from it (prev_as), whose
	 * ring0 runs under the old CR3 until it loads the new one. An idle
	 * vCPU gets the kernel tables now; a busy one (its owner may be
	 * entering ring0 right now) frees them before its next entry.
	 */
	pthread_mutex_lock(&kp->lock);
	for (unsigned i = 0; i < kp->nvcpus; i++) {
		struct kvm_vcpu *v = kp->vcpus[i];
		if (v->cur_as != as && v->prev_as != as)
			continue;
		if (v->prev_as == as)
			v->prev_as = NULL;
		if (v->busy) {
			if (v->cur_as == as)
				v->cur_as = NULL;
			if (!deferred) {
				as->next_dead = v->dead_as;
				v->dead_as = as;
				deferred = true;
			}
		} else {
			v->cur_as = NULL; /* CR3 is the kernel's now */
			if (vcpu_forget_cr3(v))
				v->state = VCPU_BROKEN;
		}
	}
	pthread_mutex_unlock(&kp->lock);
	if (!deferred)
		as_free(as);
}

/* Walk to the last-level table for va, creating tables if create. */
static int pt_walk(struct kvm_as *as, u64 va, bool create, u64 *pt_pa)
{
	u64 table = as->pml4_pa;
	for (int level = 3; level > 0; level--) {
		u64 *t = kvm_host_ptr(as->kp, table);
		unsigned idx = pt_index(va, level);
		if (!(t[idx] & PTE_P)) {
			if (!create)
				return -ENOENT;
			u64 pa;
			int ret = pt_frame_get(as->kp, &pa);
			if (ret)
				return ret;
			ret = pt_forget_shadow(as, pa, false);
			/* Permissions live in the leaves; upper levels allow all. */
			if (!ret)
				ret = pt_store(as, table, idx, pa | PTE_P | PTE_W | PTE_U | PTE_A);
			if (ret) {
				pt_frame_put(as->kp, pa);
				return ret;
			}
		}
		table = t[idx] & PTE_ADDR;
	}
	*pt_pa = table;
	return 0;
}

int kvm_as_peek_user(struct kvm_as *as, u64 va)
{
	u64 pt;
	int ret = -1;

	if (va >= USER_TOP)
		return -1;
	pthread_mutex_lock(&as->lock);
	if (!pt_walk(as, va, false, &pt)) {
		u64 pte = ((u64 *)kvm_host_ptr(as->kp, pt))[pt_index(va, 0)];
		if ((pte & (PTE_P | PTE_U)) == (PTE_P | PTE_U))
			ret = *((u8 *)kvm_host_ptr(as->kp, pte & PTE_ADDR) +
				(va & (PAGE_SIZE - 1)));
	}
	pthread_mutex_unlock(&as->lock);
	return ret;
}

int kvm_as_map(struct platform_as *pas, u64 va, u64 pa, u32 prot)
{
	struct kvm_as *as = to_kvm_as(pas);
	u64 pt;

	if (va >= USER_TOP || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    pa < R0_RESERVED || pa >= as->kp->mem.size || !prot)
		return -EINVAL;
	/*
	 * Accessed, and dirty if writable, from the start: nothing reads the
	 * bits, and a shadowing KVM would otherwise fault once more to set
	 * them in the guest's table (a write after a read, twice) and would
	 * not prefetch the neighbours of a faulting entry whose accessed bit
	 * is clear.
	 */
	u64 pte = pa | PTE_P | PTE_U | PTE_A;
	if (prot & PLATFORM_PROT_WRITE)
		pte |= PTE_W | PTE_D;
	if (!(prot & PLATFORM_PROT_EXEC))
		pte |= PTE_NX;
	pthread_mutex_lock(&as->lock);
	u64 gen = as->flush_gen;
	int ret = pt_walk(as, va, true, &pt);
	if (!ret)
		ret = pt_store(as, pt, pt_index(va, 0), pte);
	bool changed = as->flush_gen != gen;
	pthread_mutex_unlock(&as->lock);
	if (changed)
		kvm_as_shootdown(as);
	return ret;
}

void kvm_as_unmap(struct platform_as *pas, u64 va, u64 len)
{
	struct kvm_as *as = to_kvm_as(pas);
	u64 end = va + len;

	if (end > USER_TOP || end < va)
		end = USER_TOP;
	pthread_mutex_lock(&as->lock);
	u64 gen = as->flush_gen;
	for (va = ALIGN_DOWN(va, PAGE_SIZE); va < end;) {
		u64 pt;
		if (pt_walk(as, va, false, &pt)) {
			/* No last-level table here: skip to the next 2 MiB. */
			va = ALIGN_DOWN(va, 1ULL << 21) + (1ULL << 21);
			continue;
		}
		u64 *t = kvm_host_ptr(as->kp, pt);
		unsigned idx = pt_index(va, 0);
		if ((t[idx] & PTE_P) && pt_store(as, pt, idx, 0)) {
			/*
			 * Out of memory for the queue: clear our view anyway and
			 * force a full reload so the stale entry cannot survive.
			 */
			t[idx] = 0;
			as->flush_gen++;
			pr_warn_ratelimited("kvm: page-table queue allocation failed");
		}
		va += PAGE_SIZE;
	}
	bool changed = as->flush_gen != gen;
	pthread_mutex_unlock(&as->lock);
	if (changed)
		kvm_as_shootdown(as);
}

bool kvm_as_drain(struct kvm_as *as, struct kvm_vcpu *v)
{
	pthread_mutex_lock(&as->lock);
	/* From here the guest may walk every table linked so far. */
	if (as->batch_used) {
		memset(as->batch, 0, sizeof(as->batch));
		as->batch_used = false;
	}
	size_t room = R0_QUEUE_MAX - v->frame->queue_len;
	size_t n = MIN(room, as->npending);
	memcpy(&v->queue[v->frame->queue_len], as->pending, n * sizeof(*as->pending));
	v->frame->queue_len += n;
	memmove(as->pending, as->pending + n, (as->npending - n) * sizeof(*as->pending));
	as->npending -= n;
	bool more = as->npending > 0;
	if (v->flushed_gen != as->flush_gen || v->cur_as != as) {
		v->frame->cr3 = as->pml4_pa;
		v->armed_gen = as->flush_gen;
	}
	if (!more)
		v->flushed_gen = as->flush_gen;
	pthread_mutex_unlock(&as->lock);
	return more;
}
