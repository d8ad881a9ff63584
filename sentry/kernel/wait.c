// SPDX-License-Identifier: Apache-2.0
/* Wait queues and the task sleep they wake (see wait.h). */
#include <errno.h>
#include <time.h>

#include "kernel.h"
#include "lib/spin.h"
#include "sentry/vfs/fasync.h"
#include "signal.h"

static __thread struct task *current_task;

struct task *task_current(void)
{
	return current_task;
}

void task_set_current(struct task *t)
{
	current_task = t;
}

void waitq_init(struct waitq *q)
{
	pthread_mutex_init(&q->lock, NULL);
	list_init(&q->entries);
}

void waitq_add_key(struct waitq *q, struct wait_entry *w, struct task *t, u32 key)
{
	w->t = t;
	w->q = q;
	w->key = key;
	w->func = NULL;
	w->exclusive = false;
	pthread_mutex_lock(&q->lock);
	list_add_tail(&w->node, &q->entries);
	pthread_mutex_unlock(&q->lock);
}

void waitq_add_callback(struct waitq *q, struct wait_entry *w, wait_func_t func, bool exclusive)
{
	w->t = NULL;
	w->q = q;
	w->key = 0;
	w->func = func;
	w->exclusive = exclusive;
	pthread_mutex_lock(&q->lock);
	list_add_tail(&w->node, &q->entries);
	pthread_mutex_unlock(&q->lock);
}

void waitq_remove(struct wait_entry *w)
{
	struct waitq *q = w->q;
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	list_del(&w->node);
	pthread_mutex_unlock(&q->lock);
	w->q = NULL;
}

/* Linux's __wake_up_common, with at most one exclusive taker unless all. */
static void waitq_wake(struct waitq *q, u32 key, bool all)
{
	struct wait_entry *w;
	bool exclusive_taken = false;

	pthread_mutex_lock(&q->lock);
	list_for_each_entry(w, &q->entries, node)
	{
		if (!w->func) {
			if (!w->key || !key || (w->key & key))
				task_wake(w->t);
			continue;
		}
		if (w->exclusive && exclusive_taken)
			continue;
		if (w->func(w, key) && w->exclusive && !all)
			exclusive_taken = true;
	}
	pthread_mutex_unlock(&q->lock);
}

void waitq_wake_key(struct waitq *q, u32 key)
{
	waitq_wake(q, key, false);
}

void waitq_wake_all(struct waitq *q)
{
	waitq_wake(q, 0, true);
}

bool waitq_active(struct waitq *q)
{
	/* A waiter queues itself before it checks; a racing waker may skip it only
	 * if the waiter's check will see the new state. Callers must order their
	 * state change before this load (a release store or a lock). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !list_empty(&q->entries);
}

void task_sleep_init(struct task *t)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&t->sleep_cond, &a);
	pthread_condattr_destroy(&a);
	pthread_mutex_init(&t->sleep_lock, NULL);
}

void task_kick_sleep(struct task *t)
{
	pthread_mutex_lock(&t->sleep_lock);
	if (t->sleeping)
		pthread_cond_signal(&t->sleep_cond);
	pthread_mutex_unlock(&t->sleep_lock);
}

void task_wake(struct task *t)
{
	pthread_mutex_lock(&t->sleep_lock);
	/* A spinning sleeper reads it unlocked. */
	__atomic_store_n(&t->woken, true, __ATOMIC_RELEASE);
	if (t->sleeping)
		pthread_cond_signal(&t->sleep_cond);
	pthread_mutex_unlock(&t->sleep_lock);
}

struct timespec deadline_after(const struct timespec *rel)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += rel->tv_sec;
	now.tv_nsec += rel->tv_nsec;
	if (now.tv_nsec >= 1000000000L) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000L;
	}
	return now;
}

static bool woken_or_signalled(void *arg)
{
	struct task *t = arg;
	return __atomic_load_n(&t->woken, __ATOMIC_ACQUIRE) || task_signal_pending(t);
}

/*
 * Spin for the wake-up first (lib/spin.h), never past deadline: the waker
 * of a guest thread's hand-over is a VM exit or two away, and a spinning
 * sleeper also spares it its futex wake (task_wake signals only a task
 * that sleeps).
 */
static void spin_for_wake(struct task *t, const struct timespec *deadline)
{
	s64 max = SPIN_HANDOVER_NS;
	if (deadline) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		max = MIN(max, (deadline->tv_sec - now.tv_sec) * 1000000000LL + deadline->tv_nsec -
				       now.tv_nsec);
	}
	(void)spin_until(woken_or_signalled, t, max);
}

int task_sleep(struct task *t, const struct timespec *deadline)
{
	int ret = 0;

	/* SIGIOs this call caused go now: their receiver may be what we wait for. */
	if (t->sigio)
		fasync_flush(t);
	/* The vCPU would idle while we sleep: let another thread run on it. */
	task_release_cpu(t);
	if (t->k && t->k->spin) /* the unit tests' tasks have no kernel */
		spin_for_wake(t, deadline);
	pthread_mutex_lock(&t->sleep_lock);
	t->sleeping = true;
	for (;;) {
		/* A signal wins over a wake-up: the caller would sleep again. */
		if (task_signal_pending(t)) {
			ret = -EINTR;
			break;
		}
		if (t->woken)
			break;
		if (!deadline) {
			pthread_cond_wait(&t->sleep_cond, &t->sleep_lock);
		} else if (pthread_cond_timedwait(&t->sleep_cond, &t->sleep_lock, deadline) ==
			   ETIMEDOUT) {
			ret = t->woken ? 0 : -ETIMEDOUT;
			break;
		}
	}
	t->woken = false;
	t->sleeping = false;
	pthread_mutex_unlock(&t->sleep_lock);
	return ret;
}
