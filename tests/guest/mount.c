// SPDX-License-Identifier: Apache-2.0
/*
 * mount(2) and umount2(2) as root: tmpfs, bind mounts of a directory and
 * of a file, remount read-only (EROFS), noexec (execve EACCES, mmap
 * PROT_EXEC EPERM), nodev, nosuid, propagation types, MS_MOVE, the
 * umount2 errors (EBUSY, EINVAL, EAGAIN of MNT_EXPIRE, EPERM) and the
 * mountinfo fields of the new mounts.
 *
 * Natively it first enters a mount namespace of its own and makes every
 * mount private, so the host's mounts are never touched; under runsk the
 * sandbox is its own namespace (unshare may fail there: not printed).
 * Everything happens in a tmpfs on /tmp/guest-mount.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "guest_test.h"

#define BASE "/tmp/guest-mount"

/* A call's result as expect() takes it: -1 (errno set) or 0. */
static long err(long r)
{
	return r < 0 ? -1 : 0;
}

static void expect(long r, int want, const char *what)
{
	if (want)
		expect_err(r, want, "%s", what);
	else
		expect_ret(r, 0, "%s", what);
}

/*
 * The mountinfo line of mount point path, as "root opts [shared] [unbindable] - fstype source"
 * (the fields that do not depend on the machine), or "none".
 */
static const char *mountinfo(const char *path)
{
	static char out[1024];
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	snprintf(out, sizeof(out), "none");
	if (!f)
		return "no mountinfo";
	while (fgets(line, sizeof(line), f)) {
		char root[256], mp[256], opts[256], rest[512];
		if (sscanf(line, "%*s %*s %*s %255s %255s %255s%511[^\n]", root, mp, opts, rest) !=
		    4)
			continue;
		if (strcmp(mp, path))
			continue;
		char *dash = strstr(rest, " - "), fstype[64], source[128];
		bool shared = strstr(rest, "shared:") && strstr(rest, "shared:") < dash;
		bool unbindable = strstr(rest, "unbindable") && strstr(rest, "unbindable") < dash;
		if (!dash || sscanf(dash + 3, "%63s %127s", fstype, source) != 2)
			continue;
		/* The last line wins: the mount on top. */
		snprintf(out, sizeof(out), "%.200s %.200s%s%s - %.60s %.120s", root, opts,
			 shared ? " shared" : "", unbindable ? " unbindable" : "", fstype, source);
	}
	fclose(f);
	return out;
}

static void expect_info(const char *path, const char *want)
{
	const char *got = mountinfo(path);
	check(!strcmp(got, want), "mountinfo %s: %s", path + sizeof(BASE), got);
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		check(false, "write %s", path);
	close(fd);
}

static const char *read_file(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return guest_errno_name(errno);
	buf[n] = 0;
	return buf;
}

static unsigned long st_flags(const char *path)
{
	struct statvfs sv;
	if (statvfs(path, &sv))
		return ~0ul;
	return sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC);
}

static void test_tmpfs(void)
{
	expect(mount("tmpfs", BASE, "tmpfs", 0, "size=16m,mode=755,nr_inodes=1k"), 0,
	       "mount tmpfs");
	expect_info(BASE, "/ rw,relatime - tmpfs tmpfs");
	struct stat st;
	check(!stat(BASE, &st) && (st.st_mode & 07777) == 0755, "tmpfs mode=755");
	check(st_flags(BASE) == 0, "statfs flags of a plain tmpfs: none");
	expect(mkdir(BASE "/t", 0755), 0, "mkdir t");
	expect(mount("x", BASE "/t", "tmpfs", 0, "uid=12,gid=34"), 0, "mount tmpfs uid= gid=");
	check(!stat(BASE "/t", &st) && st.st_uid == 12 && st.st_gid == 34,
	      "tmpfs root owner 12:34");
	expect(umount2(BASE "/t", 0), 0, "umount t");
	expect(mount("x", BASE "/t", "tmpfs", 0, "bogus=1"), EINVAL, "tmpfs bogus option");
	expect(mount("x", BASE "/t", "nosuchfs", 0, NULL), ENODEV, "unknown fs type");
	expect(mount("x", BASE "/t", NULL, 0, NULL), EINVAL, "no fs type");
	expect(mount("x", BASE "/missing", "tmpfs", 0, NULL), ENOENT, "mount on a missing dir");
	expect(umount2(BASE "/t", 0), EINVAL, "umount a directory that is no mount");
	expect(umount2(BASE "/t", 0x100), EINVAL, "umount2 unknown flag");
	expect(umount2(BASE "/t", MNT_EXPIRE | MNT_DETACH), EINVAL, "MNT_EXPIRE|MNT_DETACH");
}

static void test_bind(void)
{
	mkdir(BASE "/a", 0755);
	mkdir(BASE "/b", 0755);
	write_file(BASE "/a/f", "in a", 0644);
	expect(mount(BASE "/a", BASE "/b", NULL, MS_BIND, NULL), 0, "bind a on b");
	check(!strcmp(read_file(BASE "/b/f"), "in a"), "b/f reads a/f");
	expect_info(BASE "/b", "/a rw,relatime - tmpfs tmpfs");

	expect(mount(NULL, BASE "/b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0,
	       "remount b read-only");
	expect_info(BASE "/b", "/a ro,relatime - tmpfs tmpfs");
	check(st_flags(BASE "/b") == ST_RDONLY, "statfs b: ST_RDONLY");
	expect(err(open(BASE "/b/new", O_WRONLY | O_CREAT, 0644)), EROFS, "create on ro");
	expect(err(open(BASE "/b/f", O_WRONLY)), EROFS, "open for write on ro");
	expect(err(open(BASE "/b/f", O_RDONLY | O_TRUNC)), EROFS, "O_TRUNC on ro");
	check(!strcmp(read_file(BASE "/b/f"), "in a"), "read on ro");
	expect(mkdir(BASE "/b/d", 0755), EROFS, "mkdir on ro");
	expect(mkdir(BASE "/b/f", 0755), EEXIST, "mkdir of an existing name on ro");
	expect(unlink(BASE "/b/f"), EROFS, "unlink on ro");
	expect(chmod(BASE "/b/f", 0600), EROFS, "chmod on ro");
	expect(truncate(BASE "/b/f", 0), EROFS, "truncate on ro");
	expect(rename(BASE "/b/f", BASE "/b/g"), EROFS, "rename on ro");
	expect(access(BASE "/b/f", W_OK), EROFS, "access W_OK on ro");
	expect(access(BASE "/b/f", R_OK), 0, "access R_OK on ro");
	write_file(BASE "/a/f", "still rw", 0644);
	check(!strcmp(read_file(BASE "/b/f"), "still rw"), "a stays writable, b sees it");
	expect(mount(NULL, BASE "/b", NULL, MS_REMOUNT | MS_BIND, NULL), 0, "remount b rw");
	expect(mkdir(BASE "/b/d", 0755), 0, "mkdir on rw again");
	expect(umount2(BASE "/b", 0), 0, "umount b");
	expect(err(open(BASE "/b/f", O_RDONLY)), ENOENT, "b is empty again");

	/* A single file bound on a file. */
	write_file(BASE "/file1", "one", 0644);
	write_file(BASE "/file2", "two", 0644);
	expect(mount(BASE "/file1", BASE "/file2", NULL, MS_BIND, NULL), 0, "bind a file");
	check(!strcmp(read_file(BASE "/file2"), "one"), "file2 reads file1");
	expect(mount(BASE "/a", BASE "/file2", NULL, MS_BIND, NULL), ENOTDIR, "bind dir on file");
	expect(umount2(BASE "/file2", 0), 0, "umount the file bind");
	check(!strcmp(read_file(BASE "/file2"), "two"), "file2 is itself again");

	/* MS_REC takes the mounts under the source along. */
	mkdir(BASE "/a/sub", 0755);
	expect(mount("sub", BASE "/a/sub", "tmpfs", 0, NULL), 0, "mount on a/sub");
	write_file(BASE "/a/sub/s", "sub", 0644);
	expect(mount(BASE "/a", BASE "/b", NULL, MS_BIND, NULL), 0, "bind a on b (no MS_REC)");
	expect(err(open(BASE "/b/sub/s", O_RDONLY)), ENOENT, "no submount without MS_REC");
	expect(umount2(BASE "/b", 0), 0, "umount b");
	expect(mount(BASE "/a", BASE "/b", NULL, MS_BIND | MS_REC, NULL), 0, "rbind a on b");
	check(!strcmp(read_file(BASE "/b/sub/s"), "sub"), "submount with MS_REC");
	expect(umount2(BASE "/b", 0), EBUSY, "umount b with a mount under it");
	expect(umount2(BASE "/b", MNT_DETACH), 0, "umount b MNT_DETACH");
	expect(umount2(BASE "/a/sub", 0), 0, "umount a/sub");
}

static void test_flags(void)
{
	mkdir(BASE "/nx", 0755);
	expect(mount("nx", BASE "/nx", "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NODEV, NULL), 0,
	       "mount noexec,nosuid,nodev");
	expect_info(BASE "/nx", "/ rw,nosuid,nodev,noexec,relatime - tmpfs nx");
	check(st_flags(BASE "/nx") == (ST_NOSUID | ST_NODEV | ST_NOEXEC),
	      "statfs: ST_NOSUID|ST_NODEV|ST_NOEXEC");
	write_file(BASE "/nx/prog", "#!/bin/sh\nexit 0\n", 0755);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"prog", NULL};
		execve(BASE "/nx/prog", argv, argv + 1);
		_exit(errno == EACCES ? 3 : 4);
	}
	guest_expect_child(pid, "exit 3", "execve on noexec: EACCES");
	int fd = open(BASE "/nx/prog", O_RDONLY);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	expect(p == MAP_FAILED ? -1 : 0, EPERM, "mmap PROT_EXEC on noexec");
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	expect(p == MAP_FAILED ? -1 : 0, 0, "mmap PROT_READ on noexec");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
	expect(mknod(BASE "/nx/null", S_IFCHR | 0666, makedev(1, 3)), 0, "mknod null on nodev");
	expect(err(open(BASE "/nx/null", O_RDWR)), EACCES, "open device on nodev");
	expect(mount(NULL, BASE "/nx", NULL, MS_REMOUNT, NULL), 0, "remount nx without flags");
	expect_info(BASE "/nx", "/ rw,relatime - tmpfs nx");
	fd = open(BASE "/nx/null", O_RDWR);
	expect(fd < 0 ? -1 : 0, 0, "open device after remount dev");

	/* Busy: an open file, then a cwd. */
	expect(umount2(BASE "/nx", 0), EBUSY, "umount with an open file");
	close(fd);
	expect(chdir(BASE "/nx"), 0, "chdir into nx");
	expect(umount2(BASE "/nx", 0), EBUSY, "umount with the cwd in it");
	expect(chdir("/"), 0, "chdir out");
	expect(umount2(BASE "/nx", MNT_EXPIRE), EAGAIN, "MNT_EXPIRE first");
	expect(umount2(BASE "/nx", MNT_EXPIRE), 0, "MNT_EXPIRE second");
	expect_info(BASE "/nx", "none");

	/* MNT_DETACH with a file open: the file keeps working. */
	expect(mount("lazy", BASE "/nx", "tmpfs", 0, NULL), 0, "mount lazy");
	write_file(BASE "/nx/x", "lazy", 0644);
	fd = open(BASE "/nx/x", O_RDONLY);
	expect(umount2(BASE "/nx", MNT_DETACH), 0, "MNT_DETACH with an open file");
	char buf[8] = {0};
	check(read(fd, buf, 4) == 4 && !strcmp(buf, "lazy"), "read after detach");
	close(fd);
	expect_info(BASE "/nx", "none");
}

/* Copy this program to path, set-user-ID root. */
static bool copy_self_suid(const char *path)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_WRONLY | O_CREAT, 0755);
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	bool ok = in >= 0 && out >= 0 && !fchmod(out, 04755);
	close(in);
	close(out);
	return ok;
}

/* Run path as user 65534: "exit 10" when it ran with euid 0, "exit 11" when not. */
static const char *run_suid(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"mount", "euid", NULL};
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(9);
		execve(path, argv, argv + 2);
		_exit(12);
	}
	return guest_child_end(pid);
}

static void test_nosuid(void)
{
	mkdir(BASE "/ns", 0755);
	expect(mount("ns", BASE "/ns", "tmpfs", MS_NOSUID, "mode=755"), 0, "mount nosuid");
	check(copy_self_suid(BASE "/suid") && copy_self_suid(BASE "/ns/suid"),
	      "set-user-ID copies");
	const char *end = run_suid(BASE "/suid");
	check(!strcmp(end, "exit 10"), "set-user-ID root program: euid 0 (%s)", end);
	end = run_suid(BASE "/ns/suid");
	check(!strcmp(end, "exit 11"), "the same on nosuid: euid stays (%s)", end);
	unlink(BASE "/suid");
	expect(umount2(BASE "/ns", MNT_DETACH), 0, "umount ns");
}

static void test_propagation(void)
{
	mkdir(BASE "/p", 0755);
	mkdir(BASE "/q", 0755);
	expect(mount("p", BASE "/p", "tmpfs", 0, NULL), 0, "mount p");
	expect(mount(NULL, BASE "/p", NULL, MS_SHARED, NULL), 0, "make p shared");
	expect_info(BASE "/p", "/ rw,relatime shared - tmpfs p");
	expect(mount(NULL, BASE "/p", NULL, MS_PRIVATE, NULL), 0, "make p private");
	expect_info(BASE "/p", "/ rw,relatime - tmpfs p");
	expect(mount(NULL, BASE "/p", NULL, MS_UNBINDABLE, NULL), 0, "make p unbindable");
	expect_info(BASE "/p", "/ rw,relatime unbindable - tmpfs p");
	expect(mount(BASE "/p", BASE "/q", NULL, MS_BIND, NULL), EINVAL, "bind of unbindable");
	expect(mount(NULL, BASE "/p", NULL, MS_PRIVATE | MS_SHARED, NULL), EINVAL,
	       "two propagation types");
	expect(mount(NULL, BASE "/a", NULL, MS_PRIVATE, NULL), EINVAL,
	       "propagation of a non-mount");
	expect(mount(NULL, BASE "/p", NULL, MS_PRIVATE, NULL), 0, "make p private again");
	expect(mount(BASE "/p", BASE "/q", NULL, MS_MOVE, NULL), 0, "move p to q");
	expect_info(BASE "/p", "none");
	expect_info(BASE "/q", "/ rw,relatime - tmpfs p");
	expect(umount2(BASE "/q", 0), 0, "umount q");
}

static void test_unprivileged(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(9);
		int a = mount("x", BASE "/t", "tmpfs", 0, NULL) ? errno : 0;
		int b = umount2(BASE, 0) ? errno : 0;
		int c = mount("x", BASE "/missing", "tmpfs", 0, NULL) ? errno : 0;
		_exit(a == EPERM && b == EPERM && c == ENOENT ? 0 : 1);
	}
	guest_expect_child(pid, "exit 0", "unprivileged mount, umount2: EPERM (ENOENT first)");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "euid"))
		return geteuid() == 0 ? 10 : 11; /* run_suid's child */
	guest_start("mount");
	/* Natively: a namespace of our own, all private, so the host's mounts stay as they are. */
	if (unshare(CLONE_NEWNS) == 0)
		(void)mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mkdir(BASE, 0755);
	test_tmpfs();
	test_bind();
	test_flags();
	test_nosuid();
	test_propagation();
	test_unprivileged();
	expect(umount2(BASE, MNT_DETACH), 0, "umount the test tmpfs");
	rmdir(BASE);
	return guest_finish();
}
