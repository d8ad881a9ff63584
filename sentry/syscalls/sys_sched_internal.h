/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the scheduling syscalls (sys_sched.c: policies and
 * sched_attr; sys_sched_prio.c: nice values, affinity, I/O priorities;
 * sys_sched_host.c: what of it reaches the host threads). The attributes
 * live in each task's struct task_sched, guarded by k->lock.
 */
#ifndef SENTRY_SYSCALLS_SYS_SCHED_INTERNAL_H
#define SENTRY_SYSCALLS_SYS_SCHED_INTERNAL_H

#include "abi/linux/capability.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "syscalls.h"

#define LINUX_SCHED_NORMAL 0
#define LINUX_SCHED_FIFO 1
#define LINUX_SCHED_RR 2
#define LINUX_SCHED_BATCH 3
#define LINUX_SCHED_IDLE 5
#define LINUX_SCHED_DEADLINE 6
#define LINUX_SCHED_RESET_ON_FORK 0x40000000
#define LINUX_MAX_RT_PRIO 100

#define LINUX_SCHED_FLAG_RESET_ON_FORK 0x01
#define LINUX_SCHED_FLAG_KEEP_POLICY 0x08
#define LINUX_SCHED_FLAG_KEEP_PARAMS 0x10
#define LINUX_SCHED_FLAG_UTIL_CLAMP_MIN 0x20
#define LINUX_SCHED_FLAG_UTIL_CLAMP_MAX 0x40
#define LINUX_SCHED_FLAG_UTIL_CLAMP \
	(LINUX_SCHED_FLAG_UTIL_CLAMP_MIN | LINUX_SCHED_FLAG_UTIL_CLAMP_MAX)
#define LINUX_SCHED_FLAG_ALL 0x7f
#define LINUX_SCHED_FLAG_SUGOV 0x10000000

#define LINUX_PRIO_PROCESS 0
#define LINUX_PRIO_PGRP 1
#define LINUX_PRIO_USER 2
#define LINUX_MIN_NICE (-20)
#define LINUX_MAX_NICE 19

#define LINUX_IOPRIO_WHO_PROCESS 1
#define LINUX_IOPRIO_WHO_PGRP 2
#define LINUX_IOPRIO_WHO_USER 3
#define LINUX_IOPRIO_CLASS_NONE 0
#define LINUX_IOPRIO_CLASS_RT 1
#define LINUX_IOPRIO_CLASS_BE 2
#define LINUX_IOPRIO_CLASS_IDLE 3
#define LINUX_IOPRIO_NR_LEVELS 8

#define LINUX_RLIMIT_NICE 13
#define LINUX_RLIMIT_RTPRIO 14

static inline bool rt_policy(int policy)
{
	return policy == LINUX_SCHED_FIFO || policy == LINUX_SCHED_RR;
}

static inline bool fair_policy(int policy)
{
	return policy == LINUX_SCHED_NORMAL || policy == LINUX_SCHED_BATCH;
}

static inline bool valid_policy(int policy)
{
	return fair_policy(policy) || rt_policy(policy) || policy == LINUX_SCHED_IDLE ||
	       policy == LINUX_SCHED_DEADLINE;
}

static inline long clamp_nice(long nice)
{
	return nice < LINUX_MIN_NICE   ? LINUX_MIN_NICE
	       : nice > LINUX_MAX_NICE ? LINUX_MAX_NICE
				       : nice;
}

/* The thread pid names (0: t itself), or NULL. k->lock held. */
static inline struct task *find_task_locked(struct task *t, int pid)
{
	return pid ? task_lookup_locked(t->k, pid) : t;
}

/* Linux's check_same_owner: t's euid is p's real or effective uid. */
static inline bool same_owner(const struct task *t, const struct task *p)
{
	return t->cred->euid == p->cred->euid || t->cred->euid == p->cred->uid;
}

/* May p's nice value go down to nice by its RLIMIT_NICE (Linux's is_nice_reduction)? */
static inline bool nice_within_rlimit(const struct task *p, int nice)
{
	return (u64)(20 - nice) <= task_rlimit(p, LINUX_RLIMIT_NICE);
}

/*
 * p's nice value or policy changed (k->lock held): carry what is safe of
 * it to the host thread that runs p, if p runs (sys_sched_host.c).
 */
void sched_host_apply_locked(struct task *p);

#endif
