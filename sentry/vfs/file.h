/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open file descriptions and fd tables. Today the only files are the host
 * file descriptors of `runsk do`'s stdio; the VFS issue grows this into
 * mounts, dentries and inodes behind the same file_ops.
 */
#ifndef SENTRY_VFS_FILE_H
#define SENTRY_VFS_FILE_H

#include <sys/types.h>

#include "abi/linux/abi.h"
#include "mm/mm.h"

struct file;
struct task;

/*
 * Operations on an open file. pos is NULL for stream I/O (the file's own
 * position, if any), or the offset for pread/pwrite. A NULL op means:
 * read/write -EINVAL, ioctl -ENOTTY, stat -EBADF.
 */
struct file_ops {
	ssize_t (*read)(struct file *f, void *buf, size_t len, const s64 *pos);
	ssize_t (*write)(struct file *f, const void *buf, size_t len, const s64 *pos);
	long (*ioctl)(struct task *t, struct file *f, unsigned cmd, uaddr_t arg);
	int (*stat)(struct file *f, struct linux_stat *st);
	void (*release)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	int refs;  /* atomic */
	u32 flags; /* O_* status flags (O_NONBLOCK, O_APPEND, access mode) */
	/*
	 * A bad pointer part-way through a write buffer: regular files take
	 * the bytes before it (a short write), pipes and the like fail the
	 * whole call with EFAULT, as Linux does.
	 */
	bool partial_copy;
};

struct file *file_get(struct file *f);
void file_put(struct file *f);

/* A file wrapping host fd (owned from now on). Returns ERR_PTR. */
struct file *hostfile_create(int host_fd, u32 flags);

#define FDTABLE_MAX 1024

struct fdtable;
struct fdtable *fdtable_create(void);
void fdtable_destroy(struct fdtable *t);
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

/* Host data I/O through io_uring (one ring per host thread). */
ssize_t hostio_read(int fd, void *buf, size_t len, const s64 *pos);
ssize_t hostio_write(int fd, const void *buf, size_t len, const s64 *pos);

#endif
