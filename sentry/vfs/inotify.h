/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inotify (inotify.c) and the fsnotify hooks the generic VFS calls when
 * something inside the sandbox changes a file, as Linux's
 * include/linux/fsnotify.h: each hook is an inline test of one global
 * watch count, so a sandbox that watches nothing pays one load per hook.
 *
 * A watch holds a reference to its inode (a watch is on the inode, so
 * hard links share it) and belongs to one inotify instance (an open file).
 * Events for a directory's children carry the child's name; the child's
 * own watches get the event too, without a name, after the directory's.
 *
 * Lock order: vfs_lock > fsnotify_lock (inotify.c: the inode -> watches
 * table) > an instance's lock > waitq->lock. Hooks called from the
 * namespace operations run under vfs_lock; the data hooks (read, write,
 * open, close, attributes) are called with no lock held, and take
 * vfs_lock only when a watch exists, to read the file's name and parent,
 * which a rename changes under it.
 */
#ifndef SENTRY_VFS_INOTIFY_H
#define SENTRY_VFS_INOTIFY_H

#include "abi/linux/abi.h"
#include "file.h"

/* The guest's inotify ABI (include/uapi/linux/inotify.h). */
#define LINUX_IN_ACCESS 0x00000001u
#define LINUX_IN_MODIFY 0x00000002u
#define LINUX_IN_ATTRIB 0x00000004u
#define LINUX_IN_CLOSE_WRITE 0x00000008u
#define LINUX_IN_CLOSE_NOWRITE 0x00000010u
#define LINUX_IN_OPEN 0x00000020u
#define LINUX_IN_MOVED_FROM 0x00000040u
#define LINUX_IN_MOVED_TO 0x00000080u
#define LINUX_IN_CREATE 0x00000100u
#define LINUX_IN_DELETE 0x00000200u
#define LINUX_IN_DELETE_SELF 0x00000400u
#define LINUX_IN_MOVE_SELF 0x00000800u
#define LINUX_IN_ALL_EVENTS 0x00000fffu
#define LINUX_IN_UNMOUNT 0x00002000u
#define LINUX_IN_Q_OVERFLOW 0x00004000u
#define LINUX_IN_IGNORED 0x00008000u
#define LINUX_IN_ONLYDIR 0x01000000u
#define LINUX_IN_DONT_FOLLOW 0x02000000u
#define LINUX_IN_EXCL_UNLINK 0x04000000u
#define LINUX_IN_MASK_CREATE 0x10000000u
#define LINUX_IN_MASK_ADD 0x20000000u
#define LINUX_IN_ISDIR 0x40000000u
#define LINUX_IN_ONESHOT 0x80000000u
/* Every bit inotify_add_watch knows (Linux's ALL_INOTIFY_BITS). */
#define LINUX_IN_ALL_BITS                                                                        \
	(LINUX_IN_ALL_EVENTS | LINUX_IN_UNMOUNT | LINUX_IN_Q_OVERFLOW | LINUX_IN_IGNORED |       \
	 LINUX_IN_ONLYDIR | LINUX_IN_DONT_FOLLOW | LINUX_IN_EXCL_UNLINK | LINUX_IN_MASK_CREATE | \
	 LINUX_IN_MASK_ADD | LINUX_IN_ISDIR | LINUX_IN_ONESHOT)
/* inotify_init1 flags: the O_ flags of the same values. */
#define LINUX_IN_CLOEXEC 02000000
#define LINUX_IN_NONBLOCK 04000

/* One record of read(2); name (len bytes, NUL-padded) follows. */
struct linux_inotify_event {
	s32 wd;
	u32 mask;
	u32 cookie;
	u32 len;
};
_Static_assert(sizeof(struct linux_inotify_event) == 16, "struct inotify_event");

/*
 * The limits /proc/sys/fs/inotify shows. Linux sizes max_user_watches
 * from memory (8192 at the least); the sandbox uses that floor, and
 * counts instances and watches per sandbox rather than per user.
 */
#define INOTIFY_MAX_USER_WATCHES 8192
#define INOTIFY_MAX_USER_INSTANCES 128
#define INOTIFY_MAX_QUEUED_EVENTS 16384

struct task;
struct path;
struct dentry;
struct inode;
struct super_block;

/*
 * A new inotify instance (an anon_inodefs file "inotify") with
 * O_NONBLOCK from flags; ERR_PTR(-EMFILE) past INOTIFY_MAX_USER_INSTANCES
 * or -ENOMEM.
 */
struct file *inotify_create(u32 flags);
/* Whether f is an inotify instance (the syscalls' -EINVAL check). */
bool file_is_inotify(const struct file *f);
/*
 * inotify_add_watch on the inode at p (held by the caller, already
 * looked up and permission-checked): the watch descriptor, or -EEXIST
 * (IN_MASK_CREATE and a watch exists), -ENOSPC (too many watches),
 * -ENOMEM.
 */
long inotify_add_watch(struct file *f, const struct path *p, u32 mask);
/* inotify_rm_watch: 0 after queueing IN_IGNORED, or -EINVAL. */
long inotify_rm_watch(struct file *f, s32 wd);

/* fcntl(F_NOTIFY)'s DN_* bits. */
#define LINUX_DN_ACCESS 0x00000001u
#define LINUX_DN_MODIFY 0x00000002u
#define LINUX_DN_CREATE 0x00000004u
#define LINUX_DN_DELETE 0x00000008u
#define LINUX_DN_RENAME 0x00000010u
#define LINUX_DN_ATTRIB 0x00000020u
#define LINUX_DN_MULTISHOT 0x80000000u
#define LINUX_F_NOTIFY 1026

struct fdtable;

/*
 * fcntl(fd, F_NOTIFY, arg) on f, a directory (-ENOTDIR otherwise): the
 * events of arg become signals to f's owner, which the caller becomes
 * (SIGIO, or F_SETSIG's signal with POLL_MSG and si_fd fd), once or, with
 * DN_MULTISHOT, until removed. A second call through the same fd table
 * adds events; an arg without events removes them. 0, -ENOSPC, -ENOMEM.
 */
long dnotify_fcntl(struct task *t, struct file *f, int fd, u32 arg);
/*
 * An fd of f in files is closed: what F_NOTIFY set through it goes.
 * files NULL: f itself goes (an execve left a watch's table behind).
 */
void dnotify_flush(struct file *f, const struct fdtable *files);

/* The number of watches in the sandbox: the hooks' one test. */
extern int fsnotify_nr_watches;

static inline bool fsnotify_active(void)
{
	return __atomic_load_n(&fsnotify_nr_watches, __ATOMIC_RELAXED) > 0;
}

/* The slow halves of the hooks below; call those instead. */
void __fsnotify_file(struct file *f, u32 mask);
void __fsnotify_change(struct dentry *d, u32 ia_valid);
void __fsnotify_create(struct dentry *dir, struct dentry *d);
void __fsnotify_link_count(struct inode *inode);
void __fsnotify_delete(struct dentry *dir, struct dentry *d, bool isdir);
void __fsnotify_rename(struct dentry *odir, const char *oname, struct dentry *ndir,
		       const char *nname, struct dentry *moved, struct dentry *target,
		       unsigned flags);
void __fsnotify_d_free(struct dentry *d);
void __fsnotify_sb_gone(struct super_block *sb);

/*
 * The last mount of sb is gone (mount.c's sb_put, before kill_sb): every
 * watch on one of its inodes gets IN_UNMOUNT, then IN_IGNORED, and goes,
 * as Linux's fsnotify_sb_delete. No lock held.
 */
static inline void fsnotify_sb_gone(struct super_block *sb)
{
	if (fsnotify_active())
		__fsnotify_sb_gone(sb);
}

/*
 * read, write, pread, ...: pass the syscall's result through; a
 * positive one is IN_ACCESS or IN_MODIFY (Linux's fsnotify_access and
 * fsnotify_modify). Returns ret. No lock held.
 */
static inline long fsnotify_rw(struct file *f, long ret, bool write)
{
	if (ret > 0 && fsnotify_active())
		__fsnotify_file(f, write ? LINUX_IN_MODIFY : LINUX_IN_ACCESS);
	return ret;
}

/* IN_ACCESS of a file (getdents). No lock held. */
static inline void fsnotify_access(struct file *f)
{
	if (fsnotify_active())
		__fsnotify_file(f, LINUX_IN_ACCESS);
}

/* IN_OPEN of a file just opened (not O_PATH). No lock held. */
static inline void fsnotify_open(struct file *f)
{
	if (fsnotify_active())
		__fsnotify_file(f, LINUX_IN_OPEN);
}

/* IN_CLOSE_WRITE or IN_CLOSE_NOWRITE at a file's last put. */
static inline void fsnotify_close(struct file *f)
{
	if (fsnotify_active())
		__fsnotify_file(f, (f->mode & FMODE_WRITE) ? LINUX_IN_CLOSE_WRITE
							   : LINUX_IN_CLOSE_NOWRITE);
}

/*
 * After a successful attribute change of d with these ATTR_* bits
 * (Linux's fsnotify_change: IN_ATTRIB, IN_MODIFY for a size or mtime
 * alone, IN_ACCESS for atime alone). Returns ret; events only if it is 0.
 * No lock held (not inode->lock).
 */
static inline int fsnotify_change(struct dentry *d, u32 ia_valid, int ret)
{
	if (!ret && fsnotify_active())
		__fsnotify_change(d, ia_valid);
	return ret;
}

/* Under vfs_lock: d was made in dir (IN_CREATE). */
static inline void fsnotify_create(struct dentry *dir, struct dentry *d)
{
	if (fsnotify_active())
		__fsnotify_create(dir, d);
}

/* Under vfs_lock: a link to inode was made (IN_ATTRIB; fsnotify_create follows). */
static inline void fsnotify_link_count(struct inode *inode)
{
	if (fsnotify_active())
		__fsnotify_link_count(inode);
}

/*
 * Under vfs_lock, after unlink or rmdir removed d from dir (d_unlink):
 * IN_ATTRIB (unlink), IN_DELETE_SELF and IN_IGNORED if that was the last
 * link and nothing else holds d, then IN_DELETE in dir.
 */
static inline void fsnotify_delete(struct dentry *dir, struct dentry *d, bool isdir)
{
	if (fsnotify_active())
		__fsnotify_delete(dir, d, isdir);
}

/*
 * Under vfs_lock, after a rename moved moved from odir/oname to
 * ndir/nname (d_move done), replacing target (NULL if none) or, with
 * RENAME_EXCHANGE, swapping with it: IN_MOVED_FROM and IN_MOVED_TO with
 * one cookie, IN_ATTRIB on a replaced target, IN_MOVE_SELF.
 */
static inline void fsnotify_rename(struct dentry *odir, const char *oname, struct dentry *ndir,
				   const char *nname, struct dentry *moved, struct dentry *target,
				   unsigned flags)
{
	if (fsnotify_active())
		__fsnotify_rename(odir, oname, ndir, nname, moved, target, flags);
}

/*
 * Under vfs_lock, as d is freed: the last name of an unlinked inode going
 * (IN_DELETE_SELF, then IN_IGNORED as its watches go), as Linux's
 * dentry_unlink_inode does when i_nlink is 0.
 */
static inline void fsnotify_d_free(struct dentry *d)
{
	if (fsnotify_active())
		__fsnotify_d_free(d);
}

#endif
