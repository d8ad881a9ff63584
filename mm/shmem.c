// SPDX-License-Identifier: Apache-2.0
/*
 * Shared memory objects. The offset index is a pagemap: offsets stay below
 * MM_TASK_SIZE (an anonymous object is never larger than the mapping that
 * made it, a file object never larger than SHMEM_MAX_SIZE), so the radix
 * tree built for user addresses fits them as well.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mm.h"
#include "mm_internal.h"
#include "pagemap.h"
#include "shmem.h"
#include "shmem_internal.h"

_Static_assert(SHMEM_MAX_SIZE <= (s64)MM_TASK_SIZE, "file offsets must fit a pagemap");

struct shmem *shmem_alloc(struct memfile *mf, u64 size)
{
	struct shmem *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->refs = 1;
	s->mf = mf;
	s->size = size;
	pthread_mutex_init(&s->lock, NULL);
	pagemap_init(&s->index);
	pagemap_init(&s->dirty);
	return s;
}

struct shmem *shmem_create(struct memfile *mf, u64 size)
{
	if (!size || !IS_ALIGNED(size, PAGE_SIZE) || size > MM_TASK_SIZE)
		return ERR_PTR(-EINVAL);
	struct shmem *s = shmem_alloc(mf, size);
	return s ? s : ERR_PTR(-ENOMEM);
}

struct shmem *shmem_create_file(struct memfile *mf, u64 *pages, u64 max_pages)
{
	struct shmem *s = shmem_alloc(mf, 0);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->file = true;
	s->quota = pages;
	s->quota_max = max_pages;
	return s;
}

struct shmem *shmem_create_stored_file(struct memfile *mf, u64 *pages, u64 max_pages)
{
	struct shmem *s = shmem_create_file(mf, pages, max_pages);
	if (!IS_ERR(s))
		s->store = true;
	return s;
}

void shmem_get(struct shmem *s)
{
	if (s)
		__atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

void shmem_forget(void *arg, u64 off, u64 pa)
{
}

static void put_frame(void *arg, u64 off, u64 pa)
{
	struct shmem *s = arg;
	memfile_put(s->mf, pa);
	s->nframes--;
	if (s->quota)
		__atomic_sub_fetch(s->quota, 1, __ATOMIC_RELAXED);
}

void shmem_put(struct shmem *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/*
	 * No VMA refers to s any more, so nobody can look a frame up. A
	 * cache's owner wrote it back before letting go; what was dirtied
	 * since (a last mapping gone at exit) is written now.
	 */
	if (s->bops) {
		pthread_mutex_lock(&s->lock);
		(void)pagecache_writeback_locked(s);
		pthread_mutex_unlock(&s->lock);
		s->bops->release(s->barg);
	}
	pagemap_clear(&s->dirty, 0, MM_TASK_SIZE, shmem_forget, NULL);
	pagemap_destroy(&s->dirty);
	pagemap_clear(&s->index, 0, MM_TASK_SIZE, put_frame, s);
	pagemap_destroy(&s->index);
	pthread_mutex_destroy(&s->lock);
	free(s->maps);
	free(s);
}

struct memfile *shmem_memfile(const struct shmem *s)
{
	return s->mf;
}

/* The frame at off, allocated (against the quota) if absent; caller holds s->lock. */
static int frame_locked(struct shmem *s, u64 off, u64 *pa)
{
	u64 e = pagemap_get(&s->index, off);
	if (!e && s->bops) {
		/* A cache reads the store's page (and its neighbours) instead of a zero frame. */
		int ret = pagecache_fill_locked(s, off);
		if (ret)
			return ret;
		e = pagemap_get(&s->index, off);
	}
	if (e) {
		*pa = e - 1;
		return 0;
	}
	if (s->quota && __atomic_add_fetch(s->quota, 1, __ATOMIC_RELAXED) > s->quota_max) {
		__atomic_sub_fetch(s->quota, 1, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	int ret = s->store ? memfile_alloc_store(s->mf, pa) : memfile_alloc(s->mf, pa);
	if (!ret && pagemap_set(&s->index, off, *pa)) {
		memfile_put(s->mf, *pa);
		ret = -ENOMEM;
	}
	if (ret) {
		if (s->quota)
			__atomic_sub_fetch(s->quota, 1, __ATOMIC_RELAXED);
		return ret;
	}
	s->nframes++;
	return 0;
}

int shmem_frame(struct shmem *s, u64 off, u64 *pa)
{
	pthread_mutex_lock(&s->lock);
	int ret = off < s->size ? frame_locked(s, off, pa) : -EIO;
	/* The index keeps its own reference; this one is the caller's. */
	if (!ret)
		memfile_get(s->mf, *pa);
	pthread_mutex_unlock(&s->lock);
	return ret == -ENOSPC ? -EIO : ret;
}

bool shmem_has_frame(struct shmem *s, u64 off)
{
	pthread_mutex_lock(&s->lock);
	bool has = off < s->size && pagemap_get(&s->index, off);
	pthread_mutex_unlock(&s->lock);
	return has;
}

/* ---- the reverse map ---- */

static struct shmem_mapper *find_mapper(struct shmem *s, struct mm *mm)
{
	for (u32 i = 0; i < s->nmaps; i++)
		if (s->maps[i].mm == mm)
			return &s->maps[i];
	return NULL;
}

int shmem_link(struct shmem *s, struct mm *mm, bool writable)
{
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	/* Every object finds its mappers: files shrink, and any object may be punched. */
	if (mm) {
		struct shmem_mapper *m = find_mapper(s, mm);
		if (!m && s->nmaps == s->maps_cap) {
			u32 cap = s->maps_cap ? 2 * s->maps_cap : 4;
			struct shmem_mapper *n = realloc(s->maps, cap * sizeof(*n));
			if (!n) {
				pthread_mutex_unlock(&s->lock);
				return -ENOMEM;
			}
			s->maps = n;
			s->maps_cap = cap;
		}
		if (!m) {
			m = &s->maps[s->nmaps++];
			*m = (struct shmem_mapper){.mm = mm};
		}
		m->vmas++;
	}
	if (writable && s->writable >= 0)
		s->writable++;
	pthread_mutex_unlock(&s->lock);
	shmem_get(s);
	return 0;
}

void shmem_unlink(struct shmem *s, struct mm *mm, bool writable)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	struct shmem_mapper *m = mm ? find_mapper(s, mm) : NULL;
	if (m && !--m->vmas)
		*m = s->maps[--s->nmaps];
	if (writable && s->writable > 0)
		s->writable--;
	/* The last writable shared mapping of a cache is gone: its writes reach the store. */
	if (writable && !s->writable && s->bops)
		(void)pagecache_writeback_locked(s);
	pthread_mutex_unlock(&s->lock);
	shmem_put(s);
}

/* Take a user reference to mm unless it is already being destroyed. */
static bool mm_tryget(struct mm *mm)
{
	int n = __atomic_load_n(&mm->users, __ATOMIC_RELAXED);
	while (n > 0)
		if (__atomic_compare_exchange_n(&mm->users, &n, n + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

/* What to take out of the mappers: offsets [from, to), and whether private copies too. */
struct zap_range {
	u64 from, to;
	bool cows;
};

/* The private pages of a VMA that still map the object's own frame, found by zap_private. */
struct zap_own {
	struct shmem *s;
	const struct vma *v;
	u64 *va;
	size_t n, cap;
};

static void find_own(void *arg, u64 va, u64 pa)
{
	struct zap_own *z = arg;
	pthread_mutex_lock(&z->s->lock);
	u64 e = pagemap_get(&z->s->index, vma_off(z->v, va));
	pthread_mutex_unlock(&z->s->lock);
	if (e != pa + 1)
		return;
	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 16;
		u64 *n = realloc(z->va, cap * sizeof(*n));
		if (!n)
			return; /* the page keeps the old frame: stale, but memory safe */
		z->va = n;
		z->cap = cap;
	}
	z->va[z->n++] = va;
}

/*
 * Linux's unmap_mapping_range without even_cows: a private VMA loses the
 * pages that still are the object's frames (not yet written), and keeps
 * its own copies.
 */
static void zap_private(struct mm *mm, struct shmem *s, const struct vma *v, u64 start, u64 end)
{
	struct zap_own z = {.s = s, .v = v};
	pagemap_walk(&mm->pages, start, end, find_own, &z);
	for (size_t i = 0; i < z.n; i++)
		mm_drop_pages(mm, z.va[i], z.va[i] + PAGE_SIZE);
	free(z.va);
}

/* Drop mm's pages of s at offsets in r (page-aligned), in every VMA that maps s. */
static void zap_mm(struct mm *mm, struct shmem *s, const struct zap_range *r)
{
	pthread_mutex_lock(&mm->lock);
	for (struct vma *v = mm->vmas.head; v; v = v->next) {
		if (v->shm != s || vma_off(v, v->end) <= r->from || v->off >= r->to)
			continue;
		u64 start = r->from > v->off ? v->start + (r->from - v->off) : v->start;
		u64 end = vma_off(v, v->end) > r->to ? v->start + (r->to - v->off) : v->end;
		if (vma_is_shared(v) || r->cows)
			mm_drop_pages(mm, start, end);
		else
			zap_private(mm, s, v, start, end);
	}
	pthread_mutex_unlock(&mm->lock);
}

/*
 * An address space is pinned (a user reference) while s->lock is let go
 * to take its mm->lock, which orders before it; one already being
 * destroyed is skipped, its pages are going anyway.
 */
void shmem_for_each_mapper(struct shmem *s, void (*fn)(struct mm *mm, struct shmem *s, void *arg),
			   void *arg)
{
	pthread_mutex_lock(&s->lock);
	u32 n = s->nmaps;
	struct mm **pinned = n ? malloc(n * sizeof(*pinned)) : NULL;
	u32 k = 0;
	for (u32 i = 0; pinned && i < n; i++)
		if (mm_tryget(s->maps[i].mm))
			pinned[k++] = s->maps[i].mm;
	pthread_mutex_unlock(&s->lock);
	if (n && !pinned) {
		/* Out of memory: one at a time, the mapper list may move meanwhile. */
		for (u32 i = 0;; i++) {
			pthread_mutex_lock(&s->lock);
			struct mm *mm =
				i < s->nmaps && mm_tryget(s->maps[i].mm) ? s->maps[i].mm : NULL;
			bool more = i < s->nmaps;
			pthread_mutex_unlock(&s->lock);
			if (!more)
				break;
			if (mm) {
				fn(mm, s, arg);
				mm_put(mm);
			}
		}
		return;
	}
	for (u32 i = 0; i < k; i++) {
		fn(pinned[i], s, arg);
		mm_put(pinned[i]);
	}
	free(pinned);
}

static void zap_one(struct mm *mm, struct shmem *s, void *arg)
{
	zap_mm(mm, s, arg);
}

/* Zap every mapper. */
static void zap_mappers(struct shmem *s, const struct zap_range *r)
{
	shmem_for_each_mapper(s, zap_one, (void *)r);
}

/* ---- file data ---- */

u64 shmem_size(struct shmem *s)
{
	pthread_mutex_lock(&s->lock);
	u64 size = s->size;
	pthread_mutex_unlock(&s->lock);
	return size;
}

u64 shmem_nr_frames(struct shmem *s)
{
	pthread_mutex_lock(&s->lock);
	u64 n = s->nframes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void shmem_read(struct shmem *s, void *buf, size_t len, u64 off)
{
	size_t done = 0;
	pthread_mutex_lock(&s->lock);
	while (done < len) {
		u64 in = (off + done) & (PAGE_SIZE - 1);
		size_t n = MIN(len - done, PAGE_SIZE - in);
		u64 e = pagemap_get(&s->index, ALIGN_DOWN(off + done, PAGE_SIZE));
		/* SAFETY: the index holds the frame while s->lock is held. */
		if (e)
			memcpy((u8 *)buf + done, memfile_ptr(s->mf, e - 1) + in, n);
		else
			memset((u8 *)buf + done, 0, n);
		done += n;
	}
	pthread_mutex_unlock(&s->lock);
}

ssize_t shmem_write(struct shmem *s, const void *buf, size_t len, u64 off)
{
	size_t done = 0;
	int err = 0;
	pthread_mutex_lock(&s->lock);
	while (done < len) {
		u64 in = (off + done) & (PAGE_SIZE - 1);
		size_t n = MIN(len - done, PAGE_SIZE - in);
		u64 pa;
		err = frame_locked(s, ALIGN_DOWN(off + done, PAGE_SIZE), &pa);
		if (err)
			break;
		/* SAFETY: the index holds the frame while s->lock is held. */
		memcpy(memfile_ptr(s->mf, pa) + in, (const u8 *)buf + done, n);
		done += n;
	}
	if (done && off + done > s->size)
		s->size = off + done;
	pthread_mutex_unlock(&s->lock);
	return done ? (ssize_t)done : err;
}

bool shmem_resize(struct shmem *s, u64 size)
{
	pthread_mutex_lock(&s->lock);
	u64 old = s->size;
	s->size = size;
	if (size >= old) {
		if (s->bops)
			pagecache_grow_locked(s, old, size);
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	/*
	 * Faults see the new size from here, and the frames past it leave the
	 * index now; mappings hold their own references to those they map
	 * until shmem_unmap_from takes them out.
	 */
	u64 in = size & (PAGE_SIZE - 1);
	u64 tail = in ? pagemap_get(&s->index, ALIGN_DOWN(size, PAGE_SIZE)) : 0;
	/* SAFETY: the index holds the frame while s->lock is held. */
	if (tail)
		memset(memfile_ptr(s->mf, tail - 1) + in, 0, PAGE_SIZE - in);
	pagemap_clear(&s->index, ALIGN_UP(size, PAGE_SIZE), MM_TASK_SIZE, put_frame, s);
	pagemap_clear(&s->dirty, ALIGN_UP(size, PAGE_SIZE), MM_TASK_SIZE, shmem_forget, NULL);
	bool mapped = s->nmaps;
	pthread_mutex_unlock(&s->lock);
	memfile_flush(s->mf);
	return mapped;
}

void shmem_unmap_from(struct shmem *s, u64 size)
{
	struct zap_range r = {.from = ALIGN_UP(size, PAGE_SIZE), .to = MM_TASK_SIZE, .cows = true};
	zap_mappers(s, &r);
	memfile_flush(s->mf);
}

void shmem_punch(struct shmem *s, u64 off, u64 len)
{
	u64 end = off + len < off ? MM_TASK_SIZE : off + len;
	pthread_mutex_lock(&s->lock);
	end = MIN(end, s->size);
	if (off >= end) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	/* The partial pages at the edges are zeroed in place: they keep the rest. */
	u64 first = ALIGN_UP(off, PAGE_SIZE), last = ALIGN_DOWN(end, PAGE_SIZE);
	if (end == s->size)
		last = ALIGN_UP(end, PAGE_SIZE); /* the tail past the size is zero anyway */
	for (u64 at = off; at < end;) {
		u64 page = ALIGN_DOWN(at, PAGE_SIZE), next = MIN(page + PAGE_SIZE, end);
		u64 e = pagemap_get(&s->index, page);
		bool whole = page >= first && page + PAGE_SIZE <= last;
		/* SAFETY: the index holds the frame while s->lock is held. */
		if (e && !whole)
			memset(memfile_ptr(s->mf, e - 1) + (at - page), 0, next - at);
		at = next;
	}
	bool mapped = s->nmaps && first < last;
	pthread_mutex_unlock(&s->lock);
	if (first >= last)
		return;
	/*
	 * As Linux's shmem punch: unmap, free, unmap again. The first pass
	 * finds private pages still on the object's frames by comparing with
	 * the index, so it runs before the frames leave it; the second takes
	 * out of shared mappings what a fault mapped in between.
	 */
	struct zap_range r = {.from = first, .to = last};
	if (mapped)
		zap_mappers(s, &r);
	pthread_mutex_lock(&s->lock);
	pagemap_clear(&s->index, first, last, put_frame, s);
	pagemap_clear(&s->dirty, first, last, shmem_forget, NULL);
	mapped = s->nmaps;
	pthread_mutex_unlock(&s->lock);
	if (mapped)
		zap_mappers(s, &r);
	/* Give the frames back to the host now: its RSS falls. */
	memfile_flush(s->mf);
}

int shmem_mark_dirty(struct shmem *s, u64 off)
{
	if (!s || !s->bops)
		return 0;
	pthread_mutex_lock(&s->lock);
	bool was = pagemap_get(&s->dirty, off) == s->gen + 1;
	int ret = 0;
	if (off >= s->size)
		ret = -EIO; /* truncated meanwhile: SIGBUS, as Linux's page_mkwrite */
	else if (!was && pagemap_set(&s->dirty, off, s->gen))
		ret = -ENOMEM;
	pthread_mutex_unlock(&s->lock);
	if (ret)
		return ret;
	if (!was && s->bops->dirtied)
		s->bops->dirtied(s->barg);
	return 0;
}

bool shmem_page_writable(struct shmem *s, u64 off)
{
	if (!s || !s->bops)
		return true;
	pthread_mutex_lock(&s->lock);
	bool w = pagemap_get(&s->dirty, off) == s->gen + 1;
	pthread_mutex_unlock(&s->lock);
	return w;
}

bool shmem_is_unshared(struct shmem *s)
{
	return __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) == 1;
}

/* ---- writable mappings and F_SEAL_WRITE ---- */

int shmem_map_writable(struct shmem *s)
{
	pthread_mutex_lock(&s->lock);
	int ret = s->writable < 0 ? -EPERM : 0;
	if (!ret)
		s->writable++;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void shmem_unmap_writable(struct shmem *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->writable > 0)
		s->writable--;
	pthread_mutex_unlock(&s->lock);
}

int shmem_deny_write(struct shmem *s)
{
	pthread_mutex_lock(&s->lock);
	int ret = s->writable > 0 ? -EBUSY : 0;
	if (!ret)
		s->writable = -1;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* ---- the memory file of file objects ---- */

static struct memfile *file_mf;
static pthread_mutex_t file_mf_lock = PTHREAD_MUTEX_INITIALIZER;

void shmem_set_file_memfile(struct memfile *mf)
{
	pthread_mutex_lock(&file_mf_lock);
	file_mf = mf;
	pthread_mutex_unlock(&file_mf_lock);
}

struct memfile *shmem_file_memfile(void)
{
	pthread_mutex_lock(&file_mf_lock);
	if (!file_mf) {
		struct memfile *mf = memfile_create(1ULL << 30);
		if (IS_ERR(mf)) {
			pthread_mutex_unlock(&file_mf_lock);
			return mf;
		}
		pr_debug("shmem: no memory file set, using a private one of 1 GiB");
		file_mf = mf;
	}
	struct memfile *mf = file_mf;
	pthread_mutex_unlock(&file_mf_lock);
	return mf;
}
