// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/maps: one line per VMA, from mm's iterator. File mappings
 * show their file's path, device and inode (struct mm_file's name op);
 * the others the names Linux gives them: [heap], [stack], and [vvar]
 * and [vdso] for the Sentry's frames and the vDSO text vdso_map puts
 * right above them.
 *
 * smaps gives each of those lines Linux's block of sizes, from mm's
 * count of the VMA's resident pages (mm/smaps.h); smaps_rollup their
 * sums, which statm and status agree with (format.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm/smaps.h"
#include "procfs_internal.h"

struct maps_walk {
	struct seq *s;
	const struct mm_vma_rss *rss; /* smaps: the VMA's pages; NULL for maps */
	u64 prev_end;
	u32 prev_kind;
	char name[LINUX_PATH_MAX + 16];
};

/* Linux's SEQ_PUT_DEC: the name in 16 columns, kB right-aligned in 8. */
static void put_kb(struct seq *s, const char *name, u64 bytes)
{
	seq_printf(s, "%-16s%8llu kB\n", name, (unsigned long long)(bytes >> 10));
}

/*
 * The sizes Linux's __show_smap gives, in its order: size (u64)-1 is
 * smaps_rollup's block (no Size lines, the Pss split by kind). Referenced
 * is the Rss: the Sentry keeps no accessed bits. No swap, huge pages,
 * KSM or lazily freed pages exist here: those are 0.
 */
static void put_smaps_sizes(struct seq *s, u64 size, const struct mm_vma_rss *r)
{
	static const char *const zero[] = {
		"KSM:",		  "LazyFree:",	     "AnonHugePages:",	 "ShmemPmdMapped:",
		"FilePmdMapped:", "Shared_Hugetlb:", "Private_Hugetlb:", "Swap:",
		"SwapPss:",
	};
	if (size != (u64)-1) {
		put_kb(s, "Size:", size);
		put_kb(s, "KernelPageSize:", PAGE_SIZE);
		put_kb(s, "MMUPageSize:", PAGE_SIZE);
	}
	put_kb(s, "Rss:", r->rss * PAGE_SIZE);
	put_kb(s, "Pss:", r->pss >> MM_PSS_SHIFT);
	put_kb(s, "Pss_Dirty:", r->pss_dirty >> MM_PSS_SHIFT);
	if (size == (u64)-1) {
		put_kb(s, "Pss_Anon:", r->pss_anon >> MM_PSS_SHIFT);
		put_kb(s, "Pss_File:", r->pss_file >> MM_PSS_SHIFT);
		put_kb(s, "Pss_Shmem:", r->pss_shmem >> MM_PSS_SHIFT);
	}
	put_kb(s, "Shared_Clean:", r->shared_clean * PAGE_SIZE);
	put_kb(s, "Shared_Dirty:", r->shared_dirty * PAGE_SIZE);
	put_kb(s, "Private_Clean:", r->private_clean * PAGE_SIZE);
	put_kb(s, "Private_Dirty:", r->private_dirty * PAGE_SIZE);
	put_kb(s, "Referenced:", r->rss * PAGE_SIZE);
	put_kb(s, "Anonymous:", r->anon * PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		put_kb(s, zero[i], 0);
	put_kb(s, "Locked:", r->pss_locked >> MM_PSS_SHIFT);
}

static void put_smaps_block(struct seq *s, const struct mm_vma_info *v, const struct mm_vma_rss *r)
{
	put_smaps_sizes(s, v->end - v->start, r);
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
	if (w->rss)
		put_smaps_block(w->s, v, w->rss);
	w->prev_end = v->end;
	w->prev_kind = v->kind;
	return w->s->err;
}

static int smaps_vma(void *arg, const struct mm_vma_info *v, const struct mm_vma_rss *r)
{
	struct maps_walk *w = arg;
	w->rss = r;
	return maps_vma(w, v);
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
			w->prev_kind = MM_VMA_ANON;
			ret = smaps ? mm_for_each_vma_rss(pt.mm, smaps_vma, w)
				    : mm_for_each_vma(pt.mm, maps_vma, w);
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
	struct mm_vma_rss sum;
};

static int rollup_vma(void *arg, const struct mm_vma_info *v, const struct mm_vma_rss *r)
{
	struct rollup_walk *w = arg;
	if (!w->end)
		w->start = v->start;
	w->end = v->end;
	mm_vma_rss_add(&w->sum, r);
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
		ret = mm_for_each_vma_rss(pt.mm, rollup_vma, &w);
		struct mm_vma_info all = {.start = w.start, .end = w.end};
		proc_format_maps_line(s, &all, 0, 0, 0, "[rollup]");
		put_smaps_sizes(s, (u64)-1, &w.sum);
	}
	proc_task_put(&pt);
	return ret;
}
