/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <pthread.h>

#include "mm.h"
#include "pagemap.h"
#include "vma.h"

struct mm {
	pthread_mutex_t lock; /* guards everything below */
	struct memfile *mf;
	struct platform *p;
	struct platform_as *as;
	struct vma_set vmas;
	struct pagemap pages;
	u64 rss;
	u64 brk_start, brk;
	u64 mmap_base;
};

/*
 * Make addr accessible. force ignores the VMA's protection (the Sentry
 * writing a read-only image) and skips fault-around. Caller holds mm->lock.
 */
int mm_fault_locked(struct mm *mm, u64 addr, bool write, bool exec, bool force);

#endif
