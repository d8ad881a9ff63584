// SPDX-License-Identifier: Apache-2.0
/* seccomp(2); the mechanism is sentry/kernel/seccomp.c. */
#include "sentry/kernel/seccomp.h"
#include "syscalls.h"

long sys_seccomp(struct task *t, const struct syscall_args *a)
{
	return seccomp_do(t, arg_uint(a, 0), arg_uint(a, 1), arg_ptr(a, 2));
}
