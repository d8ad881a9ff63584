// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes (xattr.h): the VFS's checks, in the order of Linux's
 * fs/xattr.c and security/commoncap.c, and the in-memory store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acl.h"
#include "inotify.h"
#include "vfs_internal.h"
#include "xattr.h"

/* Linux's vfs_cap_data (include/uapi/linux/capability.h), little-endian. */
#define VFS_CAP_REVISION_MASK 0xff000000u
#define VFS_CAP_REVISION_1 0x01000000u
#define VFS_CAP_REVISION_2 0x02000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u
#define XATTR_CAPS_SZ_1 12
#define XATTR_CAPS_SZ_2 20
#define XATTR_CAPS_SZ_3 XATTR_CAPS_MAX

struct simple_xattr {
	struct list_head link;
	size_t size;	/* of the value, after the name's NUL */
	size_t namelen; /* without the NUL */
	char data[];	/* name, NUL, value */
};

static size_t xattr_space(size_t namelen, size_t size)
{
	return sizeof(struct simple_xattr) + namelen + 1 + size;
}

size_t simple_xattr_space(const char *name, size_t size)
{
	return xattr_space(strlen(name), size);
}

void simple_xattrs_init(struct simple_xattrs *x)
{
	list_init(&x->list);
	x->space = 0;
}

void simple_xattrs_free(struct simple_xattrs *x)
{
	struct simple_xattr *e, *n;
	list_for_each_entry_safe(e, n, &x->list, link)
	{
		list_del(&e->link);
		free(e);
	}
	x->space = 0;
}

static struct simple_xattr *simple_xattr_find(const struct simple_xattrs *x, const char *name)
{
	struct simple_xattr *e;
	list_for_each_entry(e, &x->list, link) if (strcmp(e->data, name) == 0) return e;
	return NULL;
}

ssize_t simple_xattr_get(const struct simple_xattrs *x, const char *name, void *buf, size_t size)
{
	const struct simple_xattr *e = simple_xattr_find(x, name);
	if (!e)
		return -ENODATA;
	if (size == 0)
		return e->size;
	if (e->size > size)
		return -ERANGE;
	memcpy(buf, e->data + e->namelen + 1, e->size);
	return e->size;
}

int simple_xattr_set(struct simple_xattrs *x, const char *name, const void *value, size_t size,
		     int flags)
{
	struct simple_xattr *old = simple_xattr_find(x, name);
	size_t namelen = strlen(name);

	if (!value) {
		if (!old)
			return -ENODATA;
		x->space -= xattr_space(old->namelen, old->size);
		list_del(&old->link);
		free(old);
		return 0;
	}
	if (old && (flags & LINUX_XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & LINUX_XATTR_REPLACE))
		return -ENODATA;
	size_t space = x->space - (old ? xattr_space(old->namelen, old->size) : 0) +
		       xattr_space(namelen, size);
	if (space > SIMPLE_XATTR_SPACE_MAX)
		return -ENOSPC;
	struct simple_xattr *e = malloc(xattr_space(namelen, size));
	if (!e)
		return -ENOMEM;
	e->size = size;
	e->namelen = namelen;
	memcpy(e->data, name, namelen + 1);
	if (size)
		memcpy(e->data + namelen + 1, value, size);
	/* A replaced value keeps its place in the list, as Linux's does. */
	list_add_tail(&e->link, old ? &old->link : &x->list);
	if (old) {
		list_del(&old->link);
		free(old);
	}
	x->space = space;
	return 0;
}

/* Append name to the list in buf (size 0: only count); false if it does not fit. */
static bool list_add_name(const struct simple_xattr *e, char *buf, size_t size, size_t *len)
{
	if (size && *len + e->namelen + 1 > size)
		return false;
	if (size)
		memcpy(buf + *len, e->data, e->namelen + 1);
	*len += e->namelen + 1;
	return true;
}

/* The ACLs first, access then default, and then the rest as set: Linux's simple_xattr_list. */
ssize_t simple_xattr_list(const struct simple_xattrs *x, char *buf, size_t size)
{
	static const char *const acls[] = {ACL_XATTR_ACCESS, ACL_XATTR_DEFAULT};
	const struct simple_xattr *e;
	size_t len = 0;
	for (size_t i = 0; i < sizeof(acls) / sizeof(acls[0]); i++)
		if ((e = simple_xattr_find(x, acls[i])) && !list_add_name(e, buf, size, &len))
			return -ERANGE;
	list_for_each_entry(e, &x->list, link)
	{
		if (!acl_is_xattr(e->data) && !list_add_name(e, buf, size, &len))
			return -ERANGE;
	}
	return len;
}

/* Linux's xattr_permission: what the VFS decides before the file system. */
static int xattr_permission(struct inode *inode, const char *name, int mask,
			    const struct vfs_cred *c)
{
	bool write = mask & MAY_WRITE;

	if (xattr_has_prefix(name, "security.") || xattr_has_prefix(name, "system."))
		return 0; /* left to the security checks and the file system */
	if (xattr_has_prefix(name, "trusted.")) {
		if (!cred_capable(c, LINUX_CAP_SYS_ADMIN))
			return write ? -EPERM : -ENODATA;
		return 0;
	}
	if (xattr_has_prefix(name, "user.")) {
		pthread_mutex_lock(&inode->lock);
		u32 mode = inode->mode, uid = inode->uid;
		pthread_mutex_unlock(&inode->lock);
		/* Others' symlinks and devices would let anyone store data in them. */
		if (!S_ISREG(mode) && !S_ISDIR(mode))
			return write ? -EPERM : -ENODATA;
		if (S_ISDIR(mode) && (mode & S_ISVTX) && write && uid != c->fsuid &&
		    !cred_capable(c, LINUX_CAP_FOWNER))
			return -EPERM;
	}
	return inode_permission(inode, mask, c);
}

/* Linux's xattr_resolve_name: a namespace the VFS knows, with something after the prefix. */
static int xattr_resolve(const char *name)
{
	static const char *const prefixes[] = {"user.", "trusted.", "security."};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (xattr_has_prefix(name, prefixes[i]))
			return name[strlen(prefixes[i])] ? 0 : -EINVAL;
	return -EOPNOTSUPP;
}

static u32 le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void put_le32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Linux's validheader: only revisions 2 and 3, each its exact size, may be set. */
static bool caps_header_valid(const u8 *v, size_t size)
{
	if (size < 4)
		return false;
	u32 rev = le32(v) & VFS_CAP_REVISION_MASK;
	return (rev == VFS_CAP_REVISION_2 && size == XATTR_CAPS_SZ_2) ||
	       (rev == VFS_CAP_REVISION_3 && size == XATTR_CAPS_SZ_3);
}

/*
 * Linux's cap_inode_getsecurity, for the one user namespace the sandbox
 * has: a revision 3 value whose root is ours reads back as revision 2.
 */
static ssize_t caps_for_reader(u8 *v, ssize_t len)
{
	if (len < 0)
		return len;
	if (len == XATTR_CAPS_SZ_2 && (le32(v) & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_2)
		return len;
	if (len != XATTR_CAPS_SZ_3 || (le32(v) & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3)
		return -EINVAL;
	if (le32(v + XATTR_CAPS_SZ_2) != 0)
		return len;
	put_le32(v, VFS_CAP_REVISION_2 | (le32(v) & VFS_CAP_FLAGS_EFFECTIVE));
	return XATTR_CAPS_SZ_2;
}

static ssize_t get_caps(struct inode *inode, void *buf, size_t size)
{
	u8 v[XATTR_CAPS_SZ_3];
	ssize_t len = inode->iops->getxattr(inode, XATTR_CAPS, v, sizeof(v));
	if (len == -ERANGE)
		return -EINVAL; /* longer than any revision */
	len = caps_for_reader(v, len);
	if (len > 0 && size) {
		if ((size_t)len > size)
			return -ERANGE;
		memcpy(buf, v, len);
	}
	return len;
}

ssize_t vfs_getxattr(const struct path *p, const char *name, void *buf, size_t size,
		     const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	ssize_t ret;
	/* ACLs: anyone who reaches the file may read them, as Linux's vfs_get_acl. */
	if (acl_is_xattr(name))
		ret = acl_xattr_get(inode, name, buf, size);
	else if ((ret = xattr_permission(inode, name, MAY_READ, c) ?: xattr_resolve(name)))
		return ret;
	else if (!inode->iops || !inode->iops->getxattr)
		return -EOPNOTSUPP;
	else if (strcmp(name, XATTR_CAPS) == 0)
		ret = get_caps(inode, buf, size);
	else
		ret = inode->iops->getxattr(inode, name, buf, size);
	/* A value too big for any buffer the syscall takes. */
	return ret == -ERANGE && size >= LINUX_XATTR_SIZE_MAX ? -E2BIG : ret;
}

/*
 * Linux's cap_convert_nscap: a revision 3 value is kept with only the
 * effective flag and its root, which, with no user namespaces, is as given.
 * An empty value is EINVAL here too: Linux skips every check for it and
 * lets anyone store one, after which execve of the file fails for all.
 */
static int caps_check_set(struct inode *inode, const void *value, size_t size, u8 *norm,
			  const struct vfs_cred *c)
{
	(void)inode; /* every uid and gid maps: capable_wrt_inode_uidgid is the capability */
	if (!value || !caps_header_valid(value, size))
		return -EINVAL;
	if (!cred_capable(c, LINUX_CAP_SETFCAP))
		return -EPERM;
	memcpy(norm, value, size);
	u32 magic = le32(norm);
	if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3)
		put_le32(norm, VFS_CAP_REVISION_3 | (magic & VFS_CAP_FLAGS_EFFECTIVE));
	return 0;
}

/* Linux's cap_inode_setxattr and cap_inode_removexattr. */
static int security_check(const char *name, const struct vfs_cred *c, bool remove)
{
	if (!xattr_has_prefix(name, "security."))
		return 0;
	if (strcmp(name, XATTR_CAPS) == 0) {
		/* set checked it with the value; remove checks here */
		return !remove || cred_capable(c, LINUX_CAP_SETFCAP) ? 0 : -EPERM;
	}
	return cred_capable(c, LINUX_CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* IN_ATTRIB, as Linux's fsnotify_xattr (ATTR_MODE stands for "an attribute"). */
static int xattr_changed(const struct path *p, int ret)
{
	return fsnotify_change(p->dentry, ATTR_MODE, ret);
}

int vfs_setxattr(const struct path *p, const char *name, const void *value, size_t size, int flags,
		 const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	u8 caps[XATTR_CAPS_SZ_3];
	int ret;

	if ((ret = mnt_want_write(p->mnt)))
		return ret;
	if (acl_is_xattr(name))
		return xattr_changed(p, acl_xattr_set(inode, name, value, size, c));
	if (strcmp(name, XATTR_CAPS) == 0) {
		if ((ret = caps_check_set(inode, value, size, caps, c)))
			return ret;
		value = caps;
	}
	ret = xattr_permission(inode, name, MAY_WRITE, c) ?: security_check(name, c, false)
								?: xattr_resolve(name);
	if (ret)
		return ret;
	if (!inode->iops || !inode->iops->setxattr)
		return -EOPNOTSUPP;
	/* An empty value is a value, not a removal. */
	ret = inode->iops->setxattr(inode, name, value ? value : "", size, flags);
	if (!ret) /* it may hold file capabilities now */
		__atomic_store_n(&inode->nosec, false, __ATOMIC_RELAXED);
	return xattr_changed(p, ret);
}

/* Names the caller may see: trusted.* only with CAP_SYS_ADMIN, as Linux's simple_xattr_list. */
static size_t filter_list(char *list, size_t len, const struct vfs_cred *c)
{
	if (cred_capable(c, LINUX_CAP_SYS_ADMIN))
		return len;
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		size_t n = strnlen(list + i, len - i);
		if (!xattr_has_prefix(list + i, "trusted.")) {
			memmove(list + out, list + i, n);
			list[out + n] = 0;
			out += n + 1;
		}
		i += n + 1;
	}
	return out;
}

/* The file system's whole list, in a new buffer (*out, freed by the caller). */
static ssize_t list_all(struct inode *inode, char **out)
{
	*out = NULL;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t len = inode->iops->listxattr(inode, NULL, 0);
		if (len <= 0)
			return len;
		char *buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		ssize_t got = inode->iops->listxattr(inode, buf, len);
		if (got >= 0) {
			*out = buf;
			return got;
		}
		free(buf);
		if (got != -ERANGE) /* ERANGE: it grew meanwhile; again */
			return got;
	}
	return -ERANGE;
}

ssize_t vfs_listxattr(const struct path *p, char *buf, size_t size, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	char *list;

	if (!inode->iops || !inode->iops->listxattr)
		return 0;
	ssize_t len = list_all(inode, &list);
	if (len > 0)
		len = filter_list(list, len, c);
	if (len > 0 && size) {
		if ((size_t)len > size)
			len = size >= LINUX_XATTR_LIST_MAX ? -E2BIG : -ERANGE;
		else
			memcpy(buf, list, len);
	}
	free(list);
	return len;
}

int vfs_removexattr(const struct path *p, const char *name, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	int ret = mnt_want_write(p->mnt);
	if (ret)
		return ret;
	if (acl_is_xattr(name))
		return xattr_changed(p, acl_xattr_set(inode, name, NULL, 0, c));
	ret = xattr_permission(inode, name, MAY_WRITE, c) ?: security_check(name, c, true)
								 ?: xattr_resolve(name);
	if (ret)
		return ret;
	if (!inode->iops || !inode->iops->removexattr)
		return -EOPNOTSUPP;
	return xattr_changed(p, inode->iops->removexattr(inode, name));
}

int vfs_get_file_caps(struct inode *inode, struct vfs_file_caps *out)
{
	u8 v[XATTR_CAPS_SZ_3];
	if (!inode->iops || !inode->iops->getxattr)
		return 0;
	ssize_t len = inode->iops->getxattr(inode, XATTR_CAPS, v, sizeof(v));
	if (len == -ENODATA || len == -EOPNOTSUPP)
		return 0;
	if (len == -ERANGE)
		return -EINVAL;
	if (len < 0)
		return len;
	if (len < 4)
		return -EINVAL;
	u32 magic = le32(v);
	unsigned words;
	switch (magic & VFS_CAP_REVISION_MASK) {
	case VFS_CAP_REVISION_1:
		if (len != XATTR_CAPS_SZ_1)
			return -EINVAL;
		words = 1;
		break;
	case VFS_CAP_REVISION_2:
		if (len != XATTR_CAPS_SZ_2)
			return -EINVAL;
		words = 2;
		break;
	case VFS_CAP_REVISION_3:
		if (len != XATTR_CAPS_SZ_3)
			return -EINVAL;
		/* Capabilities for another namespace's root are not ours. */
		if (le32(v + XATTR_CAPS_SZ_2) != 0)
			return 0;
		words = 2;
		break;
	default:
		return -EINVAL;
	}
	*out = (struct vfs_file_caps){.effective = magic & VFS_CAP_FLAGS_EFFECTIVE};
	for (unsigned i = 0; i < words; i++) {
		out->permitted |= (u64)le32(v + 4 + 8 * i) << (32 * i);
		out->inheritable |= (u64)le32(v + 8 + 8 * i) << (32 * i);
	}
	return 1;
}
