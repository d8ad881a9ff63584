// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for elf_parse(): any input must give 0 or -ENOEXEC,
 * and an accepted image must satisfy what the parser promises.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/loader/loader.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void fuzz_check_image(const struct elf_image *img)
{
	const struct elf_segment *seg;
	unsigned i;

	if (img->nseg == 0 || img->nseg > ELF_MAX_LOAD || img->min_vaddr > img->max_vaddr)
		abort();
	if (img->has_interp && !memchr(img->interp, '\0', ELF_MAX_INTERP))
		abort();
	for (i = 0; i < img->nseg; i++) {
		seg = &img->seg[i];
		if (seg->filesz > seg->memsz || seg->vaddr < img->min_vaddr ||
		    seg->vaddr + seg->memsz > img->max_vaddr)
			abort();
		if (i > 0 && seg->vaddr < seg[-1].vaddr + seg[-1].memsz)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct elf_image img;
	int ret = elf_parse(data, size, &img);

	if (ret != 0 && ret != -ENOEXEC)
		abort();
	if (ret == 0)
		fuzz_check_image(&img);
	return 0;
}
