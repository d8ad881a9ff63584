// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials: life cycle, the capability rules tied to uid changes and
 * execve (Linux's security/commoncap.c), and the permission checks other
 * subsystems ask of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cred.h"
#include "lib/log.h"
#include "sentry/vfs/vfs.h"
#include "sentry/vfs/xattr.h"

/* The capabilities that follow the fsuid to and from 0 (capabilities(7)). */
static const u64 cap_fs_set = (1ULL << LINUX_CAP_CHOWN) | (1ULL << LINUX_CAP_DAC_OVERRIDE) |
			      (1ULL << LINUX_CAP_DAC_READ_SEARCH) | (1ULL << LINUX_CAP_FOWNER) |
			      (1ULL << LINUX_CAP_FSETID) | (1ULL << LINUX_CAP_LINUX_IMMUTABLE) |
			      (1ULL << LINUX_CAP_MKNOD) | (1ULL << LINUX_CAP_MAC_OVERRIDE);

static bool issecure(const struct cred *c, int bit)
{
	return c->securebits & (1u << bit);
}

static int cmp_gid(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	return x < y ? -1 : x > y;
}

struct group_info *groups_new(const u32 *gids, u32 n)
{
	struct group_info *g = malloc(sizeof(*g) + (size_t)n * sizeof(u32));
	if (!g)
		return NULL;
	g->refs = 1;
	g->ngroups = n;
	if (n) {
		memcpy(g->gid, gids, (size_t)n * sizeof(u32));
		qsort(g->gid, n, sizeof(u32), cmp_gid);
	}
	return g;
}

static struct group_info *groups_get(struct group_info *g)
{
	__atomic_add_fetch(&g->refs, 1, __ATOMIC_RELAXED);
	return g;
}

void groups_put(struct group_info *g)
{
	if (g && __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(g);
}

bool cred_in_groups(const struct cred *c, u32 gid)
{
	const struct group_info *g = c->groups;
	return bsearch(&gid, g->gid, g->ngroups, sizeof(u32), cmp_gid) != NULL;
}

struct cred *cred_new_init(u32 uid, u32 gid)
{
	struct cred *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->groups = groups_new(NULL, 0);
	if (!c->groups) {
		free(c);
		return NULL;
	}
	c->refs = 1;
	c->uid = c->euid = c->suid = c->fsuid = uid;
	c->gid = c->egid = c->sgid = c->fsgid = gid;
	c->cap_bset = LINUX_CAP_FULL;
	/* As runsc does for root: the sandbox's root holds every capability. */
	if (uid == 0)
		c->cap_permitted = c->cap_effective = LINUX_CAP_FULL;
	return c;
}

struct cred *cred_get(struct cred *c)
{
	if (c)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void cred_put(struct cred *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		groups_put(c->groups);
		free(c);
	}
}

struct cred *cred_prepare(const struct cred *old)
{
	struct cred *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *old;
	c->refs = 1;
	groups_get(c->groups);
	return c;
}

void cred_commit(struct task *t, struct cred *next)
{
	struct kernel *k = t->k;

	pthread_mutex_lock(&k->lock);
	struct cred *old = t->cred;
	/* Changed ids or new privileges end dumpability (suid_dumpable 0), as in Linux. */
	if (old &&
	    (old->euid != next->euid || old->egid != next->egid || old->fsuid != next->fsuid ||
	     old->fsgid != next->fsgid || (next->cap_permitted & ~old->cap_permitted))) {
		t->dumpable = false;
		t->pdeath_signal = 0; /* a parent's death must not signal the new identity */
	}
	t->cred = next;
	t->uid = next->uid;
	t->gid = next->gid;
	/* The process's real uid, for its parent's SIGCHLD and wait: the leader's. */
	if (t->tg && t->tg->leader == t)
		t->tg->uid = next->uid;
	pthread_mutex_unlock(&k->lock);
	cred_put(old);
}

void cred_fix_setuid(struct cred *next, const struct cred *old, bool fs_only)
{
	if (issecure(old, LINUX_SECURE_NO_SETUID_FIXUP))
		return;
	if (fs_only) {
		if (old->fsuid == 0 && next->fsuid != 0)
			next->cap_effective &= ~cap_fs_set;
		if (old->fsuid != 0 && next->fsuid == 0)
			next->cap_effective |= cap_fs_set & next->cap_permitted;
		return;
	}
	bool had_root = old->uid == 0 || old->euid == 0 || old->suid == 0;
	bool has_root = next->uid == 0 || next->euid == 0 || next->suid == 0;
	if (had_root && !has_root) {
		if (!issecure(old, LINUX_SECURE_KEEP_CAPS))
			next->cap_permitted = next->cap_effective = 0;
		/* Programs from before ambient caps expect setuid + exec to drop them. */
		next->cap_ambient = 0;
	}
	if (old->euid == 0 && next->euid != 0)
		next->cap_effective = 0;
	if (old->euid != 0 && next->euid == 0)
		next->cap_effective = next->cap_permitted;
}

/* Linux's PER_CLEAR_ON_SETID: what a privilege-raising execve drops from the personality. */
#define PER_CLEAR_ON_SETID 0x0740000u

/*
 * Linux's get_file_caps and bprm_caps_from_vfs_caps: the file's permitted
 * set in *permitted, pP' = (X & fP) | (pI & fI). 1 if it has capabilities,
 * 0 if not (or on a nosuid mount), -EINVAL, or -EPERM when they are
 * effective but the bounding set withholds some it demands.
 */
static int file_caps(struct inode *inode, bool nosuid, const struct cred *old, u64 *permitted,
		     bool *effective)
{
	struct vfs_file_caps fc;
	int ret = nosuid || !inode ? 0 : vfs_get_file_caps(inode, &fc);
	if (ret <= 0)
		return ret;
	fc.permitted &= LINUX_CAP_FULL;
	fc.inheritable &= LINUX_CAP_FULL;
	*permitted = (old->cap_bset & fc.permitted) | (old->cap_inheritable & fc.inheritable);
	*effective = fc.effective;
	/* A program that cannot know its caps fall short must not run with fewer. */
	if (fc.effective && (fc.permitted & ~*permitted))
		return -EPERM;
	return 1;
}

int cred_exec_prepare(struct task *t, u32 mode, u32 uid, u32 gid, bool nosuid, struct inode *inode,
		      struct exec_creds *ec)
{
	const struct cred *old = t->cred;
	struct cred *next = cred_prepare(old);
	*ec = (struct exec_creds){.next = next};
	if (!next)
		return -ENOMEM;

	/* The file's set-user-ID and set-group-ID bits (Linux's bprm_fill_uid). */
	if (!nosuid && !t->no_new_privs) {
		if (mode & S_ISUID)
			next->euid = uid;
		if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			next->egid = gid;
		if (next->euid != old->euid || next->egid != old->egid)
			ec->per_clear |= PER_CLEAR_ON_SETID;
	}

	/*
	 * Capabilities (cap_bprm_creds_from_file): the file's capabilities
	 * (security.capability), except that root gets its bounding and
	 * inheritable sets, unless SECBIT_NOROOT, or unless it is root
	 * running a set-user-ID program of another user, or a non-root user
	 * running a set-user-ID-root program that has file capabilities
	 * (handle_privileged_root).
	 */
	u64 permitted = 0;
	bool effective = false;
	int has_fcap = file_caps(inode, nosuid, old, &permitted, &effective);
	if (has_fcap < 0) {
		cred_exec_abort(ec);
		return has_fcap;
	}
	bool setuid_away = next->euid != old->uid && next->euid != 0;
	bool setuid_root = next->uid != 0 && next->euid == 0;
	if (!issecure(old, LINUX_SECURE_NOROOT) && !setuid_away && !(has_fcap && setuid_root)) {
		if (next->euid == 0 || next->uid == 0)
			permitted = old->cap_bset | old->cap_inheritable;
		if (next->euid == 0)
			effective = true;
	}
	bool is_setid = next->euid != old->uid || next->egid != old->gid;
	if (is_setid || has_fcap)
		next->cap_ambient = 0;
	if (permitted & ~old->cap_permitted)
		ec->per_clear |= PER_CLEAR_ON_SETID;
	/* no_new_privs: never more than before (the set-ID bits were not applied). */
	if (t->no_new_privs && (is_setid || (permitted & ~old->cap_permitted))) {
		next->euid = next->uid;
		next->egid = next->gid;
		permitted &= old->cap_permitted;
	}
	next->suid = next->fsuid = next->euid;
	next->sgid = next->fsgid = next->egid;
	next->cap_permitted = permitted | next->cap_ambient;
	next->cap_effective = effective ? next->cap_permitted : next->cap_ambient;
	next->securebits &= ~(1u << LINUX_SECURE_KEEP_CAPS);

	/* AT_SECURE: the program runs with privilege its caller did not have. */
	ec->secure = is_setid ||
		     (next->uid != 0 && (effective || (next->cap_permitted & ~next->cap_ambient)));
	return 0;
}

void cred_exec_commit(struct task *t, struct exec_creds *ec)
{
	struct cred *next = ec->next;
	ec->next = NULL;
	cred_commit(t, next);
	/* A program runs dumpable unless its real and effective ids differ. */
	t->dumpable = next->euid == next->uid && next->egid == next->gid;
	if (ec->secure)
		t->pdeath_signal = 0; /* the parent must not signal a privileged program */
}

void cred_exec_abort(struct exec_creds *ec)
{
	cred_put(ec->next);
	ec->next = NULL;
}

void cred_to_vfs(const struct cred *c, struct vfs_cred *vc)
{
	*vc = (struct vfs_cred){
		.fsuid = c->fsuid,
		.fsgid = c->fsgid,
		.ngroups = c->groups->ngroups,
		.groups = c->groups->gid,
		.caps = c->cap_effective,
	};
}

void cred_to_vfs_access(const struct cred *c, bool effective, struct vfs_cred *vc)
{
	cred_to_vfs(c, vc);
	if (effective)
		return;
	vc->fsuid = c->uid;
	vc->fsgid = c->gid;
	if (!issecure(c, LINUX_SECURE_NO_SETUID_FIXUP))
		vc->caps = c->uid == 0 ? c->cap_permitted : 0;
}

/* The task whose creds stand for a process: its leader, else any live thread. */
static const struct task *tg_cred_task_locked(const struct thread_group *tg)
{
	if (tg->leader)
		return tg->leader;
	if (list_empty(&tg->threads))
		return NULL;
	return list_entry(tg->threads.next, struct task, tg_node);
}

bool cred_may_signal_locked(const struct task *t, const struct thread_group *target)
{
	const struct cred *c = t->cred;

	if (t->tg == target || cred_has_cap(c, LINUX_CAP_KILL))
		return true;
	const struct task *o = tg_cred_task_locked(target);
	if (!o || !o->cred) /* a zombie: only its real uid is left */
		return c->euid == target->uid || c->uid == target->uid;
	const struct cred *tc = o->cred;
	return c->euid == tc->suid || c->euid == tc->uid || c->uid == tc->suid || c->uid == tc->uid;
}

bool cred_may_sigio_task_locked(u32 uid, u32 euid, const struct task *target)
{
	const struct cred *tc = target ? target->cred : NULL;
	if (!tc)
		return false;
	return euid == 0 || euid == tc->suid || euid == tc->uid || uid == tc->suid ||
	       uid == tc->uid;
}

bool cred_may_sigio_locked(u32 uid, u32 euid, const struct thread_group *target)
{
	return cred_may_sigio_task_locked(uid, euid, tg_cred_task_locked(target));
}
