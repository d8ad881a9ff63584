// SPDX-License-Identifier: Apache-2.0
/*
 * Identity and system information: user ids, uname, rlimits, affinity,
 * randomness. (getcwd and readlink live with the file syscalls.)
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sched.h>
#include <fcntl.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/layout.h"
#include "sentry/kernel/nsproxy.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/rlimit.h"
#include "syscalls.h"

long sys_getuid(struct task *t, const struct syscall_args *a)
{
	return t->uid;
}

long sys_geteuid(struct task *t, const struct syscall_args *a)
{
	return t->cred->euid;
}

long sys_getgid(struct task *t, const struct syscall_args *a)
{
	return t->gid;
}

long sys_getegid(struct task *t, const struct syscall_args *a)
{
	return t->cred->egid;
}

long sys_uname(struct task *t, const struct syscall_args *a)
{
	struct linux_utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	uts_names(t, u.nodename, u.domainname); /* the caller's UTS namespace */
	/* A release new enough for every libc; the host's is not disclosed. */
	strcpy(u.release, "6.1.0");
	strcpy(u.version, "#1 SMP sentry-kvm " RUNSK_VERSION);
	/* setarch i686 (PER_LINUX32) makes uname report a 32-bit machine, as Linux's override_architecture. */
	strcpy(u.machine,
	       (t->personality & LINUX_PER_MASK) == LINUX_PER_LINUX32 ? "i686" : "x86_64");
	return mm_copy_to_user(t->mm, arg_ptr(a, 0), &u, sizeof(u)) ? -EFAULT : 0;
}

long sys_sethostname(struct task *t, const struct syscall_args *a)
{
	return uts_set_name(t, arg_ptr(a, 0), arg_int(a, 1), false);
}

long sys_setdomainname(struct task *t, const struct syscall_args *a)
{
	return uts_set_name(t, arg_ptr(a, 0), arg_int(a, 1), true);
}

/* Linux's fs.nr_open default: RLIMIT_NOFILE's hard limit may not pass it. */
#define NR_OPEN_MAX 1048576
#define LINUX_RLIMIT_CPU 0

/*
 * Linux's check_prlimit_permission: another task's limits are the
 * caller's business if its real uid and gid are all of the target's
 * ids, or with CAP_SYS_RESOURCE. k->lock held (target->cred).
 */
static bool may_prlimit_locked(const struct task *t, const struct task *target)
{
	const struct cred *c = t->cred, *tc = target->cred;
	if (t == target || task_capable(t, LINUX_CAP_SYS_RESOURCE))
		return true;
	if (!tc)
		return false;
	return c->uid == tc->euid && c->uid == tc->suid && c->uid == tc->uid &&
	       c->gid == tc->egid && c->gid == tc->sgid && c->gid == tc->gid;
}

/*
 * Linux's do_prlimit: read (old) and/or set (nr) limit res of the process
 * with thread pid (0: t's own). Another process's memory limits reach its
 * mm at its next memory call (task_update_mm_limits), as they would after
 * a Linux prlimit that races the call.
 */
static long do_prlimit(struct task *t, int pid, unsigned res, const struct linux_rlimit *nr,
		       struct linux_rlimit *old)
{
	struct kernel *k = t->k;
	long ret = 0;

	pthread_mutex_lock(&k->lock);
	/* Any thread by its ID, as Linux's find_task_by_vpid; then the checks in Linux's order. */
	struct task *target = pid ? task_lookup_locked(k, pid) : t;
	if (!target)
		ret = -ESRCH;
	else if (!may_prlimit_locked(t, target))
		ret = -EPERM;
	else if (res >= LINUX_RLIM_NLIMITS || (nr && nr->cur > nr->max))
		ret = -EINVAL;
	else if (nr && res == LINUX_RLIMIT_NOFILE && nr->max > NR_OPEN_MAX)
		ret = -EPERM;
	struct linux_rlimit *r = ret ? NULL : &target->tg->rlimits[res];
	/* Raising the hard limit needs CAP_SYS_RESOURCE. */
	if (!ret && nr && nr->max > r->max && !task_capable(t, LINUX_CAP_SYS_RESOURCE))
		ret = -EPERM;
	if (!ret && old)
		*old = *r;
	if (!ret && nr) {
		__atomic_store_n(&r->max, nr->max, __ATOMIC_RELAXED);
		__atomic_store_n(&r->cur, nr->cur, __ATOMIC_RELAXED);
	}
	bool self = !ret && target->tg == t->tg;
	pthread_mutex_unlock(&k->lock);
	if (ret || !nr)
		return ret;
	if (res == LINUX_RLIMIT_CPU)
		rlimit_cpu_update(k);
	if (self)
		task_update_mm_limits(t);
	return 0;
}

long sys_prlimit64(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	struct linux_rlimit nr, old;

	if (a->a[2] && mm_copy_from_user(t->mm, &nr, arg_ptr(a, 2), sizeof(nr)))
		return -EFAULT;
	long ret = do_prlimit(t, pid, arg_uint(a, 1), a->a[2] ? &nr : NULL, a->a[3] ? &old : NULL);
	/* As Linux: a new limit is set even when the old one cannot be copied out. */
	if (!ret && a->a[3] && mm_copy_to_user(t->mm, arg_ptr(a, 3), &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

long sys_getrlimit(struct task *t, const struct syscall_args *a)
{
	struct linux_rlimit old;
	long ret = do_prlimit(t, 0, arg_uint(a, 0), NULL, &old);
	if (!ret && mm_copy_to_user(t->mm, arg_ptr(a, 1), &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

long sys_setrlimit(struct task *t, const struct syscall_args *a)
{
	struct linux_rlimit nr;
	if (mm_copy_from_user(t->mm, &nr, arg_ptr(a, 1), sizeof(nr)))
		return -EFAULT;
	return do_prlimit(t, 0, arg_uint(a, 0), &nr, NULL);
}

/*
 * personality(2): any value is kept and returned by the next call
 * (0xffffffff only asks). The Sentry acts on ADDR_NO_RANDOMIZE (at the
 * next execve, layout.c) and PER_LINUX32 (uname); READ_IMPLIES_EXEC and
 * the other quirks change nothing yet.
 */
long sys_personality(struct task *t, const struct syscall_args *a)
{
	u32 old = t->personality, want = (u32)a->a[0];
	if (want != 0xffffffffu)
		__atomic_store_n(&t->personality, want, __ATOMIC_RELAXED); /* procfs reads it */
	return old;
}

long sys_sched_getaffinity(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	u64 len = a->a[1];
	u64 mask;

	/* Linux wants room for every possible CPU and a multiple of a long. */
	if (len < sizeof(mask) || (len & (sizeof(long) - 1)))
		return -EINVAL;
	long ret = sched_get_affinity(t, pid, &mask);
	if (ret)
		return ret;
	return mm_copy_to_user(t->mm, arg_ptr(a, 2), &mask, sizeof(mask)) ? -EFAULT
									  : (long)sizeof(mask);
}

long sys_sched_yield(struct task *t, const struct syscall_args *a)
{
	sched_yield();
	return 0;
}

long sys_getrandom(struct task *t, const struct syscall_args *a)
{
	u64 len = a->a[1];
	unsigned flags = arg_uint(a, 2);
	u8 buf[256];

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, (u64)0x1ffffff); /* Linux caps one call at 32 MiB - 1 */
	u64 done = 0;
	while (done < len) {
		size_t n = MIN(len - done, sizeof(buf));
		if (getrandom(buf, n, 0) != (ssize_t)n)
			return done ? (long)done : -EAGAIN;
		size_t put = mm_copy_to_user_partial(t->mm, uaddr(a->a[0] + done), buf, n);
		done += put;
		if (put < n)
			return done ? (long)done : -EFAULT;
	}
	return done;
}
