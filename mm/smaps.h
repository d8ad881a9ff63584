/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What /proc/<pid>/smaps reports of each VMA's pages (smaps.c): counted
 * from the address space's page map and the frames' reference counts,
 * under mm->lock, with no per-page state of its own.
 */
#ifndef MM_SMAPS_H
#define MM_SMAPS_H

#include "mm.h"

/* Linux's PSS_SHIFT: pss keeps fractions of a byte. */
#define MM_PSS_SHIFT 12

/*
 * Resident pages of one VMA. A page is shared when more than one page map
 * holds its frame (Linux's mapcount >= 2); dirty when written since read
 * in (anonymous and copied-on-write frames always, a shared memory
 * object's frames when the object says so). pss: bytes << MM_PSS_SHIFT,
 * each page's size divided by its mappers.
 */
struct mm_vma_rss {
	u64 rss; /* pages */
	u64 shared_clean, shared_dirty, private_clean, private_dirty;
	u64 anon;  /* anonymous and copied-on-write frames */
	u64 shmem; /* a shared memory object's frames (MAP_SHARED, tmpfs files) */
	u64 file;  /* a file's pages read into private frames, not written */
	u64 pss, pss_dirty, pss_anon, pss_file, pss_shmem;
	u64 pss_locked; /* the pss of an mlocked VMA (Linux's Locked), else 0 */
};

/* sum += r, field by field (smaps_rollup, status). */
static inline void mm_vma_rss_add(struct mm_vma_rss *sum, const struct mm_vma_rss *r)
{
	sum->rss += r->rss;
	sum->shared_clean += r->shared_clean;
	sum->shared_dirty += r->shared_dirty;
	sum->private_clean += r->private_clean;
	sum->private_dirty += r->private_dirty;
	sum->anon += r->anon;
	sum->shmem += r->shmem;
	sum->file += r->file;
	sum->pss += r->pss;
	sum->pss_dirty += r->pss_dirty;
	sum->pss_anon += r->pss_anon;
	sum->pss_file += r->pss_file;
	sum->pss_shmem += r->pss_shmem;
	sum->pss_locked += r->pss_locked;
}

/*
 * mm_for_each_vma with each VMA's resident pages counted: fn(arg, v, r)
 * in address order under mm->lock, until it returns non-zero (returned).
 * fn must not call into mm.
 */
int mm_for_each_vma_rss(struct mm *mm,
			int (*fn)(void *arg, const struct mm_vma_info *v,
				  const struct mm_vma_rss *r),
			void *arg);

#endif
