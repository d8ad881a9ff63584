// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX files in flight (unix_internal.h): the accounting of files
 * queued in SCM_RIGHTS messages, the per-user limit on them, and the
 * garbage collector that frees sockets only such messages still hold.
 *
 * A socket sent over a socket it can itself reach (send fd A over A and
 * close A; or A over B and B over A) is held by a message in a queue
 * nobody can read any more: reference counting alone never frees it. As
 * Linux's classic unix_gc (before 6.10): a socket whose file references
 * are all in flight is a candidate; a candidate that is also referenced
 * from anything but a candidate's queue is reachable, and so is every
 * candidate queued in a reachable one; the rest is garbage, whose queues
 * we empty. Dropping those messages drops the last file references,
 * and the sockets go the usual way (socket release).
 *
 * Everything runs under unix_lock, which also guards every send, receive
 * and MSG_PEEK that moves a file in or out of a queue: a candidate (no
 * file reference outside queues) can gain one only from a queue, so the
 * picture cannot change under the collector. References taken without
 * unix_lock (a dup of an fd, a syscall's own) only make a socket look
 * reachable: the collector errs on the side of keeping.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/kernel.h"
#include "unix_internal.h"

/* Linux's UNIX_INFLIGHT_TRIGGER_GC: with this many in flight, a send collects first. */
#define UNIX_INFLIGHT_TRIGGER_GC 16000

static struct list_head inflight_list = LIST_HEAD_INIT(inflight_list);
static long tot_inflight; /* sockets in flight, counted with multiplicity (atomic reads) */
static bool gc_running;

/* Files in flight per user (Linux's user_struct.unix_inflight); a sandbox has few users. */
struct user_inflight {
	u32 uid;
	long count;
};
static struct user_inflight *users;
static int nusers;

static struct user_inflight *user_find_locked(u32 uid, bool create)
{
	for (int i = 0; i < nusers; i++)
		if (users[i].uid == uid)
			return &users[i];
	if (!create)
		return NULL;
	struct user_inflight *n = realloc(users, (nusers + 1) * sizeof(*n));
	if (!n)
		return NULL;
	users = n;
	users[nusers] = (struct user_inflight){uid, 0};
	return &users[nusers++];
}

/* The AF_UNIX socket f is, or NULL. Its sk lives as long as f does. */
static struct unix_sk *unix_sk_of_file(struct file *f)
{
	if (!file_is_socket(f))
		return NULL;
	struct socket *s = socket_of_file(f);
	return s->ops->family == LINUX_AF_UNIX ? s->sk : NULL;
}

bool unix_gc_pending(void)
{
	return __atomic_load_n(&tot_inflight, __ATOMIC_RELAXED) > 0;
}

/* Linux's too_many_unix_fds: over RLIMIT_NOFILE in flight, unless privileged. */
static bool too_many_fds(struct task *t, const struct user_inflight *ui)
{
	if (!t || ui->count <= (long)MIN(task_rlimit(t, LINUX_RLIMIT_NOFILE), (u64)LONG_MAX))
		return false;
	return !task_capable(t, LINUX_CAP_SYS_RESOURCE) && !task_capable(t, 21 /* CAP_SYS_ADMIN */);
}

int unix_inflight_add(struct unix_skb *skb)
{
	struct task *t = task_current();
	int ret = 0;

	if (!skb->scm || !skb->scm->nfiles)
		return 0;
	if (__atomic_load_n(&tot_inflight, __ATOMIC_RELAXED) > UNIX_INFLIGHT_TRIGGER_GC)
		unix_gc();
	/* Linux charges the sender's real user (current_user()). */
	u32 uid = t && t->cred ? t->cred->uid : 0;
	pthread_mutex_lock(&unix_lock);
	struct user_inflight *ui = user_find_locked(uid, true);
	if (!ui)
		ret = -ENOMEM;
	else if (too_many_fds(t, ui))
		ret = -ETOOMANYREFS;
	if (!ret) {
		ui->count += skb->scm->nfiles;
		for (int i = 0; i < skb->scm->nfiles; i++) {
			struct unix_sk *c = unix_sk_of_file(skb->scm->files[i]);
			if (!c)
				continue;
			if (!c->inflight++)
				list_add_tail(&c->inflight_node, &inflight_list);
			__atomic_fetch_add(&tot_inflight, 1, __ATOMIC_RELAXED);
		}
		skb->inflight = true;
		skb->inflight_uid = uid;
	}
	pthread_mutex_unlock(&unix_lock);
	return ret;
}

void unix_inflight_del_locked(struct unix_skb *skb)
{
	if (!skb->inflight)
		return;
	skb->inflight = false;
	struct user_inflight *ui = user_find_locked(skb->inflight_uid, false);
	if (ui)
		ui->count -= skb->scm->nfiles;
	for (int i = 0; i < skb->scm->nfiles; i++) {
		struct unix_sk *c = unix_sk_of_file(skb->scm->files[i]);
		if (!c)
			continue;
		if (!--c->inflight)
			list_del(&c->inflight_node);
		__atomic_fetch_sub(&tot_inflight, 1, __ATOMIC_RELAXED);
	}
}

/* Call fn on every candidate whose file is queued at u (or at a listener's embryos). */
static void scan_queue(struct list_head *q, void (*fn)(struct unix_sk *, struct list_head *),
		       struct list_head *arg)
{
	struct unix_skb *skb;
	list_for_each_entry(skb, q, node)
	{
		if (!skb->inflight)
			continue;
		for (int i = 0; i < skb->scm->nfiles; i++) {
			struct unix_sk *c = unix_sk_of_file(skb->scm->files[i]);
			if (c && c->gc_candidate)
				fn(c, arg);
		}
	}
}

static void scan_children(struct unix_sk *u, void (*fn)(struct unix_sk *, struct list_head *),
			  struct list_head *arg)
{
	scan_queue(&u->rcvq, fn, arg);
	struct unix_sk *n;
	list_for_each_entry(n, &u->acceptq, accept_node) scan_queue(&n->rcvq, fn, arg);
}

static void dec_gc_refs(struct unix_sk *c, struct list_head *unused)
{
	(void)unused;
	c->gc_refs--;
}

/* c is reachable: no longer a candidate, and its own children get scanned. */
static void mark_reachable(struct unix_sk *c, struct list_head *work)
{
	c->gc_candidate = false;
	list_del(&c->gc_node);
	list_add_tail(&c->gc_node, work);
}

/* Take the messages of garbage u (and of its embryos) onto hitlist. */
static void purge_locked(struct unix_sk *u, struct list_head *hitlist)
{
	while (!list_empty(&u->rcvq)) {
		struct unix_skb *skb = list_entry(u->rcvq.next, struct unix_skb, node);
		unix_skb_unlink_locked(u, skb);
		list_add_tail(&skb->node, hitlist);
	}
	struct unix_sk *n;
	list_for_each_entry(n, &u->acceptq, accept_node) purge_locked(n, hitlist);
}

/* Find the garbage and take its messages onto hitlist. Caller holds unix_lock. */
static void unix_gc_locked(struct list_head *hitlist)
{
	struct list_head cands, work;
	struct unix_sk *u, *tmp;

	list_init(&cands);
	list_init(&work);
	list_for_each_entry(u, &inflight_list, inflight_node)
	{
		if (!u->sock ||
		    __atomic_load_n(&u->sock->file.refs, __ATOMIC_ACQUIRE) != u->inflight)
			continue;
		u->gc_candidate = true;
		u->gc_refs = u->inflight;
		list_add_tail(&u->gc_node, &cands);
	}
	/* What is left of gc_refs: references from queues of non-candidates, or from no queue. */
	list_for_each_entry(u, &cands, gc_node) scan_children(u, dec_gc_refs, NULL);
	list_for_each_entry_safe(u, tmp, &cands, gc_node) if (u->gc_refs > 0)
		mark_reachable(u, &work);
	while (!list_empty(&work)) {
		u = list_entry(work.next, struct unix_sk, gc_node);
		list_del(&u->gc_node);
		scan_children(u, mark_reachable, &work);
	}
	list_for_each_entry_safe(u, tmp, &cands, gc_node)
	{
		purge_locked(u, hitlist);
		u->gc_candidate = false;
		list_del(&u->gc_node);
	}
}

void unix_gc(void)
{
	struct list_head hitlist;

	if (!unix_gc_pending())
		return;
	list_init(&hitlist);
	pthread_mutex_lock(&unix_lock);
	/* The releases the collection itself causes come back here: one pass at a time. */
	if (gc_running) {
		pthread_mutex_unlock(&unix_lock);
		return;
	}
	gc_running = true;
	unix_gc_locked(&hitlist);
	pthread_mutex_unlock(&unix_lock);
	while (!list_empty(&hitlist)) {
		struct unix_skb *skb = list_entry(hitlist.next, struct unix_skb, node);
		list_del(&skb->node);
		unix_skb_free(skb);
	}
	pthread_mutex_lock(&unix_lock);
	gc_running = false;
	pthread_mutex_unlock(&unix_lock);
}
