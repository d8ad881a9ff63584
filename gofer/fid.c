// SPDX-License-Identifier: Apache-2.0
/*
 * The fid table: the client's numbers for the files it holds, in a chained
 * hash table that doubles as it fills. A fid is reference counted so that a
 * request using it is safe against a concurrent Tclunk: the table holds one
 * reference, each request in progress another.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "gofer_internal.h"

#define FID_TABLE_MIN 64

int fid_table_init(struct fid_table *t)
{
	t->buckets = calloc(FID_TABLE_MIN, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nbuckets = FID_TABLE_MIN;
	t->count = 0;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void fid_table_destroy(struct gofer_server *srv, struct fid_table *t)
{
	fid_clunk_all(srv, t);
	free(t->buckets);
	t->buckets = NULL;
	pthread_mutex_destroy(&t->lock);
}

static size_t bucket_of(u32 num, size_t nbuckets)
{
	/* Fibonacci hashing: clients number fids densely from 0. */
	return (u32)(num * 2654435769U) % nbuckets;
}

struct fid *fid_new(u32 num, u32 uid, struct node *node)
{
	struct fid *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->num = num;
	f->refs = 1;
	f->uid = uid;
	f->kind = FID_NODE;
	f->node = node;
	f->open_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

/* Called with t->lock held; on failure the table just stays as it is. */
static void grow(struct fid_table *t)
{
	size_t n = t->nbuckets * 2;
	struct fid **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		while (t->buckets[i]) {
			struct fid *f = t->buckets[i];
			size_t j = bucket_of(f->num, n);

			t->buckets[i] = f->hnext;
			f->hnext = b[j];
			b[j] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

static struct fid **slot_of(struct fid_table *t, u32 num)
{
	struct fid **p = &t->buckets[bucket_of(num, t->nbuckets)];

	while (*p && (*p)->num != num)
		p = &(*p)->hnext;
	return p;
}

/* Takes over the caller's reference. -EEXIST if the number is taken (the
 * caller still owns f then). */
int fid_insert(struct fid_table *t, struct fid *f)
{
	struct fid **p;
	int err = 0;

	if (f->num == P9_NOFID)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	p = slot_of(t, f->num);
	if (*p) {
		err = -EEXIST;
	} else {
		f->hnext = NULL;
		*p = f;
		if (++t->count > 2 * t->nbuckets)
			grow(t);
	}
	pthread_mutex_unlock(&t->lock);
	return err;
}

/* A new reference to fid num, or NULL. */
struct fid *fid_lookup(struct fid_table *t, u32 num)
{
	struct fid *f;

	pthread_mutex_lock(&t->lock);
	f = *slot_of(t, num);
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->lock);
	return f;
}

/* Unhash fid num; returns the table's reference, or NULL. */
struct fid *fid_remove(struct fid_table *t, u32 num)
{
	struct fid **p, *f;

	pthread_mutex_lock(&t->lock);
	p = slot_of(t, num);
	f = *p;
	if (f) {
		*p = f->hnext;
		t->count--;
	}
	pthread_mutex_unlock(&t->lock);
	return f;
}

void fid_put(struct gofer_server *srv, struct fid *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->open_fd >= 0)
		close(f->open_fd);
	xattr_release(f);
	node_put(srv, f->node);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* Tversion and the end of the connection: forget every fid. */
void fid_clunk_all(struct gofer_server *srv, struct fid_table *t)
{
	struct fid *all = NULL, *f;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nbuckets; i++) {
		while ((f = t->buckets[i])) {
			t->buckets[i] = f->hnext;
			f->hnext = all;
			all = f;
		}
	}
	t->count = 0;
	pthread_mutex_unlock(&t->lock);
	while ((f = all)) {
		all = f->hnext;
		fid_put(srv, f);
	}
}
