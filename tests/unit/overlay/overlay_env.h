/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test overlay: a tmpfs lower populated through the VFS, a fresh tmpfs
 * upper, and the overlay of the two, each mounted as its own root so that
 * a test can look at both layers directly. The lower tree:
 *
 *   /etc/passwd "root:x:0:0\n"   /etc/hosts "127.0.0.1 localhost\n"
 *   /etc/app/conf "v=1\n" (0644)
 *   /bin/busybox "ELF" (0755)    /bin/sh -> busybox
 *   /data (0750, 1000:1000)/a (0700, 1001:1002)/b/c/deep.txt "deep\n"
 *   /hard1, /hard2: one file, "shared\n"; /data/l1/h, /data/l2/h: one file, "linked\n"
 *   /gone/x, /gone/y "x\n" "y\n"  /empty/
 *   /sparse: 3 bytes "end" at offset 1 MiB
 */
#ifndef TESTS_UNIT_OVERLAY_OVERLAY_ENV_H
#define TESTS_UNIT_OVERLAY_OVERLAY_ENV_H

#include "sentry/vfs/overlay/overlay.h"

struct env {
	struct super_block *lower, *upper, *ovl;
	struct path lroot, uroot, oroot;
	struct vfs_ctx l, u, o; /* root credentials, each at its own root */
	struct mount *mounts[3];
};

extern const struct vfs_cred root_cred;

int env_setup(void **state);
/*
 * Checks that no overlay inode outlives the test's references. Mounts
 * and super blocks are never freed (no umount yet): the env stays
 * reachable so that the leak checker reports only real leaks.
 */
int env_teardown(void **state);

/* Replace (or make) path's contents; asserts success. */
void put_file(const struct vfs_ctx *c, const char *path, const char *data);
/* path's contents into buf (NUL-terminated); the length or -errno. */
ssize_t get_file(const struct vfs_ctx *c, const char *path, char *buf, size_t size);
/* stat (following symlinks when follow); 0 or -errno. */
int stat_at(const struct vfs_ctx *c, const char *path, bool follow, struct kstat *st);

#define LIST_MAX 64
struct listing {
	int n, dots, dotdots;
	char names[LIST_MAX][64];
	u64 inos[LIST_MAX];
};
/*
 * List a directory through getdents-style calls of at most batch entries
 * each (continuing from the file position). Returns 0 or -errno.
 */
int list_dir(const struct vfs_ctx *c, const char *path, int batch, struct listing *out);
/* The names (without "." and "..") sorted and joined with ','. */
const char *listing_names(struct listing *l, char *buf, size_t size);
/* The d_ino listed for name, or 0. */
u64 listing_ino(const struct listing *l, const char *name);

#endif
