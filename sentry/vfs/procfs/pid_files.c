// SPDX-License-Identifier: Apache-2.0
/*
 * The files of /proc/<pid> that describe the process itself: stat,
 * statm, status, cmdline, environ, comm, limits, the oom files, cgroup,
 * io, wchan, and the exe, cwd and root links. Each read snapshots the process
 * (proc_info.h): ESRCH once it has been reaped, as Linux.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/oom.h"
#include "sentry/kernel/process.h"

#define RLIMIT_RSS 5
#define RLIMIT_SIGPENDING 11
#define ARGS_MAX (2ULL << 20) /* exec.c's ARG_MAX_BYTES bounds both areas */

static int get_task(struct proc_inode *pi, unsigned want, struct proc_task *pt)
{
	return proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, want, pt);
}

/* Linux's FDSize: the fd table's size, 64 and then powers of two from 256. */
static int fd_table_size(struct fdtable *files)
{
	int top = -1;
	for (int fd = FDTABLE_MAX - 1; files && fd >= 0 && top < 0; fd--)
		if (fdtable_get_cloexec(files, fd) >= 0)
			top = fd;
	if (top < 64)
		return 64;
	int size = 256;
	while (size <= top)
		size *= 2;
	return size;
}

static void stat_extra(struct proc_inode *pi, const struct proc_task *pt, struct proc_stat_extra *x)
{
	struct kernel *k = proc_kernel(pi);
	*x = (struct proc_stat_extra){
		.ncpus = k->ncpus,
		.rsslim = pt->rlimits[RLIMIT_RSS].cur,
		.umask = pt->fs ? fs_struct_umask_get(pt->fs) : ~0u,
		.fdsize = fd_table_size(pt->files),
		.sigq_limit = pt->rlimits[RLIMIT_SIGPENDING].cur,
		.has_mm = pt->mm != NULL,
	};
}

int proc_pid_show_stat(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	struct proc_mm_stats ms;
	struct proc_stat_extra x;
	int ret = get_task(pi, PROC_MM, &pt);
	if (ret)
		return ret;
	proc_mm_stats_get(pt.mm, &ms);
	stat_extra(pi, &pt, &x);
	/* Linux shows the layout only to those who may inspect the process. */
	if (proc_may_inspect(&pt)) {
		memset(&ms.exec, 0, sizeof(ms.exec));
		ms.start_code = ms.end_code = pt.mm ? 1 : 0;
		ms.start_brk = 0;
	}
	proc_format_stat(s, &pt, &ms, &x);
	proc_task_put(&pt);
	return 0;
}

int proc_pid_show_statm(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	struct proc_mm_stats ms;
	int ret = get_task(pi, PROC_MM, &pt);
	if (ret)
		return ret;
	proc_mm_stats_get(pt.mm, &ms);
	proc_format_statm(s, &ms);
	proc_task_put(&pt);
	return 0;
}

int proc_pid_show_status(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	struct proc_mm_stats ms;
	struct proc_stat_extra x;
	int ret = get_task(pi, PROC_MM | PROC_FS | PROC_FILES, &pt);
	if (ret)
		return ret;
	proc_mm_stats_get(pt.mm, &ms);
	stat_extra(pi, &pt, &x);
	proc_format_status(s, &pt, &ms, &x);
	proc_task_put(&pt);
	return 0;
}

/* Append [start, end) of mm to s, stopping at a NUL when to_nul (setproctitle). */
static int put_user_range(struct seq *s, struct mm *mm, u64 start, u64 end, bool to_nul)
{
	if (end <= start)
		return 0;
	size_t len = MIN(end - start, ARGS_MAX);
	char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	len = mm_copy_from_user_partial(mm, buf, uaddr(start), len);
	if (to_nul)
		len = strnlen(buf, len);
	seq_write(s, buf, len);
	free(buf);
	return 0;
}

/*
 * Linux's get_mm_cmdline: the argument area; if its last byte is no
 * longer a NUL the process rewrote its title (setproctitle), which may run
 * on into the environment, up to the first NUL.
 */
int proc_pid_show_cmdline(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = get_task(pi, PROC_MM, &pt);
	if (ret)
		return ret;
	struct mm_exec_info e = {0};
	if (pt.mm)
		mm_get_exec_info(pt.mm, &e);
	char last = 0;
	if (e.arg_end > e.arg_start &&
	    mm_copy_from_user_partial(pt.mm, &last, uaddr(e.arg_end - 1), 1) != 1)
		last = 0;
	if (last && e.env_start == e.arg_end && e.env_end >= e.env_start)
		ret = put_user_range(s, pt.mm, e.arg_start, e.env_end, true);
	else if (last)
		ret = put_user_range(s, pt.mm, e.arg_start, e.arg_end, true);
	else
		ret = put_user_range(s, pt.mm, e.arg_start, e.arg_end, false);
	proc_task_put(&pt);
	return ret;
}

int proc_pid_show_environ(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = get_task(pi, PROC_MM, &pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(&pt);
	if (!ret && pt.mm) {
		struct mm_exec_info e;
		mm_get_exec_info(pt.mm, &e);
		ret = put_user_range(s, pt.mm, e.env_start, e.env_end, false);
	}
	proc_task_put(&pt);
	return ret;
}

int proc_pid_show_comm(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = get_task(pi, 0, &pt);
	if (ret)
		return ret;
	seq_printf(s, "%s\n", pt.comm);
	proc_task_put(&pt);
	return 0;
}

/* Linux's comm_write: up to 15 bytes, newline and all; only the writer's own process. */
ssize_t proc_pid_write_comm(struct proc_inode *pi, const char *buf, size_t len)
{
	char name[16] = {0};
	memcpy(name, buf, MIN(len, sizeof(name) - 1));
	int ret = proc_set_comm(proc_kernel(pi), pi->tgid, pi->tid, name);
	return ret ? ret : (ssize_t)len;
}

static const struct {
	const char *name, *unit;
} limit_names[LINUX_RLIM_NLIMITS] = {
	{"Max cpu time", "seconds"},	 {"Max file size", "bytes"},
	{"Max data size", "bytes"},	 {"Max stack size", "bytes"},
	{"Max core file size", "bytes"}, {"Max resident set", "bytes"},
	{"Max processes", "processes"},	 {"Max open files", "files"},
	{"Max locked memory", "bytes"},	 {"Max address space", "bytes"},
	{"Max file locks", "locks"},	 {"Max pending signals", "signals"},
	{"Max msgqueue size", "bytes"},	 {"Max nice priority", NULL},
	{"Max realtime priority", NULL}, {"Max realtime timeout", "us"},
};

static void put_limit(struct seq *s, u64 v)
{
	if (v == LINUX_RLIM_INFINITY)
		seq_printf(s, "%-20s ", "unlimited");
	else
		seq_printf(s, "%-20llu ", (unsigned long long)v);
}

int proc_pid_show_limits(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = get_task(pi, 0, &pt);
	if (ret)
		return ret;
	seq_printf(s, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < LINUX_RLIM_NLIMITS; i++) {
		seq_printf(s, "%-25s ", limit_names[i].name);
		put_limit(s, pt.rlimits[i].cur);
		put_limit(s, pt.rlimits[i].max);
		if (limit_names[i].unit)
			seq_printf(s, "%-10s", limit_names[i].unit);
		seq_putc(s, '\n');
	}
	proc_task_put(&pt);
	return 0;
}

/*
 * Linux's oom_*_write: at most PROC_NUMBUF - 1 bytes are read, stripped
 * of white space and taken by kstrtoint (base 0: 0x.. hex, 0.. octal).
 * Returns the count taken, or -EINVAL / -ERANGE.
 */
#define OOM_NUMBUF 13
static ssize_t oom_parse(const char *buf, size_t len, int *v)
{
	char text[OOM_NUMBUF];
	size_t n = MIN(len, sizeof(text) - 1);
	memcpy(text, buf, n);
	text[n] = 0;
	char *p = text, *end = text + strlen(text);
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = 0;
	char *stop;
	errno = 0;
	long long x = strtoll(p, &stop, 0);
	if (*stop || stop == p)
		return -EINVAL;
	if (errno || x < INT_MIN || x > INT_MAX)
		return -ERANGE;
	*v = (int)x;
	return (ssize_t)n;
}

static int show_oom_adj(struct seq *s, struct proc_inode *pi, bool legacy)
{
	int adj;
	int ret = oom_adj_get(proc_kernel(pi), pi->tgid, legacy, &adj);
	if (!ret)
		seq_printf(s, "%d\n", adj);
	return ret;
}

int proc_pid_show_oom_score_adj(struct seq *s, struct proc_inode *pi)
{
	return show_oom_adj(s, pi, false);
}

int proc_pid_show_oom_adj(struct seq *s, struct proc_inode *pi)
{
	return show_oom_adj(s, pi, true);
}

int proc_pid_show_oom_score(struct seq *s, struct proc_inode *pi)
{
	long score = oom_score(proc_kernel(pi), pi->tgid);
	if (score < 0)
		return (int)score;
	seq_printf(s, "%ld\n", score);
	return 0;
}

/* Linux's oom_score_adj_write: -1000..1000. */
ssize_t proc_pid_write_oom_score_adj(struct proc_inode *pi, const char *buf, size_t len)
{
	int v;
	ssize_t n = oom_parse(buf, len, &v);
	if (n < 0)
		return n;
	if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	int ret = oom_adj_set(proc_kernel(pi), task_current(), pi->tgid, v, false);
	return ret ? ret : n;
}

/*
 * Linux's oom_adj_write: the legacy -16..15, or -17 (OOM_DISABLE), mapped
 * linearly onto oom_score_adj with 15 as 1000.
 */
ssize_t proc_pid_write_oom_adj(struct proc_inode *pi, const char *buf, size_t len)
{
	int v;
	ssize_t n = oom_parse(buf, len, &v);
	if (n < 0)
		return n;
	if ((v < OOM_ADJUST_MIN || v > OOM_ADJUST_MAX) && v != OOM_DISABLE)
		return -EINVAL;
	v = v == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : v * OOM_SCORE_ADJ_MAX / -OOM_DISABLE;
	int ret = oom_adj_set(proc_kernel(pi), task_current(), pi->tgid, v, true);
	return ret ? ret : n;
}

int proc_pid_show_cgroup(struct seq *s, struct proc_inode *pi)
{
	if (proc_find(proc_kernel(pi), pi->tgid) < 0)
		return -ESRCH;
	seq_puts(s, "0::/\n"); /* the root of a cgroup v2 hierarchy, as in a container */
	return 0;
}

/*
 * Linux's proc_pid_io_accounting: the read and write syscalls' counts of
 * the process (tg_io_account), for task/<tid>/io too (Linux's are per
 * thread there). No block I/O is accounted: the Sentry's files live in
 * memory or behind the gofer, so read_bytes and write_bytes are 0, as
 * Linux gives for tmpfs.
 */
int proc_pid_show_io(struct seq *s, struct proc_inode *pi)
{
	struct kernel *k = proc_kernel(pi);
	struct proc_task pt;
	u64 io[4] = {0};
	int ret = get_task(pi, 0, &pt);
	if (ret)
		return ret;
	/* Linux: ptrace_may_access(PTRACE_MODE_READ_FSCREDS), or EACCES. */
	ret = proc_may_inspect(&pt);
	proc_task_put(&pt);
	if (ret)
		return ret;
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, pi->tgid);
	if (tg) {
		io[0] = __atomic_load_n(&tg->io_rchar, __ATOMIC_RELAXED);
		io[1] = __atomic_load_n(&tg->io_wchar, __ATOMIC_RELAXED);
		io[2] = __atomic_load_n(&tg->io_syscr, __ATOMIC_RELAXED);
		io[3] = __atomic_load_n(&tg->io_syscw, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&k->lock);
	if (!tg)
		return -ESRCH;
	seq_printf(s,
		   "rchar: %llu\nwchar: %llu\nsyscr: %llu\nsyscw: %llu\nread_bytes: 0\n"
		   "write_bytes: 0\ncancelled_write_bytes: 0\n",
		   (unsigned long long)io[0], (unsigned long long)io[1], (unsigned long long)io[2],
		   (unsigned long long)io[3]);
	return 0;
}

int proc_pid_show_wchan(struct seq *s, struct proc_inode *pi)
{
	if (proc_find(proc_kernel(pi), pi->tgid) < 0)
		return -ESRCH;
	seq_puts(s, "0");
	return 0;
}

static int link_out(char *buf, size_t size, const char *target, long len)
{
	if (len < 0)
		return len;
	memcpy(buf, target, MIN((size_t)len, size));
	return MIN((size_t)len, size);
}

int proc_pid_readlink_exe(struct proc_inode *pi, char *buf, size_t size)
{
	struct proc_task pt;
	int ret = get_task(pi, PROC_EXE, &pt);
	if (ret)
		return -ENOENT;
	ret = proc_may_inspect(&pt);
	if (!ret)
		ret = pt.exe && *pt.exe ? link_out(buf, size, pt.exe, strlen(pt.exe)) : -ENOENT;
	proc_task_put(&pt);
	return ret;
}

/* The target's cwd or root as the caller sees it (from the caller's root). */
static int readlink_fs_path(struct proc_inode *pi, char *buf, size_t size, bool cwd)
{
	struct proc_task pt;
	char path[LINUX_PATH_MAX];
	int ret = get_task(pi, PROC_FS, &pt);
	if (ret)
		return -ENOENT;
	ret = proc_may_inspect(&pt);
	if (!ret && !pt.fs)
		ret = -ENOENT;
	if (!ret) {
		struct task *self = task_current();
		struct path root, tcwd, troot;
		fs_struct_paths(self && self->fs ? self->fs : pt.fs, &root, &tcwd);
		path_put(&tcwd);
		fs_struct_paths(pt.fs, &troot, &tcwd);
		long n = vfs_d_path_shown(&root, cwd ? &tcwd : &troot, path, sizeof(path));
		ret = link_out(buf, size, path, n);
		path_put(&root);
		path_put(&tcwd);
		path_put(&troot);
	}
	proc_task_put(&pt);
	return ret;
}

int proc_pid_readlink_cwd(struct proc_inode *pi, char *buf, size_t size)
{
	return readlink_fs_path(pi, buf, size, true);
}

int proc_pid_readlink_root(struct proc_inode *pi, char *buf, size_t size)
{
	return readlink_fs_path(pi, buf, size, false);
}
