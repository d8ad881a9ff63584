// SPDX-License-Identifier: Apache-2.0
/*
 * The doors to guest memory. Every access goes page by page through mm's
 * own page map, faulting pages in as the guest would; nothing here trusts
 * a guest address.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "mm_internal.h"

enum access { ACCESS_READ, ACCESS_WRITE, ACCESS_POKE };

/*
 * The Sentry's pointer to the byte at va, valid up to the end of its page,
 * into *p; 0 or the fault's error (-ENOMEM: the memory file is full).
 * SAFETY: relies on mm->lock being held, so the frame stays mapped and
 * referenced by mm->pages while the caller copies; and on a write never
 * landing in a frame shared copy-on-write (it faults a private copy first)
 * nor in a clean page of a cache unseen (it faults to dirty it first).
 */
static int user_page(struct mm *mm, u64 va, enum access how, u8 **p)
{
	u64 page = ALIGN_DOWN(va, PAGE_SIZE);
	u64 pa = pagemap_get(&mm->pages, page);
	if (pa) {
		struct vma *vma = vma_find(&mm->vmas, va);
		bool ok =
			how == ACCESS_POKE ||
			(how == ACCESS_WRITE ? (vma->prot & PROT_WRITE)
					     : (vma->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)));
		if (!ok)
			return -EACCES;
		/* A COW page is copied first, a cache's clean shared page dirtied first. */
		if (how == ACCESS_READ || !mm_page_write_faults(mm, vma, page, pa - 1)) {
			*p = memfile_ptr(mm->mf, pa - 1) + (va - page);
			return 0;
		}
	}
	int ret = mm_fault_locked(mm, va, how != ACCESS_READ, false, how == ACCESS_POKE);
	if (ret)
		return ret;
	pa = pagemap_get(&mm->pages, page);
	if (!pa)
		return -EFAULT;
	*p = memfile_ptr(mm->mf, pa - 1) + (va - page);
	return 0;
}

/*
 * user_page, through the OOM killer when the memory file is full: a fault
 * inside a copy is a page fault like the guest's own (as in Linux, where
 * copy_to_user's fault charges the memory cgroup and may OOM-kill), so
 * the same killer serves it and the copy goes on. NULL if the page stays
 * out of reach. Caller holds mm->lock, which is let go while the killer
 * waits (mm_oom_wait_locked).
 */
static u8 *user_byte(struct mm *mm, u64 va, enum access how)
{
	unsigned int attempt = 0;
	u8 *p = NULL;
	int ret;

	while ((ret = user_page(mm, va, how, &p)) == -ENOMEM &&
	       !(ret = mm_oom_wait_locked(mm, va, attempt++)))
		;
	return ret ? NULL : p;
}

/* The Sentry's pointer to page va if it may be written now without a fault, else NULL. */
static u8 *user_page_writable(struct mm *mm, u64 va)
{
	u64 pa = pagemap_get(&mm->pages, va);
	if (!pa)
		return NULL;
	const struct vma *vma = vma_find(&mm->vmas, va);
	if (!(vma->prot & PROT_WRITE) || mm_page_write_faults(mm, vma, va, pa - 1))
		return NULL;
	return memfile_ptr(mm->mf, pa - 1);
}

/*
 * The longest run from va, at most len, that is one block in the
 * Sentry's view: the first page faulted in as a write would be (its
 * fault-around populating neighbours as for the guest's own store), the
 * next ones only if they are writable already, so no page is populated
 * that the guest's own stores would not have.
 */
static size_t user_run(struct mm *mm, u64 va, size_t len, u8 **start)
{
	u8 *p;
	if (user_page(mm, va, ACCESS_WRITE, &p))
		return 0;
	*start = p;
	size_t run = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
	while (run < len && (p = user_page_writable(mm, va + run)) && p == *start + run)
		run += MIN(len - run, PAGE_SIZE);
	return run;
}

ssize_t mm_fill_user(struct mm *mm, uaddr_t dst, size_t len, mm_fill_fn fill, void *arg)
{
	size_t done = 0;
	ssize_t r = 0;

	if (dst.addr + len < dst.addr || dst.addr + len > MM_TASK_SIZE)
		return 0;
	pthread_mutex_lock(&mm->lock);
	while (done < len) {
		u8 *p;
		size_t run = user_run(mm, dst.addr + done, len - done, &p);
		if (!run)
			break;
		r = fill(arg, p, run);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < run)
			break;
	}
	pthread_mutex_unlock(&mm->lock);
	return done ? (ssize_t)done : r;
}

/* Copy up to the first inaccessible byte; returns the bytes copied. */
static size_t copy_user(struct mm *mm, u64 va, void *buf, size_t len, enum access how, bool zero)
{
	size_t done = 0;

	if (va + len < va || va + len > MM_TASK_SIZE)
		return 0;
	pthread_mutex_lock(&mm->lock);
	while (done < len) {
		u8 *p = user_byte(mm, va + done, how);
		if (!p)
			break;
		size_t n = MIN(len - done, PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1)));
		if (how == ACCESS_READ)
			memcpy((u8 *)buf + done, p, n);
		else if (zero)
			memset(p, 0, n);
		else
			memcpy(p, (const u8 *)buf + done, n);
		done += n;
	}
	pthread_mutex_unlock(&mm->lock);
	return done;
}

static int all_or_efault(size_t done, size_t len)
{
	return done == len ? 0 : -EFAULT;
}

int mm_copy_from_user(struct mm *mm, void *dst, uaddr_t src, size_t len)
{
	return all_or_efault(copy_user(mm, src.addr, dst, len, ACCESS_READ, false), len);
}

int mm_copy_to_user(struct mm *mm, uaddr_t dst, const void *src, size_t len)
{
	return all_or_efault(copy_user(mm, dst.addr, (void *)src, len, ACCESS_WRITE, false), len);
}

size_t mm_copy_from_user_partial(struct mm *mm, void *dst, uaddr_t src, size_t len)
{
	return copy_user(mm, src.addr, dst, len, ACCESS_READ, false);
}

size_t mm_copy_to_user_partial(struct mm *mm, uaddr_t dst, const void *src, size_t len)
{
	return copy_user(mm, dst.addr, (void *)src, len, ACCESS_WRITE, false);
}

int mm_poke(struct mm *mm, uaddr_t dst, const void *src, size_t len)
{
	return all_or_efault(copy_user(mm, dst.addr, (void *)src, len, ACCESS_POKE, false), len);
}

int mm_clear_user(struct mm *mm, uaddr_t dst, size_t len)
{
	return all_or_efault(copy_user(mm, dst.addr, NULL, len, ACCESS_WRITE, true), len);
}

long mm_strncpy_from_user(struct mm *mm, char *dst, uaddr_t src, size_t max)
{
	u64 va = src.addr;
	long ret = -ENAMETOOLONG;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < max; i++) {
		if (va + i >= MM_TASK_SIZE) {
			ret = -EFAULT;
			break;
		}
		/* One lookup per page, then byte by byte within it. */
		u8 *p = user_byte(mm, va + i, ACCESS_READ);
		if (!p) {
			ret = -EFAULT;
			break;
		}
		size_t n = MIN(max - i, PAGE_SIZE - ((va + i) & (PAGE_SIZE - 1)));
		u8 *nul = memchr(p, 0, n);
		if (nul) {
			size_t k = nul - p;
			memcpy(dst + i, p, k + 1);
			ret = i + k;
			break;
		}
		memcpy(dst + i, p, n);
		i += n - 1;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
