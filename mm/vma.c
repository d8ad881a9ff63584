// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vma.h"

void vma_set_init(struct vma_set *s)
{
	memset(s, 0, sizeof(*s));
}

void vma_set_destroy(struct vma_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

size_t vma_first_after(struct vma_set *s, u64 addr)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vma *vma_find(struct vma_set *s, u64 addr)
{
	size_t i = vma_first_after(s, addr);
	return i < s->n && s->v[i].start <= addr ? &s->v[i] : NULL;
}

bool vma_range_free(struct vma_set *s, u64 start, u64 end)
{
	size_t i = vma_first_after(s, start);
	return i == s->n || s->v[i].start >= end;
}

/*
 * Room for extra more VMAs: Linux's default vm.max_map_count caps a
 * process at 65530 mappings (ENOMEM), which also bounds the Sentry memory
 * a guest can make us spend on them.
 */
static int vma_reserve(struct vma_set *s, size_t extra)
{
	if (s->n + extra > VMA_MAX_COUNT)
		return -ENOMEM;
	if (s->n + extra <= s->cap)
		return 0;
	size_t cap = MAX(s->cap * 2, s->n + extra + 16);
	struct vma *v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags;
}

static void vma_delete_at(struct vma_set *s, size_t i)
{
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

int vma_insert(struct vma_set *s, struct vma v)
{
	size_t i = vma_first_after(s, v.start);
	if (i < s->n && s->v[i].start < v.end)
		return -EEXIST;
	if (i > 0 && vma_mergeable(&s->v[i - 1], &v)) {
		s->v[i - 1].end = v.end;
		if (i < s->n && vma_mergeable(&s->v[i - 1], &s->v[i])) {
			s->v[i - 1].end = s->v[i].end;
			vma_delete_at(s, i);
		}
		return 0;
	}
	if (i < s->n && vma_mergeable(&v, &s->v[i])) {
		s->v[i].start = v.start;
		return 0;
	}
	int ret = vma_reserve(s, 1);
	if (ret)
		return ret;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = v;
	s->n++;
	return 0;
}

int vma_remove(struct vma_set *s, u64 start, u64 end)
{
	size_t i = vma_first_after(s, start);
	/* A VMA that covers both edges splits in two: make room first. */
	if (i < s->n && s->v[i].start < start && s->v[i].end > end && vma_reserve(s, 1))
		return -ENOMEM;
	while (i < s->n && s->v[i].start < end) {
		struct vma *v = &s->v[i];
		if (v->start < start && v->end > end) {
			memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
			s->n++;
			s->v[i].end = start;
			s->v[i + 1].start = end;
			return 0;
		}
		if (v->start < start) {
			v->end = start;
			i++;
		} else if (v->end > end) {
			v->start = end;
			return 0;
		} else {
			vma_delete_at(s, i);
		}
	}
	return 0;
}

int vma_split(struct vma_set *s, u64 addr)
{
	size_t i = vma_first_after(s, addr);
	if (i == s->n || s->v[i].start >= addr)
		return 0;
	int ret = vma_reserve(s, 1);
	if (ret)
		return ret;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->n++;
	s->v[i].end = addr;
	s->v[i + 1].start = addr;
	return 0;
}

void vma_merge_range(struct vma_set *s, u64 start, u64 end)
{
	size_t i = vma_first_after(s, start);
	if (i > 0)
		i--;
	while (i + 1 < s->n && s->v[i].start <= end) {
		if (vma_mergeable(&s->v[i], &s->v[i + 1])) {
			s->v[i].end = s->v[i + 1].end;
			vma_delete_at(s, i + 1);
		} else {
			i++;
		}
	}
}

bool vma_range_free_gap(struct vma_set *s, u64 start, u64 end, u64 guard)
{
	size_t i = vma_first_after(s, start);
	return i == s->n || vma_start_gap(&s->v[i], guard) >= end;
}

u64 vma_find_gap_down(struct vma_set *s, u64 len, u64 bottom, u64 top, u64 guard)
{
	/* Gaps lie between v[i-1].end and v[i]'s start gap, walked downwards. */
	size_t i = vma_first_after(s, top);
	for (;;) {
		u64 hi = i < s->n ? MIN(top, vma_start_gap(&s->v[i], guard)) : top;
		u64 lo = i > 0 ? MAX(s->v[i - 1].end, bottom) : bottom;
		if (hi >= lo && hi - lo >= len)
			return hi - len;
		if (i == 0 || hi <= bottom)
			return 0;
		i--;
	}
}
