// SPDX-License-Identifier: Apache-2.0
/*
 * The mount tree (one mount namespace per sandbox for now) and the file
 * system types, registered in one explicit array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/ipc/ipc.h"
#include "vfs_internal.h"

static const struct fs_type fs_types[] = {
	{.name = "tmpfs", .mount = tmpfs_mount},
	{.name = "devtmpfs", .mount = devfs_mount},
	{.name = "mqueue", .mount = mqueue_mount}, /* sentry/ipc/mqueue_fs.c */
};

const struct fs_type *vfs_find_fs_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		if (strcmp(fs_types[i].name, name) == 0)
			return &fs_types[i];
	return NULL;
}

static u64 next_mount_id = 1;

struct mount *mnt_get(struct mount *m)
{
	__atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

void mnt_put(struct mount *m)
{
	/* The tree holds every mount until umount exists: this never frees. */
	__atomic_fetch_sub(&m->refs, 1, __ATOMIC_RELAXED);
}

static struct mount *mount_alloc(struct super_block *sb)
{
	struct mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->refs = 1;
	m->sb = sb;
	m->root = dget(sb->root);
	m->id = __atomic_fetch_add(&next_mount_id, 1, __ATOMIC_RELAXED);
	list_init(&m->children);
	list_init(&m->sibling);
	return m;
}

struct mount *mount_create_root(struct super_block *sb)
{
	struct mount *m = mount_alloc(sb);
	if (m)
		m->mountpoint = dget(m->root);
	return m;
}

int mount_at(const struct path *mp, struct super_block *sb)
{
	if (!d_is_dir(mp->dentry))
		return -ENOTDIR;
	if (mp->dentry->unlinked)
		return -ENOENT;
	struct mount *m = mount_alloc(sb);
	if (!m)
		return -ENOMEM;
	m->parent = mnt_get(mp->mnt);
	m->mountpoint = dget(mp->dentry);
	mp->dentry->mounts++;
	list_add_tail(&m->sibling, &mp->mnt->children);
	return 0;
}

struct mount *mount_lookup(struct mount *m, struct dentry *d)
{
	if (!d->mounts)
		return NULL;
	struct mount *c;
	list_for_each_entry(c, &m->children, sibling)
	{
		if (c->mountpoint == d)
			return c;
	}
	return NULL;
}
