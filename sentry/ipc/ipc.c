// SPDX-License-Identifier: Apache-2.0
/*
 * The IPC namespace and what its object types share: id allocation with
 * sequence numbers, key lookup, permission checks and the get protocol,
 * as Linux's ipc/util.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ipc_internal.h"
#include "sentry/kernel/nsproxy.h"
#include "sentry/kernel/cred.h"
#include "sentry/vdso/vdso.h"

#define NSEC_PER_SEC 1000000000L
/* Past this many seconds from now a deadline is never reached: wait for ever. */
#define FOREVER_SEC (INT64_MAX / 4)
/* Linux's ipc_min_cycle: indexes are reused only after this many. */
#define IPC_MIN_CYCLE 64

static void ipc_ids_init(struct ipc_ids *ids, int mni)
{
	ids->max_idx = -1;
	ids->last_idx = -1;
	ids->mni = mni;
}

/*
 * Every IPC namespace, for a process's exit (its semaphore undos may be
 * in any it was in). Lock order: k->lock > all_lock > ns->lock.
 */
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head all_ns = LIST_HEAD_INIT(all_ns);

static struct ipc_ns *ipc_ns_create(u64 inum)
{
	struct ipc_ns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->ns = (struct ns_common){LINUX_CLONE_NEWIPC, inum, 1};
	pthread_mutex_init(&ns->lock, NULL);
	ipc_ids_init(&ns->sem_ids, SEM_MNI);
	ipc_ids_init(&ns->msg_ids, MSG_MNI);
	ipc_ids_init(&ns->shm_ids, SHM_MNI);
	list_init(&ns->undos);
	list_init(&ns->mqueues);
	list_init(&ns->mq_users);
	ipc_sysctl_init(ns);
	pthread_mutex_lock(&all_lock);
	list_add_tail(&ns->all_node, &all_ns);
	pthread_mutex_unlock(&all_lock);
	return ns;
}

static void ipc_ns_free(struct ipc_ns *ns)
{
	pthread_mutex_lock(&all_lock);
	list_del(&ns->all_node);
	pthread_mutex_unlock(&all_lock);
	pthread_mutex_destroy(&ns->lock);
	free(ns);
}

struct ipc_ns *ipc_ns_create_new(void)
{
	return ipc_ns_create(ns_alloc_inum());
}

struct ns_common *ipc_ns_common(struct ipc_ns *ns)
{
	return &ns->ns;
}

struct ipc_ns *ipc_ns_of_common(struct ns_common *ns)
{
	return container_of(ns, struct ipc_ns, ns);
}

/*
 * The last task of ns left it. Its objects cannot be reached any more,
 * but a segment may still be mapped and a queue still open: a namespace
 * that holds anything stays (unreachable) until the sandbox ends, rather
 * than free what a mapping or file may still use. An empty one goes.
 */
void ipc_ns_put(struct ipc_ns *ns)
{
	if (!ns || __atomic_sub_fetch(&ns->ns.refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_mutex_lock(&ns->lock);
	bool empty = !ns->sem_ids.in_use && !ns->msg_ids.in_use && !ns->shm_ids.in_use &&
		     list_empty(&ns->mqueues) && list_empty(&ns->undos) &&
		     list_empty(&ns->mq_users);
	pthread_mutex_unlock(&ns->lock);
	if (empty)
		ipc_ns_free(ns);
}

struct ipc_ns *ipc_ns_of(struct task *t)
{
	struct nsproxy *nsp = t->nsproxy;
	return nsp ? nsp->ipc : ipc_ns_of_kernel(t->k);
}

struct ipc_ns *ipc_ns_current(struct kernel *k)
{
	struct task *t = task_current();
	return t ? ipc_ns_of(t) : ipc_ns_of_kernel(k);
}

struct ipc_ns *ipc_ns_initial(struct kernel *k)
{
	struct ipc_ns *ns = ipc_ns_of_kernel(k);
	if (ns)
		__atomic_fetch_add(&ns->ns.refs, 1, __ATOMIC_RELAXED);
	return ns;
}

struct ipc_ns *ipc_ns_of_kernel(struct kernel *k)
{
	struct ipc_ns *ns = __atomic_load_n(&k->ipc, __ATOMIC_ACQUIRE);
	if (ns)
		return ns;
	/* First use in this sandbox: two racing tasks keep the first one made. */
	struct ipc_ns *fresh = ipc_ns_create(NS_INIT_INO_IPC);
	if (!fresh)
		return NULL;
	if (__atomic_compare_exchange_n(&k->ipc, &ns, fresh, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fresh;
	ipc_ns_free(fresh);
	return ns;
}

void ipc_exit_process(struct kernel *k, int tgid)
{
	struct ipc_ns *ns;
	pthread_mutex_lock(&all_lock);
	list_for_each_entry(ns, &all_ns, all_node)
	{
		pthread_mutex_lock(&ns->lock);
		sem_exit_locked(ns, tgid);
		pthread_mutex_unlock(&ns->lock);
	}
	pthread_mutex_unlock(&all_lock);
}

struct ipc_obj *ipc_idx_lookup(struct ipc_ids *ids, int idx)
{
	if (idx < 0 || idx >= IPC_MNI)
		return NULL;
	return ids->entries[idx];
}

struct ipc_obj *ipc_id_lookup(struct ipc_ids *ids, int id)
{
	if (id < 0)
		return ERR_PTR(-EINVAL);
	struct ipc_obj *o = ids->entries[id % IPC_MNI];
	if (!o || o->seq != id / IPC_MNI)
		return ERR_PTR(-EINVAL);
	return o;
}

struct ipc_obj *ipc_key_lookup(struct ipc_ids *ids, s32 key)
{
	for (int i = 0; i <= ids->max_idx; i++) {
		struct ipc_obj *o = ids->entries[i];
		if (o && o->key == key && key != LINUX_IPC_PRIVATE)
			return o;
	}
	return NULL;
}

struct ipc_obj *ipc_stat_lookup(struct ipc_ids *ids, int id, bool by_index)
{
	if (!by_index)
		return ipc_id_lookup(ids, id);
	struct ipc_obj *o = ipc_idx_lookup(ids, id);
	return o ? o : ERR_PTR(-EINVAL);
}

/* Linux's idr_alloc_cyclic over [0, max): the next free index after the last. */
static int ipc_alloc_idx(struct ipc_ids *ids)
{
	int max = ids->in_use * 3 / 2;
	if (max < IPC_MIN_CYCLE)
		max = IPC_MIN_CYCLE;
	if (max > ids->mni)
		max = ids->mni;
	for (int n = 0; n < max; n++) {
		int idx = (ids->last_idx + 1 + n) % max;
		if (!ids->entries[idx])
			return idx;
	}
	return -ENOSPC;
}

int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, struct task *t, s32 key, int flg)
{
	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	int idx = ipc_alloc_idx(ids);
	if (idx < 0)
		return idx;
	/* A new cycle through the indexes: a new sequence number, so old ids go stale. */
	if (idx <= ids->last_idx && ++ids->seq >= IPC_SEQ_MAX)
		ids->seq = 0;
	ids->last_idx = idx;
	o->seq = ids->seq;
	o->id = o->seq * IPC_MNI + idx;
	o->key = key;
	o->uid = o->cuid = t->cred->euid;
	o->gid = o->cgid = t->cred->egid;
	o->mode = flg & 0777;
	o->deleted = false;
	ids->entries[idx] = o;
	ids->in_use++;
	if (idx > ids->max_idx)
		ids->max_idx = idx;
	return 0;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
	int idx = o->id % IPC_MNI;
	if (ids->entries[idx] != o)
		return;
	ids->entries[idx] = NULL;
	ids->in_use--;
	while (ids->max_idx >= 0 && !ids->entries[ids->max_idx])
		ids->max_idx--;
	o->deleted = true;
}

static bool ipc_in_group(const struct cred *c, u32 gid)
{
	return c->egid == gid || cred_in_groups(c, gid);
}

int ipc_perms(struct task *t, const struct ipc_obj *o, int flag)
{
	const struct cred *c = t->cred;
	int requested = (flag >> 6) | (flag >> 3) | flag;
	int granted = o->mode;

	if (c->euid == o->cuid || c->euid == o->uid)
		granted >>= 6;
	else if (ipc_in_group(c, o->cgid) || ipc_in_group(c, o->gid))
		granted >>= 3;
	if ((requested & ~granted & 07) && !task_capable(t, LINUX_CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}

int ipc_owner_check(struct task *t, const struct ipc_obj *o)
{
	u32 euid = t->cred->euid;
	if (euid == o->cuid || euid == o->uid || task_capable(t, LINUX_CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

void ipc_fill_perm(const struct ipc_obj *o, struct linux_ipc64_perm *p)
{
	*p = (struct linux_ipc64_perm){
		.key = o->key,
		.uid = o->uid,
		.gid = o->gid,
		.cuid = o->cuid,
		.cgid = o->cgid,
		.mode = o->mode,
		.seq = o->seq,
	};
}

void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p)
{
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (o->mode & ~0777u) | (p->mode & 0777);
}

long ipc_get(struct ipc_ns *ns, struct ipc_ids *ids, struct task *t, s32 key, int flg,
	     const struct ipc_get_ops *ops, void *arg)
{
	long ret;

	pthread_mutex_lock(&ns->lock);
	struct ipc_obj *o = key == LINUX_IPC_PRIVATE ? NULL : ipc_key_lookup(ids, key);
	if (key == LINUX_IPC_PRIVATE) {
		ret = ops->create(ns, t, key, flg, arg);
	} else if (!o) {
		ret = (flg & LINUX_IPC_CREAT) ? ops->create(ns, t, key, flg, arg) : -ENOENT;
	} else if ((flg & LINUX_IPC_CREAT) && (flg & LINUX_IPC_EXCL)) {
		ret = -EEXIST;
	} else if ((ret = ipc_perms(t, o, flg)) == 0) {
		ret = ops->check ? ops->check(o, arg) : 0;
		if (!ret)
			ret = o->id;
	}
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

s64 ipc_now(void)
{
	struct timespec now;
	if (vdso_clock_gettime(CLOCK_REALTIME, &now))
		clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec;
}

int ipc_read_timeout(struct task *t, uaddr_t uts, bool absolute, struct timespec *dl)
{
	struct linux_timespec ts;
	struct timespec mono, rt;

	if (mm_copy_from_user(t->mm, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	s64 sec = ts.tv_sec, nsec = ts.tv_nsec;
	if (absolute) {
		/* CLOCK_REALTIME, converted once to the monotonic clock task_sleep uses. */
		if (vdso_clock_gettime(CLOCK_REALTIME, &rt))
			clock_gettime(CLOCK_REALTIME, &rt);
		sec -= rt.tv_sec;
		nsec -= rt.tv_nsec;
		if (nsec < 0) {
			nsec += NSEC_PER_SEC;
			sec--;
		}
		if (sec < 0)
			sec = nsec = 0;
	}
	if (sec > FOREVER_SEC)
		sec = FOREVER_SEC;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	dl->tv_sec = mono.tv_sec + sec;
	dl->tv_nsec = mono.tv_nsec + nsec;
	if (dl->tv_nsec >= NSEC_PER_SEC) {
		dl->tv_nsec -= NSEC_PER_SEC;
		dl->tv_sec++;
	}
	return 0;
}
