/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memfd_create(2)'s files: unlinked tmpfs files on an internal tmpfs that
 * no path reaches (Linux's shm_mnt), so their data is a shared memory
 * object like any tmpfs file's, sealable with fcntl(F_ADD_SEALS).
 */
#ifndef SENTRY_VFS_MEMFD_H
#define SENTRY_VFS_MEMFD_H

#include "vfs.h"

/*
 * A new memfd named "memfd:" name (name at most LINUX_MFD_NAME_MAX bytes,
 * checked by the caller), open for reading and writing, mode 0777, owned
 * by c's fsuid and fsgid; without sealable it starts with F_SEAL_SEAL.
 * /proc shows it as "/memfd:NAME (deleted)". *out gets the new file.
 * Returns 0 or -ENOMEM.
 */
int vfs_memfd_create(const char *name, bool sealable, const struct vfs_cred *c,
		     struct file **out) __must_check;

#endif
