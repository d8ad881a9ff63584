/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VFS, in the Linux mould: a mount tree of file systems, dentries (a
 * cache of names with parent pointers), inodes with an operations table,
 * open files (file.h) with theirs, and per-task root, cwd and umask
 * (struct fs_struct). The syscall handlers call the vfs_* functions below;
 * file systems (tmpfs/, devfs.c, later the gofer client) implement
 * struct inode_ops and struct file_ops.
 *
 * Lock order: file->pos_lock > vfs_lock > inode->lock > fs_struct->lock.
 *   vfs_lock (vfs_internal.h) is one mutex for the namespace: the mount
 *   tree, every dentry's name, parent and children, and the contents of
 *   directories. Path walks and directory changes run under it, so a
 *   walk never sees half a rename. File data and attributes are under
 *   each inode->lock and need no vfs_lock: reads and writes of open files
 *   never take it.
 *
 * References: a dentry holds its inode and its parent; a mount holds its
 * root and mountpoint dentries; a struct path holds its mount and dentry;
 * an open file holds its path; a file system's directory holds each inode
 * it names. Unused dentries are freed at once unless their file system
 * asks for them to be kept (SB_KEEP_DENTRIES): then up to a few thousand
 * stay on an LRU list, still linked to their parent, until a lookup finds
 * them again or newer ones push them out.
 *
 * Errors are -errno with the guest's (Linux's) values, exactly those the
 * Linux call would give, in the order Linux checks them.
 */
#ifndef SENTRY_VFS_VFS_H
#define SENTRY_VFS_VFS_H

#include "abi/linux/fs.h"
#include "file.h"

/* Who is asking: fsuid/fsgid, supplementary groups, effective capabilities. */
struct vfs_cred {
	u32 fsuid, fsgid;
	u32 ngroups;
	const u32 *groups;
	u64 caps; /* 1ULL << LINUX_CAP_* */
};

static inline bool cred_capable(const struct vfs_cred *c, int cap)
{
	return c->caps & (1ULL << cap);
}

/* gid is the fsgid or one of the supplementary groups. */
static inline bool cred_in_group(const struct vfs_cred *c, u32 gid)
{
	if (c->fsgid == gid)
		return true;
	for (u32 i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

struct super_block;
struct inode;

/* What statfs reports, before conversion to the guest's layout. */
struct kstatfs {
	u64 type, bsize, blocks, bfree, bavail, files, ffree, namelen;
	u64 flags; /* f_flags' ST_* of the mount (vfs_statfs) */
};

/*
 * NULL destroy_inode: free(inode). NULL statfs: f_type 0, no blocks. The
 * VFS fills in f_fsid, f_frsize and f_flags for every file system.
 */
struct super_ops {
	void (*destroy_inode)(struct inode *inode);
	int (*statfs)(struct super_block *sb, struct kstatfs *st);
	void (*kill_sb)(struct super_block *sb); /* last sb_put (mount.c); NULL: kept for good */
};

/* super_block.flags */
/*
 * Names of this file system stay cached after their last user is gone
 * (the dcache's unused list), because a lookup is dear (a gofer round
 * trip) and nothing changes a name behind the VFS's back. File systems
 * whose names come and go by themselves (procfs) must not set it.
 */
#define SB_KEEP_DENTRIES 0x1u
/* Files no path reaches (memfd): /proc names them "/" + their dentry's name (Linux's d_dname). */
#define SB_PSEUDO 0x2u

/*
 * Per-mount flags (struct mount, set by mount(2) and the OCI mounts), with
 * Linux's MNT_* values. nosuid, noexec, nodev and read-only belong to the
 * mount, not the file system, as in Linux: a read-only bind of a writable
 * tree leaves the tree writable elsewhere.
 */
#define MNT_NOSUID 0x01u
#define MNT_NODEV 0x02u
#define MNT_NOEXEC 0x04u
#define MNT_NOATIME 0x08u
#define MNT_NODIRATIME 0x10u
#define MNT_RELATIME 0x20u
#define MNT_READONLY 0x40u

struct mount;
/* The MNT_* flags of m (NULL, a file outside the VFS: 0). */
unsigned mnt_flags(const struct mount *m);
/* Linux's mnt_want_write: -EROFS if m (NULL-safe) is read-only, else 0. */
int mnt_want_write(const struct mount *m) __must_check;
/* execve and mmap(PROT_EXEC) refuse files of a noexec mount (EACCES, EPERM). */
static inline bool path_noexec(const struct path *p)
{
	return mnt_flags(p->mnt) & MNT_NOEXEC;
}
/* execve ignores set-ID bits and file capabilities on a nosuid mount. */
static inline bool path_nosuid(const struct path *p)
{
	return mnt_flags(p->mnt) & MNT_NOSUID;
}
/*
 * open's mount checks, around may_open: a device node on a nodev mount
 * is -EACCES (before the permission check); opening a regular file or
 * directory for writing (acc has MAY_WRITE) on a read-only mount is -EROFS
 * (after it). 0 otherwise.
 */
int mnt_may_open(const struct path *p) __must_check;
int mnt_may_open_write(const struct path *p, int acc) __must_check;

struct super_block {
	const struct super_ops *ops;
	const char *fstype;
	unsigned flags; /* SB_* */
	u64 dev;	/* st_dev, an anonymous device number of its own */
	u64 next_ino;	/* atomic */
	int refs;	/* atomic */
	struct dentry *root;
	void *fs_info;
};

/* Allocate a super block with a fresh anonymous st_dev. NULL: -ENOMEM. */
struct super_block *sb_alloc(const struct super_ops *ops, const char *fstype);
u64 sb_next_ino(struct super_block *sb);

struct inode {
	pthread_mutex_t lock; /* guards everything below but refs */
	int refs;	      /* atomic */
	const struct inode_ops *iops;
	const struct file_ops *fops; /* for opening it; char devices: by rdev */
	struct super_block *sb;
	u64 ino;
	u32 mode, uid, gid, nlink;
	u64 rdev;
	s64 size;
	u64 blocks; /* 512-byte units */
	struct linux_timespec atime, mtime, ctime, btime;
	/*
	 * Nothing for a write to take away: no set-ID bit, no file
	 * capabilities (Linux's S_NOSEC). Set by the first write that looks,
	 * cleared by any change of mode or extended attribute. Atomic.
	 */
	bool nosec;
	/*
	 * Linux's i_writecount (atomic): > 0, the files open for writing;
	 * < 0, the programs running from it. Each side makes the other's
	 * next attempt ETXTBSY.
	 */
	int writecount;
	/* Files open for reading only (Linux's i_readcount), for write leases (lease.h). Atomic. */
	int readcount;
	struct lease *leases; /* lease.h: under its lock; read without it to skip the common case */
};

/* iattr.valid */
#define ATTR_MODE 0x1u
#define ATTR_UID 0x2u
#define ATTR_GID 0x4u
#define ATTR_SIZE 0x8u
#define ATTR_ATIME 0x10u
#define ATTR_MTIME 0x20u
#define ATTR_CTIME 0x40u

struct iattr {
	u32 valid;
	u32 mode, uid, gid;
	s64 size;
	struct linux_timespec atime, mtime, ctime;
};

/*
 * Inode operations. dir ops run under vfs_lock with dir already checked
 * to be a directory the caller may write, name a single component the VFS
 * has checked does not (create, mkdir, symlink, mknod, link) or does
 * (unlink, rmdir) exist. Ops that make an inode return a new reference
 * to it (the directory keeps its own) or ERR_PTR.
 *
 * NULL means (as Linux): lookup -ENOTDIR; create -EACCES; mkdir, symlink,
 * mknod, link, unlink, rmdir, rename -EPERM; readlink -EINVAL; setattr
 * and getattr act on struct inode's own fields (all an in-memory file
 * system needs, but for a size change: setattr NULL with ATTR_SIZE is
 * -EPERM).
 */
struct inode_ops {
	/* A new reference to dir's entry name, or ERR_PTR(-ENOENT). */
	struct inode *(*lookup)(struct inode *dir, const char *name);
	struct inode *(*create)(struct inode *dir, const char *name, u32 mode,
				const struct vfs_cred *c);
	struct inode *(*mkdir)(struct inode *dir, const char *name, u32 mode,
			       const struct vfs_cred *c);
	struct inode *(*symlink)(struct inode *dir, const char *name, const char *target,
				 const struct vfs_cred *c);
	struct inode *(*mknod)(struct inode *dir, const char *name, u32 mode, u64 rdev,
			       const struct vfs_cred *c);
	int (*link)(struct inode *dir, const char *name, struct inode *inode);
	int (*unlink)(struct inode *dir, const char *name, struct inode *inode);
	/* -ENOTEMPTY unless inode is an empty directory. */
	int (*rmdir)(struct inode *dir, const char *name, struct inode *inode);
	/*
	 * Move odir/oname to ndir/nname, replacing what is there (the VFS
	 * has checked types and RENAME_NOREPLACE), or swap the two with
	 * LINUX_RENAME_EXCHANGE. -ENOTEMPTY if a directory to replace is not
	 * empty.
	 */
	int (*rename)(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
		      unsigned flags);
	/* Copy at most size bytes of the target (no NUL); returns its length. */
	int (*readlink)(struct inode *inode, char *buf, size_t size);
	/*
	 * A magic link (procfs's fd/<n>): the path a walk through it jumps
	 * to, a new reference, rather than its text, which need not resolve
	 * (a deleted file, a memfd). -EOPNOTSUPP: walk the text instead.
	 * Called under vfs_lock.
	 */
	int (*jump)(struct inode *inode, struct path *out);
	/* Caller holds inode->lock and has checked permissions. */
	int (*setattr)(struct inode *inode, const struct iattr *ia);
	/* Caller holds inode->lock. */
	int (*getattr)(struct inode *inode, struct kstat *st);
	/*
	 * Extended attributes (xattr.h), called without inode->lock (the
	 * overlay's copy-up needs vfs_lock, which orders before it). name is
	 * whole, prefix and all; the VFS has checked the namespace and the
	 * caller's rights. getxattr: the value's length, 0 size asking only
	 * that; -ERANGE if it does not fit, -ENODATA if absent. setxattr:
	 * flags XATTR_CREATE (-EEXIST) or XATTR_REPLACE (-ENODATA). listxattr:
	 * every name, NUL-terminated, as getxattr sizes. removexattr:
	 * -ENODATA if absent. Set and remove update ctime. NULL: -EOPNOTSUPP,
	 * and an empty list.
	 */
	ssize_t (*getxattr)(struct inode *inode, const char *name, void *buf, size_t size);
	int (*setxattr)(struct inode *inode, const char *name, const void *value, size_t size,
			int flags);
	ssize_t (*listxattr)(struct inode *inode, char *buf, size_t size);
	int (*removexattr)(struct inode *inode, const char *name);
};

/*
 * Initialise a new inode with one reference and times now, owned by c's
 * fsuid and fsgid, or by dir's group when dir (NULL for a root) is
 * set-group-ID (new directories then inherit S_ISGID), as Linux's
 * inode_init_owner does.
 */
void inode_init(struct inode *inode, struct super_block *sb, const struct inode *dir, u32 mode,
		const struct vfs_cred *c);
/* Apply ia's mode, owner and times to inode's fields; caller holds its lock. */
void inode_apply_attr(struct inode *inode, const struct iattr *ia);
struct inode *inode_get(struct inode *inode);
/* NULL-safe; the last put destroys it through sb->ops. */
void inode_put(struct inode *inode);
/*
 * Write access against running programs (writecount): a writer's get
 * fails with -ETXTBSY while a program runs from inode, a program's deny
 * while a writer has it open. Each success is undone by its put/allow.
 */
int inode_get_write_access(struct inode *inode) __must_check;
void inode_put_write_access(struct inode *inode);
int inode_deny_write_access(struct inode *inode) __must_check;
void inode_allow_write_access(struct inode *inode);
/* Set the times named by ATTR_ATIME/MTIME/CTIME to now; caller holds the lock. */
void inode_touch(struct inode *inode, u32 which);
void vfs_now(struct linux_timespec *ts);
/* Update atime as a relatime mount does (takes inode->lock). */
void inode_accessed(struct inode *inode);

/* permission() masks */
#define MAY_EXEC 0x1
#define MAY_WRITE 0x2
#define MAY_READ 0x4

/* Linux's generic_permission: mode bits, then the capability overrides. */
int inode_permission(struct inode *inode, int mask, const struct vfs_cred *c);

/* A directory listing in progress (getdents). */
struct dir_context {
	/*
	 * Emit one entry; next is the position just after it. Returns false
	 * when the caller's buffer is full: the iterator stops and ctx->pos
	 * stays at this entry. The iterator sets ctx->pos = next otherwise.
	 */
	bool (*emit)(struct dir_context *ctx, const char *name, size_t len, u64 ino, unsigned type,
		     s64 next);
	s64 pos;
};

/* The DT_* type of a mode. */
unsigned vfs_dtype(u32 mode);

/*
 * The "." (ino) and ".." (parent_ino) entries at positions 0 and 1, those
 * ctx->pos has not passed: false if the buffer filled, as emit.
 */
bool dir_emit_dots(struct dir_context *ctx, u64 ino, u64 parent_ino);

/*
 * File systems, by name: an explicit array in mount.c. mount returns a
 * super block with one reference, or ERR_PTR.
 */
struct fs_type {
	const char *name;
	struct super_block *(*mount)(const char *options);
};
const struct fs_type *vfs_find_fs_type(const char *name);

/* Character devices, by device number (devices.c). NULL if none: -ENXIO. */
const struct file_ops *chrdev_ops(u64 rdev);

/*
 * Where a path operation starts: the caller's root (where "/" and ".."
 * stop), the directory relative names start from (cwd or a dirfd), the
 * credentials and umask. The paths are borrowed for the call.
 */
struct vfs_ctx {
	const struct vfs_cred *cred;
	struct path root;
	struct path start;
	u32 umask;
	u64 resolve; /* LINUX_RESOLVE_* (openat2) */
};

/* Lookup flags */
#define LOOKUP_FOLLOW 0x1    /* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define LOOKUP_EMPTY 0x4     /* "" names ctx->start itself (AT_EMPTY_PATH) */

void path_get(const struct path *p);
/* NULL-safe (a {NULL, NULL} path is fine). */
void path_put(struct path *p);
/* The inode at p: borrowed, valid while p is held. */
struct inode *path_inode(const struct path *p);

/* Resolve name to a path (a new reference in *out). */
int vfs_lookup(const struct vfs_ctx *ctx, const char *name, unsigned flags,
	       struct path *out) __must_check;

/*
 * open(2) and openat2(2): flags are O_* (all of them; unknown ones are
 * ignored, as open does), mode the creation mode before the umask. On
 * success *out is a new file.
 */
int vfs_open(const struct vfs_ctx *ctx, const char *name, int flags, u32 mode,
	     struct file **out) __must_check;
/* Open an inode the VFS already found (p borrowed), as open does after lookup. */
int vfs_open_path(const struct vfs_ctx *ctx, const struct path *p, int flags,
		  struct file **out) __must_check;

/* Data I/O on any file, with the semantics documented at file_ops. */
ssize_t vfs_read(struct file *f, void *buf, size_t len, s64 *pos);
ssize_t vfs_write(struct file *f, const void *buf, size_t len, s64 *pos);
/* Lock the file position for a read/write; returns NULL for stream files. */
s64 *vfs_pos_lock(struct file *f);
void vfs_pos_unlock(struct file *f, s64 *pos);
s64 vfs_llseek(struct file *f, s64 off, int whence);
/* List a directory from f->pos through ctx->emit; updates f->pos. */
int vfs_iterate(struct file *f, struct dir_context *ctx) __must_check;
int vfs_fsync(struct file *f) __must_check;

/*
 * For file systems' directory file_ops: lseek to a directory position
 * (SEEK_SET, SEEK_CUR; -EINVAL otherwise, as Linux's dcache_dir_lseek;
 * seq_lseek, for generated files, is the same) and read(2) of a directory
 * (-EISDIR). Caller holds f->pos_lock.
 */
s64 generic_dir_llseek(struct file *f, s64 off, int whence);
ssize_t generic_dir_read(struct file *f, void *buf, size_t len, s64 *pos);

/* Directory entries. */
int vfs_mkdir(const struct vfs_ctx *ctx, const char *name, u32 mode) __must_check;
int vfs_mknod(const struct vfs_ctx *ctx, const char *name, u32 mode, u64 rdev) __must_check;
int vfs_rmdir(const struct vfs_ctx *ctx, const char *name) __must_check;
int vfs_unlink(const struct vfs_ctx *ctx, const char *name) __must_check;
int vfs_symlink(const char *target, const struct vfs_ctx *ctx, const char *name) __must_check;
/* lflags: LOOKUP_FOLLOW / LOOKUP_EMPTY for the old name (linkat's flags). */
int vfs_link(const struct vfs_ctx *octx, const char *oname, const struct vfs_ctx *nctx,
	     const char *nname, unsigned lflags) __must_check;
/* flags: LINUX_RENAME_NOREPLACE or LINUX_RENAME_EXCHANGE. */
int vfs_rename(const struct vfs_ctx *octx, const char *oname, const struct vfs_ctx *nctx,
	       const char *nname, unsigned flags) __must_check;
/* readlink(2) of the symlink at p (no NUL added); returns its length. */
int vfs_readlink(const struct path *p, char *buf, size_t size) __must_check;

/* Attributes, on a path the caller holds (from vfs_lookup or a file). */
int vfs_getattr(const struct path *p, struct kstat *st) __must_check;
/* fstat: through the inode, or ops->stat for files outside the VFS. */
int vfs_fstat(struct file *f, struct kstat *st) __must_check;
int vfs_chmod(const struct path *p, u32 mode, const struct vfs_cred *c) __must_check;
/* uid/gid (u32)-1: unchanged. */
int vfs_chown(const struct path *p, u32 uid, u32 gid, const struct vfs_cred *c) __must_check;
/* truncate(2); ftruncate checks the file was opened for writing first. */
int vfs_truncate(const struct path *p, s64 len, const struct vfs_cred *c) __must_check;
int vfs_ftruncate(struct file *f, s64 len, const struct vfs_cred *c) __must_check;
/*
 * Before a write or truncate changes a regular file's data (Linux's
 * file_remove_privs): drop its set-user-ID bit, and its set-group-ID bit
 * if group-executable or c is outside its group, unless c has CAP_FSETID;
 * drop its file capabilities always. file_remove_privs does it for the
 * current task's writes through f; the Sentry's own writes keep them.
 */
int inode_remove_privs(struct inode *inode, const struct vfs_cred *c) __must_check;
int file_remove_privs(struct file *f) __must_check;
/*
 * utimensat: times[0] atime, times[1] mtime, each may be LINUX_UTIME_NOW
 * or LINUX_UTIME_OMIT in tv_nsec; times NULL sets both to now.
 */
int vfs_utimes(const struct path *p, const struct linux_timespec *times,
	       const struct vfs_cred *c) __must_check;
/* statfs(2) of the file system p is on. */
int vfs_statfs(const struct path *p, struct kstatfs *st) __must_check;
/* access(2) with mode R_OK|W_OK|X_OK (or F_OK). */
int vfs_access(const struct path *p, int mode, const struct vfs_cred *c) __must_check;

/* Per-task root, cwd and umask (Linux's fs_struct). */
struct fs_struct {
	pthread_mutex_t lock; /* guards root, cwd, umask */
	int refs;	      /* atomic */
	struct path root, cwd;
	u32 umask;
};

/* A new fs_struct at root and cwd (references taken), umask 022. */
struct fs_struct *fs_struct_create(const struct path *root, const struct path *cwd);
struct fs_struct *fs_struct_get(struct fs_struct *fs);
/* A separate copy of src's root, cwd and umask (clone without CLONE_FS). NULL if out of memory. */
struct fs_struct *fs_struct_copy(struct fs_struct *src);
void fs_struct_put(struct fs_struct *fs);
/* New references to fs's root and cwd. */
void fs_struct_paths(struct fs_struct *fs, struct path *root, struct path *cwd);
/* Set the umask (& 0777); returns the old one. */
u32 fs_struct_umask(struct fs_struct *fs, u32 umask);
u32 fs_struct_umask_get(struct fs_struct *fs);
/* chdir/fchdir to p: -ENOTDIR, -EACCES without search permission. */
int vfs_chdir(struct fs_struct *fs, const struct path *p, const struct vfs_cred *c) __must_check;
/*
 * getcwd(2): the cwd's path from the root into buf, NUL-terminated.
 * Returns the length with the NUL, -ERANGE if it does not fit, -ENOENT if
 * the cwd was removed. A cwd outside the root is "(unreachable)/...".
 */
long vfs_getcwd(struct fs_struct *fs, char *buf, size_t size) __must_check;
/* The same for any path p as seen from root (d_path). */
long vfs_d_path(const struct path *root, const struct path *p, char *buf, size_t size) __must_check;
/*
 * Linux's d_path as /proc shows paths: p from root, NUL-terminated in buf,
 * with " (deleted)" appended when p was unlinked. Returns the length
 * without the NUL, or -ENAMETOOLONG. Takes vfs_lock (may be held).
 */
long vfs_d_path_shown(const struct path *root, const struct path *p, char *buf, size_t size);

/*
 * The sandbox's mount tree until the gofer serves a root: a tmpfs root
 * with /dev (devfs), /proc (proc mounted there, its reference consumed;
 * NULL leaves an empty directory), /tmp (its own tmpfs, mode 1777), and
 * the directories of cwd, the last one owned by uid:gid (so the program
 * starts where runsk was started, as it will on the gofer root). Returns
 * the fs_struct of init, rooted there with its cwd at cwd.
 */
struct fs_struct *vfs_sandbox_root_proc(const char *cwd, u32 uid, u32 gid,
					struct super_block *proc);
/* The same with an empty /proc. */
struct fs_struct *vfs_sandbox_root(const char *cwd, u32 uid, u32 gid);

/*
 * mount(2) (namespace.c), Linux's do_mount: target resolved from ctx
 * (following symlinks), then, for a caller with CAP_SYS_ADMIN, as flags
 * (MS_*) say: MS_REMOUNT(|MS_BIND) changes a mount's flags, MS_BIND
 * (|MS_REC) binds source, MS_SHARED/SLAVE/PRIVATE/UNBINDABLE(|MS_REC)
 * change propagation, MS_MOVE moves source's mount, and otherwise a new
 * mount of fstype (tmpfs and devtmpfs new; proc, sysfs, cgroup2, devpts
 * the sandbox's one instance) with data's options. source, fstype and data
 * may be NULL. 0 or -errno.
 */
int vfs_mount(const struct vfs_ctx *ctx, const char *source, const char *target, const char *fstype,
	      u64 flags, const char *data) __must_check;
/* umount2(2) with MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW. */
int vfs_umount(const struct vfs_ctx *ctx, const char *target, int flags) __must_check;

/* Free every cached name nobody uses (before the gofer connection goes). */
void vfs_drop_caches(void);

struct gofer_client;
/*
 * The sandbox's mount tree on the tree the gofer serves over c (which must
 * outlive it): that tree, under an overlay with a tmpfs upper layer when
 * overlay is set (the image is never written), with devfs on /dev, proc on
 * /proc (its reference consumed; NULL: an empty read-only tmpfs) and an
 * empty read-only tmpfs on /sys, so nothing of the host's shows there.
 * Returns the fs_struct of init with its cwd at cwd (or / if the image
 * lacks it), or ERR_PTR.
 */
struct fs_struct *vfs_gofer_sandbox_root(struct gofer_client *c, bool overlay, const char *cwd,
					 struct super_block *proc);
/*
 * Make an OCI bundle's mounts in init's tree fs, in order (root.c): binds
 * are the gofer's trees (c), without an overlay, read-only if asked;
 * tmpfs gets its options; the Sentry's own types (proc, sysfs, devpts,
 * mqueue, cgroup) are already there. Missing mount points are made. Then
 * init's cwd is looked up again, as it may lie in a mount. 0 or -errno.
 */
struct sandbox_mount;
int vfs_sandbox_mounts(struct fs_struct *fs, struct gofer_client *c,
		       const struct sandbox_mount *mounts, unsigned n,
		       const char *cwd) __must_check;

#endif
