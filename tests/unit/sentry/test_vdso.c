// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO's time arithmetic (vvar.h, shared with the guest code) and the
 * timekeeper's fitting against a simulated host clock, plus the embedded
 * image: the ELF shape static glibc and musl rely on.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/vdso/vdso_internal.h"

#define NS 1000000000ULL
#define GHZ3 3000000000ULL

static u64 clock_ns(const struct vvar_clock *c, u64 max_delta, u64 tsc)
{
	u64 sec = 0, nsec = 0;
	assert_int_equal(vvar_clock_read(c, max_delta, tsc, &sec, &nsec), 0);
	assert_true(nsec < NS);
	return sec * NS + nsec;
}

static void test_vvar_read_converts(void **state)
{
	/* One tick per nanosecond: mult 1 << shift. */
	struct vvar_clock c = {
		.tsc_base = 1000, .sec = 5, .snsec = 0, .mult = 1u << 20, .shift = 20};
	u64 sec, nsec;

	assert_int_equal(
		vvar_clock_read(&c, UINT64_MAX / c.mult, 1000 + 1500000000ULL, &sec, &nsec), 0);
	assert_int_equal(sec, 6);
	assert_int_equal(nsec, 500000000);
	/* The fraction in snsec carries into the nanoseconds. */
	c.snsec = (999999999ULL << 20) + (1u << 19);
	assert_int_equal(clock_ns(&c, UINT64_MAX / c.mult, 1001), 5 * NS + NS); /* .5 + 1 + .5 */
}

static void test_vvar_read_clamps_and_expires(void **state)
{
	struct vvar_clock c = {.tsc_base = 1000000, .sec = 7, .mult = 1u << 20, .shift = 20};
	u64 sec, nsec;

	/* A TSC a little behind the base reads as the base: never earlier. */
	assert_int_equal(clock_ns(&c, 1000, 999000), 7 * NS);
	assert_int_equal(clock_ns(&c, 1000, 1001000), 7 * NS + 1000);
	assert_int_equal(vvar_clock_read(&c, 1000, 1001001, &sec, &nsec), -1);
}

static void test_tk_pick_shift_fits(void **state)
{
	static const u64 hz[] = {100000000ULL, 1000000000ULL, 2094224000ULL, GHZ3, 5000000000ULL};

	for (size_t i = 0; i < ARRAY_SIZE(hz); i++) {
		u32 shift = tk_pick_shift(hz[i], NS);
		struct tk_sample a = {0, 0}, b = {hz[i], NS};
		u64 mult = tk_rate(&a, &b, shift);
		assert_true(shift > 16);
		assert_true(mult < TK_MULT_LIMIT);
		/* 600 s of ticks at 3/2 the rate still fit 63 bits... */
		assert_true((unsigned __int128)TK_MAX_IDLE_SEC * hz[i] * (mult * 3 / 2 + 1) <
			    ((unsigned __int128)1 << 63));
		/* ...and one more bit of precision would not. */
		if (shift < 32) {
			u64 m2 = tk_rate(&a, &b, shift + 1);
			assert_true(m2 >= TK_MULT_LIMIT - 1 ||
				    (unsigned __int128)TK_MAX_IDLE_SEC * hz[i] * (m2 * 3 / 2 + 1) >=
					    ((unsigned __int128)1 << 63));
		}
	}
	assert_int_equal(tk_pick_shift(0, NS), 0);
}

/* A host clock: ns0 at TSC 0, ppm off the nominal 3 GHz. */
static struct tk_sample host_at(u64 tsc, u64 ns0, s64 ppm)
{
	unsigned __int128 ns = (unsigned __int128)tsc * NS * (1000000 + ppm) / 1000000 / GHZ3;
	return (struct tk_sample){tsc, ns0 + (u64)ns};
}

static void test_tk_fit_first_takes_the_host(void **state)
{
	struct vvar_clock c = {0};
	struct tk_sample s = {123456789, 1700000000ULL * NS + 42};
	u32 shift = tk_pick_shift(GHZ3, NS);

	assert_int_equal(tk_fit(&c, &s, 1000, shift, GHZ3, false), 0);
	assert_int_equal(c.tsc_base, s.tsc);
	assert_int_equal(c.mult, 1000);
	assert_int_equal(c.sec, 1700000000ULL);
	assert_int_equal(c.snsec >> shift, 42);
}

/*
 * Calibrated on a 10 ms window with an error, then refitted every second
 * against a host running 80 ppm fast: the clock never jumps, never goes
 * back, and within a few updates stays within a microsecond of the host.
 */
static void test_tk_fit_slews_continuously(void **state)
{
	const u64 ns0 = 1000 * NS;
	u32 shift = tk_pick_shift(GHZ3, NS);
	struct vvar_clock c = {0};
	struct tk_sample prev = host_at(GHZ3, ns0, 80), s;
	u64 last = 0;

	/* The first rate is 40 ppm off (a short calibration window). */
	struct tk_sample first = host_at(GHZ3 + GHZ3 / 100, ns0, 120);
	tk_fit(&c, &prev, tk_rate(&prev, &first, shift), shift, GHZ3, false);
	for (int i = 1; i <= 10; i++) {
		s = host_at(GHZ3 + (u64)i * GHZ3, ns0, 80);
		u64 md = UINT64_MAX / 4 / c.mult;
		/* Monotonic through the second before the update. */
		for (u64 t = prev.tsc; t <= s.tsc; t += GHZ3 / 7) {
			u64 now = clock_ns(&c, md, t);
			assert_true(now >= last);
			last = now;
		}
		u64 before = clock_ns(&c, md, s.tsc);
		s64 err = tk_fit(&c, &s, tk_rate(&prev, &s, shift), shift, GHZ3, false);
		u64 after = clock_ns(&c, UINT64_MAX / 4 / c.mult, s.tsc);
		assert_int_equal(before, after); /* continuous at the refit */
		if (i >= 3)
			assert_true(err < 1000 && err > -1000);
		prev = s;
	}
	/* A second after the last fit, the clock meets the host. */
	s = host_at(GHZ3 * 12, ns0, 80);
	s64 final = (s64)(clock_ns(&c, UINT64_MAX / 4 / c.mult, s.tsc) - s.ns);
	assert_true(final < 1000 && final > -1000);
}

static void test_tk_fit_steps(void **state)
{
	u32 shift = tk_pick_shift(GHZ3, NS);
	struct tk_sample a = {GHZ3, 1000 * NS}, b = {2 * GHZ3, 1001 * NS};
	u32 rate = tk_rate(&a, &b, shift);
	struct vvar_clock mono = {0}, real = {0};

	tk_fit(&mono, &a, rate, shift, GHZ3, false);
	tk_fit(&real, &a, rate, shift, GHZ3, true);
	/* The host's time jumped a second ahead: both follow at once. */
	struct tk_sample ahead = {2 * GHZ3, 1002 * NS};
	assert_true(tk_fit(&mono, &ahead, rate, shift, GHZ3, false) > (s64)NS / 2);
	assert_int_equal(clock_ns(&mono, GHZ3, ahead.tsc), 1002 * NS);
	/* It was set back: REALTIME steps back, a monotonic clock only slows. */
	struct tk_sample back = {3 * GHZ3, 1001 * NS};
	tk_fit(&real, &ahead, rate, shift, GHZ3, true);
	tk_fit(&real, &back, rate, shift, GHZ3, true);
	assert_int_equal(clock_ns(&real, GHZ3, back.tsc), 1001 * NS);
	u64 before = clock_ns(&mono, 2 * GHZ3, back.tsc);
	tk_fit(&mono, &back, rate, shift, GHZ3, false);
	assert_int_equal(clock_ns(&mono, GHZ3, back.tsc), before);
	assert_int_equal(mono.mult, rate / 2);
}

static void test_tk_max_delta_keeps_products_in_range(void **state)
{
	struct vvar v = {.clock_mask = VVAR_SERVED_MASK};
	v.clock[VVAR_CLOCK_MONOTONIC].mult = 3000000;
	v.clock[VVAR_CLOCK_REALTIME].mult = 2000000;
	v.clock[2].mult = 4000000000u; /* not served: ignored */
	u64 md = tk_max_delta(&v);
	assert_true((unsigned __int128)md * 3000000 <= ((unsigned __int128)1 << 63));
	assert_true((unsigned __int128)(md + 1) * 3000000 > ((unsigned __int128)1 << 63));
}

static void test_vdso_clock_gettime_before_start(void **state)
{
	struct timespec ts;
	assert_int_equal(vdso_clock_gettime(CLOCK_MONOTONIC, &ts), -EAGAIN);
	assert_int_equal(vdso_clock_gettime(-1, &ts), -EAGAIN);
}

/* ---- the embedded image ---- */

struct image {
	const u8 *base;
	const Elf64_Sym *sym;
	const char *str;
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
	size_t nsyms;
	bool rel;
};

static void image_parse(struct image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)vdso_image_start;
	size_t size = (size_t)(vdso_image_end - vdso_image_start);
	const Elf64_Dyn *dyn = NULL;
	int loads = 0;

	im->base = vdso_image_start;
	assert_true(size > sizeof(*eh) && size <= 2 * 4096);
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_type, ET_DYN);
	assert_int_equal(eh->e_machine, EM_X86_64);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(im->base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			loads++;
			assert_int_equal(ph[i].p_vaddr, 0);
			assert_int_equal(ph[i].p_offset, 0);
			assert_int_equal(ph[i].p_flags, PF_R | PF_X);
			assert_true(ph[i].p_memsz == ph[i].p_filesz);
		}
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(im->base + ph[i].p_offset);
	}
	assert_int_equal(loads, 1);
	assert_non_null(dyn);
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const u8 *p = im->base + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			im->sym = (const Elf64_Sym *)p;
			break;
		case DT_STRTAB:
			im->str = (const char *)p;
			break;
		case DT_VERSYM:
			im->versym = (const Elf64_Half *)p;
			break;
		case DT_VERDEF:
			im->verdef = (const Elf64_Verdef *)p;
			break;
		case DT_HASH:
			im->nsyms = ((const u32 *)p)[1];
			break;
		case DT_REL:
		case DT_RELA:
		case DT_JMPREL:
		case DT_TEXTREL:
		case DT_NEEDED:
			im->rel = true;
			break;
		}
	}
	assert_non_null(im->sym);
	assert_non_null(im->str);
	assert_non_null(im->versym);
	assert_non_null(im->verdef);
	assert_true(im->nsyms > 1);
	assert_false(im->rel);
}

static const char *image_version(const struct image *im, unsigned ndx)
{
	const Elf64_Verdef *d = im->verdef;
	for (;;) {
		if (d->vd_ndx == ndx)
			return im->str +
			       ((const Elf64_Verdaux *)((const u8 *)d + d->vd_aux))->vda_name;
		if (!d->vd_next)
			return "";
		d = (const Elf64_Verdef *)((const u8 *)d + d->vd_next);
	}
}

static void test_vdso_image_exports(void **state)
{
	static const char *const names[] = {
		"__vdso_clock_gettime",
		"__vdso_gettimeofday",
		"__vdso_time",
		"__vdso_getcpu",
		"__vdso_clock_getres",
		"clock_gettime",
		"gettimeofday",
		"time",
		"getcpu",
		"clock_getres",
	};
	struct image im = {0};

	image_parse(&im);
	for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
		size_t i;
		for (i = 1; i < im.nsyms; i++)
			if (!strcmp(im.str + im.sym[i].st_name, names[n]))
				break;
		assert_true(i < im.nsyms);
		assert_int_equal(ELF64_ST_TYPE(im.sym[i].st_info), STT_FUNC);
		assert_int_equal(ELF64_ST_BIND(im.sym[i].st_info),
				 strncmp(names[n], "__vdso_", 7) ? STB_WEAK : STB_GLOBAL);
		assert_int_not_equal(im.sym[i].st_shndx, SHN_UNDEF);
		assert_string_equal(image_version(&im, im.versym[i] & 0x7fff), "LINUX_2.6");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vvar_read_converts),
		cmocka_unit_test(test_vvar_read_clamps_and_expires),
		cmocka_unit_test(test_tk_pick_shift_fits),
		cmocka_unit_test(test_tk_fit_first_takes_the_host),
		cmocka_unit_test(test_tk_fit_slews_continuously),
		cmocka_unit_test(test_tk_fit_steps),
		cmocka_unit_test(test_tk_max_delta_keeps_products_in_range),
		cmocka_unit_test(test_vdso_clock_gettime_before_start),
		cmocka_unit_test(test_vdso_image_exports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
