// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs open handles, shared: an inode keeps the gofer file it opened
 * (the fid and the host descriptor donated with it) for each access mode
 * after the last guest file using it is closed, so that the next open of
 * the file in that mode makes no round trip (a Twalk and a Tlopen, with a
 * descriptor donated over the socket) and the close makes none either
 * (a Tclunk). gVisor's gofer file system keeps a host descriptor per
 * dentry in the same way.
 *
 * Why sharing one handle between open files is safe:
 * - every data I/O on the descriptor names its position (file.c), so the
 *   host file offset is never used, and O_APPEND is the Sentry's own;
 * - the Sentry checks permissions at open (vfs); the gofer opens as root,
 *   so what a handle was opened with is all that matters, and a handle
 *   is shared only by opens of the same access mode with no other flag
 *   the host must see (O_SYNC, O_DSYNC and O_NOATIME get a private one);
 * - locks (flock, POSIX, OFD) live in the Sentry, keyed by the inode and
 *   the struct file (locks.h), never on the host descriptor;
 * - the sandbox is the tree's only writer (goferfs.h: the image is
 *   read-only under the overlay, and a container sees its own changes),
 *   so a handle opened earlier sees the same file a new open would: the
 *   fid and the descriptor follow the host inode through renames, and an
 *   unlinked inode is destroyed, with its handles, once unused.
 *
 * Bounds: at most handles_max() handles are kept over all goferfs mounts
 * (a quarter of the Sentry's descriptor limit, at most 1024): each holds
 * one host descriptor here and one fid (an open descriptor) in the gofer.
 * Handles in use are never taken away; idle ones are closed oldest first
 * when a new one needs room, and all of an inode's with the inode. When
 * every kept handle is in use, an open gets a private one, as before.
 *
 * Lock order: handles_lock is a leaf, taken under inode->lock or none;
 * nothing blocks under it (closing is asynchronous: gofer_clunk_async).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goferfs_internal.h"
#include "lib/list.h"

struct goferfs_shared {
	struct goferfs_handle h;
	struct goferfs_inode *gi; /* gi->shared[mode] points here */
	struct gofer_client *c;
	u8 mode;	      /* O_RDONLY, O_WRONLY or O_RDWR */
	u32 users;	      /* open files using h */
	struct list_head lru; /* on idle_list while users == 0 */
};

static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by handles_lock, as are every inode's shared[] and each handle's users. */
static struct list_head idle_list = LIST_HEAD_INIT(idle_list);
static size_t nr_kept;
static size_t kept_max;

/* How many handles to keep: a quarter of our descriptor limit, within [16, 1024]. */
static size_t handles_max(void)
{
	if (kept_max)
		return kept_max;
	struct rlimit rl;
	rlim_t n = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 4 : 64;
	kept_max = n < 16 ? 16 : n > 1024 ? 1024 : (size_t)n;
	return kept_max;
}

/* Unlink sh from its inode and the counts (handles_lock held, sh idle). */
static void shared_unhook(struct goferfs_shared *sh)
{
	list_del(&sh->lru);
	sh->gi->shared[sh->mode] = NULL;
	nr_kept--;
}

static void shared_free(struct goferfs_shared *sh)
{
	goferfs_handle_close(sh->c, &sh->h);
	free(sh);
}

/* Room for one more kept handle, by evicting the oldest idle one into *victim. */
static bool make_room_locked(struct goferfs_shared **victim)
{
	if (nr_kept < handles_max())
		return true;
	if (list_empty(&idle_list))
		return false;
	struct goferfs_shared *old = list_entry(idle_list.next, struct goferfs_shared, lru);
	shared_unhook(old);
	*victim = old;
	return true;
}

/* The plain access mode p9flags asks for (index into shared[]), or -1. */
static int shared_mode(const struct inode *inode, u32 p9flags)
{
	if (!S_ISREG(inode->mode))
		return -1;
	switch (p9flags) {
	case P9_DOTL_RDONLY:
		return O_RDONLY;
	case P9_DOTL_WRONLY:
		return O_WRONLY;
	case P9_DOTL_RDWR:
		return O_RDWR;
	default:
		return -1;
	}
}

/* A kept handle of gi for mode with one more user, or NULL. */
static struct goferfs_shared *shared_take(struct goferfs_inode *gi, int mode)
{
	pthread_mutex_lock(&handles_lock);
	struct goferfs_shared *sh = gi->shared[mode];
	if (sh && sh->users++ == 0)
		list_del(&sh->lru);
	pthread_mutex_unlock(&handles_lock);
	return sh;
}

/*
 * Keep h, just opened for mode, as gi's handle for it with one user; NULL
 * (h stays the caller's) if another open kept one meanwhile or there is no
 * room for it.
 */
static struct goferfs_shared *shared_keep(struct inode *inode, int mode,
					  const struct goferfs_handle *h)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct goferfs_shared *sh = malloc(sizeof(*sh)), *victim = NULL;
	if (!sh)
		return NULL;
	*sh = (struct goferfs_shared){
		.h = *h, .gi = gi, .c = goferfs_client(inode), .mode = mode, .users = 1};
	pthread_mutex_lock(&handles_lock);
	if (!gi->shared[mode] && make_room_locked(&victim)) {
		gi->shared[mode] = sh;
		list_init(&sh->lru);
		nr_kept++;
	} else {
		free(sh);
		sh = NULL;
	}
	pthread_mutex_unlock(&handles_lock);
	if (victim)
		shared_free(victim);
	return sh;
}

int goferfs_handle_get(struct inode *inode, u32 p9flags, struct goferfs_handle *h,
		       struct goferfs_shared **shp)
{
	int mode = shared_mode(inode, p9flags);
	struct goferfs_shared *sh = mode < 0 ? NULL : shared_take(GOFER_I(inode), mode);

	*shp = NULL;
	if (sh) {
		*h = sh->h;
		*shp = sh;
		return 0;
	}
	int err = goferfs_handle_open(inode, p9flags, h);
	if (!err && mode >= 0)
		*shp = shared_keep(inode, mode, h);
	return err;
}

void goferfs_handle_put(struct gofer_client *c, struct goferfs_handle *h, struct goferfs_shared *sh)
{
	if (!sh) {
		goferfs_handle_close(c, h);
		return;
	}
	pthread_mutex_lock(&handles_lock);
	if (--sh->users == 0)
		list_add_tail(&sh->lru, &idle_list);
	pthread_mutex_unlock(&handles_lock);
	h->fd = -1;
	h->fid = P9_NOFID;
}

void goferfs_handles_drop(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct goferfs_shared *drop[ARRAY_SIZE(gi->shared)] = {NULL};

	pthread_mutex_lock(&handles_lock);
	for (size_t i = 0; i < ARRAY_SIZE(gi->shared); i++) {
		struct goferfs_shared *sh = gi->shared[i];
		/* Only idle handles can go: an open file's is still in use. */
		if (sh && !sh->users) {
			shared_unhook(sh);
			drop[i] = sh;
		}
	}
	pthread_mutex_unlock(&handles_lock);
	for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
		if (drop[i])
			shared_free(drop[i]);
}
