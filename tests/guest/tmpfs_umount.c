// SPDX-License-Identifier: Apache-2.0
/*
 * An unmounted tmpfs gives its memory back: 64 MiB written to a tmpfs,
 * then umount, and the memory in use that /proc/meminfo shows (under
 * runsk: the sandbox's memory file) falls by most of it. A busy tmpfs (an open
 * file, a cwd in it) is EBUSY without MNT_DETACH; detached, its memory
 * comes back once the last file on it is closed.
 *
 * Natively it first enters a mount namespace of its own (mount.c does the
 * same), so the host's mounts are never touched.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "guest_test.h"

#define BASE "/tmp/guest-tmpfs-umount"
#define SIZE (64L << 20)
/* What must come back at least: the host (natively) may allocate some meanwhile. */
#define SLACK (16L << 20)

/*
 * Memory in use, in bytes: Linux's Shmem (tmpfs pages: what the host's
 * other processes hardly move), or, where it is 0 (runsk, whose meminfo
 * comes from the sandbox's memory file), MemTotal - MemFree.
 */
static long mem_used(void)
{
	char line[256];
	long kb, total = 0, free_kb = 0, shmem = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %ld kB", &kb) == 1)
			total = kb;
		else if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			free_kb = kb;
		else if (sscanf(line, "Shmem: %ld kB", &kb) == 1)
			shmem = kb;
	}
	fclose(f);
	return (shmem ? shmem : total - free_kb) * 1024;
}

/* Fill BASE/f with SIZE bytes; the descriptor stays open if keep. */
static int fill(bool keep)
{
	static char buf[1 << 20];
	memset(buf, 0x5a, sizeof(buf));
	int fd = open(BASE "/f", O_CREAT | O_RDWR | O_TRUNC, 0600);
	long n = 0;
	for (long off = 0; fd >= 0 && off < SIZE; off += sizeof(buf))
		n += write(fd, buf, sizeof(buf));
	check(n == SIZE, "wrote 64 MiB to the tmpfs");
	if (!keep) {
		close(fd);
		return -1;
	}
	return fd;
}

static void expect_back(long before, const char *what)
{
	long after = mem_used();
	check(before - after >= SIZE - SLACK, "%s: 64 MiB of memory came back", what);
}

static void test_umount(void)
{
	expect_ret(mount("t", BASE, "tmpfs", 0, "size=128m"), 0, "mount a tmpfs");
	fill(false);
	long before = mem_used();
	expect_ret(umount(BASE), 0, "umount it");
	expect_back(before, "umount");
}

static void test_busy(void)
{
	expect_ret(mount("t", BASE, "tmpfs", 0, NULL), 0, "mount a tmpfs");
	int fd = fill(true);
	expect_err(umount(BASE), EBUSY, "umount with a file open");
	expect_ret(mkdir(BASE "/d", 0755), 0, "mkdir d");
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	expect_ret(chdir(BASE "/d"), 0, "chdir into the tmpfs");
	close(fd);
	expect_err(umount(BASE), EBUSY, "umount with a cwd in it");
	expect_ret(fchdir(cwd), 0, "chdir back");
	close(cwd);
	fd = open(BASE "/f", O_RDONLY);
	long before = mem_used();
	expect_ret(umount2(BASE, MNT_DETACH), 0, "umount2 MNT_DETACH with a file open");
	char c = 0;
	expect_ret(read(fd, &c, 1) == 1 && c == 0x5a, 1, "the open file still reads");
	close(fd);
	expect_back(before, "last close after MNT_DETACH");
}

int main(void)
{
	guest_start("tmpfs_umount");
	if (unshare(CLONE_NEWNS) == 0)
		(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mkdir(BASE, 0755);
	test_umount();
	test_busy();
	rmdir(BASE);
	return guest_finish();
}
