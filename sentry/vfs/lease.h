/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File leases (F_SETLEASE, F_GETLEASE), as Linux's fs/locks.c keeps them.
 *
 * A lease belongs to an open file description. A read lease says no one
 * has the file open for writing, a write lease that no one else has it
 * open at all; whoever then opens it in a conflicting way (or truncates
 * it) breaks the lease: the holder is sent SIGIO (or its F_SETSIG
 * signal, si_code POLL_MSG, si_fd the leased fd), and the opener waits
 * until the holder gives the lease up or downgrades it (F_SETLEASE
 * F_UNLCK or F_RDLCK) or the break time passes (45 s, Linux's
 * lease-break-time), after which the lease is taken away. O_NONBLOCK
 * opens fail with EWOULDBLOCK instead of waiting; a signal ends the wait.
 *
 * Locking: one lock for every lease of the sandbox (leases are few);
 * it is a leaf but for the signal fasync_notify sends, which takes no
 * lock ordered before it.
 */
#ifndef SENTRY_VFS_LEASE_H
#define SENTRY_VFS_LEASE_H

#include "file.h"

#define LINUX_F_SETLEASE 1024
#define LINUX_F_GETLEASE 1025

struct task;
struct vfs_cred;

/*
 * F_SETLEASE on f (reached through fd, which the break signal names) by
 * a caller with credentials c: type F_RDLCK, F_WRLCK or F_UNLCK. The
 * caller's process becomes the owner of f (F_SETOWN), as on Linux.
 * 0, -EINVAL, -EACCES (not the file's owner, no CAP_LEASE), -EAGAIN (a
 * conflicting open or lease), -ENOMEM.
 */
int lease_set(struct task *t, struct file *f, int fd, int type,
	      const struct vfs_cred *c) __must_check;
/* F_GETLEASE: the lease f holds (what it is being broken to, during a break), or F_UNLCK. */
int lease_get(struct file *f);
/*
 * An open of inode with flags (O_ACCMODE, O_NONBLOCK; O_WRONLY for a
 * truncate) is about to happen: break the leases it conflicts with, and
 * unless O_NONBLOCK wait for them to go (on the calling task; off a task
 * thread it does not wait). 0, -EWOULDBLOCK, or -ERESTARTSYS for a signal.
 */
int lease_break(struct inode *inode, int flags) __must_check;
/* f's last reference is gone: its lease goes, and openers waiting on it go on. */
void lease_remove_file(struct file *f);

#endif
