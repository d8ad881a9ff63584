// SPDX-License-Identifier: Apache-2.0
/*
 * Resource usage and system information as the sandbox sees it: its own
 * memory, uptime and tasks, never the host's.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "sentry/kernel/process.h"
#include "syscalls.h"

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

static u64 sandbox_uptime_ns(struct task *t)
{
	return profile_now_ns() - t->k->profile.start_ns;
}

struct linux_timeval ns_to_tv(u64 ns)
{
	return (struct linux_timeval){ns / 1000000000ULL, (ns % 1000000000ULL) / 1000};
}

long sys_sysinfo(struct task *t, const struct syscall_args *a)
{
	struct memfile *mf = t->k->mf;
	struct linux_sysinfo si;

	memset(&si, 0, sizeof(si));
	si.uptime = sandbox_uptime_ns(t) / 1000000000ULL;
	si.totalram = memfile_size(mf);
	si.freeram = si.totalram - MIN(si.totalram, memfile_used_frames(mf) << PAGE_SHIFT);
	si.procs = 1; /* TODO(tasks): the sandbox's task count */
	si.mem_unit = 1;
	return mm_copy_to_user(t->mm, arg_ptr(a, 0), &si, sizeof(si)) ? -EFAULT : 0;
}

long sys_getrusage(struct task *t, const struct syscall_args *a)
{
	struct linux_rusage ru;

	memset(&ru, 0, sizeof(ru));
	switch (arg_int(a, 0)) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		/*
		 * The host cannot tell guest from Sentry time on this thread
		 * cheaply: all of it is reported as user time.
		 */
		ru.utime = ns_to_tv(task_cpu_ns());
		ru.maxrss = mm_rss_pages(t->mm) << (PAGE_SHIFT - 10); /* KiB */
		ru.minflt = __atomic_load_n(&t->minflt, __ATOMIC_RELAXED);
		break;
	case RUSAGE_CHILDREN:
		break; /* no children yet */
	default:
		return -EINVAL;
	}
	return mm_copy_to_user(t->mm, arg_ptr(a, 1), &ru, sizeof(ru)) ? -EFAULT : 0;
}

long sys_times(struct task *t, const struct syscall_args *a)
{
	const u64 tick = 1000000000ULL / LINUX_USER_HZ;
	if (a->a[0]) {
		struct linux_tms tms = {.utime = task_cpu_ns() / tick};
		if (mm_copy_to_user(t->mm, arg_ptr(a, 0), &tms, sizeof(tms)))
			return -EFAULT;
	}
	/* Clock ticks since an arbitrary point: Linux counts from boot. */
	return sandbox_uptime_ns(t) / tick;
}

long sys_getcpu(struct task *t, const struct syscall_args *a)
{
	unsigned zero = 0; /* TODO(tasks): the vCPU this task last ran on */
	if (a->a[0] && mm_copy_to_user(t->mm, arg_ptr(a, 0), &zero, sizeof(zero)))
		return -EFAULT;
	if (a->a[1] && mm_copy_to_user(t->mm, arg_ptr(a, 1), &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}
