// SPDX-License-Identifier: Apache-2.0
/*
 * pidfds (pidfd.h): the file, its readiness, and what process.c and the
 * syscalls ask of it. Every pidfd is on one list so that a group's exit
 * and reaping find the pidfds that name it.
 */
#include <errno.h>
#include <fcntl.h>

#include "abi/linux/poll.h"
#include "pidfd.h"
#include "process.h"
#include "sentry/vfs/anon_inode.h"
#include "sentry/vfs/poll.h"
#include "sentry/vfs/vfs.h"

struct pidfd {
	struct file base;
	struct kernel *k;
	struct list_head node; /* in pidfds (pidfds_lock) */
	/* Under k->lock (and pidfds_lock to change): NULL before bind and once reaped. */
	struct thread_group *tg;
	bool reaped;
	struct waitq wq; /* pollers */
};

static pthread_mutex_t pidfds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head pidfds = LIST_HEAD_INIT(pidfds);

static const struct file_ops pidfd_ops;

static struct pidfd *to_pidfd(struct file *f)
{
	return f->ops == &pidfd_ops ? container_of(f, struct pidfd, base) : NULL;
}

/* Linux 6.1's pidfd_poll: POLLIN once the whole group has exited. */
static u32 pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct pidfd *p = to_pidfd(f);
	poll_wait(f, &p->wq, pt);
	pthread_mutex_lock(&p->k->lock);
	bool exited = p->reaped || (p->tg && !p->tg->nr_threads);
	pthread_mutex_unlock(&p->k->lock);
	return exited ? LINUX_POLLIN | LINUX_POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	struct pidfd *p = to_pidfd(f);
	pthread_mutex_lock(&pidfds_lock);
	list_del(&p->node);
	pthread_mutex_unlock(&pidfds_lock);
}

static const struct file_ops pidfd_ops = {
	.stat = anon_inode_stat,
	.poll = pidfd_poll,
	.release = pidfd_release,
	.anon_name = "[pidfd]",
};

static struct file *pidfd_alloc(struct kernel *k, u32 flags)
{
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	struct file *f = file_alloc(sizeof(struct pidfd), &pidfd_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	struct pidfd *p = to_pidfd(f);
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM;
	p->k = k;
	waitq_init(&p->wq);
	pthread_mutex_lock(&pidfds_lock);
	list_add_tail(&p->node, &pidfds);
	pthread_mutex_unlock(&pidfds_lock);
	return f;
}

static void bind_locked(struct pidfd *p, struct thread_group *tg)
{
	pthread_mutex_lock(&pidfds_lock);
	p->tg = tg;
	pthread_mutex_unlock(&pidfds_lock);
}

struct file *pidfd_create_locked(struct kernel *k, struct thread_group *tg, u32 flags)
{
	struct file *f = pidfd_alloc(k, flags);
	if (!IS_ERR(f))
		bind_locked(to_pidfd(f), tg);
	return f;
}

struct thread_group *pidfd_tg_locked(struct file *f)
{
	struct pidfd *p = to_pidfd(f);
	return p ? p->tg : ERR_PTR(-EBADF);
}

void pidfd_exit_locked(struct thread_group *tg)
{
	struct pidfd *p;
	pthread_mutex_lock(&pidfds_lock);
	list_for_each_entry(p, &pidfds, node) if (p->tg == tg)
		waitq_wake_key(&p->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	pthread_mutex_unlock(&pidfds_lock);
}

void pidfd_reap_locked(struct thread_group *tg)
{
	struct pidfd *p;
	pthread_mutex_lock(&pidfds_lock);
	list_for_each_entry(p, &pidfds, node)
	{
		if (p->tg != tg)
			continue;
		p->tg = NULL;
		p->reaped = true;
		waitq_wake_key(&p->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	}
	pthread_mutex_unlock(&pidfds_lock);
}

int pidfd_clone_prepare(struct task *p, u64 uptr, struct pidfd_clone *pc)
{
	struct file *f = pidfd_alloc(p->k, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	/* Linux's pidfds are always close-on-exec. */
	int fd = fdtable_alloc(p->files, 0, f, true);
	if (fd < 0)
		return fd;
	s32 v = fd;
	if (mm_copy_to_user(p->mm, uaddr(uptr), &v, sizeof(v))) {
		int __unused ret = fdtable_close(p->files, fd);
		return -EFAULT;
	}
	pc->f = f;
	pc->fd = fd;
	return 0;
}

void pidfd_clone_bind_locked(struct pidfd_clone *pc, struct thread_group *tg)
{
	if (pc->f)
		bind_locked(to_pidfd(pc->f), tg);
}

void pidfd_clone_abort(struct task *p, struct pidfd_clone *pc)
{
	/* Unbound, it names nothing: another thread that found the fd sees ESRCH. */
	if (pc->f) {
		int __unused ret = fdtable_close(p->files, pc->fd);
		pc->f = NULL;
	}
}

long pidfd_wait_id(struct task *t, int fd, int *options)
{
	if (fd < 0)
		return -EINVAL;
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return -EBADF;
	pthread_mutex_lock(&t->k->lock);
	struct thread_group *tg = pidfd_tg_locked(f);
	long ret = IS_ERR(tg) ? PTR_ERR(tg) : tg ? tg->tgid : -ECHILD;
	pthread_mutex_unlock(&t->k->lock);
	if (ret > 0 && (f->flags & O_NONBLOCK))
		*options |= WAIT_WNOHANG;
	file_put(f);
	return ret;
}
