/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POSIX access control lists, as Linux's fs/posix_acl.c (acl(5)).
 *
 * An ACL travels and rests as the value of the xattr
 * system.posix_acl_access (the file's access ACL) or
 * system.posix_acl_default (a directory's ACL for what is made in it):
 * a little-endian header {u32 version = 2} and then entries {u16 tag,
 * u16 perm, u32 id}. A file system keeps ACLs by storing these two names
 * through its ordinary xattr ops (tmpfs does; goferfs refuses system.*,
 * so files there have none and setting one is EOPNOTSUPP, as on a Linux
 * file system without ACLs). Values are checked here before they reach
 * the file system, and stored as Linux gives them back (ids of unnamed
 * entries ACL_UNDEFINED_ID), so the file system returns them as they are.
 *
 * The VFS calls in here: get/set/remove of the two names (xattr.c), the
 * permission check (inode_permission), chmod (attr.c), the umask at
 * creation (dirops.c, open.c). File systems that keep ACLs call
 * acl_inherit_* when they make an inode in a directory.
 *
 * The ACL-to-mode mirroring: the access ACL's USER_OBJ, MASK (or
 * GROUP_OBJ without one) and OTHER are the mode's owner, group and other
 * bits; an access ACL with nothing more than those three is the mode
 * alone and is not stored. Ids are the guest's, as is (the sandbox has
 * one user namespace).
 *
 * Locking: none of its own; the inode calls may block (they use the file
 * system's xattr ops and take inode->lock for the mode), and are called
 * without inode->lock.
 */
#ifndef SENTRY_VFS_ACL_H
#define SENTRY_VFS_ACL_H

#include <string.h>
#include <sys/types.h>

#include "vfs.h"

#define ACL_XATTR_ACCESS "system.posix_acl_access"
#define ACL_XATTR_DEFAULT "system.posix_acl_default"

/* The guest's format (include/uapi/linux/posix_acl*.h). */
#define ACL_XATTR_VERSION 0x0002u
#define ACL_XATTR_HEADER_SIZE 4
#define ACL_XATTR_ENTRY_SIZE 8
#define ACL_UNDEFINED_ID 0xffffffffu

/* Entry tags, in the order a valid ACL lists them. */
#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20

#define ACL_READ 0x04
#define ACL_WRITE 0x02
#define ACL_EXECUTE 0x01

struct acl_entry {
	u16 tag, perm;
	u32 id; /* ACL_USER, ACL_GROUP only */
};

struct acl {
	u32 count;
	struct acl_entry e[];
};

static inline bool acl_is_xattr(const char *name)
{
	return strcmp(name, ACL_XATTR_ACCESS) == 0 || strcmp(name, ACL_XATTR_DEFAULT) == 0;
}

/*
 * Decode a guest's value, as Linux's posix_acl_from_xattr: a new ACL in
 * *out (free() it), or NULL for a header without entries. -EINVAL for a
 * size that is not a header and whole entries, an unknown tag or an
 * unmappable id (-1) of a named entry; -EOPNOTSUPP for another version;
 * -ENOMEM. Whether the entries make a valid ACL is acl_valid's question.
 */
int acl_from_xattr(const void *value, size_t size, struct acl **out) __must_check;
/* Linux's posix_acl_valid: each of USER_OBJ, GROUP_OBJ, OTHER once, in tag order, MASK if named entries. */
int acl_valid(const struct acl *acl) __must_check;
/* The value's size, and the value itself (buf at least that big). */
size_t acl_xattr_size(const struct acl *acl);
void acl_to_xattr(const struct acl *acl, void *buf);
/* A new ACL that is the encoding of acl (NULL: -ENOMEM). */
struct acl *acl_dup(const struct acl *acl);

/*
 * Linux's posix_acl_equiv_mode: put acl's permission bits into *mode's
 * rwx bits; 0 if the mode says all it says, 1 if not (named entries or a
 * mask), -EINVAL for an unknown tag.
 */
int acl_equiv_mode(const struct acl *acl, u32 *mode);
/* Linux's __posix_acl_chmod: acl's USER_OBJ, MASK (or GROUP_OBJ), OTHER from mode. */
void acl_chmod_masq(struct acl *acl, u32 mode);
/*
 * Linux's posix_acl_create_masq: a directory's default ACL (a copy, in
 * acl) and a creation mode limit each other; returns as acl_equiv_mode.
 */
int acl_create_masq(struct acl *acl, u32 *mode);
/*
 * Linux's posix_acl_permission: may c do mask (MAY_*) to a file owned by
 * uid and gid that has this access ACL? 0 or -EACCES (-EIO if malformed).
 */
int acl_check(const struct acl *acl, u32 uid, u32 gid, int mask, const struct vfs_cred *c);

/*
 * The VFS's side. acl_permission: inode_permission's check for a caller
 * that is not the owner, of a file whose mode has group bits: 0,
 * -EACCES, or -EAGAIN when the file has no access ACL (the mode decides).
 */
int acl_permission(struct inode *inode, u32 uid, u32 gid, int mask, const struct vfs_cred *c);
/* getxattr of name (acl_is_xattr): the value, as vfs_getxattr. */
ssize_t acl_xattr_get(struct inode *inode, const char *name, void *buf, size_t size);
/*
 * setxattr of name (value NULL or size 0, and removexattr: remove), with
 * Linux's checks in Linux's order, the mode mirrored for an access ACL,
 * and no XATTR_CREATE/REPLACE (Linux ignores them for ACLs too).
 */
int acl_xattr_set(struct inode *inode, const char *name, const void *value, size_t size,
		  const struct vfs_cred *c) __must_check;
/* After a chmod: the access ACL's mirrored entries follow inode's new mode. */
int acl_chmod(struct inode *inode) __must_check;
/*
 * The umask a creation in dir applies: none when dir has a default ACL
 * (its entries limit the mode instead: acl_inherit_prepare), else umask.
 */
u32 acl_create_umask(struct inode *dir, u32 umask);

/* The ACL values an inode made in a directory starts with (NULL: none). */
struct acl_new {
	void *access, *def;
	size_t access_size, def_size;
};

/*
 * Linux's posix_acl_create, for a file system that keeps ACLs: read dir's
 * default ACL, limit *mode (which the VFS has not umasked then) by it,
 * and fill n with the new inode's access ACL and, for a directory, its
 * default ACL. Symlinks get none. 0 or -errno; n needs acl_new_free.
 */
int acl_inherit_prepare(struct inode *dir, u32 *mode, struct acl_new *n) __must_check;
/* Store n's values on the new inode through its xattr ops. */
int acl_inherit_apply(struct inode *inode, const struct acl_new *n) __must_check;
void acl_new_free(struct acl_new *n);

#endif
