/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VFS environment for unit tests: the sandbox's root tree
 * (vfs_sandbox_root: tmpfs root, /dev, /tmp, ...) with a context that has
 * every capability, starting at the working directory. Shared by the VFS
 * tests (test_namei.c, test_mount.c, test_acl.c) so each keeps only what
 * it tests.
 */
#ifndef TESTS_UNIT_SENTRY_VFS_ENV_H
#define TESTS_UNIT_SENTRY_VFS_ENV_H

#include "sentry/vfs/vfs.h"

struct vfs_env {
	struct fs_struct *fs;
	struct vfs_ctx ctx; /* all capabilities; root and start = root and cwd */
	struct path root, cwd;
};

/*
 * Set up the environment, with its cwd at workdir (made if missing) and
 * ctx's umask umask; asserts success. There is one, static, set up at
 * most once at a time: the sandbox root's mounts are never freed (no
 * umount of the root), and the static env keeps them reachable after
 * vfs_env_teardown so that the leak checker reports only real leaks.
 */
struct vfs_env *vfs_env_init(const char *workdir, u32 umask);

/* cmocka setup: *state = vfs_env_init("/", 0). */
int vfs_env_setup(void **state);
/* cmocka teardown of either: drops the env's references. */
int vfs_env_teardown(void **state);

#endif
