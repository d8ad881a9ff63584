/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended attributes: the checks Linux's fs/xattr.c and commoncap make
 * before any file system is asked (namespaces, permissions, the
 * security.capability format), a small in-memory store that file systems
 * without a backing store embed in their inodes (tmpfs), and the file
 * capabilities execve reads.
 *
 * Namespaces, as Linux without an LSM:
 *   user.*     regular files and directories only (others: EPERM to set,
 *              ENODATA to get), read and write permission as the data;
 *              a sticky directory's only for its owner or CAP_FOWNER.
 *   trusted.*  CAP_SYS_ADMIN; without it EPERM to change, ENODATA to get,
 *              and left out of lists.
 *   security.* anyone may read; changing needs CAP_SYS_ADMIN, but
 *              security.capability needs CAP_SETFCAP and a well-formed
 *              VFS_CAP_REVISION_2 or _3 value.
 *   system.posix_acl_access/default: POSIX ACLs (acl.h), checked and
 *              mirrored into the mode there; other system.* names and
 *              names without a known prefix: EOPNOTSUPP.
 * Whether a file system keeps a namespace is its own business (its
 * inode_ops): goferfs passes only user.* to the host.
 *
 * Locking: the vfs_* calls take no lock themselves and may block (the
 * file system's ops may talk to the gofer or copy up). The simple_xattr_*
 * calls run under the lock of the inode that embeds the store.
 */
#ifndef SENTRY_VFS_XATTR_H
#define SENTRY_VFS_XATTR_H

#include <sys/types.h>

#include "abi/linux/capability.h"
#include "lib/list.h"
#include "vfs.h"

#define LINUX_XATTR_CREATE 0x1
#define LINUX_XATTR_REPLACE 0x2
#define LINUX_XATTR_NAME_MAX 255
#define LINUX_XATTR_SIZE_MAX 65536
#define LINUX_XATTR_LIST_MAX 65536

/* File capabilities, and the size of their largest (revision 3) value. */
#define XATTR_CAPS "security.capability"
#define XATTR_CAPS_MAX 24

/* Does name start with prefix (e.g. "user.")? */
static inline bool xattr_has_prefix(const char *name, const char *prefix)
{
	while (*prefix)
		if (*name++ != *prefix++)
			return false;
	return true;
}

/*
 * The extended attributes of one in-memory inode. The names and values
 * an inode keeps are bounded (SIMPLE_XATTR_SPACE_MAX, -ENOSPC past it),
 * as Linux's tmpfs charges them to its inode space, so a guest cannot
 * grow the Sentry without limit through one file.
 */
struct simple_xattrs {
	struct list_head list; /* struct simple_xattr, in the order set */
	size_t space;	       /* bytes charged: names, values and headers */
};

#define SIMPLE_XATTR_SPACE_MAX (256 * 1024)

void simple_xattrs_init(struct simple_xattrs *x);
/* What setting name to a value of size bytes adds to simple_xattrs.space, at most. */
size_t simple_xattr_space(const char *name, size_t size);
/* Free every attribute (the inode is going). */
void simple_xattrs_free(struct simple_xattrs *x);
/* As inode_ops.getxattr; the caller holds the inode's lock. */
ssize_t simple_xattr_get(const struct simple_xattrs *x, const char *name, void *buf, size_t size);
/* As inode_ops.setxattr, value NULL removing; -ENOSPC, -ENOMEM. */
int simple_xattr_set(struct simple_xattrs *x, const char *name, const void *value, size_t size,
		     int flags) __must_check;
/* As inode_ops.listxattr, the ACL names first as Linux's. */
ssize_t simple_xattr_list(const struct simple_xattrs *x, char *buf, size_t size);

/*
 * The xattr calls on the file at p (an open file's path, or a lookup's)
 * for a caller with credentials c, with Linux's checks and errors in
 * Linux's order; value and buffers are the Sentry's. get and list return
 * the length (size 0: the length it would be), -ERANGE for a short
 * buffer, -E2BIG for more than Linux's syscalls can carry. set and
 * remove send IN_ATTRIB.
 */
ssize_t vfs_getxattr(const struct path *p, const char *name, void *buf, size_t size,
		     const struct vfs_cred *c);
int vfs_setxattr(const struct path *p, const char *name, const void *value, size_t size, int flags,
		 const struct vfs_cred *c) __must_check;
ssize_t vfs_listxattr(const struct path *p, char *buf, size_t size, const struct vfs_cred *c);
int vfs_removexattr(const struct path *p, const char *name, const struct vfs_cred *c) __must_check;

/* A program file's capabilities (security.capability, Linux's cpu_vfs_cap_data). */
struct vfs_file_caps {
	u64 permitted, inheritable; /* 1ULL << LINUX_CAP_* */
	bool effective;		    /* VFS_CAP_FLAGS_EFFECTIVE */
};

/*
 * Read inode's file capabilities for execve, as Linux's
 * get_vfs_caps_from_disk: 1 and *out filled if it has some, 0 if none
 * (or a VFS_CAP_REVISION_3 value for another namespace's root), -EINVAL
 * if the value is malformed (execve then fails, as Linux's does). May
 * block.
 */
int vfs_get_file_caps(struct inode *inode, struct vfs_file_caps *out) __must_check;

#endif
