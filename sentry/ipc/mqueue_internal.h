/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POSIX message queues inside sentry/ipc: the queue object the syscalls
 * (mqueue.c) and the mqueue file system (mqueue_fs.c) share. A queue is
 * named in ns->mqueues while it has a name; each open file and each
 * inode of the file system holds a reference (mq->refs, under ns->lock).
 *
 * Lock order: vfs_lock > ns->lock > mq->lock > waitq locks.
 */
#ifndef SENTRY_IPC_MQUEUE_INTERNAL_H
#define SENTRY_IPC_MQUEUE_INTERNAL_H

#include "ipc_internal.h"
#include "sentry/kernel/timers.h"
#include "sentry/kernel/wait.h"
#include "sentry/vfs/vfs.h"

struct linux_mq_attr {
	s64 mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs;
	s64 reserved[4];
};
_Static_assert(sizeof(struct linux_mq_attr) == 64, "mq_attr");

struct mqueue {
	struct list_head ns_node; /* in ns->mqueues while it has a name */
	struct ipc_ns *ns;
	int refs; /* the name, each open file and each inode; under ns->lock */
	char name[LINUX_NAME_MAX + 1];
	u64 ino; /* in the mqueue file system; rising in creation order */
	u32 uid, gid, mode;
	struct linux_timespec ctime; /* creation: the file system's times */
	pthread_mutex_t lock;	     /* guards the rest */
	long maxmsg, msgsize, curmsgs;
	u64 qsize;	       /* bytes queued (the status line's QSIZE) */
	struct list_head msgs; /* highest priority first, FIFO within one */
	struct waitq wq;       /* senders, receivers and pollers */
	u32 charged_uid;       /* RLIMIT_MSGQUEUE: charged_bytes to this user */
	u64 charged_bytes;
	int nr_receivers; /* blocked in mq_timedreceive */
	int notify_owner; /* tgid registered by mq_notify, or 0 */
	struct linux_sigevent notify;
};

/* What open files of a queue use, whether from mq_open or open(2) of the file system. */
extern const struct file_ops mq_file_ops;

/* The queue named name, or NULL. ns->lock held. */
struct mqueue *mq_find(struct ipc_ns *ns, const char *name);
/*
 * Make and name a queue for t (mq_open with O_CREAT, or open(2) with
 * O_CREAT in the file system): mode is final (umask applied), attr NULL
 * for the defaults. Checks attr and the limits, charges RLIMIT_MSGQUEUE.
 * ns->lock held. Returns it with the name's reference only, or ERR_PTR
 * (-EINVAL, -ENOSPC, -EMFILE, -ENOMEM).
 */
struct mqueue *mq_create_locked(struct task *t, struct ipc_ns *ns, const char *name, u32 mode,
				const struct linux_mq_attr *attr);
/* Drop a reference: the last one frees it. Takes ns->lock: not held. */
void mq_put(struct ipc_ns *ns, struct mqueue *mq);
/*
 * The queue's status line (the file's contents), NUL-terminated in buf
 * (at least 80 bytes). Returns its length.
 */
int mq_status_line(struct mqueue *mq, char *buf, size_t size);

/* The size a queue's file shows (Linux's FILENT_SIZE). */
#define MQ_FILENT_SIZE 80

/* mqueue_fs.c: the inode number of a new queue, and the file system's st_dev. */
u64 mqfs_next_ino(void);
u64 mqfs_dev(void);
/* mqueue_fs.c: the queue of one of the file system's queue inodes. */
struct mqueue *mqfs_inode_queue(struct inode *inode);
/* mqueue_fs.c: mq_unlink took mq's name (mq still referenced): drop its cached dentry. */
void mqfs_forget(struct mqueue *mq);
/*
 * mqueue_fs.c: mq's file in the internal mount (Linux's ns->mq_mnt), for
 * mq_open's descriptors: new references in *out. 0, or -ENOENT when mq
 * lost its name meanwhile (or the file system could not be made).
 */
int mqfs_path(struct mqueue *mq, struct path *out);

#endif
