// SPDX-License-Identifier: Apache-2.0
/*
 * anon_inodefs (anon_inode.h): one super block with one inode number,
 * made once, that every anonymous-inode file reports as Linux's
 * anon_inode_getfile() files do.
 */
#include <errno.h>
#include <pthread.h>

#include "anon_inode.h"
#include "vfs.h"

/* Written once under anonfs_once, read-only after: no lock needed. */
static struct super_block *anonfs;
static u64 anon_ino;
static pthread_once_t anonfs_once = PTHREAD_ONCE_INIT;

static void anonfs_init(void)
{
	anonfs = sb_alloc(NULL, "anon_inodefs");
	if (anonfs)
		anon_ino = sb_next_ino(anonfs);
}

int anon_inode_init(void)
{
	pthread_once(&anonfs_once, anonfs_init);
	return anonfs ? 0 : -ENOMEM;
}

int anon_inode_stat(struct file *f, struct kstat *st)
{
	*st = (struct kstat){
		.mask = LINUX_STATX_BASIC_STATS,
		.mode = 0600,
		.nlink = 1,
		.blksize = PAGE_SIZE,
		.dev = anonfs->dev,
		.ino = anon_ino,
	};
	return 0;
}

s64 anon_inode_llseek(struct file *f, s64 off, int whence)
{
	return 0;
}
