// SPDX-License-Identifier: Apache-2.0
/*
 * Tlopen, Tlcreate and what an open fid can do: Tread, Twrite, Treaddir,
 * Tfsync, Tlock, Tgetlock. Opening a regular file donates the host
 * descriptor with the reply (README.md, "Donated descriptors"), so the
 * Sentry does its data I/O without us; Tread/Twrite remain for clients that
 * do not take descriptors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

/* The most data one reply may carry at the current msize. */
static u32 io_max(const struct gofer_server *srv, u32 count)
{
	return MIN(count, srv->msize - P9_IOHDRSZ);
}

static bool flags_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/*
 * Record fd as f's open file and fill the reply; a regular file's
 * descriptor also goes to the client. Caller holds f->lock.
 */
static int opened(struct gofer_server *srv, struct fid *f, int fd, u32 p9flags, struct reply *r)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		r->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (r->fd < 0)
			return -errno;
	}
	f->open_fd = fd;
	f->open_flags = p9flags;
	node_qid(&st, &r->msg.rlopen.qid);
	r->msg.rlopen.iounit = srv->msize - P9_IOHDRSZ;
	return 0;
}

static int lopen_locked(struct gofer_server *srv, struct fid *f, u32 p9flags, struct reply *r)
{
	int flags = open_flags_from_p9(p9flags);
	struct node *n = f->node;
	int fd, err;

	if (flags < 0)
		return flags;
	if (f->kind != FID_NODE)
		return -EBADF;
	if (f->open_fd >= 0)
		return -EBUSY;
	if (flags_write(flags) && (err = node_check_writable(n)))
		return err;
	/* The Sentry makes its own FIFOs, sockets and devices: the gofer
	 * opens files and directories only. */
	if (n->type == S_IFLNK)
		return -ELOOP;
	if (n->type != S_IFREG && n->type != S_IFDIR)
		return -EOPNOTSUPP;
	if (n->type == S_IFDIR && flags_write(flags))
		return -EISDIR;
	fd = node_reopen(srv, n, flags);
	if (fd < 0)
		return fd;
	err = opened(srv, f, fd, p9flags, r);
	if (err)
		close(fd);
	return err;
}

GOFER_HANDLER(op_lopen)
{
	struct fid *f = op_fid(srv, req->tlopen.fid);
	int err;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	err = lopen_locked(srv, f, req->tlopen.flags, r);
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return err;
}

/* The gofer runs as root: anything else must be set. */
int chown_new(int fd, u32 uid, u32 gid)
{
	if ((uid || gid) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/*
 * Tlcreate's open: make name, or (unless excl) open the regular file that
 * is already there, as open(O_CREAT) would. *made says which, so that only
 * a file the gofer made is given to its creator.
 */
static int create_or_open(struct node *dir, const char *name, int flags, mode_t mode, bool excl,
			  bool *made)
{
	struct stat st;
	int fd = host_openat(dir->fd, name, flags | O_CREAT | O_EXCL, mode);

	*made = fd >= 0;
	if (fd != -EEXIST || excl)
		return fd;
	fd = host_openat(dir->fd, name, flags, 0);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -EEXIST;
	}
	return fd;
}

static int lcreate_locked(struct gofer_server *srv, struct fid *f, const struct p9_msg *req,
			  struct reply *r)
{
	const typeof(req->tlcreate) *c = &req->tlcreate;
	int flags = open_flags_from_p9(c->flags);
	struct node *dir = f->node, *n;
	char name[NAME_MAX + 1];
	bool made;
	int fd, err;

	if (flags < 0)
		return flags;
	if (f->kind != FID_NODE)
		return -EBADF;
	if (f->open_fd >= 0)
		return -EBUSY;
	if (dir->type != S_IFDIR)
		return -ENOTDIR;
	err = node_check_writable(dir) ?: name_check(c->name, name);
	if (!err && node_name_hidden(dir, name))
		err = -EACCES; /* not there for the client, and not to be made */
	if (err)
		return err;
	fd = create_or_open(dir, name, flags & ~O_DIRECTORY, c->mode & 07777,
			    c->flags & P9_DOTL_EXCL, &made);
	if (fd < 0)
		return fd;
	err = made ? chown_new(fd, f->uid, c->gid) : 0;
	n = err ? NULL : node_lookup(srv, dir, name);
	if (IS_ERR(n))
		err = PTR_ERR(n);
	else if (n && !node_same_file(n, fd))
		err = -ESTALE; /* replaced as soon as made: not ours */
	if (!err)
		err = opened(srv, f, fd, c->flags, r);
	if (err) {
		if (n && !IS_ERR(n))
			node_put(srv, n);
		if (made)
			unlinkat(dir->fd, name, 0);
		close(fd);
		return err;
	}
	/* The fid now names the new file, as 9P says. */
	f->node = n;
	node_put(srv, dir);
	return 0;
}

GOFER_HANDLER(op_lcreate)
{
	struct fid *f = op_fid(srv, req->tlcreate.fid);
	int err;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	err = lcreate_locked(srv, f, req, r);
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return err;
}

/*
 * The open descriptor of a file fid, for I/O outside f->lock: it stays
 * open while our reference holds the fid (open_fd never changes once set).
 * -EBADF if the fid is not open or is an xattr fid.
 */
static int io_fd(struct fid *f)
{
	int fd;

	pthread_mutex_lock(&f->lock);
	fd = f->kind == FID_NODE && f->open_fd >= 0 ? f->open_fd : -EBADF;
	pthread_mutex_unlock(&f->lock);
	return fd;
}

static bool is_xattr_fid(struct fid *f)
{
	bool x;

	pthread_mutex_lock(&f->lock);
	x = f->kind != FID_NODE;
	pthread_mutex_unlock(&f->lock);
	return x;
}

static int read_file(int fd, u64 offset, u32 count, struct reply *r)
{
	ssize_t n;

	r->buf = malloc(count ?: 1);
	if (!r->buf)
		return -ENOMEM;
	n = pread(fd, r->buf, count, offset);
	if (n < 0)
		return -errno;
	r->msg.rread.count = n;
	r->msg.rread.data = r->buf;
	return 0;
}

/* Tread of an open file, or of an xattr fid's value. */
GOFER_HANDLER(op_read)
{
	struct fid *f = op_fid(srv, req->tread.fid);
	u32 count = io_max(srv, req->tread.count);
	int fd, err;

	if (!f)
		return -EBADF;
	if (req->tread.offset > INT64_MAX) {
		err = -EINVAL;
	} else if (is_xattr_fid(f)) {
		pthread_mutex_lock(&f->lock);
		err = xattr_read(f, req->tread.offset, count, r);
		pthread_mutex_unlock(&f->lock);
	} else {
		fd = io_fd(f);
		err = fd < 0 ? fd : read_file(fd, req->tread.offset, count, r);
	}
	fid_put(srv, f);
	return err;
}

/* Twrite to an open file, or into a Txattrcreate fid's value. */
GOFER_HANDLER(op_write)
{
	const typeof(req->twrite) *w = &req->twrite;
	struct fid *f = op_fid(srv, w->fid);
	int fd, err = 0;
	ssize_t n;

	if (!f)
		return -EBADF;
	if (w->offset > INT64_MAX) {
		err = -EINVAL;
	} else if (is_xattr_fid(f)) {
		pthread_mutex_lock(&f->lock);
		err = xattr_write(f, w->offset, w->data, w->count);
		pthread_mutex_unlock(&f->lock);
		r->msg.rwrite.count = w->count;
	} else if ((fd = io_fd(f)) < 0) {
		err = fd;
	} else if ((n = pwrite(fd, w->data, w->count, w->offset)) < 0) {
		err = -errno;
	} else {
		r->msg.rwrite.count = n;
	}
	fid_put(srv, f);
	return err;
}

static u8 dirent_qid_type(u8 d_type)
{
	return d_type == DT_DIR ? P9_QTDIR : d_type == DT_LNK ? P9_QTSYMLINK : P9_QTFILE;
}

/*
 * Entries from the directory cookie `offset` on, as many as fit in count
 * bytes. Each carries the cookie of the entry after it, which the client
 * sends back to continue; an empty reply is the end. Caller holds f->lock:
 * seeking and reading share the descriptor's position.
 */
/*
 * Encode the entries of dbuf[0, got) into out (count bytes) after *used,
 * skipping hidden names (node_name_hidden). Returns the bytes of dbuf
 * consumed: less than got when out is full.
 */
static ssize_t readdir_encode(const struct node *dir, const u8 *dbuf, ssize_t got, u8 *out,
			      u32 count, u32 *used)
{
	ssize_t pos = 0;

	while (pos < got) {
		const struct dirent64 *de = (const struct dirent64 *)(dbuf + pos);
		struct p9_dirent d = {
			/* A mount point lists as the directory under it, as getdents shows. */
			.qid = {.type = dirent_qid_type(de->d_type),
				.path = node_qid_path(dir->dev, de->d_ino)},
			.offset = de->d_off,
			.type = de->d_type,
			.name = {.s = de->d_name, .len = strlen(de->d_name)},
		};
		if (!node_name_hidden(dir, de->d_name)) {
			ssize_t len = p9_dirent_encode(&d, out + *used, count - *used);
			if (len < 0)
				break; /* the rest comes with the next Treaddir */
			*used += len;
		}
		pos += de->d_reclen;
	}
	return pos;
}

static int readdir_locked(struct fid *f, u64 offset, u32 count, struct reply *r)
{
	u8 dbuf[32768];
	u8 *out;
	ssize_t got, done;
	u32 used = 0;

	if (f->kind != FID_NODE || f->open_fd < 0)
		return -EBADF;
	if (f->node->type != S_IFDIR)
		return -ENOTDIR;
	if (offset > INT64_MAX)
		return -EINVAL;
	if (lseek(f->open_fd, offset, SEEK_SET) < 0)
		return -errno;
	out = malloc(count ?: 1);
	if (!out)
		return -ENOMEM;
	/* A batch of hidden names only is no end of the directory: read on. */
	do {
		got = getdents64(f->open_fd, dbuf, MIN(sizeof(dbuf), (size_t)count));
		if (got < 0) {
			free(out);
			return -errno;
		}
		done = readdir_encode(f->node, dbuf, got, out, count, &used);
	} while (!used && got > 0 && done == got);
	if (!used && got > 0) {
		free(out);
		return -EINVAL; /* count cannot hold even one entry */
	}
	r->buf = out;
	r->msg.rreaddir.count = used;
	r->msg.rreaddir.data = out;
	return 0;
}

GOFER_HANDLER(op_readdir)
{
	struct fid *f = op_fid(srv, req->treaddir.fid);
	int err;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	err = readdir_locked(f, req->treaddir.offset, io_max(srv, req->treaddir.count), r);
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return err;
}

GOFER_HANDLER(op_fsync)
{
	struct fid *f = op_fid(srv, req->tfsync.fid);
	int fd, err = 0;

	if (!f)
		return -EBADF;
	fd = io_fd(f);
	if (fd < 0)
		err = fd;
	else if ((req->tfsync.datasync ? fdatasync(fd) : fsync(fd)) < 0)
		err = -errno;
	fid_put(srv, f);
	return err;
}

static int flock_from_p9(u8 type, u64 start, u64 length, struct flock *fl)
{
	static const short types[] = {
		[P9_LOCK_TYPE_RDLCK] = F_RDLCK,
		[P9_LOCK_TYPE_WRLCK] = F_WRLCK,
		[P9_LOCK_TYPE_UNLCK] = F_UNLCK,
	};

	if (type >= ARRAY_SIZE(types) || start > INT64_MAX || length > INT64_MAX)
		return -EINVAL;
	*fl = (struct flock){
		.l_type = types[type], .l_whence = SEEK_SET, .l_start = start, .l_len = length};
	return 0;
}

/* The open descriptor of f, with the lock request as a struct flock. */
static int lock_args(struct fid *f, u8 type, u64 start, u64 length, struct flock *fl)
{
	int fd = io_fd(f);

	if (fd < 0)
		return fd;
	return flock_from_p9(type, start, length, fl) ?: fd;
}

/*
 * Record locks are open-file-description locks on the fid's descriptor, so
 * each open fid is its own owner. A worker never waits for a lock: a
 * conflict answers P9_LOCK_BLOCKED and the client retries, as Linux's
 * v9fs does for F_SETLKW.
 */
GOFER_HANDLER(op_lock)
{
	const typeof(req->tlock) *l = &req->tlock;
	struct fid *f = op_fid(srv, l->fid);
	struct flock fl;
	int fd, err = 0;

	if (!f)
		return -EBADF;
	fd = lock_args(f, l->type, l->start, l->length, &fl);
	if (fd < 0)
		err = fd;
	else if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		r->msg.rlock.status = P9_LOCK_SUCCESS;
	else if (errno == EAGAIN || errno == EACCES)
		r->msg.rlock.status = P9_LOCK_BLOCKED;
	else
		err = -errno;
	fid_put(srv, f);
	return err;
}

static u8 p9_lock_type(short type)
{
	return type == F_RDLCK	 ? P9_LOCK_TYPE_RDLCK
	       : type == F_WRLCK ? P9_LOCK_TYPE_WRLCK
				 : P9_LOCK_TYPE_UNLCK;
}

GOFER_HANDLER(op_getlock)
{
	const struct p9_getlock *l = &req->tgetlock.lock;
	struct p9_getlock *out = &r->msg.rgetlock;
	struct fid *f = op_fid(srv, req->tgetlock.fid);
	struct flock fl;
	int fd, err = 0;

	if (!f)
		return -EBADF;
	fd = lock_args(f, l->type, l->start, l->length, &fl);
	if (fd < 0) {
		err = fd;
	} else if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
		err = -errno;
	} else {
		out->type = p9_lock_type(fl.l_type);
		out->start = fl.l_start;
		out->length = fl.l_len;
		out->proc_id = fl.l_pid;
		/* The request's buffer outlives the reply. */
		out->client_id = l->client_id;
	}
	fid_put(srv, f);
	return err;
}
