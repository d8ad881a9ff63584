// SPDX-License-Identifier: Apache-2.0
/*
 * memfd files: each a tmpfs inode on one internal tmpfs, with a dentry
 * named "memfd:NAME" that is unlinked from the start, so that /proc shows
 * "/memfd:NAME (deleted)" as Linux's pseudo files do (SB_PSEUDO).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include "abi/linux/memfd.h"
#include "sentry/vfs/memfd.h"
#include "tmpfs.h"

/* The internal mount, made on first use and kept for the sandbox's life. */
static struct mount *memfd_mnt;
static pthread_once_t memfd_once = PTHREAD_ONCE_INIT;

static void memfd_init(void)
{
	/* Linux's shm_mnt: the size= of any tmpfs (memfds are limited by memory in Linux). */
	struct super_block *sb = tmpfs_mount("mode=01777");
	if (IS_ERR(sb))
		return;
	sb->flags |= SB_PSEUDO;
	memfd_mnt = mount_create_root(sb);
}

int vfs_memfd_create(const char *name, bool sealable, const struct vfs_cred *c, struct file **out)
{
	char dname[sizeof(LINUX_MFD_NAME_PREFIX) + LINUX_MFD_NAME_MAX];
	pthread_once(&memfd_once, memfd_init);
	if (!memfd_mnt)
		return -ENOMEM;
	snprintf(dname, sizeof(dname), "%s%s", LINUX_MFD_NAME_PREFIX, name);

	struct inode *inode = tmpfs_new_inode(memfd_mnt->sb, NULL, S_IFREG | 0777, c);
	if (!inode)
		return -ENOMEM;
	/* Linux's __shmem_file_setup: the file is unlinked, st_nlink 0. */
	inode->nlink = 0;
	TMPFS_I(inode)->reg.sealable = sealable;
	vfs_lock();
	struct dentry *d = d_add_child(memfd_mnt->root, dname, inode);
	if (!IS_ERR(d))
		d_unlink(d);
	vfs_unlock();
	if (IS_ERR(d))
		return PTR_ERR(d);
	struct path p = {mnt_get(memfd_mnt), d};
	struct vfs_ctx ctx = {.cred = c, .root = p, .start = p};
	int ret = vfs_open_path(&ctx, &p, O_RDWR, out);
	path_put(&p);
	/*
	 * As Linux's alloc_file_pseudo, the first fd takes no write access:
	 * it does not keep the memfd from being run (fexecve).
	 */
	if (!ret && ((*out)->mode & FMODE_WRITER)) {
		inode_put_write_access(inode);
		(*out)->mode &= ~FMODE_WRITER;
	}
	return ret;
}
