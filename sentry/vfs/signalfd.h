/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signalfd (signalfd.c): a file that reads the pending signals of the
 * thread reading it (its own, then its process's) that are in the file's
 * mask, as struct signalfd_siginfo, dequeuing them as delivery would; as
 * Linux's fs/signalfd.c.
 *
 * One waitq serves every signalfd: signal.c calls signalfd_notify each
 * time it queues a signal, and readers and pollers look again at their
 * own thread's pending sets. Linux keeps the queue per sighand; one for
 * the sandbox only wakes more pollers, which recheck and sleep on.
 *
 * Lock order: k->lock > the waitq's lock (signalfd_notify runs under
 * k->lock).
 */
#ifndef SENTRY_VFS_SIGNALFD_H
#define SENTRY_VFS_SIGNALFD_H

#include "file.h"

/* SFD_CLOEXEC and SFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK. */

/*
 * A new signalfd for mask (SIGKILL and SIGSTOP already removed). flags:
 * O_NONBLOCK (O_CLOEXEC is the caller's). Returns a file with one
 * reference or ERR_PTR(-ENOMEM).
 */
struct file *signalfd_create(u64 mask, int flags);
/* Replace f's mask: -EINVAL if f is not a signalfd. Wakes its readers. */
int signalfd_set_mask(struct file *f, u64 mask) __must_check;
/* A signal was queued somewhere: wake signalfd readers and pollers. Any lock but a waitq's. */
void signalfd_notify(void);

#endif
