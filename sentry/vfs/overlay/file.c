// SPDX-License-Identifier: Apache-2.0
/*
 * overlay regular files: each open overlay file holds a private file
 * opened on the layer inode (upper after copy-up) and hands every op to
 * it. Opening for writing copies up first. A file opened on lower before
 * someone else copied it up moves to the copy at its next op, as Linux's
 * overlayfs does, so that a read-only descriptor (or an O_RDONLY|O_TRUNC
 * open, whose truncation copies up after the open) sees the file's data.
 */
#include <errno.h>
#include <stdlib.h>

#include "overlay_internal.h"
#include "sentry/vfs/poll.h"

struct ovl_file {
	pthread_mutex_t lock; /* guards real */
	struct file *real;
};

int ovl_open_real(struct inode *real, u32 flags, u32 fmode, struct file **out)
{
	const struct file_ops *ops = real->fops;
	if (!ops)
		return S_ISDIR(real->mode) ? -ENOTDIR : -ENXIO;
	struct file *f = file_alloc(sizeof(*f), ops);
	if (!f)
		return -ENOMEM;
	f->inode = real; /* borrowed: the overlay inode holds the layer inode */
	f->flags = flags;
	f->mode = fmode;
	f->partial_copy = S_ISREG(real->mode);
	int ret = ops->open ? ops->open(real, f) : 0;
	if (ret) {
		file_put(f);
		return ret;
	}
	*out = f;
	return 0;
}

static int ovl_file_open(struct inode *inode, struct file *f)
{
	struct ovl_inode *oi = OVL_I(inode);
	int ret = 0;

	if ((f->mode & FMODE_WRITE) && !ovl_upper(oi)) {
		vfs_lock();
		ret = ovl_copy_up(oi, -1);
		vfs_unlock();
		if (ret)
			return ret;
	}
	struct ovl_file *of = calloc(1, sizeof(*of));
	if (!of)
		return -ENOMEM;
	ret = ovl_open_real(ovl_real(oi), f->flags, f->mode, &of->real);
	if (ret) {
		free(of);
		return ret;
	}
	pthread_mutex_init(&of->lock, NULL);
	f->private_data = of;
	return 0;
}

/* A reference to the layer file to use now (or ERR_PTR). */
static struct file *ovl_real_file(struct file *f)
{
	struct ovl_file *of = f->private_data;
	struct inode *upper = ovl_upper(OVL_I(f->inode));
	struct file *old = NULL, *rf;

	pthread_mutex_lock(&of->lock);
	if (upper && of->real->inode != upper) {
		struct file *nf;
		int ret = ovl_open_real(upper, f->flags, f->mode, &nf);
		if (ret) {
			pthread_mutex_unlock(&of->lock);
			return ERR_PTR(ret);
		}
		old = of->real;
		of->real = nf;
	}
	rf = file_get(of->real);
	/* fcntl(F_SETFL) changes the overlay file's O_APPEND and O_NONBLOCK. */
	if (rf->flags != f->flags)
		rf->flags = f->flags;
	pthread_mutex_unlock(&of->lock);
	file_put(old);
	return rf;
}

static ssize_t ovl_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	ssize_t ret = vfs_read(rf, buf, len, pos);
	file_put(rf);
	return ret;
}

static ssize_t ovl_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	ssize_t ret = vfs_write(rf, buf, len, pos);
	file_put(rf);
	if (ret > 0)
		ovl_sync(OVL_I(f->inode)); /* size and times, for whoever reads the mirror */
	return ret;
}

/* Caller holds f->pos_lock: the layer file seeks from the overlay file's position. */
static s64 ovl_llseek(struct file *f, s64 off, int whence)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	s64 ret = -ESPIPE;
	if (rf->ops->llseek) {
		pthread_mutex_lock(&rf->pos_lock);
		rf->pos = f->pos;
		ret = rf->ops->llseek(rf, off, whence);
		pthread_mutex_unlock(&rf->pos_lock);
	}
	if (ret >= 0)
		f->pos = ret;
	file_put(rf);
	return ret;
}

static int ovl_fsync(struct file *f)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	int ret = vfs_fsync(rf);
	file_put(rf);
	return ret;
}

/* The file was copied up at its open for writing; the upper file allocates. */
static int ovl_fallocate(struct file *f, int mode, s64 off, s64 len)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	int ret = rf->ops->fallocate ? rf->ops->fallocate(rf, mode, off, len) : -EOPNOTSUPP;
	file_put(rf);
	if (!ret)
		ovl_sync(OVL_I(f->inode)); /* the size, for whoever reads the mirror */
	return ret;
}

static long ovl_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	long ret = rf->ops->ioctl ? rf->ops->ioctl(t, rf, cmd, arg) : -ENOTTY;
	file_put(rf);
	return ret;
}

static u32 ovl_poll(struct file *f, struct poll_table *pt)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return LINUX_POLLERR;
	u32 ret = rf->ops->poll ? rf->ops->poll(rf, pt) : POLL_DEFAULT_MASK;
	file_put(rf);
	return ret;
}

static long ovl_fcntl(struct file *f, int cmd, u64 arg)
{
	struct file *rf = ovl_real_file(f);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	long ret = rf->ops->fcntl ? rf->ops->fcntl(rf, cmd, arg) : -EBADF;
	file_put(rf);
	return ret;
}

static void ovl_release(struct file *f)
{
	struct ovl_file *of = f->private_data;
	if (!of)
		return;
	file_put(of->real);
	pthread_mutex_destroy(&of->lock);
	free(of);
}

/* No .stat: overlay files have a path, and fstat asks the overlay inode. */
const struct file_ops ovl_file_fops = {
	.open = ovl_file_open,
	.read = ovl_read,
	.write = ovl_write,
	.llseek = ovl_llseek,
	.fsync = ovl_fsync,
	.fallocate = ovl_fallocate,
	.ioctl = ovl_ioctl,
	.poll = ovl_poll,
	.fcntl = ovl_fcntl,
	.real_file = ovl_real_file,
	.release = ovl_release,
};
