/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating, finding and ending tasks and processes (process.c), and
 * waiting for children (waitpid.c). Functions named *_locked expect
 * k->lock held; the others take it.
 */
#ifndef SENTRY_KERNEL_PROCESS_H
#define SENTRY_KERNEL_PROCESS_H

#include <time.h>

#include "kernel.h"

/* clone(2) flags (Linux values). */
#define LINUX_CLONE_VM 0x00000100ULL
#define LINUX_CLONE_FS 0x00000200ULL
#define LINUX_CLONE_FILES 0x00000400ULL
#define LINUX_CLONE_SIGHAND 0x00000800ULL
#define LINUX_CLONE_PIDFD 0x00001000ULL
#define LINUX_CLONE_PTRACE 0x00002000ULL
#define LINUX_CLONE_VFORK 0x00004000ULL
#define LINUX_CLONE_PARENT 0x00008000ULL
#define LINUX_CLONE_THREAD 0x00010000ULL
#define LINUX_CLONE_NEWNS 0x00020000ULL
#define LINUX_CLONE_SYSVSEM 0x00040000ULL
#define LINUX_CLONE_SETTLS 0x00080000ULL
#define LINUX_CLONE_PARENT_SETTID 0x00100000ULL
#define LINUX_CLONE_CHILD_CLEARTID 0x00200000ULL
#define LINUX_CLONE_DETACHED 0x00400000ULL
#define LINUX_CLONE_UNTRACED 0x00800000ULL
#define LINUX_CLONE_CHILD_SETTID 0x01000000ULL
#define LINUX_CLONE_NEWCGROUP 0x02000000ULL
#define LINUX_CLONE_NEWUTS 0x04000000ULL
#define LINUX_CLONE_NEWIPC 0x08000000ULL
#define LINUX_CLONE_NEWUSER 0x10000000ULL
#define LINUX_CLONE_NEWPID 0x20000000ULL
#define LINUX_CLONE_NEWNET 0x40000000ULL
#define LINUX_CLONE_IO 0x80000000ULL
#define LINUX_CLONE_NEWTIME 0x00000080ULL
#define LINUX_CLONE_CLEAR_SIGHAND 0x100000000ULL
#define LINUX_CLONE_INTO_CGROUP 0x200000000ULL
#define LINUX_CLONE_NEW_ANY                                                                    \
	(LINUX_CLONE_NEWNS | LINUX_CLONE_NEWCGROUP | LINUX_CLONE_NEWUTS | LINUX_CLONE_NEWIPC | \
	 LINUX_CLONE_NEWUSER | LINUX_CLONE_NEWPID | LINUX_CLONE_NEWNET | LINUX_CLONE_NEWTIME)

/* What clone, clone3, fork and vfork ask for, in clone3's terms. */
struct clone_request {
	u64 flags;
	int exit_signal;
	u64 stack, stack_size; /* the child's rsp is stack + stack_size (if stack) */
	u64 tls;
	u64 parent_tid, child_tid;
	u64 pidfd; /* CLONE_PIDFD: where the pidfd goes (clone: parent_tid) */
};

/* A new task of p per req, running. Returns its TID or -errno. */
long task_clone(struct task *p, const struct clone_request *req);

/* A zeroed task with its sleep and signal state set up. */
struct task *task_alloc(struct kernel *k);
/* Make t PID 1, the leader of the sandbox's first process. */
int task_register_init(struct task *t) __must_check;
/* Run t on a new host thread; it frees itself when it exits. */
int task_start(struct task *t) __must_check;

/* Interrupt t wherever it is (guest code or a sleep) so it looks at its signals. */
void task_kick(struct task *t);
/*
 * exit_group and fatal signals: every thread of t's process exits with
 * status. t need not be the caller's task; every thread but the caller's
 * is kicked.
 */
void task_group_exit(struct task *t, int status);
void task_group_exit_locked(struct task *t, int status);

/* The child of a vfork has exec'd or exited: let the parent go on. */
void task_vfork_done(struct task *t);
/* t leaves its mm (exit, exec): LINUX_CLONE_CHILD_CLEARTID and robust futexes. */
void task_exit_mm_release(struct task *t);

int pid_alloc_locked(struct kernel *k);
struct task *task_lookup_locked(struct kernel *k, int tid);
struct thread_group *tg_lookup_locked(struct kernel *k, int tgid);
struct thread_group *tg_alloc(struct kernel *k, int tgid);
void tg_reap_locked(struct kernel *k, struct thread_group *tg);

/*
 * POSIX's orphaned process group: no member but ignore (NULL: none) has a
 * parent in another group of the same session (Linux's
 * will_become_orphaned_pgrp). k->lock held.
 */
bool pgrp_orphaned_locked(struct kernel *k, int pgrp, const struct thread_group *ignore);

struct sighand *sighand_alloc(void);
void sighand_put(struct sighand *sh);
void sigpending_clear(struct sigpending *p);

/* CPU time of the calling host thread: its task's guest and Sentry time. */
static inline u64 task_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	struct task *t = task_current(); /* less what the thread ran before t (threadpool.h) */
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec - (t ? t->cpu_base_ns : 0);
}

/*
 * Process timers (itimer.c, posix_timer.c): the last thread's exit stops
 * them all (k->lock held); execve deletes the POSIX timers (no lock held).
 */
void tg_timers_exit_locked(struct thread_group *tg);
void tg_timers_exec(struct task *t);

/* waitpid.c: wait4 and waitid. */
#define WAIT_P_ALL 0
#define WAIT_P_PID 1
#define WAIT_P_PGID 2
#define WAIT_P_PIDFD 3
#define WAIT_WNOHANG 0x1
#define WAIT_WSTOPPED 0x2 /* WUNTRACED */
#define WAIT_WEXITED 0x4
#define WAIT_WCONTINUED 0x8
#define WAIT_WNOWAIT 0x01000000
#define WAIT_WNOTHREAD 0x20000000
#define WAIT_WALL 0x40000000
#define WAIT_WCLONE 0x80000000

struct wait_result {
	int pid;
	int status;	  /* wait4's status word */
	int code;	  /* CLD_* for waitid */
	int child_status; /* exit code or signal, for waitid */
	u32 uid;
	u64 utime_ns, stime_ns;
	u64 minflt;
};

/*
 * Wait for a child matching (idtype, id) as options say. Returns the
 * child's PID with *res filled, 0 (WNOHANG and nothing to report), or
 * -ECHILD, -EINVAL, -ERESTARTSYS.
 */
long task_wait(struct task *t, int idtype, int id, int options, struct wait_result *res);

#endif
