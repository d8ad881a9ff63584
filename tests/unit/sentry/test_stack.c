// SPDX-License-Identifier: Apache-2.0
/*
 * stack_build(): build initial stacks, decode them back through guest
 * addresses as a process would at entry, and check that short buffers
 * fail with -E2BIG without touching the guard bytes around them.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sentry/loader/loader.h"

#define GUARD 64
#define GUARD_BYTE 0xa5
#define TOP 0x7ffffffff000ULL

static const u8 random_bytes[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static const struct auxv_entry some_aux[] = {
	{AT_PHDR, 0x400040},
	{AT_PHENT, 56},
	{AT_PAGESZ, 4096},
	{AT_ENTRY, 0x401000},
};

/* A buffer standing for guest [top - len, top), with guards on both sides. */
struct guest_stack {
	u8 *mem;
	size_t len;
	u64 top;
};

static void gs_init(struct guest_stack *gs, size_t len, u64 top)
{
	gs->mem = malloc(len + 2 * GUARD);
	assert_non_null(gs->mem);
	memset(gs->mem, GUARD_BYTE, len + 2 * GUARD);
	gs->len = len;
	gs->top = top;
}

static void gs_check_guards(const struct guest_stack *gs)
{
	size_t i;

	for (i = 0; i < GUARD; i++) {
		assert_int_equal(gs->mem[i], GUARD_BYTE);
		assert_int_equal(gs->mem[GUARD + gs->len + i], GUARD_BYTE);
	}
}

static void gs_free(struct guest_stack *gs)
{
	gs_check_guards(gs);
	free(gs->mem);
}

static int gs_build(struct guest_stack *gs, const struct stack_args *args, u64 *sp)
{
	struct stack_args a = *args;

	a.stack_top = gs->top;
	return stack_build(&a, gs->mem + GUARD, gs->len, sp);
}

/* Host pointer for guest address addr, asserting it is inside the buffer. */
static const u8 *gs_at(const struct guest_stack *gs, u64 addr, size_t size)
{
	u64 bottom = gs->top - gs->len;

	assert_true(addr >= bottom && addr <= gs->top);
	assert_true(size <= gs->top - addr);
	return gs->mem + GUARD + (addr - bottom);
}

static u64 gs_u64(const struct guest_stack *gs, u64 addr)
{
	u64 v;

	memcpy(&v, gs_at(gs, addr, 8), 8);
	return v;
}

static const char *gs_str(const struct guest_stack *gs, u64 addr)
{
	const char *s = (const char *)gs_at(gs, addr, 1);

	assert_non_null(memchr(s, '\0', gs->top - addr));
	return s;
}

/* What a process finds at entry. */
struct decoded {
	u64 argc, argv, envp, auxv, auxv_end;
	u64 execfn, platform, random;
};

/* Check the vector at addr against want; return the word after its NULL. */
static u64 check_vector(const struct guest_stack *gs, u64 addr, const char *const *want)
{
	size_t i;

	for (i = 0; want && want[i]; i++, addr += 8)
		assert_string_equal(gs_str(gs, gs_u64(gs, addr)), want[i]);
	assert_int_equal(gs_u64(gs, addr), 0);
	return addr + 8;
}

static void decode(const struct guest_stack *gs, u64 sp, const struct stack_args *args,
		   struct decoded *d)
{
	size_t i;
	u64 at;

	memset(d, 0, sizeof(*d));
	assert_int_equal(sp % 16, 0);
	d->argc = gs_u64(gs, sp);
	d->argv = sp + 8;
	d->envp = check_vector(gs, d->argv, args->argv);
	d->auxv = check_vector(gs, d->envp, args->envp);

	at = d->auxv;
	for (i = 0; i < args->naux; i++, at += 16) {
		assert_int_equal(gs_u64(gs, at), args->aux[i].type);
		assert_int_equal(gs_u64(gs, at + 8), args->aux[i].val);
	}
	assert_int_equal(gs_u64(gs, at), AT_EXECFN);
	d->execfn = gs_u64(gs, at + 8);
	assert_int_equal(gs_u64(gs, at + 16), AT_PLATFORM);
	d->platform = gs_u64(gs, at + 24);
	assert_int_equal(gs_u64(gs, at + 32), AT_RANDOM);
	d->random = gs_u64(gs, at + 40);
	assert_int_equal(gs_u64(gs, at + 48), AT_NULL);
	assert_int_equal(gs_u64(gs, at + 56), 0);
	d->auxv_end = at + 64;

	assert_string_equal(gs_str(gs, d->execfn), args->execfn);
	assert_string_equal(gs_str(gs, d->platform), args->platform);
	assert_memory_equal(gs_at(gs, d->random, 16), args->random, 16);
}

static void check_zero(const struct guest_stack *gs, u64 from, u64 to)
{
	const u8 *p = gs_at(gs, from, to - from);
	u64 i;

	for (i = 0; i < to - from; i++)
		assert_int_equal(p[i], 0);
}

/* The string area, top down, is contiguous as Linux leaves it. */
static void check_strings_area(const struct guest_stack *gs, u64 sp, const struct stack_args *args,
			       const struct decoded *d)
{
	bool has_env = args->envp && args->envp[0];
	u64 lowest, str;
	size_t i;

	if (d->argc)
		lowest = gs_u64(gs, d->argv);
	else
		lowest = has_env ? gs_u64(gs, d->envp) : d->execfn;
	str = lowest;
	for (i = 0; i < d->argc; i++) {
		assert_int_equal(gs_u64(gs, d->argv + 8 * i), str);
		str += strlen(args->argv[i]) + 1;
	}
	for (i = 0; args->envp && args->envp[i]; i++) {
		assert_int_equal(gs_u64(gs, d->envp + 8 * i), str);
		str += strlen(args->envp[i]) + 1;
	}
	assert_int_equal(d->execfn, str);
	assert_int_equal(str + strlen(args->execfn) + 1, gs->top - 8);
	assert_int_equal(gs_u64(gs, gs->top - 8), 0);

	/* Platform string right under the 16-aligned bottom of the strings. */
	assert_int_equal(d->platform + strlen(args->platform) + 1, ALIGN_DOWN(lowest, 16));
	assert_int_equal(d->random + 16, d->platform);
	assert_true(d->auxv_end <= d->random);
	assert_true(d->random - d->auxv_end < 16);
	assert_true(sp < d->random);

	/* Padding is zeroed, not left as whatever the buffer held. */
	check_zero(gs, d->auxv_end, d->random);
	check_zero(gs, d->platform + strlen(args->platform) + 1, lowest);
}

static void test_stack_builds_linux_layout(void **state)
{
	static const char *const argv[] = {"prog", "-x", "hello world", NULL};
	static const char *const envp[] = {"A=1", "PATH=/bin:/usr/bin", NULL};
	const struct stack_args args = {
		.argv = argv,
		.envp = envp,
		.execfn = "/usr/bin/prog",
		.platform = "x86_64",
		.random = random_bytes,
		.aux = some_aux,
		.naux = ARRAY_SIZE(some_aux),
	};
	struct guest_stack gs;
	struct decoded d;
	u64 sp;

	gs_init(&gs, 4096, TOP);
	assert_int_equal(gs_build(&gs, &args, &sp), 0);
	decode(&gs, sp, &args, &d);
	assert_int_equal(d.argc, 3);
	check_strings_area(&gs, sp, &args, &d);
	gs_free(&gs);
}

static void test_stack_accepts_empty_lists(void **state)
{
	static const char *const none[] = {NULL};
	struct stack_args args = {
		.argv = none,
		.envp = none,
		.execfn = "/x",
		.platform = "x86_64",
		.random = random_bytes,
	};
	struct guest_stack gs;
	struct decoded d;
	u64 sp;

	gs_init(&gs, 1024, TOP);
	assert_int_equal(gs_build(&gs, &args, &sp), 0);
	decode(&gs, sp, &args, &d);
	assert_int_equal(d.argc, 0);
	check_strings_area(&gs, sp, &args, &d);

	/* A NULL list is an empty one, as execve(path, NULL, NULL) has it. */
	args.argv = NULL;
	args.envp = NULL;
	assert_int_equal(gs_build(&gs, &args, &sp), 0);
	decode(&gs, sp, &args, &d);
	assert_int_equal(d.argc, 0);
	gs_free(&gs);
}

static const char *const words[] = {"a", "bb", "ccc", "dddd", "eeeee", NULL};

/* Build and check a stack with the first na words as argv, ne as envp. */
static void check_shape(struct guest_stack *gs, unsigned na, unsigned ne, unsigned naux,
			const char *execfn)
{
	const char *argv[ARRAY_SIZE(words)], *envp[ARRAY_SIZE(words)];
	const struct stack_args args = {
		.argv = argv,
		.envp = envp,
		.execfn = execfn,
		.platform = "x86_64",
		.random = random_bytes,
		.aux = some_aux,
		.naux = naux,
	};
	struct decoded d;
	u64 sp;

	memcpy(argv, words, sizeof(argv));
	memcpy(envp, words, sizeof(envp));
	argv[na] = NULL;
	envp[ne] = NULL;
	assert_int_equal(gs_build(gs, &args, &sp), 0);
	decode(gs, sp, &args, &d);
	assert_int_equal(d.argc, na);
	check_strings_area(gs, sp, &args, &d);
}

/* Every parity of argc, envc, naux and string length keeps sp aligned. */
static void test_stack_sp_always_aligned(void **state)
{
	const unsigned nlist = ARRAY_SIZE(words);	/* 0..5 entries */
	const unsigned naux = ARRAY_SIZE(some_aux) + 1; /* 0..4 entries */
	const unsigned nexec = ARRAY_SIZE(words) - 1;
	struct guest_stack gs;
	unsigned i, na, ne, nx, nf;

	gs_init(&gs, 2048, TOP);
	for (i = 0; i < nlist * nlist * naux * nexec; i++) {
		na = i % nlist;
		ne = i / nlist % nlist;
		nx = i / (nlist * nlist) % naux;
		nf = i / (nlist * nlist * naux);
		check_shape(&gs, na, ne, nx, words[nf]);
	}
	gs_free(&gs);
}

static void test_stack_too_small_gives_e2big(void **state)
{
	static const char *const argv[] = {"sh", "-c", "echo hi", NULL};
	static const char *const envp[] = {"HOME=/root", NULL};
	const struct stack_args args = {
		.argv = argv,
		.envp = envp,
		.execfn = "/bin/sh",
		.platform = "x86_64",
		.random = random_bytes,
		.aux = some_aux,
		.naux = ARRAY_SIZE(some_aux),
	};
	struct guest_stack gs;
	struct decoded d;
	u64 sp, want_sp;
	size_t need, len;

	gs_init(&gs, 4096, TOP);
	assert_int_equal(gs_build(&gs, &args, &want_sp), 0);
	gs_free(&gs);
	need = TOP - want_sp;

	for (len = 0; len < need; len++) {
		gs_init(&gs, len, TOP);
		assert_int_equal(gs_build(&gs, &args, &sp), -E2BIG);
		gs_free(&gs);
	}
	gs_init(&gs, need, TOP);
	assert_int_equal(gs_build(&gs, &args, &sp), 0);
	assert_int_equal(sp, want_sp);
	decode(&gs, sp, &args, &d);
	gs_free(&gs);
}

static void test_stack_handles_unaligned_top(void **state)
{
	static const char *const argv[] = {"p", NULL};
	const struct stack_args args = {
		.argv = argv,
		.execfn = "/p",
		.platform = "x86_64",
		.random = random_bytes,
	};
	struct guest_stack gs;
	struct decoded d;
	u64 top, sp;

	for (top = TOP - 15; top <= TOP; top++) {
		gs_init(&gs, 512, top);
		assert_int_equal(gs_build(&gs, &args, &sp), 0);
		decode(&gs, sp, &args, &d);
		check_strings_area(&gs, sp, &args, &d);
		gs_free(&gs);
	}
}

/* A buffer reaching below guest address 0: only [0, top) is usable. */
static void test_stack_clamps_buffer_to_address_zero(void **state)
{
	static const char *const argv[] = {"p", NULL};
	const struct stack_args args = {
		.argv = argv,
		.execfn = "/p",
		.platform = "x86_64",
		.random = random_bytes,
	};
	struct guest_stack gs;
	struct decoded d;
	u64 sp;

	gs_init(&gs, 256, 256);
	assert_int_equal(gs_build(&gs, &args, &sp), 0);
	decode(&gs, sp, &args, &d);
	gs_free(&gs);

	/* 48 bytes of the 4096 stand for guest memory: too little. */
	gs_init(&gs, 4096, 48);
	assert_int_equal(gs_build(&gs, &args, &sp), -E2BIG);
	gs_free(&gs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_builds_linux_layout),
		cmocka_unit_test(test_stack_accepts_empty_lists),
		cmocka_unit_test(test_stack_sp_always_aligned),
		cmocka_unit_test(test_stack_too_small_gives_e2big),
		cmocka_unit_test(test_stack_handles_unaligned_top),
		cmocka_unit_test(test_stack_clamps_buffer_to_address_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
