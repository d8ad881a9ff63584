// SPDX-License-Identifier: Apache-2.0
/*
 * Placing, removing and reprotecting memory: mmap of anonymous memory and
 * of files, munmap, mprotect, brk and the initial stack, with Linux's
 * checks and limits.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "mm.h"
#include "mm_internal.h"
#include "shmem.h"

/* Linux's initial stack: the argument pages plus 128 KiB (setup_arg_pages). */
#define STACK_INITIAL (PAGE_SIZE + (128ULL << 10))

static bool range_ok(u64 addr, u64 len)
{
	return len && addr + len > addr && addr + len <= MM_TASK_SIZE;
}

u64 mm_get_unmapped_area(struct mm *mm, u64 hint, u64 len)
{
	if (len > MM_TASK_SIZE)
		return 0;
	hint = ALIGN_DOWN(hint, PAGE_SIZE);
	/* round_hint_to_min: a hint below mmap_min_addr means mmap_min_addr. */
	if (hint && hint < MM_MMAP_MIN_ADDR)
		hint = MM_MMAP_MIN_ADDR;
	if (hint && MM_TASK_SIZE - len >= hint &&
	    vma_range_free_gap(&mm->vmas, hint, hint + len, MM_STACK_GUARD_GAP))
		return hint;
	return vma_find_gap_down(&mm->vmas, len, MM_MMAP_MIN_ADDR, mm->mmap_base,
				 MM_STACK_GUARD_GAP);
}

/* Pages of [start, end) that VMAs hold (what MAP_FIXED would replace). */
static u64 mapped_pages(struct mm *mm, u64 start, u64 end)
{
	u64 n = 0;
	const struct vma *v;
	vma_for_each_in(&mm->vmas, v, start, end) n += MIN(end, v->end) - MAX(start, v->start);
	return n >> PAGE_SHIFT;
}

/*
 * The steps of do_mmap and mmap_region after the address is chosen. v
 * holds the range, prot, and the file and offset if any (borrowed: the
 * VMA takes its own reference).
 */
static long map_locked(struct mm *mm, struct vma v, u32 flags)
{
	u64 addr = v.start, len = v.end - v.start;
	u32 prot = v.prot;
	v.flags = mm->def_flags;
	if (flags & MM_NOWRITE)
		v.flags |= VMA_NOWRITE | ((flags & MM_SHARED) ? VMA_MAYSHARE : 0);
	if (flags & MM_GROWSDOWN)
		v.flags |= VMA_GROWSDOWN;
	if (flags & MM_LOCKED) {
		if (!mm->limits.memlock && !mm->limits.ipc_lock)
			return -EPERM;
		v.flags |= VMA_LOCKED;
	}
	if (!mm_mlock_future_ok(mm, v.flags, len))
		return -EAGAIN;
	u64 npages = len >> PAGE_SHIFT;
	if (!mm_may_expand(mm, prot, v.flags, npages) &&
	    ((flags & MM_FIXED) == 0 ||
	     !mm_may_expand(mm, prot, v.flags, npages - mapped_pages(mm, v.start, v.end))))
		return -ENOMEM;
	if (v.file && v.file->shm) {
		/* The file's own object: shared frames, or copy-on-write ones. */
		v.shm = v.file->shm;
		shmem_get(v.shm);
		if ((flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED)
			v.flags |= VMA_SHARED;
	} else if ((flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED && !v.file) {
		/* A fresh object of the mapping's size, as Linux's shmem_zero_setup. */
		v.shm = shmem_create(mm->mf, len);
		if (IS_ERR(v.shm))
			return PTR_ERR(v.shm);
		v.flags |= VMA_SHARED;
	}
	int ret = 0;
	if (flags & MM_FIXED)
		ret = mm_unmap_locked(mm, v.start, v.end);
	if (!ret)
		ret = mm_insert_vma(mm, v);
	shmem_put(v.shm); /* the VMA holds its own reference */
	if (ret)
		return ret;
	/*
	 * As Linux's, populating runs the OOM killer when memory is full and
	 * its failure is not mmap's: a page it could not give faults later.
	 */
	if ((flags & MM_POPULATE) || (v.flags & VMA_LOCK_MASK) == VMA_LOCKED)
		(void)mm_populate_killing(mm, v.start, v.end, false);
	return addr;
}

/* mmap of anonymous memory (file NULL) or of file from off. */
static long do_map(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags, struct mm_file *file,
		   u64 off)
{
	if (!len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > MM_TASK_SIZE)
		return -ENOMEM;
	if ((flags & MM_SHARED) && (flags & MM_GROWSDOWN))
		return -EINVAL;
	if (off + len < off)
		return -EOVERFLOW;
	if ((flags & MM_NOWRITE) && (prot & PROT_WRITE))
		return -EACCES;
	bool fixed = flags & (MM_FIXED | MM_FIXED_NOREPLACE);
	if (fixed && (!IS_ALIGNED(addr, PAGE_SIZE) || !range_ok(addr, len)))
		return IS_ALIGNED(addr, PAGE_SIZE) ? -ENOMEM : -EINVAL;

	pthread_mutex_lock(&mm->lock);
	long ret;
	if (flags & MM_FIXED_NOREPLACE) {
		flags &= ~MM_FIXED;
		ret = vma_range_free(&mm->vmas, addr, addr + len) ? 0 : -EEXIST;
	} else if (!(flags & MM_FIXED)) {
		addr = mm_get_unmapped_area(mm, addr, len);
		ret = addr ? 0 : -ENOMEM;
	} else {
		ret = 0;
	}
	if (!ret)
		ret = map_locked(mm,
				 (struct vma){.start = addr,
					      .end = addr + len,
					      .prot = prot,
					      .file = file,
					      .off = off},
				 flags);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

long mm_map_anon(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags)
{
	return do_map(mm, addr, len, prot, flags, NULL, 0);
}

long mm_map_file(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags, struct mm_file *file,
		 u64 off)
{
	if (!file || !IS_ALIGNED(off, PAGE_SIZE) || (flags & MM_GROWSDOWN))
		return -EINVAL;
	/*
	 * Without a shared object its pages are private snapshots (mm_map_file
	 * in mm.h): writes to a shared one would never reach the file or the
	 * other mappings.
	 */
	if ((flags & MM_SHARED) && !(flags & MM_NOWRITE) && !file->shm)
		return -ENODEV;
	if (file->shm && shmem_memfile(file->shm) != mm->mf)
		return -ENODEV;
	return do_map(mm, addr, len, prot, flags, file, off);
}

int mm_unmap(struct mm *mm, u64 addr, u64 len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!range_ok(addr, len))
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	int ret = mm_unmap_locked(mm, addr, addr + len);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

struct reprotect {
	struct mm *mm;
	const struct vma *vma;
	int err;
};

static void reprotect_page(void *arg, u64 va, u64 pa)
{
	struct reprotect *r = arg;
	if (r->err)
		return;
	/* A copy-on-write page stays read-only: its first write fault copies it. */
	if (mm_prot_accessible(r->vma->prot))
		r->err = r->mm->p->ops->as_map(r->mm->as, va, pa,
					       mm_page_prot(r->mm, r->vma, va, pa));
	else
		r->mm->p->ops->as_unmap(r->mm->as, va, PAGE_SIZE);
}

/*
 * mprotect_fixup's check: memory that becomes a data mapping must fit
 * RLIMIT_DATA (unless it already failed RLIMIT_AS, a Linux quirk).
 */
static bool protect_fits(struct mm *mm, const struct vma *v, u32 prot, u64 npages)
{
	if (!(prot & PROT_WRITE))
		return true;
	return mm_may_expand(mm, prot, v->flags, npages) ||
	       !mm_may_expand(mm, v->prot, v->flags, npages);
}

/* Reprotect [start, end) VMA by VMA; a hole or a limit stops it. */
static int protect_locked(struct mm *mm, u64 start, u64 end, u32 prot)
{
	int ret = 0;
	u64 cur = start;
	while (cur < end) {
		struct vma *v = vma_find(&mm->vmas, cur);
		u64 e = v ? MIN(v->end, end) : cur;
		if (!v || !protect_fits(mm, v, prot, (e - cur) >> PAGE_SHIFT)) {
			ret = -ENOMEM;
			break;
		}
		/* As Linux: the VMAs before this one keep their new protection. */
		if ((prot & PROT_WRITE) && (v->flags & VMA_NOWRITE)) {
			ret = -EACCES;
			break;
		}
		ret = vma_split(&mm->vmas, cur);
		if (!ret)
			ret = vma_split(&mm->vmas, e);
		if (ret)
			break;
		v = vma_find(&mm->vmas, cur);
		mm_account_vma(mm, v, cur, e, -1);
		v->prot = prot;
		mm_account_vma(mm, v, cur, e, 1);
		struct reprotect r = {mm, v, 0};
		/* A cache's clean shared pages stay read-only: their first store dirties them. */
		pagemap_walk(&mm->pages, cur, e, reprotect_page, &r);
		cur = e;
		if (r.err) {
			ret = r.err;
			break;
		}
	}
	vma_merge_range(&mm->vmas, start, cur);
	return ret;
}

static int do_protect(struct mm *mm, u64 addr, u64 len, u32 prot, u32 grows)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	u64 end = addr + len;
	if (end <= addr)
		return -ENOMEM;

	pthread_mutex_lock(&mm->lock);
	int ret = -ENOMEM;
	const struct vma *first = vma_first_after(&mm->vmas, addr);
	if (!first || first->start >= end)
		goto out;
	if (grows & MM_PROT_GROWSDOWN) {
		addr = first->start;
		ret = -EINVAL;
		if (!(first->flags & VMA_GROWSDOWN))
			goto out;
	} else if (first->start > addr) {
		goto out;
	} else if (grows & MM_PROT_GROWSUP) {
		ret = -EINVAL; /* no VM_GROWSUP on x86-64 */
		goto out;
	}
	ret = protect_locked(mm, addr, end, prot);
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

int mm_protect(struct mm *mm, u64 addr, u64 len, u32 prot)
{
	return do_protect(mm, addr, len, prot, 0);
}

int mm_protect_grows(struct mm *mm, u64 addr, u64 len, u32 prot, u32 grows)
{
	if (grows == (MM_PROT_GROWSDOWN | MM_PROT_GROWSUP))
		return -EINVAL;
	return do_protect(mm, addr, len, prot, grows);
}

void mm_brk_init(struct mm *mm, u64 start)
{
	pthread_mutex_lock(&mm->lock);
	mm->brk_start = mm->brk = start;
	pthread_mutex_unlock(&mm->lock);
}

void mm_set_mmap_base(struct mm *mm, u64 base)
{
	pthread_mutex_lock(&mm->lock);
	mm->mmap_base = base;
	pthread_mutex_unlock(&mm->lock);
}

/* Grow the heap VMA from oldbrk to newbrk (both page-aligned). */
static int brk_grow(struct mm *mm, u64 oldbrk, u64 newbrk)
{
	const struct vma *above = vma_first_after(&mm->vmas, oldbrk);
	/* One free page must stay above the break (and a guard gap below a stack). */
	if (above && newbrk + PAGE_SIZE > vma_start_gap(above, MM_STACK_GUARD_GAP))
		return -ENOMEM;
	struct vma v = {.start = oldbrk,
			.end = newbrk,
			.prot = PROT_READ | PROT_WRITE,
			.flags = VMA_HEAP | mm->def_flags};
	if (!mm_mlock_future_ok(mm, v.flags, newbrk - oldbrk))
		return -EAGAIN;
	if (!mm_may_expand(mm, v.prot, v.flags, (newbrk - oldbrk) >> PAGE_SHIFT))
		return -ENOMEM;
	return mm_insert_vma(mm, v);
}

/*
 * Linux's brk. RLIMIT_DATA bounds the heap alone: Linux adds the size of
 * the ELF data segment, which mm does not know yet.
 */
u64 mm_brk(struct mm *mm, u64 brk)
{
	pthread_mutex_lock(&mm->lock);
	u64 oldbrk = ALIGN_UP(mm->brk, PAGE_SIZE), newbrk = ALIGN_UP(brk, PAGE_SIZE);
	bool populate = false;

	if (brk < mm->brk_start || brk > MM_TASK_SIZE)
		goto out;
	if (brk - mm->brk_start > mm->limits.data)
		goto out;
	if (oldbrk == newbrk) {
		mm->brk = brk;
	} else if (brk <= mm->brk) {
		/* Always allow shrinking, if the heap is still there. */
		const struct vma *heap = vma_first_after(&mm->vmas, newbrk);
		if (!heap || heap->start >= oldbrk || mm_unmap_locked(mm, newbrk, oldbrk))
			goto out;
		mm->brk = brk;
	} else if (!brk_grow(mm, oldbrk, newbrk)) {
		mm->brk = brk;
		populate = mm->def_flags & VMA_LOCKED;
	}
out:
	brk = mm->brk;
	/* Under mlockall(MCL_FUTURE). Last, as Linux's brk: it may let mm->lock go. */
	if (populate)
		(void)mm_populate_killing(mm, oldbrk, newbrk, true);
	pthread_mutex_unlock(&mm->lock);
	return brk;
}

int mm_map_stack(struct mm *mm, u64 top, u64 size)
{
	u64 initial = MIN(size, STACK_INITIAL);
	struct vma v = {.start = top - initial,
			.end = top,
			.prot = PROT_READ | PROT_WRITE,
			.flags = VMA_STACK | VMA_GROWSDOWN};
	pthread_mutex_lock(&mm->lock);
	mm->limits.stack = size;
	int ret = mm_insert_vma(mm, v);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
