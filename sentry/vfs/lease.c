// SPDX-License-Identifier: Apache-2.0
/* File leases (lease.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "abi/linux/capability.h"
#include "fasync.h"
#include "lease.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/wait.h"
#include "vfs.h"

#define LEASE_BREAK_NS (45ull * 1000000000) /* /proc/sys/fs/lease-break-time */

struct lease {
	struct lease *next;
	struct file *file; /* not a reference: file_put takes the lease away first */
	int fd;		   /* si_fd of the break signal */
	int type;	   /* F_RDLCK or F_WRLCK */
	/* type, or while a break is pending what it is being broken to (F_RDLCK, F_UNLCK). */
	int target;
	u64 deadline; /* CLOCK_MONOTONIC ns at which a pending break completes by itself */
};

static pthread_mutex_t lease_lock = PTHREAD_MUTEX_INITIALIZER;
/* Openers waiting for a break; woken at every change of a lease. */
static struct waitq lease_wq = {PTHREAD_MUTEX_INITIALIZER, LIST_HEAD_INIT(lease_wq.entries)};

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static bool breaking(const struct lease *l)
{
	return l->target != l->type;
}

static void unlink_lease(struct inode *inode, struct lease *l)
{
	for (struct lease **p = &inode->leases; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			free(l);
			return;
		}
}

/* The holder gave in or ran out of time: the lease becomes its target. lease_lock held. */
static void complete(struct inode *inode, struct lease *l, int type)
{
	if (type == F_UNLCK) {
		unlink_lease(inode, l);
		return;
	}
	/* F_RDLCK ends a downgrade; only F_UNLCK ends an unlock (Linux's lease_clear_pending). */
	if (!breaking(l) || (l->target == F_RDLCK && type == F_RDLCK))
		l->target = type;
	l->type = type;
}

/* Linux's time_out_leases. lease_lock held. */
static void time_out(struct inode *inode)
{
	u64 now = now_ns();
	struct lease *l = inode->leases, *next;

	for (; l; l = next) {
		next = l->next;
		if (breaking(l) && now >= l->deadline)
			complete(inode, l, l->target);
	}
}

static struct lease *find(struct inode *inode, const struct file *f)
{
	for (struct lease *l = inode->leases; l; l = l->next)
		if (l->file == f)
			return l;
	return NULL;
}

/* Do l and an open for writing (or not) conflict? Two readers do not. */
static bool conflicts(const struct lease *l, bool write)
{
	return write || l->type == F_WRLCK;
}

/*
 * Linux's check_conflicting_open: a read lease wants no writer at all, a
 * write lease no open file but f.
 */
static bool open_conflicts(struct file *f, int type)
{
	struct inode *inode = f->inode;
	int w = __atomic_load_n(&inode->writecount, __ATOMIC_SEQ_CST);
	int r = __atomic_load_n(&inode->readcount, __ATOMIC_SEQ_CST);

	if (type == F_RDLCK)
		return w != 0;
	return w != ((f->mode & FMODE_WRITER) ? 1 : 0) || r != ((f->mode & FMODE_READER) ? 1 : 0);
}

static int add_locked(struct file *f, int fd, int type)
{
	struct inode *inode = f->inode;
	struct lease *mine = NULL;

	time_out(inode);
	if (open_conflicts(f, type))
		return -EAGAIN;
	for (struct lease *l = inode->leases; l; l = l->next) {
		if (l->file == f)
			mine = l;
		else if (type == F_WRLCK || l->target == F_UNLCK)
			return -EAGAIN;
	}
	if (mine) {
		mine->fd = fd;
		complete(inode, mine, type);
		return 0;
	}
	mine = calloc(1, sizeof(*mine));
	if (!mine)
		return -ENOMEM;
	*mine = (struct lease){
		.next = inode->leases, .file = f, .fd = fd, .type = type, .target = type};
	__atomic_store_n(&inode->leases, mine, __ATOMIC_SEQ_CST);
	/* An open that raced past lease_break's look at inode->leases shows in the counts. */
	if (open_conflicts(f, type)) {
		unlink_lease(inode, mine);
		return -EAGAIN;
	}
	return 0;
}

int lease_set(struct task *t, struct file *f, int fd, int type, const struct vfs_cred *c)
{
	struct inode *inode = f->inode;
	int ret;

	if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK)
		return -EINVAL;
	if (!inode) /* an anonymous pipe or socket: no inode, certainly no regular file */
		return -EINVAL;
	if (c->fsuid != inode->uid && !cred_capable(c, LINUX_CAP_LEASE))
		return -EACCES;
	if (!S_ISREG(inode->mode) || (f->mode & FMODE_PATH))
		return -EINVAL;
	pthread_mutex_lock(&lease_lock);
	if (type == F_UNLCK) {
		struct lease *l = find(inode, f);
		if (l)
			complete(inode, l, F_UNLCK);
		ret = 0;
	} else {
		ret = add_locked(f, fd, type);
	}
	pthread_mutex_unlock(&lease_lock);
	waitq_wake_all(&lease_wq);
	/* The break signal goes to the process that took the lease. */
	if (!ret && type != F_UNLCK)
		ret = fasync_setown(t, f, LINUX_F_OWNER_PID, t->tg->tgid);
	return ret;
}

int lease_get(struct file *f)
{
	int type = F_UNLCK;

	if (!f->inode || !__atomic_load_n(&f->inode->leases, __ATOMIC_SEQ_CST))
		return type;
	pthread_mutex_lock(&lease_lock);
	time_out(f->inode);
	struct lease *l = find(f->inode, f);
	if (l)
		type = l->target;
	pthread_mutex_unlock(&lease_lock);
	return type;
}

/* The earliest deadline of a lease write conflicts with, or 0 if none is left. lease_lock held. */
static u64 conflict_deadline(struct inode *inode, bool write)
{
	u64 first = 0;

	time_out(inode);
	for (struct lease *l = inode->leases; l; l = l->next)
		if (conflicts(l, write) && (!first || l->deadline < first))
			first = l->deadline;
	return first;
}

int lease_break(struct inode *inode, int flags)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY;
	struct task *t = task_current();
	int ret = 0;

	if (!__atomic_load_n(&inode->leases, __ATOMIC_SEQ_CST))
		return 0;
	pthread_mutex_lock(&lease_lock);
	time_out(inode);
	bool any = false;
	for (struct lease *l = inode->leases; l; l = l->next)
		any |= conflicts(l, write);
	if (!any) {
		pthread_mutex_unlock(&lease_lock);
		return 0;
	}
	u64 deadline = now_ns() + LEASE_BREAK_NS;
	for (struct lease *l = inode->leases; l; l = l->next) {
		if (!conflicts(l, write) || l->target == F_UNLCK || (!write && breaking(l)))
			continue;
		l->target = write ? F_UNLCK : F_RDLCK;
		l->deadline = deadline;
		fasync_notify(l->file, l->fd);
	}
	if (!t) { /* not a guest's call: nobody to make wait */
		pthread_mutex_unlock(&lease_lock);
		return 0;
	}
	if (flags & O_NONBLOCK) {
		pthread_mutex_unlock(&lease_lock);
		return -EWOULDBLOCK;
	}
	for (;;) {
		u64 until = conflict_deadline(inode, write);
		if (!until)
			break;
		struct wait_entry w;
		struct timespec ts = {until / 1000000000, until % 1000000000};
		waitq_add(&lease_wq, &w, t);
		pthread_mutex_unlock(&lease_lock);
		int slept = task_sleep(t, &ts);
		waitq_remove(&w);
		pthread_mutex_lock(&lease_lock);
		if (slept == -EINTR) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	pthread_mutex_unlock(&lease_lock);
	return ret;
}

void lease_remove_file(struct file *f)
{
	struct inode *inode = f->inode;

	if (!inode || !__atomic_load_n(&inode->leases, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&lease_lock);
	struct lease *l = find(inode, f);
	if (l)
		unlink_lease(inode, l);
	pthread_mutex_unlock(&lease_lock);
	if (l)
		waitq_wake_all(&lease_wq);
}
