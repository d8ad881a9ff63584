/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signals: sending, the pending sets, and delivery on the way back to the
 * guest. All signal state is guarded by k->lock (kernel.h).
 */
#ifndef SENTRY_KERNEL_SIGNAL_H
#define SENTRY_KERNEL_SIGNAL_H

#include "kernel.h"

#define SIG_BIT(sig) (1ULL << ((sig)-1))
#define SIG_UNBLOCKABLE (SIG_BIT(LINUX_SIGKILL) | SIG_BIT(LINUX_SIGSTOP))

/* Whether t has a signal to take (or must die). Lock-free; any thread. */
static inline bool task_signal_pending(struct task *t)
{
	return __atomic_load_n(&t->sigpending, __ATOMIC_SEQ_CST);
}

/*
 * Send info->signo to one thread (tkill, faults) or to a process (kill:
 * any thread that does not block it takes it). Takes k->lock. Returns 0
 * (also when the signal is ignored and dropped) or -EAGAIN when the
 * real-time queue is full.
 */
int signal_send_thread(struct task *t, const struct linux_siginfo *info);
int signal_send_group(struct thread_group *tg, const struct linux_siginfo *info);
/* The same with k->lock already held. */
int signal_send_thread_locked(struct task *t, const struct linux_siginfo *info);
int signal_send_group_locked(struct thread_group *tg, const struct linux_siginfo *info);
/* A signal the kernel raises against a process (rlimits): SIGKILL reaches even init. */
int signal_send_group_kernel_locked(struct thread_group *tg, const struct linux_siginfo *info);

/* A siginfo for a signal the kernel raises against t itself (SI_KERNEL or fault codes). */
struct linux_siginfo siginfo_kernel(int sig, int code, u64 addr);
/* A siginfo for kill/tkill from sender (SI_USER or SI_TKILL). */
struct linux_siginfo siginfo_user(const struct task *sender, int sig, int code);

/*
 * A synchronous signal caused by t's own instruction (fault, exception):
 * if t blocks or ignores it, the default action runs anyway, as Linux's
 * force_sig does.
 */
void signal_force(struct task *t, const struct linux_siginfo *info);

/*
 * On the way back to the guest: finish an interrupted syscall (restart
 * or EINTR by the ERESTART* code in rax), then take pending signals: run
 * default actions or build a handler frame. Called by the task loop.
 */
void signal_deliver(struct task *t, bool from_syscall);

/*
 * Take the first pending signal in allowed (thread's own before the
 * process's, synchronous ones first). Returns it (info filled) or 0.
 */
int signal_dequeue_locked(struct task *t, u64 allowed, struct linux_siginfo *info);

/* After a disposition change: drop sig everywhere in t's process if it is now ignored. */
void signal_discard_if_ignored_locked(struct task *t, int sig);

/*
 * A signal the kernel sends to every live process of process group pgrp
 * (job control: terminal hang-ups, orphaned groups), si_code SI_KERNEL.
 */
void signal_kill_pgrp_locked(struct kernel *k, int pgrp, int sig);

/* runsk itself was told to stop: every task exits with sig. */
void signal_kill_sandbox(struct kernel *k, int sig);

/* Recompute t->sigpending after its mask or pending sets changed (k->lock held). */
void signal_recalc_locked(struct task *t);

/* Change t's blocked set (SIGKILL and SIGSTOP are never blocked). */
void signal_set_mask(struct task *t, u64 mask);
void signal_set_mask_locked(struct task *t, u64 mask);

/*
 * sigsuspend, ppoll, pselect6: block mask for the duration of the call.
 * If a handler then runs, the old mask comes back when it returns (the
 * frame saves it; signal_deliver); a call that ends otherwise restores it
 * at once with signal_restore_temporary_mask.
 */
void signal_set_temporary_mask(struct task *t, u64 mask);
void signal_restore_temporary_mask(struct task *t);

#endif
