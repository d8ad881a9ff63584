/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mm's private state and the helpers its files share. Every function here
 * expects the caller to hold mm->lock.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <pthread.h>

#include "mm.h"
#include "pagemap.h"
#include "vma.h"

/* Linux's stack_guard_gap: 256 pages kept free below a VMA that grows down. */
#define MM_STACK_GUARD_GAP (256ULL << PAGE_SHIFT)
#define MM_NO_LIMIT (~0ULL)

struct mm {
	int users;	      /* atomic: tasks sharing it (CLONE_VM); see mm_get */
	pthread_mutex_t lock; /* guards everything below */
	struct memfile *mf;
	struct platform *p;
	struct platform_as *as;
	struct vma_set vmas;
	struct pagemap pages;
	u64 rss;
	/* Sequential faults (mm.c's fault-around): where the next would land, and the window. */
	u64 fa_next, fa_pages;
	u64 brk_start, brk;
	u64 mmap_base;
	/* Pages in VMAs: all, private writable non-stack, locked (Linux's names). */
	u64 total_vm, data_vm, locked_vm;
	u32 def_flags;	/* VMA_LOCK_MASK bits new mappings get (MCL_FUTURE) */
	u32 membarrier; /* MEMBARRIER_CMD_REGISTER_* bits */
	struct mm_exec_info exec;
	struct mm_limits limits;
	struct mm_exe_hold *exe; /* NULL before the first execve */
};

/*
 * Make addr accessible, growing a MAP_GROWSDOWN VMA down to it if needed.
 * force ignores the VMA's protection (the Sentry writing a read-only image)
 * and skips fault-around.
 */
int mm_fault_locked(struct mm *mm, u64 addr, bool write, bool exec, bool force);

static inline bool mm_prot_accessible(u32 prot)
{
	return prot & 7; /* PROT_READ | PROT_WRITE | PROT_EXEC */
}
u32 mm_platform_prot(u32 prot);
/* Whether the private frame pa of vma is shared copy-on-write: a write must copy it. */
bool mm_page_is_cow(struct mm *mm, const struct vma *vma, u64 pa);
/*
 * Whether a write to frame pa at va of vma must fault first: to copy it
 * (COW), or to mark a clean page of a cache's shared mapping dirty.
 */
bool mm_page_write_faults(struct mm *mm, const struct vma *vma, u64 va, u64 pa);
/* The platform protection of frame pa at va in vma: vma's, without write while a write faults. */
u32 mm_page_prot(struct mm *mm, const struct vma *vma, u64 va, u64 pa);

/* Add (sign 1) or remove (sign -1) [start, end) of v from the counters. */
void mm_account_vma(struct mm *mm, const struct vma *v, u64 start, u64 end, int sign);
/* The same for every VMA that intersects [start, end). */
void mm_account_range(struct mm *mm, u64 start, u64 end, int sign);
/* Linux's may_expand_vm: RLIMIT_AS and, for data mappings, RLIMIT_DATA. */
bool mm_may_expand(struct mm *mm, u32 prot, u32 flags, u64 npages);
/* Linux's mlock_future_ok: flags' VMA_LOCKED pages fit RLIMIT_MEMLOCK. */
bool mm_mlock_future_ok(struct mm *mm, u32 flags, u64 bytes);

/*
 * The size of the file v maps, asked once per fault or populate and
 * handed to mm_file_frame: a negative value (an error) makes every page
 * -EIO.
 */
s64 mm_file_size(const struct vma *v);
/*
 * A new private frame holding the page of v's file at va, read now; the
 * tail past the end of the file zeroed. -EIO if the page lies wholly past
 * size or the read fails (SIGBUS), -EINTR if a signal interrupted it,
 * -ENOMEM.
 */
int mm_file_frame(struct mm *mm, const struct vma *v, u64 va, s64 size, u64 *pa) __must_check;

/* Insert a new VMA (range free) and account it. */
int mm_insert_vma(struct mm *mm, struct vma v) __must_check;
/* Drop the pages and VMAs of [start, end). */
int mm_unmap_locked(struct mm *mm, u64 start, u64 end) __must_check;
/* Drop the frames of [start, end), keeping the VMAs (MADV_DONTNEED). */
void mm_drop_pages(struct mm *mm, u64 start, u64 end);
/*
 * Fault in every accessible page of [start, end) (mlock, MAP_POPULATE),
 * skipping VMAs that are PROT_NONE or VMA_LOCKONFAULT when locked_only.
 * Stops at the first failure: -ENOMEM, -EIO (a page past the end of the
 * file it maps, or unreadable), -EINTR.
 */
int mm_populate_locked(struct mm *mm, u64 start, u64 end, bool locked_only);
/*
 * mm_populate_locked through the OOM killer, as Linux's __mm_populate
 * charges each page as a fault does: when the memory file is full the
 * killer runs (mm_oom_wait_locked) and populating goes on. Fails only as
 * mm_populate_locked does, or with -ENOMEM once the caller's process is
 * the one killed. mm->lock is let go meanwhile, so call it last, keeping
 * no pointer into mm's VMAs across it (Linux populates after it drops
 * mmap_lock for the same reason).
 */
int mm_populate_killing(struct mm *mm, u64 start, u64 end, bool locked_only);
/*
 * The memory file was full when mm allocated a page for addr, as attempt
 * (from 0) for it: run the handler of mm_set_oom_handler with mm->lock
 * let go, then take the lock back. 0: allocate again; an error: give up
 * (-ENOMEM at once without a handler).
 */
int mm_oom_wait_locked(struct mm *mm, u64 addr, unsigned int attempt) __must_check;
/*
 * Set VMA flags (clear, then set) on [start, end), splitting and merging
 * VMAs at the edges and keeping the counters right. The range may hold
 * holes: only the VMAs present change.
 */
int mm_update_flags(struct mm *mm, u64 start, u64 end, u32 clear, u32 set) __must_check;
/*
 * End of the run of VMAs without holes that starts at start (== start if
 * no VMA holds start), capped at end.
 */
u64 mm_covered_end(struct mm *mm, u64 start, u64 end);
/* Linux's get_unmapped_area for anonymous memory: 0 if there is no room. */
u64 mm_get_unmapped_area(struct mm *mm, u64 hint, u64 len);
/* What /proc and the walkers are told of v (mm->lock held). */
struct mm_vma_info mm_vma_info_of(const struct vma *v);

#endif
