// SPDX-License-Identifier: Apache-2.0
/*
 * kcmp(2): do two threads share a kernel object (kernel/kcmp.c)? The
 * answer is 0 for the same object, else 1 or 2 by an order of the
 * objects that is stable while they live and means nothing else (Linux
 * scrambles its pointers; we compare the Sentry's, which the guest never
 * sees).
 */
#include <errno.h>

#include "sentry/kernel/process.h"
#include "sentry/kernel/proc_info.h"
#include "sentry/vfs/file.h"
#include "syscalls.h"

#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define KCMP_IO 5
#define KCMP_SYSVSEM 6
#define KCMP_EPOLL_TFD 7

static long kcmp_ptr(const void *a, const void *b)
{
	return a == b ? 0 : (uintptr_t)a < (uintptr_t)b ? 1 : 2;
}

/* The file at fd in a snapshot's table, a new reference or NULL. */
static struct file *file_at(const struct proc_task *pt, u64 fd)
{
	return pt->files && fd < FDTABLE_MAX ? fdtable_get(pt->files, (int)fd) : NULL;
}

static long cmp_files(const struct proc_task *p1, const struct proc_task *p2, u64 fd1, u64 fd2)
{
	struct file *f1 = file_at(p1, fd1), *f2 = file_at(p2, fd2);
	long ret = f1 && f2 ? kcmp_ptr(f1, f2) : -EBADF;
	file_put(f1);
	file_put(f2);
	return ret;
}

/*
 * The objects no snapshot carries: signal handlers (shared by
 * CLONE_SIGHAND) and I/O contexts. The Sentry keeps no I/O context: each
 * thread counts as having its own (CLONE_IO is not modelled).
 */
static long cmp_locked(struct task *t, int pid1, int pid2, int type)
{
	struct task *t1 = task_lookup_locked(t->k, pid1), *t2 = task_lookup_locked(t->k, pid2);

	if (!t1 || !t2)
		return -ESRCH;
	if (type == KCMP_SIGHAND)
		return kcmp_ptr(t1->sighand, t2->sighand);
	return kcmp_ptr(t1, t2);
}

static int snapshot(struct task *t, int pid, struct proc_task *pt)
{
	int tgid = pid > 0 ? proc_find(t->k, pid) : -ENOENT;
	if (tgid < 0 || proc_task_get(t->k, tgid, pid, PROC_MM | PROC_FILES | PROC_FS, pt))
		return -ESRCH;
	return 0;
}

long sys_kcmp(struct task *t, const struct syscall_args *a)
{
	int pid1 = arg_int(a, 0), pid2 = arg_int(a, 1), type = arg_int(a, 2);
	struct proc_task p1, p2;
	long ret;

	if (snapshot(t, pid1, &p1))
		return -ESRCH;
	if (snapshot(t, pid2, &p2)) {
		proc_task_put(&p1);
		return -ESRCH;
	}
	/* A zombie thread has no credentials left: only its process may look. */
	if ((p1.cred ? !ptrace_may_access(t, &p1) : !p1.same_group) ||
	    (p2.cred ? !ptrace_may_access(t, &p2) : !p2.same_group)) {
		ret = -EPERM;
		goto out;
	}
	switch (type) {
	case KCMP_FILE:
		ret = cmp_files(&p1, &p2, a->a[3], a->a[4]);
		break;
	case KCMP_VM:
		ret = kcmp_ptr(p1.mm, p2.mm);
		break;
	case KCMP_FILES:
		ret = kcmp_ptr(p1.files, p2.files);
		break;
	case KCMP_FS:
		ret = kcmp_ptr(p1.fs, p2.fs);
		break;
	case KCMP_SIGHAND:
	case KCMP_IO:
		pthread_mutex_lock(&t->k->lock);
		ret = cmp_locked(t, pid1, pid2, type);
		pthread_mutex_unlock(&t->k->lock);
		break;
	case KCMP_SYSVSEM:
		/* No task has a SEM_UNDO list to share yet: all compare equal, as NULL lists do. */
		ret = 0;
		break;
	case KCMP_EPOLL_TFD:
		/* Needs a look into an epoll instance's items: not supported yet. */
		ret = -EOPNOTSUPP;
		break;
	default:
		ret = -EINVAL;
	}
out:
	proc_task_put(&p1);
	proc_task_put(&p2);
	return ret;
}
