// SPDX-License-Identifier: Apache-2.0
/*
 * /sys as programs read it: the CPU lists glibc's sysconf and nproc use
 * (online, possible, the cpu<N> directories and their topology), the
 * transparent huge page policy, the cgroup v2 files container runtimes
 * and language runtimes read to size themselves (/sys/fs/cgroup, with
 * /proc/self/cgroup), and the errors of writing to sysfs. Printed is what
 * holds on any Linux: a file's format, and agreement with sysconf,
 * getpid and statfs; files a host may lack are checked when present.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "guest_test.h"

#define SYSFS_MAGIC 0x62656572
#define CGROUP2_SUPER_MAGIC 0x63677270
#define CPU "/sys/devices/system/cpu/"

static char buf[1 << 16];

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

/* The number of CPUs in a list like "0-3,5\n", or -1 if it does not parse. */
static long count_list(const char *s)
{
	long n = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		n += b - a + 1;
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return *s == '\n' && !s[1] ? n : -1;
}

static void test_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	check(slurp(CPU "online") > 0 && count_list(buf) == online,
	      "cpu/online lists sysconf(_SC_NPROCESSORS_ONLN) CPUs");
	check(slurp(CPU "possible") > 0 && count_list(buf) >= online,
	      "cpu/possible lists at least those");
	check(slurp(CPU "present") > 0 && count_list(buf) >= online,
	      "cpu/present lists at least those");
	check(slurp(CPU "kernel_max") > 0 && atol(buf) >= online - 1, "cpu/kernel_max bounds them");

	DIR *d = opendir(CPU);
	long dirs = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		if (!strncmp(e->d_name, "cpu", 3) && e->d_name[3] >= '0' && e->d_name[3] <= '9' &&
		    strtol(e->d_name + 3, &end, 10) >= 0 && !*end)
			dirs++;
	}
	if (d)
		closedir(d);
	check(dirs >= online, "a cpu<N> directory per online CPU");
	struct stat st;
	check(stat(CPU "cpu0", &st) == 0 && S_ISDIR(st.st_mode), "cpu0 is a directory");
	check(slurp(CPU "cpu0/topology/core_id") > 0 && atol(buf) >= 0,
	      "cpu0/topology/core_id is a number");
	check(slurp(CPU "cpu0/topology/core_siblings_list") > 0 && count_list(buf) >= 1,
	      "cpu0/topology/core_siblings_list is a CPU list");
	if (online > 1)
		check(slurp(CPU "cpu1/online") == 2 && buf[0] == '1', "cpu1/online is 1");
	else
		check(true, "cpu1/online is 1");
	check(stat(CPU "cpu99999", &st) < 0 && errno == ENOENT, "no cpu99999: ENOENT");
}

static void test_readonly(void)
{
	struct statfs sf;
	check(statfs("/sys", &sf) == 0 && sf.f_type == SYSFS_MAGIC, "statfs /sys: SYSFS_MAGIC");
	check(statfs(CPU, &sf) == 0 && sf.f_type == SYSFS_MAGIC, "statfs cpu dir: SYSFS_MAGIC");
	expect_err(open(CPU "online", O_WRONLY), EACCES, "open cpu/online O_WRONLY");
	expect_err(open(CPU "online", O_RDWR), EACCES, "open cpu/online O_RDWR");
	expect_err(open(CPU "possible", O_WRONLY | O_TRUNC), EACCES, "open cpu/possible O_TRUNC");
	struct stat st;
	check(stat(CPU "online", &st) == 0 && (st.st_mode & 07777) == 0444 && st.st_uid == 0,
	      "cpu/online is 0444, root's");
	check(stat("/sys/class", &st) == 0 && S_ISDIR(st.st_mode), "/sys/class is a directory");
	check(stat("/sys/bus", &st) == 0 && S_ISDIR(st.st_mode), "/sys/bus is a directory");
}

static void test_thp(void)
{
	long n = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
	bool ok = true;
	if (n > 0) {
		/* "always [madvise] never": the three names, one chosen. */
		const char *open = strchr(buf, '['), *close = strchr(buf, ']');
		ok = strstr(buf, "always") && strstr(buf, "madvise") && strstr(buf, "never") &&
		     open && close && open < close && !strchr(open + 1, '[') && buf[n - 1] == '\n';
	}
	check(ok, "transparent_hugepage/enabled: one policy chosen (if present)");
}

/* Whether buf has a line holding just pid. */
static bool has_pid_line(int pid)
{
	char line[32];
	snprintf(line, sizeof(line), "%d\n", pid);
	size_t len = strlen(line);
	for (const char *l = buf; *l; l = strchr(l, '\n') + 1) {
		if (!strncmp(l, line, len))
			return true;
		if (!strchr(l, '\n'))
			break;
	}
	return false;
}

/* A limit file: "max" or a number, then a newline. */
static bool max_or_number(const char *path)
{
	if (slurp(path) < 0)
		return true; /* the host's group may not have this controller */
	char *end;
	if (!strcmp(buf, "max\n"))
		return true;
	return strtoll(buf, &end, 10) >= 0 && !strcmp(end, "\n");
}

static void test_cgroup(void)
{
	/*
	 * The v2 line "0::<path>", last after any v1 hierarchies' lines;
	 * Linux shows it once a cgroup2 was mounted (none on a bare VM).
	 */
	long n = slurp("/proc/self/cgroup");
	const char *v2 = n > 0 ? strstr(buf, "0::/") : NULL;
	check(n == 0 || (v2 && (v2 == buf || v2[-1] == '\n')),
	      "/proc/self/cgroup: a cgroup v2 path, if any");
	bool root = v2 && !strcmp(v2, "0::/\n");
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
		/* No cgroup2 here (a bare VM): nothing more to compare. */
		check(true, "cgroup2 at /sys/fs/cgroup: procs, limits, read-only");
		return;
	}
	bool ok = slurp("/sys/fs/cgroup/cgroup.controllers") >= 0;
	/* Our group is the mount's root when /proc/self/cgroup says "/". */
	if (ok && root)
		ok = slurp("/sys/fs/cgroup/cgroup.procs") > 0 && has_pid_line(getpid());
	ok = ok && max_or_number("/sys/fs/cgroup/memory.max") &&
	     max_or_number("/sys/fs/cgroup/memory.current") &&
	     max_or_number("/sys/fs/cgroup/pids.max") &&
	     max_or_number("/sys/fs/cgroup/pids.current");
	if (ok && slurp("/sys/fs/cgroup/cpu.max") > 0) {
		char quota[32];
		long period;
		ok = sscanf(buf, "%31s %ld", quota, &period) == 2 && period > 0;
	}
	check(ok, "cgroup2 at /sys/fs/cgroup: procs, limits, read-only");
}

int main(void)
{
	guest_start("sysfs");
	test_cpus();
	test_readonly();
	test_thp();
	test_cgroup();
	return guest_finish();
}
