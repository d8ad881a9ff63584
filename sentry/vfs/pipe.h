/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pipes (pipe.c) and eventfds (eventfd.c): files the Sentry makes whole,
 * outside the mount tree, for pipe2(2) and eventfd2(2); named FIFOs
 * (fifo.c), the same pipes opened through an S_IFIFO inode; and the
 * splice family's moves into, out of and between pipes (pipe_splice.c).
 *
 * A pipe is Linux's ring of page-sized buffers: 16 of them (64 KiB) until
 * F_SETPIPE_SZ; small writes merge into the last buffer, a write of at
 * most PIPE_BUF bytes never splits, an O_DIRECT write makes packets that
 * a read takes whole. Readers and writers block on the pipe's two queues
 * (poll.h) unless O_NONBLOCK.
 *
 * A FIFO's pipe belongs to the Sentry whatever file system the inode is
 * on (tmpfs, the overlay, the gofer's tree): it is found by the inode's
 * super block and number, lives while anyone has the FIFO open, and no
 * byte goes through a host FIFO.
 *
 * Lock order: pipe->lock and eventfd->lock are taken alone, before the
 * waitq locks of poll.h (see pipe_internal.h for splice's).
 */
#ifndef SENTRY_VFS_PIPE_H
#define SENTRY_VFS_PIPE_H

#include "file.h"

/* splice(2) flags, Linux's values. */
#define LINUX_SPLICE_F_MOVE 0x1u
#define LINUX_SPLICE_F_NONBLOCK 0x2u
#define LINUX_SPLICE_F_MORE 0x4u
#define LINUX_SPLICE_F_GIFT 0x8u
#define LINUX_SPLICE_F_ALL 0xfu

/*
 * A new pipe: ends[0] the read end, ends[1] the write end, each with one
 * reference. flags: O_NONBLOCK (both ends) and O_DIRECT (packet mode, the
 * write end), already checked by the caller. uid and gid own the pipe
 * (fstat). Returns 0 or -ENOMEM.
 */
int pipe_create(u32 flags, u32 uid, u32 gid, struct file *ends[2]) __must_check;

/* Whether f is a pipe2 end or an open FIFO (what splice calls a pipe). */
bool file_is_pipe(const struct file *f);
/* Whether f and g read or write the same pipe. Both must be pipes. */
bool pipe_same(struct file *f, struct file *g);

/*
 * What open(2) of an S_IFIFO inode uses (open.c). Its open op joins the
 * inode's pipe and blocks as fifo(7) says: a reader until a writer
 * comes, a writer until a reader comes (O_NONBLOCK: ENXIO), O_RDWR never.
 */
extern const struct file_ops fifo_fops;

/*
 * The splice family's pipe halves (pipe_splice.c). flags are
 * LINUX_SPLICE_F_*; only NONBLOCK changes anything, and the caller folds
 * the files' O_NONBLOCK into it as Linux does. Blocking waits are on the
 * pipes' queues (interruptible: -ERESTARTSYS). Returns the bytes moved,
 * 0 at end of input (an empty pipe without writers), or -errno: -EAGAIN,
 * -EPIPE (a pipe to fill has no readers; the caller sends SIGPIPE), or
 * the other file's read or write error if nothing moved. The other file
 * is read or written through its ops at *pos (NULL: a stream), in
 * bounded chunks, with the pipe's lock dropped.
 */
/* Data from pipe pf to out, up to len bytes. */
ssize_t pipe_splice_out(struct file *pf, struct file *out, s64 *pos, size_t len,
			unsigned flags) __must_check;
/* Data from in into pipe pf, up to len bytes or the room the pipe has. */
ssize_t pipe_splice_in(struct file *in, s64 *pos, struct file *pf, size_t len,
		       unsigned flags) __must_check;
/* Buffers from pipe in to another pipe out. */
ssize_t pipe_splice_pipes(struct file *in, struct file *out, size_t len,
			  unsigned flags) __must_check;
/* tee(2): a copy of what pipe in holds into another pipe out, in keeping it. */
ssize_t pipe_tee(struct file *in, struct file *out, size_t len, unsigned flags) __must_check;
/*
 * vmsplice(2): the n iovecs of t's memory (already checked with
 * mm_access_ok) into pipe pf, or out of it into them. A fault part-way
 * gives a short count, or -EFAULT if nothing moved.
 */
ssize_t pipe_vmsplice_to_pipe(struct task *t, struct file *pf, const struct linux_iovec *iov, int n,
			      unsigned flags) __must_check;
ssize_t pipe_vmsplice_to_user(struct task *t, struct file *pf, const struct linux_iovec *iov, int n,
			      unsigned flags) __must_check;

/*
 * A new eventfd counting from initval. flags: LINUX_EFD_SEMAPHORE and
 * O_NONBLOCK, already checked. Returns a file with one reference, or
 * ERR_PTR(-ENOMEM).
 */
struct file *eventfd_create(u64 initval, u32 flags);

#endif
