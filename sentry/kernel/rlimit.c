// SPDX-License-Identifier: Apache-2.0
/*
 * Resource limits enforced where they bite (rlimit.h), as Linux does:
 * RLIMIT_FSIZE in generic_write_check_limits and inode_newsize_ok,
 * RLIMIT_CPU in the process CPU-timer tick, RLIMIT_NPROC in copy_process.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "abi/linux/capability.h"
#include "lib/log.h"
#include "sentry/vfs/vfs.h"
#include "cred.h"
#include "process.h"
#include "rlimit.h"
#include "signal.h"
#include "timers.h"

#define LINUX_RLIMIT_CPU 0
#define LINUX_RLIMIT_FSIZE 1
#define LINUX_RLIMIT_NPROC 6

/* SIGXFSZ to the writer itself, as Linux's send_sig(SIGXFSZ, current, 0). */
static int fsize_exceeded(struct task *t)
{
	struct linux_siginfo info = siginfo_user(t, LINUX_SIGXFSZ, LINUX_SI_USER);
	if (signal_send_thread(t, &info))
		pr_debug("tid %d: SIGXFSZ not queued", t->tid);
	return -EFBIG;
}

int rlimit_fsize_write(struct file *f, const s64 *pos, size_t *len)
{
	/* Only regular files have a size to limit; an empty write checks nothing. */
	if (!*len || !pos || !f->inode || !S_ISREG(f->inode->mode))
		return 0;
	struct task *t = task_current();
	if (!t)
		return 0; /* the Sentry's own writes (overlay copy-up of a file, ...) */
	u64 limit = task_rlimit(t, LINUX_RLIMIT_FSIZE);
	if (limit == LINUX_RLIM_INFINITY)
		return 0;
	/*
	 * O_APPEND writes at the end; the size is read without the inode
	 * lock, so a racing writer may move it (a limit check, not a lock).
	 */
	s64 at = (f->flags & O_APPEND) ? __atomic_load_n(&f->inode->size, __ATOMIC_RELAXED) : *pos;
	if (at < 0 || (u64)at >= limit)
		return fsize_exceeded(t);
	if (*len > limit - (u64)at)
		*len = limit - (u64)at; /* a short write up to the limit */
	return 0;
}

int rlimit_fsize_truncate(s64 size, s64 new_size)
{
	struct task *t = task_current();
	if (!t || new_size <= size)
		return 0; /* shrinking is always allowed */
	u64 limit = task_rlimit(t, LINUX_RLIMIT_FSIZE);
	return limit != LINUX_RLIM_INFINITY && (u64)new_size > limit ? fsize_exceeded(t) : 0;
}

int rlimit_nproc_check_locked(struct task *p)
{
	struct kernel *k = p->k;
	u64 max = p->tg->rlimits[LINUX_RLIMIT_NPROC].cur;
	u32 uid = p->uid;

	/* Linux exempts the initial user (root) and these capabilities. */
	if (max == LINUX_RLIM_INFINITY || uid == 0 || task_capable(p, LINUX_CAP_SYS_RESOURCE) ||
	    task_capable(p, LINUX_CAP_SYS_ADMIN))
		return 0;
	/* Tasks of the real uid, threads included, zombies until reaped (Linux's ucounts). */
	u64 n = 0;
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		struct task *u;
		if (list_empty(&tg->threads)) {
			n += tg->uid == uid;
			continue;
		}
		list_for_each_entry(u, &tg->threads, tg_node) n += u->uid == uid;
	}
	return n >= max ? -EAGAIN : 0;
}

/*
 * RLIMIT_CPU: a tick every CPU_TICK_NS while some process has a finite
 * limit looks at each such process's CPU time, as Linux's
 * check_process_timers. One kernel per Sentry process, so one checker;
 * guarded by k->lock.
 */
static struct {
	struct kernel *k;
	struct ktimer kt;
	bool armed;
	bool stopped; /* the kernel is going away: the check must not re-arm */
} cpu_check;

/* One process at the tick: SIGKILL at the hard limit, else SIGXCPU each second past the soft. */
static void cpu_check_process_locked(struct thread_group *tg)
{
	struct linux_rlimit *r = &tg->rlimits[LINUX_RLIMIT_CPU];
	if (r->cur == LINUX_RLIM_INFINITY)
		return;
	u64 ns = tg_cpu_ns_locked(tg);
	if (r->max != LINUX_RLIM_INFINITY && ns / NSEC_PER_SEC >= r->max) {
		struct linux_siginfo info = siginfo_kernel(LINUX_SIGKILL, LINUX_SI_KERNEL, 0);
		if (signal_send_group_kernel_locked(tg, &info))
			pr_debug("tgid %d: RLIMIT_CPU SIGKILL not queued", tg->tgid);
		return;
	}
	if (ns / NSEC_PER_SEC >= r->cur) {
		struct linux_siginfo info = siginfo_kernel(LINUX_SIGXCPU, LINUX_SI_KERNEL, 0);
		if (signal_send_group_kernel_locked(tg, &info))
			pr_debug("tgid %d: RLIMIT_CPU SIGXCPU not queued", tg->tgid);
		/* The next one a second later: Linux raises the soft limit by one. */
		__atomic_store_n(&r->cur, r->cur + 1, __ATOMIC_RELAXED);
	}
}

/* Some live process has a finite RLIMIT_CPU. k->lock held. */
static bool cpu_limited_locked(struct kernel *k)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (!list_empty(&tg->threads) &&
		    tg->rlimits[LINUX_RLIMIT_CPU].cur != LINUX_RLIM_INFINITY)
			return true;
	}
	return false;
}

static void cpu_check_fire(struct ktimer *kt)
{
	struct kernel *k = cpu_check.k;
	pthread_mutex_lock(&k->lock);
	if (cpu_check.stopped || !cpu_limited_locked(k)) {
		cpu_check.armed = false;
		pthread_mutex_unlock(&k->lock);
		return;
	}
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (!list_empty(&tg->threads) && !tg->group_exiting)
			cpu_check_process_locked(tg);
	}
	if (ktimer_start(kt, ktimer_now(CLOCK_MONOTONIC) + CPU_TICK_NS)) {
		pr_warn_ratelimited("RLIMIT_CPU: cannot arm the check: no timer thread");
		cpu_check.armed = false;
	}
	pthread_mutex_unlock(&k->lock);
}

void rlimit_cpu_update(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	if (!cpu_check.k) {
		cpu_check.k = k;
		ktimer_init(&cpu_check.kt, CLOCK_MONOTONIC, cpu_check_fire);
	}
	if (cpu_check.k == k && !cpu_check.armed && cpu_limited_locked(k)) {
		if (ktimer_start(&cpu_check.kt, ktimer_now(CLOCK_MONOTONIC) + CPU_TICK_NS))
			pr_warn_ratelimited("RLIMIT_CPU: cannot arm the check: no timer thread");
		else
			cpu_check.armed = true;
	}
	pthread_mutex_unlock(&k->lock);
}

void rlimit_cpu_stop(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	bool mine = cpu_check.k == k;
	cpu_check.stopped = mine;
	pthread_mutex_unlock(&k->lock);
	if (!mine)
		return;
	/* Without k->lock: a check running now takes it, and is waited for. */
	ktimer_cancel(&cpu_check.kt);
	pthread_mutex_lock(&k->lock);
	cpu_check.k = NULL;
	cpu_check.armed = false;
	cpu_check.stopped = false;
	pthread_mutex_unlock(&k->lock);
}
