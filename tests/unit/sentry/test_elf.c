// SPDX-License-Identifier: Apache-2.0
/*
 * elf_parse(): well-formed images built in memory, one crafted defect per
 * rejection rule, and the host's real binaries when they exist. Every
 * image is parsed from a heap copy of exactly len bytes so that the
 * sanitizer build catches any read past the end.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "sentry/loader/loader.h"

#define FAKE_LEN 0x3000
#define FAKE_MAX_PH 32

/* An ELF file under construction: header, program headers, file bytes. */
struct fake_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[FAKE_MAX_PH];
	u8 data[FAKE_LEN];
	size_t len;
};

static struct elf_image img;

static void fake_init(struct fake_elf *f, u16 type)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = type;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_phoff = sizeof(Elf64_Ehdr);
	f->eh.e_ehsize = sizeof(Elf64_Ehdr);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->len = FAKE_LEN;
}

static Elf64_Phdr *fake_add(struct fake_elf *f, u32 type, u32 flags, u64 offset, u64 vaddr,
			    u64 filesz, u64 memsz)
{
	Elf64_Phdr *ph;

	assert_true(f->eh.e_phnum < FAKE_MAX_PH);
	ph = &f->ph[f->eh.e_phnum++];
	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_offset = offset;
	ph->p_vaddr = vaddr;
	ph->p_paddr = vaddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_align = PAGE_SIZE;
	return ph;
}

/* Lay the headers into the file bytes (at e_phoff when it fits). */
static void fake_emit(struct fake_elf *f)
{
	size_t phsize = f->eh.e_phnum * sizeof(Elf64_Phdr);

	memcpy(f->data, &f->eh, sizeof(f->eh));
	if (f->eh.e_phoff <= FAKE_LEN - phsize)
		memcpy(f->data + f->eh.e_phoff, f->ph, phsize);
}

/* Parse buf[0..len) from an exact-size heap copy. */
static int parse_bytes(const u8 *buf, size_t len)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	ret = elf_parse(copy, len, &img);
	free(copy);
	return ret;
}

static int fake_parse_len(struct fake_elf *f, size_t len)
{
	fake_emit(f);
	return parse_bytes(f->data, len);
}

static int fake_parse(struct fake_elf *f)
{
	return fake_parse_len(f, f->len);
}

/*
 * A static executable as ld lays it out: headers in a read-only page,
 * text, then data + bss starting mid-page.
 */
static void fake_static_exec(struct fake_elf *f)
{
	fake_init(f, ET_EXEC);
	f->eh.e_entry = 0x401000;
	fake_add(f, PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000);
	fake_add(f, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
	fake_add(f, PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x100, 0x2000);
	fake_add(f, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
}

/* A static-pie: linked at 0, with PT_PHDR and PT_DYNAMIC. */
static void fake_static_pie(struct fake_elf *f)
{
	fake_init(f, ET_DYN);
	f->eh.e_entry = 0x1040;
	fake_add(f, PT_PHDR, PF_R, 0x40, 0x40, 5 * sizeof(Elf64_Phdr), 5 * sizeof(Elf64_Phdr));
	fake_add(f, PT_LOAD, PF_R, 0, 0, 0x1000, 0x1000);
	fake_add(f, PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1000, 0x1000);
	fake_add(f, PT_LOAD, PF_R | PF_W, 0x2e00, 0x3e00, 0x200, 0x1300);
	fake_add(f, PT_DYNAMIC, PF_R | PF_W, 0x2e00, 0x3e00, 0x100, 0x100);
}

static void expect_noexec(struct fake_elf *f)
{
	assert_int_equal(fake_parse(f), -ENOEXEC);
}

static void test_elf_parses_static_exec(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.type, ET_EXEC);
	assert_int_equal(img.entry, 0x401000);
	assert_int_equal(img.phnum, 4);
	assert_int_equal(img.phentsize, sizeof(Elf64_Phdr));
	assert_int_equal(img.phdr_vaddr, 0x400040);
	assert_int_equal(img.min_vaddr, 0x400000);
	assert_int_equal(img.max_vaddr, 0x406000);
	assert_int_equal(img.nseg, 3);
	assert_int_equal(img.seg[0].prot, PROT_READ);
	assert_int_equal(img.seg[1].prot, PROT_READ | PROT_EXEC);
	assert_int_equal(img.seg[2].prot, PROT_READ | PROT_WRITE);
	assert_int_equal(img.seg[2].vaddr, 0x403010);
	assert_int_equal(img.seg[2].offset, 0x2010);
	assert_int_equal(img.seg[2].filesz, 0x100);
	assert_int_equal(img.seg[2].memsz, 0x2000);
	assert_false(img.exec_stack);
	assert_false(img.has_interp);
}

static void test_elf_parses_static_pie(void **state)
{
	struct fake_elf f;

	fake_static_pie(&f);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.type, ET_DYN);
	assert_int_equal(img.entry, 0x1040);
	assert_int_equal(img.phdr_vaddr, 0x40);
	assert_int_equal(img.min_vaddr, 0);
	assert_int_equal(img.max_vaddr, 0x6000);
	assert_int_equal(img.nseg, 3);
	assert_true(img.exec_stack); /* no PT_GNU_STACK */
	assert_false(img.has_interp);
}

static void test_elf_pt_phdr_wins_over_load(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	fake_add(&f, PT_PHDR, PF_R, 0x40, 0x400123, 0, 0);
	/* Only the first PT_PHDR counts. */
	fake_add(&f, PT_PHDR, PF_R, 0x40, 0x400456, 0, 0);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.phdr_vaddr, 0x400123);
}

static void test_elf_unmapped_phdrs_give_zero(void **state)
{
	struct fake_elf f;

	/* The first load maps only the ELF header, not the table after it. */
	fake_init(&f, ET_EXEC);
	fake_add(&f, PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x1000);
	fake_add(&f, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.phdr_vaddr, 0);
}

static void test_elf_exec_stack_from_gnu_stack(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[3].p_flags = PF_R | PF_W | PF_X;
	assert_int_equal(fake_parse(&f), 0);
	assert_true(img.exec_stack);
}

static void test_elf_reads_interp(void **state)
{
	static const char path[] = "/lib/ld-musl-x86_64.so.1";
	struct fake_elf f;

	fake_static_pie(&f);
	memcpy(f.data + 0x300, path, sizeof(path));
	fake_add(&f, PT_INTERP, PF_R, 0x300, 0x300, sizeof(path), sizeof(path));
	assert_int_equal(fake_parse(&f), 0);
	assert_true(img.has_interp);
	assert_string_equal(img.interp, path);

	/* As on Linux, a second PT_INTERP is ignored. */
	memcpy(f.data + 0x400, "/other", 7);
	fake_add(&f, PT_INTERP, PF_R, 0x400, 0x400, 7, 7);
	assert_int_equal(fake_parse(&f), 0);
	assert_string_equal(img.interp, path);
}

/*
 * elf_parse_head sees only the head of a file: segments are checked
 * against the whole file's size, and headers or an interpreter path past
 * the head ask for more (-ENOBUFS) instead of failing.
 */
static void test_elf_parses_a_head(void **state)
{
	static const char path[] = "/lib64/ld-linux-x86-64.so.2";
	struct fake_elf f;

	fake_static_pie(&f);
	memcpy(f.data + 0x300, path, sizeof(path));
	fake_add(&f, PT_INTERP, PF_R, 0x300, 0x300, sizeof(path), sizeof(path));
	fake_emit(&f);
	/* Headers and path inside the head; segments beyond it are fine. */
	assert_int_equal(elf_parse_head(f.data, 0x400, f.len, &img), 0);
	assert_string_equal(img.interp, path);
	assert_int_equal(img.nseg, 3);
	/* The path, or the program headers, past the head. */
	assert_int_equal(elf_parse_head(f.data, 0x310, f.len, &img), -ENOBUFS);
	assert_int_equal(elf_parse_head(f.data, 0x60, f.len, &img), -ENOBUFS);
	assert_int_equal(elf_parse_head(f.data, 10, f.len, &img), -ENOBUFS);
	/* A file too short for its segments is no program, whatever the head. */
	assert_int_equal(elf_parse_head(f.data, 0x400, 0x400, &img), -ENOEXEC);
	assert_int_equal(elf_parse_head(f.data, 0x400, 10, &img), -ENOEXEC);
}

static void test_elf_rejects_truncated_ehdr(void **state)
{
	struct fake_elf f;
	size_t len;

	fake_static_exec(&f);
	for (len = 0; len < sizeof(Elf64_Ehdr); len++)
		assert_int_equal(fake_parse_len(&f, len), -ENOEXEC);
}

static void test_elf_rejects_truncated_phdrs(void **state)
{
	struct fake_elf f;
	size_t len, end;

	/* One load whose file bytes lie inside the header page. */
	fake_init(&f, ET_EXEC);
	fake_add(&f, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x40, 0x1000);
	fake_add(&f, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	end = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	for (len = sizeof(Elf64_Ehdr); len < end; len++)
		assert_int_equal(fake_parse_len(&f, len), -ENOEXEC);
	assert_int_equal(fake_parse_len(&f, end), 0);
}

static void test_elf_rejects_bad_magic(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_ident[EI_MAG3] = 'G';
	expect_noexec(&f);
}

static void test_elf_rejects_wrong_class(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_noexec(&f);
}

static void test_elf_rejects_big_endian(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	expect_noexec(&f);
}

static void test_elf_rejects_wrong_machine(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_machine = EM_386;
	expect_noexec(&f);
	f.eh.e_machine = EM_AARCH64;
	expect_noexec(&f);
}

static void test_elf_rejects_wrong_type(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_type = ET_REL;
	expect_noexec(&f);
	f.eh.e_type = ET_CORE;
	expect_noexec(&f);
}

static void test_elf_rejects_wrong_phentsize(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_phentsize = 32;
	expect_noexec(&f);
	f.eh.e_phentsize = 64;
	expect_noexec(&f);
}

static void test_elf_rejects_phoff_beyond_file(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.eh.e_phoff = FAKE_LEN;
	expect_noexec(&f);
	f.eh.e_phoff = FAKE_LEN - sizeof(Elf64_Phdr); /* table runs past EOF */
	expect_noexec(&f);
	f.eh.e_phoff = UINT64_MAX - 8; /* offset + size wraps */
	expect_noexec(&f);
}

static void test_elf_rejects_filesz_above_memsz(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[0].p_memsz = f.ph[0].p_filesz - 1; /* file bytes all present */
	expect_noexec(&f);
}

static void test_elf_rejects_file_bytes_beyond_file(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[2].p_filesz = FAKE_LEN - f.ph[2].p_offset + 1;
	expect_noexec(&f);
	f.ph[2].p_offset = UINT64_MAX - 0xfff + 0x10; /* congruent, wraps */
	f.ph[2].p_filesz = 0x1000;
	expect_noexec(&f);
}

static void test_elf_rejects_memsz_overflow(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[2].p_memsz = UINT64_MAX - 0x1000; /* vaddr + memsz wraps */
	expect_noexec(&f);

	/* No wrap, but rounding the end up to a page would. */
	fake_static_pie(&f);
	f.ph[3].p_vaddr = 0xfffffffffffffe00;
	f.ph[3].p_memsz = 0x1f8;
	f.ph[3].p_filesz = 0x1f8;
	expect_noexec(&f);
}

static void test_elf_rejects_exec_beyond_user_space(void **state)
{
	struct fake_elf f;

	/* The last user page is 0x7fffffffe000, one below the limit. */
	fake_init(&f, ET_EXEC);
	fake_add(&f, PT_LOAD, PF_R, 0x1000, 0x7fffffffe000, 0x1000, 0x1000);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.max_vaddr, 0x7ffffffff000);

	f.ph[0].p_memsz = 0x1001;
	expect_noexec(&f);
	f.ph[0].p_vaddr = 0x800000000000;
	f.ph[0].p_memsz = 0x1000;
	expect_noexec(&f);
	f.ph[0].p_vaddr = 0xffff800000000000; /* kernel half */
	expect_noexec(&f);
}

static void test_elf_limits_dyn_span(void **state)
{
	struct fake_elf f;

	fake_init(&f, ET_DYN);
	fake_add(&f, PT_LOAD, PF_R, 0, 0, 0x1000, 0x1000);
	fake_add(&f, PT_LOAD, PF_R, 0x1000, (1ULL << 40) - 0x1000, 0x1000, 0x1000);
	expect_noexec(&f);
	f.ph[1].p_vaddr -= 0x1000;
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.max_vaddr, (1ULL << 40) - 0x1000);

	/* Unrelocated ET_DYN addresses may be high; only the span counts. */
	f.ph[0].p_vaddr += 0xffff000000000000;
	f.ph[1].p_vaddr += 0xffff000000000000;
	assert_int_equal(fake_parse(&f), 0);
}

static void test_elf_rejects_overlapping_loads(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[2].p_vaddr = 0x401ff0; /* inside text's last bytes */
	f.ph[2].p_offset = 0x1ff0;
	expect_noexec(&f);
}

static void test_elf_accepts_loads_sharing_a_page(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[1].p_filesz = 0x800;
	f.ph[1].p_memsz = 0x800;
	f.ph[2].p_vaddr = 0x401800; /* same page as text's end, no overlap */
	f.ph[2].p_offset = 0x1800;
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.max_vaddr, 0x404000);
}

static void test_elf_rejects_unsorted_loads(void **state)
{
	struct fake_elf f;
	Elf64_Phdr tmp;

	fake_static_exec(&f);
	tmp = f.ph[1];
	f.ph[1] = f.ph[2];
	f.ph[2] = tmp;
	expect_noexec(&f);
}

static void test_elf_limits_load_count(void **state)
{
	struct fake_elf f;
	unsigned i;

	fake_init(&f, ET_EXEC);
	for (i = 0; i < ELF_MAX_LOAD; i++)
		fake_add(&f, PT_LOAD, PF_R, 0x1000, 0x400000 + i * 0x1000, 0x1000, 0x1000);
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(img.nseg, ELF_MAX_LOAD);
	fake_add(&f, PT_LOAD, PF_R, 0x1000, 0x400000 + i * 0x1000, 0x1000, 0x1000);
	expect_noexec(&f);
}

static void test_elf_rejects_no_load(void **state)
{
	struct fake_elf f;

	fake_init(&f, ET_EXEC);
	fake_add(&f, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	expect_noexec(&f);
	f.eh.e_phnum = 0;
	expect_noexec(&f);
}

static void test_elf_rejects_unterminated_interp(void **state)
{
	struct fake_elf f;

	fake_static_pie(&f);
	memcpy(f.data + 0x300, "/lib/ld.so", 10);
	f.data[0x30a] = 'x';
	fake_add(&f, PT_INTERP, PF_R, 0x300, 0x300, 10, 10);
	expect_noexec(&f);

	/* Ends exactly at EOF, without a NUL. */
	memcpy(f.data + FAKE_LEN - 10, "/lib/ld.so", 10);
	f.ph[5].p_offset = FAKE_LEN - 10;
	expect_noexec(&f);
}

static void test_elf_rejects_interp_outside_file(void **state)
{
	struct fake_elf f;

	fake_static_pie(&f);
	fake_add(&f, PT_INTERP, PF_R, FAKE_LEN - 4, 0, 8, 8);
	expect_noexec(&f);
	f.ph[5].p_offset = UINT64_MAX - 3; /* offset + filesz wraps */
	expect_noexec(&f);
}

static void test_elf_rejects_bad_interp_size(void **state)
{
	struct fake_elf f;

	fake_static_pie(&f);
	fake_add(&f, PT_INTERP, PF_R, 0x300, 0x300, 1, 1); /* just the NUL */
	expect_noexec(&f);
	f.ph[5].p_filesz = ELF_MAX_INTERP + 1;
	f.data[0x300 + ELF_MAX_INTERP] = '\0';
	expect_noexec(&f);
	f.ph[5].p_filesz = ELF_MAX_INTERP; /* longest accepted */
	memset(f.data + 0x300, 'a', ELF_MAX_INTERP - 1);
	f.data[0x300 + ELF_MAX_INTERP - 1] = '\0';
	assert_int_equal(fake_parse(&f), 0);
	assert_int_equal(strlen(img.interp), ELF_MAX_INTERP - 1);
}

static void test_elf_rejects_misaligned_offset(void **state)
{
	struct fake_elf f;

	fake_static_exec(&f);
	f.ph[1].p_vaddr = 0x401010; /* offset stays 0x1000 */
	expect_noexec(&f);
}

/* Flip bytes of a valid image at random: any result, but no bad access. */
static void test_elf_survives_random_corruption(void **state)
{
	static u8 bytes[FAKE_LEN];
	struct fake_elf f;
	u64 rng = 0x9e3779b97f4a7c15;
	size_t hdr_len;
	int i, j, ret;

	fake_static_pie(&f);
	fake_emit(&f);
	hdr_len = sizeof(Elf64_Ehdr) + f.eh.e_phnum * sizeof(Elf64_Phdr);
	for (i = 0; i < 20000; i++) {
		memcpy(bytes, f.data, FAKE_LEN);
		for (j = 0; j < 4; j++) {
			rng = rng * 6364136223846793005ULL + 1;
			bytes[(rng >> 33) % hdr_len] ^= (u8)(rng >> 13);
		}
		ret = parse_bytes(bytes, (rng >> 20) % FAKE_LEN);
		assert_true(ret == 0 || ret == -ENOEXEC);
	}
}

static u8 *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	u8 *buf;
	long size;

	if (!fp)
		return NULL;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size > 0);
	rewind(fp);
	buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, size, fp), (size_t)size);
	fclose(fp);
	*len = size;
	return buf;
}

static bool seg_contains_exec(const struct elf_image *im, u64 addr)
{
	unsigned i;

	for (i = 0; i < im->nseg; i++) {
		if ((im->seg[i].prot & PROT_EXEC) && addr >= im->seg[i].vaddr &&
		    addr - im->seg[i].vaddr < im->seg[i].memsz)
			return true;
	}
	return false;
}

static void test_elf_parses_host_busybox(void **state)
{
	size_t len;
	u8 *buf = read_file("/bin/busybox", &len);

	if (!buf)
		skip();
	assert_int_equal(elf_parse(buf, len, &img), 0);
	free(buf);
	if (img.has_interp)
		skip(); /* a dynamic busybox, not busybox-static */
	assert_int_equal(img.type, ET_EXEC);
	assert_true(seg_contains_exec(&img, img.entry));
	assert_true(img.phdr_vaddr >= img.min_vaddr);
	assert_true(img.phdr_vaddr < img.max_vaddr);
	assert_true(img.max_vaddr <= 0x7ffffffff000);
	assert_true(img.nseg >= 2);
}

static void test_elf_parses_host_dynamic(void **state)
{
	size_t len;
	u8 *buf = read_file("/bin/true", &len);

	if (!buf)
		skip();
	assert_int_equal(elf_parse(buf, len, &img), 0);
	free(buf);
	assert_true(img.has_interp);
	assert_string_equal(img.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_true(img.type == ET_DYN || img.type == ET_EXEC);
	assert_true(seg_contains_exec(&img, img.entry));
	assert_int_not_equal(img.phdr_vaddr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_parses_static_exec),
		cmocka_unit_test(test_elf_parses_static_pie),
		cmocka_unit_test(test_elf_parses_a_head),
		cmocka_unit_test(test_elf_pt_phdr_wins_over_load),
		cmocka_unit_test(test_elf_unmapped_phdrs_give_zero),
		cmocka_unit_test(test_elf_exec_stack_from_gnu_stack),
		cmocka_unit_test(test_elf_reads_interp),
		cmocka_unit_test(test_elf_rejects_truncated_ehdr),
		cmocka_unit_test(test_elf_rejects_truncated_phdrs),
		cmocka_unit_test(test_elf_rejects_bad_magic),
		cmocka_unit_test(test_elf_rejects_wrong_class),
		cmocka_unit_test(test_elf_rejects_big_endian),
		cmocka_unit_test(test_elf_rejects_wrong_machine),
		cmocka_unit_test(test_elf_rejects_wrong_type),
		cmocka_unit_test(test_elf_rejects_wrong_phentsize),
		cmocka_unit_test(test_elf_rejects_phoff_beyond_file),
		cmocka_unit_test(test_elf_rejects_filesz_above_memsz),
		cmocka_unit_test(test_elf_rejects_file_bytes_beyond_file),
		cmocka_unit_test(test_elf_rejects_memsz_overflow),
		cmocka_unit_test(test_elf_rejects_exec_beyond_user_space),
		cmocka_unit_test(test_elf_limits_dyn_span),
		cmocka_unit_test(test_elf_rejects_overlapping_loads),
		cmocka_unit_test(test_elf_accepts_loads_sharing_a_page),
		cmocka_unit_test(test_elf_rejects_unsorted_loads),
		cmocka_unit_test(test_elf_limits_load_count),
		cmocka_unit_test(test_elf_rejects_no_load),
		cmocka_unit_test(test_elf_rejects_unterminated_interp),
		cmocka_unit_test(test_elf_rejects_interp_outside_file),
		cmocka_unit_test(test_elf_rejects_bad_interp_size),
		cmocka_unit_test(test_elf_rejects_misaligned_offset),
		cmocka_unit_test(test_elf_survives_random_corruption),
		cmocka_unit_test(test_elf_parses_host_busybox),
		cmocka_unit_test(test_elf_parses_host_dynamic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
