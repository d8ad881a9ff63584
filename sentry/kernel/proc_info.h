/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What /proc (sentry/vfs/procfs) shows of the sandbox's processes, read
 * from outside them without racing their exit or exec: the scalar state
 * of a task copied under k->lock, and references to its mm, fd table and
 * fs_struct taken there too, so nothing the reader holds can be freed
 * under it. A thread group itself is never held: it is freed when reaped,
 * so callers keep its ID and look it up again.
 *
 * Why references taken under k->lock are safe: a task's mm, files and fs
 * are put only after it clears t->ctx under k->lock as it exits
 * (task_exit_final), so a task with a context still owns them; execve
 * changes t->mm under k->lock or, in exec_commit, keeps the old mm and fd
 * table referenced until after a k->lock round trip (exec.c).
 *
 * Lock order: vfs_lock > k->lock (procfs looks processes up while the VFS
 * walks a path). Under k->lock nothing here takes another lock, and every
 * reference taken is dropped after it is released.
 */
#ifndef SENTRY_KERNEL_PROC_INFO_H
#define SENTRY_KERNEL_PROC_INFO_H

#include "kernel.h"

struct fdtable;
struct fs_struct;

/* What proc_task_get should take a reference to (or copy). */
#define PROC_MM 0x1
#define PROC_FILES 0x2
#define PROC_FS 0x4
#define PROC_EXE 0x8

struct proc_task {
	int tgid;
	int tid; /* the thread asked for, else the leader (or first live thread); 0 for a zombie */
	int ppid, pgid, sid;
	int nr_threads;
	int exit_signal;
	int exit_status; /* wait status of a zombie */
	u32 uid, gid;
	char state;	 /* 'R', 'S', 'T' or 'Z' */
	bool is_current; /* tid is the calling thread */
	bool same_group; /* the caller belongs to this process */
	char comm[16];	 /* empty for a zombie: its threads are gone */
	u64 sig_pending; /* the thread's own */
	u64 sig_shared;	 /* the process's */
	u64 sig_blocked; /* the thread's mask */
	u64 sig_ignored; /* SIG_IGN dispositions */
	u64 sig_caught;	 /* handlers */
	int nr_queued;	 /* queued signals charged to the process */
	bool no_new_privs;
	int seccomp_mode, seccomp_filters; /* SECCOMP_MODE_*, filters attached */
	bool dumpable;
	u32 personality;
	struct task_sched sched; /* the thread's nice, policy and priority */
	struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS]; /* the process's */
	/*
	 * CPU time (ns) and minor faults: of the process (its exited threads,
	 * and the caller's own thread when it is one of its) or, for a
	 * thread asked for by tid, of that thread when it is the caller.
	 * Other live threads' CPU time is not known to the Sentry.
	 */
	u64 utime_ns, stime_ns, cutime_ns, cstime_ns;
	u64 minflt, cminflt;
	/* Taken per the PROC_* flags; NULL for a zombie or a thread not running yet. */
	struct mm *mm;
	struct fdtable *files;
	struct fs_struct *fs;
	char *exe;	   /* PROC_EXE: a copy of the executable's path */
	struct cred *cred; /* the thread's credentials (cred.h); NULL for a zombie */
};

/*
 * Snapshot process tgid, or its thread tid (tid 0: the process as a
 * whole), taking what want asks for. Returns 0 (then proc_task_put), or
 * -ESRCH if there is no such process or thread, -ENOMEM.
 */
int proc_task_get(struct kernel *k, int tgid, int tid, unsigned want,
		  struct proc_task *pt) __must_check;
/*
 * Drop what proc_task_get took. A last reference may close files or free
 * an address space: never call it under k->lock or mm->lock.
 */
void proc_task_put(struct proc_task *pt);

/*
 * What /proc/<id> names: a process (live or zombie) with tgid id, or the
 * process of a live thread with tid id. Returns its tgid or -ENOENT.
 */
int proc_find(struct kernel *k, int id);

/* Up to n tgids >= from, ascending, into out; returns how many. */
size_t proc_tgids(struct kernel *k, int from, int *out, size_t n);
/* Up to n tids >= from of process tgid, ascending; returns how many. */
size_t proc_tids(struct kernel *k, int tgid, int from, int *out, size_t n);

struct proc_counts {
	int processes; /* thread groups, zombies included */
	int threads;   /* live tasks */
	int running;   /* live tasks not asleep */
	int last_pid;
};
void proc_counts(struct kernel *k, struct proc_counts *c);

/*
 * Set the name of thread tid of process tgid (tid 0: the process's
 * leader), as prctl(PR_SET_NAME). Only the caller's own process: -EINVAL
 * otherwise (Linux's comm_write), -ESRCH if it is gone.
 */
int proc_set_comm(struct kernel *k, int tgid, int tid, const char *name) __must_check;

/* Nanoseconds since the sandbox started (its boot). */
u64 proc_uptime_ns(struct kernel *k);

#endif
