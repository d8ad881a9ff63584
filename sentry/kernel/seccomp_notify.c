// SPDX-License-Identifier: Apache-2.0
/* seccomp user notification: the listener file and the notified call's wait (seccomp_notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h> /* SECCOMP_IOCTL_* use _IOWR */
#include <stdlib.h>
#include <string.h>

#include "abi/linux/poll.h"
#include "lib/list.h"
#include "seccomp_notify.h"
#include "sentry/vfs/anon_inode.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* Linux 6.6; Debian 12's headers predate it */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

enum notif_state { NOTIF_INIT, NOTIF_SENT, NOTIF_REPLIED };

/* One call waiting for the supervisor; lives on the waiting thread's stack. */
struct notif {
	struct list_head node;
	u64 id;
	struct task *t;
	const struct seccomp_data *sd;
	enum notif_state state;
	s64 val;
	s32 error;
	u32 flags;
};

struct seccomp_listener {
	int refs; /* atomic: the filter's and the file's */
	pthread_mutex_t lock;
	struct list_head notifs; /* struct notif.node, oldest first */
	u64 next_id;
	bool closed; /* the file is gone: calls get ENOSYS (written under lock, read atomically) */
	bool orphaned; /* the filter is gone: POLLHUP */
	/* Waiting threads, supervisors in RECV and pollers alike. */
	struct waitq wq;
};

struct listener_file {
	struct file base;
	struct seccomp_listener *l;
};

static struct seccomp_listener *listener_of(struct file *f)
{
	return container_of(f, struct listener_file, base)->l;
}

void seccomp_listener_put(struct seccomp_listener *l)
{
	if (l && __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_destroy(&l->lock);
		free(l);
	}
}

bool seccomp_listener_closed(struct seccomp_listener *l)
{
	return __atomic_load_n(&l->closed, __ATOMIC_ACQUIRE);
}

void seccomp_listener_orphan(struct seccomp_listener *l)
{
	pthread_mutex_lock(&l->lock);
	l->orphaned = true;
	pthread_mutex_unlock(&l->lock);
	waitq_wake_all(&l->wq);
	seccomp_listener_put(l);
}

static bool replied(void *arg)
{
	return ((struct notif *)arg)->state == NOTIF_REPLIED;
}

bool seccomp_listener_ask(struct seccomp_listener *l, struct task *t, const struct seccomp_data *sd,
			  long *ret)
{
	struct notif n = {.t = t, .sd = sd, .state = NOTIF_INIT};

	pthread_mutex_lock(&l->lock);
	if (l->closed) {
		pthread_mutex_unlock(&l->lock);
		*ret = -ENOSYS;
		return false;
	}
	n.id = ++l->next_id;
	list_add_tail(&n.node, &l->notifs);
	pthread_mutex_unlock(&l->lock);
	waitq_wake_key(&l->wq, LINUX_POLLIN | LINUX_POLLRDNORM);

	pthread_mutex_lock(&l->lock);
	int err = file_wait_event(&l->wq, &l->lock, replied, &n);
	list_del(&n.node);
	pthread_mutex_unlock(&l->lock);
	if (err) { /* a signal: the call restarts, and asks anew */
		*ret = err;
		return false;
	}
	if (n.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return true;
	*ret = n.error ? n.error : n.val;
	return false;
}

static struct notif *find_locked(struct seccomp_listener *l, u64 id)
{
	struct notif *n;
	list_for_each_entry(n, &l->notifs, node)
	{
		if (n->id == id)
			return n;
	}
	return NULL;
}

static struct notif *first_unsent_locked(struct seccomp_listener *l)
{
	struct notif *n;
	list_for_each_entry(n, &l->notifs, node)
	{
		if (n->state == NOTIF_INIT)
			return n;
	}
	return NULL;
}

static bool has_unsent(void *arg)
{
	return first_unsent_locked(arg) != NULL;
}

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* SECCOMP_IOCTL_NOTIF_RECV: the oldest call not yet received; waits for one. */
static long notif_recv(struct task *t, struct seccomp_listener *l, uaddr_t arg)
{
	struct seccomp_notif out;

	if (mm_copy_from_user(t->mm, &out, arg, sizeof(out)))
		return -EFAULT;
	if (!all_zero(&out, sizeof(out)))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	int err = file_wait_event(&l->wq, &l->lock, has_unsent, l);
	if (err) {
		pthread_mutex_unlock(&l->lock);
		return err == -ERESTARTSYS ? -EINTR : err; /* Linux's down_interruptible */
	}
	struct notif *n = first_unsent_locked(l);
	out = (struct seccomp_notif){.id = n->id, .pid = n->t->tid, .data = *n->sd};
	n->state = NOTIF_SENT;
	pthread_mutex_unlock(&l->lock);
	/* Copied out with no lock held; a bad buffer gives the call back, as Linux does. */
	if (mm_copy_to_user(t->mm, arg, &out, sizeof(out))) {
		pthread_mutex_lock(&l->lock);
		n = find_locked(l, out.id);
		if (n && n->state == NOTIF_SENT)
			n->state = NOTIF_INIT;
		pthread_mutex_unlock(&l->lock);
		waitq_wake_key(&l->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
		return -EFAULT;
	}
	waitq_wake_key(&l->wq, LINUX_POLLOUT | LINUX_POLLWRNORM);
	return 0;
}

/* A received call, by id: -ENOENT if there is none, -EINPROGRESS if not received yet. */
static struct notif *sent_locked(struct seccomp_listener *l, u64 id, long *err)
{
	struct notif *n = find_locked(l, id);
	*err = !n ? -ENOENT : n->state != NOTIF_SENT ? -EINPROGRESS : 0;
	return *err ? NULL : n;
}

static void reply_locked(struct notif *n, s64 val, s32 error, u32 flags)
{
	n->state = NOTIF_REPLIED;
	n->val = val;
	n->error = error;
	n->flags = flags;
}

static long notif_send(struct task *t, struct seccomp_listener *l, uaddr_t arg)
{
	struct seccomp_notif_resp resp;
	long ret;

	if (mm_copy_from_user(t->mm, &resp, arg, sizeof(resp)))
		return -EFAULT;
	if (resp.flags & ~SECCOMP_USER_NOTIF_FLAG_CONTINUE)
		return -EINVAL;
	if ((resp.flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) && (resp.error || resp.val))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	struct notif *n = sent_locked(l, resp.id, &ret);
	if (n)
		reply_locked(n, resp.val, resp.error, resp.flags);
	pthread_mutex_unlock(&l->lock);
	waitq_wake_all(&l->wq);
	return ret;
}

static long notif_id_valid(struct task *t, struct seccomp_listener *l, uaddr_t arg)
{
	u64 id;
	long ret;

	if (mm_copy_from_user(t->mm, &id, arg, sizeof(id)))
		return -EFAULT;
	pthread_mutex_lock(&l->lock);
	struct notif *n = find_locked(l, id);
	ret = n && n->state == NOTIF_SENT ? 0 : -ENOENT;
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* SECCOMP_IOCTL_NOTIF_ADDFD: put a file of the supervisor's into the waiting thread's table. */
static long notif_addfd(struct task *t, struct seccomp_listener *l, uaddr_t arg)
{
	struct seccomp_notif_addfd a;
	long ret;

	if (mm_copy_from_user(t->mm, &a, arg, sizeof(a)))
		return -EFAULT;
	if (a.newfd_flags & ~O_CLOEXEC ||
	    a.flags & ~(SECCOMP_ADDFD_FLAG_SETFD | SECCOMP_ADDFD_FLAG_SEND))
		return -EINVAL;
	if (a.newfd && !(a.flags & SECCOMP_ADDFD_FLAG_SETFD))
		return -EINVAL;
	struct file *f = fdtable_get(t->files, (int)a.srcfd);
	if (!f || (f->mode & FMODE_PATH)) {
		file_put(f);
		return -EBADF;
	}
	/*
	 * The table is changed outside l->lock: a descriptor it replaces is
	 * closed there, and a release may take locks (epoll's, k->lock) that
	 * are taken before l->lock elsewhere.
	 */
	pthread_mutex_lock(&l->lock);
	struct notif *n = sent_locked(l, a.id, &ret);
	struct fdtable *files = n ? fdtable_share(n->t->files) : NULL;
	pthread_mutex_unlock(&l->lock);
	if (!files) {
		file_put(f);
		return ret;
	}
	bool cloexec = a.newfd_flags & O_CLOEXEC;
	if (!(a.flags & SECCOMP_ADDFD_FLAG_SETFD))
		ret = fdtable_alloc(files, 0, f, cloexec); /* takes f, or drops it */
	else if (a.newfd >= FDTABLE_MAX) {
		ret = -EBADF;
		file_put(f); /* fdtable_install refuses it without taking f */
	} else
		ret = fdtable_install(files, (int)a.newfd, f, cloexec) ?: (long)a.newfd;
	fdtable_destroy(files);
	if (ret < 0 || !(a.flags & SECCOMP_ADDFD_FLAG_SEND))
		return ret;
	pthread_mutex_lock(&l->lock);
	long err;
	n = sent_locked(l, a.id, &err);
	if (n)
		reply_locked(n, ret, 0, 0);
	pthread_mutex_unlock(&l->lock);
	waitq_wake_all(&l->wq);
	/* A signal took the call away meanwhile: the descriptor stays, as one it got. */
	return n ? ret : -ESRCH;
}

static long listener_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct seccomp_listener *l = listener_of(f);
	u64 flags;

	switch (cmd) {
	case SECCOMP_IOCTL_NOTIF_RECV:
		return notif_recv(t, l, arg);
	case SECCOMP_IOCTL_NOTIF_SEND:
		return notif_send(t, l, arg);
	case SECCOMP_IOCTL_NOTIF_ID_VALID:
		return notif_id_valid(t, l, arg);
	case SECCOMP_IOCTL_NOTIF_ADDFD:
		return notif_addfd(t, l, arg);
	case SECCOMP_IOCTL_NOTIF_SET_FLAGS:
		/* Waking the supervisor on the waiter's CPU is a scheduling hint: taken, no effect. */
		if (mm_copy_from_user(t->mm, &flags, arg, sizeof(flags)))
			return -EFAULT;
		return flags & ~SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP ? -EINVAL : 0;
	default:
		return -EINVAL; /* Linux's seccomp_notify_ioctl */
	}
}

static u32 listener_poll(struct file *f, struct poll_table *pt)
{
	struct seccomp_listener *l = listener_of(f);
	struct notif *n;
	u32 mask = 0;

	poll_wait(f, &l->wq, pt);
	pthread_mutex_lock(&l->lock);
	list_for_each_entry(n, &l->notifs, node)
	{
		if (n->state == NOTIF_INIT)
			mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
		else if (n->state == NOTIF_SENT)
			mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	}
	if (l->orphaned)
		mask |= LINUX_POLLHUP;
	pthread_mutex_unlock(&l->lock);
	return mask;
}

/* The supervisor is gone: every waiting call ends with ENOSYS, as do later ones. */
static void listener_release(struct file *f)
{
	struct seccomp_listener *l = listener_of(f);
	struct notif *n;

	pthread_mutex_lock(&l->lock);
	__atomic_store_n(&l->closed, true, __ATOMIC_RELEASE);
	list_for_each_entry(n, &l->notifs, node)
	{
		if (n->state != NOTIF_REPLIED)
			reply_locked(n, 0, -ENOSYS, 0);
	}
	pthread_mutex_unlock(&l->lock);
	waitq_wake_all(&l->wq);
	seccomp_listener_put(l);
}

static const struct file_ops listener_ops = {
	.ioctl = listener_ioctl,
	.poll = listener_poll,
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.release = listener_release,
	.anon_name = "seccomp notify",
};

struct seccomp_listener *seccomp_listener_new(struct file **file)
{
	if (anon_inode_init())
		return NULL;
	struct seccomp_listener *l = calloc(1, sizeof(*l));
	struct file *f = l ? file_alloc(sizeof(struct listener_file), &listener_ops) : NULL;
	if (!f) {
		free(l);
		return NULL;
	}
	l->refs = 2;
	pthread_mutex_init(&l->lock, NULL);
	list_init(&l->notifs);
	waitq_init(&l->wq);
	container_of(f, struct listener_file, base)->l = l;
	f->flags = O_RDWR;
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM;
	*file = f;
	return l;
}
