/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sentry-internal: the kernel object and tasks.
 *
 * Lock order: kernel->lock > task locks > mm->lock.
 */
#ifndef SENTRY_KERNEL_KERNEL_H
#define SENTRY_KERNEL_KERNEL_H

#include <errno.h>
#include <pthread.h>

#include "abi/linux/abi.h"
#include "abi/linux/signal.h"
#include "lib/list.h"
#include "mm/mm.h"
#include "platform/platform.h"
#include "sentry/sentry.h"
#include "profile.h"
#include "wait.h"

struct fdtable;
struct fs_struct;
struct tg_timers;
struct ipc_ns;
struct nsproxy;

struct kernel {
	struct platform *platform;
	struct memfile *mf;
	bool strace;
	bool check_mm; /* --debug-check-mm */
	unsigned ncpus;
	bool spin; /* sleepers spin first (lib/spin.h): more host CPUs than ncpus */
	char hostname[LINUX_UTS_LEN];
	char cwd[4096];
	/* Set once when the sandbox must stop; the value is the signal. */
	int killed;
	int exit_status; /* the wait status of init, once it exits */
	/* The limits init starts with: runsk's own, as a shell's child would inherit them. */
	struct linux_rlimit init_rlimits[LINUX_RLIM_NLIMITS];
	struct profile profile;
	struct ipc_ns *ipc; /* System V IPC (sentry/ipc/ipc.h), made on first use */
	/* The initial namespaces (nsproxy.h), made on first use. */
	struct nsproxy *init_nsproxy;
	u64 oom_count, oom_kills; /* atomic: memory.events' oom and oom_kill (oom.h) */
	/* pids.max (0: none) and the clones it refused (cgroup_limits.h) */
	u64 pids_max, pids_events_max;

	/*
	 * The task lock: the PID table, the process tree, thread lists,
	 * exit and wait state, and all signal state (pending sets, queues,
	 * masks, dispositions). One lock, as these change together (a
	 * signal to a group picks a thread; an exit reparents children and
	 * signals the parent) and are off the hot path.
	 */
	pthread_mutex_t lock;
	struct list_head groups;   /* every thread_group, live or zombie */
	int last_pid;		   /* PIDs are handed out upwards from here */
	struct thread_group *init; /* PID 1 */
	int nr_tasks;		   /* host threads running tasks */
	int done_fd;		   /* eventfd: nr_tasks went to 0 */
};

/* Signal dispositions, shared by threads (CLONE_SIGHAND). */
struct sighand {
	int refs; /* atomic */
	struct linux_sigaction action[LINUX_NSIG];
};

/* A queued signal's siginfo. */
struct sigqueue {
	struct list_head node;
	struct thread_group *tg; /* charged for it (SIGQUEUE_MAX) */
	struct linux_siginfo info;
};

/*
 * Pending signals: set has a bit per pending signal; queue holds their
 * siginfo in arrival order (standard signals at most once, real-time
 * signals once per send).
 */
struct sigpending {
	u64 set;
	struct list_head queue;
};

/*
 * A process: the threads sharing a thread-group ID, and what POSIX says
 * belongs to the process rather than the thread. Guarded by k->lock.
 */
struct thread_group {
	int tgid;
	struct task *leader;
	struct list_head threads; /* struct task.tg_node, live threads */
	int nr_threads;
	struct thread_group *parent; /* NULL for init */
	struct list_head children;   /* struct thread_group.sibling */
	struct list_head sibling;
	struct list_head node; /* in k->groups */
	int pgid, sid;
	bool no_ctty; /* TIOCNOTTY by a process that does not lead its session (sentry/tty/ctty.c) */
	int exit_signal; /* sent to the parent at exit (SIGCHLD, or clone's) */
	u32 uid;	 /* real UID, for the parent's siginfo */
	struct sigpending shared_pending;
	int nr_queued; /* sigqueue entries of this process's signals */
	/* exit_group or a fatal signal: every thread exits with this status. */
	bool group_exiting;
	int group_exit_status;
	/* The whole group has exited and not yet been reaped. */
	bool zombie;
	int exit_status; /* wait status */
	/* Stop and continue, reported once to a waiting parent (WUNTRACED/WCONTINUED). */
	bool stopped;
	int stop_signal;
	bool report_stop, report_continue;
	bool subreaper;
	bool thp_disable; /* PR_SET_THP_DISABLE: recorded (the Sentry maps no huge pages) */
	bool execed;	  /* setpgid on it by the parent is EACCES from now on */
	/*
	 * The thread that forked this process (Linux's real_parent is a
	 * thread): its exit sends PR_SET_PDEATHSIG signals, and the process
	 * passes to another thread of the parent, or to the new reaper.
	 */
	int parent_tid;
	/* Resource use: own threads that exited, and reaped children (RUSAGE_CHILDREN). */
	u64 utime_ns, stime_ns, cutime_ns, cstime_ns;
	u64 minflt, cminflt;
	/* /proc/<pid>/io: bytes and calls of the read and write syscalls (atomic, tg_io_account). */
	u64 io_rchar, io_wchar, io_syscr, io_syscw;
	struct waitq child_wq; /* wait4/waitid of this process's threads */
	/* itimers and POSIX timers (itimer.c), under k->lock. */
	struct tg_timers *timers;
	/*
	 * Resource limits, inherited at fork as Linux's signal->rlim. Written
	 * under k->lock (prlimit64, the RLIMIT_CPU tick); the process's own
	 * threads read them without it (task_rlimit).
	 */
	struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
	/*
	 * /proc/<pid>/oom_score_adj, and the floor it may be lowered to
	 * without CAP_SYS_RESOURCE (oom.h). Inherited at fork; k->lock.
	 */
	short oom_score_adj, oom_score_adj_min;
};

/*
 * A read- or write-family syscall of tg's returned ret: count it for
 * /proc/<pid>/io as Linux's vfs_read/vfs_write do (a call refused before
 * any I/O, -EBADF or -EINVAL, counts nothing). Returns ret.
 */
static inline long tg_io_account(struct thread_group *tg, bool write, long ret)
{
	if (ret == -EBADF || ret == -EINVAL)
		return ret;
	u64 *calls = write ? &tg->io_syscw : &tg->io_syscr;
	u64 *bytes = write ? &tg->io_wchar : &tg->io_rchar;
	__atomic_fetch_add(calls, 1, __ATOMIC_RELAXED);
	if (ret > 0)
		__atomic_fetch_add(bytes, (u64)ret, __ATOMIC_RELAXED);
	return ret;
}

/*
 * What sched_setscheduler, setpriority, sched_setaffinity and ioprio_set
 * set on a thread (sys_sched*.c). Recorded and reported back; the nice
 * value and SCHED_BATCH/IDLE also reach the host thread that runs the
 * task, never above the sandbox's own priority (sys_sched_host.c).
 * Guarded by k->lock.
 */
struct task_sched {
	int nice;	 /* -20..19 */
	int policy;	 /* SCHED_NORMAL, _FIFO, _RR, _BATCH, _IDLE */
	int rt_priority; /* 1..99 for FIFO and RR, else 0 */
	bool reset_on_fork;
	u64 affinity; /* a mask of vCPUs; 0: all of them */
	u16 ioprio;
};

struct task {
	struct kernel *k;
	struct thread_group *tg;
	struct mm *mm;
	struct platform_ctx *ctx;
	/* Set under k->lock when task_exit_final starts giving back mm, files, fs, sighand. */
	bool released;
	struct fdtable *files;
	struct fs_struct *fs; /* root, cwd, umask (sentry/vfs/vfs.h) */
	/* Namespaces (nsproxy.h); NULL: the initial ones. */
	struct nsproxy *nsproxy;
	struct sighand *sighand;
	struct user_regs regs;
	int tid;
	u32 uid, gid;	   /* real ids, a copy of cred's (cred_commit keeps them in step) */
	struct cred *cred; /* cred.h: the owner reads it freely, others under k->lock */
	bool exiting;
	bool zapped;	 /* atomic: another thread's execve ends this one */
	int exit_status; /* wait status: (code << 8) or signal */
	u64 clear_child_tid;
	u64 set_child_tid; /* CLONE_CHILD_SETTID: written by the child as it starts */
	u64 robust_list;
	void *fpstate;		       /* FP state a new thread starts with (clone) */
	struct vfork_done *vfork_done; /* our vfork parent waits on it */
	u64 minflt;		       /* page faults served (atomic) */
	/*
	 * The last trap that sent this thread a signal, as the CPU reported
	 * it (Linux's thread.trap_nr, error_code, cr2): every signal frame's
	 * sigcontext carries it.
	 */
	struct {
		u64 trapno, err, cr2;
	} trap;
	bool dumpable;
	bool no_new_privs;
	/* seccomp.h: SECCOMP_MODE_* (atomic) and the newest filter of the chain. */
	struct {
		int mode;
		struct seccomp_filter *filter;
	} seccomp;
	u32 personality;    /* personality(2); fork copies it, execve keeps it (layout.h) */
	int pdeath_signal;  /* PR_SET_PDEATHSIG: sent when the thread that forked us exits */
	u64 timer_slack_ns; /* PR_SET_TIMERSLACK: recorded; the Sentry's timers do not slack */
	char exe[4096];
	char comm[16];
	struct list_head tg_node;
	pthread_t thread;
	int host_tid; /* the host thread running t, 0 outside task_run (sys_sched_host.c); k->lock */

	/* Scheduling attributes (sys_sched*.c); under k->lock. */
	struct task_sched sched;

	/* Signals: guarded by k->lock; sigpending is also read without it. */
	u64 sigmask;
	u64 saved_sigmask;    /* restored after a handler, for sigsuspend/ppoll */
	bool restore_sigmask; /* saved_sigmask is live */
	u64 real_blocked;     /* sigtimedwait: the mask before it unblocked its set */
	struct sigpending pending;
	struct linux_stack altstack;
	int sigpending; /* atomic: a signal can be delivered (or we must die) */

	/* Sleeping (wait.h). */
	pthread_mutex_t sleep_lock;
	pthread_cond_t sleep_cond;
	bool woken;
	bool sleeping;

	/*
	 * restart_syscall(2) after a stop interrupted a sleep (Linux's
	 * restart_block): nanosleep (sys_time.c), poll, a timed futex wait.
	 */
	struct {
		long (*fn)(struct task *t);
		int clock;
		u64 expires; /* ns on clock */
		u64 urem;    /* a relative sleep's remaining time goes there, or 0 */
		u64 arg[3];  /* what fn needs of the interrupted call's arguments */
	} restart;
	/* SIGIOs that wake callbacks on this thread queued (fasync.c); its own. */
	struct fasync_queued *sigio;
	clockid_t cpu_clock; /* this thread's host CPU clock, for CPU-time timers */
	u64 cpu_base_ns;     /* cpu_clock when t started: pooled host threads are reused */
};

/* The soft limit res of t's process, as t itself reads it (no lock). */
static inline u64 task_rlimit(const struct task *t, unsigned res)
{
	return __atomic_load_n(&t->tg->rlimits[res].cur, __ATOMIC_RELAXED);
}

/* The guest's syscall arguments, in order. */
struct syscall_args {
	u64 a[6];
};

typedef long (*syscall_fn)(struct task *t, const struct syscall_args *args);

static inline int arg_int(const struct syscall_args *a, int i)
{
	return (int)a->a[i];
}

static inline unsigned arg_uint(const struct syscall_args *a, int i)
{
	return (unsigned)a->a[i];
}

static inline uaddr_t arg_ptr(const struct syscall_args *a, int i)
{
	return uaddr(a->a[i]);
}

/* Dispatch the syscall in t->regs and store the result in rax. */
void syscall_dispatch(struct task *t);

/*
 * Start init's first program: path (searched in the sandbox's PATH from
 * envp when it has no '/') with argv and envp, as execve would
 * (sys_exec.c). Prints a one-line error and returns -errno on failure.
 */
int exec_first(struct task *t, const char *path, const char *const *argv,
	       const char *const *envp) __must_check;

/* A program being executed: the open file and its head. */
struct exec_file {
	struct file *f; /* a reference; the loader maps segments from it */
	u8 *data;	/* its first len bytes (malloc'ed) */
	size_t len;
	u64 size;    /* of the whole file */
	char *path;  /* where it is, from the root; NULL if unknown */
	bool denied; /* holds a denial of writes to its inode (ETXTBSY) */
};
/* Read the first len bytes of exe->f into exe->data (replacing what was there). */
int exec_file_read_head(struct exec_file *exe, size_t len) __must_check;
void exec_file_free(struct exec_file *exe);
/* If exe is an ELF program with a PT_INTERP, copy the interpreter's path to buf. */
bool exec_interp_path(struct exec_file *exe, char *buf, size_t size);

/*
 * execve's second half: load exe (and interp, the interpreter it names, or
 * NULL) into a new address space and, if that worked, make it t's: other
 * threads die, close-on-exec fds close, handlers reset, comm becomes comm.
 * execfn is the name the program was run by (AT_EXECFN). Returns -errno
 * with t untouched if loading failed.
 */
int exec_replace(struct task *t, struct exec_file *exe, struct exec_file *interp,
		 const char *execfn, const char *comm, const char *const *argv,
		 const char *const *envp) __must_check;
/*
 * The point of no return of execve (process.c): t runs mm with the
 * credentials ec (cred.h); exe is what /proc/self/exe names.
 */
struct exec_creds;
void exec_commit(struct task *t, struct mm *mm, const char *exe, const char *comm,
		 struct exec_creds *ec);

/* Run t until it exits; returns its wait status. */
int task_run(struct task *t);

/*
 * The task the calling host thread runs (NULL on other threads), for code
 * reached through ops tables that do not pass it (file reads that block).
 */
struct task *task_current(void);
void task_set_current(struct task *t);

/* Give c, a new child of p, p's scheduling attributes as clone does (sys_sched.c; takes k->lock). */
void sched_fork(struct task *c, struct task *p);
/* task_run's start and end on t's host thread: it takes, then gives back, t's priority. */
void sched_host_attach(struct task *t);
void sched_host_detach(struct task *t);

/* Give t's vCPU back to the pool until its next switch (before sleeping). */
void task_release_cpu(struct task *t);

/* End this thread (exit(2)); exit_group also ends the others (process.h). */
void task_exit(struct task *t, int wait_status);

/* Tell t's mm the current memory rlimits (after prlimit64, before mm calls). */
void task_update_mm_limits(struct task *t);

/* A process's last thread exits: undo its SEM_UNDO adjustments (sentry/ipc/ipc.h). k->lock held. */
void ipc_exit_process(struct kernel *k, int tgid);

/* A write hit a closed pipe: SIGPIPE's default action kills the writer. */
void task_sigpipe(struct task *t);

#endif
