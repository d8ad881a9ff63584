// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling policies and real-time priorities (sched_set*, sched_get*),
 * with Linux's argument checks, permission rules and errno order
 * (kernel/sched/syscalls.c). Nice values, affinity and I/O priorities
 * are in sys_sched_prio.c.
 *
 * The attributes are per thread, as in Linux, recorded in each task's
 * struct task_sched under k->lock and reported back as set. What is
 * safe of them also reaches the host thread that runs the task
 * (sys_sched_host.c): nice values and SCHED_BATCH/SCHED_IDLE, never
 * more than the sandbox's own priority; real-time policies are recorded
 * only.
 */
#include <errno.h>
#include <string.h>

#include "sys_sched_internal.h"

/* The guest's struct sched_attr (SCHED_ATTR_SIZE_VER1). */
struct linux_sched_attr {
	u32 size;
	u32 sched_policy;
	u64 sched_flags;
	s32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;
	u32 sched_util_min, sched_util_max;
};
#define LINUX_SCHED_ATTR_SIZE_VER0 48
_Static_assert(sizeof(struct linux_sched_attr) == 56, "struct sched_attr size");

void sched_fork(struct task *c, struct task *p)
{
	pthread_mutex_lock(&p->k->lock);
	c->sched = p->sched;
	pthread_mutex_unlock(&p->k->lock);
	if (!c->sched.reset_on_fork)
		return;
	/* SCHED_RESET_ON_FORK: no real-time policy and no raised priority for the child. */
	if (rt_policy(c->sched.policy)) {
		c->sched.policy = LINUX_SCHED_NORMAL;
		c->sched.rt_priority = 0;
		c->sched.nice = 0;
	} else if (c->sched.nice < 0) {
		c->sched.nice = 0;
	}
	c->sched.reset_on_fork = false;
}

/* What sched_setattr asks for, policy -1 keeping p's (Linux's SETPARAM_POLICY). */
struct sched_req {
	int policy;
	u64 flags;
	int nice;
	u32 priority;
	u64 runtime, deadline, period;
};

/* Linux's __checkparam_dl, with its default period limits (100us..4s). */
static bool deadline_params_ok(const struct sched_req *r)
{
	u64 period = r->period ? r->period : r->deadline;

	if (!r->deadline || r->runtime < 1024)
		return false;
	if ((r->deadline | r->period) & (1ULL << 63))
		return false;
	if ((r->period && r->period < r->deadline) || r->deadline < r->runtime)
		return false;
	return period >= 100000 && period <= 4000000000ULL;
}

/* Linux's user_check_sched_setscheduler: 0, or -EPERM without CAP_SYS_NICE. */
static int sched_permission(struct task *t, struct task *p, const struct sched_req *r, int policy,
			    bool reset)
{
	bool ok = true;

	if (fair_policy(policy) && r->nice < p->sched.nice && !nice_within_rlimit(p, r->nice))
		ok = false;
	if (rt_policy(policy)) {
		u64 rtprio = task_rlimit(p, LINUX_RLIMIT_RTPRIO);
		if (policy != p->sched.policy && !rtprio)
			ok = false;
		if (r->priority > (u32)p->sched.rt_priority && r->priority > rtprio)
			ok = false;
	}
	if (policy == LINUX_SCHED_DEADLINE)
		ok = false;
	if (p->sched.policy == LINUX_SCHED_IDLE && policy != LINUX_SCHED_IDLE &&
	    !nice_within_rlimit(p, p->sched.nice))
		ok = false;
	if (!same_owner(t, p) || (p->sched.reset_on_fork && !reset))
		ok = false;
	return ok || task_capable(t, LINUX_CAP_SYS_NICE) ? 0 : -EPERM;
}

/* Linux's __sched_setscheduler for a user caller, on thread p. k->lock held. */
static int setscheduler_locked(struct task *t, struct task *p, const struct sched_req *r)
{
	int policy = r->policy;
	bool reset;

	if (policy < 0) {
		reset = p->sched.reset_on_fork;
		policy = p->sched.policy;
	} else {
		reset = r->flags & LINUX_SCHED_FLAG_RESET_ON_FORK;
		if (!valid_policy(policy))
			return -EINVAL;
	}
	if (r->flags & ~(u64)(LINUX_SCHED_FLAG_ALL | LINUX_SCHED_FLAG_SUGOV))
		return -EINVAL;
	if (r->priority > LINUX_MAX_RT_PRIO - 1)
		return -EINVAL;
	if ((policy == LINUX_SCHED_DEADLINE && !deadline_params_ok(r)) ||
	    rt_policy(policy) != (r->priority != 0))
		return -EINVAL;
	int ret = sched_permission(t, p, r, policy, reset);
	if (ret)
		return ret;
	if (r->flags & LINUX_SCHED_FLAG_SUGOV)
		return -EINVAL;
	/* Utilisation clamping is a kernel without CONFIG_UCLAMP_TASK's: not supported. */
	if (r->flags & LINUX_SCHED_FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;
	/*
	 * Admission control: the Sentry reserves no CPU bandwidth it could
	 * promise a deadline task, so it refuses as Linux does when the
	 * bandwidth is used up.
	 */
	if (policy == LINUX_SCHED_DEADLINE)
		return -EBUSY;
	p->sched.policy = policy;
	p->sched.reset_on_fork = reset;
	p->sched.rt_priority = rt_policy(policy) ? (int)r->priority : 0;
	if (fair_policy(policy))
		p->sched.nice = r->nice;
	sched_host_apply_locked(p);
	return 0;
}

/* sched_setscheduler and sched_setparam (policy -1). */
static long do_setscheduler(struct task *t, int pid, int policy, uaddr_t uparam)
{
	struct sched_req r = {.policy = policy};
	int prio;

	if (!uparam.addr || pid < 0)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &prio, uparam, sizeof(prio)))
		return -EFAULT;
	r.priority = (u32)prio;
	if (policy >= 0 && (policy & LINUX_SCHED_RESET_ON_FORK)) {
		r.flags |= LINUX_SCHED_FLAG_RESET_ON_FORK;
		r.policy &= ~LINUX_SCHED_RESET_ON_FORK;
	}
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	long ret = -ESRCH;
	if (p) {
		r.nice = p->sched.nice; /* these calls leave the nice value alone */
		ret = setscheduler_locked(t, p, &r);
	}
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_sched_setscheduler(struct task *t, const struct syscall_args *a)
{
	int policy = arg_int(a, 1);

	if (policy < 0)
		return -EINVAL;
	return do_setscheduler(t, arg_int(a, 0), policy, arg_ptr(a, 2));
}

long sys_sched_setparam(struct task *t, const struct syscall_args *a)
{
	return do_setscheduler(t, arg_int(a, 0), -1, arg_ptr(a, 1));
}

long sys_sched_getscheduler(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);

	if (pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	long ret = !p ? -ESRCH
		      : p->sched.policy | (p->sched.reset_on_fork ? LINUX_SCHED_RESET_ON_FORK : 0);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_sched_getparam(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	int prio = 0;

	if (!arg_ptr(a, 1).addr || pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	if (p && rt_policy(p->sched.policy))
		prio = p->sched.rt_priority;
	pthread_mutex_unlock(&t->k->lock);
	if (!p)
		return -ESRCH;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &prio, sizeof(prio)) ? -EFAULT : 0;
}

long sys_sched_get_priority_max(struct task *t, const struct syscall_args *a)
{
	int policy = arg_int(a, 0);

	if (rt_policy(policy))
		return LINUX_MAX_RT_PRIO - 1;
	return valid_policy(policy) ? 0 : -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const struct syscall_args *a)
{
	int policy = arg_int(a, 0);

	if (rt_policy(policy))
		return 1;
	return valid_policy(policy) ? 0 : -EINVAL;
}

long sys_sched_rr_get_interval(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);

	if (pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	int policy = p ? p->sched.policy : 0;
	pthread_mutex_unlock(&t->k->lock);
	if (!p)
		return -ESRCH;
	/*
	 * SCHED_RR's quantum is Linux's RR_TIMESLICE (100 ms); FIFO has
	 * none. For the fair policies Linux reports its base slice in whole
	 * jiffies, under one with HZ=250: 0.
	 */
	struct linux_timespec ts = {0, 0};
	if (policy == LINUX_SCHED_RR)
		ts.tv_nsec = 100000000;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &ts, sizeof(ts)) ? -EFAULT : 0;
}

/* Copy in the guest's sched_attr as Linux's sched_copy_attr does. */
static int copy_sched_attr(struct task *t, uaddr_t uattr, struct linux_sched_attr *attr)
{
	u32 size;

	memset(attr, 0, sizeof(*attr));
	if (mm_copy_from_user(t->mm, &size, uattr, sizeof(size)))
		return -EFAULT;
	if (!size)
		size = LINUX_SCHED_ATTR_SIZE_VER0;
	if (size < LINUX_SCHED_ATTR_SIZE_VER0 || size > 4096)
		goto too_big;
	/* A newer, larger struct is fine if what we do not know of it is zero. */
	for (u32 off = sizeof(*attr); off < size; off++) {
		u8 b;
		if (mm_copy_from_user(t->mm, &b, uaddr(uattr.addr + off), 1))
			return -EFAULT;
		if (b)
			goto too_big;
	}
	if (mm_copy_from_user(t->mm, attr, uattr, MIN(size, (u32)sizeof(*attr))))
		return -EFAULT;
	if ((attr->sched_flags & LINUX_SCHED_FLAG_UTIL_CLAMP) && size < sizeof(*attr))
		return -EINVAL;
	return 0;
too_big:
	size = sizeof(*attr);
	if (mm_copy_to_user(t->mm, uattr, &size, sizeof(size)))
		return -EFAULT;
	return -E2BIG;
}

long sys_sched_setattr(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	struct linux_sched_attr attr;

	if (!arg_ptr(a, 1).addr || pid < 0 || arg_uint(a, 2))
		return -EINVAL;
	int ret = copy_sched_attr(t, arg_ptr(a, 1), &attr);
	if (ret)
		return ret;
	if ((int)attr.sched_policy < 0)
		return -EINVAL;
	struct sched_req r = {
		.policy = (int)attr.sched_policy,
		.flags = attr.sched_flags,
		.nice = (int)clamp_nice(attr.sched_nice),
		.priority = attr.sched_priority,
		.runtime = attr.sched_runtime,
		.deadline = attr.sched_deadline,
		.period = attr.sched_period,
	};
	if (r.flags & LINUX_SCHED_FLAG_KEEP_POLICY)
		r.policy = -1;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	ret = -ESRCH;
	if (p) {
		if (r.flags & LINUX_SCHED_FLAG_KEEP_PARAMS) {
			r.nice = p->sched.nice;
			r.priority = rt_policy(p->sched.policy) ? p->sched.rt_priority : 0;
		}
		ret = setscheduler_locked(t, p, &r);
	}
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_sched_getattr(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	u32 usize = arg_uint(a, 2);
	struct linux_sched_attr attr = {0};

	if (!arg_ptr(a, 1).addr || pid < 0 || usize > 4096 || usize < LINUX_SCHED_ATTR_SIZE_VER0 ||
	    arg_uint(a, 3))
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	struct task *p = find_task_locked(t, pid);
	if (p) {
		attr.sched_policy = p->sched.policy;
		if (p->sched.reset_on_fork)
			attr.sched_flags |= LINUX_SCHED_FLAG_RESET_ON_FORK;
		if (rt_policy(p->sched.policy))
			attr.sched_priority = p->sched.rt_priority;
		else
			attr.sched_nice = p->sched.nice;
	}
	pthread_mutex_unlock(&t->k->lock);
	if (!p)
		return -ESRCH;
	/*
	 * The utilisation clamps stay 0, as without CONFIG_UCLAMP_TASK. A
	 * larger struct than ours gets our size and a zeroed tail (Linux's
	 * copy_struct_to_user).
	 */
	attr.size = MIN(usize, (u32)sizeof(attr));
	if (mm_copy_to_user(t->mm, arg_ptr(a, 1), &attr, attr.size))
		return -EFAULT;
	if (usize > attr.size &&
	    mm_clear_user(t->mm, uaddr(a->a[1] + attr.size), usize - attr.size))
		return -EFAULT;
	return 0;
}
