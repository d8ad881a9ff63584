// SPDX-License-Identifier: Apache-2.0
/*
 * The client's transport. Each call in flight owns a slot; its index is the
 * request's tag. Callers send their own requests (under send_lock) and sleep
 * on their slot; one reader thread receives every reply, with any donated
 * descriptor, and hands it to the slot its tag names. When the connection
 * ends, every sleeping caller wakes with -ECONNRESET.
 *
 * Donated descriptors arrive as SCM_RIGHTS on the first byte of their
 * reply. The reader never asks for more bytes than the current message has
 * left, so a descriptor always arrives with the bytes of its own reply (a
 * unix stream socket never merges data across a descriptor boundary into
 * one receive: the kernel stops a recvmsg after the skb carrying the fds).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_internal.h"
#include "lib/compiler.h"
#include "lib/fdpass.h"

/* Calls in flight at once; more wait for a slot. */
#define CLIENT_TAGS 64
/* At most this many fids at once (a runaway caller gets -EMFILE). */
#define CLIENT_FIDS_MAX (1U << 24)

struct slot {
	pthread_cond_t cv;
	bool busy; /* owned by a caller */
	bool done; /* its reply (or the end of the connection) has come */
	/* Nobody waits: the reader frees the slot and the fid number (gofer_clunk_async). */
	bool async;
	u32 async_fid;
	int err;
	u8 *buf;
	u32 len;
	int fd;
	int next_free;
};

struct gofer_client {
	int sock;
	u32 msize;
	pthread_t reader;
	bool reader_started;

	pthread_mutex_t lock;	/* guards all below but send_lock */
	pthread_cond_t slot_cv; /* a slot became free, or dead */
	struct slot slots[CLIENT_TAGS];
	int free_slot; /* head of the free list, -1 if none */
	bool dead;
	u32 *free_fids; /* numbers given back, reused first */
	size_t nfree_fids, cap_free_fids;
	u32 next_fid;

	pthread_mutex_t send_lock; /* one request on the socket at a time */
	void (*before_wait)(void); /* gofer_client_set_wait_hook */
};

/* Read exactly n bytes, keeping the first donated descriptor in *fd (others closed). */
static int recv_full(int sock, u8 *buf, size_t n, int *fd)
{
	while (n) {
		int fds[FDPASS_MAX_FDS], nfds;
		ssize_t r = fdpass_recv(sock, buf, n, fds, FDPASS_MAX_FDS, &nfds, 0);

		for (int i = 0; i < nfds; i++) {
			if (*fd < 0)
				*fd = fds[i];
			else
				close(fds[i]);
		}
		if (r == 0)
			return -ECONNRESET;
		if (r == -EINTR)
			continue;
		/* More descriptors than any reply carries: a gofer not to trust. */
		if (r == -EMSGSIZE)
			return -EPROTO;
		if (r < 0)
			return r;
		buf += r;
		n -= r;
	}
	return 0;
}

/* One whole message of at most msize bytes into a new buffer. */
static int recv_msg(int sock, u32 msize, u8 **out, u32 *len, int *fd)
{
	u8 hdr[4];
	u32 size;
	u8 *buf;
	int err;

	*fd = -1;
	err = recv_full(sock, hdr, 4, fd);
	if (err)
		goto fail;
	size = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (u32)hdr[3] << 24;
	err = -EPROTO;
	if (size < P9_HDRSZ || size > msize)
		goto fail;
	err = -ENOMEM;
	buf = malloc(size);
	if (!buf)
		goto fail;
	memcpy(buf, hdr, 4);
	err = recv_full(sock, buf + 4, size - 4, fd);
	if (err) {
		free(buf);
		goto fail;
	}
	*out = buf;
	*len = size;
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return err;
}

static int send_all(int sock, const u8 *buf, size_t len)
{
	while (len) {
		ssize_t n = send(sock, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static void fid_release_locked(struct gofer_client *c, u32 fid)
{
	if (c->nfree_fids == c->cap_free_fids) {
		size_t cap = c->cap_free_fids ? 2 * c->cap_free_fids : 64;
		u32 *grown = realloc(c->free_fids, cap * sizeof(*grown));

		if (!grown) /* the number is lost: harmless */
			return;
		c->free_fids = grown;
		c->cap_free_fids = cap;
	}
	c->free_fids[c->nfree_fids++] = fid;
}

/* Give slot i back (c->lock held). */
static void slot_free_locked(struct gofer_client *c, int i)
{
	struct slot *s = &c->slots[i];

	s->busy = false;
	s->async = false;
	s->next_free = c->free_slot;
	c->free_slot = i;
	pthread_cond_signal(&c->slot_cv);
}

/* The reply to, or the end of, an asynchronous request (c->lock held). */
static void async_done_locked(struct gofer_client *c, int i)
{
	fid_release_locked(c, c->slots[i].async_fid);
	slot_free_locked(c, i);
}

static void *reader(void *arg)
{
	struct gofer_client *c = arg;
	u8 *buf;
	u32 len;
	int fd;

	while (!recv_msg(c->sock, c->msize, &buf, &len, &fd)) {
		u16 tag = buf[5] | buf[6] << 8;
		struct slot *s = tag < CLIENT_TAGS ? &c->slots[tag] : NULL;

		pthread_mutex_lock(&c->lock);
		if (s && s->busy && s->async) {
			/* Its answer changes nothing: the fid is gone either way. */
			async_done_locked(c, tag);
		} else if (s && s->busy && !s->done) {
			s->buf = buf;
			s->len = len;
			s->fd = fd;
			s->err = 0;
			s->done = true;
			pthread_cond_signal(&s->cv);
			buf = NULL;
			fd = -1;
		}
		pthread_mutex_unlock(&c->lock);
		/* A reply to no one: a confused server. Drop it. */
		free(buf);
		if (fd >= 0)
			close(fd);
	}
	pthread_mutex_lock(&c->lock);
	c->dead = true;
	for (int i = 0; i < CLIENT_TAGS; i++) {
		struct slot *s = &c->slots[i];
		if (s->busy && s->async) {
			async_done_locked(c, i);
		} else if (s->busy && !s->done) {
			s->err = -ECONNRESET;
			s->done = true;
			pthread_cond_signal(&s->cv);
		}
	}
	pthread_cond_broadcast(&c->slot_cv);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int slot_get(struct gofer_client *c)
{
	int i;

	pthread_mutex_lock(&c->lock);
	while (!c->dead && c->free_slot < 0)
		pthread_cond_wait(&c->slot_cv, &c->lock);
	if (c->dead) {
		pthread_mutex_unlock(&c->lock);
		return -ECONNRESET;
	}
	i = c->free_slot;
	c->free_slot = c->slots[i].next_free;
	c->slots[i].busy = true;
	c->slots[i].done = false;
	pthread_mutex_unlock(&c->lock);
	return i;
}

void gofer_client_set_wait_hook(struct gofer_client *c, void (*before_wait)(void))
{
	c->before_wait = before_wait;
}

/* Wait for slot i's reply and free the slot. */
static int slot_wait(struct gofer_client *c, int i, u8 **buf, u32 *len, int *fd)
{
	struct slot *s = &c->slots[i];
	int err;

	pthread_mutex_lock(&c->lock);
	if (!s->done && c->before_wait) {
		/* Outside c->lock: the hook may take locks of its own. */
		pthread_mutex_unlock(&c->lock);
		c->before_wait();
		pthread_mutex_lock(&c->lock);
	}
	while (!s->done)
		pthread_cond_wait(&s->cv, &c->lock);
	err = s->err;
	*buf = s->buf;
	*len = s->len;
	*fd = s->fd;
	s->buf = NULL;
	s->fd = -1;
	slot_free_locked(c, i);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* Rlerror's code as -errno; a code out of errno's range is -EIO. */
static int lerror(const struct p9_msg *m)
{
	u32 e = m->rlerror.ecode;

	return (e && e < MAX_ERRNO) ? -(int)e : -EIO;
}

static int check_reply(const struct p9_msg *req, struct rpc_reply *rep, u32 len)
{
	if (p9_decode(rep->buf, len, &rep->msg))
		return -EPROTO;
	if (rep->msg.type == P9_RLERROR)
		return lerror(&rep->msg);
	if (rep->msg.type != req->type + 1)
		return -EPROTO;
	return 0;
}

int gofer_rpc(struct gofer_client *c, const struct p9_msg *req, struct rpc_reply *rep)
{
	struct p9_msg m = *req;
	ssize_t size = p9_msg_size(req);
	u8 *buf;
	u32 len;
	int slot, err;

	*rep = (struct rpc_reply){.fd = -1};
	if (size < 0 || size > c->msize)
		return -EMSGSIZE;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	slot = slot_get(c);
	if (slot < 0) {
		free(buf);
		return slot;
	}
	m.tag = slot;
	if (p9_encode(&m, buf, size) != size)
		err = -EIO; /* cannot happen: measured above */
	else {
		pthread_mutex_lock(&c->send_lock);
		err = send_all(c->sock, buf, size);
		pthread_mutex_unlock(&c->send_lock);
	}
	free(buf);
	/* If sending failed the connection is broken: end it, so that the
	 * reader wakes us (and everyone) with -ECONNRESET. */
	if (err)
		shutdown(c->sock, SHUT_RDWR);
	err = slot_wait(c, slot, &rep->buf, &len, &rep->fd);
	if (!err)
		err = check_reply(req, rep, len);
	if (err)
		rpc_reply_done(rep);
	return err;
}

int gofer_rpc_simple(struct gofer_client *c, const struct p9_msg *req)
{
	struct rpc_reply rep;
	int err = gofer_rpc(c, req, &rep);

	if (!err)
		rpc_reply_done(&rep);
	return err;
}

void rpc_reply_done(struct rpc_reply *rep)
{
	free(rep->buf);
	if (rep->fd >= 0)
		close(rep->fd);
	*rep = (struct rpc_reply){.fd = -1};
}

int client_fid_alloc(struct gofer_client *c, u32 *fid)
{
	int err = 0;

	pthread_mutex_lock(&c->lock);
	if (c->nfree_fids)
		*fid = c->free_fids[--c->nfree_fids];
	else if (c->next_fid < CLIENT_FIDS_MAX)
		*fid = c->next_fid++;
	else
		err = -EMFILE;
	pthread_mutex_unlock(&c->lock);
	return err;
}

void client_fid_release(struct gofer_client *c, u32 fid)
{
	pthread_mutex_lock(&c->lock);
	fid_release_locked(c, fid);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Tclunk without waiting: the fid number comes back (in the reader) only
 * with the reply, so it is never reused while the server still knows it.
 */
void gofer_clunk_async(struct gofer_client *c, u32 fid)
{
	struct p9_msg m = {.type = P9_TCLUNK, .tclunk.fid = fid};
	u8 buf[P9_HDRSZ + 4];
	int slot = slot_get(c);

	if (slot < 0)
		return; /* the connection is gone, and with it the fid */
	m.tag = slot;
	pthread_mutex_lock(&c->lock);
	c->slots[slot].async = true;
	c->slots[slot].async_fid = fid;
	if (c->slots[slot].done) { /* the connection ended meanwhile */
		async_done_locked(c, slot);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	pthread_mutex_unlock(&c->lock);
	if (p9_encode(&m, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		pthread_mutex_lock(&c->lock);
		async_done_locked(c, slot); /* cannot happen: a clunk is 11 bytes */
		pthread_mutex_unlock(&c->lock);
		return;
	}
	pthread_mutex_lock(&c->send_lock);
	int err = send_all(c->sock, buf, sizeof(buf));
	pthread_mutex_unlock(&c->send_lock);
	/* As gofer_rpc: a broken connection is ended, and the reader frees the slot. */
	if (err)
		shutdown(c->sock, SHUT_RDWR);
}

/* Tversion, before the reader runs: the only exchange made inline. */
static int negotiate(struct gofer_client *c, u32 msize)
{
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG};
	struct p9_msg r;
	u8 out[64], *buf = NULL;
	u32 len;
	int fd, err;
	ssize_t n;

	m.tversion.msize = msize;
	m.tversion.version = (struct p9_str){P9_VERSION_L, strlen(P9_VERSION_L)};
	n = p9_encode(&m, out, sizeof(out));
	if (n < 0)
		return n;
	err = send_all(c->sock, out, n) ?: recv_msg(c->sock, msize, &buf, &len, &fd);
	if (err)
		return err;
	if (fd >= 0)
		close(fd);
	err = -EPROTO;
	if (p9_decode(buf, len, &r))
		goto out;
	if (r.type == P9_RLERROR) {
		err = lerror(&r);
		goto out;
	}
	if (r.type != P9_RVERSION || r.tag != P9_NOTAG)
		goto out;
	err = -EPROTONOSUPPORT;
	if (!p9_str_eq(r.rversion.version, P9_VERSION_L))
		goto out;
	err = -EPROTO;
	if (r.rversion.msize < P9_MSIZE_MIN || r.rversion.msize > msize)
		goto out;
	c->msize = r.rversion.msize;
	err = 0;
out:
	free(buf);
	return err;
}

struct gofer_client *gofer_client_create(int sock, u32 msize)
{
	struct gofer_client *c;
	int err;

	if (msize < P9_MSIZE_MIN) {
		close(sock);
		return ERR_PTR(-EINVAL);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock);
		return ERR_PTR(-ENOMEM);
	}
	c->sock = sock;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_cond_init(&c->slot_cv, NULL);
	for (int i = 0; i < CLIENT_TAGS; i++) {
		pthread_cond_init(&c->slots[i].cv, NULL);
		c->slots[i].fd = -1;
		c->slots[i].next_free = i + 1 < CLIENT_TAGS ? i + 1 : -1;
	}
	c->free_slot = 0;
	err = negotiate(c, msize);
	if (!err)
		err = -pthread_create(&c->reader, NULL, reader, c);
	c->reader_started = !err;
	if (err) {
		gofer_client_destroy(c);
		return ERR_PTR(err);
	}
	return c;
}

void gofer_client_destroy(struct gofer_client *c)
{
	if (!c)
		return;
	shutdown(c->sock, SHUT_RDWR);
	if (c->reader_started)
		pthread_join(c->reader, NULL);
	close(c->sock);
	for (int i = 0; i < CLIENT_TAGS; i++) {
		free(c->slots[i].buf);
		if (c->slots[i].fd >= 0)
			close(c->slots[i].fd);
		pthread_cond_destroy(&c->slots[i].cv);
	}
	pthread_cond_destroy(&c->slot_cv);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	free(c->free_fids);
	free(c);
}

u32 gofer_client_msize(const struct gofer_client *c)
{
	return c->msize;
}
