// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes, as Linux's fs/pipe.c keeps them (see pipe.h): a ring of
 * page-sized buffers. Buffer boundaries are visible to programs (how many
 * small writes fit, where packets end), so the ring is Linux's, not a
 * byte FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "pipe_internal.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/kernel.h"

#define PIPE_DEF_BUFFERS 16
/* /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ gets. */
#define PIPE_MAX_SIZE (1024 * 1024)

/* Pipes belong to no mount, but fstat shows one device for all of them. */
static struct super_block *pipefs;
static pthread_once_t pipefs_once = PTHREAD_ONCE_INIT;

static void pipefs_init(void)
{
	pipefs = sb_alloc(NULL, "pipefs");
}

void pipe_put(struct pipe *p)
{
	if (!__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		pipe_free(p);
}

void pipe_free(struct pipe *p)
{
	for (u32 i = p->tail; i != p->head; i++)
		free(pipe_buf_at(p, i)->page);
	free(p->spare);
	free(p->bufs);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void pipe_wake_readers(struct pipe *p)
{
	if (waitq_active(&p->rd_wait))
		waitq_wake_key(&p->rd_wait, LINUX_POLLIN | LINUX_POLLRDNORM);
}

void pipe_wake_writers(struct pipe *p)
{
	if (waitq_active(&p->wr_wait))
		waitq_wake_key(&p->wr_wait, LINUX_POLLOUT | LINUX_POLLWRNORM);
}

/*
 * The tail of a write (len modulo a page) goes into the last buffer if it
 * fits whole, as in Linux: small writes share pages, and a write of at
 * most PIPE_BUF bytes is never split. Returns the bytes merged.
 */
static size_t pipe_merge(struct pipe *p, const u8 *buf, size_t len)
{
	size_t chars = len & (PAGE_SIZE - 1);
	if (!chars || pipe_empty(p))
		return 0;
	struct pipe_buf *b = pipe_buf_at(p, p->head - 1);
	if (b->packet || b->off + b->len + chars > PAGE_SIZE)
		return 0;
	memcpy(b->page + b->off + b->len, buf, chars);
	b->len += chars;
	return chars;
}

ssize_t pipe_push(struct pipe *p, const u8 *buf, size_t len, bool packet)
{
	u8 *page = p->spare ? p->spare : malloc(PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	p->spare = NULL;
	size_t n = MIN(len, PAGE_SIZE);
	memcpy(page, buf, n);
	*pipe_buf_at(p, p->head++) = (struct pipe_buf){.page = page, .len = n, .packet = packet};
	return n;
}

void pipe_pop(struct pipe *p)
{
	struct pipe_buf *b = pipe_buf_at(p, p->tail++);
	if (!p->spare)
		p->spare = b->page;
	else
		free(b->page);
	b->page = NULL;
}

size_t pipe_bytes(struct pipe *p)
{
	size_t n = 0;
	for (u32 i = p->tail; i != p->head; i++)
		n += pipe_buf_at(p, i)->len;
	return n;
}

ssize_t pipe_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct pipe *p = pipe_of_file(f);
	bool packet = __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_DIRECT;
	bool merged = false;
	size_t done = 0;
	ssize_t err = 0;

	if (pos)
		return -ESPIPE;
	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		if (!p->readers) {
			err = -EPIPE;
			break;
		}
		if (!p->wr_busy && !merged) {
			done = pipe_merge(p, buf, len);
			merged = true;
			continue;
		}
		if (pipe_has_room(p)) {
			ssize_t n = pipe_push(p, (const u8 *)buf + done, len - done, packet);
			if (n < 0) {
				err = n;
				break;
			}
			done += n;
			continue;
		}
		if (file_nonblock(f)) {
			err = -EAGAIN;
			break;
		}
		/* The readers must see what is in before we wait for them to take it. */
		if (done)
			waitq_wake_key(&p->rd_wait, LINUX_POLLIN | LINUX_POLLRDNORM);
		err = file_wait_event(&p->wr_wait, &p->lock, pipe_writable, p);
		if (err)
			break;
	}
	if (done) {
		vfs_now(&p->mtime);
		p->ctime = p->mtime;
	}
	pthread_mutex_unlock(&p->lock);
	if (done)
		pipe_wake_readers(p);
	return done ? (ssize_t)done : err;
}

ssize_t pipe_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct pipe *p = pipe_of_file(f);
	size_t done = 0;
	ssize_t err = 0;
	bool freed = false;

	if (pos)
		return -ESPIPE;
	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (pipe_has_data(p)) {
			struct pipe_buf *b = pipe_buf_at(p, p->tail);
			size_t n = MIN((size_t)b->len, len - done);
			bool packet = b->packet;
			memcpy((u8 *)buf + done, b->page + b->off, n);
			done += n;
			b->off += n;
			b->len -= n;
			/* One read, one packet: what did not fit is dropped. */
			if (packet)
				b->len = 0;
			if (!b->len) {
				pipe_pop(p);
				freed = true;
			}
			if (packet || done == len)
				break;
			continue;
		}
		/* A splice that owns the data may leave some: wait for it before EOF. */
		if (done || (!p->writers && !p->rd_busy))
			break;
		if (file_nonblock(f)) {
			err = -EAGAIN;
			break;
		}
		err = file_wait_event(&p->rd_wait, &p->lock, pipe_readable, p);
		if (err)
			break;
	}
	if (done)
		vfs_now(&p->atime);
	pthread_mutex_unlock(&p->lock);
	if (freed)
		pipe_wake_writers(p);
	return done ? (ssize_t)done : err;
}

u32 pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe_end *end = f->private_data;
	struct pipe *p = end->pipe;
	u32 mask = 0;

	if (f->mode & FMODE_READ)
		poll_wait(f, &p->rd_wait, pt);
	if (f->mode & FMODE_WRITE)
		poll_wait(f, &p->wr_wait, pt);
	pthread_mutex_lock(&p->lock);
	if (f->mode & FMODE_READ) {
		if (pipe_has_data(p))
			mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
		if (!p->writers && end->w_seen != p->w_counter)
			mask |= LINUX_POLLHUP;
	}
	if (f->mode & FMODE_WRITE) {
		if (pipe_has_room(p))
			mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
		/* Linux reports a pipe without readers as an error, unlike most Unices. */
		if (!p->readers)
			mask |= LINUX_POLLERR;
	}
	pthread_mutex_unlock(&p->lock);
	return mask;
}

long pipe_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct pipe *p = pipe_of_file(f);

	if (cmd != FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&p->lock);
	int count = pipe_bytes(p);
	pthread_mutex_unlock(&p->lock);
	return mm_copy_to_user(t->mm, arg, &count, sizeof(count)) ? -EFAULT : 0;
}

/* Linux's round_pipe_size: a power of two of at least a page; 0 if too big. */
static u64 pipe_round_size(u32 size)
{
	if (size > (1u << 31))
		return 0;
	if (size <= PAGE_SIZE)
		return PAGE_SIZE;
	return 1ULL << (64 - __builtin_clzll((u64)size - 1));
}

static long pipe_set_size(struct pipe *p, u32 arg)
{
	u64 size = pipe_round_size(arg);
	u32 n = size >> PAGE_SHIFT;
	struct task *t = task_current();

	if (!n)
		return -EINVAL;
	/* Growing past pipe-max-size takes CAP_SYS_RESOURCE; shrinking never does. */
	if (n > p->nbufs && size > PIPE_MAX_SIZE &&
	    !(t && task_capable(t, 24 /* CAP_SYS_RESOURCE */)))
		return -EPERM;
	struct pipe_buf *bufs = calloc(n, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	u32 used = p->head - p->tail;
	/* A splice in flight counted on the ring as it is (Linux would make us wait). */
	if (used > n || p->rd_busy || p->wr_busy) {
		pthread_mutex_unlock(&p->lock);
		free(bufs);
		return -EBUSY;
	}
	for (u32 i = 0; i < used; i++)
		bufs[i] = *pipe_buf_at(p, p->tail + i);
	free(p->bufs);
	p->bufs = bufs;
	p->nbufs = n;
	p->tail = 0;
	p->head = used;
	pthread_mutex_unlock(&p->lock);
	/* Room may have appeared for a waiting writer. */
	waitq_wake_key(&p->wr_wait, LINUX_POLLOUT | LINUX_POLLWRNORM);
	return (long)size;
}

long pipe_fcntl(struct file *f, int cmd, u64 arg)
{
	struct pipe *p = pipe_of_file(f);

	switch (cmd) {
	case LINUX_F_GETPIPE_SZ:
		pthread_mutex_lock(&p->lock);
		long size = (long)p->nbufs * PAGE_SIZE;
		pthread_mutex_unlock(&p->lock);
		return size;
	case LINUX_F_SETPIPE_SZ:
		/* Linux takes the argument as an unsigned int. */
		return pipe_set_size(p, (u32)arg);
	default:
		return -EINVAL;
	}
}

static int pipe_stat(struct file *f, struct kstat *st)
{
	struct pipe *p = pipe_of_file(f);

	pthread_mutex_lock(&p->lock);
	*st = (struct kstat){
		.mask = LINUX_STATX_BASIC_STATS,
		.mode = S_IFIFO | 0600,
		.nlink = 1,
		.uid = p->uid,
		.gid = p->gid,
		.blksize = PAGE_SIZE,
		.dev = pipefs->dev,
		.ino = p->ino,
		.atime = p->atime,
		.mtime = p->mtime,
		.ctime = p->ctime,
	};
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void pipe_release_end(struct pipe *p, u32 fmode)
{
	pthread_mutex_lock(&p->lock);
	if (fmode & FMODE_READ)
		p->readers--;
	if (fmode & FMODE_WRITE)
		p->writers--;
	pthread_mutex_unlock(&p->lock);
	/* Blocked readers see the end of the data, writers EPIPE, pollers HUP/ERR. */
	waitq_wake_all(&p->rd_wait);
	waitq_wake_all(&p->wr_wait);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of_file(f);

	pipe_release_end(p, f->mode);
	pipe_put(p);
}

static const struct file_ops pipe_ops = {
	.fasync = true,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.stat = pipe_stat,
	.poll = pipe_poll,
	.fcntl = pipe_fcntl,
	.release = pipe_release,
};

bool pipe_same(struct file *f, struct file *g)
{
	return pipe_of_file(f) == pipe_of_file(g);
}

bool file_is_pipe(const struct file *f)
{
	/* As Linux's get_pipe_info: the pipe code knows its own files. */
	return f->ops == &pipe_ops || file_is_fifo(f);
}

struct pipe *pipe_alloc(u32 uid, u32 gid)
{
	pthread_once(&pipefs_once, pipefs_init);
	if (!pipefs)
		return NULL;
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->bufs = calloc(PIPE_DEF_BUFFERS, sizeof(*p->bufs));
	if (!p->bufs) {
		free(p);
		return NULL;
	}
	p->refs = 1;
	p->r_counter = p->w_counter = 1;
	p->nbufs = PIPE_DEF_BUFFERS;
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->rd_wait);
	waitq_init(&p->wr_wait);
	p->ino = sb_next_ino(pipefs);
	p->uid = uid;
	p->gid = gid;
	vfs_now(&p->atime);
	p->mtime = p->ctime = p->atime;
	return p;
}

/* A pipe2 end: the file and what its private_data points to. */
struct pipe_file {
	struct file base;
	struct pipe_end end;
};

/* An end of p with its own reference to it; NULL if out of memory. */
static struct file *pipe_open_end(struct pipe *p, u32 flags, u32 mode)
{
	struct pipe_file *pf = (struct pipe_file *)file_alloc(sizeof(*pf), &pipe_ops);
	if (!pf)
		return NULL;
	struct file *f = &pf->base;
	f->flags = flags;
	f->mode = mode | FMODE_STREAM | FMODE_GATHER;
	pf->end.pipe = p;
	f->private_data = &pf->end;
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->lock);
	if (mode & FMODE_READ)
		p->readers++;
	if (mode & FMODE_WRITE)
		p->writers++;
	pthread_mutex_unlock(&p->lock);
	return f;
}

int pipe_create(u32 flags, u32 uid, u32 gid, struct file *ends[2])
{
	struct pipe *p = pipe_alloc(uid, gid);
	if (!p)
		return -ENOMEM;
	int ret = -ENOMEM;
	ends[0] = pipe_open_end(p, O_RDONLY | (flags & O_NONBLOCK), FMODE_READ);
	if (!ends[0])
		goto out_put_pipe;
	ends[1] = pipe_open_end(p, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)), FMODE_WRITE);
	if (!ends[1])
		goto out_put_read_end;
	ret = 0;
	goto out_put_pipe;

out_put_read_end:
	file_put(ends[0]);
out_put_pipe:
	/* The ends hold the pipe now (or nothing does). */
	pipe_put(p);
	return ret;
}
