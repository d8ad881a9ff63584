// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/maps: one line per VMA, from mm's iterator. File mappings
 * show their file's path, device and inode (struct mm_file's name op);
 * the others the names Linux gives them: [heap], [stack], and [vvar]
 * and [vdso] for the Sentry's frames and the vDSO text vdso_map puts
 * right above them.
 *
 * smaps gives each of those lines Linux's block of sizes. mm keeps no
 * per-VMA residency, so a VMA's Rss (and what derives from it) is 0
 * there; smaps_rollup has the address space's whole Rss, as statm.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "procfs_internal.h"

struct maps_walk {
	struct seq *s;
	bool smaps;
	u64 prev_end;
	u32 prev_kind;
	char name[LINUX_PATH_MAX + 16];
};

/* Linux's SEQ_PUT_DEC: the name in 16 columns, kB right-aligned in 8. */
static void put_kb(struct seq *s, const char *name, u64 bytes)
{
	seq_printf(s, "%-16s%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

/* The sizes Linux's show_smap_vma_flags and __show_smap give, Rss 0 (above). */
static void put_smaps_sizes(struct seq *s, u64 size, u64 rss, u64 anon)
{
	static const char *const zero[] = {
		"Shared_Clean:",   "Shared_Dirty:",    "Private_Clean:",  "Referenced:",
		"LazyFree:",	   "AnonHugePages:",   "ShmemPmdMapped:", "FilePmdMapped:",
		"Shared_Hugetlb:", "Private_Hugetlb:", "Swap:",		  "SwapPss:",
	};
	if (size != (u64)-1) {
		put_kb(s, "Size:", size);
		put_kb(s, "KernelPageSize:", PAGE_SIZE);
		put_kb(s, "MMUPageSize:", PAGE_SIZE);
	}
	put_kb(s, "Rss:", rss);
	put_kb(s, "Pss:", rss);
	put_kb(s, "Pss_Dirty:", rss);
	if (size == (u64)-1) {
		put_kb(s, "Pss_Anon:", anon);
		put_kb(s, "Pss_File:", 0);
		put_kb(s, "Pss_Shmem:", rss - anon);
	}
	for (size_t i = 0; i < 3; i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "Private_Dirty:", rss);
	put_kb(s, zero[3], rss);
	put_kb(s, "Anonymous:", anon);
	put_kb(s, "KSM:", 0);
	for (size_t i = 4; i < ARRAY_SIZE(zero); i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "Locked:", 0);
}

static void put_smaps_block(struct seq *s, const struct mm_vma_info *v)
{
	put_smaps_sizes(s, v->end - v->start, 0, 0);
	seq_puts(s, "THPeligible:    0\nVmFlags:");
	/* Linux's mnemonics: access, may-access, and the kind of mapping. */
	if (v->prot & PROT_READ)
		seq_puts(s, " rd");
	if (v->prot & PROT_WRITE)
		seq_puts(s, " wr");
	if (v->prot & PROT_EXEC)
		seq_puts(s, " ex");
	if (v->shared)
		seq_puts(s, " sh");
	seq_puts(s, v->shared ? " mr mw me ms" : " mr mw me");
	if (v->kind == MM_VMA_STACK)
		seq_puts(s, " gd");
	if (v->kind == MM_VMA_SPECIAL)
		seq_puts(s, " io pf dd");
	else if (!v->shared && (v->prot & PROT_WRITE))
		seq_puts(s, " ac");
	seq_puts(s, " \n");
}

static int maps_vma(void *arg, const struct mm_vma_info *v)
{
	struct maps_walk *w = arg;
	const char *name = NULL;
	u64 dev = 0, ino = 0;

	if (v->file) {
		if (v->file->ops->name &&
		    v->file->ops->name(v->file, w->name, sizeof(w->name), &dev, &ino) >= 0)
			name = w->name;
	} else if (v->kind == MM_VMA_HEAP) {
		name = "[heap]";
	} else if (v->kind == MM_VMA_STACK) {
		name = "[stack]";
	} else if (v->kind == MM_VMA_SPECIAL) {
		name = "[vvar]";
	} else if (w->prev_kind == MM_VMA_SPECIAL && w->prev_end == v->start &&
		   (v->prot & PROT_EXEC)) {
		name = "[vdso]";
	} else if (v->shared) {
		/* Shared anonymous memory: Linux's shmem file behind it. */
		name = "/dev/zero (deleted)";
	}
	proc_format_maps_line(w->s, v, linux_dev_major(dev), linux_dev_minor(dev), ino, name);
	if (w->smaps)
		put_smaps_block(w->s, v);
	w->prev_end = v->end;
	w->prev_kind = v->kind;
	return w->s->err;
}

static int show_maps(struct seq *s, struct proc_inode *pi, bool smaps)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_MM, &pt);
	if (ret)
		return ret;
	/* Linux's mm_access: the layout is for those who may inspect the process. */
	ret = proc_may_inspect(&pt);
	if (!ret && pt.mm) {
		struct maps_walk *w = calloc(1, sizeof(*w));
		if (!w) {
			ret = -ENOMEM;
		} else {
			w->s = s;
			w->smaps = smaps;
			w->prev_kind = MM_VMA_ANON;
			ret = mm_for_each_vma(pt.mm, maps_vma, w);
			free(w);
		}
	}
	proc_task_put(&pt);
	return ret;
}

int proc_pid_show_maps(struct seq *s, struct proc_inode *pi)
{
	return show_maps(s, pi, false);
}

int proc_pid_show_smaps(struct seq *s, struct proc_inode *pi)
{
	return show_maps(s, pi, true);
}

struct rollup_walk {
	u64 start, end;
};

static int rollup_vma(void *arg, const struct mm_vma_info *v)
{
	struct rollup_walk *w = arg;
	if (!w->end)
		w->start = v->start;
	w->end = v->end;
	return 0;
}

/* Linux's show_smaps_rollup: one line spanning every VMA, then the sums. */
int proc_pid_show_smaps_rollup(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_MM, &pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(&pt);
	if (!ret && pt.mm) {
		struct rollup_walk w = {0};
		struct proc_mm_stats ms;
		ret = mm_for_each_vma(pt.mm, rollup_vma, &w);
		proc_mm_stats_get(pt.mm, &ms);
		struct mm_vma_info all = {.start = w.start, .end = w.end};
		proc_format_maps_line(s, &all, 0, 0, 0, "[rollup]");
		u64 rss = ms.rss << PAGE_SHIFT, shared = MIN(ms.shared_rss, ms.rss) << PAGE_SHIFT;
		put_smaps_sizes(s, (u64)-1, rss, rss - shared);
	}
	proc_task_put(&pt);
	return ret;
}
