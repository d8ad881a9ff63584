// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs regular files: each open file has a fid opened on the gofer,
 * and the host descriptor the gofer donates with it: the inode's kept
 * handle for the file's access mode, shared with its other open files in
 * that mode and kept after they close (handles.c), or one of its own. Data goes
 * to that descriptor through hostio (io_uring), always at an explicit
 * position, so the descriptor's own offset means nothing and one
 * descriptor serves pread and read alike. Without a descriptor (a server
 * that donates none, like diod) data goes through Tread and Twrite.
 *
 * O_APPEND is ours, not the host's: a host O_APPEND descriptor would
 * ignore pwrite's position, and the cached size is the end of the file
 * under the exclusive policy (goferfs.h).
 *
 * mmap gives the inode a page cache (cache.c), which read(2) reads
 * through while the inode has it, write(2) writes through to (after the
 * host), and truncate and fallocate change too.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goferfs_internal.h"
#include "lib/log.h"

/* Linux's MAX_RW_COUNT: what one read or write moves at most. */
#define GOFERFS_RW_MAX 0x7ffff000L

void goferfs_handle_close(struct gofer_client *c, struct goferfs_handle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->fid != P9_NOFID)
		gofer_clunk_async(c, h->fid);
	h->fd = -1;
	h->fid = P9_NOFID;
}

int goferfs_handle_open(struct inode *inode, u32 p9flags, struct goferfs_handle *h)
{
	struct gofer_client *c = goferfs_client(inode);
	struct gofer_open o = {.fd = -1};
	u32 fid;

	int err = gofer_walk(c, GOFER_I(inode)->fid, 0, NULL, &fid, NULL);
	if (err)
		return goferfs_err(err);
	err = goferfs_err(gofer_open(c, fid, p9flags, &o));
	if (!err && o.qid.path != inode->ino) {
		pr_warn_ratelimited("goferfs: opening inode %llu opened %llu",
				    (unsigned long long)inode->ino, (unsigned long long)o.qid.path);
		err = -EIO;
	}
	*h = (struct goferfs_handle){.fid = fid, .fd = o.fd};
	/* Only regular files' data goes through a descriptor. */
	if (!err && !S_ISREG(inode->mode) && h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	if (err)
		goferfs_handle_close(c, h);
	return err;
}

/*
 * Linux's generic_file_mmap for a file with a page cache: the cache,
 * made now if the inode has none. A writable shared mapping needs the
 * cache to hold a descriptor open for writing, to write back with. A file
 * without a host descriptor (a 9P-only server) has no cache: NULL, mm
 * reads it into private pages (filemap.c).
 */
static struct shmem *goferfs_mmap(struct file *f, u32 prot, u32 *mm_flags)
{
	struct goferfs_file *gf = f->private_data;
	bool shared_write = (*mm_flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED;

	if (gf->h.fd < 0)
		return NULL;
	return goferfs_cache_mmap(f->inode, gf->h.fd, shared_write);
}

static u32 p9_open_flags(const struct file *f)
{
	/* Access mode 3 (no I/O at all) needs nothing from the host but a read. */
	static const u32 acc[4] = {P9_DOTL_RDONLY, P9_DOTL_WRONLY, P9_DOTL_RDWR, P9_DOTL_RDONLY};
	u32 flags = acc[f->flags & O_ACCMODE];

	if ((f->flags & O_SYNC) == O_SYNC)
		flags |= P9_DOTL_SYNC | P9_DOTL_DSYNC;
	else if (f->flags & O_DSYNC)
		flags |= P9_DOTL_DSYNC;
	if (f->flags & O_NOATIME)
		flags |= P9_DOTL_NOATIME;
	return flags;
}

/* The file the create just before opened (read-write, plain), if it suits f. */
static bool take_created(struct inode *inode, const struct file *f, struct goferfs_handle *h)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	bool taken = false;

	if (f->flags & (O_DSYNC | O_SYNC | O_NOATIME))
		return false;
	pthread_mutex_lock(&inode->lock);
	if (gi->has_created) {
		*h = gi->created;
		gi->has_created = false;
		taken = true;
	}
	pthread_mutex_unlock(&inode->lock);
	return taken;
}

static int goferfs_open(struct inode *inode, struct file *f)
{
	if (goferfs_rdonly(inode) && (f->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	struct goferfs_file *gf = calloc(1, sizeof(*gf));
	if (!gf)
		return -ENOMEM;
	if (!take_created(inode, f, &gf->h)) {
		int err = goferfs_handle_get(inode, p9_open_flags(f), &gf->h, &gf->shared);
		if (err) {
			free(gf);
			return err;
		}
	}
	f->private_data = gf;
	return 0;
}

static void goferfs_release(struct file *f)
{
	struct goferfs_file *gf = f->private_data;
	if (!gf)
		return;
	goferfs_handle_put(goferfs_client(f->inode), &gf->h, gf->shared);
	free(gf);
	goferfs_cache_close(f->inode);
}

static ssize_t goferfs_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct goferfs_file *gf = f->private_data;
	ssize_t n;

	if (!pos || *pos < 0)
		return -EINVAL;
	s64 off = *pos;
	len = MIN(len, (size_t)GOFERFS_RW_MAX);
	s64 size;
	struct shmem *s = goferfs_cache_ref(f->inode, &size);
	if (s) {
		/* Cached: a mapping may have made newer pages than the host's. */
		len = off < size ? MIN(len, (u64)(size - off)) : 0;
		n = len ? shmem_cache_read(s, buf, len, off) : 0;
		shmem_put(s);
	} else if (gf->h.fd >= 0)
		n = hostio_read(gf->h.fd, buf, len, &off);
	else
		n = goferfs_err(gofer_read(goferfs_client(f->inode), gf->h.fid, off, buf, len));
	if (n < 0)
		return n;
	*pos = off + n;
	inode_accessed(f->inode);
	return n;
}

/*
 * The donated host descriptor's data, as goferfs_read takes it when the
 * file has no cache; a cache (a mapping may have newer pages) goes
 * through goferfs_read, whose lookup takes the inode's lock.
 */
static ssize_t goferfs_read_nowait(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct goferfs_file *gf = f->private_data;
	if (!pos || *pos < 0 || gf->h.fd < 0 || goferfs_cache_active(f->inode))
		return -EAGAIN;
	ssize_t n = hostio_read_nowait(gf->h.fd, buf, MIN(len, (size_t)GOFERFS_RW_MAX), *pos);
	if (n > 0) {
		*pos += n;
		inode_accessed(f->inode);
	}
	return n;
}

/*
 * Under inode->lock from choosing the position to updating the size, so
 * that appends do not overlap and a truncate (setattr, under the same
 * lock) never sees a write half done.
 */
static ssize_t goferfs_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct goferfs_file *gf = f->private_data;
	struct inode *inode = f->inode;
	struct shmem *drop = NULL;
	ssize_t n;

	if (!pos)
		return -EINVAL;
	if (!len)
		return 0; /* as Linux: not even O_APPEND moves the position */
	len = MIN(len, (size_t)GOFERFS_RW_MAX);
	pthread_mutex_lock(&inode->lock);
	s64 off = (f->flags & O_APPEND) ? inode->size : *pos;
	if (off < 0) {
		n = -EINVAL;
	} else if (off == INT64_MAX) {
		n = -EFBIG;
	} else {
		len = MIN(len, (size_t)(INT64_MAX - off));
		if (gf->h.fd >= 0)
			n = hostio_write(gf->h.fd, buf, len, &off);
		else
			n = goferfs_err(
				gofer_write(goferfs_client(inode), gf->h.fid, off, buf, len));
	}
	if (n > 0) {
		if (off + n > inode->size)
			inode->size = off + n;
		drop = goferfs_cache_changed_locked(inode);
		struct shmem *s = goferfs_cache_shm_locked(inode);
		if (s)
			shmem_cache_update(s, buf, n, off);
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		GOFER_I(inode)->attr_stale = true;
	}
	pthread_mutex_unlock(&inode->lock);
	shmem_put(drop);
	if (n >= 0)
		*pos = off + n;
	return n;
}

/*
 * SEEK_DATA and SEEK_HOLE ask the host file where its holes are; without
 * a descriptor the whole file is data (Linux's generic answer).
 */
static s64 goferfs_llseek(struct file *f, s64 off, int whence)
{
	struct goferfs_file *gf = f->private_data;
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
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		if (gf->h.fd >= 0) {
			off_t r = lseek(gf->h.fd, off, whence);
			if (r < 0)
				return errno == ENXIO ? -ENXIO : -EIO;
			off = MIN((s64)r, size);
		} else if (whence == SEEK_HOLE) {
			off = size;
		}
		break;
	default:
		return -EINVAL;
	}
	if (off < 0)
		return -EINVAL;
	f->pos = off;
	return off;
}

/* The cache's dirty pages first (write-protected again), then the host's fsync through the gofer. */
static int goferfs_fsync(struct file *f)
{
	struct goferfs_file *gf = f->private_data;
	struct shmem *s = goferfs_cache_ref(f->inode, NULL);
	int err = shmem_sync(s, 0, SHMEM_MAX_SIZE, false);
	shmem_put(s);
	int ret = goferfs_err(gofer_fsync(goferfs_client(f->inode), gf->h.fid, false));
	return err ? -EIO : ret;
}

/*
 * fallocate(2) on the donated host descriptor, under inode->lock as a
 * write; the host's errno is the answer. Without a descriptor 9P has no
 * way to ask: -EOPNOTSUPP.
 */
static int goferfs_fallocate(struct file *f, int mode, s64 off, s64 len)
{
	struct goferfs_file *gf = f->private_data;
	struct inode *inode = f->inode;
	int ret = 0;

	if (gf->h.fd < 0)
		return -EOPNOTSUPP;
	struct shmem *punch = NULL, *drop = NULL;
	pthread_mutex_lock(&inode->lock);
	if (fallocate(gf->h.fd, mode, off, len) < 0)
		ret = -errno;
	if (!ret) {
		drop = goferfs_cache_changed_locked(inode);
		struct shmem *c = goferfs_cache_shm_locked(inode);
		if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > inode->size) {
			inode->size = off + len;
			if (c)
				shmem_resize(c, inode->size); /* growing: nothing to unmap */
		}
		/* The hole reaches the cache's pages and mappings once inode->lock is let go. */
		if (c && (mode & FALLOC_FL_PUNCH_HOLE)) {
			punch = c;
			shmem_get(punch);
		}
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		GOFER_I(inode)->attr_stale = true;
	}
	pthread_mutex_unlock(&inode->lock);
	shmem_put(drop);
	if (punch) {
		shmem_punch(punch, off, len);
		shmem_put(punch);
	}
	return ret;
}

const struct file_ops goferfs_file_fops = {
	.open = goferfs_open,
	.read = goferfs_read,
	.read_nowait = goferfs_read_nowait,
	.write = goferfs_write,
	.llseek = goferfs_llseek,
	.fsync = goferfs_fsync,
	.fallocate = goferfs_fallocate,
	.mmap = goferfs_mmap,
	.release = goferfs_release,
};
