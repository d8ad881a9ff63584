/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pipes (pipe.c) and eventfds (eventfd.c): files the Sentry makes whole,
 * outside the mount tree, for pipe2(2) and eventfd2(2).
 *
 * A pipe is Linux's ring of page-sized buffers: 16 of them (64 KiB) until
 * F_SETPIPE_SZ; small writes merge into the last buffer, a write of at
 * most PIPE_BUF bytes never splits, an O_DIRECT write makes packets that
 * a read takes whole. Readers and writers block on the pipe's two queues
 * (poll.h) unless O_NONBLOCK.
 *
 * Lock order: pipe->lock and eventfd->lock are taken alone, before the
 * waitq locks of poll.h.
 */
#ifndef SENTRY_VFS_PIPE_H
#define SENTRY_VFS_PIPE_H

#include "file.h"

/*
 * A new pipe: ends[0] the read end, ends[1] the write end, each with one
 * reference. flags: O_NONBLOCK (both ends) and O_DIRECT (packet mode, the
 * write end), already checked by the caller. uid and gid own the pipe
 * (fstat). Returns 0 or -ENOMEM.
 */
int pipe_create(u32 flags, u32 uid, u32 gid, struct file *ends[2]) __must_check;

/*
 * A new eventfd counting from initval. flags: LINUX_EFD_SEMAPHORE and
 * O_NONBLOCK, already checked. Returns a file with one reference, or
 * ERR_PTR(-ENOMEM).
 */
struct file *eventfd_create(u64 initval, u32 flags);

#endif
