// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel.h"
#include "profile.h"
#include "sentry/syscalls/syscalls.h"

u64 profile_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void profile_add(u64 *counter, u64 n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static int by_time_desc(const void *a, const void *b, void *arg)
{
	const u64 *ns = arg;
	u64 x = ns[*(const int *)a], y = ns[*(const int *)b];
	return x < y ? 1 : x > y ? -1 : 0;
}

int profile_write(struct kernel *k, const char *path, const char *program)
{
	const struct profile *pr = &k->profile;
	struct platform_stats ps = {0};
	int order[PROFILE_SYSCALLS], n = 0;
	u64 sys_total = 0, calls = 0;

	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	if (k->platform->ops->stats)
		k->platform->ops->stats(k->platform, &ps);
	for (int nr = 0; nr < PROFILE_SYSCALLS; nr++) {
		if (!pr->sys_count[nr])
			continue;
		order[n++] = nr;
		sys_total += pr->sys_ns[nr];
		calls += pr->sys_count[nr];
	}
	qsort_r(order, n, sizeof(order[0]), by_time_desc, (void *)pr->sys_ns);

	double wall = (profile_now_ns() - pr->start_ns) / 1e6;
	fprintf(f, "runsk profile of %s on the %s platform\n", program, k->platform->ops->name);
	fprintf(f,
		"wall %.3f ms: in the guest (code and exits) %.3f ms, in syscall handlers %.3f ms, "
		"serving faults %.3f ms\n",
		wall, pr->guest_ns / 1e6, sys_total / 1e6, pr->fault_ns / 1e6);
	fprintf(f,
		"exits %llu: %llu syscalls, %llu page faults served; resumes: %llu direct, %llu "
		"through ring0; page-table stores replayed %llu (extra drain exits %llu); "
		"interrupts %llu; TLB shoot-downs %llu\n",
		(unsigned long long)ps.exits, (unsigned long long)calls,
		(unsigned long long)pr->faults, (unsigned long long)ps.fast_resumes,
		(unsigned long long)ps.full_resumes, (unsigned long long)ps.pt_stores,
		(unsigned long long)ps.drain_exits, (unsigned long long)ps.interrupts,
		(unsigned long long)ps.shootdowns);
	fprintf(f, "\n%-24s %10s %12s %10s\n", "syscall", "calls", "total us", "avg us");
	for (int i = 0; i < n; i++) {
		int nr = order[i];
		const char *name = syscall_name(nr);
		fprintf(f, "%-24s %10llu %12.1f %10.2f\n", name ? name : "?",
			(unsigned long long)pr->sys_count[nr], pr->sys_ns[nr] / 1e3,
			pr->sys_ns[nr] / 1e3 / pr->sys_count[nr]);
	}
	int ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
