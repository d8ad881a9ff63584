// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes, the 9P2000.L way. Txattrwalk reads a value (or, for
 * the empty name, the list of names) into a new fid, which the client
 * reads with Tread. Txattrcreate turns a fid into a buffer the client fills
 * with Twrite; Tclunk then sets the attribute, or removes it if the size
 * was 0 (as Linux's v9fs sends a removexattr).
 *
 * O_PATH descriptors cannot carry xattr calls, so each reopens the file
 * (node_reopen); symlinks and sockets have none the gofer can reach.
 *
 * Only user.* may be set or removed, whatever the Sentry asks: trusted.*,
 * security.* (file capabilities, LSM labels) and system.* (ACLs) on the
 * image's files would be the sandbox changing how the host treats them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "ops.h"

/* Linux's XATTR_NAME_MAX */
#define XATTR_NAME_LEN_MAX 255

static int xattr_name(struct p9_str s, char out[XATTR_NAME_LEN_MAX + 1])
{
	if (!s.len)
		return -EINVAL;
	return p9_str_copy(out, XATTR_NAME_LEN_MAX + 1, s) ? -ERANGE : 0;
}

/* Read name's value (name NULL: the list) into a new buffer. */
static ssize_t xattr_fetch(int fd, const char *name, u8 **out)
{
	*out = NULL;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t size = name ? fgetxattr(fd, name, NULL, 0) : flistxattr(fd, NULL, 0);
		ssize_t got;
		u8 *buf;

		if (size < 0)
			return -errno;
		if (size > GOFER_XATTR_MAX)
			return -E2BIG;
		buf = malloc(size ?: 1);
		if (!buf)
			return -ENOMEM;
		got = name ? fgetxattr(fd, name, buf, size) : flistxattr(fd, (char *)buf, size);
		if (got >= 0) {
			*out = buf;
			return got;
		}
		free(buf);
		if (errno != ERANGE) /* ERANGE: it grew in between; again */
			return -errno;
	}
	return -ERANGE;
}

GOFER_HANDLER(op_xattrwalk)
{
	const typeof(req->txattrwalk) *m = &req->txattrwalk;
	char name[XATTR_NAME_LEN_MAX + 1];
	_cleanup_close_ int fd = -1;
	struct fid *nf = NULL, *old;
	struct node *n;
	u8 *buf = NULL;
	ssize_t len;
	u32 uid;
	int err;

	if (m->newfid == m->fid)
		return -EINVAL;
	if ((old = op_fid(srv, m->newfid))) {
		fid_put(srv, old);
		return -EEXIST;
	}
	err = m->name.len ? xattr_name(m->name, name) : 0;
	if (err)
		return err;
	n = op_fid_node(srv, m->fid, &uid);
	if (IS_ERR(n))
		return PTR_ERR(n);
	fd = node_reopen(srv, n, O_RDONLY);
	if (fd == -ELOOP || fd == -ENXIO) /* symlink, socket, device: none */
		len = m->name.len ? -ENODATA : 0;
	else
		len = fd < 0 ? fd : xattr_fetch(fd, m->name.len ? name : NULL, &buf);
	if (len < 0) {
		err = len;
		goto out;
	}
	nf = fid_new(m->newfid, uid, n);
	if (!nf) {
		err = -ENOMEM;
		goto out;
	}
	n = NULL; /* nf owns it */
	nf->kind = FID_XATTR_READ;
	nf->xbuf = buf;
	nf->xlen = nf->xsize = len;
	buf = NULL;
	err = fid_insert(&srv->fids, nf);
	if (!err) {
		nf = NULL;
		r->msg.rxattrwalk.size = len;
	}
out:
	free(buf);
	fid_put(srv, nf);
	node_put(srv, n);
	return err;
}

static int xattrcreate_locked(struct fid *f, const struct p9_msg *req)
{
	const typeof(req->txattrcreate) *m = &req->txattrcreate;
	char name[XATTR_NAME_LEN_MAX + 1];
	int err;

	if (f->kind != FID_NODE || f->open_fd >= 0)
		return -EBADF;
	if (m->flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (m->attr_size > GOFER_XATTR_MAX)
		return -E2BIG;
	err = node_check_writable(f->node) ?: xattr_name(m->name, name);
	if (!err && strncmp(name, "user.", 5))
		err = -EOPNOTSUPP;
	if (err)
		return err;
	f->xname = strdup(name);
	f->xbuf = malloc(m->attr_size ?: 1);
	if (!f->xname || !f->xbuf) {
		xattr_release(f);
		return -ENOMEM;
	}
	f->kind = FID_XATTR_WRITE;
	f->xsize = m->attr_size;
	f->xlen = 0;
	f->xflags = m->flags;
	return 0;
}

GOFER_HANDLER(op_xattrcreate)
{
	struct fid *f = op_fid(srv, req->txattrcreate.fid);
	int err;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	err = xattrcreate_locked(f, req);
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return err;
}

/* Copied, not pointed at: a concurrent Tclunk may free xbuf before the
 * reply is sent. */
int xattr_read(struct fid *f, u64 offset, u32 count, struct reply *r)
{
	size_t n;

	if (f->kind != FID_XATTR_READ)
		return -EBADF;
	n = offset >= f->xlen ? 0 : MIN((size_t)count, f->xlen - offset);
	r->buf = malloc(n ?: 1);
	if (!r->buf)
		return -ENOMEM;
	if (n)
		memcpy(r->buf, f->xbuf + offset, n);
	r->msg.rread.count = n;
	r->msg.rread.data = r->buf;
	return 0;
}

int xattr_write(struct fid *f, u64 offset, const void *data, u32 count)
{
	if (f->kind != FID_XATTR_WRITE)
		return -EBADF;
	if (offset > f->xsize || count > f->xsize - offset)
		return -ENOSPC;
	if (count)
		memcpy(f->xbuf + offset, data, count);
	f->xlen = MAX(f->xlen, offset + count);
	return 0;
}

/* At Tclunk of a Txattrcreate fid; caller holds f->lock. */
int xattr_commit(struct gofer_server *srv, struct fid *f)
{
	_cleanup_close_ int fd = -1;

	if (f->xlen != f->xsize)
		return -EINVAL; /* fewer bytes written than announced */
	fd = node_reopen(srv, f->node, O_RDONLY);
	if (fd == -ELOOP || fd == -ENXIO)
		return -EPERM; /* as Linux says for user.* on a symlink */
	if (fd < 0)
		return fd;
	if (f->xsize == 0)
		return fremovexattr(fd, f->xname) < 0 ? -errno : 0;
	return fsetxattr(fd, f->xname, f->xbuf, f->xsize, f->xflags) < 0 ? -errno : 0;
}

void xattr_release(struct fid *f)
{
	free(f->xname);
	free(f->xbuf);
	f->xname = NULL;
	f->xbuf = NULL;
	f->xlen = f->xsize = 0;
}
