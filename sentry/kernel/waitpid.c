// SPDX-License-Identifier: Apache-2.0
/* Waiting for children: the one loop behind wait4 and waitid. */
#include <errno.h>

#include "process.h"

static bool child_matches(const struct thread_group *c, int idtype, int id, int options,
			  const struct thread_group *me)
{
	switch (idtype) {
	case WAIT_P_PID:
		if (c->tgid != id)
			return false;
		break;
	case WAIT_P_PGID:
		if (c->pgid != (id ? id : me->pgid))
			return false;
		break;
	}
	/*
	 * A "clone" child reports to its parent with a signal other than
	 * SIGCHLD; __WCLONE waits only for those, __WALL for every child.
	 */
	if (options & WAIT_WALL)
		return true;
	bool clone_child = c->exit_signal != LINUX_SIGCHLD;
	return clone_child == !!(options & WAIT_WCLONE);
}

static void fill_exit(const struct thread_group *c, struct wait_result *res)
{
	int st = c->exit_status;
	res->pid = c->tgid;
	res->status = st;
	res->uid = c->uid;
	res->utime_ns = c->utime_ns + c->cutime_ns;
	res->stime_ns = c->stime_ns + c->cstime_ns;
	res->minflt = c->minflt + c->cminflt;
	if (st & 0x7f) {
		res->code = (st & 0x80) ? LINUX_CLD_DUMPED : LINUX_CLD_KILLED;
		res->child_status = st & 0x7f;
	} else {
		res->code = LINUX_CLD_EXITED;
		res->child_status = (st >> 8) & 0xff;
	}
}

/* One pass over the children. 1: *res filled; 0: nothing yet; -ECHILD: no candidate. */
static int scan_children_locked(struct task *t, int idtype, int id, int options,
				struct wait_result *res)
{
	struct thread_group *me = t->tg, *c;
	bool any = false;

	list_for_each_entry(c, &me->children, sibling)
	{
		if (!child_matches(c, idtype, id, options, me))
			continue;
		any = true;
		if (c->zombie && (options & WAIT_WEXITED)) {
			fill_exit(c, res);
			if (!(options & WAIT_WNOWAIT))
				tg_reap_locked(t->k, c);
			return 1;
		}
		if (c->report_stop && (options & WAIT_WSTOPPED)) {
			*res = (struct wait_result){.pid = c->tgid,
						    .status = (c->stop_signal << 8) | 0x7f,
						    .code = LINUX_CLD_STOPPED,
						    .child_status = c->stop_signal,
						    .uid = c->uid};
			if (!(options & WAIT_WNOWAIT))
				c->report_stop = false;
			return 1;
		}
		if (c->report_continue && (options & WAIT_WCONTINUED)) {
			*res = (struct wait_result){.pid = c->tgid,
						    .status = 0xffff,
						    .code = LINUX_CLD_CONTINUED,
						    .child_status = LINUX_SIGCONT,
						    .uid = c->uid};
			if (!(options & WAIT_WNOWAIT))
				c->report_continue = false;
			return 1;
		}
	}
	return any ? 0 : -ECHILD;
}

long task_wait(struct task *t, int idtype, int id, int options, struct wait_result *res)
{
	struct kernel *k = t->k;
	struct wait_entry w;
	long ret;

	if (options & ~(WAIT_WNOHANG | WAIT_WSTOPPED | WAIT_WEXITED | WAIT_WCONTINUED |
			WAIT_WNOWAIT | WAIT_WNOTHREAD | WAIT_WALL | WAIT_WCLONE))
		return -EINVAL;
	/* Queue first, then look: an exit between the two still wakes us. */
	waitq_add(&t->tg->child_wq, &w, t);
	for (;;) {
		pthread_mutex_lock(&k->lock);
		ret = scan_children_locked(t, idtype, id, options, res);
		pthread_mutex_unlock(&k->lock);
		if (ret == 1) {
			ret = res->pid;
			break;
		}
		if (ret < 0 || (options & WAIT_WNOHANG))
			break;
		if (task_sleep(t, NULL)) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	waitq_remove(&w);
	return ret;
}
