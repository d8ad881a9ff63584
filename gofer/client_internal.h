/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between the client's transport (client_rpc.c: tags, the reader thread,
 * fid numbers) and its calls (client.c, client_xattr.c).
 *
 * Lock order: c->lock, then nothing; c->send_lock, then nothing.
 */
#ifndef GOFER_CLIENT_INTERNAL_H
#define GOFER_CLIENT_INTERNAL_H

#include "client.h"

/* One reply received for the caller of gofer_rpc. */
struct rpc_reply {
	struct p9_msg msg; /* decoded; strings and data point into buf */
	u8 *buf;	   /* the raw message; rpc_reply_done frees it */
	int fd;		   /* a donated descriptor, or -1; the caller's if it takes it */
};

/*
 * Send req (its tag is set here) and wait for the reply. Returns 0 with
 * *rep filled, a reply of type req->type + 1; or -errno: Rlerror's code,
 * -EPROTO for any other type, -ECONNRESET when the connection is gone,
 * -EMSGSIZE if req does not fit msize. On error rep needs no cleanup.
 */
int gofer_rpc(struct gofer_client *c, const struct p9_msg *req, struct rpc_reply *rep) __must_check;
/* gofer_rpc for requests whose reply carries nothing the caller wants. */
int gofer_rpc_simple(struct gofer_client *c, const struct p9_msg *req) __must_check;
/* Free what a reply holds, closing an fd nobody took. */
void rpc_reply_done(struct rpc_reply *rep);

/* A fid number not in use; returned with fid_release. -EMFILE if none. */
int client_fid_alloc(struct gofer_client *c, u32 *fid) __must_check;
void client_fid_release(struct gofer_client *c, u32 fid);

#endif
