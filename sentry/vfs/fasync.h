/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal-driven I/O (fasync.c): an open file's owner (F_SETOWN,
 * F_SETOWN_EX), the signal it is sent (F_SETSIG), and O_ASYNC (F_SETFL,
 * FIOASYNC), which makes each readiness change of the file a signal to
 * the owner, as Linux's fs/fcntl.c does.
 *
 * Linux's files keep a list of fasync entries that each file type's code
 * signals with the reason (POLL_IN, POLL_OUT, ...). Here O_ASYNC instead
 * hangs a wake callback on every waitq the file's poll op names, as
 * epoll does, so every file that wakes pollers signals its owner without
 * code of its own; the reason comes from the waker's key, read against
 * the file's access mode (a pipe's read end hears of data, not of room).
 *
 * Wake callbacks run under waitq locks, which order after k->lock, so the
 * signal is not sent there: a callback on a task's thread queues it on
 * the task, which sends it before it returns to the guest (as Linux's
 * kill_fasync has, by the time the write that caused it returns); one on
 * another thread (a host I/O completion, a timer) hands it to a pooled
 * thread.
 *
 * Lock order: a file's file_async lock > the file's own locks (its poll
 * op) > waitq->lock. k->lock is taken with none of them held.
 */
#ifndef SENTRY_VFS_FASYNC_H
#define SENTRY_VFS_FASYNC_H

#include "file.h"

#define LINUX_F_SETOWN 8
#define LINUX_F_GETOWN 9
#define LINUX_F_SETSIG 10
#define LINUX_F_GETSIG 11
#define LINUX_F_SETOWN_EX 15
#define LINUX_F_GETOWN_EX 16
#define LINUX_F_OWNER_TID 0
#define LINUX_F_OWNER_PID 1
#define LINUX_F_OWNER_PGRP 2

/* si_code of a SIGIO sent with F_SETSIG's signal: why (POLL_IN, ...). */
#define LINUX_POLL_IN 1
#define LINUX_POLL_OUT 2
#define LINUX_POLL_MSG 3
#define LINUX_POLL_ERR 4
#define LINUX_POLL_PRI 5
#define LINUX_POLL_HUP 6

struct linux_f_owner_ex {
	s32 type;
	s32 pid;
};

struct task;

/*
 * F_SETOWN_EX: who gets the file's signals (type LINUX_F_OWNER_*; id 0:
 * nobody), recorded with t's real and effective uid for the permission
 * check at each signal. -EINVAL (type), -ESRCH (no such id), -ENOMEM.
 */
int fasync_setown(struct task *t, struct file *f, int type, int id) __must_check;
/* F_GETOWN_EX: the owner (type LINUX_F_OWNER_PID and id 0 if none). */
void fasync_getown(struct file *f, int *type, int *id);
/* F_SETSIG (0: plain SIGIO) and F_GETSIG. -EINVAL for a bad signal. */
int fasync_setsig(struct file *f, int sig) __must_check;
int fasync_getsig(struct file *f);

/*
 * O_ASYNC of f becomes on (F_SETFL, FIOASYNC), through fd, which si_fd
 * will name: a file that can signal (file_ops.fasync) starts or stops;
 * others do not take the flag, as on Linux since 6.x. 0 or -ENOMEM.
 */
int file_set_async(struct file *f, int fd, bool on) __must_check;

/*
 * Urgent data arrived for socket file f: SIGURG to its owner, if it has
 * one, whatever O_ASYNC says (Linux's send_sigurg). Sent as a SIGIO
 * callback's would be; any lock may be held.
 */
void fasync_sigurg(struct file *f);

/*
 * A dnotify event for directory file f, registered through fd: SIGIO, or
 * the F_SETSIG signal with POLL_MSG and si_fd fd, to f's owner. Any lock
 * may be held.
 */
void fasync_notify(struct file *f, int fd);

/* f's last reference is gone: take its callbacks off and free its state. */
void fasync_release(struct file *f);

/*
 * Send the signals queued on t (t->sigio) by wake callbacks on its
 * thread. No lock held.
 */
void fasync_flush(struct task *t);

#endif
