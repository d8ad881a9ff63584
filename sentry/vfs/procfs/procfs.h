/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procfs: the sandbox's /proc, describing the sandbox and never the host.
 *
 * Files are generated from the kernel's state when read, as Linux's
 * seq_file does: a read at offset 0 makes a fresh snapshot, later reads
 * continue in it, lseek works, and stat shows size 0. Directories are
 * listed from the live process tree: /proc holds a directory per thread
 * group of the sandbox plus self and thread-self; /proc/<pid> holds the
 * per-process files, task/<tid> the per-thread ones.
 *
 * Lock order: vfs_lock > k->lock. Lookups and listings run under vfs_lock
 * (the VFS calls them so) and take k->lock to find processes; generated
 * files are filled outside vfs_lock, taking k->lock, then mm->lock (maps)
 * or vfs_lock (mounts, fd links) after dropping it.
 */
#ifndef SENTRY_VFS_PROCFS_PROCFS_H
#define SENTRY_VFS_PROCFS_PROCFS_H

#include "sentry/vfs/vfs.h"

struct kernel;

/*
 * A new procfs instance describing k's processes (k must outlive it).
 * Returns a super block with one reference, or ERR_PTR(-ENOMEM).
 */
struct super_block *procfs_mount(struct kernel *k);

/* The kernel the procfs instance proc describes (for mounting a sysfs beside it). */
struct kernel *procfs_kernel(const struct super_block *proc);

/*
 * The process a /proc/<pid> directory describes (pidfd_send_signal takes
 * one for a pidfd, as Linux does), or 0 if inode (NULL outside the VFS)
 * is no such directory.
 * The number is the process's at lookup, which a later process may reuse
 * only once PIDs wrap around.
 */
int procfs_pid_dir_tgid(const struct inode *inode);

#endif
