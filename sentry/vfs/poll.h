/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readiness: the .poll op of struct file_ops, and the waiter sets that
 * poll(2) and select(2) build on it (epoll will bring its own).
 *
 * A file's poll op returns the LINUX_POLL* events that hold now. Handed a
 * poll_table, it first calls poll_wait() for each waitq that is woken
 * when those events may change; the table's qproc decides what to queue
 * there. For poll and select (struct poll_wqueues below) that is one
 * wait_entry per (file, waitq) that wakes the polling task, keyed by the
 * events it asked for; epoll will pass a qproc that hangs its own
 * per-(epoll, file) entry on the queue instead. Wakers say what happened
 * (waitq_wake_key(q, LINUX_POLLIN | LINUX_POLLRDNORM)) so pollers of
 * other events sleep on; a key of 0 wakes everyone (a close).
 *
 * Files that block in read or write sleep with file_wait_event() on the
 * same queues.
 *
 * Lock order: a file's own lock (pipe->lock) > waitq->lock > task sleep
 * lock. A poll op may take its file's lock; poll_wait() takes the queue's.
 */
#ifndef SENTRY_VFS_POLL_H
#define SENTRY_VFS_POLL_H

#include <pthread.h>
#include <time.h>

#include "abi/linux/poll.h"
#include "file.h"
#include "sentry/kernel/wait.h"

/* Linux's DEFAULT_POLLMASK: what a file without a poll op reports. */
#define POLL_DEFAULT_MASK (LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLRDNORM | LINUX_POLLWRNORM)

struct poll_table {
	/* Queue the poller on q, a waitq of f. */
	void (*qproc)(struct poll_table *pt, struct file *f, struct waitq *q);
	/* The events the poller waits for, always with POLLERR and POLLHUP. */
	u32 key;
	/*
	 * Set by a poll op whose file has no queue to wake the poller (a host
	 * file descriptor): the poller must look again after a short while.
	 */
	bool repoll;
};

/* For poll ops: queue the poller (if any) on q before reading the state. */
static inline void poll_wait(struct file *f, struct waitq *q, struct poll_table *pt)
{
	if (pt && pt->qproc)
		pt->qproc(pt, f, q);
}

/* For poll ops of files that cannot wake a poller: ask to be polled again. */
static inline void poll_cannot_wake(struct poll_table *pt)
{
	if (pt && pt->qproc)
		pt->repoll = true;
}

/*
 * The events of f that hold now (ops->poll, or POLL_DEFAULT_MASK), queueing
 * the poller through pt when it is not NULL. Does not block.
 */
u32 vfs_poll(struct file *f, struct poll_table *pt);

/* How long a poller sleeps before it looks at a file that cannot wake it. */
#define POLL_REPOLL_NS 10000000L

/*
 * The wait entries of one poll or select call: each holds a reference to
 * the file whose queue it is on, so the queue outlives it.
 */
struct poll_wqueues {
	struct poll_table pt;
	struct task *t;
	struct poll_page *pages;
	int error; /* -ENOMEM if an entry could not be allocated */
};

/* An empty set whose qproc queues t; set pw->pt.key before each vfs_poll. */
void poll_wqueues_init(struct poll_wqueues *pw, struct task *t);
/* Dequeue and free every entry, dropping the file references. */
void poll_wqueues_free(struct poll_wqueues *pw);
/*
 * Stop queueing: later vfs_poll calls only look (the first pass over the
 * files queued everything; Linux clears _qproc the same way).
 */
static inline void poll_wqueues_stop(struct poll_wqueues *pw)
{
	pw->pt.qproc = NULL;
}
/*
 * Sleep until a queued file wakes us, a signal comes, or the deadline
 * (CLOCK_MONOTONIC, NULL: none) passes. As task_sleep: 0, -EINTR,
 * -ETIMEDOUT. Files that asked to be repolled shorten the sleep (and
 * then 0 is returned).
 */
int poll_schedule(struct poll_wqueues *pw, const struct timespec *deadline) __must_check;

/*
 * For read and write ops that block: with lock held, sleep on q until
 * cond(arg) holds, dropping lock while asleep. Returns 0 once cond holds,
 * -ERESTARTSYS when a signal interrupts the wait, -EAGAIN on a thread
 * that runs no task (it cannot sleep).
 */
int file_wait_event(struct waitq *q, pthread_mutex_t *lock, bool (*cond)(void *arg),
		    void *arg) __must_check;

#endif
