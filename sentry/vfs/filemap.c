// SPDX-License-Identifier: Apache-2.0
/*
 * mmap(2) of files: the checks Linux's do_mmap makes of the file, and the
 * adapter that hands an open file to mm as a struct mm_file. mm reads the
 * file through f->ops->read at an offset of its own (pread semantics), so
 * every file system the VFS can open is mappable without a mmap op; a
 * file whose data is a shared memory object (tmpfs, or the page cache of
 * a gofer file: f->ops->mmap) hands mm that object instead, which makes
 * MAP_SHARED writable and coherent.
 * A stacked file (overlay) is mapped as its layer file (f->ops->real_file),
 * as Linux's ovl_mmap does, under its own name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "abi/linux/signal.h"
#include "vfs_internal.h"

/* A reference to an open file description, as mm holds it. */
struct filemap {
	struct mm_file base;
	int refs;	 /* atomic */
	struct file *f;	 /* the file mapped: its name */
	struct file *rf; /* its layer file, whose data is mapped; NULL: f itself */
};

static struct filemap *to_filemap(struct mm_file *file)
{
	return container_of(file, struct filemap, base);
}

static void filemap_get(struct mm_file *file)
{
	__atomic_fetch_add(&to_filemap(file)->refs, 1, __ATOMIC_RELAXED);
}

static void filemap_put(struct mm_file *file)
{
	struct filemap *m = to_filemap(file);
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	shmem_put(m->base.shm);
	file_put(m->rf);
	file_put(m->f);
	free(m);
}

/* The file whose bytes the mapping shows. */
static struct file *data_file(struct mm_file *file)
{
	struct filemap *m = to_filemap(file);
	return m->rf ? m->rf : m->f;
}

/* Read until len bytes or the end of the file: mm takes a short count for the end. */
static long filemap_read(struct mm_file *file, void *buf, size_t len, u64 off)
{
	struct file *f = data_file(file);
	size_t done = 0;
	if (off > INT64_MAX)
		return 0;
	while (done < len) {
		s64 pos = off + done; /* pread: f->pos is the guest's, not ours */
		ssize_t n = vfs_read(f, (u8 *)buf + done, len - done, &pos);
		/* A fault cannot restart a syscall: mm retries the access instead. */
		if (n <= -ERESTARTSYS && n >= -ERESTART_RESTARTBLOCK)
			return -EINTR;
		if (n < 0)
			return n;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static s64 filemap_size(struct mm_file *file)
{
	struct file *f = data_file(file);
	struct kstat st = {.mask = LINUX_STATX_BASIC_STATS};
	int ret;
	if (f->path.dentry || !f->inode) {
		ret = vfs_fstat(f, &st);
		return ret ? ret : st.size;
	}
	/* A layer file has no path: ask its inode, as vfs_getattr would. */
	struct inode *inode = f->inode;
	pthread_mutex_lock(&inode->lock);
	st.size = inode->size;
	ret = inode->iops && inode->iops->getattr ? inode->iops->getattr(inode, &st) : 0;
	pthread_mutex_unlock(&inode->lock);
	return ret ? ret : st.size;
}

/* /proc/<pid>/maps: the path from the top of the mount tree, and the inode's numbers. */
static long filemap_name(struct mm_file *file, char *buf, size_t size, u64 *dev, u64 *ino)
{
	struct file *f = to_filemap(file)->f;
	if (!f->path.dentry)
		return -ENOENT;
	*dev = f->inode->sb->dev;
	*ino = f->inode->ino;
	vfs_lock();
	struct mount *top = f->path.mnt;
	while (top->parent)
		top = top->parent;
	struct path root = {top, top->root};
	long ret = vfs_d_path_shown(&root, &f->path, buf, size);
	vfs_unlock();
	return ret;
}

static const struct mm_file_ops filemap_ops = {
	.get = filemap_get,
	.put = filemap_put,
	.read = filemap_read,
	.size = filemap_size,
	.name = filemap_name,
};

/*
 * Linux's file_mmap_ok: the last byte mapped must be a valid offset, up
 * to MAX_LFS_FILESIZE for a regular file and ULONG_MAX for a device.
 */
static bool mmap_range_ok(bool regular, u64 off, u64 len)
{
	u64 max = regular ? INT64_MAX : UINT64_MAX;
	return len <= max && off >> PAGE_SHIFT <= (max - len) >> PAGE_SHIFT;
}

/*
 * /dev/zero maps as anonymous memory (Linux's mmap_zero). The device
 * number is what picks the driver (chrdev_ops), so it names the device
 * whichever file system holds the node.
 */
static bool is_dev_zero(const struct inode *inode)
{
	return S_ISCHR(inode->mode) && inode->rdev == linux_encode_dev(1, 5);
}

long vfs_mmap_file(struct mm *mm, struct file *f, u64 addr, u64 len, u32 prot, u32 mm_flags,
		   u64 off)
{
	struct inode *inode = f->inode;
	if (f->mode & FMODE_PATH)
		return -EBADF;
	if (!len)
		return -EINVAL;
	u64 alen = ALIGN_UP(len, PAGE_SIZE);
	if (!alen || alen > MM_TASK_SIZE)
		return -ENOMEM;
	if (!IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL;
	bool regular = inode && S_ISREG(inode->mode);
	if (!mmap_range_ok(regular, off, alen))
		return -EOVERFLOW;
	bool shared = mm_flags & MM_SHARED;
	if (shared && (prot & PROT_WRITE) && !(f->mode & FMODE_WRITE))
		return -EACCES;
	if (!(f->mode & FMODE_READ))
		return -EACCES;
	bool zero = inode && is_dev_zero(inode);
	if (!regular && !zero)
		return -ENODEV;
	if (mm_flags & MM_GROWSDOWN)
		return -EINVAL;
	/* Linux: without FMODE_WRITE, MAP_SHARED loses VM_MAYWRITE and VM_SHARED. */
	if (shared && !(f->mode & FMODE_WRITE))
		mm_flags |= MM_NOWRITE;
	if (zero)
		return mm_map_anon(mm, addr, len, prot, mm_flags);
	struct file *rf = f->ops->real_file ? f->ops->real_file(f) : NULL;
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	struct file *df = rf ? rf : f;
	struct shmem *shm = NULL;
	/* An op may answer NULL for a file it has no object for: as without the op. */
	if (df->ops->mmap) {
		shm = df->ops->mmap(df, prot, &mm_flags);
		if (IS_ERR(shm)) {
			file_put(rf);
			return PTR_ERR(shm);
		}
	}
	if (!shm && shared && (f->mode & FMODE_WRITE)) {
		/*
		 * MAP_SHARED of a file open for writing whose data is not in
		 * a shared memory object (a 9P-only gofer file, without a
		 * host descriptor to cache): Linux lets it be written, with
		 * the writes reaching the file and every read(2) and mapping
		 * at once, through one page cache. mm's pages of such a file
		 * are private snapshots, so the mapping would silently show
		 * stale bytes and lose its writes: refuse it, as a file
		 * without mmap support does.
		 */
		file_put(rf);
		return -ENODEV;
	}
	bool writable = shm && (mm_flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED;
	struct filemap *m = malloc(sizeof(*m));
	long ret = -ENOMEM;
	if (m) {
		*m = (struct filemap){.base = {.ops = &filemap_ops, .id = f, .shm = shm},
				      .refs = 1,
				      .f = file_get(f),
				      .rf = rf};
		ret = mm_map_file(mm, addr, len, prot, mm_flags, &m->base, off);
	}
	/* The new VMA counts itself as a writable mapping. */
	if (writable)
		shmem_unmap_writable(shm);
	if (m) {
		filemap_put(&m->base); /* each VMA holds its own */
	} else {
		shmem_put(shm);
		file_put(rf);
	}
	return ret;
}
