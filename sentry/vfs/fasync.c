// SPDX-License-Identifier: Apache-2.0
/*
 * Signal-driven I/O: fd owners, F_SETSIG and O_ASYNC (see fasync.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "abi/linux/poll.h"
#include "abi/linux/signal.h"
#include "fasync.h"
#include "poll.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/threadpool.h"

/* One callback on one of the file's queues. */
struct fasync_wait {
	struct wait_entry w;
	struct file_async *fa;
	struct fasync_wait *next;
};

/* Who gets a file's signals (Linux's fown_struct). */
struct fown {
	int type, id;	  /* LINUX_F_OWNER_*; id 0 for nobody */
	u32 uid, euid;	  /* of whoever set the owner */
	struct kernel *k; /* of whoever set the owner */
	int fd;		  /* the fd O_ASYNC was set through: si_fd */
};

/* A file's signal-driven I/O state, made at the first F_SETOWN, F_SETSIG or O_ASYNC. */
struct file_async {
	pthread_mutex_t lock; /* guards own and waits */
	struct file *f;	      /* borrowed: f owns this */
	struct fown own;
	int signum; /* F_SETSIG (atomic); 0: plain SIGIO */
	struct fasync_wait *waits;
};

/* A signal to send for file f: on a task (t->sigio) or a pooled thread. */
struct fasync_queued {
	struct file *f; /* a reference */
	int reason;	/* LINUX_POLL_*, or SIGURG_REASON */
	int fd;		/* si_fd; -1: the fd O_ASYNC was set through */
	struct fasync_queued *next;
};

#define SIGURG_REASON 0

static struct file_async *file_async_get(struct file *f)
{
	struct file_async *fa = __atomic_load_n(&f->async, __ATOMIC_ACQUIRE);
	if (fa)
		return fa;
	fa = calloc(1, sizeof(*fa));
	if (!fa)
		return NULL;
	pthread_mutex_init(&fa->lock, NULL);
	fa->f = f; /* no owner: type LINUX_F_OWNER_TID and id 0, as Linux reports it */
	struct file_async *none = NULL;
	if (!__atomic_compare_exchange_n(&f->async, &none, fa, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		pthread_mutex_destroy(&fa->lock);
		free(fa);
		return none;
	}
	return fa;
}

int fasync_setown(struct task *t, struct file *f, int type, int id)
{
	if (type != LINUX_F_OWNER_TID && type != LINUX_F_OWNER_PID && type != LINUX_F_OWNER_PGRP)
		return -EINVAL;
	if (id < 0)
		return -EINVAL;
	struct kernel *k = t->k;
	if (id) {
		/*
		 * Any id in use will do, as Linux's find_vpid: a thread's as a
		 * process, a process's as a group. Only what it names at each
		 * signal gets it. (Linux holds the struct pid; the number here
		 * could name another process only once PIDs wrap around.)
		 */
		pthread_mutex_lock(&k->lock);
		bool found = task_lookup_locked(k, id) || tg_lookup_locked(k, id);
		struct thread_group *tg;
		list_for_each_entry(tg, &k->groups, node) found |= tg->pgid == id;
		pthread_mutex_unlock(&k->lock);
		if (!found)
			return -ESRCH;
	}
	struct file_async *fa = file_async_get(f);
	if (!fa)
		return -ENOMEM;
	pthread_mutex_lock(&fa->lock);
	fa->own.type = type;
	__atomic_store_n(&fa->own.id, id, __ATOMIC_RELAXED); /* fasync_sigurg peeks */
	fa->own.uid = t->cred->uid;
	fa->own.euid = t->cred->euid;
	fa->own.k = k;
	pthread_mutex_unlock(&fa->lock);
	return 0;
}

void fasync_getown(struct file *f, int *type, int *id)
{
	struct file_async *fa = __atomic_load_n(&f->async, __ATOMIC_ACQUIRE);
	*type = LINUX_F_OWNER_TID;
	*id = 0;
	if (!fa)
		return;
	pthread_mutex_lock(&fa->lock);
	*type = fa->own.type;
	*id = fa->own.id;
	pthread_mutex_unlock(&fa->lock);
}

int fasync_setsig(struct file *f, int sig)
{
	if (sig < 0 || sig > LINUX_NSIG)
		return -EINVAL;
	struct file_async *fa = file_async_get(f);
	if (!fa)
		return -ENOMEM;
	__atomic_store_n(&fa->signum, sig, __ATOMIC_RELAXED);
	return 0;
}

int fasync_getsig(struct file *f)
{
	struct file_async *fa = __atomic_load_n(&f->async, __ATOMIC_ACQUIRE);
	return fa ? __atomic_load_n(&fa->signum, __ATOMIC_RELAXED) : 0;
}

/*
 * The reason a wake-up with key is for f's owner, or 0 if it is none of
 * f's business: a key of 0 (a close, a hang-up) is news for either side.
 */
static int fasync_reason(const struct file *f, u32 key)
{
	bool rd = f->mode & FMODE_READ, wr = f->mode & FMODE_WRITE;
	if (!key)
		return rd ? LINUX_POLL_IN : LINUX_POLL_OUT;
	if (rd && (key & (LINUX_POLLIN | LINUX_POLLRDNORM)))
		return LINUX_POLL_IN;
	if (wr && (key & (LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND)))
		return LINUX_POLL_OUT;
	if (rd && (key & (LINUX_POLLPRI | LINUX_POLLRDBAND)))
		return LINUX_POLL_PRI;
	if (key & LINUX_POLLERR)
		return LINUX_POLL_ERR;
	if (key & (LINUX_POLLHUP | LINUX_POLLRDHUP))
		return LINUX_POLL_HUP;
	return 0;
}

/* Linux's band_table: si_band for each reason from POLL_IN. */
static const s64 fasync_band[] = {
	LINUX_POLLIN | LINUX_POLLRDNORM,		     /* POLL_IN */
	LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND, /* POLL_OUT */
	LINUX_POLLIN | LINUX_POLLRDNORM | LINUX_POLLMSG,     /* POLL_MSG */
	LINUX_POLLERR,					     /* POLL_ERR */
	LINUX_POLLPRI | LINUX_POLLRDBAND,		     /* POLL_PRI */
	LINUX_POLLHUP | LINUX_POLLERR,			     /* POLL_HUP */
};

/* To thread, or else to process tg. k->lock held. */
static int send_to(struct task *thread, struct thread_group *tg, const struct linux_siginfo *info)
{
	return thread ? signal_send_thread_locked(thread, info)
		      : signal_send_group_locked(tg, info);
}

/*
 * Send signum (0: plain SIGIO) for reason to thread, or else to process
 * tg, if own may signal it. k->lock held.
 */
static void sigio_send_locked(const struct fown *own, int signum, int reason, int fd,
			      struct task *thread, struct thread_group *tg)
{
	bool ok = thread ? cred_may_sigio_task_locked(own->uid, own->euid, thread)
			 : cred_may_sigio_locked(own->uid, own->euid, tg);
	if (!ok)
		return;
	struct linux_siginfo info;
	int sent = -EAGAIN;
	if (reason == SIGURG_REASON) {
		info = siginfo_kernel(LINUX_SIGURG, LINUX_SI_KERNEL, 0);
		send_to(thread, tg, &info);
		return;
	}
	if (signum) {
		/* A queued signal says why; if it cannot be queued, plain SIGIO says that something happened. */
		info = (struct linux_siginfo){.signo = signum, .code = reason};
		info.poll.band = fasync_band[reason - LINUX_POLL_IN];
		info.poll.fd = fd;
		sent = send_to(thread, tg, &info);
	}
	if (sent) {
		info = siginfo_kernel(LINUX_SIGIO, LINUX_SI_KERNEL, 0);
		send_to(thread, tg, &info);
	}
}

/* Signal f's owner, as it is now, for reason (si_fd fd, or -1: the O_ASYNC one). No lock held. */
static void sigio_send(struct file *f, int reason, int fd)
{
	struct file_async *fa = __atomic_load_n(&f->async, __ATOMIC_ACQUIRE);
	if (!fa)
		return;
	pthread_mutex_lock(&fa->lock);
	struct fown own = fa->own;
	pthread_mutex_unlock(&fa->lock);
	int signum = __atomic_load_n(&fa->signum, __ATOMIC_RELAXED);
	struct kernel *k = own.k;
	if (!own.id || !k)
		return;
	if (fd < 0)
		fd = own.fd;
	pthread_mutex_lock(&k->lock);
	if (own.type == LINUX_F_OWNER_TID) {
		struct task *u = task_lookup_locked(k, own.id);
		if (u && !u->exiting)
			sigio_send_locked(&own, signum, reason, fd, u, NULL);
	} else if (own.type == LINUX_F_OWNER_PID) {
		struct thread_group *tg = tg_lookup_locked(k, own.id);
		if (tg && !tg->zombie && tg->nr_threads)
			sigio_send_locked(&own, signum, reason, fd, NULL, tg);
	} else {
		struct thread_group *tg;
		list_for_each_entry(tg, &k->groups, node)
		{
			if (tg->pgid == own.id && !tg->zombie && tg->nr_threads)
				sigio_send_locked(&own, signum, reason, fd, NULL, tg);
		}
	}
	pthread_mutex_unlock(&k->lock);
}

static void sigio_send_pooled(void *arg)
{
	struct fasync_queued *q = arg;
	sigio_send(q->f, q->reason, q->fd);
	file_put(q->f);
	free(q);
}

void fasync_flush(struct task *t)
{
	/* A last file_put below may close a pipe end and queue more: go on until none. */
	while (t->sigio) {
		/* Queued newest first: send in the order the events came. */
		struct fasync_queued *q = NULL;
		while (t->sigio) {
			struct fasync_queued *next = t->sigio->next;
			t->sigio->next = q;
			q = t->sigio;
			t->sigio = next;
		}
		while (q) {
			struct fasync_queued *next = q->next;
			sigio_send(q->f, q->reason, q->fd);
			file_put(q->f);
			free(q);
			q = next;
		}
	}
}

/* Queue the signal for f's owner, to be sent with no lock held. */
static bool fasync_queue(struct file *f, int reason, int fd)
{
	struct fasync_queued *q = malloc(sizeof(*q));
	if (!q)
		return false; /* as Linux when a signal cannot be allocated: none */
	if (!file_get_active(f)) {
		free(q);
		return false;
	}
	q->f = f;
	q->reason = reason;
	q->fd = fd;
	struct task *cur = task_current();
	if (cur) {
		q->next = cur->sigio;
		cur->sigio = q;
	} else if (threadpool_run(sigio_send_pooled, q)) {
		file_put(f);
		free(q);
		return false;
	}
	return true;
}

/* Under the woken queue's lock. */
static bool fasync_wake(struct wait_entry *w, u32 key)
{
	struct fasync_wait *fw = container_of(w, struct fasync_wait, w);
	int reason = fasync_reason(fw->fa->f, key);
	return reason && fasync_queue(fw->fa->f, reason, -1);
}

void fasync_sigurg(struct file *f)
{
	struct file_async *fa = __atomic_load_n(&f->async, __ATOMIC_ACQUIRE);
	if (fa && __atomic_load_n(&fa->own.id, __ATOMIC_RELAXED))
		fasync_queue(f, SIGURG_REASON, -1);
}

void fasync_notify(struct file *f, int fd)
{
	fasync_queue(f, LINUX_POLL_MSG, fd);
}

struct fasync_ptable {
	struct poll_table pt;
	struct file_async *fa;
	int error;
};

static void fasync_queue_proc(struct poll_table *pt, struct file *f, struct waitq *q)
{
	(void)f;
	struct fasync_ptable *fp = container_of(pt, struct fasync_ptable, pt);
	struct fasync_wait *fw = calloc(1, sizeof(*fw));
	if (!fw) {
		fp->error = -ENOMEM;
		return;
	}
	fw->fa = fp->fa;
	fw->next = fp->fa->waits;
	fp->fa->waits = fw;
	waitq_add_callback(q, &fw->w, fasync_wake, false);
}

/* Take every callback off its queue. fa->lock held. */
static void fasync_unhook(struct file_async *fa)
{
	while (fa->waits) {
		struct fasync_wait *fw = fa->waits;
		fa->waits = fw->next;
		waitq_remove(&fw->w);
		free(fw);
	}
}

/* Hang the file's wake callbacks on its queues (on) or take them off. */
static int fasync_set_async(struct file *f, int fd, bool on)
{
	struct file_async *fa = file_async_get(f);
	if (!fa)
		return -ENOMEM;
	int ret = 0;
	pthread_mutex_lock(&fa->lock);
	fa->own.fd = fd;
	if (!on) {
		fasync_unhook(fa);
	} else if (!fa->waits) {
		/* All events: the reason filter, not the poll key, decides. */
		struct fasync_ptable fp = {
			.pt = {.qproc = fasync_queue_proc, .key = ~0u},
			.fa = fa,
		};
		vfs_poll(f, &fp.pt);
		if ((ret = fp.error))
			fasync_unhook(fa);
	}
	pthread_mutex_unlock(&fa->lock);
	return ret;
}

int file_set_async(struct file *f, int fd, bool on)
{
	bool was = __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_ASYNC;
	on = on && f->ops->fasync;
	if (was == on)
		return 0;
	int ret = f->ops->fasync ? fasync_set_async(f, fd, on) : 0;
	if (ret)
		return ret;
	if (on)
		__atomic_fetch_or(&f->flags, (u32)O_ASYNC, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&f->flags, ~(u32)O_ASYNC, __ATOMIC_RELAXED);
	return 0;
}

void fasync_release(struct file *f)
{
	struct file_async *fa = f->async;
	if (!fa)
		return;
	pthread_mutex_lock(&fa->lock);
	fasync_unhook(fa);
	pthread_mutex_unlock(&fa->lock);
	pthread_mutex_destroy(&fa->lock);
	free(fa);
	f->async = NULL;
}
