// SPDX-License-Identifier: Apache-2.0
/*
 * /sys/fs/cgroup: the sandbox as a cgroup v2 group of its own, the root
 * of its cgroup namespace (/proc/<pid>/cgroup says "0::/"), read-only as
 * a container sees it. Its limits are the sandbox's: memory.max is the
 * memory file's limit (its size, MemTotal in /proc/meminfo, unless
 * `runsk update` lowered it: sentry/kernel/cgroup_limits.h), memory.current
 * what is in use of it, pids.max the limit on tasks ("max" when none) and
 * pids.current the tasks it counts, cpu.max a quota of one period per
 * vCPU (what Go and Java read to size themselves), cpuset the vCPUs.
 * Only live processes are members, as on Linux.
 */
#include <errno.h>
#include <stdlib.h>

#include "mm/memfile.h"
#include "sentry/kernel/cgroup_limits.h"
#include "sentry/kernel/kernel.h"
#include "sysfs_internal.h"

#define CPU_PERIOD_US 100000 /* Linux's default cpu.max period */

static int show_text(struct seq *s, const char *text)
{
	seq_puts(s, text);
	return 0;
}

static int show_controllers(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "cpuset cpu memory pids\n");
}

static int show_empty(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "\n");
}

static int show_type(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "domain\n");
}

static int show_max(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "max\n");
}

static int show_zero(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "0\n");
}

static int show_events(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "populated 1\nfrozen 0\n");
}

static int show_cgroup_stat(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "nr_descendants 0\nnr_dying_descendants 0\n");
}

/* Each live process (procs) or thread (!procs), one a line, ascending. */
static int show_members(struct seq *s, struct proc_inode *pi, bool procs)
{
	struct kernel *k = proc_kernel(pi);
	int tgids[64], tids[64];
	int from = 1;
	size_t n;

	do {
		n = proc_tgids(k, from, tgids, ARRAY_SIZE(tgids));
		for (size_t i = 0; i < n && !s->err; i++) {
			int from_tid = 1;
			size_t m;
			do {
				m = proc_tids(k, tgids[i], from_tid, tids, ARRAY_SIZE(tids));
				/* A zombie has no threads left: it is no longer a member. */
				if (procs && m)
					seq_printf(s, "%d\n", tgids[i]);
				for (size_t j = 0; !procs && j < m; j++)
					seq_printf(s, "%d\n", tids[j]);
				from_tid = m ? tids[m - 1] + 1 : 0;
			} while (!procs && m == ARRAY_SIZE(tids));
		}
		from = n ? tgids[n - 1] + 1 : 0;
	} while (n == ARRAY_SIZE(tgids));
	return 0;
}

static int show_procs(struct seq *s, struct proc_inode *pi)
{
	return show_members(s, pi, true);
}

static int show_threads(struct seq *s, struct proc_inode *pi)
{
	return show_members(s, pi, false);
}

static int show_cpu_max(struct seq *s, struct proc_inode *pi)
{
	unsigned n = proc_kernel(pi)->ncpus;
	seq_printf(s, "%llu %d\n", (unsigned long long)(n ? n : 1) * CPU_PERIOD_US, CPU_PERIOD_US);
	return 0;
}

static int show_cpu_weight(struct seq *s, struct proc_inode *pi)
{
	return show_text(s, "100\n");
}

/* The sandbox's CPU time, all of it user time as in /proc/stat. */
static int show_cpu_stat(struct seq *s, struct proc_inode *pi)
{
	unsigned long long us = proc_sandbox_cpu_ns() / 1000;
	seq_printf(s,
		   "usage_usec %llu\nuser_usec %llu\nsystem_usec 0\nnr_periods 0\n"
		   "nr_throttled 0\nthrottled_usec 0\n",
		   us, us);
	return 0;
}

static int show_cpus(struct seq *s, struct proc_inode *pi)
{
	unsigned n = proc_kernel(pi)->ncpus;
	proc_format_bitmap_list(s, n ? n : 1);
	seq_putc(s, '\n');
	return 0;
}

/* memory.max: the limit in force, never more than the file's size. */
static u64 mem_total(struct proc_inode *pi)
{
	return memfile_limit_pages(proc_kernel(pi)->mf) << PAGE_SHIFT;
}

static u64 mem_used(struct proc_inode *pi)
{
	struct memfile *mf = proc_kernel(pi)->mf;
	return MIN(memfile_used_frames(mf) << PAGE_SHIFT, mem_total(pi));
}

static int show_memory_max(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%llu\n", (unsigned long long)mem_total(pi));
	return 0;
}

static int show_memory_current(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%llu\n", (unsigned long long)mem_used(pi));
	return 0;
}

/* What meminfo says: all of it anonymous memory. */
static int show_memory_stat(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s,
		   "anon %llu\nfile 0\nkernel 0\nkernel_stack 0\npagetables 0\nsock 0\n"
		   "shmem 0\nfile_mapped 0\nfile_dirty 0\nfile_writeback 0\nanon_thp 0\n",
		   (unsigned long long)mem_used(pi));
	return 0;
}

static int show_memory_events(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi); /* the OOM killer's counts (sentry/kernel/oom.h) */
	unsigned long long ooms = __atomic_load_n(&k->oom_count, __ATOMIC_RELAXED);
	seq_printf(s, "low 0\nhigh 0\nmax %llu\noom %llu\noom_kill %llu\n", ooms, ooms,
		   (unsigned long long)__atomic_load_n(&k->oom_kills, __ATOMIC_RELAXED));
	return 0;
}

static int show_pids_current(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%llu\n", (unsigned long long)pids_current(proc_kernel(pi)));
	return 0;
}

static int show_pids_max(struct seq *s, struct proc_inode *pi)
{
	u64 max = __atomic_load_n(&proc_kernel(pi)->pids_max, __ATOMIC_RELAXED);
	if (!max)
		return show_max(s, pi);
	seq_printf(s, "%llu\n", (unsigned long long)max);
	return 0;
}

/* The clones pids.max refused. */
static int show_pids_events(struct seq *s, struct proc_inode *pi)
{
	u64 n = __atomic_load_n(&proc_kernel(pi)->pids_events_max, __ATOMIC_RELAXED);
	seq_printf(s, "max %llu\n", (unsigned long long)n);
	return 0;
}

/* As on Linux, the files a group's owner may write are 0644, the rest 0444. */
static const struct proc_entry cgroup_entries[] = {
	SYS_RO("cgroup.controllers", show_controllers),
	SYS_RW("cgroup.subtree_control", show_empty),
	SYS_RW("cgroup.type", show_type),
	SYS_RW("cgroup.procs", show_procs),
	SYS_RW("cgroup.threads", show_threads),
	SYS_RO("cgroup.events", show_events),
	SYS_RW("cgroup.max.depth", show_max),
	SYS_RW("cgroup.max.descendants", show_max),
	SYS_RO("cgroup.stat", show_cgroup_stat),
	SYS_RW("cpu.max", show_cpu_max),
	SYS_RW("cpu.weight", show_cpu_weight),
	SYS_RO("cpu.stat", show_cpu_stat),
	SYS_RW("cpuset.cpus", show_empty),
	SYS_RO("cpuset.cpus.effective", show_cpus),
	SYS_RW("cpuset.mems", show_empty),
	SYS_RO("cpuset.mems.effective", show_zero),
	SYS_RO("memory.current", show_memory_current),
	SYS_RW("memory.max", show_memory_max),
	SYS_RW("memory.high", show_max),
	SYS_RW("memory.low", show_zero),
	SYS_RW("memory.min", show_zero),
	SYS_RO("memory.stat", show_memory_stat),
	SYS_RO("memory.events", show_memory_events),
	SYS_RW("memory.swap.max", show_zero),
	SYS_RO("memory.swap.current", show_zero),
	SYS_RO("pids.current", show_pids_current),
	SYS_RW("pids.max", show_pids_max),
	SYS_RO("pids.events", show_pids_events),
};

const struct proc_entry sysfs_cgroup_entry = {
	.mode = S_IFDIR | 0755,
	.children = cgroup_entries,
	.nchildren = ARRAY_SIZE(cgroup_entries),
};

static int cgroupfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->type = LINUX_CGROUP2_SUPER_MAGIC;
	return 0;
}

static const struct super_ops cgroupfs_super_ops = {
	.destroy_inode = proc_destroy_inode,
	.statfs = cgroupfs_statfs,
};

struct super_block *cgroupfs_mount(struct kernel *k)
{
	struct super_block *sb =
		proc_table_fs_mount(k, "cgroup2", &cgroupfs_super_ops, &sysfs_cgroup_entry);
	if (!IS_ERR(sb))
		PROC_SB(sb)->read_only = true;
	return sb;
}
