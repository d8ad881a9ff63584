// SPDX-License-Identifier: Apache-2.0
/*
 * Generated files, as Linux's seq_file: the contents are made into a
 * buffer when a read starts at offset 0 (or when nothing was made yet),
 * and reads at other offsets continue in that snapshot, so a reader that
 * reads in small pieces sees one consistent text and one that preads 0
 * again sees fresh numbers. Sizes are 0 in stat, as on Linux.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_internal.h"

/* Largest write a writable file takes in one call (Linux's handlers take less). */
#define PROC_WRITE_MAX 4096

static bool seq_reserve(struct seq *s, size_t more)
{
	if (s->err)
		return false;
	if (s->len + more + 1 <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap : 1024;
	while (cap < s->len + more + 1)
		cap *= 2;
	char *b = realloc(s->buf, cap);
	if (!b) {
		s->err = -ENOMEM;
		return false;
	}
	s->buf = b;
	s->cap = cap;
	return true;
}

void seq_write(struct seq *s, const void *data, size_t len)
{
	if (!seq_reserve(s, len))
		return;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = 0;
}

void seq_puts(struct seq *s, const char *str)
{
	seq_write(s, str, strlen(str));
}

void seq_putc(struct seq *s, char c)
{
	seq_write(s, &c, 1);
}

void seq_printf(struct seq *s, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		seq_write(s, small, n);
		return;
	}
	if (!seq_reserve(s, n))
		return;
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, n + 1, fmt, ap);
	va_end(ap);
	s->len += n;
}

void seq_pad(struct seq *s, size_t line_start, size_t width, char c)
{
	while (!s->err && s->len - line_start < width)
		seq_putc(s, c);
}

void seq_free(struct seq *s)
{
	free(s->buf);
	*s = (struct seq){0};
}

/* An open generated file: the snapshot reads continue in. */
struct proc_seq_file {
	pthread_mutex_t lock; /* guards s and filled (pread needs no pos_lock) */
	struct seq s;
	bool filled;
};

static int proc_seq_open(struct inode *inode, struct file *f)
{
	if ((f->mode & FMODE_WRITE) && PROC_SB(inode->sb)->read_only)
		return (inode->mode & 0222) ? -EROFS : -EACCES;
	struct proc_seq_file *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	f->private_data = p;
	return 0;
}

static int proc_seq_fill(struct proc_seq_file *p, struct proc_inode *pi)
{
	seq_free(&p->s);
	p->filled = false;
	int ret = pi->ent->show(&p->s, pi);
	if (!ret)
		ret = p->s.err;
	if (ret) {
		seq_free(&p->s);
		return ret;
	}
	p->filled = true;
	return 0;
}

static ssize_t proc_seq_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct proc_seq_file *p = f->private_data;
	struct proc_inode *pi = PROC_I(f->inode);
	ssize_t ret = 0;

	if (!pos || *pos < 0)
		return -EINVAL;
	if (!pi->ent->show)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (*pos == 0 || !p->filled)
		ret = proc_seq_fill(p, pi);
	if (!ret && (u64)*pos < p->s.len) {
		ret = MIN(len, p->s.len - (size_t)*pos);
		memcpy(buf, p->s.buf + *pos, ret);
		*pos += ret;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static ssize_t proc_seq_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct proc_inode *pi = PROC_I(f->inode);
	if (!pi->ent->write)
		return -EINVAL;
	char kbuf[PROC_WRITE_MAX + 1];
	size_t n = MIN(len, (size_t)PROC_WRITE_MAX);
	memcpy(kbuf, buf, n);
	kbuf[n] = 0;
	ssize_t ret = pi->ent->write(pi, kbuf, n);
	/* Each write is a whole new value: Linux's handlers look at no offset. */
	if (ret > 0 && (size_t)ret == n)
		ret = len;
	return ret;
}

static void proc_seq_release(struct file *f)
{
	struct proc_seq_file *p = f->private_data;
	if (!p)
		return;
	seq_free(&p->s);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const struct file_ops proc_file_fops = {
	.open = proc_seq_open,
	.read = proc_seq_read,
	.write = proc_seq_write,
	.llseek = generic_dir_llseek, /* Linux's seq_lseek is the same */
	.release = proc_seq_release,
};

/*
 * Linux's proc_setattr: modes are fixed, owners and times may change; a
 * size (O_TRUNC: "echo 5 > /proc/self/oom_score_adj") is taken and ignored.
 */
static int proc_setattr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & ATTR_MODE)
		return -EPERM;
	inode_apply_attr(inode, ia);
	return 0;
}

const struct inode_ops proc_file_iops = {
	.setattr = proc_setattr,
};

static int proc_readlink(struct inode *inode, char *buf, size_t size)
{
	struct proc_inode *pi = PROC_I(inode);
	return pi->ent->readlink ? pi->ent->readlink(pi, buf, size) : -EINVAL;
}

static int proc_jump(struct inode *inode, struct path *out)
{
	struct proc_inode *pi = PROC_I(inode);
	return pi->ent->jump ? pi->ent->jump(pi, out) : -EOPNOTSUPP;
}

const struct inode_ops proc_link_iops = {
	.readlink = proc_readlink,
	.jump = proc_jump,
	.setattr = proc_setattr,
};
