// SPDX-License-Identifier: Apache-2.0
/*
 * A process's namespaces and audit identity. The sandbox is one of each
 * namespace, which its processes see as the initial ones: ns/<kind>
 * links name fixed inode numbers (Linux's PROC_*_INIT_INO), uid_map and
 * gid_map map the whole ID range onto itself, setgroups is "allow", and
 * no process has a login UID or audit session (4294967295, unset). None
 * can be changed: the sandbox holds no CAP_AUDIT_CONTROL and no process
 * may rewrite the initial namespace's maps, so writes are EPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "procfs_internal.h"

static int inspect(struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, 0, &pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(&pt);
	proc_task_put(&pt);
	return ret;
}

static int alive(struct proc_inode *pi)
{
	return proc_find(proc_kernel(pi), pi->tgid) < 0 ? -ESRCH : 0;
}

/* Linux's proc_ns_readlink: "<kind>:[<inode>]", for those who may inspect the process. */
static int ns_link(struct proc_inode *pi, char *buf, size_t size, const char *kind,
		   unsigned long ino)
{
	char target[48];
	int ret = inspect(pi);
	if (ret)
		return ret;
	int len = snprintf(target, sizeof(target), "%s:[%lu]", kind, ino);
	memcpy(buf, target, MIN((size_t)len, size));
	return MIN((size_t)len, size);
}

#define NS_LINK(fn, kind, ino)                                       \
	static int fn(struct proc_inode *pi, char *buf, size_t size) \
	{                                                            \
		return ns_link(pi, buf, size, kind, ino);            \
	}
NS_LINK(ns_cgroup, "cgroup", 4026531835UL)
NS_LINK(ns_ipc, "ipc", 4026531839UL)
NS_LINK(ns_mnt, "mnt", 4026531841UL)
NS_LINK(ns_net, "net", 4026531840UL)
NS_LINK(ns_pid, "pid", 4026531836UL)
NS_LINK(ns_time, "time", 4026531834UL)
NS_LINK(ns_user, "user", 4026531837UL)
NS_LINK(ns_uts, "uts", 4026531838UL)

#define LINK(n, f)                                               \
	{                                                        \
		.name = n, .mode = S_IFLNK | 0777, .readlink = f \
	}

static const struct proc_entry ns_entries[] = {
	LINK("cgroup", ns_cgroup), LINK("ipc", ns_ipc),
	LINK("mnt", ns_mnt),	   LINK("net", ns_net),
	LINK("pid", ns_pid),	   LINK("pid_for_children", ns_pid),
	LINK("time", ns_time),	   LINK("time_for_children", ns_time),
	LINK("user", ns_user),	   LINK("uts", ns_uts),
};

const struct proc_entry proc_ns_entry = {
	.mode = S_IFDIR | 0511,
	.children = ns_entries,
	.nchildren = ARRAY_SIZE(ns_entries),
};

/* The identity map of the initial user namespace (Linux's "%10u %10u %10u"). */
int proc_pid_show_id_map(struct seq *s, struct proc_inode *pi)
{
	int ret = alive(pi);
	if (!ret)
		seq_printf(s, "%10u %10u %10u\n", 0u, 0u, 4294967295u);
	return ret;
}

int proc_pid_show_setgroups(struct seq *s, struct proc_inode *pi)
{
	int ret = alive(pi);
	if (!ret)
		seq_puts(s, "allow\n");
	return ret;
}

/* loginuid and sessionid: unset (AUDIT_UID_UNSET), with no newline as Linux. */
int proc_pid_show_unset_id(struct seq *s, struct proc_inode *pi)
{
	int ret = alive(pi);
	if (!ret)
		seq_puts(s, "4294967295");
	return ret;
}

ssize_t proc_pid_write_eperm(struct proc_inode *pi, const char *buf, size_t len)
{
	return -EPERM;
}
