// SPDX-License-Identifier: Apache-2.0
/*
 * Advisory file locks (see locks.h): Linux's fs/locks.c semantics over
 * one list of lock contexts, one per locked inode, under one mutex.
 * Waiters sleep on their context's queue and retry after every change to
 * it; deadlock detection follows Linux's walk of what each blocked POSIX
 * owner waits for.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "locks.h"
#include "sentry/kernel/kernel.h"
#include "vfs.h"

#define OFFSET_MAX INT64_MAX
/* Linux gives up looking for a cycle after this many hops (and says no). */
#define MAX_DEADLK_ITERATIONS 10

enum lock_kind { LOCK_KIND_POSIX, LOCK_KIND_OFD, LOCK_KIND_FLOCK };

struct file_lock {
	struct list_head node; /* in its context's posix or flocks list */
	const void *owner;     /* fd table (POSIX) or struct file (OFD, flock) */
	enum lock_kind kind;
	int type;	/* LINUX_F_RDLCK or LINUX_F_WRLCK (LINUX_F_UNLCK in requests) */
	int pid;	/* POSIX: the setter's PID, what F_GETLK shows */
	s64 start, end; /* inclusive; end OFFSET_MAX: up to EOF, wherever it goes */
};

struct lock_ctx {
	struct list_head node; /* in lock_contexts */
	const void *key;       /* the inode, or the file if it has none */
	struct inode *inode;   /* a reference while the context lives, or NULL */
	/*
	 * POSIX and OFD locks, each owner's together and sorted by start,
	 * owners in the order of their first lock (which F_GETLK reports
	 * first, as Linux's list).
	 */
	struct list_head posix;
	struct list_head flocks;
	struct waitq wq; /* waiters, woken at every change */
	int nwaiters;
};

/* A task asleep for a lock, for deadlock detection. */
struct lock_waiter {
	struct list_head node; /* in blocked */
	struct lock_ctx *ctx;
	const void *owner;   /* a POSIX owner; NULL for OFD and flock waiters */
	const void *blocker; /* the owner in its way, NULL once woken */
};

static pthread_mutex_t locks_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct list_head lock_contexts = LIST_HEAD_INIT(lock_contexts);
static struct list_head blocked = LIST_HEAD_INIT(blocked);
/* Contexts alive (atomic reads): the close hooks' fast path. */
static int nr_contexts;

static const void *lock_key(struct file *f)
{
	return f->inode ? (const void *)f->inode : (const void *)f;
}

static struct lock_ctx *ctx_find(struct file *f, bool create)
{
	const void *key = lock_key(f);
	struct lock_ctx *ctx;

	list_for_each_entry(ctx, &lock_contexts, node)
	{
		if (ctx->key == key)
			return ctx;
	}
	if (!create || !(ctx = calloc(1, sizeof(*ctx))))
		return NULL;
	ctx->key = key;
	ctx->inode = f->inode ? inode_get(f->inode) : NULL;
	list_init(&ctx->posix);
	list_init(&ctx->flocks);
	waitq_init(&ctx->wq);
	list_add_tail(&ctx->node, &lock_contexts);
	__atomic_add_fetch(&nr_contexts, 1, __ATOMIC_RELEASE);
	return ctx;
}

/*
 * Free ctx if nothing uses it any more. Returns the inode reference to
 * drop once locks_mutex is released (inode_put may call the file system).
 */
static __must_check struct inode *ctx_release(struct lock_ctx *ctx)
{
	if (!ctx || !list_empty(&ctx->posix) || !list_empty(&ctx->flocks) || ctx->nwaiters)
		return NULL;
	struct inode *inode = ctx->inode;
	list_del(&ctx->node);
	__atomic_sub_fetch(&nr_contexts, 1, __ATOMIC_RELEASE);
	pthread_mutex_destroy(&ctx->wq.lock);
	free(ctx);
	return inode;
}

/* Something changed in ctx: every waiter retries (and stops counting as blocked). */
static void ctx_wake(struct lock_ctx *ctx)
{
	struct lock_waiter *w;

	if (!ctx->nwaiters)
		return;
	list_for_each_entry(w, &blocked, node)
	{
		if (w->ctx == ctx)
			w->blocker = NULL;
	}
	waitq_wake_all(&ctx->wq);
}

static void lock_free(struct file_lock *l)
{
	list_del(&l->node);
	free(l);
}

static bool ranges_overlap(const struct file_lock *a, const struct file_lock *b)
{
	return a->start <= b->end && b->start <= a->end;
}

/* Overlapping or end to end: two locks of one owner and type then merge. */
static bool ranges_touch(const struct file_lock *a, const struct file_lock *b)
{
	return (b->end == OFFSET_MAX || a->start <= b->end + 1) &&
	       (a->end == OFFSET_MAX || b->start <= a->end + 1);
}

static bool posix_conflict(const struct file_lock *req, const struct file_lock *l)
{
	if (req->owner == l->owner || !ranges_overlap(req, l))
		return false;
	return req->type == LINUX_F_WRLCK || l->type == LINUX_F_WRLCK;
}

/*
 * Insert l among its owner's locks in start order; an owner new to the
 * list goes last.
 */
static void posix_insert(struct lock_ctx *ctx, struct file_lock *l)
{
	struct file_lock *p, *last = NULL;

	list_for_each_entry(p, &ctx->posix, node)
	{
		if (p->owner != l->owner)
			continue;
		if (p->start > l->start) {
			list_add_tail(&l->node, &p->node);
			return;
		}
		last = p;
	}
	list_add(&l->node, last ? &last->node : ctx->posix.prev);
}

/*
 * Apply req, which conflicts with nothing, to its owner's locks: unlock
 * or change the type of the range, splitting a lock that spans it
 * (*spare is the memory for the right part) and merging with the
 * owner's locks of the same type that touch it. req is taken unless it
 * is an unlock.
 */
static void posix_apply(struct lock_ctx *ctx, struct file_lock *req, struct file_lock **spare)
{
	struct file_lock *l, *n;

	list_for_each_entry_safe(l, n, &ctx->posix, node)
	{
		if (l->owner != req->owner)
			continue;
		if (l->type == req->type) {
			if (!ranges_touch(l, req))
				continue;
			req->start = l->start < req->start ? l->start : req->start;
			req->end = l->end > req->end ? l->end : req->end;
			lock_free(l);
		} else if (!ranges_overlap(l, req)) {
			continue;
		} else if (l->start < req->start && l->end > req->end) {
			struct file_lock *right = *spare;
			*spare = NULL;
			*right = *l;
			right->start = req->end + 1;
			l->end = req->start - 1;
			list_add(&right->node, &l->node);
		} else if (l->start < req->start) {
			l->end = req->start - 1;
		} else if (l->end > req->end) {
			l->start = req->end + 1;
		} else {
			lock_free(l);
		}
	}
	if (req->type != LINUX_F_UNLCK)
		posix_insert(ctx, req);
	ctx_wake(ctx);
}

/*
 * Linux's posix_locks_deadlock: follow "the owner in the way waits for
 * the owner in its way" from the lock that blocks caller; a cycle back
 * to caller within MAX_DEADLK_ITERATIONS hops is a deadlock.
 */
static bool posix_deadlock(const void *caller, const void *holder)
{
	for (int i = 0; i <= MAX_DEADLK_ITERATIONS; i++) {
		struct lock_waiter *w, *found = NULL;
		list_for_each_entry(w, &blocked, node)
		{
			if (w->owner == holder && w->blocker) {
				found = w;
				break;
			}
		}
		if (!found)
			return false;
		holder = found->blocker;
		if (holder == caller)
			return true;
	}
	return false;
}

/*
 * One attempt at a lock: 0 (req taken unless an unlock), 1 (already held:
 * req not taken), or -EAGAIN with *blocker the owner in the way.
 */
typedef int (*lock_try_fn)(struct lock_ctx *ctx, struct file_lock *req, struct file_lock **spare,
			   const void **blocker);

static int posix_try(struct lock_ctx *ctx, struct file_lock *req, struct file_lock **spare,
		     const void **blocker)
{
	struct file_lock *l;

	if (req->type != LINUX_F_UNLCK) {
		list_for_each_entry(l, &ctx->posix, node)
		{
			if (posix_conflict(req, l)) {
				*blocker = l->owner;
				return -EAGAIN;
			}
		}
	}
	posix_apply(ctx, req, spare);
	return 0;
}

/* Linux's flock_lock_inode: drop the file's own lock, then look for conflicts. */
static int flock_try(struct lock_ctx *ctx, struct file_lock *req, struct file_lock **spare,
		     const void **blocker)
{
	struct file_lock *l;

	list_for_each_entry(l, &ctx->flocks, node)
	{
		if (l->owner != req->owner)
			continue;
		if (l->type == req->type)
			return 1; /* already held: req is not needed */
		lock_free(l);
		ctx_wake(ctx);
		break;
	}
	if (req->type == LINUX_F_UNLCK)
		return 0;
	list_for_each_entry(l, &ctx->flocks, node)
	{
		if (l->type == LINUX_F_WRLCK || req->type == LINUX_F_WRLCK) {
			*blocker = l->owner;
			return -EAGAIN;
		}
	}
	list_add_tail(&req->node, &ctx->flocks);
	ctx_wake(ctx);
	return 0;
}

/*
 * Take req on f's inode with try_fn, sleeping while it is busy if wait.
 * Consumes req (and the spare) whatever happens.
 */
static int lock_acquire(struct task *t, struct file *f, struct file_lock *req,
			struct file_lock *spare, bool wait, lock_try_fn try_fn)
{
	struct lock_waiter w = {.owner = req->kind == LOCK_KIND_POSIX ? req->owner : NULL};
	struct wait_entry we;
	bool queued = false, taken = false;
	int ret;

	pthread_mutex_lock(&locks_mutex);
	struct lock_ctx *ctx = ctx_find(f, req->type != LINUX_F_UNLCK);
	if (!ctx) {
		ret = req->type == LINUX_F_UNLCK ? 0 : -ENOLCK;
		goto out;
	}
	for (;;) {
		const void *blocker = NULL;
		ret = try_fn(ctx, req, &spare, &blocker);
		if (ret != -EAGAIN || !wait)
			break;
		if (w.owner && posix_deadlock(w.owner, blocker)) {
			ret = -EDEADLK;
			break;
		}
		if (!queued) {
			w.ctx = ctx;
			waitq_add(&ctx->wq, &we, t);
			list_add_tail(&w.node, &blocked);
			ctx->nwaiters++;
			queued = true;
		}
		w.blocker = blocker;
		pthread_mutex_unlock(&locks_mutex);
		int slept = task_sleep(t, NULL);
		pthread_mutex_lock(&locks_mutex);
		if (slept) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	taken = ret == 0 && req->type != LINUX_F_UNLCK;
	if (ret > 0)
		ret = 0;
	if (queued) {
		waitq_remove(&we);
		list_del(&w.node);
		ctx->nwaiters--;
	}
out:;
	struct inode *put = ctx_release(ctx);
	pthread_mutex_unlock(&locks_mutex);
	inode_put(put);
	if (!taken)
		free(req);
	free(spare);
	return ret;
}

static struct file_lock *lock_alloc(const void *owner, enum lock_kind kind, int type, int pid)
{
	struct file_lock *l = calloc(1, sizeof(*l));
	if (l) {
		list_init(&l->node);
		l->owner = owner;
		l->kind = kind;
		l->type = type;
		l->pid = pid;
	}
	return l;
}

/* Linux's flock64_to_posix_lock: the byte range *fl names in f. */
static int flock_to_range(struct file *f, const struct linux_flock *fl, s64 *start, s64 *end)
{
	s64 base;
	struct kstat st;

	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		pthread_mutex_lock(&f->pos_lock);
		base = f->pos;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case SEEK_END:
		base = vfs_fstat(f, &st) ? 0 : st.size;
		break;
	default:
		return -EINVAL;
	}
	if (fl->l_start > OFFSET_MAX - base)
		return -EOVERFLOW;
	base += fl->l_start;
	if (base < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > OFFSET_MAX - base)
			return -EOVERFLOW;
		*start = base;
		*end = base + fl->l_len - 1;
	} else if (fl->l_len < 0) {
		if (base + fl->l_len < 0)
			return -EINVAL;
		*start = base + fl->l_len;
		*end = base - 1;
	} else {
		*start = base;
		*end = OFFSET_MAX;
	}
	if (fl->l_type != LINUX_F_RDLCK && fl->l_type != LINUX_F_WRLCK &&
	    fl->l_type != LINUX_F_UNLCK)
		return -EINVAL;
	return 0;
}

int vfs_lock_test(struct file *f, const void *owner, bool ofd, struct linux_flock *fl)
{
	struct file_lock req = {.owner = ofd ? (const void *)f : owner, .type = fl->l_type};
	const struct file_lock *found = NULL;
	int ret;

	if (!ofd && fl->l_type != LINUX_F_RDLCK && fl->l_type != LINUX_F_WRLCK)
		return -EINVAL;
	if ((ret = flock_to_range(f, fl, &req.start, &req.end)))
		return ret;
	if (ofd && fl->l_pid)
		return -EINVAL;

	pthread_mutex_lock(&locks_mutex);
	struct lock_ctx *ctx = ctx_find(f, false);
	struct file_lock *l;
	if (ctx) {
		list_for_each_entry(l, &ctx->posix, node)
		{
			/* F_OFD_GETLK of F_UNLCK finds the caller's own locks (Linux 6.3). */
			bool hit = req.type == LINUX_F_UNLCK
					   ? l->owner == req.owner && ranges_overlap(l, &req)
					   : posix_conflict(&req, l);
			if (hit) {
				found = l;
				break;
			}
		}
	}
	fl->l_type = LINUX_F_UNLCK;
	if (found) {
		fl->l_type = found->type;
		fl->l_whence = SEEK_SET;
		fl->l_start = found->start;
		fl->l_len = found->end == OFFSET_MAX ? 0 : found->end - found->start + 1;
		fl->l_pid = found->kind == LOCK_KIND_OFD ? -1 : found->pid;
	}
	pthread_mutex_unlock(&locks_mutex);
	return 0;
}

int vfs_lock_set(struct task *t, struct file *f, const void *owner, int pid, bool ofd, bool wait,
		 const struct linux_flock *fl)
{
	s64 start, end;
	int ret;

	if ((ret = flock_to_range(f, fl, &start, &end)))
		return ret;
	if ((fl->l_type == LINUX_F_RDLCK && !(f->mode & FMODE_READ)) ||
	    (fl->l_type == LINUX_F_WRLCK && !(f->mode & FMODE_WRITE)))
		return -EBADF;
	if (ofd && fl->l_pid)
		return -EINVAL;

	struct file_lock *req =
		lock_alloc(ofd ? (const void *)f : owner, ofd ? LOCK_KIND_OFD : LOCK_KIND_POSIX,
			   fl->l_type, ofd ? -1 : pid);
	/* An unlock or a type change inside a lock splits it in two. */
	struct file_lock *spare = calloc(1, sizeof(*spare));
	if (!req || !spare) {
		free(req);
		free(spare);
		return -ENOLCK;
	}
	req->start = start;
	req->end = end;
	return lock_acquire(t, f, req, spare, wait, posix_try);
}

int vfs_flock(struct task *t, struct file *f, int type, bool wait)
{
	/* The locker's PID, which /proc/locks shows (Linux's flock_make_lock). */
	struct file_lock *req = lock_alloc(f, LOCK_KIND_FLOCK, type, t ? t->tg->tgid : 0);
	if (!req)
		return -ENOLCK;
	req->end = OFFSET_MAX;
	return lock_acquire(t, f, req, NULL, wait, flock_try);
}

/* Drop the locks of list that match; returns whether any went. */
static bool drop_locks(struct list_head *list, const void *owner)
{
	struct file_lock *l, *n;
	bool any = false;

	list_for_each_entry_safe(l, n, list, node)
	{
		if (l->owner == owner) {
			lock_free(l);
			any = true;
		}
	}
	return any;
}

void locks_remove_posix(struct file *f, const void *owner)
{
	if (!f || !__atomic_load_n(&nr_contexts, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&locks_mutex);
	struct lock_ctx *ctx = ctx_find(f, false);
	if (ctx && drop_locks(&ctx->posix, owner))
		ctx_wake(ctx);
	struct inode *put = ctx_release(ctx);
	pthread_mutex_unlock(&locks_mutex);
	inode_put(put);
}

void locks_remove_file(struct file *f)
{
	if (!__atomic_load_n(&nr_contexts, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&locks_mutex);
	struct lock_ctx *ctx = ctx_find(f, false);
	if (ctx) {
		bool any = drop_locks(&ctx->posix, f);
		if (drop_locks(&ctx->flocks, f) || any)
			ctx_wake(ctx);
	}
	struct inode *put = ctx_release(ctx);
	pthread_mutex_unlock(&locks_mutex);
	inode_put(put);
}

void locks_remove_owner(const void *owner)
{
	struct lock_ctx *ctx, *n;

	if (!__atomic_load_n(&nr_contexts, __ATOMIC_ACQUIRE))
		return;
	/* Inodes to put once unlocked: a few at a time. */
	for (;;) {
		struct inode *put[16];
		int nput = 0;
		pthread_mutex_lock(&locks_mutex);
		list_for_each_entry_safe(ctx, n, &lock_contexts, node)
		{
			if (nput == (int)ARRAY_SIZE(put))
				break;
			if (!drop_locks(&ctx->posix, owner))
				continue;
			ctx_wake(ctx);
			struct inode *inode = ctx_release(ctx);
			if (inode)
				put[nput++] = inode;
		}
		pthread_mutex_unlock(&locks_mutex);
		for (int i = 0; i < nput; i++)
			inode_put(put[i]);
		if (nput < (int)ARRAY_SIZE(put))
			return;
	}
}

void locks_move_owner(const void *from, const void *to)
{
	struct lock_ctx *ctx;
	struct file_lock *l;

	if (!__atomic_load_n(&nr_contexts, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&locks_mutex);
	list_for_each_entry(ctx, &lock_contexts, node)
	{
		list_for_each_entry(l, &ctx->posix, node)
		{
			if (l->owner == from)
				l->owner = to;
		}
	}
	pthread_mutex_unlock(&locks_mutex);
}

static void lock_info(const struct lock_ctx *ctx, const struct file_lock *l,
		      struct vfs_lock_info *li)
{
	*li = (struct vfs_lock_info){
		.kind = l->kind == LOCK_KIND_POSIX ? VFS_LOCK_POSIX
			: l->kind == LOCK_KIND_OFD ? VFS_LOCK_OFD
						   : VFS_LOCK_FLOCK,
		.type = l->type,
		.pid = l->pid,
		.start = l->start,
		.end = l->end == OFFSET_MAX ? -1 : l->end,
		.has_inode = ctx->inode != NULL,
		.dev = ctx->inode ? ctx->inode->sb->dev : 0,
		.ino = ctx->inode ? ctx->inode->ino : 0,
	};
}

int vfs_locks_for_each(int (*fn)(void *arg, const struct vfs_lock_info *li), void *arg)
{
	struct lock_ctx *ctx;
	struct file_lock *l;
	struct vfs_lock_info li;
	int ret = 0;

	pthread_mutex_lock(&locks_mutex);
	list_for_each_entry(ctx, &lock_contexts, node)
	{
		list_for_each_entry(l, &ctx->posix, node)
		{
			lock_info(ctx, l, &li);
			if ((ret = fn(arg, &li)))
				goto out;
		}
		list_for_each_entry(l, &ctx->flocks, node)
		{
			lock_info(ctx, l, &li);
			if ((ret = fn(arg, &li)))
				goto out;
		}
	}
out:
	pthread_mutex_unlock(&locks_mutex);
	return ret;
}
