// SPDX-License-Identifier: Apache-2.0
/*
 * The per-VMA residency of /proc/<pid>/smaps: a walk of the page map over
 * each VMA, classifying every present frame as Linux's smaps_account does
 * (shared or private by how many page maps hold it, dirty or clean,
 * anonymous, shared memory or file). Runs under mm->lock; the shared
 * memory objects' locks nest inside it, as in faults.
 */
#include <sys/mman.h>

#include "mm_internal.h"
#include "shmem.h"
#include "smaps.h"
#include "vma.h"

struct rss_walk {
	struct mm *mm;
	const struct vma *vma;
	struct mm_vma_rss *r;
};

/* Whether pa is the frame v's shared memory object has at va's offset (not a private copy). */
static bool is_object_frame(const struct vma *v, u64 va, u64 pa)
{
	u64 off = v->off + (va - v->start), spa;
	if (vma_is_shared(v))
		return true; /* shared mappings map the object's frames only */
	if (!shmem_has_frame(v->shm, off) || shmem_frame(v->shm, off, &spa))
		return false;
	memfile_put(shmem_memfile(v->shm), spa);
	return spa == pa;
}

static void account_page(void *arg, u64 va, u64 pa)
{
	struct rss_walk *w = arg;
	const struct vma *v = w->vma;
	struct mm_vma_rss *r = w->r;
	u64 *kind, *pss_kind, mappers;
	bool dirty;

	if (v->shm && is_object_frame(v, va, pa)) {
		/* The object's index holds a reference of its own. */
		u32 refs = memfile_refcount(shmem_memfile(v->shm), pa);
		mappers = refs > 1 ? refs - 1 : 1;
		dirty = shmem_page_writable(v->shm, v->off + (va - v->start));
		kind = &r->shmem;
		pss_kind = &r->pss_shmem;
	} else {
		u32 refs = memfile_refcount(w->mm->mf, pa);
		mappers = refs ? refs : 1;
		/* A file's page read in and never written is the file's (Linux's page cache page). */
		bool file = v->file && !v->shm && !(v->prot & PROT_WRITE);
		dirty = !file;
		kind = file ? &r->file : &r->anon;
		pss_kind = file ? &r->pss_file : &r->pss_anon;
	}
	u64 pss = ((u64)PAGE_SIZE << MM_PSS_SHIFT) / mappers;
	r->rss++;
	(*kind)++;
	r->pss += pss;
	*pss_kind += pss;
	if (dirty)
		r->pss_dirty += pss;
	if (mappers > 1)
		(*(dirty ? &r->shared_dirty : &r->shared_clean))++;
	else
		(*(dirty ? &r->private_dirty : &r->private_clean))++;
}

int mm_for_each_vma_rss(struct mm *mm,
			int (*fn)(void *arg, const struct mm_vma_info *v,
				  const struct mm_vma_rss *r),
			void *arg)
{
	int ret = 0;
	pthread_mutex_lock(&mm->lock);
	for (const struct vma *v = mm->vmas.head; v && !ret; v = v->next) {
		struct mm_vma_info info = mm_vma_info_of(v);
		struct mm_vma_rss r = {0};
		struct rss_walk w = {mm, v, &r};
		/* The Sentry's own frames are Linux's VM_PFNMAP pages: not counted. */
		if (!(v->flags & VMA_SPECIAL))
			pagemap_walk(&mm->pages, v->start, v->end, account_page, &w);
		if (v->flags & VMA_LOCKED)
			r.pss_locked = r.pss;
		ret = fn(arg, &info, &r);
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
