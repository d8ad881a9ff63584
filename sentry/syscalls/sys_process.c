// SPDX-License-Identifier: Apache-2.0
/*
 * Processes: clone, clone3, fork, vfork, wait4, waitid, and the IDs of
 * processes, process groups and sessions.
 */
#include <errno.h>
#include <string.h>

#include "sentry/kernel/pidfd.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "syscalls.h"

long sys_clone(struct task *t, const struct syscall_args *a)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	struct clone_request req = {
		.flags = a->a[0] & ~0xffULL & 0xffffffffULL,
		.exit_signal = a->a[0] & 0xff,
		.stack = a->a[1],
		.parent_tid = a->a[2],
		.child_tid = a->a[3],
		.tls = a->a[4],
		.pidfd = a->a[2],
	};
	/* clone() cannot carry the clone3-only flags; the high bits are ignored. */
	return task_clone(t, &req);
}

/* struct clone_args of clone3, up to LINUX_CLONE_ARGS_SIZE_VER2. */
struct linux_clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal;
	u64 stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define LINUX_CLONE_ARGS_SIZE_VER0 64

long sys_clone3(struct task *t, const struct syscall_args *a)
{
	struct linux_clone_args ca;
	size_t size = a->a[1];

	memset(&ca, 0, sizeof(ca));
	if (size < LINUX_CLONE_ARGS_SIZE_VER0 || size > 4096)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, &ca, arg_ptr(a, 0), MIN(size, sizeof(ca))))
		return -EFAULT;
	/* A bigger struct from a newer libc is fine if the unknown tail is zero. */
	for (size_t off = sizeof(ca); off < size; off += 8) {
		u64 v = 0;
		size_t n = MIN(8, size - off);
		if (mm_copy_from_user(t->mm, &v, uaddr(a->a[0] + off), n))
			return -EFAULT;
		if (v)
			return -E2BIG;
	}
	if (ca.exit_signal > LINUX_NSIG || (ca.flags & 0xff))
		return -EINVAL;
	if (ca.set_tid || ca.set_tid_size)
		return -EPERM; /* choosing PIDs needs CAP_SYS_ADMIN over a PID namespace */
	if (!ca.stack != !ca.stack_size)
		return -EINVAL;
	struct clone_request req = {
		.flags = ca.flags,
		.exit_signal = ca.exit_signal,
		.stack = ca.stack,
		.stack_size = ca.stack_size,
		.tls = ca.tls,
		.parent_tid = ca.parent_tid,
		.child_tid = ca.child_tid,
		.pidfd = ca.pidfd,
	};
	return task_clone(t, &req);
}

long sys_fork(struct task *t, const struct syscall_args *a)
{
	struct clone_request req = {.exit_signal = LINUX_SIGCHLD};
	return task_clone(t, &req);
}

long sys_vfork(struct task *t, const struct syscall_args *a)
{
	struct clone_request req = {.flags = LINUX_CLONE_VM | LINUX_CLONE_VFORK,
				    .exit_signal = LINUX_SIGCHLD};
	return task_clone(t, &req);
}

static void rusage_from_wait(const struct wait_result *r, struct linux_rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	ru->utime = ns_to_tv(r->utime_ns);
	ru->stime = ns_to_tv(r->stime_ns);
	ru->minflt = r->minflt;
}

long sys_wait4(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	int options = arg_int(a, 2);
	struct wait_result res = {0};
	int idtype = WAIT_P_PID, id = pid;

	if (options & ~(WAIT_WNOHANG | WAIT_WSTOPPED | WAIT_WCONTINUED | WAIT_WNOTHREAD |
			WAIT_WALL | WAIT_WCLONE))
		return -EINVAL;
	if (pid == -1) {
		idtype = WAIT_P_ALL;
	} else if (pid == 0) {
		idtype = WAIT_P_PGID, id = 0;
	} else if (pid < 0) {
		if (pid == INT32_MIN)
			return -ESRCH; /* -INT_MIN has no process group */
		idtype = WAIT_P_PGID, id = -pid;
	}
	long ret = task_wait(t, idtype, id, options | WAIT_WEXITED, &res);
	if (ret <= 0)
		return ret;
	if (a->a[1] && mm_copy_to_user(t->mm, arg_ptr(a, 1), &res.status, sizeof(int)))
		return -EFAULT;
	if (a->a[3]) {
		struct linux_rusage ru;
		rusage_from_wait(&res, &ru);
		if (mm_copy_to_user(t->mm, arg_ptr(a, 3), &ru, sizeof(ru)))
			return -EFAULT;
	}
	return ret;
}

long sys_waitid(struct task *t, const struct syscall_args *a)
{
	int idtype = arg_int(a, 0);
	int id = arg_int(a, 1);
	int options = arg_int(a, 3);
	struct wait_result res = {0};

	if (!(options & (WAIT_WEXITED | WAIT_WSTOPPED | WAIT_WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case WAIT_P_ALL:
		break;
	case WAIT_P_PID:
		if (id <= 0)
			return -EINVAL;
		break;
	case WAIT_P_PGID:
		if (id < 0)
			return -EINVAL;
		break;
	case WAIT_P_PIDFD: /* its process, waited for as P_PID; O_NONBLOCK adds WNOHANG */
		if ((id = pidfd_wait_id(t, id, &options)) < 0)
			return id;
		idtype = WAIT_P_PID;
		break;
	default:
		return -EINVAL;
	}
	long ret = task_wait(t, idtype, id, options, &res);
	if (ret < 0)
		return ret;
	if (a->a[2]) {
		/* WNOHANG with nothing to report zeroes si_pid and si_signo. */
		struct linux_siginfo si = {0};
		if (ret > 0) {
			si.signo = LINUX_SIGCHLD;
			si.code = res.code;
			si.chld.pid = res.pid;
			si.chld.uid = res.uid;
			si.chld.status = res.child_status;
		}
		if (mm_copy_to_user(t->mm, arg_ptr(a, 2), &si, sizeof(si)))
			return -EFAULT;
	}
	if (a->a[4]) {
		struct linux_rusage ru;
		rusage_from_wait(&res, &ru);
		if (mm_copy_to_user(t->mm, arg_ptr(a, 4), &ru, sizeof(ru)))
			return -EFAULT;
	}
	/* Nothing yet for a O_NONBLOCK pidfd waited for without WNOHANG (Linux 5.14). */
	return !ret && !(arg_int(a, 3) & WAIT_WNOHANG) && (options & WAIT_WNOHANG) ? -EAGAIN : 0;
}

long sys_getpid(struct task *t, const struct syscall_args *a)
{
	return t->tg->tgid;
}

long sys_gettid(struct task *t, const struct syscall_args *a)
{
	return t->tid;
}

long sys_getppid(struct task *t, const struct syscall_args *a)
{
	pthread_mutex_lock(&t->k->lock);
	int ppid = t->tg->parent ? t->tg->parent->tgid : 0;
	pthread_mutex_unlock(&t->k->lock);
	return ppid;
}

long sys_getpgid(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	long ret;
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *tg = pid ? tg_lookup_locked(t->k, pid) : t->tg;
	ret = tg ? tg->pgid : -ESRCH;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

long sys_getpgrp(struct task *t, const struct syscall_args *a)
{
	pthread_mutex_lock(&t->k->lock);
	int pgid = t->tg->pgid;
	pthread_mutex_unlock(&t->k->lock);
	return pgid;
}

long sys_getsid(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	long ret;
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *tg = pid ? tg_lookup_locked(t->k, pid) : t->tg;
	ret = tg ? tg->sid : -ESRCH;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

static bool pgrp_in_session_locked(struct kernel *k, int pgid, int sid)
{
	struct thread_group *tg;
	list_for_each_entry(tg, &k->groups, node) if (tg->pgid == pgid && tg->sid == sid &&
						      !tg->zombie) return true;
	return false;
}

long sys_setsid(struct task *t, const struct syscall_args *a)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg, *o;
	long ret;

	pthread_mutex_lock(&k->lock);
	/* A process group leader cannot: its group would span two sessions. */
	ret = tg->tgid;
	list_for_each_entry(o, &k->groups, node) if (o->pgid == tg->tgid) ret = -EPERM;
	if (ret > 0)
		tg->pgid = tg->sid = tg->tgid;
	pthread_mutex_unlock(&k->lock);
	return ret;
}

long sys_setpgid(struct task *t, const struct syscall_args *a)
{
	struct kernel *k = t->k;
	int pid = arg_int(a, 0), pgid = arg_int(a, 1);
	long ret = 0;

	if (pgid < 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = pid ? tg_lookup_locked(k, pid) : t->tg;
	if (!pgid)
		pgid = tg ? tg->tgid : 0;
	if (!tg || tg->zombie) {
		ret = -ESRCH;
	} else if (tg != t->tg && tg->parent != t->tg) {
		ret = -ESRCH; /* neither the caller nor its child */
	} else if (tg != t->tg && tg->sid != t->tg->sid) {
		ret = -EPERM;
	} else if (tg != t->tg && tg->execed) {
		ret = -EACCES; /* a child that has exec'd is on its own */
	} else if (tg->sid == tg->tgid) {
		ret = -EPERM; /* a session leader stays in its group */
	} else if (pgid != tg->tgid && !pgrp_in_session_locked(k, pgid, t->tg->sid)) {
		ret = -EPERM;
	} else {
		tg->pgid = pgid;
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}
