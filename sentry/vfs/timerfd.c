// SPDX-License-Identifier: Apache-2.0
/*
 * timerfd: a timer on the Sentry's timer service whose expirations add to
 * a counter that read takes whole (blocking while it is 0, unless
 * O_NONBLOCK) and that makes the file readable for poll, select and
 * epoll, as Linux's fs/timerfd.c.
 *
 * TFD_TIMER_CANCEL_ON_SET is accepted and remembered, but the sandbox's
 * clock cannot be set (clock_settime is not allowed), so a read never
 * sees ECANCELED.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/poll.h"
#include "anon_inode.h"
#include "poll.h"
#include "timerfd.h"
#include "vfs.h"

/* Periodic timerfds run at most this often; the ticks in between are still counted. */
#define MIN_PERIOD_NS 100000ULL

struct timerfd {
	struct file base;
	int clock;	      /* the guest's clock id */
	pthread_mutex_t lock; /* guards what follows */
	u64 expires;	      /* ns on the host clock; 0: disarmed */
	u64 interval;
	u64 ticks; /* expirations not yet read */
	bool cancel_on_set;
	struct waitq wq; /* readers and pollers */
	struct ktimer kt;
};

static const struct file_ops timerfd_ops;

/* The timerfd behind f, or NULL if f is another kind of file (timerfd_settime: EINVAL). */
static struct timerfd *to_timerfd(struct file *f)
{
	return f->ops == &timerfd_ops ? container_of(f, struct timerfd, base) : NULL;
}

static u64 add_sat(u64 a, u64 b)
{
	return a > (u64)INT64_MAX - b ? (u64)INT64_MAX : a + b;
}

/* Arm the service for the next expiry. tfd->lock held. */
static void schedule_locked(struct timerfd *tfd, u64 now)
{
	u64 at = tfd->interval ? MAX(tfd->expires, add_sat(now, MIN_PERIOD_NS)) : tfd->expires;
	/* Without a timer thread the timer never fires; reads would block, as for a far expiry. */
	int __unused ret = ktimer_start(&tfd->kt, at);
}

/* Count the expirations up to now. tfd->lock held. */
static void update_locked(struct timerfd *tfd, u64 now)
{
	if (!tfd->expires || now < tfd->expires)
		return;
	if (tfd->interval) {
		u64 over = (now - tfd->expires) / tfd->interval;
		tfd->ticks = add_sat(tfd->ticks, over + 1);
		tfd->expires = add_sat(tfd->expires, (over + 1) * tfd->interval);
	} else {
		tfd->ticks = add_sat(tfd->ticks, 1);
		tfd->expires = 0;
	}
}

static void timerfd_fire(struct ktimer *kt)
{
	struct timerfd *tfd = container_of(kt, struct timerfd, kt);
	pthread_mutex_lock(&tfd->lock);
	u64 now = ktimer_now(kt->clock);
	u64 before = tfd->ticks;
	update_locked(tfd, now);
	bool woke = tfd->ticks != before;
	if (tfd->expires)
		schedule_locked(tfd, now);
	pthread_mutex_unlock(&tfd->lock);
	if (woke)
		waitq_wake_key(&tfd->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
}

static bool timerfd_readable(void *arg)
{
	return ((struct timerfd *)arg)->ticks > 0;
}

static ssize_t timerfd_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct timerfd *tfd = to_timerfd(f);
	u64 value;

	if (pos)
		return -ESPIPE;
	if (len < sizeof(value))
		return -EINVAL;
	pthread_mutex_lock(&tfd->lock);
	update_locked(tfd, ktimer_now(tfd->kt.clock));
	if (!tfd->ticks) {
		int err = (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK)
				  ? -EAGAIN
				  : file_wait_event(&tfd->wq, &tfd->lock, timerfd_readable, tfd);
		if (err) {
			pthread_mutex_unlock(&tfd->lock);
			return err;
		}
	}
	value = tfd->ticks;
	tfd->ticks = 0;
	pthread_mutex_unlock(&tfd->lock);
	memcpy(buf, &value, sizeof(value));
	return sizeof(value);
}

static u32 timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tfd = to_timerfd(f);
	poll_wait(f, &tfd->wq, pt);
	pthread_mutex_lock(&tfd->lock);
	bool ready = tfd->ticks > 0;
	pthread_mutex_unlock(&tfd->lock);
	return ready ? LINUX_POLLIN | LINUX_POLLRDNORM : 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *tfd = to_timerfd(f);
	/* The last reference: no lock held, so wait out a callback on it. */
	ktimer_cancel(&tfd->kt);
	pthread_mutex_destroy(&tfd->lock);
}

static const struct file_ops timerfd_ops = {
	.read = timerfd_read,
	.llseek = anon_inode_llseek,
	.stat = anon_inode_stat,
	.poll = timerfd_poll,
	.release = timerfd_release,
	.anon_name = "[timerfd]",
};

/* The host clock a timerfd clock runs on, or -1 if timerfds do not take it. */
static int timerfd_host_clock(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		return clock;
	default:
		return -1;
	}
}

struct file *timerfd_create(int clock, int flags)
{
	if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
		return ERR_PTR(-EPERM); /* the sandbox grants no CAP_WAKE_ALARM */
	int host = timerfd_host_clock(clock);
	if (host < 0)
		return ERR_PTR(-EINVAL);
	if (anon_inode_init())
		return ERR_PTR(-ENOMEM);
	struct file *f = file_alloc(sizeof(struct timerfd), &timerfd_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	struct timerfd *tfd = to_timerfd(f);
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->mode = FMODE_READ | FMODE_WRITE | FMODE_STREAM;
	tfd->clock = clock;
	pthread_mutex_init(&tfd->lock, NULL);
	waitq_init(&tfd->wq);
	ktimer_init(&tfd->kt, host, timerfd_fire);
	return f;
}

static void gettime_locked(struct timerfd *tfd, struct linux_itimerspec *cur)
{
	u64 now = ktimer_now(tfd->kt.clock);
	update_locked(tfd, now);
	cur->it_value = ns_to_linux_timespec(tfd->expires ? tfd->expires - now : 0);
	cur->it_interval = ns_to_linux_timespec(tfd->interval);
}

int timerfd_settime(struct file *f, int flags, const struct linux_itimerspec *val,
		    struct linux_itimerspec *old)
{
	struct timerfd *tfd = to_timerfd(f);
	if (flags & ~(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (!linux_timespec_valid(&val->it_value) || !linux_timespec_valid(&val->it_interval))
		return -EINVAL;
	if (!tfd)
		return -EINVAL;
	u64 value = linux_timespec_to_ns(&val->it_value);

	pthread_mutex_lock(&tfd->lock);
	if (old)
		gettime_locked(tfd, old);
	/* Only an absolute wall-clock timer can see the clock set (Linux). */
	tfd->cancel_on_set = (flags & LINUX_TFD_TIMER_CANCEL_ON_SET) &&
			     (flags & LINUX_TFD_TIMER_ABSTIME) && tfd->clock == CLOCK_REALTIME;
	tfd->ticks = 0;
	tfd->interval = value ? linux_timespec_to_ns(&val->it_interval) : 0;
	u64 now = ktimer_now(tfd->kt.clock);
	if (value && !(flags & LINUX_TFD_TIMER_ABSTIME))
		value = add_sat(now, value);
	tfd->expires = value;
	if (value)
		schedule_locked(tfd, now);
	else
		ktimer_try_cancel(&tfd->kt);
	pthread_mutex_unlock(&tfd->lock);
	return 0;
}

int timerfd_gettime(struct file *f, struct linux_itimerspec *cur)
{
	struct timerfd *tfd = to_timerfd(f);
	if (!tfd)
		return -EINVAL;
	pthread_mutex_lock(&tfd->lock);
	gettime_locked(tfd, cur);
	bool woke = tfd->ticks > 0;
	pthread_mutex_unlock(&tfd->lock);
	if (woke)
		waitq_wake_key(&tfd->wq, LINUX_POLLIN | LINUX_POLLRDNORM);
	return 0;
}
