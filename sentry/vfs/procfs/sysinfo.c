// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox-wide files: meminfo (the sandbox's memory file), uptime and
 * stat (since the sandbox started, CPU time of the whole sandbox spread
 * over its vCPUs), loadavg, version, filesystems, cmdline and locks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/locks.h"

#define NS_PER_TICK (1000000000ULL / 100) /* USER_HZ */

/* Linux's show_val_kb: the name padded to 16 columns, kB right-aligned in 8. */
static void put_kb(struct seq *s, const char *name, u64 pages)
{
	seq_printf(s, "%-16s%8llu kB\n", name, (unsigned long long)(pages << (PAGE_SHIFT - 10)));
}

int proc_show_meminfo(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi);
	u64 total = memfile_size(k->mf) >> PAGE_SHIFT;
	u64 used = MIN(memfile_used_frames(k->mf), total);
	u64 free_pages = total - used;
	static const char *const zero[] = {
		"Buffers:",	 "Cached:",	"SwapCached:",	 "Active(file):", "Inactive(file):",
		"Unevictable:",	 "Mlocked:",	"SwapTotal:",	 "SwapFree:",	  "Dirty:",
		"Writeback:",	 "Mapped:",	"Shmem:",	 "KReclaimable:", "Slab:",
		"SReclaimable:", "SUnreclaim:", "KernelStack:",	 "PageTables:",	  "SecPageTables:",
		"NFS_Unstable:", "Bounce:",	"WritebackTmp:",
	};

	put_kb(s, "MemTotal:", total);
	put_kb(s, "MemFree:", free_pages);
	put_kb(s, "MemAvailable:", free_pages);
	for (size_t i = 0; i < 3; i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "Active:", used);
	put_kb(s, "Inactive:", 0);
	put_kb(s, "Active(anon):", used);
	put_kb(s, "Inactive(anon):", 0);
	for (size_t i = 3; i < 11; i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "AnonPages:", used);
	for (size_t i = 11; i < ARRAY_SIZE(zero); i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "CommitLimit:", total);
	put_kb(s, "Committed_AS:", used);
	seq_printf(s, "%-16s%8llu kB\n", "VmallocTotal:", 34359738367ULL);
	put_kb(s, "VmallocUsed:", 0);
	put_kb(s, "VmallocChunk:", 0);
	put_kb(s, "Percpu:", 0);
	put_kb(s, "HardwareCorrupted:", 0);
	put_kb(s, "AnonHugePages:", 0);
	put_kb(s, "ShmemHugePages:", 0);
	put_kb(s, "ShmemPmdMapped:", 0);
	put_kb(s, "FileHugePages:", 0);
	put_kb(s, "FilePmdMapped:", 0);
	seq_puts(s, "HugePages_Total:       0\nHugePages_Free:        0\n"
		    "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
		    "Hugepagesize:       2048 kB\nHugetlb:               0 kB\n");
	put_kb(s, "DirectMap4k:", total);
	put_kb(s, "DirectMap2M:", 0);
	return 0;
}

u64 proc_sandbox_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int proc_show_uptime(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi);
	u64 up = proc_uptime_ns(k), busy = proc_sandbox_cpu_ns();
	u64 all = up * k->ncpus, idle = all > busy ? all - busy : 0;
	seq_printf(s, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 1000000000ULL),
		   (unsigned long long)(up / 10000000ULL % 100),
		   (unsigned long long)(idle / 1000000000ULL),
		   (unsigned long long)(idle / 10000000ULL % 100));
	return 0;
}

int proc_show_loadavg(struct seq *s, struct proc_inode *pi)
{
	struct proc_counts c;
	proc_counts(proc_kernel(pi), &c);
	/* No run-queue averages are kept: the sandbox reports an idle machine. */
	seq_printf(s, "0.00 0.00 0.00 %d/%d %d\n", c.running, c.threads, c.last_pid);
	return 0;
}

static void put_cpu_line(struct seq *s, const char *name, u64 user, u64 idle)
{
	seq_printf(s, "%s %llu 0 0 %llu 0 0 0 0 0 0\n", name, (unsigned long long)user,
		   (unsigned long long)idle);
}

int proc_show_stat(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi);
	unsigned n = k->ncpus ? k->ncpus : 1;
	u64 up = proc_uptime_ns(k) / NS_PER_TICK;
	u64 busy = proc_sandbox_cpu_ns() / NS_PER_TICK / n;
	u64 idle = up > busy ? up - busy : 0;
	struct proc_counts c;
	struct timespec now;

	proc_counts(k, &c);
	clock_gettime(CLOCK_REALTIME, &now);
	/* The Sentry cannot tell user from system time: it is all user time. */
	put_cpu_line(s, "cpu ", busy * n, idle * n);
	for (unsigned i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%u", i);
		put_cpu_line(s, name, busy, idle);
	}
	seq_printf(s,
		   "intr 0\nctxt 0\nbtime %llu\nprocesses %d\nprocs_running %d\n"
		   "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		   (unsigned long long)(now.tv_sec - proc_uptime_ns(k) / 1000000000ULL), c.last_pid,
		   c.running);
	return 0;
}

int proc_show_version(struct seq *s, struct proc_inode *pi)
{
	/* The uname(2) release and version (sys_info.c). */
	seq_puts(s, "Linux version 6.1.0 (runsk@sentry-kvm) (sentry-kvm " RUNSK_VERSION
		    ") #1 SMP sentry-kvm " RUNSK_VERSION "\n");
	return 0;
}

int proc_show_filesystems(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\tcgroup2\n"
		    "nodev\toverlay\nnodev\t9p\n");
	return 0;
}

/* The sandbox's kernel has no command line of its own: the image a distribution boots. */
int proc_show_cmdline(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "BOOT_IMAGE=/boot/vmlinuz-6.1.0 ro quiet\n");
	return 0;
}

struct locks_walk {
	struct seq *s;
	int id;
};

/* Linux's lock_get_status, without the blocked waiters' "->" lines. */
static int put_lock(void *arg, const struct vfs_lock_info *li)
{
	struct locks_walk *w = arg;
	static const char *const kinds[] = {
		[VFS_LOCK_POSIX] = "POSIX  ADVISORY ",
		[VFS_LOCK_OFD] = "OFDLCK ADVISORY ",
		[VFS_LOCK_FLOCK] = "FLOCK  ADVISORY ",
	};
	seq_printf(w->s, "%d: %s %s ", ++w->id, kinds[li->kind],
		   li->type == LINUX_F_WRLCK   ? "WRITE"
		   : li->type == LINUX_F_RDLCK ? "READ"
					       : "UNLCK");
	if (li->has_inode)
		seq_printf(w->s, "%d %02x:%02x:%llu ", li->pid, linux_dev_major(li->dev),
			   linux_dev_minor(li->dev), (unsigned long long)li->ino);
	else
		seq_printf(w->s, "%d <none>:0 ", li->pid);
	if (li->kind == VFS_LOCK_FLOCK)
		seq_puts(w->s, "0 EOF\n");
	else if (li->end < 0)
		seq_printf(w->s, "%lld EOF\n", (long long)li->start);
	else
		seq_printf(w->s, "%lld %lld\n", (long long)li->start, (long long)li->end);
	return w->s->err;
}

int proc_show_locks(struct seq *s, struct proc_inode *pi)
{
	struct locks_walk w = {s, 0};
	return vfs_locks_for_each(put_lock, &w);
}
