// SPDX-License-Identifier: Apache-2.0
/*
 * /sys/devices/system/cpu: the sandbox's vCPUs (--cpus), all of them
 * online, in one package of single-threaded cores as /proc/cpuinfo says.
 * glibc's sysconf(_SC_NPROCESSORS_ONLN) reads "online", and
 * _SC_NPROCESSORS_CONF "possible" (or counts the cpu<N> directories).
 *
 * The directory lists its fixed files, then cpu0..cpu<n-1> at positions
 * CPU_POS + N; a cpu<N> directory and what is under it carry N in their
 * inode's index.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sentry/kernel/kernel.h"
#include "sysfs_internal.h"

#define CPU_POS 0x10000	      /* past the fixed entries' positions */
#define SYSFS_KERNEL_MAX 8191 /* NR_CPUS - 1 of a distribution kernel */

static unsigned ncpus(struct proc_inode *pi)
{
	unsigned n = proc_kernel(pi)->ncpus;
	return n ? n : 1;
}

/* online, possible and present: every vCPU. */
static int show_all(struct seq *s, struct proc_inode *pi)
{
	proc_format_bitmap_list(s, ncpus(pi));
	seq_putc(s, '\n');
	return 0;
}

static int show_none(struct seq *s, struct proc_inode *pi)
{
	seq_putc(s, '\n');
	return 0;
}

static int show_kernel_max(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", SYSFS_KERNEL_MAX);
	return 0;
}

static int show_one(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "1\n");
	return 0;
}

static int show_zero(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "0\n");
	return 0;
}

/* This CPU's number (core_id, and the siblings lists of a one-thread core). */
static int show_self(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", pi->index);
	return 0;
}

/* A one-thread core's siblings mask: this CPU's bit, in %*pb's 32-bit chunks. */
static int show_self_mask(struct seq *s, struct proc_inode *pi)
{
	unsigned n = ncpus(pi), chunks = (n + 31) / 32;
	for (unsigned c = chunks; c-- > 0;) {
		u32 v = (unsigned)pi->index / 32 == c ? 1u << (pi->index % 32) : 0;
		unsigned bits = MIN(32u, n - c * 32);
		if (c == chunks - 1)
			seq_printf(s, "%0*x", (int)((bits + 3) / 4), v);
		else
			seq_printf(s, ",%08x", v);
	}
	seq_putc(s, '\n');
	return 0;
}

/* The package holds every CPU. */
static int show_all_mask(struct seq *s, struct proc_inode *pi)
{
	proc_format_bitmap(s, ncpus(pi));
	seq_putc(s, '\n');
	return 0;
}

static const struct proc_entry topology_entries[] = {
	SYS_RO("physical_package_id", show_zero),
	SYS_RO("die_id", show_zero),
	SYS_RO("core_id", show_self),
	SYS_RO("core_cpus", show_self_mask),
	SYS_RO("core_cpus_list", show_self),
	SYS_RO("thread_siblings", show_self_mask),
	SYS_RO("thread_siblings_list", show_self),
	SYS_RO("core_siblings", show_all_mask),
	SYS_RO("core_siblings_list", show_all),
	SYS_RO("package_cpus", show_all_mask),
	SYS_RO("package_cpus_list", show_all),
	SYS_RO("die_cpus", show_all_mask),
	SYS_RO("die_cpus_list", show_all),
};

/* "online" first: cpu0 has none (x86 cannot take its boot CPU offline). */
static const struct proc_entry cpun_entries[] = {
	SYS_RW("online", show_one),
	SYS_DIR("topology", topology_entries),
};

static const struct proc_entry cpun_entry = {
	.mode = S_IFDIR | 0755,
	.children = cpun_entries,
	.nchildren = ARRAY_SIZE(cpun_entries),
};

static const struct proc_entry cpu0_entry = {
	.mode = S_IFDIR | 0755,
	.children = cpun_entries + 1,
	.nchildren = ARRAY_SIZE(cpun_entries) - 1,
};

static const struct proc_entry cpu_entries[] = {
	SYS_RO("online", show_all),    SYS_RO("possible", show_all),
	SYS_RO("present", show_all),   SYS_RO("offline", show_none),
	SYS_RO("isolated", show_none), SYS_RO("kernel_max", show_kernel_max),
};

static struct inode *cpu_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	for (size_t i = 0; i < ARRAY_SIZE(cpu_entries); i++)
		if (strcmp(cpu_entries[i].name, name) == 0)
			return proc_new_inode(dir, &cpu_entries[i], name, 0, 0);
	if (strncmp(name, "cpu", 3) != 0)
		return ERR_PTR(-ENOENT);
	int n = proc_name_to_int(name + 3, 0x7fffffff);
	if (n < 0 || (unsigned)n >= ncpus(pd))
		return ERR_PTR(-ENOENT);
	struct inode *inode = proc_new_inode(dir, n ? &cpun_entry : &cpu0_entry, name, 0, 0);
	if (!IS_ERR(inode))
		PROC_I(inode)->index = n;
	return inode;
}

static int cpu_iterate(struct file *f, struct dir_context *ctx)
{
	struct proc_inode *pd = PROC_I(f->inode);
	if (!proc_emit_dots(f, ctx))
		return 0;
	for (size_t i = ctx->pos - 2; i < ARRAY_SIZE(cpu_entries); i++) {
		const struct proc_entry *e = &cpu_entries[i];
		if (!proc_emit(ctx, e->name, f->inode->ino, e->mode, i + 3))
			return 0;
		ctx->pos = i + 3;
	}
	if (ctx->pos < CPU_POS)
		ctx->pos = CPU_POS;
	for (unsigned n = ctx->pos - CPU_POS; n < ncpus(pd); n++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu%u", n);
		if (!proc_emit(ctx, name, f->inode->ino, S_IFDIR, CPU_POS + n + 1))
			return 0;
		ctx->pos = CPU_POS + n + 1;
	}
	return 0;
}

static const struct inode_ops cpu_iops = {
	.lookup = cpu_lookup,
};

static const struct file_ops cpu_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = cpu_iterate,
};

const struct proc_entry sysfs_cpu_entry = {
	.mode = S_IFDIR | 0755,
	.iops = &cpu_iops,
	.fops = &cpu_fops,
};
