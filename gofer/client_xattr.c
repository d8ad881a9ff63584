// SPDX-License-Identifier: Apache-2.0
/*
 * The client's extended-attribute calls (client.h). 9P2000.L moves xattrs
 * through fids: Txattrwalk opens a value (or the list of names) for Tread,
 * Txattrcreate a buffer for Twrite that Tclunk sets.
 */
#include <errno.h>
#include <limits.h>

#include "client_internal.h"

/* Txattrwalk name (empty: the list) to a new fid; its size in *size. */
static int xattr_walk(struct gofer_client *c, u32 fid, const char *name, u32 *xfid, u64 *size)
{
	struct p9_msg m = {.type = P9_TXATTRWALK, .txattrwalk.fid = fid};
	struct rpc_reply rep;
	int err;

	err = p9_str_from(&m.txattrwalk.name, name) ?: client_fid_alloc(c, &m.txattrwalk.newfid);
	if (err)
		return err;
	err = gofer_rpc(c, &m, &rep);
	if (err) {
		client_fid_release(c, m.txattrwalk.newfid);
		return err;
	}
	*size = rep.msg.rxattrwalk.size;
	*xfid = m.txattrwalk.newfid;
	rpc_reply_done(&rep);
	return 0;
}

static ssize_t xattr_fetch(struct gofer_client *c, u32 fid, const char *name, void *buf,
			   size_t size)
{
	ssize_t got;
	u64 len;
	u32 xfid;
	int err = xattr_walk(c, fid, name, &xfid, &len);

	if (err)
		return err;
	if (len > SSIZE_MAX)
		got = -E2BIG;
	else if (size == 0)
		got = len;
	else if (len > size)
		got = -ERANGE;
	else
		got = gofer_read(c, xfid, 0, buf, len);
	gofer_clunk(c, xfid);
	return got;
}

ssize_t gofer_xattr_get(struct gofer_client *c, u32 fid, const char *name, void *buf, size_t size)
{
	if (!*name)
		return -EINVAL; /* the empty name means the list */
	return xattr_fetch(c, fid, name, buf, size);
}

ssize_t gofer_xattr_list(struct gofer_client *c, u32 fid, char *buf, size_t size)
{
	return xattr_fetch(c, fid, "", buf, size);
}

int gofer_xattr_set(struct gofer_client *c, u32 fid, const char *name, const void *value,
		    size_t size, int flags)
{
	struct p9_msg m = {.type = P9_TXATTRCREATE,
			   .txattrcreate = {.attr_size = size, .flags = flags}};
	ssize_t n;
	u32 xfid;
	int err;

	/* The value is set when the fid is clunked: use a clone of fid. */
	err = p9_str_from(&m.txattrcreate.name, name) ?: gofer_walk(c, fid, 0, NULL, &xfid, NULL);
	if (err)
		return err;
	m.txattrcreate.fid = xfid;
	err = gofer_rpc_simple(c, &m);
	if (!err && size) {
		n = gofer_write(c, xfid, 0, value, size);
		err = n < 0 ? (int)n : (size_t)n != size ? -EIO : 0;
	}
	if (err) {
		gofer_clunk(c, xfid);
		return err;
	}
	return gofer_clunk(c, xfid);
}

int gofer_xattr_remove(struct gofer_client *c, u32 fid, const char *name)
{
	return gofer_xattr_set(c, fid, name, NULL, 0, 0);
}
