// SPDX-License-Identifier: Apache-2.0
/*
 * Special mappings: memory-file frames the Sentry owns and shares between
 * address spaces (the vDSO's vvar page), mapped as they are instead of
 * being demand-paged with fresh memory.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "mm.h"
#include "mm_internal.h"

/* Where len bytes go. Caller holds mm->lock. Returns 0 if nowhere. */
static u64 special_find_addr(struct mm *mm, u64 addr, u64 len, u32 flags)
{
	if (flags & MM_FIXED_NOREPLACE)
		return vma_range_free(&mm->vmas, addr, addr + len) ? addr : 0;
	return mm_get_unmapped_area(mm, addr, len);
}

/*
 * Reference frames[] and map them at start, in mm's page map and in the
 * platform. Caller holds mm->lock and has inserted the VMA. On failure the
 * pages done so far stay in the page map: mm_unmap_locked drops them.
 */
static int special_map_pages(struct mm *mm, u64 start, const u64 *frames, size_t n, u32 prot)
{
	for (size_t i = 0; i < n; i++) {
		u64 va = start + i * PAGE_SIZE;
		int ret = pagemap_set(&mm->pages, va, frames[i]);
		if (ret)
			return ret;
		memfile_get(mm->mf, frames[i]);
		mm->rss++;
		if (mm_prot_accessible(prot)) {
			ret = mm->p->ops->as_map(mm->as, va, frames[i], mm_platform_prot(prot));
			if (ret)
				return ret;
		}
	}
	return 0;
}

long mm_map_frames(struct mm *mm, u64 addr, const u64 *frames, size_t n, u32 prot, u32 flags)
{
	u64 len = (u64)n * PAGE_SIZE;
	if (!n || n > MM_TASK_SIZE / PAGE_SIZE || (flags & ~MM_FIXED_NOREPLACE))
		return -EINVAL;
	if ((flags & MM_FIXED_NOREPLACE) &&
	    (!IS_ALIGNED(addr, PAGE_SIZE) || addr < MM_MMAP_MIN_ADDR || addr + len < addr ||
	     addr + len > MM_TASK_SIZE))
		return IS_ALIGNED(addr, PAGE_SIZE) ? -ENOMEM : -EINVAL;

	pthread_mutex_lock(&mm->lock);
	long ret = 0;
	u64 start = special_find_addr(mm, addr, len, flags);
	if (!start)
		ret = (flags & MM_FIXED_NOREPLACE) ? -EEXIST : -ENOMEM;
	if (!ret)
		ret = mm_insert_vma(mm, (struct vma){.start = start,
						     .end = start + len,
						     .prot = prot,
						     .flags = VMA_NOWRITE | VMA_SPECIAL});
	if (!ret) {
		ret = special_map_pages(mm, start, frames, n, prot);
		if (ret && mm_unmap_locked(mm, start, start + len))
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret ? ret : (long)start;
}
