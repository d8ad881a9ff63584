// SPDX-License-Identifier: Apache-2.0
/*
 * Character devices by device number: the memory devices of Linux's
 * drivers/char/mem.c (null, zero, full) and random.c (random, urandom,
 * from the host's getrandom), and the terminals of sentry/tty (tty,
 * ptmx, the pts nodes). Opening any other device number is ENXIO, as for
 * a node whose driver is absent.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sentry/tty/tty.h"
#include "vfs_internal.h"

static ssize_t null_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	return 0;
}

static ssize_t sink_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	return len;
}

static ssize_t zero_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	memset(buf, 0, len);
	return len;
}

static ssize_t full_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	return -ENOSPC;
}

static ssize_t random_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	ssize_t n = getrandom(buf, len, 0);
	return n < 0 ? -EAGAIN : n;
}

/* These devices have no position to speak of: every seek lands at 0. */
static s64 noop_llseek(struct file *f, s64 off, int whence)
{
	f->pos = 0;
	return 0;
}

static const struct file_ops null_fops = {
	.read = null_read,
	.write = sink_write,
	.llseek = noop_llseek,
};

static const struct file_ops zero_fops = {
	.read = zero_read,
	.write = sink_write,
	.llseek = noop_llseek,
};

static const struct file_ops full_fops = {
	.read = zero_read,
	.write = full_write,
	.llseek = noop_llseek,
};

static const struct file_ops random_fops = {
	.read = random_read,
	.write = sink_write,
	.llseek = noop_llseek,
};

static const struct {
	u32 major, minor;
	const struct file_ops *ops;
} chrdevs[] = {
	{1, 3, &null_fops},   {1, 5, &zero_fops},   {1, 7, &full_fops},
	{1, 8, &random_fops}, {1, 9, &random_fops},
};

const struct file_ops *chrdev_ops(u64 rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (linux_encode_dev(chrdevs[i].major, chrdevs[i].minor) == rdev)
			return chrdevs[i].ops;
	return tty_chrdev_ops(rdev); /* 5:0 tty, 5:2 ptmx, 136:N pts (sentry/tty) */
}
