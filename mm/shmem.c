// SPDX-License-Identifier: Apache-2.0
/*
 * Shared memory objects. The offset index is a pagemap: offsets stay below
 * MM_TASK_SIZE (the object is never larger than the mapping that made
 * it), so the radix tree built for user addresses fits them as well.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "mm.h"
#include "pagemap.h"
#include "shmem.h"

struct shmem {
	int refs; /* atomic */
	struct memfile *mf;
	u64 size;
	pthread_mutex_t lock; /* guards index */
	struct pagemap index; /* offset -> frame; each entry holds a frame reference */
};

struct shmem *shmem_create(struct memfile *mf, u64 size)
{
	if (!size || !IS_ALIGNED(size, PAGE_SIZE) || size > MM_TASK_SIZE)
		return ERR_PTR(-EINVAL);
	struct shmem *s = calloc(1, sizeof(*s));
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->refs = 1;
	s->mf = mf;
	s->size = size;
	pthread_mutex_init(&s->lock, NULL);
	pagemap_init(&s->index);
	return s;
}

void shmem_get(struct shmem *s)
{
	if (s)
		__atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
}

static void put_frame(void *arg, u64 off, u64 pa)
{
	struct shmem *s = arg;
	memfile_put(s->mf, pa);
}

void shmem_put(struct shmem *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* No VMA refers to s any more, so nobody can look a frame up. */
	pagemap_clear(&s->index, 0, s->size, put_frame, s);
	pagemap_destroy(&s->index);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int shmem_frame(struct shmem *s, u64 off, u64 *pa)
{
	if (off >= s->size)
		return -EIO;
	pthread_mutex_lock(&s->lock);
	u64 e = pagemap_get(&s->index, off);
	int ret = 0;
	if (e) {
		*pa = e - 1;
	} else {
		ret = memfile_alloc(s->mf, pa);
		if (!ret && pagemap_set(&s->index, off, *pa)) {
			memfile_put(s->mf, *pa);
			ret = -ENOMEM;
		}
	}
	/* The index keeps its own reference; this one is the caller's. */
	if (!ret)
		memfile_get(s->mf, *pa);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

bool shmem_has_frame(struct shmem *s, u64 off)
{
	pthread_mutex_lock(&s->lock);
	bool has = off < s->size && pagemap_get(&s->index, off);
	pthread_mutex_unlock(&s->lock);
	return has;
}
