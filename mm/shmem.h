/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared memory objects: what MAP_SHARED anonymous memory is backed by
 * (Linux's "/dev/zero (deleted)" shmem file). An object maps page offsets
 * to memory-file frames, allocated zeroed on first fault and kept until
 * the object dies, so every address space mapping an offset finds the
 * same frame and sees the others' writes. VMAs hold references; the last
 * put frees the frames.
 *
 * Lock order: mm->lock > shmem->lock > memfile->lock. Callers need no lock.
 */
#ifndef MM_SHMEM_H
#define MM_SHMEM_H

#include "lib/compiler.h"
#include "memfile.h"

struct shmem;

/* A new object of size bytes (page-aligned) with one reference. ERR_PTR on failure. */
struct shmem *shmem_create(struct memfile *mf, u64 size);
/* Take or drop a reference; both accept NULL. The last put frees every frame. */
void shmem_get(struct shmem *s);
void shmem_put(struct shmem *s);
/*
 * The frame at byte offset off (page-aligned), allocated if absent. The
 * caller gets a new reference to it. -EIO beyond the object's end (Linux
 * raises SIGBUS there), -ENOMEM when memory is exhausted.
 */
int shmem_frame(struct shmem *s, u64 off, u64 *pa) __must_check;
/* Whether a frame backs offset off (mincore of a shared mapping). */
bool shmem_has_frame(struct shmem *s, u64 off);

#endif
