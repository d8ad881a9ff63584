// SPDX-License-Identifier: Apache-2.0
/*
 * Caches: shared memory objects over a backing store (shmem.h), the page
 * cache of files whose data lives outside the memory file (goferfs). The
 * store is read in runs of up to RA_PAGES pages with one request, into a
 * bounce buffer copied to the new frames (they are not contiguous in the
 * memory file), and dirty pages are written back in runs the same way.
 *
 * shmem_sync is Linux's write_cache_pages with page_mkclean: the dirty
 * pages are write-protected in every mapper first (mm.c maps them
 * writable again, dirty, at their next store), then written and cleaned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "mm.h"
#include "mm_internal.h"
#include "shmem_internal.h"

/* Pages read or written with one request of the store (as mm's fault-around). */
#define RA_PAGES 16

struct shmem *shmem_create_cache(struct memfile *mf, u64 size, const struct shmem_backing_ops *ops,
				 void *arg)
{
	struct shmem *s = size <= SHMEM_MAX_SIZE ? shmem_alloc(mf, size) : NULL;
	if (!s) {
		ops->release(arg);
		return ERR_PTR(-ENOMEM);
	}
	s->file = true;
	s->bops = ops;
	s->barg = arg;
	return s;
}

/* Read exactly len bytes at off unless the store ends first: the count or -errno. */
static long store_read(struct shmem *s, void *buf, size_t len, u64 off)
{
	size_t done = 0;
	while (done < len) {
		long n = s->bops->read(s->barg, (u8 *)buf + done, len - done, off + done);
		if (n < 0)
			return done ? (long)done : n;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static long store_write(struct shmem *s, const void *buf, size_t len, u64 off)
{
	size_t done = 0;
	while (done < len) {
		long n = s->bops->write(s->barg, (const u8 *)buf + done, len - done, off + done);
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		done += n;
	}
	return done;
}

int pagecache_fill_locked(struct shmem *s, u64 off)
{
	/* The run of absent pages around off in its aligned window, inside the object. */
	const u64 win = RA_PAGES * PAGE_SIZE;
	u64 lo = off, hi = off + PAGE_SIZE;
	u64 wlo = ALIGN_DOWN(off, win), whi = MIN(wlo + win, ALIGN_UP(s->size, PAGE_SIZE));
	while (lo > wlo && !pagemap_get(&s->index, lo - PAGE_SIZE))
		lo -= PAGE_SIZE;
	while (hi < whi && !pagemap_get(&s->index, hi))
		hi += PAGE_SIZE;
	size_t len = hi - lo;
	u8 *buf = malloc(len);
	bool heap = buf;
	if (!heap) {
		/* No bounce buffer: just the one page, read through a stack copy. */
		static __thread u8 page[PAGE_SIZE];
		buf = page;
		lo = off;
		len = PAGE_SIZE;
	}
	long n = store_read(s, buf, len, lo);
	int ret = 0;
	if (n < 0 || (u64)n <= off - lo) {
		/* Nothing of off's page: an error, or the store is shorter than we think. */
		pr_debug("pagecache: reading offset %#llx: %ld", (unsigned long long)off, n);
		ret = -EIO;
		goto out;
	}
	for (u64 at = lo; at < hi && at < lo + len; at += PAGE_SIZE) {
		u64 pa;
		ret = memfile_alloc(s->mf, &pa);
		if (!ret && pagemap_set(&s->index, at, pa)) {
			memfile_put(s->mf, pa);
			ret = -ENOMEM;
		}
		if (ret)
			break;
		s->nframes++;
		/* SAFETY: the frame is new (zero) and only the index holds it. */
		u64 got = (u64)n > at - lo ? MIN((u64)n - (at - lo), PAGE_SIZE) : 0;
		memcpy(memfile_ptr(s->mf, pa), buf + (at - lo), got);
	}
	/* Only off's own page must have made it. */
	if (ret && pagemap_get(&s->index, off))
		ret = 0;
out:
	if (heap)
		free(buf);
	return ret;
}

ssize_t shmem_cache_read(struct shmem *s, void *buf, size_t len, u64 off)
{
	size_t done = 0;
	long err = 0;
	pthread_mutex_lock(&s->lock);
	while (done < len) {
		u64 at = off + done, page = ALIGN_DOWN(at, PAGE_SIZE);
		size_t n = MIN(len - done, PAGE_SIZE - (at - page));
		u64 e = pagemap_get(&s->index, page);
		if (e) {
			/* SAFETY: the index holds the frame while s->lock is held. */
			memcpy((u8 *)buf + done, memfile_ptr(s->mf, e - 1) + (at - page), n);
			done += n;
			continue;
		}
		/* A run of pages without frames: the store has them, in one request. */
		for (u64 p = page + PAGE_SIZE; done + n < len && !pagemap_get(&s->index, p);
		     p += PAGE_SIZE)
			n = MIN(len - done, n + PAGE_SIZE);
		long r = store_read(s, (u8 *)buf + done, n, at);
		if (r < 0) {
			err = r;
			break;
		}
		done += r;
		if ((size_t)r < n)
			break; /* the store ends early: a short read, as the file's */
	}
	pthread_mutex_unlock(&s->lock);
	return done ? (ssize_t)done : err;
}

void pagecache_grow_locked(struct shmem *s, u64 old, u64 size)
{
	u64 in = old & (PAGE_SIZE - 1);
	u64 e = in && old < size ? pagemap_get(&s->index, ALIGN_DOWN(old, PAGE_SIZE)) : 0;
	/*
	 * A mapping may have written past the old end in the last page: the
	 * store has zeros there, and so must the cache once the file covers it.
	 * SAFETY: the index holds the frame while s->lock is held.
	 */
	if (e)
		memset(memfile_ptr(s->mf, e - 1) + in, 0, PAGE_SIZE - in);
}

void shmem_cache_update(struct shmem *s, const void *buf, size_t len, u64 off)
{
	pthread_mutex_lock(&s->lock);
	if (off + len > s->size) {
		pagecache_grow_locked(s, s->size, off + len);
		s->size = off + len;
	}
	for (size_t done = 0; done < len;) {
		u64 at = off + done, page = ALIGN_DOWN(at, PAGE_SIZE);
		size_t n = MIN(len - done, PAGE_SIZE - (at - page));
		u64 e = pagemap_get(&s->index, page);
		/* SAFETY: the index holds the frame while s->lock is held. */
		if (e)
			memcpy(memfile_ptr(s->mf, e - 1) + (at - page), (const u8 *)buf + done, n);
		done += n;
	}
	pthread_mutex_unlock(&s->lock);
}

/* A run of dirty pages being gathered for one write to the store. */
struct wb_run {
	struct shmem *s;
	u8 *buf; /* RA_PAGES pages, or NULL: page by page */
	u64 start;
	size_t pages;
	int err;
};

static void wb_flush(struct wb_run *w)
{
	struct shmem *s = w->s;
	if (!w->pages || w->start >= s->size)
		goto out;
	size_t len = MIN((u64)w->pages * PAGE_SIZE, s->size - w->start);
	long n;
	if (w->buf) {
		n = store_write(s, w->buf, len, w->start);
	} else {
		u64 e = pagemap_get(&s->index, w->start);
		/* SAFETY: the index holds the frame while s->lock is held. */
		n = e ? store_write(s, memfile_ptr(s->mf, e - 1), len, w->start) : 0;
	}
	if (n < 0 && !w->err)
		w->err = n;
out:
	w->pages = 0;
}

/* Add page off (if it still has a frame) to the run, writing the run first if off cannot join it. */
static void wb_add(struct wb_run *w, u64 off)
{
	u64 e = pagemap_get(&w->s->index, off);
	if (!e)
		return; /* punched or truncated since: nothing to write */
	size_t max = w->buf ? RA_PAGES : 1;
	if (w->pages && (w->start + w->pages * PAGE_SIZE != off || w->pages == max))
		wb_flush(w);
	if (!w->pages)
		w->start = off;
	/* SAFETY: the index holds the frame while s->lock is held. */
	if (w->buf)
		memcpy(w->buf + w->pages * PAGE_SIZE, memfile_ptr(w->s->mf, e - 1), PAGE_SIZE);
	w->pages++;
}

static void wb_page(void *arg, u64 off, u64 unused)
{
	wb_add(arg, off);
}

int pagecache_writeback_locked(struct shmem *s)
{
	struct wb_run w = {.s = s, .buf = malloc(RA_PAGES * PAGE_SIZE)};
	pagemap_walk(&s->dirty, 0, ALIGN_UP(s->size, PAGE_SIZE), wb_page, &w);
	wb_flush(&w);
	free(w.buf);
	/*
	 * Clean now unless a writable shared mapping may still write them,
	 * unseen: those pages are written again next time (or cleaned by a
	 * shmem_sync, which write-protects them first).
	 */
	if (!w.err && s->writable <= 0)
		pagemap_clear(&s->dirty, 0, MM_TASK_SIZE, shmem_forget, NULL);
	if (w.err)
		pr_warn_ratelimited("pagecache: writeback: %s", strerror(-w.err));
	return w.err;
}

int shmem_writeback(struct shmem *s)
{
	if (!s || !s->bops)
		return 0;
	pthread_mutex_lock(&s->lock);
	int ret = pagecache_writeback_locked(s);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* The dirty offsets a sync handles, ascending. */
struct sync_set {
	u64 *off;
	size_t n, cap;
	bool nomem;
};

static void sync_collect(void *arg, u64 off, u64 gen)
{
	struct sync_set *d = arg;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		u64 *n = realloc(d->off, cap * sizeof(*n));
		if (!n) {
			d->nomem = true;
			return;
		}
		d->off = n;
		d->cap = cap;
	}
	d->off[d->n++] = off;
}

/* The first index of d whose offset is at or above off. */
static size_t sync_lower_bound(const struct sync_set *d, u64 off)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->off[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Write-protect [va, va + n pages) of v, every page of which is mapped.
 * One page is mapped again read-only (its reads go on without a fault);
 * a longer run is unmapped with one call, one TLB shoot-down instead of
 * one per page, and its pages are mapped again at their next access.
 */
static void wp_run(struct mm *mm, const struct vma *v, u64 va, size_t n)
{
	const struct platform_ops *ops = mm->p->ops;
	if (!n)
		return;
	u64 pa = pagemap_get(&mm->pages, va);
	if (n > 1 || !pa || ops->as_map(mm->as, va, pa - 1, mm_page_prot(mm, v, va, pa - 1)))
		ops->as_unmap(mm->as, va, n * PAGE_SIZE);
}

/* shmem_for_each_mapper's callback: write-protect mm's mappings of the pages of d. */
static void wp_mm(struct mm *mm, struct shmem *s, void *arg)
{
	const struct sync_set *d = arg;
	pthread_mutex_lock(&mm->lock);
	for (const struct vma *v = mm->vmas.head; v; v = v->next) {
		/* Only writable shared VMAs can have writable translations of s. */
		if (v->shm != s || !vma_is_shared(v) || !(v->prot & PROT_WRITE))
			continue;
		u64 end = vma_off(v, v->end), run = 0;
		size_t n = 0;
		for (size_t i = sync_lower_bound(d, v->off); i < d->n && d->off[i] < end; i++) {
			u64 va = v->start + (d->off[i] - v->off);
			if (!pagemap_get(&mm->pages, va))
				continue;
			if (n && va == run + n * PAGE_SIZE) {
				n++;
				continue;
			}
			wp_run(mm, v, run, n);
			run = va;
			n = 1;
		}
		wp_run(mm, v, run, n);
	}
	pthread_mutex_unlock(&mm->lock);
}

int shmem_sync(struct shmem *s, u64 from, u64 to, bool durable)
{
	if (!s || !s->bops)
		return 0;
	struct sync_set d = {0};
	from = ALIGN_DOWN(from, PAGE_SIZE);
	to = to < from ? MM_TASK_SIZE : MIN(ALIGN_UP(to, PAGE_SIZE), MM_TASK_SIZE);
	pthread_mutex_lock(&s->lock);
	/* Stores from here on dirty their page in the next generation: they stay dirty. */
	u64 gen = s->gen++;
	pagemap_walk(&s->dirty, from, MIN(to, ALIGN_UP(s->size, PAGE_SIZE)), sync_collect, &d);
	bool mapped = s->writable > 0;
	pthread_mutex_unlock(&s->lock);
	if (d.nomem) {
		/* Out of memory for the list: write everything, clean nothing. */
		free(d.off);
		int ret = shmem_writeback(s);
		return ret ? ret : -ENOMEM;
	}
	/* Stores before the protection are in the frames written next; later ones fault. */
	if (d.n && mapped)
		shmem_for_each_mapper(s, wp_mm, &d);
	struct wb_run w = {.s = s, .buf = malloc(RA_PAGES * PAGE_SIZE)};
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < d.n; i++)
		wb_add(&w, d.off[i]);
	wb_flush(&w);
	free(w.buf);
	/* Clean what this generation dirtied (and was written), not what a store dirtied since. */
	for (size_t i = 0; !w.err && i < d.n; i++) {
		u64 e = pagemap_get(&s->dirty, d.off[i]);
		if (e && e - 1 <= gen)
			pagemap_clear(&s->dirty, d.off[i], d.off[i] + PAGE_SIZE, shmem_forget,
				      NULL);
	}
	pthread_mutex_unlock(&s->lock);
	free(d.off);
	if (w.err) {
		pr_warn_ratelimited("pagecache: sync: %s", strerror(-w.err));
		return w.err;
	}
	return durable && s->bops->sync ? s->bops->sync(s->barg) : 0;
}

int shmem_punch_store(struct shmem *s, u64 off, u64 len)
{
	if (s->bops) {
		if (!s->bops->punch)
			return -EOPNOTSUPP;
		pthread_mutex_lock(&s->lock);
		int ret = off < s->size ? s->bops->punch(s->barg, off, MIN(len, s->size - off)) : 0;
		pthread_mutex_unlock(&s->lock);
		if (ret)
			return ret;
	}
	shmem_punch(s, off, len);
	return 0;
}
