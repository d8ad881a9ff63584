// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX ACLs (acl.h): the value format, validation, the mode mirroring,
 * the permission check and inheritance, as Linux's fs/posix_acl.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acl.h"
#include "xattr.h"

#define ACL_PERMS (ACL_READ | ACL_WRITE | ACL_EXECUTE)

static u16 get_le16(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static u32 get_le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static struct acl *acl_alloc(u32 count)
{
	struct acl *acl = malloc(sizeof(*acl) + count * sizeof(acl->e[0]));
	if (acl)
		acl->count = count;
	return acl;
}

int acl_from_xattr(const void *value, size_t size, struct acl **out)
{
	const u8 *v = value;
	*out = NULL;
	if (size < ACL_XATTR_HEADER_SIZE)
		return -EINVAL;
	if (get_le32(v) != ACL_XATTR_VERSION)
		return -EOPNOTSUPP;
	size -= ACL_XATTR_HEADER_SIZE;
	if (size % ACL_XATTR_ENTRY_SIZE)
		return -EINVAL;
	u32 count = size / ACL_XATTR_ENTRY_SIZE;
	if (!count)
		return 0;
	struct acl *acl = acl_alloc(count);
	if (!acl)
		return -ENOMEM;
	for (u32 i = 0; i < count; i++) {
		const u8 *p = v + ACL_XATTR_HEADER_SIZE + i * ACL_XATTR_ENTRY_SIZE;
		struct acl_entry *e = &acl->e[i];
		e->tag = get_le16(p);
		e->perm = get_le16(p + 2);
		e->id = ACL_UNDEFINED_ID;
		switch (e->tag) {
		case ACL_USER_OBJ:
		case ACL_GROUP_OBJ:
		case ACL_MASK:
		case ACL_OTHER:
			break;
		case ACL_USER:
		case ACL_GROUP:
			/* -1 is no id in any user namespace (make_kuid fails). */
			e->id = get_le32(p + 4);
			if (e->id != ACL_UNDEFINED_ID)
				break;
			/* fall through */
		default:
			free(acl);
			return -EINVAL;
		}
	}
	*out = acl;
	return 0;
}

/*
 * A state machine over the tags in their order. Named entries need not
 * be sorted nor unique: Linux (6.x) accepts either, and so do we.
 */
int acl_valid(const struct acl *acl)
{
	int state = ACL_USER_OBJ;
	bool needs_mask = false;

	for (u32 i = 0; i < acl->count; i++) {
		const struct acl_entry *e = &acl->e[i];
		if (e->perm & ~ACL_PERMS)
			return -EINVAL;
		switch (e->tag) {
		case ACL_USER_OBJ:
			if (state != ACL_USER_OBJ)
				return -EINVAL;
			state = ACL_USER;
			break;
		case ACL_USER:
		case ACL_GROUP:
			if (state != (e->tag == ACL_USER ? ACL_USER : ACL_GROUP))
				return -EINVAL;
			needs_mask = true;
			break;
		case ACL_GROUP_OBJ:
			if (state != ACL_USER)
				return -EINVAL;
			state = ACL_GROUP;
			break;
		case ACL_MASK:
			if (state != ACL_GROUP)
				return -EINVAL;
			state = ACL_OTHER;
			break;
		case ACL_OTHER:
			if (state != ACL_OTHER && (state != ACL_GROUP || needs_mask))
				return -EINVAL;
			state = 0;
			break;
		default:
			return -EINVAL;
		}
	}
	return state == 0 ? 0 : -EINVAL;
}

size_t acl_xattr_size(const struct acl *acl)
{
	return ACL_XATTR_HEADER_SIZE + (size_t)acl->count * ACL_XATTR_ENTRY_SIZE;
}

void acl_to_xattr(const struct acl *acl, void *buf)
{
	u8 *p = buf;
	put_le32(p, ACL_XATTR_VERSION);
	p += ACL_XATTR_HEADER_SIZE;
	for (u32 i = 0; i < acl->count; i++, p += ACL_XATTR_ENTRY_SIZE) {
		const struct acl_entry *e = &acl->e[i];
		bool named = e->tag == ACL_USER || e->tag == ACL_GROUP;
		put_le16(p, e->tag);
		put_le16(p + 2, e->perm);
		put_le32(p + 4, named ? e->id : ACL_UNDEFINED_ID);
	}
}

struct acl *acl_dup(const struct acl *acl)
{
	size_t size = sizeof(*acl) + acl->count * sizeof(acl->e[0]);
	struct acl *copy = malloc(size);
	if (copy)
		memcpy(copy, acl, size);
	return copy;
}

int acl_equiv_mode(const struct acl *acl, u32 *mode)
{
	u32 m = 0;
	int not_equiv = 0;
	for (u32 i = 0; i < acl->count; i++) {
		const struct acl_entry *e = &acl->e[i];
		switch (e->tag) {
		case ACL_USER_OBJ:
			m |= (e->perm & ACL_PERMS) << 6;
			break;
		case ACL_GROUP_OBJ:
			m |= (e->perm & ACL_PERMS) << 3;
			break;
		case ACL_OTHER:
			m |= e->perm & ACL_PERMS;
			break;
		case ACL_MASK:
			m = (m & ~0070u) | (e->perm & ACL_PERMS) << 3;
			not_equiv = 1;
			break;
		case ACL_USER:
		case ACL_GROUP:
			not_equiv = 1;
			break;
		default:
			return -EINVAL;
		}
	}
	*mode = (*mode & ~0777u) | m;
	return not_equiv;
}

void acl_chmod_masq(struct acl *acl, u32 mode)
{
	struct acl_entry *group_obj = NULL, *mask = NULL;
	for (u32 i = 0; i < acl->count; i++) {
		struct acl_entry *e = &acl->e[i];
		if (e->tag == ACL_USER_OBJ)
			e->perm = (mode & 0700) >> 6;
		else if (e->tag == ACL_GROUP_OBJ)
			group_obj = e;
		else if (e->tag == ACL_MASK)
			mask = e;
		else if (e->tag == ACL_OTHER)
			e->perm = mode & 0007;
	}
	if (mask)
		mask->perm = (mode & 0070) >> 3;
	else if (group_obj)
		group_obj->perm = (mode & 0070) >> 3;
}

int acl_create_masq(struct acl *acl, u32 *mode)
{
	struct acl_entry *group_obj = NULL, *mask = NULL;
	u32 m = *mode;
	int not_equiv = 0;
	for (u32 i = 0; i < acl->count; i++) {
		struct acl_entry *e = &acl->e[i];
		switch (e->tag) {
		case ACL_USER_OBJ:
			e->perm &= (m >> 6) & 7;
			m &= (e->perm << 6) | ~0700u;
			break;
		case ACL_USER:
		case ACL_GROUP:
			not_equiv = 1;
			break;
		case ACL_GROUP_OBJ:
			group_obj = e;
			break;
		case ACL_OTHER:
			e->perm &= m & 7;
			m &= e->perm | ~0007u;
			break;
		case ACL_MASK:
			mask = e;
			not_equiv = 1;
			break;
		default:
			return -EIO;
		}
	}
	struct acl_entry *g = mask ? mask : group_obj;
	if (!g)
		return -EIO;
	g->perm &= (m >> 3) & 7;
	m &= (g->perm << 3) | ~0070u;
	*mode = m;
	return not_equiv;
}

/* The MASK entry after entry i, if any, limits what it grants. */
static int masked(const struct acl *acl, u32 i, int want)
{
	for (u32 j = i + 1; j < acl->count; j++)
		if (acl->e[j].tag == ACL_MASK)
			return (acl->e[i].perm & acl->e[j].perm & want) == want ? 0 : -EACCES;
	return (acl->e[i].perm & want) == want ? 0 : -EACCES;
}

int acl_check(const struct acl *acl, u32 uid, u32 gid, int mask, const struct vfs_cred *c)
{
	int want = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
	bool found = false;

	for (u32 i = 0; i < acl->count; i++) {
		const struct acl_entry *e = &acl->e[i];
		switch (e->tag) {
		case ACL_USER_OBJ:
			if (c->fsuid == uid)
				return (e->perm & want) == want ? 0 : -EACCES;
			break;
		case ACL_USER:
			if (c->fsuid == e->id)
				return masked(acl, i, want);
			break;
		case ACL_GROUP_OBJ:
		case ACL_GROUP:
			/* Any one group that grants it all; EACCES if some matched but none did. */
			if (cred_in_group(c, e->tag == ACL_GROUP ? e->id : gid)) {
				found = true;
				if ((e->perm & want) == want)
					return masked(acl, i, want);
			}
			break;
		case ACL_MASK:
			break;
		case ACL_OTHER:
			if (found)
				return -EACCES;
			return (e->perm & want) == want ? 0 : -EACCES;
		default:
			return -EIO;
		}
	}
	return -EIO;
}

/* Room for the ACLs most files have, without an allocation per check. */
#define ACL_STACK_ENTRIES 16

/*
 * The ACL stored under name on inode: 0 and *out (NULL: none, or a file
 * system without ACLs), or -errno. The value is read into buf when it
 * fits, else into an allocation.
 */
static int acl_read(struct inode *inode, const char *name, struct acl **out)
{
	u8 stack[ACL_XATTR_HEADER_SIZE + ACL_STACK_ENTRIES * ACL_XATTR_ENTRY_SIZE];
	u8 *buf = stack;
	*out = NULL;
	if (!inode->iops || !inode->iops->getxattr)
		return 0;
	ssize_t len = inode->iops->getxattr(inode, name, buf, sizeof(stack));
	for (int tries = 0; len == -ERANGE && tries < 4; tries++) {
		if (buf != stack)
			free(buf);
		buf = NULL;
		len = inode->iops->getxattr(inode, name, NULL, 0);
		if (len <= 0)
			break;
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		len = inode->iops->getxattr(inode, name, buf, len);
	}
	int ret = 0;
	if (len == -ENODATA || len == -EOPNOTSUPP)
		len = 0;
	if (len < 0)
		ret = len;
	else if (len > 0 && (ret = acl_from_xattr(buf, len, out)) == 0 && *out && acl_valid(*out))
		ret = -EIO; /* stored by someone else than us */
	if (ret) {
		free(*out);
		*out = NULL;
	}
	if (buf != stack)
		free(buf);
	return ret;
}

int acl_permission(struct inode *inode, u32 uid, u32 gid, int mask, const struct vfs_cred *c)
{
	struct acl *acl;
	int ret = acl_read(inode, ACL_XATTR_ACCESS, &acl);
	if (ret)
		return ret;
	if (!acl)
		return -EAGAIN;
	ret = acl_check(acl, uid, gid, mask, c);
	free(acl);
	return ret;
}

ssize_t acl_xattr_get(struct inode *inode, const char *name, void *buf, size_t size)
{
	/* tmpfs symlinks have no ACL ops in Linux: EOPNOTSUPP, not ENODATA. */
	if (S_ISLNK(inode->mode) || !inode->iops || !inode->iops->getxattr)
		return -EOPNOTSUPP;
	return inode->iops->getxattr(inode, name, buf, size);
}

/* Set the mode's permission bits as an ACL says, with the ctime, as setattr. */
static int acl_update_mode(struct inode *inode, u32 mode)
{
	struct iattr ia = {.valid = ATTR_MODE | ATTR_CTIME, .mode = mode & 07777};
	int ret = 0;
	vfs_now(&ia.ctime);
	pthread_mutex_lock(&inode->lock);
	__atomic_store_n(&inode->nosec, false, __ATOMIC_RELAXED);
	if (inode->iops && inode->iops->setattr)
		ret = inode->iops->setattr(inode, &ia);
	else
		inode_apply_attr(inode, &ia);
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

/* Store acl (NULL: remove) under name through the file system's ops. */
static int acl_store(struct inode *inode, const char *name, const struct acl *acl)
{
	if (!acl) {
		if (!inode->iops->removexattr)
			return -EOPNOTSUPP;
		int ret = inode->iops->removexattr(inode, name);
		return ret == -ENODATA ? 0 : ret;
	}
	size_t size = acl_xattr_size(acl);
	u8 *v = malloc(size);
	if (!v)
		return -ENOMEM;
	acl_to_xattr(acl, v);
	int ret = inode->iops->setxattr(inode, name, v, size, 0);
	free(v);
	return ret;
}

/*
 * Linux's IS_POSIXACL: whether inode's file system keeps ACLs. One that
 * does not (goferfs, which refuses system.* without a round trip) says
 * EOPNOTSUPP to a read of one.
 */
static bool acl_supported(struct inode *inode)
{
	return inode->iops && inode->iops->getxattr && inode->iops->setxattr &&
	       inode->iops->getxattr(inode, ACL_XATTR_ACCESS, NULL, 0) != -EOPNOTSUPP;
}

/*
 * Linux's set_posix_acl and simple_set_acl, after the value's decoding:
 * a file system without ACLs says EOPNOTSUPP before any check of the
 * file, the caller or the ACL (Linux 6.2's order, and 6.1's for a file
 * system with the ACL xattr handlers but without ACLs).
 */
static int acl_set(struct inode *inode, bool def, struct acl **acl, const struct vfs_cred *c)
{
	pthread_mutex_lock(&inode->lock);
	u32 mode = inode->mode, uid = inode->uid, gid = inode->gid;
	pthread_mutex_unlock(&inode->lock);

	if (S_ISLNK(mode) || !acl_supported(inode))
		return -EOPNOTSUPP;
	if (def && !S_ISDIR(mode))
		return *acl ? -EACCES : 0;
	if (uid != c->fsuid && !cred_capable(c, LINUX_CAP_FOWNER))
		return -EPERM;
	if (*acl && acl_valid(*acl))
		return -EINVAL;
	if (def || !*acl)
		return acl_store(inode, def ? ACL_XATTR_DEFAULT : ACL_XATTR_ACCESS, *acl);

	/* posix_acl_update_mode: an ACL the mode can say is only the mode. */
	u32 new_mode = mode;
	if (acl_equiv_mode(*acl, &new_mode) == 0) {
		free(*acl);
		*acl = NULL;
	}
	if (!cred_in_group(c, gid) && !cred_capable(c, LINUX_CAP_FSETID))
		new_mode &= ~S_ISGID;
	return acl_store(inode, ACL_XATTR_ACCESS, *acl) ?: acl_update_mode(inode, new_mode);
}

int acl_xattr_set(struct inode *inode, const char *name, const void *value, size_t size,
		  const struct vfs_cred *c)
{
	struct acl *acl = NULL;
	/* An empty value is a removal, as Linux's do_set_acl takes it. */
	int ret = value && size ? acl_from_xattr(value, size, &acl) : 0;
	if (ret)
		return ret;
	ret = acl_set(inode, strcmp(name, ACL_XATTR_DEFAULT) == 0, &acl, c);
	free(acl);
	return ret;
}

int acl_chmod(struct inode *inode)
{
	struct acl *acl;
	if (S_ISLNK(inode->mode))
		return 0;
	int ret = acl_read(inode, ACL_XATTR_ACCESS, &acl);
	if (ret || !acl)
		return ret;
	pthread_mutex_lock(&inode->lock);
	u32 mode = inode->mode;
	pthread_mutex_unlock(&inode->lock);
	acl_chmod_masq(acl, mode);
	ret = acl_store(inode, ACL_XATTR_ACCESS, acl);
	free(acl);
	return ret;
}

u32 acl_create_umask(struct inode *dir, u32 umask)
{
	if (!dir->iops || !dir->iops->getxattr)
		return umask;
	return dir->iops->getxattr(dir, ACL_XATTR_DEFAULT, NULL, 0) > 0 ? 0 : umask;
}

static void *acl_encode(const struct acl *acl, size_t *size)
{
	*size = acl_xattr_size(acl);
	void *v = malloc(*size);
	if (v)
		acl_to_xattr(acl, v);
	return v;
}

int acl_inherit_prepare(struct inode *dir, u32 *mode, struct acl_new *n)
{
	struct acl *def;
	*n = (struct acl_new){0};
	if (S_ISLNK(*mode))
		return 0;
	int ret = acl_read(dir, ACL_XATTR_DEFAULT, &def);
	if (ret || !def)
		return ret;
	struct acl *access = acl_dup(def);
	if (!access) {
		free(def);
		return -ENOMEM;
	}
	u32 m = *mode;
	ret = acl_create_masq(access, &m);
	if (ret > 0 && !(n->access = acl_encode(access, &n->access_size)))
		ret = -ENOMEM;
	if (ret >= 0 && S_ISDIR(*mode) && !(n->def = acl_encode(def, &n->def_size)))
		ret = -ENOMEM;
	free(access);
	free(def);
	if (ret < 0) {
		acl_new_free(n);
		return ret;
	}
	*mode = m;
	return 0;
}

int acl_inherit_apply(struct inode *inode, const struct acl_new *n)
{
	int ret = 0;
	if (!n->access && !n->def)
		return 0;
	if (!inode->iops || !inode->iops->setxattr)
		return -EOPNOTSUPP;
	if (n->access)
		ret = inode->iops->setxattr(inode, ACL_XATTR_ACCESS, n->access, n->access_size, 0);
	if (!ret && n->def)
		ret = inode->iops->setxattr(inode, ACL_XATTR_DEFAULT, n->def, n->def_size, 0);
	return ret;
}

void acl_new_free(struct acl_new *n)
{
	free(n->access);
	free(n->def);
	*n = (struct acl_new){0};
}
