// SPDX-License-Identifier: Apache-2.0
/*
 * ELF64 x86-64 program header parsing and validation.
 *
 * The file is untrusted: every field is read with memcpy from a checked
 * offset, every sum and product goes through an overflow-checked builtin,
 * and nothing is read outside buf[0..len). buf may hold only the head of
 * a longer file (elf_parse_head): segments are checked against the file's
 * size, and headers the head does not hold are -ENOBUFS. <elf.h>'s Elf64 types are the
 * ELF specification's exact on-disk layout, so they are safe to use for
 * file data (unlike host sys/ headers for guest data).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/loader/loader.h"

_Static_assert(sizeof(Elf64_Ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "fields are read in host order, which must be the file's");

/* One page below the top of the 47-bit user half, as on Linux x86-64. */
#define USER_ADDR_END 0x7ffffffff000ULL
/* Largest span of a position-independent image. */
#define ELF_DYN_MAX_SPAN (1ULL << 40)

/* What is known of the file: its first buflen bytes in buf, its size. */
struct elf_file {
	const u8 *buf;
	size_t buflen;
	u64 size;
};

/* Bytes [off, off + size) lie inside a file of len bytes. */
static bool elf_range_in_file(u64 off, u64 size, size_t len)
{
	u64 end;

	if (__builtin_add_overflow(off, size, &end))
		return false;
	return end <= len;
}

static int elf_check_ehdr(const Elf64_Ehdr *eh, const struct elf_file *f)
{
	u64 phsize;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return -ENOEXEC;
	if (eh->e_machine != EM_X86_64)
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return -ENOEXEC;
	/* At most 65535 * 56 bytes: no overflow. */
	phsize = (u64)eh->e_phnum * sizeof(Elf64_Phdr);
	if (!elf_range_in_file(eh->e_phoff, phsize, f->size))
		return -ENOEXEC;
	if (!elf_range_in_file(eh->e_phoff, phsize, f->buflen))
		return -ENOBUFS;
	return 0;
}

static u32 elf_flags_to_prot(u32 flags)
{
	u32 prot = 0;

	if (flags & PF_R)
		prot |= PROT_READ;
	if (flags & PF_W)
		prot |= PROT_WRITE;
	if (flags & PF_X)
		prot |= PROT_EXEC;
	return prot;
}

/*
 * Validate one PT_LOAD on its own and against the previous one, then
 * append it to img->seg. Segments must come in ascending p_vaddr order
 * without overlapping bytes; like Linux, two may share a page.
 */
static int elf_add_load(struct elf_image *img, const Elf64_Phdr *ph, u64 len)
{
	const struct elf_segment *prev;
	struct elf_segment *seg;
	u64 end;

	if (img->nseg == ELF_MAX_LOAD)
		return -ENOEXEC;
	if (ph->p_filesz > ph->p_memsz)
		return -ENOEXEC;
	/* The file bytes must exist: touching a mapping past EOF is SIGBUS. */
	if (!elf_range_in_file(ph->p_offset, ph->p_filesz, len))
		return -ENOEXEC;
	if ((ph->p_vaddr - ph->p_offset) % PAGE_SIZE != 0)
		return -ENOEXEC;
	/* Leave room for rounding the end up to a page. */
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) ||
	    end > UINT64_MAX - (PAGE_SIZE - 1))
		return -ENOEXEC;
	if (img->nseg > 0) {
		prev = &img->seg[img->nseg - 1];
		if (ph->p_vaddr < prev->vaddr + prev->memsz)
			return -ENOEXEC;
	}

	seg = &img->seg[img->nseg++];
	seg->vaddr = ph->p_vaddr;
	seg->memsz = ph->p_memsz;
	seg->filesz = ph->p_filesz;
	seg->offset = ph->p_offset;
	seg->prot = elf_flags_to_prot(ph->p_flags);
	return 0;
}

/* Like Linux, only the first PT_INTERP counts. */
static int elf_read_interp(struct elf_image *img, const Elf64_Phdr *ph, const struct elf_file *f)
{
	if (img->has_interp)
		return 0;
	if (ph->p_filesz < 2 || ph->p_filesz > ELF_MAX_INTERP)
		return -ENOEXEC;
	if (!elf_range_in_file(ph->p_offset, ph->p_filesz, f->size))
		return -ENOEXEC;
	if (!elf_range_in_file(ph->p_offset, ph->p_filesz, f->buflen))
		return -ENOBUFS;
	if (f->buf[ph->p_offset + ph->p_filesz - 1] != '\0')
		return -ENOEXEC;
	memcpy(img->interp, f->buf + ph->p_offset, ph->p_filesz);
	img->has_interp = true;
	return 0;
}

static int elf_read_phdr(struct elf_image *img, const Elf64_Phdr *ph, const struct elf_file *f,
			 bool *have_pt_phdr)
{
	switch (ph->p_type) {
	case PT_LOAD:
		return elf_add_load(img, ph, f->size);
	case PT_INTERP:
		return elf_read_interp(img, ph, f);
	case PT_GNU_STACK:
		img->exec_stack = (ph->p_flags & PF_X) != 0;
		return 0;
	case PT_PHDR:
		if (!*have_pt_phdr)
			img->phdr_vaddr = ph->p_vaddr;
		*have_pt_phdr = true;
		return 0;
	default:
		return 0;
	}
}

/* Without PT_PHDR: the address of e_phoff inside the PT_LOAD mapping it. */
static u64 elf_find_phdr_vaddr(const struct elf_image *img, u64 phoff)
{
	const struct elf_segment *seg;
	unsigned i;

	for (i = 0; i < img->nseg; i++) {
		seg = &img->seg[i];
		/* offset + filesz <= len was checked, no overflow. */
		if (seg->offset <= phoff && phoff < seg->offset + seg->filesz)
			return seg->vaddr + (phoff - seg->offset);
	}
	return 0;
}

static int elf_check_span(struct elf_image *img)
{
	const struct elf_segment *last = &img->seg[img->nseg - 1];

	/* Sorted and disjoint, so the last segment ends highest. */
	img->min_vaddr = ALIGN_DOWN(img->seg[0].vaddr, PAGE_SIZE);
	img->max_vaddr = ALIGN_UP(last->vaddr + last->memsz, PAGE_SIZE);

	if (img->type == ET_EXEC && img->max_vaddr > USER_ADDR_END)
		return -ENOEXEC;
	if (img->type == ET_DYN && img->max_vaddr - img->min_vaddr >= ELF_DYN_MAX_SPAN)
		return -ENOEXEC;
	return 0;
}

int elf_parse_head(const u8 *buf, size_t buflen, u64 size, struct elf_image *img)
{
	const struct elf_file f = {.buf = buf, .buflen = MIN((u64)buflen, size), .size = size};
	bool have_pt_phdr = false;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned i;
	int err;

	memset(img, 0, sizeof(*img));
	if (size < sizeof(eh))
		return -ENOEXEC;
	if (f.buflen < sizeof(eh))
		return -ENOBUFS;
	memcpy(&eh, buf, sizeof(eh));
	err = elf_check_ehdr(&eh, &f);
	if (err)
		return err;

	img->type = eh.e_type;
	img->entry = eh.e_entry;
	img->phnum = eh.e_phnum;
	img->phentsize = eh.e_phentsize;
	img->exec_stack = true;

	for (i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, buf + eh.e_phoff + (u64)i * sizeof(ph), sizeof(ph));
		err = elf_read_phdr(img, &ph, &f, &have_pt_phdr);
		if (err)
			return err;
	}
	if (img->nseg == 0)
		return -ENOEXEC;
	if (!have_pt_phdr)
		img->phdr_vaddr = elf_find_phdr_vaddr(img, eh.e_phoff);
	return elf_check_span(img);
}

int elf_parse(const u8 *buf, size_t len, struct elf_image *img)
{
	return elf_parse_head(buf, len, len, img);
}
