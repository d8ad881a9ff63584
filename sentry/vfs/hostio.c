// SPDX-License-Identifier: Apache-2.0
/*
 * Host data I/O through io_uring: the Sentry's reads and writes of host
 * file descriptors are ring submissions, not read(2)/write(2), so that the
 * Sentry's seccomp filter can later allow io_uring_enter and little else,
 * and so that blocking I/O never holds a vCPU.
 */
#include <errno.h>
#include <liburing.h>
#include <string.h>

#include "file.h"
#include "lib/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"

/* The user_data of a read or write (the poll below has its own tags). */
#define IO_TAG 1
/* How late a blocked stream read may notice a signal at worst. */
#define HOSTIO_RECHECK_NS (20 * 1000 * 1000)

static __thread struct io_uring ring;
static __thread bool ring_ready;

static struct io_uring *hostio_ring(void)
{
	if (!ring_ready) {
		int ret = io_uring_queue_init(8, &ring, 0);
		if (ret < 0) {
			pr_warn_ratelimited("io_uring_queue_init: %s", strerror(-ret));
			return NULL;
		}
		ring_ready = true;
	}
	return &ring;
}

/*
 * Reap the completions of a request tagged tag and of the cancellation
 * submitted after it: two, in either order. *res is the request's own
 * result (-ECANCELED if it was cancelled). 0 or the wait's -errno.
 */
static int reap_cancelled(struct io_uring *r, u64 tag, int *res)
{
	*res = -ECANCELED;
	for (int seen = 0; seen < 2;) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe(r, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret < 0)
			return ret;
		if (io_uring_cqe_get_data64(cqe) == tag)
			*res = cqe->res;
		io_uring_cqe_seen(r, cqe);
		seen++;
	}
	return 0;
}

/*
 * Cancel the request in flight (tagged IO_TAG) because a signal is
 * pending for the task, and reap both completions. A request that
 * finished first keeps its result (a read that got data is not lost);
 * one that was cancelled becomes -ERESTARTSYS for the signal code.
 */
static ssize_t hostio_cancel(struct io_uring *r)
{
	enum { CANCEL_TAG = 2 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	io_uring_prep_cancel64(sqe, IO_TAG, 0);
	io_uring_sqe_set_data64(sqe, CANCEL_TAG);
	int res, ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	ret = reap_cancelled(r, IO_TAG, &res);
	if (ret < 0)
		return ret;
	return res == -ECANCELED || res == -EINTR ? -ERESTARTSYS : res;
}

/*
 * Submit the one request prepared (tagged IO_TAG) and wait for it. Data
 * already at hand (a regular file in the page cache, a pipe with bytes in
 * it) completes during the submit. A wait that would block -- a terminal
 * or a pipe with nothing to read -- first gives the task's vCPU back, as
 * task_sleep does. A stream's wait (interruptible) ends early with
 * -ERESTARTSYS if a signal comes for the task (its sender's kick
 * interrupts the wait); positioned I/O is file data, which Linux does not
 * abandon for a signal either.
 */
static ssize_t hostio_submit(struct io_uring *r, bool interruptible)
{
	int ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	struct io_uring_cqe *cqe;
	if (io_uring_peek_cqe(r, &cqe) != 0) {
		struct task *t = task_current();
		if (t)
			task_release_cpu(t);
		for (;;) {
			/*
			 * A signal sender's kick may land just before the wait
			 * begins and be lost, so look at the task's signals again
			 * every HOSTIO_RECHECK_NS as well.
			 */
			struct __kernel_timespec ts = {0, HOSTIO_RECHECK_NS};
			if (interruptible && t && task_signal_pending(t))
				return hostio_cancel(r);
			ret = io_uring_wait_cqe_timeout(r, &cqe, interruptible ? &ts : NULL);
			if (ret != -EINTR && ret != -ETIME)
				break;
		}
		if (ret < 0)
			return ret;
	}
	ssize_t res = cqe->res;
	io_uring_cqe_seen(r, cqe);
	return res;
}

ssize_t hostio_read(int fd, void *buf, size_t len, const s64 *pos)
{
	struct io_uring *r = hostio_ring();
	if (!r)
		return -EIO;
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	/* -1 means "the file's current position" to io_uring, as read(2). */
	io_uring_prep_read(sqe, fd, buf, len, pos ? (u64)*pos : (u64)-1);
	io_uring_sqe_set_data64(sqe, IO_TAG);
	return hostio_submit(r, !pos);
}

ssize_t hostio_write(int fd, const void *buf, size_t len, const s64 *pos)
{
	struct io_uring *r = hostio_ring();
	if (!r)
		return -EIO;
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	io_uring_prep_write(sqe, fd, buf, len, pos ? (u64)*pos : (u64)-1);
	io_uring_sqe_set_data64(sqe, IO_TAG);
	return hostio_submit(r, !pos);
}

/*
 * A poll that never waits: POLL_ADD completes during the submit when fd
 * is ready; otherwise it is cancelled, and whichever completion the
 * cancel races with carries the answer.
 */
int hostio_poll(int fd, u32 events)
{
	enum { POLL_TAG = 1, REMOVE_TAG = 2 };
	struct io_uring *r = hostio_ring();
	struct io_uring_cqe *cqe;
	int ret;

	if (!r)
		return -EIO;
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	io_uring_prep_poll_add(sqe, fd, events);
	io_uring_sqe_set_data64(sqe, POLL_TAG);
	ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	if (io_uring_peek_cqe(r, &cqe) == 0) {
		ret = cqe->res;
		io_uring_cqe_seen(r, cqe);
		return ret;
	}
	sqe = io_uring_get_sqe(r);
	io_uring_prep_poll_remove(sqe, POLL_TAG);
	io_uring_sqe_set_data64(sqe, REMOVE_TAG);
	ret = io_uring_submit(r);
	if (ret < 0)
		return ret;
	int res;
	ret = reap_cancelled(r, POLL_TAG, &res);
	if (ret < 0)
		return ret;
	return res > 0 ? res : 0;
}
