// SPDX-License-Identifier: Apache-2.0
/*
 * Sending and delivering signals, as Linux's kernel/signal.c does it:
 * standard signals coalesce, real-time ones queue; a signal for a process
 * goes to a thread that does not block it; a fatal one ends the whole
 * group at once; stop signals stop every thread until SIGCONT; PID 1
 * ignores default-action signals from inside the sandbox (as init of a
 * PID namespace does).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "sentry/vfs/signalfd.h"
#include "process.h"
#include "sigframe.h"
#include "signal.h"

/* Real-time signals queued per process at most (RLIMIT_SIGPENDING's role). */
#define SIGQUEUE_MAX 4096

#define SIG_STOP_MASK                                                               \
	(SIG_BIT(LINUX_SIGSTOP) | SIG_BIT(LINUX_SIGTSTP) | SIG_BIT(LINUX_SIGTTIN) | \
	 SIG_BIT(LINUX_SIGTTOU))
#define SIG_IGNORE_MASK                                                             \
	(SIG_BIT(LINUX_SIGCHLD) | SIG_BIT(LINUX_SIGURG) | SIG_BIT(LINUX_SIGWINCH) | \
	 SIG_BIT(LINUX_SIGCONT))
#define SIG_SYNC_MASK                                                             \
	(SIG_BIT(LINUX_SIGSEGV) | SIG_BIT(LINUX_SIGBUS) | SIG_BIT(LINUX_SIGILL) | \
	 SIG_BIT(LINUX_SIGTRAP) | SIG_BIT(LINUX_SIGFPE) | SIG_BIT(LINUX_SIGSYS))

static bool sig_default_ignored(int sig)
{
	return sig <= 32 && (SIG_IGNORE_MASK & SIG_BIT(sig));
}

static bool sig_default_stops(int sig)
{
	return sig <= 32 && (SIG_STOP_MASK & SIG_BIT(sig));
}

struct linux_siginfo siginfo_kernel(int sig, int code, u64 addr)
{
	struct linux_siginfo info = {.signo = sig, .code = code};
	info.fault.addr = addr;
	return info;
}

struct linux_siginfo siginfo_user(const struct task *sender, int sig, int code)
{
	struct linux_siginfo info = {.signo = sig, .code = code};
	info.kill.pid = sender->tg->tgid;
	info.kill.uid = sender->uid;
	return info;
}

void signal_recalc_locked(struct task *t)
{
	u64 pending = (t->pending.set | t->tg->shared_pending.set) & ~t->sigmask;
	/* Everything that makes signal_deliver act, or a recalc loses it. */
	bool p = pending || t->tg->group_exiting || t->tg->stopped ||
		 __atomic_load_n(&t->zapped, __ATOMIC_SEQ_CST) ||
		 __atomic_load_n(&t->k->killed, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->sigpending, p, __ATOMIC_SEQ_CST);
}

static void pending_remove(struct sigpending *p, u64 mask)
{
	struct sigqueue *q, *n;
	if (!(p->set & mask))
		return;
	p->set &= ~mask;
	list_for_each_entry_safe(q, n, &p->queue, node)
	{
		if (mask & SIG_BIT(q->info.signo)) {
			q->tg->nr_queued--;
			list_del(&q->node);
			free(q);
		}
	}
}

static struct task *any_thread(struct thread_group *tg)
{
	return list_empty(&tg->threads) ? NULL : list_entry(tg->threads.next, struct task, tg_node);
}

/* Tell the parent a child stopped or continued (SIGCHLD unless SA_NOCLDSTOP). */
static void notify_parent_stop_locked(struct thread_group *tg, int code, int sig)
{
	struct thread_group *parent = tg->parent;
	struct task *pt = parent ? any_thread(parent) : NULL;
	if (!pt)
		return;
	if (!(pt->sighand->action[LINUX_SIGCHLD - 1].flags & LINUX_SA_NOCLDSTOP)) {
		struct linux_siginfo info = {.signo = LINUX_SIGCHLD, .code = code};
		info.chld.pid = tg->tgid;
		info.chld.uid = tg->uid;
		info.chld.status = sig;
		signal_send_group_locked(parent, &info);
	}
	waitq_wake_all(&parent->child_wq);
}

/*
 * What sending sig does before it is queued: stop signals cancel a
 * pending SIGCONT and SIGCONT cancels pending stops and resumes a
 * stopped process, even when the signal itself is then ignored.
 */
static void prepare_signal_locked(struct thread_group *tg, int sig)
{
	struct task *u;
	if (sig_default_stops(sig)) {
		pending_remove(&tg->shared_pending, SIG_BIT(LINUX_SIGCONT));
		list_for_each_entry(u, &tg->threads, tg_node)
			pending_remove(&u->pending, SIG_BIT(LINUX_SIGCONT));
	} else if (sig == LINUX_SIGCONT) {
		pending_remove(&tg->shared_pending, SIG_STOP_MASK);
		list_for_each_entry(u, &tg->threads, tg_node)
			pending_remove(&u->pending, SIG_STOP_MASK);
		if (tg->stopped) {
			tg->stopped = false;
			tg->report_stop = false;
			tg->report_continue = true;
			notify_parent_stop_locked(tg, LINUX_CLD_CONTINUED, LINUX_SIGCONT);
			list_for_each_entry(u, &tg->threads, tg_node)
			{
				signal_recalc_locked(u);
				task_kick_sleep(u);
			}
		}
	}
}

/*
 * Blocked for delivery: the mask, or the mask that sigtimedwait lifted
 * while it waits (Linux's real_blocked): a signal it waits for must be
 * queued for it, not ignored nor fatal, even with SIG_DFL.
 */
static bool sig_blocked_locked(const struct task *t, int sig)
{
	return (t->sigmask | t->real_blocked) & SIG_BIT(sig);
}

/* Whether handler means "drop sig" for any process (POSIX's discard rule). */
static bool sig_handler_ignored(u64 handler, int sig)
{
	return handler == LINUX_SIG_IGN || (handler == LINUX_SIG_DFL && sig_default_ignored(sig));
}

static bool sig_ignored_locked(struct task *t, int sig, bool force)
{
	u64 handler = t->sighand->action[sig - 1].handler;
	/* A blocked signal stays: the handler may change before it is unblocked. */
	if (sig_blocked_locked(t, sig))
		return false;
	if (handler == LINUX_SIG_IGN)
		return true;
	if (handler != LINUX_SIG_DFL)
		return false;
	if (sig_default_ignored(sig))
		return true;
	/* init takes only signals it handles, unless the kernel forces one. */
	return t->tg == t->k->init && !force;
}

static int queue_locked(struct sigpending *p, struct thread_group *tg,
			const struct linux_siginfo *info)
{
	int sig = info->signo;
	if (sig < LINUX_SIGRTMIN && (p->set & SIG_BIT(sig)))
		return 0; /* standard signals do not queue */
	struct sigqueue *q = NULL;
	if (tg->nr_queued < SIGQUEUE_MAX)
		q = malloc(sizeof(*q));
	if (q) {
		q->info = *info;
		q->tg = tg;
		list_add_tail(&q->node, &p->queue);
		tg->nr_queued++;
	} else if (sig >= LINUX_SIGRTMIN && info->code <= 0) {
		return -EAGAIN; /* sigqueue from user space: the queue is full */
	}
	/* A standard signal without a queue entry is still pending (SI_KERNEL info). */
	p->set |= SIG_BIT(sig);
	return 0;
}

static bool sig_fatal_locked(struct task *t, int sig)
{
	u64 handler = t->sighand->action[sig - 1].handler;
	if (sig == LINUX_SIGKILL)
		return true;
	return handler == LINUX_SIG_DFL && !sig_default_ignored(sig) && !sig_default_stops(sig) &&
	       !sig_blocked_locked(t, sig);
}

static int send_locked(struct task *t, struct thread_group *tg, const struct linux_siginfo *info,
		       bool force)
{
	int sig = info->signo;
	struct task *target = t ? t : any_thread(tg);

	if (!target || tg->group_exiting)
		return 0; /* a zombie or a dying process: nothing to do */
	prepare_signal_locked(tg, sig);
	if (sig_ignored_locked(target, sig, force))
		return 0;
	int ret = queue_locked(t ? &t->pending : &tg->shared_pending, tg, info);
	if (ret)
		return ret;
	signalfd_notify(); /* its readers and pollers look again */
	/* A process signal goes to a thread that does not block it, if any. */
	if (!t) {
		struct task *u;
		list_for_each_entry(u, &tg->threads, tg_node)
		{
			if (!(u->sigmask & SIG_BIT(sig))) {
				target = u;
				break;
			}
		}
	}
	/* Nothing could catch it: the whole process dies now, every thread. */
	if (sig_fatal_locked(target, sig) && (tg != target->k->init || force)) {
		task_group_exit_locked(target, sig);
		return 0;
	}
	signal_recalc_locked(target);
	/*
	 * The sender's own task is in the Sentry, and looks at its signals
	 * before it returns to the guest (task_run) or sleeps (task_sleep):
	 * a kick would only cost it a host signal, an empty KVM_RUN and a
	 * re-kick timer.
	 */
	if (task_signal_pending(target) && target != task_current())
		task_kick(target);
	return 0;
}

int signal_send_thread_locked(struct task *t, const struct linux_siginfo *info)
{
	return send_locked(t, t->tg, info, false);
}

int signal_send_group_locked(struct thread_group *tg, const struct linux_siginfo *info)
{
	return send_locked(NULL, tg, info, false);
}

int signal_send_group_kernel_locked(struct thread_group *tg, const struct linux_siginfo *info)
{
	/* Linux's SEND_SIG_PRIV: init is spared only what is not SIGKILL or SIGSTOP. */
	bool force = info->signo == LINUX_SIGKILL || info->signo == LINUX_SIGSTOP;
	return send_locked(NULL, tg, info, force);
}

int signal_send_thread(struct task *t, const struct linux_siginfo *info)
{
	pthread_mutex_lock(&t->k->lock);
	int ret = signal_send_thread_locked(t, info);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

int signal_send_group(struct thread_group *tg, const struct linux_siginfo *info)
{
	struct task *any = any_thread(tg);
	if (!any)
		return 0;
	struct kernel *k = any->k;
	pthread_mutex_lock(&k->lock);
	int ret = signal_send_group_locked(tg, info);
	pthread_mutex_unlock(&k->lock);
	return ret;
}

void signal_force(struct task *t, const struct linux_siginfo *info)
{
	int sig = info->signo;
	pthread_mutex_lock(&t->k->lock);
	struct linux_sigaction *a = &t->sighand->action[sig - 1];
	bool blocked = t->sigmask & SIG_BIT(sig);
	if (a->handler == LINUX_SIG_IGN || blocked) {
		a->handler = LINUX_SIG_DFL;
		if (blocked)
			t->sigmask &= ~SIG_BIT(sig);
	}
	send_locked(t, t->tg, info, true);
	signal_recalc_locked(t);
	pthread_mutex_unlock(&t->k->lock);
}

void signal_set_mask_locked(struct task *t, u64 mask)
{
	t->sigmask = mask & ~SIG_UNBLOCKABLE;
	signal_recalc_locked(t);
	/*
	 * Unblocking may expose a process signal that another thread could
	 * not take: this one takes it now (recalc above); blocking one hands
	 * process signals to the others.
	 */
	if (t->tg->shared_pending.set & mask) {
		struct task *u;
		list_for_each_entry(u, &t->tg->threads, tg_node)
		{
			if (u != t && (t->tg->shared_pending.set & ~u->sigmask)) {
				signal_recalc_locked(u);
				task_kick(u);
				break;
			}
		}
	}
}

void signal_set_temporary_mask(struct task *t, u64 mask)
{
	pthread_mutex_lock(&t->k->lock);
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	signal_set_mask_locked(t, mask);
	pthread_mutex_unlock(&t->k->lock);
}

void signal_restore_temporary_mask(struct task *t)
{
	pthread_mutex_lock(&t->k->lock);
	if (t->restore_sigmask) {
		t->restore_sigmask = false;
		signal_set_mask_locked(t, t->saved_sigmask);
	}
	pthread_mutex_unlock(&t->k->lock);
}

void signal_set_mask(struct task *t, u64 mask)
{
	pthread_mutex_lock(&t->k->lock);
	signal_set_mask_locked(t, mask);
	pthread_mutex_unlock(&t->k->lock);
}

static int dequeue_from(struct sigpending *p, int sig, struct linux_siginfo *info)
{
	struct sigqueue *q, *found = NULL;
	bool more = false;
	list_for_each_entry(q, &p->queue, node)
	{
		if (q->info.signo != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		found = q;
	}
	if (found) {
		*info = found->info;
		found->tg->nr_queued--;
		list_del(&found->node);
		free(found);
	} else {
		*info = (struct linux_siginfo){.signo = sig, .code = LINUX_SI_KERNEL};
	}
	if (!more)
		p->set &= ~SIG_BIT(sig);
	return sig;
}

int signal_dequeue_locked(struct task *t, u64 allowed, struct linux_siginfo *info)
{
	/* Synchronous signals first: they report the instruction that just ran. */
	u64 mine = t->pending.set & allowed;
	u64 sync = mine & SIG_SYNC_MASK;
	if (sync)
		return dequeue_from(&t->pending, __builtin_ctzll(sync) + 1, info);
	if (mine)
		return dequeue_from(&t->pending, __builtin_ctzll(mine) + 1, info);
	u64 shared = t->tg->shared_pending.set & allowed;
	if (shared)
		return dequeue_from(&t->tg->shared_pending, __builtin_ctzll(shared) + 1, info);
	return 0;
}

/* Stop the process for sig and sleep until SIGCONT or death (k->lock held, dropped while asleep). */
static void do_group_stop_locked(struct task *t, int sig)
{
	struct thread_group *tg = t->tg;
	struct task *u;
	if (!tg->stopped) {
		tg->stopped = true;
		tg->stop_signal = sig;
		tg->report_stop = true;
		tg->report_continue = false;
		list_for_each_entry(u, &tg->threads, tg_node)
		{
			signal_recalc_locked(u);
			if (u != t)
				task_kick(u);
		}
		notify_parent_stop_locked(tg, LINUX_CLD_STOPPED, sig);
	}
}

static void stopped_sleep(struct task *t)
{
	struct kernel *k = t->k;
	task_release_cpu(t);
	pthread_mutex_lock(&t->sleep_lock);
	t->sleeping = true;
	while (__atomic_load_n(&t->tg->stopped, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&t->tg->group_exiting, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&k->killed, __ATOMIC_SEQ_CST))
		pthread_cond_wait(&t->sleep_cond, &t->sleep_lock);
	t->sleeping = false;
	pthread_mutex_unlock(&t->sleep_lock);
}

/* Finish the syscall interrupted with a restart code in rax. */
static void syscall_restart(struct task *t, const struct linux_sigaction *act)
{
	long rax = (long)t->regs.rax;
	bool restart;
	switch (rax) {
	case -ERESTARTNOINTR:
		restart = true;
		break;
	case -ERESTARTSYS:
		restart = !act || (act->flags & LINUX_SA_RESTART);
		break;
	case -ERESTARTNOHAND:
		restart = !act;
		break;
	case -ERESTART_RESTARTBLOCK:
		/* Without a handler, go on in restart_syscall(2) (219; t->restart, sys_time.c). */
		if ((restart = !act))
			t->regs.orig_rax = 219;
		else /* EINTR: nothing left to restart (Linux clears it at sigreturn) */
			t->restart.fn = NULL;
		break;
	default:
		return;
	}
	if (restart) {
		t->regs.rax = t->regs.orig_rax;
		t->regs.rip -= 2; /* back onto the syscall instruction */
	} else {
		t->regs.rax = (u64)-EINTR;
	}
}

static bool is_restart_code(u64 rax)
{
	long r = (long)rax;
	return r == -ERESTARTSYS || r == -ERESTARTNOINTR || r == -ERESTARTNOHAND ||
	       r == -ERESTART_RESTARTBLOCK;
}

void signal_deliver(struct task *t, bool from_syscall)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct linux_siginfo info;
	bool restart_pending = from_syscall && is_restart_code(t->regs.rax);

	pthread_mutex_lock(&k->lock);
	for (;;) {
		if (__atomic_load_n(&t->zapped, __ATOMIC_SEQ_CST) && !t->exiting) {
			t->exiting = true;
			t->exit_status = 0;
		}
		if (tg->group_exiting || t->exiting) {
			if (!t->exiting) {
				t->exiting = true;
				t->exit_status = tg->group_exit_status;
			}
			pthread_mutex_unlock(&k->lock);
			return;
		}
		int killed = __atomic_load_n(&k->killed, __ATOMIC_SEQ_CST);
		if (killed) {
			task_group_exit_locked(t, killed);
			continue;
		}
		if (tg->stopped) {
			pthread_mutex_unlock(&k->lock);
			stopped_sleep(t);
			pthread_mutex_lock(&k->lock);
			signal_recalc_locked(t);
			continue;
		}
		int sig = signal_dequeue_locked(t, ~t->sigmask, &info);
		if (!sig)
			break;
		struct linux_sigaction act = t->sighand->action[sig - 1];
		if (act.handler == LINUX_SIG_IGN)
			continue;
		if (act.handler == LINUX_SIG_DFL) {
			if (sig_default_ignored(sig))
				continue;
			/*
			 * init takes only what it handles: a signal queued while
			 * blocked and unblocked since is dropped here (Linux's
			 * SIGNAL_UNKILLABLE check in get_signal).
			 */
			if (tg == k->init && sig != LINUX_SIGKILL && sig != LINUX_SIGSTOP)
				continue;
			if (sig_default_stops(sig)) {
				/*
				 * POSIX: nobody outside an orphaned group could
				 * continue it, so the terminal's stops are
				 * dropped there (SIGSTOP still stops).
				 */
				if (sig != LINUX_SIGSTOP && pgrp_orphaned_locked(k, tg->pgid, NULL))
					continue;
				do_group_stop_locked(t, sig);
				continue;
			}
			task_group_exit_locked(t, sig);
			continue;
		}
		/* A handler: one frame per return to the guest, as Linux. */
		if (restart_pending)
			syscall_restart(t, &act);
		u64 blocked = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
		t->restore_sigmask = false;
		if (act.flags & LINUX_SA_RESETHAND)
			t->sighand->action[sig - 1].handler = LINUX_SIG_DFL;
		pthread_mutex_unlock(&k->lock);

		int ret = sigframe_setup(t, &info, &act, blocked);

		pthread_mutex_lock(&k->lock);
		if (ret) {
			/* No room for the frame: Linux's force_sigsegv. */
			pr_debug("tid %d: cannot write the frame for signal %d: SIGSEGV", t->tid,
				 sig);
			t->sighand->action[LINUX_SIGSEGV - 1].handler = LINUX_SIG_DFL;
			task_group_exit_locked(t, LINUX_SIGSEGV);
			continue;
		}
		u64 mask = t->sigmask | act.mask;
		if (!(act.flags & LINUX_SA_NODEFER))
			mask |= SIG_BIT(sig);
		signal_set_mask_locked(t, mask);
		pthread_mutex_unlock(&k->lock);
		return;
	}
	if (restart_pending)
		syscall_restart(t, NULL);
	if (t->restore_sigmask) {
		t->restore_sigmask = false;
		signal_set_mask_locked(t, t->saved_sigmask);
	}
	signal_recalc_locked(t);
	pthread_mutex_unlock(&k->lock);
}

void signal_discard_if_ignored_locked(struct task *t, int sig)
{
	struct task *u;
	/* Whether or not it is blocked (POSIX 3.3.1.3, as Linux's do_sigaction). */
	if (!sig_handler_ignored(t->sighand->action[sig - 1].handler, sig))
		return;
	pending_remove(&t->tg->shared_pending, SIG_BIT(sig));
	list_for_each_entry(u, &t->tg->threads, tg_node) pending_remove(&u->pending, SIG_BIT(sig));
}

void signal_kill_pgrp_locked(struct kernel *k, int pgrp, int sig)
{
	struct linux_siginfo info = siginfo_kernel(sig, LINUX_SI_KERNEL, 0);
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg->pgid == pgrp && !tg->zombie && tg->nr_threads)
			signal_send_group_locked(tg, &info);
	}
}

void signal_kill_sandbox(struct kernel *k, int sig)
{
	struct thread_group *tg;
	struct task *u;
	pthread_mutex_lock(&k->lock);
	__atomic_store_n(&k->killed, sig, __ATOMIC_SEQ_CST);
	list_for_each_entry(tg, &k->groups, node) list_for_each_entry(u, &tg->threads, tg_node)
	{
		__atomic_store_n(&u->sigpending, 1, __ATOMIC_SEQ_CST);
		task_kick(u);
	}
	pthread_mutex_unlock(&k->lock);
}
