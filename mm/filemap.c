// SPDX-License-Identifier: Apache-2.0
/*
 * Private file pages: what a fault in a VMA that maps a file puts there.
 * Each page is read straight into a fresh frame through the Sentry's
 * mapping of the memory file, never through guest memory, so the read
 * needs no user access and runs safely under mm->lock. A file whose data
 * is a shared memory object (tmpfs) gives its frame instead, which the
 * private VMA maps copy-on-write, as Linux maps a page-cache page.
 */
#include <errno.h>
#include <string.h>

#include "mm.h"
#include "mm_internal.h"

s64 mm_file_size(const struct vma *v)
{
	if (v->shm)
		return shmem_size(v->shm);
	return v->file->ops->size(v->file);
}

int mm_file_frame(struct mm *mm, const struct vma *v, u64 va, s64 size, u64 *pa)
{
	u64 off = vma_off(v, va);
	/* Linux's filemap_fault: a page wholly past the end of the file is SIGBUS. */
	if (size < 0 || off >= (u64)size)
		return -EIO;
	/* The object's frame, shared until written: mm_page_is_cow sees its other reference. */
	if (v->shm)
		return shmem_frame(v->shm, off, pa);
	int ret = memfile_alloc(mm->mf, pa);
	if (ret)
		return ret;
	/* SAFETY: the frame is new, referenced once by us and mapped nowhere yet. */
	u8 *page = memfile_ptr(mm->mf, *pa);
	long n = v->file->ops->read(v->file, page, PAGE_SIZE, off);
	if (n > 0 && n <= (long)PAGE_SIZE) {
		/* Whatever the reader left past the count, the guest sees zeros there. */
		memset(page + n, 0, PAGE_SIZE - n);
		return 0;
	}
	memfile_put(mm->mf, *pa);
	if (n == -ENOMEM || n == -EINTR)
		return n;
	/* Nothing there (truncated since size was read) or an I/O error: SIGBUS, as Linux. */
	return -EIO;
}
