// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/log.h"
#include "memfile.h"

struct memfile {
	int fd;		 /* backs [0, shared_size) */
	u64 shared_size; /* the memfd part */
	u8 *base;
	u64 size;
	u64 nframes;
	pthread_mutex_t lock; /* guards everything below */
	u32 *refs;	      /* per frame; lazily backed (MAP_NORESERVE) */
	u64 *free_list;	      /* stack of free frame numbers */
	u64 nfree;
	u64 bump;     /* first never-allocated frame */
	u64 reserved; /* frames below this are the platform's */
	u64 used;
	/*
	 * Frames in use may not exceed this (memfile_set_limit): the memory
	 * cgroup's memory.max lowered below the file's size after boot. nframes
	 * when there is none.
	 */
	u64 limit;
	/*
	 * Frames whose count reached zero, still holding their old contents:
	 * punching one 4 KiB hole per frame cost a host syscall each (a 16 MiB
	 * munmap took 80 ms under emulation), so they are sorted and punched as
	 * coalesced runs. Up to WARM_KEEP of them are not punched at all but
	 * handed out again first, zeroed by memfile_alloc: a punched frame costs
	 * the guest a nested-paging fault (and the host a page fault) on its
	 * next touch, a warm one only a 4 KiB clear.
	 */
	u64 *dead;
	size_t ndead;
	memfile_reclaim_fn reclaim; /* set once, before the file is shared */
};

#define DEAD_BATCH 1024
/* Reclaimer calls memfile_set_limit makes, at most, to get under a lowered limit. */
#define RECLAIM_TRIES 4096
/* Freed frames memfile_flush leaves unpunched: 1 MiB the host keeps for reuse. */
#define WARM_KEEP 256
/*
 * The first frames are a memfd, the rest anonymous memory: frames the
 * Sentry must map a second time (memfile_alloc_shareable) come from the
 * memfd, and so do the platform's reserve and a small sandbox's memory;
 * the rest gets transparent huge pages where the host allows, so that KVM
 * maps 2 MiB of it with one nested-paging entry instead of faulting per
 * 4 KiB (a memfd's shmem gets huge pages only if the host's shmem_enabled
 * says so, and by default it does not).
 */
#define SHARED_SPAN (16ULL << 20)
#define HUGE_SIZE (2ULL << 20)

static void flush_dead_locked(struct memfile *mf);

/*
 * Guest memory: the memfd over [0, shared_size), private anonymous memory
 * after it; 2 MiB aligned, so that a host huge page is also a 2 MiB
 * guest-physical frame. The anonymous part is not inherited by a child of
 * the Sentry: it would turn every page copy-on-write.
 */
static int map_guest_memory(struct memfile *mf)
{
	u8 *p = mmap(NULL, mf->size + HUGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	u8 *base = (u8 *)ALIGN_UP((uintptr_t)p, HUGE_SIZE);
	if (base != p)
		munmap(p, base - p);
	if (base + mf->size != p + mf->size + HUGE_SIZE)
		munmap(base + mf->size, p + mf->size + HUGE_SIZE - (base + mf->size));
	mf->base = base;
	if (mmap(base, mf->shared_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, mf->fd, 0) == MAP_FAILED)
		return -errno;
	/* Hints only: without THP or MADV_DONTFORK the memory works the same. */
	madvise(base + mf->shared_size, mf->size - mf->shared_size, MADV_HUGEPAGE);
	madvise(base + mf->shared_size, mf->size - mf->shared_size, MADV_DONTFORK);
	return 0;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

struct memfile *memfile_create(u64 size)
{
	size = ALIGN_UP(size, 2ULL << 20); /* 2 MiB chunks: huge host pages can back them */
	struct memfile *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return ERR_PTR(-ENOMEM);
	mf->size = size;
	mf->nframes = size >> PAGE_SHIFT;
	mf->limit = mf->nframes;
	pthread_mutex_init(&mf->lock, NULL);
	mf->shared_size = MIN(SHARED_SPAN, size);
	mf->fd = memfd_create("runsk-memory", MFD_CLOEXEC);
	int err = mf->fd < 0 ? -errno : 0;
	if (!err && ftruncate(mf->fd, mf->shared_size) < 0)
		err = -errno;
	if (!err)
		err = map_guest_memory(mf);
	if (!err) {
		mf->refs = map_anon(mf->nframes * sizeof(u32));
		mf->free_list = map_anon(mf->nframes * sizeof(u64));
		mf->dead = calloc(DEAD_BATCH, sizeof(u64));
		if (!mf->refs || !mf->free_list || !mf->dead)
			err = -ENOMEM;
	}
	if (err) {
		pr_err("memory file of %llu MiB: %s", (unsigned long long)(size >> 20),
		       strerror(-err));
		memfile_destroy(mf);
		return ERR_PTR(err);
	}
	return mf;
}

void memfile_destroy(struct memfile *mf)
{
	if (!mf)
		return;
	if (mf->refs)
		munmap(mf->refs, mf->nframes * sizeof(u32));
	if (mf->free_list)
		munmap(mf->free_list, mf->nframes * sizeof(u64));
	free(mf->dead);
	if (mf->base)
		munmap(mf->base, mf->size);
	if (mf->fd >= 0)
		close(mf->fd);
	pthread_mutex_destroy(&mf->lock);
	free(mf);
}

void memfile_reserve(struct memfile *mf, u64 bytes)
{
	pthread_mutex_lock(&mf->lock);
	mf->reserved = MIN(ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT, mf->nframes);
	if (mf->bump < mf->reserved)
		mf->bump = mf->reserved;
	pthread_mutex_unlock(&mf->lock);
}

void memfile_set_reclaim(struct memfile *mf, memfile_reclaim_fn fn)
{
	mf->reclaim = fn;
}

/* A free frame's number into *fn (mf->lock held); *warm if it must be cleared. */
static bool take_frame_locked(struct memfile *mf, u64 *fn, bool *warm)
{
	if (mf->bump < mf->reserved)
		mf->bump = mf->reserved;
	*warm = false;
	/* Over the limit is as full: the reclaimer and then the OOM killer act. */
	if (mf->used >= mf->limit)
		return false;
	if (mf->ndead) {
		*fn = mf->dead[--mf->ndead];
		*warm = true;
	} else if (mf->nfree) {
		*fn = mf->free_list[--mf->nfree];
	} else if (mf->bump < mf->nframes) {
		*fn = mf->bump++;
	} else {
		return false;
	}
	mf->refs[*fn] = 1;
	mf->used++;
	return true;
}

int memfile_alloc(struct memfile *mf, u64 *pa)
{
	u64 fn;
	bool warm;

	for (;;) {
		pthread_mutex_lock(&mf->lock);
		bool got = take_frame_locked(mf, &fn, &warm);
		pthread_mutex_unlock(&mf->lock);
		if (got)
			break;
		/* What the reclaimer frees is queued as dead frames: the next try takes them. */
		if (!mf->reclaim || !mf->reclaim())
			return -ENOMEM;
	}
	*pa = fn << PAGE_SHIFT;
	/* Punched or never-touched frames read as zero; a warm one is cleared here. */
	if (warm)
		memset(mf->base + *pa, 0, PAGE_SIZE);
	return 0;
}

int memfile_alloc_shareable(struct memfile *mf, u64 *pa)
{
	u64 limit = mf->shared_size >> PAGE_SHIFT, fn = limit;
	pthread_mutex_lock(&mf->lock);
	if (mf->bump < mf->reserved)
		mf->bump = mf->reserved;
	/* Rare (the vDSO's one frame): a scan of the free list is fine. */
	for (u64 i = 0; i < mf->nfree && fn == limit && mf->used < mf->limit; i++) {
		if (mf->free_list[i] < limit) {
			fn = mf->free_list[i];
			mf->free_list[i] = mf->free_list[--mf->nfree];
		}
	}
	if (fn == limit && mf->bump < limit && mf->used < mf->limit)
		fn = mf->bump++;

	if (fn < limit) {
		mf->refs[fn] = 1;
		mf->used++;
	}
	pthread_mutex_unlock(&mf->lock);
	*pa = fn << PAGE_SHIFT;
	return fn < limit ? 0 : -ENOMEM;
}

void memfile_get(struct memfile *mf, u64 pa)
{
	__atomic_fetch_add(&mf->refs[pa >> PAGE_SHIFT], 1, __ATOMIC_RELAXED);
}

u32 memfile_refcount(struct memfile *mf, u64 pa)
{
	/*
	 * Acquire pairs with memfile_put's release: whoever sees a COW frame's
	 * count fall to 1 and writes to it comes after the other user's last
	 * read (its copy) of the frame.
	 */
	return __atomic_load_n(&mf->refs[pa >> PAGE_SHIFT], __ATOMIC_ACQUIRE);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;
	return x < y ? -1 : x > y;
}

/* Give [pa, pa + len) back to the host; it reads as zero when reused. */
static void punch(struct memfile *mf, u64 pa, u64 len)
{
	u64 split = MIN(MAX(pa, mf->shared_size), pa + len);
	if (split > pa &&
	    fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pa, split - pa) < 0)
		memset(mf->base + pa, 0, split - pa);
	if (pa + len > split && madvise(mf->base + split, pa + len - split, MADV_DONTNEED) < 0)
		memset(mf->base + split, 0, pa + len - split);
}

/* Punch the dead frames as coalesced runs and free them. Caller holds mf->lock. */
static void flush_dead_locked(struct memfile *mf)
{
	qsort(mf->dead, mf->ndead, sizeof(u64), cmp_u64);
	for (size_t i = 0; i < mf->ndead;) {
		size_t j = i + 1;
		while (j < mf->ndead && mf->dead[j] == mf->dead[j - 1] + 1)
			j++;
		u64 pa = mf->dead[i] << PAGE_SHIFT, len = (u64)(j - i) << PAGE_SHIFT;
		punch(mf, pa, len);
		i = j;
	}
	for (size_t i = 0; i < mf->ndead; i++)
		mf->free_list[mf->nfree++] = mf->dead[i];
	mf->ndead = 0;
}

void memfile_put(struct memfile *mf, u64 pa)
{
	u64 fn = pa >> PAGE_SHIFT;
	if (__atomic_sub_fetch(&mf->refs[fn], 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&mf->lock);
	mf->dead[mf->ndead++] = fn;
	mf->used--;
	if (mf->ndead == DEAD_BATCH)
		flush_dead_locked(mf);
	pthread_mutex_unlock(&mf->lock);
}

void memfile_flush(struct memfile *mf)
{
	pthread_mutex_lock(&mf->lock);
	if (mf->ndead > WARM_KEEP)
		flush_dead_locked(mf);
	pthread_mutex_unlock(&mf->lock);
}

u8 *memfile_ptr(struct memfile *mf, u64 pa)
{
	return mf->base + pa;
}

u64 memfile_size(const struct memfile *mf)
{
	return mf->size;
}

u64 memfile_set_limit(struct memfile *mf, u64 bytes)
{
	u64 frames = bytes ? MIN(bytes >> PAGE_SHIFT, mf->nframes) : mf->nframes;

	pthread_mutex_lock(&mf->lock);
	/* memfile_limit_pages reads it without the lock. */
	__atomic_store_n(&mf->limit, frames, __ATOMIC_RELAXED);
	bool over = mf->used > frames;
	pthread_mutex_unlock(&mf->lock);
	/*
	 * As a write of memory.max: the caches go first. What is still over
	 * stays until the next allocation fails and the OOM killer acts; the
	 * bound keeps a reclaimer that always claims progress from looping.
	 */
	for (int i = 0; over && mf->reclaim && i < RECLAIM_TRIES && mf->reclaim(); i++) {
		pthread_mutex_lock(&mf->lock);
		over = mf->used > frames;
		pthread_mutex_unlock(&mf->lock);
	}
	return frames << PAGE_SHIFT;
}

u64 memfile_limit_pages(struct memfile *mf)
{
	return __atomic_load_n(&mf->limit, __ATOMIC_RELAXED);
}

u64 memfile_used_frames(struct memfile *mf)
{
	pthread_mutex_lock(&mf->lock);
	u64 n = mf->used;
	pthread_mutex_unlock(&mf->lock);
	return n;
}

static int pm_alloc(void *opaque, u64 *pa)
{
	return memfile_alloc(opaque, pa);
}

static void pm_free(void *opaque, u64 pa)
{
	memfile_put(opaque, pa);
}

static void pm_reserve(void *opaque, u64 bytes)
{
	memfile_reserve(opaque, bytes);
}

struct platform_memory memfile_platform_memory(struct memfile *mf)
{
	return (struct platform_memory){
		.fd = mf->fd, /* only memfile_alloc_shareable's frames are in it */
		.host = mf->base,
		.size = mf->size,
		.alloc_frame = pm_alloc,
		.free_frame = pm_free,
		.reserve = pm_reserve,
		.opaque = mf,
	};
}
