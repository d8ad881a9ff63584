// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs regular files: data pages in a radix (tmpfs.h), read, write,
 * llseek, truncate. SEEK_DATA and SEEK_HOLE treat the file as all data
 * (Linux's generic answer); real hole reporting comes with memory-file
 * frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpfs.h"

#define RADIX_SHIFT 9
#define RADIX_FANOUT (1u << RADIX_SHIFT)
#define RADIX_LEVELS 4
#define TMPFS_MAX_SIZE ((s64)1 << (PAGE_SHIFT + RADIX_SHIFT * RADIX_LEVELS))

/* The slot of page idx; with create, missing nodes are made (NULL: ENOMEM). */
static void **page_slot(void **root, u64 idx, bool create)
{
	void **slot = root;
	for (int level = RADIX_LEVELS - 1; level >= 0; level--) {
		if (!*slot) {
			if (!create)
				return NULL;
			*slot = calloc(RADIX_FANOUT, sizeof(void *));
			if (!*slot)
				return NULL;
		}
		void **node = *slot;
		slot = &node[(idx >> (level * RADIX_SHIFT)) & (RADIX_FANOUT - 1)];
	}
	return slot;
}

static u8 *page_find(struct inode *inode, u64 idx)
{
	void **slot = page_slot(&TMPFS_I(inode)->data, idx, false);
	return slot ? *slot : NULL;
}

static u8 *page_get(struct inode *inode, u64 idx, int *err)
{
	struct tmpfs_info *info = TMPFS_SB(inode->sb);
	void **slot = page_slot(&TMPFS_I(inode)->data, idx, true);
	if (!slot) {
		*err = -ENOMEM;
		return NULL;
	}
	if (*slot)
		return *slot;
	if (__atomic_add_fetch(&info->pages, 1, __ATOMIC_RELAXED) > info->max_pages) {
		__atomic_sub_fetch(&info->pages, 1, __ATOMIC_RELAXED);
		*err = -ENOSPC;
		return NULL;
	}
	*slot = calloc(1, PAGE_SIZE);
	if (!*slot) {
		__atomic_sub_fetch(&info->pages, 1, __ATOMIC_RELAXED);
		*err = -ENOMEM;
		return NULL;
	}
	inode->blocks += PAGE_SIZE / 512;
	return *slot;
}

/* Free the pages >= from under node, which covers pages from base on. */
static u64 free_from(void **node, int level, u64 base, u64 from)
{
	u64 span = 1ULL << (level * RADIX_SHIFT), freed = 0;
	for (u32 i = 0; i < RADIX_FANOUT; i++) {
		u64 start = base + i * span;
		if (!node[i] || start + span <= from)
			continue;
		if (level)
			freed += free_from(node[i], level - 1, start, from);
		else
			freed++;
		if (start >= from) {
			free(node[i]);
			node[i] = NULL;
		}
	}
	return freed;
}

/* Drop the data past size; caller holds inode->lock. */
static void truncate_pages(struct inode *inode, s64 size)
{
	struct tmpfs_inode *ti = TMPFS_I(inode);
	if (!ti->data)
		return;
	u64 from = ALIGN_UP((u64)size, PAGE_SIZE) >> PAGE_SHIFT;
	u64 freed = free_from(ti->data, RADIX_LEVELS - 1, 0, from);
	if (from == 0) {
		free(ti->data);
		ti->data = NULL;
	}
	__atomic_sub_fetch(&TMPFS_SB(inode->sb)->pages, freed, __ATOMIC_RELAXED);
	inode->blocks -= freed * (PAGE_SIZE / 512);
	u8 *tail = size & (PAGE_SIZE - 1) ? page_find(inode, size >> PAGE_SHIFT) : NULL;
	if (tail)
		memset(tail + (size & (PAGE_SIZE - 1)), 0, PAGE_SIZE - (size & (PAGE_SIZE - 1)));
}

void tmpfs_file_free(struct inode *inode)
{
	truncate_pages(inode, 0);
}

static ssize_t tmpfs_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct inode *inode = f->inode;
	s64 off = *pos;
	size_t done = 0;

	pthread_mutex_lock(&inode->lock);
	if (off < inode->size)
		len = MIN(len, (u64)(inode->size - off));
	else
		len = 0;
	while (done < len) {
		u64 in = (off + done) & (PAGE_SIZE - 1);
		size_t n = MIN(len - done, PAGE_SIZE - in);
		u8 *page = page_find(inode, (off + done) >> PAGE_SHIFT);
		if (page)
			memcpy((u8 *)buf + done, page + in, n);
		else
			memset((u8 *)buf + done, 0, n);
		done += n;
	}
	pthread_mutex_unlock(&inode->lock);
	*pos = off + done;
	inode_accessed(inode);
	return done;
}

static ssize_t tmpfs_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct inode *inode = f->inode;
	size_t done = 0;
	int err = 0;

	pthread_mutex_lock(&inode->lock);
	s64 off = (f->flags & O_APPEND) ? inode->size : *pos;
	if (off >= TMPFS_MAX_SIZE) {
		pthread_mutex_unlock(&inode->lock);
		return len ? -EFBIG : 0;
	}
	len = MIN(len, (u64)(TMPFS_MAX_SIZE - off));
	while (done < len) {
		u64 in = (off + done) & (PAGE_SIZE - 1);
		size_t n = MIN(len - done, PAGE_SIZE - in);
		u8 *page = page_get(inode, (off + done) >> PAGE_SHIFT, &err);
		if (!page)
			break;
		memcpy(page + in, (const u8 *)buf + done, n);
		done += n;
	}
	if (done) {
		if (off + (s64)done > inode->size)
			inode->size = off + done;
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
	}
	pthread_mutex_unlock(&inode->lock);
	*pos = off + done;
	return done ? (ssize_t)done : err;
}

static s64 tmpfs_llseek(struct file *f, s64 off, int whence)
{
	struct inode *inode = f->inode;
	pthread_mutex_lock(&inode->lock);
	s64 size = inode->size;
	pthread_mutex_unlock(&inode->lock);

	switch (whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(off, f->pos, &off))
			return -EINVAL;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(off, size, &off))
			return -EINVAL;
		break;
	case SEEK_DATA:
		if (off < 0 || off >= size)
			return -ENXIO;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		off = size;
		break;
	default:
		return -EINVAL;
	}
	if (off < 0)
		return -EINVAL;
	f->pos = off;
	return off;
}

static int tmpfs_fsync(struct file *f)
{
	return 0;
}

const struct file_ops tmpfs_file_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.llseek = tmpfs_llseek,
	.fsync = tmpfs_fsync,
};

static int tmpfs_setattr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & ATTR_SIZE) {
		if (ia->size > TMPFS_MAX_SIZE)
			return -EFBIG;
		if (ia->size != inode->size) {
			if (ia->size < inode->size)
				truncate_pages(inode, ia->size);
			inode->size = ia->size;
			inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		}
	}
	inode_apply_attr(inode, ia);
	return 0;
}

const struct inode_ops tmpfs_file_iops = {
	.setattr = tmpfs_setattr,
};
