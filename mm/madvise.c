// SPDX-License-Identifier: Apache-2.0
/*
 * Advice and residency: madvise, mincore and msync, walking VMAs and holes
 * in the order Linux does so the same errors win.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm.h"
#include "mm_internal.h"
#include "shmem.h"

/* Linux's MADV_* values (guest ABI, independent of the host's headers). */
enum {
	ADV_NORMAL = 0,
	ADV_RANDOM = 1,
	ADV_SEQUENTIAL = 2,
	ADV_WILLNEED = 3,
	ADV_DONTNEED = 4,
	ADV_FREE = 8,
	ADV_REMOVE = 9,
	ADV_DONTFORK = 10,
	ADV_DOFORK = 11,
	ADV_MERGEABLE = 12,
	ADV_UNMERGEABLE = 13,
	ADV_HUGEPAGE = 14,
	ADV_NOHUGEPAGE = 15,
	ADV_DONTDUMP = 16,
	ADV_DODUMP = 17,
	ADV_WIPEONFORK = 18,
	ADV_KEEPONFORK = 19,
	ADV_COLD = 20,
	ADV_PAGEOUT = 21,
	ADV_POPULATE_READ = 22,
	ADV_POPULATE_WRITE = 23,
	ADV_DONTNEED_LOCKED = 24,
	ADV_COLLAPSE = 25,
};

#define HUGE_SIZE (2ULL << 20)

/* Linux's MS_* values. */
#define MSYNC_ASYNC 1
#define MSYNC_INVALIDATE 2
#define MSYNC_SYNC 4

/* The flags an advice clears and sets on each VMA it covers. */
struct flag_advice {
	u32 clear, set;
};

static const struct flag_advice flag_advice[] = {
	[ADV_NORMAL] = {VMA_SEQ_READ | VMA_RAND_READ, 0},
	[ADV_RANDOM] = {VMA_SEQ_READ, VMA_RAND_READ},
	[ADV_SEQUENTIAL] = {VMA_RAND_READ, VMA_SEQ_READ},
	[ADV_DONTFORK] = {0, VMA_DONTFORK},
	[ADV_DOFORK] = {VMA_DONTFORK, 0},
	[ADV_MERGEABLE] = {0, VMA_MERGEABLE},
	[ADV_UNMERGEABLE] = {VMA_MERGEABLE, 0},
	[ADV_HUGEPAGE] = {VMA_NOHUGEPAGE, VMA_HUGEPAGE},
	[ADV_NOHUGEPAGE] = {VMA_HUGEPAGE, VMA_NOHUGEPAGE},
	[ADV_DONTDUMP] = {0, VMA_DONTDUMP},
	[ADV_DODUMP] = {VMA_DONTDUMP, 0},
	[ADV_WIPEONFORK] = {0, VMA_WIPEONFORK},
	[ADV_KEEPONFORK] = {VMA_WIPEONFORK, 0},
};

static bool advice_valid(int advice)
{
	return (advice >= ADV_NORMAL && advice <= ADV_DONTNEED) ||
	       (advice >= ADV_FREE && advice <= ADV_COLLAPSE);
}

static bool is_flag_advice(int advice)
{
	return advice >= 0 && advice < (int)ARRAY_SIZE(flag_advice) &&
	       (flag_advice[advice].clear | flag_advice[advice].set);
}

/* MADV_POPULATE_*: fault in [start, end) as a read or write would. */
static int populate(struct mm *mm, const struct vma *v, u64 start, u64 end, bool write)
{
	if (!mm_prot_accessible(v->prot) || (write && !(v->prot & PROT_WRITE)))
		return -EINVAL;
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		if (pagemap_get(&mm->pages, va))
			continue;
		int ret = mm_fault_locked(mm, va, write, false, true);
		if (ret)
			return ret == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	return 0;
}

/*
 * Advice Linux refuses for this kind of VMA: the vDSO's shared frames
 * (VM_IO | VM_PFNMAP there) cannot be dropped or left out of a fork, and
 * only private anonymous memory can be freed lazily or wiped on fork.
 */
static bool advice_refused(const struct vma *v, int advice)
{
	switch (advice) {
	case ADV_DONTNEED:
	case ADV_DONTNEED_LOCKED:
	case ADV_DONTFORK:
		return v->flags & VMA_SPECIAL;
	case ADV_FREE:
		return (v->flags & (VMA_SPECIAL | VMA_SHARED)) || v->file;
	case ADV_WIPEONFORK:
		return vma_is_shared(v) || v->file;
	default:
		return false;
	}
}

/* One advice on [start, end) inside one VMA (which it may split). */
static int advise_vma(struct mm *mm, struct vma *v, u64 start, u64 end, int advice)
{
	if (advice_refused(v, advice))
		return -EINVAL;
	if (is_flag_advice(advice))
		return mm_update_flags(mm, start, end, flag_advice[advice].clear,
				       flag_advice[advice].set);
	switch (advice) {
	case ADV_DONTNEED:
	case ADV_FREE:
	case ADV_DONTNEED_LOCKED:
		if (advice != ADV_DONTNEED_LOCKED && (v->flags & VMA_LOCKED))
			return -EINVAL;
		/*
		 * MADV_FREE may drop the pages at once. Private memory reads
		 * zero after, or its file's bytes again; shared memory faults
		 * its object's frames back in.
		 */
		mm_drop_pages(mm, start, end);
		return 0;
	case ADV_COLD:
	case ADV_PAGEOUT:
		return (v->flags & VMA_LOCKED) ? -EINVAL : 0;
	case ADV_COLLAPSE:
		/* Only a VMA that can hold an aligned huge page may collapse. */
		return ALIGN_UP(v->start, HUGE_SIZE) + HUGE_SIZE <= v->end ? 0 : -EINVAL;
	case ADV_POPULATE_READ:
	case ADV_POPULATE_WRITE:
		return populate(mm, v, start, end, advice == ADV_POPULATE_WRITE);
	default:
		/* WILLNEED: files are read on touch, with fault-around. */
		return 0;
	}
}

/*
 * Linux's madvise_remove, VMA by VMA: punch a hole in the object a shared
 * writable mapping maps (shared anonymous memory has one too), letting go
 * of mm->lock for each punch, which unmaps the range from every mapper.
 * EINVAL when locked or without an object, EACCES for a mapping that may
 * not write it; holes give -ENOMEM after the VMAs are done.
 */
static int remove_range(struct mm *mm, u64 start, u64 end)
{
	int unmapped = 0;
	while (start < end) {
		pthread_mutex_lock(&mm->lock);
		struct vma *v = vma_first_after(&mm->vmas, start);
		if (v && start < v->start) {
			unmapped = -ENOMEM;
			start = v->start;
		}
		int ret = 0;
		if (!v)
			ret = -ENOMEM;
		else if (start >= end)
			ret = 1;
		else if ((v->flags & VMA_LOCKED) || !vma_has_object(v))
			ret = -EINVAL;
		else if (!vma_is_shared(v))
			ret = -EACCES;
		struct shmem *s = ret ? NULL : v->shm;
		u64 e = v ? MIN(v->end, end) : end, off = v ? vma_off(v, start) : 0;
		shmem_get(s);
		pthread_mutex_unlock(&mm->lock);
		if (ret)
			return ret > 0 ? unmapped : ret;
		ret = shmem_punch_store(s, off, e - start);
		shmem_put(s);
		if (ret)
			return ret;
		start = e;
	}
	return unmapped;
}

/* Linux's madvise_walk_vmas: holes give -ENOMEM after the VMAs are done. */
static int advise_locked(struct mm *mm, u64 start, u64 end, int advice)
{
	bool populating = advice == ADV_POPULATE_READ || advice == ADV_POPULATE_WRITE;
	unsigned int attempt = 0;
	int unmapped = 0;
	u64 cur = start;
	while (cur < end) {
		struct vma *v = vma_first_after(&mm->vmas, cur);
		if (!v)
			return -ENOMEM;
		if (cur < v->start) {
			if (populating)
				return -ENOMEM;
			unmapped = -ENOMEM;
			cur = v->start;
			if (cur >= end)
				break;
		}
		u64 e = MIN(v->end, end);
		int ret = advise_vma(mm, v, cur, e, advice);
		/*
		 * A page MADV_POPULATE_* faults in finds memory full: the OOM
		 * killer runs, with mm->lock let go, so the VMA at cur is
		 * looked up again and its pages done are skipped.
		 */
		if (ret == -ENOMEM && populating && !(ret = mm_oom_wait_locked(mm, cur, attempt++)))
			continue;
		if (ret)
			return ret;
		cur = e;
	}
	return unmapped;
}

int mm_advise(struct mm *mm, u64 start, u64 len, int advice)
{
	if (!advice_valid(advice))
		return -EINVAL;
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	u64 alen = ALIGN_UP(len, PAGE_SIZE);
	/* len was rounded up from a small negative value to zero. */
	if (len && !alen)
		return -EINVAL;
	u64 end = start + alen;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (advice == ADV_REMOVE)
		return remove_range(mm, start, end);
	pthread_mutex_lock(&mm->lock);
	int ret = advise_locked(mm, start, end, advice);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/*
 * Mapped here, or held by the object behind it (Linux's page cache): a
 * shared object's frame, or for a file any byte inside it, as the file
 * system holds its data (fsize: its size).
 */
static bool page_resident(struct mm *mm, const struct vma *v, u64 va, s64 fsize)
{
	if (pagemap_get(&mm->pages, va))
		return true;
	if (v->file)
		return fsize > 0 && vma_off(v, va) < (u64)fsize;
	return vma_is_shared(v) && shmem_has_frame(v->shm, vma_off(v, va));
}

/* Residency of up to n pages from start inside one VMA: the count, or -ENOMEM. */
static long mincore_chunk(struct mm *mm, u64 start, u64 n, u8 *out)
{
	pthread_mutex_lock(&mm->lock);
	const struct vma *v = vma_find(&mm->vmas, start);
	long done = -ENOMEM;
	if (v) {
		u64 end = MIN(v->end, start + (n << PAGE_SHIFT));
		s64 fsize = v->file ? mm_file_size(v) : 0;
		for (done = 0; start < end; start += PAGE_SIZE)
			out[done++] = page_resident(mm, v, start, fsize);
	}
	pthread_mutex_unlock(&mm->lock);
	return done;
}

int mm_mincore(struct mm *mm, u64 start, u64 len, uaddr_t vec)
{
	u8 buf[PAGE_SIZE];
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	if (!mm_access_ok(uaddr(start), len))
		return -ENOMEM;
	u64 pages = (len >> PAGE_SHIFT) + ((len & (PAGE_SIZE - 1)) != 0);
	if (!mm_access_ok(vec, pages))
		return -EFAULT;
	while (pages) {
		long n = mincore_chunk(mm, start, MIN(pages, PAGE_SIZE), buf);
		if (n <= 0)
			return n;
		if (mm_copy_to_user(mm, vec, buf, n))
			return -EFAULT;
		pages -= n;
		vec.addr += n;
		start += (u64)n << PAGE_SHIFT;
	}
	return 0;
}

/* A cache a msync writes back: a reference, and the range of offsets. */
struct sync_item {
	struct shmem *s;
	u64 from, to;
};

struct sync_list {
	struct sync_item *e;
	size_t n, cap;
};

static int sync_list_add(struct sync_list *l, const struct vma *v, u64 start, u64 end)
{
	u64 from = vma_off(v, MAX(start, v->start)), to = vma_off(v, MIN(end, v->end));
	/* Neighbouring VMAs of one object (a split by mprotect, say) share an entry. */
	if (l->n && l->e[l->n - 1].s == v->shm && l->e[l->n - 1].to == from) {
		l->e[l->n - 1].to = to;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;
		void *n = realloc(l->e, cap * sizeof(*l->e));
		if (!n)
			return -ENOMEM;
		l->e = n;
		l->cap = cap;
	}
	shmem_get(v->shm);
	l->e[l->n].s = v->shm;
	l->e[l->n].from = from;
	l->e[l->n].to = to;
	l->n++;
	return 0;
}

/*
 * Linux's msync walk, which collects the shared mappings of caches (a
 * gofer file's) to write back once mm->lock is let go, as Linux drops
 * mmap_lock around vfs_fsync_range: the write-back write-protects pages in
 * every address space that maps the file, this one included. MS_SYNC
 * writes the dirty pages of the range and makes them durable (Linux's
 * fdatasync of the range); MS_ASYNC writes them without the fsync (Linux
 * starts nothing for MS_ASYNC and leaves it to its periodic writeback,
 * which we do not have) and reports no error; MS_INVALIDATE alone writes
 * nothing (Linux: nothing but the -EBUSY of locked pages). Anything else
 * has nothing to write back: anonymous memory has no file, tmpfs keeps
 * its data in the frames mapped, and other files' pages are private (or
 * never writable) in mm.
 */
static int sync_locked(struct mm *mm, u64 start, u64 end, int flags, struct sync_list *l)
{
	int unmapped = 0;
	for (;;) {
		const struct vma *v = vma_first_after(&mm->vmas, start);
		if (!v)
			return -ENOMEM;
		if (start < v->start) {
			if (flags == MSYNC_ASYNC)
				return -ENOMEM;
			start = v->start;
			if (start >= end)
				return -ENOMEM;
			unmapped = -ENOMEM;
		}
		if ((flags & MSYNC_INVALIDATE) && (v->flags & VMA_LOCKED))
			return -EBUSY;
		if (vma_is_shared(v) && (flags & (MSYNC_SYNC | MSYNC_ASYNC))) {
			int err = sync_list_add(l, v, start, end);
			if (err)
				return err;
		}
		start = v->end;
		if (start >= end)
			return unmapped;
	}
}

int mm_sync(struct mm *mm, u64 start, u64 len, int flags)
{
	if (flags & ~(MSYNC_ASYNC | MSYNC_INVALIDATE | MSYNC_SYNC))
		return -EINVAL;
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	if ((flags & MSYNC_ASYNC) && (flags & MSYNC_SYNC))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	u64 end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	struct sync_list l = {0};
	pthread_mutex_lock(&mm->lock);
	int ret = sync_locked(mm, start, end, flags, &l);
	pthread_mutex_unlock(&mm->lock);
	/* As Linux, the mappings before a hole or a locked VMA are written back all the same. */
	for (size_t i = 0; i < l.n; i++) {
		int err = shmem_sync(l.e[i].s, l.e[i].from, l.e[i].to, flags & MSYNC_SYNC);
		if (err && (flags & MSYNC_SYNC) && (!ret || ret == -ENOMEM))
			ret = err;
		shmem_put(l.e[i].s);
	}
	free(l.e);
	return ret;
}
