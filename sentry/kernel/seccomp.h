/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp for the guest: strict mode and filter mode, as Linux's
 * seccomp(2) and prctl(PR_SET_SECCOMP) give them to a thread.
 *
 * A thread's filters form a chain, newest first, each link holding a
 * reference to the one before: fork and clone share the chain, a new
 * filter is a new head, and SECCOMP_FILTER_FLAG_TSYNC points the other
 * threads of the process at the caller's head. Links are immutable once
 * attached, so a thread runs its chain without a lock even while another
 * thread's TSYNC replaces it (the old head stays alive as an ancestor of
 * the new one).
 *
 * Before each syscall the task loop asks seccomp_syscall_denied, which
 * runs every filter of the chain over the call's struct seccomp_data and
 * acts on the most severe answer: kill the process or the thread
 * (SIGSYS, as if by a core-dumping signal), SIGSYS to a handler
 * (SECCOMP_RET_TRAP), an errno, the supervisor's answer
 * (SECCOMP_RET_USER_NOTIF to a SECCOMP_FILTER_FLAG_NEW_LISTENER
 * listener, seccomp_notify.h), or the call runs. Without a tracer,
 * SECCOMP_RET_TRACE is ENOSYS, as without a listener USER_NOTIF is.
 *
 * Locking: a thread's own mode and chain are written by itself, or by a
 * TSYNC or clone under k->lock; others read them under k->lock.
 */
#ifndef SENTRY_KERNEL_SECCOMP_H
#define SENTRY_KERNEL_SECCOMP_H

#include <linux/seccomp.h> /* the ABI's constants: SECCOMP_MODE_*, SECCOMP_RET_*, ... */

#include "kernel.h"

struct seccomp_filter;

/* Does t run under seccomp at all? (The fast path of every syscall.) */
static inline bool seccomp_enabled(const struct task *t)
{
	return __atomic_load_n(&t->seccomp.mode, __ATOMIC_ACQUIRE) != SECCOMP_MODE_DISABLED;
}

/*
 * Ask t's seccomp state about the syscall in t->regs (arguments a).
 * false: it may run. true: it must not; *ret is what rax gets (or t is
 * exiting). Call only when seccomp_enabled(t); t's own thread.
 */
bool seccomp_syscall_denied(struct task *t, const struct syscall_args *a, long *ret);

/*
 * The operations of seccomp(2): SECCOMP_SET_MODE_STRICT,
 * SECCOMP_SET_MODE_FILTER (flags, a struct sock_fprog at uargs),
 * SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES. Returns 0 or -errno.
 */
long seccomp_do(struct task *t, unsigned op, unsigned flags, uaddr_t uargs);

/*
 * Install the filter prog (len struct sock_filter) on t as
 * SECCOMP_SET_MODE_FILTER with flags would, but from the runtime rather
 * than the guest: no privilege check (an OCI spec's linux.seccomp).
 */
int seccomp_install(struct task *t, const void *prog, unsigned len, unsigned flags) __must_check;

/* clone: c runs under p's mode and filters. k->lock held, p the caller. */
void seccomp_fork_locked(struct task *c, const struct task *p);

/* t is freed: drop its reference to its filters. (Not seccomp_release: libseccomp has one.) */
void seccomp_task_free(struct task *t);

/* /proc/<pid>/status's Seccomp_filters: how many filters t runs. k->lock held. */
int seccomp_filter_count_locked(const struct task *t);

#endif
