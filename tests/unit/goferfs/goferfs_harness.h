/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The goferfs tests' scaffolding: a real gofer (gofer_run, as `runsk
 * gofer` runs it) in a forked child serving a scratch tree, mounted
 * twice through goferfs (read-write and GOFERFS_RDONLY), and helpers to
 * look at the host tree and through the VFS.
 */
#ifndef TESTS_UNIT_GOFERFS_GOFERFS_HARNESS_H
#define TESTS_UNIT_GOFERFS_GOFERFS_HARNESS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "gofer/client.h"
#include "sentry/vfs/goferfs/goferfs.h"
#include "sentry/vfs/vfs_internal.h"

extern const struct vfs_cred root_cred; /* every capability */
extern const struct vfs_cred user_cred; /* uid and gid 1000, none */

/* Everything lives here, reachable, for the whole run. */
struct goferfs_env {
	char scratch[64];
	pid_t gofer;
	struct gofer_client *c;
	struct path root, ro_root;
	struct vfs_ctx ctx, ro_ctx, user_ctx; /* umask 0 */
};
extern struct goferfs_env env;

/*
 * Group setup: a scratch tree (mode 0755) holding hello.txt ("hello,
 * world\n"), sub/inner and the symlink link -> hello.txt; the gofer; both
 * mounts. Call from main before any thread exists (the gofer forks).
 */
int goferfs_setup(void **state);
int goferfs_teardown(void **state);
/* Skip (exit 77) unless root: the gofer makes namespaces. */
void goferfs_require_root(void);

/* The scratch tree's rel on the host (two calls' results stay valid). */
const char *host_path(const char *rel);
void host_write(const char *rel, const char *data);
/* The host file's contents, NUL-terminated (a static buffer). */
const char *host_read(const char *rel);
struct stat host_stat(const char *rel);
bool host_exists(const char *rel);

/* Through the VFS; each fails the test on error but vlookup. */
struct kstat vstat(const struct vfs_ctx *ctx, const char *name);
int vlookup(const struct vfs_ctx *ctx, const char *name, unsigned flags);
struct file *vopen(const struct vfs_ctx *ctx, const char *name, int flags, u32 mode);
void vwrite_at(struct file *f, const char *data, s64 pos);

#endif
