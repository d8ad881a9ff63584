// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: mounting, and the inode cache that gives each gofer file one
 * struct inode while it is alive. The VFS frees unused dentries at once,
 * so an inode lives exactly as long as the dentries and files that hold
 * it: the cache holds no reference of its own, and destroy_inode takes
 * the inode out before it is freed. Between the last inode_put and that
 * removal a cached inode has no references left; lookups pass over such
 * an inode and make a new one, which is why entries are removed by
 * pointer, not by number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "goferfs_internal.h"
#include "lib/log.h"

#define ICACHE_MIN_BUCKETS 256

static size_t ibucket(size_t nbuckets, u64 ino)
{
	/* Inode numbers come in runs: multiply so that they spread out. */
	u64 h = ino * 0x9e3779b97f4a7c15ULL;
	return (h ^ (h >> 32)) & (nbuckets - 1);
}

/* A double-size table when the chains grow long; if that fails, keep the old one. */
static void icache_grow(struct goferfs_info *info)
{
	size_t n = info->nbuckets * 2;
	struct goferfs_inode **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < info->nbuckets; i++) {
		struct goferfs_inode *gi = info->buckets[i], *next;
		for (; gi; gi = next) {
			next = gi->hnext;
			size_t k = ibucket(n, gi->vfs.ino);
			gi->hnext = b[k];
			b[k] = gi;
		}
	}
	free(info->buckets);
	info->buckets = b;
	info->nbuckets = n;
}

/* A new reference to inode, unless its last one is already gone. */
static bool inode_get_live(struct inode *inode)
{
	int refs = __atomic_load_n(&inode->refs, __ATOMIC_RELAXED);
	while (refs > 0) {
		if (__atomic_compare_exchange_n(&inode->refs, &refs, refs + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/*
 * Inodes whose last name is gone are passed over: no walk can reach them,
 * so a walk that finds their number has found a new file reusing it (on
 * a server whose fids do not keep files alive, as diod's).
 */
static struct inode *icache_find_locked(struct goferfs_info *info, u64 ino)
{
	struct goferfs_inode *gi = info->buckets[ibucket(info->nbuckets, ino)];
	for (; gi; gi = gi->hnext) {
		if (gi->vfs.ino != ino || !__atomic_load_n(&gi->vfs.nlink, __ATOMIC_RELAXED))
			continue;
		if (inode_get_live(&gi->vfs))
			return &gi->vfs;
	}
	return NULL;
}

struct inode *goferfs_ilookup(struct super_block *sb, u64 ino)
{
	struct goferfs_info *info = GOFER_SB(sb);
	pthread_mutex_lock(&info->icache_lock);
	struct inode *inode = icache_find_locked(info, ino);
	pthread_mutex_unlock(&info->icache_lock);
	return inode;
}

/* Add gi unless a live inode for its number got there first (returned, referenced). */
static struct inode *icache_add(struct goferfs_info *info, struct goferfs_inode *gi)
{
	pthread_mutex_lock(&info->icache_lock);
	struct inode *other = icache_find_locked(info, gi->vfs.ino);
	if (!other) {
		if (info->count >= info->nbuckets * 2)
			icache_grow(info);
		struct goferfs_inode **b = &info->buckets[ibucket(info->nbuckets, gi->vfs.ino)];
		gi->hnext = *b;
		*b = gi;
		info->count++;
	}
	pthread_mutex_unlock(&info->icache_lock);
	return other;
}

static void icache_remove(struct goferfs_info *info, struct goferfs_inode *gi)
{
	pthread_mutex_lock(&info->icache_lock);
	struct goferfs_inode **p = &info->buckets[ibucket(info->nbuckets, gi->vfs.ino)];
	for (; *p; p = &(*p)->hnext) {
		if (*p == gi) {
			*p = gi->hnext;
			info->count--;
			break;
		}
	}
	pthread_mutex_unlock(&info->icache_lock);
}

static void goferfs_destroy_inode(struct inode *inode)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	struct goferfs_info *info = GOFER_SB(inode->sb);

	icache_remove(info, gi);
	goferfs_cache_free(inode);
	goferfs_handles_drop(inode);
	if (gi->has_created)
		goferfs_handle_close(info->c, &gi->created);
	if (gi->fid != P9_NOFID)
		gofer_clunk_async(info->c, gi->fid);
	goferfs_dir_cache_free(&gi->dir);
	goferfs_neg_free(inode);
	free(gi->target);
	free(gi);
}

/* The host file system's numbers, as Linux's v9fs passes the server's on. */
static int goferfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct p9_statfs ps;
	int err = goferfs_err(gofer_statfs(GOFER_SB(sb)->c, GOFER_I(sb->root->inode)->fid, &ps));
	if (err)
		return err;
	*st = (struct kstatfs){.type = ps.type,
			       .bsize = ps.bsize,
			       .blocks = ps.blocks,
			       .bfree = ps.bfree,
			       .bavail = ps.bavail,
			       .files = ps.files,
			       .ffree = ps.ffree,
			       .namelen = ps.namelen};
	return 0;
}

static const struct super_ops goferfs_super_ops = {
	.destroy_inode = goferfs_destroy_inode,
	.statfs = goferfs_statfs,
};

/* Does the qid's type say what the mode says? A server that disagrees is lying. */
static bool qid_matches(u32 mode, u8 type)
{
	return !!(type & P9_QTDIR) == S_ISDIR(mode) && !!(type & P9_QTSYMLINK) == S_ISLNK(mode);
}

static struct inode *inode_new(struct super_block *sb, u32 fid, const struct p9_qid *qid)
{
	static const struct vfs_cred root = {.caps = ~0ULL};
	struct gofer_client *c = GOFER_SB(sb)->c;
	struct p9_attr a;

	int err = goferfs_err(gofer_getattr(c, fid, P9_GETATTR_BASIC, &a));
	if (!err && (a.qid.path != qid->path || !qid_matches(a.mode, qid->type))) {
		pr_warn_ratelimited("goferfs: getattr of inode %llu answered for %llu, type %#o",
				    (unsigned long long)qid->path, (unsigned long long)a.qid.path,
				    a.mode & S_IFMT);
		err = -EIO;
	}
	struct goferfs_inode *gi = err ? NULL : calloc(1, sizeof(*gi));
	if (!err && !gi)
		err = -ENOMEM;
	if (err) {
		gofer_clunk(c, fid);
		return ERR_PTR(err);
	}
	/* inode_init for what the VFS sets up; the server's attributes replace the rest. */
	inode_init(&gi->vfs, sb, NULL, S_IFREG, &root);
	gi->fid = fid;
	err = goferfs_attr_to_inode(&gi->vfs, &a);
	if (err) {
		inode_put(&gi->vfs);
		return ERR_PTR(err);
	}
	gi->vfs.ino = qid->path;
	goferfs_set_ops(&gi->vfs);
	return &gi->vfs;
}

struct inode *goferfs_iget(struct super_block *sb, u32 fid, const struct p9_qid *qid)
{
	struct inode *inode = goferfs_ilookup(sb, qid->path);
	if (!inode) {
		inode = inode_new(sb, fid, qid);
		if (IS_ERR(inode))
			return inode;
		struct inode *other = icache_add(GOFER_SB(sb), GOFER_I(inode));
		if (!other)
			return inode;
		inode_put(inode);
		inode = other;
	} else {
		gofer_clunk(GOFER_SB(sb)->c, fid);
	}
	if (!qid_matches(inode->mode, qid->type)) {
		pr_warn_ratelimited("goferfs: inode %llu of type %#o walked as qid type %#x",
				    (unsigned long long)inode->ino, inode->mode & S_IFMT,
				    qid->type);
		inode_put(inode);
		return ERR_PTR(-EIO);
	}
	return inode;
}

static void info_free(struct goferfs_info *info)
{
	if (!info)
		return;
	pthread_mutex_destroy(&info->icache_lock);
	free(info->buckets);
	free(info);
}

struct super_block *goferfs_mount(struct gofer_client *c, const char *aname, unsigned flags)
{
	struct p9_qid qid;
	u32 fid;

	if (flags & ~GOFERFS_RDONLY)
		return ERR_PTR(-EINVAL);
	int err = goferfs_err(gofer_attach(c, aname, GOFERFS_ATTACH_UID, &fid, &qid));
	if (err)
		return ERR_PTR(err);

	struct goferfs_info *info = calloc(1, sizeof(*info));
	struct super_block *sb = sb_alloc(&goferfs_super_ops, "9p");
	if (info) {
		pthread_mutex_init(&info->icache_lock, NULL);
		info->buckets = calloc(ICACHE_MIN_BUCKETS, sizeof(*info->buckets));
	}
	if (!info || !sb || !info->buckets) {
		gofer_clunk(c, fid);
		err = -ENOMEM;
		goto out_free;
	}
	info->c = c;
	info->flags = flags;
	info->nbuckets = ICACHE_MIN_BUCKETS;
	/* A lookup is a round trip; only the sandbox changes names (see the header). */
	sb->flags |= SB_KEEP_DENTRIES;
	info->dir_chunk = gofer_client_msize(c) - P9_IOHDRSZ;
	sb->fs_info = info;

	struct inode *root = goferfs_iget(sb, fid, &qid);
	if (IS_ERR(root)) {
		err = PTR_ERR(root);
		goto out_free;
	}
	/* A single file's bind mount has a file for its root (root.c grafts
	 * it on a file); symlinks and special files are not served as roots. */
	if (!S_ISDIR(root->mode) && !S_ISREG(root->mode)) {
		inode_put(root);
		err = -ENOTDIR;
		goto out_free;
	}
	sb->root = d_make_root(root);
	if (!sb->root) {
		err = -ENOMEM;
		goto out_free;
	}
	return sb;
out_free:
	info_free(info);
	free(sb);
	return ERR_PTR(err);
}
