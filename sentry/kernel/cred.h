/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials: Linux's struct cred. Each task has its own (threads too:
 * glibc's setuid() makes every thread call setuid itself), copied on
 * clone and kept across execve with the capability transitions of
 * capabilities(7).
 *
 * A struct cred is immutable once a task uses it, and reference counted:
 * a change builds a new one (cred_prepare), edits it and installs it
 * (cred_commit), as Linux's prepare_creds/commit_creds. Only the task
 * itself changes its creds (capset and the set*id calls act on the
 * caller), so a task reads t->cred without a lock; another thread reads
 * t->cred under k->lock, which cred_commit holds while it swaps the
 * pointer, and takes a reference to keep it past the lock.
 *
 * Lock order: k->lock is the only lock (taken by cred_commit).
 */
#ifndef SENTRY_KERNEL_CRED_H
#define SENTRY_KERNEL_CRED_H

#include "abi/linux/capability.h"
#include "abi/linux/fs.h"
#include "kernel.h"

struct vfs_cred;
struct inode;

static inline bool cap_valid(u64 cap)
{
	return cap <= LINUX_CAP_LAST_CAP;
}

/* securebits(7): each flag, and its lock one bit above it. */
#define LINUX_SECURE_NOROOT 0
#define LINUX_SECURE_NO_SETUID_FIXUP 2
#define LINUX_SECURE_KEEP_CAPS 4
#define LINUX_SECURE_NO_CAP_AMBIENT_RAISE 6
#define LINUX_SECURE_EXEC_RESTRICT_FILE 8
#define LINUX_SECURE_EXEC_DENY_INTERACTIVE 10
#define LINUX_SECURE_ALL_BITS 0x555u
#define LINUX_SECURE_ALL_LOCKS (LINUX_SECURE_ALL_BITS << 1)

#define LINUX_NGROUPS_MAX 65536

/* Supplementary groups: immutable and shared once made, sorted as Linux keeps them. */
struct group_info {
	int refs; /* atomic */
	u32 ngroups;
	u32 gid[];
};

struct cred {
	int refs; /* atomic */
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	unsigned securebits;
	u64 cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
	struct group_info *groups; /* never NULL */
};

/*
 * The first task's credentials: uid and gid, no supplementary groups,
 * and every capability if uid is 0 (none otherwise). NULL: no memory.
 */
struct cred *cred_new_init(u32 uid, u32 gid);
/* A new reference to c (NULL-safe). */
struct cred *cred_get(struct cred *c);
void cred_put(struct cred *c);
/* A private copy of old for the caller to edit and commit. NULL: no memory. */
struct cred *cred_prepare(const struct cred *old);
/*
 * Make next t's credentials (t must be the caller's task), consuming the
 * reference; t stops being dumpable if its ids or permitted caps changed
 * as Linux's commit_creds says. Takes k->lock.
 */
void cred_commit(struct task *t, struct cred *next);

/* Groups: a new set of n (unsorted) gids, sorted here; NULL: no memory. */
struct group_info *groups_new(const u32 *gids, u32 n);
void groups_put(struct group_info *g);
bool cred_in_groups(const struct cred *c, u32 gid);

/* Does c hold cap in its effective set? */
static inline bool cred_has_cap(const struct cred *c, int cap)
{
	return c->cap_effective & (1ULL << cap);
}

/* Does t (the caller's task) hold cap? */
static inline bool task_capable(const struct task *t, int cap)
{
	return cred_has_cap(t->cred, cap);
}

/*
 * Capability fix-ups after the set*uid calls change next's ids from old's
 * (Linux's cap_emulate_setxuid) and after setfsuid (fs_only).
 */
void cred_fix_setuid(struct cred *next, const struct cred *old, bool fs_only);

/* The credentials a program execve'd by a task runs with. */
struct exec_creds {
	struct cred *next; /* a reference, until committed or aborted */
	bool secure;	   /* AT_SECURE: Linux's bprm->secureexec */
	u32 per_clear;	   /* personality bits execve drops (PER_CLEAR_ON_SETID) */
};

/*
 * Before execve loads anything: t's credentials for the file inode, of
 * mode, uid and gid, on a mount that does (not) honour set-ID bits and
 * file capabilities, as Linux's bprm_fill_uid and
 * cap_bprm_creds_from_file (with inode's security.capability), with
 * no_new_privs and the securebits. 0, -ENOMEM, -EINVAL for a malformed
 * security.capability, -EPERM if the file's effective capabilities
 * cannot all be granted (Linux's bprm_caps_from_vfs_caps). May block.
 */
int cred_exec_prepare(struct task *t, u32 mode, u32 uid, u32 gid, bool nosuid, struct inode *inode,
		      struct exec_creds *ec) __must_check;
/* At execve's point of no return: install them, then dumpability and the parent-death signal. */
void cred_exec_commit(struct task *t, struct exec_creds *ec);
/* execve failed before its point of no return. */
void cred_exec_abort(struct exec_creds *ec);

/* The VFS's view of c: fsuid, fsgid, groups and effective caps (pointing into c). */
void cred_to_vfs(const struct cred *c, struct vfs_cred *vc);
/*
 * access/faccessat: the real ids instead of the fs ones and, unless
 * effective, the caps of the real uid, as Linux's access_override_creds.
 */
void cred_to_vfs_access(const struct cred *c, bool effective, struct vfs_cred *vc);

/* kill(2)'s permission check of t against process target. Caller holds k->lock. */
bool cred_may_signal_locked(const struct task *t, const struct thread_group *target);

/*
 * Whether a SIGIO or SIGURG may reach target (a thread) or a process, for
 * an fd owner set by ids uid and euid (Linux's sigio_perm). k->lock held.
 */
bool cred_may_sigio_task_locked(u32 uid, u32 euid, const struct task *target);
bool cred_may_sigio_locked(u32 uid, u32 euid, const struct thread_group *target);

#endif
