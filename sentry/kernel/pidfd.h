/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pidfds (pidfd.c): files that refer to a process, as Linux 6.1's
 * kernel/pid.c and kernel/fork.c make them (pidfd_open, CLONE_PIDFD).
 * A pidfd polls POLLIN once every thread of its process has exited;
 * pidfd_send_signal, pidfd_getfd and waitid(P_PIDFD) act on the process
 * while it exists (a zombie still does), and find nothing once it has
 * been reaped: a pidfd never comes to name a later process with the
 * same PID.
 *
 * A pidfd holds no reference to its thread_group (which is freed when
 * reaped): process.c tells pidfd.c when a group exits and when it is
 * reaped (pidfd_exit_locked, pidfd_reap_locked), and pidfd.c forgets
 * the pointer then.
 *
 * Lock order: k->lock > pidfds_lock (pidfd.c's list) > waitq locks.
 */
#ifndef SENTRY_KERNEL_PIDFD_H
#define SENTRY_KERNEL_PIDFD_H

#include "kernel.h"

struct file;

/* PIDFD_NONBLOCK is O_NONBLOCK. */

/*
 * A pidfd for tg (k->lock held), O_RDWR plus flags' O_NONBLOCK. Returns
 * a file with one reference or ERR_PTR(-ENOMEM).
 */
struct file *pidfd_create_locked(struct kernel *k, struct thread_group *tg, u32 flags);
/*
 * The process f refers to (k->lock held): NULL once reaped (and for a
 * pidfd of a clone still being made), ERR_PTR(-EBADF) if f is not a pidfd.
 */
struct thread_group *pidfd_tg_locked(struct file *f);

/* process.c's hooks (k->lock held): tg's last thread exited; tg is being freed. */
void pidfd_exit_locked(struct thread_group *tg);
void pidfd_reap_locked(struct thread_group *tg);

/*
 * CLONE_PIDFD: before the child is attached, a pidfd installed in p's
 * table (close-on-exec) and its number written at uptr; then bound to
 * the child's process, or taken back if the clone fails.
 */
struct pidfd_clone {
	struct file *f; /* borrowed: the fd table holds the reference */
	int fd;
};
int pidfd_clone_prepare(struct task *p, u64 uptr, struct pidfd_clone *pc) __must_check;
void pidfd_clone_bind_locked(struct pidfd_clone *pc, struct thread_group *tg);
void pidfd_clone_abort(struct task *p, struct pidfd_clone *pc);

/*
 * waitid(P_PIDFD, fd): the tgid to wait for, with WAIT_WNOHANG added to
 * *options for a O_NONBLOCK pidfd; -EINVAL (fd < 0), -EBADF, -ECHILD
 * (reaped already).
 */
long pidfd_wait_id(struct task *t, int fd, int *options) __must_check;

#endif
