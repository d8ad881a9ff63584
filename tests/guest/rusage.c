// SPDX-License-Identifier: Apache-2.0
/*
 * sysinfo, getrusage, times and getcpu: the facts that hold on any
 * machine, and the errors Linux gives.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <unistd.h>

#include "guest_test.h"

static void test_sysinfo(void)
{
	struct sysinfo si;

	memset(&si, 0, sizeof(si));
	expect_ret(sysinfo(&si), 0, "sysinfo");
	check(si.mem_unit >= 1 && si.totalram > 0, "sysinfo: total memory reported");
	check(si.freeram <= si.totalram, "sysinfo: free <= total");
	check(si.procs >= 1, "sysinfo: at least one process");
	expect_err(syscall(SYS_sysinfo, (void *)1), EFAULT, "sysinfo(bad pointer)");
}

static void test_getrusage(void)
{
	struct rusage ru;
	volatile char *p = malloc(1 << 20);

	for (int i = 0; i < (1 << 20); i += 4096)
		p[i] = 1;
	memset(&ru, 0, sizeof(ru));
	expect_ret(getrusage(RUSAGE_SELF, &ru), 0, "getrusage(RUSAGE_SELF)");
	check(ru.ru_maxrss > 0, "getrusage: maxrss is positive");
	check(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
	      "getrusage: utime is a valid timeval");
	expect_ret(getrusage(RUSAGE_THREAD, &ru), 0, "getrusage(RUSAGE_THREAD)");
	expect_ret(getrusage(RUSAGE_CHILDREN, &ru), 0, "getrusage(RUSAGE_CHILDREN)");
	expect_err(syscall(SYS_getrusage, 5L, &ru), EINVAL, "getrusage(5)");
	expect_err(syscall(SYS_getrusage, (long)RUSAGE_SELF, (void *)1), EFAULT,
		   "getrusage(bad pointer)");
	free((void *)p);
}

static void test_times(void)
{
	struct tms t;
	long a = syscall(SYS_times, &t);
	long b = syscall(SYS_times, NULL);
	check(a > 0 && b >= a, "times: clock ticks advance");
	/* Children's times are inherited across exec, so they depend on the caller. */
	check(t.tms_utime >= 0 && t.tms_cutime >= 0 && t.tms_cstime >= 0,
	      "times: times are not negative");
	expect_err(syscall(SYS_times, (void *)1), EFAULT, "times(bad pointer)");
}

static void test_getcpu(void)
{
	unsigned cpu = ~0u, node = ~0u;
	expect_ret(syscall(SYS_getcpu, &cpu, &node, NULL), 0, "getcpu");
	check(cpu < 1024 && node < 1024, "getcpu: plausible cpu and node numbers");
	expect_ret(syscall(SYS_getcpu, NULL, NULL, NULL), 0, "getcpu(NULL, NULL)");
	expect_err(syscall(SYS_getcpu, (void *)1, NULL, NULL), EFAULT, "getcpu(bad pointer)");
}

int main(void)
{
	guest_start("rusage");
	test_sysinfo();
	test_getrusage();
	test_times();
	test_getcpu();
	return guest_finish();
}
