// SPDX-License-Identifier: Apache-2.0
/*
 * pidfd_open, pidfd_send_signal and pidfd_getfd (sentry/kernel/pidfd.c),
 * with Linux 6.1's checks in its order.
 */
#include <errno.h>
#include <fcntl.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/pidfd.h"
#include "sentry/kernel/proc_info.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/procfs/procfs.h"
#include "sys_path.h"
#include "syscalls.h"

long sys_pidfd_open(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	unsigned flags = arg_uint(a, 1);
	struct kernel *k = t->k;
	struct file *f;

	if (flags & ~O_NONBLOCK)
		return -EINVAL; /* PIDFD_THREAD is Linux 6.9 */
	if (pid <= 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, pid);
	if (tg)
		f = pidfd_create_locked(k, tg, flags);
	else /* a thread that leads no process: Linux 6.1's pid_has_task(PIDTYPE_TGID) */
		f = ERR_PTR(task_lookup_locked(k, pid) ? -EINVAL : -ESRCH);
	pthread_mutex_unlock(&k->lock);
	if (IS_ERR(f))
		return PTR_ERR(f);
	return fdtable_alloc(t->files, 0, f, true);
}

/* The pidfd at fd (a new reference), or ERR_PTR(-EBADF). */
static struct file *pidfd_get(struct task *t, int fd)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return ERR_PTR(-EBADF);
	pthread_mutex_lock(&t->k->lock);
	bool is_pidfd = !IS_ERR(pidfd_tg_locked(f));
	pthread_mutex_unlock(&t->k->lock);
	if (!is_pidfd) {
		file_put(f);
		return ERR_PTR(-EBADF);
	}
	return f;
}

/*
 * The process pidfd_send_signal's fd names (k->lock held): a pidfd's, or
 * a /proc/<pid> directory's, which Linux accepts there alone; NULL once
 * it is reaped, ERR_PTR(-EBADF) for any other file.
 */
static struct thread_group *signal_target_locked(struct kernel *k, struct file *f)
{
	struct thread_group *tg = pidfd_tg_locked(f);
	if (!IS_ERR(tg))
		return tg;
	int tgid = procfs_pid_dir_tgid(f->inode);
	return tgid ? tg_lookup_locked(k, tgid) : tg;
}

/* kill(2)'s rules against the fd's process: ESRCH once it is reaped. */
static long send_locked(struct task *t, struct thread_group *tg, const struct linux_siginfo *info)
{
	int sig = info->signo;
	if (!tg)
		return -ESRCH;
	if (sig && (sig < 1 || sig > LINUX_NSIG))
		return -EINVAL;
	/* As kill: SIGCONT within a session needs no matching ids. */
	if (!(sig == LINUX_SIGCONT && tg->sid == t->tg->sid) && !cred_may_signal_locked(t, tg))
		return -EPERM;
	return sig ? signal_send_group_locked(tg, info) : 0;
}

long sys_pidfd_send_signal(struct task *t, const struct syscall_args *a)
{
	int sig = arg_int(a, 1);
	struct linux_siginfo info;
	long ret;

	if (arg_uint(a, 3))
		return -EINVAL;
	struct file *f = fd_file(t, arg_int(a, 0));
	if (!f)
		return -EBADF;
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *target = signal_target_locked(t->k, f);
	pthread_mutex_unlock(&t->k->lock);
	ret = IS_ERR(target) ? PTR_ERR(target) : 0;
	if (ret)
		goto out;
	if (a->a[2]) {
		ret = -EFAULT;
		if (mm_copy_from_user(t->mm, &info, arg_ptr(a, 2), sizeof(info)))
			goto out;
		ret = -EINVAL;
		if (info.signo != sig)
			goto out;
		/* Only to itself may a thread send what looks like the kernel's or tkill's. */
		pthread_mutex_lock(&t->k->lock);
		struct thread_group *tg = signal_target_locked(t->k, f);
		bool self = tg && tg->tgid == t->tid;
		pthread_mutex_unlock(&t->k->lock);
		ret = -EPERM;
		if (!self && (info.code >= 0 || info.code == LINUX_SI_TKILL))
			goto out;
	} else {
		info = siginfo_user(t, sig, LINUX_SI_USER);
	}
	pthread_mutex_lock(&t->k->lock);
	ret = send_locked(t, signal_target_locked(t->k, f), &info);
	pthread_mutex_unlock(&t->k->lock);
out:
	file_put(f);
	return ret;
}

long sys_pidfd_getfd(struct task *t, const struct syscall_args *a)
{
	int targetfd = arg_int(a, 1);
	struct proc_task pt;

	if (arg_uint(a, 2))
		return -EINVAL;
	struct file *f = pidfd_get(t, arg_int(a, 0));
	if (IS_ERR(f))
		return PTR_ERR(f);
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *tg = pidfd_tg_locked(f);
	int tgid = tg ? tg->tgid : 0;
	pthread_mutex_unlock(&t->k->lock);
	file_put(f);
	if (!tgid || proc_task_get(t->k, tgid, 0, PROC_FILES, &pt))
		return -ESRCH;
	long ret = -EBADF; /* a zombie has no files */
	struct file *got = NULL;
	if (pt.cred && !ptrace_may_access(t, &pt))
		ret = -EPERM;
	else if (pt.files && (got = fdtable_get(pt.files, targetfd)))
		ret = 0;
	proc_task_put(&pt);
	if (ret)
		return ret;
	return fdtable_alloc(t->files, 0, got, true);
}
