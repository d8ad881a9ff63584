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

/*
 * A run of frames with its own allocator: the memory, or the store.
 *
 * Frames whose count reached zero, still holding their old contents, wait
 * in dead: punching one 4 KiB hole per frame cost a host syscall each (a
 * 16 MiB munmap took 80 ms under emulation), so they are sorted and
 * punched as coalesced runs. Up to WARM_KEEP of them are not punched at
 * all but handed out again first, zeroed by the allocation: a punched
 * frame costs the guest a nested-paging fault (and the host a page fault)
 * on its next touch, a warm one only a 4 KiB clear.
 */
struct pool {
	pthread_mutex_t lock; /* guards everything below */
	u64 first, end;	      /* its frame numbers, [first, end) */
	u64 *free_list;	      /* stack of free (punched) frame numbers */
	u64 nfree;
	u64 bump; /* first never-allocated frame */
	u64 used;
	u64 *dead;
	size_t ndead;
};

struct memfile {
	int fd;		 /* backs [0, shared_size) */
	u64 shared_size; /* the memfd part */
	u8 *base;
	u64 size;	 /* bytes of memory; the store follows */
	u64 nframes;	 /* memory and store */
	u32 *refs;	 /* per frame; lazily backed (MAP_NORESERVE) */
	struct pool mem; /* [reserved, size): mf->lock is mem.lock */
	u64 reserved;	 /* frames below this are the platform's */
	/*
	 * Frames in use may not exceed this (memfile_set_limit): the memory
	 * cgroup's memory.max lowered below the file's size after boot. The
	 * memory's frames when there is none.
	 */
	u64 limit;
	memfile_reclaim_fn reclaim; /* set once, before the file is shared */
	/*
	 * The store (memfile_create_with_store): a host file mapped after the
	 * memory, so that its frames are guest-physical frames too. Disk
	 * blocks are allocated before a frame is handed out (fallocate), so
	 * that a full disk is -ENOSPC here rather than SIGBUS on a store;
	 * fresh frames get theirs a chunk at a time: [store.bump, backed)
	 * have blocks.
	 */
	int store_fd;
	struct pool store;
	u64 backed;
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
/* Store frames given disk blocks at once when fresh ones run out. */
#define STORE_CHUNK (HUGE_SIZE >> PAGE_SHIFT)

static u64 span(const struct memfile *mf)
{
	return mf->nframes << PAGE_SHIFT;
}

/*
 * Guest memory: the memfd over [0, shared_size), private anonymous memory
 * after it, then the store's file; 2 MiB aligned, so that a host huge page
 * is also a 2 MiB guest-physical frame. The anonymous part is not
 * inherited by a child of the Sentry: it would turn every page
 * copy-on-write.
 */
static int map_guest_memory(struct memfile *mf)
{
	u8 *p = mmap(NULL, span(mf) + HUGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	u8 *base = (u8 *)ALIGN_UP((uintptr_t)p, HUGE_SIZE);
	if (base != p)
		munmap(p, base - p);
	if (base + span(mf) != p + span(mf) + HUGE_SIZE)
		munmap(base + span(mf), p + span(mf) + HUGE_SIZE - (base + span(mf)));
	mf->base = base;
	if (mmap(base, mf->shared_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, mf->fd, 0) == MAP_FAILED)
		return -errno;
	if (mf->store_fd >= 0 &&
	    mmap(base + mf->size, span(mf) - mf->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, mf->store_fd, 0) == MAP_FAILED)
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

static int pool_init(struct pool *pl, u64 first, u64 end)
{
	pthread_mutex_init(&pl->lock, NULL);
	pl->first = pl->bump = first;
	pl->end = end;
	pl->free_list = map_anon(MAX(end - first, 1) * sizeof(u64));
	pl->dead = calloc(DEAD_BATCH, sizeof(u64));
	return pl->free_list && pl->dead ? 0 : -ENOMEM;
}

static void pool_destroy(struct pool *pl)
{
	if (pl->free_list)
		munmap(pl->free_list, MAX(pl->end - pl->first, 1) * sizeof(u64));
	free(pl->dead);
	pthread_mutex_destroy(&pl->lock);
}

struct memfile *memfile_create(u64 size)
{
	return memfile_create_with_store(size, -1, 0);
}

struct memfile *memfile_create_with_store(u64 size, int store_fd, u64 store_size)
{
	size = ALIGN_UP(size, HUGE_SIZE); /* 2 MiB chunks: huge host pages can back them */
	store_size = store_fd >= 0 ? ALIGN_DOWN(store_size, HUGE_SIZE) : 0;
	struct memfile *mf = calloc(1, sizeof(*mf));
	if (!mf) {
		if (store_fd >= 0)
			close(store_fd);
		return ERR_PTR(-ENOMEM);
	}
	mf->size = size;
	mf->nframes = (size + store_size) >> PAGE_SHIFT;
	mf->limit = size >> PAGE_SHIFT;
	mf->store_fd = store_fd;
	mf->shared_size = MIN(SHARED_SPAN, size);
	mf->fd = memfd_create("runsk-memory", MFD_CLOEXEC);
	int err = mf->fd < 0 ? -errno : 0;
	if (!err && ftruncate(mf->fd, mf->shared_size) < 0)
		err = -errno;
	/* Sparse: blocks come with each frame (take_store_frame). */
	if (!err && store_fd >= 0 && (!store_size || ftruncate(store_fd, store_size) < 0))
		err = store_size ? -errno : -EINVAL;
	if (!err)
		err = map_guest_memory(mf);
	if (!err) {
		mf->refs = map_anon(mf->nframes * sizeof(u32));
		err = mf->refs ? 0 : -ENOMEM;
	}
	if (!err)
		err = pool_init(&mf->mem, 0, size >> PAGE_SHIFT);
	if (!err)
		err = pool_init(&mf->store, mf->mem.end, mf->nframes);
	if (!err)
		mf->backed = mf->store.first;
	if (err) {
		pr_err("memory file of %llu MiB (store %llu MiB): %s",
		       (unsigned long long)(size >> 20), (unsigned long long)(store_size >> 20),
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
	pool_destroy(&mf->mem);
	pool_destroy(&mf->store);
	if (mf->base)
		munmap(mf->base, span(mf));
	if (mf->fd >= 0)
		close(mf->fd);
	if (mf->store_fd >= 0)
		close(mf->store_fd);
	free(mf);
}

void memfile_reserve(struct memfile *mf, u64 bytes)
{
	pthread_mutex_lock(&mf->mem.lock);
	mf->reserved = MIN(ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT, mf->mem.end);
	if (mf->mem.bump < mf->reserved)
		mf->mem.bump = mf->reserved;
	pthread_mutex_unlock(&mf->mem.lock);
}

void memfile_set_reclaim(struct memfile *mf, memfile_reclaim_fn fn)
{
	mf->reclaim = fn;
}

/*
 * A free frame's number into *fn (pl->lock held); *warm if it must be
 * cleared, *punched if it was given back to the host.
 */
static bool pool_take_locked(struct pool *pl, u64 *fn, bool *warm, bool *punched)
{
	*warm = *punched = false;
	if (pl->ndead) {
		*fn = pl->dead[--pl->ndead];
		*warm = true;
	} else if (pl->nfree) {
		*fn = pl->free_list[--pl->nfree];
		*punched = true;
	} else if (pl->bump < pl->end) {
		*fn = pl->bump++;
	} else {
		return false;
	}
	pl->used++;
	return true;
}

/* Give a frame pool_take_locked handed out back unused (pl->lock held). */
static void pool_untake_locked(struct pool *pl, u64 fn)
{
	pl->free_list[pl->nfree++] = fn;
	pl->used--;
}

int memfile_alloc(struct memfile *mf, u64 *pa)
{
	struct pool *pl = &mf->mem;
	u64 fn;
	bool warm, punched;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		if (pl->bump < mf->reserved)
			pl->bump = mf->reserved;
		/* Over the limit is as full: the reclaimer and then the OOM killer act. */
		bool got = pl->used < mf->limit && pool_take_locked(pl, &fn, &warm, &punched);
		if (got)
			mf->refs[fn] = 1;
		pthread_mutex_unlock(&pl->lock);
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

/* Disk blocks for store frames [fn, fn + n), or -errno (-ENOSPC: the disk is full). */
static int store_back(struct memfile *mf, u64 fn, u64 n)
{
	off_t off = (off_t)((fn - mf->store.first) << PAGE_SHIFT);
	int ret;
	do
		ret = fallocate(mf->store_fd, FALLOC_FL_KEEP_SIZE, off, (off_t)(n << PAGE_SHIFT));
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int memfile_alloc_store(struct memfile *mf, u64 *pa)
{
	struct pool *pl = &mf->store;
	u64 fn;
	bool warm, punched;
	int ret = -ENOSPC;

	/* Under the store's lock: the memory's allocations never wait for the disk. */
	pthread_mutex_lock(&pl->lock);
	if (pool_take_locked(pl, &fn, &warm, &punched)) {
		ret = 0;
		if (punched)
			ret = store_back(mf, fn, 1);
		else if (!warm && fn >= mf->backed) {
			u64 n = MIN(STORE_CHUNK, pl->end - fn);
			ret = store_back(mf, fn, n);
			if (!ret)
				mf->backed = fn + n;
		}
		if (ret)
			pool_untake_locked(pl, fn);
		else
			mf->refs[fn] = 1;
	}
	pthread_mutex_unlock(&pl->lock);
	if (ret)
		return ret == -ENOSPC || ret == -EDQUOT ? -ENOSPC : ret;
	*pa = fn << PAGE_SHIFT;
	if (warm)
		memset(mf->base + *pa, 0, PAGE_SIZE);
	return 0;
}

int memfile_alloc_shareable(struct memfile *mf, u64 *pa)
{
	struct pool *pl = &mf->mem;
	u64 limit = mf->shared_size >> PAGE_SHIFT, fn = limit;
	pthread_mutex_lock(&pl->lock);
	if (pl->bump < mf->reserved)
		pl->bump = mf->reserved;
	/* Rare (the vDSO's one frame): a scan of the free list is fine. */
	for (u64 i = 0; i < pl->nfree && fn == limit && pl->used < mf->limit; i++) {
		if (pl->free_list[i] < limit) {
			fn = pl->free_list[i];
			pl->free_list[i] = pl->free_list[--pl->nfree];
		}
	}
	if (fn == limit && pl->bump < limit && pl->used < mf->limit)
		fn = pl->bump++;

	if (fn < limit) {
		mf->refs[fn] = 1;
		pl->used++;
	}
	pthread_mutex_unlock(&pl->lock);
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

/* Give [pa, pa + len) (of one pool) back to the host; it reads as zero when reused. */
static void punch(struct memfile *mf, u64 pa, u64 len)
{
	if (pa >= mf->size) {
		/* The store's blocks go back to the disk; store_back takes new ones. */
		if (fallocate(mf->store_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)(pa - mf->size), (off_t)len) < 0)
			memset(mf->base + pa, 0, len);
		return;
	}
	u64 split = MIN(MAX(pa, mf->shared_size), pa + len);
	if (split > pa &&
	    fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pa, split - pa) < 0)
		memset(mf->base + pa, 0, split - pa);
	if (pa + len > split && madvise(mf->base + split, pa + len - split, MADV_DONTNEED) < 0)
		memset(mf->base + split, 0, pa + len - split);
}

/* Punch the dead frames as coalesced runs and free them. Caller holds pl->lock. */
static void flush_dead_locked(struct memfile *mf, struct pool *pl)
{
	qsort(pl->dead, pl->ndead, sizeof(u64), cmp_u64);
	for (size_t i = 0; i < pl->ndead;) {
		size_t j = i + 1;
		while (j < pl->ndead && pl->dead[j] == pl->dead[j - 1] + 1)
			j++;
		u64 pa = pl->dead[i] << PAGE_SHIFT, len = (u64)(j - i) << PAGE_SHIFT;
		punch(mf, pa, len);
		i = j;
	}
	for (size_t i = 0; i < pl->ndead; i++)
		pl->free_list[pl->nfree++] = pl->dead[i];
	pl->ndead = 0;
}

void memfile_put(struct memfile *mf, u64 pa)
{
	u64 fn = pa >> PAGE_SHIFT;
	if (__atomic_sub_fetch(&mf->refs[fn], 1, __ATOMIC_ACQ_REL))
		return;
	struct pool *pl = fn < mf->mem.end ? &mf->mem : &mf->store;
	pthread_mutex_lock(&pl->lock);
	pl->dead[pl->ndead++] = fn;
	pl->used--;
	if (pl->ndead == DEAD_BATCH)
		flush_dead_locked(mf, pl);
	pthread_mutex_unlock(&pl->lock);
}

void memfile_flush(struct memfile *mf)
{
	struct pool *pools[] = {&mf->mem, &mf->store};
	for (size_t i = 0; i < ARRAY_SIZE(pools); i++) {
		pthread_mutex_lock(&pools[i]->lock);
		if (pools[i]->ndead > WARM_KEEP)
			flush_dead_locked(mf, pools[i]);
		pthread_mutex_unlock(&pools[i]->lock);
	}
}

u8 *memfile_ptr(struct memfile *mf, u64 pa)
{
	return mf->base + pa;
}

u64 memfile_size(const struct memfile *mf)
{
	return mf->size;
}

u64 memfile_store_frames(const struct memfile *mf)
{
	return mf->store.end - mf->store.first;
}

u64 memfile_set_limit(struct memfile *mf, u64 bytes)
{
	u64 frames = bytes ? MIN(bytes >> PAGE_SHIFT, mf->mem.end) : mf->mem.end;

	pthread_mutex_lock(&mf->mem.lock);
	/* memfile_limit_pages reads it without the lock. */
	__atomic_store_n(&mf->limit, frames, __ATOMIC_RELAXED);
	bool over = mf->mem.used > frames;
	pthread_mutex_unlock(&mf->mem.lock);
	/*
	 * As a write of memory.max: the caches go first. What is still over
	 * stays until the next allocation fails and the OOM killer acts; the
	 * bound keeps a reclaimer that always claims progress from looping.
	 */
	for (int i = 0; over && mf->reclaim && i < RECLAIM_TRIES && mf->reclaim(); i++) {
		pthread_mutex_lock(&mf->mem.lock);
		over = mf->mem.used > frames;
		pthread_mutex_unlock(&mf->mem.lock);
	}
	return frames << PAGE_SHIFT;
}

u64 memfile_limit_pages(struct memfile *mf)
{
	return __atomic_load_n(&mf->limit, __ATOMIC_RELAXED);
}

u64 memfile_used_frames(struct memfile *mf)
{
	pthread_mutex_lock(&mf->mem.lock);
	u64 n = mf->mem.used;
	pthread_mutex_unlock(&mf->mem.lock);
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
		.size = span(mf), /* the store's frames are guest-physical too */
		.alloc_frame = pm_alloc,
		.free_frame = pm_free,
		.reserve = pm_reserve,
		.opaque = mf,
	};
}
