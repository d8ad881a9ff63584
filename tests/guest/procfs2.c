// SPDX-License-Identifier: Apache-2.0
/*
 * The rest of /proc that programs parse: /proc/locks showing our own
 * POSIX, OFD and flock locks with our PID and the file's device and
 * inode; auxv against getauxval; smaps and smaps_rollup against maps;
 * the ns/ links, uid_map, gid_map, setgroups, loginuid, personality, io,
 * mountstats; fdinfo's ino; the socket tables' header lines; the
 * sysctls runtimes read; and fd/<n> as a magic link (a deleted file, a
 * memfd, openat2's RESOLVE_* refusals). Printed is what holds on any Linux: formats,
 * and agreement with what the program knows of itself.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "guest_test.h"

/* Our own openat2 ABI: musl-gcc builds without the kernel's headers. */
struct open_how {
	unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

static char buf[1 << 18];

/* The whole file into buf (NUL-terminated); its length or -1. */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return r < 0 ? -1 : n;
}

static size_t count_lines(const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, len);
	return n;
}

/* Whether buf has a line containing both a and b. */
static bool has_line_with(const char *a, const char *b)
{
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)MIN(len, sizeof(line) - 1), l);
		if (strstr(line, a) && strstr(line, b))
			return true;
	}
	return false;
}

static void test_locks(void)
{
	char path[] = "/tmp/procfs2-XXXXXX";
	int fd = mkstemp(path), fd2 = open(path, O_RDWR);
	struct stat st;
	check(fd >= 0 && fd2 >= 0 && fstat(fd, &st) == 0, "a file to lock");
	unlink(path);
	char id[64], pid_dev[160];
	snprintf(id, sizeof(id), " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5};
	check(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK write 10..14");
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100};
	check(fcntl(fd2, F_OFD_SETLK, &fl) == 0, "F_OFD_SETLK read 100..EOF");
	check(flock(fd, LOCK_SH) == 0, "flock LOCK_SH");
	check(slurp("/proc/locks") > 0, "read /proc/locks");
	snprintf(pid_dev, sizeof(pid_dev), "POSIX  ADVISORY  WRITE %d%s10 14", getpid(), id);
	check(has_line_with(pid_dev, ""), "/proc/locks: our POSIX lock, our pid, dev:ino, range");
	snprintf(pid_dev, sizeof(pid_dev), "OFDLCK ADVISORY  READ -1%s100 EOF", id);
	check(has_line_with(pid_dev, ""), "/proc/locks: our OFD lock, pid -1, to EOF");
	snprintf(pid_dev, sizeof(pid_dev), "FLOCK  ADVISORY  READ %d%s0 EOF", getpid(), id);
	check(has_line_with(pid_dev, ""), "/proc/locks: our flock lock with our pid");
	check(strchr(buf, ':') && buf[0] >= '1' && buf[0] <= '9', "/proc/locks: numbered lines");
	close(fd);
	close(fd2);
	snprintf(pid_dev, sizeof(pid_dev), "%s", id);
	check(slurp("/proc/locks") >= 0 && !has_line_with(pid_dev, "ADVISORY"),
	      "/proc/locks: gone after close");
}

static void test_auxv(void)
{
	long n = slurp("/proc/self/auxv");
	unsigned long *v = (unsigned long *)buf;
	bool pagesz = false, random = false, null = false;
	for (long i = 0; i + 1 < n / 8; i += 2) {
		pagesz |= v[i] == AT_PAGESZ && v[i + 1] == getauxval(AT_PAGESZ);
		random |= v[i] == AT_RANDOM && v[i + 1] == getauxval(AT_RANDOM);
		if (v[i] == AT_NULL) {
			null = i + 2 == n / 8;
			break;
		}
	}
	check(n > 0 && n % 16 == 0, "auxv: whole (type, value) pairs");
	check(pagesz && random, "auxv: AT_PAGESZ and AT_RANDOM as getauxval");
	check(null, "auxv: ends with AT_NULL");
}

static void test_smaps(void)
{
	check(slurp("/proc/self/maps") > 0, "read maps");
	size_t vmas = count_lines("");
	check(slurp("/proc/self/smaps") > 0, "read smaps");
	check(count_lines("Size:") == vmas && count_lines("VmFlags:") == vmas,
	      "smaps: a Size and a VmFlags line per maps line");
	check(count_lines("KernelPageSize:        4 kB") == vmas && count_lines("Rss:") == vmas &&
		      count_lines("Anonymous:") == vmas,
	      "smaps: KernelPageSize 4 kB, Rss, Anonymous");
	check(has_line_with("[stack]", "rw-p"), "smaps: the stack's header");
	check(slurp("/proc/self/smaps_rollup") > 0 && has_line_with("[rollup]", "---p") &&
		      count_lines("Rss:") == 1 && count_lines("Pss_Anon:") == 1,
	      "smaps_rollup: [rollup], Rss, Pss_Anon");
}

static bool ns_link_ok(const char *kind, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	ssize_t n = readlink(path, out, size - 1);
	if (n < 0)
		return false;
	out[n] = 0;
	size_t k = strlen(kind);
	if (!strncmp(kind, "pid_for", 7) || !strncmp(kind, "time_for", 8))
		k = strchr(kind, '_') - kind;
	char *end;
	return !strncmp(out, kind, k) && out[k] == ':' && out[k + 1] == '[' &&
	       strtoul(out + k + 2, &end, 10) > 0 && !strcmp(end, "]");
}

static void test_ids(void)
{
	static const char *const kinds[] = {"cgroup",		"ipc",	"mnt", "net", "pid",
					    "pid_for_children", "user", "uts"};
	char a[64], b[64];
	bool ok = true;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		ok &= ns_link_ok(kinds[i], a, sizeof(a));
	check(ok, "ns/*: <kind>:[<inode>]");
	check(ns_link_ok("pid", a, sizeof(a)) && ns_link_ok("pid_for_children", b, sizeof(b)) &&
		      !strcmp(strchr(a, '['), strchr(b, '[')),
	      "ns/pid and pid_for_children: the same");
	unsigned long x, y, z;
	check(slurp("/proc/self/uid_map") > 0 && sscanf(buf, "%lu %lu %lu", &x, &y, &z) == 3 &&
		      strlen(buf) == 33,
	      "uid_map: three numbers, 10 wide");
	check(slurp("/proc/self/gid_map") > 0 && sscanf(buf, "%lu %lu %lu", &x, &y, &z) == 3,
	      "gid_map: three numbers");
	check(slurp("/proc/self/setgroups") > 0 && !strcmp(buf, "allow\n"), "setgroups: allow");
	char *end;
	check(slurp("/proc/self/loginuid") > 0 && strtoul(buf, &end, 10) <= 4294967295UL && !*end,
	      "loginuid: a number, no newline");
	check(slurp("/proc/self/personality") == 9 && !strcmp(buf, "00000000\n"),
	      "personality: 00000000");
	check(slurp("/proc/self/io") > 0 && count_lines("rchar: ") == 1 &&
		      count_lines("cancelled_write_bytes: ") == 1 && count_lines("") == 7,
	      "io: the seven counters");
}

static void test_mounts_fdinfo(void)
{
	check(slurp("/proc/self/mountstats") > 0 && count_lines("device ") == count_lines("") &&
		      has_line_with(" mounted on /proc ", "with fstype proc"),
	      "mountstats: a device line per mount, /proc's");
	int fd = open("/proc/self/maps", O_RDONLY);
	struct stat st;
	char path[64], want[64];
	check(fd >= 0 && fstat(fd, &st) == 0, "open a file");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(want, sizeof(want), "ino:\t%llu\n", (unsigned long long)st.st_ino);
	check(slurp(path) > 0 && strstr(buf, "pos:\t0\n") && strstr(buf, "mnt_id:\t") &&
		      strstr(buf, want),
	      "fdinfo: pos, flags, mnt_id, ino of fstat");
	close(fd);
}

static bool first_line_is(const char *path, const char *want)
{
	if (slurp(path) < 0)
		return false;
	char *nl = strchr(buf, '\n');
	if (!nl)
		return false;
	*nl = 0;
	/* The IPv4 tables pad their header with spaces to a fixed width. */
	size_t len = strlen(want);
	return !strncmp(buf, want, len) && strspn(buf + len, " ") == strlen(buf + len);
}

static void test_net(void)
{
	check(first_line_is("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue "
					     "rx_queue tr tm->when retrnsmt   uid  timeout inode"),
	      "/proc/net/tcp header");
	check(first_line_is("/proc/net/udp", "   sl  local_address rem_address   st tx_queue "
					     "rx_queue tr tm->when retrnsmt   uid  timeout inode "
					     "ref pointer drops"),
	      "/proc/net/udp header");
	check(first_line_is(
		      "/proc/net/tcp6",
		      "  sl  local_address                         remote_address         "
		      "               st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
		      "inode"),
	      "/proc/net/tcp6 header");
	check(first_line_is("/proc/net/unix",
			    "Num       RefCount Protocol Flags    Type St Inode Path"),
	      "/proc/net/unix header");
	char target[64];
	ssize_t n = readlink("/proc/net", target, sizeof(target));
	check(n == 8 && !memcmp(target, "self/net", 8), "/proc/net -> self/net");
}

static void test_sysctls(void)
{
	static const char *const files[] = {
		"kernel/pid_max",
		"kernel/threads-max",
		"kernel/ngroups_max",
		"kernel/cap_last_cap",
		"kernel/shmmax",
		"kernel/shmall",
		"kernel/shmmni",
		"kernel/msgmax",
		"kernel/random/entropy_avail",
		"vm/overcommit_memory",
		"vm/max_map_count",
		"vm/mmap_min_addr",
		"fs/file-max",
		"fs/nr_open",
		"fs/pipe-max-size",
		"fs/inotify/max_user_watches",
		"fs/inotify/max_user_instances",
		"fs/inotify/max_queued_events",
		"net/core/somaxconn",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[96], *end;
		snprintf(path, sizeof(path), "/proc/sys/%s", files[i]);
		check(slurp(path) > 0 && (strtoull(buf, &end, 10), end != buf) &&
			      !strcmp(end, "\n"),
		      "%s: a number", files[i]);
	}
	check(slurp("/proc/cmdline") > 1 && buf[strlen(buf) - 1] == '\n',
	      "/proc/cmdline: one line");
	check(slurp("/proc/filesystems") > 0 && strstr(buf, "nodev\tsysfs\n") &&
		      strstr(buf, "nodev\tproc\n"),
	      "/proc/filesystems: sysfs and proc");
}

/* fd/<n> is a magic link: it reaches the open file itself, deleted or nameless. */
static void test_fd_magic_links(void)
{
	char name[] = "/tmp/runsk-procfs2-XXXXXX", path[64], got[8] = {0};
	int fd = mkstemp(name);
	if (fd < 0 || write(fd, "kept", 4) != 4)
		return;
	unlink(name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int again = open(path, O_RDONLY);
	check(again >= 0 && pread(again, got, 4, 0) == 4 && !strcmp(got, "kept"),
	      "open(/proc/self/fd/N) of a deleted file: its data");
	close(again);
	struct stat st;
	check(stat(path, &st) == 0 && st.st_nlink == 0 && S_ISREG(st.st_mode),
	      "stat through it: the deleted file (nlink 0)");
	int m = memfd_create("magic", 0);
	if (write(m, "memfd", 5) != 5)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m);
	again = open(path, O_RDWR);
	memset(got, 0, sizeof(got));
	check(again >= 0 && pread(again, got, 5, 0) == 5 && !strcmp(got, "memfd"),
	      "open(/proc/self/fd/N) of a memfd: its data");
	close(again);
	struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_NO_MAGICLINKS};
	expect_err(syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)), ELOOP,
		   "openat2(RESOLVE_NO_MAGICLINKS) through it");
	how.resolve = RESOLVE_NO_SYMLINKS;
	expect_err(syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)), ELOOP,
		   "openat2(RESOLVE_NO_SYMLINKS) through it");
	int procfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	char rel[32];
	snprintf(rel, sizeof(rel), "fd/%d", m);
	how.resolve = RESOLVE_BENEATH;
	expect_err(syscall(SYS_openat2, procfd, rel, &how, sizeof(how)), EXDEV,
		   "openat2(RESOLVE_BENEATH) through it");
	close(procfd);
	close(m);
	close(fd);
}

int main(void)
{
	guest_start("procfs2");
	test_fd_magic_links();
	test_locks();
	test_auxv();
	test_smaps();
	test_ids();
	test_mounts_fdinfo();
	test_net();
	test_sysctls();
	return guest_finish();
}
