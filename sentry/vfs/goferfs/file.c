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
 * mmap gives the inode a page cache (mm/shmem.h's caches) over duplicates
 * of a descriptor, which mappings map as tmpfs's frames: private ones
 * copy-on-write, so that they see the file's later writes to pages they
 * have not written (as Linux), shared ones directly. While the inode has
 * it, read(2) reads through it, write(2) writes through to the host and
 * into it, truncate and fallocate change it too; dirty pages go back to
 * the host on msync, when the last writable mapping goes, on fsync and on
 * each close. A shared mapping's first store to a clean page sets the
 * file's mtime and ctime (Linux's file_update_time at the write fault);
 * the host's follow when the page is written back. The inode drops the
 * cache at the close of a file once nothing else holds it (no mapping),
 * so files never mapped pay nothing.
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

/* ---- the page cache ---- */

/* The store of an inode's cache: duplicates of host descriptors, owned by the cache. */
struct goferfs_cache {
	struct shmem *shm; /* the inode's reference, while gi->cache points here */
	/*
	 * The inode, without a reference: only the dirtied op uses it, called
	 * by a store through a mapping, whose file holds the inode.
	 */
	struct inode *inode;
	int rfd; /* open for reading */
	int wfd; /* open for writing, once a mapping may write; -1 (atomic) */
};

static long cache_read(void *arg, void *buf, size_t len, u64 off)
{
	struct goferfs_cache *c = arg;
	s64 pos = off;
	return hostio_read(c->rfd, buf, MIN(len, (size_t)GOFERFS_RW_MAX), &pos);
}

static long cache_write(void *arg, const void *buf, size_t len, u64 off)
{
	struct goferfs_cache *c = arg;
	int fd = __atomic_load_n(&c->wfd, __ATOMIC_ACQUIRE);
	s64 pos = off;
	/* Dirty pages come from writable mappings, which set wfd first. */
	if (fd < 0)
		return -EBADF;
	return hostio_write(fd, buf, MIN(len, (size_t)GOFERFS_RW_MAX), &pos);
}

/* MADV_REMOVE of a shared mapping: Linux punches the file. */
static int cache_punch(void *arg, u64 off, u64 len)
{
	struct goferfs_cache *c = arg;
	int fd = __atomic_load_n(&c->wfd, __ATOMIC_ACQUIRE);
	if (fd < 0)
		return -EBADF;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) < 0)
		return errno == EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
	return 0;
}

static void cache_release(void *arg)
{
	struct goferfs_cache *c = arg;
	close(c->rfd);
	if (c->wfd >= 0)
		close(c->wfd);
	free(c);
}

/* msync(MS_SYNC): what was written back reaches the disk, as Linux's fdatasync. */
static int cache_sync(void *arg)
{
	struct goferfs_cache *c = arg;
	int fd = __atomic_load_n(&c->wfd, __ATOMIC_ACQUIRE);
	if (fd >= 0 && fdatasync(fd) < 0 && errno != EINVAL)
		return errno == ENOSPC || errno == EDQUOT ? -errno : -EIO;
	return 0;
}

/*
 * A store through a shared mapping to a clean page: Linux's
 * file_update_time. Under the faulting mm->lock, which orders before
 * inode->lock (goferfs_cache_resize lets inode->lock go to zap mappers).
 */
static void cache_dirtied(void *arg)
{
	struct inode *inode = ((struct goferfs_cache *)arg)->inode;
	pthread_mutex_lock(&inode->lock);
	inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
	pthread_mutex_unlock(&inode->lock);
}

static const struct shmem_backing_ops cache_ops = {
	.read = cache_read,
	.write = cache_write,
	.punch = cache_punch,
	.release = cache_release,
	.sync = cache_sync,
	.dirtied = cache_dirtied,
};

/* A duplicate of host descriptor fd for the cache, or -ENOMEM (a host limit). */
static int dup_fd(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (d < 0)
		pr_warn_ratelimited("goferfs: duplicating a descriptor: %s", strerror(errno));
	return d < 0 ? -ENOMEM : d;
}

/* The inode's cache, made over fd if it has none; caller holds inode->lock. */
static struct goferfs_cache *cache_get_locked(struct inode *inode, int fd)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	if (gi->cache)
		return gi->cache;
	struct memfile *mf = shmem_file_memfile();
	if (IS_ERR(mf))
		return (struct goferfs_cache *)mf;
	struct goferfs_cache *c = malloc(sizeof(*c));
	int rfd = c ? dup_fd(fd) : -ENOMEM;
	if (rfd < 0) {
		free(c);
		return ERR_PTR(rfd);
	}
	*c = (struct goferfs_cache){.inode = inode, .rfd = rfd, .wfd = -1};
	struct shmem *s = shmem_create_cache(mf, inode->size, &cache_ops, c);
	if (IS_ERR(s))
		return (struct goferfs_cache *)s; /* c went with it */
	c->shm = s;
	__atomic_store_n(&gi->cache, c, __ATOMIC_RELEASE);
	return c;
}

/*
 * A reference to the inode's cache, or NULL; and the size with it. A file
 * never mapped has none: a peek without the lock spares its reads the
 * lock (a cache made meanwhile by a racing mmap has nothing written yet).
 */
static struct shmem *cache_ref(struct inode *inode, s64 *size)
{
	if (!__atomic_load_n(&GOFER_I(inode)->cache, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&inode->lock);
	struct goferfs_cache *c = GOFER_I(inode)->cache;
	struct shmem *s = c ? c->shm : NULL;
	shmem_get(s);
	if (size)
		*size = inode->size;
	pthread_mutex_unlock(&inode->lock);
	return s;
}

/*
 * Write the cache back, and drop it if nothing but the inode holds it
 * (no mapping): the close of a file, maybe under mm->lock (a mapping's
 * last reference), which orders before inode->lock.
 */
static void cache_close(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	/*
	 * GCC 12 with ASan takes gi for the bare struct inode it came from and
	 * calls the atomic store to gi->cache an overflow (-Wstringop-overflow):
	 * hide where the pointer came from.
	 */
	__asm__("" : "+r"(gi));
	struct shmem *drop = NULL;
	pthread_mutex_lock(&inode->lock);
	struct goferfs_cache *c = gi->cache;
	if (c) {
		(void)shmem_writeback(c->shm);
		if (shmem_is_unshared(c->shm)) {
			drop = c->shm;
			__atomic_store_n(&gi->cache, NULL, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&inode->lock);
	shmem_put(drop);
}

void goferfs_cache_resize(struct inode *inode)
{
	struct goferfs_cache *c = GOFER_I(inode)->cache;
	s64 size = inode->size;
	if (!c || !shmem_resize(c->shm, size))
		return;
	/*
	 * The pages past the end leave every mapping, which takes their
	 * mm->lock: inode->lock is let go for it, as tmpfs_setattr does.
	 */
	struct shmem *s = c->shm;
	shmem_get(s);
	pthread_mutex_unlock(&inode->lock);
	shmem_unmap_from(s, size);
	shmem_put(s);
	pthread_mutex_lock(&inode->lock);
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
	struct inode *inode = f->inode;
	bool shared_write = (*mm_flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED;

	if (gf->h.fd < 0)
		return NULL;
	pthread_mutex_lock(&inode->lock);
	struct goferfs_cache *c = cache_get_locked(inode, gf->h.fd);
	struct shmem *s = IS_ERR(c) ? (struct shmem *)c : c->shm;
	if (!IS_ERR(c) && shared_write && c->wfd < 0) {
		int wfd = dup_fd(gf->h.fd);
		if (wfd < 0)
			s = ERR_PTR(wfd);
		else
			__atomic_store_n(&c->wfd, wfd, __ATOMIC_RELEASE);
	}
	if (!IS_ERR(s) && shared_write) {
		int err = shmem_map_writable(s);
		if (err)
			s = ERR_PTR(err);
	}
	if (!IS_ERR(s))
		shmem_get(s);
	pthread_mutex_unlock(&inode->lock);
	return s;
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
	cache_close(f->inode);
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
	struct shmem *s = cache_ref(f->inode, &size);
	if (s) {
		/* Mapped: the cache may hold newer pages than the host. */
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
 * Under inode->lock from choosing the position to updating the size, so
 * that appends do not overlap and a truncate (setattr, under the same
 * lock) never sees a write half done.
 */
static ssize_t goferfs_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct goferfs_file *gf = f->private_data;
	struct inode *inode = f->inode;
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
		if (GOFER_I(inode)->cache)
			shmem_cache_update(GOFER_I(inode)->cache->shm, buf, n, off);
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		GOFER_I(inode)->attr_stale = true;
	}
	pthread_mutex_unlock(&inode->lock);
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
	struct shmem *s = cache_ref(f->inode, NULL);
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
	struct shmem *punch = NULL;
	pthread_mutex_lock(&inode->lock);
	if (fallocate(gf->h.fd, mode, off, len) < 0)
		ret = -errno;
	if (!ret) {
		struct goferfs_cache *c = GOFER_I(inode)->cache;
		if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > inode->size) {
			inode->size = off + len;
			if (c)
				shmem_resize(c->shm, inode->size); /* growing: nothing to unmap */
		}
		/* The hole reaches the cache's pages and mappings once inode->lock is let go. */
		if (c && (mode & FALLOC_FL_PUNCH_HOLE)) {
			punch = c->shm;
			shmem_get(punch);
		}
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		GOFER_I(inode)->attr_stale = true;
	}
	pthread_mutex_unlock(&inode->lock);
	if (punch) {
		shmem_punch(punch, off, len);
		shmem_put(punch);
	}
	return ret;
}

const struct file_ops goferfs_file_fops = {
	.open = goferfs_open,
	.read = goferfs_read,
	.write = goferfs_write,
	.llseek = goferfs_llseek,
	.fsync = goferfs_fsync,
	.fallocate = goferfs_fallocate,
	.mmap = goferfs_mmap,
	.release = goferfs_release,
};
