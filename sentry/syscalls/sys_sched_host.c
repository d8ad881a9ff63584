// SPDX-License-Identifier: Apache-2.0
/*
 * What of a task's scheduling attributes reaches the host thread that
 * runs it (one host thread per guest thread while it runs, threadpool.h).
 *
 * Only what cannot raise the sandbox above where it started:
 *  - the nice value, never below the sandbox's own (its base: what the
 *    host threads had when the first task started). A guest at nice 0 in
 *    a sandbox started at nice 5 runs at 5; at nice 10, at 10. A guest
 *    holding CAP_SYS_NICE in its user namespace gains nothing on the host.
 *  - SCHED_BATCH and SCHED_IDLE, which only give CPU away. A sandbox that
 *    started in SCHED_BATCH or SCHED_IDLE stays there.
 *  - SCHED_FIFO and SCHED_RR are recorded only: a guest must never get a
 *    real-time host thread. Its host thread runs at the base, as
 *    SCHED_NORMAL would. SCHED_DEADLINE is refused before it gets here.
 * A sandbox started with a real-time policy is left alone entirely.
 *
 * The host calls use sched_setattr(2) on the host thread id (and
 * sched_getattr(2) once for the base): the Sentry's seccomp filter must
 * allow both. An unprivileged host refuses to lower a thread's nice
 * value or to leave SCHED_IDLE; then the thread stays where it was, which
 * is never above the base, and a pooled thread that cannot go back to
 * the base at the end of its task retires instead of running the next.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "sentry/kernel/threadpool.h"
#include "sys_sched_internal.h"

/* The host's struct sched_attr, SCHED_ATTR_SIZE_VER0: our own, not libc's. */
struct host_sched_attr {
	u32 size;
	u32 policy;
	u64 flags;
	s32 nice;
	u32 priority;
	u64 runtime, deadline, period;
};
_Static_assert(sizeof(struct host_sched_attr) == 48, "host struct sched_attr size");

static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static struct host_sched_attr base; /* the sandbox's own policy and nice */
static bool host_enabled;	    /* the base is a fair or idle policy */

static void read_base(void)
{
	base.size = sizeof(base);
	if (syscall(SYS_sched_getattr, 0, &base, sizeof(base), 0)) {
		pr_warn("sched: cannot read the host scheduling attributes (%s): guest nice "
			"values and policies stay inside the sandbox",
			strerror(errno));
		return;
	}
	host_enabled = base.policy == LINUX_SCHED_NORMAL || base.policy == LINUX_SCHED_BATCH ||
		       base.policy == LINUX_SCHED_IDLE;
}

/* The host attributes for a task with attributes s: never better than the base. */
static struct host_sched_attr host_target(const struct task_sched *s)
{
	struct host_sched_attr a = {.size = sizeof(a), .policy = LINUX_SCHED_NORMAL};

	/* A real-time guest thread runs as a plain one; its nice value is not its own. */
	a.nice = rt_policy(s->policy) ? base.nice : MAX(s->nice, base.nice);
	if (base.policy == LINUX_SCHED_IDLE || s->policy == LINUX_SCHED_IDLE)
		a.policy = LINUX_SCHED_IDLE;
	else if (base.policy == LINUX_SCHED_BATCH || s->policy == LINUX_SCHED_BATCH)
		a.policy = LINUX_SCHED_BATCH;
	return a;
}

static int host_set(int host_tid, const struct host_sched_attr *a)
{
	struct host_sched_attr copy = *a;
	return syscall(SYS_sched_setattr, host_tid, &copy, 0) ? -errno : 0;
}

void sched_host_apply_locked(struct task *p)
{
	if (!host_enabled || !p->host_tid)
		return;
	struct host_sched_attr a = host_target(&p->sched);
	int ret = host_set(p->host_tid, &a);
	if (ret)
		pr_debug("tid %d: host thread %d keeps its priority (policy %u nice %d: %s)",
			 p->tid, p->host_tid, a.policy, a.nice, strerror(-ret));
}

void sched_host_attach(struct task *t)
{
	pthread_once(&base_once, read_base);
	pthread_mutex_lock(&t->k->lock);
	t->host_tid = (int)gettid();
	/* Always: a pooled or new thread has the attributes of whoever ran or made it. */
	sched_host_apply_locked(t);
	pthread_mutex_unlock(&t->k->lock);
}

void sched_host_detach(struct task *t)
{
	pthread_mutex_lock(&t->k->lock);
	int host_tid = t->host_tid;
	t->host_tid = 0; /* no setter reaches this thread from now on */
	pthread_mutex_unlock(&t->k->lock);
	if (!host_enabled || !host_tid)
		return;
	/* The next task this thread runs must not inherit a priority it did not ask for. */
	if (host_set(host_tid, &base))
		threadpool_retire_self();
}
