/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory file: guest physical memory, registered with KVM as guest
 * RAM and mapped once into the Sentry: a memfd for its first 16 MiB, then
 * anonymous memory backed by transparent huge pages where the host
 * allows (memfile.c says why). Frames (4 KiB) are reference counted so
 * copy-on-write can share them; when their count drops to zero they are
 * reused (cleared) or returned to the host (fallocate(PUNCH_HOLE) in the
 * memfd, MADV_DONTNEED after it).
 *
 * A platform that maps guest frames into another process (the
 * seccomp-trap platform of DESIGN.md, which maps them into its stub)
 * needs every frame in the memfd: memfile_create will take that choice
 * from the platform then. KVM needs only the Sentry's own mapping.
 *
 * The store (--overlay2=root:self): a host file on disk whose pages are
 * guest-physical frames too, mapped after the memory, so that file data
 * kept there can be mapped into the guest as memory can, without costing
 * memory. Its frames come only from memfile_alloc_store; every other call
 * takes frames of either kind. A platform that maps frames into another
 * process would need the store's fd as well.
 *
 * Locking: each of the two allocators has its own lock; callers need none.
 */
#ifndef MM_MEMFILE_H
#define MM_MEMFILE_H

#include "lib/compiler.h"
#include "platform/platform.h"

struct memfile;

/* A new memory file of size bytes (sparse). Returns ERR_PTR on failure. */
struct memfile *memfile_create(u64 size);
/*
 * The same, followed by a store of store_size bytes (rounded down to 2 MiB)
 * in the host file store_fd, which it takes over (closed on failure too)
 * and makes that size, sparse.
 */
struct memfile *memfile_create_with_store(u64 size, int store_fd, u64 store_size);
void memfile_destroy(struct memfile *mf);

/* Frames below bytes belong to the platform; the allocator skips them. */
void memfile_reserve(struct memfile *mf, u64 bytes);

/*
 * What gives frames back when an allocation finds the file full: caches
 * the Sentry keeps only to save work (goferfs's idle page caches). Called
 * with no lock of the memory file held; true if it freed any, and the
 * allocation is tried again. NULL: none.
 */
typedef bool (*memfile_reclaim_fn)(void);
void memfile_set_reclaim(struct memfile *mf, memfile_reclaim_fn fn);

/*
 * A zeroed frame with reference count 1. -ENOMEM when the file is full
 * and the reclaimer (memfile_set_reclaim) frees nothing more.
 */
int memfile_alloc(struct memfile *mf, u64 *pa) __must_check;
/*
 * As memfile_alloc, but a frame of the memfd part, which the platform
 * memory's fd maps at offset pa (a second mapping of the frame must stay
 * valid after the memory file is unmapped). -ENOMEM when none is free.
 */
int memfile_alloc_shareable(struct memfile *mf, u64 *pa) __must_check;
/*
 * A zeroed frame of the store with reference count 1, its disk blocks
 * allocated. -ENOSPC when the store or the disk under it is full (or there
 * is no store), -errno for another failure of the host file.
 */
int memfile_alloc_store(struct memfile *mf, u64 *pa) __must_check;
void memfile_get(struct memfile *mf, u64 pa);
/*
 * Drop a reference. At zero the frame is free: queued to be reused first
 * or punched out of the host's memory, in batches; memfile_flush does it.
 */
void memfile_put(struct memfile *mf, u64 pa);
/*
 * Punch every queued frame, so the host's RSS falls now, unless they are
 * few (up to 1 MiB): those stay for the next allocations to reuse.
 */
void memfile_flush(struct memfile *mf);
u32 memfile_refcount(struct memfile *mf, u64 pa);

/*
 * The Sentry's pointer to frame pa. SAFETY: pa must be a frame of this
 * file, memory or store; the pointer is valid for PAGE_SIZE bytes while the
 * caller holds a reference to the frame.
 */
u8 *memfile_ptr(struct memfile *mf, u64 pa);

/* Bytes of memory (the store not included). */
u64 memfile_size(const struct memfile *mf);
/* Frames of the store; 0 without one. */
u64 memfile_store_frames(const struct memfile *mf);
/*
 * Limit the frames in use (the reserved area excluded) to bytes of them,
 * rounded down to frames, as a memory cgroup's memory.max: an allocation
 * that would go over fails as when the file is full. 0, or more than the
 * file's size: the file's size, which cannot grow. Lowering it below what
 * is in use runs the reclaimer until under (or it frees nothing more);
 * what is still over is not taken back: the next allocation fails and
 * the OOM killer acts. Returns the limit now in force, in bytes. May
 * block (the reclaimer); no lock held.
 */
u64 memfile_set_limit(struct memfile *mf, u64 bytes);
/* The limit in force, in frames: the file's frames when none was set. */
u64 memfile_limit_pages(struct memfile *mf);
/* Frames of memory in use (excluding the reserved area and the store), for accounting. */
u64 memfile_used_frames(struct memfile *mf);

/* The view the platform needs (fd, mapping, frame callbacks). */
struct platform_memory memfile_platform_memory(struct memfile *mf);

#endif
