// SPDX-License-Identifier: Apache-2.0
/*
 * Files backed by a host file descriptor: `runsk do`'s stdio today,
 * donated gofer files later. Data goes through hostio (io_uring).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "sentry/kernel/kernel.h"

struct hostfile {
	struct file base;
	int fd;
};

static struct hostfile *to_hostfile(struct file *f)
{
	return container_of(f, struct hostfile, base);
}

static ssize_t hostfile_read(struct file *f, void *buf, size_t len, const s64 *pos)
{
	return hostio_read(to_hostfile(f)->fd, buf, len, pos);
}

static ssize_t hostfile_write(struct file *f, const void *buf, size_t len, const s64 *pos)
{
	return hostio_write(to_hostfile(f)->fd, buf, len, pos);
}

static int hostfile_stat(struct file *f, struct linux_stat *st)
{
	struct stat hs;
	if (fstat(to_hostfile(f)->fd, &hs) < 0)
		return -errno;
	*st = (struct linux_stat){
		.st_dev = hs.st_dev,
		.st_ino = hs.st_ino,
		.st_nlink = hs.st_nlink,
		.st_mode = hs.st_mode,
		.st_uid = hs.st_uid,
		.st_gid = hs.st_gid,
		.st_rdev = hs.st_rdev,
		.st_size = hs.st_size,
		.st_blksize = hs.st_blksize,
		.st_blocks = hs.st_blocks,
		.st_atim = {hs.st_atim.tv_sec, hs.st_atim.tv_nsec},
		.st_mtim = {hs.st_mtim.tv_sec, hs.st_mtim.tv_nsec},
		.st_ctim = {hs.st_ctim.tv_sec, hs.st_ctim.tv_nsec},
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

static void hostfile_release(struct file *f)
{
	struct hostfile *h = to_hostfile(f);
	close(h->fd);
	free(h);
}

static const struct file_ops hostfile_ops = {
	.read = hostfile_read,
	.write = hostfile_write,
	.ioctl = hostfile_ioctl,
	.stat = hostfile_stat,
	.release = hostfile_release,
};

struct file *hostfile_create(int host_fd, u32 flags)
{
	struct hostfile *h = calloc(1, sizeof(*h));
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->base.ops = &hostfile_ops;
	h->base.refs = 1;
	h->base.flags = flags;
	h->fd = host_fd;
	struct stat st;
	h->base.partial_copy = fstat(host_fd, &st) == 0 && S_ISREG(st.st_mode);
	return &h->base;
}
