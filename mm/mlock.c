// SPDX-License-Identifier: Apache-2.0
/*
 * mlock, mlock2, munlock, mlockall, munlockall: VMA_LOCKED ranges are
 * populated and counted in locked_vm against RLIMIT_MEMLOCK, unless the
 * caller may lock without limit (CAP_IPC_LOCK, in mm_limits.ipc_lock).
 * Nothing is ever swapped, so locking changes residency only.
 */
#include <errno.h>
#include <pthread.h>

#include "mm.h"
#include "mm_internal.h"

/* Linux's can_do_mlock. */
static bool can_do_mlock(struct mm *mm)
{
	return mm->limits.memlock != 0 || mm->limits.ipc_lock;
}

/* Pages of [start, end) that are locked already (count_mm_mlocked_page_nr). */
static u64 locked_pages(struct mm *mm, u64 start, u64 end)
{
	u64 n = 0;
	const struct vma *v;
	vma_for_each_in(&mm->vmas, v, start, end)
	{
		if (v->flags & VMA_LOCKED)
			n += MIN(end, v->end) - MAX(start, v->start);
	}
	return n >> PAGE_SHIFT;
}

/*
 * Linux's apply_vma_lock_flags: [start, end) must be mapped; as Linux, the
 * VMAs before a hole keep their new flags when -ENOMEM is returned.
 */
static int apply_lock_flags(struct mm *mm, u64 start, u64 end, u32 flags)
{
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	u64 covered = mm_covered_end(mm, start, end);
	if (covered == start)
		return -ENOMEM;
	int ret = mm_update_flags(mm, start, covered, VMA_LOCK_MASK, flags);
	if (ret)
		return ret;
	return covered < end ? -ENOMEM : 0;
}

/*
 * Linux's __mm_populate for mlock, with its POSIX errors: a PROT_NONE VMA
 * or a page past the end of a file cannot be faulted in (EFAULT, reported
 * as ENOMEM), populating stops there; running out of memory when not even
 * the OOM killer can help (the caller's process is its victim) is EAGAIN.
 * The lock flags stay set either way. Last: it may let mm->lock go.
 */
static int populate_locked_range(struct mm *mm, u64 start, u64 end)
{
	const struct vma *v;
	int err = 0;
	vma_for_each_in(&mm->vmas, v, start, end)
	{
		if ((v->flags & VMA_LOCK_MASK) == VMA_LOCKED && !mm_prot_accessible(v->prot)) {
			end = MAX(v->start, start);
			err = -ENOMEM;
			break;
		}
	}
	int ret = mm_populate_killing(mm, start, end, true);
	if (ret)
		return ret == -EIO ? -ENOMEM : -EAGAIN;
	return err;
}

int mm_lock(struct mm *mm, u64 start, u64 len, u32 flags)
{
	if (flags & ~MM_LOCK_ONFAULT)
		return -EINVAL;
	u32 vflags = VMA_LOCKED | ((flags & MM_LOCK_ONFAULT) ? VMA_LOCKONFAULT : 0);
	pthread_mutex_lock(&mm->lock);
	int ret = -EPERM;
	if (!can_do_mlock(mm))
		goto out;
	len = ALIGN_UP(len + (start & (PAGE_SIZE - 1)), PAGE_SIZE);
	start = ALIGN_DOWN(start, PAGE_SIZE);
	u64 limit = mm->limits.memlock >> PAGE_SHIFT;
	u64 locked = mm->locked_vm + (len >> PAGE_SHIFT);
	/* What is locked already in the range does not count twice. */
	if (locked > limit && !mm->limits.ipc_lock)
		locked -= locked_pages(mm, start, start + len);
	ret = -ENOMEM;
	if (locked <= limit || mm->limits.ipc_lock)
		ret = apply_lock_flags(mm, start, start + len, vflags);
	if (!ret)
		ret = populate_locked_range(mm, start, start + len);
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

int mm_unlock(struct mm *mm, u64 start, u64 len)
{
	len = ALIGN_UP(len + (start & (PAGE_SIZE - 1)), PAGE_SIZE);
	start = ALIGN_DOWN(start, PAGE_SIZE);
	pthread_mutex_lock(&mm->lock);
	int ret = apply_lock_flags(mm, start, start + len, 0);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/* Linux's apply_mlockall_flags: future mappings, then every VMA. */
static int apply_lockall(struct mm *mm, u32 flags)
{
	u32 add = 0;
	mm->def_flags &= ~VMA_LOCK_MASK;
	if (flags & MM_MCL_FUTURE) {
		mm->def_flags |= VMA_LOCKED;
		if (flags & MM_MCL_ONFAULT)
			mm->def_flags |= VMA_LOCKONFAULT;
		if (!(flags & MM_MCL_CURRENT))
			return 0;
	}
	if (flags & MM_MCL_CURRENT)
		add = VMA_LOCKED | ((flags & MM_MCL_ONFAULT) ? VMA_LOCKONFAULT : 0);
	/* Linux ignores the errors of each VMA here. */
	int ignored = mm_update_flags(mm, 0, MM_TASK_SIZE, VMA_LOCK_MASK, add);
	(void)ignored;
	return 0;
}

int mm_lock_all(struct mm *mm, u32 flags)
{
	const u32 known = MM_MCL_CURRENT | MM_MCL_FUTURE | MM_MCL_ONFAULT;
	if (!flags || (flags & ~known) || flags == MM_MCL_ONFAULT)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	int ret = -EPERM;
	if (!can_do_mlock(mm))
		goto out;
	ret = -ENOMEM;
	if (!(flags & MM_MCL_CURRENT) || mm->total_vm <= mm->limits.memlock >> PAGE_SHIFT ||
	    mm->limits.ipc_lock)
		ret = apply_lockall(mm, flags);
	if (!ret && (flags & MM_MCL_CURRENT))
		(void)mm_populate_killing(mm, 0, MM_TASK_SIZE, true);
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

int mm_unlock_all(struct mm *mm)
{
	pthread_mutex_lock(&mm->lock);
	int ret = apply_lockall(mm, 0);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
