// SPDX-License-Identifier: Apache-2.0
/*
 * Moving data between files without the guest's memory: splice, tee,
 * vmsplice (which does use it), sendfile and copy_file_range. The checks
 * are Linux's (fs/splice.c, fs/read_write.c), in its order; the pipe
 * halves are in sentry/vfs/pipe_splice.c, and file-to-file copies go
 * through the files' read and write ops in bounded chunks.
 *
 * A call that moved data queues IN_ACCESS on its source and IN_MODIFY on
 * its destination, once each, as Linux 6.5 and later do (fs/splice.c,
 * do_sendfile, vfs_copy_file_range); one that moved none queues nothing.
 * Older kernels left out splice's file-to-pipe (before 6.4), pipe-to-pipe,
 * tee and vmsplice events (before 6.5), and 6.1 also queued an IN_MODIFY
 * of a file-to-file copy's own writes before the call's two; the newer
 * events are the useful ones (a watcher learns of every change), so we
 * follow them.
 *
 * Linux does not lock f_pos for these calls: it reads the position,
 * moves the data, and stores the new one. So do we (taking pos_lock only
 * to read and store), so no lock is held while a pipe wait sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "lib/cleanup.h"
#include "sentry/vfs/inotify.h"
#include "sentry/vfs/pipe.h"
#include "sys_path.h"

#define COPY_CHUNK (64 * 1024)
#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000L /* INT_MAX rounded down to a page, as Linux */

static __thread u8 copy_bounce[COPY_CHUNK];

/*
 * Linux's FMODE_PREAD/PWRITE: files with a VFS position, and host files,
 * whose host answers positional I/O itself; not pipes.
 */
static bool file_has_pread(const struct file *f)
{
	return !(f->mode & FMODE_STREAM) || f->ops->llseek;
}

/* f's position, copied out; NULL for a stream (pos_store then does nothing). */
static s64 *pos_load(struct file *f, s64 *buf)
{
	s64 *fp = vfs_pos_lock(f);
	if (!fp)
		return NULL;
	*buf = *fp;
	vfs_pos_unlock(f, fp);
	return buf;
}

static void pos_store(struct file *f, const s64 *pos)
{
	s64 *fp = pos ? vfs_pos_lock(f) : NULL;
	if (fp) {
		*fp = *pos;
		vfs_pos_unlock(f, fp);
	}
}

/* Linux's rw_verify_area for a count at pos (NULL: a stream). */
static int verify_area(const s64 *pos, u64 count)
{
	if (!pos)
		return 0;
	if (*pos < 0 || (s64)((u64)*pos + count) < 0)
		return -EINVAL;
	return 0;
}

/* The S_IFMT of what f is open on (an inode's, or a host file's). */
static u32 file_type(struct file *f)
{
	struct kstat st;
	if (f->inode)
		return f->inode->mode & S_IFMT;
	return vfs_fstat(f, &st) ? 0 : st.mode & S_IFMT;
}

/*
 * After a call moved ret bytes (if positive) from in to out: the events,
 * in Linux's order (splice's IN_MODIFY of out comes first, merging with
 * one its write may have queued; the others' IN_ACCESS of in). Returns ret.
 */
static long notify_moved(struct file *in, struct file *out, long ret, bool modify_first)
{
	if (modify_first)
		return fsnotify_rw(in, fsnotify_rw(out, ret, true), false);
	return fsnotify_rw(out, fsnotify_rw(in, ret, false), true);
}

static long pipe_result(struct task *t, ssize_t ret)
{
	if (ret == -EPIPE)
		task_sigpipe(t);
	return ret;
}

/* do_splice once the offsets are copied in (off_* NULL when not given). */
static long do_splice(struct task *t, struct file *in, s64 *off_in, struct file *out, s64 *off_out,
		      size_t len, unsigned flags)
{
	bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);
	s64 pos, *posp;
	ssize_t ret;

	if (!(in->mode & FMODE_READ) || !(out->mode & FMODE_WRITE))
		return -EBADF;
	if (ipipe && opipe) {
		if (pipe_same(in, out))
			return -EINVAL;
		if ((in->flags | out->flags) & O_NONBLOCK)
			flags |= LINUX_SPLICE_F_NONBLOCK;
		return pipe_result(t, pipe_splice_pipes(in, out, len, flags));
	}
	if (ipipe) {
		if (off_out && !file_has_pread(out))
			return -EINVAL;
		posp = off_out ? off_out : pos_load(out, &pos);
		if (out->flags & O_APPEND)
			return -EINVAL;
		if ((ret = verify_area(posp, len)))
			return ret;
		if (in->flags & O_NONBLOCK)
			flags |= LINUX_SPLICE_F_NONBLOCK;
		ret = pipe_splice_out(in, out, posp, len, flags);
		if (!off_out)
			pos_store(out, posp);
		return pipe_result(t, ret);
	}
	if (opipe) {
		if (off_in && !file_has_pread(in))
			return -EINVAL;
		posp = off_in ? off_in : pos_load(in, &pos);
		if ((ret = verify_area(posp, len)))
			return ret;
		if (out->flags & O_NONBLOCK)
			flags |= LINUX_SPLICE_F_NONBLOCK;
		ret = pipe_splice_in(in, posp, out, MIN(len, (size_t)MAX_RW_COUNT), flags);
		if (!off_in)
			pos_store(in, posp);
		return pipe_result(t, ret);
	}
	return -EINVAL;
}

long sys_splice(struct task *t, const struct syscall_args *a)
{
	uaddr_t uoff_in = arg_ptr(a, 1), uoff_out = arg_ptr(a, 3);
	size_t len = a->a[4];
	unsigned flags = arg_uint(a, 5);
	s64 off_in, off_out;

	if (!len)
		return 0;
	if (flags & ~LINUX_SPLICE_F_ALL)
		return -EINVAL;
	_cleanup_file_ struct file *in = fd_file(t, arg_int(a, 0));
	if (!in)
		return -EBADF;
	_cleanup_file_ struct file *out = fd_file(t, arg_int(a, 2));
	if (!out)
		return -EBADF;
	if ((file_is_pipe(in) && uoff_in.addr) || (file_is_pipe(out) && uoff_out.addr))
		return -ESPIPE;
	if (uoff_out.addr && mm_copy_from_user(t->mm, &off_out, uoff_out, sizeof(off_out)))
		return -EFAULT;
	if (uoff_in.addr && mm_copy_from_user(t->mm, &off_in, uoff_in, sizeof(off_in)))
		return -EFAULT;
	long ret = do_splice(t, in, uoff_in.addr ? &off_in : NULL, out,
			     uoff_out.addr ? &off_out : NULL, len, flags);
	/* The events come before the offsets are stored (and may fault), as Linux's. */
	ret = notify_moved(in, out, ret, true);
	if (ret < 0)
		return ret;
	if (uoff_out.addr && mm_copy_to_user(t->mm, uoff_out, &off_out, sizeof(off_out)))
		return -EFAULT;
	if (uoff_in.addr && mm_copy_to_user(t->mm, uoff_in, &off_in, sizeof(off_in)))
		return -EFAULT;
	return ret;
}

long sys_tee(struct task *t, const struct syscall_args *a)
{
	size_t len = a->a[2];
	unsigned flags = arg_uint(a, 3);

	if (flags & ~LINUX_SPLICE_F_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	_cleanup_file_ struct file *in = fd_file(t, arg_int(a, 0));
	if (!in)
		return -EBADF;
	_cleanup_file_ struct file *out = fd_file(t, arg_int(a, 1));
	if (!out)
		return -EBADF;
	if (!(in->mode & FMODE_READ) || !(out->mode & FMODE_WRITE))
		return -EBADF;
	if (!file_is_pipe(in) || !file_is_pipe(out) || pipe_same(in, out))
		return -EINVAL;
	if ((in->flags | out->flags) & O_NONBLOCK)
		flags |= LINUX_SPLICE_F_NONBLOCK;
	return notify_moved(in, out, pipe_result(t, pipe_tee(in, out, len, flags)), false);
}

/* import_iovec: copy in, validate the copy, clamp the total to MAX_RW_COUNT. */
static long import_iovecs(struct task *t, uaddr_t uiov, u64 n, struct linux_iovec **out, u64 *total)
{
	if (n > UIO_MAXIOV)
		return -EINVAL;
	struct linux_iovec *iov = calloc(n ? n : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (mm_copy_from_user(t->mm, iov, uiov, n * sizeof(*iov))) {
		free(iov);
		return -EFAULT;
	}
	u64 sum = 0;
	for (u64 i = 0; i < n; i++) {
		if ((s64)iov[i].len < 0) {
			free(iov);
			return -EINVAL;
		}
		if (!mm_access_ok(uaddr(iov[i].base), iov[i].len)) {
			free(iov);
			return -EFAULT;
		}
		if (iov[i].len > MAX_RW_COUNT - sum)
			iov[i].len = MAX_RW_COUNT - sum;
		sum += iov[i].len;
	}
	*out = iov;
	*total = sum;
	return 0;
}

long sys_vmsplice(struct task *t, const struct syscall_args *a)
{
	u64 n = a->a[2], total;
	unsigned flags = arg_uint(a, 3);
	_cleanup_free_ struct linux_iovec *iov = NULL;

	if (flags & ~LINUX_SPLICE_F_ALL)
		return -EINVAL;
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	if (!f || !(f->mode & (FMODE_READ | FMODE_WRITE)))
		return -EBADF;
	long ret = import_iovecs(t, arg_ptr(a, 1), n, &iov, &total);
	if (ret)
		return ret;
	if (!total)
		return 0;
	if (!file_is_pipe(f))
		return -EBADF;
	/*
	 * A FIFO open for both is written to, as Linux's vmsplice_type
	 * decides. Unlike splice, vmsplice leaves the file's O_NONBLOCK out.
	 */
	if (f->mode & FMODE_WRITE)
		return fsnotify_rw(f, pipe_result(t, pipe_vmsplice_to_pipe(t, f, iov, n, flags)),
				   true);
	return fsnotify_rw(f, pipe_vmsplice_to_user(t, f, iov, n, flags), false);
}

/*
 * Linux's do_splice_direct: copy count bytes from in at *in_pos to out at
 * *out_pos (NULL: streams) through a bounce buffer. The input position
 * moves only by what was written. Returns the bytes copied, or the first
 * error if none were.
 */
static ssize_t copy_direct(struct task *t, struct file *in, s64 *in_pos, struct file *out,
			   s64 *out_pos, size_t count)
{
	size_t total = 0;
	ssize_t err = 0;

	while (total < count) {
		size_t n = MIN(count - total, (size_t)COPY_CHUNK);
		s64 before = in_pos ? *in_pos : 0;
		ssize_t r = vfs_read(in, copy_bounce, n, in_pos);
		if (r <= 0) {
			err = r;
			break;
		}
		ssize_t w = vfs_write(out, copy_bounce, r, out_pos);
		if (w <= 0) {
			if (in_pos)
				*in_pos = before;
			err = w;
			break;
		}
		total += w;
		if (w < r) {
			if (in_pos)
				*in_pos = before + w;
			break;
		}
		if ((size_t)r < n)
			break;
	}
	return total ? (ssize_t)total : pipe_result(t, err);
}

static long do_sendfile(struct task *t, int out_fd, int in_fd, s64 *ppos, size_t count)
{
	s64 pos = 0, out_pos = 0, *in_posp, *out_posp;
	long ret;

	_cleanup_file_ struct file *in = fd_file(t, in_fd);
	if (!in || !(in->mode & FMODE_READ))
		return -EBADF;
	if (ppos && !file_has_pread(in))
		return -ESPIPE;
	in_posp = ppos ? ppos : pos_load(in, &pos);
	if ((ret = verify_area(in_posp ? in_posp : &pos, count)))
		return ret;
	count = MIN(count, (size_t)MAX_RW_COUNT);
	_cleanup_file_ struct file *out = fd_file(t, out_fd);
	if (!out || !(out->mode & FMODE_WRITE))
		return -EBADF;
	out_posp = pos_load(out, &out_pos);
	if ((ret = verify_area(out_posp, count)))
		return ret;
	if (file_is_pipe(out)) {
		unsigned flags = out->flags & O_NONBLOCK ? LINUX_SPLICE_F_NONBLOCK : 0;
		/* A pipe has no splice_read: Linux cannot read one into another. */
		ret = file_is_pipe(in)
			      ? -EINVAL
			      : pipe_result(t, pipe_splice_in(in, in_posp, out, count, flags));
	} else if (out->flags & O_APPEND) {
		ret = -EINVAL;
	} else {
		/* Linux's splice_direct_to_actor reads only what can be read again. */
		u32 type = file_type(in);
		ret = type == S_IFREG || type == S_IFBLK
			      ? copy_direct(t, in, in_posp, out, out_posp, count)
			      : -EINVAL;
		pos_store(out, out_posp);
	}
	if (!ppos)
		pos_store(in, in_posp);
	return notify_moved(in, out, ret, false);
}

long sys_sendfile(struct task *t, const struct syscall_args *a)
{
	uaddr_t uoff = arg_ptr(a, 2);
	s64 off;

	if (!uoff.addr)
		return do_sendfile(t, arg_int(a, 0), arg_int(a, 1), NULL, a->a[3]);
	if (mm_copy_from_user(t->mm, &off, uoff, sizeof(off)))
		return -EFAULT;
	long ret = do_sendfile(t, arg_int(a, 0), arg_int(a, 1), &off, a->a[3]);
	if (mm_copy_to_user(t->mm, uoff, &off, sizeof(off)))
		return -EFAULT;
	return ret;
}

/* Linux's generic_copy_file_checks: shortens *count to what the input holds. */
static long copy_range_checks(struct file *in, s64 pos_in, struct file *out, s64 pos_out,
			      size_t *count)
{
	u32 tin = file_type(in), tout = file_type(out);
	struct kstat st;

	if (tin == S_IFDIR || tout == S_IFDIR)
		return -EISDIR;
	if (tin != S_IFREG || tout != S_IFREG)
		return -EINVAL;
	if (!(in->mode & FMODE_READ) || !(out->mode & FMODE_WRITE) || (out->flags & O_APPEND))
		return -EBADF;
	/* No file system of ours copies across super blocks; host files have none we know. */
	if (!in->inode || !out->inode || in->inode->sb != out->inode->sb)
		return -EXDEV;
	if ((s64)((u64)pos_in + *count) < pos_in || (s64)((u64)pos_out + *count) < pos_out)
		return -EOVERFLOW;
	long ret = vfs_fstat(in, &st);
	if (ret)
		return ret;
	*count = pos_in >= st.size ? 0 : MIN(*count, (u64)(st.size - pos_in));
	if (in->inode == out->inode && pos_out + (s64)*count > pos_in &&
	    pos_out < pos_in + (s64)*count)
		return -EINVAL;
	return 0;
}

/* An offset argument (given: copied in) or f's own position (a stream's is 0). */
static int off_load(struct task *t, struct file *f, uaddr_t u, s64 *pos)
{
	if (u.addr)
		return mm_copy_from_user(t->mm, pos, u, sizeof(*pos)) ? -EFAULT : 0;
	if (!pos_load(f, pos))
		*pos = 0;
	return 0;
}

static int off_store(struct task *t, struct file *f, uaddr_t u, const s64 *pos)
{
	if (u.addr)
		return mm_copy_to_user(t->mm, u, pos, sizeof(*pos)) ? -EFAULT : 0;
	if (!(f->mode & FMODE_STREAM))
		pos_store(f, pos);
	return 0;
}

long sys_copy_file_range(struct task *t, const struct syscall_args *a)
{
	uaddr_t uoff_in = arg_ptr(a, 1), uoff_out = arg_ptr(a, 3);
	size_t len = a->a[4];
	s64 pos_in, pos_out;

	_cleanup_file_ struct file *in = fd_file(t, arg_int(a, 0));
	if (!in)
		return -EBADF;
	_cleanup_file_ struct file *out = fd_file(t, arg_int(a, 2));
	if (!out)
		return -EBADF;
	if (off_load(t, in, uoff_in, &pos_in) || off_load(t, out, uoff_out, &pos_out))
		return -EFAULT;
	if (arg_uint(a, 5))
		return -EINVAL;
	long ret = copy_range_checks(in, pos_in, out, pos_out, &len);
	if (!ret)
		ret = verify_area(&pos_in, len) ?: verify_area(&pos_out, len);
	if (ret)
		return ret;
	if (!len)
		return 0;
	s64 new_in = pos_in, new_out = pos_out;
	ret = copy_direct(t, in, &new_in, out, &new_out, MIN(len, (size_t)MAX_RW_COUNT));
	if (ret <= 0)
		return ret;
	notify_moved(in, out, ret, false);
	/* Linux moves each by the count copied. */
	pos_in += ret;
	pos_out += ret;
	if (off_store(t, in, uoff_in, &pos_in) | off_store(t, out, uoff_out, &pos_out))
		return -EFAULT;
	return ret;
}
