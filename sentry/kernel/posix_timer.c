// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX timers (timer_create and friends), as Linux's
 * kernel/time/posix-timers.c: IDs per process from 0 upwards, a signal
 * with SI_TIMER, the timer ID and sigev_value at each expiry, and while
 * that signal is still queued further expiries only count as overruns in
 * it. timer_getoverrun reports the overruns of the last signal taken.
 *
 * Linux keeps one preallocated sigqueue entry per timer and counts at
 * dequeue time; here the entry is the one signal.c queued, found again in
 * the pending queues (k->lock held) to count into it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "process.h"
#include "signal.h"
#include "timers.h"

/* Timers per process at most (Linux has no fixed limit; this bounds the Sentry's memory). */
#define POSIX_TIMERS_MAX 32768

struct posix_timer {
	struct ptimer p;
	struct list_head node; /* in tg_timers.posix */
	int id;
	int notify; /* LINUX_SIGEV_* */
	int signo;
	u64 value;	  /* sigev_value */
	int tid;	  /* SIGEV_THREAD_ID: the thread signalled */
	int overrun;	  /* overruns counted into the signal still queued */
	int overrun_last; /* timer_getoverrun */
	bool sig_sent;	  /* a signal went out and may still be queued */
};

static struct sigqueue *find_queued(struct sigpending *sp, struct posix_timer *pt)
{
	struct sigqueue *q;
	list_for_each_entry(q, &sp->queue, node)
	{
		if (q->info.code == LINUX_SI_TIMER && q->info.signo == pt->signo &&
		    q->info.timer.tid == pt->id && q->tg == pt->p.owner->tg)
			return q;
	}
	return NULL;
}

/* This timer's signal if it is still pending (not yet taken by a thread). */
static struct sigqueue *queued_signal_locked(struct posix_timer *pt)
{
	struct thread_group *tg = pt->p.owner->tg;
	struct sigqueue *q = tg ? find_queued(&tg->shared_pending, pt) : NULL;
	struct task *u;
	if (!tg || q)
		return q;
	list_for_each_entry(u, &tg->threads, tg_node)
	{
		if ((q = find_queued(&u->pending, pt)))
			return q;
	}
	return NULL;
}

/* The last signal was taken: its overruns become timer_getoverrun's. */
static void collect_overrun_locked(struct posix_timer *pt)
{
	if (pt->sig_sent && !queued_signal_locked(pt)) {
		pt->overrun_last = pt->overrun;
		pt->overrun = 0;
		pt->sig_sent = false;
	}
}

static int add_overrun(int cur, u64 n)
{
	return n >= (u64)(INT_MAX - cur) ? INT_MAX : cur + (int)n;
}

static void posix_timer_expire(struct ptimer *p, u64 overruns)
{
	struct posix_timer *pt = container_of(p, struct posix_timer, p);
	struct thread_group *tg = p->owner->tg;

	collect_overrun_locked(pt);
	struct sigqueue *q = pt->sig_sent ? queued_signal_locked(pt) : NULL;
	if (q) {
		pt->overrun = add_overrun(pt->overrun, overruns + 1);
		q->info.timer.overrun = pt->overrun;
		return;
	}
	struct linux_siginfo info = {.signo = pt->signo, .code = LINUX_SI_TIMER};
	info.timer.tid = pt->id;
	info.timer.overrun = pt->overrun = add_overrun(0, overruns);
	info.timer.value = pt->value;
	if (pt->notify == LINUX_SIGEV_THREAD_ID) {
		struct task *u = task_lookup_locked(p->owner->k, pt->tid);
		if (!u || u->tg != tg)
			return; /* the thread is gone: nobody to tell */
		signal_send_thread_locked(u, &info);
	} else {
		signal_send_group_locked(tg, &info);
	}
	pt->sig_sent = true;
}

static struct posix_timer *find_timer_locked(struct task *t, int id)
{
	struct tg_timers *tgt = t->tg->timers;
	struct posix_timer *pt;
	if (!tgt)
		return NULL;
	list_for_each_entry(pt, &tgt->posix, node) if (pt->id == id) return pt;
	return NULL;
}

/* Which sigevents Linux takes (good_sigevent); -EINVAL otherwise. k->lock held. */
static int check_sigevent_locked(struct task *t, const struct linux_sigevent *ev)
{
	switch (ev->notify) {
	case LINUX_SIGEV_SIGNAL | LINUX_SIGEV_THREAD_ID: {
		struct task *u = task_lookup_locked(t->k, ev->tid);
		if (!u || u->tg != t->tg)
			return -EINVAL;
	}
		/* fallthrough */
	case LINUX_SIGEV_SIGNAL:
	case LINUX_SIGEV_THREAD: /* glibc makes the thread; the kernel just signals */
		if (ev->signo <= 0 || ev->signo > LINUX_NSIG)
			return -EINVAL;
		/* fallthrough */
	case LINUX_SIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* The clock a timer runs on (CPU clocks resolved, *tid their thread), or -errno. */
static int check_clock(struct task *t, int clock, int *tid)
{
	*tid = t->tid;
	if (clock < 0)
		return cpu_clock_resolve(t, clock, false, tid);
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return clock;
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return -EPERM; /* the sandbox grants no CAP_WAKE_ALARM */
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return -ENOTSUP; /* clocks without timers */
	default:
		return -EINVAL;
	}
}

long posix_timer_create(struct task *t, int clock, const struct linux_sigevent *ev)
{
	int cpu_tid;
	int ret = clock = check_clock(t, clock, &cpu_tid);
	if (ret < 0)
		return ret;
	struct posix_timer *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -EAGAIN;

	pthread_mutex_lock(&t->k->lock);
	struct tg_timers *tgt = tg_timers_get_locked(t);
	ret = !tgt ? -EAGAIN : ev ? check_sigevent_locked(t, ev) : 0;
	if (!ret && tgt->nr_posix >= POSIX_TIMERS_MAX)
		ret = -EAGAIN;
	if (ret) {
		pthread_mutex_unlock(&t->k->lock);
		free(pt);
		return ret;
	}
	/* IDs count up from 0, skipping ones in use, as Linux's per-process counter. */
	do {
		pt->id = tgt->next_id;
		tgt->next_id = tgt->next_id == INT_MAX ? 0 : tgt->next_id + 1;
	} while (find_timer_locked(t, pt->id));
	ptimer_init(&pt->p, tgt, clock, posix_timer_expire);
	if (clock == CLOCK_PROCESS_CPUTIME_ID)
		pt->p.cpu_tgid = cpu_tid == t->tid ? 0 : cpu_tid; /* check_clock's default: own */
	else
		pt->p.cpu_tid = cpu_tid;
	if (ev) {
		pt->notify = ev->notify;
		pt->signo = ev->signo;
		pt->value = ev->value;
		pt->tid = ev->tid;
	} else {
		/* No sigevent: SIGALRM with the timer ID as its value. */
		pt->notify = LINUX_SIGEV_SIGNAL;
		pt->signo = LINUX_SIGALRM;
		pt->value = (u64)pt->id;
	}
	if (pt->notify == LINUX_SIGEV_NONE)
		pt->p.expire = NULL; /* never fires: timer_gettime computes */
	list_add_tail(&pt->node, &tgt->posix);
	tgt->nr_posix++;
	pthread_mutex_unlock(&t->k->lock);
	return pt->id;
}

static void gettime_locked(struct posix_timer *pt, struct linux_itimerspec *cur)
{
	cur->it_value = ns_to_linux_timespec(ptimer_remaining_locked(&pt->p));
	cur->it_interval = ns_to_linux_timespec(pt->p.interval);
}

int posix_timer_settime(struct task *t, int id, int flags, const struct linux_itimerspec *val,
			struct linux_itimerspec *old)
{
	if (!linux_timespec_valid(&val->it_value) || !linux_timespec_valid(&val->it_interval))
		return -EINVAL;
	u64 value = linux_timespec_to_ns(&val->it_value);
	u64 interval = value ? linux_timespec_to_ns(&val->it_interval) : 0;

	pthread_mutex_lock(&t->k->lock);
	struct posix_timer *pt = find_timer_locked(t, id);
	if (!pt) {
		pthread_mutex_unlock(&t->k->lock);
		return -EINVAL;
	}
	if (old)
		gettime_locked(pt, old);
	pt->overrun = pt->overrun_last = 0;
	if (value && !(flags & LINUX_TIMER_ABSTIME)) {
		u64 now = ptimer_now_locked(&pt->p);
		value = now > (u64)INT64_MAX - value ? (u64)INT64_MAX : now + value;
	}
	/* An absolute time already past fires at once. */
	ptimer_arm_locked(&pt->p, value, interval);
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

int posix_timer_gettime(struct task *t, int id, struct linux_itimerspec *cur)
{
	pthread_mutex_lock(&t->k->lock);
	struct posix_timer *pt = find_timer_locked(t, id);
	if (pt)
		gettime_locked(pt, cur);
	pthread_mutex_unlock(&t->k->lock);
	return pt ? 0 : -EINVAL;
}

int posix_timer_getoverrun(struct task *t, int id)
{
	pthread_mutex_lock(&t->k->lock);
	struct posix_timer *pt = find_timer_locked(t, id);
	int ret = -EINVAL;
	if (pt) {
		collect_overrun_locked(pt);
		ret = pt->overrun_last;
	}
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* Unlink pt so that no callback touches it again; then the caller cancels and frees. */
static void unlink_locked(struct posix_timer *pt)
{
	pt->p.deleted = true;
	list_del(&pt->node);
	pt->p.owner->nr_posix--;
}

static void destroy(struct posix_timer *pt)
{
	/* No lock held: waits for a callback running on it, which sees it deleted. */
	ktimer_cancel(&pt->p.kt);
	free(pt);
}

int posix_timer_delete(struct task *t, int id)
{
	pthread_mutex_lock(&t->k->lock);
	struct posix_timer *pt = find_timer_locked(t, id);
	if (pt)
		unlink_locked(pt);
	pthread_mutex_unlock(&t->k->lock);
	if (!pt)
		return -EINVAL;
	/* A signal already queued stays pending, as on Linux. */
	destroy(pt);
	return 0;
}

void tg_timers_exec(struct task *t)
{
	struct list_head doomed;
	struct posix_timer *pt, *n;

	list_init(&doomed);
	pthread_mutex_lock(&t->k->lock);
	struct tg_timers *tgt = t->tg->timers;
	if (tgt) {
		list_for_each_entry_safe(pt, n, &tgt->posix, node)
		{
			unlink_locked(pt);
			list_add_tail(&pt->node, &doomed);
		}
	}
	pthread_mutex_unlock(&t->k->lock);
	list_for_each_entry_safe(pt, n, &doomed, node) destroy(pt);
}

void posix_timers_cancel_locked(struct tg_timers *tgt)
{
	struct posix_timer *pt;
	list_for_each_entry(pt, &tgt->posix, node) ktimer_try_cancel(&pt->p.kt);
}

void posix_timers_free_all(struct tg_timers *tgt)
{
	struct posix_timer *pt, *n;
	list_for_each_entry_safe(pt, n, &tgt->posix, node) free(pt);
	list_init(&tgt->posix);
}
