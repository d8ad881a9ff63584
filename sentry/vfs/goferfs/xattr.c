// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs extended attributes, through the gofer (Txattrwalk, Txattrcreate:
 * gofer/client_xattr.c) on the host file.
 *
 * Only user.* is passed through both ways, plus reading
 * security.capability (so an image's file capabilities work inside the
 * sandbox). The host's other namespaces are the host's: trusted.* and
 * security.* would let the sandbox's root, whose capabilities are the
 * Sentry's fiction, mark host files (trusted.overlay.* for a host overlayfs,
 * security.capability that the host's execve honours). The gofer server
 * names no namespace itself (gofer/ops_xattr.c), so this is where it is
 * decided, as gVisor's gofer client passes only user.*.
 *
 * 9P2000.L cannot carry an empty value (a Txattrcreate of size 0 removes),
 * so setting one is EOPNOTSUPP rather than a silent removal.
 *
 * Values are not cached, every call is a round trip (ls -l asks for ACLs,
 * which the VFS answers without us), but for security.capability, which
 * every execve reads: it is kept from the first read, as the sandbox
 * cannot change it and goferfs assumes nobody else does (goferfs.h).
 */
#include <stdlib.h>
#include <string.h>

#include "goferfs_internal.h"
#include "sentry/vfs/xattr.h"

static bool goferfs_xattr_readable(const char *name)
{
	return xattr_has_prefix(name, "user.") || strcmp(name, "security.capability") == 0;
}

#define FCAPS_NONE 1
#define FCAPS_LEN0 2

/* security.capability from the cache, filling it first if need be. */
static ssize_t get_fcaps(struct inode *inode, void *buf, size_t size)
{
	struct goferfs_inode *gi = GOFER_I(inode);
	u8 v[sizeof(gi->fcaps)];
	pthread_mutex_lock(&inode->lock);
	u8 state = gi->fcaps_state;
	memcpy(v, gi->fcaps, sizeof(v));
	pthread_mutex_unlock(&inode->lock);
	if (!state) {
		ssize_t len = goferfs_err(gofer_xattr_get(goferfs_client(inode), gi->fid,
							  "security.capability", v, sizeof(v)));
		if (len == -ERANGE || (len < 0 && len != -ENODATA))
			return len == -ERANGE ? -EINVAL : len; /* longer than any revision */
		state = len < 0 ? FCAPS_NONE : FCAPS_LEN0 + len;
		pthread_mutex_lock(&inode->lock);
		gi->fcaps_state = state;
		memcpy(gi->fcaps, v, sizeof(v));
		pthread_mutex_unlock(&inode->lock);
	}
	if (state == FCAPS_NONE)
		return -ENODATA;
	size_t len = state - FCAPS_LEN0;
	if (size && len > size)
		return -ERANGE;
	if (size)
		memcpy(buf, v, len);
	return len;
}

ssize_t goferfs_getxattr(struct inode *inode, const char *name, void *buf, size_t size)
{
	if (!goferfs_xattr_readable(name))
		return -EOPNOTSUPP;
	if (!strcmp(name, "security.capability"))
		return get_fcaps(inode, buf, size);
	return goferfs_err(
		gofer_xattr_get(goferfs_client(inode), GOFER_I(inode)->fid, name, buf, size));
}

/* Keep the names goferfs_xattr_readable passes; returns the new length. */
static size_t keep_readable(char *list, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		size_t n = strnlen(list + i, len - i);
		if (goferfs_xattr_readable(list + i)) {
			memmove(list + out, list + i, n);
			list[out + n] = 0;
			out += n + 1;
		}
		i += n + 1;
	}
	return out;
}

ssize_t goferfs_listxattr(struct inode *inode, char *buf, size_t size)
{
	struct gofer_client *c = goferfs_client(inode);
	u32 fid = GOFER_I(inode)->fid;
	/* The host's list, with names we hide, may be longer than ours: fetch it all. */
	ssize_t len = goferfs_err(gofer_xattr_list(c, fid, NULL, 0));
	if (len <= 0)
		return len;
	char *all = malloc(len);
	if (!all)
		return -ENOMEM;
	len = goferfs_err(gofer_xattr_list(c, fid, all, len));
	if (len > 0)
		len = keep_readable(all, len);
	if (len > 0 && size) {
		if ((size_t)len > size)
			len = -ERANGE;
		else
			memcpy(buf, all, len);
	}
	free(all);
	return len;
}

/* The host changed the file's ctime: follow it in the cached attributes. */
static int changed(struct inode *inode, int err)
{
	if (!err) {
		pthread_mutex_lock(&inode->lock);
		inode_touch(inode, ATTR_CTIME);
		pthread_mutex_unlock(&inode->lock);
	}
	return goferfs_err(err);
}

int goferfs_setxattr(struct inode *inode, const char *name, const void *value, size_t size,
		     int flags)
{
	if (goferfs_rdonly(inode))
		return -EROFS;
	if (!xattr_has_prefix(name, "user.") || size == 0)
		return -EOPNOTSUPP;
	return changed(inode, gofer_xattr_set(goferfs_client(inode), GOFER_I(inode)->fid, name,
					      value, size, flags));
}

int goferfs_removexattr(struct inode *inode, const char *name)
{
	if (goferfs_rdonly(inode))
		return -EROFS;
	if (!xattr_has_prefix(name, "user."))
		return -EOPNOTSUPP;
	return changed(inode, gofer_xattr_remove(goferfs_client(inode), GOFER_I(inode)->fid, name));
}
