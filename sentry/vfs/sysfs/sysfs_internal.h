/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysfs internals: the tables of its directories, built from procfs's
 * proc_entry (procfs_internal.h), whose generated files and table
 * directories sysfs reuses as they are.
 */
#ifndef SENTRY_VFS_SYSFS_SYSFS_INTERNAL_H
#define SENTRY_VFS_SYSFS_SYSFS_INTERNAL_H

#include "sentry/vfs/procfs/procfs_internal.h"
#include "sysfs.h"

#define LINUX_SYSFS_MAGIC 0x62656572
#define LINUX_CGROUP2_SUPER_MAGIC 0x63677270

/* Files: 0444 are read-only on Linux too, 0644 are root's to write. */
#define SYS_RO(n, f)                                         \
	{                                                    \
		.name = n, .mode = S_IFREG | 0444, .show = f \
	}
#define SYS_RW(n, f)                                         \
	{                                                    \
		.name = n, .mode = S_IFREG | 0644, .show = f \
	}
#define SYS_DIR(n, t)                                                                        \
	{                                                                                    \
		.name = n, .mode = S_IFDIR | 0755, .children = t, .nchildren = ARRAY_SIZE(t) \
	}

/* /sys/devices/system/cpu (cpu.c). */
extern const struct proc_entry sysfs_cpu_entry;
/* /sys/fs/cgroup (cgroup.c). */
extern const struct proc_entry sysfs_cgroup_entry;

#endif
