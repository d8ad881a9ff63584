// SPDX-License-Identifier: Apache-2.0
/*
 * The poll machinery (poll.h): vfs_poll, the wait entries of poll and
 * select, and the sleep of blocking file ops.
 */
#include <errno.h>
#include <stdlib.h>

#include "abi/linux/signal.h"
#include "lib/log.h"
#include "poll.h"
#include "sentry/kernel/kernel.h"

/* Entries come in pages so that the queued ones never move. */
#define POLL_PAGE_ENTRIES 32

struct poll_entry {
	struct wait_entry w;
	struct file *f;
};

struct poll_page {
	struct poll_page *next;
	int n;
	struct poll_entry e[POLL_PAGE_ENTRIES];
};

u32 vfs_poll(struct file *f, struct poll_table *pt)
{
	return f->ops->poll ? f->ops->poll(f, pt) : POLL_DEFAULT_MASK;
}

static struct poll_entry *poll_entry_alloc(struct poll_wqueues *pw)
{
	struct poll_page *pg = pw->pages;
	if (!pg || pg->n == POLL_PAGE_ENTRIES) {
		pg = malloc(sizeof(*pg));
		if (!pg)
			return NULL;
		pg->n = 0;
		pg->next = pw->pages;
		pw->pages = pg;
	}
	return &pg->e[pg->n++];
}

static void poll_queue_task(struct poll_table *pt, struct file *f, struct waitq *q)
{
	struct poll_wqueues *pw = container_of(pt, struct poll_wqueues, pt);
	struct poll_entry *e = poll_entry_alloc(pw);
	if (!e) {
		/* The poller would miss this file's wake-ups: fail the call. */
		pw->error = -ENOMEM;
		return;
	}
	e->f = file_get(f);
	waitq_add_key(q, &e->w, pw->t, pt->key);
}

void poll_wqueues_init(struct poll_wqueues *pw, struct task *t)
{
	*pw = (struct poll_wqueues){.pt = {.qproc = poll_queue_task}, .t = t};
}

void poll_wqueues_free(struct poll_wqueues *pw)
{
	struct poll_page *pg = pw->pages;
	while (pg) {
		struct poll_page *next = pg->next;
		for (int i = 0; i < pg->n; i++) {
			waitq_remove(&pg->e[i].w);
			file_put(pg->e[i].f);
		}
		free(pg);
		pg = next;
	}
	pw->pages = NULL;
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int poll_schedule(struct poll_wqueues *pw, const struct timespec *deadline)
{
	if (!pw->pt.repoll)
		return task_sleep(pw->t, deadline);
	struct timespec soon = deadline_after(&(struct timespec){0, POLL_REPOLL_NS});
	if (deadline && !timespec_before(&soon, deadline))
		return task_sleep(pw->t, deadline);
	int ret = task_sleep(pw->t, &soon);
	return ret == -ETIMEDOUT ? 0 : ret;
}

int file_wait_event(struct waitq *q, pthread_mutex_t *lock, bool (*cond)(void *arg), void *arg)
{
	struct task *t = task_current();
	struct wait_entry w;
	int ret = 0;

	if (!t)
		return -EAGAIN;
	waitq_add(q, &w, t);
	while (!cond(arg)) {
		pthread_mutex_unlock(lock);
		ret = task_sleep(t, NULL);
		pthread_mutex_lock(lock);
		/* What we waited for wins over a signal that came with it, as in Linux. */
		if (ret && !cond(arg)) {
			ret = -ERESTARTSYS;
			break;
		}
		ret = 0;
	}
	waitq_remove(&w);
	return ret;
}
