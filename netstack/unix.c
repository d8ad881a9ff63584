// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX sockets (unix_internal.h): creation, socketpair, listen,
 * connect, accept, shutdown, release, poll, ioctl and options, as
 * Linux's net/unix/af_unix.c behaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/poll.h"
#include "unix_internal.h"

pthread_mutex_t unix_lock = PTHREAD_MUTEX_INITIALIZER;

struct unix_sk *unix_sk_alloc(int type)
{
	struct unix_sk *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->refs = 1;
	u->type = type;
	u->sndbuf = UNIX_SNDBUF_DEFAULT;
	u->rcvbuf = UNIX_SNDBUF_DEFAULT;
	list_init(&u->bound_node);
	list_init(&u->rcvq);
	list_init(&u->acceptq);
	list_init(&u->accept_node);
	list_init(&u->all_node);
	list_init(&u->inflight_node);
	list_init(&u->gc_node);
	u->peek_off = -1;
	waitq_init(&u->wq);
	waitq_init(&u->peer_wait);
	pthread_mutex_init(&u->iolock, NULL);
	return u;
}

void unix_sk_get(struct unix_sk *u)
{
	__atomic_fetch_add(&u->refs, 1, __ATOMIC_RELAXED);
}

void unix_sk_put(struct unix_sk *u)
{
	if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Release emptied the queues and dropped the peer and path; a peer may read the name until now. */
	unix_addr_put(u->addr);
	pthread_mutex_destroy(&u->iolock);
	free(u);
}

void unix_current_cred(struct linux_ucred *c)
{
	struct task *t = task_current();
	*c = (struct linux_ucred){0, (u32)-1, (u32)-1};
	if (!t)
		return;
	c->pid = t->tg->tgid;
	c->uid = t->cred->euid;
	c->gid = t->cred->egid;
}

void unix_current_scm_cred(struct linux_ucred *c)
{
	struct task *t = task_current();
	*c = (struct linux_ucred){0, (u32)-1, (u32)-1};
	if (t)
		*c = (struct linux_ucred){t->tg->tgid, t->cred->uid, t->cred->gid};
}

void unix_wake_readers(struct unix_sk *u)
{
	if (waitq_active(&u->wq))
		waitq_wake_key(&u->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
}

void unix_wake_writers(struct unix_sk *u)
{
	if (waitq_active(&u->wq))
		waitq_wake_key(&u->wq, LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND);
}

static void unix_wake_all(struct unix_sk *u)
{
	waitq_wake_all(&u->wq);
	waitq_wake_all(&u->peer_wait);
}

void unix_skb_unlink_locked(struct unix_sk *u, struct unix_skb *skb)
{
	list_del(&skb->node);
	u->rcvq_len--;
	if (u->oob_skb == skb)
		u->oob_skb = NULL;
	struct unix_sk *owner = skb->owner;
	owner->wmem -= skb->truesize;
	unix_inflight_del_locked(skb);
	unix_wake_writers(owner);
	/* Senders of datagrams wait for room in this queue. */
	if (waitq_active(&u->peer_wait))
		waitq_wake_all(&u->peer_wait);
}

void unix_skb_free(struct unix_skb *skb)
{
	if (skb->scm) {
		scm_release(skb->scm);
		free(skb->scm);
	}
	unix_addr_put(skb->from);
	unix_sk_put(skb->owner);
	free(skb);
}

static int unix_create(struct task *t, struct socket *sock, int type, int protocol)
{
	if (protocol && protocol != LINUX_AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case LINUX_SOCK_STREAM:
	case LINUX_SOCK_DGRAM:
	case LINUX_SOCK_SEQPACKET:
		break;
	case LINUX_SOCK_RAW:
		/* Linux takes SOCK_RAW as SOCK_DGRAM here. */
		type = sock->type = LINUX_SOCK_DGRAM;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	struct unix_sk *u = unix_sk_alloc(type);
	if (!u)
		return -ENOMEM;
	u->sock = sock;
	sock->sk = u;
	pthread_mutex_lock(&unix_lock);
	unix_list_add_locked(u);
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/* Connect a and b both ways, with each other's credentials. Caller holds unix_lock. */
static void unix_pair_locked(struct unix_sk *a, struct unix_sk *b)
{
	unix_sk_get(b);
	a->peer = b;
	unix_sk_get(a);
	b->peer = a;
	if (a->type != LINUX_SOCK_DGRAM)
		a->state = b->state = UNIX_ESTABLISHED;
}

static int unix_socketpair(struct socket *sa, struct socket *sb)
{
	struct linux_ucred cred;
	unix_current_cred(&cred);
	pthread_mutex_lock(&unix_lock);
	struct unix_sk *a = unix_sk(sa), *b = unix_sk(sb);
	unix_pair_locked(a, b);
	a->peercred = b->peercred = cred;
	a->has_peercred = b->has_peercred = true;
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

static int unix_listen(struct socket *sock, int backlog)
{
	struct unix_sk *u = unix_sk(sock);
	int ret = 0;

	if (u->type == LINUX_SOCK_DGRAM)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	if (!u->addr)
		ret = -EINVAL; /* Linux: no autobind on listen */
	else if (u->state != UNIX_CLOSE && u->state != UNIX_LISTEN)
		ret = -EINVAL;
	if (!ret) {
		/* More room lets connectors that waited for it in. */
		if (backlog > u->backlog)
			waitq_wake_all(&u->peer_wait);
		u->backlog = backlog;
		u->state = UNIX_LISTEN;
		unix_current_cred(&u->peercred);
		u->has_peercred = true;
	}
	pthread_mutex_unlock(&unix_lock);
	return ret;
}

static bool listener_has_room(void *arg)
{
	struct unix_sk *l = arg;
	return l->dead || l->state != UNIX_LISTEN || l->acceptq_len <= (u32)l->backlog;
}

/* Linux's unix_stream_connect: queue a new server end on the listener at addr. */
static int unix_stream_connect(struct socket *sock, const void *addr, int len, bool nonblock)
{
	struct unix_sk *u = unix_sk(sock);
	int ret = unix_validate_addr(addr, len);
	if (ret)
		return ret;
	if (u->passcred && !u->addr && (ret = unix_autobind(u)))
		return ret;
	struct unix_sk *other = unix_find_other(addr, len, u->type);
	if (IS_ERR(other))
		return PTR_ERR(other);
	struct unix_sk *n = unix_sk_alloc(u->type);
	if (!n) {
		unix_sk_put(other);
		return -ENOMEM;
	}
	struct linux_ucred cred;
	unix_current_cred(&cred);

	pthread_mutex_lock(&unix_lock);
	/* Linux looks at the listener (and waits for room) before at our own state. */
	for (;;) {
		if (other->dead || other->state != UNIX_LISTEN) {
			ret = -ECONNREFUSED;
			break;
		}
		if (listener_has_room(other)) {
			if (u->state == UNIX_ESTABLISHED)
				ret = -EISCONN;
			else if (u->state == UNIX_LISTEN)
				ret = -EINVAL;
			break;
		}
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		ret = socket_wait(&other->peer_wait, &unix_lock, listener_has_room, other,
				  __atomic_load_n(&sock->sndtimeo_ns, __ATOMIC_RELAXED));
		if (ret)
			break;
	}
	if (!ret) {
		unix_pair_locked(u, n);
		n->peercred = cred;
		n->has_peercred = true;
		u->peercred = other->peercred;
		u->has_peercred = other->has_peercred;
		n->addr = other->addr ? unix_addr_get(other->addr) : NULL;
		n->passcred = other->passcred;
		unix_sk_get(n);
		unix_list_add_locked(n);
		list_add_tail(&n->accept_node, &other->acceptq);
		other->acceptq_len++;
		unix_wake_readers(other);
		/* A poller of the connecting socket sees it writable now. */
		unix_wake_writers(u);
	}
	pthread_mutex_unlock(&unix_lock);
	unix_sk_put(n); /* the queue holds it, or nobody does */
	unix_sk_put(other);
	return ret;
}

/* A datagram socket's connect: set (or with AF_UNSPEC clear) the default peer. */
static int unix_dgram_connect(struct socket *sock, const void *addr, int len, bool nonblock)
{
	struct unix_sk *u = unix_sk(sock), *old;
	u16 family;
	struct unix_sk *other = NULL;

	if (len < (int)sizeof(family))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (family != LINUX_AF_UNSPEC) {
		int ret = unix_validate_addr(addr, len);
		if (ret)
			return ret;
		if (u->passcred && !u->addr && (ret = unix_autobind(u)))
			return ret;
		other = unix_find_other(addr, len, u->type);
		if (IS_ERR(other))
			return PTR_ERR(other);
	}
	pthread_mutex_lock(&unix_lock);
	if (other && other->dead) {
		pthread_mutex_unlock(&unix_lock);
		unix_sk_put(other);
		return -ECONNREFUSED;
	}
	old = u->peer;
	u->peer = other;
	pthread_mutex_unlock(&unix_lock);
	unix_sk_put(old);
	return 0;
}

static int unix_connect(struct socket *sock, const void *addr, int len, bool nonblock)
{
	if (unix_sk(sock)->type == LINUX_SOCK_DGRAM)
		return unix_dgram_connect(sock, addr, len, nonblock);
	return unix_stream_connect(sock, addr, len, nonblock);
}

static bool acceptq_ready(void *arg)
{
	struct unix_sk *u = arg;
	return !list_empty(&u->acceptq) || u->state != UNIX_LISTEN;
}

static struct socket *unix_accept(struct socket *sock, u32 file_flags)
{
	struct unix_sk *u = unix_sk(sock);
	struct socket *ns;
	int ret = 0;

	if (u->type == LINUX_SOCK_DGRAM)
		return ERR_PTR(-EOPNOTSUPP);
	ns = socket_alloc(task_current(), sock->ops, sock->type, sock->protocol, file_flags);
	if (!ns)
		return ERR_PTR(-ENOMEM);
	pthread_mutex_lock(&unix_lock);
	for (;;) {
		if (u->state != UNIX_LISTEN) {
			ret = -EINVAL;
			break;
		}
		if (!list_empty(&u->acceptq))
			break;
		if (socket_nonblock(sock, 0)) {
			ret = -EAGAIN;
			break;
		}
		ret = socket_wait(&u->wq, &unix_lock, acceptq_ready, u,
				  __atomic_load_n(&sock->rcvtimeo_ns, __ATOMIC_RELAXED));
		if (ret)
			break;
	}
	if (!ret) {
		struct unix_sk *n = list_entry(u->acceptq.next, struct unix_sk, accept_node);
		list_del(&n->accept_node);
		u->acceptq_len--;
		n->sock = ns;
		ns->sk = n; /* the queue's reference passes to the file */
		waitq_wake_all(&u->peer_wait);
	}
	pthread_mutex_unlock(&unix_lock);
	if (ret) {
		file_put(&ns->file);
		return ERR_PTR(ret);
	}
	return ns;
}

static int unix_shutdown(struct socket *sock, int how)
{
	struct unix_sk *u = unix_sk(sock);
	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2: one more is the mask. */
	int mode = how + 1;

	pthread_mutex_lock(&unix_lock);
	u->shutdown |= mode;
	struct unix_sk *peer = u->peer;
	if (peer && u->type != LINUX_SOCK_DGRAM) {
		int peer_mode = 0;
		if (mode & RCV_SHUTDOWN)
			peer_mode |= SEND_SHUTDOWN;
		if (mode & SEND_SHUTDOWN)
			peer_mode |= RCV_SHUTDOWN;
		peer->shutdown |= peer_mode;
		unix_wake_all(peer);
	}
	unix_wake_all(u);
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/* Take u's queues away (to free outside the lock) and cut it off. Caller holds unix_lock. */
static void unix_release_locked(struct unix_sk *u, bool embryo, struct list_head *skbs,
				struct list_head *embryos, struct path *path)
{
	struct unix_sk *peer = u->peer;
	u->dead = true;
	u->sock = NULL;
	u->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
	u->state = UNIX_CLOSE;
	list_del(&u->all_node);
	*path = unix_unbind_locked(u);
	if (peer && u->type != LINUX_SOCK_DGRAM) {
		peer->shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
		/* Unread data or an unaccepted connection: the peer sees a reset. */
		if (!list_empty(&u->rcvq) || embryo)
			peer->err = ECONNRESET;
		unix_wake_all(peer);
	}
	u->peer = NULL;
	unix_sk_put(peer);
	while (!list_empty(&u->rcvq)) {
		struct unix_skb *skb = list_entry(u->rcvq.next, struct unix_skb, node);
		unix_skb_unlink_locked(u, skb);
		list_add_tail(&skb->node, skbs);
	}
	while (!list_empty(&u->acceptq)) {
		struct unix_sk *n = list_entry(u->acceptq.next, struct unix_sk, accept_node);
		list_del(&n->accept_node);
		list_add_tail(&n->accept_node, embryos);
	}
	u->acceptq_len = 0;
	unix_wake_all(u);
}

static void unix_release_sk(struct unix_sk *u, bool embryo)
{
	struct list_head skbs, embryos;
	struct path path = {0};

	list_init(&skbs);
	list_init(&embryos);
	pthread_mutex_lock(&unix_lock);
	unix_release_locked(u, embryo, &skbs, &embryos, &path);
	pthread_mutex_unlock(&unix_lock);
	path_put(&path);
	while (!list_empty(&skbs)) {
		struct unix_skb *skb = list_entry(skbs.next, struct unix_skb, node);
		list_del(&skb->node);
		unix_skb_free(skb);
	}
	/* Connections never accepted go with their listener. */
	while (!list_empty(&embryos)) {
		struct unix_sk *n = list_entry(embryos.next, struct unix_sk, accept_node);
		list_del(&n->accept_node);
		unix_release_sk(n, true);
	}
	unix_sk_put(u);
}

static void unix_release(struct socket *sock)
{
	if (sock->sk)
		unix_release_sk(sock->sk, false);
	sock->sk = NULL;
	/* Linux collects on every release while files are in flight: this may be the last way in. */
	unix_gc();
}

static u32 unix_poll(struct socket *sock, struct poll_table *pt)
{
	struct unix_sk *u = unix_sk(sock);
	u32 mask = 0;

	poll_wait(&sock->file, &u->wq, pt);
	pthread_mutex_lock(&unix_lock);
	if (u->err)
		mask |= LINUX_POLLERR;
	if (u->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= LINUX_POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		mask |= LINUX_POLLRDHUP | LINUX_POLLIN | LINUX_POLLRDNORM;
	if (!list_empty(&u->rcvq) || !list_empty(&u->acceptq))
		mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (u->oob_skb)
		mask |= LINUX_POLLPRI;
	/* A connection-mode socket that is not connected is hung up, as Linux says. */
	if (u->type != LINUX_SOCK_DGRAM && u->state == UNIX_CLOSE)
		mask |= LINUX_POLLHUP;
	bool writable = u->state != UNIX_LISTEN && (u->wmem << 2) <= (u64)u->sndbuf;
	/* A datagram peer that is not ours and has a full queue blocks us. */
	struct unix_sk *other = u->peer;
	if (u->type == LINUX_SOCK_DGRAM && other && other->peer != u &&
	    other->rcvq_len > UNIX_MAX_DGRAM_QLEN)
		writable = false;
	if (writable)
		mask |= LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND;
	pthread_mutex_unlock(&unix_lock);
	return mask;
}

static long unix_ioctl(struct socket *sock, unsigned cmd, int *out)
{
	struct unix_sk *u = unix_sk(sock);
	long ret = 0;

	pthread_mutex_lock(&unix_lock);
	switch (cmd) {
	case LINUX_SIOCINQ: {
		if (u->state == UNIX_LISTEN) {
			ret = -EINVAL;
			break;
		}
		size_t n = 0;
		struct unix_skb *skb;
		list_for_each_entry(skb, &u->rcvq, node)
		{
			n += skb->len - skb->off;
			/* A datagram socket tells the size of the next message only. */
			if (u->type == LINUX_SOCK_DGRAM)
				break;
		}
		*out = (int)n;
		break;
	}
	case LINUX_SIOCOUTQ:
		*out = (int)u->wmem;
		break;
	case LINUX_SIOCATMARK:
		*out = unix_at_mark_locked(u);
		break;
	default:
		ret = -ENOIOCTLCMD;
	}
	pthread_mutex_unlock(&unix_lock);
	return ret;
}

static int get_int(const void *val, u32 len, int *v)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

/* Linux's sock_setsockopt for SO_SNDBUF/SO_RCVBUF: capped, then doubled for overhead. */
static int buf_size(int v, int min)
{
	u32 val = MIN((u32)v, (u32)UNIX_BUF_MAX);
	return (int)(val * 2 > (u32)min ? val * 2 : (u32)min);
}

static int unix_setsockopt(struct socket *sock, int level, int name, const void *val, u32 len)
{
	struct unix_sk *u = unix_sk(sock);
	int v, ret;

	if (level != LINUX_SOL_SOCKET)
		return -EOPNOTSUPP;
	ret = socket_setsockopt_common(sock, name, val, len);
	if (ret != -ENOPROTOOPT)
		return ret;
	if (name == LINUX_SO_LINGER) {
		struct linux_linger l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		pthread_mutex_lock(&unix_lock);
		u->linger = (struct linux_linger){!!l.l_onoff, l.l_onoff ? l.l_linger : 0};
		pthread_mutex_unlock(&unix_lock);
		return 0;
	}
	if ((ret = get_int(val, len, &v)))
		return ret;
	if (name == LINUX_SO_PEEK_OFF) {
		/* Readers hold iolock across a receive: the offset moves between reads only. */
		pthread_mutex_lock(&u->iolock);
		pthread_mutex_lock(&unix_lock);
		u->peek_off = v;
		pthread_mutex_unlock(&unix_lock);
		pthread_mutex_unlock(&u->iolock);
		return 0;
	}
	pthread_mutex_lock(&unix_lock);
	switch (name) {
	case LINUX_SO_SNDBUF:
		u->sndbuf = buf_size(v, UNIX_SNDBUF_MIN);
		unix_wake_writers(u);
		break;
	case LINUX_SO_RCVBUF:
		u->rcvbuf = buf_size(v, UNIX_RCVBUF_MIN);
		break;
	case LINUX_SO_PASSCRED:
		u->passcred = !!v;
		break;
	case LINUX_SO_REUSEADDR:
		u->reuseaddr = !!v;
		break;
	case LINUX_SO_OOBINLINE:
		u->oobinline = !!v;
		break;
	case LINUX_SO_KEEPALIVE:
	case LINUX_SO_DEBUG:
	case LINUX_SO_BROADCAST:
	case LINUX_SO_DONTROUTE:
	case LINUX_SO_RCVLOWAT:
		/* Accepted and meaningless for AF_UNIX (Linux stores them). */
		break;
	default:
		ret = -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&unix_lock);
	return ret;
}

static int put_opt(void *val, u32 *len, const void *v, u32 size)
{
	if ((int)*len < 0)
		return -EINVAL;
	*len = MIN(*len, size);
	memcpy(val, v, *len);
	return 0;
}

static int unix_getsockopt(struct socket *sock, int level, int name, void *val, u32 *len)
{
	struct unix_sk *u = unix_sk(sock);
	int v = 0, ret;

	if (level != LINUX_SOL_SOCKET)
		return -EOPNOTSUPP;
	ret = socket_getsockopt_common(sock, name, val, len);
	if (ret != -ENOPROTOOPT)
		return ret;
	pthread_mutex_lock(&unix_lock);
	ret = 0;
	switch (name) {
	case LINUX_SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case LINUX_SO_SNDBUF:
		v = u->sndbuf;
		break;
	case LINUX_SO_RCVBUF:
		v = u->rcvbuf;
		break;
	case LINUX_SO_PASSCRED:
		v = u->passcred;
		break;
	case LINUX_SO_REUSEADDR:
		v = u->reuseaddr;
		break;
	case LINUX_SO_ACCEPTCONN:
		v = u->state == UNIX_LISTEN;
		break;
	case LINUX_SO_PEEK_OFF:
		v = u->peek_off;
		break;
	case LINUX_SO_OOBINLINE:
		v = u->oobinline;
		break;
	case LINUX_SO_KEEPALIVE:
	case LINUX_SO_DEBUG:
	case LINUX_SO_BROADCAST:
	case LINUX_SO_DONTROUTE:
		break;
	case LINUX_SO_RCVLOWAT:
	case LINUX_SO_SNDLOWAT:
		v = 1;
		break;
	case LINUX_SO_PEERCRED: {
		struct linux_ucred c = {0, (u32)-1, (u32)-1};
		if (u->has_peercred)
			c = u->peercred;
		pthread_mutex_unlock(&unix_lock);
		return put_opt(val, len, &c, sizeof(c));
	}
	case LINUX_SO_LINGER: {
		struct linux_linger l = u->linger;
		pthread_mutex_unlock(&unix_lock);
		return put_opt(val, len, &l, sizeof(l));
	}
	default:
		ret = -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&unix_lock);
	return ret ? ret : put_opt(val, len, &v, sizeof(v));
}

static ssize_t unix_sendmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	if (unix_sk(sock)->type == LINUX_SOCK_STREAM)
		return unix_stream_sendmsg(sock, m, flags);
	return unix_dgram_sendmsg(sock, m, flags);
}

static ssize_t unix_recvmsg(struct socket *sock, struct sock_msg *m, int flags)
{
	if (unix_sk(sock)->type == LINUX_SOCK_STREAM)
		return unix_stream_recvmsg(sock, m, flags);
	return unix_dgram_recvmsg(sock, m, flags);
}

const struct socket_ops unix_socket_ops = {
	.family = LINUX_AF_UNIX,
	.create = unix_create,
	.release = unix_release,
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.getname = unix_getname,
	.socketpair = unix_socketpair,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
};
