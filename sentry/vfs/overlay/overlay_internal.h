/* SPDX-License-Identifier: Apache-2.0 */
/*
 * overlay internals.
 *
 * Inodes. An overlay inode (struct ovl_inode) embeds the VFS inode and
 * holds a reference to its upper inode, its lower inode, or both. Its own
 * struct inode fields mirror the chosen layer's (upper if present), since
 * the VFS reads mode, owner and nlink directly for permission checks;
 * ovl_sync() refreshes the mirror after anything that may change them.
 * Live overlay inodes are cached by st_ino (the lower's ino, or the
 * upper's with OVL_UPPER_INO): a file looked up twice while alive is one
 * inode, and so are the names of a lower hard link. Keying by ino rather
 * than by the lower inode's address keeps identity for lower file systems
 * that make a new inode per lookup (goferfs may).
 *
 * What overlayfs keeps in trusted.overlay.* xattrs lives instead in
 * maps in struct ovl_fs, for as long as the overlay, which is as long as
 * the in-memory upper lives:
 *   origin  upper ino -> ino of the lower file it was copied up from
 *           (trusted.overlay.origin): st_ino stays the lower's after the
 *           overlay inode is dropped and looked up again through upper.
 *   opaque  upper directory inos that hide the lower (trusted.overlay.opaque).
 *   index   lower ino -> upper inode, for copied-up lower hard links
 *           (overlayfs's index=on): the other lower names of the file find
 *           the copy and keep sharing it. Holds a reference to the copy.
 *   redirect upper directory ino -> the lower directory it merges with
 *           when that is not the lower's entry at the same path: a
 *           directory with a lower that was renamed (overlayfs's
 *           trusted.overlay.redirect, absolute form). Holds a reference
 *           to the lower directory inode, so no path is kept or walked.
 * They rely on the upper file system not reusing an ino while the overlay
 * is mounted (tmpfs never does); entries are dropped when we remove the
 * last upper name.
 *
 * Copy-up needs the place to copy to, but setattr and open get only the
 * inode: a lower-only inode remembers its parent and name (its "alias",
 * set by lookup, cleared when the name is unlinked). Aliases cannot go
 * stale by rename: a file is copied up before it is renamed, and a
 * renamed directory is copied up (its upper moves, its lower stays) and
 * keeps its overlay inode, which the aliases below it name by reference,
 * not by path; their own names in it do not change. A
 * lower-only file whose name is gone (unlinked while open) is copied up
 * to an orphan: created under a temporary name in the root's upper
 * directory and unlinked at once, all under vfs_lock.
 *
 * Locking (with vfs.h's order): vfs_lock > overlay inode lock > layer
 * inode lock; ofs->cache_lock is a leaf. Copy-up, every directory change
 * and the origin, opaque, index and redirect maps are under vfs_lock
 * (recursive).
 * ovl_inode.upper is set once, under vfs_lock, and read without locks
 * through ovl_upper(). setattr is called with the overlay inode's lock
 * held, so it drops that lock around a copy-up (which needs vfs_lock).
 * Copy-up reads the lower file under vfs_lock: with a goferfs lower that
 * blocks path walks for the copy's duration, as Linux's copy-up holds the
 * parent directories' locks.
 *
 * Where this differs from Linux's overlayfs:
 * - st_ino: files only in upper get bit 63 set (xino=on sets high bits on
 *   the lower's instead; here the image's inos stay as the gofer gives them).
 * - Directories that exist in lower are renamed as with redirect_dir=on
 *   (see rename.c), the redirect kept in memory; a copy-up of a removed
 *   directory is -ENOENT.
 * - st_nlink of a copied-up lower hard link counts its upper names only
 *   (overlayfs with index=on keeps the union count in the index).
 * - A file unlinked while open is copied up to an orphan, where overlayfs
 *   uses O_TMPFILE in its work directory.
 * - No metacopy or nfs_export; permission is checked
 *   against the mirrored attributes with the caller's credentials only
 *   (overlayfs also checks the layer inode with the mounter's).
 * - Changes to the layers behind the overlay's back are not seen
 *   reliably (undefined on Linux too).
 */
#ifndef SENTRY_VFS_OVERLAY_OVERLAY_INTERNAL_H
#define SENTRY_VFS_OVERLAY_OVERLAY_INTERNAL_H

#include <pthread.h>
#include <sys/stat.h>

#include "overlay.h"
#include "sentry/vfs/vfs_internal.h"

/* st_ino of files that exist only in upper: apart from the image's inos. */
#define OVL_UPPER_INO (1ULL << 63)

/* A u64 -> u64 hash map; the caller locks. */
struct ovl_map_entry;
struct ovl_map {
	struct ovl_map_entry **buckets;
	size_t nbuckets, count;
};

bool ovl_map_get(const struct ovl_map *m, u64 key, u64 *val);
/* Insert or replace. -ENOMEM. */
int ovl_map_set(struct ovl_map *m, u64 key, u64 val) __must_check;
/* Remove key; with match, only while it maps to val. True if removed. */
bool ovl_map_del(struct ovl_map *m, u64 key, const u64 *match);

struct ovl_inode;

struct ovl_fs {
	struct super_block *lower, *upper;
	struct ovl_inode *root;	    /* sb->root's inode */
	pthread_mutex_t cache_lock; /* guards cache */
	struct ovl_map cache;	    /* st_ino -> live ovl_inode (no reference) */
	/* Under vfs_lock: */
	struct ovl_map origin, opaque, index, redirect;
	u64 temp_seq;
};

struct ovl_inode {
	struct inode vfs;
	struct inode *upper; /* a reference; set once, see ovl_upper() */
	struct inode *lower; /* a reference, or NULL; never changes */
	bool has_lower_ino;  /* vfs.ino is a lower ino (keyed so in cache) */
	/* Set under vfs_lock; ovl_sync reads it without: see ovl_is_opaque(). */
	bool opaque; /* a directory that hides its lower */
	/* Under vfs_lock: */
	struct ovl_inode *parent; /* alias of a lower-only inode (a reference) */
	char *name;
};

static inline struct ovl_inode *OVL_I(struct inode *inode)
{
	return container_of(inode, struct ovl_inode, vfs);
}

static inline struct ovl_fs *OVL_FS(struct super_block *sb)
{
	return sb->fs_info;
}

static inline struct inode *ovl_upper(struct ovl_inode *oi)
{
	return __atomic_load_n(&oi->upper, __ATOMIC_ACQUIRE);
}

/* The layer inode that answers for oi: upper once there is one. Borrowed. */
static inline struct inode *ovl_real(struct ovl_inode *oi)
{
	struct inode *u = ovl_upper(oi);
	return u ? u : oi->lower;
}

static inline bool ovl_is_opaque(struct ovl_inode *oi)
{
	return __atomic_load_n(&oi->opaque, __ATOMIC_RELAXED);
}

static inline void ovl_mark_opaque(struct ovl_inode *oi)
{
	__atomic_store_n(&oi->opaque, true, __ATOMIC_RELAXED);
}

/* The lower directory whose entries show through dir, or NULL (vfs_lock). */
static inline struct inode *ovl_lower_dir(struct ovl_inode *dir)
{
	return ovl_is_opaque(dir) ? NULL : dir->lower;
}

static inline bool ovl_is_whiteout(const struct inode *inode)
{
	return S_ISCHR(inode->mode) && inode->rdev == 0;
}

/* super.c */
/*
 * The overlay inode for upper and/or lower (references consumed), under
 * vfs_lock: the live one if there is one, else a new one. origin: the
 * lower ino upper was copied up from, or NULL. A lower-only inode takes
 * (parent, name) as its alias. Returns a new reference or ERR_PTR.
 */
struct inode *ovl_get_inode(struct super_block *sb, struct inode *upper, struct inode *lower,
			    const u64 *origin, struct ovl_inode *parent, const char *name);
/* Refresh oi's mirrored attributes from its layer inode. */
void ovl_sync(struct ovl_inode *oi);
/* Caller holds oi->vfs.lock; out (if not NULL): the layer's attributes, when known. */
void ovl_sync_locked(struct ovl_inode *oi, struct kstat *out);
/* A layer inode's attributes, as vfs_getattr would see them (takes its lock). */
int ovl_real_stat(struct inode *real, struct kstat *st);
/* Forget oi's alias (vfs_lock). */
void ovl_drop_alias(struct ovl_inode *oi);

/* inode.c */
extern const struct inode_ops ovl_nondir_iops;
struct inode *ovl_lookup(struct inode *dir, const char *name);
int ovl_getattr(struct inode *inode, struct kstat *st);
int ovl_setattr(struct inode *inode, const struct iattr *ia);
/* A layer directory's entry: a new reference, NULL if absent, or ERR_PTR. */
struct inode *ovl_real_lookup(struct inode *dir, const char *name);

/* dir.c: directory operations and changes to upper directories (vfs_lock). */
extern const struct inode_ops ovl_dir_iops;
struct ovl_new {
	u32 mode;
	u64 rdev;
	const char *target; /* symlinks */
	struct inode *link; /* a hard link to this, instead of a new inode */
	const struct vfs_cred *cred;
};
/* Make n in the layer directory udir. A new reference or ERR_PTR. */
struct inode *ovl_make_real(struct inode *udir, const char *name, const struct ovl_new *n);
/* The layer's rename, -EPERM without one. */
int ovl_rename_real(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		    unsigned flags) __must_check;
/* Remove udir/name (inode is what is there). */
int ovl_remove_real(struct inode *udir, const char *name, struct inode *inode) __must_check;
/* A name that is free in udir, for building something before it goes in place. */
int ovl_temp_name(struct ovl_fs *ofs, struct inode *udir, char *buf, size_t size) __must_check;
/* Leave a whiteout at udir/name, atomically replacing what (NULL: nothing) is there. */
int ovl_whiteout(struct ovl_fs *ofs, struct inode *udir, const char *name,
		 struct inode *what) __must_check;
/*
 * Make the upper directory udir merge with the lower directory ldir
 * wherever it is moved (a reference to ldir is taken). -ENOMEM.
 */
int ovl_set_redirect(struct ovl_fs *ofs, struct inode *udir, struct inode *ldir) __must_check;
/* Mark the upper directory udir (of oi, if known) opaque. */
int ovl_set_opaque(struct ovl_fs *ofs, struct inode *udir, struct ovl_inode *oi) __must_check;
/* Does dir's lower (as shown through dir) have name? 1, 0 or -errno. */
int ovl_lower_has(struct ovl_inode *dir, const char *name);
/* Forget what the maps say about an upper inode that lost its last name. */
void ovl_forget_upper(struct ovl_fs *ofs, struct inode *upper);

/* rename.c */
int ovl_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
	       unsigned flags);

/* copy_up.c (vfs_lock) */
/*
 * Give oi an upper inode, copying at most limit bytes of data (-1: all),
 * its parents first: to its alias, or to an orphan if it has none.
 * Directories without an alias: -ENOENT.
 */
int ovl_copy_up(struct ovl_inode *oi, s64 limit) __must_check;
/* Make sure dir's upper has name as a link to oi's upper, copying up if need be. */
int ovl_copy_up_at(struct ovl_inode *oi, struct ovl_inode *dir, const char *name) __must_check;

/* xattr.c: the inode_ops xattr calls of every overlay inode. */
ssize_t ovl_getxattr(struct inode *inode, const char *name, void *buf, size_t size);
int ovl_setxattr(struct inode *inode, const char *name, const void *value, size_t size, int flags);
ssize_t ovl_listxattr(struct inode *inode, char *buf, size_t size);
int ovl_removexattr(struct inode *inode, const char *name);
#define OVL_XATTR_IOPS                                                                  \
	.getxattr = ovl_getxattr, .setxattr = ovl_setxattr, .listxattr = ovl_listxattr, \
	.removexattr = ovl_removexattr
/*
 * Copy-up (vfs_lock): give upper every extended attribute of lower but
 * the overlay's own, skipping namespaces upper does not keep.
 */
int ovl_copy_xattrs(struct inode *lower, struct inode *upper) __must_check;

/* file.c */
extern const struct file_ops ovl_file_fops;
/* Open a layer inode into a private file, as the VFS would. */
int ovl_open_real(struct inode *real, u32 flags, u32 fmode, struct file **out) __must_check;

/* readdir.c */
extern const struct file_ops ovl_dir_fops;

struct ovl_dirent {
	u64 ino;
	unsigned type;
	bool whiteout;
	bool upper; /* listed from the upper directory */
	char name[];
};

struct ovl_dirlist {
	struct ovl_dirent **e;
	size_t n, cap;
};

void ovl_dirlist_free(struct ovl_dirlist *l);
/* Every entry of a layer directory but "." and "..", in its order (vfs_lock). */
int ovl_list_real(struct inode *dir, struct ovl_dirlist *out) __must_check;
/* -ENOTEMPTY unless the merged view of dir is empty (vfs_lock). */
int ovl_check_empty(struct ovl_inode *dir) __must_check;
/* Remove the whiteouts in the upper directory udir (vfs_lock). */
int ovl_clear_whiteouts(struct inode *udir) __must_check;

#endif
