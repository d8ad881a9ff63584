// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/sys: the sysctls programs read to size themselves, with the
 * sandbox's values. Only the IPC namespace's can be changed (by root, as
 * in a container's own IPC namespace): for the others the sandbox holds
 * no capability over the kernel, so a write is EPERM (read-only ones
 * refuse the open by their mode, as Linux).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "procfs_internal.h"
#include "mm/memfile.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/layout.h"
#include "sentry/kernel/nsproxy.h"

/* What uname(2) reports (sys_info.c). */
#define PROC_OSRELEASE "6.1.0"
#define PROC_VERSION "#1 SMP sentry-kvm " RUNSK_VERSION
#define PROC_PID_MAX 4194304 /* process.c hands out PIDs below this */
#define PROC_CAP_LAST_CAP 40 /* CAP_CHECKPOINT_RESTORE, Linux 5.9 to 6.x */

static ssize_t sysctl_write(struct proc_inode *pi, const char *buf, size_t len)
{
	return -EPERM;
}

/* The reader's UTS namespace's names (sentry/kernel/nsproxy.h), as Linux's proc_do_uts_string. */
static int show_uts(struct seq *s, struct proc_inode *pi, bool domain)
{
	struct kernel *k = proc_kernel(pi);
	struct task *t = task_current();
	char host[LINUX_UTS_LEN] = "", dom[LINUX_UTS_LEN] = "(none)";
	if (t)
		uts_names(t, host, dom);
	else
		memcpy(host, k->hostname, sizeof(host));
	seq_printf(s, "%.*s\n", LINUX_UTS_LEN, domain ? dom : host);
	return 0;
}

static int show_hostname(struct seq *s, struct proc_inode *pi)
{
	return show_uts(s, pi, false);
}

static int show_domainname(struct seq *s, struct proc_inode *pi)
{
	return show_uts(s, pi, true);
}

static int show_osrelease(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, PROC_OSRELEASE "\n");
	return 0;
}

static int show_ostype(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "Linux\n");
	return 0;
}

static int show_kversion(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, PROC_VERSION "\n");
	return 0;
}

static int show_pid_max(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", PROC_PID_MAX);
	return 0;
}

static int show_ngroups_max(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "65536\n");
	return 0;
}

static int show_cap_last_cap(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", PROC_CAP_LAST_CAP);
	return 0;
}

static int show_randomize_va_space(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", RANDOMIZE_VA_SPACE);
	return 0;
}

static void put_uuid(struct seq *s, const u8 b[16])
{
	seq_printf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		   b[13], b[14], b[15]);
}

/* A random (version 4) UUID, as Linux's generate_random_uuid. */
static int random_uuid(u8 b[16])
{
	if (getrandom(b, 16, 0) != 16)
		return -EIO;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	return 0;
}

/* One per sandbox, made on first read: the Sentry runs one sandbox per process. */
static u8 boot_id[16];
static pthread_once_t boot_id_once = PTHREAD_ONCE_INIT;
static int boot_id_err;

static void boot_id_init(void)
{
	boot_id_err = random_uuid(boot_id);
}

static int show_boot_id(struct seq *s, struct proc_inode *pi)
{
	pthread_once(&boot_id_once, boot_id_init);
	if (boot_id_err)
		return boot_id_err;
	put_uuid(s, boot_id);
	return 0;
}

static int show_uuid(struct seq *s, struct proc_inode *pi)
{
	u8 b[16];
	int ret = random_uuid(b);
	if (!ret)
		put_uuid(s, b);
	return ret;
}

static int show_zero(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "0\n");
	return 0;
}

static int show_max_map_count(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "65530\n"); /* mm's VMA_MAX_COUNT */
	return 0;
}

static int show_nr_open(struct seq *s, struct proc_inode *pi)
{
	seq_printf(s, "%d\n", FDTABLE_MAX);
	return 0;
}

static int show_file_max(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "9223372036854775807\n");
	return 0;
}

static int show_pipe_max_size(struct seq *s, struct proc_inode *pi)
{
	seq_puts(s, "1048576\n"); /* pipe.c's PIPE_MAX_SIZE */
	return 0;
}

/* Linux's default: a thread's stack in eight times its size of memory (THREAD_SIZE 16 KiB). */
static int show_threads_max(struct seq *s, struct proc_inode *pi)
{
	u64 pages = memfile_size(proc_kernel(pi)->mf) >> PAGE_SHIFT;
	seq_printf(s, "%llu\n", (unsigned long long)MAX(pages / 32, 20));
	return 0;
}

/* Constants Linux has as their defaults, and the sandbox as its limits. */
#define SHOW_CONST(fn, text)                                \
	static int fn(struct seq *s, struct proc_inode *pi) \
	{                                                   \
		seq_puts(s, text "\n");                     \
		return 0;                                   \
	}
SHOW_CONST(show_entropy_avail, "256") /* always 256 since Linux 5.18 */
SHOW_CONST(show_poolsize, "256")
/* Yama's "no attach": the sandbox has no ptrace(2) (ENOSYS). */
SHOW_CONST(show_ptrace_scope, "3")
SHOW_CONST(show_mmap_min_addr, "65536") /* mm's MM_MMAP_MIN_ADDR */
/* inotify.h's limits (sandbox-wide, where Linux's are per user). */
SHOW_CONST(show_inotify_watches, "8192")
SHOW_CONST(show_inotify_instances, "128")
SHOW_CONST(show_inotify_events, "16384")
SHOW_CONST(show_somaxconn, "4096") /* Linux 5.4's default */
SHOW_CONST(show_overcommit_ratio, "50")

#define RW(n, f)                                                                    \
	{                                                                           \
		.name = n, .mode = S_IFREG | 0644, .show = f, .write = sysctl_write \
	}
#define RO(n, f)                                             \
	{                                                    \
		.name = n, .mode = S_IFREG | 0444, .show = f \
	}
/* The IPC namespace's (sysvipc.c): root may change them within Linux's bounds. */
#define IPC(n)                                                                   \
	{                                                                        \
		.name = n, .mode = S_IFREG | 0644, .show = proc_show_ipc_sysctl, \
		.write = proc_write_ipc_sysctl                                   \
	}
#define DIR(n, t)                                                                            \
	{                                                                                    \
		.name = n, .mode = S_IFDIR | 0555, .children = t, .nchildren = ARRAY_SIZE(t) \
	}

static const struct proc_entry random_entries[] = {
	RO("boot_id", show_boot_id),
	RO("uuid", show_uuid),
	RO("entropy_avail", show_entropy_avail),
	RO("poolsize", show_poolsize),
};

static const struct proc_entry yama_entries[] = {
	RW("ptrace_scope", show_ptrace_scope),
};

static const struct proc_entry kernel_entries[] = {
	RW("hostname", show_hostname),
	RW("domainname", show_domainname),
	RO("osrelease", show_osrelease),
	RO("ostype", show_ostype),
	RO("version", show_kversion),
	RW("pid_max", show_pid_max),
	RO("ngroups_max", show_ngroups_max),
	RO("cap_last_cap", show_cap_last_cap),
	RW("threads-max", show_threads_max),
	IPC("shmmax"),
	IPC("shmall"),
	IPC("shmmni"),
	IPC("msgmax"),
	IPC("msgmnb"),
	IPC("msgmni"),
	IPC("sem"),
	DIR("random", random_entries),
	DIR("yama", yama_entries),
	RW("randomize_va_space", show_randomize_va_space),
};

static const struct proc_entry vm_entries[] = {
	RW("overcommit_memory", show_zero),
	RW("max_map_count", show_max_map_count),
	RW("mmap_min_addr", show_mmap_min_addr),
	RW("overcommit_ratio", show_overcommit_ratio),
};

static const struct proc_entry inotify_entries[] = {
	RW("max_user_watches", show_inotify_watches),
	RW("max_user_instances", show_inotify_instances),
	RW("max_queued_events", show_inotify_events),
};

static const struct proc_entry mqueue_entries[] = {
	IPC("msg_default"), IPC("msg_max"),    IPC("msgsize_default"),
	IPC("msgsize_max"), IPC("queues_max"),
};

static const struct proc_entry fs_entries[] = {
	RW("nr_open", show_nr_open),
	RW("file-max", show_file_max),
	RW("pipe-max-size", show_pipe_max_size),
	DIR("inotify", inotify_entries),
	DIR("mqueue", mqueue_entries),
};

static const struct proc_entry net_core_entries[] = {
	RW("somaxconn", show_somaxconn),
};

static const struct proc_entry net_entries[] = {
	DIR("core", net_core_entries),
};

static const struct proc_entry sys_entries[] = {
	DIR("kernel", kernel_entries),
	DIR("vm", vm_entries),
	DIR("fs", fs_entries),
	DIR("net", net_entries),
};

const struct proc_entry proc_sys_entry = DIR("sys", sys_entries);
