/* SPDX-License-Identifier: Apache-2.0 */
/*
 * overlay: a writable upper file system over a read-only lower one, with
 * Linux overlayfs semantics (Documentation/filesystems/overlayfs.rst):
 * lookups see the upper entry first; a whiteout (a 0/0 character device in
 * upper) hides the lower entry; an opaque upper directory hides the lower
 * directory's entries; directories present in both are merged. A
 * lower-only file is copied up (with its parent directories) before it
 * changes; the lower file system is never written. The sandbox's root is
 * an overlay of the image (goferfs) and a tmpfs.
 *
 * st_dev is the overlay's own; st_ino is the lower file's ino whenever
 * there is one (so it survives copy-up), else the upper's with bit 63 set
 * (so that files made in the overlay never collide with the image's).
 * See overlay_internal.h for the design and the deviations from Linux.
 */
#ifndef SENTRY_VFS_OVERLAY_OVERLAY_H
#define SENTRY_VFS_OVERLAY_OVERLAY_H

#include "sentry/vfs/vfs.h"

/*
 * An overlay of upper (writable; normally a fresh tmpfs, used by nothing
 * else) over lower (never written). Takes a reference to each. Returns a
 * super block with one reference, or ERR_PTR(-ENOMEM).
 */
struct super_block *overlay_mount(struct super_block *lower, struct super_block *upper);

#endif
