// SPDX-License-Identifier: Apache-2.0
/*
 * devpts, mounted on /dev/pts: the table of pty pairs by index, the
 * directory that names them (one node per pair while its master is
 * open, owned by the opener, mode 0620, group tty) and ptmx. One
 * instance per sandbox, as a container's newinstance mount.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/syscalls/sys_path.h"
#include "sentry/vfs/vfs_internal.h"
#include "tty_internal.h"

#define DEVPTS_SUPER_MAGIC 0x1cd1

pthread_mutex_t tty_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tty_pair *ptys[PTY_MAX];

static struct super_block *devpts_sb;
static struct inode *devpts_ptmx;
static pthread_once_t devpts_once = PTHREAD_ONCE_INIT;

static const struct vfs_cred devpts_root_cred = {.caps = ~0ULL};

struct tty_pair *devpts_lookup_locked(int index)
{
	return index >= 0 && index < PTY_MAX ? ptys[index] : NULL;
}

struct tty_pair *tty_find_session_locked(int sid)
{
	for (int i = 0; i < PTY_MAX; i++)
		if (ptys[i] && ptys[i]->session == sid)
			return ptys[i];
	return NULL;
}

static int devpts_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->type = DEVPTS_SUPER_MAGIC;
	st->bsize = 4096;
	st->namelen = 255;
	return 0;
}

static const struct super_ops devpts_super_ops = {
	.statfs = devpts_statfs,
};

/* The index a name spells ("0", "17"), or -1. */
static int pts_index(const char *name)
{
	int v = 0;
	if (!*name || (name[0] == '0' && name[1]))
		return -1;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || v >= PTY_MAX)
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v < PTY_MAX ? v : -1;
}

/* A pair whose node shows: its master is open. Under tty_table_lock. */
static struct tty_pair *visible_locked(int index)
{
	struct tty_pair *p = devpts_lookup_locked(index);
	if (!p)
		return NULL;
	/* Read without p->lock, which ranks above the table lock. */
	return __atomic_load_n(&p->master_closed, __ATOMIC_ACQUIRE) ? NULL : p;
}

static struct inode *devpts_lookup(struct inode *dir, const char *name)
{
	if (strcmp(name, "ptmx") == 0)
		return inode_get(devpts_ptmx);
	int index = pts_index(name);
	struct inode *inode = ERR_PTR(-ENOENT);
	pthread_mutex_lock(&tty_table_lock);
	struct tty_pair *p = index < 0 ? NULL : visible_locked(index);
	if (p)
		inode = inode_get(p->inode);
	pthread_mutex_unlock(&tty_table_lock);
	return inode;
}

static const struct inode_ops devpts_dir_iops = {
	.lookup = devpts_lookup,
};

/* Positions: 0 ".", 1 "..", 2 "ptmx", 3 + N the pair N. */
static int devpts_iterate(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->inode;
	if (!dir_emit_dots(ctx, dir->ino, dir->ino))
		return 0;
	if (ctx->pos == 2) {
		if (!ctx->emit(ctx, "ptmx", 4, devpts_ptmx->ino, LINUX_DT_CHR, 3))
			return 0;
		ctx->pos = 3;
	}
	for (int i = (int)ctx->pos - 3; i < PTY_MAX; i++) {
		char name[16];
		pthread_mutex_lock(&tty_table_lock);
		struct tty_pair *p = visible_locked(i);
		u64 ino = p ? p->inode->ino : 0;
		pthread_mutex_unlock(&tty_table_lock);
		if (!p)
			continue;
		int len = snprintf(name, sizeof(name), "%d", i);
		if (!ctx->emit(ctx, name, len, ino, LINUX_DT_CHR, i + 4))
			return 0;
		ctx->pos = i + 4;
	}
	ctx->pos = PTY_MAX + 3;
	return 0;
}

static const struct file_ops devpts_dir_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = devpts_iterate,
};

static struct inode *devpts_new_inode(u32 mode, const struct vfs_cred *c)
{
	struct inode *inode = calloc(1, sizeof(*inode));
	if (!inode)
		return NULL;
	inode_init(inode, devpts_sb, NULL, mode, c);
	return inode;
}

static void devpts_init(void)
{
	struct super_block *sb = sb_alloc(&devpts_super_ops, "devpts");
	if (!sb)
		return;
	devpts_sb = sb;
	struct inode *root = devpts_new_inode(S_IFDIR | 0755, &devpts_root_cred);
	devpts_ptmx = devpts_new_inode(S_IFCHR, &devpts_root_cred);
	if (!root || !devpts_ptmx)
		goto out_free;
	root->nlink = 2;
	root->iops = &devpts_dir_iops;
	root->fops = &devpts_dir_fops;
	/* Linux's default ptmxmode=000: /dev/ptmx is the way in. */
	devpts_ptmx->rdev = linux_encode_dev(5, 2);
	sb->root = d_make_root(root);
	if (!sb->root)
		goto out_ptmx;
	return;

out_free:
	free(root);
out_ptmx:
	free(devpts_ptmx);
	devpts_ptmx = NULL;
	devpts_sb = NULL;
}

int devpts_mount_dev(const struct vfs_ctx *ctx)
{
	pthread_once(&devpts_once, devpts_init);
	if (!devpts_sb)
		return -ENOMEM;
	int ret = vfs_mkdir(ctx, "/dev/pts", 0755);
	if (ret && ret != -EEXIST)
		return ret;
	struct path mp;
	ret = vfs_lookup(ctx, "/dev/pts", LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &mp);
	if (ret)
		return ret;
	__atomic_fetch_add(&devpts_sb->refs, 1, __ATOMIC_RELAXED);
	vfs_lock();
	ret = mount_at(&mp, devpts_sb);
	vfs_unlock();
	path_put(&mp);
	return ret;
}

struct tty_pair *devpts_new_pair(const struct vfs_cred *c)
{
	pthread_once(&devpts_once, devpts_init);
	if (!devpts_sb)
		return ERR_PTR(-ENOMEM);
	struct tty_pair *p = calloc(1, sizeof(*p));
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->refs = 1;
	pthread_mutex_init(&p->lock, NULL);
	p->in = (struct tty_ring){.buf = p->inbuf, .size = sizeof(p->inbuf)};
	p->out = (struct tty_ring){.buf = p->outbuf, .size = sizeof(p->outbuf)};
	ldisc_init(&p->ld, &p->out);
	p->locked = true; /* until unlockpt, as ptmx_open */
	waitq_init(&p->master_wq);
	waitq_init(&p->slave_wq);
	struct vfs_cred owner = *c;
	owner.fsgid = TTY_GID;
	p->inode = devpts_new_inode(S_IFCHR | 0620, &owner);
	if (!p->inode) {
		free(p);
		return ERR_PTR(-ENOMEM);
	}
	pthread_mutex_lock(&tty_table_lock);
	int index = 0;
	while (index < PTY_MAX && ptys[index])
		index++;
	if (index < PTY_MAX) {
		ptys[index] = p;
		p->index = index;
	}
	pthread_mutex_unlock(&tty_table_lock);
	if (index == PTY_MAX) {
		inode_put(p->inode);
		free(p);
		return ERR_PTR(-ENOSPC);
	}
	p->inode->rdev = linux_encode_dev(PTY_SLAVE_MAJOR, index);
	return p;
}

void devpts_remove_pair(struct tty_pair *p)
{
	pthread_mutex_lock(&tty_table_lock);
	if (ptys[p->index] == p)
		ptys[p->index] = NULL;
	pthread_mutex_unlock(&tty_table_lock);
}

void devpts_kill_node(struct tty_pair *p)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", p->index);
	/* The lookup no longer finds it: only a cached dentry remains to drop. */
	vfs_lock();
	struct dentry *d = d_lookup(devpts_sb->root, name, strlen(name));
	if (!IS_ERR(d)) {
		if (d->inode == p->inode)
			d_unlink(d);
		dput(d);
	}
	vfs_unlock();
}

int devpts_slave_path(struct task *t, struct file *master, struct tty_pair *p, struct path *out)
{
	char name[32];
	struct vfs_cred c;
	struct path root, cwd;

	if (!master->path.dentry)
		return -EIO;
	/* The slave is found next to the master, as Linux's devpts_mntget. */
	bool in_devpts = master->inode && master->inode->sb == devpts_sb;
	snprintf(name, sizeof(name), in_devpts ? "%d" : "pts/%d", p->index);
	task_vfs_cred(t, &c);
	fs_struct_paths(t->fs, &root, &cwd);
	path_put(&cwd);
	vfs_lock();
	struct path start = {master->path.mnt, master->path.dentry->parent};
	vfs_unlock();
	struct vfs_ctx ctx = {.cred = &c, .root = root, .start = start};
	int ret = vfs_lookup(&ctx, name, 0, out);
	if (!ret && path_inode(out) != p->inode) {
		path_put(out);
		ret = -EIO;
	}
	path_put(&root);
	return ret;
}
