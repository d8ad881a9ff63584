// SPDX-License-Identifier: Apache-2.0
/*
 * /proc itself: the sandbox-wide files, the self and thread-self links,
 * and a directory per process. Listings give the fixed names first, then
 * the processes by ascending PID at positions PID_POS + pid, so a listing
 * resumed after processes came and went neither repeats nor skips one
 * that stayed (Linux's proc_pid_readdir does the same with tgid + offset).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"

#define PID_POS 0x10000 /* past the fixed entries' positions */

static int link_to(char *buf, size_t size, const char *target)
{
	size_t len = strlen(target);
	memcpy(buf, target, MIN(len, size));
	return MIN(len, size);
}

static int readlink_self(struct proc_inode *pi, char *buf, size_t size)
{
	struct task *t = task_current();
	char target[32];
	if (!t)
		return -ENOENT;
	snprintf(target, sizeof(target), "%d", t->tg->tgid);
	return link_to(buf, size, target);
}

static int readlink_thread_self(struct proc_inode *pi, char *buf, size_t size)
{
	struct task *t = task_current();
	char target[48];
	if (!t)
		return -ENOENT;
	snprintf(target, sizeof(target), "%d/task/%d", t->tg->tgid, t->tid);
	return link_to(buf, size, target);
}

static int readlink_mounts(struct proc_inode *pi, char *buf, size_t size)
{
	return link_to(buf, size, "self/mounts");
}

static int readlink_net(struct proc_inode *pi, char *buf, size_t size)
{
	return link_to(buf, size, "self/net");
}

static const struct proc_entry root_entries[] = {
	{.name = "self", .mode = S_IFLNK | 0777, .readlink = readlink_self},
	{.name = "thread-self", .mode = S_IFLNK | 0777, .readlink = readlink_thread_self},
	{.name = "mounts", .mode = S_IFLNK | 0777, .readlink = readlink_mounts},
	{.name = "cpuinfo", .mode = S_IFREG | 0444, .show = proc_show_cpuinfo},
	{.name = "meminfo", .mode = S_IFREG | 0444, .show = proc_show_meminfo},
	{.name = "uptime", .mode = S_IFREG | 0444, .show = proc_show_uptime},
	{.name = "loadavg", .mode = S_IFREG | 0444, .show = proc_show_loadavg},
	{.name = "stat", .mode = S_IFREG | 0444, .show = proc_show_stat},
	{.name = "version", .mode = S_IFREG | 0444, .show = proc_show_version},
	{.name = "filesystems", .mode = S_IFREG | 0444, .show = proc_show_filesystems},
	{.name = "cmdline", .mode = S_IFREG | 0444, .show = proc_show_cmdline},
	{.name = "locks", .mode = S_IFREG | 0444, .show = proc_show_locks},
	{.name = "net", .mode = S_IFLNK | 0777, .readlink = readlink_net},
	{.name = "sysvipc", .mode = S_IFDIR | 0555, .same_as = &proc_sysvipc_entry},
	{.name = "sys", .mode = S_IFDIR | 0555},
};

static const struct proc_entry *root_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(root_entries); i++)
		if (strcmp(root_entries[i].name, name) == 0)
			return &root_entries[i];
	return NULL;
}

static struct inode *proc_root_lookup(struct inode *dir, const char *name)
{
	const struct proc_entry *ent = root_find(name);
	if (ent && S_ISDIR(ent->mode))
		return proc_new_inode(dir, ent->same_as ? ent->same_as : &proc_sys_entry, name, 0,
				      0);
	if (ent)
		return proc_new_inode(dir, ent, name, 0, 0);
	int id = proc_name_to_int(name, 0x7fffffff);
	if (id <= 0)
		return ERR_PTR(-ENOENT);
	int tgid = proc_find(proc_kernel(PROC_I(dir)), id);
	if (tgid < 0)
		return ERR_PTR(-ENOENT);
	/* /proc/<tid> of a thread other than the leader: that thread's view. */
	return proc_new_inode(dir, &proc_pid_entry, name, tgid, id == tgid ? 0 : id);
}

static int proc_root_iterate(struct file *f, struct dir_context *ctx)
{
	struct kernel *k = proc_kernel(PROC_I(f->inode));
	int pids[64];

	if (!proc_emit_dots(f, ctx))
		return 0;
	for (size_t i = ctx->pos - 2; i < ARRAY_SIZE(root_entries); i++) {
		const struct proc_entry *e = &root_entries[i];
		if (!proc_emit(ctx, e->name, f->inode->ino, e->mode, i + 3))
			return 0;
		ctx->pos = i + 3;
	}
	if (ctx->pos < PID_POS)
		ctx->pos = PID_POS;
	for (;;) {
		size_t n = proc_tgids(k, ctx->pos - PID_POS, pids, ARRAY_SIZE(pids));
		for (size_t i = 0; i < n; i++) {
			char name[16];
			snprintf(name, sizeof(name), "%d", pids[i]);
			if (!proc_emit(ctx, name, f->inode->ino, S_IFDIR, PID_POS + pids[i] + 1))
				return 0;
			ctx->pos = PID_POS + pids[i] + 1;
		}
		if (n < ARRAY_SIZE(pids))
			return 0;
	}
}

static const struct inode_ops proc_root_iops = {
	.lookup = proc_root_lookup,
};

static const struct file_ops proc_root_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = proc_root_iterate,
};

const struct proc_entry proc_root_entry = {
	.name = "/",
	.mode = S_IFDIR | 0555,
	.iops = &proc_root_iops,
	.fops = &proc_root_fops,
	.children = root_entries,
	.nchildren = ARRAY_SIZE(root_entries),
};
