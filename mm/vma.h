/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A set of non-overlapping VMAs ordered by address: an AVL tree keyed by
 * start for O(log n) lookup, insertion and removal, threaded with a list
 * in address order for walking neighbours. A struct vma stays where it is
 * while other VMAs come and go, so pointers to it stay valid until it is
 * itself removed (the array this replaces moved them on every insert).
 * Not thread-safe: the owning mm's lock guards it.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "lib/compiler.h"

struct shmem;
struct mm_file;
struct mm;

struct vma {
	u64 start, end; /* [start, end), page-aligned */
	u32 prot;	/* PROT_* */
	u32 flags;	/* VMA_* */
	/*
	 * The object behind the pages: with VMA_SHARED a shared memory
	 * object (shm), a file whose pages are read into private frames
	 * (file), or a file whose data is a shared memory object (both: its
	 * frames are mapped, shared with VMA_SHARED, else copy-on-write);
	 * and off, the offset in it of start. The set holds a
	 * reference per VMA (taken when a copy is linked, dropped when it is
	 * removed) and keeps off right as the VMA is split, trimmed or
	 * merged. NULL, NULL and 0 for anonymous private memory.
	 */
	struct shmem *shm;
	struct mm_file *file;
	u64 off;
	/*
	 * vma.c's links. Callers may move start down or end up in place as
	 * long as the VMA stays clear of its neighbours (the order is kept).
	 */
	struct vma *left, *right, *prev, *next;
	int height;
};

#define VMA_GROWSDOWN 1
#define VMA_STACK 2
#define VMA_HEAP 4
#define VMA_LOCKED 8	   /* mlock: populated, counted in locked_vm */
#define VMA_LOCKONFAULT 16 /* with VMA_LOCKED: populated on fault only */
#define VMA_DONTFORK 32	   /* MADV_DONTFORK: fork leaves it out */
#define VMA_WIPEONFORK 64  /* MADV_WIPEONFORK: the child sees zeros */
#define VMA_DONTDUMP 128   /* MADV_DONTDUMP */
#define VMA_HUGEPAGE 256   /* MADV_HUGEPAGE */
#define VMA_NOHUGEPAGE 512 /* MADV_NOHUGEPAGE */
#define VMA_MERGEABLE 1024 /* MADV_MERGEABLE */
#define VMA_SEQ_READ 2048  /* MADV_SEQUENTIAL */
#define VMA_RAND_READ 4096 /* MADV_RANDOM */
#define VMA_NOWRITE 8192   /* never writable (Linux: no VM_MAYWRITE) */
#define VMA_SHARED 16384   /* MAP_SHARED: pages come from shm, writes are seen by all */
#define VMA_MAYSHARE 32768 /* MAP_SHARED made private, as it cannot write (Linux's VM_MAYSHARE) */
#define VMA_SPECIAL 65536  /* the Sentry's own shared frames, the vDSO's (VM_IO | VM_PFNMAP) */
#define VMA_LOCK_MASK (VMA_LOCKED | VMA_LOCKONFAULT)

#define VMA_MAX_COUNT 65530

struct vma_set {
	/* The address space whose VMAs these are (shmem_link's reverse map), or NULL. */
	struct mm *owner;
	struct vma *root;
	struct vma *head, *tail; /* lowest and highest VMA */
	size_t n;
};

void vma_set_init(struct vma_set *s);
void vma_set_destroy(struct vma_set *s);
/*
 * The set's invariants (sorted, disjoint, non-empty page-aligned VMAs;
 * the tree, the list and the count agreeing): NULL, or the first one
 * broken. O(n).
 */
const char *vma_set_check(const struct vma_set *s);
/*
 * Fill the empty set dst with copies of src's VMAs, in O(n): keep(arg, v)
 * sees each copy, may change its prot and flags, and returns false to
 * leave it out. Copies are not merged with each other (as Linux's
 * dup_mmap). On -ENOMEM dst is left empty.
 */
int vma_set_copy(struct vma_set *dst, const struct vma_set *src,
		 bool (*keep)(void *arg, struct vma *v), void *arg) __must_check;

static inline bool vma_is_shared(const struct vma *v)
{
	return v->flags & VMA_SHARED;
}

/* Whether a shared object or a file backs v (and v->off means something). */
static inline bool vma_has_object(const struct vma *v)
{
	return v->shm || v->file;
}

/* Offset in v's shared object or file of the page at addr. */
static inline u64 vma_off(const struct vma *v, u64 addr)
{
	return v->off + (addr - v->start);
}
/* The VMA containing addr, or NULL. */
struct vma *vma_find(struct vma_set *s, u64 addr);
/* The first VMA with end > addr, or NULL. */
struct vma *vma_first_after(struct vma_set *s, u64 addr);
/* Walk the VMAs that intersect [start, end), in address order. */
#define vma_for_each_in(s, v, start, end) \
	for ((v) = vma_first_after((s), (start)); (v) && (v)->start < (end); (v) = (v)->next)
/* Insert a copy of v (its links are ignored); the range must be free. Merges with equal neighbours. */
int vma_insert(struct vma_set *s, struct vma v) __must_check;
/* Remove [start, end) from every VMA it touches, splitting at the edges. */
int vma_remove(struct vma_set *s, u64 start, u64 end) __must_check;
/* Split the VMA that strictly contains addr in two at addr. */
int vma_split(struct vma_set *s, u64 addr) __must_check;
/* Merge equal neighbours among the VMAs that touch [start, end]. */
void vma_merge_range(struct vma_set *s, u64 start, u64 end);
/* True if no VMA intersects [start, end). */
bool vma_range_free(struct vma_set *s, u64 start, u64 end);
/*
 * Where a VMA's free space below may end: its start, less guard bytes if it
 * grows down (Linux's vm_start_gap and stack_guard_gap).
 */
static inline u64 vma_start_gap(const struct vma *v, u64 guard)
{
	if (!(v->flags & VMA_GROWSDOWN))
		return v->start;
	return v->start > guard ? v->start - guard : 0;
}
/* True if [start, end) is free and ends at or below the next VMA's start gap. */
bool vma_range_free_gap(struct vma_set *s, u64 start, u64 end, u64 guard);
/*
 * Highest free gap of len below top and at or above bottom, leaving guard
 * bytes below every VMA that grows down; 0 if none.
 */
u64 vma_find_gap_down(struct vma_set *s, u64 len, u64 bottom, u64 top, u64 guard);

#endif
