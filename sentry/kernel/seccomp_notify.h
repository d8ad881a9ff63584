/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp user notification (SECCOMP_FILTER_FLAG_NEW_LISTENER): the
 * listener file a supervisor reads the filtered calls from, answers
 * (SECCOMP_IOCTL_NOTIF_SEND, _ADDFD) and polls, and the wait of the
 * thread whose call the filter sent there (SECCOMP_RET_USER_NOTIF).
 * Private to seccomp.c.
 *
 * A listener is held by its filter and by its file. Closing the file
 * answers every waiting call with ENOSYS and makes later ones ENOSYS
 * (the filter then has no listener, as on Linux); the filter's end
 * (its last thread reaped) shows as POLLHUP.
 *
 * Locking: each listener's lock guards its notifications and is a leaf
 * but for the waitq and task sleep locks of a wait; nothing, not even a
 * file's release, runs under it. seccomp_listener_closed takes no lock,
 * so that k->lock holders may ask.
 */
#ifndef SENTRY_KERNEL_SECCOMP_NOTIFY_H
#define SENTRY_KERNEL_SECCOMP_NOTIFY_H

#include <linux/seccomp.h>

#include "kernel.h"

struct seccomp_listener;
struct file;

/* A new listener (one reference) and its file (another), or NULL. */
struct seccomp_listener *seccomp_listener_new(struct file **file);
void seccomp_listener_put(struct seccomp_listener *l);
/* Has its file been closed? Then the filter has no listener. Lock-free. */
bool seccomp_listener_closed(struct seccomp_listener *l);
/* The filter is gone: pollers see POLLHUP. Drops the filter's reference. */
void seccomp_listener_orphan(struct seccomp_listener *l);
/*
 * SECCOMP_RET_USER_NOTIF: hand t's call (sd) to the listener and wait for
 * the answer. true: the call runs (SECCOMP_USER_NOTIF_FLAG_CONTINUE);
 * false: *ret is its result (-ENOSYS without a listener, -ERESTARTSYS
 * if a signal ends the wait).
 */
bool seccomp_listener_ask(struct seccomp_listener *l, struct task *t, const struct seccomp_data *sd,
			  long *ret);

#endif
