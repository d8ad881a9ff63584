/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared memory objects: what MAP_SHARED anonymous memory is backed by
 * (Linux's "/dev/zero (deleted)" shmem file), and where a tmpfs regular
 * file keeps its data (Linux's shmem inode). An object maps page offsets
 * to memory-file frames, allocated zeroed on first use and kept until the
 * object dies or a file object shrinks, so every address space mapping an
 * offset finds the same frame and sees the others' writes, and read(2)
 * and write(2) of a file see the very bytes its mappings do.
 *
 * VMAs hold references; the last put frees the frames. A file object
 * also knows which address spaces map it (shmem_link, called by the VMA
 * set as VMAs come and go) so that shrinking it can take the pages past
 * the new end out of every mapping, as Linux's truncate does.
 *
 * Lock order: mm->lock > shmem->lock > memfile->lock; a file object's
 * owner lock (tmpfs: inode->lock) > shmem->lock. Faults take mm->lock
 * then shmem->lock and never the owner's lock; shmem_unmap_from takes
 * each mapper's mm->lock, so its caller holds neither. Callers need no
 * lock, but a file object's data calls (read, write, resize, seal) must
 * be serialised by its owner.
 */
#ifndef MM_SHMEM_H
#define MM_SHMEM_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/compiler.h"
#include "memfile.h"

struct shmem;
struct mm;

/* A new anonymous object of size bytes (page-aligned) with one reference. ERR_PTR on failure. */
struct shmem *shmem_create(struct memfile *mf, u64 size);
/*
 * A new, empty file object (size 0) with one reference. Its frames count
 * against *pages, which may not pass max_pages (tmpfs size=; shared by
 * the file system's objects, atomic). ERR_PTR(-ENOMEM) on failure.
 */
struct shmem *shmem_create_file(struct memfile *mf, u64 *pages, u64 max_pages);
/* The same, with its frames in mf's store (memfile_alloc_store): data on disk. */
struct shmem *shmem_create_stored_file(struct memfile *mf, u64 *pages, u64 max_pages);
/* Take or drop a reference; both accept NULL. The last put frees every frame. */
void shmem_get(struct shmem *s);
void shmem_put(struct shmem *s);
struct memfile *shmem_memfile(const struct shmem *s);

/*
 * The frame at byte offset off (page-aligned), allocated if absent. The
 * caller gets a new reference to it. -EIO at or beyond the object's end
 * (Linux raises SIGBUS there) or when a file object's file system is full
 * (Linux's VM_FAULT_SIGBUS for -ENOSPC), -ENOMEM when memory is exhausted.
 */
int shmem_frame(struct shmem *s, u64 off, u64 *pa) __must_check;
/* Whether a frame backs offset off (mincore of a shared mapping). */
bool shmem_has_frame(struct shmem *s, u64 off);

/*
 * The VMA set's hooks (vma.c): a VMA of mm (NULL: a set no address space
 * owns, as in unit tests) that maps s was linked or removed; writable: it
 * is a MAP_SHARED VMA that may write (VMA_SHARED). Link takes a reference
 * to s, unlink drops it. Both accept a NULL s. Link: 0 or -ENOMEM.
 */
int shmem_link(struct shmem *s, struct mm *mm, bool writable) __must_check;
void shmem_unlink(struct shmem *s, struct mm *mm, bool writable);

/* ---- File objects (tmpfs), under their owner's serialisation ---- */

/* The file's size in bytes (not page-aligned). */
u64 shmem_size(struct shmem *s);
/* Frames the object holds (st_blocks is this many pages). */
u64 shmem_nr_frames(struct shmem *s);
/*
 * Copy len bytes at byte offset off out of the object into buf; holes
 * read as zeros. The caller bounds the range by the size.
 */
void shmem_read(struct shmem *s, void *buf, size_t len, u64 off);
/*
 * Copy len bytes from buf into the object at byte offset off, allocating
 * frames, and grow the size to cover them. Returns the count copied (short
 * when memory or the file system ran out), or -ENOSPC / -ENOMEM if nothing
 * was. The caller bounds off + len by the largest file size.
 */
ssize_t shmem_write(struct shmem *s, const void *buf, size_t len, u64 off);
/*
 * Set the size. Growing adds a hole. Shrinking frees the frames wholly
 * past the new end and zeroes the rest of the last page; faults past the
 * end fail from now on. Returns whether address spaces map the object:
 * then the caller must call shmem_unmap_from(s, size) next.
 */
bool shmem_resize(struct shmem *s, u64 size);
/*
 * Take the pages at and past byte offset size (rounded up to a page) out
 * of every address space that maps s, private copies included (Linux's
 * truncate_pagecache), so that touching them there is SIGBUS. Takes each
 * mapper's mm->lock: the caller holds no mm->lock, nor any lock a fault
 * may take (for tmpfs: not the file's inode->lock). May block.
 */
void shmem_unmap_from(struct shmem *s, u64 size);
/*
 * Punch a hole: the bytes of [off, off + len) inside the object read as
 * zero from now on. The whole pages of the range lose their frames (given
 * back to the host: its RSS falls) and leave every mapping of s, shared
 * ones and the private ones still on the object's frames; private copies
 * keep their data, as Linux's shmem punch. The partial pages at the edges
 * are zeroed in place. Takes each mapper's mm->lock: the caller holds no
 * mm->lock nor a lock a fault may take (see shmem_unmap_from). May block.
 */
void shmem_punch(struct shmem *s, u64 off, u64 len);
/*
 * MADV_REMOVE: as shmem_punch, but a cache first punches its store
 * (-EOPNOTSUPP if it cannot, and nothing changes). 0 or -errno.
 */
int shmem_punch_store(struct shmem *s, u64 off, u64 len) __must_check;
/* Whether the caller's reference is the only one (no mapping, no other user). */
bool shmem_is_unshared(struct shmem *s);

/* The largest size a file object can have (its offsets fit a pagemap). */
#define SHMEM_MAX_SIZE 0x7ffffffff000LL

/*
 * ---- Caches: a file object over a backing store (a gofer file) ----
 *
 * The object is the file's page cache: its frames hold the store's pages,
 * read on first use (with a few neighbours), and mappings map them as a
 * tmpfs file's, so that MAP_SHARED writes are seen at once by every
 * mapping and, through shmem_cache_read, by read(2). The owner keeps the
 * size right (shmem_resize) and writes through to the store as well as
 * into the cache (shmem_cache_update), so a page without a frame is
 * always current in the store.
 *
 * Dirty tracking is Linux's write-notify: a shared mapping maps a clean
 * page read-only, and its first store faults, marks the page dirty
 * (shmem_mark_dirty, which also tells the owner: file_update_time) and
 * maps it writable. So "mapped writable somewhere" implies "dirty".
 * shmem_sync (msync, fsync) write-protects the dirty pages in every
 * mapper first, then writes them, then cleans them; a store in between
 * faults and dirties the page again. Each sync starts a new generation
 * and a dirty mark records the generation of the store that made it, so
 * a page dirtied again during a sync stays dirty. shmem_writeback, which
 * cannot take the mappers' locks (close, the last writable mapping going,
 * the last put), writes the dirty pages but cleans them only once no
 * writable shared mapping is left.
 *
 * The ops run under the object's lock (mm->lock may be held too) unless
 * they say otherwise: they must not fault, map, or take a lock a fault
 * takes.
 */
struct shmem_backing_ops {
	/* Read up to len bytes at off into buf: the count (short only at the end) or -errno. */
	long (*read)(void *arg, void *buf, size_t len, u64 off);
	/* Write len bytes at off: the count or -errno. */
	long (*write)(void *arg, const void *buf, size_t len, u64 off);
	/* Optional: make [off, off + len) a hole in the store (0 or -errno). */
	int (*punch)(void *arg, u64 off, u64 len);
	/* The object is freed (after its last writeback): free arg. */
	void (*release)(void *arg);
	/* Optional: make what was written durable (fdatasync): 0 or -errno. Not under the lock. */
	int (*sync)(void *arg);
	/*
	 * Optional: a shared mapping is about to write a page it had
	 * read-only (Linux's file_update_time in page_mkwrite). Called with
	 * the faulting mm->lock held, not the object's lock: it may take the
	 * owner's lock, which orders after mm->lock.
	 */
	void (*dirtied)(void *arg);
};
/*
 * A new cache of size bytes with one reference over the store ops and
 * arg (owned by the object from now on: released with it, or at once on
 * failure). ERR_PTR(-ENOMEM).
 */
struct shmem *shmem_create_cache(struct memfile *mf, u64 size, const struct shmem_backing_ops *ops,
				 void *arg);
/*
 * read(2) through a cache: len bytes at off (bounded by the caller by the
 * size), from the frames where there are, from the store where not. The
 * count, or -errno if nothing was read.
 */
ssize_t shmem_cache_read(struct shmem *s, void *buf, size_t len, u64 off);
/*
 * After the owner wrote len bytes at off to the store: the same bytes into
 * the frames there are, and the size grows to cover them.
 */
void shmem_cache_update(struct shmem *s, const void *buf, size_t len, u64 off);
/*
 * A shared mapping is about to map page off (below the size) writable,
 * for a store: mark it dirty in the current generation and, if it was not
 * writable, call the owner's dirtied op. No-op for other objects. The
 * caller holds the mapper's mm->lock. 0, or -ENOMEM (nothing marked: the
 * page must stay read-only), -EIO (off is past the end now: SIGBUS).
 */
int shmem_mark_dirty(struct shmem *s, u64 off) __must_check;
/*
 * Whether a shared mapping may map page off writable now: always for
 * objects other than caches, for a cache only if the page is dirty in
 * the current generation (else the first store must fault). Caller holds
 * the mapper's mm->lock.
 */
bool shmem_page_writable(struct shmem *s, u64 off);
/*
 * Write a cache's dirty pages back to the store (no-op for other objects
 * and NULL), cleaning them only if no writable shared mapping is left
 * (the mappings are not write-protected). 0, or the first error of the
 * store (those pages stay dirty). May block; callable with mm->lock held.
 */
int shmem_writeback(struct shmem *s);
/*
 * msync and fsync of a cache (no-op for other objects and NULL): write-
 * protect the dirty pages of byte offsets [from, to) in every address
 * space that maps s, write them back to the store in runs, clean them,
 * and if durable ask the store to make them durable (its sync op). 0 or
 * the first -errno (the pages it failed on stay dirty). Takes each
 * mapper's mm->lock: the caller holds no mm->lock nor the owner's lock.
 * May block.
 */
int shmem_sync(struct shmem *s, u64 from, u64 to, bool durable) __must_check;

/*
 * Writable shared mappings and F_SEAL_WRITE, as Linux's i_mmap_writable.
 * shmem_map_writable counts a writable MAP_SHARED mapping about to be
 * made (-EPERM once writes are denied); the caller drops the count with
 * shmem_unmap_writable once the VMA, which counts itself, exists (or the
 * mapping failed). shmem_deny_write denies writable mappings for good:
 * -EBUSY while one exists.
 */
int shmem_map_writable(struct shmem *s) __must_check;
void shmem_unmap_writable(struct shmem *s);
int shmem_deny_write(struct shmem *s) __must_check;

/*
 * The memory file file objects are made in: the sandbox's, set once at
 * boot before any file system is mounted. Unset (unit tests that use
 * tmpfs without an address space), one of 1 GiB is made on first use.
 * Returns it, or ERR_PTR.
 */
void shmem_set_file_memfile(struct memfile *mf);
struct memfile *shmem_file_memfile(void);

#endif
