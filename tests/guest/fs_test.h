// SPDX-License-Identifier: Apache-2.0
/*
 * Helpers for the fs_* guest programs: each runs in a fresh directory it
 * makes under /tmp (the host's natively, the sandbox's tmpfs under runsk)
 * and removes at the end, and uses relative names so that nothing printed
 * depends on where that is.
 */
#ifndef GUEST_FS_TEST_H
#define GUEST_FS_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

static char fs_test_dir[PATH_MAX] GUEST_UNUSED;

/* Make and enter a fresh directory; exits on failure (nothing else can run). */
static GUEST_UNUSED void fs_test_enter(const char *name)
{
	snprintf(fs_test_dir, sizeof(fs_test_dir), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(fs_test_dir) || chdir(fs_test_dir) != 0) {
		printf("FAIL cannot make and enter a directory under /tmp: %s\n",
		       guest_errno_name(errno));
		exit(1);
	}
}

/* rm -rf of dirfd/name, with our own walk (no nftw: it differs by libc). */
static GUEST_UNUSED void fs_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		fchmodat(dirfd, name, 0700, 0);
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				fs_rm_rf_at(fd, e->d_name);
		if (d)
			closedir(d);
		unlinkat(dirfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dirfd, name, 0);
	}
}

static GUEST_UNUSED void fs_test_leave(void)
{
	if (chdir("/") == 0)
		fs_rm_rf_at(AT_FDCWD, fs_test_dir);
}

/* Write a whole small file; returns 0 or -1. */
static GUEST_UNUSED int fs_put(const char *name, const char *data)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

#endif
