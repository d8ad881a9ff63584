/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the file syscall handlers (sys_file.c, sys_stat.c, sys_dir.c,
 * sys_path.c): path arguments, where *at() lookups start, credentials.
 */
#ifndef SENTRY_SYSCALLS_SYS_PATH_H
#define SENTRY_SYSCALLS_SYS_PATH_H

#include "sentry/vfs/vfs.h"
#include "syscalls.h"

/* Where one path argument is resolved from; ctx points into the struct. */
struct at_ctx {
	struct vfs_ctx ctx;
	struct vfs_cred cred;
	struct path root, start;
};

/* The VFS's view of t's credentials (uid 0 holds every capability). */
void task_vfs_cred(const struct task *t, struct vfs_cred *c);

/*
 * Copy a path argument into buf (LINUX_PATH_MAX bytes). Returns its length,
 * -EFAULT or -ENAMETOOLONG. An empty path is the caller's to judge.
 */
long path_arg(struct task *t, uaddr_t upath, char *buf) __must_check;

/*
 * Prepare to resolve name from dirfd (AT_FDCWD: the cwd; ignored for an
 * absolute name). An empty name is -ENOENT unless empty_ok (AT_EMPTY_PATH).
 * Returns -EBADF or -ENOTDIR for a bad dirfd. at_end releases it.
 */
int at_begin(struct task *t, int dirfd, const char *name, bool empty_ok,
	     struct at_ctx *at) __must_check;
/* As at_begin, but with scoped the dirfd is the start even of absolute names. */
int at_begin_scoped(struct task *t, int dirfd, const char *name, bool empty_ok, bool scoped,
		    struct at_ctx *at) __must_check;
void at_end(struct at_ctx *at);

/* Resolve (dirfd, upath) with LOOKUP_* flags into *out (a new reference). */
long at_lookup(struct task *t, int dirfd, uaddr_t upath, unsigned lflags,
	       struct path *out) __must_check;

/* The file at fd for an operation O_PATH files cannot do; NULL: -EBADF. */
struct file *fd_file(struct task *t, int fd);

static inline void file_putp(struct file **f)
{
	file_put(*f);
}
#define _cleanup_file_ __attribute__((cleanup(file_putp)))

static inline void path_putp(struct path *p)
{
	path_put(p);
}
#define _cleanup_path_ __attribute__((cleanup(path_putp)))

#endif
