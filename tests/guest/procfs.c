// SPDX-License-Identifier: Apache-2.0
/*
 * /proc as programs parse it: the self and thread-self links, a
 * process's stat, status, statm, cmdline, environ, comm, maps, fd and
 * fdinfo, limits, mounts, exe/cwd/root links, its threads under task/, a
 * child's directory while it runs, as a zombie and after it is reaped,
 * the system files (cpuinfo, meminfo, uptime, loadavg, stat, sys/...),
 * reopening a pipe through fd/, and the errors of writing where /proc
 * allows no write. Only what is the same on any Linux is printed: values
 * are compared with what the program knows (getpid, argv, its own mmap).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "guest_test.h"

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

/* The value after "key:" in a status-like file in buf, or NULL. */
static const char *field(const char *key)
{
	size_t len = strlen(key);
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, len) && l[len] == ':')
			return l + len + 1 + strspn(l + len + 1, " \t");
	return NULL;
}

static long field_long(const char *key)
{
	const char *v = field(key);
	return v ? strtol(v, NULL, 10) : -1;
}

static bool readlink_is(const char *path, const char *want)
{
	char t[4096];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	if (n < 0)
		return false;
	t[n] = 0;
	return !strcmp(t, want);
}

/* A stat line's fields after "(comm)": f[0] the state, field k >= 4 in f[k - 3]. */
static int stat_fields(const char *path, char *comm, long long f[64])
{
	if (slurp(path) < 0)
		return -1;
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren)
		return -1;
	snprintf(comm, 32, "%.*s", (int)(close_paren - open_paren + 1), open_paren);
	f[0] = close_paren[2];
	int n = 3; /* pid, comm, state */
	char *p = close_paren + 3;
	while (*p && *p != '\n' && n < 64) {
		f[n - 2] = strtoll(p, &p, 10);
		n++;
	}
	return n;
}

static void test_self(const char *prog)
{
	char want[64], comm[32];
	long long f[64];
	snprintf(want, sizeof(want), "%d", getpid());
	check(readlink_is("/proc/self", want), "readlink /proc/self is getpid()");
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), syscall(SYS_gettid));
	check(readlink_is("/proc/thread-self", want), "readlink /proc/thread-self is pid/task/tid");

	int n = stat_fields("/proc/self/stat", comm, f);
	expect_ret(n, 52, "/proc/self/stat fields");
	printf("/proc/self/stat comm: %s\n", comm);
	check(slurp("/proc/self/stat") > 0 && atoi(buf) == getpid(), "stat pid is getpid()");
	check(f[0] == 'R', "stat state of the reader is R");
	check(f[1] == getppid() && f[2] == getpgrp() && f[3] == getsid(0),
	      "stat ppid, pgrp, session");
	check(f[17] == 1, "stat num_threads 1");
	/* Linux counts RSS per CPU and folds it in lazily: a small process may show 0. */
	check(f[20] > 0 && f[21] >= 0, "stat vsize set");

	check(slurp("/proc/self/status") > 0, "read /proc/self/status");
	check(field_long("Pid") == getpid() && field_long("Tgid") == getpid() &&
		      field_long("PPid") == getppid(),
	      "status Pid, Tgid, PPid");
	check(field_long("Threads") == 1, "status Threads 1");
	check(field_long("Uid") == (long)getuid() && field_long("Gid") == (long)getgid(),
	      "status Uid, Gid");
	check(field("VmRSS") && field("SigBlk") && field("CapEff") && field("Cpus_allowed_list"),
	      "status has VmRSS, SigBlk, CapEff, Cpus_allowed_list");
	const char *name = field("Name");
	check(name && !strncmp(name, comm + 1, strlen(comm) - 2), "status Name is the comm");

	check(slurp("/proc/self/statm") > 0, "read /proc/self/statm");
	long v[7] = {0};
	check(sscanf(buf, "%ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		     &v[6]) == 7 &&
		      v[0] > 0,
	      "statm: 7 numbers, size set");

	char path[4096];
	check(realpath(prog, path) && readlink_is("/proc/self/exe", path),
	      "readlink /proc/self/exe is realpath(argv[0])");
	check(getcwd(path, sizeof(path)) && readlink_is("/proc/self/cwd", path),
	      "readlink /proc/self/cwd is getcwd()");
	check(readlink_is("/proc/self/root", "/"), "readlink /proc/self/root is /");
}

static void test_args(int argc, char **argv, char **envp)
{
	long n = slurp("/proc/self/cmdline"), want = 0;
	bool same = n > 0;
	for (int i = 0; i < argc && same; i++) {
		same = !strcmp(buf + want, argv[i]);
		want += strlen(argv[i]) + 1;
	}
	check(same && n == want, "/proc/self/cmdline is argv, NUL-separated");
	n = slurp("/proc/self/environ");
	want = 0;
	same = n >= 0;
	for (char **e = envp; *e && same; e++) {
		same = !strcmp(buf + want, *e);
		want += strlen(*e) + 1;
	}
	check(same && n == want, "/proc/self/environ is envp");
}

/* The maps line of [start, end), or NULL. */
static const char *maps_line(unsigned long start, unsigned long end)
{
	char key[64];
	snprintf(key, sizeof(key), "%08lx-%08lx ", start, end);
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, strlen(key)))
			return l;
	return NULL;
}

/* The maps line holding addr and naming name. */
static bool maps_has(unsigned long addr, const char *name, const char *perms)
{
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long s, e;
		char p[8];
		if (sscanf(l, "%lx-%lx %7s", &s, &e, p) != 3 || addr < s || addr >= e)
			continue;
		const char *nl = strchr(l, '\n');
		const char *n = strstr(l, name);
		return n && (!nl || n < nl) && (!perms || !strcmp(p, perms));
	}
	return false;
}

static void test_maps(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(m != MAP_FAILED && mprotect(m + pg, pg, PROT_READ) == 0, "mmap 3 pages, middle r--");
	/* brk(2) itself: musl's sbrk only reads the break. */
	long brk0 = syscall(SYS_brk, 0L);
	check(syscall(SYS_brk, brk0 + pg) == brk0 + pg, "brk up one page");
	check(slurp("/proc/self/maps") > 0, "read /proc/self/maps");
	const char *l = maps_line((unsigned long)m + pg, (unsigned long)m + 2 * pg);
	check(l && !strncmp(strchr(l, ' ') + 1, "r--p 00000000 00:00 0 ", 22),
	      "maps: the middle page r--p, offset 0, no file");
	int local;
	check(maps_has((unsigned long)&local, "[stack]", "rw-p"), "maps: [stack] holds a local");
	check(maps_has((unsigned long)brk0, "[heap]", "rw-p"), "maps: [heap] holds the break");
	check(maps_has(getauxval(AT_SYSINFO_EHDR), "[vdso]", "r-xp"),
	      "maps: [vdso] at AT_SYSINFO_EHDR");
	check(strstr(buf, "[vvar]") != NULL, "maps: [vvar]");
	munmap(m, 3 * pg);
}

static int pipefd[2];

static void *thread_main(void *arg)
{
	char c, want[64];
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), syscall(SYS_gettid));
	*(bool *)arg = readlink_is("/proc/thread-self", want);
	return read(pipefd[0], &c, 1) == 1 ? NULL : arg;
}

static void test_threads(void)
{
	pthread_t th;
	bool thread_self_ok = false;
	check(pipe(pipefd) == 0, "pipe");
	check(pthread_create(&th, NULL, thread_main, &thread_self_ok) == 0, "pthread_create");
	check(slurp("/proc/self/status") > 0 && field_long("Threads") == 2,
	      "status Threads 2 with a second thread");
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	expect_ret(n, 2, "entries in /proc/self/task");
	check(write(pipefd[1], "x", 1) == 1 && pthread_join(th, NULL) == 0, "join the thread");
	check(thread_self_ok, "readlink /proc/thread-self in the thread names it");
	close(pipefd[0]);
	close(pipefd[1]);
}

static bool fd_listed(int fd)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", fd);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;
	while (d && (e = readdir(d)))
		found |= !strcmp(e->d_name, name);
	if (d)
		closedir(d);
	return found;
}

static void test_fds(void)
{
	char path[64], link[64];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	check(fd > 2, "open a file");
	check(fd_listed(0) && fd_listed(1) && fd_listed(2) && fd_listed(fd),
	      "/proc/self/fd lists 0, 1, 2 and the new fd");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", getpid());
	check(readlink_is(link, path), "readlink fd/N is the file's path");
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool all_open = d != NULL;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			all_open &= fcntl(atoi(e->d_name), F_GETFD) >= 0;
	if (d)
		closedir(d);
	check(all_open, "every fd listed is open");
	bool all_listed = true;
	for (int i = 0; i < 64; i++)
		if (fcntl(i, F_GETFD) >= 0)
			all_listed &= fd_listed(i);
	check(all_listed, "every open fd below 64 is listed");

	char c;
	check(lseek(fd, 3, SEEK_SET) == 3 && read(fd, &c, 1) == 1, "read cmdline at offset 3");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	check(slurp(path) > 0 && field_long("pos") == 4, "fdinfo pos 4");
	const char *fl = field("flags");
	long flags = fl ? strtol(fl, NULL, 8) : -1;
	check((flags & O_ACCMODE) == O_RDONLY && (flags & O_CLOEXEC),
	      "fdinfo flags O_RDONLY|O_CLOEXEC");
	close(fd);

	int p[2];
	check(pipe(p) == 0, "pipe");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", p[1]);
	char t[64] = "";
	check(readlink(link, t, sizeof(t) - 1) > 0 && !strncmp(t, "pipe:[", 6),
	      "readlink of a pipe's fd: pipe:[ino]");
	struct stat st;
	check(stat(link, &st) == 0 && S_ISFIFO(st.st_mode), "stat through fd/N: a FIFO");
	int w = open(link, O_WRONLY);
	check(w >= 0 && write(w, "hi", 2) == 2 && read(p[0], t, 2) == 2 && !memcmp(t, "hi", 2),
	      "open fd/N of a pipe: writes reach the same pipe");
	close(w);
	close(p[0]);
	close(p[1]);
}

static char child_state(pid_t pid)
{
	char path[64], comm[32];
	long long f[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return stat_fields(path, comm, f) > 0 ? (char)f[0] : '?';
}

static bool wait_state(pid_t pid, char want)
{
	for (int i = 0; i < 400; i++) {
		if (child_state(pid) == want)
			return true;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return false;
}

static bool proc_lists(pid_t pid)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", pid);
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;
	while (d && (e = readdir(d)))
		found |= !strcmp(e->d_name, name);
	if (d)
		closedir(d);
	return found;
}

static void test_child(void)
{
	int p[2];
	char path[64], c;
	check(pipe(p) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	struct stat st;
	check(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0555 &&
		      st.st_uid == getuid(),
	      "/proc/<child>: a dir, 0555, owned by us");
	check(proc_lists(getpid()) && proc_lists(pid), "listing /proc shows us and the child");
	check(wait_state(pid, 'S'), "child blocked in read: state S");
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	check(slurp(path) > 0 && field_long("PPid") == getpid(), "child status PPid");
	close(p[1]);
	check(wait_state(pid, 'Z'), "child exited, not reaped: state Z");
	int status;
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "reap the child");
	snprintf(path, sizeof(path), "/proc/%d", pid);
	expect_err(stat(path, &st), ENOENT, "stat /proc/<child> after reaping");
	check(!proc_lists(pid), "listing /proc no longer shows the child");
}

static void test_files(void)
{
	long n = slurp("/proc/cpuinfo");
	int procs = 0;
	for (const char *l = buf; n > 0 && l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		procs += !strncmp(l, "processor\t:", 11);
	check(procs >= 1 && procs == sysconf(_SC_NPROCESSORS_ONLN),
	      "cpuinfo: a processor block per online CPU");
	check(strstr(buf, "\nflags\t\t:") && strstr(buf, "vendor_id"), "cpuinfo: flags, vendor_id");

	struct sysinfo si;
	check(slurp("/proc/meminfo") > 0 && sysinfo(&si) == 0, "read meminfo");
	long total = field_long("MemTotal");
	check(total > 0 && (unsigned long long)total ==
				   si.totalram * (unsigned long long)si.mem_unit / 1024,
	      "meminfo MemTotal is sysinfo's totalram");
	check(field_long("MemFree") <= total && field("MemAvailable"),
	      "meminfo MemFree, MemAvailable");

	double up = -1, idle = -1;
	check(slurp("/proc/uptime") > 0 && sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= 0,
	      "uptime: two numbers");
	int running = 0, total_t = 0, last = 0;
	double l1;
	check(slurp("/proc/loadavg") > 0 &&
		      sscanf(buf, "%lf %*f %*f %d/%d %d", &l1, &running, &total_t, &last) == 4 &&
		      running >= 1 && total_t >= running,
	      "loadavg: averages, running/total, last pid");
	check(slurp("/proc/stat") > 0 && !strncmp(buf, "cpu ", 4) && strstr(buf, "\nbtime ") &&
		      strstr(buf, "\nprocesses "),
	      "stat: cpu line, btime, processes");
	check(slurp("/proc/version") > 0 && !strncmp(buf, "Linux version ", 14), "version");
	check(slurp("/proc/filesystems") > 0 && strstr(buf, "\tproc\n"), "filesystems lists proc");

	struct utsname u;
	uname(&u);
	check(slurp("/proc/sys/kernel/osrelease") > 0 &&
		      !strncmp(buf, u.release, strlen(u.release)),
	      "sys/kernel/osrelease is uname's");
	check(slurp("/proc/sys/kernel/hostname") > 0 &&
		      !strncmp(buf, u.nodename, strlen(u.nodename)),
	      "sys/kernel/hostname is uname's");
	check(slurp("/proc/sys/kernel/ostype") > 0 && !strcmp(buf, "Linux\n"), "sys/kernel/ostype");
	check(slurp("/proc/sys/kernel/pid_max") > 0 && atol(buf) > getpid(), "sys/kernel/pid_max");
	char boot[64];
	check(slurp("/proc/sys/kernel/random/boot_id") == 37 &&
		      snprintf(boot, sizeof(boot), "%s", buf) &&
		      slurp("/proc/sys/kernel/random/boot_id") == 37 && !strcmp(boot, buf),
	      "boot_id: a UUID, the same twice");
	check(slurp("/proc/sys/kernel/random/uuid") == 37 && strcmp(boot, buf),
	      "random/uuid: a fresh UUID");
	check(slurp("/proc/sys/kernel/cap_last_cap") > 0 && atoi(buf) >= 40, "cap_last_cap");
	check(slurp("/proc/sys/vm/overcommit_memory") > 0 && buf[0] >= '0' && buf[0] <= '2',
	      "vm/overcommit_memory");
	check(slurp("/proc/sys/fs/nr_open") > 0 && atol(buf) >= 1024, "fs/nr_open");

	check(slurp("/proc/self/mounts") > 0 && strstr(buf, " /proc proc "),
	      "mounts: /proc is proc");
	check(slurp("/proc/self/mountinfo") > 0 && strstr(buf, " /proc ") &&
		      strstr(buf, " - proc "),
	      "mountinfo: /proc is proc");
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	const char *lim = slurp("/proc/self/limits") > 0 ? strstr(buf, "Max open files") : NULL;
	check(!strncmp(buf, "Limit ", 6) && lim && strtoull(lim + 25, NULL, 10) == rl.rlim_cur,
	      "limits: Max open files is getrlimit's");
}

static void test_access(void)
{
	struct stat st;
	check(stat("/proc/self/status", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
		      (st.st_mode & 07777) == 0444,
	      "stat status: regular, 0444, size 0");
	check(stat("/proc/self/fd", &st) == 0 && (st.st_mode & 07777) == 0500, "stat fd/: 0500");
	check(lstat("/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode), "lstat exe: a symlink");

	int fd = open("/proc/self/stat", O_WRONLY);
	if (geteuid() == 0)
		check(fd >= 0 && write(fd, "x", 1) == -1 && errno == EINVAL,
		      "write /proc/self/stat: refused as Linux (root: EINVAL)");
	else
		check(fd == -1 && errno == EACCES,
		      "write /proc/self/stat: refused as Linux (user: EACCES)");
	if (fd >= 0)
		close(fd);

	fd = open("/proc/version", O_RDONLY);
	char a[16] = "", b[16] = "";
	check(fd >= 0 && pread(fd, a, 8, 6) == 8 && lseek(fd, 6, SEEK_SET) == 6 &&
		      read(fd, b, 8) == 8 && !memcmp(a, "version ", 8) && !memcmp(a, b, 8),
	      "pread and lseek+read at an offset agree");
	expect_err(lseek(fd, 0, SEEK_END), EINVAL, "lseek SEEK_END on a /proc file");
	close(fd);

	char name[16] = "";
	fd = open("/proc/self/comm", O_WRONLY);
	check(fd >= 0 && write(fd, "renamed", 7) == 7, "write /proc/self/comm");
	close(fd);
	prctl(PR_GET_NAME, name);
	check(!strcmp(name, "renamed") && slurp("/proc/self/comm") > 0 && !strcmp(buf, "renamed\n"),
	      "comm and PR_GET_NAME show the new name");
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	check(fd >= 0 && write(fd, "100\n", 4) == 4, "write oom_score_adj 100");
	close(fd);
	check(slurp("/proc/self/oom_score_adj") > 0 && !strcmp(buf, "100\n"),
	      "oom_score_adj reads 100");
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	expect_err(write(fd, "5000", 4), EINVAL, "oom_score_adj 5000");
	close(fd);
	expect_err(open("/proc/self/nonexistent", O_RDONLY), ENOENT, "open /proc/self/nonexistent");
	expect_err(open("/proc/2147483647/stat", O_RDONLY), ENOENT,
		   "open /proc/<no such pid>/stat");
}

int main(int argc, char **argv, char **envp)
{
	guest_start("procfs");
	test_args(argc, argv, envp);
	test_self(argv[0]);
	test_maps();
	test_threads();
	test_fds();
	test_child();
	test_files();
	test_access();
	return guest_finish();
}
