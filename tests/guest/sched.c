// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling attributes: nice values (getpriority's raw 20 - nice,
 * PRIO_PROCESS/PGRP/USER, clamping, RLIMIT_NICE and the other-user
 * rules), policies and real-time priorities (sched_setscheduler,
 * sched_setparam, SCHED_RESET_ON_FORK across fork, RLIMIT_RTPRIO),
 * sched_setattr/sched_getattr's size rules, CPU affinity of the caller
 * and of another process, and I/O priorities.
 *
 * Run as root (natively and in the sandbox); the unprivileged checks run
 * in a child that drops to uid 65534 and so loses its capabilities.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_test.h"

#define NOPID 0x3fffffff
#define SCHED_RESET 0x40000000
#define IOPRIO(class, level) (((class) << 13) | (level))

struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

static long raw_getprio(int which, int who)
{
	return syscall(SYS_getpriority, (long)which, (long)who);
}

static long setprio(int which, int who, int nice)
{
	return syscall(SYS_setpriority, (long)which, (long)who, (long)nice);
}

static long setsched(int pid, int policy, int prio)
{
	struct sched_param p = {.sched_priority = prio};
	return syscall(SYS_sched_setscheduler, (long)pid, (long)policy, &p);
}

static long getparam(int pid)
{
	struct sched_param p = {.sched_priority = -1};
	long r = syscall(SYS_sched_getparam, (long)pid, &p);
	return r ? r : p.sched_priority;
}

static long ioprio_set(int which, int who, int prio)
{
	return syscall(SYS_ioprio_set, (long)which, (long)who, (long)prio);
}

static long ioprio_get(int which, int who)
{
	return syscall(SYS_ioprio_get, (long)which, (long)who);
}

/* Fields 18 (priority), 19 (nice), 40 (rt_priority), 41 (policy) of /proc/self/stat. */
static bool proc_stat_sched(long *prio, long *nice, long *rt, long *policy)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	long v[42] = {0};
	/* Field 3 is the first after the name. */
	for (int i = 3; p && i <= 41; i++) {
		p = strchr(p + 1, ' ');
		if (p)
			v[i] = strtol(p + 1, NULL, 10);
	}
	*prio = v[18];
	*nice = v[19];
	*rt = v[40];
	*policy = v[41];
	return p != NULL;
}

/* Run fn in a child process; returns its exit status (its checks count there). */
static int in_child(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		fn();
		exit(guest_finish());
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_ranges(void)
{
	expect_ret(syscall(SYS_sched_get_priority_max, (long)SCHED_FIFO), 99, "max FIFO");
	expect_ret(syscall(SYS_sched_get_priority_min, (long)SCHED_RR), 1, "min RR");
	expect_ret(syscall(SYS_sched_get_priority_max, (long)SCHED_OTHER), 0, "max OTHER");
	expect_ret(syscall(SYS_sched_get_priority_min, (long)SCHED_IDLE), 0, "min IDLE");
	expect_ret(syscall(SYS_sched_get_priority_max, (long)SCHED_BATCH), 0, "max BATCH");
	expect_err(syscall(SYS_sched_get_priority_max, 4L), EINVAL, "max of policy 4");
	expect_err(syscall(SYS_sched_get_priority_min, -1L), EINVAL, "min of policy -1");
}

static void test_nice(void)
{
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 20, "raw getpriority: 20 - nice");
	expect_ret(setprio(PRIO_PROCESS, 0, 5), 0, "setpriority 5");
	expect_ret(raw_getprio(PRIO_PROCESS, getpid()), 15, "raw getpriority by pid");
	long prio, nice, rt, policy;
	check(proc_stat_sched(&prio, &nice, &rt, &policy) && prio == 25 && nice == 5 && rt == 0 &&
		      policy == 0,
	      "/proc/self/stat: priority 25, nice 5");
	errno = 0;
	expect_ret(getpriority(PRIO_PROCESS, 0), 5, "libc getpriority");
	expect_ret(setprio(PRIO_PROCESS, 0, 100), 0, "setpriority 100");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 1, "...clamped to 19");
	expect_ret(setprio(PRIO_PROCESS, 0, -100), 0, "setpriority -100 (root)");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 40, "...clamped to -20");
	expect_ret(setprio(PRIO_PROCESS, 0, 0), 0, "setpriority 0");
	expect_err(raw_getprio(3, 0), EINVAL, "getpriority which 3");
	expect_err(setprio(-1, 0, 0), EINVAL, "setpriority which -1");
	expect_err(raw_getprio(PRIO_PROCESS, NOPID), ESRCH, "getpriority of no process");
	expect_err(setprio(PRIO_PROCESS, NOPID, 1), ESRCH, "setpriority of no process");
	expect_err(raw_getprio(PRIO_PGRP, NOPID), ESRCH, "getpriority of no group");
	expect_err(raw_getprio(PRIO_USER, 54321), ESRCH, "getpriority of a user with no process");
}

/* Raising a hard limit needs CAP_SYS_RESOURCE, which a container may lack. */
static bool raise_rlimit(int res, rlim_t v)
{
	struct rlimit rl = {v, v};
	return setrlimit(res, &rl) == 0;
}

static void nice_child(void)
{
	/* A new group of its own, niced down. */
	setpgid(0, 0);
	expect_ret(setprio(PRIO_PGRP, 0, 3), 0, "PRIO_PGRP set");
	expect_ret(raw_getprio(PRIO_PGRP, getpgrp()), 17, "PRIO_PGRP get");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 17, "...the member has it");

	setprio(PRIO_PROCESS, 0, 10);
	bool rlim = raise_rlimit(RLIMIT_NICE, 30); /* down to nice -10 */
	pid_t parent = getppid();
	/* A uid of its own, so that PRIO_USER touches no one else's processes. */
	check(setresgid(54321, 54321, 54321) == 0 && setresuid(54321, 54321, 54321) == 0,
	      "drop to uid 54321");
	expect_ret(setprio(PRIO_USER, 0, 12), 0, "PRIO_USER set");
	expect_ret(raw_getprio(PRIO_USER, 0), 8, "PRIO_USER get");
	expect_ret(raw_getprio(PRIO_USER, 54321), 8, "PRIO_USER get by uid");
	expect_ret(setprio(PRIO_PROCESS, 0, 15), 0, "raise nice unprivileged");
	if (rlim) {
		guest_quiet = true;
		expect_ret(setprio(PRIO_PROCESS, 0, -10), 0, "lower to -10 within RLIMIT_NICE");
		expect_err(setprio(PRIO_PROCESS, 0, -11), EACCES, "lower past RLIMIT_NICE");
		guest_quiet = false;
	} else {
		expect_err(setprio(PRIO_PROCESS, 0, 14), EACCES, "lower past RLIMIT_NICE");
	}
	printf("RLIMIT_NICE rules: ok\n");
	expect_err(setprio(PRIO_PROCESS, parent, 5), EPERM, "another user's process");
	expect_ret(raw_getprio(PRIO_PROCESS, parent), 20, "...whose priority anyone may read");
	expect_err(setsched(0, SCHED_FIFO, 1), EPERM, "FIFO without RLIMIT_RTPRIO");
	expect_err(ioprio_set(1, 0, IOPRIO(1, 0)), EPERM, "ioprio RT unprivileged");
	expect_err(ioprio_set(1, parent, IOPRIO(2, 0)), EPERM, "ioprio of another user");
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	expect_err(sched_setaffinity(parent, sizeof(set), &set), EPERM,
		   "setaffinity of another user");
}

static void rtprio_child(void)
{
	bool rlim = raise_rlimit(RLIMIT_RTPRIO, 10);
	check(setresuid(54321, 54321, 54321) == 0, "drop to uid 54321");
	if (rlim) {
		guest_quiet = true;
		expect_ret(setsched(0, SCHED_RR, 5), 0, "RR 5 within RLIMIT_RTPRIO");
		expect_ret(setsched(0, SCHED_RR, 10), 0, "RR 10 within RLIMIT_RTPRIO");
		expect_err(setsched(0, SCHED_RR, 11), EPERM, "RR 11 past it");
		expect_ret(setsched(0, SCHED_OTHER, 0), 0, "back to OTHER");
		guest_quiet = false;
	} else {
		expect_err(setsched(0, SCHED_RR, 1), EPERM, "RR without RLIMIT_RTPRIO");
	}
	printf("RLIMIT_RTPRIO rules: ok\n");
	expect_ret(setsched(0, SCHED_BATCH, 0), 0, "BATCH unprivileged");
	expect_ret(setsched(0, SCHED_IDLE, 0), 0, "IDLE unprivileged");
	expect_err(setsched(0, SCHED_OTHER, 0), EPERM, "out of IDLE with RLIMIT_NICE 0");
	expect_err(setsched(1, SCHED_OTHER, 0), EPERM, "another user's process");
}

static void reset_child(void)
{
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_OTHER, "child: RR reset to OTHER");
	expect_ret(getparam(0), 0, "child: priority 0");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 20, "child: nice 0");
	expect_ret(ioprio_get(1, 0), IOPRIO(2, 3), "child: ioprio inherited");
}

static void batch_child(void)
{
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_BATCH, "child: BATCH inherited");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 20, "child: negative nice reset to 0");
}

static void test_policy(void)
{
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_OTHER, "getscheduler");
	expect_ret(getparam(0), 0, "getparam");
	expect_err(syscall(SYS_sched_getscheduler, -1L), EINVAL, "getscheduler pid -1");
	expect_err(syscall(SYS_sched_getscheduler, (long)NOPID), ESRCH, "getscheduler no pid");
	expect_err(syscall(SYS_sched_getparam, 0L, NULL), EINVAL, "getparam NULL");
	expect_err(syscall(SYS_sched_getparam, 0L, (void *)8), EFAULT, "getparam bad pointer");
	expect_err(setsched(0, SCHED_FIFO, 0), EINVAL, "FIFO priority 0");
	expect_err(setsched(0, SCHED_FIFO, 100), EINVAL, "FIFO priority 100");
	expect_err(setsched(0, SCHED_OTHER, 1), EINVAL, "OTHER priority 1");
	expect_err(setsched(0, 4, 0), EINVAL, "policy 4");
	expect_err(setsched(0, -1, 0), EINVAL, "policy -1");
	expect_err(setsched(-1, SCHED_OTHER, 0), EINVAL, "pid -1");
	expect_err(setsched(NOPID, SCHED_OTHER, 0), ESRCH, "no such pid");
	expect_err(syscall(SYS_sched_setscheduler, 0L, 0L, NULL), EINVAL, "param NULL");
	expect_err(syscall(SYS_sched_setscheduler, 0L, 0L, (void *)8), EFAULT, "param bad pointer");

	expect_ret(setsched(0, SCHED_BATCH, 0), 0, "BATCH");
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_BATCH, "...is the policy");
	expect_ret(setsched(0, SCHED_IDLE, 0), 0, "IDLE");
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_IDLE, "...is the policy");
	expect_ret(setsched(0, SCHED_FIFO, 7), 0, "FIFO 7");
	expect_ret(getparam(0), 7, "...priority 7");
	long prio, nice, rt, pol;
	check(proc_stat_sched(&prio, &nice, &rt, &pol) && prio == -8 && nice == 0 && rt == 7 &&
		      pol == SCHED_FIFO,
	      "/proc/self/stat: priority -8, rt_priority 7, policy FIFO");
	struct sched_param p = {.sched_priority = 9};
	expect_ret(syscall(SYS_sched_setparam, 0L, &p), 0, "setparam 9");
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_FIFO, "...still FIFO");
	expect_ret(getparam(0), 9, "...priority 9");
	p.sched_priority = 0;
	expect_err(syscall(SYS_sched_setparam, 0L, &p), EINVAL, "setparam 0 on FIFO");

	struct timespec ts = {1, 1};
	expect_ret(syscall(SYS_sched_rr_get_interval, 0L, &ts), 0, "rr_get_interval FIFO");
	check(ts.tv_sec == 0 && ts.tv_nsec == 0, "...0 for FIFO");
	expect_ret(setsched(0, SCHED_RR | SCHED_RESET, 10), 0, "RR 10 | RESET_ON_FORK");
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_RR | SCHED_RESET, "...reported");
	expect_ret(syscall(SYS_sched_rr_get_interval, 0L, &ts), 0, "rr_get_interval RR");
	check(ts.tv_sec == 0 && ts.tv_nsec == 100000000, "...100 ms for RR");
	expect_err(syscall(SYS_sched_rr_get_interval, -1L, &ts), EINVAL, "rr_get_interval -1");
	expect_err(syscall(SYS_sched_rr_get_interval, 0L, (void *)8), EFAULT, "rr bad pointer");
	expect_ret(ioprio_set(1, 0, IOPRIO(2, 3)), 0, "ioprio BE 3 before fork");
	expect_ret(in_child(reset_child), 0, "fork with RESET_ON_FORK");
	expect_ret(setsched(0, SCHED_BATCH | SCHED_RESET, 0), 0, "BATCH | RESET_ON_FORK");
	expect_ret(setprio(PRIO_PROCESS, 0, -5), 0, "nice -5");
	expect_ret(in_child(batch_child), 0, "fork keeps BATCH");
	expect_ret(setsched(0, SCHED_OTHER, 0), 0, "back to OTHER (root drops RESET_ON_FORK)");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 25, "...nice kept by setscheduler");
	expect_ret(setprio(PRIO_PROCESS, 0, 0), 0, "nice 0");
	expect_ret(ioprio_set(1, 0, IOPRIO(0, 0)), 0, "ioprio NONE");
}

static long getattr(struct sched_attr_v1 *a, unsigned size)
{
	memset(a, 0xee, sizeof(*a));
	return syscall(SYS_sched_getattr, 0L, a, (long)size, 0L);
}

static long setattr(void *a)
{
	return syscall(SYS_sched_setattr, 0L, a, 0L);
}

static void test_attr(void)
{
	struct sched_attr_v1 a;
	expect_ret(getattr(&a, 48), 0, "getattr size 48");
	check(a.size == 48 && a.sched_policy == 0 && a.sched_nice == 0 && a.sched_flags == 0,
	      "...size 48, OTHER, nice 0");
	check(a.sched_util_min == 0xeeeeeeee, "...util fields left alone");
	expect_ret(getattr(&a, 56), 0, "getattr size 56");
	check(a.size == 56, "...size 56");
	char big[80];
	memset(big, 0xee, sizeof(big));
	expect_ret(syscall(SYS_sched_getattr, 0L, big, 80L, 0L), 0, "getattr size 80");
	/* Linux 6.13 and later zero the tail, older ones leave it alone. */
	unsigned char tail = big[60];
	check(((struct sched_attr_v1 *)big)->size == 56 && (tail == 0 || tail == 0xee) &&
		      (unsigned char)big[79] == tail,
	      "...reports 56, zeroes the tail or leaves it");
	check(a.sched_util_min == 0 && a.sched_util_max == 0, "...no utilisation clamps");
	expect_err(getattr(&a, 47), EINVAL, "getattr size 47");
	expect_err(syscall(SYS_sched_getattr, 0L, &a, 56L, 1L), EINVAL, "getattr flags 1");
	expect_err(syscall(SYS_sched_getattr, -1L, &a, 56L, 0L), EINVAL, "getattr pid -1");
	expect_err(syscall(SYS_sched_getattr, (long)NOPID, &a, 56L, 0L), ESRCH, "getattr no pid");
	expect_err(syscall(SYS_sched_getattr, 0L, (void *)8, 56L, 0L), EFAULT, "getattr bad ptr");

	struct sched_attr_v1 s = {.size = 48, .sched_policy = SCHED_OTHER, .sched_nice = 7};
	expect_ret(setattr(&s), 0, "setattr OTHER nice 7");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 13, "...nice is 7");
	s.sched_nice = -50;
	expect_ret(setattr(&s), 0, "setattr nice -50");
	expect_ret(raw_getprio(PRIO_PROCESS, 0), 40, "...clamped to -20");
	s.sched_nice = 0;
	s.size = 0;
	expect_ret(setattr(&s), 0, "setattr size 0 (VER0)");
	s.size = 40;
	expect_err(setattr(&s), E2BIG, "setattr size 40");
	check(s.size == 56, "...size written back as 56");
	char buf[64] = {0};
	memcpy(buf, &s, sizeof(s));
	((struct sched_attr_v1 *)buf)->size = 64;
	expect_ret(setattr(buf), 0, "setattr size 64, zero tail");
	buf[63] = 1;
	expect_err(setattr(buf), E2BIG, "setattr size 64, nonzero tail");
	s.size = 48;
	s.sched_flags = 0x80;
	expect_err(setattr(&s), EINVAL, "setattr unknown flag");
	s.sched_flags = 0x20; /* UTIL_CLAMP_MIN needs the VER1 struct */
	expect_err(setattr(&s), EINVAL, "setattr util clamp with size 48");
	s.size = 56;
	s.sched_util_min = 100;
	expect_err(setattr(&s), EOPNOTSUPP, "setattr util clamp (no CONFIG_UCLAMP_TASK)");
	s.size = 48;
	s.sched_flags = 0;
	expect_err(syscall(SYS_sched_setattr, 0L, &s, 1L), EINVAL, "setattr flags 1");
	expect_err(syscall(SYS_sched_setattr, 0L, NULL, 0L), EINVAL, "setattr NULL");
	expect_err(syscall(SYS_sched_setattr, 0L, (void *)8, 0L), EFAULT, "setattr bad ptr");
	s.sched_policy = SCHED_FIFO;
	s.sched_priority = 3;
	expect_ret(setattr(&s), 0, "setattr FIFO 3");
	expect_ret(getattr(&a, 48), 0, "getattr");
	check(a.sched_policy == SCHED_FIFO && a.sched_priority == 3, "...FIFO 3");
	s.sched_flags = 0x08 | 0x10; /* KEEP_POLICY | KEEP_PARAMS */
	s.sched_policy = SCHED_OTHER;
	s.sched_priority = 0;
	expect_ret(setattr(&s), 0, "setattr keeping policy and params");
	expect_ret(syscall(SYS_sched_getscheduler, 0L), SCHED_FIFO, "...still FIFO");
	expect_ret(getparam(0), 3, "...priority 3");
	s.sched_flags = 0;
	s.sched_policy = (uint32_t)-2;
	expect_err(setattr(&s), EINVAL, "setattr negative policy");
	s.sched_policy = SCHED_OTHER;
	expect_ret(setattr(&s), 0, "setattr OTHER");
}

static int set_has_only_cpu0(const cpu_set_t *set)
{
	return CPU_ISSET(0, set) && CPU_COUNT(set) == 1;
}

static void affinity_child(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	expect_ret(sched_getaffinity(0, sizeof(set), &set), 0, "child: getaffinity");
	check(set_has_only_cpu0(&set), "child: inherited {0}");
}

static void test_affinity(void)
{
	cpu_set_t set, all;
	CPU_ZERO(&all);
	long n = syscall(SYS_sched_getaffinity, 0L, (long)sizeof(all), &all);
	check(n >= 8 && n % 8 == 0 && CPU_ISSET(0, &all), "getaffinity: has CPU 0");
	expect_err(syscall(SYS_sched_getaffinity, 0L, 4L, &set), EINVAL, "getaffinity len 4");
	expect_err(syscall(SYS_sched_getaffinity, 0L, 12L, &set), EINVAL, "getaffinity len 12");
	expect_err(syscall(SYS_sched_getaffinity, (long)NOPID, 128L, &set), ESRCH,
		   "getaffinity no pid");
	expect_err(syscall(SYS_sched_getaffinity, -1L, 128L, &set), ESRCH, "getaffinity pid -1");
	expect_err(syscall(SYS_sched_getaffinity, 0L, 128L, (void *)8), EFAULT, "getaffinity bad");

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	expect_ret(sched_setaffinity(0, sizeof(set), &set), 0, "setaffinity {0}");
	CPU_ZERO(&set);
	expect_ret(sched_getaffinity(0, sizeof(set), &set), 0, "getaffinity");
	check(set_has_only_cpu0(&set), "...is {0}");
	expect_ret(in_child(affinity_child), 0, "fork inherits affinity");
	CPU_ZERO(&set);
	CPU_SET(1000, &set);
	expect_err(sched_setaffinity(0, sizeof(set), &set), EINVAL, "setaffinity {1000}");
	expect_err(syscall(SYS_sched_setaffinity, 0L, 0L, &set), EINVAL, "setaffinity len 0");
	expect_err(syscall(SYS_sched_setaffinity, 0L, 128L, (void *)8), EFAULT, "setaffinity bad");
	expect_err(sched_setaffinity(NOPID, sizeof(set), &all), ESRCH, "setaffinity no pid");

	/* Another process's: set it from here, read it from here. */
	int fds[2];
	check(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(fds[1]);
		exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	expect_ret(sched_setaffinity(pid, sizeof(all), &all), 0, "setaffinity of a child: all");
	CPU_ZERO(&set);
	expect_ret(sched_getaffinity(pid, sizeof(set), &set), 0, "getaffinity of the child");
	check(CPU_EQUAL(&set, &all), "...all CPUs");
	close(fds[1]);
	int st;
	waitpid(pid, &st, 0);
	expect_ret(sched_setaffinity(0, sizeof(all), &all), 0, "setaffinity back to all");
}

static void test_ioprio(void)
{
	expect_ret(ioprio_get(1, 0), 0, "ioprio_get default");
	expect_ret(ioprio_set(1, 0, IOPRIO(2, 5)), 0, "ioprio_set BE 5");
	expect_ret(ioprio_get(1, getpid()), IOPRIO(2, 5), "...reads back");
	expect_ret(ioprio_set(1, 0, IOPRIO(1, 2)), 0, "ioprio_set RT 2 (root)");
	expect_ret(ioprio_get(2, 0), IOPRIO(1, 2), "ioprio_get PGRP");
	expect_ret(ioprio_set(1, 0, IOPRIO(3, 0)), 0, "ioprio_set IDLE");
	expect_ret(ioprio_get(1, 0), IOPRIO(3, 0), "...reads back");
	expect_err(ioprio_set(1, 0, IOPRIO(0, 1)), EINVAL, "ioprio NONE with a level");
	expect_err(ioprio_set(1, 0, IOPRIO(4, 0)), EINVAL, "ioprio class 4");
	expect_err(ioprio_set(0, 0, IOPRIO(2, 0)), EINVAL, "ioprio_set which 0");
	expect_err(ioprio_set(4, 0, IOPRIO(4, 0)), EINVAL, "ioprio_set bad class and which");
	expect_err(ioprio_get(4, 0), EINVAL, "ioprio_get which 4");
	expect_err(ioprio_get(1, NOPID), ESRCH, "ioprio_get no pid");
	expect_err(ioprio_set(1, NOPID, IOPRIO(2, 0)), ESRCH, "ioprio_set no pid");
	expect_err(ioprio_get(3, 54321), ESRCH, "ioprio_get user with no process");
	expect_ret(ioprio_set(1, 0, 0), 0, "ioprio back to NONE");
}

int main(void)
{
	guest_start("sched");
	test_ranges();
	test_nice();
	expect_ret(in_child(nice_child), 0, "unprivileged nice rules");
	expect_ret(in_child(rtprio_child), 0, "RLIMIT_RTPRIO rules");
	test_policy();
	test_attr();
	test_affinity();
	test_ioprio();
	return guest_finish();
}
