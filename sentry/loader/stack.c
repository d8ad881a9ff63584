// SPDX-License-Identifier: Apache-2.0
/*
 * Initial user stack image, laid out as Linux's exec + binfmt_elf do,
 * with the gap arch_align_stack() leaves under the strings (args->pad).
 *
 * Addresses are guest addresses; a cursor moves down from stack_top and
 * every allocation is checked against the bottom of the buffer before
 * anything is written, so a short buffer yields -E2BIG and never a write
 * out of bounds.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "sentry/loader/loader.h"

#define STACK_RANDOM_BYTES 16
#define STACK_ALIGN 16

struct stack_cursor {
	u8 *buf;
	u64 bottom; /* guest address of buf[0] */
	u64 p;	    /* lowest guest address allocated so far */
};

/* Host pointer for guest address addr, which the caller allocated. */
static u8 *stack_at(const struct stack_cursor *c, u64 addr)
{
	return c->buf + (addr - c->bottom);
}

static int stack_alloc(struct stack_cursor *c, u64 size)
{
	if (c->p - c->bottom < size)
		return -E2BIG;
	c->p -= size;
	return 0;
}

/* Move down pad bytes (zeroed), then to a 16-byte boundary. */
static int stack_align(struct stack_cursor *c, u64 pad)
{
	if (pad > c->p - c->bottom)
		return -E2BIG;
	u64 p = ALIGN_DOWN(c->p - pad, (u64)STACK_ALIGN);

	if (p < c->bottom)
		return -E2BIG;
	memset(stack_at(c, p), 0, c->p - p);
	c->p = p;
	return 0;
}

static void stack_put_u64(const struct stack_cursor *c, u64 addr, u64 val)
{
	memcpy(stack_at(c, addr), &val, sizeof(val));
}

/* Number of entries in a NULL-terminated list; NULL counts as empty. */
static size_t stack_count(const char *const *list)
{
	size_t n = 0;

	while (list && list[n])
		n++;
	return n;
}

/* Total size of the strings of list, NULs included. */
static int stack_strings_size(const char *const *list, size_t n, u64 *size)
{
	u64 total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (__builtin_add_overflow(total, strlen(list[i]) + 1, &total))
			return -E2BIG;
	}
	*size = total;
	return 0;
}

/* Copy list's strings, in order, to a new block; *start is its address. */
static int stack_push_strings(struct stack_cursor *c, const char *const *list, size_t n, u64 *start)
{
	u64 size, addr;
	size_t i, len;
	int err;

	err = stack_strings_size(list, n, &size);
	if (!err)
		err = stack_alloc(c, size);
	if (err)
		return err;
	addr = c->p;
	for (i = 0; i < n; i++) {
		len = strlen(list[i]) + 1;
		memcpy(stack_at(c, addr), list[i], len);
		addr += len;
	}
	*start = c->p;
	return 0;
}

static int stack_push_bytes(struct stack_cursor *c, const void *src, u64 size, u64 *addr)
{
	int err = stack_alloc(c, size);

	if (err)
		return err;
	memcpy(stack_at(c, c->p), src, size);
	*addr = c->p;
	return 0;
}

/* Write the pointers to the n consecutive strings at str, then NULL. */
static u64 stack_put_vector(const struct stack_cursor *c, u64 at, const char *const *list, size_t n,
			    u64 str)
{
	size_t i;

	for (i = 0; i < n; i++) {
		stack_put_u64(c, at, str);
		str += strlen(list[i]) + 1;
		at += 8;
	}
	stack_put_u64(c, at, 0);
	return at + 8;
}

static u64 stack_put_aux(const struct stack_cursor *c, u64 at, u64 type, u64 val)
{
	stack_put_u64(c, at, type);
	stack_put_u64(c, at + 8, val);
	return at + 16;
}

struct stack_strings {
	size_t argc, envc;
	u64 argv, envp, execfn, platform, random;
};

/* From the top: end marker, execfn, envp, argv, platform, random bytes. */
static int stack_push_data(struct stack_cursor *c, const struct stack_args *args,
			   struct stack_strings *s)
{
	static const u64 end_marker;
	u64 marker;
	int err;

	err = stack_push_bytes(c, &end_marker, sizeof(end_marker), &marker);
	if (!err)
		err = stack_push_bytes(c, args->execfn, strlen(args->execfn) + 1, &s->execfn);
	if (!err)
		err = stack_push_strings(c, args->envp, s->envc, &s->envp);
	if (!err)
		err = stack_push_strings(c, args->argv, s->argc, &s->argv);
	if (!err)
		err = stack_align(c, args->pad);
	if (!err)
		err = stack_push_bytes(c, args->platform, strlen(args->platform) + 1, &s->platform);
	if (!err)
		err = stack_push_bytes(c, args->random, STACK_RANDOM_BYTES, &s->random);
	return err;
}

/* 8-byte words of argc, argv, envp and auxv, or 0 on overflow. */
static u64 stack_table_words(const struct stack_args *args, const struct stack_strings *s)
{
	u64 words, aux;

	/* argc, argv + NULL, envp + NULL */
	if (__builtin_add_overflow((u64)s->argc, (u64)s->envc, &words) ||
	    __builtin_add_overflow(words, 3, &words))
		return 0;
	/* the caller's entries plus EXECFN, PLATFORM, RANDOM and NULL */
	if (__builtin_add_overflow((u64)args->naux, 4, &aux) ||
	    __builtin_mul_overflow(aux, 2, &aux) || __builtin_add_overflow(words, aux, &words))
		return 0;
	return words;
}

/*
 * Reserve words 8-byte slots under the data with the start rounded down
 * to 16 bytes, as Linux's STACK_ROUND; the padding lands between the
 * end of auxv and the random bytes.
 */
static int stack_reserve_tables(struct stack_cursor *c, u64 words)
{
	u64 sp, end;

	if (words == 0 || words > (c->p - c->bottom) / 8)
		return -E2BIG;
	sp = ALIGN_DOWN(c->p - words * 8, (u64)STACK_ALIGN);
	if (sp < c->bottom)
		return -E2BIG;
	end = sp + words * 8;
	memset(stack_at(c, end), 0, c->p - end);
	c->p = sp;
	return 0;
}

int stack_build(const struct stack_args *args, u8 *buf, size_t buflen, u64 *sp)
{
	/* A buffer reaching below guest address 0 is used from 0 up. */
	u64 usable = MIN((u64)buflen, args->stack_top);
	struct stack_cursor c = {
		.buf = buf + (buflen - usable),
		.bottom = args->stack_top - usable,
		.p = args->stack_top,
	};
	struct stack_strings s = {
		.argc = stack_count(args->argv),
		.envc = stack_count(args->envp),
	};
	u64 at;
	size_t i;
	int err;

	err = stack_push_data(&c, args, &s);
	if (!err)
		err = stack_reserve_tables(&c, stack_table_words(args, &s));
	if (err)
		return err;

	at = c.p;
	stack_put_u64(&c, at, s.argc);
	at = stack_put_vector(&c, at + 8, args->argv, s.argc, s.argv);
	at = stack_put_vector(&c, at, args->envp, s.envc, s.envp);
	for (i = 0; i < args->naux; i++)
		at = stack_put_aux(&c, at, args->aux[i].type, args->aux[i].val);
	at = stack_put_aux(&c, at, AT_EXECFN, s.execfn);
	at = stack_put_aux(&c, at, AT_PLATFORM, s.platform);
	at = stack_put_aux(&c, at, AT_RANDOM, s.random);
	stack_put_aux(&c, at, AT_NULL, 0);

	*sp = c.p;
	return 0;
}
