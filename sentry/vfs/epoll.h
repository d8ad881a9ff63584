/* SPDX-License-Identifier: Apache-2.0 */
/*
 * epoll(7): an epoll file watches other files through their poll op and
 * a wake callback on their waitqs (sentry/kernel/wait.h), so a waiter
 * sleeps on the epoll alone, however many files it watches.
 *
 * A registration (an epitem) is keyed by (fd number, open file
 * description), as in Linux. It holds no reference to the file: the
 * file's last put removes it (eventpoll_release_file, file.h), so a
 * close of the last fd of a description ends its registrations, while a
 * close of one dup does not.
 *
 * Lock order: epoll_nest_lock (an ADD that may change the graph of
 * epolls watching epolls) > ep->mtx (an outer epoll's before an inner
 * one's: the graph has no loops) > a file's own locks > waitq->lock >
 * ep->lock (leaf, taken by wake callbacks); ep_files_lock (the files'
 * lists of items) is a leaf taken under ep->mtx.
 */
#ifndef SENTRY_VFS_EPOLL_H
#define SENTRY_VFS_EPOLL_H

#include <limits.h>
#include <time.h>

#include "abi/linux/poll.h"
#include "file.h"

/* epoll's own bits of the event mask (the rest are the POLL* bits). */
#define LINUX_EPOLLEXCLUSIVE (1u << 28)
#define LINUX_EPOLLWAKEUP (1u << 29)
#define LINUX_EPOLLONESHOT (1u << 30)
#define LINUX_EPOLLET (1u << 31)

#define LINUX_EPOLL_CTL_ADD 1
#define LINUX_EPOLL_CTL_DEL 2
#define LINUX_EPOLL_CTL_MOD 3

#define LINUX_EPOLL_CLOEXEC 02000000 /* O_CLOEXEC */

/* struct epoll_event: packed on x86-64, so 12 bytes. */
struct linux_epoll_event {
	u32 events;
	u64 data;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_epoll_event) == 12, "struct epoll_event size");

/* Linux's EP_MAX_EVENTS: the largest maxevents epoll_wait takes. */
#define EPOLL_MAX_EVENTS ((int)(INT_MAX / sizeof(struct linux_epoll_event)))

/* A new epoll file (one reference), or ERR_PTR(-ENOMEM). */
struct file *epoll_create_file(void);

/* Whether f is an epoll file. */
bool file_is_epoll(struct file *f);

/*
 * epoll_ctl(2) on epoll file epf for target tf, open at fd: the checks
 * after the fd lookups, in Linux's order. ev is the guest's event (NULL
 * for DEL). Returns 0, -EPERM (tf cannot be polled), -EINVAL (epf not an
 * epoll, tf is epf, bad op, EPOLLEXCLUSIVE misuse), -ELOOP (a loop of
 * epolls or a chain deeper than 5), -EEXIST, -ENOENT, -ENOMEM. May block.
 */
int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct linux_epoll_event *ev) __must_check;

/*
 * epoll_wait(2) on epoll file epf, once maxevents was checked: copy up
 * to maxevents ready events to the guest's events array. deadline is on
 * CLOCK_MONOTONIC, NULL to wait forever; nonblock only looks. Returns
 * the count, 0 at the deadline, -EINTR (a signal: epoll_wait is never
 * restarted), -EFAULT, -EINVAL (epf not an epoll). May block.
 */
long epoll_wait_file(struct task *t, struct file *epf, uaddr_t events, int maxevents,
		     const struct timespec *deadline, bool nonblock) __must_check;

#endif
