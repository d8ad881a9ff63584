// SPDX-License-Identifier: Apache-2.0
/*
 * Tasks and processes: PIDs, creating tasks (clone, fork, vfork), their
 * host threads, exit, zombies, reparenting and reaping.
 *
 * Every guest thread is a host thread running task_run. A process is a
 * thread_group; it becomes a zombie when its last thread exits and is
 * freed when its parent reaps it (wait.c of the syscall layer) or, if the
 * parent does not want to know (SIGCHLD ignored, SA_NOCLDWAIT), at once.
 * All of it is under k->lock.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_limits.h"
#include "cred.h"
#include "futex.h"
#include "nsproxy.h"
#include "seccomp.h"
#include "lib/log.h"
#include "pidfd.h"
#include "rlimit.h"
#include "process.h"
#include "threadpool.h"
#include "signal.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/fasync.h"
#include "sentry/vfs/locks.h"
#include "sentry/tty/tty.h"

#define PID_MAX 4194304 /* /proc/sys/kernel/pid_max on 64-bit Linux */
#define PID_WRAP 300	/* Linux's RESERVED_PIDS: wrapped PIDs skip the low ones */

static bool pid_in_use_locked(struct kernel *k, int pid)
{
	struct thread_group *tg;
	struct task *t;
	list_for_each_entry(tg, &k->groups, node)
	{
		/* A process group or session keeps its ID while it has members. */
		if (tg->tgid == pid || tg->pgid == pid || tg->sid == pid)
			return true;
		list_for_each_entry(t, &tg->threads, tg_node) if (t->tid == pid) return true;
	}
	return false;
}

int pid_alloc_locked(struct kernel *k)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		int pid = k->last_pid + 1;
		if (pid >= PID_MAX)
			pid = PID_WRAP;
		k->last_pid = pid;
		if (!pid_in_use_locked(k, pid))
			return pid;
	}
	return -EAGAIN;
}

struct task *task_lookup_locked(struct kernel *k, int tid)
{
	struct thread_group *tg;
	struct task *t;
	list_for_each_entry(tg, &k->groups, node)
		list_for_each_entry(t, &tg->threads, tg_node) if (t->tid == tid) return t;
	return NULL;
}

struct thread_group *tg_lookup_locked(struct kernel *k, int tgid)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node) if (tg->tgid == tgid) return tg;
	return NULL;
}

static void sigpending_init(struct sigpending *p)
{
	p->set = 0;
	list_init(&p->queue);
}

void sigpending_clear(struct sigpending *p)
{
	struct sigqueue *q, *n;
	list_for_each_entry_safe(q, n, &p->queue, node)
	{
		list_del(&q->node);
		free(q);
	}
	p->set = 0;
}

struct task *task_alloc(struct kernel *k)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->k = k;
	task_sleep_init(t);
	sigpending_init(&t->pending);
	list_init(&t->tg_node);
	t->altstack.flags = LINUX_SS_DISABLE;
	t->dumpable = true;
	t->timer_slack_ns = 50000; /* Linux's default, 50 µs */
	return t;
}

static void task_free(struct task *t)
{
	sigpending_clear(&t->pending);
	pthread_mutex_destroy(&t->sleep_lock);
	pthread_cond_destroy(&t->sleep_cond);
	free(t->fpstate);
	cred_put(t->cred);
	nsproxy_put(t->nsproxy);
	seccomp_task_free(t);
	free(t);
}

struct thread_group *tg_alloc(struct kernel *k, int tgid)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	if (!tg)
		return NULL;
	tg->tgid = tgid;
	list_init(&tg->threads);
	list_init(&tg->children);
	list_init(&tg->sibling);
	list_init(&tg->node);
	sigpending_init(&tg->shared_pending);
	waitq_init(&tg->child_wq);
	tg->exit_signal = LINUX_SIGCHLD;
	return tg;
}

static void tg_free(struct thread_group *tg)
{
	sigpending_clear(&tg->shared_pending);
	free(tg);
}

struct sighand *sighand_alloc(void)
{
	struct sighand *sh = calloc(1, sizeof(*sh));
	if (sh)
		sh->refs = 1;
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh && !__atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL))
		free(sh);
}

void task_kick(struct task *t)
{
	if (t->ctx)
		t->ctx->p->ops->ctx_interrupt(t->ctx);
	task_kick_sleep(t);
}

void task_group_exit_locked(struct task *t, int status)
{
	struct thread_group *tg = t->tg;
	struct task *u;

	if (!tg->group_exiting) {
		tg->group_exiting = true;
		tg->group_exit_status = status;
	}
	/*
	 * t is not always the caller: a fatal signal from another process, or
	 * init's death, passes a thread of the dying group, which may be
	 * asleep. Only the calling thread sees sigpending on its own way out.
	 */
	struct task *self = task_current();
	list_for_each_entry(u, &tg->threads, tg_node)
	{
		__atomic_store_n(&u->sigpending, 1, __ATOMIC_SEQ_CST);
		if (u != self)
			task_kick(u);
	}
}

void task_group_exit(struct task *t, int status)
{
	pthread_mutex_lock(&t->k->lock);
	task_group_exit_locked(t, status);
	pthread_mutex_unlock(&t->k->lock);
}

/* Free a zombie whose parent has collected it (or never will). */
void tg_reap_locked(struct kernel *k, struct thread_group *tg)
{
	pidfd_reap_locked(tg);
	struct thread_group *parent = tg->parent;
	if (parent) {
		parent->cutime_ns += tg->utime_ns + tg->cutime_ns;
		parent->cstime_ns += tg->stime_ns + tg->cstime_ns;
		parent->cminflt += tg->minflt + tg->cminflt;
	}
	list_del(&tg->sibling);
	list_del(&tg->node);
	if (tg == k->init)
		k->init = NULL;
	tg_free(tg);
}

/* The nearest subreaper among tg's ancestors, else init (Linux's find_new_reaper). */
static struct thread_group *find_reaper(struct kernel *k, struct thread_group *tg)
{
	for (struct thread_group *a = tg->parent; a; a = a->parent)
		if (a->subreaper && a->nr_threads)
			return a;
	return k->init && k->init != tg ? k->init : NULL;
}

static bool parent_ignores_children(struct thread_group *parent)
{
	struct task *lead = list_empty(&parent->threads)
				    ? NULL
				    : list_entry(parent->threads.next, struct task, tg_node);
	if (!lead)
		return false;
	const struct linux_sigaction *a = &lead->sighand->action[LINUX_SIGCHLD - 1];
	return a->handler == LINUX_SIG_IGN || (a->flags & LINUX_SA_NOCLDWAIT);
}

/* Tell tg's parent it died: SIGCHLD (or its exit_signal) and a wake-up. */
static void notify_parent_locked(struct kernel *k, struct thread_group *tg)
{
	struct thread_group *parent = tg->parent;
	int status = tg->exit_status;

	tg->zombie = true;
	if (!parent) {
		return; /* init: sentry_run collects it */
	}
	bool autoreap = tg->exit_signal == LINUX_SIGCHLD && parent_ignores_children(parent);
	if (tg->exit_signal) {
		struct linux_siginfo info = {.signo = tg->exit_signal};
		info.chld.pid = tg->tgid;
		info.chld.uid = tg->uid;
		if (status & 0x7f) {
			info.code = (status & 0x80) ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED;
			info.chld.status = status & 0x7f;
		} else {
			info.code = LINUX_CLD_EXITED;
			info.chld.status = (status >> 8) & 0xff;
		}
		info.chld.utime = tg->utime_ns / 10000000ULL;
		info.chld.stime = tg->stime_ns / 10000000ULL;
		signal_send_group_locked(parent, &info);
	}
	waitq_wake_all(&parent->child_wq);
	if (autoreap)
		tg_reap_locked(k, tg);
}

/* A live thread of tg to stand as its children's parent thread, 0 if none. */
static int heir_tid(struct thread_group *tg)
{
	return list_empty(&tg->threads) ? 0
					: list_entry(tg->threads.next, struct task, tg_node)->tid;
}

/*
 * t, no longer among its process's threads, has exited: the processes it
 * forked pass to another thread of its process (or, with the last one, to
 * their new reaper), and their threads that asked for PR_SET_PDEATHSIG get
 * their signal, as from t (Linux's forget_original_parent).
 */
static void pdeath_notify_locked(struct task *t)
{
	struct thread_group *c;
	int heir = heir_tid(t->tg);

	list_for_each_entry(c, &t->tg->children, sibling)
	{
		if (c->parent_tid != t->tid)
			continue;
		c->parent_tid = heir;
		struct task *u;
		list_for_each_entry(u, &c->threads, tg_node)
		{
			if (!u->pdeath_signal)
				continue;
			struct linux_siginfo info = {.signo = u->pdeath_signal,
						     .code = LINUX_SI_USER};
			info.kill.pid = t->tg->tgid;
			info.kill.uid = t->uid;
			signal_send_group_locked(c, &info);
		}
	}
}

/*
 * The sandbox's init counts as a parent like any other (Linux skips only
 * the machine's init, is_global_init): it is a container's init.
 */
bool pgrp_orphaned_locked(struct kernel *k, int pgrp, const struct thread_group *ignore)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg->pgid != pgrp || tg == ignore || tg->zombie || !tg->parent)
			continue;
		if (tg->parent->pgid != pgrp && tg->parent->sid == tg->sid)
			return false;
	}
	return true;
}

static bool pgrp_has_stopped_locked(struct kernel *k, int pgrp)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg->pgid == pgrp && tg->stopped && !tg->zombie)
			return true;
	}
	return false;
}

/*
 * tg's process group may have just lost its last link to a parent in
 * another group of its session: tg exiting (parent NULL: its own
 * parent's link goes) or parent exiting and tg passing to a reaper. A
 * group orphaned with stopped members would stay stopped for good (no
 * job-control shell can reach it), so POSIX has every member get SIGHUP
 * and SIGCONT (Linux's kill_orphaned_pgrp).
 */
static void kill_orphaned_pgrp_locked(struct kernel *k, struct thread_group *tg,
				      struct thread_group *parent)
{
	const struct thread_group *ignore = parent ? NULL : tg;
	if (!parent)
		parent = tg->parent;
	if (!parent || parent->pgid == tg->pgid || parent->sid != tg->sid)
		return;
	if (pgrp_orphaned_locked(k, tg->pgid, ignore) && pgrp_has_stopped_locked(k, tg->pgid)) {
		signal_kill_pgrp_locked(k, tg->pgid, LINUX_SIGHUP);
		signal_kill_pgrp_locked(k, tg->pgid, LINUX_SIGCONT);
	}
}

/* Hand tg's children to their new reaper; zombies among them notify it. */
static void reparent_children_locked(struct kernel *k, struct thread_group *tg)
{
	struct thread_group *reaper = find_reaper(k, tg);
	struct thread_group *c, *n;

	list_for_each_entry_safe(c, n, &tg->children, sibling)
	{
		list_del(&c->sibling);
		c->parent = reaper;
		c->parent_tid = reaper ? heir_tid(reaper) : 0;
		if (!reaper) {
			list_init(&c->sibling);
			if (c->zombie)
				tg_reap_locked(k, c);
			continue;
		}
		list_add_tail(&c->sibling, &reaper->children);
		/* A reaper that is not the parent gets SIGCHLD, never a custom signal. */
		c->exit_signal = LINUX_SIGCHLD;
		kill_orphaned_pgrp_locked(k, c, tg);
		if (c->zombie) {
			c->zombie = false;
			notify_parent_locked(k, c);
		}
	}
}

/* init died: every other process in the sandbox dies with it. */
static void kill_all_locked(struct kernel *k, struct thread_group *except)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg == except || !tg->nr_threads)
			continue;
		struct task *any = list_entry(tg->threads.next, struct task, tg_node);
		task_group_exit_locked(any, LINUX_SIGKILL);
	}
}

/*
 * The end of a task's thread: give back what it holds, and if it was its
 * process's last thread, make the process a zombie and tell the parent.
 */
static void task_exit_final(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;

	task_exit_mm_release(t);
	task_vfork_done(t);

	pthread_mutex_lock(&k->lock);
	struct platform_ctx *ctx = t->ctx;
	t->ctx = NULL;	    /* no more kicks: the context goes */
	t->released = true; /* nor snapshots of what follows */
	pthread_mutex_unlock(&k->lock);
	if (ctx)
		ctx->p->ops->ctx_destroy(ctx);
	mm_put(t->mm);
	fdtable_destroy(t->files);
	fs_struct_put(t->fs);
	sighand_put(t->sighand);
	t->mm = NULL;
	/* The closes above may have signalled owners; what wakes later is not t's. */
	fasync_flush(t);
	task_set_current(NULL);

	pthread_mutex_lock(&k->lock);
	u64 cpu = task_cpu_ns();
	tg->utime_ns += cpu;
	tg->minflt += __atomic_load_n(&t->minflt, __ATOMIC_RELAXED);
	list_del(&t->tg_node);
	if (tg->leader == t)
		tg->leader = NULL;
	pdeath_notify_locked(t);
	if (--tg->nr_threads == 0) {
		tg_timers_exit_locked(tg);
		ipc_exit_process(k, tg->tgid); /* SEM_UNDO, before the parent can see the exit */
		tty_exit_locked(k, tg);	       /* a session leader leaves its terminal */
		tg->exit_status = tg->group_exiting ? tg->group_exit_status : t->exit_status;
		pidfd_exit_locked(tg);
		if (tg == k->init) {
			k->exit_status = tg->exit_status;
			kill_all_locked(k, tg);
		}
		reparent_children_locked(k, tg);
		kill_orphaned_pgrp_locked(k, tg, NULL);
		notify_parent_locked(k, tg);
	}
	if (--k->nr_tasks == 0) {
		u64 one = 1;
		ssize_t __unused w = write(k->done_fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&k->lock);
	task_free(t);
}

static void task_main(void *arg)
{
	struct task *t = arg;
	struct platform *p = t->k->platform;
	struct platform_ctx *ctx;

	task_set_current(t);
	t->cpu_base_ns = task_cpu_ns(); /* t is current, its base still 0: the thread's clock */
	pthread_getcpuclockid(pthread_self(), &t->cpu_clock); /* for CPU-time timers (itimer.c) */
	int ret = p->ops->ctx_create(p, &ctx);
	if (!ret && t->fpstate)
		ret = p->ops->ctx_set_fpstate(ctx, t->fpstate);
	if (ret) {
		pr_err("tid %d: cannot create an execution context: %s", t->tid, strerror(-ret));
		if (!ret)
			p->ops->ctx_destroy(ctx);
		t->exit_status = LINUX_SIGKILL;
	} else {
		pthread_mutex_lock(&t->k->lock);
		t->ctx = ctx;
		pthread_mutex_unlock(&t->k->lock);
		/* CLONE_CHILD_SETTID writes in the child's own mm, as the child. */
		if (t->set_child_tid) {
			u32 tid = t->tid;
			if (mm_copy_to_user(t->mm, uaddr(t->set_child_tid), &tid, sizeof(tid)))
				pr_debug("tid %d: LINUX_CLONE_CHILD_SETTID address not writable",
					 t->tid);
		}
		task_run(t);
	}
	task_exit_final(t);
}

int task_start(struct task *t)
{
	return threadpool_run(task_main, t);
}

/*
 * vfork: the parent sleeps until the child execs or exits, killable only
 * (as Linux's wait_for_vfork_done). The record is shared and refcounted
 * because either side may go first.
 */
struct vfork_done {
	int refs; /* atomic */
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct vfork_done *vfork_done_alloc(void)
{
	struct vfork_done *vd = calloc(1, sizeof(*vd));
	if (!vd)
		return NULL;
	vd->refs = 1;
	pthread_mutex_init(&vd->lock, NULL);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC); /* deadline_after's clock */
	pthread_cond_init(&vd->cond, &a);
	pthread_condattr_destroy(&a);
	return vd;
}

static struct vfork_done *vfork_done_get(struct vfork_done *vd)
{
	__atomic_fetch_add(&vd->refs, 1, __ATOMIC_RELAXED);
	return vd;
}

static void vfork_done_put(struct vfork_done *vd)
{
	if (!vd || __atomic_sub_fetch(&vd->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_destroy(&vd->lock);
	pthread_cond_destroy(&vd->cond);
	free(vd);
}

void task_vfork_done(struct task *t)
{
	struct vfork_done *vd = t->vfork_done;
	if (!vd)
		return;
	t->vfork_done = NULL;
	pthread_mutex_lock(&vd->lock);
	vd->done = true;
	pthread_cond_broadcast(&vd->cond);
	pthread_mutex_unlock(&vd->lock);
	vfork_done_put(vd);
}

static void vfork_wait(struct task *p, struct vfork_done *vd)
{
	task_release_cpu(p);
	pthread_mutex_lock(&vd->lock);
	while (!vd->done) {
		/* Only death ends the wait (an execve elsewhere too); poll for it between naps. */
		if (__atomic_load_n(&p->tg->group_exiting, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&p->zapped, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&p->k->killed, __ATOMIC_SEQ_CST))
			break;
		static const struct timespec nap = {0, 20 * 1000 * 1000};
		struct timespec until = deadline_after(&nap);
		pthread_cond_timedwait(&vd->cond, &vd->lock, &until);
	}
	pthread_mutex_unlock(&vd->lock);
}

/*
 * A thread leaving its mm (exit, execve): its robust futexes are released
 * and CLONE_CHILD_CLEARTID's word is cleared and woken (pthread_join).
 */
void task_exit_mm_release(struct task *t)
{
	if (t->mm)
		futex_exit_release(t, true);
}

/*
 * execve from a thread of a multithreaded process: every other thread
 * dies first (Linux's de_thread), and t takes over the process's ID.
 */
static void kill_other_threads(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct task *u;

	pthread_mutex_lock(&k->lock);
	list_for_each_entry(u, &tg->threads, tg_node)
	{
		if (u == t)
			continue;
		__atomic_store_n(&u->zapped, true, __ATOMIC_SEQ_CST);
		__atomic_store_n(&u->sigpending, 1, __ATOMIC_SEQ_CST);
		task_kick(u);
	}
	while (tg->nr_threads > 1) {
		pthread_mutex_unlock(&k->lock);
		/* One waiting for a vCPU gets to its exit only through ours. */
		task_release_cpu(t);
		struct timespec nap = {0, 1000 * 1000};
		nanosleep(&nap, NULL);
		pthread_mutex_lock(&k->lock);
	}
	if (t->tid != tg->tgid) {
		t->tid = tg->tgid;
		tg->leader = t;
	}
	pthread_mutex_unlock(&k->lock);
}

static int sighand_reset_for_exec(struct task *t)
{
	struct sighand *sh = t->sighand;
	if (__atomic_load_n(&sh->refs, __ATOMIC_ACQUIRE) > 1) {
		/* Shared with another process (CLONE_SIGHAND without threads): copy. */
		struct sighand *copy = sighand_alloc();
		if (!copy)
			return -ENOMEM;
		pthread_mutex_lock(&t->k->lock);
		memcpy(copy->action, sh->action, sizeof(copy->action));
		t->sighand = copy;
		pthread_mutex_unlock(&t->k->lock);
		sighand_put(sh);
		sh = copy;
	}
	pthread_mutex_lock(&t->k->lock);
	/* Handlers are code of the old program; ignored signals stay ignored. */
	for (int i = 0; i < LINUX_NSIG; i++)
		if (sh->action[i].handler != LINUX_SIG_IGN)
			sh->action[i] = (struct linux_sigaction){.handler = LINUX_SIG_DFL};
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

void exec_commit(struct task *t, struct mm *mm, const char *exe, const char *comm,
		 struct exec_creds *ec)
{
	struct platform *p = t->k->platform;

	kill_other_threads(t);
	task_exit_mm_release(t);
	struct mm *old = t->mm;
	t->mm = mm;
	task_vfork_done(t);
	mm_put(old);
	t->robust_list = 0;
	cred_exec_commit(t, ec);

	struct fdtable *files = fdtable_copy(t->files);
	if (files) {
		locks_move_owner(t->files, files);
		fdtable_destroy(t->files);
		t->files = files;
	}
	fdtable_close_on_exec(t->files);
	if (sighand_reset_for_exec(t))
		pr_warn_ratelimited("tid %d: execve kept a shared signal table", t->tid);
	t->altstack = (struct linux_stack){.flags = LINUX_SS_DISABLE};
	tg_timers_exec(t);
	if (t->ctx && p->fpstate_init)
		p->ops->ctx_set_fpstate(t->ctx, p->fpstate_init);

	snprintf(t->exe, sizeof(t->exe), "%s", exe);
	memset(t->comm, 0, sizeof(t->comm));
	memcpy(t->comm, comm, MIN(strlen(comm), sizeof(t->comm) - 1));
	pthread_mutex_lock(&t->k->lock);
	t->tg->execed = true;
	pthread_mutex_unlock(&t->k->lock);
}

/* Register t as a new thread of tg (or as the leader of a new tg). k->lock held. */
static void attach_locked(struct kernel *k, struct task *t, struct thread_group *tg)
{
	t->tg = tg;
	list_add_tail(&t->tg_node, &tg->threads);
	tg->nr_threads++;
	k->nr_tasks++;
}

int task_register_init(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = tg_alloc(k, 1);
	if (!tg)
		return -ENOMEM;
	pthread_mutex_lock(&k->lock);
	t->tid = 1;
	k->last_pid = 1;
	tg->leader = t;
	tg->pgid = tg->sid = 1;
	tg->uid = t->uid;
	tg->exit_signal = 0;
	memcpy(tg->rlimits, k->init_rlimits, sizeof(tg->rlimits));
	list_add_tail(&tg->node, &k->groups);
	k->init = tg;
	attach_locked(k, t, tg);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static int clone_check_flags(struct task *p, const struct clone_request *req)
{
	u64 f = req->flags;
	int ret;

	if ((f & (LINUX_CLONE_NEWNS | LINUX_CLONE_FS)) == (LINUX_CLONE_NEWNS | LINUX_CLONE_FS) ||
	    (f & (LINUX_CLONE_NEWUSER | LINUX_CLONE_FS)) == (LINUX_CLONE_NEWUSER | LINUX_CLONE_FS))
		return -EINVAL;
	if ((f & LINUX_CLONE_THREAD) && !(f & LINUX_CLONE_SIGHAND))
		return -EINVAL;
	if ((f & LINUX_CLONE_SIGHAND) && !(f & LINUX_CLONE_VM))
		return -EINVAL;
	if ((f & LINUX_CLONE_CLEAR_SIGHAND) && (f & LINUX_CLONE_SIGHAND))
		return -EINVAL;
	/* init's siblings would have no parent in the sandbox (Linux: EINVAL). */
	if ((f & LINUX_CLONE_PARENT) && p->tg == p->k->init)
		return -EINVAL;
	if (req->exit_signal > LINUX_NSIG)
		return -EINVAL;
	if (f & LINUX_CLONE_INTO_CGROUP)
		return -EBADF; /* no cgroup file descriptor can be valid here */
	/*
	 * Namespaces (nsproxy.c): mount, UTS and IPC are made; cgroup is the
	 * one flat view (accepted); PID, net, user and time are -EINVAL;
	 * every one but user needs CAP_SYS_ADMIN (-EPERM first), as Linux.
	 */
	if ((f & LINUX_CLONE_NEW_ANY) && (ret = nsproxy_check_flags(p, f)))
		return ret;
	/* A new IPC namespace cannot share the parent's semaphore undos (copy_namespaces). */
	if ((f & (LINUX_CLONE_NEWIPC | LINUX_CLONE_SYSVSEM)) ==
	    (LINUX_CLONE_NEWIPC | LINUX_CLONE_SYSVSEM))
		return -EINVAL;
	/* clone() returns the pidfd at parent_tid: not both there (Linux's kernel_clone). */
	if ((f & LINUX_CLONE_PIDFD) &&
	    ((f & (LINUX_CLONE_DETACHED | LINUX_CLONE_THREAD)) ||
	     ((f & LINUX_CLONE_PARENT_SETTID) && req->pidfd == req->parent_tid)))
		return -EINVAL;
	return 0;
}

/* Copy what the child gets of p's per-task state, sharing per the flags. */
static int clone_resources(struct task *p, struct task *c, u64 f)
{
	c->mm = (f & LINUX_CLONE_VM) ? mm_get(p->mm) : mm_fork(p->mm);
	if (IS_ERR(c->mm)) {
		int ret = PTR_ERR(c->mm);
		c->mm = NULL;
		return ret;
	}
	c->files = (f & LINUX_CLONE_FILES) ? fdtable_share(p->files) : fdtable_copy(p->files);
	if (!c->files)
		return -ENOMEM;
	c->fs = (f & LINUX_CLONE_FS) ? fs_struct_get(p->fs) : fs_struct_copy(p->fs);
	if (!c->fs)
		return -ENOMEM;
	int ret = nsproxy_clone(p, c, f); /* after c->fs: a new mount namespace moves it */
	if (ret)
		return ret;
	if (f & LINUX_CLONE_SIGHAND) {
		__atomic_fetch_add(&p->sighand->refs, 1, __ATOMIC_RELAXED);
		c->sighand = p->sighand;
	} else {
		c->sighand = sighand_alloc();
		if (!c->sighand)
			return -ENOMEM;
		pthread_mutex_lock(&p->k->lock);
		memcpy(c->sighand->action, p->sighand->action, sizeof(c->sighand->action));
		pthread_mutex_unlock(&p->k->lock);
		if (f & LINUX_CLONE_CLEAR_SIGHAND)
			for (int i = 0; i < LINUX_NSIG; i++)
				if (c->sighand->action[i].handler != LINUX_SIG_IGN)
					c->sighand->action[i] =
						(struct linux_sigaction){.handler = LINUX_SIG_DFL};
	}
	return 0;
}

static void clone_undo(struct task *c)
{
	mm_put(c->mm);
	fdtable_destroy(c->files);
	fs_struct_put(c->fs);
	sighand_put(c->sighand);
	task_free(c);
}

long task_clone(struct task *p, const struct clone_request *req)
{
	struct kernel *k = p->k;
	u64 f = req->flags;
	int ret = clone_check_flags(p, req);
	if (ret)
		return ret;

	struct task *c = task_alloc(k);
	if (!c)
		return -ENOMEM;
	ret = clone_resources(p, c, f);
	if (!ret) {
		c->fpstate = malloc(k->platform->fpstate_size);
		ret = c->fpstate ? p->ctx->p->ops->ctx_get_fpstate(p->ctx, c->fpstate) : -ENOMEM;
	}
	if (ret) {
		clone_undo(c);
		return ret;
	}
	c->regs = p->regs;
	c->regs.rax = 0;
	if (req->stack)
		c->regs.rsp = req->stack + req->stack_size;
	if (f & LINUX_CLONE_SETTLS)
		c->regs.fs_base = req->tls;
	c->uid = p->uid;
	c->gid = p->gid;
	c->cred = cred_get(p->cred);
	c->dumpable = p->dumpable;
	c->no_new_privs = p->no_new_privs;
	c->personality = p->personality;
	sched_fork(c, p);
	c->timer_slack_ns = p->timer_slack_ns;
	c->trap = p->trap; /* as Linux copies the thread struct */
	memcpy(c->exe, p->exe, sizeof(c->exe));
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->sigmask = p->sigmask;
	/* A thread sharing the stack pointer's memory must not share the altstack. */
	if ((f & (LINUX_CLONE_VM | LINUX_CLONE_VFORK)) != LINUX_CLONE_VM)
		c->altstack = p->altstack;
	if (f & LINUX_CLONE_CHILD_CLEARTID)
		c->clear_child_tid = req->child_tid;
	if (f & LINUX_CLONE_CHILD_SETTID)
		c->set_child_tid = req->child_tid;
	struct pidfd_clone pc = {0};
	if ((f & LINUX_CLONE_PIDFD) && (ret = pidfd_clone_prepare(p, req->pidfd, &pc))) {
		clone_undo(c);
		return ret;
	}

	pthread_mutex_lock(&k->lock);
	/* A fatal signal or exit_group raced with us: the caller is dying anyway. */
	if (p->tg->group_exiting || __atomic_load_n(&k->killed, __ATOMIC_SEQ_CST)) {
		pthread_mutex_unlock(&k->lock);
		pidfd_clone_abort(p, &pc);
		clone_undo(c);
		return -ERESTARTNOINTR;
	}
	int tid = rlimit_nproc_check_locked(p) ?: pids_limit_check_locked(k) ?: pid_alloc_locked(k);
	if (tid < 0) {
		pthread_mutex_unlock(&k->lock);
		pidfd_clone_abort(p, &pc);
		clone_undo(c);
		return tid;
	}
	c->tid = tid;
	seccomp_fork_locked(c, p); /* here, where a TSYNC cannot slip between copy and attach */
	if (f & LINUX_CLONE_THREAD) {
		attach_locked(k, c, p->tg);
	} else {
		struct thread_group *tg = tg_alloc(k, tid);
		if (!tg) {
			pthread_mutex_unlock(&k->lock);
			pidfd_clone_abort(p, &pc);
			clone_undo(c);
			return -ENOMEM;
		}
		tg->leader = c;
		tg->parent = (f & LINUX_CLONE_PARENT) ? p->tg->parent : p->tg;
		tg->pgid = p->tg->pgid;
		tg->sid = p->tg->sid;
		tg->no_ctty = p->tg->no_ctty; /* fork inherits the controlling terminal, or none */
		tg->uid = c->uid;
		tg->exit_signal = (f & LINUX_CLONE_PARENT) ? p->tg->exit_signal : req->exit_signal;
		tg->parent_tid = (f & LINUX_CLONE_PARENT) ? p->tg->parent_tid : p->tid;
		memcpy(tg->rlimits, p->tg->rlimits, sizeof(tg->rlimits));
		tg->oom_score_adj = p->tg->oom_score_adj;
		tg->oom_score_adj_min = p->tg->oom_score_adj_min;
		list_add_tail(&tg->sibling, &tg->parent->children);
		list_add_tail(&tg->node, &k->groups);
		attach_locked(k, c, tg);
		pidfd_clone_bind_locked(&pc, tg);
	}
	pthread_mutex_unlock(&k->lock);

	if (f & LINUX_CLONE_PARENT_SETTID) {
		u32 v = tid;
		/* Linux ignores a bad address here too: the child exists already. */
		if (mm_copy_to_user(p->mm, uaddr(req->parent_tid), &v, sizeof(v)))
			pr_debug("clone: LINUX_CLONE_PARENT_SETTID address not writable");
	}
	struct vfork_done *vd = NULL;
	if ((f & LINUX_CLONE_VFORK) && (vd = vfork_done_alloc()))
		c->vfork_done = vfork_done_get(vd);
	ret = task_start(c);
	if (ret) {
		/* No thread: unwind as if the child exited at once, killed. */
		c->exit_status = LINUX_SIGKILL;
		task_exit_final(c);
	} else if (vd) {
		vfork_wait(p, vd);
	}
	vfork_done_put(vd);
	return ret ? ret : tid;
}
