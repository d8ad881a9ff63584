// SPDX-License-Identifier: Apache-2.0
/*
 * The mqueue file system (Linux's ipc/mqueue.c mqueue_fs_type): one file
 * per POSIX message queue of the IPC namespace, mounted on /dev/mqueue
 * in every sandbox (as container runtimes do) and by mount -t mqueue.
 * ls lists the queues, reading one gives its status line, unlink(2)
 * is mq_unlink and open(2) is mq_open (O_CREAT with the default sizes).
 *
 * One super block per Sentry, as devpts: the sandbox has one IPC
 * namespace, which every mount shows. Its names are the queues, found in
 * the namespace of the task asking, so nothing here holds a queue but
 * the inodes (each a reference). mq_open's descriptors are files of an
 * internal mount of it, as Linux's ns->mq_mnt, so /proc/<pid>/fd shows
 * "/name" for them as Linux does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqueue_internal.h"
#include "sentry/vfs/vfs_internal.h"

#define MQUEUE_MAGIC 0x19800202

struct mq_inode {
	struct inode vfs;
	struct mqueue *mq; /* a reference; NULL for the root */
};

static struct super_block *mqfs_sb;
static struct mount *mqfs_mnt; /* mq_open's internal mount */
static pthread_once_t mqfs_once = PTHREAD_ONCE_INIT;
static const struct vfs_cred mqfs_root_cred = {.caps = ~0ULL};

static struct mq_inode *MQ_I(struct inode *inode)
{
	return container_of(inode, struct mq_inode, vfs);
}

struct mqueue *mqfs_inode_queue(struct inode *inode)
{
	return MQ_I(inode)->mq;
}

static void mqfs_destroy_inode(struct inode *inode)
{
	struct mqueue *mq = MQ_I(inode)->mq;
	if (mq)
		mq_put(mq->ns, mq);
	pthread_mutex_destroy(&inode->lock);
	free(MQ_I(inode));
}

static int mqfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	st->type = MQUEUE_MAGIC;
	st->bsize = PAGE_SIZE;
	st->namelen = LINUX_NAME_MAX;
	return 0;
}

static const struct super_ops mqfs_super_ops = {
	.destroy_inode = mqfs_destroy_inode,
	.statfs = mqfs_statfs,
};

/* The namespace of the task asking: NULL outside a task (nothing to show). */
static struct ipc_ns *mqfs_ns(void)
{
	struct task *t = task_current();
	return t ? ipc_ns_of(t) : NULL;
}

/* Empty: chmod and chown act on the inode's own fields, truncate is EPERM. */
static const struct inode_ops mqfs_file_iops = {0};

/* A new inode for mq, with a reference to it. ns->lock held. */
static struct inode *mqfs_queue_inode(struct mqueue *mq)
{
	struct mq_inode *mi = calloc(1, sizeof(*mi));
	if (!mi)
		return ERR_PTR(-ENOMEM);
	struct vfs_cred owner = {.fsuid = mq->uid, .fsgid = mq->gid};
	inode_init(&mi->vfs, mqfs_sb, NULL, S_IFREG | mq->mode, &owner);
	mi->vfs.ino = mq->ino;
	mi->vfs.size = MQ_FILENT_SIZE;
	mi->vfs.iops = &mqfs_file_iops;
	mi->vfs.fops = &mq_file_ops;
	mi->vfs.atime = mi->vfs.mtime = mi->vfs.ctime = mi->vfs.btime = mq->ctime;
	mi->mq = mq;
	mq->refs++;
	return &mi->vfs;
}

static struct inode *mqfs_lookup(struct inode *dir, const char *name)
{
	struct ipc_ns *ns = mqfs_ns();
	if (!ns)
		return ERR_PTR(-ENOENT);
	pthread_mutex_lock(&ns->lock);
	struct mqueue *mq = mq_find(ns, name);
	struct inode *inode = mq ? mqfs_queue_inode(mq) : ERR_PTR(-ENOENT);
	pthread_mutex_unlock(&ns->lock);
	return inode;
}

/* open(2) with O_CREAT: Linux's mqueue_create, with the default attributes. */
static struct inode *mqfs_create(struct inode *dir, const char *name, u32 mode,
				 const struct vfs_cred *c)
{
	struct task *t = task_current();
	struct ipc_ns *ns = t ? ipc_ns_of(t) : NULL;
	if (!ns)
		return ERR_PTR(t ? -ENOMEM : -EACCES);
	pthread_mutex_lock(&ns->lock);
	struct mqueue *mq =
		mq_find(ns, name) ? ERR_PTR(-EEXIST) : mq_create_locked(t, ns, name, mode, NULL);
	struct inode *inode = IS_ERR(mq) ? (void *)mq : mqfs_queue_inode(mq);
	pthread_mutex_unlock(&ns->lock);
	return inode;
}

/* unlink(2): mq_unlink. The VFS has checked the directory's permissions. */
static int mqfs_unlink(struct inode *dir, const char *name, struct inode *inode)
{
	struct mqueue *mq = MQ_I(inode)->mq;
	struct ipc_ns *ns = mq->ns;
	int ret = 0;

	pthread_mutex_lock(&ns->lock);
	if (mq_find(ns, name) == mq)
		list_del(&mq->ns_node);
	else
		ret = -ENOENT;
	pthread_mutex_unlock(&ns->lock);
	if (!ret)
		mq_put(ns, mq); /* the name's reference */
	return ret;
}

static const struct inode_ops mqfs_dir_iops = {
	.lookup = mqfs_lookup,
	.create = mqfs_create,
	.unlink = mqfs_unlink,
};

/*
 * The first queue at or after position pos: positions are 2 + the inode
 * number, which rises in creation order, the order of ns->mqueues, so a
 * listing resumed after queues came and went repeats or skips none that
 * stayed. Copies its name into name; 0 if none.
 */
static u64 mqfs_next_queue(struct ipc_ns *ns, s64 pos, char *name)
{
	struct mqueue *mq;
	u64 ino = 0;
	pthread_mutex_lock(&ns->lock);
	list_for_each_entry(mq, &ns->mqueues, ns_node)
	{
		if (mq->ino + 2 >= (u64)pos) {
			ino = mq->ino;
			strcpy(name, mq->name);
			break;
		}
	}
	pthread_mutex_unlock(&ns->lock);
	return ino;
}

static int mqfs_iterate(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->inode;
	char name[LINUX_NAME_MAX + 1];
	struct ipc_ns *ns = mqfs_ns();
	u64 ino;

	if (!dir_emit_dots(ctx, dir->ino, dir->ino))
		return 0;
	while (ns && (ino = mqfs_next_queue(ns, ctx->pos, name))) {
		if (!ctx->emit(ctx, name, strlen(name), ino, LINUX_DT_REG, ino + 3))
			return 0;
		ctx->pos = ino + 3;
	}
	return 0;
}

static const struct file_ops mqfs_dir_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = mqfs_iterate,
};

static void mqfs_init(void)
{
	struct super_block *sb = sb_alloc(&mqfs_super_ops, "mqueue");
	struct mq_inode *root = calloc(1, sizeof(*root));
	if (!sb || !root)
		goto out_free;
	/* mq_open's files, on the parentless internal mount, show as "/name". */
	sb->flags |= SB_PSEUDO;
	inode_init(&root->vfs, sb, NULL, S_IFDIR | 01777, &mqfs_root_cred);
	root->vfs.ino = sb_next_ino(sb);
	root->vfs.nlink = 2;
	root->vfs.iops = &mqfs_dir_iops;
	root->vfs.fops = &mqfs_dir_fops;
	/* d_make_root consumes root even when it fails; sb is then left unused. */
	if (!(sb->root = d_make_root(&root->vfs)))
		return;
	/* The internal mount holds its own reference; the first is for mqfs_sb. */
	__atomic_fetch_add(&sb->refs, 1, __ATOMIC_RELAXED);
	if (!(mqfs_mnt = mount_create_root(sb)))
		return; /* mq_open's files are then pathless */
	mqfs_sb = sb;
	return;

out_free:
	/* Only at the first use, out of memory: mount and mq_open fail with ENOMEM. */
	free(root);
	free(sb);
}

struct super_block *mqueue_mount(const char *options)
{
	pthread_once(&mqfs_once, mqfs_init);
	if (!mqfs_sb)
		return ERR_PTR(-ENOMEM);
	__atomic_fetch_add(&mqfs_sb->refs, 1, __ATOMIC_RELAXED);
	return mqfs_sb;
}

u64 mqfs_next_ino(void)
{
	static u64 fallback = 1ULL << 32;
	pthread_once(&mqfs_once, mqfs_init);
	return mqfs_sb ? sb_next_ino(mqfs_sb) : __atomic_add_fetch(&fallback, 1, __ATOMIC_RELAXED);
}

u64 mqfs_dev(void)
{
	pthread_once(&mqfs_once, mqfs_init);
	return mqfs_sb ? mqfs_sb->dev : 0;
}

/* Under vfs_lock: mq's cached dentry in the file system, or NULL. */
static struct dentry *mqfs_dentry_locked(struct mqueue *mq)
{
	struct dentry *d = d_lookup(mqfs_sb->root, mq->name, strlen(mq->name));
	if (IS_ERR(d))
		return NULL;
	if (MQ_I(d->inode)->mq != mq) {
		dput(d);
		return NULL;
	}
	return d;
}

void mqfs_forget(struct mqueue *mq)
{
	if (!mqfs_sb)
		return;
	/* The lookup no longer finds it: only a cached dentry remains to drop. */
	vfs_lock();
	struct dentry *d = mqfs_dentry_locked(mq);
	if (d) {
		d_unlink(d);
		dput(d);
	}
	vfs_unlock();
}

int mqfs_path(struct mqueue *mq, struct path *out)
{
	pthread_once(&mqfs_once, mqfs_init);
	if (!mqfs_sb || !mqfs_mnt)
		return -ENOENT;
	vfs_lock();
	struct dentry *d = mqfs_dentry_locked(mq);
	if (d)
		*out = (struct path){mnt_get(mqfs_mnt), d};
	vfs_unlock();
	return d ? 0 : -ENOENT;
}
