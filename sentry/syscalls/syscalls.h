/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syscall handlers. Declarations come from syscalls.def itself, so the
 * table stays the only list; each handler lives in the sys_<area>.c of its
 * subsystem and shares the one signature.
 */
#ifndef SENTRY_SYSCALLS_SYSCALLS_H
#define SENTRY_SYSCALLS_SYSCALLS_H

#include "sentry/kernel/kernel.h"

#define SYSCALL(nr, name, handler, status, fmt) \
	long handler(struct task *t, const struct syscall_args *a);
#include "syscalls.def"
#undef SYSCALL

#endif
