/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Namespaces inside the sandbox (nsproxy.c), as Linux's nsproxy: each
 * task points to a set of namespaces, shared by reference between tasks
 * until one of them unshares or clones with CLONE_NEW*. Three kinds are
 * real: mount (sentry/vfs/mnt_ns.c: a copy of the mount tree), UTS
 * (host and domain name, here) and IPC (sentry/ipc: System V objects and
 * POSIX queues). PID, net, user, cgroup and time are the sandbox's one
 * of each, which every process sees as the initial one (Linux's fixed
 * PROC_*_INIT_INO numbers).
 *
 * A task whose nsproxy is NULL (init before its first unshare, a process
 * `runsk exec` started) is in the initial namespaces, made on first use
 * from the sandbox's mount tree, k->hostname and k->ipc.
 *
 * Every namespace object starts with a struct ns_common: its kind (the
 * CLONE_NEW* flag), its inode number ("mnt:[4026532000]" in /proc/PID/ns,
 * st_ino of an open ns file: unique for the sandbox's life) and its
 * reference count.
 *
 * Lock order: vfs_lock > k->lock > uts->lock (procfs looks tasks up
 * inside a path walk), so nothing here takes vfs_lock under k->lock. A
 * task's nsproxy pointer is changed by the task itself under k->lock;
 * other tasks read it under k->lock (nsproxy_of_task_locked), the task
 * itself without.
 */
#ifndef SENTRY_KERNEL_NSPROXY_H
#define SENTRY_KERNEL_NSPROXY_H

#include "kernel.h"
#include "process.h" /* LINUX_CLONE_* */

struct ns_common {
	u64 type; /* LINUX_CLONE_NEWNS, _NEWUTS, _NEWIPC (process.h) */
	u64 inum;
	int refs; /* atomic */
};

/* Linux's PROC_*_INIT_INO: what the initial namespaces' links name. */
#define NS_INIT_INO_IPC 4026531839ULL
#define NS_INIT_INO_UTS 4026531838ULL
#define NS_INIT_INO_USER 4026531837ULL
#define NS_INIT_INO_PID 4026531836ULL
#define NS_INIT_INO_CGROUP 4026531835ULL
#define NS_INIT_INO_TIME 4026531834ULL
#define NS_INIT_INO_NET 4026531840ULL
#define NS_INIT_INO_MNT 4026531841ULL

/* A new namespace's inode number: never one given before. */
u64 ns_alloc_inum(void);

struct uts_ns {
	struct ns_common ns;
	pthread_mutex_t lock; /* guards the names */
	char hostname[LINUX_UTS_LEN];
	char domainname[LINUX_UTS_LEN];
};

struct mnt_namespace;
struct path;

struct nsproxy {
	int refs; /* atomic */
	struct mnt_namespace *mnt;
	struct uts_ns *uts;
	struct ipc_ns *ipc;
};

/* t's namespaces (borrowed: valid while t runs), for t itself. NULL: out of memory. */
struct nsproxy *nsproxy_of(struct task *t);
/* Another task's, with a new reference (k->lock held). NULL: out of memory. */
struct nsproxy *nsproxy_of_task_locked(struct task *t);
void nsproxy_put(struct nsproxy *nsp);

/*
 * clone(2)'s part: c's namespaces from p's, new ones for the CLONE_NEW*
 * flags of f (the caller has checked them); c->fs is already c's own and
 * moves to the new mount namespace. 0 or -ENOMEM.
 */
int nsproxy_clone(struct task *p, struct task *c, u64 f) __must_check;

/* clone's CLONE_NEW* checks: -EPERM without CAP_SYS_ADMIN, -EINVAL for those not implemented. */
int nsproxy_check_flags(struct task *t, u64 flags) __must_check;
/* sethostname (domain false) and setdomainname. */
long uts_set_name(struct task *t, uaddr_t name, int len, bool domain);
/* pivot_root's end: tasks with their root or cwd at old get new (Linux's chroot_fs_refs). */
void nsproxy_chroot_fs_refs(struct kernel *k, const struct path *old, const struct path *new);

/* unshare(2) (nsproxy.c). */
long do_unshare(struct task *t, u64 flags);
/* setns(2) on the namespace of an ns file or a pidfd. */
long do_setns(struct task *t, int fd, int nstype);

/* The namespace an ns file opened from /proc/PID/ns stands for, with a new reference (pid_ns.c), or NULL. */
struct file;
struct ns_common *proc_ns_file_ns(struct file *f);

/* A new reference to ns, of any kind; the put of any kind. */
struct ns_common *ns_get(struct ns_common *ns);
void ns_put(struct ns_common *ns);

/*
 * t's namespace of kind type (LINUX_CLONE_NEW*; 0 for those the sandbox
 * has one of, with *inum the initial one's number) with a new reference,
 * for /proc/PID/ns: k->lock taken. NULL if the task is gone.
 */
struct ns_common *task_ns_get(struct task *t, u64 type);

/* The UTS names t sees (uname, /proc/sys/kernel/hostname): copies of LINUX_UTS_LEN bytes. */
void uts_names(struct task *t, char *hostname, char *domainname);

/*
 * Mount namespaces (sentry/vfs/mnt_ns.c, pivot_root.c). The namespace holds its
 * mount tree; the last put takes every mount out of it (as a lazy
 * umount: open files and cwds there stay usable).
 */
struct fs_struct;
/* The initial namespace: the tree fs's root is on. NULL: out of memory. */
struct mnt_namespace *mnt_ns_create_initial(struct fs_struct *fs);
/*
 * A copy of old's mount tree (every mount, same flags, propagation and
 * super blocks), with fs's root and cwd moved to the copies of their
 * mounts (Linux's copy_mnt_ns). ERR_PTR(-ENOMEM, -ENOSPC).
 */
struct mnt_namespace *mnt_ns_copy(struct mnt_namespace *old, struct fs_struct *fs);
struct ns_common *mnt_ns_common(struct mnt_namespace *ns);
struct mnt_namespace *mnt_ns_of_common(struct ns_common *ns);
void mnt_ns_put(struct mnt_namespace *ns);
/* setns into ns: fs's root and cwd go to its root (Linux's mntns_install). */
int mnt_ns_enter(struct mnt_namespace *ns, struct fs_struct *fs) __must_check;
/*
 * pivot_root(2) in ns, with ctx the caller's (its root is the one to
 * move): Linux's checks and errors, then the mount of ctx's root moves to
 * put_old and new_root's mount takes its place (the top of the tree when
 * the root was). *old_root and *new_root get new references to the two
 * roots, for the caller to move every task's root and cwd that was at
 * the old one (Linux's chroot_fs_refs).
 */
struct vfs_ctx;
struct path;
int mnt_ns_pivot_root(struct mnt_namespace *ns, const struct vfs_ctx *ctx, const char *new_root,
		      const char *put_old, struct path *old_root,
		      struct path *new_root_out) __must_check;

/*
 * IPC namespaces (sentry/ipc/ipc.c): a fresh, empty one (-ENOMEM: NULL);
 * the initial one is k->ipc.
 */
struct ipc_ns *ipc_ns_create_new(void);
struct ipc_ns *ipc_ns_initial(struct kernel *k);
struct ns_common *ipc_ns_common(struct ipc_ns *ns);
struct ipc_ns *ipc_ns_of_common(struct ns_common *ns);
void ipc_ns_put(struct ipc_ns *ns);

#endif
