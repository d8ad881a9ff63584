/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file store of --overlay2=root:self: a sparse host file that holds the
 * file data of the root overlay's upper layer (the Sentry maps it after its
 * memory: mm/memfile.h), so that a container can write more to its root
 * than it has memory, and the writes count on the disk that holds the
 * container's root, as Kubernetes' ephemeral storage accounting expects.
 *
 * For an OCI container it is ROOTFS/.runsk.filestore.ID (the gofer hides
 * that name from the container: GOFER_HIDDEN_PREFIX), made by create (or
 * run) and removed when the sandbox ends and again by delete, which covers
 * a sandbox that was killed. It gets that name only once the container's
 * state records it (oci_filestore_name): a runsk killed before then leaves
 * no file that nothing would remove. For `runsk do` it has no name at all.
 */
#ifndef OCI_FILESTORE_H
#define OCI_FILESTORE_H

#include <sys/types.h>

#include "lib/compiler.h"

/* The root's writes: in memory (the default), in a file store, or to the rootfs. */
enum oci_overlay {
	OCI_OVERLAY_MEMORY, /* root:memory */
	OCI_OVERLAY_SELF,   /* root:self */
	OCI_OVERLAY_NONE,   /* none */
};

/*
 * "root:memory", "root:self" or "none" into *out: 0, or -EINVAL for
 * anything else, after one line on stderr that starts with "CMD:" (the
 * command's name, e.g. "runsk do") and names the value.
 */
int oci_overlay_parse(const char *cmd, const char *s, enum oci_overlay *out) __must_check;

struct oci_filestore {
	int fd;	   /* O_RDWR, close-on-exec; -1: none. The Sentry takes it over. */
	u64 size;  /* bytes the store may grow to (sandbox_config.filestore_size) */
	dev_t dev; /* the file made, so that only it is removed */
	ino_t ino;
	bool named; /* it has its name in the rootfs (oci_filestore_name) */
};
#define OCI_FILESTORE_NONE ((struct oci_filestore){.fd = -1})

/*
 * The store's size for a sandbox of memory bytes on a file system of
 * fs_bytes: all of it up to 16 GiB, in 2 MiB units, and never so much that
 * memory and store together pass 384 GiB (the Sentry's direct map of guest
 * memory holds 512: platform/kvm/pagetable.c). 0 if that leaves nothing.
 */
u64 oci_filestore_capacity(u64 fs_bytes, u64 memory);

/*
 * Make the store for container id in the directory rootfs, mode 0600, to
 * be called rootfs/.runsk.filestore.ID; -EEXIST if that name is taken
 * (by anything, a symlink too). It has no name until oci_filestore_name,
 * except on a file system without O_TMPFILE, where it is made with its
 * name at once (never through a symlink, never over an existing file).
 * id NULL: a file with no name ever (`runsk do`: nothing to hide, nothing
 * left after a crash). 0, or -errno after one line on stderr that starts
 * with "runsk CMD:" and names the file.
 */
int oci_filestore_create(const char *cmd, const char *rootfs, const char *id, u64 memory,
			 struct oci_filestore *fs) __must_check;

/*
 * Give the store made for id its name in rootfs, once the container's
 * state records it, so that `runsk delete` finds it: never over an existing
 * file. Nothing to do if it has one already, or is nameless for good
 * (id NULL), or fs->fd is closed. Needs /proc. 0, or -errno after one line
 * on stderr as oci_filestore_create's.
 */
int oci_filestore_name(const char *cmd, const char *rootfs, const char *id,
		       struct oci_filestore *fs) __must_check;

/*
 * Remove rootfs/.runsk.filestore.ID if it is the file fs made (fs NULL:
 * whatever regular file has that name: delete, after the sandbox is gone).
 * Closes fs->fd if the caller still holds it (not given to the Sentry).
 * id NULL (a nameless store) only closes. Nothing there is no error (a
 * store never named: its blocks go with its last fd).
 * 0 or -errno.
 */
int oci_filestore_remove(const char *rootfs, const char *id, struct oci_filestore *fs);

#endif
