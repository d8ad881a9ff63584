/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory file: guest physical memory. A memfd registered with KVM as
 * guest RAM and mapped once into the Sentry. Frames (4 KiB) are reference
 * counted so copy-on-write can share them, and returned to the host with
 * fallocate(PUNCH_HOLE) when their count drops to zero.
 *
 * Locking: memfile->lock guards the allocator; callers need no lock.
 */
#ifndef MM_MEMFILE_H
#define MM_MEMFILE_H

#include "lib/compiler.h"
#include "platform/platform.h"

struct memfile;

/* A new memory file of size bytes (sparse). Returns ERR_PTR on failure. */
struct memfile *memfile_create(u64 size);
void memfile_destroy(struct memfile *mf);

/* Frames below bytes belong to the platform; the allocator skips them. */
void memfile_reserve(struct memfile *mf, u64 bytes);

/* A zeroed frame with reference count 1. -ENOMEM when the file is full. */
int memfile_alloc(struct memfile *mf, u64 *pa) __must_check;
void memfile_get(struct memfile *mf, u64 pa);
/*
 * Drop a reference. At zero the frame is queued to be punched out of the
 * host file and freed, in batches; memfile_flush does it now.
 */
void memfile_put(struct memfile *mf, u64 pa);
/* Punch and free every queued frame, so the host's RSS falls now. */
void memfile_flush(struct memfile *mf);
u32 memfile_refcount(struct memfile *mf, u64 pa);

/*
 * The Sentry's pointer to frame pa. SAFETY: pa must be a frame of this
 * file (pa < size); the pointer is valid for PAGE_SIZE bytes while the
 * caller holds a reference to the frame.
 */
u8 *memfile_ptr(struct memfile *mf, u64 pa);

u64 memfile_size(const struct memfile *mf);
/* Frames in use (excluding the reserved area), for accounting. */
u64 memfile_used_frames(struct memfile *mf);

/* The view the platform needs (fd, mapping, frame callbacks). */
struct platform_memory memfile_platform_memory(struct memfile *mf);

#endif
