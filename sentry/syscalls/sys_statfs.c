// SPDX-License-Identifier: Apache-2.0
/* statfs and fstatfs: the numbers of the file system a file is on. */
#include <errno.h>
#include <fcntl.h>

#include "sys_path.h"

/* The guest's struct statfs; st from the file system, the rest the VFS's. */
static long statfs_out(struct task *t, const struct kstatfs *st, u64 dev, uaddr_t ubuf)
{
	struct linux_statfs out = {
		.f_type = st->type,
		.f_bsize = st->bsize,
		.f_blocks = st->blocks,
		.f_bfree = st->bfree,
		.f_bavail = st->bavail,
		.f_files = st->files,
		.f_ffree = st->ffree,
		/* Linux's fsid for a file system without a UUID: its device number. */
		.f_fsid = {(s32)(u32)dev, (s32)(u32)(dev >> 32)},
		.f_namelen = st->namelen,
		.f_frsize = st->bsize,
		.f_flags = LINUX_ST_VALID | st->flags,
	};
	return mm_copy_to_user(t->mm, ubuf, &out, sizeof(out)) ? -EFAULT : 0;
}

long sys_statfs(struct task *t, const struct syscall_args *a)
{
	_cleanup_path_ struct path p = {0};
	struct kstatfs st;
	long ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 0), LOOKUP_FOLLOW, &p);
	if (!ret)
		ret = vfs_statfs(&p, &st);
	return ret ? ret : statfs_out(t, &st, path_inode(&p)->sb->dev, arg_ptr(a, 1));
}

/* Any descriptor, O_PATH ones too (as Linux's fdget_raw). */
long sys_fstatfs(struct task *t, const struct syscall_args *a)
{
	_cleanup_file_ struct file *f = fdtable_get(t->files, arg_int(a, 0));
	struct kstatfs st = {.bsize = PAGE_SIZE, .namelen = LINUX_NAME_MAX};
	if (!f)
		return -EBADF;
	if (!f->path.dentry) {
		/* Pipes and host descriptors: Linux's pipefs answers for them. */
		st.type = LINUX_PIPEFS_MAGIC;
		return statfs_out(t, &st, 0, arg_ptr(a, 1));
	}
	long ret = vfs_statfs(&f->path, &st);
	return ret ? ret : statfs_out(t, &st, path_inode(&f->path)->sb->dev, arg_ptr(a, 1));
}
