// SPDX-License-Identifier: Apache-2.0
/*
 * Open file descriptions: life cycle, positions, and the generic entry
 * points every file type shares (read, write, llseek, iterate, fsync,
 * fstat), which apply the NULL-op rules of struct file_ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lease.h"
#include "sentry/kernel/rlimit.h"
#include "fasync.h"
#include "inotify.h"
#include "locks.h"
#include "vfs_internal.h"

struct file *file_alloc(size_t size, const struct file_ops *ops)
{
	struct file *f = calloc(1, size);
	if (!f)
		return NULL;
	f->ops = ops;
	f->refs = 1;
	pthread_mutex_init(&f->pos_lock, NULL);
	return f;
}

struct file *file_get(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

struct file *file_get_active(struct file *f)
{
	int refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
	while (refs > 0)
		if (__atomic_compare_exchange_n(&f->refs, &refs, refs + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return f;
	return NULL;
}

void file_put(struct file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	fsnotify_close(f);
	eventpoll_release_file(f);
	dnotify_flush(f, NULL);
	fasync_release(f);
	locks_remove_file(f);
	lease_remove_file(f);
	if (f->ops->release)
		f->ops->release(f);
	if (f->mode & FMODE_WRITER)
		inode_put_write_access(f->inode);
	if (f->mode & FMODE_READER)
		__atomic_sub_fetch(&f->inode->readcount, 1, __ATOMIC_SEQ_CST);
	path_put(&f->path);
	pthread_mutex_destroy(&f->pos_lock);
	free(f);
}

s64 *vfs_pos_lock(struct file *f)
{
	if (f->mode & FMODE_STREAM)
		return NULL;
	pthread_mutex_lock(&f->pos_lock);
	return &f->pos;
}

void vfs_pos_unlock(struct file *f, s64 *pos)
{
	if (pos)
		pthread_mutex_unlock(&f->pos_lock);
}

ssize_t vfs_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	return f->ops->read ? f->ops->read(f, buf, len, pos) : -EINVAL;
}

ssize_t vfs_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	if (!f->ops->write)
		return -EINVAL;
	/* RLIMIT_FSIZE first: a write it refuses changes nothing, privileges included. */
	int ret = rlimit_fsize_write(f, pos, &len) ?: (len ? file_remove_privs(f) : 0);
	return ret ?: f->ops->write(f, buf, len, pos);
}

s64 vfs_llseek(struct file *f, s64 off, int whence)
{
	if (f->mode & FMODE_PATH)
		return -EBADF;
	if (!f->ops->llseek)
		return -ESPIPE;
	pthread_mutex_lock(&f->pos_lock);
	s64 ret = f->ops->llseek(f, off, whence);
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

int vfs_iterate(struct file *f, struct dir_context *ctx)
{
	if (f->mode & FMODE_PATH)
		return -EBADF;
	if (!f->ops->iterate)
		return -ENOTDIR;
	pthread_mutex_lock(&f->pos_lock);
	vfs_lock();
	int ret = -ENOENT; /* a removed directory lists nothing */
	if (!f->path.dentry || !f->path.dentry->unlinked) {
		ctx->pos = f->pos;
		ret = f->ops->iterate(f, ctx);
		f->pos = ctx->pos;
	}
	vfs_unlock();
	pthread_mutex_unlock(&f->pos_lock);
	if (!ret && f->inode)
		inode_accessed(f->inode);
	if (!ret)
		fsnotify_access(f);
	return ret;
}

int vfs_fsync(struct file *f)
{
	if (f->mode & FMODE_PATH)
		return -EBADF;
	return f->ops->fsync ? f->ops->fsync(f) : -EINVAL;
}

int vfs_fstat(struct file *f, struct kstat *st)
{
	if (f->path.dentry)
		return vfs_getattr(&f->path, st);
	return f->ops->stat ? f->ops->stat(f, st) : -EBADF;
}

s64 generic_dir_llseek(struct file *f, s64 off, int whence)
{
	switch (whence) {
	case SEEK_CUR:
		if (__builtin_add_overflow(off, f->pos, &off))
			return -EINVAL;
		/* fall through */
	case SEEK_SET:
		if (off < 0)
			return -EINVAL;
		f->pos = off;
		return off;
	default:
		return -EINVAL;
	}
}

ssize_t generic_dir_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	return -EISDIR;
}
