/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open file descriptions and fd tables.
 *
 * A struct file is one open file description: what open(2) returns and
 * dup(2) shares. Files opened through the VFS (see vfs.h) carry the path
 * they were opened at; files from outside it (the host stdio of `runsk do`,
 * later pipes and sockets) have a NULL path and answer fstat through their
 * own .stat op.
 *
 * Lock order (with vfs.h): file->pos_lock > vfs_lock > inode->lock;
 * fdtable->lock is a leaf (nothing is called under it but file_get).
 */
#ifndef SENTRY_VFS_FILE_H
#define SENTRY_VFS_FILE_H

#include <pthread.h>
#include <sys/types.h>

#include "abi/linux/abi.h"
#include "mm/mm.h"

struct file;
struct task;
struct inode;
struct mount;
struct dentry;
struct dir_context;
struct poll_table;

/* A place in the mount tree. Holders of a path hold a reference on both. */
struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* What stat and statx report, before conversion to either guest layout. */
struct kstat {
	u32 mask; /* LINUX_STATX_* that are filled in */
	u32 mode, nlink, uid, gid;
	u32 blksize;
	u64 dev, rdev, ino, mnt_id;
	s64 size;
	u64 blocks; /* 512-byte units */
	struct linux_timespec atime, mtime, ctime, btime;
};

/*
 * Operations on an open file. pos is NULL for stream I/O without a
 * VFS-kept position (FMODE_STREAM: the host keeps it), else the position
 * to read or write at, which the op advances by what it transferred
 * (&f->pos for read/write, a local for pread/pwrite). Writes to an
 * O_APPEND file move *pos to the end first.
 *
 * A NULL op means: open nothing to do; read/write -EINVAL; llseek -ESPIPE;
 * iterate -ENOTDIR; fsync -EINVAL; ioctl -ENOTTY; stat: ask the inode
 * (files with a path), else -EBADF; release nothing to free; poll: always
 * ready for reading and writing (POLL_DEFAULT_MASK, as Linux); fcntl
 * -EBADF (what Linux answers the pipe size commands on a non-pipe);
 * real_file: f is its own; mmap: see there.
 */
struct file_ops {
	int (*open)(struct inode *inode, struct file *f);
	ssize_t (*read)(struct file *f, void *buf, size_t len, s64 *pos);
	/*
	 * Optional: read as far as the file can without blocking, straight
	 * into guest memory (buf; the caller holds the guest's mm lock, so
	 * nothing here may wait, and only locks that order after mm->lock,
	 * such as the inode's, may be taken). As read, with -EAGAIN
	 * when the first byte would wait (the caller then reads through
	 * read); a short count where waiting would begin or at the end.
	 */
	ssize_t (*read_nowait)(struct file *f, void *buf, size_t len, s64 *pos);
	ssize_t (*write)(struct file *f, const void *buf, size_t len, s64 *pos);
	/* Caller holds f->pos_lock. Returns the new position or -errno. */
	s64 (*llseek)(struct file *f, s64 off, int whence);
	/* Directory listing from ctx->pos; caller holds f->pos_lock and vfs_lock. */
	int (*iterate)(struct file *f, struct dir_context *ctx);
	int (*fsync)(struct file *f);
	/* fallocate(2) after vfs_fallocate's checks (NULL: -EOPNOTSUPP). */
	int (*fallocate)(struct file *f, int mode, s64 off, s64 len);
	long (*ioctl)(struct task *t, struct file *f, unsigned cmd, uaddr_t arg);
	int (*stat)(struct file *f, struct kstat *st);
	/*
	 * Readiness (sentry/vfs/poll.h): the LINUX_POLL* events that hold
	 * now; with a poll_table, first poll_wait() on every waitq woken when
	 * they may change. Must not block.
	 */
	u32 (*poll)(struct file *f, struct poll_table *pt);
	/* fcntl commands only some files know (F_GETPIPE_SZ, F_SETPIPE_SZ). */
	long (*fcntl)(struct file *f, int cmd, u64 arg);
	/* A stacked file's layer file, which mmap maps (overlay): a new reference or ERR_PTR. */
	struct file *(*real_file)(struct file *f);
	/*
	 * mmap of a file whose data is a shared memory object that mappings
	 * map directly (tmpfs, or a gofer file's page cache): the file's
	 * checks of the mapping (seals may add MM_NOWRITE to *mm_flags or
	 * refuse with -EPERM), then a new reference to the object or
	 * ERR_PTR. With MM_SHARED and no MM_NOWRITE the caller also gets a
	 * writable-mapping count to drop with shmem_unmap_writable once
	 * mapped. No op, or an op that returns NULL (a gofer file without a
	 * host descriptor): mm reads the file into private pages (filemap.c).
	 */
	struct shmem *(*mmap)(struct file *f, u32 prot, u32 *mm_flags);
	/* Free what the file system attached; the VFS frees the file itself. */
	void (*release)(struct file *f);
	/*
	 * An anon_inodefs file's name as Linux's anon_inode_getfile() is
	 * given it ("[eventfd]"), shown in /proc/<pid>/fd as
	 * "anon_inode:[eventfd]"; NULL for other files.
	 */
	const char *anon_name;
	/*
	 * O_ASYNC makes the file's readiness changes signals to its owner
	 * (fasync.h): the files with Linux's .fasync op, which are pipes,
	 * FIFOs, sockets, terminals and inotify instances.
	 */
	bool fasync;
};

/* f->mode bits: what this description may do. */
#define FMODE_READ 0x1u
#define FMODE_WRITE 0x2u
#define FMODE_STREAM 0x4u /* no VFS-kept position (read/write pass pos NULL) */
#define FMODE_PATH 0x8u	  /* O_PATH: only a place, no I/O */
/*
 * read/write see a syscall's iovecs gathered into one buffer, one op call
 * per 64 KiB: a pipe read returns what is there instead of blocking for
 * the next iovec, and a write of up to PIPE_BUF bytes from several iovecs
 * stays one atomic write. Stream files only; they fail a write from a bad
 * buffer as a whole (never partial_copy).
 */
#define FMODE_GATHER 0x10u
#define FMODE_POLL_REG 0x20u /* a regular file epoll takes (mqueue): its poll is its own */
#define FMODE_WRITER 0x40u   /* holds write access to its inode (inode_get_write_access) */
#define FMODE_READER 0x80u   /* counted in its inode's readcount (leases) */

struct file {
	const struct file_ops *ops;
	int refs;  /* atomic */
	u32 flags; /* O_* status flags (O_NONBLOCK, O_APPEND, access mode) */
	u32 mode;  /* FMODE_*, fixed at open */
	/*
	 * A bad pointer part-way through a write buffer: regular files take
	 * the bytes before it (a short write), pipes and the like fail the
	 * whole call with EFAULT, as Linux does.
	 */
	bool partial_copy;
	struct path path;	  /* {NULL, NULL} outside the VFS */
	struct inode *inode;	  /* path.dentry's inode, or NULL */
	pthread_mutex_t pos_lock; /* guards pos */
	s64 pos;
	void *private_data; /* the file system's */
	/* The epoll items watching f (epoll.c), or NULL. */
	struct list_head *f_ep;
	/* Owner, F_SETSIG signal and O_ASYNC callbacks (fasync.c), or NULL. */
	struct file_async *async;
};

/*
 * A new file of size bytes (>= sizeof(struct file), for types that embed
 * it first) with one reference, ops set, everything else zero. NULL if
 * out of memory. file_put frees it after ops->release.
 */
struct file *file_alloc(size_t size, const struct file_ops *ops);
struct file *file_get(struct file *f);
/*
 * A new reference to f unless its last put already began (Linux's
 * file_ref_get): for those who find f through a registration that its
 * release takes away (epoll items, O_ASYNC callbacks). f or NULL.
 */
struct file *file_get_active(struct file *f);
/* NULL-safe. The last put calls ops->release, drops the path, frees f. */
void file_put(struct file *f);

/* Drop f's epoll registrations at its last put (epoll.c). */
void eventpoll_release_file(struct file *f);

/* A file wrapping host fd (owned from now on). Returns ERR_PTR. */
struct file *hostfile_create(int host_fd, u32 flags);

/*
 * mmap(2) of f (filemap.c), for the syscall once it has decoded its
 * arguments and for the ELF loader mapping a segment: Linux's do_mmap
 * checks of the file, in its order, then mm_map_file (see mm.h: private
 * pages read on first touch, or a tmpfs file's frames, shared or
 * copy-on-write) or, for /dev/zero, mm_map_anon. mm_flags
 * are MM_* (MM_SHARED is MAP_SHARED); prot is PROT_*; off is a byte
 * offset. As Linux, the whole last page is mapped: bytes of the file past
 * a segment's end are there until the loader clears them (padzero).
 * mm holds its own reference to f while any VMA maps it; the caller
 * keeps its own. May block; takes mm->lock, so the caller must not hold
 * it, nor vfs_lock or an inode->lock: faults read f, and drop the
 * mapping's last reference to it, under mm->lock (file->pos_lock >
 * mm->lock > vfs_lock > inode->lock). Returns the address, or -EBADF
 * (O_PATH), -EINVAL (len 0, off not page-aligned, MM_GROWSDOWN),
 * -EOVERFLOW (off + len past the largest offset), -EACCES (f not open
 * for reading; MM_SHARED with PROT_WRITE and f not open for writing),
 * -ENODEV (neither a regular file nor /dev/zero; MM_SHARED of a regular
 * file open for writing whose data is not a shared memory object, which
 * mm cannot keep coherent with the file), -EPERM (a sealed memfd), or
 * mm_map_file's errors.
 */
long vfs_mmap_file(struct mm *mm, struct file *f, u64 addr, u64 len, u32 prot, u32 mm_flags,
		   u64 off) __must_check;

#define FDTABLE_MAX 1024

struct fdtable;
struct fdtable *fdtable_create(void);
/* Drop a reference; the last one closes every fd. NULL-safe. */
void fdtable_destroy(struct fdtable *t);
/* Another reference to t (clone with CLONE_FILES). */
struct fdtable *fdtable_share(struct fdtable *t);
/* A copy sharing the open files (fork; unshare(CLONE_FILES)). NULL if out of memory. */
struct fdtable *fdtable_copy(struct fdtable *src);
/* Close every close-on-exec fd (execve). */
void fdtable_close_on_exec(struct fdtable *t);
/* A new reference to the file at fd, or NULL (-EBADF). */
struct file *fdtable_get(struct fdtable *t, int fd);
/* Install f (reference consumed) at exactly fd, replacing what was there. */
int fdtable_install(struct fdtable *t, int fd, struct file *f, bool cloexec) __must_check;
/* Install f (reference consumed) at the lowest free fd >= min; -EMFILE if none. */
int fdtable_alloc(struct fdtable *t, int min, struct file *f, bool cloexec) __must_check;
/* Close fd: -EBADF if it is not open. */
int fdtable_close(struct fdtable *t, int fd) __must_check;
/* FD_CLOEXEC state of fd, or -EBADF. */
int fdtable_get_cloexec(struct fdtable *t, int fd);
int fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec) __must_check;
/* Does another task share t (CLONE_FILES)? */
bool fdtable_is_shared(struct fdtable *t);
/* close_range: close fds lo..hi (hi may be past the end), or mark them close-on-exec. */
void fdtable_close_range(struct fdtable *t, unsigned lo, unsigned hi, bool cloexec);

/*
 * Host data I/O through io_uring (one ring per host thread). pos NULL is
 * stream I/O at the host file's offset: a wait there releases the task's
 * vCPU and a signal for the task ends it with -ERESTARTSYS.
 */
ssize_t hostio_read(int fd, void *buf, size_t len, const s64 *pos);
/*
 * A positioned read only as far as it cannot block (the host's page
 * cache, or a memory file system): the bytes read (short where waiting
 * would begin, or at the end of the file), 0 at the end, -EAGAIN if it
 * would wait before the first byte, or -errno.
 */
ssize_t hostio_read_nowait(int fd, void *buf, size_t len, s64 pos);
ssize_t hostio_write(int fd, const void *buf, size_t len, const s64 *pos);
/* The host's poll(2) events of fd among events, without blocking; or -errno. */
int hostio_poll(int fd, u32 events);

#endif
