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
			if (m->scm && m->scm->has_cred)
				skb->cred = m->scm->cred;
			else
				unix_current_scm_cred(&skb->cred);
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
	return 0;
}

/* Take back a message that was never queued: uncharge it, then free it. */
static void unix_skb_drop(struct unix_skb *skb)
{
	pthread_mutex_lock(&unix_lock);
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

ssize_t unix_stream_sendmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	size_t total = m->iter.left, sent = 0;
	ssize_t err = 0;

	if (flags & LINUX_MSG_OOB)
		return -EOPNOTSUPP;
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
		struct unix_skb *skb = unix_skb_alloc(sock, m, size, flags);
		if (IS_ERR(skb)) {
			err = PTR_ERR(skb);
			break;
		}
		if ((err = unix_attach_fds(skb, m))) {
			unix_skb_drop(skb);
			break;
		}
		pthread_mutex_lock(&unix_lock);
		struct unix_sk *peer = u->peer;
		if (!peer || peer->dead || (peer->shutdown & RCV_SHUTDOWN)) {
			pthread_mutex_unlock(&unix_lock);
			unix_skb_drop(skb);
			err = -EPIPE;
			break;
		}
		unix_sender_name(u, skb);
		list_add_tail(&skb->node, &peer->rcvq);
		peer->rcvq_len++;
		unix_wake_readers(peer);
		pthread_mutex_unlock(&unix_lock);
		sent += size;
	}
	if (sent)
		return sent;
out_err:
	if (err == -EPIPE)
		raise_sigpipe(flags);
	return err;
}

static bool stream_readable(void *arg)
{
	struct unix_sk *u = arg;
	return !list_empty(&u->rcvq) || u->err || (u->shutdown & RCV_SHUTDOWN);
}

/* Hand skb's files to the receiver: moved, or with MSG_PEEK new references. */
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
		if (*skip < n)
			return skb;
		*skip -= n;
	}
	return NULL;
}

ssize_t unix_stream_recvmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	bool peek = flags & LINUX_MSG_PEEK;
	size_t size = m->iter.left, copied = 0, peeked = 0;
	size_t target = (flags & LINUX_MSG_WAITALL) ? size : 1;
	bool check_cred = false;
	struct linux_ucred cred;
	ssize_t err = 0;

	if (flags & LINUX_MSG_OOB)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&u->iolock);
	pthread_mutex_lock(&unix_lock);
	if (u->state != UNIX_ESTABLISHED) {
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_unlock(&u->iolock);
		return -EINVAL;
	}
	for (;;) {
		size_t skip = peeked;
		struct unix_skb *skb = stream_peek_at(u, &skip);
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
			err = unix_wait_unlocked(sock, stream_readable, u);
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
			if (m->scm) {
				m->scm->cred = cred;
				m->scm->has_cred = true;
			}
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
		} else {
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
		list_add_tail(&skb->node, &other->rcvq);
		other->rcvq_len++;
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

static bool dgram_readable(void *arg)
{
	struct unix_sk *u = arg;
	return !list_empty(&u->rcvq) || u->err || (u->shutdown & RCV_SHUTDOWN);
}

ssize_t unix_dgram_recvmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	struct unix_sk *u = unix_sk(sock);
	bool peek = flags & LINUX_MSG_PEEK;
	struct unix_skb *skb = NULL;
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
		if (!list_empty(&u->rcvq)) {
			skb = list_entry(u->rcvq.next, struct unix_skb, node);
			break;
		}
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
		err = unix_wait_unlocked(sock, dgram_readable, u);
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_lock(&u->iolock);
		pthread_mutex_lock(&unix_lock);
		if (err)
			break;
	}
	if (!skb)
		goto out_unlock;
	/* Taken off the queue before the copy: a fault loses it, as in Linux. */
	if (!peek)
		unix_skb_unlink_locked(u, skb);
	if (m->scm && u->passcred) {
		m->scm->cred = skb->cred;
		m->scm->has_cred = true;
	}
	unix_detach_fds(skb, m->scm, peek);
	pthread_mutex_unlock(&unix_lock);

	size_t n = MIN(skb->len, m->iter.left);
	unix_copy_name(m, skb);
	if (n < skb->len)
		m->flags_out |= LINUX_MSG_TRUNC;
	err = msg_iter_copy_to(&m->iter, skb->data, n);
	if (!err)
		err = (flags & LINUX_MSG_TRUNC) ? (ssize_t)skb->len : (ssize_t)n;
	if (!peek)
		unix_skb_free(skb);
	pthread_mutex_unlock(&u->iolock);
	return err;

out_unlock:
	pthread_mutex_unlock(&unix_lock);
	pthread_mutex_unlock(&u->iolock);
	return err;
}
