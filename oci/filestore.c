// SPDX-License-Identifier: Apache-2.0
/* The file store of --overlay2=root:self (filestore.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "filestore.h"
#include "gofer/gofer.h"
#include "lib/cleanup.h"

#define STORE_UNIT (2ULL << 20) /* the memory file's chunk */
/*
 * The store is guest-physical memory to KVM, and a shadowing KVM (kvm_pvm,
 * or no EPT/NPT) keeps 8 bytes of host kernel memory per 4 KiB of a memory
 * slot from the start: 16 GiB of store cost 32 MiB of it, 64 GiB would
 * cost 128 MiB per sandbox.
 */
#define STORE_MAX (16ULL << 30)
#define SPAN_MAX (384ULL << 30) /* memory + store, well under the 512 GiB direct map */

int oci_overlay_parse(const char *cmd, const char *s, enum oci_overlay *out)
{
	static const struct {
		const char *name;
		enum oci_overlay mode;
	} modes[] = {
		{"root:memory", OCI_OVERLAY_MEMORY},
		{"root:self", OCI_OVERLAY_SELF},
		{"none", OCI_OVERLAY_NONE},
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!strcmp(s, modes[i].name)) {
			*out = modes[i].mode;
			return 0;
		}
	}
	fprintf(stderr, "%s: --overlay2=%s: give root:memory, root:self or none\n", cmd, s);
	return -EINVAL;
}

u64 oci_filestore_capacity(u64 fs_bytes, u64 memory)
{
	u64 mem = ALIGN_UP(memory, STORE_UNIT);

	if (mem >= SPAN_MAX)
		return 0;
	return ALIGN_DOWN(MIN(MIN(fs_bytes, STORE_MAX), SPAN_MAX - mem), STORE_UNIT);
}

static int store_name(const char *id, char name[NAME_MAX + 1])
{
	int n = snprintf(name, NAME_MAX + 1, "%s%s", GOFER_HIDDEN_PREFIX, id);
	return n < 0 || n > NAME_MAX ? -ENAMETOOLONG : 0;
}

/*
 * A new file in dirfd with no name (O_TMPFILE, *named false) or, where the
 * file system has no O_TMPFILE, one called name (never over an existing
 * file or through a symlink, *named true). The fd, or -errno.
 */
static int open_store(int dirfd, const char *name, bool *named)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	*named = false;
	/* File systems without O_TMPFILE say so in one of these. */
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd < 0 ? -errno : fd;
	*named = true;
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* A new file with no name in dirfd: O_TMPFILE, or made and unlinked at once. */
static int open_unnamed(int dirfd)
{
	char name[NAME_MAX + 1];
	bool named;
	int fd;

	snprintf(name, sizeof(name), "%sdo-%d", GOFER_HIDDEN_PREFIX, (int)getpid());
	fd = open_store(dirfd, name, &named);
	if (fd < 0 || !named)
		return fd;
	if (unlinkat(dirfd, name, 0) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The store of a container: with no name yet (oci_filestore_name gives it
 * one once the state records it; a runsk killed before then would leave a
 * named file no `delete` knows of), unless the file system has no
 * O_TMPFILE. The name is checked here all the same, so that a taken one
 * fails create before the sandbox starts. The fd, or -errno.
 */
static int open_container_store(int dirfd, const char *name, bool *named)
{
	struct stat st;

	if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -EEXIST;
	return open_store(dirfd, name, named);
}

int oci_filestore_create(const char *cmd, const char *rootfs, const char *id, u64 memory,
			 struct oci_filestore *fs)
{
	_cleanup_close_ int dirfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[NAME_MAX + 1] = "(no name)";
	struct statvfs sv;
	struct stat st;
	int fd, err = dirfd < 0 ? -errno : 0;

	*fs = OCI_FILESTORE_NONE;
	if (!err && id)
		err = store_name(id, name);
	if (err) {
		cli_err("runsk %s: --overlay2=root:self: cannot make the file store %s in %s: %s",
			cmd, name, rootfs, strerror(-err));
		return err;
	}
	fd = id ? open_container_store(dirfd, name, &fs->named) : open_unnamed(dirfd);
	if (fd < 0) {
		err = fd;
		cli_err("runsk %s: --overlay2=root:self: cannot make the file store %s in %s: %s%s",
			cmd, name, rootfs, strerror(-err),
			err == -EEXIST ? " (a container of that ID not deleted?)" : "");
		return err;
	}
	if (fstatvfs(fd, &sv) < 0 || fstat(fd, &st) < 0)
		err = -errno;
	else if (!(fs->size = oci_filestore_capacity((u64)sv.f_blocks * sv.f_frsize, memory)))
		err = -ENOSPC;
	if (err) {
		cli_err("runsk %s: --overlay2=root:self: the file system of %s %s", cmd, rootfs,
			err == -ENOSPC ? "is too small for a file store" : strerror(-err));
		if (fs->named)
			unlinkat(dirfd, name, 0);
		close(fd);
		return err;
	}
	fs->fd = fd;
	fs->dev = st.st_dev;
	fs->ino = st.st_ino;
	return 0;
}

int oci_filestore_name(const char *cmd, const char *rootfs, const char *id,
		       struct oci_filestore *fs)
{
	char name[NAME_MAX + 1], path[32];

	if (!id || fs->fd < 0 || fs->named)
		return 0;
	_cleanup_close_ int dirfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err = dirfd < 0 ? -errno : store_name(id, name);

	/* linkat(AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH; this does not. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fs->fd);
	if (!err && linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW) < 0)
		err = -errno;
	if (err) {
		cli_err("runsk %s: --overlay2=root:self: cannot name the file store %s%s in %s: %s",
			cmd, GOFER_HIDDEN_PREFIX, id, rootfs, strerror(-err));
		return err;
	}
	fs->named = true;
	return 0;
}

int oci_filestore_remove(const char *rootfs, const char *id, struct oci_filestore *fs)
{
	char name[NAME_MAX + 1];
	struct stat st;

	if (fs && fs->fd >= 0)
		close(fs->fd);
	if (fs)
		fs->fd = -1;
	if (!id || (fs && !fs->ino))
		return 0; /* nameless, or none was made */
	_cleanup_close_ int dirfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err = dirfd < 0 ? -errno : store_name(id, name);

	if (!err && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	/* Not ours (replaced since), or not a file the runtime makes: left alone. */
	if (!err && (fs ? st.st_dev != fs->dev || st.st_ino != fs->ino : !S_ISREG(st.st_mode)))
		return 0;
	if (!err && unlinkat(dirfd, name, 0) < 0)
		err = -errno;
	return err == -ENOENT ? 0 : err;
}
