// SPDX-License-Identifier: Apache-2.0
/*
 * The text of stat, statm, status and maps lines, field for field as
 * Linux 6.1's fs/proc/array.c and task_mmu.c write them, from snapshots
 * taken elsewhere: pure functions, so the unit tests pin the format.
 */
#include <string.h>
#include <sys/mman.h>

#include "mm/smaps.h"
#include "procfs_internal.h"
#include "sentry/kernel/cred.h"

#define NS_PER_TICK (1000000000ULL / 100) /* USER_HZ */
#define PF_RANDOMIZE 0x00400000		  /* what Linux shows of a user process's flags */

static unsigned long long ull(u64 v)
{
	return v;
}

static int mm_stats_vma(void *arg, const struct mm_vma_info *v, const struct mm_vma_rss *r)
{
	struct proc_mm_stats *ms = arg;
	u64 pages = (v->end - v->start) >> PAGE_SHIFT;
	/* The pages smaps counts, so that stat, statm, status and smaps_rollup agree. */
	ms->rss += r->rss;
	ms->shared_rss += r->file + r->shmem;
	ms->file_rss += r->file;
	if (v->kind == MM_VMA_STACK)
		ms->stack_vm += pages;
	else if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE))
		ms->exec_vm += pages;
	if ((v->prot & PROT_EXEC) && !ms->end_code && v->kind == MM_VMA_ANON) {
		ms->start_code = v->start;
		ms->end_code = v->end;
	}
	if (v->kind == MM_VMA_HEAP && !ms->start_brk)
		ms->start_brk = v->start;
	return 0;
}

void proc_mm_stats_get(struct mm *mm, struct proc_mm_stats *ms)
{
	memset(ms, 0, sizeof(*ms));
	if (!mm)
		return;
	mm_vm_pages(mm, &ms->total_vm, &ms->data_vm, &ms->locked_vm);
	mm_get_exec_info(mm, &ms->exec);
	int __unused r = mm_for_each_vma_rss(mm, mm_stats_vma, ms);
}

static const char *state_name(char state)
{
	switch (state) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'T':
		return "T (stopped)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "X (dead)";
	}
}

void proc_format_stat(struct seq *s, const struct proc_task *pt, const struct proc_mm_stats *ms,
		      const struct proc_stat_extra *x)
{
	int pid = pt->tid ? pt->tid : pt->tgid;
	/* A thread other than the leader reports no exit signal, as Linux. */
	int exit_signal = pt->tid && pt->tid != pt->tgid ? -1 : pt->exit_signal;
	bool mm = x->has_mm;
	/* Linux's task_prio: 20 + nice, or -1 - the priority under a real-time policy. */
	int prio = pt->sched.rt_priority ? -1 - pt->sched.rt_priority : 20 + pt->sched.nice;

	seq_printf(s, "%d (%s) %c %d %d %d 0 -1 %u %llu %llu 0 0 %llu %llu %lld %lld %d %d %d 0 0",
		   pid, pt->comm, pt->state, pt->ppid, pt->pgid, pt->sid, PF_RANDOMIZE,
		   ull(pt->minflt), ull(pt->cminflt), ull(pt->utime_ns / NS_PER_TICK),
		   ull(pt->stime_ns / NS_PER_TICK), (long long)(pt->cutime_ns / NS_PER_TICK),
		   (long long)(pt->cstime_ns / NS_PER_TICK), prio, pt->sched.nice, pt->nr_threads);
	seq_printf(s, " %llu %llu %llu %llu %llu %llu 0 0", ull(ms->total_vm << PAGE_SHIFT),
		   ull(ms->rss), ull(x->rsslim), ull(mm ? ms->start_code : 0),
		   ull(mm ? ms->end_code : 0), ull(ms->exec.start_stack));
	/* Linux's obsolete signal fields: the first 31 signals only. */
	seq_printf(s, " %llu %llu %llu %llu %d 0 0 %d 0 %d %d 0 0 0",
		   ull(pt->sig_pending & 0x7fffffff), ull(pt->sig_blocked & 0x7fffffff),
		   ull(pt->sig_ignored & 0x7fffffff), ull(pt->sig_caught & 0x7fffffff),
		   pt->state == 'R' ? 0 : 1, exit_signal, pt->sched.rt_priority, pt->sched.policy);
	seq_printf(s, " 0 0 %llu %llu %llu %llu %llu %d\n", ull(mm ? ms->start_brk : 0),
		   ull(ms->exec.arg_start), ull(ms->exec.arg_end), ull(ms->exec.env_start),
		   ull(ms->exec.env_end), pt->state == 'Z' ? pt->exit_status : 0);
}

static u64 text_pages(const struct proc_mm_stats *ms)
{
	if (!ms->end_code)
		return 0;
	return (ALIGN_UP(ms->end_code, PAGE_SIZE) - ALIGN_DOWN(ms->start_code, PAGE_SIZE)) >>
	       PAGE_SHIFT;
}

void proc_format_statm(struct seq *s, const struct proc_mm_stats *ms)
{
	seq_printf(s, "%llu %llu %llu %llu 0 %llu 0\n", ull(ms->total_vm), ull(ms->rss),
		   ull(ms->shared_rss), ull(text_pages(ms)), ull(ms->data_vm + ms->stack_vm));
}

void proc_format_bitmap(struct seq *s, unsigned n)
{
	/* Linux's %*pb: 32-bit chunks, most significant first, the first only as wide as needed. */
	unsigned chunks = (n + 31) / 32;
	for (unsigned c = chunks; c-- > 0;) {
		unsigned bits = MIN(32u, n - c * 32);
		u32 v = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
		if (c == chunks - 1)
			seq_printf(s, "%0*x", (int)((bits + 3) / 4), v);
		else
			seq_printf(s, ",%08x", v);
	}
}

void proc_format_bitmap_list(struct seq *s, unsigned n)
{
	if (n <= 1)
		seq_puts(s, "0");
	else
		seq_printf(s, "0-%u", n - 1);
}

/* Linux's task_mem values: pages shown as kB, right-aligned in 8 columns. */
static void put_vm(struct seq *s, const char *name, u64 pages)
{
	seq_printf(s, "%s\t%8llu kB\n", name, ull(pages << (PAGE_SHIFT - 10)));
}

static void put_status_mm(struct seq *s, const struct proc_mm_stats *ms)
{
	u64 text = text_pages(ms);
	put_vm(s, "VmPeak:", ms->total_vm);
	put_vm(s, "VmSize:", ms->total_vm);
	put_vm(s, "VmLck:", ms->locked_vm);
	put_vm(s, "VmPin:", 0);
	put_vm(s, "VmHWM:", ms->rss);
	put_vm(s, "VmRSS:", ms->rss);
	put_vm(s, "RssAnon:", ms->rss - MIN(ms->rss, ms->shared_rss));
	put_vm(s, "RssFile:", ms->file_rss);
	put_vm(s, "RssShmem:", ms->shared_rss - MIN(ms->shared_rss, ms->file_rss));
	put_vm(s, "VmData:", ms->data_vm);
	put_vm(s, "VmStk:", ms->stack_vm);
	put_vm(s, "VmExe:", text);
	put_vm(s, "VmLib:", ms->exec_vm > text ? ms->exec_vm - text : 0);
	put_vm(s, "VmPTE:", 0);
	put_vm(s, "VmSwap:", 0);
	seq_puts(s, "HugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\n");
}

/* Uid: to Groups: (cred.h); without creds (a zombie), its real uid and gid. */
static void put_status_ids(struct seq *s, const struct proc_task *pt, int fdsize)
{
	const struct cred *c = pt->cred;

	if (!c) {
		seq_printf(s,
			   "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t\n",
			   pt->uid, pt->uid, pt->uid, pt->uid, pt->gid, pt->gid, pt->gid, pt->gid,
			   fdsize);
		return;
	}
	seq_printf(s, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t", c->uid,
		   c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid, fdsize);
	for (u32 i = 0; i < c->groups->ngroups; i++)
		seq_printf(s, i ? " %u" : "%u", c->groups->gid[i]);
	/* Linux ends the list with a space, even an empty one. */
	seq_puts(s, " \n");
}

static void put_status_caps(struct seq *s, const struct proc_task *pt)
{
	const struct cred *c = pt->cred;
	u64 caps = pt->uid == 0 ? LINUX_CAP_FULL : 0;

	if (!c) {
		seq_printf(s, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n", 0ULL,
			   ull(caps), ull(caps));
		seq_printf(s, "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", ull(LINUX_CAP_FULL), 0ULL);
		return;
	}
	seq_printf(s, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n",
		   ull(c->cap_inheritable), ull(c->cap_permitted), ull(c->cap_effective));
	seq_printf(s, "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", ull(c->cap_bset),
		   ull(c->cap_ambient));
}

void proc_format_status(struct seq *s, const struct proc_task *pt, const struct proc_mm_stats *ms,
			const struct proc_stat_extra *x)
{
	int pid = pt->tid ? pt->tid : pt->tgid;

	seq_printf(s, "Name:\t%s\n", pt->comm);
	if (x->umask != ~0u)
		seq_printf(s, "Umask:\t%04o\n", x->umask);
	seq_printf(s, "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		   state_name(pt->state), pt->tgid, pid, pt->ppid);
	put_status_ids(s, pt, x->fdsize);
	seq_printf(s, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", pt->tgid, pid, pt->pgid,
		   pt->sid);
	if (x->has_mm)
		put_status_mm(s, ms);
	seq_printf(s, "Threads:\t%d\nSigQ:\t%d/%llu\n", pt->nr_threads, pt->nr_queued,
		   ull(x->sigq_limit));
	seq_printf(s, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n",
		   ull(pt->sig_pending), ull(pt->sig_shared), ull(pt->sig_blocked));
	seq_printf(s, "SigIgn:\t%016llx\nSigCgt:\t%016llx\n", ull(pt->sig_ignored),
		   ull(pt->sig_caught));
	put_status_caps(s, pt);
	seq_printf(s, "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", pt->no_new_privs,
		   pt->seccomp_mode, pt->seccomp_filters);
	seq_puts(s, "Speculation_Store_Bypass:\tthread vulnerable\n"
		    "SpeculationIndirectBranch:\tconditional enabled\n");
	seq_puts(s, "Cpus_allowed:\t");
	proc_format_bitmap(s, x->ncpus);
	seq_puts(s, "\nCpus_allowed_list:\t");
	proc_format_bitmap_list(s, x->ncpus);
	seq_puts(s, "\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
		    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

void proc_format_maps_line(struct seq *s, const struct mm_vma_info *v, u32 dev_major, u32 dev_minor,
			   u64 ino, const char *name)
{
	size_t start = s->len;
	seq_printf(s, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ", ull(v->start), ull(v->end),
		   v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
		   v->prot & PROT_EXEC ? 'x' : '-', v->shared ? 's' : 'p', ull(v->off), dev_major,
		   dev_minor, ull(ino));
	if (name) {
		/* Linux's seq_setwidth(25 + 6 * sizeof(void *) - 1), then seq_pad(' '). */
		seq_pad(s, start, 72, ' ');
		seq_putc(s, ' ');
		seq_puts(s, name);
	}
	seq_putc(s, '\n');
}
