/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sentry's 9P2000.L client: a synchronous, thread-safe library over one
 * connected stream socket to a gofer (or any 9P2000.L server). Any number
 * of threads may call it at once; each call sends one or more requests,
 * sleeps until their replies arrive (matched by tag by a reader thread of
 * the client's own), and returns. The client does no host path I/O: all it
 * touches is the socket and the descriptors the server donates.
 *
 * Fids are the client's to number: calls that make one (attach, walk,
 * create) return it, and gofer_clunk (or gofer_remove) gives it back.
 *
 * Every call returns 0 (or a count) on success and -errno on failure: the
 * server's Rlerror code, -EIO or -EPROTO for a malformed reply, -ECONNRESET
 * once the connection is gone, -ENAMETOOLONG for a name that cannot be sent.
 * All calls may block; none may be made from a signal handler.
 */
#ifndef GOFER_CLIENT_H
#define GOFER_CLIENT_H

#include <sys/types.h>

#include "gofer/p9.h"

struct gofer_client;

/* What opening or creating a file gives. */
struct gofer_open {
	struct p9_qid qid;
	u32 iounit;
	/* The host file donated by the server (O_CLOEXEC; the caller owns it),
	 * or -1: a directory, or a server that donates nothing (diod). */
	int fd;
};

/* A POSIX record lock, as fcntl's struct flock (type is P9_LOCK_TYPE_*). */
struct gofer_flock {
	u8 type;
	u64 start, length;
	u32 proc_id;
};

/*
 * Take over sock and agree on 9P2000.L with at most msize-byte messages.
 * Returns the client or an ERR_PTR: -EPROTONOSUPPORT if the server does not
 * speak 9P2000.L; sock is closed on failure.
 */
struct gofer_client *gofer_client_create(int sock, u32 msize);
/* Close the connection and free c. No call may be in progress. NULL-safe. */
void gofer_client_destroy(struct gofer_client *c);
/*
 * Have before_wait called by a thread about to wait for a reply (the
 * Sentry gives its vCPU back there: a gofer round trip is a host wait).
 * Set once, before the first call.
 */
void gofer_client_set_wait_hook(struct gofer_client *c, void (*before_wait)(void));
/* The agreed message size; reads and writes are split to fit it. */
u32 gofer_client_msize(const struct gofer_client *c);

/* A new fid for the root of tree aname, acting as uid (P9_NONUNAME: none). */
int gofer_attach(struct gofer_client *c, const char *aname, u32 uid, u32 *fid,
		 struct p9_qid *qid) __must_check;
/*
 * A new fid for fid/names[0]/.../names[n-1] (n <= P9_MAXWELEM; n = 0 clones
 * fid). qids (room for n, may be NULL) get each step's qid. If a step after
 * the first does not exist the call fails with -ENOENT, as 9P reports only
 * how far it got.
 */
int gofer_walk(struct gofer_client *c, u32 fid, unsigned int n, const char *const *names,
	       u32 *newfid, struct p9_qid *qids) __must_check;
/* Forget fid; the number is free again even if the server complains. */
int gofer_clunk(struct gofer_client *c, u32 fid);
/*
 * The same without waiting for the server (a file's last close, an inode
 * dropped): the number is free again once the reply comes.
 */
void gofer_clunk_async(struct gofer_client *c, u32 fid);

int gofer_getattr(struct gofer_client *c, u32 fid, u64 mask, struct p9_attr *attr) __must_check;
int gofer_setattr(struct gofer_client *c, u32 fid, const struct p9_setattr *attr) __must_check;
int gofer_statfs(struct gofer_client *c, u32 fid, struct p9_statfs *st) __must_check;
/* The symlink's target into buf[size], NUL-terminated; returns its length,
 * or -ENAMETOOLONG if it does not fit. */
ssize_t gofer_readlink(struct gofer_client *c, u32 fid, char *buf, size_t size) __must_check;

/* Open fid for I/O (flags are P9_DOTL_*); fid then names an open file. */
int gofer_open(struct gofer_client *c, u32 fid, u32 flags, struct gofer_open *out) __must_check;
/* Create and open dirfid/name; dirfid is left as it was, the new file gets
 * the new fid *newfid. */
int gofer_create(struct gofer_client *c, u32 dirfid, const char *name, u32 flags, u32 mode, u32 gid,
		 u32 *newfid, struct gofer_open *out) __must_check;
int gofer_mkdir(struct gofer_client *c, u32 dirfid, const char *name, u32 mode, u32 gid,
		struct p9_qid *qid) __must_check;
int gofer_symlink(struct gofer_client *c, u32 dirfid, const char *name, const char *target, u32 gid,
		  struct p9_qid *qid) __must_check;
int gofer_mknod(struct gofer_client *c, u32 dirfid, const char *name, u32 mode, u32 major,
		u32 minor, u32 gid, struct p9_qid *qid) __must_check;
/* A new name dirfid/name for the file fid names. */
int gofer_link(struct gofer_client *c, u32 dirfid, u32 fid, const char *name) __must_check;
/* flags: 0 or P9_DOTL_AT_REMOVEDIR. */
int gofer_unlinkat(struct gofer_client *c, u32 dirfid, const char *name, u32 flags) __must_check;
int gofer_renameat(struct gofer_client *c, u32 olddirfid, const char *oldname, u32 newdirfid,
		   const char *newname) __must_check;
/* Remove the file fid names; fid is clunked either way. */
int gofer_remove(struct gofer_client *c, u32 fid) __must_check;

/*
 * Read directory entries from cookie offset (0: the start), at most count
 * bytes of them, calling fn for each; continue from the last entry's
 * d->offset. Returns the number of entries (0 at the end), or -errno
 * (also fn's, if it returns one: the entries after are dropped). d->name
 * is valid only during the call.
 */
typedef int (*gofer_dirent_fn)(void *arg, const struct p9_dirent *d);
int gofer_readdir(struct gofer_client *c, u32 fid, u64 offset, u32 count, gofer_dirent_fn fn,
		  void *arg) __must_check;

/* Data through the server, for files without a donated descriptor: split
 * into msize-sized requests. Returns the bytes done (short at EOF). */
ssize_t gofer_read(struct gofer_client *c, u32 fid, u64 offset, void *buf,
		   size_t count) __must_check;
ssize_t gofer_write(struct gofer_client *c, u32 fid, u64 offset, const void *buf,
		    size_t count) __must_check;
int gofer_fsync(struct gofer_client *c, u32 fid, bool datasync) __must_check;

/* Set (or test, for getlock, which overwrites *l) a record lock on an open
 * fid. *status is P9_LOCK_SUCCESS, or P9_LOCK_BLOCKED on a conflict: the
 * server never waits, so F_SETLKW is a retry loop of the caller's. */
int gofer_lock(struct gofer_client *c, u32 fid, const struct gofer_flock *l, bool block,
	       u8 *status) __must_check;
int gofer_getlock(struct gofer_client *c, u32 fid, struct gofer_flock *l) __must_check;

/*
 * Extended attributes, as fgetxattr/flistxattr/fsetxattr/fremovexattr:
 * get and list return the size, or only measure it when size is 0, and
 * fail with -ERANGE if it does not fit. flags for set: XATTR_CREATE,
 * XATTR_REPLACE. (9P2000.L cannot set an empty value: size 0 removes.)
 */
ssize_t gofer_xattr_get(struct gofer_client *c, u32 fid, const char *name, void *buf,
			size_t size) __must_check;
ssize_t gofer_xattr_list(struct gofer_client *c, u32 fid, char *buf, size_t size) __must_check;
int gofer_xattr_set(struct gofer_client *c, u32 fid, const char *name, const void *value,
		    size_t size, int flags) __must_check;
int gofer_xattr_remove(struct gofer_client *c, u32 fid, const char *name) __must_check;

#endif
