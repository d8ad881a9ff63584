// SPDX-License-Identifier: Apache-2.0
/*
 * overlay extended attributes, as Linux's ovl_xattr_get/set and
 * ovl_listxattr: read from the layer that answers for the file (upper
 * once copied up, else lower); a change copies the file up first (the
 * copy takes the lower's attributes along: ovl_copy_xattrs) and is made
 * in upper. The overlay's own trusted.overlay.* names, should a layer
 * carry any, are neither shown nor settable (EOPNOTSUPP, as overlayfs's
 * private handler answers). The overlay keeps POSIX ACLs because its
 * upper layer (tmpfs) does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "overlay_internal.h"
#include "sentry/vfs/acl.h"
#include "sentry/vfs/xattr.h"

#define OVL_XATTR_PREFIX "trusted.overlay."

static bool ovl_is_private_xattr(const char *name)
{
	return xattr_has_prefix(name, OVL_XATTR_PREFIX);
}

static ssize_t real_getxattr(struct inode *real, const char *name, void *buf, size_t size)
{
	if (!real->iops || !real->iops->getxattr)
		return -EOPNOTSUPP;
	return real->iops->getxattr(real, name, buf, size);
}

ssize_t ovl_getxattr(struct inode *inode, const char *name, void *buf, size_t size)
{
	if (ovl_is_private_xattr(name))
		return -EOPNOTSUPP;
	ssize_t ret = real_getxattr(ovl_real(OVL_I(inode)), name, buf, size);
	/*
	 * The overlay keeps ACLs (its upper layer does): a lower file whose
	 * file system has none simply has no ACL, as Linux's ovl_get_acl.
	 */
	if (ret == -EOPNOTSUPP &&
	    (!strcmp(name, ACL_XATTR_ACCESS) || !strcmp(name, ACL_XATTR_DEFAULT)))
		return -ENODATA;
	return ret;
}

/* Leave out the overlay's own names; returns the new length. */
static size_t drop_private(char *list, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		size_t n = strnlen(list + i, len - i);
		if (!ovl_is_private_xattr(list + i)) {
			memmove(list + out, list + i, n);
			list[out + n] = 0;
			out += n + 1;
		}
		i += n + 1;
	}
	return out;
}

/* The layer's whole list (filtered) in a new buffer; the caller frees *out. */
static ssize_t real_list(struct inode *real, char **out)
{
	*out = NULL;
	if (!real->iops || !real->iops->listxattr)
		return 0;
	for (int tries = 0; tries < 4; tries++) {
		ssize_t len = real->iops->listxattr(real, NULL, 0);
		if (len <= 0)
			return len;
		char *buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		ssize_t got = real->iops->listxattr(real, buf, len);
		if (got >= 0) {
			*out = buf;
			return drop_private(buf, got);
		}
		free(buf);
		if (got != -ERANGE)
			return got;
	}
	return -ERANGE;
}

ssize_t ovl_listxattr(struct inode *inode, char *buf, size_t size)
{
	char *list;
	ssize_t len = real_list(ovl_real(OVL_I(inode)), &list);
	if (len > 0 && size) {
		if ((size_t)len > size)
			len = -ERANGE;
		else
			memcpy(buf, list, len);
	}
	free(list);
	return len;
}

static int ovl_change_xattr(struct inode *inode, const char *name, const void *value, size_t size,
			    int flags)
{
	struct ovl_inode *oi = OVL_I(inode);
	int ret;

	if (ovl_is_private_xattr(name))
		return -EOPNOTSUPP;
	if (!value && !ovl_upper(oi)) {
		/* Removing what is not there changes nothing: no copy-up for it. */
		ssize_t got = real_getxattr(oi->lower, name, NULL, 0);
		if (got < 0)
			return got;
	}
	vfs_lock();
	ret = ovl_copy_up(oi, -1);
	vfs_unlock();
	if (ret)
		return ret;
	struct inode *upper = ovl_upper(oi);
	const struct inode_ops *uops = upper->iops;
	if (value)
		ret = uops && uops->setxattr ? uops->setxattr(upper, name, value, size, flags)
					     : -EOPNOTSUPP;
	else
		ret = uops && uops->removexattr ? uops->removexattr(upper, name) : -EOPNOTSUPP;
	ovl_sync(oi); /* the upper's ctime */
	return ret;
}

int ovl_setxattr(struct inode *inode, const char *name, const void *value, size_t size, int flags)
{
	return ovl_change_xattr(inode, name, value, size, flags);
}

int ovl_removexattr(struct inode *inode, const char *name)
{
	return ovl_change_xattr(inode, name, NULL, 0, 0);
}

int ovl_copy_xattrs(struct inode *lower, struct inode *upper)
{
	char *list;
	ssize_t len = real_list(lower, &list);
	int ret = len < 0 ? (int)len : 0;
	u8 *value = len > 0 ? malloc(LINUX_XATTR_SIZE_MAX) : NULL;

	if (len > 0 && !value)
		ret = -ENOMEM;
	for (ssize_t i = 0; !ret && i < len; i += strlen(list + i) + 1) {
		const char *name = list + i;
		ssize_t n = real_getxattr(lower, name, value, LINUX_XATTR_SIZE_MAX);
		if (n == -ENODATA)
			continue; /* gone meanwhile */
		if (n < 0) {
			ret = n;
			break;
		}
		if (!upper->iops || !upper->iops->setxattr)
			break; /* an upper without xattrs: nothing to keep them in, as overlayfs */
		ret = upper->iops->setxattr(upper, name, value, n, 0);
		if (ret == -EOPNOTSUPP)
			ret = 0; /* a namespace upper does not keep: overlayfs skips it too */
	}
	free(value);
	free(list);
	return ret == -EOPNOTSUPP ? 0 : ret;
}
