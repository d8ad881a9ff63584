// SPDX-License-Identifier: Apache-2.0
/*
 * unshare(2) and setns(2): the work is sentry/kernel/nsproxy.c's (which
 * namespaces exist and what each flag does is documented there).
 */
#include "sentry/kernel/nsproxy.h"
#include "syscalls.h"

long sys_unshare(struct task *t, const struct syscall_args *a)
{
	/* unshare takes an int: the high half of the register is not looked at. */
	return do_unshare(t, (u64)arg_uint(a, 0));
}

long sys_setns(struct task *t, const struct syscall_args *a)
{
	return do_setns(t, arg_int(a, 0), arg_int(a, 1));
}
