// SPDX-License-Identifier: Apache-2.0
/*
 * The pool of host threads that run guest threads (threadpool.h).
 *
 * An idle thread waits on its own condition variable, so that handing it
 * work wakes exactly that thread. The most recently idled thread is
 * reused first: its caches are the warmest.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lib/list.h"
#include "threadpool.h"

/* Idle threads kept; beyond this a thread whose work ends exits. */
#define POOL_MAX_IDLE 64
/* The Sentry's own stack per guest thread: handlers are shallow. */
#define POOL_STACK_SIZE (256 << 10)

struct worker {
	struct list_head idle_node;
	pthread_cond_t wake;
	void (*fn)(void *arg); /* NULL while idle */
	void *arg;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head pool_idle = LIST_HEAD_INIT(pool_idle);
static unsigned pool_nidle;
static __thread bool pool_retire; /* threadpool_retire_self */

void threadpool_retire_self(void)
{
	pool_retire = true;
}

static void *worker_main(void *p)
{
	struct worker *w = p;

	for (;;) {
		w->fn(w->arg);
		pthread_mutex_lock(&pool_lock);
		if (pool_nidle >= POOL_MAX_IDLE || pool_retire) {
			pthread_mutex_unlock(&pool_lock);
			break;
		}
		w->fn = NULL;
		list_add(&w->idle_node, &pool_idle);
		pool_nidle++;
		while (!w->fn)
			pthread_cond_wait(&w->wake, &pool_lock);
		pthread_mutex_unlock(&pool_lock);
	}
	pthread_cond_destroy(&w->wake);
	free(w);
	return NULL;
}

int threadpool_run(void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&pool_lock);
	if (!list_empty(&pool_idle)) {
		struct worker *w = list_entry(pool_idle.next, struct worker, idle_node);
		list_del(&w->idle_node);
		pool_nidle--;
		w->fn = fn;
		w->arg = arg;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&pool_lock);
		return 0;
	}
	pthread_mutex_unlock(&pool_lock);

	struct worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_cond_init(&w->wake, NULL);
	w->fn = fn;
	w->arg = arg;
	pthread_attr_t attr;
	pthread_t th;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, POOL_STACK_SIZE);
	int ret = -pthread_create(&th, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (ret) {
		pthread_cond_destroy(&w->wake);
		free(w);
	}
	return ret;
}
