/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procfs internals. Every name in /proc is a struct proc_entry in a
 * fixed table (the root's, a process's, /proc/sys's) or made on lookup
 * by a dynamic directory (pids, tids, fds); its inode, a proc_inode,
 * records which process and thread it describes by ID only, so that
 * nothing of a process is held once it is reaped: every read looks the
 * process up again (proc_info.h) and fails with ESRCH when it is gone.
 *
 * Inode numbers are a hash of the directory's and the name, so stat and
 * getdents agree without instantiating every entry.
 */
#ifndef SENTRY_VFS_PROCFS_PROCFS_INTERNAL_H
#define SENTRY_VFS_PROCFS_PROCFS_INTERNAL_H

#include <sys/stat.h>

#include "procfs.h"
#include "sentry/kernel/proc_info.h"
#include "sentry/vfs/vfs_internal.h"

/* A growing text buffer: what a generated file holds. */
struct seq {
	char *buf;
	size_t len, cap;
	int err; /* -ENOMEM once something did not fit */
};

void seq_write(struct seq *s, const void *data, size_t len);
void seq_puts(struct seq *s, const char *str);
void seq_putc(struct seq *s, char c);
void seq_printf(struct seq *s, const char *fmt, ...) __printf(2, 3);
/* Pad the line that starts at offset line_start with c up to width columns. */
void seq_pad(struct seq *s, size_t line_start, size_t width, char c);
void seq_free(struct seq *s);

struct proc_inode;

/*
 * One name of a fixed directory (or the template of a dynamic one's
 * children). mode gives the type: a regular file has show (and write if
 * writable), a symlink readlink, a directory children or its own ops.
 * iops/fops override what the type implies.
 */
struct proc_entry {
	const char *name;
	u32 mode;
	/* Append the file's contents to s: 0, or -errno (-ESRCH: the process is gone). */
	int (*show)(struct seq *s, struct proc_inode *pi);
	/* One write(2) of len bytes: len or -errno. NULL: -EINVAL. */
	ssize_t (*write)(struct proc_inode *pi, const char *buf, size_t len);
	/* The link's target (no NUL) in buf: its length or -errno. */
	int (*readlink)(struct proc_inode *pi, char *buf, size_t size);
	/* A magic link's place (inode_ops.jump); NULL: a walk follows the text. */
	int (*jump)(struct proc_inode *pi, struct path *out);
	const struct proc_entry *children;
	size_t nchildren;
	const struct inode_ops *iops;
	const struct file_ops *fops;
	/* A directory defined in another file: a table lookup uses it in this one's place. */
	const struct proc_entry *same_as;
};

struct proc_inode {
	struct inode vfs;
	const struct proc_entry *ent;
	int tgid;  /* the process described, 0 for the sandbox-wide files */
	int tid;   /* its thread (task/<tid>, /proc/<tid>), 0 for the process */
	int fd;	   /* fd/<fd> and fdinfo/<fd> */
	int index; /* sysfs: the N of cpu<N>/, inherited by what is under it */
	/* fd.c's reopen nodes: the target's name and its stat at lookup. */
	char *target;
	struct kstat target_stat;
};

static inline struct proc_inode *PROC_I(struct inode *inode)
{
	return container_of(inode, struct proc_inode, vfs);
}

struct procfs_info {
	struct kernel *k;
	/*
	 * sysfs: opening a file for writing fails as on a container's
	 * read-only /sys (EACCES without write bits, as kernfs, else EROFS).
	 */
	bool read_only;
};

static inline struct procfs_info *PROC_SB(const struct super_block *sb)
{
	return sb->fs_info;
}

static inline struct kernel *proc_kernel(const struct proc_inode *pi)
{
	return PROC_SB(pi->vfs.sb)->k;
}

/*
 * A new file system whose root lists the table root_ent, with procfs's
 * inodes (ops->destroy_inode must be proc_destroy_inode): how sysfs is
 * made. Returns a super block with one reference, or ERR_PTR(-ENOMEM).
 */
struct super_block *proc_table_fs_mount(struct kernel *k, const char *fstype,
					const struct super_ops *ops,
					const struct proc_entry *root_ent);
void proc_destroy_inode(struct inode *inode);

/* The inode number of name in the directory numbered dir_ino. */
u64 proc_ino(u64 dir_ino, const char *name);

/*
 * A new inode for ent named name in dir, describing process tgid (thread
 * tid); owned by the process's user when tgid is set, else by root.
 * Returns it, or ERR_PTR(-ENOENT) when the process is gone, -ENOMEM.
 */
struct inode *proc_new_inode(struct inode *dir, const struct proc_entry *ent, const char *name,
			     int tgid, int tid);

/* A decimal name without sign or leading zero, at most max (Linux's name_to_int); else -1. */
int proc_name_to_int(const char *name, int max);

/* getdents helpers: emit "." and ".." (positions 0 and 1); false when the buffer is full. */
bool proc_emit_dots(struct file *f, struct dir_context *ctx);
bool proc_emit(struct dir_context *ctx, const char *name, u64 dir_ino, u32 mode, s64 next);

/* Directories listing a fixed table (the children of their entry). */
extern const struct inode_ops proc_table_iops;
extern const struct file_ops proc_table_fops;
/* Generated files (seq.c) and symlinks. */
extern const struct inode_ops proc_file_iops;
extern const struct file_ops proc_file_fops;
extern const struct inode_ops proc_link_iops;

/*
 * Whether the caller may see the private files (environ, maps, fd, the
 * cwd/root/exe links) of the process pt describes: its own process, root,
 * or the same user while the process is dumpable (Linux's
 * ptrace_may_access). 0 or -EACCES.
 */
int proc_may_inspect(const struct proc_task *pt);

/* Global files (root_dir.c, sysinfo.c, cpuinfo.c, sys.c). */
extern const struct proc_entry proc_root_entry;
extern const struct proc_entry proc_sys_entry;
int proc_show_cpuinfo(struct seq *s, struct proc_inode *pi);
int proc_show_meminfo(struct seq *s, struct proc_inode *pi);
int proc_show_uptime(struct seq *s, struct proc_inode *pi);
int proc_show_loadavg(struct seq *s, struct proc_inode *pi);
int proc_show_stat(struct seq *s, struct proc_inode *pi);
int proc_show_version(struct seq *s, struct proc_inode *pi);
int proc_show_filesystems(struct seq *s, struct proc_inode *pi);
int proc_show_cmdline(struct seq *s, struct proc_inode *pi);
int proc_show_locks(struct seq *s, struct proc_inode *pi);
extern const struct proc_entry proc_net_entry;
/* sysvipc.c: /proc/sysvipc, and the IPC sysctls (by their entry's name). */
extern const struct proc_entry proc_sysvipc_entry;
int proc_show_ipc_sysctl(struct seq *s, struct proc_inode *pi);
ssize_t proc_write_ipc_sysctl(struct proc_inode *pi, const char *buf, size_t len);
/* CPU time (ns) of the whole sandbox: every guest thread is a thread of the Sentry. */
u64 proc_sandbox_cpu_ns(void);

/* Per process (pid_dir.c and the files it lists). */
extern const struct proc_entry proc_pid_entry;	/* /proc/<pid> */
extern const struct proc_entry proc_tid_entry;	/* /proc/<pid>/task/<tid> */
extern const struct proc_entry proc_task_entry; /* /proc/<pid>/task */
extern const struct proc_entry proc_fd_entry;	/* /proc/<pid>/fd */
extern const struct proc_entry proc_fdinfo_entry;
/* Open fds of pi's process (0 if it cannot be inspected): fd/'s size, as Linux 6.x. */
int proc_fd_count(struct proc_inode *pi);
int proc_pid_show_stat(struct seq *s, struct proc_inode *pi);
int proc_pid_show_statm(struct seq *s, struct proc_inode *pi);
int proc_pid_show_status(struct seq *s, struct proc_inode *pi);
int proc_pid_show_maps(struct seq *s, struct proc_inode *pi);
int proc_pid_show_mounts(struct seq *s, struct proc_inode *pi);
int proc_pid_show_mountinfo(struct seq *s, struct proc_inode *pi);
int proc_pid_show_mountstats(struct seq *s, struct proc_inode *pi);
int proc_pid_show_smaps(struct seq *s, struct proc_inode *pi);
int proc_pid_show_smaps_rollup(struct seq *s, struct proc_inode *pi);
int proc_pid_show_auxv(struct seq *s, struct proc_inode *pi);
int proc_pid_show_personality(struct seq *s, struct proc_inode *pi);
int proc_pid_show_io(struct seq *s, struct proc_inode *pi);
/* pid_ns.c: ns/, uid_map and gid_map, setgroups, loginuid and sessionid. */
extern const struct proc_entry proc_ns_entry;
int proc_pid_show_id_map(struct seq *s, struct proc_inode *pi);
int proc_pid_show_setgroups(struct seq *s, struct proc_inode *pi);
int proc_pid_show_unset_id(struct seq *s, struct proc_inode *pi);
ssize_t proc_pid_write_eperm(struct proc_inode *pi, const char *buf, size_t len);
int proc_pid_show_cmdline(struct seq *s, struct proc_inode *pi);
int proc_pid_show_environ(struct seq *s, struct proc_inode *pi);
int proc_pid_show_comm(struct seq *s, struct proc_inode *pi);
ssize_t proc_pid_write_comm(struct proc_inode *pi, const char *buf, size_t len);
int proc_pid_show_limits(struct seq *s, struct proc_inode *pi);
int proc_pid_show_oom_score_adj(struct seq *s, struct proc_inode *pi);
ssize_t proc_pid_write_oom_score_adj(struct proc_inode *pi, const char *buf, size_t len);
int proc_pid_show_oom_adj(struct seq *s, struct proc_inode *pi);
ssize_t proc_pid_write_oom_adj(struct proc_inode *pi, const char *buf, size_t len);
int proc_pid_show_oom_score(struct seq *s, struct proc_inode *pi);
int proc_pid_show_cgroup(struct seq *s, struct proc_inode *pi);
int proc_pid_show_wchan(struct seq *s, struct proc_inode *pi);
int proc_pid_readlink_exe(struct proc_inode *pi, char *buf, size_t size);
int proc_pid_readlink_cwd(struct proc_inode *pi, char *buf, size_t size);
int proc_pid_readlink_root(struct proc_inode *pi, char *buf, size_t size);

/*
 * Pure formatting, for the files above and the unit tests: what the
 * process's mm holds, gathered once (format.c).
 */
struct proc_mm_stats {
	/* Pages. */
	u64 total_vm, data_vm, locked_vm, stack_vm, exec_vm, rss, shared_rss;
	u64 file_rss; /* of shared_rss, a file's (the rest is shared memory) */
	/* Addresses: the first executable mapping stands for the program's text. */
	u64 start_code, end_code, start_brk;
	struct mm_exec_info exec;
};
/* Fill ms from mm (NULL: all zero). */
void proc_mm_stats_get(struct mm *mm, struct proc_mm_stats *ms);

struct proc_stat_extra {
	unsigned ncpus;
	u64 rsslim;	/* RLIMIT_RSS, bytes */
	u32 umask;	/* the process's, or ~0 when unknown */
	int fdsize;	/* FDSize: the fd table's size */
	u64 sigq_limit; /* RLIMIT_SIGPENDING */
	bool has_mm;	/* Vm* lines appear only for processes with an mm */
};
void proc_format_stat(struct seq *s, const struct proc_task *pt, const struct proc_mm_stats *ms,
		      const struct proc_stat_extra *x);
void proc_format_statm(struct seq *s, const struct proc_mm_stats *ms);
void proc_format_status(struct seq *s, const struct proc_task *pt, const struct proc_mm_stats *ms,
			const struct proc_stat_extra *x);
/* One line of maps; name may be NULL. */
void proc_format_maps_line(struct seq *s, const struct mm_vma_info *v, u32 dev_major, u32 dev_minor,
			   u64 ino, const char *name);
/* "%*pb" and "%*pbl" of the first n bits set (Cpus_allowed and its list). */
void proc_format_bitmap(struct seq *s, unsigned n);
void proc_format_bitmap_list(struct seq *s, unsigned n);

#endif
