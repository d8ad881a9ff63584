// SPDX-License-Identifier: Apache-2.0
/* Thread state: exit, TLS (arch_prctl), tid address, robust list, rseq. */
#include <errno.h>

#include "sentry/kernel/process.h"
#include "syscalls.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

long sys_exit(struct task *t, const struct syscall_args *a)
{
	/* This thread only; the last thread's status is the process's. */
	task_exit(t, (arg_int(a, 0) & 0xff) << 8);
	return 0;
}

long sys_exit_group(struct task *t, const struct syscall_args *a)
{
	int status = (arg_int(a, 0) & 0xff) << 8;
	task_group_exit(t, status);
	task_exit(t, status);
	return 0;
}

long sys_set_tid_address(struct task *t, const struct syscall_args *a)
{
	t->clear_child_tid = a->a[0];
	return t->tid;
}

long sys_set_robust_list(struct task *t, const struct syscall_args *a)
{
	if (a->a[1] != 24) /* sizeof(struct robust_list_head) */
		return -EINVAL;
	t->robust_list = a->a[0];
	return 0;
}

long sys_rseq(struct task *t, const struct syscall_args *a)
{
	return -ENOSYS;
}

long sys_arch_prctl(struct task *t, const struct syscall_args *a)
{
	u64 v = a->a[1];

	switch (arg_int(a, 0)) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (v >= MM_TASK_SIZE)
			return -EPERM;
		if (arg_int(a, 0) == ARCH_SET_FS)
			t->regs.fs_base = v;
		else
			t->regs.gs_base = v;
		return 0;
	case ARCH_GET_FS:
		return mm_copy_to_user(t->mm, uaddr(v), &t->regs.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return mm_copy_to_user(t->mm, uaddr(v), &t->regs.gs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_CPUID:
		return 1; /* CPUID is not faulting */
	case ARCH_SET_CPUID:
		return -ENODEV; /* no CPUID faulting on our vCPUs */
	default:
		return -EINVAL;
	}
}
