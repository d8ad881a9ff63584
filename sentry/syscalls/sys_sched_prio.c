// SPDX-License-Identifier: Apache-2.0
/*
 * Nice values (getpriority, setpriority), CPU affinity and I/O
 * priorities, with Linux's permission rules and errno order
 * (kernel/sys.c, kernel/sched/syscalls.c, block/ioprio.c).
 *
 * Nice values reach the host thread of each task, never below the
 * sandbox's own (sys_sched_host.c). Affinity stays a mask over the
 * sandbox's vCPUs, which are not pinned to host CPUs. I/O priorities are
 * recorded only: a task's file I/O is mostly done by the gofer and the
 * Sentry's shared io_uring, not by its own host thread.
 */
#include <errno.h>

#include "sys_sched_internal.h"

/* Linux's can_nice: RLIMIT_NICE allows it, or t holds CAP_SYS_NICE. */
static bool can_nice(const struct task *t, const struct task *p, int nice)
{
	return nice_within_rlimit(p, nice) || task_capable(t, LINUX_CAP_SYS_NICE);
}

typedef long (*each_fn)(struct task *t, struct task *p, long acc, long arg);

/*
 * Fold fn over the threads that (which, who) names in setpriority's terms
 * (PRIO_PROCESS: a thread, 0 the caller; PRIO_PGRP: every thread of a
 * process group, 0 the caller's; PRIO_USER: every thread whose real uid is
 * who, 0 the caller's), starting from -ESRCH. k->lock held.
 */
static long each_target_locked(struct task *t, int which, int who, each_fn fn, long arg)
{
	struct thread_group *tg;
	struct task *p;
	long acc = -ESRCH;

	if (which == LINUX_PRIO_PROCESS) {
		p = find_task_locked(t, who);
		return p ? fn(t, p, acc, arg) : acc;
	}
	if (!who)
		who = which == LINUX_PRIO_PGRP ? t->tg->pgid : (int)t->cred->uid;
	list_for_each_entry(tg, &t->k->groups, node)
	{
		if (which == LINUX_PRIO_PGRP && tg->pgid != who)
			continue;
		list_for_each_entry(p, &tg->threads, tg_node)
		{
			if (which == LINUX_PRIO_PGRP || p->cred->uid == (u32)who)
				acc = fn(t, p, acc, arg);
		}
	}
	return acc;
}

/* getpriority: the highest priority found, as 20 - nice (1..40). */
static long get_one_prio(struct task *t, struct task *p, long acc, long arg)
{
	long prio = 20 - p->sched.nice;
	return prio > acc ? prio : acc;
}

/*
 * setpriority: Linux's set_one_prio. Every match is tried; the last
 * refusal is the result, and a success only clears -ESRCH.
 */
static long set_one_prio(struct task *t, struct task *p, long acc, long nice)
{
	const struct cred *c = t->cred, *pc = p->cred;

	if (pc->uid != c->euid && pc->euid != c->euid && !task_capable(t, LINUX_CAP_SYS_NICE))
		return -EPERM;
	if (nice < p->sched.nice && !can_nice(t, p, (int)nice))
		return -EACCES;
	p->sched.nice = (int)nice;
	sched_host_apply_locked(p);
	return acc == -ESRCH ? 0 : acc;
}

long sys_getpriority(struct task *t, const struct syscall_args *a)
{
	int which = arg_int(a, 0), who = arg_int(a, 1);

	if (which < LINUX_PRIO_PROCESS || which > LINUX_PRIO_USER)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	/* The raw syscall returns 20 - nice so that it is never negative; libc undoes it. */
	long ret = each_target_locked(t, which, who, get_one_prio, 0);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_setpriority(struct task *t, const struct syscall_args *a)
{
	int which = arg_int(a, 0), who = arg_int(a, 1);
	long nice = arg_int(a, 2);

	if (which < LINUX_PRIO_PROCESS || which > LINUX_PRIO_USER)
		return -EINVAL;
	nice = clamp_nice(nice);
	pthread_mutex_lock(&t->k->lock);
	long ret = each_target_locked(t, which, who, set_one_prio, nice);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* The vCPUs the sandbox has, as a mask. */
static u64 all_cpus(struct kernel *k)
{
	return k->ncpus >= 64 ? ~0ULL : (1ULL << k->ncpus) - 1;
}

long sys_sched_setaffinity(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	u32 len = arg_uint(a, 1);
	u64 mask = 0;

	/* Linux's get_user_cpu_mask: a short mask is zero-extended, a long one cut. */
	if (mm_copy_from_user(t->mm, &mask, arg_ptr(a, 2), MIN(len, (u32)sizeof(mask))))
		return -EFAULT;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	long ret = 0;
	if (!p)
		ret = -ESRCH;
	else if (!same_owner(t, p) && !task_capable(t, LINUX_CAP_SYS_NICE))
		ret = -EPERM;
	else if (!(mask & all_cpus(t->k)))
		ret = -EINVAL;
	else
		p->sched.affinity = mask & all_cpus(t->k);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* The affinity of thread pid (0: t), for sched_getaffinity (sys_info.c). */
long sched_get_affinity(struct task *t, int pid, u64 *mask)
{
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	if (p)
		*mask = p->sched.affinity ? p->sched.affinity : all_cpus(t->k);
	pthread_mutex_unlock(&t->k->lock);
	return p ? 0 : -ESRCH;
}

/* Linux's ioprio_check_cap. */
static int ioprio_check(struct task *t, int ioprio)
{
	int class = (ioprio >> 13) & 7, level = ioprio & 7;

	switch (class) {
	case LINUX_IOPRIO_CLASS_RT:
		if (!task_capable(t, LINUX_CAP_SYS_NICE) && !task_capable(t, LINUX_CAP_SYS_ADMIN))
			return -EPERM;
		return 0;
	case LINUX_IOPRIO_CLASS_BE:
	case LINUX_IOPRIO_CLASS_IDLE:
		return 0;
	case LINUX_IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* ioprio_set on one thread; the first refusal ends the walk (Linux's set_task_ioprio). */
static long set_one_ioprio(struct task *t, struct task *p, long acc, long ioprio)
{
	if (acc && acc != -ESRCH)
		return acc;
	if (p->cred->uid != t->cred->euid && p->cred->uid != t->cred->uid &&
	    !task_capable(t, LINUX_CAP_SYS_NICE))
		return -EPERM;
	p->sched.ioprio = (u16)ioprio;
	return 0;
}

/*
 * ioprio_get: the best priority found (Linux's ioprio_best: the lowest
 * value, a thread without one counting as best-effort level 4).
 */
static long get_one_ioprio(struct task *t, struct task *p, long acc, long arg)
{
	long prio = p->sched.ioprio, def = (LINUX_IOPRIO_CLASS_BE << 13) | 4;

	if (acc == -ESRCH)
		return prio;
	long x = (acc >> 13) ? acc : def, y = (prio >> 13) ? prio : def;
	return x < y ? x : y;
}

long sys_ioprio_set(struct task *t, const struct syscall_args *a)
{
	int which = arg_int(a, 0), who = arg_int(a, 1), ioprio = arg_int(a, 2);
	int ret = ioprio_check(t, ioprio);

	if (ret)
		return ret;
	if (which < LINUX_IOPRIO_WHO_PROCESS || which > LINUX_IOPRIO_WHO_USER)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	/* IOPRIO_WHO_* are PRIO_* plus one. */
	long r = each_target_locked(t, which - 1, who, set_one_ioprio, ioprio);
	pthread_mutex_unlock(&t->k->lock);
	return r;
}

long sys_ioprio_get(struct task *t, const struct syscall_args *a)
{
	int which = arg_int(a, 0), who = arg_int(a, 1);

	if (which < LINUX_IOPRIO_WHO_PROCESS || which > LINUX_IOPRIO_WHO_USER)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	long r = each_target_locked(t, which - 1, who, get_one_ioprio, 0);
	pthread_mutex_unlock(&t->k->lock);
	return r;
}
