/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pseudo-terminals: /dev/ptmx, devpts on /dev/pts, /dev/tty, and the
 * controlling terminal of a session. What the rest of the Sentry calls;
 * everything else is private to sentry/tty/ (tty_internal.h).
 *
 * Lock order: k->lock > tty_table_lock (a leaf, tty_internal.h). A pair's
 * own lock is never held with k->lock; it may be held with the table
 * lock taken inside it, and waitq locks below both.
 */
#ifndef SENTRY_TTY_TTY_H
#define SENTRY_TTY_TTY_H

#include "sentry/kernel/kernel.h"
#include "sentry/vfs/vfs.h"

/*
 * The drivers of the tty device numbers: 5:0 (/dev/tty, the caller's
 * controlling terminal), 5:2 (ptmx), 136:N (pty slaves). NULL for
 * other numbers.
 */
const struct file_ops *tty_chrdev_ops(u64 rdev);

/*
 * Make /dev/pts in the tree ctx resolves from and mount the sandbox's
 * devpts there (sandbox set-up). Returns 0 or -errno.
 */
int devpts_mount_dev(const struct vfs_ctx *ctx) __must_check;

/*
 * The last thread of tg exited (k->lock held): a session leader gives
 * up its controlling terminal and its foreground group gets SIGHUP, as
 * Linux's disassociate_ctty(1).
 */
void tty_exit_locked(struct kernel *k, struct thread_group *tg);

/*
 * A terminal from the host (console.c): the container's (OCI
 * process.terminal, for init) or an exec'd process's (runsk exec -t).
 * The host terminal host_fd (dup'ed; made raw until the end) becomes a
 * pty of the sandbox, /dev/pts/N, open on leader's fds 0, 1 and 2 and
 * the controlling terminal of leader's session. One host thread per
 * terminal moves the bytes. leader must be a registered session leader
 * with its files and fs, not yet running. Returns 0 and *out, or -errno.
 */
struct tty_console;
int tty_console_create(struct task *leader, int host_fd, struct tty_console **out) __must_check;
/*
 * The host terminal was resized (runsk, or an exec proxy, got SIGWINCH):
 * the pty takes its size and, if it changed, its foreground group gets
 * SIGWINCH. NULL-safe.
 */
void tty_console_resize(struct tty_console *c);
/*
 * The sandbox, or the exec'd process, is done: write out what the guest
 * wrote (waiting up to 2 s for a reader), restore the host terminal,
 * hang the pty up, join the thread. NULL-safe.
 */
void tty_console_destroy(struct tty_console *c);

#endif
