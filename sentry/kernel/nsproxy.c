// SPDX-License-Identifier: Apache-2.0
/*
 * Namespaces (nsproxy.h): the per-task set, clone's and unshare's new
 * ones, setns, and the UTS namespace itself.
 *
 * Which CLONE_NEW* flags do what, and why:
 * - NEWNS, NEWUTS, NEWIPC: a new namespace of that kind.
 * - NEWCGROUP: accepted and nothing changes: the sandbox shows one flat
 *   cgroup ("0::/"), which is also what a new cgroup namespace rooted at
 *   the caller's cgroup would show.
 * - NEWPID, NEWNET, NEWUSER, NEWTIME: -EINVAL, as a kernel built without
 *   that namespace answers (CONFIG_*_NS=n), so that programs fall back
 *   (Chromium, bwrap --unshare-*-try) instead of running half-isolated.
 * Without CAP_SYS_ADMIN every one but NEWUSER is -EPERM first, as Linux.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/capability.h"
#include "cred.h"
#include "nsproxy.h"
#include "pidfd.h"
#include "process.h"
#include "sentry/ipc/ipc.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#define CLONE_NS_REAL (LINUX_CLONE_NEWNS | LINUX_CLONE_NEWUTS | LINUX_CLONE_NEWIPC)
#define CLONE_NS_UNSUPPORTED \
	(LINUX_CLONE_NEWPID | LINUX_CLONE_NEWNET | LINUX_CLONE_NEWUSER | LINUX_CLONE_NEWTIME)

/* Linux hands namespace inode numbers out from here up (proc_alloc_inum). */
static u64 next_inum = 4026532000ULL;

u64 ns_alloc_inum(void)
{
	return __atomic_fetch_add(&next_inum, 1, __ATOMIC_RELAXED);
}

struct ns_common *ns_get(struct ns_common *ns)
{
	__atomic_fetch_add(&ns->refs, 1, __ATOMIC_RELAXED);
	return ns;
}

static void uts_put(struct uts_ns *uts)
{
	if (!uts || __atomic_sub_fetch(&uts->ns.refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_destroy(&uts->lock);
	free(uts);
}

void ns_put(struct ns_common *ns)
{
	if (!ns)
		return;
	switch (ns->type) {
	case LINUX_CLONE_NEWNS:
		mnt_ns_put(mnt_ns_of_common(ns));
		break;
	case LINUX_CLONE_NEWUTS:
		uts_put(container_of(ns, struct uts_ns, ns));
		break;
	case LINUX_CLONE_NEWIPC:
		ipc_ns_put(ipc_ns_of_common(ns));
		break;
	}
}

/* A new UTS namespace with old's names (NULL: the host's, as runsk was given them). */
static struct uts_ns *uts_create(struct kernel *k, const struct uts_ns *old)
{
	struct uts_ns *uts = calloc(1, sizeof(*uts));
	if (!uts)
		return NULL;
	uts->ns =
		(struct ns_common){LINUX_CLONE_NEWUTS, old ? ns_alloc_inum() : NS_INIT_INO_UTS, 1};
	pthread_mutex_init(&uts->lock, NULL);
	if (old) {
		pthread_mutex_lock((pthread_mutex_t *)&old->lock);
		memcpy(uts->hostname, old->hostname, LINUX_UTS_LEN);
		memcpy(uts->domainname, old->domainname, LINUX_UTS_LEN);
		pthread_mutex_unlock((pthread_mutex_t *)&old->lock);
	} else {
		memcpy(uts->hostname, k->hostname, LINUX_UTS_LEN - 1);
		strcpy(uts->domainname, "(none)");
	}
	return uts;
}

static void nsproxy_free(struct nsproxy *nsp)
{
	if (nsp->mnt)
		mnt_ns_put(nsp->mnt);
	uts_put(nsp->uts);
	if (nsp->ipc)
		ipc_ns_put(nsp->ipc);
	free(nsp);
}

void nsproxy_put(struct nsproxy *nsp)
{
	if (nsp && __atomic_sub_fetch(&nsp->refs, 1, __ATOMIC_ACQ_REL) == 0)
		nsproxy_free(nsp);
}

static struct nsproxy *nsproxy_get(struct nsproxy *nsp)
{
	__atomic_fetch_add(&nsp->refs, 1, __ATOMIC_RELAXED);
	return nsp;
}

/*
 * The initial namespaces, made by the first task that needs them: it is
 * in them (its nsproxy is NULL), so its root is in the initial mount tree.
 */
static struct nsproxy *init_nsproxy(struct task *t)
{
	struct kernel *k = t->k;
	struct nsproxy *nsp = __atomic_load_n(&k->init_nsproxy, __ATOMIC_ACQUIRE);
	if (nsp)
		return nsp;
	struct nsproxy *fresh = t->fs ? calloc(1, sizeof(*fresh)) : NULL;
	if (!fresh)
		return NULL;
	fresh->refs = 1; /* the kernel's, never dropped */
	fresh->mnt = mnt_ns_create_initial(t->fs);
	fresh->uts = uts_create(k, NULL);
	fresh->ipc = ipc_ns_initial(k);
	if (!fresh->mnt || !fresh->uts || !fresh->ipc) {
		nsproxy_free(fresh);
		return NULL;
	}
	if (__atomic_compare_exchange_n(&k->init_nsproxy, &nsp, fresh, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fresh;
	nsproxy_free(fresh);
	return nsp;
}

struct nsproxy *nsproxy_of(struct task *t)
{
	return t->nsproxy ? t->nsproxy : init_nsproxy(t);
}

struct nsproxy *nsproxy_of_task_locked(struct task *t)
{
	struct nsproxy *nsp = t->nsproxy ? t->nsproxy : t->k->init_nsproxy;
	return nsp ? nsproxy_get(nsp) : NULL;
}

/*
 * A new set from old with new namespaces for flags (CLONE_NS_REAL); a
 * new mount namespace moves fs's root and cwd into it. ERR_PTR on failure.
 */
static struct nsproxy *nsproxy_copy(struct task *t, struct nsproxy *old, u64 flags,
				    struct fs_struct *fs)
{
	struct nsproxy *nsp = calloc(1, sizeof(*nsp));
	if (!nsp)
		return ERR_PTR(-ENOMEM);
	nsp->refs = 1;
	int ret = 0;
	if (flags & LINUX_CLONE_NEWNS) {
		nsp->mnt = mnt_ns_copy(old->mnt, fs);
		if (IS_ERR(nsp->mnt)) {
			ret = PTR_ERR(nsp->mnt);
			nsp->mnt = NULL;
		}
	} else {
		nsp->mnt = mnt_ns_of_common(ns_get(mnt_ns_common(old->mnt)));
	}
	nsp->uts = flags & LINUX_CLONE_NEWUTS ? uts_create(t->k, old->uts)
					      : (ns_get(&old->uts->ns), old->uts);
	nsp->ipc = flags & LINUX_CLONE_NEWIPC ? ipc_ns_create_new()
					      : ipc_ns_of_common(ns_get(ipc_ns_common(old->ipc)));
	if (!ret && (!nsp->uts || !nsp->ipc))
		ret = -ENOMEM;
	if (ret) {
		nsproxy_free(nsp);
		return ERR_PTR(ret);
	}
	return nsp;
}

int nsproxy_clone(struct task *p, struct task *c, u64 f)
{
	c->nsproxy = p->nsproxy ? nsproxy_get(p->nsproxy) : NULL;
	if (!(f & CLONE_NS_REAL))
		return 0;
	struct nsproxy *old = nsproxy_of(p);
	if (!old)
		return -ENOMEM;
	struct nsproxy *nsp = nsproxy_copy(p, old, f, c->fs);
	if (IS_ERR(nsp))
		return PTR_ERR(nsp);
	nsproxy_put(c->nsproxy);
	c->nsproxy = nsp;
	return 0;
}

/* CLONE_NEW* flags that need CAP_SYS_ADMIN, and those not implemented: -EPERM, -EINVAL. */
static int check_ns_flags(struct task *t, u64 flags)
{
	if ((flags & LINUX_CLONE_NEW_ANY & ~LINUX_CLONE_NEWUSER) &&
	    !task_capable(t, LINUX_CAP_SYS_ADMIN))
		return -EPERM;
	if (flags & CLONE_NS_UNSUPPORTED)
		return -EINVAL;
	return 0;
}

int nsproxy_check_flags(struct task *t, u64 flags)
{
	return check_ns_flags(t, flags);
}

/* Linux's check_unshare_flags: the thread, handler and VM flags need a lone thread. */
static int check_unshare_flags(struct task *t, u64 flags)
{
	struct kernel *k = t->k;
	int ret = 0;
	pthread_mutex_lock(&k->lock);
	if ((flags & (LINUX_CLONE_THREAD | LINUX_CLONE_SIGHAND | LINUX_CLONE_VM)) &&
	    t->tg->nr_threads > 1)
		ret = -EINVAL;
	if ((flags & (LINUX_CLONE_SIGHAND | LINUX_CLONE_VM)) &&
	    __atomic_load_n(&t->sighand->refs, __ATOMIC_RELAXED) > 1)
		ret = -EINVAL;
	pthread_mutex_unlock(&k->lock);
	return ret;
}

long do_unshare(struct task *t, u64 flags)
{
	const u64 known = LINUX_CLONE_THREAD | LINUX_CLONE_FS | LINUX_CLONE_SIGHAND |
			  LINUX_CLONE_VM | LINUX_CLONE_FILES | LINUX_CLONE_SYSVSEM |
			  LINUX_CLONE_NEW_ANY;
	if (flags & ~known)
		return -EINVAL;
	if (flags & LINUX_CLONE_NEWUSER)
		flags |= LINUX_CLONE_THREAD | LINUX_CLONE_FS;
	if (flags & LINUX_CLONE_VM)
		flags |= LINUX_CLONE_SIGHAND;
	if (flags & LINUX_CLONE_SIGHAND)
		flags |= LINUX_CLONE_THREAD;
	if (flags & LINUX_CLONE_NEWNS)
		flags |= LINUX_CLONE_FS;
	int ret = check_unshare_flags(t, flags);
	if (!ret)
		ret = check_ns_flags(t, flags);
	if (ret)
		return ret;

	struct kernel *k = t->k;
	struct fs_struct *fs = NULL;
	struct fdtable *files = NULL;
	struct nsproxy *nsp = NULL;
	/* A new mount namespace moves the root and cwd of a private copy of fs. */
	if ((flags & LINUX_CLONE_FS) &&
	    ((flags & LINUX_CLONE_NEWNS) || __atomic_load_n(&t->fs->refs, __ATOMIC_RELAXED) > 1) &&
	    !(fs = fs_struct_copy(t->fs)))
		return -ENOMEM;
	if ((flags & LINUX_CLONE_FILES) && fdtable_is_shared(t->files) &&
	    !(files = fdtable_copy(t->files)))
		ret = -ENOMEM;
	if (!ret && (flags & CLONE_NS_REAL)) {
		struct nsproxy *old = nsproxy_of(t);
		nsp = old ? nsproxy_copy(t, old, flags, fs) : ERR_PTR(-ENOMEM);
		if (IS_ERR(nsp)) {
			ret = PTR_ERR(nsp);
			nsp = NULL;
		}
	}
	if (ret) {
		fs_struct_put(fs);
		fdtable_destroy(files);
		return ret;
	}

	/* The swap is under k->lock, where procfs takes references to them. */
	pthread_mutex_lock(&k->lock);
	/* Semaphore adjustments belong to the old namespace (Linux's exit_sem). */
	if (flags & (LINUX_CLONE_NEWIPC | LINUX_CLONE_SYSVSEM))
		ipc_exit_process(k, t->tg->tgid);
	if (fs) {
		struct fs_struct *o = t->fs;
		t->fs = fs;
		fs = o;
	}
	if (files) {
		struct fdtable *o = t->files;
		t->files = files;
		files = o;
	}
	if (nsp) {
		struct nsproxy *o = t->nsproxy;
		t->nsproxy = nsp;
		nsp = o;
	}
	pthread_mutex_unlock(&k->lock);
	fs_struct_put(fs);
	fdtable_destroy(files);
	nsproxy_put(nsp);
	return 0;
}

/* The namespace of fd for setns: an ns file's, or a pidfd's process's (types: *flags). */
static struct ns_common *setns_target(struct task *t, struct file *f, int nstype,
				      struct nsproxy **pid_nsp)
{
	struct ns_common *ns = proc_ns_file_ns(f);
	*pid_nsp = NULL;
	if (ns) {
		if (nstype && (u64)nstype != ns->type)
			return ERR_PTR(-EINVAL);
		return ns;
	}
	/* A pidfd: nstype is a set of CLONE_NEW* flags (Linux's check_setns_flags). */
	u64 want = (u64)(unsigned)nstype;
	if (!want || (want & ~LINUX_CLONE_NEW_ANY))
		return ERR_PTR(-EINVAL);
	struct kernel *k = t->k;
	/* The initial namespaces must exist for a target still in them (t is, or they do). */
	if (!nsproxy_of(t))
		return ERR_PTR(-ENOMEM);
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = pidfd_tg_locked(f);
	struct task *target = NULL;
	if (IS_ERR(tg)) {
		pthread_mutex_unlock(&k->lock);
		return ERR_PTR(-EINVAL); /* neither an ns file nor a pidfd */
	}
	if (tg && !list_empty(&tg->threads))
		target = list_entry(tg->threads.next, struct task, tg_node);
	*pid_nsp = target ? nsproxy_of_task_locked(target) : NULL;
	pthread_mutex_unlock(&k->lock);
	if (!target)
		return ERR_PTR(-ESRCH);
	return *pid_nsp ? NULL : ERR_PTR(-ENOMEM);
}

/* Enter the namespaces of kinds flags from src into a new set for t. */
static long setns_install(struct task *t, struct nsproxy *cur, struct ns_common *one,
			  struct nsproxy *src, u64 flags)
{
	struct nsproxy *nsp = calloc(1, sizeof(*nsp));
	if (!nsp)
		return -ENOMEM;
	nsp->refs = 1;
	struct ns_common *mnt = mnt_ns_common(cur->mnt), *uts = &cur->uts->ns,
			 *ipc = ipc_ns_common(cur->ipc);
	if (one) {
		mnt = one->type == LINUX_CLONE_NEWNS ? one : mnt;
		uts = one->type == LINUX_CLONE_NEWUTS ? one : uts;
		ipc = one->type == LINUX_CLONE_NEWIPC ? one : ipc;
	} else {
		mnt = flags & LINUX_CLONE_NEWNS ? mnt_ns_common(src->mnt) : mnt;
		uts = flags & LINUX_CLONE_NEWUTS ? &src->uts->ns : uts;
		ipc = flags & LINUX_CLONE_NEWIPC ? ipc_ns_common(src->ipc) : ipc;
	}
	nsp->mnt = mnt_ns_of_common(ns_get(mnt));
	nsp->uts = container_of(ns_get(uts), struct uts_ns, ns);
	nsp->ipc = ipc_ns_of_common(ns_get(ipc));

	struct kernel *k = t->k;
	/* Linux's mntns_install: the root and cwd go to the namespace's root, even the same one. */
	if (flags & LINUX_CLONE_NEWNS) {
		int ret = mnt_ns_enter(nsp->mnt, t->fs);
		if (ret) {
			nsproxy_free(nsp);
			return ret;
		}
	}
	pthread_mutex_lock(&k->lock);
	if (nsp->ipc != cur->ipc)
		ipc_exit_process(k, t->tg->tgid);
	struct nsproxy *old = t->nsproxy;
	t->nsproxy = nsp;
	pthread_mutex_unlock(&k->lock);
	nsproxy_put(old);
	return 0;
}

long do_setns(struct task *t, int fd, int nstype)
{
	struct file *f = fdtable_get(t->files, fd);
	if (!f)
		return -EBADF;
	struct nsproxy *src = NULL;
	struct ns_common *one = setns_target(t, f, nstype, &src);
	long ret = IS_ERR(one) ? PTR_ERR(one) : 0;
	u64 flags = one && !ret ? one->type : (u64)(unsigned)nstype;
	struct nsproxy *cur = ret ? NULL : nsproxy_of(t);
	if (!ret && !cur)
		ret = -ENOMEM;
	/* Everything but the user namespace is the caller's already (Linux: EINVAL to reenter it). */
	if (!ret && (flags & LINUX_CLONE_NEWUSER))
		ret = -EINVAL;
	/* A mount namespace needs an fs no other task shares (Linux's mntns_install). */
	if (!ret && (flags & LINUX_CLONE_NEWNS) &&
	    __atomic_load_n(&t->fs->refs, __ATOMIC_RELAXED) > 1)
		ret = -EINVAL;
	/* Every kind needs CAP_SYS_ADMIN; a mount namespace also CAP_SYS_CHROOT. */
	if (!ret && (!task_capable(t, LINUX_CAP_SYS_ADMIN) ||
		     ((flags & LINUX_CLONE_NEWNS) && !task_capable(t, LINUX_CAP_SYS_CHROOT))))
		ret = -EPERM;
	if (!ret)
		ret = setns_install(t, cur, one, src, flags);
	if (one && !IS_ERR(one))
		ns_put(one);
	if (src)
		nsproxy_put(src);
	file_put(f);
	return ret;
}

struct ns_common *task_ns_get(struct task *t, u64 type)
{
	struct kernel *k = t->k;
	pthread_mutex_lock(&k->lock);
	struct nsproxy *nsp = nsproxy_of_task_locked(t);
	pthread_mutex_unlock(&k->lock);
	if (!nsp)
		return NULL;
	struct ns_common *ns = NULL;
	if (type == LINUX_CLONE_NEWNS)
		ns = ns_get(mnt_ns_common(nsp->mnt));
	else if (type == LINUX_CLONE_NEWUTS)
		ns = ns_get(&nsp->uts->ns);
	else if (type == LINUX_CLONE_NEWIPC)
		ns = ns_get(ipc_ns_common(nsp->ipc));
	nsproxy_put(nsp);
	return ns;
}

void uts_names(struct task *t, char *hostname, char *domainname)
{
	/* Reading makes nothing: before the initial namespaces exist, k's name is theirs. */
	struct nsproxy *nsp =
		t->nsproxy ? t->nsproxy : __atomic_load_n(&t->k->init_nsproxy, __ATOMIC_ACQUIRE);
	if (!nsp) {
		memcpy(hostname, t->k->hostname, LINUX_UTS_LEN);
		strcpy(domainname, "(none)");
		return;
	}
	pthread_mutex_lock(&nsp->uts->lock);
	memcpy(hostname, nsp->uts->hostname, LINUX_UTS_LEN);
	memcpy(domainname, nsp->uts->domainname, LINUX_UTS_LEN);
	pthread_mutex_unlock(&nsp->uts->lock);
}

/* sethostname and setdomainname: Linux's order (EPERM, EINVAL, EFAULT). */
long uts_set_name(struct task *t, uaddr_t uname, int len, bool domain)
{
	char buf[LINUX_UTS_LEN];
	if (!task_capable(t, LINUX_CAP_SYS_ADMIN))
		return -EPERM;
	if (len < 0 || len > LINUX_UTS_LEN - 1)
		return -EINVAL;
	if (mm_copy_from_user(t->mm, buf, uname, len))
		return -EFAULT;
	struct nsproxy *nsp = nsproxy_of(t);
	if (!nsp)
		return -ENOMEM;
	struct uts_ns *uts = nsp->uts;
	pthread_mutex_lock(&uts->lock);
	char *dst = domain ? uts->domainname : uts->hostname;
	memcpy(dst, buf, len);
	memset(dst + len, 0, LINUX_UTS_LEN - len);
	pthread_mutex_unlock(&uts->lock);
	return 0;
}

/* Linux's chroot_fs_refs: every task whose root or cwd was old now has new there. */
void nsproxy_chroot_fs_refs(struct kernel *k, const struct path *old, const struct path *new)
{
	struct thread_group *tg;
	struct task *t;
	pthread_mutex_lock(&k->lock);
	list_for_each_entry(tg, &k->groups, node)
	{
		list_for_each_entry(t, &tg->threads, tg_node)
		{
			struct fs_struct *fs = t->fs;
			if (!fs)
				continue;
			pthread_mutex_lock(&fs->lock);
			struct path *ps[2] = {&fs->root, &fs->cwd};
			for (int i = 0; i < 2; i++) {
				if (ps[i]->mnt != old->mnt || ps[i]->dentry != old->dentry)
					continue;
				/* The caller holds old: this put never frees it. */
				path_get(new);
				path_put(ps[i]);
				*ps[i] = *new;
			}
			pthread_mutex_unlock(&fs->lock);
		}
	}
	pthread_mutex_unlock(&k->lock);
}
