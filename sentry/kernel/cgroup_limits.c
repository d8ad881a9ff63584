// SPDX-License-Identifier: Apache-2.0
/*
 * pids.max and memory.max of the sandbox's cgroup (cgroup_limits.h).
 */
#include <errno.h>

#include "cgroup_limits.h"
#include "control_internal.h"
#include "lib/log.h"
#include "mm/memfile.h"

/* Live threads, and processes whose every thread has gone but that are not reaped. */
static u64 pids_count_locked(struct kernel *k)
{
	struct thread_group *tg;
	u64 n = 0;

	list_for_each_entry(tg, &k->groups, node) n += tg->nr_threads ? tg->nr_threads : 1;
	return n;
}

int pids_limit_check_locked(struct kernel *k)
{
	u64 max = k->pids_max;

	/* No walk of the tasks for a sandbox without a limit. */
	if (!max || pids_count_locked(k) < max)
		return 0;
	if (!__atomic_fetch_add(&k->pids_events_max, 1, __ATOMIC_RELAXED))
		pr_info("fork rejected by pids controller: pids.max is %llu",
			(unsigned long long)max);
	return -EAGAIN;
}

u64 pids_current(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	u64 n = pids_count_locked(k);
	pthread_mutex_unlock(&k->lock);
	return n;
}

/* value -1: none ("max"); > 0: the limit. The limit in force, -1 for none. */
static s32 set_pids_max(struct kernel *k, s32 value)
{
	pthread_mutex_lock(&k->lock);
	__atomic_store_n(&k->pids_max, value < 0 ? 0 : (u64)value, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&k->lock);
	return value;
}

/* value -1: none; > 0: pages. The limit in force, in pages. */
static s32 set_memory_max(struct kernel *k, s32 value)
{
	u64 bytes = value < 0 ? 0 : (u64)value << PAGE_SHIFT;
	u64 now = memfile_set_limit(k->mf, bytes);

	pr_debug("memory.max: %llu bytes asked for, %llu in force", (unsigned long long)bytes,
		 (unsigned long long)now);
	return (s32)MIN(now >> PAGE_SHIFT, (u64)INT32_MAX);
}

void cgroup_limits_control(struct kernel *k, int fd, u32 type, s32 value)
{
	/* 0 is "unset" to runc's callers: they do not send it. */
	if (value == 0 || value < -1) {
		control_send_msg(fd, SENTRY_CONTROL_ERROR, -EINVAL);
		return;
	}
	s32 now =
		type == SENTRY_CONTROL_PIDS_MAX ? set_pids_max(k, value) : set_memory_max(k, value);
	control_send_msg(fd, type, now);
}
