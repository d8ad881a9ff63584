// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX message queues: mq_open(2), mq_unlink(2), mq_timedsend(2),
 * mq_timedreceive(2), mq_notify(2), mq_getsetattr(2), as Linux's
 * ipc/mqueue.c.
 *
 * Queues live in the IPC namespace by name; a queue descriptor is a file
 * (close, poll, epoll and read(2) of the status line work as on Linux).
 * The mqueue file system (mqueue_fs.c) shows the same queues as files;
 * opening one there gives a descriptor these calls take, and mq_open's
 * descriptors are files of its internal mount, as on Linux.
 *
 * Lock order: mqueue_internal.h. A signal notification is sent after
 * ns->lock and mq->lock are dropped (it takes k->lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/linux/fs.h"
#include "abi/linux/poll.h"
#include "abi/linux/signal.h"
#include "ipc_internal.h"
#include "mqueue_internal.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/timers.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"

#define MQ_PRIO_MAX 32768
#define LINUX_RLIMIT_MSGQUEUE 12
/* What Linux charges per message slot: a struct msg_msg and a tree node (x86-64). */
#define MQ_SLOT_COST (48 + 48)

struct mq_msg {
	struct list_head node;
	u32 prio;
	size_t len;
	char data[];
};

/* Bytes of queues a user (real uid) has made, against RLIMIT_MSGQUEUE. */
struct mq_user {
	struct list_head node;
	u32 uid;
	u64 bytes;
};

static struct list_head *ns_mqueues(struct ipc_ns *ns)
{
	return &ns->mqueues;
}

static struct mq_user *mq_user_find(struct ipc_ns *ns, u32 uid)
{
	struct mq_user *u;
	list_for_each_entry(u, &ns->mq_users, node)
	{
		if (u->uid == uid)
			return u;
	}
	return NULL;
}

/*
 * Linux's mqueue_get_inode charge: maxmsg slots and their bytes, against
 * the creator's RLIMIT_MSGQUEUE (no capability overrides it). ns->lock
 * held. 0, -EMFILE or -ENOMEM.
 */
static int mq_charge(struct task *t, struct ipc_ns *ns, struct mqueue *mq)
{
	u64 need = (u64)mq->maxmsg * MQ_SLOT_COST + (u64)mq->maxmsg * (u64)mq->msgsize;
	struct mq_user *u = mq_user_find(ns, t->cred->uid);
	u64 used = u ? u->bytes : 0;

	if (used + need > task_rlimit(t, LINUX_RLIMIT_MSGQUEUE))
		return -EMFILE;
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return -ENOMEM;
		u->uid = t->cred->uid;
		list_add(&u->node, &ns->mq_users);
	}
	u->bytes += need;
	mq->charged_uid = u->uid;
	mq->charged_bytes = need;
	return 0;
}

void mq_put(struct ipc_ns *ns, struct mqueue *mq)
{
	pthread_mutex_lock(&ns->lock);
	bool last = --mq->refs == 0;
	if (last && mq->charged_bytes) {
		struct mq_user *u = mq_user_find(ns, mq->charged_uid);
		if (u)
			u->bytes -= mq->charged_bytes;
	}
	pthread_mutex_unlock(&ns->lock);
	if (!last)
		return;
	struct mq_msg *m, *n;
	list_for_each_entry_safe(m, n, &mq->msgs, node)
	{
		free(m);
	}
	pthread_mutex_destroy(&mq->lock);
	free(mq);
}

static struct mqueue *mq_of(struct file *f)
{
	return f->private_data;
}

int mq_status_line(struct mqueue *mq, char *buf, size_t size)
{
	pthread_mutex_lock(&mq->lock);
	int n = snprintf(
		buf, size, "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		(unsigned long long)mq->qsize, mq->notify_owner ? mq->notify.notify : 0,
		mq->notify_owner && mq->notify.notify == LINUX_SIGEV_SIGNAL ? mq->notify.signo : 0,
		mq->notify_owner);
	pthread_mutex_unlock(&mq->lock);
	return MIN(n, (int)size - 1);
}

/* read(2): Linux's status line. */
static ssize_t mq_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	char line[96];
	int n = mq_status_line(mq_of(f), line, sizeof(line));
	if (!pos)
		return -ESPIPE;
	if (*pos < 0 || *pos >= n)
		return 0;
	size_t cnt = (size_t)(n - *pos) < len ? (size_t)(n - *pos) : len;
	memcpy(buf, line + *pos, cnt);
	*pos += cnt;
	return cnt;
}

static s64 mq_llseek(struct file *f, s64 off, int whence)
{
	if (whence == SEEK_SET && off >= 0)
		return f->pos = off;
	if (whence == SEEK_CUR && f->pos + off >= 0)
		return f->pos += off;
	return -EINVAL;
}

static u32 mq_poll(struct file *f, struct poll_table *pt)
{
	struct mqueue *mq = mq_of(f);
	u32 mask = 0;

	poll_wait(f, &mq->wq, pt);
	pthread_mutex_lock(&mq->lock);
	if (mq->curmsgs)
		mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (mq->curmsgs < mq->maxmsg)
		mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	pthread_mutex_unlock(&mq->lock);
	return mask;
}

static void mq_release(struct file *f)
{
	struct mqueue *mq = mq_of(f);
	struct task *t = task_current();

	/* Linux drops the notification when its owner closes a descriptor. */
	pthread_mutex_lock(&mq->lock);
	if (t && mq->notify_owner == t->tg->tgid)
		mq->notify_owner = 0;
	pthread_mutex_unlock(&mq->lock);
	mq_put(mq->ns, mq);
}

/* open(2) of a queue's file in the mqueue file system (mqueue_fs.c). */
static int mq_open_inode(struct inode *inode, struct file *f)
{
	struct mqueue *mq = mqfs_inode_queue(inode);
	pthread_mutex_lock(&mq->ns->lock);
	mq->refs++;
	pthread_mutex_unlock(&mq->ns->lock);
	f->private_data = mq;
	f->mode |= FMODE_POLL_REG; /* a regular file, but epoll takes it as Linux's */
	return 0;
}

/*
 * fstat of a descriptor mq_open could not give a path (its queue lost
 * its name meanwhile): the queue's file as the file system shows it.
 */
static int mq_stat(struct file *f, struct kstat *st)
{
	struct mqueue *mq = mq_of(f);
	*st = (struct kstat){
		.mask = LINUX_STATX_BASIC_STATS,
		.mode = S_IFREG | mq->mode,
		.nlink = 1,
		.uid = mq->uid,
		.gid = mq->gid,
		.blksize = PAGE_SIZE,
		.dev = mqfs_dev(),
		.ino = mq->ino,
		.size = MQ_FILENT_SIZE,
		.atime = mq->ctime,
		.mtime = mq->ctime,
		.ctime = mq->ctime,
	};
	return 0;
}

const struct file_ops mq_file_ops = {
	.open = mq_open_inode,
	.read = mq_read,
	.llseek = mq_llseek,
	.stat = mq_stat,
	.poll = mq_poll,
	.release = mq_release,
};

/*
 * The file mq_open returns, or ERR_PTR: a file of the mqueue file
 * system's internal mount (pathless if the name went meanwhile).
 */
static struct file *mq_file_create(struct mqueue *mq, int oflag)
{
	struct file *f = file_alloc(sizeof(struct file), &mq_file_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	if (!mqfs_path(mq, &f->path))
		f->inode = path_inode(&f->path);
	f->flags = oflag & (O_ACCMODE | O_NONBLOCK);
	/* Linux's OPEN_FMODE: O_WRONLY|O_RDWR (created anyway) may do neither. */
	static const u32 fmode[] = {FMODE_READ, FMODE_WRITE, FMODE_READ | FMODE_WRITE, 0};
	f->mode = fmode[oflag & O_ACCMODE] | FMODE_POLL_REG;
	f->private_data = mq;
	return f;
}

/* The queue's name from the guest, checked as Linux's lookup_one_len. */
static int mq_read_name(struct task *t, uaddr_t uname, char *name)
{
	char buf[4096];
	long n = mm_strncpy_from_user(t->mm, buf, uname, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (n >= (long)sizeof(buf))
		return -ENAMETOOLONG;
	if (!n)
		return -ENOENT; /* getname's answer to "" */
	if (!strcmp(buf, ".") || !strcmp(buf, "..") || strchr(buf, '/'))
		return -EACCES;
	if (n > LINUX_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, buf, n + 1);
	return 0;
}

struct mqueue *mq_find(struct ipc_ns *ns, const char *name)
{
	struct mqueue *mq;
	list_for_each_entry(mq, ns_mqueues(ns), ns_node)
	{
		if (!strcmp(mq->name, name))
			return mq;
	}
	return NULL;
}

/* inode_permission of the queue's mode for the fs ids: 0 or -EACCES. */
static int mq_permission(struct task *t, const struct mqueue *mq, u32 want)
{
	const struct cred *c = t->cred;
	u32 mode = mq->mode;
	if (c->fsuid == mq->uid)
		mode >>= 6;
	else if (c->fsgid == mq->gid || cred_in_groups(c, mq->gid))
		mode >>= 3;
	if ((want & ~mode & 7) && !task_capable(t, LINUX_CAP_DAC_OVERRIDE))
		return -EACCES;
	return 0;
}

static int mq_attr_ok(struct task *t, struct ipc_ns *ns, const struct linux_mq_attr *a)
{
	if (a->mq_maxmsg <= 0 || a->mq_msgsize <= 0)
		return -EINVAL;
	if (task_capable(t, LINUX_CAP_SYS_RESOURCE)) {
		if (a->mq_maxmsg > MQ_HARD_MSGMAX || a->mq_msgsize > MQ_HARD_MSGSIZEMAX)
			return -EINVAL;
	} else if (a->mq_maxmsg > ns->mq_msg_max || a->mq_msgsize > ns->mq_msgsize_max) {
		return -EINVAL;
	}
	return 0;
}

struct mqueue *mq_create_locked(struct task *t, struct ipc_ns *ns, const char *name, u32 mode,
				const struct linux_mq_attr *attr)
{
	int ret, n = 0;
	struct mqueue *mq;

	if (attr && (ret = mq_attr_ok(t, ns, attr)))
		return ERR_PTR(ret);
	list_for_each_entry(mq, ns_mqueues(ns), ns_node) n++;
	if (n >= ns->mq_queues_max && !task_capable(t, LINUX_CAP_SYS_RESOURCE))
		return ERR_PTR(-ENOSPC);
	if (!(mq = calloc(1, sizeof(*mq))))
		return ERR_PTR(-ENOMEM);
	strcpy(mq->name, name);
	mq->refs = 1; /* the name */
	mq->ns = ns;
	mq->ino = mqfs_next_ino();
	mq->uid = t->cred->fsuid;
	mq->gid = t->cred->fsgid;
	mq->mode = mode & 07777;
	vfs_now(&mq->ctime);
	pthread_mutex_init(&mq->lock, NULL);
	list_init(&mq->msgs);
	waitq_init(&mq->wq);
	/* Linux's mqueue_get_inode: the defaults, but no more than the maxima. */
	mq->maxmsg = attr ? attr->mq_maxmsg : MIN(ns->mq_msg_max, ns->mq_msg_default);
	mq->msgsize = attr ? attr->mq_msgsize : MIN(ns->mq_msgsize_max, ns->mq_msgsize_default);
	if ((ret = mq_charge(t, ns, mq))) {
		pthread_mutex_destroy(&mq->lock);
		free(mq);
		return ERR_PTR(ret);
	}
	list_add_tail(&mq->ns_node, ns_mqueues(ns));
	return mq;
}

/* Find or make the queue for mq_open, with a reference for the file. */
static struct mqueue *mq_lookup_open(struct task *t, struct ipc_ns *ns, const char *name, int oflag,
				     u32 mode, const struct linux_mq_attr *attr)
{
	static const u32 acc[] = {4, 2, 6};
	struct mqueue *mq = mq_find(ns, name);
	int ret;

	if (!mq) {
		if (!(oflag & O_CREAT))
			return ERR_PTR(-ENOENT);
		mq = mq_create_locked(t, ns, name, mode & ~fs_struct_umask_get(t->fs), attr);
		if (IS_ERR(mq))
			return mq;
	} else if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		return ERR_PTR(-EEXIST);
	} else if ((oflag & O_ACCMODE) == O_ACCMODE) {
		return ERR_PTR(-EINVAL);
	} else if ((ret = mq_permission(t, mq, acc[oflag & O_ACCMODE]))) {
		return ERR_PTR(ret);
	}
	mq->refs++;
	return mq;
}

long sys_mq_open(struct task *t, const struct syscall_args *a)
{
	char name[LINUX_NAME_MAX + 1];
	int oflag = arg_int(a, 1);
	u32 mode = arg_uint(a, 2);
	struct linux_mq_attr attr, *pattr = NULL;
	int ret;

	if ((ret = mq_read_name(t, arg_ptr(a, 0), name)))
		return ret;
	if ((oflag & O_CREAT) && a->a[3]) {
		if (mm_copy_from_user(t->mm, &attr, arg_ptr(a, 3), sizeof(attr)))
			return -EFAULT;
		pattr = &attr;
	}
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	pthread_mutex_lock(&ns->lock);
	struct mqueue *mq = mq_lookup_open(t, ns, name, oflag, mode, pattr);
	pthread_mutex_unlock(&ns->lock);
	if (IS_ERR(mq))
		return PTR_ERR(mq);
	struct file *f = mq_file_create(mq, oflag);
	if (IS_ERR(f)) {
		mq_put(ns, mq);
		return PTR_ERR(f);
	}
	/* Linux makes every queue descriptor close-on-exec. */
	return fdtable_alloc(t->files, 0, f, true);
}

long sys_mq_unlink(struct task *t, const struct syscall_args *a)
{
	char name[LINUX_NAME_MAX + 1];
	int ret;

	if ((ret = mq_read_name(t, arg_ptr(a, 0), name)))
		return ret;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	pthread_mutex_lock(&ns->lock);
	struct mqueue *mq = mq_find(ns, name);
	if (!mq) {
		ret = -ENOENT;
	} else if (t->cred->fsuid != mq->uid && t->cred->fsuid != 0 &&
		   !task_capable(t, LINUX_CAP_FOWNER)) {
		/* Only the owner or root: Linux (6.x, as observed natively) says EACCES. */
		ret = -EACCES;
	} else {
		list_del(&mq->ns_node);
	}
	pthread_mutex_unlock(&ns->lock);
	if (!ret) {
		mqfs_forget(mq);
		mq_put(ns, mq); /* the name's reference */
	}
	return ret;
}

/* The queue behind fd with the access mode it needs, and a reference to the file. */
static struct file *mq_fget(struct task *t, int fd, u32 fmode)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return ERR_PTR(-EBADF);
	/* Our own file type: Linux checks f_op == &mqueue_file_operations too. */
	if (f->ops != &mq_file_ops || (fmode && !(f->mode & fmode))) {
		file_put(f);
		return ERR_PTR(-EBADF);
	}
	return f;
}

/* Wait on mq->wq (mq->lock held, dropped while asleep) until cond holds. */
static int mq_wait(struct task *t, struct mqueue *mq, bool receive, const struct timespec *dl)
{
	struct wait_entry w;
	int ret = 0;
	waitq_add(&mq->wq, &w, t);
	mq->nr_receivers += receive;
	while (receive ? !mq->curmsgs : mq->curmsgs >= mq->maxmsg) {
		pthread_mutex_unlock(&mq->lock);
		ret = task_sleep(t, dl);
		pthread_mutex_lock(&mq->lock);
		if (ret == -EINTR) {
			ret = -ERESTARTSYS;
			break;
		}
		if (ret == -ETIMEDOUT && (receive ? !mq->curmsgs : mq->curmsgs >= mq->maxmsg))
			break;
		ret = 0;
	}
	mq->nr_receivers -= receive;
	waitq_remove(&w);
	return ret;
}

static void mq_insert(struct mqueue *mq, struct mq_msg *m)
{
	struct mq_msg *p;
	list_for_each_entry(p, &mq->msgs, node)
	{
		if (p->prio < m->prio) {
			list_add_tail(&m->node, &p->node); /* before p */
			goto added;
		}
	}
	list_add_tail(&m->node, &mq->msgs);
added:
	mq->curmsgs++;
	mq->qsize += m->len;
}

/* A message arrived on an empty queue: send the registered signal, once. */
static void mq_notify_send(struct task *t, int owner, const struct linux_sigevent *ev)
{
	struct kernel *k = t->k;
	struct linux_siginfo si = {
		.signo = ev->signo,
		.code = LINUX_SI_MESGQ,
		.kill = {.pid = t->tg->tgid, .uid = t->cred->uid, .value = ev->value},
	};
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, owner);
	if (tg && !tg->zombie && ev->signo)
		(void)signal_send_group_locked(tg, &si);
	pthread_mutex_unlock(&k->lock);
}

long sys_mq_timedsend(struct task *t, const struct syscall_args *a)
{
	int fd = arg_int(a, 0);
	size_t len = a->a[2];
	u32 prio = arg_uint(a, 3);
	struct timespec deadline, *dl = NULL;
	int ret;

	if (a->a[4]) {
		if ((ret = ipc_read_timeout(t, arg_ptr(a, 4), true, &deadline)))
			return ret;
		dl = &deadline;
	}
	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	struct file *f = mq_fget(t, fd, FMODE_WRITE);
	if (IS_ERR(f))
		return PTR_ERR(f);
	struct mqueue *mq = mq_of(f);
	struct mq_msg *m = NULL;
	struct linux_sigevent ev;
	int owner = 0;

	ret = -EMSGSIZE;
	if ((long)len < 0 || len > (size_t)mq->msgsize)
		goto out;
	ret = -ENOMEM;
	if (!(m = malloc(sizeof(*m) + len)))
		goto out;
	m->prio = prio;
	m->len = len;
	ret = -EFAULT;
	if (mm_copy_from_user(t->mm, m->data, arg_ptr(a, 1), len))
		goto out;
	pthread_mutex_lock(&mq->lock);
	if (mq->curmsgs >= mq->maxmsg)
		ret = (f->flags & O_NONBLOCK) ? -EAGAIN : mq_wait(t, mq, false, dl);
	else
		ret = 0;
	if (!ret) {
		mq_insert(mq, m);
		m = NULL;
		/* Linux notifies only when no receiver is waiting for it. */
		if (mq->notify_owner && mq->curmsgs == 1 && !mq->nr_receivers) {
			owner = mq->notify_owner;
			ev = mq->notify;
			mq->notify_owner = 0;
		}
	}
	pthread_mutex_unlock(&mq->lock);
	if (!ret)
		waitq_wake_all(&mq->wq);
	if (owner && ev.notify == LINUX_SIGEV_SIGNAL)
		mq_notify_send(t, owner, &ev);
out:
	free(m);
	file_put(f);
	return ret;
}

long sys_mq_timedreceive(struct task *t, const struct syscall_args *a)
{
	int fd = arg_int(a, 0);
	size_t len = a->a[2];
	uaddr_t uprio = arg_ptr(a, 3);
	struct timespec deadline, *dl = NULL;
	long ret;

	if (a->a[4]) {
		if ((ret = ipc_read_timeout(t, arg_ptr(a, 4), true, &deadline)))
			return ret;
		dl = &deadline;
	}
	struct file *f = mq_fget(t, fd, FMODE_READ);
	if (IS_ERR(f))
		return PTR_ERR(f);
	struct mqueue *mq = mq_of(f);
	struct mq_msg *m = NULL;

	if (len < (size_t)mq->msgsize) {
		file_put(f);
		return -EMSGSIZE;
	}
	pthread_mutex_lock(&mq->lock);
	if (!mq->curmsgs)
		ret = (f->flags & O_NONBLOCK) ? -EAGAIN : mq_wait(t, mq, true, dl);
	else
		ret = 0;
	if (!ret) {
		m = list_entry(mq->msgs.next, struct mq_msg, node);
		list_del(&m->node);
		mq->curmsgs--;
		mq->qsize -= m->len;
	}
	pthread_mutex_unlock(&mq->lock);
	if (ret) {
		file_put(f);
		return ret == -ETIMEDOUT ? -ETIMEDOUT : ret;
	}
	waitq_wake_all(&mq->wq); /* room for a sender */
	ret = m->len;
	if ((uprio.addr && mm_copy_to_user(t->mm, uprio, &m->prio, sizeof(m->prio))) ||
	    mm_copy_to_user(t->mm, arg_ptr(a, 1), m->data, m->len))
		ret = -EFAULT;
	free(m);
	file_put(f);
	return ret;
}

long sys_mq_notify(struct task *t, const struct syscall_args *a)
{
	struct linux_sigevent ev;
	bool have = a->a[1] != 0;

	if (have) {
		if (mm_copy_from_user(t->mm, &ev, arg_ptr(a, 1), sizeof(ev)))
			return -EFAULT;
		if (ev.notify != LINUX_SIGEV_NONE && ev.notify != LINUX_SIGEV_SIGNAL &&
		    ev.notify != LINUX_SIGEV_THREAD)
			return -EINVAL;
		if (ev.notify == LINUX_SIGEV_SIGNAL && (ev.signo < 0 || ev.signo > LINUX_NSIG - 1))
			return -EINVAL;
		/* SIGEV_THREAD needs a netlink socket (glibc's helper thread): not yet. */
		if (ev.notify == LINUX_SIGEV_THREAD)
			return -ENOSYS;
	}
	struct file *f = mq_fget(t, arg_int(a, 0), 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	struct mqueue *mq = mq_of(f);
	int tgid = t->tg->tgid;
	long ret = 0;

	pthread_mutex_lock(&mq->lock);
	if (!have) {
		if (mq->notify_owner == tgid)
			mq->notify_owner = 0;
	} else if (mq->notify_owner) {
		ret = -EBUSY;
	} else {
		mq->notify = ev;
		mq->notify_owner = tgid;
	}
	pthread_mutex_unlock(&mq->lock);
	file_put(f);
	return ret;
}

long sys_mq_getsetattr(struct task *t, const struct syscall_args *a)
{
	struct linux_mq_attr nattr, oattr = {0};
	uaddr_t unew = arg_ptr(a, 1), uold = arg_ptr(a, 2);

	if (unew.addr) {
		if (mm_copy_from_user(t->mm, &nattr, unew, sizeof(nattr)))
			return -EFAULT;
		if (nattr.mq_flags & ~(s64)O_NONBLOCK)
			return -EINVAL;
	}
	struct file *f = mq_fget(t, arg_int(a, 0), 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	struct mqueue *mq = mq_of(f);
	pthread_mutex_lock(&mq->lock);
	oattr.mq_maxmsg = mq->maxmsg;
	oattr.mq_msgsize = mq->msgsize;
	oattr.mq_curmsgs = mq->curmsgs;
	pthread_mutex_unlock(&mq->lock);
	u32 flags = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
	oattr.mq_flags = flags & O_NONBLOCK;
	if (unew.addr) {
		u32 nf = (flags & ~O_NONBLOCK) | (nattr.mq_flags & O_NONBLOCK);
		__atomic_store_n(&f->flags, nf, __ATOMIC_RELAXED);
	}
	file_put(f);
	if (uold.addr && mm_copy_to_user(t->mm, uold, &oattr, sizeof(oattr)))
		return -EFAULT;
	return 0;
}
