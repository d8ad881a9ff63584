// SPDX-License-Identifier: Apache-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/vma.h"

#define P 0x1000ULL

static struct vma mk(u64 s, u64 e, u32 prot)
{
	return (struct vma){.start = s, .end = e, .prot = prot};
}

static void test_vma_insert_find_and_merge(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	assert_int_equal(vma_insert(&s, mk(10 * P, 20 * P, 3)), 0);
	assert_int_equal(vma_insert(&s, mk(30 * P, 40 * P, 3)), 0);
	assert_int_equal(s.n, 2);
	assert_null(vma_find(&s, 20 * P));
	assert_non_null(vma_find(&s, 19 * P));
	/* Filling the hole with equal attributes merges all three. */
	assert_int_equal(vma_insert(&s, mk(20 * P, 30 * P, 3)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.head->start, 10 * P);
	assert_int_equal(s.head->end, 40 * P);
	/* Overlap is refused. */
	assert_int_equal(vma_insert(&s, mk(39 * P, 41 * P, 3)), -EEXIST);
	vma_set_destroy(&s);
}

static void test_vma_remove_splits_in_three(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	assert_int_equal(vma_insert(&s, mk(0, 100 * P, 1)), 0);
	assert_int_equal(vma_remove(&s, 40 * P, 60 * P), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.head->end, 40 * P);
	assert_int_equal(s.head->next->start, 60 * P);
	assert_true(vma_range_free(&s, 40 * P, 60 * P));
	assert_false(vma_range_free(&s, 39 * P, 41 * P));
	/* Removing across both pieces trims each. */
	assert_int_equal(vma_remove(&s, 30 * P, 70 * P), 0);
	assert_int_equal(s.head->end, 30 * P);
	assert_int_equal(s.head->next->start, 70 * P);
	vma_set_destroy(&s);
}

static void test_vma_gap_down(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	assert_int_equal(vma_find_gap_down(&s, 10 * P, 0, 100 * P, 0), 90 * P);
	assert_int_equal(vma_insert(&s, mk(80 * P, 100 * P, 1)), 0);
	assert_int_equal(vma_insert(&s, mk(50 * P, 75 * P, 1)), 0);
	/* The 5-page hole at 75 is too small for 10 pages: next one down. */
	assert_int_equal(vma_find_gap_down(&s, 10 * P, 0, 100 * P, 0), 40 * P);
	assert_int_equal(vma_find_gap_down(&s, 5 * P, 0, 100 * P, 0), 75 * P);
	assert_int_equal(vma_find_gap_down(&s, 60 * P, 0, 100 * P, 0), 0);
	vma_set_destroy(&s);
}

static void test_vma_split_and_merge_back(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	assert_int_equal(vma_insert(&s, mk(0, 30 * P, 3)), 0);
	assert_int_equal(vma_split(&s, 10 * P), 0);
	assert_int_equal(vma_split(&s, 20 * P), 0);
	assert_int_equal(vma_split(&s, 20 * P), 0); /* at an edge: nothing to do */
	assert_int_equal(s.n, 3);
	s.head->next->prot = 1;
	vma_merge_range(&s, 10 * P, 20 * P);
	assert_int_equal(s.n, 3); /* different protection: stays apart */
	s.head->next->prot = 3;
	vma_merge_range(&s, 10 * P, 20 * P);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.head->end, 30 * P);
	vma_set_destroy(&s);
}

/* Linux's vm.max_map_count: no more VMAs than that, but removal still works. */
static void test_vma_max_count(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	for (u64 i = 0; i < VMA_MAX_COUNT; i++)
		assert_int_equal(vma_insert(&s, mk(2 * i * P, (2 * i + 1) * P, 1)), 0);
	u64 top = 2 * VMA_MAX_COUNT * P;
	assert_int_equal(vma_insert(&s, mk(top, top + P, 1)), -ENOMEM);
	/* Filling a hole merges three VMAs into one: two slots free up. */
	assert_int_equal(vma_insert(&s, mk(P, 2 * P, 1)), 0);
	assert_int_equal(s.n, VMA_MAX_COUNT - 1);
	assert_int_equal(vma_split(&s, P), 0);
	assert_int_equal(vma_split(&s, 2 * P), -ENOMEM);
	/* Removing a whole VMA needs no split, even at the limit. */
	assert_int_equal(vma_remove(&s, 8 * P, 9 * P), 0);
	assert_int_equal(s.n, VMA_MAX_COUNT - 1);
	vma_set_destroy(&s);
}

/* The tree and list agree with a plain model under random inserts and removals. */
static void test_vma_random_against_model(void **state)
{
	enum { PAGES = 512 };
	static u8 model[PAGES]; /* prot+1 per page, 0 = unmapped */
	struct vma_set s;
	u64 seed = 42;
	vma_set_init(&s);
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u64 a = (seed >> 33) % PAGES, len = 1 + (seed >> 20) % 16;
		u64 b = MIN(a + len, (u64)PAGES);
		u32 prot = (seed >> 12) & 1;
		if ((seed >> 8) & 1) {
			bool free = true;
			for (u64 p = a; p < b; p++)
				free &= !model[p];
			assert_int_equal(vma_insert(&s, mk(a * P, b * P, prot)),
					 free ? 0 : -EEXIST);
			for (u64 p = a; free && p < b; p++)
				model[p] = prot + 1;
		} else {
			assert_int_equal(vma_remove(&s, a * P, b * P), 0);
			memset(model + a, 0, b - a);
		}
		if (step % 97)
			continue;
		/* Every page maps as the model says; the list is sorted and merged. */
		for (u64 p = 0; p < PAGES; p++) {
			struct vma *v = vma_find(&s, p * P);
			assert_int_equal(v ? v->prot + 1 : 0, model[p]);
		}
		size_t n = 0;
		for (struct vma *v = s.head; v; v = v->next, n++) {
			assert_true(v->start < v->end);
			if (v->next) {
				assert_true(v->end <= v->next->start);
				assert_false(v->end == v->next->start && v->prot == v->next->prot);
				assert_ptr_equal(v->next->prev, v);
			}
		}
		assert_int_equal(n, s.n);
		assert_null(vma_set_check(&s));
	}
	vma_set_destroy(&s);
}

/* vma_set_check (--debug-check-mm) names what is broken. */
static void test_vma_set_check_finds_breakage(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	assert_null(vma_set_check(&s));
	assert_int_equal(vma_insert(&s, mk(1 * P, 3 * P, 1)), 0);
	assert_int_equal(vma_insert(&s, mk(5 * P, 7 * P, 0)), 0);
	assert_null(vma_set_check(&s));
	struct vma *a = vma_find(&s, 1 * P), *b = vma_find(&s, 5 * P);
	a->end = 6 * P; /* what a wrapped unmap range once left */
	assert_string_equal(vma_set_check(&s), "overlapping VMAs");
	a->end = 3 * P;
	b->end = b->start;
	assert_string_equal(vma_set_check(&s), "a VMA that is empty, reversed or unaligned");
	b->end = 7 * P;
	s.n++;
	assert_string_equal(vma_set_check(&s), "the count or the list's end is wrong");
	s.n--;
	a->next = NULL;
	assert_string_equal(vma_set_check(&s), "the list and the tree disagree");
	a->next = b;
	assert_null(vma_set_check(&s));
	vma_set_destroy(&s);
}

/* Lookups stay correct with tens of thousands of VMAs. */
static void test_vma_many(void **state)
{
	struct vma_set s;
	vma_set_init(&s);
	const u64 n = 50000;
	for (u64 i = 0; i < n; i++)
		assert_int_equal(vma_insert(&s, mk(2 * i * P, (2 * i + 1) * P, i & 1)), 0);
	assert_int_equal(s.n, n);
	for (u64 i = 0; i < n; i += 997) {
		struct vma *v = vma_find(&s, 2 * i * P + 5);
		assert_non_null(v);
		assert_int_equal(v->start, 2 * i * P);
		assert_null(vma_find(&s, (2 * i + 1) * P));
	}
	vma_set_destroy(&s);
}

/* The height of a subtree, failing unless it is a valid AVL tree in address order. */
static int check_avl(const struct vma *n, u64 lo, u64 hi)
{
	if (!n)
		return 0;
	assert_true(n->start >= lo && n->end <= hi);
	int l = check_avl(n->left, lo, n->start), r = check_avl(n->right, n->end, hi);
	assert_true(l - r <= 1 && r - l <= 1);
	assert_int_equal(n->height, 1 + MAX(l, r));
	return n->height;
}

static bool keep_odd(void *arg, struct vma *v)
{
	int *seen = arg;
	++*seen;
	v->prot |= 4;
	return (v->start / (2 * P)) & 1;
}

/* A copy is built in one pass, balanced, with the filter's choices and changes. */
static void test_vma_copy_filters_and_balances(void **state)
{
	struct vma_set s, d;
	vma_set_init(&s);
	vma_set_init(&d);
	const u64 n = 1000;
	for (u64 i = 0; i < n; i++)
		assert_int_equal(vma_insert(&s, mk(2 * i * P, (2 * i + 1) * P, i & 2)), 0);
	int seen = 0;
	assert_int_equal(vma_set_copy(&d, &s, keep_odd, &seen), 0);
	assert_int_equal(seen, n);
	assert_int_equal(d.n, n / 2);
	check_avl(d.root, 0, ~0ULL);
	size_t count = 0;
	for (struct vma *v = d.head; v; v = v->next, count++) {
		assert_true((v->start / (2 * P)) & 1);
		assert_int_equal(v->prot & 4, 4);
		assert_ptr_equal(vma_find(&d, v->start), v);
		if (v->next)
			assert_ptr_equal(v->next->prev, v);
		else
			assert_ptr_equal(d.tail, v);
	}
	assert_int_equal(count, n / 2);
	assert_null(vma_find(&d, 0));
	/* The copy is independent and behaves as any set. */
	assert_int_equal(vma_remove(&d, 0, 100 * P), 0);
	assert_int_equal(vma_insert(&d, mk(0, P, 0)), 0);
	check_avl(d.root, 0, ~0ULL);
	assert_int_equal(s.n, n);
	vma_set_destroy(&d);
	vma_set_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vma_insert_find_and_merge),
		cmocka_unit_test(test_vma_remove_splits_in_three),
		cmocka_unit_test(test_vma_set_check_finds_breakage),
		cmocka_unit_test(test_vma_gap_down),
		cmocka_unit_test(test_vma_split_and_merge_back),
		cmocka_unit_test(test_vma_random_against_model),
		cmocka_unit_test(test_vma_max_count),
		cmocka_unit_test(test_vma_many),
		cmocka_unit_test(test_vma_copy_filters_and_balances),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
