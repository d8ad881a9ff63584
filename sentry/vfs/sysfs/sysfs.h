/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysfs: the sandbox's /sys, describing the sandbox and never the host.
 *
 * A small read-only tree made of procfs's tables and generated files
 * (procfs_internal.h): the vCPUs (devices/system/cpu), a cgroup v2 view
 * of the sandbox's limits (fs/cgroup, a cgroup2 file system of its own
 * mounted there, as programs find it by the mount's type), the
 * transparent huge page policy
 * (kernel/mm/transparent_hugepage), and empty class/ and bus/. Nothing
 * can be written: an open for writing fails as on a container's
 * read-only /sys.
 *
 * Lock order: as procfs's (procfs.h).
 */
#ifndef SENTRY_VFS_SYSFS_SYSFS_H
#define SENTRY_VFS_SYSFS_SYSFS_H

#include "sentry/vfs/vfs.h"

struct kernel;

/*
 * A new sysfs instance describing k (which must outlive it). Returns a
 * super block with one reference, or ERR_PTR(-ENOMEM).
 */
struct super_block *sysfs_mount(struct kernel *k);

/*
 * A new cgroup2 instance (the sandbox's group, /sys/fs/cgroup) describing
 * k. Returns a super block with one reference, or ERR_PTR(-ENOMEM).
 */
struct super_block *cgroupfs_mount(struct kernel *k);

/*
 * Mount a sysfs at /sys (made if missing, as the image may lack it) and
 * the sandbox's cgroup2 at /sys/fs/cgroup in ctx's tree. 0 or -errno.
 */
int sysfs_mount_tree(const struct vfs_ctx *ctx, struct kernel *k) __must_check;

#endif
