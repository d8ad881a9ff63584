// SPDX-License-Identifier: Apache-2.0
/*
 * The client's calls (client.h): each builds its request, runs it through
 * gofer_rpc and copies out what the caller asked for, so that nothing the
 * caller keeps points into a reply.
 */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "client_internal.h"

/* Every string the client sends goes through here. */
static int str(struct p9_str *s, const char *cstr)
{
	return p9_str_from(s, cstr);
}

int gofer_attach(struct gofer_client *c, const char *aname, u32 uid, u32 *fid, struct p9_qid *qid)
{
	struct p9_msg m = {.type = P9_TATTACH};
	struct rpc_reply rep;
	int err;

	err = str(&m.tattach.aname, aname) ?: client_fid_alloc(c, &m.tattach.fid);
	if (err)
		return err;
	m.tattach.afid = P9_NOFID;
	m.tattach.uname = (struct p9_str){"", 0};
	m.tattach.n_uname = uid;
	err = gofer_rpc(c, &m, &rep);
	if (err) {
		client_fid_release(c, m.tattach.fid);
		return err;
	}
	if (qid)
		*qid = rep.msg.rattach.qid;
	*fid = m.tattach.fid;
	rpc_reply_done(&rep);
	return 0;
}

int gofer_walk(struct gofer_client *c, u32 fid, unsigned int n, const char *const *names,
	       u32 *newfid, struct p9_qid *qids)
{
	struct p9_msg m = {.type = P9_TWALK};
	struct rpc_reply rep;
	int err = 0;

	if (n > P9_MAXWELEM)
		return -EINVAL;
	for (unsigned int i = 0; i < n && !err; i++)
		err = str(&m.twalk.wnames[i], names[i]);
	if (!err)
		err = client_fid_alloc(c, &m.twalk.newfid);
	if (err)
		return err;
	m.twalk.fid = fid;
	m.twalk.nwname = n;
	err = gofer_rpc(c, &m, &rep);
	if (!err && rep.msg.rwalk.nwqid != n) {
		/* Part of the way: the server made no newfid. */
		err = rep.msg.rwalk.nwqid < n ? -ENOENT : -EPROTO;
		rpc_reply_done(&rep);
	}
	if (err) {
		client_fid_release(c, m.twalk.newfid);
		return err;
	}
	if (qids)
		memcpy(qids, rep.msg.rwalk.wqids, n * sizeof(*qids));
	*newfid = m.twalk.newfid;
	rpc_reply_done(&rep);
	return 0;
}

int gofer_clunk(struct gofer_client *c, u32 fid)
{
	struct p9_msg m = {.type = P9_TCLUNK, .tclunk.fid = fid};
	int err = gofer_rpc_simple(c, &m);

	client_fid_release(c, fid);
	return err;
}

int gofer_getattr(struct gofer_client *c, u32 fid, u64 mask, struct p9_attr *attr)
{
	struct p9_msg m = {.type = P9_TGETATTR, .tgetattr = {.fid = fid, .request_mask = mask}};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);

	if (err)
		return err;
	*attr = rep.msg.rgetattr;
	rpc_reply_done(&rep);
	return 0;
}

int gofer_setattr(struct gofer_client *c, u32 fid, const struct p9_setattr *attr)
{
	struct p9_msg m = {.type = P9_TSETATTR, .tsetattr = {.fid = fid, .attr = *attr}};

	return gofer_rpc_simple(c, &m);
}

int gofer_statfs(struct gofer_client *c, u32 fid, struct p9_statfs *st)
{
	struct p9_msg m = {.type = P9_TSTATFS, .tstatfs.fid = fid};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);

	if (err)
		return err;
	*st = rep.msg.rstatfs;
	rpc_reply_done(&rep);
	return 0;
}

ssize_t gofer_readlink(struct gofer_client *c, u32 fid, char *buf, size_t size)
{
	struct p9_msg m = {.type = P9_TREADLINK, .treadlink.fid = fid};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);
	ssize_t len;

	if (err)
		return err;
	len = rep.msg.rreadlink.target.len;
	err = p9_str_copy(buf, size, rep.msg.rreadlink.target);
	rpc_reply_done(&rep);
	return err ?: len;
}

/* Rlopen and Rlcreate: the same body. The donated fd becomes the caller's. */
static void take_open(struct rpc_reply *rep, struct gofer_open *out)
{
	out->qid = rep->msg.rlopen.qid;
	out->iounit = rep->msg.rlopen.iounit;
	out->fd = rep->fd;
	rep->fd = -1;
	rpc_reply_done(rep);
}

int gofer_open(struct gofer_client *c, u32 fid, u32 flags, struct gofer_open *out)
{
	struct p9_msg m = {.type = P9_TLOPEN, .tlopen = {.fid = fid, .flags = flags}};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);

	if (err)
		return err;
	take_open(&rep, out);
	return 0;
}

/* Tlcreate turns its fid into the new file: create through a clone, so
 * that the caller's directory fid stays a directory. */
int gofer_create(struct gofer_client *c, u32 dirfid, const char *name, u32 flags, u32 mode, u32 gid,
		 u32 *newfid, struct gofer_open *out)
{
	struct p9_msg m = {.type = P9_TLCREATE};
	struct rpc_reply rep;
	u32 fid;
	int err;

	err = str(&m.tlcreate.name, name) ?: gofer_walk(c, dirfid, 0, NULL, &fid, NULL);
	if (err)
		return err;
	m.tlcreate.fid = fid;
	m.tlcreate.flags = flags;
	m.tlcreate.mode = mode;
	m.tlcreate.gid = gid;
	err = gofer_rpc(c, &m, &rep);
	if (err) {
		gofer_clunk(c, fid);
		return err;
	}
	take_open(&rep, out);
	*newfid = fid;
	return 0;
}

/* Rmkdir, Rsymlink, Rmknod: a qid. */
static int rpc_qid(struct gofer_client *c, const struct p9_msg *m, struct p9_qid *qid)
{
	struct rpc_reply rep;
	int err = gofer_rpc(c, m, &rep);

	if (err)
		return err;
	if (qid)
		*qid = rep.msg.rmkdir.qid;
	rpc_reply_done(&rep);
	return 0;
}

int gofer_mkdir(struct gofer_client *c, u32 dirfid, const char *name, u32 mode, u32 gid,
		struct p9_qid *qid)
{
	struct p9_msg m = {.type = P9_TMKDIR, .tmkdir = {.dfid = dirfid, .mode = mode, .gid = gid}};

	return str(&m.tmkdir.name, name) ?: rpc_qid(c, &m, qid);
}

int gofer_symlink(struct gofer_client *c, u32 dirfid, const char *name, const char *target, u32 gid,
		  struct p9_qid *qid)
{
	struct p9_msg m = {.type = P9_TSYMLINK, .tsymlink = {.fid = dirfid, .gid = gid}};

	return str(&m.tsymlink.name, name) ?: str(&m.tsymlink.symtgt, target)
						     ?: rpc_qid(c, &m, qid);
}

int gofer_mknod(struct gofer_client *c, u32 dirfid, const char *name, u32 mode, u32 major,
		u32 minor, u32 gid, struct p9_qid *qid)
{
	struct p9_msg m = {
		.type = P9_TMKNOD,
		.tmknod = {
			.dfid = dirfid, .mode = mode, .major = major, .minor = minor, .gid = gid}};

	return str(&m.tmknod.name, name) ?: rpc_qid(c, &m, qid);
}

int gofer_link(struct gofer_client *c, u32 dirfid, u32 fid, const char *name)
{
	struct p9_msg m = {.type = P9_TLINK, .tlink = {.dfid = dirfid, .fid = fid}};

	return str(&m.tlink.name, name) ?: gofer_rpc_simple(c, &m);
}

/*
 * Servers may lack Tunlinkat and Trenameat (diod does): 9P2000.L says to
 * fall back to Tremove and Trename on a fid walked to the name, as Linux's
 * v9fs does.
 */
static int unlinkat_by_remove(struct gofer_client *c, u32 dirfid, const char *name, u32 flags)
{
	struct p9_qid qid;
	u32 fid;
	int err = gofer_walk(c, dirfid, 1, &name, &fid, &qid);

	if (err)
		return err;
	/* Tremove takes anything; unlinkat's flag says which kind. */
	if ((qid.type & P9_QTDIR) && !(flags & P9_DOTL_AT_REMOVEDIR)) {
		gofer_clunk(c, fid);
		return -EISDIR;
	}
	if (!(qid.type & P9_QTDIR) && (flags & P9_DOTL_AT_REMOVEDIR)) {
		gofer_clunk(c, fid);
		return -ENOTDIR;
	}
	return gofer_remove(c, fid);
}

int gofer_unlinkat(struct gofer_client *c, u32 dirfid, const char *name, u32 flags)
{
	struct p9_msg m = {.type = P9_TUNLINKAT, .tunlinkat = {.dirfid = dirfid, .flags = flags}};
	int err = str(&m.tunlinkat.name, name) ?: gofer_rpc_simple(c, &m);

	return err == -EOPNOTSUPP ? unlinkat_by_remove(c, dirfid, name, flags) : err;
}

static int renameat_by_rename(struct gofer_client *c, u32 olddirfid, const char *oldname,
			      u32 newdirfid, const char *newname)
{
	struct p9_msg m = {.type = P9_TRENAME, .trename.dfid = newdirfid};
	int err = str(&m.trename.name, newname)
			  ?: gofer_walk(c, olddirfid, 1, &oldname, &m.trename.fid, NULL);

	if (err)
		return err;
	err = gofer_rpc_simple(c, &m);
	gofer_clunk(c, m.trename.fid);
	return err;
}

int gofer_renameat(struct gofer_client *c, u32 olddirfid, const char *oldname, u32 newdirfid,
		   const char *newname)
{
	struct p9_msg m = {.type = P9_TRENAMEAT,
			   .trenameat = {.olddirfid = olddirfid, .newdirfid = newdirfid}};
	int err = str(&m.trenameat.oldname, oldname) ?: str(&m.trenameat.newname, newname)
								?: gofer_rpc_simple(c, &m);

	if (err == -EOPNOTSUPP)
		err = renameat_by_rename(c, olddirfid, oldname, newdirfid, newname);
	return err;
}

int gofer_remove(struct gofer_client *c, u32 fid)
{
	struct p9_msg m = {.type = P9_TREMOVE, .tremove.fid = fid};
	int err = gofer_rpc_simple(c, &m);

	client_fid_release(c, fid); /* 9P: clunked whatever the outcome */
	return err;
}

/* The most data one request may move at this msize. */
static u32 io_chunk(const struct gofer_client *c, size_t want)
{
	return MIN(want, (size_t)gofer_client_msize(c) - P9_IOHDRSZ);
}

int gofer_readdir(struct gofer_client *c, u32 fid, u64 offset, u32 count, gofer_dirent_fn fn,
		  void *arg)
{
	struct p9_msg m = {.type = P9_TREADDIR,
			   .treaddir = {.fid = fid, .offset = offset, .count = io_chunk(c, count)}};
	struct rpc_reply rep;
	const u8 *p, *end;
	int n = 0, err;

	err = gofer_rpc(c, &m, &rep);
	if (err)
		return err;
	if (rep.msg.rreaddir.count > m.treaddir.count) {
		rpc_reply_done(&rep);
		return -EPROTO;
	}
	p = rep.msg.rreaddir.data;
	end = p + rep.msg.rreaddir.count;
	while (p < end && !err) {
		struct p9_dirent d;
		ssize_t len = p9_dirent_decode(p, end - p, &d);

		if (len < 0) {
			err = -EPROTO;
			break;
		}
		err = fn(arg, &d);
		p += len;
		n++;
	}
	rpc_reply_done(&rep);
	return err ?: n;
}

ssize_t gofer_read(struct gofer_client *c, u32 fid, u64 offset, void *buf, size_t count)
{
	size_t done = 0;

	while (done < count) {
		struct p9_msg m = {.type = P9_TREAD,
				   .tread = {.fid = fid,
					     .offset = offset + done,
					     .count = io_chunk(c, count - done)}};
		struct rpc_reply rep;
		int err = gofer_rpc(c, &m, &rep);
		u32 n;

		if (err)
			return done ? (ssize_t)done : err;
		n = rep.msg.rread.count;
		if (n > m.tread.count) {
			rpc_reply_done(&rep);
			return -EPROTO;
		}
		memcpy((u8 *)buf + done, rep.msg.rread.data, n);
		rpc_reply_done(&rep);
		done += n;
		if (n < m.tread.count)
			break; /* end of file, or a short read: stop as read(2) would */
	}
	return done;
}

ssize_t gofer_write(struct gofer_client *c, u32 fid, u64 offset, const void *buf, size_t count)
{
	size_t done = 0;

	while (done < count) {
		struct p9_msg m = {.type = P9_TWRITE,
				   .twrite = {.fid = fid,
					      .offset = offset + done,
					      .count = io_chunk(c, count - done),
					      .data = (const u8 *)buf + done}};
		struct rpc_reply rep;
		int err = gofer_rpc(c, &m, &rep);
		u32 n;

		if (err)
			return done ? (ssize_t)done : err;
		n = rep.msg.rwrite.count;
		rpc_reply_done(&rep);
		if (n > m.twrite.count)
			return -EPROTO;
		done += n;
		if (n < m.twrite.count)
			break;
	}
	return done;
}

int gofer_fsync(struct gofer_client *c, u32 fid, bool datasync)
{
	struct p9_msg m = {.type = P9_TFSYNC, .tfsync = {.fid = fid, .datasync = datasync}};

	return gofer_rpc_simple(c, &m);
}

/* Linux's v9fs sends the node name; one Sentry is one client either way. */
static const struct p9_str client_id = {"runsk", 5};

int gofer_lock(struct gofer_client *c, u32 fid, const struct gofer_flock *l, bool block, u8 *status)
{
	struct p9_msg m = {.type = P9_TLOCK,
			   .tlock = {.fid = fid,
				     .type = l->type,
				     .flags = block ? P9_LOCK_FLAGS_BLOCK : 0,
				     .start = l->start,
				     .length = l->length,
				     .proc_id = l->proc_id,
				     .client_id = client_id}};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);

	if (err)
		return err;
	*status = rep.msg.rlock.status;
	rpc_reply_done(&rep);
	return 0;
}

int gofer_getlock(struct gofer_client *c, u32 fid, struct gofer_flock *l)
{
	struct p9_msg m = {.type = P9_TGETLOCK,
			   .tgetlock = {.fid = fid,
					.lock = {.type = l->type,
						 .start = l->start,
						 .length = l->length,
						 .proc_id = l->proc_id,
						 .client_id = client_id}}};
	struct rpc_reply rep;
	int err = gofer_rpc(c, &m, &rep);

	if (err)
		return err;
	l->type = rep.msg.rgetlock.type;
	l->start = rep.msg.rgetlock.start;
	l->length = rep.msg.rgetlock.length;
	l->proc_id = rep.msg.rgetlock.proc_id;
	rpc_reply_done(&rep);
	return 0;
}
