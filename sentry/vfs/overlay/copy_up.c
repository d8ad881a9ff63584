// SPDX-License-Identifier: Apache-2.0
/*
 * Copy-up: before a lower-only file changes, make its copy in upper (its
 * parent directories first, recursively), with the lower's data, owner,
 * mode and times, the symlink target and the extended attributes (all but
 * the overlay's own, as Linux's ovl_copy_xattr). Data goes through the layers'
 * own file_ops, so any lower file system works. Runs under vfs_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "overlay_internal.h"
#include "sentry/vfs/acl.h"

#define COPY_CHUNK (64 * 1024)

static bool all_zero(const u8 *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

static int set_real_attr(struct inode *real, struct iattr *ia)
{
	int ret = 0;
	pthread_mutex_lock(&real->lock);
	if (real->iops && real->iops->setattr)
		ret = real->iops->setattr(real, ia);
	else if (ia->valid & ATTR_SIZE)
		ret = -EPERM;
	else
		inode_apply_attr(real, ia);
	pthread_mutex_unlock(&real->lock);
	return ret;
}

/*
 * Through the file's op, not vfs_write: a copy is the Sentry's, so neither
 * the task's RLIMIT_FSIZE nor the removal of set-ID bits and file
 * capabilities that a task's write makes applies to it.
 */
static int write_all(struct file *f, const u8 *buf, size_t len, s64 pos)
{
	while (len) {
		ssize_t n = f->ops->write(f, buf, len, &pos);
		if (n <= 0)
			return n ? (int)n : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Copy at most limit bytes (-1: all). Zero blocks are skipped: upper reads
 * them back as a hole, and a sparse image file stays sparse.
 */
static int copy_data(struct inode *lower, struct inode *upper, s64 limit)
{
	struct file *lf, *uf;
	int ret = ovl_open_real(lower, O_RDONLY, FMODE_READ, &lf);
	if (ret)
		return ret;
	ret = ovl_open_real(upper, O_WRONLY, FMODE_WRITE, &uf);
	if (ret) {
		file_put(lf);
		return ret;
	}
	u8 *buf = malloc(COPY_CHUNK);
	s64 pos = 0;
	ret = buf ? 0 : -ENOMEM;
	while (!ret && (limit < 0 || pos < limit)) {
		size_t want = limit < 0 ? COPY_CHUNK : MIN((s64)COPY_CHUNK, limit - pos);
		ssize_t n = vfs_read(lf, buf, want, &pos);
		if (n <= 0) {
			ret = n;
			break;
		}
		if (!all_zero(buf, n))
			ret = write_all(uf, buf, n, pos - n);
	}
	if (!ret)
		ret = set_real_attr(upper, &(struct iattr){.valid = ATTR_SIZE, .size = pos});
	free(buf);
	file_put(lf);
	file_put(uf);
	return ret;
}

/*
 * The copy is made in upper's directory, whose default ACL it took: it
 * is to have the lower's ACLs (ovl_copy_xattrs), and none if it has none.
 */
static int drop_inherited_acls(struct inode *upper)
{
	static const char *const names[] = {ACL_XATTR_ACCESS, ACL_XATTR_DEFAULT};
	if (S_ISLNK(upper->mode) || !upper->iops || !upper->iops->removexattr)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int ret = upper->iops->removexattr(upper, names[i]);
		if (ret && ret != -ENODATA && ret != -EOPNOTSUPP)
			return ret;
	}
	return 0;
}

/* Record what identifies the copy: its origin, and for hard links the index. */
static int note_copy(struct ovl_fs *ofs, struct inode *lower, struct inode *upper,
		     const struct kstat *st)
{
	if (S_ISDIR(st->mode))
		return 0; /* found again through the lower directory at the same path */
	int ret = ovl_map_set(&ofs->origin, upper->ino, lower->ino);
	if (ret || st->nlink <= 1)
		return ret;
	ret = ovl_map_set(&ofs->index, lower->ino, (uintptr_t)upper);
	if (!ret)
		inode_get(upper);
	return ret;
}

/* Make the copy of oi's lower at udir/name. */
static struct inode *copy_one(struct ovl_fs *ofs, struct ovl_inode *oi, struct inode *udir,
			      const char *name, s64 limit)
{
	struct inode *lower = oi->lower;
	char target[LINUX_PATH_MAX];
	struct kstat st;
	int ret = ovl_real_stat(lower, &st);
	if (ret)
		return ERR_PTR(ret);
	/* Made as the lower's owner, so that inode_init keeps its set-group-ID bit. */
	const struct vfs_cred cred = {.fsuid = st.uid, .fsgid = st.gid, .caps = ~0ULL};
	struct ovl_new n = {.mode = st.mode, .rdev = st.rdev, .cred = &cred};
	if (S_ISLNK(st.mode)) {
		ret = lower->iops->readlink
			      ? lower->iops->readlink(lower, target, sizeof(target) - 1)
			      : -EINVAL;
		if (ret < 0)
			return ERR_PTR(ret);
		target[ret] = 0;
		n.target = target;
	}
	struct inode *upper = ovl_make_real(udir, name, &n);
	if (IS_ERR(upper))
		return upper;
	ret = S_ISREG(st.mode) ? copy_data(lower, upper, limit) : 0;
	if (!ret)
		ret = drop_inherited_acls(upper);
	if (!ret)
		ret = ovl_copy_xattrs(lower, upper);
	if (!ret) {
		struct iattr ia = {.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME |
					    ATTR_MTIME,
				   .mode = st.mode & 07777,
				   .uid = st.uid,
				   .gid = st.gid,
				   .atime = st.atime,
				   .mtime = st.mtime};
		ret = set_real_attr(upper, &ia);
	}
	if (!ret)
		ret = note_copy(ofs, lower, upper, &st);
	if (ret) {
		if (ovl_remove_real(udir, name, upper))
			pr_warn("overlay: cannot remove a failed copy-up of ino %llu",
				(unsigned long long)lower->ino);
		ovl_forget_upper(ofs, upper);
		inode_put(upper);
		return ERR_PTR(ret);
	}
	return upper;
}

/* A copy-up changes nothing the guest did: the upper parent keeps its times. */
static void restore_times(struct inode *udir, const struct kstat *st)
{
	struct iattr ia = {
		.valid = ATTR_ATIME | ATTR_MTIME, .atime = st->atime, .mtime = st->mtime};
	if (set_real_attr(udir, &ia))
		pr_warn_ratelimited("overlay: cannot restore the times of upper ino %llu",
				    (unsigned long long)udir->ino);
}

static int copy_up_at(struct ovl_inode *oi, struct ovl_inode *dir, const char *name, s64 limit)
{
	struct ovl_fs *ofs = OVL_FS(oi->vfs.sb);
	struct inode *upper = ovl_upper(oi);
	if (upper && S_ISDIR(upper->mode))
		return 0; /* a directory's upper is always at its own path */
	int ret = ovl_copy_up(dir, -1);
	if (ret)
		return ret;
	struct inode *udir = ovl_upper(dir);
	struct inode *cur = ovl_real_lookup(udir, name);
	if (IS_ERR(cur))
		return PTR_ERR(cur);
	if (cur) {
		bool same = upper && cur->ino == upper->ino;
		inode_put(cur);
		if (same)
			return 0;
		pr_warn_ratelimited("overlay: copy-up of ino %llu: something else is in upper",
				    (unsigned long long)oi->vfs.ino);
		return -EIO;
	}
	struct kstat pst;
	if ((ret = ovl_real_stat(udir, &pst)))
		return ret;
	if (upper) {
		/* A lower hard link whose copy exists (index): link this name to it too. */
		struct inode *l = ovl_make_real(udir, name, &(struct ovl_new){.link = upper});
		if (IS_ERR(l))
			return PTR_ERR(l);
		inode_put(l);
		if (oi->has_lower_ino)
			ret = ovl_map_set(&ofs->origin, upper->ino, oi->vfs.ino);
	} else {
		upper = copy_one(ofs, oi, udir, name, limit);
		if (IS_ERR(upper))
			return PTR_ERR(upper);
		__atomic_store_n(&oi->upper, upper, __ATOMIC_RELEASE);
		ovl_drop_alias(oi); /* name may be the alias's: not used past here */
	}
	restore_times(udir, &pst);
	ovl_sync(oi);
	ovl_sync(dir);
	return ret;
}

int ovl_copy_up_at(struct ovl_inode *oi, struct ovl_inode *dir, const char *name)
{
	return copy_up_at(oi, dir, name, -1);
}

/* oi's name is gone, but an open file or a hard link can still change it. */
static int copy_up_orphan(struct ovl_inode *oi, s64 limit)
{
	struct ovl_fs *ofs = OVL_FS(oi->vfs.sb);
	struct inode *udir = ovl_upper(ofs->root);
	struct kstat pst;
	char tmp[32];
	int ret = ovl_real_stat(udir, &pst);
	if (!ret)
		ret = ovl_temp_name(ofs, udir, tmp, sizeof(tmp));
	if (!ret)
		ret = copy_up_at(oi, ofs->root, tmp, limit);
	if (ret)
		return ret;
	if (ovl_remove_real(udir, tmp, ovl_upper(oi)))
		pr_warn("overlay: cannot remove temporary %s", tmp);
	restore_times(udir, &pst);
	ovl_sync(oi);
	ovl_sync(ofs->root);
	return 0;
}

int ovl_copy_up(struct ovl_inode *oi, s64 limit)
{
	if (ovl_upper(oi))
		return 0;
	if (oi->parent) {
		/* The alias may hold the parent's last reference, and goes at the copy. */
		struct inode *parent = inode_get(&oi->parent->vfs);
		int ret = copy_up_at(oi, OVL_I(parent), oi->name, limit);
		inode_put(parent);
		return ret;
	}
	if (S_ISDIR(oi->vfs.mode) || !oi->lower)
		return -ENOENT;
	return copy_up_orphan(oi, limit);
}
