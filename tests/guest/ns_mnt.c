// SPDX-License-Identifier: Apache-2.0
/*
 * Mount namespaces as root: unshare(CLONE_NEWNS) and clone(CLONE_NEWNS)
 * copy the mount tree, so a mount in one namespace is not seen in
 * another; setns back through a /proc/PID/ns/mnt fd; the ns links'
 * format and inode numbers; pivot_root into a tmpfs with runc's
 * pivot_root(".", ".") then umount2(".", MNT_DETACH) and with a put_old
 * directory, and pivot_root's errors; EPERM without CAP_SYS_ADMIN.
 *
 * The first thing is unshare(CLONE_NEWNS) and making every mount
 * private, and everything happens on a tmpfs mounted on /tmp after
 * that, so the host's mounts are never touched when run natively.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ns_test.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

/* The sorted names in dir, space-separated, without "." and "..". */
static const char *listing(const char *dir)
{
	static char out[256];
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	out[0] = 0;
	if (n < 0)
		return "error";
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", sizeof(out) - strlen(out) - 1);
			strncat(out, names[i]->d_name, sizeof(out) - strlen(out) - 1);
		}
		free(names[i]);
	}
	free(names);
	return out;
}

/* Lines of /proc/self/mountinfo, and the fstype of the one mounted on "/". */
static int mountinfo(char *root_fs, size_t size)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	snprintf(root_fs, size, "none");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char mp[256], fstype[64];
		char *dash = strstr(line, " - ");
		n++;
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(mp, "/"))
			snprintf(root_fs, size, "%s", fstype);
	}
	fclose(f);
	return n;
}

static void test_ns_links(unsigned long long before)
{
	unsigned long long after = ns_ino("mnt");
	struct stat st;
	check(before != 0 && after != 0, "readlink ns/mnt is mnt:[N]");
	check(before != after, "unshare(CLONE_NEWNS) gives a new mnt inode");
	check(stat("/proc/self/ns/mnt", &st) == 0 && st.st_ino == after,
	      "stat ns/mnt st_ino is the link's N");
	int fd = open("/proc/self/ns/mnt", O_RDONLY);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == after, "fstat of open ns/mnt: N");
	if (fd >= 0)
		close(fd);
	check(ns_ino("uts") != 0 && ns_ino("ipc") != 0 && ns_ino("pid") != 0 &&
		      ns_ino("net") != 0 && ns_ino("user") != 0 && ns_ino("cgroup") != 0,
	      "every ns link has the kind:[N] format");
}

/* A child in the parent's first namespace (setns through fd) does not see /tmp's tmpfs. */
static void test_setns_back(int old_ns)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		expect_ret(setns(old_ns, CLONE_NEWNS), 0, "child: setns(old mnt ns, CLONE_NEWNS)");
		check(!exists("/tmp/ns-marker"),
		      "child: the new namespace's /tmp mount is not seen");
		check(getcwd((char[256]){0}, 256) != NULL, "child: getcwd after setns");
		expect_err(setns(old_ns, CLONE_NEWUTS), EINVAL,
			   "child: setns(mnt fd, CLONE_NEWUTS)");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "setns child");
	check(exists("/tmp/ns-marker"), "parent: still sees its /tmp mount");
}

/* clone(CLONE_NEWNS): the child's mounts are its own; it sees the parent's. */
static void test_clone_newns(void)
{
	unsigned long long mine = ns_ino("mnt");
	mkdir("/tmp/child-mnt", 0755);
	long pid = syscall(SYS_clone, (long)(CLONE_NEWNS | SIGCHLD), 0L, 0L, 0L, 0L);
	if (pid == 0) {
		guest_failures = 0;
		check(ns_ino("mnt") != mine, "clone child: its own mnt inode");
		check(exists("/tmp/ns-marker"), "clone child: sees the parent's mounts");
		expect_ret(mount("tmpfs", "/tmp/child-mnt", "tmpfs", 0, NULL), 0,
			   "clone child: mount tmpfs");
		touch("/tmp/child-mnt/x");
		check(exists("/tmp/child-mnt/x"), "clone child: its mount is there");
		_exit(guest_failures ? 1 : 0);
	}
	/* After the child's lines: printed while it runs, the order would be a race. */
	if (pid > 0)
		guest_expect_child(pid, "exit 0", "clone child");
	check(pid > 0, "clone(CLONE_NEWNS | SIGCHLD)");
	check(!exists("/tmp/child-mnt/x"), "parent: the clone child's mount is not seen");
	expect_err(syscall(SYS_clone, (long)(CLONE_NEWNS | CLONE_FS | SIGCHLD), 0L, 0L, 0L, 0L),
		   EINVAL, "clone(CLONE_NEWNS | CLONE_FS)");
}

/*
 * A child's own namespace with its root on a tmpfs mounted on /tmp/base
 * (chroot): pivot_root needs a root with a mount under it, which the
 * native root of an initramfs (rootfs) is not.
 */
static void enter_base(const char *who)
{
	expect_ret(unshare(CLONE_NEWNS), 0, "%s: unshare(CLONE_NEWNS)", who);
	mkdir("/tmp/base", 0755);
	expect_ret(mount("tmpfs", "/tmp/base", "tmpfs", 0, NULL), 0, "%s: mount base", who);
	touch("/tmp/base/base-marker");
	mkdir("/tmp/base/tmp", 01777);
	expect_ret(chroot("/tmp/base"), 0, "%s: chroot base", who);
	expect_ret(chdir("/"), 0, "%s: chdir /", who);
}

/* runc's idiom: pivot_root(".", ".") in the new root, then umount2(".", MNT_DETACH). */
static void test_pivot_dot(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		char fs[64];
		enter_base("pivot child");
		mkdir("/tmp/newroot", 0755);
		expect_ret(mount("tmpfs", "/tmp/newroot", "tmpfs", 0, NULL), 0,
			   "pivot child: mount tmpfs on newroot");
		mkdir("/tmp/newroot/proc", 0555);
		mkdir("/tmp/newroot/etc", 0755);
		touch("/tmp/newroot/hello");
		expect_ret(chdir("/tmp/newroot"), 0, "pivot child: chdir newroot");
		expect_ret(syscall(SYS_pivot_root, ".", "."), 0, "pivot_root(\".\", \".\")");
		expect_ret(umount2(".", MNT_DETACH), 0, "umount2(\".\", MNT_DETACH)");
		expect_ret(chdir("/"), 0, "chdir(\"/\")");
		printf("ls /: %s\n", listing("/"));
		expect_ret(mount("proc", "/proc", "proc", 0, NULL), 0,
			   "mount proc in the new root");
		int n = mountinfo(fs, sizeof(fs));
		printf("mountinfo: %d lines, / is %s\n", n, fs);
		char cwd[256];
		check(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"), "getcwd is /");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "pivot child");
}

/* The classic form: put_old is a directory under new_root. */
static void test_pivot_put_old(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		enter_base("put_old child");
		mkdir("/tmp/nr2", 0755);
		expect_ret(mount("tmpfs", "/tmp/nr2", "tmpfs", 0, NULL), 0, "mount tmpfs on nr2");
		mkdir("/tmp/nr2/old", 0755);
		mkdir("/tmp/nr2/file", 0755);
		touch("/tmp/nr2/a-file");
		mkdir("/tmp/nr2/notmnt", 0755);
		expect_err(syscall(SYS_pivot_root, "/tmp/nr2/notmnt", "/tmp/nr2/notmnt"), EINVAL,
			   "pivot_root(not a mount point)");
		expect_err(syscall(SYS_pivot_root, "/tmp/nr2/a-file", "/tmp/nr2/old"), ENOTDIR,
			   "pivot_root(a file)");
		expect_err(syscall(SYS_pivot_root, "/tmp/nr2/nonexistent", "/tmp/nr2/old"), ENOENT,
			   "pivot_root(missing)");
		mkdir("/tmp/other", 0755);
		expect_ret(mount("tmpfs", "/tmp/other", "tmpfs", 0, NULL), 0,
			   "mount tmpfs on other");
		expect_err(syscall(SYS_pivot_root, "/tmp/nr2", "/tmp/other"), EINVAL,
			   "pivot_root(put_old not under new_root)");
		expect_err(syscall(SYS_pivot_root, "/tmp/nr2", "/tmp"), EBUSY,
			   "pivot_root(put_old on the root's mount)");
		expect_err(syscall(SYS_pivot_root, "/", "/"), EBUSY, "pivot_root(\"/\", \"/\")");
		expect_ret(chdir("/"), 0, "chdir(\"/\")");
		expect_ret(syscall(SYS_pivot_root, "/tmp/nr2", "/tmp/nr2/old"), 0,
			   "pivot_root(nr2, nr2/old)");
		char cwd[256];
		check(getcwd(cwd, sizeof(cwd)) != NULL && !strcmp(cwd, "/"),
		      "cwd at the old root moved to the new root");
		check(exists("/old/base-marker"), "the old root is at /old");
		expect_ret(umount2("/old", MNT_DETACH), 0, "umount2(/old, MNT_DETACH)");
		expect_ret(rmdir("/old"), 0, "rmdir /old");
		printf("ls /: %s\n", listing("/"));
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "put_old child");
}

/* Without CAP_SYS_ADMIN: EPERM for unshare, setns, mount and pivot_root. */
static void test_eperm(int old_ns)
{
	pid_t pid = fork();
	if (pid == 0) {
		guest_failures = 0;
		expect_ret(setresuid(65534, 65534, 65534), 0, "setresuid(nobody)");
		expect_err(unshare(CLONE_NEWNS), EPERM, "nobody: unshare(CLONE_NEWNS)");
		expect_err(setns(old_ns, CLONE_NEWNS), EPERM, "nobody: setns(mnt)");
		expect_err(syscall(SYS_pivot_root, "/tmp", "/tmp"), EPERM, "nobody: pivot_root");
		expect_err(syscall(SYS_clone, (long)(CLONE_NEWNS | SIGCHLD), 0L, 0L, 0L, 0L), EPERM,
			   "nobody: clone(CLONE_NEWNS)");
		_exit(guest_failures ? 1 : 0);
	}
	guest_expect_child(pid, "exit 0", "unprivileged child");
}

int main(void)
{
	guest_start("ns_mnt");
	unsigned long long before = ns_ino("mnt");
	int old_ns = open("/proc/self/ns/mnt", O_RDONLY);
	check(old_ns >= 0, "open /proc/self/ns/mnt");
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, NULL)) {
		printf("FAIL setup: unshare + private + tmpfs on /tmp: %s\n",
		       guest_errno_name(errno));
		return 1;
	}
	printf("unshare(CLONE_NEWNS) and a tmpfs on /tmp: ok\n");
	touch("/tmp/ns-marker");
	test_ns_links(before);
	test_setns_back(old_ns);
	test_clone_newns();
	test_pivot_dot();
	test_pivot_put_old();
	test_eperm(old_ns);
	expect_err(setns(-1, 0), EBADF, "setns(-1)");
	int fd = open("/tmp/ns-marker", O_RDONLY);
	expect_err(setns(fd, 0), EINVAL, "setns(regular file)");
	close(fd);
	expect_err(unshare(0x1), EINVAL, "unshare(CSIGNAL bit)");
	return guest_finish();
}
