// SPDX-License-Identifier: Apache-2.0
/*
 * Address spaces: creation, demand paging (of anonymous memory, with stack
 * growth below MAP_GROWSDOWN VMAs, copy-on-write after fork, shared
 * objects behind MAP_SHARED, and private copies of file pages), and the
 * counters that the resource limits are checked against.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mm.h"
#include "mm_internal.h"
#include "shmem.h"

/* Below the stack and its guard gap, as Linux places mmap_base without ASLR. */
#define MMAP_BASE 0x7ffff7fff000ULL
/*
 * Pages populated around a fault in fresh memory (Linux's 64 KiB
 * fault_around_bytes): a VM exit costs far more than zeroing or reading
 * the neighbours, and a library ld.so maps is read sequentially.
 */
#define FAULT_AROUND_PAGES 16
/*
 * Private anonymous memory touched in address order (a heap or an array
 * being filled) doubles its window at each fault that lands just past the
 * last one, up to a huge page's 2 MiB, which is what Linux's transparent
 * huge pages give it natively: one fault per 2 MiB. A random toucher
 * keeps the small window, so memory that is never touched is not
 * populated for nothing. MADV_HUGEPAGE memory starts at the big window;
 * MADV_NOHUGEPAGE memory, whose owner asked for exact 4 KiB residency,
 * never grows.
 */
#define FAULT_AROUND_MAX_PAGES 512

struct mm *mm_create(struct memfile *mf, struct platform *p)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return ERR_PTR(-ENOMEM);
	mm->users = 1;
	pthread_mutex_init(&mm->lock, NULL);
	mm->mf = mf;
	mm->p = p;
	mm->mmap_base = MMAP_BASE;
	mm->limits = (struct mm_limits){
		.as = MM_NO_LIMIT,
		.data = MM_NO_LIMIT,
		.data_max = MM_NO_LIMIT,
		.stack = MM_NO_LIMIT,
		.memlock = MM_NO_LIMIT,
		.memlock_max = MM_NO_LIMIT,
		.ipc_lock = true,
	};
	vma_set_init(&mm->vmas);
	mm->vmas.owner = mm; /* file objects find their mappers through it */
	pagemap_init(&mm->pages);
	int ret = p->ops->as_create(p, &mm->as);
	if (ret) {
		free(mm);
		return ERR_PTR(ret);
	}
	return mm;
}

static void put_frame(void *arg, u64 va, u64 pa)
{
	struct mm *mm = arg;
	memfile_put(mm->mf, pa);
	mm->rss--;
}

void mm_destroy(struct mm *mm)
{
	if (!mm)
		return;
	/* The platform's tables go first: no vCPU may reach a freed frame. */
	mm->p->ops->as_destroy(mm->as);
	pagemap_clear(&mm->pages, 0, MM_TASK_SIZE, put_frame, mm);
	vma_set_destroy(&mm->vmas); /* the last user of a shared object frees its frames */
	memfile_flush(mm->mf);
	pagemap_destroy(&mm->pages);
	if (mm->exe)
		mm->exe->put(mm->exe);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

void mm_set_exe_hold(struct mm *mm, struct mm_exe_hold *h)
{
	pthread_mutex_lock(&mm->lock);
	struct mm_exe_hold *old = mm->exe;
	mm->exe = h;
	pthread_mutex_unlock(&mm->lock);
	if (old)
		old->put(old);
}

struct mm *mm_get(struct mm *mm)
{
	__atomic_fetch_add(&mm->users, 1, __ATOMIC_RELAXED);
	return mm;
}

void mm_put(struct mm *mm)
{
	if (mm && !__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL))
		mm_destroy(mm);
}

struct platform_as *mm_platform_as(struct mm *mm)
{
	return mm->as;
}

void mm_set_limits(struct mm *mm, const struct mm_limits *l)
{
	pthread_mutex_lock(&mm->lock);
	mm->limits = *l;
	pthread_mutex_unlock(&mm->lock);
}

u32 mm_platform_prot(u32 prot)
{
	u32 p = 0;
	/* x86 cannot map write-only or exec-only: both imply read. */
	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		p |= PLATFORM_PROT_READ;
	if (prot & PROT_WRITE)
		p |= PLATFORM_PROT_WRITE;
	if (prot & PROT_EXEC)
		p |= PLATFORM_PROT_EXEC;
	return p;
}

/* Linux's is_data_mapping: private, writable, not a stack. */
static bool is_data(u32 prot, u32 flags)
{
	return (prot & PROT_WRITE) && !(flags & (VMA_GROWSDOWN | VMA_SHARED));
}

void mm_account_vma(struct mm *mm, const struct vma *v, u64 start, u64 end, int sign)
{
	start = MAX(start, v->start);
	end = MIN(end, v->end);
	if (start >= end)
		return;
	u64 n = (end - start) >> PAGE_SHIFT;
	mm->total_vm += sign * n;
	if (is_data(v->prot, v->flags))
		mm->data_vm += sign * n;
	if (v->flags & VMA_LOCKED)
		mm->locked_vm += sign * n;
}

void mm_account_range(struct mm *mm, u64 start, u64 end, int sign)
{
	struct vma *v;
	vma_for_each_in(&mm->vmas, v, start, end) mm_account_vma(mm, v, start, end, sign);
}

bool mm_may_expand(struct mm *mm, u32 prot, u32 flags, u64 npages)
{
	const struct mm_limits *l = &mm->limits;
	if (mm->total_vm + npages > l->as >> PAGE_SHIFT)
		return false;
	if (is_data(prot, flags) && mm->data_vm + npages > l->data >> PAGE_SHIFT) {
		/* Linux's workaround for Valgrind: a zero soft limit uses the hard one. */
		return l->data == 0 && mm->data_vm + npages <= l->data_max >> PAGE_SHIFT;
	}
	return true;
}

bool mm_mlock_future_ok(struct mm *mm, u32 flags, u64 bytes)
{
	if (!(flags & VMA_LOCKED) || mm->limits.ipc_lock)
		return true;
	return mm->locked_vm + (bytes >> PAGE_SHIFT) <= mm->limits.memlock >> PAGE_SHIFT;
}

bool mm_page_is_cow(struct mm *mm, const struct vma *vma, u64 pa)
{
	/*
	 * The frame's count is the number of page maps (and the Sentry, for
	 * special frames) holding it. Only this mm's fork can raise it from
	 * 1, and that needs mm->lock, so a count of 1 seen here stays 1.
	 */
	return !vma_is_shared(vma) && memfile_refcount(mm->mf, pa) > 1;
}

bool mm_page_write_faults(struct mm *mm, const struct vma *vma, u64 va, u64 pa)
{
	if (vma_is_shared(vma))
		return !shmem_page_writable(vma->shm, vma_off(vma, va));
	return mm_page_is_cow(mm, vma, pa);
}

u32 mm_page_prot(struct mm *mm, const struct vma *vma, u64 va, u64 pa)
{
	u32 prot = mm_platform_prot(vma->prot);
	if ((prot & PLATFORM_PROT_WRITE) && mm_page_write_faults(mm, vma, va, pa))
		prot &= ~PLATFORM_PROT_WRITE;
	return prot;
}

/*
 * Back va with a fresh zeroed frame, the shared object's frame there, or a
 * private copy of the file's page there (fsize: from mm_file_size). A
 * write to a cache's shared page dirties it (and maps it writable).
 */
static int populate_page(struct mm *mm, const struct vma *vma, u64 va, s64 fsize, bool write)
{
	u64 pa;
	int ret;
	if (vma_is_shared(vma)) {
		ret = shmem_frame(vma->shm, vma_off(vma, va), &pa);
		if (!ret && write) {
			ret = shmem_mark_dirty(vma->shm, vma_off(vma, va));
			if (ret)
				memfile_put(mm->mf, pa);
		}
	} else if (vma->file) {
		ret = mm_file_frame(mm, vma, va, fsize, &pa);
	} else {
		ret = memfile_alloc(mm->mf, &pa);
	}
	if (ret)
		return ret;
	ret = pagemap_set(&mm->pages, va, pa);
	if (ret) {
		memfile_put(mm->mf, pa);
		return ret;
	}
	mm->rss++;
	if (mm_prot_accessible(vma->prot)) {
		ret = mm->p->ops->as_map(mm->as, va, pa, mm_page_prot(mm, vma, va, pa));
		if (ret)
			pagemap_clear(&mm->pages, va, va + PAGE_SIZE, put_frame, mm);
	}
	return ret;
}

static bool vma_allows(const struct vma *vma, bool write, bool exec)
{
	if (write)
		return vma->prot & PROT_WRITE;
	if (exec)
		return vma->prot & PROT_EXEC;
	return mm_prot_accessible(vma->prot);
}

/*
 * Linux's expand_downwards: grow the VMA above addr down to addr's page if
 * it grows down, the stack guard gap above an accessible VMA below stays
 * free, and RLIMIT_AS, RLIMIT_STACK and RLIMIT_MEMLOCK allow it.
 */
static struct vma *grow_down(struct mm *mm, u64 addr)
{
	struct vma *v = vma_first_after(&mm->vmas, addr);
	u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
	if (!v || va < MM_MMAP_MIN_ADDR)
		return NULL;
	if (!(v->flags & VMA_GROWSDOWN))
		return NULL;
	if (v->prev) {
		const struct vma *prev = v->prev;
		if (!(prev->flags & VMA_GROWSDOWN) && mm_prot_accessible(prev->prot) &&
		    va - prev->end < MM_STACK_GUARD_GAP)
			return NULL;
	}
	u64 grow = v->start - va;
	if (!mm_may_expand(mm, v->prot, v->flags, grow >> PAGE_SHIFT) ||
	    v->end - va > mm->limits.stack || !mm_mlock_future_ok(mm, v->flags, grow))
		return NULL;
	struct vma added = {.start = va, .end = v->start, .prot = v->prot, .flags = v->flags};
	mm_account_vma(mm, &added, va, v->start, 1);
	v->start = va;
	return v;
}

/*
 * Give va a private copy of old, the frame it shares copy-on-write. The
 * old frame is put only once the platform maps the copy (or nothing), so
 * no stale translation can reach a frame that is freed and reused. With
 * several threads in mm that also needs a TLB shootdown of the other vCPUs.
 */
static int cow_copy(struct mm *mm, const struct vma *vma, u64 va, u64 old)
{
	u64 pa;
	int ret = memfile_alloc(mm->mf, &pa);
	if (ret)
		return ret;
	/* SAFETY: both frames are referenced (old by the page map) while copied. */
	memcpy(memfile_ptr(mm->mf, pa), memfile_ptr(mm->mf, old), PAGE_SIZE);
	ret = pagemap_set(&mm->pages, va, pa); /* the entry exists: cannot fail */
	if (ret) {
		memfile_put(mm->mf, pa);
		return ret;
	}
	if (mm_prot_accessible(vma->prot) &&
	    mm->p->ops->as_map(mm->as, va, pa, mm_platform_prot(vma->prot)))
		mm->p->ops->as_unmap(mm->as, va, PAGE_SIZE); /* the next fault maps it */
	memfile_put(mm->mf, old);
	return 0;
}

/*
 * A fault on a page that has a frame: break copy-on-write for a write, or
 * dirty a cache's clean shared page (Linux's wp_page_shared), else
 * refresh the translation (a COW page stays read-only; once its frame is
 * no longer shared, a write just maps it writable again, without a copy).
 */
static int fault_present(struct mm *mm, const struct vma *vma, u64 va, u64 pa, bool write)
{
	if (write && mm_page_is_cow(mm, vma, pa))
		return cow_copy(mm, vma, va, pa);
	if (write && vma_is_shared(vma)) {
		int ret = shmem_mark_dirty(vma->shm, vma_off(vma, va));
		if (ret)
			return ret;
	}
	if (!mm_prot_accessible(vma->prot))
		return 0;
	return mm->p->ops->as_map(mm->as, va, pa, mm_page_prot(mm, vma, va, pa));
}

/* The fault-around window, in pages, for a fault at va in vma. Caller holds mm->lock. */
static u64 fault_around_pages(struct mm *mm, const struct vma *vma, u64 va)
{
	u64 n = FAULT_AROUND_PAGES;
	if (!vma->file && !vma_is_shared(vma) && !(vma->flags & VMA_NOHUGEPAGE)) {
		if (vma->flags & VMA_HUGEPAGE)
			n = FAULT_AROUND_MAX_PAGES;
		else if (va == mm->fa_next)
			n = MIN(mm->fa_pages * 2, FAULT_AROUND_MAX_PAGES);
	}
	mm->fa_pages = n;
	return n;
}

int mm_fault_locked(struct mm *mm, u64 addr, bool write, bool exec, bool force)
{
	u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
	if (addr >= MM_TASK_SIZE)
		return -EFAULT;
	struct vma *vma = vma_find(&mm->vmas, addr);
	if (!vma)
		vma = grow_down(mm, addr);
	if (!vma)
		return -EFAULT;
	if (!force && !vma_allows(vma, write, exec))
		return -EACCES;
	u64 pa = pagemap_get(&mm->pages, va);
	if (pa)
		return fault_present(mm, vma, va, pa - 1, write);
	s64 fsize = vma->file ? mm_file_size(vma) : 0;
	int ret = populate_page(mm, vma, va, fsize, write);
	/*
	 * A private page of a file's shared object comes copy-on-write: a
	 * write copies it now. Only then: mapping a page again for nothing
	 * costs a page-table store and a TLB flush.
	 */
	if (!ret && write && (pa = pagemap_get(&mm->pages, va)) &&
	    mm_page_write_faults(mm, vma, va, pa - 1))
		ret = fault_present(mm, vma, va, pa - 1, true);
	if (ret || force)
		return ret;
	/*
	 * Fault-around: fresh neighbours in the same aligned window and VMA.
	 * Offsets grow with addresses, so in a file the first page past its
	 * end (-EIO) ends the walk and is left to fault on its own. A file
	 * whose data is a shared object only gets the pages it holds (Linux's
	 * map_pages): its holes are not filled for a neighbour.
	 */
	u64 n = fault_around_pages(mm, vma, va);
	u64 win = ALIGN_DOWN(va, n * PAGE_SIZE);
	u64 lo = MAX(win, vma->start), hi = MIN(win + n * PAGE_SIZE, vma->end);
	mm->fa_next = hi;
	bool file_shm = vma->file && vma->shm;
	for (u64 p = lo; p < hi; p += PAGE_SIZE) {
		if (file_shm && !shmem_has_frame(vma->shm, vma_off(vma, p)))
			continue;
		if (p != va && !pagemap_get(&mm->pages, p) &&
		    populate_page(mm, vma, p, fsize, false))
			break;
	}
	return 0;
}

int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec)
{
	pthread_mutex_lock(&mm->lock);
	int ret = mm_fault_locked(mm, addr, write, exec, false);
	pthread_mutex_unlock(&mm->lock);
	/* A signal cut a file read short: the access faults again once it is handled. */
	return ret == -EINTR ? 0 : ret;
}

int mm_populate_locked(struct mm *mm, u64 start, u64 end, bool locked_only)
{
	const struct vma *v;
	vma_for_each_in(&mm->vmas, v, start, end)
	{
		if (!mm_prot_accessible(v->prot))
			continue;
		if (locked_only && (v->flags & VMA_LOCK_MASK) != VMA_LOCKED)
			continue;
		u64 hi = MIN(v->end, end);
		s64 fsize = v->file ? mm_file_size(v) : 0;
		/*
		 * Linux's populate_vma_page_range: a private writable mapping is
		 * populated by write faults, so its file pages are copied now,
		 * not each at its first store (here a VM exit apiece).
		 */
		bool cow = (v->prot & PROT_WRITE) && !vma_is_shared(v);
		for (u64 va = MAX(v->start, start); va < hi; va += PAGE_SIZE) {
			if (pagemap_get(&mm->pages, va))
				continue;
			/* A read, as Linux populates shared mappings: nothing is dirtied for nothing. */
			int ret = populate_page(mm, v, va, fsize, false);
			u64 pa;
			if (!ret && cow && (pa = pagemap_get(&mm->pages, va)) &&
			    mm_page_is_cow(mm, v, pa - 1))
				ret = cow_copy(mm, v, va, pa - 1);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static mm_oom_fn oom_handler;

void mm_set_oom_handler(mm_oom_fn fn)
{
	__atomic_store_n(&oom_handler, fn, __ATOMIC_RELEASE);
}

int mm_oom_wait_locked(struct mm *mm, u64 addr, unsigned int attempt)
{
	mm_oom_fn oom = __atomic_load_n(&oom_handler, __ATOMIC_ACQUIRE);
	if (!oom)
		return -ENOMEM;
	/* The victim's exit takes its own mm->lock: this one, if it shares it. */
	pthread_mutex_unlock(&mm->lock);
	int ret = oom(mm, addr, attempt);
	pthread_mutex_lock(&mm->lock);
	return ret;
}

int mm_populate_killing(struct mm *mm, u64 start, u64 end, bool locked_only)
{
	unsigned int attempt = 0;
	int ret;
	/* Each try starts over at start, skipping the pages done: the VMAs may change meanwhile. */
	while ((ret = mm_populate_locked(mm, start, end, locked_only)) == -ENOMEM &&
	       !(ret = mm_oom_wait_locked(mm, start, attempt++)))
		;
	return ret;
}

int mm_insert_vma(struct mm *mm, struct vma v)
{
	int ret = vma_insert(&mm->vmas, v);
	if (!ret)
		mm_account_vma(mm, &v, v.start, v.end, 1);
	return ret;
}

void mm_drop_pages(struct mm *mm, u64 start, u64 end)
{
	mm->p->ops->as_unmap(mm->as, start, end - start);
	pagemap_clear(&mm->pages, start, end, put_frame, mm);
	/* munmap and MADV_DONTNEED give the memory back to the host now. */
	memfile_flush(mm->mf);
}

void mm_check(struct mm *mm, const char *after)
{
	pthread_mutex_lock(&mm->lock);
	const char *bad = vma_set_check(&mm->vmas);
	pthread_mutex_unlock(&mm->lock);
	if (bad) {
		pr_err("mm: after %s: %s", after, bad);
		abort();
	}
}

int mm_unmap_locked(struct mm *mm, u64 start, u64 end)
{
	/* A caller's overflow: refused here rather than made a corrupt VMA set. */
	if (start > end || end > MM_TASK_SIZE) {
		pr_warn_ratelimited("mm: unmap of [%#llx, %#llx) refused",
				    (unsigned long long)start, (unsigned long long)end);
		return -EINVAL;
	}
	mm_account_range(mm, start, end, -1);
	int ret = vma_remove(&mm->vmas, start, end);
	if (ret) {
		mm_account_range(mm, start, end, 1);
		return ret;
	}
	mm_drop_pages(mm, start, end);
	return 0;
}

int mm_update_flags(struct mm *mm, u64 start, u64 end, u32 clear, u32 set)
{
	int ret = vma_split(&mm->vmas, start);
	if (!ret)
		ret = vma_split(&mm->vmas, end);
	if (ret)
		return ret;
	mm_account_range(mm, start, end, -1);
	struct vma *v;
	vma_for_each_in(&mm->vmas, v, start, end) v->flags = (v->flags & ~clear) | set;
	mm_account_range(mm, start, end, 1);
	vma_merge_range(&mm->vmas, start, end);
	return 0;
}

u64 mm_covered_end(struct mm *mm, u64 start, u64 end)
{
	u64 cur = start;
	for (const struct vma *v = vma_first_after(&mm->vmas, start); v && cur < end; v = v->next) {
		if (v->start > cur)
			break;
		cur = v->end;
	}
	return MIN(cur, end);
}

void mm_set_exec_info(struct mm *mm, const struct mm_exec_info *info)
{
	pthread_mutex_lock(&mm->lock);
	mm->exec = *info;
	pthread_mutex_unlock(&mm->lock);
}

void mm_get_exec_info(struct mm *mm, struct mm_exec_info *info)
{
	pthread_mutex_lock(&mm->lock);
	*info = mm->exec;
	pthread_mutex_unlock(&mm->lock);
}

static u32 vma_kind(const struct vma *v)
{
	if (v->flags & VMA_SPECIAL)
		return MM_VMA_SPECIAL;
	if (v->flags & VMA_STACK)
		return MM_VMA_STACK;
	if (v->flags & VMA_HEAP)
		return MM_VMA_HEAP;
	return MM_VMA_ANON;
}

struct mm_vma_info mm_vma_info_of(const struct vma *v)
{
	return (struct mm_vma_info){
		.start = v->start,
		.end = v->end,
		.prot = v->prot,
		.shared = v->flags & (VMA_SHARED | VMA_MAYSHARE),
		.kind = vma_kind(v),
		.off = v->file ? v->off : 0,
		.file = v->file,
		.shm = v->shm,
		.shm_off = v->off,
	};
}

int mm_for_each_vma(struct mm *mm, int (*fn)(void *arg, const struct mm_vma_info *v), void *arg)
{
	int ret = 0;
	pthread_mutex_lock(&mm->lock);
	for (const struct vma *v = mm->vmas.head; v && !ret; v = v->next) {
		struct mm_vma_info info = mm_vma_info_of(v);
		ret = fn(arg, &info);
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

u64 mm_rss_pages(struct mm *mm)
{
	pthread_mutex_lock(&mm->lock);
	u64 n = mm->rss;
	pthread_mutex_unlock(&mm->lock);
	return n;
}

void mm_vm_pages(struct mm *mm, u64 *total, u64 *data, u64 *locked)
{
	pthread_mutex_lock(&mm->lock);
	*total = mm->total_vm;
	*data = mm->data_vm;
	*locked = mm->locked_vm;
	pthread_mutex_unlock(&mm->lock);
}

u32 mm_membarrier_register(struct mm *mm, u32 bits)
{
	pthread_mutex_lock(&mm->lock);
	mm->membarrier |= bits;
	bits = mm->membarrier;
	pthread_mutex_unlock(&mm->lock);
	return bits;
}
