// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd: a 64-bit counter that write adds to and read takes (all of it,
 * or one in semaphore mode), blocking while it is zero or would overflow,
 * as Linux's fs/eventfd.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/poll.h"
#include "anon_inode.h"
#include "pipe.h"
#include "poll.h"
#include "vfs.h"

/* The counter never reaches this: a write that would is refused or waits. */
#define EVENTFD_LIMIT (~0ULL)

struct eventfd {
	struct file base;
	pthread_mutex_t lock; /* guards count */
	u64 count;
	bool semaphore;
	struct waitq wq; /* readers, writers and pollers alike */
};

static struct eventfd *to_eventfd(struct file *f)
{
	return container_of(f, struct eventfd, base);
}

static bool eventfd_readable(void *arg)
{
	return ((struct eventfd *)arg)->count > 0;
}

struct eventfd_add {
	struct eventfd *e;
	u64 value;
};

static bool eventfd_can_add(void *arg)
{
	struct eventfd_add *a = arg;
	return EVENTFD_LIMIT - a->e->count > a->value;
}

static bool file_nonblock(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static ssize_t eventfd_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct eventfd *e = to_eventfd(f);
	u64 value;

	if (pos)
		return -ESPIPE;
	if (len < sizeof(value))
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	if (!e->count) {
		int err = file_nonblock(f) ? -EAGAIN
					   : file_wait_event(&e->wq, &e->lock, eventfd_readable, e);
		if (err) {
			pthread_mutex_unlock(&e->lock);
			return err;
		}
	}
	value = e->semaphore ? 1 : e->count;
	e->count -= value;
	pthread_mutex_unlock(&e->lock);
	if (waitq_active(&e->wq))
		waitq_wake_key(&e->wq, LINUX_POLLOUT);
	memcpy(buf, &value, sizeof(value));
	return sizeof(value);
}

static ssize_t eventfd_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct eventfd_add add = {.e = to_eventfd(f)};
	struct eventfd *e = add.e;

	if (pos)
		return -ESPIPE;
	/* Exactly 8 bytes, as Linux checks since 6.6 (before: at least 8). */
	if (len != sizeof(add.value))
		return -EINVAL;
	memcpy(&add.value, buf, sizeof(add.value));
	if (add.value == EVENTFD_LIMIT)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	if (!eventfd_can_add(&add)) {
		int err = file_nonblock(f)
				  ? -EAGAIN
				  : file_wait_event(&e->wq, &e->lock, eventfd_can_add, &add);
		if (err) {
			pthread_mutex_unlock(&e->lock);
			return err;
		}
	}
	e->count += add.value;
	pthread_mutex_unlock(&e->lock);
	if (waitq_active(&e->wq))
		waitq_wake_key(&e->wq, LINUX_POLLIN);
	return sizeof(add.value);
}

static u32 eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = to_eventfd(f);
	u32 mask = 0;

	poll_wait(f, &e->wq, pt);
	pthread_mutex_lock(&e->lock);
	u64 count = e->count;
	pthread_mutex_unlock(&e->lock);
	/* Linux reports neither POLLRDNORM nor POLLWRNORM here. */
	if (count > 0)
		mask |= LINUX_POLLIN;
	if (count == EVENTFD_LIMIT)
		mask |= LINUX_POLLERR;
	if (EVENTFD_LIMIT - 1 > count)
		mask |= LINUX_POLLOUT;
	return mask;
}

static void eventfd_release(struct file *f)
{
	pthread_mutex_destroy(&to_eventfd(f)->lock);
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.poll = eventfd_poll,
	.release = eventfd_release,
	.anon_name = "[eventfd]",
};

struct file *eventfd_create(u64 initval, u32 flags)
{
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	struct file *f = file_alloc(sizeof(struct eventfd), &eventfd_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	struct eventfd *e = to_eventfd(f);
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM | FMODE_GATHER;
	pthread_mutex_init(&e->lock, NULL);
	waitq_init(&e->wq);
	e->count = initval;
	e->semaphore = flags & LINUX_EFD_SEMAPHORE;
	return f;
}
