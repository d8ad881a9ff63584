// SPDX-License-Identifier: Apache-2.0
/*
 * Files backed by a host file descriptor: `runsk do`'s stdio today,
 * donated gofer files later. Data goes through hostio (io_uring).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poll.h"
#include "vfs.h"
#include "sentry/kernel/kernel.h"

struct hostfile {
	struct file base;
	int fd;
};

static struct hostfile *to_hostfile(struct file *f)
{
	return container_of(f, struct hostfile, base);
}

/* Stream I/O (pos NULL) uses and moves the host file's own offset. */
static ssize_t hostfile_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	ssize_t r = hostio_read(to_hostfile(f)->fd, buf, len, pos);
	if (r > 0 && pos)
		*pos += r;
	return r;
}

static ssize_t hostfile_read_nowait(struct file *f, void *buf, size_t len, s64 *pos)
{
	if (!pos)
		return -EAGAIN; /* a stream: its offset is the host file's own */
	ssize_t r = hostio_read_nowait(to_hostfile(f)->fd, buf, len, *pos);
	if (r > 0)
		*pos += r;
	return r;
}

static ssize_t hostfile_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	ssize_t r = hostio_write(to_hostfile(f)->fd, buf, len, pos);
	if (r > 0 && pos)
		*pos += r;
	return r;
}

static s64 hostfile_llseek(struct file *f, s64 off, int whence)
{
	if (whence < SEEK_SET || whence > SEEK_HOLE)
		return -EINVAL;
	off_t r = lseek(to_hostfile(f)->fd, off, whence);
	return r < 0 ? -errno : r;
}

/* The host's answer: 0 for a regular file, EINVAL for a pipe or a tty. */
static int hostfile_fsync(struct file *f)
{
	return fsync(to_hostfile(f)->fd) < 0 ? -errno : 0;
}

static int hostfile_stat(struct file *f, struct kstat *st)
{
	struct stat hs;
	if (fstat(to_hostfile(f)->fd, &hs) < 0)
		return -errno;
	*st = (struct kstat){
		.mask = LINUX_STATX_BASIC_STATS,
		.dev = hs.st_dev,
		.ino = hs.st_ino,
		.nlink = hs.st_nlink,
		.mode = hs.st_mode,
		.uid = hs.st_uid,
		.gid = hs.st_gid,
		.rdev = hs.st_rdev,
		.size = hs.st_size,
		.blksize = hs.st_blksize,
		.blocks = hs.st_blocks,
		.atime = {hs.st_atim.tv_sec, hs.st_atim.tv_nsec},
		.mtime = {hs.st_mtim.tv_sec, hs.st_mtim.tv_nsec},
		.ctime = {hs.st_ctim.tv_sec, hs.st_ctim.tv_nsec},
	};
	return 0;
}

/*
 * Terminal ioctls pass through to the host terminal, each with the exact
 * size of its argument so no guest pointer reaches the host.
 */
static long hostfile_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	u8 buf[64];
	size_t size;
	bool in;

	switch (cmd) {
	case TCGETS:
		size = LINUX_TERMIOS_SIZE, in = false;
		break;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		size = LINUX_TERMIOS_SIZE, in = true;
		break;
	case TIOCGWINSZ:
		size = LINUX_WINSIZE_SIZE, in = false;
		break;
	case TIOCSWINSZ:
		size = LINUX_WINSIZE_SIZE, in = true;
		break;
	case FIONREAD:
		size = sizeof(int), in = false;
		break;
	default:
		return -ENOTTY;
	}
	if (in && mm_copy_from_user(t->mm, buf, arg, size))
		return -EFAULT;
	if (ioctl(to_hostfile(f)->fd, cmd, buf) < 0)
		return -errno;
	if (!in && mm_copy_to_user(t->mm, arg, buf, size))
		return -EFAULT;
	return 0;
}

/*
 * The host fd's readiness, asked without waiting. Nothing here can wake a
 * poller when it changes, so pollers look again every POLL_REPOLL_NS.
 */
static u32 hostfile_poll(struct file *f, struct poll_table *pt)
{
	const u32 events = LINUX_POLLIN | LINUX_POLLPRI | LINUX_POLLOUT | LINUX_POLLRDNORM |
			   LINUX_POLLWRNORM | LINUX_POLLRDHUP;
	int mask = hostio_poll(to_hostfile(f)->fd, events);
	poll_cannot_wake(pt);
	/* An fd the host cannot poll: let the read or write report what is wrong. */
	return mask < 0 ? POLL_DEFAULT_MASK : (u32)mask;
}

static void hostfile_release(struct file *f)
{
	close(to_hostfile(f)->fd);
}

static const struct file_ops hostfile_ops = {
	.read = hostfile_read,
	.read_nowait = hostfile_read_nowait,
	.write = hostfile_write,
	.llseek = hostfile_llseek,
	.fsync = hostfile_fsync,
	.ioctl = hostfile_ioctl,
	.stat = hostfile_stat,
	.poll = hostfile_poll,
	.release = hostfile_release,
};

struct file *hostfile_create(int host_fd, u32 flags)
{
	struct file *f = file_alloc(sizeof(struct hostfile), &hostfile_ops);
	if (!f)
		return ERR_PTR(-ENOMEM);
	struct hostfile *h = to_hostfile(f);
	static const u32 modes[4] = {FMODE_READ, FMODE_WRITE, FMODE_READ | FMODE_WRITE, 0};
	h->base.flags = flags;
	h->base.mode = modes[flags & O_ACCMODE] | FMODE_STREAM;
	h->fd = host_fd;
	struct stat st;
	h->base.partial_copy = fstat(host_fd, &st) == 0 && S_ISREG(st.st_mode);
	/* A host pipe or tty read returns what is there: never block for a second chunk. */
	if (!h->base.partial_copy)
		h->base.mode |= FMODE_GATHER;
	return &h->base;
}
