// SPDX-License-Identifier: Apache-2.0
/*
 * mremap: shrink, grow in place, or move. A move hands the frames to the
 * new addresses in mm's page map and in the platform's tables; no byte of
 * guest memory is copied.
 */
#include <errno.h>
#include <pthread.h>

#include "lib/log.h"
#include "mm.h"
#include "mm_internal.h"

#define REMAP_FLAGS (MM_REMAP_MAYMOVE | MM_REMAP_FIXED | MM_REMAP_DONTUNMAP)

/* Linux's vma_to_resize: the VMA holding [addr, addr+old_len), or ERR_PTR. */
static struct vma *vma_to_resize(struct mm *mm, u64 addr, u64 old_len, u64 new_len)
{
	struct vma *v = vma_find(&mm->vmas, addr);
	if (!v)
		return ERR_PTR(-EFAULT);
	/* A zero old_len duplicates shared mappings only (VM_MAYSHARE too, as Linux). */
	if (!old_len && !(v->flags & (VMA_SHARED | VMA_MAYSHARE)))
		return ERR_PTR(-EINVAL);
	/* We can't remap across VMA boundaries. */
	if (old_len > v->end - addr)
		return ERR_PTR(-EFAULT);
	if (new_len == old_len)
		return v;
	if (!mm_mlock_future_ok(mm, v->flags, new_len - old_len))
		return ERR_PTR(-EAGAIN);
	if (!mm_may_expand(mm, v->prot, v->flags, (new_len - old_len) >> PAGE_SHIFT))
		return ERR_PTR(-ENOMEM);
	return v;
}

struct move {
	struct mm *mm;
	u64 from, to;
	const struct vma *vma; /* the new VMA's prot and flags */
};

static void move_frame(void *arg, u64 va, u64 pa)
{
	struct move *m = arg;
	u64 to = va - m->from + m->to;
	/* Cannot fail: the caller prepared the tree for the new range. */
	if (pagemap_set(&m->mm->pages, to, pa))
		pr_warn_ratelimited("mm: lost frame %#llx moving to %#llx", (unsigned long long)pa,
				    (unsigned long long)to);
	/* A failure here is repaired by the next fault, which maps from mm's records. */
	if (mm_prot_accessible(m->vma->prot))
		(void)m->mm->p->ops->as_map(m->mm->as, to, pa, mm_page_prot(m->mm, m->vma, to, pa));
}

/*
 * Linux's move_vma: a new VMA of new_len at to, the frames of
 * [from, from+old_len) moved under it, the old range unmapped (or, with
 * DONTUNMAP, left mapped, empty and unlocked; or, with a zero old_len,
 * left as it is).
 */
static long move_vma(struct mm *mm, struct vma *v, u64 from, u64 old_len, u64 new_len, u64 to,
		     u32 flags)
{
	struct vma nv = {.start = to,
			 .end = to + new_len,
			 .prot = v->prot,
			 .flags = v->flags,
			 .shm = v->shm,
			 .file = v->file,
			 .off = vma_has_object(v) ? vma_off(v, from) : 0};
	int ret = pagemap_prepare(&mm->pages, to, to + old_len);
	if (!ret)
		ret = mm_insert_vma(mm, nv);
	if (ret)
		return ret;
	struct move m = {mm, from, to, &nv};
	mm->p->ops->as_unmap(mm->as, from, old_len);
	pagemap_clear(&mm->pages, from, from + old_len, move_frame, &m);
	if (flags & MM_REMAP_DONTUNMAP)
		ret = mm_update_flags(mm, from, from + old_len, VMA_LOCK_MASK, 0);
	else if (old_len)
		ret = mm_unmap_locked(mm, from, from + old_len);
	if (ret)
		pr_warn_ratelimited("mm: mremap left [%#llx, +%#llx) mapped: %d",
				    (unsigned long long)from, (unsigned long long)old_len, ret);
	if ((nv.flags & VMA_LOCK_MASK) == VMA_LOCKED && new_len > old_len)
		(void)mm_populate_killing(mm, to + old_len, to + new_len, true);
	return to;
}

/* Linux's mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP. */
/*
 * Unmap what a shrink leaves of [addr, addr+old_len) past new_len, with
 * Linux's do_vmi_munmap checks: an old_len reaching past user space is
 * EINVAL, never a range that wraps around.
 */
static int unmap_tail(struct mm *mm, u64 addr, u64 old_len, u64 new_len)
{
	u64 start = addr + new_len, len = old_len - new_len;
	if (start < addr || start > MM_TASK_SIZE || len > MM_TASK_SIZE - start)
		return -EINVAL;
	return mm_unmap_locked(mm, start, start + len);
}

static long remap_to(struct mm *mm, u64 addr, u64 old_len, u64 new_addr, u64 new_len, u32 flags)
{
	if (!IS_ALIGNED(new_addr, PAGE_SIZE))
		return -EINVAL;
	if (new_len > MM_TASK_SIZE || new_addr > MM_TASK_SIZE - new_len)
		return -EINVAL;
	/* The old and new ranges must not overlap. */
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;
	int ret;
	if (flags & MM_REMAP_FIXED) {
		ret = mm_unmap_locked(mm, new_addr, new_addr + new_len);
		if (ret)
			return ret;
	}
	if (old_len > new_len) {
		ret = unmap_tail(mm, addr, old_len, new_len);
		if (ret)
			return ret;
		old_len = new_len;
	}
	struct vma *v = vma_to_resize(mm, addr, old_len, new_len);
	if (IS_ERR(v))
		return PTR_ERR(v);
	if ((flags & MM_REMAP_DONTUNMAP) &&
	    !mm_may_expand(mm, v->prot, v->flags, old_len >> PAGE_SHIFT))
		return -ENOMEM;
	if (!(flags & MM_REMAP_FIXED)) {
		new_addr = mm_get_unmapped_area(mm, new_addr, new_len);
		if (!new_addr)
			return -ENOMEM;
	}
	return move_vma(mm, v, addr, old_len, new_len, new_addr, flags);
}

/* Grow v's end by delta if the space above it is free. */
static bool grow_in_place(struct mm *mm, struct vma *v, u64 delta)
{
	u64 end = v->end + delta;
	if (end < v->end || end > MM_TASK_SIZE || !vma_range_free(&mm->vmas, v->end, end))
		return false;
	struct vma added = {.start = v->end, .end = end, .prot = v->prot, .flags = v->flags};
	u64 old_end = v->end;
	v->end = end;
	mm_account_vma(mm, &added, old_end, end, 1);
	vma_merge_range(&mm->vmas, old_end, end);
	/* Last: it may let mm->lock go, and v may be merged away already. */
	if ((added.flags & VMA_LOCK_MASK) == VMA_LOCKED)
		(void)mm_populate_killing(mm, old_end, end, true);
	return true;
}

static long remap_locked(struct mm *mm, u64 addr, u64 old_len, u64 new_len, u32 flags, u64 new_addr)
{
	if (!vma_find(&mm->vmas, addr))
		return -EFAULT;
	if (flags & (MM_REMAP_FIXED | MM_REMAP_DONTUNMAP))
		return remap_to(mm, addr, old_len, new_addr, new_len, flags);
	/* Always allow a shrinking remap: that just unmaps the tail. */
	if (old_len >= new_len) {
		int ret = 0;
		if (old_len > new_len)
			ret = unmap_tail(mm, addr, old_len, new_len);
		return ret ? ret : (long)addr;
	}
	struct vma *v = vma_to_resize(mm, addr, old_len, new_len);
	if (IS_ERR(v))
		return PTR_ERR(v);
	if (old_len == v->end - addr && grow_in_place(mm, v, new_len - old_len))
		return addr;
	if (!(flags & MM_REMAP_MAYMOVE))
		return -ENOMEM;
	new_addr = mm_get_unmapped_area(mm, 0, new_len);
	if (!new_addr)
		return -ENOMEM;
	return move_vma(mm, v, addr, old_len, new_len, new_addr, flags);
}

long mm_remap(struct mm *mm, u64 addr, u64 old_len, u64 new_len, u32 flags, u64 new_addr)
{
	if (flags & ~REMAP_FLAGS)
		return -EINVAL;
	if ((flags & MM_REMAP_FIXED) && !(flags & MM_REMAP_MAYMOVE))
		return -EINVAL;
	/* MREMAP_DONTUNMAP is always a move and does not resize. */
	if ((flags & MM_REMAP_DONTUNMAP) && (!(flags & MM_REMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	/* A zero new_len is nonsensical; one past user space too (Linux 6.17+). */
	if (!new_len || new_len > MM_TASK_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	long ret = remap_locked(mm, addr, old_len, new_len, flags, new_addr);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
