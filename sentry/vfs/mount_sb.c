// SPDX-License-Identifier: Apache-2.0
/*
 * The super block a new mount(2) gets: a new tmpfs with mount(2)'s
 * options parsed as Linux's shmem_parse_one, a new instance of a
 * registered type (mount.c's table), or the sandbox's one instance of
 * proc, sysfs, cgroup2, devpts and mqueue, which a new mount shares as a
 * bind would (the Sentry has one of each: they show the whole sandbox).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namespace_internal.h"

/* A super block of type fstype mounted anywhere under m, or NULL. */
static struct super_block *find_sb(struct mount *m, const char *fstype, int depth)
{
	if (!strcmp(m->sb->fstype, fstype))
		return m->sb;
	struct mount *c;
	if (depth > MAX_DEPTH)
		return NULL;
	list_for_each_entry(c, &m->children, sibling)
	{
		struct super_block *sb = find_sb(c, fstype, depth + 1);
		if (sb)
			return sb;
	}
	return NULL;
}

/*
 * The file systems with one instance per sandbox, and those instances as
 * the initial mount tree has them, each with a reference of its own so
 * that a namespace that unmounted them all can mount them again.
 */
static const char *const shared_types[] = {"proc", "sysfs", "cgroup2", "devpts", "mqueue"};
static struct super_block *shared_sbs[ARRAY_SIZE(shared_types)];

void mount_remember_shared_sbs(struct mount *top)
{
	for (size_t i = 0; i < ARRAY_SIZE(shared_types); i++)
		if (!shared_sbs[i] && (shared_sbs[i] = find_sb(top, shared_types[i], 0)))
			sb_get(shared_sbs[i]);
}

/* Parse a number with tmpfs's k/m/g suffixes. */
static int parse_size(const char *s, const char **end, u64 *out)
{
	char *e;
	u64 v = strtoull(s, &e, 0);
	if (e == s)
		return -EINVAL;
	switch (*e) {
	case 'k':
	case 'K':
		v <<= 10, e++;
		break;
	case 'm':
	case 'M':
		v <<= 20, e++;
		break;
	case 'g':
	case 'G':
		v <<= 30, e++;
		break;
	case '%':
		v = 0, e++; /* a share of memory: the default size */
		break;
	}
	*end = e;
	return 0;
}

/* tmpfs options of mount(2)'s data, as Linux's shmem_parse_one; the owner is set after. */
static int tmpfs_options(const char *data, char *out, size_t outlen, u32 *uid, u32 *gid)
{
	const char *s = data ? data : "";
	u64 size = 0, mode = 01777;
	*uid = *gid = (u32)-1;
	while (*s) {
		const char *e = s + strcspn(s, ",");
		char *ne;
		u64 v;
		int ret = 0;
		if (!strncmp(s, "size=", 5)) {
			ret = parse_size(s + 5, &e, &size);
		} else if (!strncmp(s, "nr_inodes=", 10) || !strncmp(s, "nr_blocks=", 10)) {
			ret = parse_size(s + 10, &e, &v); /* inodes are not limited */
		} else if (!strncmp(s, "mode=", 5)) {
			mode = strtoull(s + 5, &ne, 8) & 07777;
			ret = ne == s + 5 ? -EINVAL : 0, e = ne;
		} else if (!strncmp(s, "uid=", 4) || !strncmp(s, "gid=", 4)) {
			v = strtoull(s + 4, &ne, 0);
			ret = ne == s + 4 || v > 0xfffffffeull ? -EINVAL : 0, e = ne;
			*(s[0] == 'u' ? uid : gid) = v;
		} else if (strncmp(s, "rw,", 3) && strcmp(s, "rw") && strncmp(s, "ro,", 3) &&
			   strcmp(s, "ro") && strncmp(s, "huge=", 5) && strncmp(s, "mpol=", 5) &&
			   strncmp(s, "inode64", 7) && strncmp(s, "inode32", 7) &&
			   strncmp(s, "noswap", 6) && s[0] != ',') {
			return -EINVAL;
		} else {
			e = s + strcspn(s, ",");
		}
		if (ret || (*e && *e != ','))
			return -EINVAL;
		s = *e ? e + 1 : e;
	}
	if (size)
		snprintf(out, outlen, "mode=%llo,size=%llu", (unsigned long long)mode,
			 (unsigned long long)size);
	else
		snprintf(out, outlen, "mode=%llo", (unsigned long long)mode);
	return 0;
}

static struct super_block *new_tmpfs(const char *data)
{
	char opts[96];
	u32 uid, gid;
	int ret = tmpfs_options(data, opts, sizeof(opts), &uid, &gid);
	if (ret)
		return ERR_PTR(ret);
	struct super_block *sb = tmpfs_mount(opts);
	if (IS_ERR(sb))
		return sb;
	struct inode *root = sb->root->inode;
	pthread_mutex_lock(&root->lock);
	if (uid != (u32)-1)
		root->uid = uid;
	if (gid != (u32)-1)
		root->gid = gid;
	pthread_mutex_unlock(&root->lock);
	return sb;
}

struct super_block *mount_get_sb(const struct vfs_ctx *ctx, const char *fstype, const char *data)
{
	if (!strcmp(fstype, "tmpfs"))
		return new_tmpfs(data);
	const struct fs_type *type = vfs_find_fs_type(fstype);
	if (type)
		return type->mount(data);
	for (size_t i = 0; i < ARRAY_SIZE(shared_types); i++) {
		if (strcmp(fstype, shared_types[i]))
			continue;
		vfs_lock();
		struct super_block *sb = find_sb(tree_top(ctx->root.mnt), fstype, 0);
		/* A namespace that unmounted its /proc (pivot_root) still gets the one instance. */
		if (!sb)
			sb = shared_sbs[i];
		if (sb)
			sb_get(sb);
		vfs_unlock();
		return sb ? sb : ERR_PTR(-ENODEV);
	}
	return ERR_PTR(-ENODEV);
}

int mount_check_options(const char *fstype, const char *data)
{
	char opts[96];
	u32 uid, gid;
	if (!strcmp(fstype, "tmpfs") && tmpfs_options(data, opts, sizeof(opts), &uid, &gid))
		return -EINVAL;
	return 0;
}
