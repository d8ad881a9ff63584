// SPDX-License-Identifier: Apache-2.0
/* prctl: the process attributes that exist so far. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "syscalls.h"

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
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_SECUREBITS:
	case PR_SET_SECUREBITS:
	case PR_CAP_AMBIENT:
		return prctl_cred(t, a);
	default:
		/* TODO(tasks): capabilities, subreaper, pdeathsig and the rest. */
		return -EINVAL;
	}
}
