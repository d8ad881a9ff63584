// SPDX-License-Identifier: Apache-2.0
/*
 * procfs: mounting, inodes, and the directories that list a fixed table
 * (/proc/sys/..., /proc/<pid>, /proc/<pid>/task/<tid>).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"

u64 proc_ino(u64 dir_ino, const char *name)
{
	/* FNV-1a over the directory's number and the name. */
	u64 h = 0xcbf29ce484222325ULL;
	for (int i = 0; i < 8; i++) {
		h ^= (dir_ino >> (8 * i)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	for (const char *c = name; *c; c++) {
		h ^= (u8)*c;
		h *= 0x100000001b3ULL;
	}
	h &= (1ULL << 62) - 1;
	return h < 2 ? h + 2 : h; /* 1 is the root's */
}

void proc_destroy_inode(struct inode *inode)
{
	struct proc_inode *pi = PROC_I(inode);
	free(pi->target);
	free(pi);
}

static int proc_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->type = LINUX_PROC_SUPER_MAGIC;
	return 0;
}

static const struct super_ops proc_super_ops = {
	.destroy_inode = proc_destroy_inode,
	.statfs = proc_statfs,
};

static const struct vfs_cred proc_root_cred = {.caps = ~0ULL};

/* Subdirectories of a table directory, for its link count as Linux counts it. */
static u32 count_subdirs(const struct proc_entry *ent)
{
	u32 n = 0;
	for (size_t i = 0; i < ent->nchildren; i++)
		n += S_ISDIR(ent->children[i].mode);
	return n;
}

static struct inode *proc_alloc(struct super_block *sb, const struct proc_entry *ent, u64 ino,
				u32 uid, u32 gid)
{
	struct proc_inode *pi = calloc(1, sizeof(*pi));
	if (!pi)
		return ERR_PTR(-ENOMEM);
	struct inode *inode = &pi->vfs;
	inode_init(inode, sb, NULL, ent->mode, &proc_root_cred);
	inode->ino = ino;
	inode->uid = uid;
	inode->gid = gid;
	inode->nlink = S_ISDIR(ent->mode) ? 2 + count_subdirs(ent) : 1;
	pi->ent = ent;
	switch (ent->mode & S_IFMT) {
	case S_IFDIR:
		inode->iops = ent->iops ? ent->iops : &proc_table_iops;
		inode->fops = ent->fops ? ent->fops : &proc_table_fops;
		break;
	case S_IFLNK:
		inode->iops = ent->iops ? ent->iops : &proc_link_iops;
		break;
	default:
		inode->iops = ent->iops ? ent->iops : &proc_file_iops;
		inode->fops = ent->fops ? ent->fops : &proc_file_fops;
		break;
	}
	return inode;
}

struct inode *proc_new_inode(struct inode *dir, const struct proc_entry *ent, const char *name,
			     int tgid, int tid)
{
	u32 uid = 0, gid = 0;
	if (tgid) {
		struct proc_task pt;
		if (proc_task_get(proc_kernel(PROC_I(dir)), tgid, tid, 0, &pt))
			return ERR_PTR(-ENOENT);
		/* Linux's task_dump_owner: the process's user while it is dumpable. */
		if (pt.dumpable) {
			uid = pt.uid;
			gid = pt.gid;
		}
		proc_task_put(&pt);
	}
	struct inode *inode = proc_alloc(dir->sb, ent, proc_ino(dir->ino, name), uid, gid);
	if (!IS_ERR(inode)) {
		PROC_I(inode)->tgid = tgid;
		PROC_I(inode)->tid = tid;
	}
	return inode;
}

int proc_name_to_int(const char *name, int max)
{
	long v = 0;
	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
		if (v > max)
			return -1;
	}
	return v;
}

bool proc_emit(struct dir_context *ctx, const char *name, u64 dir_ino, u32 mode, s64 next)
{
	return ctx->emit(ctx, name, strlen(name), proc_ino(dir_ino, name), vfs_dtype(mode), next);
}

bool proc_emit_dots(struct file *f, struct dir_context *ctx)
{
	struct dentry *d = f->path.dentry;
	return dir_emit_dots(ctx, d->inode->ino, d->parent->inode->ino);
}

/* A table directory's entry name, or NULL. */
static const struct proc_entry *table_find(const struct proc_entry *dir, const char *name)
{
	for (size_t i = 0; i < dir->nchildren; i++)
		if (strcmp(dir->children[i].name, name) == 0)
			return &dir->children[i];
	return NULL;
}

static struct inode *proc_table_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	const struct proc_entry *ent = table_find(pd->ent, name);
	if (!ent)
		return ERR_PTR(-ENOENT);
	if (ent->same_as)
		ent = ent->same_as;
	struct inode *inode = proc_new_inode(dir, ent, name, pd->tgid, pd->tid);
	/* What a directory describes, its files describe too (sysfs's cpu<N>/). */
	if (!IS_ERR(inode))
		PROC_I(inode)->index = pd->index;
	return inode;
}

static int proc_table_iterate(struct file *f, struct dir_context *ctx)
{
	struct proc_inode *pd = PROC_I(f->inode);
	if (!proc_emit_dots(f, ctx))
		return 0;
	/* A process's directory lists nothing once the process is gone. */
	if (pd->tgid && proc_find(proc_kernel(pd), pd->tgid) < 0)
		return -ENOENT;
	for (size_t i = ctx->pos - 2; i < pd->ent->nchildren; i++) {
		const struct proc_entry *e = &pd->ent->children[i];
		if (!proc_emit(ctx, e->name, f->inode->ino, e->mode, i + 3))
			return 0;
		ctx->pos = i + 3;
	}
	return 0;
}

const struct inode_ops proc_table_iops = {
	.lookup = proc_table_lookup,
};

const struct file_ops proc_table_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = proc_table_iterate,
};

int proc_may_inspect(const struct proc_task *pt)
{
	struct task *t = task_current();
	if (!t || t->uid == 0 || pt->same_group)
		return 0;
	/* Linux's ptrace_may_access: the same user, and a dumpable process. */
	return t->uid == pt->uid && pt->dumpable ? 0 : -EACCES;
}

struct super_block *proc_table_fs_mount(struct kernel *k, const char *fstype,
					const struct super_ops *ops,
					const struct proc_entry *root_ent)
{
	struct procfs_info *info = calloc(1, sizeof(*info));
	struct super_block *sb = sb_alloc(ops, fstype);
	if (!info || !sb)
		goto out_nomem;
	info->k = k;
	sb->fs_info = info;
	struct inode *root = proc_alloc(sb, root_ent, 1, 0, 0);
	if (IS_ERR(root))
		goto out_nomem;
	sb->root = d_make_root(root);
	if (!sb->root)
		goto out_nomem;
	return sb;
out_nomem:
	free(info);
	free(sb);
	return ERR_PTR(-ENOMEM);
}

struct super_block *procfs_mount(struct kernel *k)
{
	return proc_table_fs_mount(k, "proc", &proc_super_ops, &proc_root_entry);
}

struct kernel *procfs_kernel(const struct super_block *proc)
{
	return PROC_SB(proc)->k;
}
