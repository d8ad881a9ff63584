// SPDX-License-Identifier: Apache-2.0
/*
 * The connection: one reader (the main thread) frames requests off the
 * socket and queues them; GOFER_WORKERS threads answer them, so replies may
 * leave out of order, each with its request's tag. Tversion is answered by
 * the reader itself once nothing is in flight, as it resets the session.
 * Tflush is looked at as it is read: a request still queued is dropped and
 * Rflush goes out at once; for one already running, a worker waits for its
 * reply and sends Rflush after it, the order 9P requires.
 *
 * A message the reader cannot frame (size below the header or above msize)
 * ends the connection, as nothing after it can be trusted to be a message
 * boundary; anything that frames but does not decode gets Rlerror.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gofer_internal.h"
#include "lib/fdpass.h"
#include "lib/log.h"

struct request {
	struct list_head queue_link;	/* in srv->queue while waiting */
	struct list_head inflight_link; /* in srv->inflight until answered */
	u64 seq;			/* order of arrival, from 1 */
	u64 flush_seq;			/* Tflush: the request it waits for */
	bool running;
	int decode_err;
	struct p9_msg msg;
	u32 len;
	u8 buf[]; /* the message as read; msg points into it */
};

/* Read exactly n bytes; 0, or -EPIPE at end of stream, or -errno. */
static int read_full(int fd, void *buf, size_t n)
{
	u8 *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r == 0)
			return -EPIPE;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= r;
	}
	return 0;
}

/*
 * Send one encoded message, with fd (if >= 0) as SCM_RIGHTS on its first
 * byte. The caller holds send_lock, so messages never interleave.
 */
static int send_msg(int sock, const u8 *buf, size_t len, int fd)
{
	bool fd_sent = fd < 0;

	while (len) {
		ssize_t n = fdpass_send(sock, buf, len, &fd, fd_sent ? 0 : 1, 0);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		fd_sent = true;
		buf += n;
		len -= n;
	}
	return 0;
}

/* m's bytes in a new buffer, or NULL if they do not fit msize (or memory). */
static u8 *encode_reply(const struct gofer_server *srv, const struct p9_msg *m, size_t *len)
{
	ssize_t n = p9_msg_size(m);
	u8 *buf;

	if (n < 0 || n > srv->msize || !(buf = malloc(n)))
		return NULL;
	if (p9_encode(m, buf, n) != n) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Encode and send r; a send error is the peer's problem (it will see EOF). */
static void send_reply(struct gofer_server *srv, struct reply *r)
{
	size_t len;
	u8 *buf = encode_reply(srv, &r->msg, &len);
	int err;

	if (!buf) {
		/* Handlers keep replies within msize: only a bug or a lack of
		 * memory gets here. EIO always fits. */
		u16 tag = r->msg.tag;

		pr_warn_ratelimited("gofer: cannot encode %s tag %u", p9_type_name(r->msg.type),
				    tag);
		r->msg = (struct p9_msg){.type = P9_RLERROR, .tag = tag, .rlerror.ecode = EIO};
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		buf = encode_reply(srv, &r->msg, &len);
		if (!buf)
			return;
	}
	pthread_mutex_lock(&srv->send_lock);
	err = send_msg(srv->sock, buf, len, r->fd);
	pthread_mutex_unlock(&srv->send_lock);
	if (err && err != -EPIPE)
		pr_debug("gofer: send failed: %s", strerror(-err));
	free(buf);
}

static void send_error(struct gofer_server *srv, u16 tag, int err)
{
	struct reply r = {.fd = -1};

	r.msg.type = P9_RLERROR;
	r.msg.tag = tag;
	r.msg.rlerror.ecode = err;
	send_reply(srv, &r);
}

/* Answer req: its handler's reply, or Rlerror. */
static void handle(struct gofer_server *srv, struct request *req)
{
	const struct p9_msg *m = &req->msg;
	struct reply r = {.fd = -1};
	gofer_handler fn = NULL;
	int err = req->decode_err;

	if (!err) {
		/* Only T-messages are requests (their types are even). */
		fn = (m->type & 1) ? NULL : gofer_handler_for(m->type);
		if (!fn)
			err = -EOPNOTSUPP;
	}
	if (!err) {
		r.msg.type = m->type + 1;
		r.msg.tag = m->tag;
		err = fn(srv, m, &r);
	}
	if (err) {
		if (r.fd >= 0)
			close(r.fd);
		free(r.buf);
		/* Host errors are Linux errnos already; keep them in range. */
		send_error(srv, m->tag, (err < 0 && err > -MAX_ERRNO) ? -err : EIO);
		return;
	}
	send_reply(srv, &r);
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
}

/* After handle(): the request is answered; let Tflush and the reader know. */
static void finish(struct gofer_server *srv, struct request *req)
{
	pthread_mutex_lock(&srv->lock);
	list_del(&req->inflight_link);
	srv->ninflight--;
	pthread_cond_broadcast(&srv->done_cv);
	pthread_mutex_unlock(&srv->lock);
	free(req);
}

/* The request in flight with tag (NULL: none); caller holds srv->lock. */
static struct request *find_tag(struct gofer_server *srv, u16 tag)
{
	struct request *q;

	list_for_each_entry(q, &srv->inflight, inflight_link)
	{
		if (q->msg.tag == tag)
			return q;
	}
	return NULL;
}

static bool seq_inflight(struct gofer_server *srv, u64 seq)
{
	struct request *q;

	list_for_each_entry(q, &srv->inflight, inflight_link)
	{
		if (q->seq == seq)
			return true;
	}
	return false;
}

/*
 * Tflush, in the reader, before the flush itself is queued: a request still
 * waiting for a worker is dropped unanswered. Returns 0 if Rflush may go out
 * at once (the old request is gone, or never was), or the sequence number of
 * the running request whose reply must go first (flush_wait).
 */
static u64 flush_queued(struct gofer_server *srv, u16 oldtag)
{
	struct request *victim;
	u64 seq = 0;

	pthread_mutex_lock(&srv->lock);
	victim = find_tag(srv, oldtag);
	if (victim && !victim->running) {
		list_del(&victim->queue_link);
		list_del(&victim->inflight_link);
		srv->ninflight--;
		pthread_cond_broadcast(&srv->done_cv);
		free(victim);
	} else if (victim) {
		seq = victim->seq;
	}
	pthread_mutex_unlock(&srv->lock);
	return seq;
}

static void send_rflush(struct gofer_server *srv, u16 tag)
{
	struct reply r = {.fd = -1};

	r.msg.type = P9_RFLUSH;
	r.msg.tag = tag;
	send_reply(srv, &r);
}

/*
 * Tflush of a running request, in a worker: its reply goes out first, then
 * Rflush, the order 9P requires. This cannot deadlock: the request waited
 * for is running, and running requests wait for nothing.
 */
static void flush_wait(struct gofer_server *srv, struct request *req)
{
	pthread_mutex_lock(&srv->lock);
	while (seq_inflight(srv, req->flush_seq))
		pthread_cond_wait(&srv->done_cv, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	send_rflush(srv, req->msg.tag);
}

static void *worker(void *arg)
{
	struct gofer_server *srv = arg;

	/* glibc's thread start-up (rseq, robust list, signal mask) is done by
	 * now: tell start_workers, which installs seccomp only after. */
	pthread_mutex_lock(&srv->lock);
	srv->nstarted++;
	pthread_cond_broadcast(&srv->done_cv);
	pthread_mutex_unlock(&srv->lock);
	for (;;) {
		struct request *req;

		pthread_mutex_lock(&srv->lock);
		while (list_empty(&srv->queue) && !srv->stopping)
			pthread_cond_wait(&srv->work_cv, &srv->lock);
		if (list_empty(&srv->queue)) {
			pthread_mutex_unlock(&srv->lock);
			return NULL;
		}
		req = list_entry(srv->queue.next, struct request, queue_link);
		list_del(&req->queue_link);
		req->running = true;
		pthread_mutex_unlock(&srv->lock);

		if (!req->decode_err && req->msg.type == P9_TFLUSH)
			flush_wait(srv, req);
		else
			handle(srv, req);
		finish(srv, req);
	}
}

/*
 * Tversion: wait until nothing is in flight, forget every fid, agree on
 * msize. Any version but 9P2000.L is answered "unknown", as 9P asks.
 */
static void handle_version(struct gofer_server *srv, struct request *req)
{
	const struct p9_msg *m = &req->msg;
	struct reply r = {.fd = -1};

	pthread_mutex_lock(&srv->lock);
	while (srv->ninflight)
		pthread_cond_wait(&srv->done_cv, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	fid_clunk_all(srv, &srv->fids);

	if (m->tversion.msize < P9_MSIZE_MIN) {
		send_error(srv, m->tag, EINVAL);
		return;
	}
	r.msg.type = P9_RVERSION;
	r.msg.tag = m->tag;
	r.msg.rversion.msize = MIN(m->tversion.msize, GOFER_MSIZE_MAX);
	if (p9_str_eq(m->tversion.version, P9_VERSION_L)) {
		srv->versioned = true;
		r.msg.rversion.version = (struct p9_str){P9_VERSION_L, strlen(P9_VERSION_L)};
	} else {
		srv->versioned = false;
		r.msg.rversion.version = (struct p9_str){"unknown", strlen("unknown")};
	}
	send_reply(srv, &r);
	/* Only now: the Rversion above may be as large as the old msize. */
	srv->msize = r.msg.rversion.msize;
}

/* Frame the next message; NULL at the end of the connection. */
static struct request *read_request(struct gofer_server *srv)
{
	struct request *req;
	u8 hdr[4];
	u32 size;

	if (read_full(srv->sock, hdr, 4))
		return NULL;
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	if (size < P9_HDRSZ || size > srv->msize) {
		pr_warn_ratelimited("gofer: message of %u bytes (msize %u): closing", size,
				    srv->msize);
		return NULL;
	}
	req = malloc(sizeof(*req) + size);
	if (!req)
		return NULL;
	memcpy(req->buf, hdr, 4);
	if (read_full(srv->sock, req->buf + 4, size - 4)) {
		free(req);
		return NULL;
	}
	req->len = size;
	req->running = false;
	req->seq = req->flush_seq = 0;
	req->decode_err = p9_decode(req->buf, size, &req->msg);
	return req;
}

static void enqueue(struct gofer_server *srv, struct request *req)
{
	pthread_mutex_lock(&srv->lock);
	while (srv->ninflight >= GOFER_MAX_INFLIGHT)
		pthread_cond_wait(&srv->done_cv, &srv->lock);
	list_add_tail(&req->inflight_link, &srv->inflight);
	list_add_tail(&req->queue_link, &srv->queue);
	srv->ninflight++;
	pthread_cond_signal(&srv->work_cv);
	pthread_mutex_unlock(&srv->lock);
}

/* Start the workers and wait until each is running its loop. */
static int start_workers(struct gofer_server *srv)
{
	for (srv->nworkers = 0; srv->nworkers < GOFER_WORKERS; srv->nworkers++) {
		int err = pthread_create(&srv->workers[srv->nworkers], NULL, worker, srv);
		if (err)
			return -err;
	}
	pthread_mutex_lock(&srv->lock);
	while (srv->nstarted < srv->nworkers)
		pthread_cond_wait(&srv->done_cv, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

static void stop_workers(struct gofer_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->work_cv);
	pthread_mutex_unlock(&srv->lock);
	for (int i = 0; i < srv->nworkers; i++)
		pthread_join(srv->workers[i], NULL);
}

/* The reader loop. Returns when the peer has gone. */
static void serve_loop(struct gofer_server *srv)
{
	struct request *req;
	u64 seq = 0;

	while ((req = read_request(srv))) {
		bool version = !req->decode_err && req->msg.type == P9_TVERSION;
		bool flush = !req->decode_err && req->msg.type == P9_TFLUSH;

		if (version) {
			handle_version(srv, req);
			free(req);
		} else if (!srv->versioned) {
			/* 9P: nothing before a successful Tversion. */
			send_error(srv, req->msg.tag, EPROTO);
			free(req);
		} else if (flush && !(req->flush_seq = flush_queued(srv, req->msg.tflush.oldtag))) {
			send_rflush(srv, req->msg.tag);
			free(req);
		} else {
			req->seq = ++seq;
			enqueue(srv, req);
		}
	}
}

/*
 * The workers are started before the seccomp filter, which then covers
 * them too (SECCOMP_FILTER_FLAG_TSYNC): the filter does not allow clone.
 */
int gofer_serve(struct gofer_server *srv)
{
	int err;

	srv->msize = GOFER_MSIZE_MAX;
	list_init(&srv->queue);
	list_init(&srv->inflight);
	err = start_workers(srv);
	if (err) {
		pr_err("gofer: cannot start worker threads: %s", strerror(-err));
		stop_workers(srv);
		return err;
	}
	err = gofer_seccomp_install(srv->sock, log_fd());
	if (err) {
		pr_err("gofer: cannot install the seccomp filter: %s", strerror(-err));
		stop_workers(srv);
		return err;
	}
	serve_loop(srv);
	stop_workers(srv);
	fid_clunk_all(srv, &srv->fids);
	return 0;
}
