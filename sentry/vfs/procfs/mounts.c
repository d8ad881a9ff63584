// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/mounts and mountinfo: the mount tree seen from the
 * process's root, in mount order; and the d_path /proc shows paths with.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"

/* Prepend "/name" before *end in buf; false if it does not fit. */
static bool prepend(char *buf, char **end, const char *name, size_t len)
{
	if ((size_t)(*end - buf) < len + 1)
		return false;
	*end -= len;
	memcpy(*end, name, len);
	*--*end = '/';
	return true;
}

long procfs_d_path(const struct path *root, const struct path *p, char *buf, size_t size)
{
	char tmp[LINUX_PATH_MAX];
	char *end = tmp + sizeof(tmp) - 1;
	long ret = 0;

	*end = 0;
	vfs_lock();
	struct mount *m = p->mnt;
	struct dentry *d = p->dentry;
	bool deleted = d->unlinked;
	while (!(m == root->mnt && d == root->dentry)) {
		if (d == m->root) {
			if (!m->parent) {
				/* Outside the root: as getcwd says it. */
				if (!prepend(tmp, &end, "(unreachable)", 13))
					ret = -ENAMETOOLONG;
				else
					end++;
				break;
			}
			d = m->mountpoint;
			m = m->parent;
			continue;
		}
		if (!prepend(tmp, &end, d->name, strlen(d->name))) {
			ret = -ENAMETOOLONG;
			break;
		}
		d = d->parent;
	}
	vfs_unlock();
	if (ret)
		return ret;
	if (!*end)
		*--end = '/';
	int len = snprintf(buf, size, "%s%s", end, deleted ? " (deleted)" : "");
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : len;
}

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

static const char *mount_options(const struct super_block *sb)
{
	return strcmp(sb->fstype, "proc") == 0 ? "rw,nosuid,nodev,noexec,relatime" : "rw,relatime";
}

struct mount_walk {
	struct seq *s;
	const struct path *root;
	bool info; /* mountinfo rather than mounts */
};

/* One mount's line, unless it lies outside the root. Under vfs_lock. */
static void put_mount(struct mount_walk *w, struct mount *m)
{
	char where[LINUX_PATH_MAX];
	struct path mp = m == w->root->mnt ? *w->root : (struct path){m->parent, m->mountpoint};
	if (procfs_d_path(w->root, &mp, where, sizeof(where)) < 0 || where[0] != '/')
		return;
	struct super_block *sb = m->sb;
	if (w->info) {
		bool top = m == w->root->mnt || !m->parent;
		seq_printf(w->s, "%llu %llu %u:%u / ", (unsigned long long)m->id,
			   (unsigned long long)(top ? 0 : m->parent->id), linux_dev_major(sb->dev),
			   linux_dev_minor(sb->dev));
		put_escaped(w->s, where);
		seq_printf(w->s, " %s - %s %s rw\n", mount_options(sb), sb->fstype, sb->fstype);
	} else {
		seq_printf(w->s, "%s ", sb->fstype);
		put_escaped(w->s, where);
		seq_printf(w->s, " %s %s 0 0\n", sb->fstype, mount_options(sb));
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

static int show_mounts(struct seq *s, struct proc_inode *pi, bool info)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_FS, &pt);
	if (ret)
		return ret;
	if (pt.fs) {
		struct path root, cwd;
		fs_struct_paths(pt.fs, &root, &cwd);
		struct mount_walk w = {s, &root, info};
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
	return show_mounts(s, pi, false);
}

int proc_pid_show_mountinfo(struct seq *s, struct proc_inode *pi)
{
	return show_mounts(s, pi, true);
}
