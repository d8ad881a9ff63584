// SPDX-License-Identifier: Apache-2.0
/* Tgetattr, Tsetattr, Treadlink, Tstatfs: a file's attributes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "ops.h"

static void attr_from_stat(const struct stat *st, struct p9_attr *a)
{
	a->valid = P9_GETATTR_BASIC;
	node_qid(st, &a->qid);
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->nlink = st->st_nlink;
	a->rdev = st->st_rdev;
	a->size = st->st_size;
	a->blksize = st->st_blksize;
	a->blocks = st->st_blocks;
	a->atime_sec = st->st_atim.tv_sec;
	a->atime_nsec = st->st_atim.tv_nsec;
	a->mtime_sec = st->st_mtim.tv_sec;
	a->mtime_nsec = st->st_mtim.tv_nsec;
	a->ctime_sec = st->st_ctim.tv_sec;
	a->ctime_nsec = st->st_ctim.tv_nsec;
}

/* Every field of the basic set is always returned, whatever was asked:
 * one fstatat fetches them all. */
GOFER_HANDLER(op_getattr)
{
	struct node *n = op_fid_node(srv, req->tgetattr.fid, NULL);
	struct stat st;
	int err;

	if (IS_ERR(n))
		return PTR_ERR(n);
	err = node_stat(n, &st);
	if (!err)
		attr_from_stat(&st, &r->msg.rgetattr);
	node_put(srv, n);
	return err;
}

static int set_owner(struct node *n, const struct p9_setattr *a)
{
	uid_t uid = (a->valid & P9_SETATTR_UID) ? a->uid : (uid_t)-1;
	gid_t gid = (a->valid & P9_SETATTR_GID) ? a->gid : (gid_t)-1;

	/* chown(-1, -1) changes nothing but ctime: what CTIME alone asks. */
	if (fchownat(n->fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* O_PATH descriptors cannot fchmod: reopen (a symlink's mode cannot be
 * changed at all on Linux, hence EOPNOTSUPP as for lchmod). */
static int set_mode(struct gofer_server *srv, struct node *n, u32 mode)
{
	_cleanup_close_ int fd = node_reopen(srv, n, O_RDONLY);

	if (fd == -ELOOP)
		return -EOPNOTSUPP;
	if (fd < 0)
		return fd;
	return fchmod(fd, mode & 07777) < 0 ? -errno : 0;
}

static int set_size(struct gofer_server *srv, struct node *n, u64 size)
{
	_cleanup_close_ int fd = -1;

	if (n->type == S_IFDIR)
		return -EISDIR;
	if (n->type != S_IFREG)
		return -EINVAL;
	if (size > INT64_MAX)
		return -EFBIG;
	fd = node_reopen(srv, n, O_WRONLY);
	if (fd < 0)
		return fd;
	return ftruncate(fd, size) < 0 ? -errno : 0;
}

static struct timespec time_of(bool change, bool set, u64 sec, u64 nsec)
{
	if (!change)
		return (struct timespec){.tv_nsec = UTIME_OMIT};
	if (!set)
		return (struct timespec){.tv_nsec = UTIME_NOW};
	return (struct timespec){.tv_sec = sec, .tv_nsec = nsec};
}

static int set_times(struct node *n, const struct p9_setattr *a)
{
	struct timespec ts[2] = {
		time_of(a->valid & P9_SETATTR_ATIME, a->valid & P9_SETATTR_ATIME_SET, a->atime_sec,
			a->atime_nsec),
		time_of(a->valid & P9_SETATTR_MTIME, a->valid & P9_SETATTR_MTIME_SET, a->mtime_sec,
			a->mtime_nsec),
	};

	if (utimensat(n->fd, "", ts, AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/*
 * In the order Linux's notify_change would apply them: owner (which may
 * clear set-id bits), mode, size, then times, so that explicit times win
 * over the mtime a truncate sets.
 */
GOFER_HANDLER(op_setattr)
{
	const struct p9_setattr *a = &req->tsetattr.attr;
	struct node *n = op_fid_node(srv, req->tsetattr.fid, NULL);
	u32 times = P9_SETATTR_ATIME | P9_SETATTR_MTIME;
	int err;

	if (IS_ERR(n))
		return PTR_ERR(n);
	err = node_check_writable(n);
	if (!err && (a->valid & (P9_SETATTR_UID | P9_SETATTR_GID)))
		err = set_owner(n, a);
	if (!err && (a->valid & P9_SETATTR_MODE))
		err = set_mode(srv, n, a->mode);
	if (!err && (a->valid & P9_SETATTR_SIZE))
		err = set_size(srv, n, a->size);
	if (!err && (a->valid & times))
		err = set_times(n, a);
	else if (!err && (a->valid & P9_SETATTR_CTIME) &&
		 !(a->valid & (P9_SETATTR_UID | P9_SETATTR_GID)))
		err = set_owner(n, &(struct p9_setattr){0});
	node_put(srv, n);
	return err;
}

GOFER_HANDLER(op_readlink)
{
	struct node *n = op_fid_node(srv, req->treadlink.fid, NULL);
	char *buf = NULL;
	ssize_t len;
	int err = 0;

	if (IS_ERR(n))
		return PTR_ERR(n);
	if (n->type != S_IFLNK) {
		err = -EINVAL;
		goto out;
	}
	buf = malloc(PATH_MAX);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	len = readlinkat(n->fd, "", buf, PATH_MAX);
	if (len < 0) {
		err = -errno;
	} else if (len >= PATH_MAX || P9_HDRSZ + 2 + len > srv->msize) {
		err = -ENAMETOOLONG; /* (the second only with a tiny msize) */
	} else {
		r->msg.rreadlink.target = (struct p9_str){.s = buf, .len = len};
		r->buf = buf;
		buf = NULL;
	}
out:
	free(buf);
	node_put(srv, n);
	return err;
}

GOFER_HANDLER(op_statfs)
{
	struct node *n = op_fid_node(srv, req->tstatfs.fid, NULL);
	struct p9_statfs *s = &r->msg.rstatfs;
	struct statfs sf;
	int err = 0;

	if (IS_ERR(n))
		return PTR_ERR(n);
	if (fstatfs(n->fd, &sf) < 0) {
		err = -errno;
	} else {
		s->type = sf.f_type;
		s->bsize = sf.f_bsize;
		s->blocks = sf.f_blocks;
		s->bfree = sf.f_bfree;
		s->bavail = sf.f_bavail;
		s->files = sf.f_files;
		s->ffree = sf.f_ffree;
		s->fsid = (u32)sf.f_fsid.__val[0] | (u64)(u32)sf.f_fsid.__val[1] << 32;
		s->namelen = sf.f_namelen;
	}
	node_put(srv, n);
	return err;
}
