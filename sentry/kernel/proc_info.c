// SPDX-License-Identifier: Apache-2.0
/*
 * Read-only views of tasks and processes for procfs, under k->lock (see
 * proc_info.h for why the references taken here are safe).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "proc_info.h"
#include "process.h"
#include "seccomp.h"
#include "timers.h"
#include "sentry/vfs/vfs.h"

/* The task that stands for tg as a whole: its leader, else any live thread. */
static struct task *tg_any_thread(struct thread_group *tg)
{
	if (tg->leader)
		return tg->leader;
	if (list_empty(&tg->threads))
		return NULL;
	return list_entry(tg->threads.next, struct task, tg_node);
}

static char task_state(const struct task *t, const struct thread_group *tg)
{
	if (t == task_current())
		return 'R';
	if (tg->stopped)
		return 'T';
	return __atomic_load_n(&t->sleeping, __ATOMIC_RELAXED) ? 'S' : 'R';
}

static void sig_dispositions(const struct sighand *sh, u64 *ignored, u64 *caught)
{
	*ignored = *caught = 0;
	for (int i = 0; i < LINUX_NSIG && i < 64; i++) {
		u64 h = sh->action[i].handler;
		if (h == LINUX_SIG_IGN)
			*ignored |= 1ULL << i;
		else if (h != LINUX_SIG_DFL)
			*caught |= 1ULL << i;
	}
}

/* Fill what belongs to the thread t (live, found under k->lock). */
static int snap_task_locked(struct task *t, unsigned want, struct proc_task *pt)
{
	pt->tid = t->tid;
	pt->uid = t->uid;
	pt->gid = t->gid;
	pt->state = task_state(t, t->tg);
	pt->is_current = t == task_current();
	/* prctl(PR_SET_NAME) writes it without a lock: copy what is there now. */
	memcpy(pt->comm, t->comm, sizeof(pt->comm) - 1);
	pt->comm[sizeof(pt->comm) - 1] = 0;
	pt->sig_pending = t->pending.set;
	pt->sig_blocked = t->sigmask;
	pt->no_new_privs = t->no_new_privs;
	pt->seccomp_mode = t->seccomp.mode;
	pt->seccomp_filters = seccomp_filter_count_locked(t);
	pt->dumpable = t->dumpable;
	pt->personality = t->personality;
	pt->sched = t->sched;
	pt->cred = cred_get(t->cred);
	/*
	 * Exiting and giving its resources back. A child not started yet has
	 * them already (clone made them before it was registered): a fork's
	 * parent may look at the child's files at once, as in Linux.
	 */
	if (t->released)
		return 0;
	sig_dispositions(t->sighand, &pt->sig_ignored, &pt->sig_caught);
	if ((want & PROC_MM) && t->mm)
		pt->mm = mm_get(t->mm);
	if ((want & PROC_FILES) && t->files)
		pt->files = fdtable_share(t->files);
	if ((want & PROC_FS) && t->fs)
		pt->fs = fs_struct_get(t->fs);
	if (want & PROC_EXE) {
		pt->exe = strndup(t->exe, sizeof(t->exe) - 1);
		if (!pt->exe)
			return -ENOMEM;
	}
	return 0;
}

static void snap_group_locked(struct kernel *k, struct thread_group *tg, struct proc_task *pt)
{
	struct task *self = task_current();
	struct task *u;

	pt->tgid = tg->tgid;
	pt->ppid = tg->parent ? tg->parent->tgid : 0;
	pt->pgid = tg->pgid;
	pt->sid = tg->sid;
	pt->nr_threads = tg->nr_threads;
	pt->exit_signal = tg->exit_signal;
	pt->exit_status = tg->exit_status;
	pt->uid = tg->uid;
	pt->sig_shared = tg->shared_pending.set;
	pt->nr_queued = tg->nr_queued;
	pt->same_group = self && self->tg == tg;
	pt->utime_ns = tg_cpu_ns_locked(tg) - tg->stime_ns; /* live threads too, as its CPU clock */
	pt->stime_ns = tg->stime_ns;
	pt->cutime_ns = tg->cutime_ns;
	pt->cstime_ns = tg->cstime_ns;
	pt->minflt = tg->minflt;
	pt->cminflt = tg->cminflt;
	memcpy(pt->rlimits, tg->rlimits, sizeof(pt->rlimits));
	list_for_each_entry(u, &tg->threads, tg_node) pt->minflt +=
		__atomic_load_n(&u->minflt, __ATOMIC_RELAXED);
}

int proc_task_get(struct kernel *k, int tgid, int tid, unsigned want, struct proc_task *pt)
{
	int ret = -ESRCH;

	memset(pt, 0, sizeof(*pt));
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	struct task *t = NULL;
	if (!tg)
		goto out;
	if (tid) {
		t = task_lookup_locked(k, tid);
		if (!t || t->tg != tg)
			goto out;
	} else {
		t = tg_any_thread(tg);
	}
	snap_group_locked(k, tg, pt);
	if (!t) {
		pt->state = 'Z';
		ret = 0;
		goto out;
	}
	ret = snap_task_locked(t, want, pt);
	if (tid) {
		/* A thread's own times: its CPU clock, all counted as user time. */
		pt->utime_ns = task_thread_cpu_ns_locked(t);
		pt->stime_ns = pt->cutime_ns = pt->cstime_ns = 0;
		pt->minflt = __atomic_load_n(&t->minflt, __ATOMIC_RELAXED);
		pt->cminflt = 0;
	}
out:
	pthread_mutex_unlock(&k->lock);
	if (ret)
		proc_task_put(pt);
	return ret;
}

void proc_task_put(struct proc_task *pt)
{
	mm_put(pt->mm);
	fdtable_destroy(pt->files);
	fs_struct_put(pt->fs);
	free(pt->exe);
	cred_put(pt->cred);
	pt->cred = NULL;
	pt->mm = NULL;
	pt->files = NULL;
	pt->fs = NULL;
	pt->exe = NULL;
}

int proc_find(struct kernel *k, int id)
{
	int ret = -ENOENT;
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, id);
	if (tg) {
		ret = tg->tgid;
	} else {
		struct task *t = task_lookup_locked(k, id);
		if (t)
			ret = t->tg->tgid;
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

/* Insert id into the ascending out[0..*len) of capacity n, keeping the n smallest. */
static void insert_sorted(int *out, size_t *len, size_t n, int id)
{
	size_t i = *len;
	if (i == n) {
		if (!n || out[n - 1] <= id)
			return;
		i--;
	} else {
		(*len)++;
	}
	while (i > 0 && out[i - 1] > id) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = id;
}

size_t proc_tgids(struct kernel *k, int from, int *out, size_t n)
{
	struct thread_group *tg;
	size_t len = 0;
	pthread_mutex_lock(&k->lock);
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg->tgid >= from)
			insert_sorted(out, &len, n, tg->tgid);
	}
	pthread_mutex_unlock(&k->lock);
	return len;
}

size_t proc_tids(struct kernel *k, int tgid, int from, int *out, size_t n)
{
	struct task *t;
	size_t len = 0;
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	if (tg) {
		list_for_each_entry(t, &tg->threads, tg_node)
		{
			if (t->tid >= from)
				insert_sorted(out, &len, n, t->tid);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return len;
}

void proc_counts(struct kernel *k, struct proc_counts *c)
{
	struct thread_group *tg;
	struct task *t;

	memset(c, 0, sizeof(*c));
	pthread_mutex_lock(&k->lock);
	list_for_each_entry(tg, &k->groups, node)
	{
		c->processes++;
		list_for_each_entry(t, &tg->threads, tg_node)
		{
			c->threads++;
			if (task_state(t, tg) == 'R')
				c->running++;
		}
	}
	c->last_pid = k->last_pid;
	pthread_mutex_unlock(&k->lock);
}

int proc_set_comm(struct kernel *k, int tgid, int tid, const char *name)
{
	struct task *self = task_current();
	int ret = -ESRCH;

	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	struct task *t = !tg ? NULL : tid ? task_lookup_locked(k, tid) : tg_any_thread(tg);
	if (t && t->tg == tg) {
		ret = -EINVAL;
		if (self && self->tg == tg) {
			memset(t->comm, 0, sizeof(t->comm));
			memcpy(t->comm, name, strnlen(name, sizeof(t->comm) - 1));
			ret = 0;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

u64 proc_uptime_ns(struct kernel *k)
{
	return profile_now_ns() - k->profile.start_ns;
}
