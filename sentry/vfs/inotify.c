// SPDX-License-Identifier: Apache-2.0
/*
 * inotify, as Linux's fs/notify/inotify: instances are anon_inodefs
 * files holding a queue of events; watches tie an instance to an inode
 * through one sandbox-wide table (inode -> its watches) that the
 * fsnotify hooks (inotify.h) look events up in. dnotify (fcntl's
 * F_NOTIFY, Linux's fs/notify/dnotify) keeps its watches in the same
 * table: a watch without an instance, whose events are signals to the
 * directory file's owner.
 *
 * The table lives here rather than in struct inode so that the VFS pays
 * nothing for it: a hook first tests fsnotify_nr_watches, and only a
 * sandbox that watches something reaches this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/linux/poll.h"
#include "anon_inode.h"
#include "fasync.h"
#include "inotify.h"
#include "poll.h"
#include "sentry/kernel/kernel.h"
#include "vfs_internal.h"

int fsnotify_nr_watches;
static int nr_instances; /* atomic */
static u32 next_cookie;	 /* atomic */

/* The events of one instance, oldest first; name is ev.len bytes, NUL-padded. */
struct inotify_kevent {
	struct list_head node;
	struct linux_inotify_event ev;
	char name[];
};

struct inotify {
	struct file base;
	pthread_mutex_t lock; /* guards events, nevents, bytes, overflow */
	struct list_head events;
	u32 nevents;
	size_t bytes;	 /* FIONREAD: the records' sizes with their names */
	bool overflow;	 /* an IN_Q_OVERFLOW record is queued */
	struct waitq wq; /* readers and pollers */
	/* Guarded by fsnotify_lock. */
	struct list_head watches;
	s32 last_wd;
};

/* The watches on one inode: an entry of the table while it has any. */
struct fsn_inode {
	struct inode *inode;	/* held */
	struct fsn_inode *next; /* hash chain; the list of dead entries once unhashed */
	struct list_head watches;
};

struct inotify_watch {
	struct inotify *in; /* NULL: a dnotify watch */
	struct fsn_inode *fi;
	struct list_head in_node; /* in in->watches (inotify) */
	struct list_head fi_node; /* in fi->watches */
	s32 wd;
	u32 mask; /* IN_ALL_EVENTS bits, IN_ONESHOT, IN_EXCL_UNLINK; dnotify: FSN_DN_RENAME */
	/* dnotify: the directory's file (flushed before its fd closes), the fd and its table. */
	struct file *dfile;
	int dfd;
	const struct fdtable *downer;
};

/*
 * An event only dnotify hears of: a rename out of the directory (Linux's
 * FS_RENAME, which DN_RENAME asks for). Outside IN_ALL_EVENTS.
 */
#define FSN_DN_RENAME 0x00001000u

static int nr_dnotify; /* dnotify watches (atomic): a close's one test */

#define FSN_HASH_SIZE 256

static pthread_mutex_t fsnotify_lock = PTHREAD_MUTEX_INITIALIZER; /* guards the table, watches */
static struct fsn_inode *fsn_hash[FSN_HASH_SIZE];

static struct inotify *to_inotify(struct file *f)
{
	return container_of(f, struct inotify, base);
}

static unsigned fsn_bucket(const struct inode *inode)
{
	uintptr_t v = (uintptr_t)inode;
	return (unsigned)((v >> 6) ^ (v >> 14)) % FSN_HASH_SIZE;
}

/* Under fsnotify_lock. */
static struct fsn_inode *fsn_find(const struct inode *inode)
{
	for (struct fsn_inode *fi = fsn_hash[fsn_bucket(inode)]; fi; fi = fi->next)
		if (fi->inode == inode)
			return fi;
	return NULL;
}

static void fsn_unhash(struct fsn_inode *fi)
{
	struct fsn_inode **pp = &fsn_hash[fsn_bucket(fi->inode)];
	while (*pp != fi)
		pp = &(*pp)->next;
	*pp = fi->next;
}

/* After dropping fsnotify_lock: free the entries whose last watch went. */
static void fsn_free_dead(struct fsn_inode *dead)
{
	while (dead) {
		struct fsn_inode *next = dead->next;
		inode_put(dead->inode);
		free(dead);
		dead = next;
	}
}

static size_t kevent_size(const struct inotify_kevent *e)
{
	return sizeof(e->ev) + e->ev.len;
}

/* Linux's event_compare: the same record as the newest one queued. */
static bool kevent_same(const struct inotify_kevent *e, s32 wd, u32 mask, u32 cookie,
			const char *name)
{
	if (e->ev.wd != wd || e->ev.mask != mask || e->ev.cookie != cookie)
		return false;
	if (!name)
		return e->ev.len == 0;
	return e->ev.len && strcmp(e->name, name) == 0;
}

/* Under in->lock: queue a record unless it repeats the newest or the queue is full. */
static bool inotify_queue_locked(struct inotify *in, s32 wd, u32 mask, u32 cookie, const char *name)
{
	if (in->nevents >= INOTIFY_MAX_QUEUED_EVENTS) {
		/* One IN_Q_OVERFLOW says what was lost; it counts as an event (Linux). */
		if (in->overflow)
			return false;
		wd = -1;
		mask = LINUX_IN_Q_OVERFLOW;
		cookie = 0;
		name = NULL;
	} else if (!list_empty(&in->events)) {
		struct inotify_kevent *last =
			list_entry(in->events.prev, struct inotify_kevent, node);
		if (kevent_same(last, wd, mask, cookie, name))
			return false;
	}
	size_t nlen = name ? strlen(name) : 0;
	/* The name with its NUL, padded to whole records (round_event_name_len). */
	u32 len = name ? (u32)((nlen + 1 + sizeof(struct linux_inotify_event) - 1) &
			       ~(sizeof(struct linux_inotify_event) - 1))
		       : 0;
	struct inotify_kevent *e = calloc(1, sizeof(*e) + len);
	if (!e)
		return false; /* Linux drops the event too, with a warning */
	e->ev = (struct linux_inotify_event){.wd = wd, .mask = mask, .cookie = cookie, .len = len};
	if (name)
		memcpy(e->name, name, nlen);
	if (mask == LINUX_IN_Q_OVERFLOW)
		in->overflow = true;
	list_add_tail(&e->node, &in->events);
	in->nevents++;
	in->bytes += kevent_size(e);
	return true;
}

static void inotify_queue(struct inotify *in, s32 wd, u32 mask, u32 cookie, const char *name)
{
	pthread_mutex_lock(&in->lock);
	bool queued = inotify_queue_locked(in, wd, mask, cookie, name);
	pthread_mutex_unlock(&in->lock);
	if (queued && waitq_active(&in->wq))
		waitq_wake_key(&in->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
}

/*
 * Under fsnotify_lock: drop w, queueing IN_IGNORED when ignored is set;
 * an inode left without watches goes on *dead for fsn_free_dead.
 */
static void watch_remove(struct inotify_watch *w, bool ignored, struct fsn_inode **dead)
{
	struct fsn_inode *fi = w->fi;
	if (!w->in)
		__atomic_fetch_sub(&nr_dnotify, 1, __ATOMIC_RELAXED);
	else if (ignored)
		inotify_queue(w->in, w->wd, LINUX_IN_IGNORED, 0, NULL);
	list_del(&w->in_node);
	list_del(&w->fi_node);
	__atomic_fetch_sub(&fsnotify_nr_watches, 1, __ATOMIC_RELAXED);
	free(w);
	if (list_empty(&fi->watches)) {
		fsn_unhash(fi);
		fi->next = *dead;
		*dead = fi;
	}
}

/* How an event reaches the watches of one inode. */
struct fsn_event {
	u32 mask; /* IN_* with IN_ISDIR */
	u32 cookie;
	const char *name; /* the child's, for a directory's watches; NULL for the inode's own */
	bool unlinked;	  /* a file event on a name already removed (IN_EXCL_UNLINK) */
};

/* Under fsnotify_lock: queue ev for every watch of inode that wants it. */
static void notify_inode(struct inode *inode, const struct fsn_event *ev, struct fsn_inode **dead)
{
	struct fsn_inode *fi = fsn_find(inode);
	struct inotify_watch *w, *n;
	if (!fi)
		return;
	list_for_each_entry_safe(w, n, &fi->watches, fi_node)
	{
		if (!w->in) {
			/* dnotify: a signal per event, to the owner of the directory's file. */
			if (!(w->mask & ev->mask & (LINUX_IN_ALL_EVENTS | FSN_DN_RENAME)))
				continue;
			fasync_notify(w->dfile, w->dfd);
			if (w->mask & LINUX_IN_ONESHOT)
				watch_remove(w, false, dead);
			continue;
		}
		if (!(w->mask & ev->mask & LINUX_IN_ALL_EVENTS))
			continue;
		if (ev->unlinked && (w->mask & LINUX_IN_EXCL_UNLINK))
			continue;
		inotify_queue(w->in, w->wd, ev->mask, ev->cookie, ev->name);
		if (w->mask & LINUX_IN_ONESHOT)
			watch_remove(w, true, dead);
	}
}

static void notify_one(struct inode *inode, u32 mask, u32 cookie, const char *name,
		       struct fsn_inode **dead)
{
	struct fsn_event ev = {.mask = mask, .cookie = cookie, .name = name};
	notify_inode(inode, &ev, dead);
}

/* IN_ISDIR for events about a directory. */
static u32 isdir_bit(const struct inode *inode)
{
	return S_ISDIR(inode->mode) ? LINUX_IN_ISDIR : 0;
}

/*
 * An event about d itself (Linux's fsnotify_parent): its directory's
 * watches with its name, then its own. Takes vfs_lock for the name and
 * parent, which rename changes.
 */
static void notify_dentry(struct dentry *d, u32 mask, bool path_event)
{
	struct fsn_inode *dead = NULL;
	vfs_lock();
	pthread_mutex_lock(&fsnotify_lock);
	struct fsn_event ev = {.mask = mask | isdir_bit(d->inode),
			       .unlinked = path_event && d->unlinked};
	if (d->parent != d) {
		ev.name = d->name;
		notify_inode(d->parent->inode, &ev, &dead);
	}
	ev.name = NULL;
	notify_inode(d->inode, &ev, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	vfs_unlock();
	fsn_free_dead(dead);
}

void __fsnotify_file(struct file *f, u32 mask)
{
	if (!f->path.dentry || (f->mode & FMODE_PATH))
		return;
	notify_dentry(f->path.dentry, mask, true);
}

void __fsnotify_change(struct dentry *d, u32 ia_valid)
{
	u32 mask = 0;
	if (ia_valid & (ATTR_UID | ATTR_GID | ATTR_MODE))
		mask |= LINUX_IN_ATTRIB;
	if (ia_valid & ATTR_SIZE)
		mask |= LINUX_IN_MODIFY;
	/* Both times is a utimes call; one alone reads as that access or change. */
	if ((ia_valid & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
		mask |= LINUX_IN_ATTRIB;
	else if (ia_valid & ATTR_ATIME)
		mask |= LINUX_IN_ACCESS;
	else if (ia_valid & ATTR_MTIME)
		mask |= LINUX_IN_MODIFY;
	if (mask && d)
		notify_dentry(d, mask, false);
}

void __fsnotify_create(struct dentry *dir, struct dentry *d)
{
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	notify_one(dir->inode, LINUX_IN_CREATE | isdir_bit(d->inode), 0, d->name, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

void __fsnotify_link_count(struct inode *inode)
{
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	notify_one(inode, LINUX_IN_ATTRIB | isdir_bit(inode), 0, NULL, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

/* Under fsnotify_lock: the inode is gone (Linux's fsnotify_inoderemove). */
static void inode_removed(struct inode *inode, struct fsn_inode **dead)
{
	struct fsn_inode *fi = fsn_find(inode);
	if (!fi)
		return;
	/* Without IN_ISDIR even for a directory, as Linux 6.18 reports it. */
	notify_one(inode, LINUX_IN_DELETE_SELF, 0, NULL, dead);
	/* A oneshot watch may have taken fi with it. */
	if ((fi = fsn_find(inode))) {
		struct inotify_watch *w, *n;
		list_for_each_entry_safe(w, n, &fi->watches, fi_node) watch_remove(w, true, dead);
	}
}

/* The last name of d's inode is gone and nothing else holds d (vfs_lock held). */
static bool d_inode_gone(struct dentry *d, int refs)
{
	return __atomic_load_n(&d->inode->nlink, __ATOMIC_RELAXED) == 0 &&
	       __atomic_load_n(&d->refs, __ATOMIC_RELAXED) <= refs;
}

void __fsnotify_delete(struct dentry *dir, struct dentry *d, bool isdir)
{
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	if (!isdir) /* the link count changed (Linux's fsnotify_link_count) */
		notify_one(d->inode, LINUX_IN_ATTRIB | isdir_bit(d->inode), 0, NULL, &dead);
	/* The caller's reference is the only one: Linux's d_delete frees the inode now. */
	if (d_inode_gone(d, 1))
		inode_removed(d->inode, &dead);
	notify_one(dir->inode, LINUX_IN_DELETE | isdir_bit(d->inode), 0, d->name, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

/* One half of a rename (Linux's fsnotify_move). */
static void notify_move(struct inode *odir, const char *oname, struct inode *ndir,
			const char *nname, struct inode *moved, struct inode *target,
			struct fsn_inode **dead)
{
	u32 cookie = __atomic_add_fetch(&next_cookie, 1, __ATOMIC_RELAXED);
	u32 isdir = isdir_bit(moved);
	notify_one(odir, LINUX_IN_MOVED_FROM | isdir, cookie, oname, dead);
	notify_one(ndir, LINUX_IN_MOVED_TO | isdir, cookie, nname, dead);
	if (__atomic_load_n(&nr_dnotify, __ATOMIC_RELAXED))
		notify_one(odir, FSN_DN_RENAME, 0, oname, dead);
	if (target)
		notify_one(target, LINUX_IN_ATTRIB | isdir_bit(target), 0, NULL, dead);
	notify_one(moved, LINUX_IN_MOVE_SELF | isdir, 0, NULL, dead);
}

void __fsnotify_rename(struct dentry *odir, const char *oname, struct dentry *ndir,
		       const char *nname, struct dentry *moved, struct dentry *target,
		       unsigned flags)
{
	struct fsn_inode *dead = NULL;
	bool exchange = flags & LINUX_RENAME_EXCHANGE;
	pthread_mutex_lock(&fsnotify_lock);
	notify_move(odir->inode, oname, ndir->inode, nname, moved->inode,
		    target && !exchange ? target->inode : NULL, &dead);
	if (exchange && target)
		notify_move(ndir->inode, nname, odir->inode, oname, target->inode, NULL, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

void __fsnotify_d_free(struct dentry *d)
{
	if (!d->unlinked)
		return;
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	if (d_inode_gone(d, 0))
		inode_removed(d->inode, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

void __fsnotify_sb_gone(struct super_block *sb)
{
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	for (unsigned b = 0; b < FSN_HASH_SIZE; b++) {
		for (struct fsn_inode *fi = fsn_hash[b], *next; fi; fi = next) {
			next = fi->next; /* the last watch's removal unhashes fi */
			if (fi->inode->sb != sb)
				continue;
			u32 mask = LINUX_IN_UNMOUNT | isdir_bit(fi->inode);
			struct inotify_watch *w, *n;
			list_for_each_entry_safe(w, n, &fi->watches, fi_node)
			{
				if (w->in)
					inotify_queue(w->in, w->wd, mask, 0, NULL);
				watch_remove(w, true, &dead);
			}
		}
	}
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

/* The instance. */

static bool inotify_readable(void *arg)
{
	return !list_empty(&((struct inotify *)arg)->events);
}

/* Under in->lock: take records while they fit; -EINVAL if the first does not. */
static ssize_t inotify_take(struct inotify *in, u8 *buf, size_t len)
{
	size_t done = 0;
	while (!list_empty(&in->events)) {
		struct inotify_kevent *e = list_entry(in->events.next, struct inotify_kevent, node);
		size_t size = kevent_size(e);
		if (size > len - done)
			return done ? (ssize_t)done : -EINVAL;
		memcpy(buf + done, &e->ev, sizeof(e->ev));
		memcpy(buf + done + sizeof(e->ev), e->name, e->ev.len);
		done += size;
		list_del(&e->node);
		in->nevents--;
		in->bytes -= size;
		if (e->ev.mask == LINUX_IN_Q_OVERFLOW)
			in->overflow = false;
		free(e);
	}
	return done;
}

static ssize_t inotify_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct inotify *in = to_inotify(f);
	pthread_mutex_lock(&in->lock);
	if (list_empty(&in->events)) {
		int err = (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK)
				  ? -EAGAIN
				  : file_wait_event(&in->wq, &in->lock, inotify_readable, in);
		if (err) {
			pthread_mutex_unlock(&in->lock);
			return err;
		}
	}
	ssize_t ret = inotify_take(in, buf, len);
	pthread_mutex_unlock(&in->lock);
	return ret;
}

static u32 inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = to_inotify(f);
	poll_wait(f, &in->wq, pt);
	pthread_mutex_lock(&in->lock);
	bool ready = !list_empty(&in->events);
	pthread_mutex_unlock(&in->lock);
	return ready ? LINUX_POLLIN | LINUX_POLLRDNORM : 0;
}

static long inotify_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct inotify *in = to_inotify(f);
	if (cmd != FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&in->lock);
	int count = (int)in->bytes;
	pthread_mutex_unlock(&in->lock);
	return mm_copy_to_user(t->mm, arg, &count, sizeof(count)) ? -EFAULT : 0;
}

static void inotify_release(struct file *f)
{
	struct inotify *in = to_inotify(f);
	struct fsn_inode *dead = NULL;
	struct inotify_watch *w, *n;

	pthread_mutex_lock(&fsnotify_lock);
	list_for_each_entry_safe(w, n, &in->watches, in_node) watch_remove(w, false, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
	struct inotify_kevent *e, *en;
	list_for_each_entry_safe(e, en, &in->events, node) free(e);
	pthread_mutex_destroy(&in->lock);
	__atomic_fetch_sub(&nr_instances, 1, __ATOMIC_RELAXED);
}

static const struct file_ops inotify_ops = {
	.fasync = true,
	.read = inotify_read,
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
	.anon_name = "inotify",
};

bool file_is_inotify(const struct file *f)
{
	return f->ops == &inotify_ops;
}

struct file *inotify_create(u32 flags)
{
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	if (__atomic_add_fetch(&nr_instances, 1, __ATOMIC_RELAXED) > INOTIFY_MAX_USER_INSTANCES) {
		__atomic_fetch_sub(&nr_instances, 1, __ATOMIC_RELAXED);
		return ERR_PTR(-EMFILE);
	}
	struct file *f = file_alloc(sizeof(struct inotify), &inotify_ops);
	if (!f) {
		__atomic_fetch_sub(&nr_instances, 1, __ATOMIC_RELAXED);
		return ERR_PTR(-ENOMEM);
	}
	struct inotify *in = to_inotify(f);
	f->flags = O_RDONLY | (flags & O_NONBLOCK);
	f->mode = FMODE_READ | FMODE_STREAM | FMODE_GATHER;
	pthread_mutex_init(&in->lock, NULL);
	list_init(&in->events);
	list_init(&in->watches);
	waitq_init(&in->wq);
	return f;
}

/* Under fsnotify_lock: in's watch on inode, or NULL. */
static struct inotify_watch *watch_find(struct inotify *in, struct inode *inode)
{
	struct fsn_inode *fi = fsn_find(inode);
	struct inotify_watch *w;
	if (!fi)
		return NULL;
	list_for_each_entry(w, &fi->watches, fi_node)
	{
		if (w->in == in)
			return w;
	}
	return NULL;
}

static bool wd_used(struct inotify *in, s32 wd)
{
	struct inotify_watch *w;
	list_for_each_entry(w, &in->watches, in_node)
	{
		if (w->wd == wd)
			return true;
	}
	return false;
}

/* Watch descriptors count up from 1 and are not reused soon (Linux's idr_alloc_cyclic). */
static s32 wd_alloc(struct inotify *in)
{
	s32 wd = in->last_wd;
	do
		wd = wd == INT32_MAX ? 1 : wd + 1;
	while (wd_used(in, wd));
	in->last_wd = wd;
	return wd;
}

/*
 * Under fsnotify_lock: a new watch on inode (a reference taken if it has
 * none), for instance in, or a dnotify one (in NULL) for the caller to
 * fill in. NULL if out of memory.
 */
static struct inotify_watch *watch_new(struct inotify *in, struct inode *inode, u32 mask)
{
	struct inotify_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	struct fsn_inode *fi = fsn_find(inode);
	if (!fi) {
		fi = calloc(1, sizeof(*fi));
		if (!fi) {
			free(w);
			return NULL;
		}
		fi->inode = inode_get(inode);
		list_init(&fi->watches);
		unsigned b = fsn_bucket(inode);
		fi->next = fsn_hash[b];
		fsn_hash[b] = fi;
	}
	*w = (struct inotify_watch){.in = in, .fi = fi, .mask = mask};
	list_init(&w->in_node);
	if (in) {
		w->wd = wd_alloc(in);
		list_add_tail(&w->in_node, &in->watches);
	}
	list_add_tail(&w->fi_node, &fi->watches);
	__atomic_fetch_add(&fsnotify_nr_watches, 1, __ATOMIC_RELAXED);
	return w;
}

static long watch_add(struct inotify *in, struct inode *inode, u32 mask)
{
	if (__atomic_load_n(&fsnotify_nr_watches, __ATOMIC_RELAXED) >= INOTIFY_MAX_USER_WATCHES)
		return -ENOSPC;
	struct inotify_watch *w = watch_new(in, inode, mask);
	return w ? w->wd : -ENOMEM;
}

long inotify_add_watch(struct file *f, const struct path *p, u32 mask)
{
	struct inotify *in = to_inotify(f);
	struct inode *inode = path_inode(p);
	u32 keep = mask & (LINUX_IN_ALL_EVENTS | LINUX_IN_ONESHOT | LINUX_IN_EXCL_UNLINK);
	long ret;

	pthread_mutex_lock(&fsnotify_lock);
	struct inotify_watch *w = watch_find(in, inode);
	if (!w)
		ret = watch_add(in, inode, keep);
	else if (mask & LINUX_IN_MASK_CREATE)
		ret = -EEXIST;
	else {
		w->mask = (mask & LINUX_IN_MASK_ADD) ? w->mask | keep : keep;
		ret = w->wd;
	}
	pthread_mutex_unlock(&fsnotify_lock);
	return ret;
}

long inotify_rm_watch(struct file *f, s32 wd)
{
	struct inotify *in = to_inotify(f);
	struct fsn_inode *dead = NULL;
	struct inotify_watch *w;
	long ret = -EINVAL;

	pthread_mutex_lock(&fsnotify_lock);
	list_for_each_entry(w, &in->watches, in_node)
	{
		if (w->wd == wd) {
			watch_remove(w, true, &dead);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
	return ret;
}

/* dnotify. */

/* Linux's convert_arg: the events a DN_* mask asks for. */
static u32 dnotify_mask(u32 arg)
{
	u32 mask = (arg & LINUX_DN_MULTISHOT) ? 0 : LINUX_IN_ONESHOT;
	if (arg & LINUX_DN_ACCESS)
		mask |= LINUX_IN_ACCESS;
	if (arg & LINUX_DN_MODIFY)
		mask |= LINUX_IN_MODIFY;
	if (arg & LINUX_DN_CREATE)
		mask |= LINUX_IN_CREATE | LINUX_IN_MOVED_TO;
	if (arg & LINUX_DN_DELETE)
		mask |= LINUX_IN_DELETE | LINUX_IN_MOVED_FROM;
	if (arg & LINUX_DN_RENAME)
		mask |= FSN_DN_RENAME;
	if (arg & LINUX_DN_ATTRIB)
		mask |= LINUX_IN_ATTRIB;
	return mask;
}

/* Under fsnotify_lock: the dnotify watch of f set through files (NULL: any), or NULL. */
static struct inotify_watch *dnotify_find(struct file *f, const struct fdtable *files)
{
	struct fsn_inode *fi = fsn_find(path_inode(&f->path));
	struct inotify_watch *w;
	if (!fi)
		return NULL;
	list_for_each_entry(w, &fi->watches, fi_node)
	{
		if (!w->in && w->dfile == f && (w->downer == files || !files))
			return w;
	}
	return NULL;
}

void dnotify_flush(struct file *f, const struct fdtable *files)
{
	if (!__atomic_load_n(&nr_dnotify, __ATOMIC_RELAXED) || !f || !f->path.dentry)
		return;
	struct fsn_inode *dead = NULL;
	pthread_mutex_lock(&fsnotify_lock);
	struct inotify_watch *w;
	while ((w = dnotify_find(f, files)))
		watch_remove(w, false, &dead);
	pthread_mutex_unlock(&fsnotify_lock);
	fsn_free_dead(dead);
}

long dnotify_fcntl(struct task *t, struct file *f, int fd, u32 arg)
{
	if (!(arg & ~LINUX_DN_MULTISHOT)) {
		dnotify_flush(f, t->files);
		return 0;
	}
	if (!f->path.dentry || !S_ISDIR(path_inode(&f->path)->mode))
		return -ENOTDIR;
	u32 mask = dnotify_mask(arg);
	long ret = 0;
	pthread_mutex_lock(&fsnotify_lock);
	struct inotify_watch *w = dnotify_find(f, t->files);
	if (w) {
		/* More events for the same file and table (Linux's attach_dn); DN_MULTISHOT sticks. */
		u32 oneshot = w->mask & mask & LINUX_IN_ONESHOT;
		w->mask = ((w->mask | mask) & ~LINUX_IN_ONESHOT) | oneshot;
		w->dfd = fd;
	} else if ((w = watch_new(NULL, path_inode(&f->path), mask))) {
		w->dfile = f;
		w->dfd = fd;
		w->downer = t->files;
		__atomic_fetch_add(&nr_dnotify, 1, __ATOMIC_RELAXED);
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&fsnotify_lock);
	/* The caller becomes the owner that the signals go to. */
	return ret ?: fasync_setown(t, f, LINUX_F_OWNER_PID, t->tg->tgid);
}
