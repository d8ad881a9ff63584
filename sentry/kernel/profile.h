/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `runsk do --profile=FILE`: where a sandbox's time goes. Syscall counts
 * and Sentry time per syscall, page faults served, time inside the guest
 * (including exits), and the platform's own counters.
 *
 * Counters are updated by task threads with relaxed atomics and read once
 * at the end; everything is skipped when profiling is off.
 */
#ifndef SENTRY_KERNEL_PROFILE_H
#define SENTRY_KERNEL_PROFILE_H

#include "lib/compiler.h"

#define PROFILE_SYSCALLS 512

struct profile {
	bool on;
	u64 start_ns;
	u64 sys_count[PROFILE_SYSCALLS];
	u64 sys_ns[PROFILE_SYSCALLS];
	u64 faults, fault_ns;
	u64 guest_ns; /* inside platform_switch: guest code plus exits */
};

u64 profile_now_ns(void);
void profile_add(u64 *counter, u64 n);

struct kernel;
/* Write the report for k to path; returns 0 or a negative errno. */
int profile_write(struct kernel *k, const char *path, const char *program) __must_check;

#endif
