// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs regular files: data in a shared memory object (tmpfs.h), read,
 * write, llseek, truncate, fallocate, mmap of the object itself, and the file seals
 * of memfd (fcntl F_ADD_SEALS / F_GET_SEALS). SEEK_DATA and SEEK_HOLE
 * treat the file as all data (Linux's generic answer).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi/linux/memfd.h"
#include "sentry/kernel/oom.h"
#include "sentry/kernel/rlimit.h"
#include "tmpfs.h"

/* The seals in force; caller holds inode->lock. */
static u32 file_seals(const struct tmpfs_inode *ti)
{
	/* Linux: every shmem file starts with F_SEAL_SEAL, but a memfd made to be sealed. */
	return ti->reg.seals | (ti->reg.sealable ? 0 : LINUX_F_SEAL_SEAL);
}

struct shmem *tmpfs_file_shmem(struct inode *inode)
{
	struct tmpfs_inode *ti = TMPFS_I(inode);
	if (ti->reg.shm)
		return ti->reg.shm;
	struct memfile *mf = shmem_file_memfile();
	if (IS_ERR(mf))
		return (struct shmem *)mf;
	struct tmpfs_info *info = TMPFS_SB(inode->sb);
	struct shmem *s = info->store ? shmem_create_stored_file(mf, &info->pages, info->max_pages)
				      : shmem_create_file(mf, &info->pages, info->max_pages);
	if (IS_ERR(s))
		return s;
	shmem_resize(s, inode->size); /* a hole as big as the file: nothing maps it yet */
	ti->reg.shm = s;
	return s;
}

/* st_blocks from the object's frames (faults add some without inode->lock). */
static void sync_blocks(struct inode *inode)
{
	struct shmem *s = TMPFS_I(inode)->reg.shm;
	inode->blocks = s ? shmem_nr_frames(s) * (PAGE_SIZE / 512) : 0;
}

void tmpfs_file_free(struct inode *inode)
{
	struct tmpfs_inode *ti = TMPFS_I(inode);
	shmem_put(ti->reg.shm);
	ti->reg.shm = NULL;
}

static ssize_t tmpfs_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	struct inode *inode = f->inode;
	s64 off = *pos;

	pthread_mutex_lock(&inode->lock);
	if (off < inode->size)
		len = MIN(len, (u64)(inode->size - off));
	else
		len = 0;
	struct shmem *s = TMPFS_I(inode)->reg.shm;
	if (s)
		shmem_read(s, buf, len, off);
	else
		memset(buf, 0, len);
	pthread_mutex_unlock(&inode->lock);
	*pos = off + len;
	inode_accessed(inode);
	return len;
}

/*
 * How much of a write of len at off the seals and the size limit let
 * through, or -errno; caller holds inode->lock.
 */
static ssize_t write_allowed(struct inode *inode, size_t len, s64 off)
{
	u32 seals = file_seals(TMPFS_I(inode));
	if (!len)
		return 0;
	if (seals & (LINUX_F_SEAL_WRITE | LINUX_F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (off >= SHMEM_MAX_SIZE)
		return -EFBIG;
	len = MIN(len, (u64)(SHMEM_MAX_SIZE - off));
	/*
	 * F_SEAL_GROW: Linux writes page by page and refuses the first piece
	 * (within one page) that would end past the end of the file.
	 */
	if ((seals & LINUX_F_SEAL_GROW) && off + (s64)len > inode->size) {
		s64 last = ALIGN_DOWN(inode->size, PAGE_SIZE);
		if (last <= off)
			return -EPERM;
		len = last - off;
	}
	return len;
}

/*
 * A write that finds the memory file full before its first byte goes
 * through the OOM killer and tries again, as Linux's charge of a shmem page
 * to a full memory cgroup does; one that got some bytes in is short, and
 * the next write waits instead. inode->lock is not held meanwhile.
 */
static ssize_t tmpfs_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	struct inode *inode = f->inode;
	ssize_t n;
	s64 off;

	for (unsigned int attempt = 0;; attempt++) {
		pthread_mutex_lock(&inode->lock);
		off = (f->flags & O_APPEND) ? inode->size : *pos;
		n = write_allowed(inode, len, off);
		if (n > 0) {
			struct shmem *s = tmpfs_file_shmem(inode);
			n = IS_ERR(s) ? PTR_ERR(s) : shmem_write(s, buf, n, off);
		}
		if (n > 0) {
			if (off + n > inode->size)
				inode->size = off + n;
			inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
			sync_blocks(inode);
		}
		pthread_mutex_unlock(&inode->lock);
		if (n != -ENOMEM || oom_wait_for_memory(attempt))
			break;
	}
	if (n >= 0)
		*pos = off + n;
	return n;
}

static s64 tmpfs_llseek(struct file *f, s64 off, int whence)
{
	struct inode *inode = f->inode;
	pthread_mutex_lock(&inode->lock);
	s64 size = inode->size;
	pthread_mutex_unlock(&inode->lock);

	switch (whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(off, f->pos, &off))
			return -EINVAL;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(off, size, &off))
			return -EINVAL;
		break;
	case SEEK_DATA:
		if (off < 0 || off >= size)
			return -ENXIO;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		off = size;
		break;
	default:
		return -EINVAL;
	}
	if (off < 0)
		return -EINVAL;
	f->pos = off;
	return off;
}

static int tmpfs_fsync(struct file *f)
{
	return 0;
}

/*
 * Linux's shmem_fallocate: allocating (mode 0 or FALLOC_FL_KEEP_SIZE)
 * sets the size only, the pages stay holes until touched (no frames are
 * reserved, so a full file system shows at the first write, not here);
 * punching a hole frees the frames of the whole pages in the range (the
 * host's memory with them) and takes them out of every mapping, shared
 * ones and private pages not yet written, which fault zeros back in
 * (shmem_punch); the partial pages at the edges are zeroed in place.
 * Private copies keep their data, as Linux's punch leaves COW pages
 * alone. The punch needs the mappers' mm->lock: inode->lock is let go
 * first, as tmpfs_setattr does.
 */
static int tmpfs_fallocate(struct file *f, int mode, s64 off, s64 len)
{
	struct inode *inode = f->inode;
	struct shmem *punch = NULL;
	s64 end = off + len; /* vfs_fallocate checked it does not overflow */
	int ret = 0;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&inode->lock);
	u32 seals = file_seals(TMPFS_I(inode));
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (seals & (LINUX_F_SEAL_WRITE | LINUX_F_SEAL_FUTURE_WRITE)) {
			ret = -EPERM;
			goto out;
		}
		punch = TMPFS_I(inode)->reg.shm;
		shmem_get(punch);
		inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
		goto out;
	}
	if (end > SHMEM_MAX_SIZE) {
		ret = -EFBIG;
		goto out;
	}
	/* Linux's shmem checks RLIMIT_FSIZE even for KEEP_SIZE (vfs_fallocate did the rest). */
	if (mode & FALLOC_FL_KEEP_SIZE) {
		ret = rlimit_fsize_truncate(inode->size, end);
		if (ret)
			goto out;
	}
	if ((seals & LINUX_F_SEAL_GROW) && end > inode->size) {
		ret = -EPERM;
		goto out;
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > inode->size) {
		if (TMPFS_I(inode)->reg.shm)
			shmem_resize(TMPFS_I(inode)->reg.shm, end); /* growing: nothing to unmap */
		inode->size = end;
	}
	inode_touch(inode, ATTR_CTIME);
out:
	pthread_mutex_unlock(&inode->lock);
	if (punch) {
		shmem_punch(punch, off, len);
		shmem_put(punch);
		pthread_mutex_lock(&inode->lock);
		sync_blocks(inode);
		pthread_mutex_unlock(&inode->lock);
	}
	return ret;
}

/*
 * Linux's shmem_mmap and the seal checks of mmap_region: a file sealed
 * against writes cannot get a writable shared mapping (-EPERM), and a
 * read-only one can never become writable (MM_NOWRITE).
 */
static struct shmem *tmpfs_mmap(struct file *f, u32 prot, u32 *mm_flags)
{
	struct inode *inode = f->inode;
	bool shared_write = (*mm_flags & (MM_SHARED | MM_NOWRITE)) == MM_SHARED;
	struct shmem *s = ERR_PTR(-EPERM);

	pthread_mutex_lock(&inode->lock);
	if (shared_write &&
	    (file_seals(TMPFS_I(inode)) & (LINUX_F_SEAL_WRITE | LINUX_F_SEAL_FUTURE_WRITE))) {
		if (prot & PROT_WRITE)
			goto out;
		*mm_flags |= MM_NOWRITE;
		shared_write = false;
	}
	s = tmpfs_file_shmem(inode);
	if (IS_ERR(s))
		goto out;
	int ret = shared_write ? shmem_map_writable(s) : 0;
	if (ret)
		s = ERR_PTR(ret);
	else
		shmem_get(s);
out:
	pthread_mutex_unlock(&inode->lock);
	return s;
}

/* Linux's memfd_add_seals. */
static long add_seals(struct file *f, u32 seals)
{
	struct inode *inode = f->inode;
	struct tmpfs_inode *ti = TMPFS_I(inode);
	if (!(f->mode & FMODE_WRITE))
		return -EPERM;
	if (seals & ~LINUX_F_SEAL_ALL)
		return -EINVAL;
	pthread_mutex_lock(&inode->lock);
	long ret = 0;
	u32 cur = file_seals(ti);
	if (cur & LINUX_F_SEAL_SEAL) {
		ret = -EPERM;
	} else if ((seals & LINUX_F_SEAL_WRITE) && !(cur & LINUX_F_SEAL_WRITE)) {
		/* No writable shared mapping may exist or come (-EBUSY). */
		struct shmem *s = tmpfs_file_shmem(inode);
		ret = IS_ERR(s) ? PTR_ERR(s) : shmem_deny_write(s);
	}
	if (!ret)
		ti->reg.seals |= seals;
	pthread_mutex_unlock(&inode->lock);
	return ret;
}

static long tmpfs_fcntl(struct file *f, int cmd, u64 arg)
{
	switch (cmd) {
	case LINUX_F_ADD_SEALS:
		return add_seals(f, (u32)arg);
	case LINUX_F_GET_SEALS:
		pthread_mutex_lock(&f->inode->lock);
		long seals = file_seals(TMPFS_I(f->inode));
		pthread_mutex_unlock(&f->inode->lock);
		return seals;
	default:
		return -EBADF; /* file.h: what Linux answers pipe commands on a non-pipe */
	}
}

const struct file_ops tmpfs_file_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.llseek = tmpfs_llseek,
	.fsync = tmpfs_fsync,
	.fallocate = tmpfs_fallocate,
	.fcntl = tmpfs_fcntl,
	.mmap = tmpfs_mmap,
};

/*
 * Caller holds inode->lock. A shrink then takes the pages past the new
 * end out of every mapping (shmem_unmap_from), which needs the mappers'
 * mm->lock: inode->lock is let go for that (faults on tmpfs mappings
 * never take it, but a fault through another file that reads this one
 * may), as ovl_setattr lets go of its own for a copy-up. The size and the
 * data are already right by then; after a write that grows the file in
 * between, its new pages are taken out again and fault back in (a
 * private copy made of one in that window is lost).
 */
static int tmpfs_setattr(struct inode *inode, const struct iattr *ia)
{
	if (ia->valid & ATTR_SIZE) {
		if (ia->size > SHMEM_MAX_SIZE)
			return -EFBIG;
		if (ia->size != inode->size) {
			u32 seals = file_seals(TMPFS_I(inode));
			if ((ia->size < inode->size && (seals & LINUX_F_SEAL_SHRINK)) ||
			    (ia->size > inode->size && (seals & LINUX_F_SEAL_GROW)))
				return -EPERM;
			struct shmem *s = TMPFS_I(inode)->reg.shm;
			bool mapped = s && shmem_resize(s, ia->size);
			inode->size = ia->size;
			inode_touch(inode, ATTR_MTIME | ATTR_CTIME);
			sync_blocks(inode);
			if (mapped) {
				shmem_get(s);
				pthread_mutex_unlock(&inode->lock);
				shmem_unmap_from(s, ia->size);
				pthread_mutex_lock(&inode->lock);
				shmem_put(s);
			}
		}
	}
	inode_apply_attr(inode, ia);
	return 0;
}

/* Caller holds inode->lock. */
static int tmpfs_getattr(struct inode *inode, struct kstat *st)
{
	sync_blocks(inode);
	st->blocks = inode->blocks;
	return 0;
}

const struct inode_ops tmpfs_file_iops = {
	.setattr = tmpfs_setattr,
	.getattr = tmpfs_getattr,
	TMPFS_XATTR_IOPS,
};
