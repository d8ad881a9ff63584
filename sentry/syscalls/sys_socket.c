// SPDX-License-Identifier: Apache-2.0
/*
 * The socket syscalls: argument decoding, addresses in and out, msghdr
 * and its control messages (SCM_RIGHTS, SCM_CREDENTIALS), then the
 * provider's socket_ops (netstack/socket.h). As Linux's net/socket.c and
 * net/core/scm.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "netstack/socket.h"
#include "sentry/kernel/cred.h"
#include "sys_path.h"

#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000L
/* net.core.optmem_max: the most control data a sendmsg may pass. */
#define OPTMEM_MAX 131072
#define SOCKOPT_MAX 64

/* The socket at fd (a file reference) or ERR_PTR(-EBADF / -ENOTSOCK). */
static struct socket *sockfd_get(struct task *t, int fd)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return ERR_PTR(-EBADF);
	if (!file_is_socket(f)) {
		file_put(f);
		return ERR_PTR(-ENOTSOCK);
	}
	return socket_of_file(f);
}

static void sock_putp(struct socket **s)
{
	if (*s && !IS_ERR(*s))
		file_put(&(*s)->file);
}
#define _cleanup_sock_ __attribute__((cleanup(sock_putp)))

static int move_addr_to_kernel(struct task *t, uaddr_t uaddr, int ulen, void *kaddr)
{
	if (ulen < 0 || ulen > SOCKADDR_MAX)
		return -EINVAL;
	if (!ulen)
		return 0;
	return mm_copy_from_user(t->mm, kaddr, uaddr, ulen) ? -EFAULT : 0;
}

/* Copy klen bytes of address out, cut to the room *ulenp says, and store klen there. */
static int move_addr_to_user(struct task *t, const void *kaddr, int klen, uaddr_t uaddr,
			     uaddr_t ulenp)
{
	int len;
	if (mm_copy_from_user(t->mm, &len, ulenp, sizeof(len)))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && mm_copy_to_user(t->mm, uaddr, kaddr, len))
		return -EFAULT;
	return mm_copy_to_user(t->mm, ulenp, &klen, sizeof(klen)) ? -EFAULT : 0;
}

static int sock_flags_check(int flags)
{
	return flags & ~(LINUX_SOCK_CLOEXEC | LINUX_SOCK_NONBLOCK) ? -EINVAL : 0;
}

static u32 sock_file_flags(int flags)
{
	return flags & LINUX_SOCK_NONBLOCK ? O_NONBLOCK : 0;
}

long sys_socket(struct task *t, const struct syscall_args *a)
{
	int family = arg_int(a, 0), type = arg_int(a, 1), protocol = arg_int(a, 2);
	int flags = type & ~LINUX_SOCK_TYPE_MASK;
	struct socket *sock;

	if (sock_flags_check(flags))
		return -EINVAL;
	int ret = socket_create(t, family, type & LINUX_SOCK_TYPE_MASK, protocol,
				sock_file_flags(flags), &sock);
	if (ret)
		return ret;
	return fdtable_alloc(t->files, 0, &sock->file, flags & LINUX_SOCK_CLOEXEC);
}

static void close_unpublished(struct task *t, int fd)
{
	/* The fd was never handed to the guest: it is still ours to close. */
	int __unused ret = fdtable_close(t->files, fd);
}

long sys_socketpair(struct task *t, const struct syscall_args *a)
{
	int family = arg_int(a, 0), type = arg_int(a, 1), protocol = arg_int(a, 2);
	int flags = type & ~LINUX_SOCK_TYPE_MASK;
	struct socket *pair[2];
	int fds[2];

	if (sock_flags_check(flags))
		return -EINVAL;
	int ret = socket_create_pair(t, family, type & LINUX_SOCK_TYPE_MASK, protocol,
				     sock_file_flags(flags), pair);
	if (ret)
		return ret;
	bool cloexec = flags & LINUX_SOCK_CLOEXEC;
	fds[0] = fdtable_alloc(t->files, 0, &pair[0]->file, cloexec);
	if (fds[0] < 0) {
		file_put(&pair[1]->file);
		return fds[0];
	}
	fds[1] = fdtable_alloc(t->files, 0, &pair[1]->file, cloexec);
	if (fds[1] < 0) {
		close_unpublished(t, fds[0]);
		return fds[1];
	}
	if (mm_copy_to_user(t->mm, arg_ptr(a, 3), fds, sizeof(fds))) {
		close_unpublished(t, fds[0]);
		close_unpublished(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_bind(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	u8 addr[SOCKADDR_MAX];
	int len = arg_int(a, 2);

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	int ret = move_addr_to_kernel(t, arg_ptr(a, 1), len, addr);
	if (ret)
		return ret;
	return sock->ops->bind ? sock->ops->bind(sock, addr, len) : -EOPNOTSUPP;
}

long sys_connect(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	u8 addr[SOCKADDR_MAX];
	int len = arg_int(a, 2);

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	int ret = move_addr_to_kernel(t, arg_ptr(a, 1), len, addr);
	if (ret)
		return ret;
	if (!sock->ops->connect)
		return -EOPNOTSUPP;
	return sock->ops->connect(sock, addr, len, socket_nonblock(sock, 0));
}

long sys_listen(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	int backlog = arg_int(a, 1);

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	/* net.core.somaxconn caps it; a negative backlog is a huge one. */
	if ((unsigned)backlog > 4096)
		backlog = 4096;
	return sock->ops->listen ? sock->ops->listen(sock, backlog) : -EOPNOTSUPP;
}

static long do_accept4(struct task *t, int fd, uaddr_t uaddr, uaddr_t ulenp, int flags)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, fd);
	u8 addr[SOCKADDR_MAX];

	if (sock_flags_check(flags))
		return -EINVAL;
	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (!sock->ops->accept)
		return -EOPNOTSUPP;
	struct socket *ns = sock->ops->accept(sock, sock_file_flags(flags));
	if (IS_ERR(ns))
		return PTR_ERR(ns);
	if (uaddr.addr) {
		int len = ns->ops->getname(ns, addr, true);
		int ret = len < 0 ? -ECONNABORTED : move_addr_to_user(t, addr, len, uaddr, ulenp);
		if (ret) {
			file_put(&ns->file);
			return ret;
		}
	}
	return fdtable_alloc(t->files, 0, &ns->file, flags & LINUX_SOCK_CLOEXEC);
}

long sys_accept(struct task *t, const struct syscall_args *a)
{
	return do_accept4(t, arg_int(a, 0), arg_ptr(a, 1), arg_ptr(a, 2), 0);
}

long sys_accept4(struct task *t, const struct syscall_args *a)
{
	return do_accept4(t, arg_int(a, 0), arg_ptr(a, 1), arg_ptr(a, 2), arg_int(a, 3));
}

static long do_getname(struct task *t, const struct syscall_args *a, bool peer)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	u8 addr[SOCKADDR_MAX];

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (!sock->ops->getname)
		return -EOPNOTSUPP;
	int len = sock->ops->getname(sock, addr, peer);
	if (len < 0)
		return len;
	return move_addr_to_user(t, addr, len, arg_ptr(a, 1), arg_ptr(a, 2));
}

long sys_getsockname(struct task *t, const struct syscall_args *a)
{
	return do_getname(t, a, false);
}

long sys_getpeername(struct task *t, const struct syscall_args *a)
{
	return do_getname(t, a, true);
}

long sys_shutdown(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	int how = arg_int(a, 1);

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (how < LINUX_SHUT_RD || how > LINUX_SHUT_RDWR)
		return -EINVAL;
	return sock->ops->shutdown ? sock->ops->shutdown(sock, how) : -EOPNOTSUPP;
}

long sys_setsockopt(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	int len = arg_int(a, 4);
	u8 val[SOCKOPT_MAX];

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (len < 0)
		return -EINVAL;
	u32 n = MIN((u32)len, (u32)SOCKOPT_MAX);
	if (n && mm_copy_from_user(t->mm, val, arg_ptr(a, 3), n))
		return -EFAULT;
	if (!sock->ops->setsockopt)
		return -EOPNOTSUPP;
	return sock->ops->setsockopt(sock, arg_int(a, 1), arg_int(a, 2), val, n);
}

long sys_getsockopt(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	uaddr_t ulenp = arg_ptr(a, 4);
	u8 val[SOCKOPT_MAX];
	int len;

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (mm_copy_from_user(t->mm, &len, ulenp, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (!sock->ops->getsockopt)
		return -EOPNOTSUPP;
	u32 n = MIN((u32)len, (u32)SOCKOPT_MAX);
	int ret = sock->ops->getsockopt(sock, arg_int(a, 1), arg_int(a, 2), val, &n);
	if (ret)
		return ret;
	if (n && mm_copy_to_user(t->mm, arg_ptr(a, 3), val, n))
		return -EFAULT;
	len = n;
	return mm_copy_to_user(t->mm, ulenp, &len, sizeof(len)) ? -EFAULT : 0;
}

/* The iovecs of a msghdr, checked as Linux's import_iovec; *total their sum. */
static int import_iovecs(struct task *t, u64 uiov, u64 n, struct linux_iovec **out, size_t *total)
{
	if (n > UIO_MAXIOV)
		return -EMSGSIZE;
	struct linux_iovec *iov = calloc(n ? n : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (n && mm_copy_from_user(t->mm, iov, uaddr(uiov), n * sizeof(*iov))) {
		free(iov);
		return -EFAULT;
	}
	u64 sum = 0;
	for (u64 i = 0; i < n; i++) {
		if ((s64)iov[i].len < 0) {
			free(iov);
			return -EINVAL;
		}
		if (!mm_access_ok(uaddr(iov[i].base), iov[i].len)) {
			free(iov);
			return -EFAULT;
		}
		if (sum + iov[i].len > MAX_RW_COUNT)
			iov[i].len = MAX_RW_COUNT - sum;
		sum += iov[i].len;
	}
	*out = iov;
	*total = sum;
	return 0;
}

/* Linux's scm_check_creds: only what the sender may claim. */
static int scm_check_cred(struct task *t, const struct linux_ucred *c)
{
	const struct cred *cr = t->cred;
	if (c->pid != t->tg->tgid && !task_capable(t, 21 /* CAP_SYS_ADMIN */))
		return -EPERM;
	if (c->uid != cr->uid && c->uid != cr->euid && c->uid != cr->suid &&
	    !task_capable(t, 7 /* CAP_SETUID */))
		return -EPERM;
	if (c->gid != cr->gid && c->gid != cr->egid && c->gid != cr->sgid &&
	    !task_capable(t, 6 /* CAP_SETGID */))
		return -EPERM;
	return 0;
}

static int scm_add_rights(struct task *t, struct scm *scm, const u8 *data, size_t len)
{
	int n = len / sizeof(int);
	if (n <= 0)
		return 0;
	if (scm->nfiles + n > SCM_MAX_FD)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(fd));
		struct file *f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		scm->files[scm->nfiles++] = f;
	}
	return 0;
}

/* Linux's __scm_send: parse the control messages of a sendmsg into scm. */
static int scm_send(struct task *t, const u8 *ctl, size_t len, struct scm *scm)
{
	size_t off = 0;
	while (len - off >= sizeof(struct linux_cmsghdr)) {
		struct linux_cmsghdr h;
		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -EINVAL;
		const u8 *data = ctl + off + sizeof(h);
		size_t dlen = h.cmsg_len - sizeof(h);
		int ret = 0;
		if (h.cmsg_level == LINUX_SOL_SOCKET) {
			switch (h.cmsg_type) {
			case LINUX_SCM_RIGHTS:
				ret = scm_add_rights(t, scm, data, dlen);
				break;
			case LINUX_SCM_CREDENTIALS:
				if (dlen != sizeof(struct linux_ucred))
					return -EINVAL;
				memcpy(&scm->cred, data, sizeof(scm->cred));
				ret = scm_check_cred(t, &scm->cred);
				scm->has_cred = true;
				break;
			default:
				ret = -EINVAL;
			}
		}
		if (ret)
			return ret;
		off += LINUX_CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

static long do_sendmsg(struct task *t, struct socket *sock, const struct linux_msghdr *mh,
		       int flags)
{
	_cleanup_free_ struct linux_iovec *iov = NULL;
	_cleanup_free_ u8 *ctl = NULL;
	struct scm scm = {0};
	struct sock_msg m = {0};
	size_t total;

	if (mh->msg_name) {
		m.addrlen = MIN((int)mh->msg_namelen, SOCKADDR_MAX);
		if ((int)mh->msg_namelen < 0)
			return -EINVAL;
		if (move_addr_to_kernel(t, uaddr(mh->msg_name), m.addrlen, m.addr))
			return -EFAULT;
	}
	int ret = import_iovecs(t, mh->msg_iov, mh->msg_iovlen, &iov, &total);
	if (ret)
		return ret;
	if (mh->msg_controllen > 0x7fffffff)
		return -ENOBUFS;
	if (mh->msg_controllen >= sizeof(struct linux_cmsghdr)) {
		if (mh->msg_controllen > OPTMEM_MAX)
			return -ENOBUFS;
		ctl = malloc(mh->msg_controllen);
		if (!ctl)
			return -ENOMEM;
		if (mm_copy_from_user(t->mm, ctl, uaddr(mh->msg_control), mh->msg_controllen))
			return -EFAULT;
		ret = scm_send(t, ctl, mh->msg_controllen, &scm);
		if (ret) {
			scm_release(&scm);
			return ret;
		}
	}
	msg_iter_init_user(&m.iter, t->mm, iov, mh->msg_iovlen, total);
	m.scm = &scm;
	long n = sock->ops->sendmsg ? sock->ops->sendmsg(sock, &m, flags) : -EOPNOTSUPP;
	scm_release(&scm);
	return n;
}

/* Where control messages of a recvmsg go. */
struct cmsg_out {
	u64 ptr, left;
	u32 flags;
};

/* Linux's put_cmsg: as much of one control message as fits. */
static void put_cmsg(struct task *t, struct cmsg_out *c, int type, const void *data, size_t len)
{
	if (c->left < sizeof(struct linux_cmsghdr)) {
		c->flags |= LINUX_MSG_CTRUNC;
		return;
	}
	u64 cmlen = sizeof(struct linux_cmsghdr) + len;
	if (c->left < cmlen) {
		c->flags |= LINUX_MSG_CTRUNC;
		cmlen = c->left;
	}
	struct linux_cmsghdr h = {cmlen, LINUX_SOL_SOCKET, type};
	if (mm_copy_to_user(t->mm, uaddr(c->ptr), &h, sizeof(h)) ||
	    mm_copy_to_user(t->mm, uaddr(c->ptr + sizeof(h)), data, cmlen - sizeof(h)))
		return;
	u64 step = MIN(LINUX_CMSG_ALIGN(sizeof(h) + len), c->left);
	c->ptr += step;
	c->left -= step;
}

/* Linux's scm_detach_fds: install what fits, count the rest as truncation. */
static void scm_detach_fds(struct task *t, struct cmsg_out *c, struct scm *scm, bool cloexec)
{
	int fdmax = c->left > sizeof(struct linux_cmsghdr)
			    ? (int)((c->left - sizeof(struct linux_cmsghdr)) / sizeof(int))
			    : 0;
	int fds[SCM_MAX_FD];
	int i;

	for (i = 0; i < MIN(fdmax, scm->nfiles); i++) {
		fds[i] = fdtable_alloc(t->files, 0, file_get(scm->files[i]), cloexec);
		if (fds[i] < 0)
			break;
	}
	if (i > 0) {
		u64 cmlen = sizeof(struct linux_cmsghdr) + i * sizeof(int);
		struct linux_cmsghdr h = {cmlen, LINUX_SOL_SOCKET, LINUX_SCM_RIGHTS};
		if (!mm_copy_to_user(t->mm, uaddr(c->ptr), &h, sizeof(h)) &&
		    !mm_copy_to_user(t->mm, uaddr(c->ptr + sizeof(h)), fds, i * sizeof(int))) {
			u64 step = MIN(LINUX_CMSG_ALIGN(cmlen), c->left);
			c->ptr += step;
			c->left -= step;
		}
	}
	if (i < scm->nfiles)
		c->flags |= LINUX_MSG_CTRUNC;
}

static long do_recvmsg(struct task *t, struct socket *sock, uaddr_t umsg,
		       const struct linux_msghdr *mh, int flags)
{
	_cleanup_free_ struct linux_iovec *iov = NULL;
	struct scm scm = {0};
	struct sock_msg m = {0};
	size_t total;

	int ret = import_iovecs(t, mh->msg_iov, mh->msg_iovlen, &iov, &total);
	if (ret)
		return ret;
	msg_iter_init_user(&m.iter, t->mm, iov, mh->msg_iovlen, total);
	m.scm = &scm;
	if (!sock->ops->recvmsg)
		return -EOPNOTSUPP;
	long n = sock->ops->recvmsg(sock, &m, flags & ~LINUX_MSG_CMSG_CLOEXEC);
	if (n < 0)
		goto out_release;
	if (mh->msg_name) {
		ret = move_addr_to_user(
			t, m.addr, m.addrlen, uaddr(mh->msg_name),
			uaddr(umsg.addr + offsetof(struct linux_msghdr, msg_namelen)));
		if (ret) {
			n = ret;
			goto out_release;
		}
	}
	struct cmsg_out c = {mh->msg_control, mh->msg_controllen, m.flags_out};
	if (scm.has_cred)
		put_cmsg(t, &c, LINUX_SCM_CREDENTIALS, &scm.cred, sizeof(scm.cred));
	if (scm.nfiles)
		scm_detach_fds(t, &c, &scm, flags & LINUX_MSG_CMSG_CLOEXEC);
	u64 used = mh->msg_controllen - c.left;
	if (mm_copy_to_user(t->mm, uaddr(umsg.addr + offsetof(struct linux_msghdr, msg_flags)),
			    &c.flags, sizeof(c.flags)) ||
	    mm_copy_to_user(t->mm, uaddr(umsg.addr + offsetof(struct linux_msghdr, msg_controllen)),
			    &used, sizeof(used)))
		n = -EFAULT;
out_release:
	scm_release(&scm);
	return n;
}

long sys_sendto(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	struct linux_iovec iov = {a->a[1], MIN(a->a[2], (u64)MAX_RW_COUNT)};
	struct sock_msg m = {0};

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (!mm_access_ok(uaddr(iov.base), iov.len))
		return -EFAULT;
	if (a->a[4]) {
		m.addrlen = arg_int(a, 5);
		int ret = move_addr_to_kernel(t, arg_ptr(a, 4), m.addrlen, m.addr);
		if (ret)
			return ret;
	}
	msg_iter_init_user(&m.iter, t->mm, &iov, 1, iov.len);
	return sock->ops->sendmsg ? sock->ops->sendmsg(sock, &m, arg_int(a, 3)) : -EOPNOTSUPP;
}

long sys_recvfrom(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	struct linux_iovec iov = {a->a[1], MIN(a->a[2], (u64)MAX_RW_COUNT)};
	struct sock_msg m = {0};

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (!mm_access_ok(uaddr(iov.base), iov.len))
		return -EFAULT;
	if (!sock->ops->recvmsg)
		return -EOPNOTSUPP;
	msg_iter_init_user(&m.iter, t->mm, &iov, 1, iov.len);
	long n = sock->ops->recvmsg(sock, &m, arg_int(a, 3) & ~LINUX_MSG_CMSG_CLOEXEC);
	if (n >= 0 && a->a[4]) {
		int ret = move_addr_to_user(t, m.addr, m.addrlen, arg_ptr(a, 4), arg_ptr(a, 5));
		if (ret)
			return ret;
	}
	return n;
}

long sys_sendmsg(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	struct linux_msghdr mh;

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (mm_copy_from_user(t->mm, &mh, arg_ptr(a, 1), sizeof(mh)))
		return -EFAULT;
	return do_sendmsg(t, sock, &mh, arg_int(a, 2));
}

long sys_recvmsg(struct task *t, const struct syscall_args *a)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	struct linux_msghdr mh;

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (mm_copy_from_user(t->mm, &mh, arg_ptr(a, 1), sizeof(mh)))
		return -EFAULT;
	return do_recvmsg(t, sock, arg_ptr(a, 1), &mh, arg_int(a, 2));
}

/*
 * recvmmsg's timeout: Linux checks it only between messages (a receive
 * that blocks is not cut short), and stops once it has run out.
 */
struct mmsg_timeout {
	bool set;
	struct timespec end;
};

static bool mmsg_timed_out(struct mmsg_timeout *to)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return to->set && (now.tv_sec > to->end.tv_sec ||
			   (now.tv_sec == to->end.tv_sec && now.tv_nsec >= to->end.tv_nsec));
}

/* What is left of the timeout (zero once past), as Linux writes it back. */
static struct linux_timespec mmsg_time_left(const struct mmsg_timeout *to)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s64 ns = (s64)(to->end.tv_sec - now.tv_sec) * 1000000000 + (to->end.tv_nsec - now.tv_nsec);
	if (ns < 0)
		ns = 0;
	return (struct linux_timespec){ns / 1000000000, ns % 1000000000};
}

/*
 * sendmmsg and recvmmsg: one msghdr after another until one fails, each
 * message's length stored in its msg_len; the count done, or the error
 * if none was.
 */
static long do_mmsg(struct task *t, const struct syscall_args *a, bool recv,
		    struct mmsg_timeout *to)
{
	_cleanup_sock_ struct socket *sock = sockfd_get(t, arg_int(a, 0));
	u64 base = a->a[1];
	unsigned vlen = MIN(arg_uint(a, 2), (unsigned)UIO_MAXIOV);
	int flags = arg_int(a, 3);
	long err = 0;
	unsigned i;

	if (IS_ERR(sock))
		return PTR_ERR(sock);
	for (i = 0; i < vlen; i++) {
		struct linux_mmsghdr mm;
		u64 at = base + i * sizeof(mm);
		if (mm_copy_from_user(t->mm, &mm, uaddr(at), sizeof(mm))) {
			err = -EFAULT;
			break;
		}
		err = recv ? do_recvmsg(t, sock, uaddr(at), &mm.msg_hdr, flags)
			   : do_sendmsg(t, sock, &mm.msg_hdr, flags);
		if (err < 0)
			break;
		u32 len = err;
		if (mm_copy_to_user(t->mm, uaddr(at + offsetof(struct linux_mmsghdr, msg_len)),
				    &len, sizeof(len))) {
			err = -EFAULT;
			break;
		}
		if (recv && (flags & LINUX_MSG_WAITFORONE))
			flags |= LINUX_MSG_DONTWAIT;
		if (to && mmsg_timed_out(to)) {
			i++;
			break;
		}
	}
	return i ? (long)i : err;
}

long sys_sendmmsg(struct task *t, const struct syscall_args *a)
{
	return do_mmsg(t, a, false, NULL);
}

long sys_recvmmsg(struct task *t, const struct syscall_args *a)
{
	uaddr_t uto = arg_ptr(a, 4);
	struct mmsg_timeout to = {0};
	struct linux_timespec ts;

	if (!uto.addr)
		return do_mmsg(t, a, true, NULL);
	if (mm_copy_from_user(t->mm, &ts, uto, sizeof(ts)))
		return -EFAULT;
	/* Linux's poll_select_set_timeout. */
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	to.set = true;
	/* Far enough to never come, short of overflowing the clock. */
	to.end = deadline_after(&(struct timespec){MIN(ts.tv_sec, (s64)1 << 40), ts.tv_nsec});
	long n = do_mmsg(t, a, true, &to);
	if (n <= 0)
		return n;
	ts = mmsg_time_left(&to);
	return mm_copy_to_user(t->mm, uto, &ts, sizeof(ts)) ? -EFAULT : n;
}
