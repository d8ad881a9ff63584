// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's file system tree. With a gofer (vfs_gofer_sandbox_root):
 * the tree it serves, under an in-memory overlay unless writes are to go
 * through, with the sandbox's own /dev, /proc and /sys over the image's
 * (an empty /sys without procfs). Without one (vfs_sandbox_root):
 *
 *   /      tmpfs, mode 0755
 *   /dev   devfs (null, zero, full, random, urandom, tty, shm/, fd and
 *          std{in,out,err} links)
 *   /proc  procfs, the caller's (an empty directory without one)
 *   /sys   sysfs and /sys/fs/cgroup, with procfs
 *   /tmp   its own tmpfs, mode 1777
 *   and the directories of runsk's cwd, the last one owned by the
 *   sandbox's user, so the program starts in the directory it was started
 *   in, as it will on a gofer root. They are empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "goferfs/goferfs.h"
#include "lib/log.h"
#include "overlay/overlay.h"
#include "procfs/procfs.h"
#include "sentry/tty/tty.h"
#include "sysfs/sysfs.h"
#include "vfs_internal.h"

static const struct vfs_cred root_cred = {.caps = ~0ULL};

static int mount_fs(const struct vfs_ctx *ctx, const char *where, const char *type,
		    const char *options)
{
	struct path mp;
	int ret = vfs_lookup(ctx, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &mp);
	if (ret)
		return ret;
	struct super_block *sb = vfs_find_fs_type(type)->mount(options);
	if (IS_ERR(sb)) {
		path_put(&mp);
		return PTR_ERR(sb);
	}
	vfs_lock();
	ret = mount_at(&mp, sb);
	vfs_unlock();
	path_put(&mp);
	return ret;
}

/* Mount sb (reference consumed) on the directory where. */
static int mount_sb(const struct vfs_ctx *ctx, const char *where, struct super_block *sb)
{
	struct path mp;
	int ret = vfs_lookup(ctx, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &mp);
	if (ret)
		return ret;
	vfs_lock();
	ret = mount_at(&mp, sb);
	vfs_unlock();
	path_put(&mp);
	return ret;
}

/* init's fs_struct at root (reference consumed), in cwd or else in /. */
static struct fs_struct *init_fs(struct path *root, const struct vfs_ctx *ctx, const char *cwd)
{
	struct path cwd_path;
	int ret = vfs_lookup(ctx, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &cwd_path);
	if (ret) {
		pr_warn("sandbox cwd %s: %s; starting in /", cwd, strerror(-ret));
		cwd_path = *root;
		path_get(&cwd_path);
	}
	struct fs_struct *fs = fs_struct_create(root, &cwd_path);
	path_put(&cwd_path);
	path_put(root);
	return fs ? fs : ERR_PTR(-ENOMEM);
}

/* mkdir -p path, as root; existing directories are fine. */
static int mkdir_p(const struct vfs_ctx *ctx, const char *path)
{
	char buf[LINUX_PATH_MAX];
	size_t len = strlen(path);
	if (path[0] != '/' || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char c = buf[i];
		buf[i] = 0;
		int ret = vfs_mkdir(ctx, buf, 0755);
		buf[i] = c;
		if (ret && ret != -EEXIST)
			return ret;
	}
	return 0;
}

/* mkdir -p cwd; the last directory belongs to uid:gid. */
static int make_cwd(const struct vfs_ctx *ctx, const char *cwd, u32 uid, u32 gid)
{
	int ret = mkdir_p(ctx, cwd);
	if (ret)
		return ret;
	struct path p;
	ret = vfs_lookup(ctx, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (ret)
		return ret;
	ret = vfs_chown(&p, uid, gid, &root_cred);
	path_put(&p);
	return ret;
}

struct fs_struct *vfs_sandbox_root(const char *cwd, u32 uid, u32 gid)
{
	return vfs_sandbox_root_proc(cwd, uid, gid, NULL);
}

struct fs_struct *vfs_sandbox_root_proc(const char *cwd, u32 uid, u32 gid, struct super_block *proc)
{
	struct super_block *sb = tmpfs_mount("mode=0755");
	if (IS_ERR(sb))
		return (void *)sb;
	struct mount *m = mount_create_root(sb);
	if (!m)
		return ERR_PTR(-ENOMEM);
	struct path root = {m, dget(m->root)};
	struct vfs_ctx ctx = {.cred = &root_cred, .root = root, .start = root};

	int ret = vfs_mkdir(&ctx, "/dev", 0755);
	if (!ret)
		ret = vfs_mkdir(&ctx, "/proc", 0555);
	if (!ret)
		ret = vfs_mkdir(&ctx, "/tmp", 01777);
	if (!ret)
		ret = mount_fs(&ctx, "/dev", "devtmpfs", "mode=0755");
	if (!ret)
		ret = devpts_mount_dev(&ctx);
	if (!ret && !(ret = vfs_mkdir(&ctx, "/dev/mqueue", 01777))) /* as container runtimes */
		ret = mount_fs(&ctx, "/dev/mqueue", "mqueue", "");
	if (!ret)
		ret = mount_fs(&ctx, "/tmp", "tmpfs", "mode=1777");
	if (!ret && proc)
		ret = mount_sb(&ctx, "/proc", proc);
	if (!ret && proc)
		ret = sysfs_mount_tree(&ctx, procfs_kernel(proc));
	if (ret) {
		path_put(&root);
		return ERR_PTR(ret);
	}

	/* A cwd it cannot make is one init_fs does not find: it starts in /. */
	(void)make_cwd(&ctx, cwd, uid, gid);
	return init_fs(&root, &ctx, cwd);
}

/* mkdir where (a directory the image may lack) and mount a new type there. */
static int mount_over(const struct vfs_ctx *ctx, const char *where, u32 mode, const char *type,
		      const char *options)
{
	int ret = vfs_mkdir(ctx, where, mode);
	if (ret && ret != -EEXIST)
		return ret;
	return mount_fs(ctx, where, type, options);
}

struct fs_struct *vfs_gofer_sandbox_root(struct gofer_client *c, bool overlay, const char *cwd,
					 struct super_block *proc)
{
	struct super_block *sb = goferfs_mount(c, "/", 0);
	if (IS_ERR(sb))
		return (void *)sb;
	if (overlay) {
		/* A store exists only to hold this layer (--overlay2=root:self). */
		struct memfile *mf = shmem_file_memfile();
		bool stored = !IS_ERR(mf) && memfile_store_frames(mf);
		struct super_block *upper =
			stored ? tmpfs_mount_stored() : tmpfs_mount("mode=0755");
		if (IS_ERR(upper))
			return (void *)upper;
		sb = overlay_mount(sb, upper);
		if (IS_ERR(sb))
			return (void *)sb;
	}
	struct mount *m = mount_create_root(sb);
	if (!m)
		return ERR_PTR(-ENOMEM);
	struct path root = {m, dget(m->root)};
	struct vfs_ctx ctx = {.cred = &root_cred, .root = root, .start = root};

	/*
	 * The host's /dev, /proc and /sys must not show through: the sandbox
	 * gets its own devices, processes and sysfs.
	 */
	int ret = mount_over(&ctx, "/dev", 0755, "devtmpfs", "mode=0755");
	if (!ret)
		ret = devpts_mount_dev(&ctx);
	if (!ret) /* /dev/mqueue, as container runtimes mount it */
		ret = mount_over(&ctx, "/dev/mqueue", 01777, "mqueue", "");
	if (!ret && proc) {
		ret = vfs_mkdir(&ctx, "/proc", 0555);
		if (!ret || ret == -EEXIST)
			ret = mount_sb(&ctx, "/proc", proc);
	} else if (!ret) {
		ret = mount_over(&ctx, "/proc", 0555, "tmpfs", "mode=0555");
	}
	if (!ret && proc)
		ret = sysfs_mount_tree(&ctx, procfs_kernel(proc));
	else if (!ret)
		ret = mount_over(&ctx, "/sys", 0555, "tmpfs", "mode=0555");
	if (ret) {
		path_put(&root);
		return ERR_PTR(ret);
	}
	return init_fs(&root, &ctx, cwd);
}

/* Under vfs_lock: sb (reference consumed) with root dentry root on where, with flags. */
static int graft_at(const struct vfs_ctx *ctx, const char *where, struct super_block *sb,
		    struct dentry *root, unsigned flags)
{
	struct path mp;
	int ret = vfs_lookup(ctx, where, LOOKUP_FOLLOW, &mp);
	if (ret)
		return ret;
	vfs_lock();
	struct mount *m = mount_graft(&mp, sb, root, flags);
	vfs_unlock();
	path_put(&mp);
	return IS_ERR(m) ? PTR_ERR(m) : 0;
}

/*
 * An OCI mount's options as oci/spec.c passes them: the per-mount words
 * (nosuid, nodev, noexec, noatime, nodiratime) become flags, the rest is
 * the file system's, copied to fsopts.
 */
static unsigned split_options(const char *options, bool ro, char *fsopts, size_t len)
{
	static const struct {
		const char *name;
		unsigned flag;
	} words[] = {
		{"nosuid", MNT_NOSUID},	  {"nodev", MNT_NODEV},		  {"noexec", MNT_NOEXEC},
		{"noatime", MNT_NOATIME}, {"nodiratime", MNT_NODIRATIME},
	};
	unsigned flags = (ro ? MNT_READONLY : 0);
	bool atime = false;
	size_t n = 0;
	fsopts[0] = 0;
	for (const char *s = options ? options : ""; *s;) {
		size_t wl = strcspn(s, ","), i;
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (strlen(words[i].name) == wl && !strncmp(s, words[i].name, wl))
				break;
		if (i < ARRAY_SIZE(words)) {
			flags |= words[i].flag;
			atime |= words[i].flag == MNT_NOATIME;
		} else if (n + wl + 2 < len) {
			n += snprintf(fsopts + n, len - n, "%s%.*s", n ? "," : "", (int)wl, s);
		}
		s += wl + (s[wl] == ',');
	}
	return atime ? flags : flags | MNT_RELATIME;
}

/*
 * linux.maskedPaths, as runc: a directory gets an empty read-only tmpfs,
 * anything else /dev/null bound over it. Paths the tree lacks are skipped.
 */
static int mask_path(const struct vfs_ctx *ctx, const char *dest)
{
	struct path p, null;
	int ret = vfs_lookup(ctx, dest, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret == -ENOENT || ret == -ENOTDIR ? 0 : ret;
	bool dir = S_ISDIR(path_inode(&p)->mode);
	path_put(&p);
	if (dir) {
		struct super_block *sb = tmpfs_mount("mode=0755");
		return IS_ERR(sb) ? PTR_ERR(sb)
				  : graft_at(ctx, dest, sb, sb->root, MNT_READONLY | MNT_RELATIME);
	}
	ret = vfs_lookup(ctx, "/dev/null", LOOKUP_FOLLOW, &null);
	if (ret)
		return ret;
	__atomic_fetch_add(&path_inode(&null)->sb->refs, 1, __ATOMIC_RELAXED);
	ret = graft_at(ctx, dest, path_inode(&null)->sb, null.dentry,
		       MNT_NOSUID | MNT_NOEXEC | MNT_RELATIME);
	path_put(&null);
	return ret;
}

/* linux.readonlyPaths: a read-only bind of the path on itself (skipped if missing). */
static int readonly_path(const struct vfs_ctx *ctx, const char *dest)
{
	struct path p;
	int ret = vfs_lookup(ctx, dest, LOOKUP_FOLLOW, &p);
	if (ret)
		return ret == -ENOENT || ret == -ENOTDIR ? 0 : ret;
	__atomic_fetch_add(&path_inode(&p)->sb->refs, 1, __ATOMIC_RELAXED);
	vfs_lock();
	struct mount *m = mount_graft(&p, p.mnt->sb, p.dentry, mnt_flags(p.mnt) | MNT_READONLY);
	vfs_unlock();
	path_put(&p);
	return IS_ERR(m) ? PTR_ERR(m) : 0;
}

/*
 * Where the dangling symlink dest points, into buf (absolute, or relative
 * to dest's directory as the target says); -ENOENT if dest is no symlink.
 */
static int symlink_target(const struct vfs_ctx *ctx, const char *dest, char *buf, size_t size)
{
	char target[LINUX_PATH_MAX];
	struct path p;
	int ret = vfs_lookup(ctx, dest, 0, &p);
	if (ret)
		return ret;
	int n = S_ISLNK(path_inode(&p)->mode) ? vfs_readlink(&p, target, sizeof(target) - 1)
					      : -ENOENT;
	path_put(&p);
	if (n < 0)
		return n;
	target[n] = 0;
	int dirlen = target[0] == '/' ? 0 : (int)(strrchr(dest, '/') - dest);
	if (snprintf(buf, size, "%.*s/%s", dirlen, dest, target + (target[0] == '/')) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The mount point of a single file's bind mount, as runc makes it: dest
 * created as an empty file, and the directories leading to it, unless it
 * is there. A dangling symlink (an image's /etc/resolv.conf pointing into
 * an empty /run) has its target made instead, as runc resolves the
 * destination in the rootfs first.
 */
static int make_file_mountpoint(const struct vfs_ctx *ctx, const char *dest)
{
	char path[LINUX_PATH_MAX], parent[LINUX_PATH_MAX];
	struct file *f;
	int ret;

	snprintf(path, sizeof(path), "%s", dest);
	for (int links = 0;; links++) {
		snprintf(parent, sizeof(parent), "%s", path);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			ret = mkdir_p(ctx, parent);
			if (ret)
				return ret;
		}
		ret = vfs_open(ctx, path, O_RDONLY | O_CREAT | O_NOCTTY, 0644, &f);
		if (ret != -ENOENT || links == LINUX_MAXSYMLINKS ||
		    symlink_target(ctx, path, parent, sizeof(parent)))
			break;
		memcpy(path, parent, sizeof(path));
	}
	if (ret)
		return ret;
	file_put(f);
	return 0;
}

/*
 * A bind mount's mount point: made if missing (a directory, or for a
 * file's bind mount an empty file) and of the source's kind, else
 * -ENOTDIR (as mount(2) says) with *why for the one-line error, as runc
 * refuses a directory on a file and a file on a directory.
 */
static int make_bind_mountpoint(const struct vfs_ctx *ctx, const char *dest, bool file,
				const char **why)
{
	struct path p;
	/* Failing to make it is fine if it is there: of the other kind
	 * (EISDIR...), reported below; on a read-only root (EROFS). */
	int made = file ? make_file_mountpoint(ctx, dest) : mkdir_p(ctx, dest);
	int ret = vfs_lookup(ctx, dest, LOOKUP_FOLLOW, &p);
	if (ret)
		return made ? made : ret;
	bool dir = d_is_dir(p.dentry);
	path_put(&p);
	if (dir == !file)
		return 0;
	*why = file ? "the source is a file but the image has a directory there: "
		      "bind a file onto a file (runc refuses this too)"
		    : "the source is a directory but the image has a file there: "
		      "bind a directory onto a directory (runc refuses this too)";
	return -ENOTDIR;
}

/* Mount m; on an error, *why may say more than the errno does. */
static int sandbox_mount_one(const struct vfs_ctx *ctx, struct gofer_client *c,
			     const struct sandbox_mount *m, const char **why)
{
	struct super_block *sb;
	bool bind = !strcmp(m->type, "bind");
	char fsopts[256];
	int ret;

	if (!strcmp(m->type, "masked"))
		return mask_path(ctx, m->dest);
	if (!strcmp(m->type, "readonly"))
		return readonly_path(ctx, m->dest);
	if (!bind && strcmp(m->type, "tmpfs"))
		return 0; /* proc, sysfs, devpts, ...: the Sentry's own are mounted */
	if (bind && !c)
		return -EINVAL;
	unsigned flags = split_options(m->options, m->ro, fsopts, sizeof(fsopts));
	if (!bind) {
		ret = mkdir_p(ctx, m->dest);
		sb = ret ? ERR_PTR(ret) : tmpfs_mount(fsopts);
		if (IS_ERR(sb))
			return PTR_ERR(sb);
		return graft_at(ctx, m->dest, sb, sb->root, flags);
	}
	/* Mounted first: whether the mount point is a file or a directory
	 * depends on the source, which only the gofer has seen. (On an error
	 * the sandbox does not start: sb is not worth a put.) */
	sb = goferfs_mount(c, m->aname, m->ro ? GOFERFS_RDONLY : 0);
	if (IS_ERR(sb))
		return PTR_ERR(sb);
	ret = make_bind_mountpoint(ctx, m->dest, !d_is_dir(sb->root), why);
	if (ret)
		return ret;
	return graft_at(ctx, m->dest, sb, sb->root, flags);
}

int vfs_sandbox_mounts(struct fs_struct *fs, struct gofer_client *c,
		       const struct sandbox_mount *mounts, unsigned n, const char *cwd)
{
	struct path root, old_cwd, p;
	int ret = 0;

	fs_struct_paths(fs, &root, &old_cwd);
	path_put(&old_cwd);
	struct vfs_ctx ctx = {.cred = &root_cred, .root = root, .start = root};
	for (unsigned i = 0; i < n && !ret; i++) {
		const char *why = NULL;
		ret = sandbox_mount_one(&ctx, c, &mounts[i], &why);
		if (ret)
			pr_err("mount %s (%s): %s", mounts[i].dest, mounts[i].type,
			       why ? why : strerror(-ret));
	}
	/* The cwd may be in a mount just made: look it up again. */
	if (!ret && !vfs_lookup(&ctx, cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p)) {
		ret = vfs_chdir(fs, &p, &root_cred);
		path_put(&p);
	}
	path_put(&root);
	return ret;
}
