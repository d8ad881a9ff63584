// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>, /proc/<pid>/task and /proc/<pid>/task/<tid>: the tables of
 * per-process and per-thread files, and the listing of a process's
 * threads. A thread's directory has the process's names but "task".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procfs_internal.h"

#define FILE_RO(n, f)                                        \
	{                                                    \
		.name = n, .mode = S_IFREG | 0444, .show = f \
	}
#define LINK(n, f)                                               \
	{                                                        \
		.name = n, .mode = S_IFLNK | 0777, .readlink = f \
	}

/* "task" first, so that a thread's table is this one without it. */
static const struct proc_entry pid_entries[] = {
	{.name = "task", .mode = S_IFDIR | 0555},
	{.name = "fd", .mode = S_IFDIR | 0500},
	{.name = "fdinfo", .mode = S_IFDIR | 0555},
	{.name = "environ", .mode = S_IFREG | 0400, .show = proc_pid_show_environ},
	FILE_RO("status", proc_pid_show_status),
	FILE_RO("limits", proc_pid_show_limits),
	FILE_RO("cgroup", proc_pid_show_cgroup),
	FILE_RO("oom_score", proc_pid_show_oom_score),
	{.name = "oom_adj",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_oom_adj,
	 .write = proc_pid_write_oom_adj},
	{.name = "oom_score_adj",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_oom_score_adj,
	 .write = proc_pid_write_oom_score_adj},
	{.name = "comm",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_comm,
	 .write = proc_pid_write_comm},
	FILE_RO("cmdline", proc_pid_show_cmdline),
	FILE_RO("stat", proc_pid_show_stat),
	FILE_RO("statm", proc_pid_show_statm),
	FILE_RO("maps", proc_pid_show_maps),
	FILE_RO("wchan", proc_pid_show_wchan),
	FILE_RO("mounts", proc_pid_show_mounts),
	FILE_RO("mountinfo", proc_pid_show_mountinfo),
	{.name = "mountstats", .mode = S_IFREG | 0400, .show = proc_pid_show_mountstats},
	FILE_RO("smaps", proc_pid_show_smaps),
	FILE_RO("smaps_rollup", proc_pid_show_smaps_rollup),
	{.name = "auxv", .mode = S_IFREG | 0400, .show = proc_pid_show_auxv},
	{.name = "personality", .mode = S_IFREG | 0444, .show = proc_pid_show_personality},
	{.name = "io", .mode = S_IFREG | 0400, .show = proc_pid_show_io},
	{.name = "ns", .mode = S_IFDIR | 0511, .same_as = &proc_ns_entry},
	{.name = "net", .mode = S_IFDIR | 0555, .same_as = &proc_net_entry},
	{.name = "uid_map",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_id_map,
	 .write = proc_pid_write_eperm},
	{.name = "gid_map",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_id_map,
	 .write = proc_pid_write_eperm},
	{.name = "setgroups",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_setgroups,
	 .write = proc_pid_write_eperm},
	{.name = "loginuid",
	 .mode = S_IFREG | 0644,
	 .show = proc_pid_show_unset_id,
	 .write = proc_pid_write_eperm},
	FILE_RO("sessionid", proc_pid_show_unset_id),
	LINK("cwd", proc_pid_readlink_cwd),
	LINK("root", proc_pid_readlink_root),
	LINK("exe", proc_pid_readlink_exe),
};

/* A table directory whose subdirectories are the dynamic ones. */
static struct inode *pid_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	const struct proc_entry *ent = NULL;
	for (size_t i = 0; i < pd->ent->nchildren && !ent; i++)
		if (strcmp(pd->ent->children[i].name, name) == 0)
			ent = &pd->ent->children[i];
	if (!ent)
		return ERR_PTR(-ENOENT);
	if (ent->same_as)
		ent = ent->same_as;
	else if (strcmp(name, "task") == 0)
		ent = &proc_task_entry;
	else if (strcmp(name, "fd") == 0)
		ent = &proc_fd_entry;
	else if (strcmp(name, "fdinfo") == 0)
		ent = &proc_fdinfo_entry;
	struct inode *inode = proc_new_inode(dir, ent, name, pd->tgid, pd->tid);
	/* Counted now: a getattr under the inode's lock must not take k->lock. */
	if (!IS_ERR(inode) && ent == &proc_fd_entry)
		inode->size = proc_fd_count(PROC_I(inode));
	return inode;
}

static const struct inode_ops pid_iops = {
	.lookup = pid_lookup,
};

const struct proc_entry proc_pid_entry = {
	.mode = S_IFDIR | 0555,
	.children = pid_entries,
	.nchildren = ARRAY_SIZE(pid_entries),
	.iops = &pid_iops,
};

const struct proc_entry proc_tid_entry = {
	.mode = S_IFDIR | 0555,
	.children = pid_entries + 1,
	.nchildren = ARRAY_SIZE(pid_entries) - 1,
	.iops = &pid_iops,
};

int procfs_pid_dir_tgid(const struct inode *inode)
{
	if (!inode || inode->iops != &pid_iops)
		return 0;
	const struct proc_inode *pi = container_of(inode, struct proc_inode, vfs);
	return pi->ent == &proc_pid_entry ? pi->tgid : 0;
}

static struct inode *task_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	int tid = proc_name_to_int(name, 0x7fffffff);
	if (tid <= 0)
		return ERR_PTR(-ENOENT);
	/* proc_new_inode checks that tid is a live thread of the process. */
	return proc_new_inode(dir, &proc_tid_entry, name, pd->tgid, tid);
}

/* Threads at positions 2 + tid, ascending. */
static int task_iterate(struct file *f, struct dir_context *ctx)
{
	struct proc_inode *pd = PROC_I(f->inode);
	int tids[64];

	if (!proc_emit_dots(f, ctx))
		return 0;
	for (;;) {
		size_t n =
			proc_tids(proc_kernel(pd), pd->tgid, ctx->pos - 2, tids, ARRAY_SIZE(tids));
		for (size_t i = 0; i < n; i++) {
			char name[16];
			snprintf(name, sizeof(name), "%d", tids[i]);
			if (!proc_emit(ctx, name, f->inode->ino, S_IFDIR, 2 + (s64)tids[i] + 1))
				return 0;
			ctx->pos = 2 + (s64)tids[i] + 1;
		}
		if (n < ARRAY_SIZE(tids))
			return 0;
	}
}

static const struct inode_ops task_iops = {
	.lookup = task_lookup,
};

static const struct file_ops task_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = task_iterate,
};

const struct proc_entry proc_task_entry = {
	.mode = S_IFDIR | 0555,
	.iops = &task_iops,
	.fops = &task_fops,
};
