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
	int fd;
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
	 * Frames whose count reached zero, waiting to be punched and then
	 * freed: punching one 4 KiB hole per frame cost a host syscall each
	 * (a 16 MiB munmap took 80 ms under emulation), so they are sorted and
	 * punched as coalesced runs. Not on the free list until punched, so a
	 * frame is zero whenever it is handed out.
	 */
	u64 *dead;
	size_t ndead;
};

#define DEAD_BATCH 1024

static void flush_dead_locked(struct memfile *mf);

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
	pthread_mutex_init(&mf->lock, NULL);
	mf->fd = memfd_create("runsk-memory", MFD_CLOEXEC);
	int err = mf->fd < 0 ? -errno : 0;
	if (!err && ftruncate(mf->fd, size) < 0)
		err = -errno;
	if (!err) {
		mf->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
				mf->fd, 0);
		if (mf->base == MAP_FAILED) {
			mf->base = NULL;
			err = -errno;
		}
	}
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

int memfile_alloc(struct memfile *mf, u64 *pa)
{
	u64 fn;

	pthread_mutex_lock(&mf->lock);
	if (mf->bump < mf->reserved)
		mf->bump = mf->reserved;
	if (!mf->nfree && mf->bump >= mf->nframes && mf->ndead)
		flush_dead_locked(mf);
	if (mf->nfree) {
		fn = mf->free_list[--mf->nfree];
	} else if (mf->bump < mf->nframes) {
		fn = mf->bump++;
	} else {
		pthread_mutex_unlock(&mf->lock);
		return -ENOMEM;
	}
	mf->refs[fn] = 1;
	mf->used++;
	pthread_mutex_unlock(&mf->lock);
	/* Punched or never-touched frames read as zero: nothing to clear. */
	*pa = fn << PAGE_SHIFT;
	return 0;
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

/* Punch the dead frames as coalesced runs and free them. Caller holds mf->lock. */
static void flush_dead_locked(struct memfile *mf)
{
	qsort(mf->dead, mf->ndead, sizeof(u64), cmp_u64);
	for (size_t i = 0; i < mf->ndead;) {
		size_t j = i + 1;
		while (j < mf->ndead && mf->dead[j] == mf->dead[j - 1] + 1)
			j++;
		u64 pa = mf->dead[i] << PAGE_SHIFT, len = (u64)(j - i) << PAGE_SHIFT;
		/* Give the pages back to the host; they read as zero when reused. */
		if (fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pa, len) < 0)
			memset(mf->base + pa, 0, len);
		i = j;
	}
	for (size_t i = 0; i < mf->ndead; i++)
		mf->free_list[mf->nfree++] = mf->dead[i];
	mf->used -= mf->ndead;
	mf->ndead = 0;
}

void memfile_put(struct memfile *mf, u64 pa)
{
	u64 fn = pa >> PAGE_SHIFT;
	if (__atomic_sub_fetch(&mf->refs[fn], 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&mf->lock);
	mf->dead[mf->ndead++] = fn;
	if (mf->ndead == DEAD_BATCH)
		flush_dead_locked(mf);
	pthread_mutex_unlock(&mf->lock);
}

void memfile_flush(struct memfile *mf)
{
	pthread_mutex_lock(&mf->lock);
	if (mf->ndead)
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
		.fd = mf->fd,
		.host = mf->base,
		.size = mf->size,
		.alloc_frame = pm_alloc,
		.free_frame = pm_free,
		.reserve = pm_reserve,
		.opaque = mf,
	};
}
