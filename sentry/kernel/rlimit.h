/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resource limits that end in a signal or an error at the point of use:
 * RLIMIT_FSIZE on writes and truncates (SIGXFSZ and EFBIG), RLIMIT_CPU
 * (SIGXCPU, then SIGKILL at the hard limit), RLIMIT_NPROC on clone.
 * The values live in each process's thread_group (sys_info.c's prlimit64
 * sets them; fork copies them).
 *
 * Lock order: k->lock is the only lock taken here.
 */
#ifndef SENTRY_KERNEL_RLIMIT_H
#define SENTRY_KERNEL_RLIMIT_H

#include <sys/types.h>

#include "lib/compiler.h"

struct file;
struct kernel;
struct task;

/*
 * Before a write of *len bytes to f at *pos (pos NULL: a stream): for a
 * regular file, shorten *len so the file stays within the calling task's
 * RLIMIT_FSIZE, or return -EFBIG with SIGXFSZ sent when the write starts
 * at or past it (Linux's generic_write_check_limits). 0 otherwise.
 */
int rlimit_fsize_write(struct file *f, const s64 *pos, size_t *len) __must_check;
/* Before a truncate from size to new_size: -EFBIG and SIGXFSZ past RLIMIT_FSIZE. */
int rlimit_fsize_truncate(s64 size, s64 new_size) __must_check;

/*
 * clone: -EAGAIN when p's real uid already has RLIMIT_NPROC tasks, unless
 * it is root or holds CAP_SYS_RESOURCE or CAP_SYS_ADMIN. k->lock held.
 */
int rlimit_nproc_check_locked(struct task *p) __must_check;

/* RLIMIT_CPU changed (k->lock not held): start or stop checking CPU time. */
void rlimit_cpu_update(struct kernel *k);
/* Stop the RLIMIT_CPU check for good (k is being torn down). No lock held. */
void rlimit_cpu_stop(struct kernel *k);

#endif
