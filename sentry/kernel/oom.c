// SPDX-License-Identifier: Apache-2.0
/*
 * The OOM killer (oom.h): choosing a victim as Linux's mm/oom_kill.c does
 * in a memory cgroup, killing it, and waiting for its memory.
 *
 * What a process is charged: its address space's resident pages, as
 * Linux's get_mm_rss. A frame shared copy-on-write after fork counts in
 * every process that maps it, as in Linux's RSS counters, so a forked
 * child of a big parent looks as big though killing it frees little;
 * Linux's choice has the same bias, and its kill of the child still
 * makes the parent's later copies cheaper. Frames of files (tmpfs,
 * shared memory) count only while mapped, as in Linux.
 *
 * Waiting: a victim's frames come back when its last thread has left its
 * address space (task_exit_final's mm_put), which the killer cannot wait
 * on directly; the faulting task sleeps in short steps (its vCPU
 * released, a signal ends the sleep) and faults again after each, for a
 * bounded time. A second victim is chosen only once no process is
 * exiting any more, as Linux's oom_evaluate_task aborts the scan while a
 * victim is still dying. A copy from the Sentry into guest memory (a
 * signal frame, a syscall's result) waits the same way, with mm->lock let
 * go (mm/usercopy.c), and then copies on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cred.h"
#include "oom.h"
#include "process.h"
#include "lib/log.h"
#include "mm/memfile.h"
#include "mm/smaps.h"

#define OOM_WAIT_NS (10 * 1000 * 1000ULL) /* one step of the wait for memory */
#define OOM_MAX_STEPS 1000		  /* 10 s of steps, then the faulting process dies */

/* One selection and kill at a time, as Linux's oom_lock. */
static pthread_mutex_t oom_lock = PTHREAD_MUTEX_INITIALIZER;

long oom_badness(u64 rss, int adj, u64 totalpages)
{
	if (adj <= OOM_SCORE_ADJ_MIN)
		return OOM_UNKILLABLE;
	/* Page tables: one page of PTEs per 512 pages mapped (Linux's mm_pgtables_bytes). */
	long points = (long)(rss + (rss + 511) / 512);
	return points + (long)adj * (long)(totalpages / 1000);
}

unsigned long oom_score_points(long badness, u64 totalpages)
{
	if (badness == OOM_UNKILLABLE || !totalpages)
		return 0;
	/* Linux's proc_oom_score: the badness scaled into 0..2000, since 2.6.36. */
	long points = (1000 + badness * 1000 / (long)totalpages) * 2 / 3;
	return points > 0 ? (unsigned long)points : 0;
}

int oom_choose(const struct oom_candidate *c, size_t n)
{
	int best = OOM_CHOOSE_NONE, init = OOM_CHOOSE_NONE;

	for (size_t i = 0; i < n; i++) {
		if (c[i].exiting)
			return OOM_CHOOSE_WAIT;
		if (c[i].points == OOM_UNKILLABLE)
			continue;
		int *slot = c[i].init ? &init : &best;
		if (*slot < 0 || c[i].points >= c[*slot].points)
			*slot = (int)i;
	}
	return best >= 0 ? best : init;
}

/* The first thread of tg that still has its address space (Linux's find_lock_task_mm). */
static struct task *tg_thread_with_mm(struct thread_group *tg)
{
	struct task *u;
	list_for_each_entry(u, &tg->threads, tg_node) if (u->ctx && u->mm) return u;
	return NULL;
}

struct oom_snap {
	struct oom_candidate c;
	struct mm *mm; /* a reference, or NULL */
	int adj;
	u32 uid;
	char comm[16];
};

/* Every live process of k, with a reference to its mm. Returns how many, or -ENOMEM. */
static long snapshot(struct kernel *k, struct oom_snap **out)
{
	struct thread_group *tg;
	size_t n = 0, max = 0;

	pthread_mutex_lock(&k->lock);
	list_for_each_entry(tg, &k->groups, node) max++;
	struct oom_snap *s = calloc(max ? max : 1, sizeof(*s));
	list_for_each_entry(tg, &k->groups, node)
	{
		if (!s || tg->zombie || !tg->nr_threads)
			continue;
		struct task *u = tg_thread_with_mm(tg);
		struct oom_snap *e = &s[n];
		e->c.tgid = tg->tgid;
		e->c.exiting = tg->group_exiting;
		e->c.init = tg == k->init;
		e->adj = tg->oom_score_adj;
		e->uid = tg->uid;
		if (!u && !e->c.exiting)
			continue; /* not started yet, or past its memory */
		/* A vfork child shares its parent's memory: killing it frees nothing (in_vfork). */
		if (u && u->vfork_done)
			e->adj = OOM_SCORE_ADJ_MIN;
		if (u) {
			e->mm = mm_get(u->mm);
			memcpy(e->comm, u->comm, sizeof(e->comm) - 1);
		}
		n++;
	}
	pthread_mutex_unlock(&k->lock);
	*out = s;
	return s ? (long)n : -ENOMEM;
}

static void snapshot_free(struct oom_snap *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].mm)
			mm_put(s[i].mm);
	free(s);
}

static int sum_rss(void *arg, const struct mm_vma_info *v, const struct mm_vma_rss *r)
{
	mm_vma_rss_add(arg, r);
	return 0;
}

/* Linux's dump_oom_victim line (its anon/file/shmem split from the page map). */
static void log_kill(const struct oom_snap *v, u64 rss)
{
	struct mm_vma_rss r = {0};
	u64 total = 0, data, locked;

	if (v->mm) {
		mm_vm_pages(v->mm, &total, &data, &locked);
		(void)mm_for_each_vma_rss(v->mm, sum_rss, &r);
	}
	pr_warn("Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		"file-rss:%llukB, shmem-rss:%llukB, UID:%u pgtables:%llukB oom_score_adj:%d",
		v->c.tgid, v->comm, (unsigned long long)total * 4, (unsigned long long)r.anon * 4,
		(unsigned long long)r.file * 4, (unsigned long long)r.shmem * 4, v->uid,
		(unsigned long long)(rss + 511) / 512 * 4, v->adj);
}

/* Kill process tgid unless it is exiting already (its memory comes back anyway): true if killed. */
static bool kill_victim(struct kernel *k, int tgid)
{
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	struct task *u = tg && !tg->zombie && !tg->group_exiting ? tg_thread_with_mm(tg) : NULL;
	if (u) {
		/* Linux's SEND_SIG_PRIV SIGKILL: fatal at once, with no sender to report. */
		task_group_exit_locked(u, LINUX_SIGKILL);
		__atomic_fetch_add(&k->oom_count, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&k->oom_kills, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&k->lock);
	return u != NULL;
}

enum oom_outcome { OOM_KILLED_OTHER, OOM_WAITING, OOM_KILLED_SELF, OOM_NO_VICTIM };

/* Linux's out_of_memory for the fault of t: choose and kill, once. */
static enum oom_outcome out_of_memory(struct task *t)
{
	struct kernel *k = t->k;
	struct oom_snap *s;
	u64 total = memfile_limit_pages(k->mf); /* memory.max: the effective limit */

	pthread_mutex_lock(&oom_lock);
	long n = snapshot(k, &s);
	if (n < 0) {
		pthread_mutex_unlock(&oom_lock);
		return OOM_NO_VICTIM;
	}
	struct oom_candidate *c = calloc(n ? n : 1, sizeof(*c));
	for (long i = 0; c && i < n; i++) {
		c[i] = s[i].c;
		c[i].points = s[i].mm ? oom_badness(mm_rss_pages(s[i].mm), s[i].adj, total)
				      : OOM_UNKILLABLE;
	}
	int v = c ? oom_choose(c, (size_t)n) : OOM_CHOOSE_NONE;
	enum oom_outcome out = OOM_WAITING;
	if (v == OOM_CHOOSE_NONE) {
		out = OOM_NO_VICTIM;
	} else if (v >= 0 && kill_victim(k, s[v].c.tgid)) {
		log_kill(&s[v], s[v].mm ? mm_rss_pages(s[v].mm) : 0);
		out = s[v].c.tgid == t->tg->tgid ? OOM_KILLED_SELF : OOM_KILLED_OTHER;
	}
	pthread_mutex_unlock(&oom_lock);
	free(c);
	snapshot_free(s, (size_t)n); /* may free the victim's memory, if it is gone already */
	return out;
}

/* Whether t's process is dying (a fatal signal, exit_group) or the sandbox stopping. */
static bool oom_fatal_pending(struct task *t)
{
	return __atomic_load_n(&t->tg->group_exiting, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&t->k->killed, __ATOMIC_SEQ_CST);
}

/* Sleep one step (vCPU released) with no wake-up to end it early: a killable sleep's fallback. */
static void oom_sleep_uninterrupted(struct task *t)
{
	struct timespec rel = {0, OOM_WAIT_NS};
	task_release_cpu(t);
	while (nanosleep(&rel, &rel) && errno == EINTR)
		;
}

/*
 * One round of the killer for t, whose allocation at addr found the
 * memory file full: choose and kill (Linux's out_of_memory), then sleep
 * one step for the victim's memory to come back. 0: try the allocation
 * again. -EINTR: a signal ended the sleep; a killable round (a copy from
 * the Sentry, which cannot be restarted as the guest's own access is)
 * ends it only for a fatal one, as Linux's charge waits are killable.
 * -ENOMEM: t's process is killed, as the victim, or because nothing else
 * could be, or memory did not come back within OOM_MAX_STEPS rounds.
 */
static int oom_round(struct task *t, u64 addr, unsigned int step, bool killable)
{
	const char *why = "memory did not come back in time";

	if (step < OOM_MAX_STEPS) {
		enum oom_outcome out = out_of_memory(t);
		if (out == OOM_KILLED_SELF)
			return -ENOMEM;
		if (out != OOM_NO_VICTIM) {
			struct timespec rel = {0, OOM_WAIT_NS};
			struct timespec deadline = deadline_after(&rel);
			if (task_sleep(t, &deadline) != -EINTR)
				return 0;
			if (!killable || oom_fatal_pending(t))
				return -EINTR;
			/* A signal the guest takes after the syscall: wait on regardless. */
			oom_sleep_uninterrupted(t);
			return 0;
		}
		why = "no other process to kill";
	}
	pr_warn("tid %d: out of memory at %#llx, %s: SIGKILL", t->tid, (unsigned long long)addr,
		why);
	/* Still an OOM kill, as the runtime counts it (memory.events' oom_kill). */
	__atomic_fetch_add(&t->k->oom_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&t->k->oom_kills, 1, __ATOMIC_RELAXED);
	task_group_exit(t, LINUX_SIGKILL);
	return -ENOMEM;
}

int oom_handle_fault(struct task *t, u64 addr, bool write, bool exec)
{
	for (unsigned int step = 0;; step++) {
		int ret = oom_round(t, addr, step, false);
		if (ret)
			return ret;
		ret = mm_handle_fault(t->mm, addr, write, exec);
		if (ret != -ENOMEM)
			return ret;
	}
}

/*
 * mm's handler for a page it allocates for the Sentry (a copy between the
 * Sentry and guest memory, or populating) that found the memory file full
 * (mm_set_oom_handler): the calling task's rounds, as for its own fault.
 * The copy fails only if its process is dying, killed by the killer or
 * otherwise: its syscall's EFAULT never reaches the guest. A thread that
 * is no task's (the control server) just fails.
 */
static int oom_mm_page(struct mm *mm, u64 addr, unsigned int attempt)
{
	(void)mm; /* t's own, or another process's (process_vm_writev): t waits either way */
	struct task *t = task_current();
	return t ? oom_round(t, addr, attempt, true) : -ENOMEM;
}

int oom_wait_for_memory(unsigned int attempt)
{
	return oom_mm_page(NULL, 0, attempt) ? -ENOMEM : 0;
}

void oom_init(void)
{
	mm_set_oom_handler(oom_mm_page);
}

int oom_adj_get(struct kernel *k, int tgid, bool legacy, int *adj)
{
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	int v = tg ? tg->oom_score_adj : 0;
	pthread_mutex_unlock(&k->lock);
	if (!tg)
		return -ESRCH;
	/* Linux's oom_adj_read: scaled back to -17..15, 1000 reading as 15. */
	if (legacy)
		v = v == OOM_SCORE_ADJ_MAX
			    ? OOM_ADJUST_MAX
			    : MIN(v * -OOM_DISABLE / OOM_SCORE_ADJ_MAX, OOM_ADJUST_MAX);
	*adj = v;
	return 0;
}

int oom_adj_set(struct kernel *k, struct task *self, int tgid, int adj, bool legacy)
{
	bool capable = self && task_capable(self, LINUX_CAP_SYS_RESOURCE);
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	if (!tg) /* a zombie still has its value, as Linux's signal_struct */
		ret = -ESRCH;
	/* oom_adj checks the value itself, oom_score_adj the floor a privileged writer set. */
	else if (adj < (legacy ? tg->oom_score_adj : tg->oom_score_adj_min) && !capable)
		ret = -EACCES;
	if (!ret) {
		tg->oom_score_adj = (short)adj;
		if (!legacy && capable)
			tg->oom_score_adj_min = (short)adj;
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

long oom_score(struct kernel *k, int tgid)
{
	u64 total = memfile_limit_pages(k->mf); /* memory.max: the effective limit */
	struct mm *mm = NULL;
	int adj = 0;

	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	struct task *u = tg ? tg_thread_with_mm(tg) : NULL;
	if (u) {
		mm = mm_get(u->mm);
		adj = u->vfork_done ? OOM_SCORE_ADJ_MIN : tg->oom_score_adj;
	}
	pthread_mutex_unlock(&k->lock);
	if (!tg)
		return -ESRCH;
	/* No address space (a zombie, or one exiting): Linux's find_lock_task_mm fails, 0. */
	long badness = mm ? oom_badness(mm_rss_pages(mm), adj, total) : OOM_UNKILLABLE;
	if (mm)
		mm_put(mm);
	return (long)oom_score_points(badness, total);
}

static s32 count_s32(u64 *counter)
{
	u64 v = __atomic_load_n(counter, __ATOMIC_RELAXED);
	return (s32)MIN(v, (u64)INT32_MAX);
}

void oom_send_counts(struct kernel *k, int fd)
{
	struct sentry_control_msg m = {SENTRY_CONTROL_OOM, count_s32(&k->oom_kills)};
	s32 buf[3] = {0, 0, count_s32(&k->oom_count)};
	memcpy(buf, &m, sizeof(m));
	if (send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
		pr_debug("control: fd %d: cannot send the OOM counts: %s", fd, strerror(errno));
}
