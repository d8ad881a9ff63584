// SPDX-License-Identifier: Apache-2.0
/*
 * devfs: a tmpfs populated with the device nodes a container expects, as
 * Linux's devtmpfs plus what container runtimes add (std* and fd links,
 * shm/). Opening a node goes by its device number (devices.c), so nodes
 * made later with mknod behave the same.
 */
#include <errno.h>
#include <sys/stat.h>

#include "vfs_internal.h"

static const struct vfs_cred devfs_cred = {.caps = ~0ULL};

static const struct {
	const char *name;
	u32 mode, major, minor;
} devfs_nodes[] = {
	{"null", S_IFCHR | 0666, 1, 3},	   {"zero", S_IFCHR | 0666, 1, 5},
	{"full", S_IFCHR | 0666, 1, 7},	   {"random", S_IFCHR | 0666, 1, 8},
	{"urandom", S_IFCHR | 0666, 1, 9}, {"tty", S_IFCHR | 0666, 5, 0},
	{"ptmx", S_IFCHR | 0666, 5, 2},
};

static const struct {
	const char *name, *target;
} devfs_links[] = {
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
};

static int devfs_populate(struct inode *root)
{
	const struct inode_ops *ops = root->iops;
	struct inode *inode;

	for (size_t i = 0; i < ARRAY_SIZE(devfs_nodes); i++) {
		inode = ops->mknod(root, devfs_nodes[i].name, devfs_nodes[i].mode,
				   linux_encode_dev(devfs_nodes[i].major, devfs_nodes[i].minor),
				   &devfs_cred);
		if (IS_ERR(inode))
			return PTR_ERR(inode);
		inode_put(inode);
	}
	for (size_t i = 0; i < ARRAY_SIZE(devfs_links); i++) {
		inode = ops->symlink(root, devfs_links[i].name, devfs_links[i].target, &devfs_cred);
		if (IS_ERR(inode))
			return PTR_ERR(inode);
		inode_put(inode);
	}
	inode = ops->mkdir(root, "shm", S_IFDIR | 01777, &devfs_cred);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inode_put(inode);
	return 0;
}

struct super_block *devfs_mount(const char *options)
{
	struct super_block *sb = tmpfs_mount(options);
	if (IS_ERR(sb))
		return sb;
	int ret = devfs_populate(sb->root->inode);
	/*
	 * Only ENOMEM fails this, at sandbox start-up, which then fails as a
	 * whole: the half-made super block is not worth unwinding.
	 */
	return ret ? ERR_PTR(ret) : sb;
}
