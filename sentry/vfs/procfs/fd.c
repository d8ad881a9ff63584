// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/fd and fdinfo. fd/<n> is a symlink to what fd n names: its
 * path as the reader sees it, or for a file outside the VFS Linux's
 * "pipe:[ino]", "socket:[ino]", "anon_inode:[eventfd]" (and "host:[ino]" for
 * a host file descriptor runsk passed in, which Linux would name by its
 * host path).
 *
 * Opening fd/<n> gives a file on the same open file: a path is simply
 * walked again (Linux reopens it too); the other names are relative, so
 * the walk comes back to this directory and looks the name up here,
 * where it finds a hidden node whose open makes a file that forwards
 * every operation to the original (the same pipe, eventfd or host fd).
 * That is how /dev/stdout and bash's /dev/fd/63 work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/poll.h"

static const struct file_ops reopen_fops;

/* What readlink of fd/<n> says for f, NUL-terminated: its length or -errno. */
static long fd_name(struct file *f, char *buf, size_t size)
{
	/* A file reopened through fd/: named as the one it stands for. */
	if (f->ops == &reopen_fops)
		return snprintf(buf, size, "%s", PROC_I(f->inode)->target);
	if (f->path.dentry) {
		struct task *self = task_current();
		struct path root, cwd;
		long ret;
		if (self && self->fs) {
			fs_struct_paths(self->fs, &root, &cwd);
			ret = vfs_d_path_shown(&root, &f->path, buf, size);
			path_put(&root);
			path_put(&cwd);
			return ret;
		}
		vfs_lock();
		struct mount *top = f->path.mnt;
		while (top->parent)
			top = top->parent;
		root = (struct path){top, top->root};
		ret = vfs_d_path_shown(&root, &f->path, buf, size);
		vfs_unlock();
		return ret;
	}
	struct kstat st;
	int ret = vfs_fstat(f, &st);
	if (ret)
		return ret;
	unsigned long long ino = st.ino;
	switch (st.mode & S_IFMT) {
	case S_IFIFO:
		return snprintf(buf, size, "pipe:[%llu]", ino);
	case S_IFSOCK:
		return snprintf(buf, size, "socket:[%llu]", ino);
	case 0:
		/* anon_inodefs: the kind its ops name, as Linux's d_name holds it. */
		return snprintf(buf, size, "anon_inode:%s",
				f->ops->anon_name ? f->ops->anon_name : "[unknown]");
	default:
		return snprintf(buf, size, "host:[%llu]", ino);
	}
}

static int get_files(struct proc_inode *pi, struct proc_task *pt)
{
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_FILES, pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(pt);
	if (!ret && !pt->files)
		ret = -ENOENT;
	if (ret)
		proc_task_put(pt);
	return ret;
}

/* The file at fd of pi's process: a new reference, or ERR_PTR. */
static struct file *fd_file_get(struct proc_inode *pi, int fd)
{
	struct proc_task pt;
	int ret = get_files(pi, &pt);
	if (ret)
		return ERR_PTR(ret);
	struct file *f = fdtable_get(pt.files, fd);
	proc_task_put(&pt);
	return f ? f : ERR_PTR(-ENOENT);
}

static int fd_readlink(struct proc_inode *pi, char *buf, size_t size)
{
	char name[LINUX_PATH_MAX + 16];
	struct file *f = fd_file_get(pi, pi->fd);
	if (IS_ERR(f))
		return PTR_ERR(f);
	long len = fd_name(f, name, sizeof(name));
	file_put(f);
	if (len < 0)
		return len;
	len = MIN((size_t)len, size);
	memcpy(buf, name, len);
	return len;
}

static int fdinfo_show(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = get_files(pi, &pt);
	if (ret)
		return ret;
	struct file *f = fdtable_get(pt.files, pi->fd);
	int cloexec = fdtable_get_cloexec(pt.files, pi->fd);
	proc_task_put(&pt);
	if (!f)
		return -ENOENT;
	struct kstat st = {0};
	if (vfs_fstat(f, &st))
		st.ino = 0;
	seq_printf(s, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%llu\nino:\t%llu\n", (long long)f->pos,
		   (f->flags & ~O_CLOEXEC) | (cloexec > 0 ? O_CLOEXEC : 0),
		   (unsigned long long)(f->path.mnt ? f->path.mnt->id : 0),
		   (unsigned long long)st.ino);
	file_put(f);
	return 0;
}

/*
 * Walking through fd/<n> goes to the file's own path, as Linux's
 * proc_fd_link: a deleted file or a memfd is reached, which its name
 * ("/memfd:x (deleted)") would not be. Files outside the VFS (pipes,
 * sockets) are reached by their name, through a reopen node (above).
 */
static int fd_jump(struct proc_inode *pi, struct path *out)
{
	struct file *f = fd_file_get(pi, pi->fd);
	if (IS_ERR(f))
		return PTR_ERR(f);
	int ret = -EOPNOTSUPP;
	if (f->path.dentry && f->ops != &reopen_fops) {
		*out = f->path;
		path_get(out);
		ret = 0;
	}
	file_put(f);
	return ret;
}

static const struct proc_entry fd_link_entry = {
	.mode = S_IFLNK, .readlink = fd_readlink, .jump = fd_jump};
static const struct proc_entry fdinfo_file_entry = {.mode = S_IFREG | 0444, .show = fdinfo_show};

/* Linux's proc_fd_link mode: r-x for a readable file, -wx for a writable one. */
static u32 fd_link_mode(const struct file *f)
{
	u32 mode = S_IFLNK;
	if (f->mode & FMODE_READ)
		mode |= 0500;
	if (f->mode & FMODE_WRITE)
		mode |= 0300;
	return mode;
}

static const struct proc_entry fd_reopen_entry;

/*
 * The file outside the VFS named name that an fd's file f stands for: f
 * itself, or the one a file reopened through fd/ forwards to (so the
 * name still opens once only such a file is left). A new reference or NULL.
 */
static struct file *reopen_match(struct file *f, const char *name)
{
	struct file *t = f->ops == &reopen_fops ? f->private_data : f;
	char buf[64];
	if (t->path.dentry || fd_name(t, buf, sizeof(buf)) < 0 || strcmp(buf, name))
		return NULL;
	return file_get(t);
}

/* A hidden node for name, if some fd outside the VFS has it. */
static struct inode *fd_reopen_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	struct proc_task pt;
	u32 mode = 0;
	struct kstat st = {0};

	int ret = get_files(pd, &pt);
	if (ret)
		return ERR_PTR(ret == -EACCES ? -EACCES : -ENOENT);
	for (int fd = 0; fd < FDTABLE_MAX; fd++) {
		struct file *f = fdtable_get(pt.files, fd);
		struct file *t = f ? reopen_match(f, name) : NULL;
		file_put(f);
		if (!t)
			continue;
		if (!mode && vfs_fstat(t, &st))
			st = (struct kstat){0};
		mode |= (t->mode & FMODE_READ ? 0400 : 0) | (t->mode & FMODE_WRITE ? 0200 : 0);
		file_put(t);
	}
	proc_task_put(&pt);
	if (!mode)
		return ERR_PTR(-ENOENT);
	struct inode *inode = proc_new_inode(dir, &fd_reopen_entry, name, pd->tgid, pd->tid);
	if (IS_ERR(inode))
		return inode;
	struct proc_inode *pi = PROC_I(inode);
	pi->target = strdup(name);
	if (!pi->target) {
		inode_put(inode);
		return ERR_PTR(-ENOMEM);
	}
	/* Regular, so open reaches our ops; permission by what the fds allow. */
	inode->mode = S_IFREG | mode;
	pi->target_stat = st;
	return inode;
}

static struct inode *fd_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	int fd = proc_name_to_int(name, FDTABLE_MAX - 1);
	if (fd < 0)
		return fd_reopen_lookup(dir, name);
	struct file *f = fd_file_get(pd, fd);
	if (IS_ERR(f))
		return (void *)f;
	u32 mode = fd_link_mode(f);
	file_put(f);
	struct inode *inode = proc_new_inode(dir, &fd_link_entry, name, pd->tgid, pd->tid);
	if (!IS_ERR(inode)) {
		inode->mode = mode;
		PROC_I(inode)->fd = fd;
	}
	return inode;
}

static struct inode *fdinfo_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	int fd = proc_name_to_int(name, FDTABLE_MAX - 1);
	if (fd < 0)
		return ERR_PTR(-ENOENT);
	struct file *f = fd_file_get(pd, fd);
	if (IS_ERR(f))
		return (void *)f;
	file_put(f);
	struct inode *inode = proc_new_inode(dir, &fdinfo_file_entry, name, pd->tgid, pd->tid);
	if (!IS_ERR(inode))
		PROC_I(inode)->fd = fd;
	return inode;
}

/* Open fds at positions 2 + fd. */
static int fd_iterate_as(struct file *f, struct dir_context *ctx, u32 mode)
{
	struct proc_inode *pd = PROC_I(f->inode);
	struct proc_task pt;
	if (!proc_emit_dots(f, ctx))
		return 0;
	int ret = get_files(pd, &pt);
	if (ret)
		return ret;
	for (s64 fd = ctx->pos - 2; fd < FDTABLE_MAX; fd++) {
		if (fdtable_get_cloexec(pt.files, fd) < 0)
			continue;
		char name[16];
		snprintf(name, sizeof(name), "%d", (int)fd);
		if (!proc_emit(ctx, name, f->inode->ino, mode, fd + 3))
			break;
		ctx->pos = fd + 3;
	}
	proc_task_put(&pt);
	return 0;
}

static int fd_iterate(struct file *f, struct dir_context *ctx)
{
	return fd_iterate_as(f, ctx, S_IFLNK);
}

static int fdinfo_iterate(struct file *f, struct dir_context *ctx)
{
	return fd_iterate_as(f, ctx, S_IFREG);
}

int proc_fd_count(struct proc_inode *pi)
{
	struct proc_task pt;
	int n = 0;
	if (get_files(pi, &pt))
		return 0;
	for (int fd = 0; fd < FDTABLE_MAX; fd++)
		n += fdtable_get_cloexec(pt.files, fd) >= 0;
	proc_task_put(&pt);
	return n;
}

static const struct inode_ops fd_iops = {
	.lookup = fd_lookup,
};

static const struct file_ops fd_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = fd_iterate,
};

static const struct inode_ops fdinfo_iops = {
	.lookup = fdinfo_lookup,
};

static const struct file_ops fdinfo_fops = {
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = fdinfo_iterate,
};

const struct proc_entry proc_fd_entry = {
	.mode = S_IFDIR | 0500,
	.iops = &fd_iops,
	.fops = &fd_fops,
};

const struct proc_entry proc_fdinfo_entry = {
	.mode = S_IFDIR | 0555,
	.iops = &fdinfo_iops,
	.fops = &fdinfo_fops,
};

/* The reopened file: every operation goes to the original. */
static struct file *target_of(struct file *f)
{
	return f->private_data;
}

static int reopen_open(struct inode *inode, struct file *f)
{
	struct proc_inode *pi = PROC_I(inode);
	struct proc_task pt;
	u32 want = f->mode & (FMODE_READ | FMODE_WRITE);

	int ret = get_files(pi, &pt);
	if (ret)
		return ret;
	struct file *found = NULL;
	for (int fd = 0; fd < FDTABLE_MAX && !found; fd++) {
		struct file *g = fdtable_get(pt.files, fd);
		struct file *t = g ? reopen_match(g, pi->target) : NULL;
		file_put(g);
		if (t && (t->mode & want) == want)
			found = t;
		else
			file_put(t);
	}
	proc_task_put(&pt);
	if (!found)
		return -EACCES;
	f->private_data = found;
	f->mode |= found->mode & (FMODE_STREAM | FMODE_GATHER);
	f->partial_copy = found->partial_copy;
	return 0;
}

static ssize_t reopen_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	return vfs_read(target_of(f), buf, len, pos);
}

static ssize_t reopen_write(struct file *f, const void *buf, size_t len, s64 *pos)
{
	return vfs_write(target_of(f), buf, len, pos);
}

static s64 reopen_llseek(struct file *f, s64 off, int whence)
{
	return vfs_llseek(target_of(f), off, whence);
}

static int reopen_fsync(struct file *f)
{
	return vfs_fsync(target_of(f));
}

static long reopen_ioctl(struct task *t, struct file *f, unsigned cmd, uaddr_t arg)
{
	struct file *tf = target_of(f);
	return tf->ops->ioctl ? tf->ops->ioctl(t, tf, cmd, arg) : -ENOTTY;
}

static u32 reopen_poll(struct file *f, struct poll_table *pt)
{
	return vfs_poll(target_of(f), pt);
}

static long reopen_fcntl(struct file *f, int cmd, u64 arg)
{
	struct file *tf = target_of(f);
	return tf->ops->fcntl ? tf->ops->fcntl(tf, cmd, arg) : -EBADF;
}

/*
 * mmap maps the original's data, as Linux maps the file the reopen opened
 * again: a tmpfs file or memfd shares its pages (MAP_SHARED writes reach
 * the original), an overlay file its layer file. Only regular files map;
 * a pipe or socket standing behind the S_IFREG node is -ENODEV.
 */
static struct file *reopen_real_file(struct file *f)
{
	struct file *tf = target_of(f);
	if (!tf->inode || !S_ISREG(tf->inode->mode))
		return ERR_PTR(-ENODEV);
	return tf->ops->real_file ? tf->ops->real_file(tf) : file_get(tf);
}

static void reopen_release(struct file *f)
{
	file_put(target_of(f));
}

static const struct file_ops reopen_fops = {
	.open = reopen_open,
	.read = reopen_read,
	.write = reopen_write,
	.llseek = reopen_llseek,
	.fsync = reopen_fsync,
	.ioctl = reopen_ioctl,
	.poll = reopen_poll,
	.fcntl = reopen_fcntl,
	.real_file = reopen_real_file,
	.release = reopen_release,
};

/* stat through the link shows the original, as Linux's magic link does. */
static int reopen_getattr(struct inode *inode, struct kstat *st)
{
	struct kstat t = PROC_I(inode)->target_stat;
	st->mode = t.mode;
	st->nlink = t.nlink;
	st->uid = t.uid;
	st->gid = t.gid;
	st->dev = t.dev;
	st->rdev = t.rdev;
	st->ino = t.ino;
	st->size = t.size;
	st->blocks = t.blocks;
	st->blksize = t.blksize;
	st->atime = t.atime;
	st->mtime = t.mtime;
	st->ctime = t.ctime;
	return 0;
}

/*
 * O_TRUNC through the link (bash's "> /dev/stdout") truncates nothing: a
 * pipe or a terminal has no size, and a host file is the host's to keep.
 * Other changes would be the original's, which no op reaches: EPERM.
 */
static int reopen_setattr(struct inode *inode, const struct iattr *ia)
{
	return ia->valid & ~(ATTR_SIZE | ATTR_MTIME | ATTR_CTIME) ? -EPERM : 0;
}

static const struct inode_ops reopen_iops = {
	.getattr = reopen_getattr,
	.setattr = reopen_setattr,
};

static const struct proc_entry fd_reopen_entry = {
	.mode = S_IFREG | 0600,
	.iops = &reopen_iops,
	.fops = &reopen_fops,
};
