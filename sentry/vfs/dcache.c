// SPDX-License-Identifier: Apache-2.0
/*
 * Dentries: the names of inodes, with parent pointers. A dentry nobody
 * references is freed at once, as a lookup in tmpfs costs no more than
 * the cache; on file systems with SB_KEEP_DENTRIES (a lookup there is a
 * gofer round trip) it goes on the unused list instead, still its
 * parent's child, and a later lookup takes it back. The list is bounded;
 * the least recently used are freed first.
 *
 * Only d_lookup can find a dentry whose refs are 0 (a dentry with a
 * child, or a mount on it, has references from them), and it runs under
 * vfs_lock, as do dput's moves onto the list: the list needs no lock of
 * its own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "inotify.h"
#include "vfs_internal.h"

static pthread_mutex_t vfs_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

#define DCACHE_UNUSED_MAX 4096

static struct list_head unused_list = LIST_HEAD_INIT(unused_list);
static size_t nr_unused;

void vfs_lock(void)
{
	pthread_mutex_lock(&vfs_mutex);
}

void vfs_unlock(void)
{
	pthread_mutex_unlock(&vfs_mutex);
}

struct dentry *dget(struct dentry *d)
{
	__atomic_fetch_add(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

/* Free d (refs 0, vfs_lock held); returns its parent, whose reference d held. */
static struct dentry *d_free(struct dentry *d)
{
	struct dentry *parent = d->parent == d ? NULL : d->parent;
	fsnotify_d_free(d);
	if (parent && !d->unlinked)
		list_del(&d->sibling);
	inode_put(d->inode);
	free(d->name);
	free(d);
	return parent;
}

/* Whether d, unused now, stays cached (vfs_lock held). */
static bool d_keep(const struct dentry *d)
{
	return !d->unlinked && d->parent != d && (d->inode->sb->flags & SB_KEEP_DENTRIES);
}

static void unused_del(struct dentry *d)
{
	list_del(&d->lru);
	d->unused = false;
	nr_unused--;
}

void dput(struct dentry *d)
{
	while (d) {
		vfs_lock();
		if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) > 0) {
			vfs_unlock();
			return;
		}
		if (d_keep(d)) {
			list_add_tail(&d->lru, &unused_list);
			d->unused = true;
			nr_unused++;
			if (nr_unused <= DCACHE_UNUSED_MAX) {
				vfs_unlock();
				return;
			}
			/* Free the oldest instead; its parent may join the list. */
			d = list_entry(unused_list.next, struct dentry, lru);
			unused_del(d);
		}
		d = d_free(d);
		vfs_unlock();
	}
}

void d_prune_unused(const struct super_block *sb)
{
	vfs_lock();
	/* Freeing a child may put its parent on the list: go round until none is left. */
	for (bool freed = true; freed;) {
		freed = false;
		struct dentry *d, *n;
		list_for_each_entry_safe(d, n, &unused_list, lru)
		{
			if (sb && d->inode->sb != sb)
				continue;
			unused_del(d);
			dput(d_free(d));
			freed = true;
			break; /* dput may have changed the list */
		}
	}
	vfs_unlock();
}

void vfs_drop_caches(void)
{
	d_prune_unused(NULL);
}

static struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len,
			      struct inode *inode)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->name = strndup(name, len);
	if (!d->name) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	d->inode = inode;
	list_init(&d->children);
	list_init(&d->sibling);
	list_init(&d->lru);
	if (parent) {
		d->parent = dget(parent);
		list_add_tail(&d->sibling, &parent->children);
	} else {
		d->parent = d;
	}
	return d;
}

struct dentry *d_make_root(struct inode *inode)
{
	struct dentry *d = d_alloc(NULL, "/", 1, inode);
	if (!d)
		inode_put(inode);
	return d;
}

static struct dentry *d_find_child(struct dentry *dir, const char *name, size_t len)
{
	struct dentry *c;
	list_for_each_entry(c, &dir->children, sibling)
	{
		if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

struct dentry *d_lookup(struct dentry *dir, const char *name, size_t len)
{
	char buf[LINUX_NAME_MAX + 1];

	if (len > LINUX_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	struct dentry *c = d_find_child(dir, name, len);
	if (c) {
		if (c->unused)
			unused_del(c);
		return dget(c);
	}
	if (!dir->inode->iops || !dir->inode->iops->lookup)
		return ERR_PTR(-ENOTDIR);
	memcpy(buf, name, len);
	buf[len] = 0;
	struct inode *inode = dir->inode->iops->lookup(dir->inode, buf);
	if (IS_ERR(inode))
		return (struct dentry *)inode;
	c = d_alloc(dir, name, len, inode);
	if (!c) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	return c;
}

struct dentry *d_add_child(struct dentry *dir, const char *name, struct inode *inode)
{
	struct dentry *c = d_alloc(dir, name, strlen(name), inode);
	if (!c) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	return c;
}

void d_unlink(struct dentry *d)
{
	if (d->unlinked || d->parent == d)
		return;
	list_del(&d->sibling);
	d->unlinked = true;
}

int d_move(struct dentry *d, struct dentry *dir, const char *name)
{
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	free(d->name);
	d->name = n;
	if (!d->unlinked)
		list_del(&d->sibling);
	d->unlinked = false;
	list_add_tail(&d->sibling, &dir->children);
	if (d->parent != dir) {
		struct dentry *old = d->parent;
		d->parent = dget(dir);
		dput(old); /* the caller holds old: this never frees it */
	}
	return 0;
}

bool d_is_ancestor(const struct dentry *a, const struct dentry *d)
{
	for (;;) {
		if (d == a)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

void path_get(const struct path *p)
{
	if (p->mnt)
		mnt_get(p->mnt);
	if (p->dentry)
		dget(p->dentry);
}

void path_put(struct path *p)
{
	dput(p->dentry);
	if (p->mnt)
		mnt_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

struct inode *path_inode(const struct path *p)
{
	return p->dentry ? p->dentry->inode : NULL;
}

unsigned vfs_dtype(u32 mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IFMT bits shifted */
}

bool dir_emit_dots(struct dir_context *ctx, u64 ino, u64 parent_ino)
{
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, ino, LINUX_DT_DIR, 1))
			return false;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->emit(ctx, "..", 2, parent_ino, LINUX_DT_DIR, 2))
			return false;
		ctx->pos = 2;
	}
	return true;
}
