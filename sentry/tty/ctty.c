// SPDX-License-Identifier: Apache-2.0
/*
 * Controlling terminals and job control (Linux's tty_jobctrl.c).
 *
 * A pair records the session it controls and that session's foreground
 * process group; a process's controlling terminal is the pair that
 * controls its session. So fork inherits it and setsid leaves it with no
 * field to keep in step. One exception: a process other than the session
 * leader can give it up alone (TIOCNOTTY); thread_group.no_ctty says so,
 * fork copies it, and taking a new terminal clears it.
 *
 * Process groups are a number here, as in the kernel's process table:
 * signalling one is signalling each process whose pgid it is.
 */
#include <errno.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "tty_internal.h"

void tty_kill_pgrp(struct kernel *k, int pgrp, int sig)
{
	pthread_mutex_lock(&k->lock);
	signal_kill_pgrp_locked(k, pgrp, sig);
	pthread_mutex_unlock(&k->lock);
}

/*
 * Whether p is tg's controlling terminal: its session's, unless tg gave
 * it up alone with TIOCNOTTY (Linux's proc_clear_tty). Table lock held.
 */
static bool is_ctty_locked(const struct thread_group *tg, const struct tty_pair *p)
{
	return p->session && p->session == tg->sid && !tg->no_ctty;
}

/* Linux's is_ignored: blocked by t or ignored by its process. */
static bool sig_ignored_locked(const struct task *t, int sig)
{
	return (t->sigmask & SIG_BIT(sig)) || t->sighand->action[sig - 1].handler == LINUX_SIG_IGN;
}

int tty_check_change(struct task *t, struct tty_pair *p, int sig)
{
	struct kernel *k = t->k;
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tty_table_lock);
	bool ctty = is_ctty_locked(t->tg, p);
	int pgrp = p->pgrp;
	pthread_mutex_unlock(&tty_table_lock);
	if (ctty && pgrp && pgrp != t->tg->pgid) {
		if (sig_ignored_locked(t, sig)) {
			ret = sig == LINUX_SIGTTIN ? -EIO : 0;
		} else if (pgrp_orphaned_locked(k, t->tg->pgid, NULL)) {
			ret = -EIO;
		} else {
			signal_kill_pgrp_locked(k, t->tg->pgid, sig);
			ret = -ERESTARTSYS;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

void tty_hangup(struct kernel *k, struct tty_pair *p)
{
	if (k)
		pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tty_table_lock);
	int sid = p->session;
	p->session = p->pgrp = 0;
	pthread_mutex_unlock(&tty_table_lock);
	/* tty_signal_session_leader: the leader, if it still runs. */
	struct thread_group *leader = k && sid ? tg_lookup_locked(k, sid) : NULL;
	if (leader && leader->sid == sid && !leader->zombie && leader->nr_threads) {
		struct linux_siginfo hup = siginfo_kernel(LINUX_SIGHUP, LINUX_SI_KERNEL, 0);
		struct linux_siginfo cont = siginfo_kernel(LINUX_SIGCONT, LINUX_SI_KERNEL, 0);
		signal_send_group_locked(leader, &hup);
		signal_send_group_locked(leader, &cont);
	}
	if (k)
		pthread_mutex_unlock(&k->lock);
}

struct tty_pair *tty_get_ctty(struct task *t)
{
	pthread_mutex_lock(&t->k->lock);
	pthread_mutex_lock(&tty_table_lock);
	struct tty_pair *p = t->tg->no_ctty ? NULL : tty_find_session_locked(t->tg->sid);
	if (p)
		p = tty_pair_tryget(p);
	pthread_mutex_unlock(&tty_table_lock);
	pthread_mutex_unlock(&t->k->lock);
	return p;
}

/* Give up the session's terminal; its foreground group gets SIGHUP (and SIGCONT unless exiting). */
static void disassociate_locked(struct kernel *k, int sid, bool on_exit)
{
	pthread_mutex_lock(&tty_table_lock);
	struct tty_pair *p = tty_find_session_locked(sid);
	int pgrp = p ? p->pgrp : 0;
	if (p)
		p->session = p->pgrp = 0;
	pthread_mutex_unlock(&tty_table_lock);
	if (pgrp) {
		signal_kill_pgrp_locked(k, pgrp, LINUX_SIGHUP);
		if (!on_exit)
			signal_kill_pgrp_locked(k, pgrp, LINUX_SIGCONT);
	}
}

void tty_exit_locked(struct kernel *k, struct thread_group *tg)
{
	if (tg->sid == tg->tgid)
		disassociate_locked(k, tg->sid, true);
}

void tty_open_ctty(struct task *t, struct tty_pair *p)
{
	struct thread_group *tg = t->tg;
	pthread_mutex_lock(&t->k->lock);
	pthread_mutex_lock(&tty_table_lock);
	if (tg->sid == tg->tgid && !p->session && !tty_find_session_locked(tg->sid)) {
		tg->no_ctty = false;
		p->session = tg->sid;
		p->pgrp = tg->pgid;
	}
	pthread_mutex_unlock(&tty_table_lock);
	pthread_mutex_unlock(&t->k->lock);
}

/* TIOCSCTTY (tiocsctty); k->lock held. */
static long tiocsctty_locked(struct task *t, struct file *f, struct tty_pair *p, unsigned long arg)
{
	struct thread_group *tg = t->tg;
	long ret = 0;

	pthread_mutex_lock(&tty_table_lock);
	bool leader = tg->sid == tg->tgid;
	if (leader && p->session == tg->sid)
		goto out;
	ret = -EPERM;
	if (!leader || tty_find_session_locked(tg->sid))
		goto out;
	if (p->session) {
		/* Another session's terminal: only CAP_SYS_ADMIN may steal it (arg 1). */
		if (arg != 1 || !task_capable(t, LINUX_CAP_SYS_ADMIN))
			goto out;
	}
	if (!(f->mode & FMODE_READ) && !task_capable(t, LINUX_CAP_SYS_ADMIN))
		goto out;
	p->session = tg->sid;
	p->pgrp = tg->pgid;
	tg->no_ctty = false;
	ret = 0;
out:
	pthread_mutex_unlock(&tty_table_lock);
	return ret;
}

/* session_of_pgrp: the session of the group's processes, else of the process with that PID. */
static int session_of_pgrp_locked(struct kernel *k, int pgrp)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node)
	{
		if (tg->pgid == pgrp && !tg->zombie)
			return tg->sid;
	}
	tg = tg_lookup_locked(k, pgrp);
	return tg && !tg->zombie ? tg->sid : 0;
}

static long tiocspgrp(struct task *t, struct tty_pair *p, uaddr_t arg)
{
	struct kernel *k = t->k;
	int pgrp;

	long ret = tty_check_change(t, p, LINUX_SIGTTOU);
	if (ret)
		return ret == -EIO ? -ENOTTY : ret;
	if (mm_copy_from_user(t->mm, &pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tty_table_lock);
	int sid = t->tg->sid;
	if (!is_ctty_locked(t->tg, p)) {
		ret = -ENOTTY;
	} else {
		int psid = session_of_pgrp_locked(k, pgrp);
		ret = !psid ? -ESRCH : psid != sid ? -EPERM : 0;
		if (!ret)
			p->pgrp = pgrp;
	}
	pthread_mutex_unlock(&tty_table_lock);
	pthread_mutex_unlock(&k->lock);
	return ret;
}

long ctty_ioctl(struct task *t, struct file *f, struct tty_pair *p, bool master, unsigned cmd,
		uaddr_t arg)
{
	struct kernel *k = t->k;
	long ret = 0;
	int val = 0;

	if (cmd == LINUX_TIOCSPGRP)
		return tiocspgrp(t, p, arg);
	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tty_table_lock);
	int sid = t->tg->sid;
	/* The slave's own ioctls need it to be the caller's terminal; the master's do not. */
	bool mine = is_ctty_locked(t->tg, p);
	switch (cmd) {
	case LINUX_TIOCGPGRP:
		ret = master || mine ? 0 : -ENOTTY;
		val = p->pgrp;
		break;
	case LINUX_TIOCGSID:
		ret = (!master && !mine) || !p->session ? -ENOTTY : 0;
		val = p->session;
		break;
	case LINUX_TIOCNOTTY:
		ret = master || !mine ? -ENOTTY : 0;
		break;
	}
	pthread_mutex_unlock(&tty_table_lock);
	if (cmd == LINUX_TIOCSCTTY)
		ret = tiocsctty_locked(t, f, p, arg.addr);
	else if (cmd == LINUX_TIOCNOTTY && !ret && t->tg->tgid == sid)
		disassociate_locked(k, sid, false);
	else if (cmd == LINUX_TIOCNOTTY && !ret)
		t->tg->no_ctty = true; /* only this process lets go (proc_clear_tty) */
	pthread_mutex_unlock(&k->lock);
	if (!ret && (cmd == LINUX_TIOCGPGRP || cmd == LINUX_TIOCGSID) &&
	    mm_copy_to_user(t->mm, arg, &val, sizeof(val)))
		ret = -EFAULT;
	return ret;
}
