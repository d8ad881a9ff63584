// SPDX-License-Identifier: Apache-2.0
/* Per-task root, cwd and umask, chdir and getcwd. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "vfs_internal.h"

struct fs_struct *fs_struct_create(const struct path *root, const struct path *cwd)
{
	struct fs_struct *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	pthread_mutex_init(&fs->lock, NULL);
	fs->refs = 1;
	fs->root = *root;
	fs->cwd = *cwd;
	path_get(root);
	path_get(cwd);
	fs->umask = 022;
	return fs;
}

struct fs_struct *fs_struct_get(struct fs_struct *fs)
{
	__atomic_fetch_add(&fs->refs, 1, __ATOMIC_RELAXED);
	return fs;
}

struct fs_struct *fs_struct_copy(struct fs_struct *src)
{
	struct path root, cwd;
	fs_struct_paths(src, &root, &cwd);
	struct fs_struct *fs = fs_struct_create(&root, &cwd);
	path_put(&root);
	path_put(&cwd);
	if (fs)
		fs->umask = fs_struct_umask_get(src);
	return fs;
}

void fs_struct_put(struct fs_struct *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

void fs_struct_paths(struct fs_struct *fs, struct path *root, struct path *cwd)
{
	pthread_mutex_lock(&fs->lock);
	*root = fs->root;
	*cwd = fs->cwd;
	path_get(root);
	path_get(cwd);
	pthread_mutex_unlock(&fs->lock);
}

u32 fs_struct_umask(struct fs_struct *fs, u32 umask)
{
	pthread_mutex_lock(&fs->lock);
	u32 old = fs->umask;
	fs->umask = umask & 0777;
	pthread_mutex_unlock(&fs->lock);
	return old;
}

u32 fs_struct_umask_get(struct fs_struct *fs)
{
	pthread_mutex_lock(&fs->lock);
	u32 umask = fs->umask;
	pthread_mutex_unlock(&fs->lock);
	return umask;
}

int vfs_chdir(struct fs_struct *fs, const struct path *p, const struct vfs_cred *c)
{
	struct inode *inode = path_inode(p);
	if (!S_ISDIR(inode->mode))
		return -ENOTDIR;
	int ret = inode_permission(inode, MAY_EXEC, c);
	if (ret)
		return ret;
	struct path old;
	path_get(p);
	pthread_mutex_lock(&fs->lock);
	old = fs->cwd;
	fs->cwd = *p;
	pthread_mutex_unlock(&fs->lock);
	path_put(&old);
	return 0;
}

/* Prepend "/name" to the string ending at *end (buf holds it); false if no room. */
static bool prepend(char *buf, char **end, const char *name)
{
	size_t len = strlen(name);
	if ((size_t)(*end - buf) < len + 1)
		return false;
	*end -= len;
	memcpy(*end, name, len);
	*--*end = '/';
	return true;
}

/*
 * Build p's path from root backwards into tmp[LINUX_PATH_MAX]; *start
 * gets where it begins, *deleted whether p was unlinked (its path is then
 * the one it had).
 */
static long d_path_build(const struct path *root, const struct path *p, char *tmp, char **start,
			 bool *deleted)
{
	char *end = tmp + LINUX_PATH_MAX - 1;
	long ret = 0;

	*end = 0;
	vfs_lock();
	struct mount *m = p->mnt;
	struct dentry *d = p->dentry;
	*deleted = d->unlinked;
	while (!ret && !(m == root->mnt && d == root->dentry)) {
		if (d == m->root) {
			if (!m->parent) {
				if (m->sb->flags & SB_PSEUDO)
					break; /* "/name", as Linux's d_dname of pseudo files */
				/* Outside the root (a chroot we are not under). */
				if (!prepend(tmp, &end, "(unreachable)") && (ret = -ENAMETOOLONG))
					break;
				end++; /* "(unreachable)/..." has no leading slash */
				break;
			}
			d = m->mountpoint;
			m = m->parent;
			continue;
		}
		if (!prepend(tmp, &end, d->name))
			ret = -ENAMETOOLONG;
		d = d->parent;
	}
	vfs_unlock();
	if (!ret && !*end)
		*--end = '/';
	*start = end;
	return ret;
}

long vfs_d_path(const struct path *root, const struct path *p, char *buf, size_t size)
{
	char tmp[LINUX_PATH_MAX], *path;
	bool deleted;

	long ret = d_path_build(root, p, tmp, &path, &deleted);
	if (deleted)
		return -ENOENT; /* getcwd's answer for a removed cwd, whatever else */
	if (ret)
		return ret;
	size_t len = strlen(path) + 1;
	if (len > size)
		return -ERANGE;
	memcpy(buf, path, len);
	return len;
}

long vfs_d_path_shown(const struct path *root, const struct path *p, char *buf, size_t size)
{
	char tmp[LINUX_PATH_MAX], *path;
	bool deleted;
	long ret = d_path_build(root, p, tmp, &path, &deleted);
	if (ret)
		return ret;
	int len = snprintf(buf, size, "%s%s", path, deleted ? " (deleted)" : "");
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : len;
}

long vfs_getcwd(struct fs_struct *fs, char *buf, size_t size)
{
	struct path root, cwd;
	fs_struct_paths(fs, &root, &cwd);
	long ret = vfs_d_path(&root, &cwd, buf, size);
	path_put(&root);
	path_put(&cwd);
	return ret;
}
