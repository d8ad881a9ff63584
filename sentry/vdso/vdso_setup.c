// SPDX-License-Identifier: Apache-2.0
/*
 * Setting the vDSO up once per Sentry and mapping it into each new
 * address space: [vvar][vdso] top-down below the mmap base, as Linux's
 * map_vdso() places them (vvar one page below the text: vdso.lds).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "vdso_internal.h"

#define ELF_PT_LOAD 1

static struct {
	pthread_mutex_t lock; /* guards the set-up below */
	struct memfile *mf;   /* the sandbox's memory file, once set up */
	u64 vvar_pa;	      /* the vvar frame: one reference held forever */
	u64 text_len;	      /* the image rounded up to pages */
	int err;	      /* set-up failed: every exec fails the same way */
} vdso = {.lock = PTHREAD_MUTEX_INITIALIZER};

/*
 * The image is ours, built with vdso.lds: check what the mapping relies on
 * (one PT_LOAD, from file offset 0 at address 0, covering the file) rather
 * than trust it. Returns 0 or -ENOEXEC.
 */
static int vdso_image_check(void)
{
	const u8 *img = vdso_image_start;
	u64 size = (u64)(vdso_image_end - vdso_image_start);
	u64 phoff;
	u16 phentsize, phnum;
	unsigned loads = 0;

	if (size < 64 || memcmp(img, "\177ELF\2\1", 6))
		return -ENOEXEC;
	memcpy(&phoff, img + 32, 8);
	memcpy(&phentsize, img + 54, 2);
	memcpy(&phnum, img + 56, 2);
	if (phentsize != 56 || phoff > size || (u64)phnum * 56 > size - phoff)
		return -ENOEXEC;
	for (unsigned i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + i * 56;
		u32 type;
		u64 off, vaddr, filesz;
		memcpy(&type, ph, 4);
		memcpy(&off, ph + 8, 8);
		memcpy(&vaddr, ph + 16, 8);
		memcpy(&filesz, ph + 32, 8);
		if (type != ELF_PT_LOAD)
			continue;
		if (off || vaddr || filesz > size)
			return -ENOEXEC;
		loads++;
	}
	return loads == 1 ? 0 : -ENOEXEC;
}

/* Allocate and map the vvar frame and start the timekeeper. Caller holds vdso.lock. */
static int vdso_setup(struct memfile *mf, unsigned ncpus)
{
	int ret = vdso_image_check();
	if (ret) {
		pr_err("vdso: the embedded image is not a one-segment ELF object (build bug)");
		return ret;
	}
	vdso.text_len = ALIGN_UP((u64)(vdso_image_end - vdso_image_start), PAGE_SIZE);
	ret = memfile_alloc_shareable(mf, &vdso.vvar_pa);
	if (ret)
		return ret;
	/*
	 * The timekeeper's own view of the frame: it stays valid when the
	 * sandbox unmaps its memory file at exit, while the detached thread
	 * may still be writing.
	 */
	struct platform_memory pm = memfile_platform_memory(mf);
	void *page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, pm.fd,
			  (off_t)vdso.vvar_pa);
	if (page == MAP_FAILED) {
		ret = -errno;
		memfile_put(mf, vdso.vvar_pa);
		return ret;
	}
	ret = tk_start(page, ncpus);
	if (ret) {
		munmap(page, PAGE_SIZE);
		memfile_put(mf, vdso.vvar_pa);
		return ret;
	}
	vdso.mf = mf;
	return 0;
}

static int vdso_get(struct memfile *mf, unsigned ncpus)
{
	pthread_mutex_lock(&vdso.lock);
	int ret = vdso.err;
	if (!ret && !vdso.mf) {
		ret = vdso_setup(mf, ncpus);
		if (ret == -ENOEXEC)
			vdso.err = ret;
	} else if (!ret && vdso.mf != mf) {
		pr_err("vdso: a second sandbox in one Sentry process is not supported");
		ret = -EBUSY;
	}
	pthread_mutex_unlock(&vdso.lock);
	return ret;
}

void vdso_prepare(struct memfile *mf, unsigned ncpus)
{
	(void)vdso_get(mf, ncpus);
}

int vdso_map(struct mm *mm, struct memfile *mf, unsigned ncpus, u64 *ehdr)
{
	int ret = vdso_get(mf, ncpus);
	if (ret)
		return ret;
	/* Reserve both, then put the shared vvar frame in the lower page. */
	long base = mm_map_anon(mm, 0, PAGE_SIZE + vdso.text_len, PROT_READ, 0);
	if (base < 0)
		return (int)base;
	u64 vvar = (u64)base, text = vvar + PAGE_SIZE;
	ret = mm_unmap(mm, vvar, PAGE_SIZE);
	if (!ret) {
		long r = mm_map_frames(mm, vvar, &vdso.vvar_pa, 1, PROT_READ, MM_FIXED_NOREPLACE);
		ret = r < 0 ? (int)r : 0;
	}
	/* The text is a private copy, like a file's MAP_PRIVATE pages. */
	if (!ret)
		ret = mm_poke(mm, uaddr(text), vdso_image_start,
			      (size_t)(vdso_image_end - vdso_image_start));
	if (!ret)
		ret = mm_protect(mm, text, vdso.text_len, PROT_READ | PROT_EXEC);
	if (ret) {
		int __unused r = mm_unmap(mm, vvar, PAGE_SIZE + vdso.text_len);
		return ret;
	}
	*ehdr = text;
	return 0;
}
