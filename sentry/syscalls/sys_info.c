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
	memcpy(u.nodename, t->k->hostname, sizeof(u.nodename));
	/* A release new enough for every libc; the host's is not disclosed. */
	strcpy(u.release, "6.1.0");
	strcpy(u.version, "#1 SMP sentry-kvm " RUNSK_VERSION);
	strcpy(u.machine, "x86_64");
	strcpy(u.domainname, "(none)");
	return mm_copy_to_user(t->mm, arg_ptr(a, 0), &u, sizeof(u)) ? -EFAULT : 0;
}

long sys_prlimit64(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	unsigned res = arg_uint(a, 1);
	struct linux_rlimit *r;

	if (res >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	if (pid && pid != t->tg->tgid)
		return -ESRCH;
	r = &t->k->rlimits[res];
	if (a->a[2]) {
		struct linux_rlimit nr;
		if (mm_copy_from_user(t->mm, &nr, arg_ptr(a, 2), sizeof(nr)))
			return -EFAULT;
		if (nr.cur > nr.max)
			return -EINVAL;
		/* Raising the hard limit needs CAP_SYS_RESOURCE. */
		if (nr.max > r->max && !task_capable(t, LINUX_CAP_SYS_RESOURCE))
			return -EPERM;
		if (a->a[3] && mm_copy_to_user(t->mm, arg_ptr(a, 3), r, sizeof(*r)))
			return -EFAULT;
		*r = nr;
		task_update_mm_limits(t);
		return 0;
	}
	if (a->a[3] && mm_copy_to_user(t->mm, arg_ptr(a, 3), r, sizeof(*r)))
		return -EFAULT;
	return 0;
}

long sys_getrlimit(struct task *t, const struct syscall_args *a)
{
	unsigned res = arg_uint(a, 0);
	if (res >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &t->k->rlimits[res],
			       sizeof(struct linux_rlimit))
		       ? -EFAULT
		       : 0;
}

long sys_sched_getaffinity(struct task *t, const struct syscall_args *a)
{
	int pid = arg_int(a, 0);
	u64 len = a->a[1];
	u64 mask = t->k->ncpus >= 64 ? ~0ULL : (1ULL << t->k->ncpus) - 1;

	if (pid < 0)
		return -EINVAL;
	if (pid && pid != t->tid)
		return -ESRCH;
	/* Linux wants room for every possible CPU and a multiple of a long. */
	if (len < sizeof(mask) || (len & (sizeof(long) - 1)))
		return -EINVAL;
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
