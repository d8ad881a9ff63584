// SPDX-License-Identifier: Apache-2.0
/*
 * prctl: the thread and process attributes of prctl(2). Options Linux
 * x86-64 does not have, or has only with configuration the sandbox
 * lacks (PR_SET_VMA, PR_SET_MM), are EINVAL as there.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "sentry/kernel/process.h"
#include "sentry/kernel/seccomp.h"
#include "syscalls.h"

/* The GET options that store an int at arg2. */
static long put_int(struct task *t, const struct syscall_args *a, int v)
{
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &v, sizeof(v)) ? -EFAULT : 0;
}

static bool task_exists(struct task *t, int tid)
{
	pthread_mutex_lock(&t->k->lock);
	bool found = task_lookup_locked(t->k, tid) != NULL;
	pthread_mutex_unlock(&t->k->lock);
	return found;
}

long sys_prctl(struct task *t, const struct syscall_args *a)
{
	char name[sizeof(t->comm)];

	switch (arg_int(a, 0)) {
	case PR_SET_NAME:
		memset(name, 0, sizeof(name));
		/* Linux copies at most 15 bytes and needs no NUL within them. */
		if (mm_copy_from_user_partial(t->mm, name, arg_ptr(a, 1), sizeof(name) - 1) == 0)
			return -EFAULT;
		name[sizeof(name) - 1] = 0;
		memcpy(t->comm, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return mm_copy_to_user(t->mm, arg_ptr(a, 1), t->comm, sizeof(t->comm)) ? -EFAULT
										       : 0;
	case PR_GET_DUMPABLE:
		return t->dumpable;
	case PR_SET_DUMPABLE:
		if (a->a[1] > 1)
			return -EINVAL;
		t->dumpable = a->a[1];
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a->a[1] || a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		return t->no_new_privs;
	case PR_SET_NO_NEW_PRIVS:
		if (a->a[1] != 1 || a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case PR_SET_PDEATHSIG:
		if (a->a[1] > LINUX_NSIG)
			return -EINVAL; /* Linux's valid_signal: 0 (none) to 64 */
		t->pdeath_signal = (int)a->a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(t, a, t->pdeath_signal);
	case PR_SET_CHILD_SUBREAPER:
		pthread_mutex_lock(&t->k->lock); /* reparenting reads it under the lock */
		t->tg->subreaper = a->a[1] != 0;
		pthread_mutex_unlock(&t->k->lock);
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(t, a, t->tg->subreaper);
	case PR_GET_TID_ADDRESS:
		return mm_copy_to_user(t->mm, arg_ptr(a, 1), &t->clear_child_tid,
				       sizeof(t->clear_child_tid))
			       ? -EFAULT
			       : 0;
	case PR_SET_TIMERSLACK:
		/* 0 restores the default; Linux keeps the value only for non-RT threads. */
		t->timer_slack_ns = a->a[1] ? a->a[1] : 50000;
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)t->timer_slack_ns;
	case PR_SET_THP_DISABLE:
		if (a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		t->tg->thp_disable = a->a[1] != 0;
		return 0;
	case PR_GET_THP_DISABLE:
		if (a->a[1] || a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		return t->tg->thp_disable;
	case PR_GET_SECCOMP:
		return t->seccomp.mode; /* in strict mode the call itself is fatal */
	case PR_SET_SECCOMP:
		/* Strict mode ignores arg3, as Linux's prctl_set_seccomp. */
		if (a->a[1] == SECCOMP_MODE_STRICT)
			return seccomp_do(t, SECCOMP_SET_MODE_STRICT, 0, uaddr(0));
		if (a->a[1] == SECCOMP_MODE_FILTER)
			return seccomp_do(t, SECCOMP_SET_MODE_FILTER, 0, arg_ptr(a, 2));
		return -EINVAL;
	case PR_SET_PTRACER:
		/* Yama's exception list matters only to ptrace, which the guest does not have. */
		if (a->a[1] && a->a[1] != (u64)PR_SET_PTRACER_ANY && !task_exists(t, (int)a->a[1]))
			return -EINVAL;
		return 0;
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_SECUREBITS:
	case PR_SET_SECUREBITS:
	case PR_CAP_AMBIENT:
		return prctl_cred(t, a);
	default:
		return -EINVAL;
	}
}
