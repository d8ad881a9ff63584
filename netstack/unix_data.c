// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX data (unix_internal.h): byte streams that glue messages
 * together (SOCK_STREAM) and messages that keep their boundaries
 * (SOCK_DGRAM, SOCK_SEQPACKET), with files and credentials riding along,
 * as Linux's unix_stream_sendmsg / unix_stream_read_generic and
 * unix_dgram_sendmsg / unix_dgram_recvmsg.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/kernel/kernel.h"
#include "sentry/vfs/fasync.h"
#include "unix_internal.h"

/* The sending socket's wait for room in its sndbuf. */
static bool sndbuf_free(void *arg)
{
	struct unix_sk *u = arg;
	return u->wmem < (u64)u->sndbuf || (u->shutdown & SEND_SHUTDOWN) || u->dead;
}

/*
 * Charge size bytes of a new message to u's sndbuf, waiting for room as
 * Linux's sock_alloc_send_pskb, then copy them out of m into a new skb
 * owned by u. Returns the skb or ERR_PTR (-EAGAIN, -ERESTARTSYS, -EFAULT,
 * -EPIPE after shutdown).
 */
static struct unix_skb *unix_skb_alloc(struct socket *sock, struct sock_msg *m, size_t size,
				       int flags)
{
	struct unix_sk *u = unix_sk(sock);
	int ret = 0;

	pthread_mutex_lock(&unix_lock);
	while (!ret && u->wmem >= (u64)u->sndbuf && !(u->shutdown & SEND_SHUTDOWN)) {
		if (socket_nonblock(sock, flags))
			ret = -EAGAIN;
		else
			ret = socket_wait(&u->wq, &unix_lock, sndbuf_free, u,
					  __atomic_load_n(&sock->sndtimeo_ns, __ATOMIC_RELAXED));
	}
	if (!ret && (u->shutdown & SEND_SHUTDOWN))
		ret = -EPIPE;
	u32 truesize = size + UNIX_SKB_OVERHEAD;
	if (!ret) {
		u->wmem += truesize;
		unix_sk_get(u);
	}
	pthread_mutex_unlock(&unix_lock);
	if (ret)
		return ERR_PTR(ret);

	struct unix_skb *skb = calloc(1, sizeof(*skb) + size);
	if (skb) {
		skb->owner = u;
		skb->truesize = truesize;
		skb->len = size;
		ret = msg_iter_copy_from(&m->iter, skb->data, size);
		if (!ret) {
			skb->cred = (struct linux_ucred){0, (u32)-1, (u32)-1};
			if (m->scm && m->scm->has_cred) {
				skb->cred = m->scm->cred;
				skb->cred_set = true;
			}
			return skb;
		}
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_lock(&unix_lock);
	u->wmem -= truesize;
	unix_wake_writers(u);
	pthread_mutex_unlock(&unix_lock);
	free(skb);
	unix_sk_put(u);
	return ERR_PTR(ret);
}

/* Move the files of m (if any) onto skb. */
static int unix_attach_fds(struct unix_skb *skb, struct sock_msg *m)
{
	if (!m->scm || !m->scm->nfiles)
		return 0;
	skb->scm = malloc(sizeof(*skb->scm));
	if (!skb->scm)
		return -ENOMEM;
	memcpy(skb->scm, m->scm, sizeof(*skb->scm));
	m->scm->nfiles = 0;
	return unix_inflight_add(skb);
}

/*
 * Linux's maybe_add_creds, as skb is queued at other: the sender's
 * credentials ride along when either end has SO_PASSCRED (else a
 * receiver that sets it later reads pid 0 and the overflow ids).
 * Caller holds unix_lock.
 */
static void unix_maybe_add_cred(struct unix_sk *u, struct unix_sk *other, struct unix_skb *skb)
{
	if (!skb->cred_set && (u->passcred || other->passcred))
		unix_current_scm_cred(&skb->cred);
}

/* What the receiver reads (scm_recv): ids nobody set show as the overflow ids. */
static void unix_recv_cred(struct sock_msg *m, const struct unix_skb *skb)
{
	if (!m->scm)
		return;
	m->scm->cred = skb->cred;
	if (skb->cred.uid == (u32)-1)
		m->scm->cred.uid = LINUX_OVERFLOW_ID;
	if (skb->cred.gid == (u32)-1)
		m->scm->cred.gid = LINUX_OVERFLOW_ID;
	m->scm->has_cred = true;
}

/* Take back a message that was never queued: uncharge it, then free it. */
static void unix_skb_drop(struct unix_skb *skb)
{
	pthread_mutex_lock(&unix_lock);
	unix_inflight_del_locked(skb);
	skb->owner->wmem -= skb->truesize;
	unix_wake_writers(skb->owner);
	pthread_mutex_unlock(&unix_lock);
	unix_skb_free(skb);
}

static void unix_sender_name(struct unix_sk *u, struct unix_skb *skb)
{
	if (u->addr)
		skb->from = unix_addr_get(u->addr);
}

static void raise_sigpipe(int flags)
{
	struct task *t = task_current();
	if (t && !(flags & LINUX_MSG_NOSIGNAL))
		task_sigpipe(t);
}

/* Queue the next size bytes of m at the peer (as its urgent byte if oob): 0 or -errno. */
static int stream_send_skb(struct socket *sock, struct sock_msg *m, size_t size, int flags,
			   bool oob)
{
	struct unix_sk *u = unix_sk(sock);
	int err;

	struct unix_skb *skb = unix_skb_alloc(sock, m, size, flags);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	if ((err = unix_attach_fds(skb, m))) {
		unix_skb_drop(skb);
		return err;
	}
	pthread_mutex_lock(&unix_lock);
	struct unix_sk *peer = u->peer;
	if (!peer || peer->dead || (peer->shutdown & RCV_SHUTDOWN)) {
		pthread_mutex_unlock(&unix_lock);
		unix_skb_drop(skb);
		return -EPIPE;
	}
	unix_sender_name(u, skb);
	unix_maybe_add_cred(u, peer, skb);
	list_add_tail(&skb->node, &peer->rcvq);
	peer->rcvq_len++;
	peer->rcv_seq++;
	if (oob)
		peer->oob_skb = skb;
	unix_wake_readers(peer);
	if (oob && peer->sock)
		fasync_sigurg(&peer->sock->file);
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

ssize_t unix_stream_sendmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	size_t total = m->iter.left, sent = 0;
	bool oob = flags & LINUX_MSG_OOB;
	ssize_t err = 0;

	if (oob) {
		/* No byte to make urgent. */
		if (!total)
			return -EOPNOTSUPP;
		total--;
	}
	pthread_mutex_lock(&unix_lock);
	if (m->addrlen)
		err = u->state == UNIX_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
	else if (u->state != UNIX_ESTABLISHED || !u->peer)
		err = -ENOTCONN;
	else if (u->shutdown & SEND_SHUTDOWN)
		err = -EPIPE;
	pthread_mutex_unlock(&unix_lock);
	if (err)
		goto out_err;

	while (sent < total) {
		/* Linux's chunk: half the sndbuf less a little, so two are in flight. */
		size_t size = MIN(total - sent, (size_t)(u->sndbuf / 2 - 64));
		if ((err = stream_send_skb(sock, m, size, flags, false)))
			break;
		sent += size;
	}
	/* MSG_OOB: the last byte goes on its own, as the peer's urgent byte. */
	if (oob && !err) {
		if (!(err = stream_send_skb(sock, m, 1, flags, true)))
			sent++;
	}
	if (sent)
		return sent;
out_err:
	if (err == -EPIPE)
		raise_sigpipe(flags);
	return err;
}

/* Hand skb's files to the receiver: moved, or with MSG_PEEK new references. Under unix_lock. */
static void unix_detach_fds(struct unix_skb *skb, struct scm *out, bool peek)
{
	if (!skb->scm)
		return;
	if (peek) {
		if (out)
			for (int i = 0; i < skb->scm->nfiles && out->nfiles < SCM_MAX_FD; i++)
				out->files[out->nfiles++] = file_get(skb->scm->files[i]);
		return;
	}
	if (out) {
		unix_inflight_del_locked(skb);
		memcpy(out->files, skb->scm->files, skb->scm->nfiles * sizeof(struct file *));
		out->nfiles = skb->scm->nfiles;
		skb->scm->nfiles = 0;
	}
	/* A plain read drops them (unix_skb_free, outside the lock). */
}

static void unix_copy_name(struct sock_msg *m, struct unix_skb *skb)
{
	if (skb->from) {
		m->addrlen = skb->from->len;
		memcpy(m->addr, &skb->from->name, skb->from->len);
	}
}

/*
 * Wait with iolock and unix_lock held: the wait drops both, and comes
 * back holding unix_lock only; the caller takes iolock again in order.
 */
static int unix_wait_unlocked(struct socket *sock, bool (*cond)(void *), void *arg)
{
	struct unix_sk *u = unix_sk(sock);
	pthread_mutex_unlock(&u->iolock);
	return socket_wait(&u->wq, &unix_lock, cond, arg,
			   __atomic_load_n(&sock->rcvtimeo_ns, __ATOMIC_RELAXED));
}

/* The first skb with unread data past skip bytes (MSG_PEEK), and the offset in it. */
static struct unix_skb *stream_peek_at(struct unix_sk *u, size_t *skip)
{
	struct unix_skb *skb;
	list_for_each_entry(skb, &u->rcvq, node)
	{
		size_t n = skb->len - skb->off;
		/* An empty one is the mark an urgent byte left (unix_oob.c). */
		if (*skip < n || (!n && !*skip))
			return skb;
		*skip -= n;
	}
	return NULL;
}

/*
 * The datagram a MSG_PEEK at skip bytes looks at, as Linux's
 * __skb_try_recv_from_queue: whole datagrams no longer than what is left
 * of skip are passed over, and skip becomes the offset in the one found.
 */
static struct unix_skb *dgram_peek_at(struct unix_sk *u, size_t *skip)
{
	struct unix_skb *skb;
	list_for_each_entry(skb, &u->rcvq, node)
	{
		if (!*skip || *skip < skb->len)
			return skb;
		*skip -= skb->len;
	}
	return NULL;
}

/* SO_PEEK_OFF moves with what MSG_PEEK reads and back with what is consumed (sk_peek_offset_*). */
static void peek_off_move(struct unix_sk *u, ssize_t delta)
{
	if (u->peek_off >= 0)
		u->peek_off = (int)MAX((ssize_t)u->peek_off + delta, (ssize_t)0);
}

/* Where a read starts in the queue: SO_PEEK_OFF for MSG_PEEK, else the head. */
static size_t peek_start(struct unix_sk *u, bool peek)
{
	return peek && u->peek_off > 0 ? (size_t)u->peek_off : 0;
}

/*
 * A reader that found nothing to read (past its peek offset, or short of
 * the urgent byte) waits for a new message, an error or EOF, as Linux's
 * wait for the queue's tail to change.
 */
struct read_wait {
	struct unix_sk *u;
	u32 seq;
};

static bool new_message(void *arg)
{
	struct read_wait *w = arg;
	return w->u->rcv_seq != w->seq || w->u->err || (w->u->shutdown & RCV_SHUTDOWN);
}

ssize_t unix_stream_recvmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	bool peek = flags & LINUX_MSG_PEEK;
	size_t size = m->iter.left, copied = 0, peeked;
	size_t target = (flags & LINUX_MSG_WAITALL) ? size : 1;
	bool check_cred = false;
	struct linux_ucred cred;
	struct list_head drop;
	ssize_t err = 0;

	pthread_mutex_lock(&u->iolock);
	pthread_mutex_lock(&unix_lock);
	if (u->state != UNIX_ESTABLISHED) {
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_unlock(&u->iolock);
		return -EINVAL;
	}
	if (flags & LINUX_MSG_OOB) {
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_unlock(&u->iolock);
		return unix_stream_recv_urg(sock, m, flags);
	}
	list_init(&drop);
	peeked = peek_start(u, peek);
	for (;;) {
		size_t skip = peeked, passed;
		struct unix_skb *skb = stream_peek_at(u, &skip);
		if (skb) {
			struct unix_skb *at = unix_manage_oob(u, skb, peek, copied, &passed, &drop);
			if (at != skb) {
				skip = 0;
				peeked += passed;
			}
			if (!(skb = at) && copied)
				break;
		}
		if (!skb) {
			if (copied >= target)
				break;
			if (u->err) {
				err = -u->err;
				u->err = 0;
				break;
			}
			if (u->shutdown & RCV_SHUTDOWN)
				break;
			if (socket_nonblock(sock, flags)) {
				err = -EAGAIN;
				break;
			}
			struct read_wait w = {u, u->rcv_seq};
			err = unix_wait_unlocked(sock, new_message, &w);
			pthread_mutex_unlock(&unix_lock);
			pthread_mutex_lock(&u->iolock);
			pthread_mutex_lock(&unix_lock);
			if (err)
				break;
			continue;
		}
		/* Never glue together data from writers with other credentials. */
		if (check_cred) {
			if (memcmp(&cred, &skb->cred, sizeof(cred)))
				break;
		} else if (u->passcred) {
			cred = skb->cred;
			check_cred = true;
			unix_recv_cred(m, skb);
		}
		if (!copied)
			unix_copy_name(m, skb);
		size_t chunk = MIN(skb->len - skb->off - skip, size - copied);
		const u8 *data = skb->data + skb->off + skip;
		/* The skb stays at the head while we hold iolock: copy without unix_lock. */
		pthread_mutex_unlock(&unix_lock);
		int fault = msg_iter_copy_to(&m->iter, data, chunk);
		pthread_mutex_lock(&unix_lock);
		if (fault) {
			if (!copied)
				err = -EFAULT;
			break;
		}
		copied += chunk;
		bool had_fds = skb->scm && skb->scm->nfiles;
		unix_detach_fds(skb, m->scm, peek);
		if (peek) {
			peeked += chunk;
			peek_off_move(u, chunk);
		} else {
			peek_off_move(u, -(ssize_t)chunk);
			skb->off += chunk;
			if (skb->off < skb->len)
				break;
			unix_skb_unlink_locked(u, skb);
			pthread_mutex_unlock(&unix_lock);
			unix_skb_free(skb);
			pthread_mutex_lock(&unix_lock);
		}
		if (had_fds || copied >= size)
			break;
	}
	pthread_mutex_unlock(&unix_lock);
	pthread_mutex_unlock(&u->iolock);
	unix_skb_free_list(&drop);
	return copied ? (ssize_t)copied : err;
}

static bool dgram_room(void *arg)
{
	struct unix_sk *o = arg;
	return o->dead || (o->shutdown & RCV_SHUTDOWN) || o->rcvq_len <= UNIX_MAX_DGRAM_QLEN;
}

/* Queue skb on other, as unix_dgram_sendmsg after the skb is built. Takes unix_lock. */
static int dgram_queue(struct socket *sock, struct unix_sk *other, struct unix_skb *skb, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	struct unix_sk *drop = NULL;
	int ret;

	pthread_mutex_lock(&unix_lock);
	for (;;) {
		ret = 0;
		if (other->dead) {
			/* Our peer went away: we are disconnected, as Linux does it. */
			if (u->peer == other) {
				drop = other;
				u->peer = NULL;
			}
			ret = -ECONNREFUSED;
		} else if (other->peer && other->peer != u) {
			ret = -EPERM;
		} else if (other->shutdown & RCV_SHUTDOWN) {
			ret = -EPIPE;
		} else if (other != u && other->peer != u &&
			   other->rcvq_len > UNIX_MAX_DGRAM_QLEN) {
			if (socket_nonblock(sock, flags))
				ret = -EAGAIN;
			else if (!(ret = socket_wait(
					   &other->peer_wait, &unix_lock, dgram_room, other,
					   __atomic_load_n(&sock->sndtimeo_ns, __ATOMIC_RELAXED))))
				continue;
		}
		break;
	}
	if (!ret) {
		unix_sender_name(u, skb);
		unix_maybe_add_cred(u, other, skb);
		list_add_tail(&skb->node, &other->rcvq);
		other->rcvq_len++;
		other->rcv_seq++;
		unix_wake_readers(other);
	}
	pthread_mutex_unlock(&unix_lock);
	unix_sk_put(drop);
	return ret;
}

ssize_t unix_dgram_sendmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	struct unix_sk *other = NULL;
	size_t len = m->iter.left;
	int ret = 0;

	if (flags & LINUX_MSG_OOB)
		return -EOPNOTSUPP;
	if (u->type == LINUX_SOCK_SEQPACKET)
		m->addrlen = 0; /* a connected socket: the address is ignored */
	if (m->addrlen && (ret = unix_validate_addr(m->addr, m->addrlen)))
		return ret;
	pthread_mutex_lock(&unix_lock);
	if (u->type == LINUX_SOCK_SEQPACKET && u->state != UNIX_ESTABLISHED)
		ret = -ENOTCONN;
	else if (u->shutdown & SEND_SHUTDOWN)
		ret = -EPIPE;
	else if (!m->addrlen && !u->peer)
		ret = -ENOTCONN;
	else if (!m->addrlen)
		unix_sk_get(other = u->peer);
	bool autobind = !ret && u->passcred && !u->addr;
	pthread_mutex_unlock(&unix_lock);
	if (!ret && autobind)
		ret = unix_autobind(u);
	if (!ret && len > (size_t)u->sndbuf - 32)
		ret = -EMSGSIZE;
	if (!ret && !other) {
		other = unix_find_other(m->addr, m->addrlen, u->type);
		if (IS_ERR(other)) {
			ret = PTR_ERR(other);
			other = NULL;
		}
	}
	if (ret)
		goto out_put;
	struct unix_skb *skb = unix_skb_alloc(sock, m, len, flags);
	if (IS_ERR(skb)) {
		ret = PTR_ERR(skb);
		goto out_put;
	}
	ret = unix_attach_fds(skb, m);
	if (!ret)
		ret = dgram_queue(sock, other, skb, flags);
	if (ret)
		unix_skb_drop(skb);
out_put:
	unix_sk_put(other);
	return ret ? ret : (ssize_t)len;
}

ssize_t unix_dgram_recvmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	bool peek = flags & LINUX_MSG_PEEK;
	struct unix_skb *skb = NULL;
	size_t skip = 0;
	ssize_t err = 0;

	if (flags & LINUX_MSG_OOB)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&u->iolock);
	pthread_mutex_lock(&unix_lock);
	if (u->type == LINUX_SOCK_SEQPACKET && u->state != UNIX_ESTABLISHED) {
		err = -ENOTCONN;
		goto out_unlock;
	}
	for (;;) {
		skip = peek_start(u, peek);
		if ((skb = dgram_peek_at(u, &skip)))
			break;
		if (socket_nonblock(sock, flags)) {
			/* A disconnected SEQPACKET socket reads EOF even so. */
			bool eof = u->type == LINUX_SOCK_SEQPACKET && (u->shutdown & RCV_SHUTDOWN);
			err = eof ? 0 : -EAGAIN;
			break;
		}
		if (u->err) {
			err = -u->err;
			u->err = 0;
			break;
		}
		if (u->shutdown & RCV_SHUTDOWN)
			break;
		struct read_wait w = {u, u->rcv_seq};
		err = unix_wait_unlocked(sock, new_message, &w);
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_lock(&u->iolock);
		pthread_mutex_lock(&unix_lock);
		if (err)
			break;
	}
	if (!skb)
		goto out_unlock;
	/* Taken off the queue before the copy: a fault loses it, as in Linux. */
	size_t avail = skb->len - skip, n = MIN(avail, m->iter.left);
	if (!peek) {
		unix_skb_unlink_locked(u, skb);
		peek_off_move(u, -(ssize_t)skb->len);
	} else {
		peek_off_move(u, n);
	}
	if (u->passcred)
		unix_recv_cred(m, skb);
	unix_detach_fds(skb, m->scm, peek);
	pthread_mutex_unlock(&unix_lock);

	unix_copy_name(m, skb);
	if (n < avail)
		m->flags_out |= LINUX_MSG_TRUNC;
	err = msg_iter_copy_to(&m->iter, skb->data + skip, n);
	if (!err)
		err = (flags & LINUX_MSG_TRUNC) ? (ssize_t)avail : (ssize_t)n;
	if (!peek)
		unix_skb_free(skb);
	pthread_mutex_unlock(&u->iolock);
	return err;

out_unlock:
	pthread_mutex_unlock(&unix_lock);
	pthread_mutex_unlock(&u->iolock);
	return err;
}
