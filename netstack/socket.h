/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets: the generic socket file and the operations table every
 * provider implements (AF_UNIX in netstack/unix*.c today; the user-space
 * TCP/IP stack and host passthrough later).
 *
 * A socket is a struct file (file.h) with S_IFSOCK on sockfs; its
 * file_ops (socket.c) turn read/write/poll/ioctl into socket_ops calls,
 * and the socket syscalls (sentry/syscalls/sys_socket.c) call the ops
 * directly. The provider's state hangs off sock->sk and may outlive the
 * file (an AF_UNIX connection waiting in a listener's queue has no file
 * yet), so providers keep their own reference counts.
 *
 * Data moves through a struct msg_iter over guest iovecs (or one kernel
 * buffer, for read/write): providers copy with msg_iter_* outside their
 * own locks when they can, since a copy may fault guest pages in.
 *
 * Lock order: file locks > a provider's locks (unix_lock) > waitq->lock.
 * Nothing calls into the VFS or drops a file reference under a provider
 * lock (a dropped file may be a socket whose release takes it).
 */
#ifndef NETSTACK_SOCKET_H
#define NETSTACK_SOCKET_H

#include <time.h>

#include "abi/linux/abi.h"
#include "mm/mm.h"
#include "sentry/kernel/wait.h"
#include "sentry/vfs/file.h"

struct task;
struct poll_table;

/* The guest ABI (our own definitions; glibc's headers are not the guest's). */
#define LINUX_AF_UNSPEC 0
#define LINUX_AF_UNIX 1
#define LINUX_AF_INET 2
#define LINUX_AF_INET6 10
#define LINUX_AF_NETLINK 16
#define LINUX_AF_MAX 46

#define LINUX_SOCK_STREAM 1
#define LINUX_SOCK_DGRAM 2
#define LINUX_SOCK_RAW 3
#define LINUX_SOCK_RDM 4
#define LINUX_SOCK_SEQPACKET 5
#define LINUX_SOCK_PACKET 10
#define LINUX_SOCK_TYPE_MASK 0xf
#define LINUX_SOCK_NONBLOCK 04000
#define LINUX_SOCK_CLOEXEC 02000000

#define LINUX_MSG_OOB 0x1
#define LINUX_MSG_PEEK 0x2
#define LINUX_MSG_DONTROUTE 0x4
#define LINUX_MSG_CTRUNC 0x8
#define LINUX_MSG_TRUNC 0x20
#define LINUX_MSG_DONTWAIT 0x40
#define LINUX_MSG_EOR 0x80
#define LINUX_MSG_WAITALL 0x100
#define LINUX_MSG_NOSIGNAL 0x4000
#define LINUX_MSG_MORE 0x8000
#define LINUX_MSG_WAITFORONE 0x10000
#define LINUX_MSG_CMSG_CLOEXEC 0x40000000

#define LINUX_SHUT_RD 0
#define LINUX_SHUT_WR 1
#define LINUX_SHUT_RDWR 2
/* sk_shutdown bits */
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

#define LINUX_SOL_SOCKET 1
#define LINUX_SO_DEBUG 1
#define LINUX_SO_REUSEADDR 2
#define LINUX_SO_TYPE 3
#define LINUX_SO_ERROR 4
#define LINUX_SO_DONTROUTE 5
#define LINUX_SO_BROADCAST 6
#define LINUX_SO_SNDBUF 7
#define LINUX_SO_RCVBUF 8
#define LINUX_SO_KEEPALIVE 9
#define LINUX_SO_OOBINLINE 10
#define LINUX_SO_LINGER 13
#define LINUX_SO_REUSEPORT 15
#define LINUX_SO_PASSCRED 16
#define LINUX_SO_PEERCRED 17
#define LINUX_SO_RCVLOWAT 18
#define LINUX_SO_SNDLOWAT 19
#define LINUX_SO_RCVTIMEO 20
#define LINUX_SO_SNDTIMEO 21
#define LINUX_SO_ACCEPTCONN 30
#define LINUX_SO_SNDBUFFORCE 32
#define LINUX_SO_RCVBUFFORCE 33
#define LINUX_SO_PROTOCOL 38
#define LINUX_SO_PEERSEC 31
#define LINUX_SO_DOMAIN 39
#define LINUX_SO_PEEK_OFF 42

#define LINUX_SCM_RIGHTS 1
#define LINUX_SCM_CREDENTIALS 2
/* Linux's SCM_MAX_FD: the most files one SCM_RIGHTS message carries. */
#define SCM_MAX_FD 253

#define LINUX_SIOCINQ 0x541b  /* FIONREAD */
#define LINUX_SIOCOUTQ 0x5411 /* TIOCOUTQ */
#define LINUX_SIOCATMARK 0x8905

struct linux_sockaddr_un {
	u16 sun_family;
	char sun_path[108];
};
_Static_assert(sizeof(struct linux_sockaddr_un) == 110, "sockaddr_un");

/* The largest address any family uses (Linux's sockaddr_storage). */
#define SOCKADDR_MAX 128

struct linux_msghdr {
	u64 msg_name;
	u32 msg_namelen;
	u32 pad0;
	u64 msg_iov;
	u64 msg_iovlen;
	u64 msg_control;
	u64 msg_controllen;
	u32 msg_flags;
	u32 pad1;
};
_Static_assert(sizeof(struct linux_msghdr) == 56, "msghdr");

struct linux_mmsghdr {
	struct linux_msghdr msg_hdr;
	u32 msg_len;
	u32 pad;
};
_Static_assert(sizeof(struct linux_mmsghdr) == 64, "mmsghdr");

struct linux_cmsghdr {
	u64 cmsg_len;
	s32 cmsg_level;
	s32 cmsg_type;
};
_Static_assert(sizeof(struct linux_cmsghdr) == 16, "cmsghdr");
#define LINUX_CMSG_ALIGN(len) (((len) + 7) & ~(u64)7)

struct linux_ucred {
	s32 pid;
	u32 uid, gid;
};

struct linux_linger {
	s32 l_onoff, l_linger;
};

/* Where the data of one send or receive is: guest iovecs, or a kernel buffer. */
struct msg_iter {
	struct mm *mm; /* NULL: iov[].base are host pointers */
	const struct linux_iovec *iov;
	int nr, idx;
	u64 off;     /* into iov[idx] */
	size_t left; /* bytes from here to the end */
};

void msg_iter_init_user(struct msg_iter *it, struct mm *mm, const struct linux_iovec *iov, int nr,
			size_t total);
/* One kernel buffer; the iter keeps a pointer to kiov, which must outlive it. */
void msg_iter_init_kernel(struct msg_iter *it, struct linux_iovec *kiov, void *buf, size_t len);
/* Copy n (<= it->left) bytes out of / into the iterator, advancing it: 0 or -EFAULT. */
int msg_iter_copy_from(struct msg_iter *it, void *dst, size_t n) __must_check;
int msg_iter_copy_to(struct msg_iter *it, const void *src, size_t n) __must_check;

/* Files and credentials that travel with a message (SCM_RIGHTS, SCM_CREDENTIALS). */
struct scm {
	int nfiles;
	struct file *files[SCM_MAX_FD]; /* references */
	bool has_cred;
	struct linux_ucred cred;
};
/* Drop the files an scm holds (NULL-safe). Not under a provider lock. */
void scm_release(struct scm *scm);

/* One sendmsg or recvmsg, as the provider sees it. */
struct sock_msg {
	struct msg_iter iter;
	/* send: the destination (len 0: none); recv: the source, len set by the op */
	u8 addr[SOCKADDR_MAX];
	int addrlen;
	/* send: what to pass (may be NULL); recv: where to put it (may be NULL) */
	struct scm *scm;
	u32 flags_out; /* recv: MSG_TRUNC, MSG_CTRUNC... */
};

struct socket;

/*
 * A provider's operations. All may block unless said; blocking ops honour
 * O_NONBLOCK/MSG_DONTWAIT and the socket's timeouts, and return
 * -ERESTARTSYS (or -EINTR with a timeout) when a signal ends the wait.
 * A NULL op is -EOPNOTSUPP (Linux's sock_no_*), but for poll
 * (POLL_DEFAULT_MASK) and ioctl (-ENOIOCTLCMD, which the generic code
 * answers with -ENOTTY).
 */
struct socket_ops {
	int family;
	/* Set up the provider state of a new socket of type (LINUX_SOCK_*) and protocol. */
	int (*create)(struct task *t, struct socket *sock, int type, int protocol);
	/* The file is going away: drop the provider state. Must not block. */
	void (*release)(struct socket *sock);
	int (*bind)(struct socket *sock, const void *addr, int len);
	int (*connect)(struct socket *sock, const void *addr, int len, bool nonblock);
	int (*listen)(struct socket *sock, int backlog);
	/* A new socket (file) for the next connection, or ERR_PTR. */
	struct socket *(*accept)(struct socket *sock, u32 file_flags);
	/* Write the local (peer false) or peer address; returns its length or -errno. */
	int (*getname)(struct socket *sock, void *addr, bool peer);
	/* Make a and b (fresh sockets of this provider) a connected pair. */
	int (*socketpair)(struct socket *a, struct socket *b);
	ssize_t (*sendmsg)(struct socket *sock, struct sock_msg *m, int flags);
	ssize_t (*recvmsg)(struct socket *sock, struct sock_msg *m, int flags);
	int (*shutdown)(struct socket *sock, int how);
	/* Options of any level; the generic SOL_SOCKET ones are handled first. */
	int (*setsockopt)(struct socket *sock, int level, int name, const void *val, u32 len);
	/* *len in: the room; out: what was written. */
	int (*getsockopt)(struct socket *sock, int level, int name, void *val, u32 *len);
	u32 (*poll)(struct socket *sock, struct poll_table *pt);
	/* SIOCINQ / SIOCOUTQ and friends: the value in *out, or -ENOIOCTLCMD. */
	long (*ioctl)(struct socket *sock, unsigned cmd, int *out);
};

#define ENOIOCTLCMD 515

struct socket {
	struct file file; /* first: a socket is a file */
	const struct socket_ops *ops;
	int type, protocol;
	u64 ino;
	u32 uid, gid;
	/* SO_RCVTIMEO / SO_SNDTIMEO in ns, 0: none (atomic). */
	u64 rcvtimeo_ns, sndtimeo_ns;
	void *sk; /* the provider's */
};

/* Whether f is a socket; the socket syscalls answer -ENOTSOCK otherwise. */
bool file_is_socket(const struct file *f);
/* The socket f is (only after file_is_socket said so). */
static inline struct socket *socket_of_file(struct file *f)
{
	return (struct socket *)f;
}

/*
 * A new socket file (one reference) of ops, type and protocol, with
 * O_NONBLOCK from flags, owned by t's fsuid/fsgid; sk is set by the
 * provider afterwards. NULL if out of memory.
 */
struct socket *socket_alloc(struct task *t, const struct socket_ops *ops, int type, int protocol,
			    u32 flags);

/*
 * socket(2) and socketpair(2) after the flags are split off: the provider
 * of family makes the socket(s). Returns 0 or -errno (-EAFNOSUPPORT for a
 * family no provider serves).
 */
int socket_create(struct task *t, int family, int type, int protocol, u32 flags,
		  struct socket **out) __must_check;
int socket_create_pair(struct task *t, int family, int type, int protocol, u32 flags,
		       struct socket *out[2]) __must_check;

/* Whether waits on sock must not block (O_NONBLOCK or MSG_DONTWAIT). */
bool socket_nonblock(struct socket *sock, int msg_flags);

/*
 * For providers: with lock held, sleep on q until cond(arg) holds, with
 * timeout_ns (0: none). Returns 0, -EAGAIN at the timeout,
 * -ERESTARTSYS (no timeout) or -EINTR (timeout, as Linux's
 * sock_intr_errno) when a signal ends it.
 */
int socket_wait(struct waitq *q, pthread_mutex_t *lock, bool (*cond)(void *arg), void *arg,
		u64 timeout_ns) __must_check;

/* SOL_SOCKET options every provider shares (socket.c); -ENOPROTOOPT if not one of them. */
int socket_setsockopt_common(struct socket *sock, int name, const void *val, u32 len);
int socket_getsockopt_common(struct socket *sock, int name, void *val, u32 *len);

/* The AF_UNIX provider (unix.c). */
extern const struct socket_ops unix_socket_ops;

struct seq;
/*
 * /proc/net/unix: the header and a line per AF_UNIX socket of the
 * sandbox, each handed to emit (procfs's seq_puts). Takes unix_lock.
 */
void unix_show_proc(void (*emit)(struct seq *, const char *), struct seq *s);

#endif
