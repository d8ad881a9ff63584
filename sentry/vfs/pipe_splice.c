// SPDX-License-Identifier: Apache-2.0
/*
 * splice, tee and vmsplice on the pipe side, after Linux's fs/splice.c.
 *
 * Linux moves page references; we copy bytes, which no program can tell
 * apart but for the speed. Between two pipes both locks are held and
 * buffers move whole (or split at len). With another file, its I/O goes
 * through its ops with the pipe lock dropped, while the splice owns the
 * pipe's read or write side (rd_busy, wr_busy: see pipe_internal.h):
 * data leaves the pipe only once the other file took it, and a file
 * read fills only room the pipe had when the splice began.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "pipe_internal.h"
#include "sentry/kernel/kernel.h"

#define SPLICE_CHUNK (64 * 1024)

/* One per host thread: a task runs on one at a time. */
static __thread u8 splice_bounce[SPLICE_CHUNK];

/*
 * Linux's ipipe_prep, p->lock held: wait until p has data a reader may
 * take. 1 when it has, 0 at end of input, or -EAGAIN / -ERESTARTSYS.
 */
static int wait_data(struct pipe *p, unsigned flags)
{
	while (!pipe_has_data(p)) {
		if (!p->writers && !p->rd_busy)
			return 0;
		if (flags & LINUX_SPLICE_F_NONBLOCK)
			return -EAGAIN;
		int err = file_wait_event(&p->rd_wait, &p->lock, pipe_readable, p);
		if (err)
			return err;
	}
	return 1;
}

/* Linux's opipe_prep / wait_for_space, p->lock held: 0, -EPIPE, -EAGAIN, -ERESTARTSYS. */
static int wait_room(struct pipe *p, unsigned flags)
{
	for (;;) {
		if (!p->readers)
			return -EPIPE;
		if (pipe_has_room(p))
			return 0;
		if (flags & LINUX_SPLICE_F_NONBLOCK)
			return -EAGAIN;
		int err = file_wait_event(&p->wr_wait, &p->lock, pipe_writable, p);
		if (err)
			return err;
	}
}

/* Copy up to len bytes from the front of p without taking them. */
static size_t pipe_peek(struct pipe *p, u8 *dst, size_t len)
{
	size_t done = 0;
	for (u32 i = p->tail; i != p->head && done < len; i++) {
		struct pipe_buf *b = pipe_buf_at(p, i);
		size_t n = MIN((size_t)b->len, len - done);
		memcpy(dst + done, b->page + b->off, n);
		done += n;
	}
	return done;
}

/* Take len bytes (no more than p holds) from the front of p. */
static void pipe_consume(struct pipe *p, size_t len)
{
	while (len) {
		struct pipe_buf *b = pipe_buf_at(p, p->tail);
		size_t n = MIN((size_t)b->len, len);
		b->off += n;
		b->len -= n;
		len -= n;
		if (!b->len)
			pipe_pop(p);
	}
}

/* Give the read side back and wake whoever waited for it or for room. */
static void end_read_side(struct pipe *p, bool consumed)
{
	p->rd_busy = false;
	pthread_mutex_unlock(&p->lock);
	waitq_wake_key(&p->rd_wait, LINUX_POLLIN | LINUX_POLLRDNORM);
	if (consumed)
		pipe_wake_writers(p);
}

ssize_t pipe_splice_out(struct file *pf, struct file *out, s64 *pos, size_t len, unsigned flags)
{
	struct pipe *p = pipe_of_file(pf);
	size_t total = 0;
	ssize_t err = 0;

	pthread_mutex_lock(&p->lock);
	int ready = wait_data(p, flags);
	if (ready <= 0) {
		pthread_mutex_unlock(&p->lock);
		return ready;
	}
	p->rd_busy = true;
	/* Like Linux's splice_from_pipe_next: once something moved, an empty pipe ends it. */
	while (total < len && !pipe_empty(p)) {
		size_t n = pipe_peek(p, splice_bounce, MIN(len - total, (size_t)SPLICE_CHUNK));
		pthread_mutex_unlock(&p->lock);
		ssize_t w = vfs_write(out, splice_bounce, n, pos);
		pthread_mutex_lock(&p->lock);
		if (w <= 0) {
			err = w;
			break;
		}
		pipe_consume(p, w);
		total += w;
		if ((size_t)w < n)
			break;
	}
	if (total)
		vfs_now(&p->atime);
	end_read_side(p, total > 0);
	return total ? (ssize_t)total : err;
}

/* Put len bytes of buf into p as page-sized buffers; the room was reserved. */
static ssize_t push_pages(struct pipe *p, const u8 *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pipe_push(p, buf + done, len - done, false);
		if (n < 0)
			return done ? (ssize_t)done : n;
		done += n;
	}
	return done;
}

ssize_t pipe_splice_in(struct file *in, s64 *pos, struct file *pf, size_t len, unsigned flags)
{
	struct pipe *p = pipe_of_file(pf);
	size_t total = 0;
	ssize_t err = 0;

	pthread_mutex_lock(&p->lock);
	err = wait_room(p, flags);
	if (err) {
		pthread_mutex_unlock(&p->lock);
		return err;
	}
	/* Linux's do_splice_read: no more than the free buffers hold. */
	size_t room = (size_t)(p->nbufs - (p->head - p->tail)) * PAGE_SIZE;
	len = MIN(len, room);
	p->wr_busy = true;
	pthread_mutex_unlock(&p->lock);
	while (total < len) {
		size_t n = MIN(len - total, (size_t)SPLICE_CHUNK);
		ssize_t r = vfs_read(in, splice_bounce, n, pos);
		if (r <= 0) {
			err = r;
			break;
		}
		pthread_mutex_lock(&p->lock);
		ssize_t pushed = push_pages(p, splice_bounce, r);
		if (pushed > 0) {
			vfs_now(&p->mtime);
			p->ctime = p->mtime;
		}
		pthread_mutex_unlock(&p->lock);
		if (pushed > 0) {
			total += pushed;
			pipe_wake_readers(p);
		}
		if (pushed < r) {
			/* Out of memory: what the pipe could not take is not read. */
			if (pos)
				*pos -= r - (pushed > 0 ? pushed : 0);
			err = pushed < 0 ? pushed : -ENOMEM;
			break;
		}
		/* A stream gives what it has in one read; another could block. */
		if ((size_t)r < n || !pos)
			break;
	}
	pthread_mutex_lock(&p->lock);
	p->wr_busy = false;
	pthread_mutex_unlock(&p->lock);
	waitq_wake_key(&p->wr_wait, LINUX_POLLOUT | LINUX_POLLWRNORM);
	return total ? (ssize_t)total : err;
}

/* Lock two pipes in address order. */
static void lock_two(struct pipe *a, struct pipe *b)
{
	if (a > b) {
		struct pipe *t = a;
		a = b;
		b = t;
	}
	pthread_mutex_lock(&a->lock);
	pthread_mutex_lock(&b->lock);
}

static void unlock_two(struct pipe *a, struct pipe *b)
{
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&b->lock);
}

/* ipipe_prep then opipe_prep, each under its own lock: 1 ready, 0 end of input, or -errno. */
static int prep_two(struct pipe *ip, struct pipe *op, unsigned flags)
{
	pthread_mutex_lock(&ip->lock);
	int ret = wait_data(ip, flags);
	pthread_mutex_unlock(&ip->lock);
	if (ret <= 0)
		return ret;
	pthread_mutex_lock(&op->lock);
	ret = wait_room(op, flags);
	pthread_mutex_unlock(&op->lock);
	return ret ? ret : 1;
}

/* A copy of the first n bytes of b as a new buffer at op's head; op has room. */
static int copy_buf(struct pipe *op, const struct pipe_buf *b, size_t n)
{
	ssize_t r = pipe_push(op, b->page + b->off, n, b->packet);
	return r < 0 ? (int)r : 0;
}

ssize_t pipe_splice_pipes(struct file *in, struct file *out, size_t len, unsigned flags)
{
	struct pipe *ip = pipe_of_file(in), *op = pipe_of_file(out);
	ssize_t ret;
	bool consumed;

retry:
	ret = prep_two(ip, op, flags);
	if (ret <= 0)
		return ret;
	lock_two(ip, op);
	ret = 0;
	consumed = false;
	while (len) {
		if (!op->readers) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		if (pipe_empty(ip) && !ip->writers)
			break;
		/* No progress possible: input empty (or owned) or output full. */
		if (!pipe_has_data(ip) || !pipe_has_room(op)) {
			if (ret)
				break;
			if (flags & LINUX_SPLICE_F_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			unlock_two(ip, op);
			goto retry;
		}
		struct pipe_buf *b = pipe_buf_at(ip, ip->tail);
		size_t n = MIN((size_t)b->len, len);
		if (n == b->len) {
			/* The whole buffer moves. */
			*pipe_buf_at(op, op->head++) = *b;
			b->page = NULL;
			ip->tail++;
		} else {
			int err = copy_buf(op, b, n);
			if (err) {
				ret = ret ? ret : err;
				break;
			}
			b->off += n;
			b->len -= n;
		}
		consumed = true;
		ret += n;
		len -= n;
	}
	unlock_two(ip, op);
	if (ret > 0)
		pipe_wake_readers(op);
	if (consumed)
		pipe_wake_writers(ip);
	return ret;
}

ssize_t pipe_tee(struct file *in, struct file *out, size_t len, unsigned flags)
{
	struct pipe *ip = pipe_of_file(in), *op = pipe_of_file(out);

	ssize_t ret = prep_two(ip, op, flags);
	if (ret <= 0)
		return ret;
	/* Linux's link_pipe: one pass over what is there now, no more waiting. */
	lock_two(ip, op);
	ret = 0;
	for (u32 i = ip->tail; len; i++) {
		if (!op->readers) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		if (i == ip->head || ip->rd_busy || !pipe_has_room(op))
			break;
		struct pipe_buf *b = pipe_buf_at(ip, i);
		size_t n = MIN((size_t)b->len, len);
		int err = copy_buf(op, b, n);
		if (err) {
			ret = ret ? ret : err;
			break;
		}
		ret += n;
		len -= n;
	}
	unlock_two(ip, op);
	if (ret > 0)
		pipe_wake_readers(op);
	return ret;
}

/*
 * Gather up to SPLICE_CHUNK bytes of the iovecs from (*iv, *off) into the
 * bounce buffer, cut where user pages end (Linux makes one pipe buffer of
 * each page it pins). cuts[] gets the piece lengths. Returns the bytes
 * gathered, with *fault set if a bad address stopped it.
 */
struct gather {
	size_t cuts[SPLICE_CHUNK / PAGE_SIZE + 2];
	int ncuts;
	bool fault;
};

static size_t gather_user(struct task *t, const struct linux_iovec *iov, int n, int *iv, u64 *off,
			  struct gather *g)
{
	size_t len = 0;
	g->ncuts = 0;
	g->fault = false;
	while (*iv < n && len < SPLICE_CHUNK && g->ncuts < (int)ARRAY_SIZE(g->cuts)) {
		u64 base = iov[*iv].base + *off, left = iov[*iv].len - *off;
		if (!left) {
			(*iv)++;
			*off = 0;
			continue;
		}
		size_t piece = MIN(left, PAGE_SIZE - (base & (PAGE_SIZE - 1)));
		piece = MIN(piece, (size_t)SPLICE_CHUNK - len);
		size_t got =
			mm_copy_from_user_partial(t->mm, splice_bounce + len, uaddr(base), piece);
		if (got)
			g->cuts[g->ncuts++] = got;
		len += got;
		*off += got;
		if (got < piece) {
			g->fault = true;
			break;
		}
	}
	return len;
}

ssize_t pipe_vmsplice_to_pipe(struct task *t, struct file *pf, const struct linux_iovec *iov, int n,
			      unsigned flags)
{
	struct pipe *p = pipe_of_file(pf);
	struct gather g;
	int iv = 0;
	u64 off = 0;
	ssize_t total = 0;
	bool first = true, more = true;

	while (more) {
		size_t len = gather_user(t, iov, n, &iv, &off, &g);
		if (!len)
			return total ? total : (g.fault ? -EFAULT : 0);
		pthread_mutex_lock(&p->lock);
		/* Linux waits for room once, then fills what fits. */
		int err = first ? wait_room(p, flags) : (p->readers ? 0 : -EPIPE);
		first = false;
		size_t done = 0;
		for (int i = 0; !err && i < g.ncuts && pipe_has_room(p); i++) {
			ssize_t r = pipe_push(p, splice_bounce + done, g.cuts[i], false);
			if (r < 0)
				err = r;
			else
				done += r;
		}
		if (done) {
			vfs_now(&p->mtime);
			p->ctime = p->mtime;
		}
		pthread_mutex_unlock(&p->lock);
		if (done)
			pipe_wake_readers(p);
		total += done;
		if (err)
			return total ? total : err;
		more = done == len && !g.fault && iv < n;
	}
	return total ? total : (g.fault ? -EFAULT : 0);
}

/* Copy len bytes of the bounce buffer out to the iovecs from (*iv, *off); the bytes delivered. */
static size_t scatter_user(struct task *t, const struct linux_iovec *iov, int n, int *iv, u64 *off,
			   size_t len)
{
	size_t done = 0;
	while (*iv < n && done < len) {
		u64 left = iov[*iv].len - *off;
		if (!left) {
			(*iv)++;
			*off = 0;
			continue;
		}
		size_t piece = MIN(left, (u64)(len - done));
		size_t put = mm_copy_to_user_partial(t->mm, uaddr(iov[*iv].base + *off),
						     splice_bounce + done, piece);
		done += put;
		*off += put;
		if (put < piece)
			break;
	}
	return done;
}

ssize_t pipe_vmsplice_to_user(struct task *t, struct file *pf, const struct linux_iovec *iov, int n,
			      unsigned flags)
{
	struct pipe *p = pipe_of_file(pf);
	u64 want = 0, off = 0;
	size_t total = 0;
	int iv = 0;
	bool fault = false;

	for (int i = 0; i < n; i++)
		want += iov[i].len;
	pthread_mutex_lock(&p->lock);
	int ready = wait_data(p, flags);
	if (ready <= 0) {
		pthread_mutex_unlock(&p->lock);
		return ready;
	}
	p->rd_busy = true;
	while (total < want && !pipe_empty(p) && !fault) {
		size_t len = pipe_peek(p, splice_bounce, MIN(want - total, (u64)SPLICE_CHUNK));
		pthread_mutex_unlock(&p->lock);
		size_t put = scatter_user(t, iov, n, &iv, &off, len);
		pthread_mutex_lock(&p->lock);
		pipe_consume(p, put);
		total += put;
		fault = put < len;
	}
	if (total)
		vfs_now(&p->atime);
	end_read_side(p, total > 0);
	return total ? (ssize_t)total : (fault ? -EFAULT : 0);
}
