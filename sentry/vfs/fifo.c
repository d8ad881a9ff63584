// SPDX-License-Identifier: Apache-2.0
/*
 * Named FIFOs (fifo(7)), as Linux's fifo_open: every open of one S_IFIFO
 * inode joins the same pipe, made by the first open and freed with the
 * last close, so its data lives only while someone has it open.
 *
 * The pipe is the Sentry's own on every file system: the inode gives the
 * key (super block, inode number), never a host FIFO to read or write, so
 * a FIFO in the gofer's tree or an overlay's lower layer connects the
 * sandbox's processes to each other only (a host process opening the
 * host node meets nobody). Keying by number rather than by struct inode
 * makes the links of one FIFO, and a gofer inode read again after its
 * dentry was dropped, meet in one pipe, as they do on Linux.
 *
 * Opening blocks as fifo(7) says: O_RDONLY until a writer has opened
 * since (O_NONBLOCK: at once), O_WRONLY until a reader has (O_NONBLOCK
 * without a reader: ENXIO), O_RDWR never. A blocked open sleeps on the
 * pipe's queues with its vCPU released, and a signal ends it
 * (-ERESTARTSYS). Waiting for the open counters to move, not for the
 * other side to be there now, makes a partner that opened and closed at
 * once still let us through, as Linux does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "pipe_internal.h"

#define FIFO_HASH 64

/* The FIFOs open now, by key; the entries hold no reference (see fifo_put). */
static pthread_mutex_t fifo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pipe *fifo_table[FIFO_HASH];

static struct pipe **fifo_slot(const struct super_block *sb, u64 ino)
{
	u64 h = (ino ^ ((uintptr_t)sb >> 4)) * 0x9e3779b97f4a7c15ULL;
	return &fifo_table[h >> 58];
}

/* The pipe of inode, made if need be; a new reference. NULL if out of memory. */
static struct pipe *fifo_get(struct inode *inode)
{
	pthread_mutex_lock(&fifo_lock);
	struct pipe **slot = fifo_slot(inode->sb, inode->ino), *p;
	for (p = *slot; p; p = p->fifo_next)
		if (p->fifo_sb == inode->sb && p->fifo_ino == inode->ino)
			break;
	if (p) {
		__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	} else if ((p = pipe_alloc(inode->uid, inode->gid))) {
		p->fifo_sb = inode->sb;
		p->fifo_ino = inode->ino;
		p->fifo_next = *slot;
		*slot = p;
	}
	pthread_mutex_unlock(&fifo_lock);
	return p;
}

/*
 * Drop a reference. The table's lookups take theirs under fifo_lock, so
 * the last one is dropped there too, and the pipe leaves the table
 * before anyone else can find it.
 */
static void fifo_put(struct pipe *p)
{
	pthread_mutex_lock(&fifo_lock);
	bool last = !__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	if (last) {
		struct pipe **pp = fifo_slot(p->fifo_sb, p->fifo_ino);
		while (*pp != p)
			pp = &(*pp)->fifo_next;
		*pp = p->fifo_next;
	}
	pthread_mutex_unlock(&fifo_lock);
	if (last)
		pipe_free(p);
}

struct fifo_wait {
	const u32 *counter;
	u32 seen;
};

static bool fifo_partner_came(void *arg)
{
	struct fifo_wait *w = arg;
	return *w->counter != w->seen;
}

/* Wait, p->lock held, for *counter to move; 0 or -ERESTARTSYS. */
static int fifo_wait_partner(struct pipe *p, struct waitq *q, const u32 *counter)
{
	struct fifo_wait w = {counter, *counter};
	return file_wait_event(q, &p->lock, fifo_partner_came, &w);
}

/* Count f in as a reader and/or writer of p, waiting for a partner. Holds p->lock. */
static int fifo_join(struct pipe *p, struct file *f, struct pipe_end *end)
{
	bool nonblock = f->flags & O_NONBLOCK;
	int ret = 0;

	switch (f->mode & (FMODE_READ | FMODE_WRITE)) {
	case FMODE_READ:
		p->r_counter++;
		if (p->readers++ == 0)
			waitq_wake_all(&p->wr_wait);
		if (p->writers)
			break;
		if (nonblock) {
			/* No POLLHUP for a writer this reader never saw. */
			end->w_seen = p->w_counter;
			break;
		}
		ret = fifo_wait_partner(p, &p->rd_wait, &p->w_counter);
		if (ret && --p->readers == 0)
			waitq_wake_all(&p->wr_wait);
		break;
	case FMODE_WRITE:
		if (nonblock && !p->readers)
			return -ENXIO;
		p->w_counter++;
		if (p->writers++ == 0)
			waitq_wake_all(&p->rd_wait);
		if (p->readers)
			break;
		ret = fifo_wait_partner(p, &p->wr_wait, &p->r_counter);
		if (ret && --p->writers == 0)
			waitq_wake_all(&p->rd_wait);
		break;
	case FMODE_READ | FMODE_WRITE:
		/* POSIX leaves it undefined; Linux opens at once, being both sides. */
		p->r_counter++;
		p->w_counter++;
		p->readers++;
		p->writers++;
		waitq_wake_all(&p->rd_wait);
		waitq_wake_all(&p->wr_wait);
		break;
	default:
		return -EINVAL;
	}
	return ret;
}

static int fifo_open(struct inode *inode, struct file *f)
{
	struct pipe_end *end = calloc(1, sizeof(*end));
	if (!end)
		return -ENOMEM;
	struct pipe *p = fifo_get(inode);
	if (!p) {
		free(end);
		return -ENOMEM;
	}
	f->mode |= FMODE_STREAM | FMODE_GATHER;
	pthread_mutex_lock(&p->lock);
	int ret = fifo_join(p, f, end);
	pthread_mutex_unlock(&p->lock);
	if (ret) {
		fifo_put(p);
		free(end);
		return ret;
	}
	end->pipe = p;
	f->private_data = end;
	return 0;
}

static void fifo_release(struct file *f)
{
	struct pipe_end *end = f->private_data;

	if (!end) /* the open failed */
		return;
	pipe_release_end(end->pipe, f->mode);
	fifo_put(end->pipe);
	free(end);
}

/* fstat goes to the inode (the file has a path): no .stat. */
const struct file_ops fifo_fops = {
	.fasync = true,
	.open = fifo_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.fcntl = pipe_fcntl,
	.release = fifo_release,
};

bool file_is_fifo(const struct file *f)
{
	return f->ops == &fifo_fops;
}
