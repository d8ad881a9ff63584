/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared memory object's insides, for shmem.c (objects, the reverse
 * map, tmpfs data) and pagecache.c (objects caching a backing store).
 */
#ifndef MM_SHMEM_INTERNAL_H
#define MM_SHMEM_INTERNAL_H

#include <pthread.h>

#include "pagemap.h"
#include "shmem.h"

/* An address space with VMAs on an object, and how many. */
struct shmem_mapper {
	struct mm *mm;
	u32 vmas;
};

struct shmem {
	int refs; /* atomic */
	struct memfile *mf;
	bool file;     /* a file object: size changes */
	bool store;    /* its frames are the memory file's store's */
	u64 *quota;    /* file: the file system's page count (atomic) */
	u64 quota_max; /* and its limit */
	/* A cache (shmem_create_cache): its store, set at creation. */
	const struct shmem_backing_ops *bops;
	void *barg;
	pthread_mutex_t lock; /* guards everything below */
	u64 size;	      /* bytes; page-aligned for an anonymous object */
	u64 nframes;
	struct pagemap index; /* offset -> frame; each entry holds a frame reference */
	/*
	 * A cache: the offsets whose frame may be newer than the store, each
	 * with the generation of the store that dirtied it (shmem.h).
	 */
	struct pagemap dirty;
	u64 gen; /* a cache: the current generation, bumped by each shmem_sync */
	struct shmem_mapper *maps;
	u32 nmaps, maps_cap;
	/* Writable shared VMAs and mmaps about to make one; -1: denied (F_SEAL_WRITE). */
	long writable;
};

/* A new object of size bytes with one reference, or NULL. */
struct shmem *shmem_alloc(struct memfile *mf, u64 size);
/* pagemap_clear's callback that keeps nothing. */
void shmem_forget(void *arg, u64 off, u64 pa);
/*
 * A cache: read the run of absent pages around off (a page-aligned
 * offset below s->size) from the store into new frames in the index.
 * Caller holds s->lock. 0, -EIO (the store failed), -ENOMEM.
 */
int pagecache_fill_locked(struct shmem *s, u64 off);
/*
 * Call fn(mm, s, arg) for each address space that maps s, holding a user
 * reference to it but no lock (fn takes mm->lock itself). One already
 * being destroyed is skipped. Caller holds no lock.
 */
void shmem_for_each_mapper(struct shmem *s, void (*fn)(struct mm *mm, struct shmem *s, void *arg),
			   void *arg);
/* A cache: write the dirty frames back; caller holds s->lock. 0 or the first -errno. */
int pagecache_writeback_locked(struct shmem *s);
/* A cache growing from old to size: the tail of its old last page reads as zeros again. */
void pagecache_grow_locked(struct shmem *s, u64 old, u64 size);

#endif
