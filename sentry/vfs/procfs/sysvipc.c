// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/sysvipc/{shm,sem,msg}: the System V IPC tables ipcs(1) reads,
 * made by sentry/ipc in Linux's format, and the IPC sysctls of
 * /proc/sys/kernel and /proc/sys/fs/mqueue (sys.c lists them), whose
 * values live in the IPC namespace.
 */
#include <errno.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/ipc/ipc.h"

static void emit_line(void *arg, const char *line)
{
	seq_puts(arg, line);
}

static int show_table(struct seq *s, struct proc_inode *pi, int kind)
{
	ipc_show_sysvipc(proc_kernel(pi), kind, emit_line, s);
	return s->err;
}

static int show_shm(struct seq *s, struct proc_inode *pi)
{
	return show_table(s, pi, IPC_SHOW_SHM);
}

static int show_sem(struct seq *s, struct proc_inode *pi)
{
	return show_table(s, pi, IPC_SHOW_SEM);
}

static int show_msg(struct seq *s, struct proc_inode *pi)
{
	return show_table(s, pi, IPC_SHOW_MSG);
}

static const struct proc_entry sysvipc_entries[] = {
	{.name = "shm", .mode = S_IFREG | 0444, .show = show_shm},
	{.name = "sem", .mode = S_IFREG | 0444, .show = show_sem},
	{.name = "msg", .mode = S_IFREG | 0444, .show = show_msg},
};

const struct proc_entry proc_sysvipc_entry = {
	.name = "sysvipc",
	.mode = S_IFDIR | 0555,
	.children = sysvipc_entries,
	.nchildren = ARRAY_SIZE(sysvipc_entries),
};

int proc_show_ipc_sysctl(struct seq *s, struct proc_inode *pi)
{
	char buf[96];
	int n = ipc_sysctl_read(proc_kernel(pi), pi->ent->name, buf, sizeof(buf));
	if (n < 0)
		return n;
	seq_write(s, buf, n);
	return 0;
}

ssize_t proc_write_ipc_sysctl(struct proc_inode *pi, const char *buf, size_t len)
{
	return ipc_sysctl_write(proc_kernel(pi), pi->ent->name, buf, len);
}
