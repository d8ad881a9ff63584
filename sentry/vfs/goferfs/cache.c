// SPDX-License-Identifier: Apache-2.0
/*
 * The page cache of a goferfs regular file: mmap gives the inode a cache
 * (mm/shmem.h's caches) over duplicates of a host descriptor, which
 * mappings map as tmpfs's frames: private ones copy-on-write, so that
 * they see the file's later writes to pages they have not written (as
 * Linux), shared ones directly. While the inode has it, read(2) reads
 * through it, write(2) writes through to the host and into it, truncate
 * and fallocate change it too; dirty pages go back to the host on msync,
 * when the last writable mapping goes, on fsync and on each close. A
 * shared mapping's first store to a clean page sets the file's mtime and
 * ctime (Linux's file_update_time at the write fault); the host's follow
 * when the page is written back. Files never mapped have no cache and
 * pay nothing.
 *
 * Kept after use, as Linux keeps page cache: at the close of a file that
 * leaves the cache with no mapping and no other user it is written back
 * and, clean, stays on the inode as an idle cache, so that the next
 * open + mmap of the file (each execve of a program, each dynamic
 * program's mapping of libc.so) finds its pages resident instead of
 * reading them from the host into fresh frames again. An idle cache
 * holds no descriptor open for writing (nothing dirty is left to write).
 *
 * The policy (exclusive, goferfs.h) lets us trust our own view of the
 * file while the inode lives: nothing else changes it. Still, an idle
 * cache is let go, rather than kept in step, when the sandbox changes the
 * file: a write, a truncate or size change (setattr), a fallocate; so a
 * file that is written is not cached for nothing. A cache in use (mapped)
 * is kept in step as before.
 *
 * Bounds: idle caches are reclaimable. Over all mounts they hold at most
 * idle_budget() pages (1/16 of the sandbox's memory file, at most 64 MiB)
 * and IDLE_CACHES_MAX caches (each keeps one host descriptor); past
 * either, or when the memory file is 7/8 used, the least recently idled
 * caches are dropped whole; and when an allocation finds the memory
 * file full (memfile_set_reclaim: goferfs_cache_reclaim), one at a time
 * until it succeeds. A cache bigger than the budget is dropped at its
 * close, as before. An idle cache also goes with its inode
 * (destroy_inode, which the dentry cache's own LRU and unmount's pruning
 * lead to) and, under the overlay (--overlay2=root:memory, whose lower
 * layer is goferfs: the overlay maps the lower file, filemap.c), exactly
 * the same way, since the lower goferfs inode is what is cached.
 *
 * Lock order: inode->lock > idle_lock (a leaf) > nothing. The reclaimer
 * holds idle_lock and only tries an idle cache's inode->lock: a busy
 * inode is being used (maybe mapped again) and is passed over. An idle
 * cache's inode is alive while the cache is on the list: destroy_inode
 * takes it off under idle_lock before the inode is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goferfs_internal.h"
#include "lib/list.h"
#include "lib/log.h"

/* Linux's MAX_RW_COUNT: what one read or write moves at most. */
#define CACHE_RW_MAX 0x7ffff000L
/* Idle caches kept at most: each holds a host descriptor. */
#define IDLE_CACHES_MAX 256
#define IDLE_BUDGET_MAX ((64ULL << 20) / PAGE_SIZE)

/* The store of an inode's cache: duplicates of host descriptors, owned by the cache. */
struct goferfs_cache {
	struct shmem *shm; /* the inode's reference, while gi->cache points here */
	/*
	 * The inode, without a reference: the dirtied op, called by a store
	 * through a mapping (whose file holds the inode), and the reclaimer,
	 * while the cache is on the idle list (see the top) use it.
	 */
	struct inode *inode;
	int rfd; /* open for reading */
	int wfd; /* open for writing, once a mapping may write; -1 (atomic) */
	/* Under idle_lock; idle changes under the inode's lock too, so either reads it. */
	bool idle;	      /* on idle_list */
	u64 pages;	      /* frames when it went idle (counted in idle_pages) */
	struct list_head lru; /* idle_list, least recently idled first */
};

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by idle_lock. */
static struct list_head idle_list = LIST_HEAD_INIT(idle_list);
static u64 idle_pages, idle_count, budget_pages;

static long cache_read(void *arg, void *buf, size_t len, u64 off)
{
	struct goferfs_cache *c = arg;
	s64 pos = off;
	return hostio_read(c->rfd, buf, MIN(len, (size_t)CACHE_RW_MAX), &pos);
}

static long cache_write(void *arg, const void *buf, size_t len, u64 off)
{
	struct goferfs_cache *c = arg;
	int fd = __atomic_load_n(&c->wfd, __ATOMIC_ACQUIRE);
	s64 pos = off;
	/* Dirty pages come from writable mappings, which set wfd first. */
	if (fd < 0)
		return -EBADF;
	return hostio_write(fd, buf, MIN(len, (size_t)CACHE_RW_MAX), &pos);
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

/* ---- idle caches ---- */

/* The budget in pages (idle_lock held): a sixteenth of the memory file, at most 64 MiB. */
static u64 idle_budget(void)
{
	if (!budget_pages) {
		struct memfile *mf = shmem_file_memfile();
		u64 frames = IS_ERR(mf) ? 0 : memfile_size(mf) / PAGE_SIZE;
		budget_pages = MAX(MIN(frames / 16, IDLE_BUDGET_MAX), 1);
	}
	return budget_pages;
}

void goferfs_cache_set_budget(u64 pages)
{
	pthread_mutex_lock(&idle_lock);
	budget_pages = pages;
	pthread_mutex_unlock(&idle_lock);
}

void goferfs_cache_idle_stats(u64 *caches, u64 *pages)
{
	pthread_mutex_lock(&idle_lock);
	*caches = idle_count;
	*pages = idle_pages;
	pthread_mutex_unlock(&idle_lock);
}

/* Take c off the idle list if it is there (idle_lock held). */
static void idle_del_locked(struct goferfs_cache *c)
{
	if (!c->idle)
		return;
	list_del(&c->lru);
	c->idle = false;
	idle_pages -= c->pages;
	idle_count--;
}

/* Whether the memory file is nearly full (7/8 used): then idle caches go first. */
static bool memory_tight(void)
{
	struct memfile *mf = shmem_file_memfile();
	if (IS_ERR(mf))
		return false;
	u64 frames = memfile_size(mf) / PAGE_SIZE;
	return memfile_used_frames(mf) > frames - frames / 8;
}

static bool over_budget_locked(bool tight)
{
	if (!idle_count)
		return false;
	return tight || idle_pages > idle_budget() || idle_count > IDLE_CACHES_MAX;
}

/*
 * Detach gi's cache (inode->lock held), which is unused: the caller puts
 * the reference returned once it holds no lock it need not.
 */
static struct shmem *cache_detach_locked(struct goferfs_inode *gi)
{
	/*
	 * GCC 12 with ASan takes gi for the bare struct inode it came from and
	 * calls the atomic store to gi->cache an overflow (-Wstringop-overflow):
	 * hide where the pointer came from.
	 */
	__asm__("" : "+r"(gi));
	struct goferfs_cache *c = gi->cache;
	if (!c)
		return NULL;
	__atomic_store_n(&gi->cache, NULL, __ATOMIC_RELEASE);
	return c->shm;
}

/*
 * Drop the least recently idled cache whose inode is not busy (an idle
 * cache's user may well map it again), if over_budget (NULL: always).
 * Called with no lock held; true if one went.
 */
static bool idle_drop_oldest(bool (*over_budget)(bool tight), bool tight)
{
	struct shmem *drop = NULL;
	pthread_mutex_lock(&idle_lock);
	if (over_budget && !over_budget(tight)) {
		pthread_mutex_unlock(&idle_lock);
		return false;
	}
	struct goferfs_cache *c;
	list_for_each_entry(c, &idle_list, lru)
	{
		struct inode *inode = c->inode;
		/* SAFETY: an inode outlives its idle cache's place on the list. */
		if (pthread_mutex_trylock(&inode->lock))
			continue;
		idle_del_locked(c);
		drop = cache_detach_locked(GOFER_I(inode));
		pthread_mutex_unlock(&inode->lock);
		break;
	}
	pthread_mutex_unlock(&idle_lock);
	if (!drop)
		return false;
	shmem_put(drop);
	return true;
}

/* Drop idle caches while over the budget. Called with no lock held. */
static void idle_shrink(void)
{
	bool tight = memory_tight();
	while (idle_drop_oldest(over_budget_locked, tight))
		tight = tight && memory_tight();
}

bool goferfs_cache_reclaim(void)
{
	return idle_drop_oldest(NULL, false);
}

/* c is in use again (inode->lock held): off the idle list. */
static void cache_use_locked(struct goferfs_cache *c)
{
	if (!c->idle)
		return;
	pthread_mutex_lock(&idle_lock);
	idle_del_locked(c);
	pthread_mutex_unlock(&idle_lock);
}

/* ---- the inode's cache ---- */

/* The inode's cache, made over fd if it has none; caller holds inode->lock. */
static struct goferfs_cache *cache_get_locked(struct inode *inode, int fd)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	if (gi->cache) {
		cache_use_locked(gi->cache);
		return gi->cache;
	}
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
	list_init(&c->lru);
	struct shmem *s = shmem_create_cache(mf, inode->size, &cache_ops, c);
	if (IS_ERR(s))
		return (struct goferfs_cache *)s; /* c went with it */
	c->shm = s;
	__atomic_store_n(&gi->cache, c, __ATOMIC_RELEASE);
	return c;
}

bool goferfs_cache_active(struct inode *inode)
{
	return __atomic_load_n(&GOFER_I(inode)->cache, __ATOMIC_ACQUIRE) != NULL;
}

struct shmem *goferfs_cache_ref(struct inode *inode, s64 *size)
{
	if (!goferfs_cache_active(inode))
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

struct shmem *goferfs_cache_mmap(struct inode *inode, int fd, bool shared_write)
{
	pthread_mutex_lock(&inode->lock);
	struct goferfs_cache *c = cache_get_locked(inode, fd);
	struct shmem *s = IS_ERR(c) ? (struct shmem *)c : c->shm;
	if (!IS_ERR(c) && shared_write && c->wfd < 0) {
		int wfd = dup_fd(fd);
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

/*
 * Keep c, written back and unused, as an idle cache (inode->lock held);
 * false if it is not worth keeping (nothing in it, or more than the
 * whole budget).
 */
static bool cache_keep_locked(struct goferfs_cache *c)
{
	u64 pages = shmem_nr_frames(c->shm);
	if (!pages)
		return false;
	/* Nothing is dirty: the descriptor for writing back can go. */
	int wfd = __atomic_exchange_n(&c->wfd, -1, __ATOMIC_ACQ_REL);
	if (wfd >= 0)
		close(wfd);
	pthread_mutex_lock(&idle_lock);
	bool keep = pages <= idle_budget();
	idle_del_locked(c); /* already idle: to the list's young end, counted anew */
	if (keep) {
		c->idle = true;
		c->pages = pages;
		list_add_tail(&c->lru, &idle_list);
		idle_pages += pages;
		idle_count++;
	}
	pthread_mutex_unlock(&idle_lock);
	return keep;
}

void goferfs_cache_close(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct shmem *drop = NULL;
	if (!__atomic_load_n(&gi->cache, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&inode->lock);
	struct goferfs_cache *c = gi->cache;
	bool kept = false;
	if (c) {
		int err = shmem_writeback(c->shm);
		/* Unused now: idle if clean, else (a failed writeback) dropped as before. */
		if (shmem_is_unshared(c->shm)) {
			kept = !err && cache_keep_locked(c);
			if (!kept)
				drop = cache_detach_locked(gi);
		}
	}
	pthread_mutex_unlock(&inode->lock);
	shmem_put(drop);
	if (kept)
		idle_shrink();
}

struct shmem *goferfs_cache_changed_locked(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct goferfs_cache *c = gi->cache;
	if (!c || !c->idle)
		return NULL;
	pthread_mutex_lock(&idle_lock);
	idle_del_locked(c);
	pthread_mutex_unlock(&idle_lock);
	return cache_detach_locked(gi);
}

struct shmem *goferfs_cache_shm_locked(struct inode *inode)
{
	struct goferfs_cache *c = GOFER_I(inode)->cache;
	return c ? c->shm : NULL;
}

void goferfs_cache_resize(struct inode *inode)
{
	struct shmem *drop = goferfs_cache_changed_locked(inode);
	if (drop) {
		/* An idle cache has no mapping: its last put frees it, clean, at once. */
		shmem_put(drop);
		return;
	}
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

void goferfs_cache_free(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct goferfs_cache *c = gi->cache;
	if (!c)
		return;
	pthread_mutex_lock(&idle_lock);
	idle_del_locked(c);
	pthread_mutex_unlock(&idle_lock);
	/* No file is open, so nothing maps it: this is the last reference. */
	shmem_put(cache_detach_locked(gi));
}
