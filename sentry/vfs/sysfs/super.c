// SPDX-License-Identifier: Apache-2.0
/*
 * sysfs: mounting, and the fixed part of the tree. The directories are
 * procfs's table directories, the files its generated files; the
 * instance is marked read-only so that no file opens for writing.
 */
#include <errno.h>

#include "sentry/vfs/vfs_internal.h"

#include "sentry/kernel/kernel.h"
#include "sysfs_internal.h"

static int sysfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->type = LINUX_SYSFS_MAGIC;
	return 0;
}

static const struct super_ops sysfs_super_ops = {
	.destroy_inode = proc_destroy_inode,
	.statfs = sysfs_statfs,
};

/*
 * Transparent huge pages: the Sentry maps guest memory in 4 KiB pages
 * only. MADV_HUGEPAGE is accepted and changes nothing, as on a Linux
 * whose policy is "never" (and AnonHugePages in meminfo stays 0).
 */
static int show_thp_enabled(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "always madvise [never]\n");
	return 0;
}

static int show_thp_defrag(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "always defer defer+madvise madvise [never]\n");
	return 0;
}

static int show_thp_pmd_size(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "2097152\n");
	return 0;
}

static const struct proc_entry thp_entries[] = {
	SYS_RW("enabled", show_thp_enabled),
	SYS_RW("defrag", show_thp_defrag),
	SYS_RO("hpage_pmd_size", show_thp_pmd_size),
};

static const struct proc_entry mm_entries[] = {
	SYS_DIR("transparent_hugepage", thp_entries),
};

static const struct proc_entry kernel_entries[] = {
	SYS_DIR("mm", mm_entries),
};

static const struct proc_entry system_entries[] = {
	{.name = "cpu", .mode = S_IFDIR | 0755, .same_as = &sysfs_cpu_entry},
};

static const struct proc_entry devices_entries[] = {
	SYS_DIR("system", system_entries),
};

static const struct proc_entry fs_entries[] = {
	{.name = "cgroup", .mode = S_IFDIR | 0755}, /* where the cgroup2 instance goes */
};

static const struct proc_entry root_entries[] = {
	{.name = "block", .mode = S_IFDIR | 0755},
	{.name = "bus", .mode = S_IFDIR | 0755},
	{.name = "class", .mode = S_IFDIR | 0755},
	{.name = "dev", .mode = S_IFDIR | 0755},
	SYS_DIR("devices", devices_entries),
	{.name = "firmware", .mode = S_IFDIR | 0755},
	SYS_DIR("fs", fs_entries),
	SYS_DIR("kernel", kernel_entries),
	{.name = "module", .mode = S_IFDIR | 0755},
	{.name = "power", .mode = S_IFDIR | 0755},
};

/* Linux's /sys is 0555 at the top and 0755 below. */
static const struct proc_entry sysfs_root_entry = {
	.name = "/",
	.mode = S_IFDIR | 0555,
	.children = root_entries,
	.nchildren = ARRAY_SIZE(root_entries),
};

struct super_block *sysfs_mount(struct kernel *k)
{
	struct super_block *sb =
		proc_table_fs_mount(k, "sysfs", &sysfs_super_ops, &sysfs_root_entry);
	if (!IS_ERR(sb))
		PROC_SB(sb)->read_only = true;
	return sb;
}

/*
 * Mount sb (or fail with its error) on the directory where. A super block
 * that is not mounted stays allocated: the VFS has no way to free one,
 * and this runs once, at boot, where a failure ends the sandbox.
 */
static int mount_on(const struct vfs_ctx *ctx, const char *where, struct super_block *sb)
{
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	struct path mp;
	int ret = vfs_lookup(ctx, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &mp);
	if (ret)
		return ret;
	vfs_lock();
	ret = mount_at(&mp, sb);
	vfs_unlock();
	path_put(&mp);
	return ret;
}

int sysfs_mount_tree(const struct vfs_ctx *ctx, struct kernel *k)
{
	int ret = vfs_mkdir(ctx, "/sys", 0555);
	if (ret && ret != -EEXIST)
		return ret;
	ret = mount_on(ctx, "/sys", sysfs_mount(k));
	if (!ret)
		ret = mount_on(ctx, "/sys/fs/cgroup", cgroupfs_mount(k));
	return ret;
}
