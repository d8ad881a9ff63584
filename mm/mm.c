// SPDX-License-Identifier: Apache-2.0
/*
 * Address spaces: VMAs and demand paging of anonymous memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mm.h"
#include "mm_internal.h"

/* Below the stack and its guard gap, as Linux places mmap_base without ASLR. */
#define MMAP_BASE 0x7ffff7fff000ULL
/* Pages populated around a fault in fresh anonymous memory. */
#define FAULT_AROUND_PAGES 16

struct mm *mm_create(struct memfile *mf, struct platform *p)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return ERR_PTR(-ENOMEM);
	pthread_mutex_init(&mm->lock, NULL);
	mm->mf = mf;
	mm->p = p;
	mm->mmap_base = MMAP_BASE;
	vma_set_init(&mm->vmas);
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
	pagemap_destroy(&mm->pages);
	vma_set_destroy(&mm->vmas);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

struct platform_as *mm_platform_as(struct mm *mm)
{
	return mm->as;
}

static u32 platform_prot(u32 prot)
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

/* Back va with a fresh zeroed frame. Caller holds mm->lock. */
static int populate_page(struct mm *mm, const struct vma *vma, u64 va)
{
	u64 pa;
	int ret = memfile_alloc(mm->mf, &pa);
	if (ret)
		return ret;
	ret = pagemap_set(&mm->pages, va, pa);
	if (!ret && (vma->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		ret = mm->p->ops->as_map(mm->as, va, pa, platform_prot(vma->prot));
	if (ret) {
		pagemap_clear(&mm->pages, va, va + PAGE_SIZE, put_frame, mm);
		memfile_put(mm->mf, pa);
		return ret;
	}
	mm->rss++;
	return 0;
}

static bool vma_allows(const struct vma *vma, bool write, bool exec)
{
	if (write)
		return vma->prot & PROT_WRITE;
	if (exec)
		return vma->prot & PROT_EXEC;
	return vma->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

/* Caller holds mm->lock. */
int mm_fault_locked(struct mm *mm, u64 addr, bool write, bool exec, bool force)
{
	u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *vma = addr < MM_TASK_SIZE ? vma_find(&mm->vmas, addr) : NULL;
	if (!vma)
		return -EFAULT;
	if (!force && !vma_allows(vma, write, exec))
		return -EACCES;
	u64 pa = pagemap_get(&mm->pages, va);
	if (pa) {
		/* Present but the guest faulted: refresh the translation. */
		if (!(vma->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			return 0;
		return mm->p->ops->as_map(mm->as, va, pa - 1, platform_prot(vma->prot));
	}
	int ret = populate_page(mm, vma, va);
	if (ret || force)
		return ret;
	/* Fault-around: fresh neighbours in the same aligned window and VMA. */
	u64 win = ALIGN_DOWN(va, FAULT_AROUND_PAGES * PAGE_SIZE);
	u64 lo = MAX(win, vma->start), hi = MIN(win + FAULT_AROUND_PAGES * PAGE_SIZE, vma->end);
	for (u64 p = lo; p < hi; p += PAGE_SIZE)
		if (p != va && !pagemap_get(&mm->pages, p) && populate_page(mm, vma, p))
			break;
	return 0;
}

int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec)
{
	pthread_mutex_lock(&mm->lock);
	int ret = mm_fault_locked(mm, addr, write, exec, false);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/* Drop the pages and VMAs of [start, end). Caller holds mm->lock. */
static int unmap_locked(struct mm *mm, u64 start, u64 end)
{
	int ret = vma_remove(&mm->vmas, start, end);
	if (ret)
		return ret;
	mm->p->ops->as_unmap(mm->as, start, end - start);
	pagemap_clear(&mm->pages, start, end, put_frame, mm);
	return 0;
}

static bool range_ok(u64 addr, u64 len)
{
	return len && addr + len > addr && addr + len <= MM_TASK_SIZE;
}

long mm_map_anon(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags)
{
	if (!len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > MM_TASK_SIZE)
		return -ENOMEM;
	bool fixed = flags & (MM_FIXED | MM_FIXED_NOREPLACE);
	if (fixed && (!IS_ALIGNED(addr, PAGE_SIZE) || !range_ok(addr, len)))
		return IS_ALIGNED(addr, PAGE_SIZE) ? -ENOMEM : -EINVAL;

	pthread_mutex_lock(&mm->lock);
	long ret = 0;
	if (flags & MM_FIXED_NOREPLACE) {
		if (!vma_range_free(&mm->vmas, addr, addr + len))
			ret = -EEXIST;
	} else if (flags & MM_FIXED) {
		ret = unmap_locked(mm, addr, addr + len);
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || addr < MM_MMAP_MIN_ADDR || !range_ok(addr, len) ||
		    !vma_range_free(&mm->vmas, addr, addr + len))
			addr = vma_find_gap_down(&mm->vmas, len, MM_MMAP_MIN_ADDR, mm->mmap_base);
		if (!addr)
			ret = -ENOMEM;
	}
	if (!ret) {
		struct vma v = {.start = addr,
				.end = addr + len,
				.prot = prot,
				.flags = (flags & MM_GROWSDOWN) ? VMA_GROWSDOWN : 0};
		ret = vma_insert(&mm->vmas, v);
	}
	if (!ret && (flags & MM_POPULATE))
		for (u64 va = addr; va < addr + len && !ret; va += PAGE_SIZE)
			ret = mm_fault_locked(mm, va, false, false, true);
	pthread_mutex_unlock(&mm->lock);
	return ret ? ret : (long)addr;
}

int mm_unmap(struct mm *mm, u64 addr, u64 len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!range_ok(addr, len))
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	int ret = unmap_locked(mm, addr, addr + len);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

struct reprotect {
	struct mm *mm;
	u32 prot;
	int err;
};

static void reprotect_page(void *arg, u64 va, u64 pa)
{
	struct reprotect *r = arg;
	if (r->err)
		return;
	if (r->prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		r->err = r->mm->p->ops->as_map(r->mm->as, va, pa, platform_prot(r->prot));
	else
		r->mm->p->ops->as_unmap(r->mm->as, va, PAGE_SIZE);
}

int mm_protect(struct mm *mm, u64 addr, u64 len, u32 prot)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!range_ok(addr, len))
		return -ENOMEM;
	u64 end = addr + len;

	pthread_mutex_lock(&mm->lock);
	/* Every page must be mapped, or Linux fails with ENOMEM. */
	u64 cur = addr;
	for (size_t i = vma_first_after(&mm->vmas, addr); i < mm->vmas.n && cur < end; i++) {
		if (mm->vmas.v[i].start > cur)
			break;
		cur = mm->vmas.v[i].end;
	}
	int ret = cur < end ? -ENOMEM : 0;
	if (!ret)
		ret = vma_split(&mm->vmas, addr);
	if (!ret)
		ret = vma_split(&mm->vmas, end);
	if (!ret) {
		for (size_t i = vma_first_after(&mm->vmas, addr);
		     i < mm->vmas.n && mm->vmas.v[i].start < end; i++)
			mm->vmas.v[i].prot = prot;
		vma_merge_range(&mm->vmas, addr, end);
	}
	if (!ret) {
		struct reprotect r = {mm, prot, 0};
		pagemap_walk(&mm->pages, addr, end, reprotect_page, &r);
		ret = r.err;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

void mm_brk_init(struct mm *mm, u64 start)
{
	pthread_mutex_lock(&mm->lock);
	mm->brk_start = mm->brk = start;
	pthread_mutex_unlock(&mm->lock);
}

u64 mm_brk(struct mm *mm, u64 newbrk)
{
	pthread_mutex_lock(&mm->lock);
	u64 old = mm->brk;
	u64 old_end = ALIGN_UP(old, PAGE_SIZE), new_end = ALIGN_UP(newbrk, PAGE_SIZE);

	if (newbrk < mm->brk_start || newbrk > MM_TASK_SIZE)
		goto out;
	if (new_end < old_end) {
		if (unmap_locked(mm, new_end, old_end))
			goto out;
	} else if (new_end > old_end) {
		struct vma v = {.start = old_end,
				.end = new_end,
				.prot = PROT_READ | PROT_WRITE,
				.flags = VMA_HEAP};
		if (!vma_range_free(&mm->vmas, old_end, new_end) || vma_insert(&mm->vmas, v))
			goto out;
	}
	mm->brk = newbrk;
out:
	newbrk = mm->brk;
	pthread_mutex_unlock(&mm->lock);
	return newbrk;
}

int mm_map_stack(struct mm *mm, u64 top, u64 size)
{
	struct vma v = {.start = top - size,
			.end = top,
			.prot = PROT_READ | PROT_WRITE,
			.flags = VMA_STACK | VMA_GROWSDOWN};
	pthread_mutex_lock(&mm->lock);
	int ret = vma_insert(&mm->vmas, v);
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
