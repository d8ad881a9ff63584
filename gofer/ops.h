/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gofer's message handlers, one per T-message, each a gofer_handler
 * (gofer_internal.h): 0 with the reply filled in, or -errno for Rlerror.
 * ops.c lists them in one table indexed by message type.
 */
#ifndef GOFER_OPS_H
#define GOFER_OPS_H

#include "gofer_internal.h"

#define GOFER_HANDLER(name) \
	int name(struct gofer_server *srv, const struct p9_msg *req, struct reply *r)

/* ops_session.c: fids and the tree */
GOFER_HANDLER(op_auth);
GOFER_HANDLER(op_attach);
GOFER_HANDLER(op_walk);
GOFER_HANDLER(op_clunk);

/* ops_attr.c: attributes */
GOFER_HANDLER(op_getattr);
GOFER_HANDLER(op_setattr);
GOFER_HANDLER(op_readlink);
GOFER_HANDLER(op_statfs);

/* ops_io.c: open files */
GOFER_HANDLER(op_lopen);
GOFER_HANDLER(op_lcreate);
GOFER_HANDLER(op_read);
GOFER_HANDLER(op_write);
GOFER_HANDLER(op_readdir);
GOFER_HANDLER(op_fsync);
GOFER_HANDLER(op_lock);
GOFER_HANDLER(op_getlock);

/* ops_dir.c: directory entries */
GOFER_HANDLER(op_mkdir);
GOFER_HANDLER(op_symlink);
GOFER_HANDLER(op_mknod);
GOFER_HANDLER(op_link);
GOFER_HANDLER(op_unlinkat);
GOFER_HANDLER(op_renameat);
GOFER_HANDLER(op_rename);
GOFER_HANDLER(op_remove);

/* ops_xattr.c: extended attributes */
GOFER_HANDLER(op_xattrwalk);
GOFER_HANDLER(op_xattrcreate);
/* Tread/Twrite on a FID_XATTR_* fid; the caller holds f->lock. */
int xattr_read(struct fid *f, u64 offset, u32 count, struct reply *r) __must_check;
int xattr_write(struct fid *f, u64 offset, const void *data, u32 count) __must_check;

/*
 * Look up fid num for a handler: a new reference, or NULL (the handler
 * answers -EBADF). Release with fid_put.
 */
static inline struct fid *op_fid(struct gofer_server *srv, u32 num)
{
	return fid_lookup(&srv->fids, num);
}

/*
 * The node of a fid that names a file (not an xattr fid), with a new
 * reference, or an ERR_PTR: -EBADF for an unknown fid or the wrong kind.
 * *uid (if uid is not NULL) is the fid's user.
 */
struct node *op_fid_node(struct gofer_server *srv, u32 num, u32 *uid) __must_check;

/* Give a file just created through fd (O_PATH will do) to uid:gid. */
int chown_new(int fd, u32 uid, u32 gid) __must_check;

#endif
