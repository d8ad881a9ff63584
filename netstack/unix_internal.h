/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_UNIX inside the Sentry (`man 7 unix`), private to netstack/unix*.c:
 * unix.c (sockets, connections, options, poll), unix_data.c (send and
 * receive), unix_addr.c (names: paths, the abstract namespace, autobind).
 *
 * Locking: one mutex, unix_lock, guards every AF_UNIX socket's state and
 * queues. A send touches two sockets and a connect three (client,
 * listener, the new server end); one lock makes their order a non-issue
 * and costs nothing uncontended. Data is copied from and to guest memory
 * outside it (a copy may fault pages in through the gofer): readers
 * serialise on their socket's iolock, so the message at the head of the
 * queue stays theirs while they copy. Files in flight (SCM_RIGHTS) are
 * dropped only after unix_lock is released, since the last reference to
 * a socket file releases it, which takes unix_lock.
 *
 * Lock order: iolock > unix_lock > waitq->lock.
 */
#ifndef NETSTACK_UNIX_INTERNAL_H
#define NETSTACK_UNIX_INTERNAL_H

#include "lib/list.h"
#include "sentry/kernel/wait.h"
#include "sentry/vfs/vfs.h"
#include "socket.h"

extern pthread_mutex_t unix_lock;

/* Linux's defaults: net.core.wmem_default/wmem_max, SOCK_MIN_SNDBUF, somaxconn. */
#define UNIX_SNDBUF_DEFAULT 212992
#define UNIX_BUF_MAX 212992
#define UNIX_SNDBUF_MIN 4608
#define UNIX_RCVBUF_MIN 2304
#define UNIX_SOMAXCONN 4096
/* net.unix.max_dgram_qlen: datagrams a receiver queues for other senders. */
#define UNIX_MAX_DGRAM_QLEN 10
/* What an sk_buff costs beyond its data, roughly (for buffer accounting). */
#define UNIX_SKB_OVERHEAD 576
/* Linux's overflowuid/overflowgid: what an id nobody set reads as. */
#define LINUX_OVERFLOW_ID 65534

/* A bound name; shared by a listener and the sockets accepted from it. */
struct unix_addr {
	int refs; /* atomic */
	int len;  /* of name, as getsockname reports it */
	struct linux_sockaddr_un name;
};

struct unix_addr *unix_addr_get(struct unix_addr *a);
void unix_addr_put(struct unix_addr *a); /* NULL-safe */

enum unix_state { UNIX_CLOSE, UNIX_LISTEN, UNIX_ESTABLISHED };

struct unix_sk;

/* One message in a receive queue (Linux's sk_buff with its UNIXCB). */
struct unix_skb {
	struct list_head node;
	struct unix_sk *owner; /* the sender, charged truesize of its sndbuf (a reference) */
	u32 truesize;
	size_t len, off;  /* data[off, len) is unread */
	struct scm *scm;  /* SCM_RIGHTS files, or NULL */
	bool inflight;	  /* scm's files are counted in flight (unix_gc.c) */
	u32 inflight_uid; /* the user they are charged to */
	/* The sender's, what it passed, or {0, -1, -1} if neither end had SO_PASSCRED. */
	struct linux_ucred cred;
	bool cred_set;		/* cred is the sender's choice (SCM_CREDENTIALS) */
	struct unix_addr *from; /* the sender's name (a reference) or NULL */
	u8 data[];
};

struct unix_sk {
	int refs; /* atomic */
	/* Everything below under unix_lock. */
	struct socket *sock; /* NULL for a connection not yet accepted, or once released */
	int type;
	enum unix_state state;
	bool dead;		/* released */
	int shutdown;		/* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;		/* sk_err: reported once, by SO_ERROR or the next I/O */
	struct unix_sk *peer;	/* a reference */
	struct unix_addr *addr; /* bound name (a reference) or NULL */
	struct path path;	/* the bound socket file, if bound to a path */
	u64 bind_dev, bind_ino;
	struct list_head bound_node; /* in the bound list while addr is set */
	struct list_head rcvq;	     /* struct unix_skb */
	u32 rcvq_len;
	u32 rcv_seq; /* messages ever queued here: readers wait for it to move */
	/* MSG_OOB: the message in rcvq holding the urgent byte, or NULL. */
	struct unix_skb *oob_skb;
	bool oobinline;		  /* SO_OOBINLINE: the urgent byte is read in line */
	struct list_head acceptq; /* listener: struct unix_sk.accept_node, not yet accepted */
	struct list_head accept_node;
	u32 acceptq_len;
	int backlog;
	u64 wmem; /* truesize of this socket's messages not yet received */
	int sndbuf, rcvbuf;
	bool passcred, reuseaddr;
	struct linux_linger linger;
	bool has_peercred;
	struct linux_ucred peercred;
	struct waitq wq;	/* readers, writers and pollers of this socket */
	struct waitq peer_wait; /* senders and connectors waiting for room here */
	pthread_mutex_t iolock; /* one reader at a time */
	/* SO_PEEK_OFF: where the next MSG_PEEK starts; < 0: off. Under iolock (and unix_lock). */
	int peek_off;
	struct list_head all_node; /* in unix_all (/proc/net/unix) while not released */
	/* Garbage collection (unix_gc.c): how often our file is in some queue. */
	int inflight;
	struct list_head inflight_node; /* in the in-flight list while inflight > 0 */
	int gc_refs; /* during a GC: in-flight references from outside the candidates */
	bool gc_candidate;
	struct list_head gc_node;
};

static inline struct unix_sk *unix_sk(struct socket *sock)
{
	return sock->sk;
}

struct unix_sk *unix_sk_alloc(int type);
void unix_sk_get(struct unix_sk *u);
/* NULL-safe; may be called under unix_lock (the last put only frees memory). */
void unix_sk_put(struct unix_sk *u);

/* The caller's credentials as SO_PEERCRED gives them (effective ids). */
void unix_current_cred(struct linux_ucred *c);
/* What a message carries when the sender names none (real ids, as Linux's scm_send). */
void unix_current_scm_cred(struct linux_ucred *c);

/* Free a message taken off its queue: uncharge the sender. Caller holds unix_lock. */
void unix_skb_unlink_locked(struct unix_sk *u, struct unix_skb *skb);
/* Then, without unix_lock: drop its files and free it. */
void unix_skb_free(struct unix_skb *skb);

/* Wake u's readers / writers / everyone. */
void unix_wake_readers(struct unix_sk *u);
void unix_wake_writers(struct unix_sk *u);

/* unix_gc.c */
/* Add u to the list /proc/net/unix shows. Caller holds unix_lock. */
void unix_list_add_locked(struct unix_sk *u);
/*
 * Count skb's files in flight (charged to the sender's user): -ETOOMANYREFS
 * if that user has more than RLIMIT_NOFILE in flight already, as Linux.
 * Takes unix_lock; may run a GC first when very many are in flight.
 */
int unix_inflight_add(struct unix_skb *skb) __must_check;
/* Uncount them: they are being received or dropped. Caller holds unix_lock. Idempotent. */
void unix_inflight_del_locked(struct unix_skb *skb);
/* Free the sockets only queues in unreachable sockets refer to (Linux's unix_gc). */
void unix_gc(void);
/* Whether any file is in flight (a GC may have work). */
bool unix_gc_pending(void);

/* unix_oob.c (stream sockets, as Linux with CONFIG_AF_UNIX_OOB) */
/*
 * Where a stream read at skb goes, around the urgent byte: a read stops
 * at the mark, passes over the byte (unless SO_OOBINLINE) and drops the
 * empty messages the byte leaves behind (onto drop, to free without
 * unix_lock). Returns the skb to read from (at offset 0 if not skb) or
 * NULL to stop; *passed counts the bytes MSG_PEEK passed over. Caller
 * holds iolock and unix_lock.
 */
struct unix_skb *unix_manage_oob(struct unix_sk *u, struct unix_skb *skb, bool peek, size_t copied,
				 size_t *passed, struct list_head *drop);
/* recv(MSG_OOB): the urgent byte, or -EINVAL if none (or SO_OOBINLINE). Takes the locks. */
ssize_t unix_stream_recv_urg(struct socket *sock, struct sock_msg *m, int flags);
/* SIOCATMARK: whether the next read is at the urgent byte. Caller holds unix_lock. */
int unix_at_mark_locked(struct unix_sk *u);
/* Free messages taken off a queue (a list of unix_skb), without unix_lock. */
void unix_skb_free_list(struct list_head *skbs);

/* unix_addr.c */
/*
 * Validate a sockaddr_un of len bytes: -EINVAL unless AF_UNIX and
 * 2 <= len <= sizeof(struct linux_sockaddr_un).
 */
int unix_validate_addr(const void *addr, int len);
int unix_bind(struct socket *sock, const void *addr, int len);
/* Give u an abstract name if it has none (SO_PASSCRED senders, connect). */
int unix_autobind(struct unix_sk *u) __must_check;
/*
 * The socket bound at addr (a new reference) for a peer of type, or
 * ERR_PTR: the path's lookup errors, -EACCES, -ECONNREFUSED (nothing
 * bound there), -EPROTOTYPE (another type). Takes VFS locks: not under
 * unix_lock.
 */
struct unix_sk *unix_find_other(const void *addr, int len, int type);
/* Unbind at release; returns the path to put outside unix_lock. */
struct path unix_unbind_locked(struct unix_sk *u);
int unix_getname(struct socket *sock, void *addr, bool peer);

/* unix_data.c */
ssize_t unix_stream_sendmsg(struct socket *sock, struct sock_msg *m, int flags);
ssize_t unix_stream_recvmsg(struct socket *sock, struct sock_msg *m, int flags);
ssize_t unix_dgram_sendmsg(struct socket *sock, struct sock_msg *m, int flags);
ssize_t unix_dgram_recvmsg(struct socket *sock, struct sock_msg *m, int flags);

#endif
