// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/mounts and mountinfo: the mount tree seen from the
 * process's root, in mount order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/namespace_internal.h"

/* Linux's mangle for mount tables: space, tab, newline and backslash as octal. */
static void put_escaped(struct seq *s, const char *str)
{
	for (const char *c = str; *c; c++) {
		if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\\')
			seq_printf(s, "\\%03o", (unsigned char)*c);
		else
			seq_putc(s, *c);
	}
}

/* sysfs and the cgroup2 under it cannot be written, as a container's. */
static bool is_read_only(const struct super_block *sb)
{
	return strcmp(sb->fstype, "sysfs") == 0 || strcmp(sb->fstype, "cgroup2") == 0;
}

/* Linux's show_mnt_opts, after "ro"/"rw": the mount's own flags. */
static void put_mount_options(struct seq *s, const struct mount *m)
{
	static const struct {
		unsigned flag;
		const char *name;
	} opts[] = {
		{MNT_NOSUID, ",nosuid"},	 {MNT_NODEV, ",nodev"},
		{MNT_NOEXEC, ",noexec"},	 {MNT_NOATIME, ",noatime"},
		{MNT_NODIRATIME, ",nodiratime"}, {MNT_RELATIME, ",relatime"},
	};
	unsigned flags = mnt_flags(m);
	seq_puts(s, (flags & MNT_READONLY) || is_read_only(m->sb) ? "ro" : "rw");
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (flags & opts[i].flag)
			seq_puts(s, opts[i].name);
}

/* mountinfo's fourth field: the mount's root within its file system (a bind's subtree). */
static void put_root(struct seq *s, const struct mount *m)
{
	const struct dentry *stack[64];
	int n = 0;
	for (const struct dentry *d = m->root; d->parent != d && n < 64; d = d->parent)
		stack[n++] = d;
	if (!n)
		seq_putc(s, '/');
	while (n--) {
		seq_putc(s, '/');
		put_escaped(s, stack[n]->name);
	}
}

static const char *mount_source(const struct mount *m)
{
	return m->source ? m->source : m->sb->fstype;
}

enum mount_format { MOUNTS, MOUNTINFO, MOUNTSTATS };

struct mount_walk {
	struct seq *s;
	const struct path *root;
	enum mount_format format;
};

/* One mount's line, unless it lies outside the root. Under vfs_lock. */
static void put_mount(struct mount_walk *w, struct mount *m)
{
	char where[LINUX_PATH_MAX];
	struct path mp = m == w->root->mnt ? *w->root : (struct path){m->parent, m->mountpoint};
	if (vfs_d_path_shown(w->root, &mp, where, sizeof(where)) < 0 || where[0] != '/')
		return;
	struct super_block *sb = m->sb;
	if (w->format == MOUNTSTATS) {
		/* Linux's show_vfsstat: no file system here has statistics to add. */
		seq_puts(w->s, "device ");
		put_escaped(w->s, mount_source(m));
		seq_puts(w->s, " mounted on ");
		put_escaped(w->s, where);
		seq_printf(w->s, " with fstype %s\n", sb->fstype);
	} else if (w->format == MOUNTINFO) {
		bool top = m == w->root->mnt || !m->parent;
		seq_printf(w->s, "%llu %llu %u:%u ", (unsigned long long)m->id,
			   (unsigned long long)(top ? 0 : m->parent->id), linux_dev_major(sb->dev),
			   linux_dev_minor(sb->dev));
		put_root(w->s, m);
		seq_putc(w->s, ' ');
		put_escaped(w->s, where);
		seq_putc(w->s, ' ');
		put_mount_options(w->s, m);
		if (m->group)
			seq_printf(w->s, " shared:%llu", (unsigned long long)m->group);
		if (m->master) {
			/* Linux's show_mountinfo: where events come from, when the master is out of sight. */
			u64 from = mount_propagate_from(m, w->root);
			seq_printf(w->s, " master:%llu", (unsigned long long)m->master);
			if (from && from != m->master)
				seq_printf(w->s, " propagate_from:%llu", (unsigned long long)from);
		}
		if (m->unbindable)
			seq_puts(w->s, " unbindable");
		seq_printf(w->s, " - %s ", sb->fstype);
		put_escaped(w->s, mount_source(m));
		seq_printf(w->s, " %s\n", is_read_only(sb) ? "ro" : "rw");
	} else {
		put_escaped(w->s, mount_source(m));
		seq_putc(w->s, ' ');
		put_escaped(w->s, where);
		seq_printf(w->s, " %s ", sb->fstype);
		put_mount_options(w->s, m);
		seq_puts(w->s, " 0 0\n");
	}
}

/* Pre-order over the tree under m: parents before the mounts on them. */
static void walk_mounts(struct mount_walk *w, struct mount *m, int depth)
{
	struct mount *c;
	put_mount(w, m);
	if (depth > 64)
		return;
	list_for_each_entry(c, &m->children, sibling) walk_mounts(w, c, depth + 1);
}

static int show_mounts(struct seq *s, struct proc_inode *pi, enum mount_format format)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_FS, &pt);
	if (ret)
		return ret;
	if (pt.fs) {
		struct path root, cwd;
		fs_struct_paths(pt.fs, &root, &cwd);
		struct mount_walk w = {s, &root, format};
		vfs_lock();
		walk_mounts(&w, root.mnt, 0);
		vfs_unlock();
		path_put(&root);
		path_put(&cwd);
	}
	proc_task_put(&pt);
	return 0;
}

int proc_pid_show_mounts(struct seq *s, struct proc_inode *pi)
{
	return show_mounts(s, pi, MOUNTS);
}

int proc_pid_show_mountinfo(struct seq *s, struct proc_inode *pi)
{
	return show_mounts(s, pi, MOUNTINFO);
}

int proc_pid_show_mountstats(struct seq *s, struct proc_inode *pi)
{
	return show_mounts(s, pi, MOUNTSTATS);
}
