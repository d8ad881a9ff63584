// SPDX-License-Identifier: Apache-2.0
/*
 * File calls that mostly check their arguments: close_range, the page
 * cache hints (readahead, fadvise64, sync_file_range), chroot, and the
 * file handle calls, which no file system of the Sentry supports.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "abi/linux/capability.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "sentry/vfs/file.h"
#include "sys_path.h"

#define LINUX_CLOSE_RANGE_UNSHARE (1U << 1)
#define LINUX_CLOSE_RANGE_CLOEXEC (1U << 2)

#define LINUX_POSIX_FADV_NOREUSE 5

#define LINUX_SYNC_FILE_RANGE_ALL 7 /* WAIT_BEFORE | WRITE | WAIT_AFTER */
#define LINUX_SYNC_FILE_RANGE_WRITE 2

#define LINUX_AT_HANDLE_MNT_ID_UNIQUE 0x001
#define LINUX_AT_HANDLE_CONNECTABLE 0x002
#define LINUX_AT_HANDLE_FID 0x200
#define LINUX_MAX_HANDLE_SZ 128

/* The guest's struct file_handle, without its variable f_handle. */
struct linux_file_handle {
	u32 handle_bytes;
	s32 handle_type;
};

/*
 * Give t a private copy of its fd table if it shares one (close_range's
 * CLOSE_RANGE_UNSHARE, Linux's unshare_fd). POSIX locks stay with the
 * shared table, as in Linux. The swap is under k->lock, where procfs and
 * kcmp take references to t->files.
 */
static int unshare_files(struct task *t)
{
	if (!fdtable_is_shared(t->files))
		return 0;
	struct fdtable *files = fdtable_copy(t->files);
	if (!files)
		return -ENOMEM;
	pthread_mutex_lock(&t->k->lock);
	struct fdtable *old = t->files;
	t->files = files;
	pthread_mutex_unlock(&t->k->lock);
	fdtable_destroy(old);
	return 0;
}

long sys_close_range(struct task *t, const struct syscall_args *a)
{
	unsigned fd = arg_uint(a, 0), max_fd = arg_uint(a, 1), flags = arg_uint(a, 2);

	if (flags & ~(LINUX_CLOSE_RANGE_UNSHARE | LINUX_CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (fd > max_fd)
		return -EINVAL;
	if (flags & LINUX_CLOSE_RANGE_UNSHARE) {
		int ret = unshare_files(t);
		if (ret)
			return ret;
	}
	fdtable_close_range(t->files, fd, max_fd, flags & LINUX_CLOSE_RANGE_CLOEXEC);
	return 0;
}

/* The file type (S_IFMT bits) of f, or -errno. */
static long file_type(struct file *f)
{
	struct kstat st;
	int ret = vfs_fstat(f, &st);
	return ret ? ret : (long)(st.mode & S_IFMT);
}

/*
 * fadvise64: Linux's generic_fadvise checks, then nothing, as for a file
 * system without a page cache to steer (the host's does its own
 * read-ahead for gofer files).
 */
long sys_fadvise64(struct task *t, const struct syscall_args *a)
{
	s64 len = (s64)a->a[2];
	int advice = arg_int(a, 3);
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));

	if (!f)
		return -EBADF;
	long type = file_type(f);
	if (type == S_IFIFO)
		return -ESPIPE;
	if (len < 0)
		return -EINVAL;
	if (advice < POSIX_FADV_NORMAL || advice > LINUX_POSIX_FADV_NOREUSE)
		return -EINVAL;
	return 0;
}

long sys_readahead(struct task *t, const struct syscall_args *a)
{
	s64 len = (s64)a->a[2];
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));

	if (!f || !(f->mode & FMODE_READ))
		return -EBADF;
	long type = file_type(f);
	if (type != S_IFREG && type != S_IFBLK)
		return -EINVAL;
	/* generic_fadvise's POSIX_FADV_WILLNEED: a hint we take without reading ahead. */
	return len < 0 ? -EINVAL : 0;
}

long sys_sync_file_range(struct task *t, const struct syscall_args *a)
{
	s64 off = (s64)a->a[1], nbytes = (s64)a->a[2];
	unsigned flags = arg_uint(a, 3);
	_cleanup_file_ struct file *f = fd_file(t, arg_int(a, 0));
	s64 end;

	if (!f)
		return -EBADF;
	if (flags & ~LINUX_SYNC_FILE_RANGE_ALL)
		return -EINVAL;
	if (off < 0 || __builtin_add_overflow(off, nbytes, &end) || end < 0 || end < off)
		return -EINVAL;
	long type = file_type(f);
	if (type != S_IFREG && type != S_IFBLK && type != S_IFDIR && type != S_IFLNK)
		return -ESPIPE;
	if (!(flags & LINUX_SYNC_FILE_RANGE_WRITE))
		return 0;
	/* Write the file back as a whole: the Sentry has no per-range writeback. */
	int ret = vfs_fsync(f);
	return ret == -EINVAL ? 0 : ret; /* nothing to write back */
}

long sys_chroot(struct task *t, const struct syscall_args *a)
{
	struct vfs_cred c;
	_cleanup_path_ struct path p = {0};
	long ret = at_lookup(t, AT_FDCWD, arg_ptr(a, 0), LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);

	if (ret)
		return ret;
	task_vfs_cred(t, &c);
	ret = inode_permission(path_inode(&p), MAY_EXEC, &c);
	if (ret)
		return ret;
	if (!task_capable(t, LINUX_CAP_SYS_CHROOT))
		return -EPERM;
	/* Linux's set_fs_root: the cwd stays, even outside the new root. */
	struct fs_struct *fs = t->fs;
	struct path old;
	path_get(&p);
	pthread_mutex_lock(&fs->lock);
	old = fs->root;
	fs->root = p;
	pthread_mutex_unlock(&fs->lock);
	path_put(&old);
	return 0;
}

/*
 * name_to_handle_at: after resolving the path, -EOPNOTSUPP, what Linux
 * says for a file system without export operations (none of ours can
 * turn a handle back into a file across a restart of the gofer).
 */
long sys_name_to_handle_at(struct task *t, const struct syscall_args *a)
{
	int flags = arg_int(a, 4);
	unsigned lflags = 0;
	_cleanup_path_ struct path p = {0};

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | LINUX_AT_HANDLE_FID |
		      LINUX_AT_HANDLE_MNT_ID_UNIQUE | LINUX_AT_HANDLE_CONNECTABLE))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		lflags |= LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lflags |= LOOKUP_EMPTY;
	long ret = at_lookup(t, arg_int(a, 0), arg_ptr(a, 1), lflags, &p);
	return ret ? ret : -EOPNOTSUPP;
}

/*
 * open_by_handle_at: the checks of Linux 6.18's handle_to_path in order,
 * then -ESTALE: no handle can name a file here (name_to_handle_at makes
 * none).
 */
long sys_open_by_handle_at(struct task *t, const struct syscall_args *a)
{
	int mountfd = arg_int(a, 0);
	struct linux_file_handle fh;
	u8 body[LINUX_MAX_HANDLE_SZ];

	if (mm_copy_from_user(t->mm, &fh, arg_ptr(a, 1), sizeof(fh)))
		return -EFAULT;
	if (fh.handle_bytes > LINUX_MAX_HANDLE_SZ || !fh.handle_bytes)
		return -EINVAL;
	/* The user flags Linux knows: FILEID_IS_CONNECTABLE and FILEID_IS_DIR. */
	if (fh.handle_type < 0 || (fh.handle_type & 0xfffc0000))
		return -EINVAL;
	if (mm_copy_from_user(t->mm, body, uaddr(a->a[1] + sizeof(fh)), fh.handle_bytes))
		return -EFAULT;
	/* The mount to decode in: any open file's, or the cwd's. */
	if (mountfd != AT_FDCWD) {
		struct file *f = mountfd >= 0 ? fdtable_get(t->files, mountfd) : NULL;
		if (!f)
			return -EBADF;
		file_put(f);
	}
	if (!task_capable(t, LINUX_CAP_DAC_READ_SEARCH))
		return -EPERM;
	return -ESTALE;
}
