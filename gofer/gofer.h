/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gofer: `runsk gofer`, one per container, serves the container's root
 * file system to the Sentry as 9P2000.L over a unix stream socket, from
 * inside its own confinement (confine.c, seccomp.c). README.md in this folder
 * describes the protocol extension (donated file descriptors) and the
 * confinement; client.h is the other end.
 */
#ifndef GOFER_GOFER_H
#define GOFER_GOFER_H

#include "lib/compiler.h"

/*
 * Names at the root of the root attach point that do not exist for the
 * client: the runtime's file stores (--overlay2=root:self, oci/filestore.h)
 * live there on the host, where they count on the container's disk, but
 * the container must neither see nor touch them. A walk or unlink of such
 * a name gets ENOENT, readdir skips it, and making one (create, mkdir,
 * symlink, mknod, link, rename onto it) gets EACCES.
 */
#define GOFER_HIDDEN_PREFIX ".runsk.filestore."

/* A bind mount's source, served as one more attach point. */
struct gofer_bind {
	const char *src; /* a directory or regular file: attach name gofer_bind_aname(i) */
	bool ro;	 /* every write to it gets EROFS */
};

/* The number of bind mounts one gofer serves at most. */
#define GOFER_MAX_BINDS 64

struct gofer_config {
	const char *root; /* served as attach name "/" (or "") */
	bool ro;	  /* every write to root gets EROFS */
	int sock;	  /* connected AF_UNIX SOCK_STREAM socket; the gofer owns it */
	const struct gofer_bind *binds;
	unsigned nbinds; /* at most GOFER_MAX_BINDS */
};

/*
 * The attach name of the i-th bind mount: "bind<i>", written to buf
 * (GOFER_ANAME_MAX bytes). Numbers, not host paths: the Sentry never
 * learns where on the host a mount comes from.
 */
#define GOFER_ANAME_MAX 16
const char *gofer_bind_aname(unsigned i, char buf[GOFER_ANAME_MAX]);

/*
 * Confine this process (mount namespace, pivot_root into cfg->root,
 * capabilities, no_new_privs, seccomp), then serve cfg->sock until the peer
 * closes it. Closes every other inherited descriptor except the log's.
 * Must be called from a single-threaded process. Returns 0 once the peer has
 * gone, or -errno if confinement failed (with a message logged); serving
 * never fails: a bad peer gets Rlerror or is disconnected.
 */
int gofer_run(const struct gofer_config *cfg) __must_check;

#endif
