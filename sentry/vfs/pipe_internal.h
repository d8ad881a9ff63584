/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the pipe code: pipe.c (the ring and the pipe2 files), fifo.c
 * (named FIFOs) and pipe_splice.c (splice, tee, vmsplice).
 *
 * A splice that moves data between a pipe and another file does the
 * other file's I/O with pipe->lock dropped (it may block, and a pthread
 * mutex would hold the vCPU). While it does, it owns one side of the
 * pipe: rd_busy keeps readers (read, other splices) off the data it is
 * writing out, wr_busy keeps writers off the room it is filling, as
 * Linux's pipe mutex does for its splice. They wait on the pipe's queues
 * like any other blocked reader or writer.
 *
 * Lock order: fifo_lock (fifo.c) > pipe->lock; of two pipes, the one at
 * the lower address first; then the waitq locks (poll.h).
 */
#ifndef SENTRY_VFS_PIPE_INTERNAL_H
#define SENTRY_VFS_PIPE_INTERNAL_H

#include <fcntl.h>

#include "pipe.h"
#include "poll.h"
#include "vfs.h"

struct pipe_buf {
	u8 *page; /* PAGE_SIZE bytes */
	u32 off, len;
	bool packet; /* an O_DIRECT write's: a read takes it whole, none merges into it */
};

struct pipe {
	int refs;	      /* atomic: the open ends (and a FIFO's table entry, see fifo.c) */
	pthread_mutex_t lock; /* guards everything below */
	int readers, writers; /* open read and write ends */
	/* FIFOs: opens of each kind so far; a blocked open waits for the other to move. */
	u32 r_counter, w_counter;
	bool rd_busy, wr_busy; /* a splice owns that side (see above) */
	struct pipe_buf *bufs;
	u32 nbufs;	/* ring size and capacity in pages, a power of two */
	u32 head, tail; /* free-running: buffers tail..head-1 hold data */
	u8 *spare;	/* a page of the last emptied buffer, for the next write */
	struct waitq rd_wait, wr_wait;
	u64 ino;
	u32 uid, gid;
	struct linux_timespec atime, mtime, ctime;
	/* A FIFO's key in fifo.c's table; NULL for a pipe2 pipe. */
	struct super_block *fifo_sb;
	u64 fifo_ino;
	struct pipe *fifo_next;
};

static inline bool pipe_empty(const struct pipe *p)
{
	return p->head == p->tail;
}

static inline bool pipe_full(const struct pipe *p)
{
	return p->head - p->tail >= p->nbufs;
}

static inline struct pipe_buf *pipe_buf_at(struct pipe *p, u32 i)
{
	return &p->bufs[i & (p->nbufs - 1)];
}

/* Data a reader may take now (no splice owns the read side). */
static inline bool pipe_has_data(const struct pipe *p)
{
	return !pipe_empty(p) && !p->rd_busy;
}

/* Room a writer may fill now. */
static inline bool pipe_has_room(const struct pipe *p)
{
	return !pipe_full(p) && !p->wr_busy;
}

/* Conditions for file_wait_event: a reader can go on / a writer can go on. */
static inline bool pipe_readable(void *arg)
{
	struct pipe *p = arg;
	return pipe_has_data(p) || (!p->writers && !p->rd_busy);
}

static inline bool pipe_writable(void *arg)
{
	struct pipe *p = arg;
	return pipe_has_room(p) || !p->readers;
}

static inline bool file_nonblock(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

/* A new pipe with one reference (the caller's), no ends; NULL if out of memory. */
struct pipe *pipe_alloc(u32 uid, u32 gid);
/* Drop a reference; the last frees the pipe and its data (pipe_free). */
void pipe_put(struct pipe *p);
void pipe_free(struct pipe *p);
/* What a pipe or FIFO file's private_data points to. */
struct pipe_end {
	struct pipe *pipe;
	/*
	 * Linux's f_pipe: the writers counter a FIFO reader opened without
	 * a writer saw (O_NONBLOCK); poll shows no POLLHUP until it moves.
	 * 0 for everyone else (the counters start at 1).
	 */
	u32 w_seen;
};

/* The pipe a pipe or FIFO file reads or writes. */
static inline struct pipe *pipe_of_file(struct file *f)
{
	return ((struct pipe_end *)f->private_data)->pipe;
}

/* Put up to a page of buf in a new buffer; the ring has room. Caller holds p->lock. */
ssize_t pipe_push(struct pipe *p, const u8 *buf, size_t len, bool packet) __must_check;
/* Drop the first buffer (emptied). Caller holds p->lock. */
void pipe_pop(struct pipe *p);
/* The bytes held. Caller holds p->lock. */
size_t pipe_bytes(struct pipe *p);
/* Wake those who wait for data / for room. */
void pipe_wake_readers(struct pipe *p);
void pipe_wake_writers(struct pipe *p);

/* The I/O ops every pipe and FIFO file shares (pipe.c). */
ssize_t pipe_read(struct file *f, void *buf, size_t len, s64 *pos);
ssize_t pipe_write(struct file *f, const void *buf, size_t len, s64 *pos);
u32 pipe_poll(struct file *f, struct poll_table *pt);
long pipe_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg);
long pipe_fcntl(struct file *f, int cmd, u64 arg);
/* An end of p closes: count it out (fmode: FMODE_READ/WRITE) and wake the other side. */
void pipe_release_end(struct pipe *p, u32 fmode);
/* Whether f is a FIFO opened by name (fifo.c). */
bool file_is_fifo(const struct file *f);

#endif
