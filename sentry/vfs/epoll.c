// SPDX-License-Identifier: Apache-2.0
/*
 * epoll files (epoll.h), after Linux's fs/eventpoll.c: items hang a wake
 * callback on their files' waitqs; a wake-up puts the item on the ready
 * list and wakes the epoll's waiters; epoll_wait polls each ready item
 * again, reports what holds, and keeps level-triggered items on the list.
 * While a scan runs, callbacks put items on an overflow list instead,
 * merged back at its end, so the scan can poll files without ep->lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "anon_inode.h"
#include "epoll.h"
#include "lib/log.h"
#include "poll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "vfs.h"

#define EP_PRIVATE_BITS \
	(LINUX_EPOLLWAKEUP | LINUX_EPOLLONESHOT | LINUX_EPOLLET | LINUX_EPOLLEXCLUSIVE)
/* What EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EP_EXCLUSIVE_OK_BITS                                                                \
	(LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLERR | LINUX_POLLHUP | LINUX_EPOLLWAKEUP | \
	 LINUX_EPOLLET | LINUX_EPOLLEXCLUSIVE)
/* The most epolls a chain of epolls watching epolls may hold (Linux: 5). */
#define EP_MAX_CHAIN 5

struct epitem;

/* One wait entry of an item, on one waitq of its file. */
struct ep_pwq {
	struct wait_entry w;
	struct epitem *epi;
	struct ep_pwq *next;
};

struct epitem {
	struct eventpoll *ep;
	struct file *file; /* no reference: the file's last put removes us */
	int fd;
	/* events: written under ep->mtx and ep->lock, read under either. */
	struct linux_epoll_event event;
	struct list_head hnode;	      /* ep's hash bucket (ep->mtx) */
	struct list_head fllink;      /* *file->f_ep (ep_files_lock) */
	struct list_head rdllink;     /* ep->rdllist or a scan's batch (ep->lock), or empty */
	struct list_head repoll_link; /* ep->repoll (ep->mtx), or empty */
	struct epitem *ovf_next;      /* ep->ovflist (ep->lock) */
	bool on_ovf;
	struct ep_pwq *pwqs; /* ep->mtx */
	bool pwq_failed;     /* a wait entry could not be allocated */
};

struct eventpoll {
	pthread_mutex_t mtx; /* the items, scans, teardown; may sleep under it */
	pthread_mutex_t lock;
	struct list_head rdllist;
	bool scanning; /* callbacks go to ovflist */
	struct epitem *ovflist;
	struct waitq wq;	   /* tasks in epoll_wait */
	struct waitq poll_wait;	   /* pollers of this epoll file, and epolls watching it */
	struct list_head *buckets; /* (file, fd) hash of the items, ep->mtx */
	u32 nbuckets, nitems;
	struct list_head repoll; /* items whose file cannot wake us (host fds) */
	struct file *file;
	int refs; /* atomic: the file's, and eventpoll_release_file's while it works */
	/* The graph walk of an ADD (epoll_nest_lock). */
	u64 gen;
	int height;
};

static pthread_mutex_t ep_files_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t epoll_nest_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 epoll_gen; /* epoll_nest_lock */

/*
 * A file reference an epoll dropped under an ep->mtx may be the last: its
 * release would then want that ep->mtx (eventpoll_release_file). Such
 * puts wait until the thread holds no ep->mtx (Linux defers __fput too).
 */
static __thread int ep_mtx_depth;
static __thread struct file **ep_deferred;
static __thread int ep_ndeferred, ep_deferred_cap;

static void ep_mtx_lock(struct eventpoll *ep)
{
	pthread_mutex_lock(&ep->mtx);
	ep_mtx_depth++;
}

static void ep_flush_deferred(void)
{
	while (ep_ndeferred)
		file_put(ep_deferred[--ep_ndeferred]);
}

static void ep_mtx_unlock(struct eventpoll *ep)
{
	pthread_mutex_unlock(&ep->mtx);
	if (!--ep_mtx_depth)
		ep_flush_deferred();
}

static void ep_file_put(struct file *f)
{
	int refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
	while (refs > 1)
		if (__atomic_compare_exchange_n(&f->refs, &refs, refs - 1, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return;
	if (!ep_mtx_depth) {
		file_put(f);
		return;
	}
	if (ep_ndeferred == ep_deferred_cap) {
		int cap = ep_deferred_cap ? 2 * ep_deferred_cap : 16;
		struct file **n = realloc(ep_deferred, (size_t)cap * sizeof(*n));
		if (!n) {
			/* Leaking a file beats a deadlock. */
			pr_warn("epoll: out of memory, leaking a file reference\n");
			return;
		}
		ep_deferred = n;
		ep_deferred_cap = cap;
	}
	ep_deferred[ep_ndeferred++] = f;
}

static const struct file_ops eventpoll_ops;

bool file_is_epoll(struct file *f)
{
	/* The module's own type, as Linux's is_file_epoll. */
	return f->ops == &eventpoll_ops;
}

static void ep_get(struct eventpoll *ep)
{
	__atomic_fetch_add(&ep->refs, 1, __ATOMIC_RELAXED);
}

static void ep_put(struct eventpoll *ep)
{
	if (__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_destroy(&ep->mtx);
	pthread_mutex_destroy(&ep->lock);
	free(ep->buckets);
	free(ep);
}

/* --- The item hash, keyed by (file, fd) --- */

static struct list_head *ep_bucket(struct list_head *b, u32 n, struct file *f, int fd)
{
	u64 h = ((uintptr_t)f >> 4) * 0x9e3779b97f4a7c15ULL ^ (u64)(u32)fd * 0xff51afd7ed558ccdULL;
	return &b[(h >> 32) & (n - 1)];
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct list_head *b = ep_bucket(ep->buckets, ep->nbuckets, f, fd);
	struct epitem *epi;

	list_for_each_entry(epi, b, hnode)
	{
		if (epi->file == f && epi->fd == fd)
			return epi;
	}
	return NULL;
}

/* Make room for one more item: the buckets double past one item each. */
static int ep_hash_grow(struct eventpoll *ep)
{
	if (ep->nitems < ep->nbuckets)
		return 0;
	u32 n = ep->nbuckets * 2;
	struct list_head *b = malloc(n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (u32 i = 0; i < n; i++)
		list_init(&b[i]);
	for (u32 i = 0; i < ep->nbuckets; i++) {
		struct epitem *epi, *tmp;
		list_for_each_entry_safe(epi, tmp, &ep->buckets[i], hnode)
		{
			list_del(&epi->hnode);
			list_add_tail(&epi->hnode, ep_bucket(b, n, epi->file, epi->fd));
		}
	}
	free(ep->buckets);
	ep->buckets = b;
	ep->nbuckets = n;
	return 0;
}

/* --- Readiness --- */

static bool ep_events_available(struct eventpoll *ep)
{
	/* A scan in progress may leave items behind: look again after it. */
	return !list_empty(&ep->rdllist) || ep->scanning;
}

/* Put an item on the ready list (or the overflow list during a scan); ep->lock held. */
static void ep_mark_ready(struct eventpoll *ep, struct epitem *epi)
{
	if (ep->scanning) {
		if (!epi->on_ovf) {
			epi->ovf_next = ep->ovflist;
			ep->ovflist = epi;
			epi->on_ovf = true;
		}
	} else if (list_empty(&epi->rdllink)) {
		list_add_tail(&epi->rdllink, &ep->rdllist);
	}
}

/* Tell epoll_wait sleepers and pollers of the epoll file that it may be ready. */
static void ep_wake(struct eventpoll *ep, bool wq, bool poll_wait)
{
	if (wq)
		waitq_wake_all(&ep->wq);
	if (poll_wait)
		waitq_wake_key(&ep->poll_wait, LINUX_POLLIN | LINUX_POLLRDNORM);
}

/*
 * The wake callback of an item's entry on its file's waitq (under that
 * queue's lock): as Linux's ep_poll_callback.
 */
static bool ep_poll_callback(struct wait_entry *w, u32 key)
{
	struct epitem *epi = container_of(w, struct ep_pwq, w)->epi;
	struct eventpoll *ep = epi->ep;
	bool wake = false, pwake = false, ewake = false;

	pthread_mutex_lock(&ep->lock);
	u32 events = epi->event.events;
	/* Nothing asked (a fired EPOLLONESHOT), or not what happened. */
	if (!(events & ~EP_PRIVATE_BITS) || (key && !(key & events)))
		goto out;
	ep_mark_ready(ep, epi);
	wake = waitq_active(&ep->wq);
	pwake = waitq_active(&ep->poll_wait);
	/* An exclusive item takes the wake-up only if a waiter gets it. */
	if (wake && (events & LINUX_EPOLLEXCLUSIVE)) {
		u32 inout = key & (LINUX_POLLIN | LINUX_POLLOUT);
		ewake = inout == LINUX_POLLIN	 ? events & LINUX_POLLIN
			: inout == LINUX_POLLOUT ? events & LINUX_POLLOUT
						 : inout == 0;
	}
out:
	pthread_mutex_unlock(&ep->lock);
	/* ep outlives us: it is freed only after waitq_remove of this entry. */
	ep_wake(ep, wake, pwake);
	return !(events & LINUX_EPOLLEXCLUSIVE) || ewake;
}

/* The qproc of an item's first poll: one wait entry per waitq. */
struct ep_pqueue {
	struct poll_table pt;
	struct epitem *epi;
};

static void ep_ptable_queue_proc(struct poll_table *pt, struct file *f, struct waitq *q)
{
	struct epitem *epi = container_of(pt, struct ep_pqueue, pt)->epi;
	struct ep_pwq *pwq = malloc(sizeof(*pwq));
	if (!pwq) {
		epi->pwq_failed = true;
		return;
	}
	pwq->epi = epi;
	pwq->next = epi->pwqs;
	epi->pwqs = pwq;
	waitq_add_callback(q, &pwq->w, ep_poll_callback, epi->event.events & LINUX_EPOLLEXCLUSIVE);
}

/* Take the item's entries off its file's queues: no callback runs for it after. */
static void ep_unregister_pollwait(struct epitem *epi)
{
	while (epi->pwqs) {
		struct ep_pwq *pwq = epi->pwqs;
		epi->pwqs = pwq->next;
		waitq_remove(&pwq->w);
		free(pwq);
	}
}

/*
 * The events of the item that hold now, of those it asks for; with pt's
 * qproc, also queue it. 0 if its file is in its last put.
 */
static u32 ep_item_poll(struct epitem *epi, struct poll_table *pt)
{
	struct file *f = file_get_active(epi->file);
	if (!f)
		return 0;
	pt->key = epi->event.events & ~EP_PRIVATE_BITS;
	u32 res = vfs_poll(f, pt);
	ep_file_put(f);
	return res & epi->event.events;
}

/* Scans: the ready list becomes the caller's batch; ep->mtx held. */
static void ep_start_scan(struct eventpoll *ep, struct list_head *batch)
{
	struct epitem *epi;

	list_init(batch);
	pthread_mutex_lock(&ep->lock);
	/* Items that cannot wake us are looked at in every scan. */
	list_for_each_entry(epi, &ep->repoll, repoll_link)
	{
		if (list_empty(&epi->rdllink) && !epi->on_ovf)
			list_add_tail(&epi->rdllink, &ep->rdllist);
	}
	if (!list_empty(&ep->rdllist)) {
		list_add_between(batch, ep->rdllist.prev, &ep->rdllist);
		list_del(&ep->rdllist);
	}
	ep->scanning = true;
	pthread_mutex_unlock(&ep->lock);
}

/* Move the items of from to the head of to, in order. */
static void ep_splice_head(struct list_head *from, struct list_head *to)
{
	if (list_empty(from))
		return;
	struct list_head *first = from->next, *last = from->prev;
	first->prev = to;
	last->next = to->next;
	to->next->prev = last;
	to->next = first;
	list_init(from);
}

/*
 * The end of a scan, with Linux's order for the next one: what the scan
 * did not reach, then what was woken during it, then the level-triggered
 * items it reported.
 */
static void ep_done_scan(struct eventpoll *ep, struct list_head *batch)
{
	struct epitem *epi;

	pthread_mutex_lock(&ep->lock);
	/* ovflist is last-in first: adding each at the head restores the order. */
	for (epi = ep->ovflist; epi; epi = epi->ovf_next) {
		epi->on_ovf = false;
		if (list_empty(&epi->rdllink))
			list_add(&epi->rdllink, &ep->rdllist);
	}
	ep->ovflist = NULL;
	ep->scanning = false;
	ep_splice_head(batch, &ep->rdllist);
	bool wake = !list_empty(&ep->rdllist) && waitq_active(&ep->wq);
	pthread_mutex_unlock(&ep->lock);
	if (wake)
		ep_wake(ep, true, false);
}

/* Whether an item of ep has an event: the epoll file's readiness. */
static u32 ep_eventpoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->private_data;
	struct poll_table look = {0};
	struct list_head batch;
	struct epitem *epi, *tmp;
	u32 res = 0;

	poll_wait(f, &ep->poll_wait, pt);
	ep_mtx_lock(ep);
	if (!list_empty(&ep->repoll))
		poll_cannot_wake(pt);
	ep_start_scan(ep, &batch);
	list_for_each_entry_safe(epi, tmp, &batch, rdllink)
	{
		if (ep_item_poll(epi, &look)) {
			res = LINUX_POLLIN | LINUX_POLLRDNORM;
			break;
		}
		/* Woken for nothing it asks for: off the list until the next wake-up. */
		pthread_mutex_lock(&ep->lock);
		list_del(&epi->rdllink);
		pthread_mutex_unlock(&ep->lock);
	}
	ep_done_scan(ep, &batch);
	ep_mtx_unlock(ep);
	return res;
}

/* --- Registration --- */

/* Detach an item from everything and free it; ep->mtx held, entries unregistered. */
static void ep_free_item(struct eventpoll *ep, struct epitem *epi)
{
	pthread_mutex_lock(&ep_files_lock);
	list_del(&epi->fllink);
	pthread_mutex_unlock(&ep_files_lock);
	pthread_mutex_lock(&ep->lock);
	list_del(&epi->rdllink);
	pthread_mutex_unlock(&ep->lock);
	list_del(&epi->hnode);
	list_del(&epi->repoll_link);
	ep->nitems--;
	free(epi);
}

static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	ep_unregister_pollwait(epi);
	ep_free_item(ep, epi);
}

/* Link epi into f's list of watchers. */
static int ep_attach_file(struct file *f, struct epitem *epi)
{
	struct list_head *head = NULL;

	if (!__atomic_load_n(&f->f_ep, __ATOMIC_ACQUIRE)) {
		head = malloc(sizeof(*head));
		if (!head)
			return -ENOMEM;
		list_init(head);
	}
	pthread_mutex_lock(&ep_files_lock);
	if (!f->f_ep && head) {
		__atomic_store_n(&f->f_ep, head, __ATOMIC_RELEASE);
		head = NULL;
	}
	list_add_tail(&epi->fllink, f->f_ep);
	pthread_mutex_unlock(&ep_files_lock);
	free(head);
	return 0;
}

static int ep_insert(struct eventpoll *ep, const struct linux_epoll_event *ev, struct file *tf,
		     int fd)
{
	int err = ep_hash_grow(ep);
	if (err)
		return err;
	struct epitem *epi = calloc(1, sizeof(*epi));
	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->event = *ev;
	list_init(&epi->rdllink);
	list_init(&epi->repoll_link);
	err = ep_attach_file(tf, epi);
	if (err) {
		free(epi);
		return err;
	}
	list_add_tail(&epi->hnode, ep_bucket(ep->buckets, ep->nbuckets, tf, fd));
	ep->nitems++;

	/* From here on, the file's wake-ups reach the item. */
	struct ep_pqueue epq = {.pt = {.qproc = ep_ptable_queue_proc}, .epi = epi};
	u32 revents = ep_item_poll(epi, &epq.pt);
	if (epi->pwq_failed) {
		ep_remove(ep, epi);
		return -ENOMEM;
	}
	bool wake = epq.pt.repoll, pwake = false;
	if (epq.pt.repoll)
		list_add_tail(&epi->repoll_link, &ep->repoll);
	pthread_mutex_lock(&ep->lock);
	if (revents && list_empty(&epi->rdllink)) {
		ep_mark_ready(ep, epi);
		wake = true;
		pwake = waitq_active(&ep->poll_wait);
	}
	pthread_mutex_unlock(&ep->lock);
	ep_wake(ep, wake, pwake);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *epi, const struct linux_epoll_event *ev)
{
	struct poll_table look = {0};

	/* The new mask first, so that a wake-up after the poll below is not missed. */
	pthread_mutex_lock(&ep->lock);
	epi->event = *ev;
	pthread_mutex_unlock(&ep->lock);
	if (!ep_item_poll(epi, &look))
		return 0;
	bool pwake = false;
	pthread_mutex_lock(&ep->lock);
	if (list_empty(&epi->rdllink) && !epi->on_ovf) {
		ep_mark_ready(ep, epi);
		pwake = waitq_active(&ep->poll_wait);
	}
	pthread_mutex_unlock(&ep->lock);
	ep_wake(ep, true, pwake);
	return 0;
}

/* --- The graph of epolls watching epolls (epoll_nest_lock held) --- */

/*
 * The most epolls on a chain down from ep, ep included, or more than
 * EP_MAX_CHAIN if the chain is too long or reaches target (a loop).
 */
static int ep_height(struct eventpoll *ep, struct eventpoll *target, int depth)
{
	int h = 1;

	if (ep->gen == epoll_gen)
		return ep->height;
	ep_mtx_lock(ep);
	for (u32 i = 0; i < ep->nbuckets && h <= EP_MAX_CHAIN; i++) {
		struct epitem *epi;
		list_for_each_entry(epi, &ep->buckets[i], hnode)
		{
			if (!file_is_epoll(epi->file))
				continue;
			struct eventpoll *child = epi->file->private_data;
			int ch = child == target || depth >= EP_MAX_CHAIN
					 ? EP_MAX_CHAIN + 1
					 : ep_height(child, target, depth + 1);
			h = MAX(h, ch + 1);
			if (h > EP_MAX_CHAIN)
				break;
		}
	}
	ep_mtx_unlock(ep);
	ep->gen = epoll_gen;
	ep->height = h;
	return h;
}

/* The most epolls on a chain up from ep (ep included); ep_files_lock held. */
static int ep_up_length(struct eventpoll *ep, int depth)
{
	int n = 1;
	struct list_head *refs = ep->file->f_ep;
	struct epitem *epi;

	if (!refs || depth > EP_MAX_CHAIN)
		return n;
	list_for_each_entry(epi, refs, fllink)
	{
		n = MAX(n, ep_up_length(epi->ep, depth + 1) + 1);
	}
	return n;
}

/* Whether watching to from ep would make a loop or too long a chain. */
static bool ep_loop_check(struct eventpoll *ep, struct eventpoll *to)
{
	epoll_gen++;
	int down = ep_height(to, ep, 0);
	if (down > EP_MAX_CHAIN)
		return true;
	pthread_mutex_lock(&ep_files_lock);
	int up = ep_up_length(ep, 0);
	pthread_mutex_unlock(&ep_files_lock);
	return down + up > EP_MAX_CHAIN;
}

/*
 * Linux's file_can_poll: whether f has a poll op. Files that pass their
 * ops through to another (an overlay file, a host fd) have one whatever
 * they wrap, so their type decides: Linux polls no regular file nor
 * directory of a disk file system, tmpfs or overlayfs. (A reopened
 * /proc/self/fd link stats as what it reopened.)
 */
static bool ep_file_can_poll(struct file *f)
{
	struct kstat st;

	if (!f->ops->poll)
		return false;
	if (vfs_fstat(f, &st))
		return true;
	return (f->mode & FMODE_POLL_REG) || (!S_ISREG(st.mode) && !S_ISDIR(st.mode));
}

int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct linux_epoll_event *uev)
{
	struct linux_epoll_event ev = uev ? *uev : (struct linux_epoll_event){0};
	bool has_event = op == LINUX_EPOLL_CTL_ADD || op == LINUX_EPOLL_CTL_MOD;

	if (!ep_file_can_poll(tf))
		return -EPERM;
	if (epf == tf || !file_is_epoll(epf))
		return -EINVAL;
	if (has_event && (ev.events & LINUX_EPOLLEXCLUSIVE)) {
		if (op == LINUX_EPOLL_CTL_MOD)
			return -EINVAL;
		if (file_is_epoll(tf) || (ev.events & ~EP_EXCLUSIVE_OK_BITS))
			return -EINVAL;
	}
	struct eventpoll *ep = epf->private_data;
	bool nested = op == LINUX_EPOLL_CTL_ADD && file_is_epoll(tf);
	if (nested) {
		/* Serialises every change of the graph with its check. */
		pthread_mutex_lock(&epoll_nest_lock);
		if (ep_loop_check(ep, tf->private_data)) {
			pthread_mutex_unlock(&epoll_nest_lock);
			return -ELOOP;
		}
	}
	ep_mtx_lock(ep);
	struct epitem *epi = ep_find(ep, tf, fd);
	int err = -EINVAL;
	switch (op) {
	case LINUX_EPOLL_CTL_ADD:
		ev.events |= LINUX_POLLERR | LINUX_POLLHUP;
		err = epi ? -EEXIST : ep_insert(ep, &ev, tf, fd);
		break;
	case LINUX_EPOLL_CTL_DEL:
		err = -ENOENT;
		if (epi) {
			ep_remove(ep, epi);
			err = 0;
		}
		break;
	case LINUX_EPOLL_CTL_MOD:
		err = -ENOENT;
		if (epi) {
			/* An exclusive item cannot be modified (its entries are exclusive). */
			err = -EINVAL;
			if (!(epi->event.events & LINUX_EPOLLEXCLUSIVE)) {
				ev.events |= LINUX_POLLERR | LINUX_POLLHUP;
				err = ep_modify(ep, epi, &ev);
			}
		}
		break;
	}
	ep_mtx_unlock(ep);
	if (nested)
		pthread_mutex_unlock(&epoll_nest_lock);
	return err;
}

void eventpoll_release_file(struct file *f)
{
	if (!__atomic_load_n(&f->f_ep, __ATOMIC_ACQUIRE))
		return;
	for (;;) {
		pthread_mutex_lock(&ep_files_lock);
		if (list_empty(f->f_ep)) {
			free(f->f_ep);
			f->f_ep = NULL;
			pthread_mutex_unlock(&ep_files_lock);
			return;
		}
		struct eventpoll *ep = list_entry(f->f_ep->next, struct epitem, fllink)->ep;
		/* ep may be closing: keep it until we have looked. */
		ep_get(ep);
		pthread_mutex_unlock(&ep_files_lock);

		ep_mtx_lock(ep);
		/* The item may be gone meanwhile (DEL, or ep's release): look it up again. */
		struct epitem *epi, *found = NULL;
		pthread_mutex_lock(&ep_files_lock);
		list_for_each_entry(epi, f->f_ep, fllink)
		{
			if (epi->ep == ep) {
				found = epi;
				break;
			}
		}
		pthread_mutex_unlock(&ep_files_lock);
		if (found)
			ep_remove(ep, found);
		ep_mtx_unlock(ep);
		ep_put(ep);
	}
}

/* --- epoll_wait --- */

/* Copy out up to maxevents events: a count, or -EFAULT if none could be. */
static long ep_send_events(struct task *t, struct eventpoll *ep, uaddr_t uevents, int maxevents)
{
	struct poll_table look = {0};
	struct list_head batch;
	struct epitem *epi, *tmp;
	long n = 0;

	ep_mtx_lock(ep);
	ep_start_scan(ep, &batch);
	list_for_each_entry_safe(epi, tmp, &batch, rdllink)
	{
		if (n >= maxevents)
			break;
		/* Only this scan touches the batch and, until its end, the ready list. */
		pthread_mutex_lock(&ep->lock);
		list_del(&epi->rdllink);
		pthread_mutex_unlock(&ep->lock);
		u32 revents = ep_item_poll(epi, &look);
		if (!revents)
			continue;
		struct linux_epoll_event ev = {revents, epi->event.data};
		uaddr_t u = uaddr(uevents.addr + (u64)n * sizeof(ev));
		if (mm_copy_to_user(t->mm, u, &ev, sizeof(ev))) {
			pthread_mutex_lock(&ep->lock);
			list_add(&epi->rdllink, &batch);
			pthread_mutex_unlock(&ep->lock);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		pthread_mutex_lock(&ep->lock);
		if (epi->event.events & LINUX_EPOLLONESHOT)
			epi->event.events &= EP_PRIVATE_BITS;
		else if (!(epi->event.events & LINUX_EPOLLET))
			list_add_tail(&epi->rdllink, &ep->rdllist);
		pthread_mutex_unlock(&ep->lock);
	}
	ep_done_scan(ep, &batch);
	ep_mtx_unlock(ep);
	return n;
}

static bool ep_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

long epoll_wait_file(struct task *t, struct file *epf, uaddr_t events, int maxevents,
		     const struct timespec *deadline, bool nonblock)
{
	if (!file_is_epoll(epf))
		return -EINVAL;
	struct eventpoll *ep = epf->private_data;
	bool timed_out = nonblock;
	struct wait_entry w;

	pthread_mutex_lock(&ep->lock);
	bool eavail = ep_events_available(ep) || !list_empty(&ep->repoll);
	pthread_mutex_unlock(&ep->lock);
	for (;;) {
		if (eavail) {
			long n = ep_send_events(t, ep, events, maxevents);
			if (n)
				return n;
		}
		if (timed_out)
			return 0;
		if (task_signal_pending(t))
			return -EINTR;
		/* Queued before the last look, so a wake-up after it is not lost. */
		waitq_add(&ep->wq, &w, t);
		pthread_mutex_lock(&ep->lock);
		eavail = ep_events_available(ep);
		bool repoll = !list_empty(&ep->repoll);
		pthread_mutex_unlock(&ep->lock);
		if (!eavail) {
			const struct timespec *until = deadline;
			struct timespec soon;
			if (repoll) {
				soon = deadline_after(&(struct timespec){0, POLL_REPOLL_NS});
				if (!deadline || ep_before(&soon, deadline))
					until = &soon;
			}
			int ret = task_sleep(t, until);
			if (ret == -ETIMEDOUT && until == deadline)
				timed_out = true;
		}
		waitq_remove(&w);
		/* Woken, timed out or interrupted: look once more either way. */
		eavail = true;
	}
}

/* --- The epoll file --- */

static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->private_data;
	struct epitem *epi, *tmp;

	ep_mtx_lock(ep);
	/* First no callback may run any more, then the items go. */
	for (u32 i = 0; i < ep->nbuckets; i++) {
		list_for_each_entry(epi, &ep->buckets[i], hnode)
		{
			ep_unregister_pollwait(epi);
		}
	}
	for (u32 i = 0; i < ep->nbuckets; i++) {
		list_for_each_entry_safe(epi, tmp, &ep->buckets[i], hnode)
		{
			ep_free_item(ep, epi);
		}
	}
	ep_mtx_unlock(ep);
	ep_put(ep);
}

static const struct file_ops eventpoll_ops = {
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.poll = ep_eventpoll_poll,
	.release = ep_release,
	.anon_name = "[eventpoll]",
};

struct file *epoll_create_file(void)
{
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	struct eventpoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return ERR_PTR(-ENOMEM);
	ep->nbuckets = 16;
	ep->buckets = malloc(ep->nbuckets * sizeof(*ep->buckets));
	struct file *f = ep->buckets ? file_alloc(sizeof(struct file), &eventpoll_ops) : NULL;
	if (!f) {
		free(ep->buckets);
		free(ep);
		return ERR_PTR(-ENOMEM);
	}
	for (u32 i = 0; i < ep->nbuckets; i++)
		list_init(&ep->buckets[i]);
	pthread_mutex_init(&ep->mtx, NULL);
	pthread_mutex_init(&ep->lock, NULL);
	list_init(&ep->rdllist);
	list_init(&ep->repoll);
	waitq_init(&ep->wq);
	waitq_init(&ep->poll_wait);
	ep->refs = 1;
	ep->file = f;
	f->private_data = ep;
	f->flags = O_RDWR;
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM;
	return f;
}
