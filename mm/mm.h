/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest address spaces: VMAs, demand paging, brk, and the only doors
 * through which the Sentry reads or writes guest memory.
 *
 * Lock order: mm->lock > platform as->lock > memfile->lock.
 * Every function takes mm->lock itself unless it says otherwise.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <stddef.h>
#include "lib/compiler.h"
#include "mm/memfile.h"
#include "platform/platform.h"

/* A guest virtual address: never dereference it, go through mm_copy_*. */
typedef struct {
	u64 addr;
} uaddr_t;

static inline uaddr_t uaddr(u64 a)
{
	return (uaddr_t){a};
}

/* The user address space ends here, as on Linux x86-64 (TASK_SIZE_MAX). */
#define MM_TASK_SIZE 0x7ffffffff000ULL
#define MM_MMAP_MIN_ADDR 0x10000ULL

struct mm;

/* A new, empty address space. Returns ERR_PTR on failure. */
struct mm *mm_create(struct memfile *mf, struct platform *p);
void mm_destroy(struct mm *mm);
struct platform_as *mm_platform_as(struct mm *mm);

/* mmap flags mm understands (the syscall layer maps MAP_* onto these). */
#define MM_FIXED 1
#define MM_FIXED_NOREPLACE 2
#define MM_POPULATE 4
#define MM_GROWSDOWN 8

/*
 * Map anonymous private memory. addr is a hint unless MM_FIXED*. Returns
 * the address, or -ENOMEM (no room / limit), -EEXIST (NOREPLACE),
 * -EINVAL.
 */
long mm_map_anon(struct mm *mm, u64 addr, u64 len, u32 prot, u32 flags) __must_check;
int mm_unmap(struct mm *mm, u64 addr, u64 len) __must_check;
int mm_protect(struct mm *mm, u64 addr, u64 len, u32 prot) __must_check;

/* Set the program break's floor (end of the loaded image). */
void mm_brk_init(struct mm *mm, u64 start);
/* Linux brk(2): returns the new break, or the old one on failure. */
u64 mm_brk(struct mm *mm, u64 newbrk);

/* Map the stack VMA [top - size, top). */
int mm_map_stack(struct mm *mm, u64 top, u64 size) __must_check;

/*
 * Resolve a user page fault. Returns 0 if the access may be retried,
 * -EFAULT if no VMA covers addr (SEGV_MAPERR), -EACCES if the VMA forbids
 * the access (SEGV_ACCERR), -ENOMEM when memory is exhausted.
 */
int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec) __must_check;

/*
 * Copy between the Sentry and guest memory. They fault pages in as the
 * guest would, follow protections, cross page and VMA boundaries, and
 * return 0 or -EFAULT (nothing is partially reported yet).
 */
int mm_copy_from_user(struct mm *mm, void *dst, uaddr_t src, size_t len) __must_check;
int mm_copy_to_user(struct mm *mm, uaddr_t dst, const void *src, size_t len) __must_check;
/* As above, but copy up to the first bad byte and return the count copied. */
size_t mm_copy_from_user_partial(struct mm *mm, void *dst, uaddr_t src, size_t len);
size_t mm_copy_to_user_partial(struct mm *mm, uaddr_t dst, const void *src, size_t len);
/* Whether [addr, addr+len) lies in the user half (Linux's access_ok). */
static inline bool mm_access_ok(uaddr_t a, u64 len)
{
	return a.addr + len >= a.addr && a.addr + len <= MM_TASK_SIZE;
}
/* Like mm_copy_to_user but ignores write protection (program loading). */
int mm_poke(struct mm *mm, uaddr_t dst, const void *src, size_t len) __must_check;
/* Zero guest memory. */
int mm_clear_user(struct mm *mm, uaddr_t dst, size_t len) __must_check;
/*
 * Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG.
 */
long mm_strncpy_from_user(struct mm *mm, char *dst, uaddr_t src, size_t max) __must_check;

/* Resident pages of this address space, for accounting. */
u64 mm_rss_pages(struct mm *mm);

#endif
