/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OOM killer (oom.c), as Linux's mm/oom_kill.c behaves inside a memory
 * cgroup: the sandbox's memory is its memory file, so when a user page
 * fault finds it full (after the reclaimer gave back what caches it could)
 * the process with the highest badness is killed with SIGKILL and the
 * faulting task waits for its memory, then faults again.
 *
 * Badness (Linux's oom_badness): the resident pages the process maps plus
 * its page tables' pages, plus oom_score_adj thousandths of the sandbox's
 * memory. A process with oom_score_adj -1000, or a vfork child still
 * sharing its parent's memory, is never chosen. Unlike Linux (for which a
 * container's PID 1 is an ordinary candidate) the sandbox's init is chosen
 * only when nothing else can be: its death ends the sandbox.
 *
 * The guest's own page faults reach the killer (with the page tables
 * they allocate), and so do the faults of the Sentry's copies to and from
 * guest memory (a signal frame on a fresh stack page, a syscall's result
 * on a copy-on-write page: mm/usercopy.c, through oom_init's handler),
 * which wait and then copy on as Linux's copy_to_user does; so do the
 * pages mm populates for MAP_POPULATE, MAP_LOCKED, mlock, mlockall and
 * MADV_POPULATE_* (the same handler), and tmpfs writes
 * (oom_wait_for_memory), as a memory cgroup's charge does.
 *
 * Lock order: oom.c's own lock (one selection at a time, as Linux's
 * oom_lock) > k->lock > mm->lock.
 */
#ifndef SENTRY_KERNEL_OOM_H
#define SENTRY_KERNEL_OOM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"

/* Linux's uapi/linux/oom.h. */
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
#define OOM_DISABLE (-17) /* oom_adj's "never", written as -1000 */
#define OOM_ADJUST_MIN (-16)
#define OOM_ADJUST_MAX 15

/* oom_badness of a process that may not be chosen. */
#define OOM_UNKILLABLE LONG_MIN

/*
 * Linux's oom_badness for a process with rss resident pages and
 * oom_score_adj adj, out of totalpages: OOM_UNKILLABLE for adj -1000.
 * The page tables are counted as the pages needed to map rss (one per
 * 512 pages): the Sentry keeps no per-process page-table count.
 */
long oom_badness(u64 rss, int adj, u64 totalpages);
/* /proc/<pid>/oom_score of a badness: 0..2000 as Linux's proc_oom_score, 0 if unkillable. */
unsigned long oom_score_points(long badness, u64 totalpages);

/* A process as the victim choice sees it. */
struct oom_candidate {
	int tgid;
	long points;  /* oom_badness, OOM_UNKILLABLE if it may not be chosen */
	bool exiting; /* dying already: its memory is on its way back */
	bool init;    /* the sandbox's init */
};

#define OOM_CHOOSE_NONE (-1) /* nothing can be killed */
#define OOM_CHOOSE_WAIT (-2) /* a process is exiting already: wait for it */

/*
 * Linux's select_bad_process over c[0..n): the index of the candidate
 * with the highest points (ties: the later one, as Linux's scan keeps the
 * last of equals), init only if no other can be chosen;
 * OOM_CHOOSE_WAIT if any candidate is exiting (no second victim while
 * the first frees its memory); OOM_CHOOSE_NONE if none can be chosen.
 */
int oom_choose(const struct oom_candidate *c, size_t n);

/*
 * t's user page fault found no free frame (mm_handle_fault gave -ENOMEM):
 * kill the worst process, wait (vCPU released) for memory to come back
 * and fault again, a bounded number of times. Returns 0 when the fault
 * was served, -EINTR when a signal for t ended the wait (back to the
 * guest, which faults again), or -ENOMEM when t's own process was killed
 * (it was the victim, or nothing else could free memory in time).
 */
int oom_handle_fault(struct task *t, u64 addr, bool write, bool exec) __must_check;

/*
 * The current task's allocation of guest memory for the Sentry's own use
 * (a tmpfs page for its write) found the memory file full: one round of
 * the killer, as for a copy. Called with no lock a victim's exit could
 * need. 0: allocate again; -ENOMEM: give up, the task's process is dying
 * (or no task is current).
 */
int oom_wait_for_memory(unsigned int attempt) __must_check;

/*
 * Make the Sentry's copies to and from guest memory (mm.h) go through the
 * killer when they find the memory file full: the copying task waits as
 * for its own fault, with no mm lock held, a fatal signal ending the wait
 * (the copy then fails, and its process dies). Once, at sandbox start.
 */
void oom_init(void);

/* oom_score_adj of process tgid (or its legacy oom_adj), or -ESRCH. */
int oom_adj_get(struct kernel *k, int tgid, bool legacy, int *adj) __must_check;
/*
 * Write oom_score_adj (legacy: an oom_adj already scaled to it) of process
 * tgid, as Linux's __set_oom_adj with self the writer: lowering it below
 * its floor (legacy: below its value) needs CAP_SYS_RESOURCE (-EACCES); a
 * writer with it sets the floor too. 0, -EACCES or -ESRCH.
 */
int oom_adj_set(struct kernel *k, struct task *self, int tgid, int adj, bool legacy) __must_check;
/* /proc/<pid>/oom_score of process tgid, or -ESRCH. */
long oom_score(struct kernel *k, int tgid);

/*
 * The control server's SENTRY_CONTROL_OOM (sentry.h), for `runsk events`:
 * one packet on fd, a message whose value is the OOM kills so far, then
 * an s32 of the OOMs (memory.events' oom_kill and oom). Never blocks; a
 * failure is only logged.
 */
void oom_send_counts(struct kernel *k, int fd);

#endif
