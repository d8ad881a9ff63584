// SPDX-License-Identifier: Apache-2.0
/*
 * A process's namespaces and audit identity. ns/<kind> links name the
 * process's namespace of each kind: mount, UTS and IPC ones are real
 * (sentry/kernel/nsproxy.h); the others are the sandbox's one of each,
 * with the initial inode numbers (Linux's PROC_*_INIT_INO). uid_map and
 * gid_map map the whole ID range onto itself, setgroups is "allow", and
 * no process has a login UID or audit session (4294967295, unset). None
 * can be changed: the sandbox holds no CAP_AUDIT_CONTROL and no process
 * may rewrite the initial namespace's maps, so writes are EPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs_internal.h"
#include "sentry/kernel/nsproxy.h"
#include "sentry/kernel/process.h"

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

/*
 * The namespaces of pi's process (its thread for task/<tid>/ns): a new
 * reference, NULL while it is in the initial ones and nobody has made
 * them yet (no one left them either). -ENOENT: the process is gone.
 */
static int pi_nsproxy(struct proc_inode *pi, struct nsproxy **out)
{
	struct kernel *k = proc_kernel(pi);
	pthread_mutex_lock(&k->lock);
	struct task *t = pi->tid ? task_lookup_locked(k, pi->tid) : NULL;
	struct thread_group *tg = t ? NULL : tg_lookup_locked(k, pi->tgid);
	if (tg && !list_empty(&tg->threads))
		t = list_entry(tg->threads.next, struct task, tg_node);
	*out = t ? nsproxy_of_task_locked(t) : NULL;
	pthread_mutex_unlock(&k->lock);
	return t ? 0 : -ENOENT;
}

/* The namespace of kind type of pi's process (a new reference), or NULL for the initial ones. */
static int pi_ns(struct proc_inode *pi, u64 type, struct ns_common **out)
{
	struct nsproxy *nsp;
	int ret = pi_nsproxy(pi, &nsp);
	*out = NULL;
	if (ret || !nsp)
		return ret;
	if (type == LINUX_CLONE_NEWNS)
		*out = ns_get(mnt_ns_common(nsp->mnt));
	else if (type == LINUX_CLONE_NEWUTS)
		*out = ns_get(&nsp->uts->ns);
	else if (type == LINUX_CLONE_NEWIPC)
		*out = ns_get(ipc_ns_common(nsp->ipc));
	nsproxy_put(nsp);
	return 0;
}

/* The kinds of ns/: their names, CLONE_NEW* (0: the sandbox's one) and initial inode. */
static const struct ns_kind {
	const char *name;
	u64 type;
	u64 init_ino;
} ns_kinds[] = {
	{"cgroup", 0, NS_INIT_INO_CGROUP},
	{"ipc", LINUX_CLONE_NEWIPC, NS_INIT_INO_IPC},
	{"mnt", LINUX_CLONE_NEWNS, NS_INIT_INO_MNT},
	{"net", 0, NS_INIT_INO_NET},
	{"pid", 0, NS_INIT_INO_PID},
	{"time", 0, NS_INIT_INO_TIME},
	{"user", 0, NS_INIT_INO_USER},
	{"uts", LINUX_CLONE_NEWUTS, NS_INIT_INO_UTS},
};

static const struct ns_kind *kind_named(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_kinds); i++)
		if (strlen(ns_kinds[i].name) == len && !strncmp(ns_kinds[i].name, name, len))
			return &ns_kinds[i];
	return NULL;
}

/* The inode number of pi's namespace of kind k. */
static int kind_inum(struct proc_inode *pi, const struct ns_kind *k, u64 *inum)
{
	struct ns_common *ns = NULL;
	int ret = k->type ? pi_ns(pi, k->type, &ns) : alive(pi);
	*inum = ns ? ns->inum : k->init_ino;
	ns_put(ns);
	return ret;
}

/*
 * Linux's proc_ns_readlink: "<kind>:[<inode>]", for those who may inspect
 * the process. The name is relative: opening the link walks back into
 * ns/ and looks it up there, where ns_lookup finds the namespace.
 */
static int ns_link(struct proc_inode *pi, char *buf, size_t size)
{
	char target[48];
	const char *name = pi->ent->name;
	size_t len = strcspn(name, "_"); /* pid_for_children is pid's */
	const struct ns_kind *k = kind_named(name, len);
	u64 inum;
	int ret = inspect(pi);
	if (!ret)
		ret = kind_inum(pi, k, &inum);
	if (ret)
		return ret;
	int n = snprintf(target, sizeof(target), "%s:[%llu]", k->name, (unsigned long long)inum);
	memcpy(buf, target, MIN((size_t)n, size));
	return MIN((size_t)n, size);
}

#define LINK(n)                                                        \
	{                                                              \
		.name = n, .mode = S_IFLNK | 0777, .readlink = ns_link \
	}

static const struct proc_entry ns_entries[] = {
	LINK("cgroup"), LINK("ipc"),
	LINK("mnt"),	LINK("net"),
	LINK("pid"),	LINK("pid_for_children"),
	LINK("time"),	LINK("time_for_children"),
	LINK("user"),	LINK("uts"),
};

/*
 * An open ns file (Linux's nsfs inode): it holds the namespace, whose
 * inode number it has, for setns(2) (proc_ns_file_ns). Namespaces the
 * sandbox has one of cannot be opened (setns to them would change nothing).
 */
static int ns_file_open(struct inode *inode, struct file *f)
{
	struct proc_inode *pi = PROC_I(inode);
	struct ns_common *ns = NULL;
	int ret = pi_ns(pi, (u64)pi->index, &ns);
	if (ret)
		return ret;
	if (!ns) {
		/* Nobody left the initial namespaces, the caller included: make them now. */
		struct task *self = task_current();
		struct nsproxy *nsp = self ? nsproxy_of(self) : NULL;
		if (!nsp)
			return -ENOMEM;
		if ((ret = pi_ns(pi, (u64)pi->index, &ns)) || !ns)
			return ret ? ret : -ENOMEM;
	}
	if (ns->inum != inode->ino) {
		ns_put(ns); /* the process has left that namespace since the lookup */
		return -ENOENT;
	}
	f->private_data = ns;
	return 0;
}

static void ns_file_release(struct file *f)
{
	ns_put(f->private_data);
}

static ssize_t ns_file_read(struct file *f, void *buf, size_t len, s64 *pos)
{
	return -EINVAL;
}

static const struct file_ops ns_file_fops = {
	.open = ns_file_open,
	.read = ns_file_read,
	.release = ns_file_release,
};

static const struct inode_ops ns_file_iops = {0};

static const struct proc_entry ns_file_entry = {
	.mode = S_IFREG | 0444,
	.iops = &ns_file_iops,
	.fops = &ns_file_fops,
};

struct ns_common *proc_ns_file_ns(struct file *f)
{
	return f->ops == &ns_file_fops ? ns_get(f->private_data) : NULL;
}

/* "<kind>:[<inode>]" of a namespace pi's process is in: its file; other names are the table's. */
static struct inode *ns_lookup(struct inode *dir, const char *name)
{
	struct proc_inode *pd = PROC_I(dir);
	for (size_t i = 0; i < ARRAY_SIZE(ns_entries); i++)
		if (!strcmp(ns_entries[i].name, name))
			return proc_new_inode(dir, &ns_entries[i], name, pd->tgid, pd->tid);
	const char *br = strchr(name, ':');
	const struct ns_kind *k = br ? kind_named(name, br - name) : NULL;
	char *end;
	if (!k || !k->type || br[1] != '[')
		return ERR_PTR(-ENOENT);
	unsigned long long want = strtoull(br + 2, &end, 10);
	u64 inum;
	if (strcmp(end, "]") || kind_inum(pd, k, &inum) || inum != want)
		return ERR_PTR(-ENOENT);
	if (inspect(pd))
		return ERR_PTR(-EACCES);
	struct inode *inode = proc_new_inode(dir, &ns_file_entry, name, pd->tgid, pd->tid);
	if (IS_ERR(inode))
		return inode;
	inode->ino = want; /* stat and fstat show the namespace's number, as nsfs */
	PROC_I(inode)->index = (int)k->type;
	return inode;
}

static const struct inode_ops ns_dir_iops = {
	.lookup = ns_lookup,
};

const struct proc_entry proc_ns_entry = {
	.mode = S_IFDIR | 0511,
	.children = ns_entries,
	.nchildren = ARRAY_SIZE(ns_entries),
	.iops = &ns_dir_iops,
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
