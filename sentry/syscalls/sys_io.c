// SPDX-License-Identifier: Apache-2.0
/*
 * read, write and their vector and positional forms: all end in file_rw().
 * Also ioctl on open files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "sentry/vfs/fasync.h"
#include "sentry/vfs/inotify.h"
#include "sentry/vfs/vfs.h"
#include "syscalls.h"

#define IO_CHUNK (64 * 1024)
#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000L /* INT_MAX rounded down to a page, as Linux */

static __thread u8 io_bounce[IO_CHUNK];

static void file_putp(struct file **f)
{
	file_put(*f);
}
#define _cleanup_file_ __attribute__((cleanup(file_putp)))

/* fill_from_file's file and position. */
struct direct_read {
	struct file *f;
	s64 *pos;
};

static ssize_t fill_from_file(void *arg, void *buf, size_t len)
{
	struct direct_read *d = arg;
	return d->f->ops->read_nowait(d->f, buf, len, d->pos);
}

/*
 * The file a read of f may fill guest memory from directly (with
 * read_nowait): f itself, or an overlay file's real one, resolved once
 * per call and not under mm->lock. A new reference, or NULL: none.
 */
static struct file *direct_source(struct file *f, s64 *pos)
{
	if (!pos || (!f->ops->real_file && !f->ops->read_nowait))
		return NULL;
	struct file *rf = f->ops->real_file ? f->ops->real_file(f) : file_get(f);
	if (IS_ERR(rf))
		return NULL;
	if (!rf->ops->read_nowait) {
		file_put(rf);
		return NULL;
	}
	return rf;
}

/*
 * A read of src (direct_source's) straight into guest memory, with no
 * bounce buffer: the copy and the host calls per 64 KiB chunk are what a
 * 1 MiB read of a host file spent beyond native. Returns the bytes read,
 * 0 if this way moved none (the bounce path then reads, and reports an
 * end of file, a bad buffer or a full memory as it does), or -errno.
 */
static long read_direct(struct task *t, struct file *src, uaddr_t ua, size_t len, s64 *pos)
{
	struct direct_read d = {src, pos};
	ssize_t r = mm_fill_user(t->mm, ua, len, fill_from_file, &d);
	return r == -EAGAIN ? 0 : r;
}

/* The copy loop of file_rw; pos as for file_ops (NULL: a stream). */
static long rw_iovecs(struct task *t, struct file *f, const struct linux_iovec *iov, int n,
		      s64 *pos, bool write)
{
	_cleanup_file_ struct file *src = write ? NULL : direct_source(f, pos);
	long total = 0;
	for (int i = 0; i < n; i++) {
		u64 done = 0;
		while (done < iov[i].len) {
			uaddr_t ua = uaddr(iov[i].base + done);
			ssize_t r = src ? read_direct(t, src, ua, iov[i].len - done, pos) : 0;
			if (r < 0)
				return total ? total : r;
			if (r > 0) {
				total += r;
				done += r;
				continue;
			}
			size_t len = MIN(iov[i].len - done, (u64)IO_CHUNK);
			bool fault = false;
			if (write) {
				size_t got = mm_copy_from_user_partial(t->mm, io_bounce, ua, len);
				if (got < len && (!got || !f->partial_copy))
					return total ? total : -EFAULT;
				fault = got < len;
				len = got;
				r = vfs_write(f, io_bounce, len, pos);
				if (r == -EPIPE)
					task_sigpipe(t);
			} else {
				r = vfs_read(f, io_bounce, len, pos);
				if (r > 0) {
					size_t put =
						mm_copy_to_user_partial(t->mm, ua, io_bounce, r);
					/* Bytes read but not delivered were not read. */
					if (pos)
						*pos -= r - put;
					if (!put)
						return total ? total : -EFAULT;
					fault = put < (size_t)r;
					r = put;
				}
			}
			if (r < 0)
				return total ? total : r;
			if (fault)
				return total + r;
			total += r;
			done += r;
			if ((size_t)r < len)
				return total;
		}
	}
	return total;
}

/* Copy what a read op returned out to the iovecs; the count delivered or -EFAULT. */
static long scatter_iovecs(struct task *t, const struct linux_iovec *iov, int n, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < n && done < len; i++) {
		size_t piece = MIN(iov[i].len, (u64)(len - done));
		size_t put =
			mm_copy_to_user_partial(t->mm, uaddr(iov[i].base), io_bounce + done, piece);
		done += put;
		if (put < piece)
			return done ? (long)done : -EFAULT;
	}
	return done;
}

/*
 * I/O on FMODE_GATHER files: one op call per IO_CHUNK of the whole iovec
 * set, so a pipe read never blocks once it has data and a small writev
 * stays one atomic write. A read takes at most one chunk (a short read,
 * as pipes may give).
 */
static long rw_gathered(struct task *t, struct file *f, const struct linux_iovec *iov, int n,
			bool write)
{
	u64 sum = 0;
	for (int i = 0; i < n; i++)
		sum += iov[i].len;
	if (!write) {
		ssize_t r = vfs_read(f, io_bounce, MIN(sum, (u64)IO_CHUNK), NULL);
		return r > 0 ? scatter_iovecs(t, iov, n, r) : r;
	}
	long total = 0;
	int i = 0;
	u64 off = 0;
	bool fault = false;
	while (i < n && !fault) {
		size_t len = 0;
		for (; i < n && len < IO_CHUNK; i++, off = 0) {
			size_t piece = MIN(iov[i].len - off, (u64)(IO_CHUNK - len));
			size_t got = mm_copy_from_user_partial(t->mm, io_bounce + len,
							       uaddr(iov[i].base + off), piece);
			/*
			 * A bad buffer: what came before it is written, as
			 * Linux does, and of this piece the bytes before the
			 * fault only where a partial copy is (regular files).
			 */
			if (got < piece) {
				len += f->partial_copy ? got : 0;
				fault = true;
				break;
			}
			len += piece;
			off += piece;
			if (off < iov[i].len)
				break;
		}
		if (!len)
			break;
		ssize_t r = vfs_write(f, io_bounce, len, NULL);
		if (r == -EPIPE)
			task_sigpipe(t);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < len)
			break;
	}
	return total || !fault ? total : -EFAULT;
}

/*
 * One direction of I/O over guest iovecs, through a bounce buffer. pos is
 * the offset of pread/pwrite, or NULL for read/write at the file's own
 * position (held under its pos_lock for the whole call, as Linux does).
 */
static long file_rw(struct task *t, struct file *f, const struct linux_iovec *iov, int n, s64 *pos,
		    bool write)
{
	if (!(f->mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (write ? !f->ops->write : !f->ops->read)
		return -EINVAL;

	/* Linux checks every buffer is in the user half before any I/O. */
	for (int i = 0; i < n; i++)
		if (!mm_access_ok(uaddr(iov[i].base), iov[i].len))
			return -EFAULT;

	if (pos)
		return rw_iovecs(t, f, iov, n, pos, write);
	/*
	 * A stream file has no position to lock, so a write per iovec would
	 * let another writer's data in between (a host regular file on the
	 * stdout that a parent and its child share): Linux writes a writev
	 * whole under the inode's lock.
	 */
	if ((f->mode & FMODE_GATHER) || (write && (f->mode & FMODE_STREAM)))
		return rw_gathered(t, f, iov, n, write);
	pos = vfs_pos_lock(f);
	long ret = rw_iovecs(t, f, iov, n, pos, write);
	vfs_pos_unlock(f, pos);
	return ret;
}

static long do_rw(struct task *t, int fd, uaddr_t buf, u64 count, s64 *pos, bool write)
{
	_cleanup_file_ struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return -EBADF;
	if (pos && *pos < 0)
		return -EINVAL;
	struct linux_iovec iov = {buf.addr, MIN(count, (u64)MAX_RW_COUNT)};
	return tg_io_account(t->tg, write,
			     fsnotify_rw(f, file_rw(t, f, &iov, 1, pos, write), write));
}

static long do_rwv(struct task *t, int fd, uaddr_t uiov, int cnt, s64 *pos, bool write)
{
	_cleanup_file_ struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return -EBADF;
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	if (pos && *pos < 0)
		return -EINVAL;
	_cleanup_free_ struct linux_iovec *iov = calloc(cnt ? cnt : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (mm_copy_from_user(t->mm, iov, uiov, cnt * sizeof(*iov)))
		return -EFAULT;
	/* Validate the copy, never the guest's memory (it may change). */
	u64 sum = 0;
	for (int i = 0; i < cnt; i++) {
		if ((s64)iov[i].len < 0 || sum + iov[i].len > (u64)0x7fffffffffffffffLL)
			return -EINVAL;
		if (sum + iov[i].len > MAX_RW_COUNT)
			iov[i].len = MAX_RW_COUNT - sum;
		sum += iov[i].len;
	}
	return tg_io_account(t->tg, write,
			     fsnotify_rw(f, file_rw(t, f, iov, cnt, pos, write), write));
}

long sys_read(struct task *t, const struct syscall_args *a)
{
	return do_rw(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], NULL, false);
}

long sys_write(struct task *t, const struct syscall_args *a)
{
	return do_rw(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], NULL, true);
}

long sys_pread64(struct task *t, const struct syscall_args *a)
{
	s64 pos = a->a[3];
	return do_rw(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], &pos, false);
}

long sys_pwrite64(struct task *t, const struct syscall_args *a)
{
	s64 pos = a->a[3];
	return do_rw(t, arg_int(a, 0), arg_ptr(a, 1), a->a[2], &pos, true);
}

long sys_readv(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), NULL, false);
}

long sys_writev(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), NULL, true);
}

/*
 * preadv and pwritev take the offset as two halves (pos_l, pos_h) for
 * 32-bit callers; on x86-64 pos_l holds all of it, as Linux's pos_from_hilo.
 */
long sys_preadv(struct task *t, const struct syscall_args *a)
{
	s64 pos = a->a[3];
	if (pos < 0)
		return -EINVAL; /* before the descriptor, as Linux's do_preadv */
	return do_rwv(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), &pos, false);
}

long sys_pwritev(struct task *t, const struct syscall_args *a)
{
	s64 pos = a->a[3];
	if (pos < 0)
		return -EINVAL;
	return do_rwv(t, arg_int(a, 0), arg_ptr(a, 1), arg_int(a, 2), &pos, true);
}

#define LINUX_RWF_HIPRI 0x01
#define LINUX_RWF_DSYNC 0x02
#define LINUX_RWF_SYNC 0x04
#define LINUX_RWF_NOWAIT 0x08
#define LINUX_RWF_APPEND 0x10
#define RWF_KNOWN \
	(LINUX_RWF_HIPRI | LINUX_RWF_DSYNC | LINUX_RWF_SYNC | LINUX_RWF_NOWAIT | LINUX_RWF_APPEND)

/*
 * preadv2 and pwritev2: offset -1 is the file's own position (readv and
 * writev). Flags, as Linux's kiocb_set_rw_flags: HIPRI is only a hint
 * (no polled I/O here); DSYNC and SYNC sync the file after a write;
 * APPEND writes at the end of a regular file; NOWAIT is EOPNOTSUPP, what
 * Linux says for a file that cannot promise not to block (FMODE_NOWAIT),
 * so callers take their blocking path. Unknown flags: EOPNOTSUPP.
 */
static long do_rwv2(struct task *t, const struct syscall_args *a, bool write)
{
	s64 pos = a->a[3];
	u32 flags = (u32)a->a[5];
	if (pos < -1)
		return -EINVAL;
	if (flags & ~RWF_KNOWN || (flags & LINUX_RWF_NOWAIT))
		return -EOPNOTSUPP;
	if (!write)
		flags &= ~(LINUX_RWF_DSYNC | LINUX_RWF_SYNC | LINUX_RWF_APPEND); /* writes only */
	int fd = arg_int(a, 0);
	if (flags & LINUX_RWF_APPEND) {
		_cleanup_file_ struct file *f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		/*
		 * The end as it is now: a writer racing this one may land
		 * between (Linux holds the inode lock across both).
		 */
		if (f->inode && S_ISREG(f->inode->mode) && !(f->flags & O_APPEND))
			pos = __atomic_load_n(&f->inode->size, __ATOMIC_RELAXED);
	}
	long ret = do_rwv(t, fd, arg_ptr(a, 1), arg_int(a, 2), pos == -1 ? NULL : &pos, write);
	if (ret > 0 && (flags & (LINUX_RWF_DSYNC | LINUX_RWF_SYNC))) {
		_cleanup_file_ struct file *f = fdtable_get(t->files, fd);
		int err = f ? vfs_fsync(f) : -EBADF;
		if (err && err != -EINVAL)
			return err; /* as Linux's generic_write_sync */
	}
	return ret;
}

long sys_preadv2(struct task *t, const struct syscall_args *a)
{
	return do_rwv2(t, a, false);
}

long sys_pwritev2(struct task *t, const struct syscall_args *a)
{
	return do_rwv2(t, a, true);
}

long sys_ioctl(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fdtable_get(t->files, arg_int(a, 0));
	unsigned cmd = arg_uint(a, 1);
	if (!f || (f->mode & FMODE_PATH))
		return -EBADF;
	int on;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		return fdtable_set_cloexec(t->files, arg_int(a, 0), cmd == FIOCLEX);
	case FIONBIO:
		if (mm_copy_from_user(t->mm, &on, arg_ptr(a, 2), sizeof(on)))
			return -EFAULT;
		__atomic_fetch_and(&f->flags, ~(u32)O_NONBLOCK, __ATOMIC_RELAXED);
		if (on)
			__atomic_fetch_or(&f->flags, (u32)O_NONBLOCK, __ATOMIC_RELAXED);
		return 0;
	case FIOASYNC:
		if (mm_copy_from_user(t->mm, &on, arg_ptr(a, 2), sizeof(on)))
			return -EFAULT;
		/* Unlike F_SETFL, a file that cannot signal says so. */
		if (!f->ops->fasync && !(f->flags & O_ASYNC) != !on)
			return -ENOTTY;
		return file_set_async(f, arg_int(a, 0), on);
	}
	return f->ops->ioctl ? f->ops->ioctl(t, f, cmd, arg_ptr(a, 2)) : -ENOTTY;
}
