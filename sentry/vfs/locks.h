/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Advisory file locks, as Linux's fs/locks.c keeps them: fcntl(2) record
 * locks (POSIX, owned by the fd table, Linux's files_struct, and shown
 * with the setter's PID), open-file-description locks (OFD, owned by the
 * struct file) and flock(2) locks (whole file, owned by the struct file).
 * POSIX and OFD locks share one list per inode and conflict with each
 * other; flock locks are independent of both, as on Linux.
 *
 * Locks live only in the Sentry, keyed by the inode (by the file for the
 * few files without one). They are not forwarded to the host or the
 * gofer: one sandbox is the only user of its files' locks, as with
 * gVisor's default. A process outside the sandbox locking the same host
 * file does not see them, nor do they see its locks.
 *
 * Release points (the hooks below): POSIX locks go when their owner
 * closes any fd for the inode (the POSIX rule: close, dup2 over it,
 * close-on-exec) and when the fd table dies (process exit); OFD and
 * flock locks go at the file's last put.
 *
 * Lock order: one leaf mutex guards every lock list, under which only
 * waitq locks (wake-ups) are taken. Nothing here is called with an inode
 * lock, vfs_lock or fdtable->lock held.
 */
#ifndef SENTRY_VFS_LOCKS_H
#define SENTRY_VFS_LOCKS_H

#include "abi/linux/flock.h"
#include "file.h"

/*
 * F_GETLK (ofd false) and F_OFD_GETLK on f for owner (the caller's fd
 * table; ignored for OFD): Linux's checks of *fl (type, whence, range,
 * OFD l_pid), then the first lock that would block it written over *fl,
 * or l_type F_UNLCK. Returns 0, -EINVAL or -EOVERFLOW.
 */
int vfs_lock_test(struct file *f, const void *owner, bool ofd, struct linux_flock *fl) __must_check;

/*
 * F_SETLK/F_SETLKW (ofd false: owner is the fd table, pid the PID to
 * show) and their OFD forms. wait: sleep through t while another owner's
 * lock is in the way (vCPU released; a signal ends it with -ERESTARTSYS).
 * Returns 0, -EINVAL, -EOVERFLOW, -EBADF (f not open for that lock's
 * access), -EAGAIN (busy, !wait), -EDEADLK (waiting would close a cycle
 * of POSIX owners), -ENOLCK (out of memory).
 */
int vfs_lock_set(struct task *t, struct file *f, const void *owner, int pid, bool ofd, bool wait,
		 const struct linux_flock *fl) __must_check;

/*
 * flock(2) with type LINUX_F_RDLCK (LOCK_SH), LINUX_F_WRLCK (LOCK_EX) or
 * LINUX_F_UNLCK. A conversion drops the old lock first, as Linux does.
 * Returns 0, -EAGAIN (busy, !wait), -ERESTARTSYS, -ENOLCK.
 */
int vfs_flock(struct task *t, struct file *f, int type, bool wait) __must_check;

/* Hooks. All are cheap when the sandbox holds no lock at all. */
/* owner (an fd table) closed an fd for f: drop its POSIX locks on f's inode. NULL-safe. */
void locks_remove_posix(struct file *f, const void *owner);
/* owner's fd table is gone: drop all its POSIX locks. */
void locks_remove_owner(const void *owner);
/* execve gave the process the fd table to (a copy of from): its locks go along. */
void locks_move_owner(const void *from, const void *to);
/* The last put of f: drop its OFD and flock locks. */
void locks_remove_file(struct file *f);

/* One lock as /proc/locks shows it. */
enum vfs_lock_kind { VFS_LOCK_POSIX, VFS_LOCK_OFD, VFS_LOCK_FLOCK };
struct vfs_lock_info {
	enum vfs_lock_kind kind;
	int type;	/* LINUX_F_RDLCK or LINUX_F_WRLCK */
	int pid;	/* POSIX: the setter's; flock: the locker's; OFD: -1 */
	s64 start, end; /* inclusive; end -1: to EOF (flock: 0 and -1) */
	bool has_inode; /* else the lock is on a file without an inode */
	u64 dev, ino;
};

/*
 * Call fn(arg, li) for every lock held in the sandbox, each inode's
 * POSIX and OFD locks then its flock locks, until fn returns non-zero,
 * which is then returned (0 after the last). fn runs under the locks'
 * leaf mutex: it must not block nor take another lock.
 */
int vfs_locks_for_each(int (*fn)(void *arg, const struct vfs_lock_info *li), void *arg);

#endif
