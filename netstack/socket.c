// SPDX-License-Identifier: Apache-2.0
/*
 * The generic socket file (socket.h): a sockfs inode number and S_IFSOCK
 * for fstat and /proc/<pid>/fd ("socket:[ino]"), read/write as
 * recvmsg/sendmsg without flags, poll and ioctl through the provider,
 * the SOL_SOCKET options all providers share, and the family switch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"
#include "socket.h"

/* Sockets belong to no mount, but fstat shows one device for all of them (sockfs). */
static struct super_block *sockfs;
static pthread_once_t sockfs_once = PTHREAD_ONCE_INIT;

static void sockfs_init(void)
{
	sockfs = sb_alloc(NULL, "sockfs");
}

void msg_iter_init_user(struct msg_iter *it, struct mm *mm, const struct linux_iovec *iov, int nr,
			size_t total)
{
	*it = (struct msg_iter){.mm = mm, .iov = iov, .nr = nr, .left = total};
}

void msg_iter_init_kernel(struct msg_iter *it, struct linux_iovec *kiov, void *buf, size_t len)
{
	kiov->base = (u64)(uintptr_t)buf;
	kiov->len = len;
	*it = (struct msg_iter){.iov = kiov, .nr = 1, .left = len};
}

/* Copy n bytes between the iterator and buf, in either direction. */
static int msg_iter_copy(struct msg_iter *it, void *buf, size_t n, bool to_iter)
{
	u8 *p = buf;
	if (n > it->left)
		return -EFAULT;
	while (n) {
		const struct linux_iovec *v = &it->iov[it->idx];
		size_t piece = MIN(n, (size_t)(v->len - it->off));
		if (!piece) {
			it->idx++;
			it->off = 0;
			continue;
		}
		u64 at = v->base + it->off;
		int ret = 0;
		if (!it->mm)
			memcpy(to_iter ? (void *)(uintptr_t)at : p,
			       to_iter ? (const void *)p : (const void *)(uintptr_t)at, piece);
		else if (to_iter)
			ret = mm_copy_to_user(it->mm, uaddr(at), p, piece);
		else
			ret = mm_copy_from_user(it->mm, p, uaddr(at), piece);
		if (ret)
			return -EFAULT;
		p += piece;
		n -= piece;
		it->off += piece;
		it->left -= piece;
	}
	return 0;
}

int msg_iter_copy_from(struct msg_iter *it, void *dst, size_t n)
{
	return msg_iter_copy(it, dst, n, false);
}

int msg_iter_copy_to(struct msg_iter *it, const void *src, size_t n)
{
	return msg_iter_copy(it, (void *)src, n, true);
}

void scm_release(struct scm *scm)
{
	if (!scm)
		return;
	for (int i = 0; i < scm->nfiles; i++)
		file_put(scm->files[i]);
	scm->nfiles = 0;
}

bool socket_nonblock(struct socket *sock, int msg_flags)
{
	return (msg_flags & LINUX_MSG_DONTWAIT) ||
	       (__atomic_load_n(&sock->file.flags, __ATOMIC_RELAXED) & O_NONBLOCK);
}

int socket_wait(struct waitq *q, pthread_mutex_t *lock, bool (*cond)(void *arg), void *arg,
		u64 timeout_ns)
{
	struct task *t = task_current();
	struct timespec deadline;
	struct wait_entry w;
	int ret = 0;

	if (!t)
		return -EAGAIN;
	if (timeout_ns)
		deadline = deadline_after(
			&(struct timespec){timeout_ns / 1000000000, timeout_ns % 1000000000});
	waitq_add(q, &w, t);
	while (!cond(arg)) {
		pthread_mutex_unlock(lock);
		ret = task_sleep(t, timeout_ns ? &deadline : NULL);
		pthread_mutex_lock(lock);
		/* What we waited for wins over a signal or timeout that came with it. */
		if (ret && !cond(arg)) {
			if (ret == -ETIMEDOUT)
				ret = -EAGAIN;
			else
				ret = timeout_ns ? -EINTR : -ERESTARTSYS;
			break;
		}
		ret = 0;
	}
	waitq_remove(&w);
	return ret;
}

static ssize_t socket_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct socket *sock = socket_of_file(f);
	struct linux_iovec kiov;
	struct sock_msg m = {0};

	if (pos)
		return -ESPIPE;
	if (!sock->ops->recvmsg)
		return -EOPNOTSUPP;
	msg_iter_init_kernel(&m.iter, &kiov, buf, len);
	return sock->ops->recvmsg(sock, &m, 0);
}

static ssize_t socket_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct socket *sock = socket_of_file(f);
	struct linux_iovec kiov;
	struct sock_msg m = {0};

	if (pos)
		return -ESPIPE;
	if (!sock->ops->sendmsg)
		return -EOPNOTSUPP;
	msg_iter_init_kernel(&m.iter, &kiov, (void *)buf, len);
	/* The caller (sys_io.c) raises SIGPIPE on -EPIPE, as write(2) does. */
	return sock->ops->sendmsg(sock, &m, LINUX_MSG_NOSIGNAL);
}

static u32 socket_poll(struct file *f, struct poll_table *pt)
{
	struct socket *sock = socket_of_file(f);
	return sock->ops->poll ? sock->ops->poll(sock, pt) : POLL_DEFAULT_MASK;
}

static long socket_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct socket *sock = socket_of_file(f);
	int val;
	long ret = sock->ops->ioctl ? sock->ops->ioctl(sock, cmd, &val) : -ENOIOCTLCMD;
	if (ret == -ENOIOCTLCMD)
		return -ENOTTY;
	if (ret)
		return ret;
	return mm_copy_to_user(t->mm, arg, &val, sizeof(val)) ? -EFAULT : 0;
}

static int socket_stat(struct file *f, struct kstat *st)
{
	struct socket *sock = socket_of_file(f);
	struct linux_timespec now;

	/* Linux's sockfs inode: mode S_IFSOCK|0777, times of the stat itself. */
	vfs_now(&now);
	*st = (struct kstat){
		.mask = LINUX_STATX_BASIC_STATS,
		.mode = S_IFSOCK | 0777,
		.nlink = 1,
		.uid = sock->uid,
		.gid = sock->gid,
		.blksize = PAGE_SIZE,
		.dev = sockfs->dev,
		.ino = sock->ino,
		.atime = now,
		.mtime = now,
		.ctime = now,
	};
	return 0;
}

static void socket_release(struct file *f)
{
	struct socket *sock = socket_of_file(f);
	if (sock->ops->release)
		sock->ops->release(sock);
}

static const struct file_ops socket_file_ops = {
	.fasync = true,
	.read = socket_read,
	.write = socket_write,
	.poll = socket_poll,
	.ioctl = socket_ioctl,
	.stat = socket_stat,
	.release = socket_release,
};

bool file_is_socket(const struct file *f)
{
	return f->ops == &socket_file_ops;
}

struct socket *socket_alloc(struct task *t, const struct socket_ops *ops, int type, int protocol,
			    u32 flags)
{
	pthread_once(&sockfs_once, sockfs_init);
	if (!sockfs)
		return NULL;
	struct socket *sock = (struct socket *)file_alloc(sizeof(*sock), &socket_file_ops);
	if (!sock)
		return NULL;
	sock->file.flags = O_RDWR | (flags & O_NONBLOCK);
	/* Gathered I/O: a writev is one message, a read returns what is there. */
	sock->file.mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM | FMODE_GATHER;
	sock->ops = ops;
	sock->type = type;
	sock->protocol = protocol;
	sock->ino = sb_next_ino(sockfs);
	if (t && t->cred) {
		sock->uid = t->cred->fsuid;
		sock->gid = t->cred->fsgid;
	}
	return sock;
}

/*
 * The providers by family. Only AF_UNIX for now: AF_INET and AF_INET6
 * (the user-space stack or host passthrough) and the rest are
 * -EAFNOSUPPORT until the networking work adds them.
 */
static const struct socket_ops *socket_family_ops(int family)
{
	switch (family) {
	case LINUX_AF_UNIX:
		return &unix_socket_ops;
	default:
		return NULL;
	}
}

static int socket_check_args(int family, int type)
{
	if (family < 0 || family >= LINUX_AF_MAX)
		return -EAFNOSUPPORT;
	/* Linux's SOCK_MAX bounds the type; the family judges the rest. */
	if (type < 0 || type > LINUX_SOCK_PACKET)
		return -EINVAL;
	return 0;
}

int socket_create(struct task *t, int family, int type, int protocol, u32 flags,
		  struct socket **out)
{
	int ret = socket_check_args(family, type);
	if (ret)
		return ret;
	const struct socket_ops *ops = socket_family_ops(family);
	if (!ops)
		return -EAFNOSUPPORT;
	struct socket *sock = socket_alloc(t, ops, type, protocol, flags);
	if (!sock)
		return -ENOMEM;
	ret = ops->create(t, sock, type, protocol);
	if (ret) {
		file_put(&sock->file);
		return ret;
	}
	*out = sock;
	return 0;
}

int socket_create_pair(struct task *t, int family, int type, int protocol, u32 flags,
		       struct socket *out[2])
{
	int ret = socket_create(t, family, type, protocol, flags, &out[0]);
	if (ret)
		return ret;
	ret = socket_create(t, family, type, protocol, flags, &out[1]);
	if (ret)
		goto out_put_first;
	ret = out[0]->ops->socketpair ? out[0]->ops->socketpair(out[0], out[1]) : -EOPNOTSUPP;
	if (ret)
		goto out_put_both;
	return 0;

out_put_both:
	file_put(&out[1]->file);
out_put_first:
	file_put(&out[0]->file);
	return ret;
}

static int put_int_opt(void *val, u32 *len, int v)
{
	/* Linux copies min(len, sizeof(int)) and reports that length. */
	if ((int)*len < 0)
		return -EINVAL;
	*len = MIN(*len, (u32)sizeof(int));
	memcpy(val, &v, *len);
	return 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO: a struct timeval (the old 16-byte one on x86-64). */
static int set_timeo(u64 *dst, const void *val, u32 len)
{
	struct {
		s64 sec, usec;
	} tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	u64 ns = 0;
	/* Negative: no wait at all is not what Linux does; it means "never time out". */
	if (tv.sec >= 0 && (tv.sec || tv.usec))
		ns = (u64)tv.sec * 1000000000ull + (u64)tv.usec * 1000;
	__atomic_store_n(dst, ns, __ATOMIC_RELAXED);
	return 0;
}

static int get_timeo(const u64 *src, void *val, u32 *len)
{
	u64 ns = __atomic_load_n(src, __ATOMIC_RELAXED);
	struct {
		s64 sec, usec;
	} tv = {ns / 1000000000, (ns % 1000000000) / 1000};
	if ((int)*len < 0)
		return -EINVAL;
	*len = MIN(*len, (u32)sizeof(tv));
	memcpy(val, &tv, *len);
	return 0;
}

int socket_setsockopt_common(struct socket *sock, int name, const void *val, u32 len)
{
	switch (name) {
	case LINUX_SO_RCVTIMEO:
		return set_timeo(&sock->rcvtimeo_ns, val, len);
	case LINUX_SO_SNDTIMEO:
		return set_timeo(&sock->sndtimeo_ns, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

int socket_getsockopt_common(struct socket *sock, int name, void *val, u32 *len)
{
	switch (name) {
	case LINUX_SO_TYPE:
		return put_int_opt(val, len, sock->type);
	case LINUX_SO_DOMAIN:
		return put_int_opt(val, len, sock->ops->family);
	case LINUX_SO_PROTOCOL:
		return put_int_opt(val, len, sock->protocol);
	case LINUX_SO_RCVTIMEO:
		return get_timeo(&sock->rcvtimeo_ns, val, len);
	case LINUX_SO_SNDTIMEO:
		return get_timeo(&sock->sndtimeo_ns, val, len);
	default:
		return -ENOPROTOOPT;
	}
}
