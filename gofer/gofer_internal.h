/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gofer's private interfaces: nodes (what a fid names), the fid table,
 * the connection and the message handlers.
 *
 * Lock order: a fid's lock, then the server's names_lock or the fid table's
 * lock (never both), then send_lock. The request queue lock (srv->lock) is
 * never held with any other.
 */
#ifndef GOFER_GOFER_INTERNAL_H
#define GOFER_GOFER_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gofer.h"
#include "lib/list.h"
#include "p9.h"

/* The largest message the gofer accepts or offers in Tversion. */
#define GOFER_MSIZE_MAX (1U << 20)
/* Requests read but not yet answered; the reader waits beyond this. */
#define GOFER_MAX_INFLIGHT 64
/* Worker threads answering requests. */
#define GOFER_WORKERS 8
/* Largest xattr value or list, as Linux's XATTR_SIZE_MAX. */
#define GOFER_XATTR_MAX 65536

/* A tree the gofer serves; a client attaches to it by name. */
struct attach_point {
	const char *aname;
	int fd; /* O_PATH|O_NOFOLLOW of its root: a directory, or a bind mount's file */
	/*
	 * A file bind mount's only way back to its file for opening (O_PATH
	 * cannot be upgraded, and the gofer has no /proc): O_PATH of a private
	 * directory, a detached tmpfs whose one entry ATTACH_FILE_NAME is the
	 * file's mount. -1 for a directory.
	 */
	int dirfd;
	bool ro;
	bool hides; /* the root: GOFER_HIDDEN_PREFIX names are not there */
};

/* The name of a file bind mount's file in its attach_point's dirfd. */
#define ATTACH_FILE_NAME "file"

/*
 * A file the gofer has looked up: an O_PATH|O_NOFOLLOW descriptor, which
 * names the file itself (never what a symlink points to) and stays valid
 * across renames. parent and name say where it was found, which opening a
 * regular file for I/O and removing it need; they follow the client's
 * renames (nodes_renamed) and are checked against the descriptor's identity
 * before use, so a file replaced behind the gofer's back gives ESTALE.
 */
struct node {
	int refs; /* atomic */
	int fd;
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFMT bits */
	bool root;   /* its attach point's root (never renamed) */
	const struct attach_point *ap;
	/* srv->names_lock guards these three. */
	struct node *parent; /* a reference; NULL at an attach point's root */
	char *name;
	struct list_head link; /* in srv->nodes */
};

enum fid_kind {
	FID_NODE,	 /* walked to, maybe opened */
	FID_XATTR_READ,	 /* after Txattrwalk: Tread returns the value */
	FID_XATTR_WRITE, /* after Txattrcreate: Twrite fills, Tclunk sets */
};

struct fid {
	struct fid *hnext; /* fid table chain */
	u32 num;
	int refs; /* atomic; the table holds one */
	u32 uid;  /* the attaching user: owner of what this fid creates */

	pthread_mutex_t lock; /* guards everything below */
	enum fid_kind kind;
	struct node *node;
	int open_fd;	/* after Tlopen/Tlcreate; -1 before */
	u32 open_flags; /* P9_DOTL_* */
	/* FID_XATTR_*: the value being read or written. */
	char *xname;
	u8 *xbuf;
	size_t xlen, xsize;
	u32 xflags;
};

struct fid_table {
	pthread_mutex_t lock;
	struct fid **buckets;
	size_t nbuckets, count;
};

struct gofer_server {
	int sock;
	u32 msize; /* written only while no request is in flight */
	bool versioned;
	struct attach_point root;
	struct attach_point binds[GOFER_MAX_BINDS]; /* the bind mounts' trees */
	unsigned nbinds;

	pthread_mutex_t lock;	   /* guards the queue, inflight and stopping */
	struct list_head queue;	   /* requests waiting for a worker */
	struct list_head inflight; /* requests not yet answered */
	unsigned ninflight;
	bool stopping;
	pthread_cond_t work_cv; /* the queue gained a request, or stopping */
	pthread_cond_t done_cv; /* a request was answered, or a worker started */
	pthread_t workers[GOFER_WORKERS];
	int nworkers, nstarted;

	pthread_mutex_t send_lock; /* one reply on the socket at a time */

	struct fid_table fids;

	pthread_mutex_t names_lock; /* node parent/name, and the list below */
	struct list_head nodes;
};

/* What a handler answers besides the message. */
struct reply {
	struct p9_msg msg; /* type and tag preset; the handler fills the body */
	int fd;		   /* donated with the reply (SCM_RIGHTS) and closed; -1 = none */
	void *buf;	   /* freed after sending (read data, readdir entries) */
};

/* A handler: 0 with r->msg filled in, or -errno for Rlerror. */
typedef int (*gofer_handler)(struct gofer_server *srv, const struct p9_msg *req, struct reply *r);

/* ops.c: the handler for a T-message type, or NULL. */
gofer_handler gofer_handler_for(u8 type);

/* server.c */
int gofer_serve(struct gofer_server *srv) __must_check;

/* node.c */
struct node *node_new_root(struct gofer_server *srv, const struct attach_point *ap);
struct node *node_lookup(struct gofer_server *srv, struct node *dir, const char *name);
struct node *node_parent(struct gofer_server *srv, struct node *n);
struct node *node_get(struct node *n);
void node_put(struct gofer_server *srv, struct node *n);
int node_stat(const struct node *n, struct stat *st) __must_check;
bool node_same_file(const struct node *n, int fd);
int node_reopen(struct gofer_server *srv, struct node *n, int flags) __must_check;
int node_where(struct gofer_server *srv, struct node *n, struct node **parent,
	       char name[NAME_MAX + 1]) __must_check;
void nodes_renamed(struct gofer_server *srv, const struct node *olddir, const char *oldname,
		   struct node *newdir, const char *newname);
void node_qid(const struct stat *st, struct p9_qid *qid);
/* The qid path of inode ino of device dev: unique across the root's mounts. */
u64 node_qid_path(dev_t dev, ino_t ino);
int host_openat(int dirfd, const char *name, int flags, mode_t mode) __must_check;
/* Whether name in directory dir is one the client must not see (GOFER_HIDDEN_PREFIX). */
bool node_name_hidden(const struct node *dir, const char *name);

/* fid.c */
int fid_table_init(struct fid_table *t) __must_check;
void fid_table_destroy(struct gofer_server *srv, struct fid_table *t);
struct fid *fid_new(u32 num, u32 uid, struct node *node);
int fid_insert(struct fid_table *t, struct fid *f) __must_check;
struct fid *fid_lookup(struct fid_table *t, u32 num);
struct fid *fid_remove(struct fid_table *t, u32 num);
void fid_put(struct gofer_server *srv, struct fid *f);
void fid_clunk_all(struct gofer_server *srv, struct fid_table *t);

/* ops_*.c helpers shared between handler files */
int name_check(struct p9_str s, char out[NAME_MAX + 1]) __must_check;
int node_check_writable(const struct node *n) __must_check;
int open_flags_from_p9(u32 p9flags) __must_check;
void xattr_release(struct fid *f);
int xattr_commit(struct gofer_server *srv, struct fid *f) __must_check;

/* confine.c and seccomp.c */
/* Fills rootfd and binds[0..cfg->nbinds) (fd, dirfd) with descriptors the caller closes. */
int gofer_confine(const struct gofer_config *cfg, int *rootfd,
		  struct attach_point *binds) __must_check;
int gofer_drop_privileges(void) __must_check;
int gofer_seccomp_install(int sock, int log_fd) __must_check;

#endif
