// SPDX-License-Identifier: Apache-2.0
/* Tauth, Tattach, Twalk, Tclunk: fids come and go. */
#include <errno.h>
#include <sys/stat.h>

#include "ops.h"

static void node_to_qid(const struct node *n, struct p9_qid *qid)
{
	struct stat st = {.st_mode = n->type, .st_dev = n->dev, .st_ino = n->ino};

	node_qid(&st, qid);
}

/* The gofer's only peer is its own Sentry over a private socketpair:
 * there is no one to authenticate. */
GOFER_HANDLER(op_auth)
{
	return -EOPNOTSUPP;
}

/* The attach point named aname: the root ("" or "/") or a bind mount's. */
static const struct attach_point *attach_point_find(struct gofer_server *srv, struct p9_str aname)
{
	if (p9_str_eq(aname, "") || p9_str_eq(aname, "/"))
		return &srv->root;
	for (unsigned i = 0; i < srv->nbinds; i++)
		if (p9_str_eq(aname, srv->binds[i].aname))
			return &srv->binds[i];
	return NULL;
}

GOFER_HANDLER(op_attach)
{
	const struct attach_point *ap;
	struct node *n;
	struct fid *f;
	int err;

	if (req->tattach.afid != P9_NOFID)
		return -EINVAL;
	ap = attach_point_find(srv, req->tattach.aname);
	if (!ap)
		return -ENOENT;
	n = node_new_root(srv, ap);
	if (IS_ERR(n))
		return PTR_ERR(n);
	/* Files this user creates are theirs; without a uid, root's. */
	f = fid_new(req->tattach.fid,
		    req->tattach.n_uname == P9_NONUNAME ? 0 : req->tattach.n_uname, n);
	if (!f) {
		node_put(srv, n);
		return -ENOMEM;
	}
	err = fid_insert(&srv->fids, f);
	if (err) {
		fid_put(srv, f);
		return err;
	}
	node_to_qid(n, &r->msg.rattach.qid);
	return 0;
}

/* One step of a walk from cur: a new reference, or an ERR_PTR. */
static struct node *walk_one(struct gofer_server *srv, struct node *cur, struct p9_str name)
{
	char buf[NAME_MAX + 1];
	int err;

	if (cur->type != S_IFDIR)
		return ERR_PTR(-ENOTDIR);
	if (p9_str_eq(name, ".."))
		return node_parent(srv, cur);
	err = name_check(name, buf);
	if (!err && node_name_hidden(cur, buf))
		err = -ENOENT;
	if (err)
		return ERR_PTR(err);
	return node_lookup(srv, cur, buf);
}

/*
 * Walk newfid to fid/wnames[0]/.../wnames[n-1]. If a step after the first
 * fails, 9P answers Rwalk with the qids of the steps that worked and leaves
 * newfid unused; if the first fails, Rlerror.
 */
GOFER_HANDLER(op_walk)
{
	const typeof(req->twalk) *w = &req->twalk;
	struct node *cur = NULL, *next;
	struct fid *f, *nf = NULL;
	int err = 0;
	u16 i;

	f = op_fid(srv, w->fid);
	if (!f)
		return -EBADF;
	if (w->newfid != w->fid && (nf = op_fid(srv, w->newfid))) {
		err = -EEXIST;
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	if (f->kind != FID_NODE)
		err = -EBADF;
	else if (w->newfid == w->fid && f->open_fd >= 0)
		err = -EBUSY; /* an open fid cannot move */
	else
		cur = node_get(f->node);
	pthread_mutex_unlock(&f->lock);
	if (err)
		goto out;

	for (i = 0; i < w->nwname; i++) {
		next = walk_one(srv, cur, w->wnames[i]);
		if (IS_ERR(next)) {
			if (i == 0)
				err = PTR_ERR(next);
			break;
		}
		node_put(srv, cur);
		cur = next;
		node_to_qid(cur, &r->msg.rwalk.wqids[i]);
	}
	r->msg.rwalk.nwqid = i;
	if (err || i < w->nwname)
		goto out;

	if (w->newfid == w->fid) {
		pthread_mutex_lock(&f->lock);
		if (f->open_fd >= 0) {
			err = -EBUSY; /* opened while we walked */
		} else {
			next = f->node;
			f->node = cur;
			cur = next;
		}
		pthread_mutex_unlock(&f->lock);
	} else {
		nf = fid_new(w->newfid, f->uid, cur);
		if (!nf) {
			err = -ENOMEM;
			goto out;
		}
		cur = NULL; /* nf owns it */
		err = fid_insert(&srv->fids, nf);
		if (!err)
			nf = NULL; /* the table owns it */
	}
out:
	node_put(srv, cur);
	fid_put(srv, nf);
	fid_put(srv, f);
	return err;
}

GOFER_HANDLER(op_clunk)
{
	struct fid *f = fid_remove(&srv->fids, req->tclunk.fid);
	int err = 0;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	if (f->kind == FID_XATTR_WRITE)
		err = xattr_commit(srv, f); /* Txattrcreate's value is set now */
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return err;
}
