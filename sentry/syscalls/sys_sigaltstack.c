// SPDX-License-Identifier: Apache-2.0
/*
 * sigaltstack(2): set and query the alternate signal stack. The rules
 * (EPERM while on it, SS_AUTODISARM, MINSIGSTKSZ) live with the signal
 * frame code, which rt_sigreturn shares.
 */
#include <errno.h>

#include "sentry/kernel/sigframe.h"
#include "syscalls.h"

long sys_sigaltstack(struct task *t, const struct syscall_args *a)
{
	struct linux_stack ss, old;
	u64 sp = t->regs.rsp;

	if (a->a[0] && mm_copy_from_user(t->mm, &ss, arg_ptr(a, 0), sizeof(ss)))
		return -EFAULT;
	sigaltstack_get(t, sp, &old);
	if (a->a[0]) {
		int ret = sigaltstack_set(t, &ss, sp);
		if (ret)
			return ret;
	}
	if (a->a[1] && mm_copy_to_user(t->mm, arg_ptr(a, 1), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
