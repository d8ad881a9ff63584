/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's cgroup limits that the runtime may change while it runs
 * (`runsk update`, over the control socket: sentry.h's
 * SENTRY_CONTROL_PIDS_MAX and SENTRY_CONTROL_MEMORY_MAX), enforced as the
 * cgroup v2 controllers of the sandbox's own group would:
 * - pids.max: a clone (process or thread) that would take the tasks of
 *   the sandbox over the limit fails with EAGAIN; pids.events' max counts
 *   the refusals. Tasks are counted as the pids controller charges them:
 *   every live thread, and a process's zombie until it is reaped.
 *   Lowering the limit below the count kills nothing, as on Linux.
 * - memory.max: the memory file's frame limit (mm/memfile.h), at most
 *   the size it got at boot; the OOM killer acts when it is reached.
 * The values live in struct kernel (pids_max, pids_events_max).
 *
 * Lock order: k->lock is the only lock taken here (the memory file's own
 * lock and reclaimer under memfile_set_limit, with no lock held).
 */
#ifndef SENTRY_KERNEL_CGROUP_LIMITS_H
#define SENTRY_KERNEL_CGROUP_LIMITS_H

#include "kernel.h"

/*
 * The pids controller's check for one more task (caller holds k->lock):
 * 0, or -EAGAIN (counted in pids.events) if the sandbox has pids.max tasks.
 */
int pids_limit_check_locked(struct kernel *k) __must_check;
/* The tasks pids.max counts: pids.current. */
u64 pids_current(struct kernel *k);

/*
 * A SENTRY_CONTROL_PIDS_MAX or SENTRY_CONTROL_MEMORY_MAX request with its
 * value, from the control server: sets the limit and replies on fd with
 * the same type and the limit now in force, or ERROR -EINVAL for a bad
 * value. Never blocks on fd; may block in the memory file's reclaimer.
 */
void cgroup_limits_control(struct kernel *k, int fd, u32 type, s32 value);

#endif
