// SPDX-License-Identifier: Apache-2.0
/*
 * Process timers (timers.h): the ptimer core shared with POSIX timers,
 * the per-process timer set and its end, and the itimers of
 * getitimer/setitimer/alarm as Linux's kernel/time/itimer.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/log.h"
#include "process.h"
#include "signal.h"
#include "timers.h"

#define KTIME_MAX ((u64)INT64_MAX)
/*
 * Periodic timers fire at most this often: shorter intervals are counted
 * (as overruns, or coalesced signals) rather than each run on the timer
 * thread, so a guest cannot keep that thread busy.
 */
#define MIN_PERIOD_NS 100000ULL

u64 linux_timespec_to_ns(const struct linux_timespec *ts)
{
	if ((u64)ts->tv_sec >= KTIME_MAX / NSEC_PER_SEC)
		return KTIME_MAX;
	return (u64)ts->tv_sec * NSEC_PER_SEC + (u64)ts->tv_nsec;
}

struct linux_timespec ns_to_linux_timespec(u64 ns)
{
	return (struct linux_timespec){(s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC)};
}

bool linux_timespec_valid(const struct linux_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (s64)NSEC_PER_SEC;
}

bool linux_timeval_valid(const struct linux_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static u64 add_sat(u64 a, u64 b)
{
	return a > KTIME_MAX - b ? KTIME_MAX : a + b;
}

static bool clock_is_cpu(int clock)
{
	return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID;
}

static u64 thread_cpu_ns(struct task *u)
{
	struct timespec ts;
	/* Thread CPU clocks are negative ids; 0 means the thread has not started. */
	if (u->cpu_clock >= 0 || clock_gettime(u->cpu_clock, &ts))
		return 0;
	return timespec_to_ns(&ts) - u->cpu_base_ns; /* a pooled thread ran others before */
}

u64 tg_cpu_ns_locked(struct thread_group *tg)
{
	u64 sum = tg->utime_ns + tg->stime_ns;
	struct task *u;
	list_for_each_entry(u, &tg->threads, tg_node) sum += thread_cpu_ns(u);
	return sum;
}

u64 task_process_cpu_ns(struct task *t)
{
	pthread_mutex_lock(&t->k->lock);
	u64 ns = tg_cpu_ns_locked(t->tg);
	pthread_mutex_unlock(&t->k->lock);
	return ns;
}

u64 task_thread_cpu_ns_locked(struct task *u)
{
	return thread_cpu_ns(u);
}

/* A process's CPU clock named by pid (Linux's pid_for_clock): its TGID, or -EINVAL. */
static int process_clock_resolve_locked(struct task *t, int pid, bool gettime)
{
	if (!pid || pid == t->tg->tgid)
		return t->tg->tgid;
	/* clock_gettime takes one of its own threads' IDs for its process; timers do not. */
	if (gettime && pid == t->tid)
		return t->tg->tgid;
	/* Any process, zombies too (their times are final); not a thread's ID. */
	return tg_lookup_locked(t->k, pid) ? pid : -EINVAL;
}

int cpu_clock_resolve(struct task *t, int clock, bool gettime, int *tid)
{
	*tid = t->tid;
	if (clock == CLOCK_THREAD_CPUTIME_ID)
		return clock;
	if (clock == CLOCK_PROCESS_CPUTIME_ID) {
		*tid = t->tg->tgid;
		return clock;
	}
	/* Linux's CPUCLOCK_PID, CPUCLOCK_PERTHREAD and CPUCLOCK_WHICH (type 3 is invalid). */
	if (clock >= 0 || (clock & 3) == 3)
		return -EINVAL;
	int pid = ~(clock >> 3);
	if (pid < 0)
		return -EINVAL;
	if (!(clock & 4)) {
		pthread_mutex_lock(&t->k->lock);
		int tgid = process_clock_resolve_locked(t, pid, gettime);
		pthread_mutex_unlock(&t->k->lock);
		if (tgid < 0)
			return tgid;
		*tid = tgid;
		return CLOCK_PROCESS_CPUTIME_ID;
	}
	if (!pid)
		return CLOCK_THREAD_CPUTIME_ID;
	/* A thread's clock: only threads of the caller's own process. */
	pthread_mutex_lock(&t->k->lock);
	struct task *u = task_lookup_locked(t->k, pid);
	bool mine = u && u->tg == t->tg;
	pthread_mutex_unlock(&t->k->lock);
	*tid = pid;
	return mine ? CLOCK_THREAD_CPUTIME_ID : -EINVAL;
}

u64 cpu_clock_now(struct task *t, int clock, int tid)
{
	if (clock == CLOCK_PROCESS_CPUTIME_ID && tid == t->tg->tgid)
		return task_process_cpu_ns(t);
	if (clock == CLOCK_THREAD_CPUTIME_ID && tid == t->tid)
		return task_cpu_ns();
	pthread_mutex_lock(&t->k->lock);
	u64 ns = 0;
	if (clock == CLOCK_PROCESS_CPUTIME_ID) {
		struct thread_group *tg = tg_lookup_locked(t->k, tid);
		ns = tg ? tg_cpu_ns_locked(tg) : 0;
	} else {
		struct task *u = task_lookup_locked(t->k, tid);
		ns = u && u->tg == t->tg ? thread_cpu_ns(u) : 0;
	}
	pthread_mutex_unlock(&t->k->lock);
	return ns;
}

u64 ptimer_now_locked(struct ptimer *p)
{
	struct tg_timers *tgt = p->owner;
	switch (p->clock) {
	case CLOCK_PROCESS_CPUTIME_ID: {
		/* Another process's clock: until that process is reaped (then it stands still). */
		struct thread_group *tg = tgt->tg;
		if (tg && p->cpu_tgid && p->cpu_tgid != tg->tgid)
			tg = tg_lookup_locked(tgt->k, p->cpu_tgid);
		return tg ? tg_cpu_ns_locked(tg) : 0;
	}
	case CLOCK_THREAD_CPUTIME_ID: {
		struct task *u = task_lookup_locked(tgt->k, p->cpu_tid);
		return u && u->tg == tgt->tg ? thread_cpu_ns(u) : 0;
	}
	default:
		return ktimer_now(p->clock);
	}
}

/* Arm the ktimer for p's next expiry (CPU clocks: the next sample). */
static void ptimer_schedule_locked(struct ptimer *p, u64 now)
{
	u64 at;
	if (clock_is_cpu(p->clock))
		at = ktimer_now(CLOCK_MONOTONIC) + CPU_TICK_NS;
	else
		at = p->interval ? MAX(p->expires, add_sat(now, MIN_PERIOD_NS)) : p->expires;
	if (ktimer_start(&p->kt, at))
		pr_warn_ratelimited("tgid %d: cannot arm a timer: no timer thread",
				    p->owner->tg ? p->owner->tg->tgid : 0);
}

static void ptimer_fire(struct ktimer *kt)
{
	struct ptimer *p = container_of(kt, struct ptimer, kt);
	struct kernel *k = p->owner->k;

	pthread_mutex_lock(&k->lock);
	if (p->deleted || !p->owner->tg || !p->expires) {
		pthread_mutex_unlock(&k->lock);
		return;
	}
	u64 now = ptimer_now_locked(p);
	if (now >= p->expires) {
		u64 over = 0;
		if (p->interval) {
			over = (now - p->expires) / p->interval;
			p->expires = add_sat(p->expires, (over + 1) * p->interval);
		} else {
			p->expires = 0;
		}
		p->expire(p, over);
	}
	if (p->expires)
		ptimer_schedule_locked(p, now);
	pthread_mutex_unlock(&k->lock);
}

void ptimer_init(struct ptimer *p, struct tg_timers *owner, int clock,
		 void (*expire)(struct ptimer *p, u64 overruns))
{
	*p = (struct ptimer){.owner = owner, .clock = clock, .expire = expire};
	/* CPU clocks are sampled on CLOCK_MONOTONIC; the others are the host's own. */
	ktimer_init(&p->kt, clock_is_cpu(clock) ? CLOCK_MONOTONIC : clock, ptimer_fire);
}

void ptimer_arm_locked(struct ptimer *p, u64 expires, u64 interval)
{
	p->expires = expires;
	p->interval = interval;
	/* A running callback waits for k->lock, then sees the new expiry. */
	if (!expires || !p->expire)
		ktimer_try_cancel(&p->kt);
	else
		ptimer_schedule_locked(p, ptimer_now_locked(p));
}

u64 ptimer_remaining_locked(struct ptimer *p)
{
	if (!p->expires)
		return 0;
	u64 now = ptimer_now_locked(p);
	if (now < p->expires)
		return p->expires - now;
	/* Due but not yet handled: a periodic timer's next expiry, else "about to fire". */
	if (p->interval) {
		u64 over = (now - p->expires) / p->interval;
		return add_sat(p->expires, (over + 1) * p->interval) - now;
	}
	return p->expire ? 1 : 0;
}

static void tg_timers_free_fn(struct ktimer *kt)
{
	struct tg_timers *tgt = container_of(kt, struct tg_timers, free_kt);
	posix_timers_free_all(tgt);
	free(tgt);
}

static void itimer_expire(struct ptimer *p, u64 overruns)
{
	static const int sig[3] = {LINUX_SIGALRM, LINUX_SIGVTALRM, LINUX_SIGPROF};
	struct tg_timers *tgt = p->owner;
	struct linux_siginfo info = siginfo_kernel(sig[p - tgt->itimer], LINUX_SI_KERNEL, 0);
	/* Missed intervals are lost, as Linux's: the signal is a standard one. */
	signal_send_group_locked(tgt->tg, &info);
}

struct tg_timers *tg_timers_get_locked(struct task *t)
{
	struct thread_group *tg = t->tg;
	if (tg->timers)
		return tg->timers;
	struct tg_timers *tgt = calloc(1, sizeof(*tgt));
	if (!tgt)
		return NULL;
	tgt->k = t->k;
	tgt->tg = tg;
	list_init(&tgt->posix);
	ptimer_init(&tgt->itimer[LINUX_ITIMER_REAL], tgt, CLOCK_MONOTONIC, itimer_expire);
	ptimer_init(&tgt->itimer[LINUX_ITIMER_VIRTUAL], tgt, CLOCK_PROCESS_CPUTIME_ID,
		    itimer_expire);
	ptimer_init(&tgt->itimer[LINUX_ITIMER_PROF], tgt, CLOCK_PROCESS_CPUTIME_ID, itimer_expire);
	ktimer_init(&tgt->free_kt, CLOCK_MONOTONIC, tg_timers_free_fn);
	tg->timers = tgt;
	return tgt;
}

void tg_timers_exit_locked(struct thread_group *tg)
{
	struct tg_timers *tgt = tg->timers;
	if (!tgt)
		return;
	tg->timers = NULL;
	tgt->tg = NULL; /* from now on every callback of tgt does nothing */
	for (int i = 0; i < 3; i++)
		ktimer_try_cancel(&tgt->itimer[i].kt);
	posix_timers_cancel_locked(tgt);
	/*
	 * A callback may be running, waiting for k->lock: the service runs
	 * callbacks one at a time, so one queued now runs after it and can
	 * free what it uses. With no service thread no callback ever ran.
	 */
	if (ktimer_start(&tgt->free_kt, 0))
		tg_timers_free_fn(&tgt->free_kt);
}

static struct linux_timeval ns_to_timeval(u64 ns)
{
	return (struct linux_timeval){(s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC / 1000)};
}

static struct linux_timeval ns_to_timeval_up(u64 ns)
{
	/* An armed timer never reads as 0 (Linux's itimer_get_remtime). */
	if (ns && ns < 1000)
		ns = 1000;
	return ns_to_timeval(ns);
}

static u64 timeval_to_ns(const struct linux_timeval *tv)
{
	if ((u64)tv->tv_sec >= KTIME_MAX / NSEC_PER_SEC)
		return KTIME_MAX;
	return (u64)tv->tv_sec * NSEC_PER_SEC + (u64)tv->tv_usec * 1000;
}

static void itimer_get_locked(struct tg_timers *tgt, int which, struct linux_itimerval *cur)
{
	struct ptimer *p = &tgt->itimer[which];
	cur->it_value = ns_to_timeval_up(ptimer_remaining_locked(p));
	cur->it_interval = ns_to_timeval(p->interval);
}

int itimer_get(struct task *t, int which, struct linux_itimerval *cur)
{
	if (which < LINUX_ITIMER_REAL || which > LINUX_ITIMER_PROF)
		return -EINVAL;
	*cur = (struct linux_itimerval){{0, 0}, {0, 0}};
	pthread_mutex_lock(&t->k->lock);
	if (t->tg->timers)
		itimer_get_locked(t->tg->timers, which, cur);
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

int itimer_set(struct task *t, int which, const struct linux_itimerval *val,
	       struct linux_itimerval *old)
{
	static const struct linux_itimerval zero;
	if (which < LINUX_ITIMER_REAL || which > LINUX_ITIMER_PROF)
		return -EINVAL;
	if (!val)
		val = &zero; /* Linux treats a NULL new value as zero, for old programs */
	if (!linux_timeval_valid(&val->it_value) || !linux_timeval_valid(&val->it_interval))
		return -EINVAL;
	u64 value = timeval_to_ns(&val->it_value);
	u64 interval = timeval_to_ns(&val->it_interval);

	pthread_mutex_lock(&t->k->lock);
	struct tg_timers *tgt = tg_timers_get_locked(t);
	if (!tgt) {
		pthread_mutex_unlock(&t->k->lock);
		return -ENOMEM;
	}
	struct ptimer *p = &tgt->itimer[which];
	if (old)
		itimer_get_locked(tgt, which, old);
	/* ITIMER_REAL forgets its interval when disarmed; the CPU ones keep it (Linux). */
	if (which == LINUX_ITIMER_REAL && !value)
		interval = 0;
	ptimer_arm_locked(p, value ? add_sat(ptimer_now_locked(p), value) : 0, interval);
	if (!value)
		p->interval = interval;
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

unsigned itimer_alarm(struct task *t, unsigned seconds)
{
	struct linux_itimerval val = {.it_value = {seconds, 0}}, old;
	if (itimer_set(t, LINUX_ITIMER_REAL, &val, &old))
		return 0;
	/* Round to the nearest second, but never report an armed alarm as 0 (Linux). */
	if ((!old.it_value.tv_sec && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
		old.it_value.tv_sec++;
	return old.it_value.tv_sec;
}
