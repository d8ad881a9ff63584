// SPDX-License-Identifier: Apache-2.0
/*
 * Host data I/O through io_uring: the Sentry's reads and writes of host
 * file descriptors are ring submissions, not read(2)/write(2), so that
 * blocking I/O never holds a vCPU.
 *
 * Positioned I/O (regular files) first tries one preadv2/pwritev2 with
 * RWF_NOWAIT: data in the host's page cache moves in that one call and
 * nothing can block, so the vCPU is never held long either. Measured in the
 * test VM (Linux 6.1, TCG), one ring submission of a 4 KiB read cost
 * ~65 us on a long-held descriptor and ~330 us on the first read of a
 * descriptor just opened (an io-wq punt, it seems), a plain call ~45-55.
 * Only what RWF_NOWAIT refuses (-EAGAIN: it would wait for the disk;
 * -EOPNOTSUPP: the host file cannot promise not to, as tmpfs and rootfs
 * on that 6.1 VM) goes to the ring, but for memory file systems, which
 * take plain preadv2/pwritev2 (they never wait for a disk).
 * The Sentry's future seccomp filter must allow preadv2 and pwritev2
 * with RWF_NOWAIT besides io_uring_enter.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#include "file.h"
#include "lib/log.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"

/* The user_data of a read or write (the poll below has its own tags). */
#define IO_TAG 1
/* How late a blocked stream read may notice a signal at worst. */
#define HOSTIO_RECHECK_NS (20 * 1000 * 1000)

/*
 * One ring per host thread, made on its first I/O and closed when the
 * thread exits (the thread pool retires threads beyond its idle limit).
 */
static __thread struct io_uring ring;
static __thread bool ring_ready;
static pthread_key_t ring_key;
static pthread_once_t ring_key_once = PTHREAD_ONCE_INIT;

static void ring_exit(void *r)
{
	io_uring_queue_exit(r);
}

static void ring_key_make(void)
{
	if (pthread_key_create(&ring_key, ring_exit))
		pr_warn("hostio: no thread-exit hook: rings of exiting threads stay open");
}

static struct io_uring *hostio_ring(void)
{
	if (!ring_ready) {
		int ret = io_uring_queue_init(8, &ring, 0);
		if (ret < 0) {
			pr_warn_ratelimited("io_uring_queue_init: %s", strerror(-ret));
			return NULL;
		}
		ring_ready = true;
		pthread_once(&ring_key_once, ring_key_make);
		pthread_setspecific(ring_key, &ring);
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

/*
 * The attempts that cannot block: *done bytes moved at pos. Returns 0
 * when the request is complete (all of it, or a read that met the end
 * of the file), 1 when the ring must move the rest (see the top of the
 * file), or a host error, as the ring would give it. A short count is
 * not the end: RWF_NOWAIT stops at the first page it would wait for, so
 * the rest is asked for again, and only a read of 0 is the end of file.
 */
/*
 * Descriptors whose file refused RWF_NOWAIT with EOPNOTSUPP (tmpfs and
 * rootfs before Linux 6.6 or so, FUSE, NFS), so that they pay the failed
 * call once, not per I/O. Only a hint, never cleared: a number reused
 * for a file that could take RWF_NOWAIT just goes through the ring.
 */
#define NOWAIT_HINT_FDS 4096
static u64 nowait_refused[NOWAIT_HINT_FDS / 64];
/*
 * Of those, the ones on a memory file system (tmpfs, ramfs), where a plain
 * call never waits for a disk either: they skip the ring too. The same
 * kind of hint: a reused number at worst holds its vCPU through a slow read.
 */
static u64 nowait_memfs[NOWAIT_HINT_FDS / 64];

static bool hint_test(const u64 *map, int fd)
{
	return fd >= 0 && fd < NOWAIT_HINT_FDS &&
	       (__atomic_load_n(&map[fd / 64], __ATOMIC_RELAXED) >> (fd % 64) & 1);
}

static void hint_set(u64 *map, int fd)
{
	if (fd >= 0 && fd < NOWAIT_HINT_FDS)
		__atomic_fetch_or(&map[fd / 64], 1ull << (fd % 64), __ATOMIC_RELAXED);
}

/* A file that refused RWF_NOWAIT: is it in memory? Remembered either way. */
static bool nowait_refused_memfs(int fd)
{
	struct statfs sf;
	bool mem = fstatfs(fd, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
	hint_set(mem ? nowait_memfs : nowait_refused, fd);
	return mem;
}

static int nowait_rw(int fd, void *buf, size_t len, s64 pos, bool write, size_t *done)
{
	int flags = RWF_NOWAIT;
	*done = 0;
	if (hint_test(nowait_memfs, fd))
		flags = 0;
	else if (hint_test(nowait_refused, fd))
		return 1;
	while (*done < len) {
		struct iovec iov = {(u8 *)buf + *done, len - *done};
		ssize_t n = write ? pwritev2(fd, &iov, 1, pos + *done, flags)
				  : preadv2(fd, &iov, 1, pos + *done, flags);
		if (n == 0)
			return write; /* a write of 0 is no progress: the ring retries it */
		if (n > 0) {
			*done += n;
			/* Plain calls are short only at the end (or for the disk full). */
			if (!flags && (size_t)n < iov.iov_len)
				return 0;
			continue;
		}
		if (errno == EOPNOTSUPP && flags && nowait_refused_memfs(fd)) {
			flags = 0;
			continue;
		}
		/* EINVAL and ENOSYS too: a host before 4.14 has no RWF_NOWAIT. */
		if (errno == EAGAIN || errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS ||
		    errno == EINTR)
			return 1;
		return -errno;
	}
	return 0;
}

/*
 * A request the ring punts to io-wq is cancelled unrun (-ECANCELED, not
 * asked for here) when io-wq cannot start this thread's first worker.
 * Creating the worker thread fails while a host signal is pending on
 * this thread (fork's ERESTARTNOINTR), and a kick (platform) can land
 * just then; Linux (6.1 to 6.18 at least) gives up after three tries.
 * By the time the completion is seen the signal has been taken, so the
 * request is sent again.
 */
#define HOSTIO_UNRUN_RETRIES 16

/* One request through the ring; pos NULL: the descriptor's own position. */
static ssize_t ring_rw(int fd, void *buf, size_t len, const s64 *pos, bool write)
{
	struct io_uring *r = hostio_ring();
	if (!r)
		return -EIO;
	/* -1 means "the file's current position" to io_uring, as read(2). */
	u64 off = pos ? (u64)*pos : (u64)-1;
	ssize_t res = -ECANCELED;
	for (int try = 0; res == -ECANCELED && try < HOSTIO_UNRUN_RETRIES; try++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(r);
		if (write)
			io_uring_prep_write(sqe, fd, buf, len, off);
		else
			io_uring_prep_read(sqe, fd, buf, len, off);
		io_uring_sqe_set_data64(sqe, IO_TAG);
		res = hostio_submit(r, !pos);
	}
	if (res == -ECANCELED) {
		pr_warn_ratelimited("hostio: io_uring cancelled a request %d times",
				    HOSTIO_UNRUN_RETRIES);
		return -EIO;
	}
	return res;
}

/* Positioned I/O: RWF_NOWAIT first, the ring for what it leaves. */
static ssize_t hostio_rw(int fd, void *buf, size_t len, const s64 *pos, bool write)
{
	if (!pos)
		return ring_rw(fd, buf, len, NULL, write);
	size_t done;
	int ret = nowait_rw(fd, buf, len, *pos, write, &done);
	if (ret <= 0)
		return done ? (ssize_t)done : ret;
	s64 rest = *pos + (s64)done;
	ssize_t n = ring_rw(fd, (u8 *)buf + done, len - done, &rest, write);
	if (n < 0)
		return done ? (ssize_t)done : n; /* what moved already counts */
	return (ssize_t)done + n;
}

ssize_t hostio_read_nowait(int fd, void *buf, size_t len, s64 pos)
{
	size_t done;
	int ret = nowait_rw(fd, buf, len, pos, false, &done);
	if (done)
		return (ssize_t)done;
	return ret > 0 ? -EAGAIN : ret;
}

ssize_t hostio_read(int fd, void *buf, size_t len, const s64 *pos)
{
	return hostio_rw(fd, buf, len, pos, false);
}

ssize_t hostio_write(int fd, const void *buf, size_t len, const s64 *pos)
{
	/* SAFETY: a write only reads buf; the cast serves the shared path. */
	return hostio_rw(fd, (void *)buf, len, pos, true);
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
