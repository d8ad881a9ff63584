/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process's timers: the three itimers of setitimer(2) and alarm(2)
 * (itimer.c), and POSIX timers (posix_timer.c). They belong to the
 * thread group: fork does not copy them (a new group starts with none),
 * execve keeps the itimers and deletes the POSIX timers, the exit of the
 * last thread stops them all.
 *
 * Each timer is a ptimer: an expiry and interval on a clock the guest
 * named. Wall and monotonic clocks fire through the timer service
 * (ktimer.h); CPU-time clocks are sampled every CPU_TICK_NS by a
 * monotonic ktimer, like Linux's tick-based CPU timers. The Sentry cannot
 * tell a thread's user time from its system time (sys_rusage.c), so
 * ITIMER_VIRTUAL counts what ITIMER_PROF counts: all of it.
 *
 * Locking: all timer state is guarded by k->lock, which the callbacks
 * take too; they signal with signal_send_*_locked. A callback that finds
 * its timer deleted or its process gone does nothing.
 */
#ifndef SENTRY_KERNEL_TIMERS_H
#define SENTRY_KERNEL_TIMERS_H

#include "kernel.h"
#include "ktimer.h"

struct linux_itimerspec {
	struct linux_timespec it_interval, it_value;
};
_Static_assert(sizeof(struct linux_itimerspec) == 32, "itimerspec size");

struct linux_itimerval {
	struct linux_timeval it_interval, it_value;
};
_Static_assert(sizeof(struct linux_itimerval) == 32, "itimerval size");

/* struct sigevent: 64 bytes; the thread ID sits where the union starts. */
struct linux_sigevent {
	u64 value;
	s32 signo;
	s32 notify;
	s32 tid;
	s32 _pad[11];
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "sigevent size");

#define LINUX_SIGEV_SIGNAL 0
#define LINUX_SIGEV_NONE 1
#define LINUX_SIGEV_THREAD 2
#define LINUX_SIGEV_THREAD_ID 4

#define LINUX_ITIMER_REAL 0
#define LINUX_ITIMER_VIRTUAL 1
#define LINUX_ITIMER_PROF 2

#define LINUX_TIMER_ABSTIME 1

/* How often CPU-time timers look at the CPU clocks (Linux's tick at HZ=100). */
#define CPU_TICK_NS 10000000ULL

struct tg_timers;

/* A process timer (see above). Guarded by k->lock. */
struct ptimer {
	struct tg_timers *owner;
	int clock;    /* the guest's clock id */
	int cpu_tid;  /* CLOCK_THREAD_CPUTIME_ID: the thread whose time counts */
	int cpu_tgid; /* CLOCK_PROCESS_CPUTIME_ID: the process whose time counts (0: owner's) */
	u64 expires;  /* ns on clock; 0: disarmed */
	u64 interval;
	bool deleted;
	/* Called at expiry with k->lock held; overruns: intervals missed besides this one. */
	void (*expire)(struct ptimer *p, u64 overruns);
	struct ktimer kt;
};

struct tg_timers {
	struct kernel *k;
	struct thread_group *tg; /* NULL once its last thread exited */
	struct ptimer itimer[3];
	struct list_head posix; /* struct posix_timer.node */
	int nr_posix;
	int next_id;
	struct ktimer free_kt; /* frees this after the running callback (tg_timers_exit_locked) */
};

/* t's process's timers, allocated on first use; NULL if out of memory. k->lock held. */
struct tg_timers *tg_timers_get_locked(struct task *t);

/*
 * CPU time of a process: its exited threads' and each live thread's host
 * clock (less what a pooled thread ran before it). k->lock held.
 */
u64 tg_cpu_ns_locked(struct thread_group *tg);
/* The same for t's process, as CLOCK_PROCESS_CPUTIME_ID; takes k->lock. */
u64 task_process_cpu_ns(struct task *t);

/* The CPU time of thread u so far (0 before it starts). k->lock held. */
u64 task_thread_cpu_ns_locked(struct task *u);

/*
 * CPU clocks: CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and
 * Linux's dynamic ids (~pid << 3 | per-thread << 2 | type; glibc's
 * clock_getcpuclockid and pthread_getcpuclockid make them, and passes the
 * caller's own to clock_nanosleep and timer_create). As Linux's
 * pid_for_clock: any process's clock (pid 0: the caller's; with gettime,
 * also the ID of one of the caller's threads), but only the threads of
 * the caller's own process. Returns CLOCK_PROCESS_CPUTIME_ID with *tid
 * set to the process's TGID, or CLOCK_THREAD_CPUTIME_ID with *tid set to
 * the thread, or -EINVAL (glibc turns it into ESRCH).
 */
int cpu_clock_resolve(struct task *t, int clock, bool gettime, int *tid);
/* The time on a resolved CPU clock, in ns (0 for a thread or process that has gone). */
u64 cpu_clock_now(struct task *t, int clock, int tid);

/* Set p up on clock (a guest id) for owner; not armed. */
void ptimer_init(struct ptimer *p, struct tg_timers *owner, int clock,
		 void (*expire)(struct ptimer *p, u64 overruns));
/* The time on p's clock now, in ns. k->lock held. */
u64 ptimer_now_locked(struct ptimer *p);
/* Arm p at expires (absolute ns on its clock; 0 disarms) with interval. k->lock held. */
void ptimer_arm_locked(struct ptimer *p, u64 expires, u64 interval);
/* Time until p expires (0: disarmed; at least 1 when armed), forwarding periodic timers. */
u64 ptimer_remaining_locked(struct ptimer *p);

/* getitimer, setitimer (new NULL: disarm), alarm. Return 0 or -EINVAL. */
int itimer_get(struct task *t, int which, struct linux_itimerval *cur) __must_check;
int itimer_set(struct task *t, int which, const struct linux_itimerval *val,
	       struct linux_itimerval *old) __must_check;
unsigned itimer_alarm(struct task *t, unsigned seconds);

/* POSIX timers (posix_timer.c): the syscalls once their arguments are copied in. */
long posix_timer_create(struct task *t, int clock, const struct linux_sigevent *ev) __must_check;
int posix_timer_settime(struct task *t, int id, int flags, const struct linux_itimerspec *val,
			struct linux_itimerspec *old) __must_check;
int posix_timer_gettime(struct task *t, int id, struct linux_itimerspec *cur) __must_check;
int posix_timer_getoverrun(struct task *t, int id) __must_check;
int posix_timer_delete(struct task *t, int id) __must_check;
/* Disarm every POSIX timer of tgt without waiting (process exit). k->lock held. */
void posix_timers_cancel_locked(struct tg_timers *tgt);
/* Free every POSIX timer of tgt, whose callbacks can no longer run. */
void posix_timers_free_all(struct tg_timers *tgt);

/* ns <-> the guest's timespec and timeval, saturating at Linux's KTIME_MAX. */
u64 linux_timespec_to_ns(const struct linux_timespec *ts);
struct linux_timespec ns_to_linux_timespec(u64 ns);
bool linux_timespec_valid(const struct linux_timespec *ts);
bool linux_timeval_valid(const struct linux_timeval *tv);

#endif
