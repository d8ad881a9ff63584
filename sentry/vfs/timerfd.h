/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timerfd (timerfd.c): a file that counts the expirations of a timer,
 * read as a u64 and polled for POLLIN, as Linux's fs/timerfd.c.
 *
 * Lock order: timerfd->lock > the timer service's lock (ktimer.h) and
 * the waitq locks (poll.h).
 */
#ifndef SENTRY_VFS_TIMERFD_H
#define SENTRY_VFS_TIMERFD_H

#include "file.h"
#include "sentry/kernel/timers.h"

#define LINUX_TFD_TIMER_ABSTIME 1
#define LINUX_TFD_TIMER_CANCEL_ON_SET 2
/* TFD_CLOEXEC and TFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK. */

/*
 * A new timerfd on clock (a guest clock id), disarmed. flags: O_NONBLOCK
 * and O_CLOEXEC (the caller installs the fd). Returns a file with one
 * reference, or ERR_PTR(-EINVAL) for a clock timerfds do not take,
 * -EPERM for the alarm clocks, -ENOMEM.
 */
struct file *timerfd_create(int clock, int flags);
/*
 * timerfd_settime and timerfd_gettime on f: -EINVAL if f is not a
 * timerfd or an argument is out of range. old may be NULL.
 */
int timerfd_settime(struct file *f, int flags, const struct linux_itimerspec *val,
		    struct linux_itimerspec *old) __must_check;
int timerfd_gettime(struct file *f, struct linux_itimerspec *cur) __must_check;

#endif
