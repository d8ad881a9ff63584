// SPDX-License-Identifier: Apache-2.0
/*
 * Signal dispositions and masks. They are recorded and read back exactly
 * as Linux does; delivery arrives with the processes-and-signals work.
 */
#include <errno.h>

#include "syscalls.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIG_BIT(sig) (1ULL << ((sig)-1))
#define UNBLOCKABLE (SIG_BIT(LINUX_SIGKILL) | SIG_BIT(LINUX_SIGSTOP))
/*
 * The sa_flags bits x86-64 Linux knows; others are cleared so programs
 * can detect unsupported flags (SA_UNSUPPORTED, Linux 5.11).
 */
#define SA_KNOWN_FLAGS                                                                       \
	(0x1 /* NOCLDSTOP */ | 0x2 /* NOCLDWAIT */ | 0x4 /* SIGINFO */ |                     \
	 0x800 /* EXPOSE_TAGBITS */ | 0x04000000 /* RESTORER */ | 0x08000000 /* ONSTACK */ | \
	 0x10000000 /* RESTART */ | 0x40000000 /* NODEFER */ | 0x80000000 /* RESETHAND */)

long sys_rt_sigaction(struct task *t, const struct syscall_args *a)
{
	int sig = arg_int(a, 0);
	struct linux_sigaction act;

	if (a->a[3] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (sig < 1 || sig > LINUX_NSIG)
		return -EINVAL;
	if (a->a[1]) {
		if (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)
			return -EINVAL;
		if (mm_copy_from_user(t->mm, &act, arg_ptr(a, 1), sizeof(act)))
			return -EFAULT;
	}
	struct linux_sigaction old = t->sigactions[sig - 1];
	if (a->a[2] && mm_copy_to_user(t->mm, arg_ptr(a, 2), &old, sizeof(old)))
		return -EFAULT;
	if (a->a[1]) {
		act.mask &= ~UNBLOCKABLE;
		act.flags &= SA_KNOWN_FLAGS;
		t->sigactions[sig - 1] = act;
	}
	return 0;
}

long sys_rt_sigprocmask(struct task *t, const struct syscall_args *a)
{
	int how = arg_int(a, 0);
	u64 set, old = t->sigmask;

	if (a->a[3] != LINUX_SIGSET_SIZE)
		return -EINVAL;
	if (a->a[1]) {
		if (mm_copy_from_user(t->mm, &set, arg_ptr(a, 1), sizeof(set)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			t->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	if (a->a[2] && mm_copy_to_user(t->mm, arg_ptr(a, 2), &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
