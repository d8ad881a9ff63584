// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials: the set*id and get*id calls, setgroups/getgroups,
 * capget/capset and prctl's capability options, with the rules and errors
 * of Linux's kernel/sys.c, kernel/groups.c, kernel/capability.c and
 * security/commoncap.c. Every call acts on the calling thread only (glibc
 * makes the other threads follow for setuid() and friends).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "sentry/kernel/cred.h"
#include "sentry/kernel/process.h"
#include "syscalls.h"

#define NO_ID ((u32)-1) /* "leave unchanged" (and never a valid id) */

/* The user or the group half of a cred, so the rules are written once. */
enum id_kind { UIDS, GIDS };

struct idset {
	u32 r, e, s, fs;
};

static struct idset ids_of(const struct cred *c, enum id_kind w)
{
	if (w == UIDS)
		return (struct idset){c->uid, c->euid, c->suid, c->fsuid};
	return (struct idset){c->gid, c->egid, c->sgid, c->fsgid};
}

/* CAP_SETUID for user ids, CAP_SETGID for group ids. */
static bool ids_capable(const struct task *t, enum id_kind w)
{
	return task_capable(t, w == UIDS ? LINUX_CAP_SETUID : LINUX_CAP_SETGID);
}

/* Install ids, with the capability fix-ups that follow uid changes. */
static long commit_ids(struct task *t, enum id_kind w, const struct idset *ids, bool fs_only)
{
	const struct cred *old = t->cred;
	struct cred *new = cred_prepare(old);
	if (!new)
		return -ENOMEM;
	if (w == UIDS) {
		new->uid = ids->r;
		new->euid = ids->e;
		new->suid = ids->s;
		new->fsuid = ids->fs;
		cred_fix_setuid(new, old, fs_only);
	} else {
		new->gid = ids->r;
		new->egid = ids->e;
		new->sgid = ids->s;
		new->fsgid = ids->fs;
	}
	cred_commit(t, new);
	return 0;
}

static long do_setid(struct task *t, enum id_kind w, u32 id)
{
	struct idset old = ids_of(t->cred, w), ids = old;

	if (id == NO_ID)
		return -EINVAL;
	if (ids_capable(t, w))
		ids.r = ids.s = id;
	else if (id != old.r && id != old.s)
		return -EPERM;
	ids.e = ids.fs = id;
	return commit_ids(t, w, &ids, false);
}

static long do_setreid(struct task *t, enum id_kind w, u32 r, u32 e)
{
	struct idset old = ids_of(t->cred, w), ids = old;
	bool cap = ids_capable(t, w);

	if (r != NO_ID) {
		if (r != old.r && r != old.e && !cap)
			return -EPERM;
		ids.r = r;
	}
	if (e != NO_ID) {
		if (e != old.r && e != old.e && e != old.s && !cap)
			return -EPERM;
		ids.e = e;
	}
	/* The saved id follows the effective one when the real one is set or e leaves it. */
	if (r != NO_ID || (e != NO_ID && e != old.r))
		ids.s = ids.e;
	ids.fs = ids.e;
	return commit_ids(t, w, &ids, false);
}

/* Is id, to be set, none of the current real, effective and saved ids? */
static bool id_is_new(u32 id, const struct idset *old)
{
	return id != NO_ID && id != old->r && id != old->e && id != old->s;
}

static long do_setresid(struct task *t, enum id_kind w, u32 r, u32 e, u32 s)
{
	struct idset old = ids_of(t->cred, w), ids = old;

	if ((r == NO_ID || r == old.r) && (e == NO_ID || (e == old.e && e == old.fs)) &&
	    (s == NO_ID || s == old.s))
		return 0;
	if ((id_is_new(r, &old) || id_is_new(e, &old) || id_is_new(s, &old)) && !ids_capable(t, w))
		return -EPERM;
	if (r != NO_ID)
		ids.r = r;
	if (e != NO_ID)
		ids.e = e;
	if (s != NO_ID)
		ids.s = s;
	ids.fs = ids.e;
	return commit_ids(t, w, &ids, false);
}

/* setfsuid/setfsgid return the old fs id whether or not they changed it. */
static long do_setfsid(struct task *t, enum id_kind w, u32 id)
{
	struct idset old = ids_of(t->cred, w), ids = old;

	if (id == NO_ID || id == old.fs)
		return old.fs;
	if (id == old.r || id == old.e || id == old.s || ids_capable(t, w)) {
		ids.fs = id;
		/* Linux also reports the old id if it runs out of memory here. */
		(void)commit_ids(t, w, &ids, true);
	}
	return old.fs;
}

static long do_getresid(struct task *t, enum id_kind w, const struct syscall_args *a)
{
	struct idset ids = ids_of(t->cred, w);

	if (mm_copy_to_user(t->mm, arg_ptr(a, 0), &ids.r, sizeof(u32)) ||
	    mm_copy_to_user(t->mm, arg_ptr(a, 1), &ids.e, sizeof(u32)) ||
	    mm_copy_to_user(t->mm, arg_ptr(a, 2), &ids.s, sizeof(u32)))
		return -EFAULT;
	return 0;
}

long sys_setuid(struct task *t, const struct syscall_args *a)
{
	return do_setid(t, UIDS, arg_uint(a, 0));
}

long sys_setgid(struct task *t, const struct syscall_args *a)
{
	return do_setid(t, GIDS, arg_uint(a, 0));
}

long sys_setreuid(struct task *t, const struct syscall_args *a)
{
	return do_setreid(t, UIDS, arg_uint(a, 0), arg_uint(a, 1));
}

long sys_setregid(struct task *t, const struct syscall_args *a)
{
	return do_setreid(t, GIDS, arg_uint(a, 0), arg_uint(a, 1));
}

long sys_setresuid(struct task *t, const struct syscall_args *a)
{
	return do_setresid(t, UIDS, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_setresgid(struct task *t, const struct syscall_args *a)
{
	return do_setresid(t, GIDS, arg_uint(a, 0), arg_uint(a, 1), arg_uint(a, 2));
}

long sys_getresuid(struct task *t, const struct syscall_args *a)
{
	return do_getresid(t, UIDS, a);
}

long sys_getresgid(struct task *t, const struct syscall_args *a)
{
	return do_getresid(t, GIDS, a);
}

long sys_setfsuid(struct task *t, const struct syscall_args *a)
{
	return do_setfsid(t, UIDS, arg_uint(a, 0));
}

long sys_setfsgid(struct task *t, const struct syscall_args *a)
{
	return do_setfsid(t, GIDS, arg_uint(a, 0));
}

long sys_getgroups(struct task *t, const struct syscall_args *a)
{
	const struct group_info *g = t->cred->groups;
	int size = arg_int(a, 0);

	if (size < 0)
		return -EINVAL;
	if (!size)
		return g->ngroups;
	if (g->ngroups > (u32)size)
		return -EINVAL;
	if (mm_copy_to_user(t->mm, arg_ptr(a, 1), g->gid, (size_t)g->ngroups * sizeof(u32)))
		return -EFAULT;
	return g->ngroups;
}

long sys_setgroups(struct task *t, const struct syscall_args *a)
{
	unsigned n = arg_uint(a, 0);

	if (!task_capable(t, LINUX_CAP_SETGID))
		return -EPERM;
	if (n > LINUX_NGROUPS_MAX)
		return -EINVAL;
	u32 *gids = malloc((size_t)n * sizeof(u32) + 1);
	if (!gids)
		return -ENOMEM;
	long ret = n ? mm_copy_from_user(t->mm, gids, arg_ptr(a, 1), n * sizeof(u32)) : 0;
	for (unsigned i = 0; !ret && i < n; i++)
		if (gids[i] == NO_ID)
			ret = -EINVAL;
	struct group_info *g = ret ? NULL : groups_new(gids, n);
	free(gids);
	if (ret)
		return ret;
	struct cred *new = g ? cred_prepare(t->cred) : NULL;
	if (!new) {
		groups_put(g);
		return -ENOMEM;
	}
	groups_put(new->groups);
	new->groups = g;
	cred_commit(t, new);
	return 0;
}

/* capget/capset's ABI (linux/capability.h). */
#define LINUX_CAPABILITY_VERSION_1 0x19980330
#define LINUX_CAPABILITY_VERSION_2 0x20071026
#define LINUX_CAPABILITY_VERSION_3 0x20080522

struct linux_cap_header {
	u32 version;
	s32 pid;
};

struct linux_cap_data {
	u32 effective, permitted, inheritable;
};
_Static_assert(sizeof(struct linux_cap_header) == 8, "cap header");
_Static_assert(sizeof(struct linux_cap_data) == 12, "cap data");

/*
 * How many 32-bit words of each set the header's version carries. An
 * unknown version is -EINVAL, with the version we prefer written back so
 * libcap can probe.
 */
static long cap_validate_version(struct task *t, uaddr_t uhdr, unsigned *words)
{
	u32 version;

	if (mm_copy_from_user(t->mm, &version, uhdr, sizeof(version)))
		return -EFAULT;
	switch (version) {
	case LINUX_CAPABILITY_VERSION_1:
		*words = 1;
		return 0;
	case LINUX_CAPABILITY_VERSION_2:
	case LINUX_CAPABILITY_VERSION_3:
		*words = 2;
		return 0;
	default:
		version = LINUX_CAPABILITY_VERSION_3;
		if (mm_copy_to_user(t->mm, uhdr, &version, sizeof(version)))
			return -EFAULT;
		return -EINVAL;
	}
}

static s32 cap_header_pid(struct task *t, uaddr_t uhdr, long *err)
{
	s32 pid = 0;
	*err = mm_copy_from_user(t->mm, &pid, uaddr(uhdr.addr + 4), sizeof(pid));
	return pid;
}

long sys_capget(struct task *t, const struct syscall_args *a)
{
	uaddr_t uhdr = arg_ptr(a, 0), udata = arg_ptr(a, 1);
	unsigned words;
	long ret = cap_validate_version(t, uhdr, &words);

	/* A NULL data pointer asks only for the version: no error for a wrong one. */
	if (!udata.addr || ret)
		return !udata.addr && ret == -EINVAL ? 0 : ret;
	s32 pid = cap_header_pid(t, uhdr, &ret);
	if (ret)
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;

	u64 eff, prm, inh;
	if (pid && pid != t->tid) {
		pthread_mutex_lock(&t->k->lock);
		struct task *o = task_lookup_locked(t->k, pid);
		if (o) {
			eff = o->cred->cap_effective;
			prm = o->cred->cap_permitted;
			inh = o->cred->cap_inheritable;
		}
		pthread_mutex_unlock(&t->k->lock);
		if (!o)
			return -ESRCH;
	} else {
		eff = t->cred->cap_effective;
		prm = t->cred->cap_permitted;
		inh = t->cred->cap_inheritable;
	}
	struct linux_cap_data d[2] = {
		{(u32)eff, (u32)prm, (u32)inh},
		{(u32)(eff >> 32), (u32)(prm >> 32), (u32)(inh >> 32)},
	};
	/* Version 1 silently drops the capabilities above 31. */
	return mm_copy_to_user(t->mm, udata, d, words * sizeof(d[0])) ? -EFAULT : 0;
}

static bool cap_subset(u64 a, u64 b)
{
	return !(a & ~b);
}

long sys_capset(struct task *t, const struct syscall_args *a)
{
	uaddr_t uhdr = arg_ptr(a, 0);
	struct linux_cap_data d[2] = {0};
	unsigned words;
	long ret = cap_validate_version(t, uhdr, &words);
	if (ret)
		return ret;
	s32 pid = cap_header_pid(t, uhdr, &ret);
	if (ret)
		return -EFAULT;
	/* Only the calling thread's own capabilities may change. */
	if (pid && pid != t->tid)
		return -EPERM;
	if (mm_copy_from_user(t->mm, d, arg_ptr(a, 1), words * sizeof(d[0])))
		return -EFAULT;

	u64 eff = (d[0].effective | (u64)d[1].effective << 32) & LINUX_CAP_FULL;
	u64 prm = (d[0].permitted | (u64)d[1].permitted << 32) & LINUX_CAP_FULL;
	u64 inh = (d[0].inheritable | (u64)d[1].inheritable << 32) & LINUX_CAP_FULL;
	const struct cred *old = t->cred;
	/* Without CAP_SETPCAP, new inheritable caps must come from the permitted set... */
	if (!task_capable(t, LINUX_CAP_SETPCAP) &&
	    !cap_subset(inh, old->cap_inheritable | old->cap_permitted))
		return -EPERM;
	/* ...and never from outside the bounding set. */
	if (!cap_subset(inh, old->cap_inheritable | old->cap_bset))
		return -EPERM;
	if (!cap_subset(prm, old->cap_permitted) || !cap_subset(eff, prm))
		return -EPERM;

	struct cred *new = cred_prepare(old);
	if (!new)
		return -ENOMEM;
	new->cap_effective = eff;
	new->cap_permitted = prm;
	new->cap_inheritable = inh;
	/* Ambient caps must stay both permitted and inheritable. */
	new->cap_ambient &= (prm & inh);
	cred_commit(t, new);
	return 0;
}

/* PR_SET_SECUREBITS: locked bits stay, locks stay, and it all needs CAP_SETPCAP. */
static long prctl_set_securebits(struct task *t, u64 bits)
{
	unsigned cur = t->cred->securebits;

	if (((cur & LINUX_SECURE_ALL_LOCKS) >> 1) & (cur ^ bits))
		return -EPERM;
	if (cur & LINUX_SECURE_ALL_LOCKS & ~bits)
		return -EPERM;
	if (bits & ~(u64)(LINUX_SECURE_ALL_LOCKS | LINUX_SECURE_ALL_BITS))
		return -EPERM;
	if (!task_capable(t, LINUX_CAP_SETPCAP))
		return -EPERM;
	struct cred *new = cred_prepare(t->cred);
	if (!new)
		return -ENOMEM;
	new->securebits = bits;
	cred_commit(t, new);
	return 0;
}

static long prctl_cap_ambient(struct task *t, u64 op, u64 cap, u64 a4, u64 a5)
{
	const struct cred *old = t->cred;
	u64 amb = old->cap_ambient;

	if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
		if (cap | a4 | a5)
			return -EINVAL;
		amb = 0;
	} else if (!cap_valid(cap) || a4 || a5) {
		return -EINVAL;
	} else if (op == PR_CAP_AMBIENT_IS_SET) {
		return !!(amb & (1ULL << cap));
	} else if (op == PR_CAP_AMBIENT_RAISE) {
		if (!(old->cap_permitted & old->cap_inheritable & (1ULL << cap)) ||
		    (old->securebits & (1u << LINUX_SECURE_NO_CAP_AMBIENT_RAISE)))
			return -EPERM;
		amb |= 1ULL << cap;
	} else if (op == PR_CAP_AMBIENT_LOWER) {
		amb &= ~(1ULL << cap);
	} else {
		return -EINVAL;
	}
	struct cred *new = cred_prepare(old);
	if (!new)
		return -ENOMEM;
	new->cap_ambient = amb;
	cred_commit(t, new);
	return 0;
}

long prctl_cred(struct task *t, const struct syscall_args *a)
{
	u64 arg2 = a->a[1];
	const struct cred *c = t->cred;
	struct cred *new;

	switch (arg_int(a, 0)) {
	case PR_CAPBSET_READ:
		return cap_valid(arg2) ? !!(c->cap_bset & (1ULL << arg2)) : -EINVAL;
	case PR_CAPBSET_DROP:
		if (!task_capable(t, LINUX_CAP_SETPCAP))
			return -EPERM;
		if (!cap_valid(arg2))
			return -EINVAL;
		new = cred_prepare(c);
		if (!new)
			return -ENOMEM;
		new->cap_bset &= ~(1ULL << arg2);
		break;
	case PR_GET_KEEPCAPS:
		return !!(c->securebits & (1u << LINUX_SECURE_KEEP_CAPS));
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		if (c->securebits & (1u << (LINUX_SECURE_KEEP_CAPS + 1)))
			return -EPERM; /* SECBIT_KEEP_CAPS_LOCKED */
		new = cred_prepare(c);
		if (!new)
			return -ENOMEM;
		new->securebits &= ~(1u << LINUX_SECURE_KEEP_CAPS);
		new->securebits |= (unsigned)arg2 << LINUX_SECURE_KEEP_CAPS;
		break;
	case PR_GET_SECUREBITS:
		return c->securebits;
	case PR_SET_SECUREBITS:
		return prctl_set_securebits(t, arg2);
	case PR_CAP_AMBIENT:
		return prctl_cap_ambient(t, arg2, a->a[2], a->a[3], a->a[4]);
	default:
		return -EINVAL;
	}
	cred_commit(t, new);
	return 0;
}
