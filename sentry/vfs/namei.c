// SPDX-License-Identifier: Apache-2.0
/*
 * Path resolution, as Linux's fs/namei.c does it: component by component
 * from the root or the start directory, with search permission checked on
 * every directory walked through, "." and "..", ".." stopping at the root
 * and climbing out of mounts, mounts followed down, symlinks spliced into
 * the rest of the path (at most LINUX_MAXSYMLINKS per resolution, then
 * ELOOP), and a trailing slash demanding a directory.
 *
 * openat2's RESOLVE_* flags: NO_XDEV (EXDEV on crossing a mount either
 * way), NO_SYMLINKS (ELOOP on any symlink), BENEATH (EXDEV on an absolute
 * path or symlink, or ".." out of the start), IN_ROOT (the start is the
 * root for "/" and ".."); NO_MAGICLINKS refuses procfs's magic links (ELOOP),
 * which the scoped ones do too (EXDEV); CACHED succeeds (everything is in
 * memory).
 *
 * Everything here runs under vfs_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_internal.h"

static bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

static void path_set(struct path *p, struct mount *m, struct dentry *d)
{
	struct path old = *p;
	p->mnt = mnt_get(m);
	p->dentry = dget(d);
	path_put(&old);
}

int namei_start(struct nameidata *nd, const struct vfs_ctx *ctx, const char *name, unsigned flags)
{
	memset(nd, 0, sizeof(*nd));
	nd->ctx = ctx;
	nd->flags = flags;
	nd->root = ctx->resolve & (LINUX_RESOLVE_BENEATH | LINUX_RESOLVE_IN_ROOT) ? ctx->start
										  : ctx->root;
	if (!*name && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	nd->buf = strdup(name);
	if (!nd->buf)
		return -ENOMEM;
	nd->rest = nd->buf;
	if (!*name) {
		nd->last_type = LAST_EMPTY;
		nd->path = ctx->start;
	} else if (name[0] == '/') {
		if (ctx->resolve & LINUX_RESOLVE_BENEATH)
			return -EXDEV;
		nd->path = nd->root;
	} else {
		nd->path = ctx->start;
	}
	path_get(&nd->path);
	return 0;
}

void namei_done(struct nameidata *nd)
{
	path_put(&nd->path);
	free(nd->buf);
	nd->buf = NULL;
}

/* Step from p into whatever is mounted on it, repeatedly. */
static int follow_mounts(const struct nameidata *nd, struct path *p)
{
	struct mount *m;
	while ((m = mount_lookup(p->mnt, p->dentry))) {
		if (nd->ctx->resolve & LINUX_RESOLVE_NO_XDEV)
			return -EXDEV;
		path_set(p, m, m->root);
	}
	return 0;
}

/* "..": stays at the root, climbs out of mounts, then into mounts. */
static int follow_dotdot(struct nameidata *nd)
{
	for (;;) {
		if (path_equal(&nd->path, &nd->root))
			return nd->ctx->resolve & LINUX_RESOLVE_BENEATH ? -EXDEV : 0;
		struct mount *m = nd->path.mnt;
		if (nd->path.dentry != m->root)
			break;
		if (!m->parent)
			return 0; /* the top of the tree, outside a chroot */
		if (nd->ctx->resolve & LINUX_RESOLVE_NO_XDEV)
			return -EXDEV;
		path_set(&nd->path, m->parent, m->mountpoint);
	}
	path_set(&nd->path, nd->path.mnt, nd->path.dentry->parent);
	return follow_mounts(nd, &nd->path);
}

/*
 * Linux's nd_jump_link: the walk goes on from where a magic link points,
 * with rest; nothing left of the path makes that place the result.
 * 1: not a magic link after all (walk its text).
 */
static int nd_jump(struct nameidata *nd, struct inode *inode, const char *rest)
{
	struct path to;
	int ret = inode->iops->jump(inode, &to);
	if (ret == -EOPNOTSUPP)
		return 1;
	if (ret)
		return ret;
	if (nd->ctx->resolve & LINUX_RESOLVE_NO_MAGICLINKS)
		ret = -ELOOP;
	else if ((nd->ctx->resolve & LINUX_RESOLVE_NO_XDEV) && to.mnt != nd->path.mnt)
		ret = -EXDEV;
	else if (nd->ctx->resolve & (LINUX_RESOLVE_BENEATH | LINUX_RESOLVE_IN_ROOT))
		ret = -EXDEV;
	if (ret) {
		path_put(&to);
		return ret;
	}
	path_put(&nd->path);
	nd->path = to;
	nd->rest = rest;
	if (!*rest)
		nd->last_type = LAST_EMPTY;
	return 0;
}

/* Continue at link's target followed by rest (the walk is at link's directory). */
static int nd_follow(struct nameidata *nd, const struct path *link, const char *rest)
{
	struct inode *inode = link->dentry->inode;
	char target[LINUX_PATH_MAX];

	if (nd->ctx->resolve & LINUX_RESOLVE_NO_SYMLINKS)
		return -ELOOP;
	if (++nd->nlinks > LINUX_MAXSYMLINKS)
		return -ELOOP;
	if (inode->iops && inode->iops->jump) {
		int ret = nd_jump(nd, inode, rest);
		if (ret <= 0)
			return ret;
	}
	if (!inode->iops || !inode->iops->readlink)
		return -EINVAL;
	int n = inode->iops->readlink(inode, target, sizeof(target) - 1);
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	size_t rlen = strlen(rest);
	char *buf = malloc(n + 1 + rlen + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, target, n);
	buf[n] = 0;
	if (rlen) {
		buf[n] = '/';
		memcpy(buf + n + 1, rest, rlen + 1);
	}
	if (target[0] == '/') {
		if (nd->ctx->resolve & LINUX_RESOLVE_BENEATH) {
			free(buf);
			return -EXDEV;
		}
		path_set(&nd->path, nd->root.mnt, nd->root.dentry);
	}
	free(nd->buf);
	nd->buf = buf;
	nd->rest = buf;
	return 0;
}

int namei_follow(struct nameidata *nd, const struct path *link)
{
	return nd_follow(nd, link, nd->last_slash ? "/" : "");
}

static int lookup_child(struct nameidata *nd, const char *name, size_t len, struct path *out)
{
	struct dentry *d = d_lookup(nd->path.dentry, name, len);
	if (IS_ERR(d))
		return PTR_ERR(d);
	*out = (struct path){mnt_get(nd->path.mnt), d};
	int ret = follow_mounts(nd, out);
	if (ret)
		path_put(out);
	return ret;
}

static int last_type(const char *c, size_t len)
{
	if (len == 1 && c[0] == '.')
		return LAST_DOT;
	if (len == 2 && c[0] == '.' && c[1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

/* One component that is not the last; rest is what follows it. */
static int walk_component(struct nameidata *nd, const char *c, size_t len, const char **rest)
{
	switch (last_type(c, len)) {
	case LAST_DOT:
		return 0;
	case LAST_DOTDOT:
		return follow_dotdot(nd);
	}
	struct path next;
	int ret = lookup_child(nd, c, len, &next);
	if (ret)
		return ret;
	if (S_ISLNK(next.dentry->inode->mode)) {
		ret = nd_follow(nd, &next, *rest);
		path_put(&next);
		if (!ret)
			*rest = nd->rest;
		return ret;
	}
	path_put(&nd->path);
	nd->path = next;
	return 0;
}

int namei_walk(struct nameidata *nd)
{
	const char *s = nd->rest;

	nd->last_slash = false;
	nd->last_len = 0;
	nd->last[0] = 0;
	if (nd->last_type == LAST_EMPTY)
		return 0;
	while (*s == '/')
		s++;
	if (!*s) {
		nd->last_type = LAST_ROOT;
		return 0;
	}
	for (;;) {
		if (!d_is_dir(nd->path.dentry))
			return -ENOTDIR;
		int ret = inode_permission(nd->path.dentry->inode, MAY_EXEC, nd->ctx->cred);
		if (ret)
			return ret;
		const char *c = s;
		size_t len = strcspn(s, "/");
		s += len;
		bool slash = *s == '/';
		while (*s == '/')
			s++;
		if (!*s) {
			nd->last_type = last_type(c, len);
			nd->last_len = len;
			memcpy(nd->last, c, MIN(len, (size_t)LINUX_NAME_MAX));
			nd->last[MIN(len, (size_t)LINUX_NAME_MAX)] = 0;
			nd->last_slash = slash;
			nd->rest = s;
			return 0;
		}
		ret = walk_component(nd, c, len, &s);
		if (ret)
			return ret;
		while (*s == '/') /* an absolute symlink target */
			s++;
	}
}

int namei_last(struct nameidata *nd, struct path *out)
{
	int ret;

	switch (nd->last_type) {
	case LAST_DOTDOT:
		ret = follow_dotdot(nd);
		if (ret)
			return ret;
		/* fall through */
	case LAST_DOT:
	case LAST_ROOT:
	case LAST_EMPTY:
		*out = nd->path;
		path_get(out);
		return 0;
	}
	if (nd->last_len > LINUX_NAME_MAX)
		return -ENAMETOOLONG;
	return lookup_child(nd, nd->last, nd->last_len, out);
}

int namei_lookup(const struct vfs_ctx *ctx, const char *name, unsigned flags, struct path *out)
{
	struct nameidata nd;
	int ret = namei_start(&nd, ctx, name, flags);

	while (!ret) {
		struct path p;
		ret = namei_walk(&nd);
		if (!ret)
			ret = namei_last(&nd, &p);
		if (ret)
			break;
		if (S_ISLNK(p.dentry->inode->mode) && ((flags & LOOKUP_FOLLOW) || nd.last_slash)) {
			ret = namei_follow(&nd, &p);
			path_put(&p);
			continue;
		}
		if ((nd.last_slash || (flags & LOOKUP_DIRECTORY)) && !d_is_dir(p.dentry)) {
			path_put(&p);
			ret = -ENOTDIR;
			break;
		}
		*out = p;
		break;
	}
	namei_done(&nd);
	return ret;
}

int vfs_lookup(const struct vfs_ctx *ctx, const char *name, unsigned flags, struct path *out)
{
	vfs_lock();
	int ret = namei_lookup(ctx, name, flags, out);
	vfs_unlock();
	return ret;
}
