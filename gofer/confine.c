// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's confinement, in the order it happens before the first request
 * is read (gofer_run):
 *
 *  1. close every inherited descriptor but the socket and the log's, and
 *     raise the descriptor limit to the hard limit (a fid is a descriptor);
 *  2. new mount, network and IPC namespaces: the gofer has no network at all,
 *     and nothing it mounts is seen outside;
 *  3. a clone of the mount tree under the root (a host `/` served to
 *     `runsk do` keeps its /tmp or /home mounts), made nosuid, nodev, and
 *     read-only for --ro, attached over the root itself; and one detached
 *     clone per bind mount (--bind), made the same way but attached
 *     nowhere: its descriptor is the only way to it, so the pivot_root
 *     below hides the host from it as from the root (a file's clone sits
 *     in a detached private tmpfs of its own, to be reopened through);
 *  4. pivot_root into it and detach the old root, so the host's tree is
 *     gone from this namespace (chroot if pivot_root is refused, as on an
 *     initramfs); then detach the kernel's own file systems at /proc, /sys
 *     and /dev, which the Sentry shadows anyway, so that nothing of them is
 *     in reach even of a Sentry that asked;
 *  5. (gofer_drop_privileges) drop every capability but the five the file
 *     operations need, and set no_new_privs;
 *  6. (seccomp.c) the syscall allowlist.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gofer_internal.h"
#include "lib/log.h"

/* Log "<what>: <error>" for errno and return -errno, saved before logging. */
static int __printf(1, 2) fail(const char *fmt, ...)
{
	int err = -errno;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pr_err("%s: %s", what, strerror(-err));
	return err;
}

/* Close everything but keep[] (sorted ascending, no duplicates needed). */
static void close_others(int *keep, int n)
{
	unsigned int from = 0;

	for (int i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < from)
			continue;
		if ((unsigned int)keep[i] > from)
			close_range(from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Every fid holds a descriptor (and every directory above it one more):
 * allow as many as the hard limit does. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			pr_warn("gofer: cannot raise the descriptor limit: %s", strerror(errno));
	}
}

/* Step 3: an O_PATH descriptor of the prepared mount, attached over root. */
static int prepare_root_mount(const char *root, bool ro)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0),
	};
	int fd = open_tree(AT_FDCWD, root, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (fd < 0)
		return fail("gofer: cannot clone the mounts of %s", root);
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0 ||
	    move_mount(fd, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		int err = fail("gofer: cannot set up the mount of %s", root);

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Step 3 for a file's bind mount: O_PATH of a private directory holding the
 * file's mount fm as its one entry, ATTACH_FILE_NAME. The gofer cannot
 * reopen an O_PATH descriptor for I/O without /proc, only a name in a
 * directory, so the file needs a directory, and it must not be the file's
 * own (its siblings are not served). A tmpfs of our own, attached for a
 * moment over the root's mount (anchor), with fm moved onto its file, is
 * cloned with its submount (Linux before 6.15 mounts nothing on a detached
 * tree) and detached again: the clone is reachable only by the descriptor
 * returned, like a directory bind mount's.
 */
static int wrap_file_mount(int fm, int anchor, const char *src)
{
	int fsfd, tfd, fd, dir = -1;

	fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return fail("gofer: bind mount %s: cannot make a tmpfs", src);
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0500", 0) < 0 ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		dir = fail("gofer: bind mount %s: cannot make a tmpfs", src);
		close(fsfd);
		return dir;
	}
	tfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fsfd);
	if (tfd < 0)
		return fail("gofer: bind mount %s: cannot mount a tmpfs", src);
	const int both_empty = MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH;
	const int clone = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH;

	fd = openat(tfd, ATTACH_FILE_NAME, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0400);
	if (fd < 0 || move_mount(tfd, "", anchor, "", both_empty) < 0) {
		dir = fail("gofer: bind mount %s: cannot set up its directory", src);
		goto out_close;
	}
	if (move_mount(fm, "", tfd, ATTACH_FILE_NAME, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		dir = fail("gofer: bind mount %s: cannot mount it", src);
	else if ((dir = open_tree(tfd, "", clone)) < 0)
		dir = fail("gofer: bind mount %s: cannot clone its directory", src);
	/* Detach the tmpfs again: umount2 takes a path, so through the cwd. */
	if (fchdir(tfd) < 0 || umount2(".", MNT_DETACH) < 0) {
		int err = fail("gofer: bind mount %s: cannot detach its directory", src);

		if (dir >= 0)
			close(dir);
		dir = err;
	}
out_close:
	if (fd >= 0)
		close(fd);
	close(tfd);
	return dir;
}

/*
 * Step 3 for a bind mount: a detached clone of the tree at src, nosuid,
 * nodev and read-only if asked. Its O_PATH descriptor is the attach
 * point's root: lookups stay beneath it (RESOLVE_BENEATH), and being
 * attached nowhere it is out of reach of every path. A regular file is
 * served too (Kubernetes binds /etc/hosts, /etc/resolv.conf...), with a
 * private directory to reopen it through (wrap_file_mount); sockets,
 * FIFOs and devices are refused: the Sentry makes its own, and a host
 * device is not the gofer's to give (even /dev/null: the Sentry has one).
 */
static int prepare_bind_mount(const struct gofer_bind *b, int anchor, struct attach_point *ap)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->ro ? MOUNT_ATTR_RDONLY : 0),
	};
	struct stat st;
	int fd = open_tree(AT_FDCWD, b->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	ap->fd = ap->dirfd = -1;
	if (fd < 0)
		return fail("gofer: cannot clone the mounts of %s", b->src);
	int bad = fstat(fd, &st) < 0 ? errno : 0;

	if (!bad && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		pr_err("gofer: bind mount %s is not a directory or a regular file (type %#o): "
		       "runsk binds only those",
		       b->src, st.st_mode & S_IFMT);
		close(fd);
		return -ENODEV;
	}
	if (!bad && mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		bad = errno;
	if (bad) {
		errno = bad;
		int err = fail("gofer: cannot serve the bind mount %s", b->src);

		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		ap->fd = fd;
		return 0;
	}
	ap->dirfd = wrap_file_mount(fd, anchor, b->src);
	close(fd);
	if (ap->dirfd < 0)
		return ap->dirfd;
	/* The root, as a directory's: O_PATH, never following a symlink. */
	ap->fd = host_openat(ap->dirfd, ATTACH_FILE_NAME, O_PATH, 0);
	if (ap->fd >= 0 && fstat(ap->fd, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	errno = ap->fd < 0 ? -ap->fd : EIO;
	return fail("gofer: cannot open the bind mount %s", b->src);
}

/* Step 4: make the mount fd our root. */
static int enter_root(int mntfd, const char *root)
{
	if (fchdir(mntfd) < 0)
		return fail("gofer: cannot enter %s", root);
	/* pivot_root(".", ".") stacks the old root on the new one; unmounting
	 * "." then takes the old root away (the runc/crun idiom). */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			return fail("gofer: cannot detach the old root");
	} else {
		pr_debug("gofer: pivot_root into %s: %s; using chroot", root, strerror(errno));
		if (chroot(".") < 0)
			return fail("gofer: chroot %s", root);
	}
	if (chdir("/") < 0)
		return fail("gofer: chdir /");
	/* EINVAL: not a mount point here, nothing to hide. */
	static const char *const kernel_fs[] = {"/proc", "/sys", "/dev"};
	for (size_t i = 0; i < ARRAY_SIZE(kernel_fs); i++)
		if (umount2(kernel_fs[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return fail("gofer: cannot detach %s", kernel_fs[i]);
	return 0;
}

int gofer_confine(const struct gofer_config *cfg, int *rootfd, struct attach_point *binds)
{
	int keep[] = {STDERR_FILENO, cfg->sock, log_fd()};
	char root[PATH_MAX];
	int mntfd, err;

	if (!realpath(cfg->root, root))
		return fail("gofer: root %s", cfg->root);
	umask(0); /* modes from the client are exact */
	raise_fd_limit();
	qsort(keep, ARRAY_SIZE(keep), sizeof(int), cmp_int);
	close_others(keep, ARRAY_SIZE(keep));

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0)
		return fail("gofer: cannot make new namespaces (the gofer must run as root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("gofer: cannot make mounts private");
	mntfd = prepare_root_mount(root, cfg->ro);
	if (mntfd < 0)
		return mntfd;
	/* Before pivot_root: the sources are host paths. */
	for (unsigned i = 0; i < cfg->nbinds; i++) {
		err = prepare_bind_mount(&cfg->binds[i], mntfd, &binds[i]);
		if (err) {
			close(mntfd);
			return err;
		}
	}
	err = enter_root(mntfd, root);
	close(mntfd);
	if (err)
		return err;
	*rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return *rootfd < 0 ? fail("gofer: cannot open the new root") : 0;
}

/*
 * The capabilities the gofer keeps, each for a reason. It acts for the
 * Sentry, which has made its own permission checks: the gofer must reach
 * every file of the root whatever its mode or owner.
 */
static const int kept_caps[] = {
	CAP_CHOWN,	     /* give new files their creator's uid/gid; Tsetattr uid/gid */
	CAP_DAC_OVERRIDE,    /* read and write files whatever their mode */
	CAP_DAC_READ_SEARCH, /* search any directory; linkat(AT_EMPTY_PATH) for Tlink */
	CAP_FOWNER,	     /* chmod, utimes and xattrs on files the gofer does not own */
	CAP_FSETID,	     /* keep set-id bits through chmod/chown as the Sentry asked */
};

/* Step 5. Not CAP_MKNOD (no device nodes are made), not CAP_SYS_ADMIN
 * (trusted.* xattrs are refused), not CAP_SYS_CHROOT (done by now). */
int gofer_drop_privileges(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};
	u64 keep = 0;

	for (size_t i = 0; i < ARRAY_SIZE(kept_caps); i++)
		keep |= 1ULL << kept_caps[i];
	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes
	 * with the capset below. Stop at the first number the kernel does
	 * not know. */
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return fail("gofer: cannot drop capability %d", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail("gofer: cannot clear ambient capabilities");
	data[0].effective = data[0].permitted = (u32)keep;
	data[1].effective = data[1].permitted = (u32)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		return fail("gofer: cannot drop capabilities");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		return fail("gofer: cannot set no_new_privs");
	}
	return 0;
}
