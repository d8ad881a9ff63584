/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sleeping and waking tasks.
 *
 * A task that must wait for something (pipe data, a child's exit, a futex
 * word) puts a wait_entry on the waitq of each thing it waits for, checks
 * its condition, and sleeps; whoever changes the condition wakes the
 * queue. Because the entry is queued before the check, a wake-up between
 * the check and the sleep is never lost: task_sleep returns at once.
 *
 *	struct wait_entry w;
 *	waitq_add(&pipe->readers_wq, &w, t);
 *	while (!(ret = data_ready(pipe)))
 *		if ((ret = task_sleep(t, NULL)))
 *			break;          // -EINTR: return -ERESTARTSYS
 *	waitq_remove(&w);
 *
 * Sleeping releases the task's vCPU, so a guest may have more blocked
 * threads than vCPUs. A signal for the task, or the sandbox being killed,
 * ends the sleep with -EINTR; the caller returns one of the ERESTART*
 * codes (abi/linux/signal.h) and the signal code decides between EINTR
 * and a restart.
 *
 * An entry may instead carry a wake callback (Linux's wait_queue_entry
 * func), which epoll uses: a file's wake-up then marks the epoll item
 * ready and wakes the epoll's own waiters, with no task asleep on the
 * file's queue.
 *
 * Lock order: waitq->lock is a leaf except for task->sleep_lock, which is
 * taken under it by wakers, and what wake callbacks take (see
 * wait_func_t).
 */
#ifndef SENTRY_KERNEL_WAIT_H
#define SENTRY_KERNEL_WAIT_H

#include <pthread.h>
#include <time.h>

#include "lib/compiler.h"
#include "lib/list.h"

struct task;

struct waitq {
	pthread_mutex_t lock;
	struct list_head entries;
};

struct wait_entry;

/*
 * A wake callback, called with the waker's key (0: anything, e.g. a
 * close) under the queue's lock: it must not sleep, nor take a lock
 * ordered before waitq->lock, nor touch the queue it is on. It returns
 * whether the wake-up was taken, which matters for exclusive entries.
 */
typedef bool (*wait_func_t)(struct wait_entry *w, u32 key);

struct wait_entry {
	struct task *t;
	struct waitq *q;
	struct list_head node;
	/* What the waiter waits for (poll events); waitq_wake_key filters on it. */
	u32 key;
	/* NULL: wake t. Else called instead, and key does not filter. */
	wait_func_t func;
	/*
	 * waitq_wake_key runs only the first exclusive callback that takes
	 * the wake-up (EPOLLEXCLUSIVE); waitq_wake_all runs them all.
	 */
	bool exclusive;
};

void waitq_init(struct waitq *q);
/* Queue t on q. key 0 means "wake me for anything". */
void waitq_add_key(struct waitq *q, struct wait_entry *w, struct task *t, u32 key);
static inline void waitq_add(struct waitq *q, struct wait_entry *w, struct task *t)
{
	waitq_add_key(q, w, t, 0);
}
/*
 * Queue w with a wake callback (w->t is left NULL): the callback runs at
 * each wake-up of q until waitq_remove, which waits out a callback
 * running on another thread (both hold q->lock).
 */
void waitq_add_callback(struct waitq *q, struct wait_entry *w, wait_func_t func, bool exclusive);
/* Dequeue w (idempotent: safe after the queue was woken). */
void waitq_remove(struct wait_entry *w);
/* Wake every waiter. */
void waitq_wake_all(struct waitq *q);
/*
 * Wake waiters whose key is 0 or shares a bit with key, and run the
 * callbacks (all of them but exclusive ones past the first that took it).
 */
void waitq_wake_key(struct waitq *q, u32 key);
/* Whether anyone waits: lets hot paths skip the wake. Racy by design. */
bool waitq_active(struct waitq *q);

/*
 * Sleep until woken (through a waitq or task_wake), a signal is pending,
 * or the CLOCK_MONOTONIC deadline passes (NULL: no deadline). Returns 0
 * after a wake-up (recheck the condition: wake-ups may be spurious),
 * -EINTR for a signal or a sandbox stop, -ETIMEDOUT at the deadline.
 */
int task_sleep(struct task *t, const struct timespec *deadline) __must_check;
/* Make t's current or next task_sleep return 0. Any thread. */
void task_wake(struct task *t);

/* Set up t's sleep state (task creation). */
void task_sleep_init(struct task *t);
/* Make a sleeping t re-check task_signal_pending (signal senders). */
void task_kick_sleep(struct task *t);

/* now + rel on CLOCK_MONOTONIC, for deadlines. */
struct timespec deadline_after(const struct timespec *rel);

#endif
