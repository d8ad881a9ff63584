// SPDX-License-Identifier: Apache-2.0
/*
 * fork: a copy of an address space, as Linux's dup_mmap. Private frames
 * (a file's pages, once read, among them) are shared copy-on-write (mm.c's
 * fault path copies them on the first write), shared objects and files
 * are shared as they are, and nothing is copied byte by byte. The child
 * is mapped eagerly in its platform tables: a fault costs a VM exit, far
 * more than a queued page-table store.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "mm.h"
#include "mm_internal.h"

/* Which VMAs the child gets, and with which flags. */
static bool fork_keeps(void *arg, struct vma *v)
{
	if (v->flags & VMA_DONTFORK)
		return false;
	/* Linux clears VM_LOCKED in the child: locks belong to a process. */
	v->flags &= ~VMA_LOCK_MASK;
	return true;
}

/* Whether the child starts with v empty (MADV_WIPEONFORK). */
static bool fork_wipes(const struct vma *v)
{
	/* Linux refaults the vDSO's frames there; we keep them instead. */
	return (v->flags & VMA_WIPEONFORK) && !(v->flags & VMA_SPECIAL);
}

struct fork_copy {
	struct mm *src, *dst;
	const struct vma *vma; /* the child's; prot and sharing as the parent's */
	int err;
};

/* Share the frame at va with the child, write-protecting a private one. */
static void copy_page(void *arg, u64 va, u64 pa)
{
	struct fork_copy *c = arg;
	const struct vma *v = c->vma;
	if (c->err)
		return;
	c->err = pagemap_set(&c->dst->pages, va, pa);
	if (c->err)
		return;
	memfile_get(c->dst->mf, pa);
	c->dst->rss++;
	if (!mm_prot_accessible(v->prot))
		return;
	/* A failure here leaves the page to the child's first fault. */
	(void)c->dst->p->ops->as_map(c->dst->as, va, pa, mm_page_prot(c->dst, v, va, pa));
	if (!(v->prot & PROT_WRITE) || vma_is_shared(v))
		return;
	/* Seen at the parent's next entry; its threads on other vCPUs need a TLB shootdown. */
	if (c->src->p->ops->as_map(c->src->as, va, pa, mm_page_prot(c->src, v, va, pa)))
		c->src->p->ops->as_unmap(c->src->as, va, PAGE_SIZE);
}

/* dst is new and nobody else can reach it: src->lock covers both. */
static int fork_locked(struct mm *src, struct mm *dst)
{
	dst->brk_start = src->brk_start;
	dst->brk = src->brk;
	dst->mmap_base = src->mmap_base;
	dst->limits = src->limits;
	dst->membarrier = src->membarrier;
	dst->exec = src->exec;
	/* def_flags stays 0: mlockall(MCL_FUTURE) is not inherited either. */
	int ret = vma_set_copy(&dst->vmas, &src->vmas, fork_keeps, NULL);
	if (ret)
		return ret;
	for (const struct vma *v = dst->vmas.head; v; v = v->next) {
		mm_account_vma(dst, v, v->start, v->end, 1);
		if (fork_wipes(v))
			continue;
		struct fork_copy c = {src, dst, v, 0};
		pagemap_walk(&src->pages, v->start, v->end, copy_page, &c);
		if (c.err)
			return c.err;
	}
	return 0;
}

struct mm *mm_fork(struct mm *src)
{
	struct mm *dst = mm_create(src->mf, src->p);
	if (IS_ERR(dst))
		return dst;
	pthread_mutex_lock(&src->lock);
	int ret = fork_locked(src, dst);
	if (src->exe) {
		src->exe->dup(src->exe);
		dst->exe = src->exe;
	}
	pthread_mutex_unlock(&src->lock);
	if (ret) {
		/* src keeps some pages read-only: its next write finds them unshared. */
		mm_destroy(dst);
		return ERR_PTR(ret);
	}
	return dst;
}
