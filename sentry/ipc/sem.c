// SPDX-License-Identifier: Apache-2.0
/*
 * System V semaphores: semget(2), semop(2), semtimedop(2), semctl(2),
 * with SEM_UNDO adjustments applied when a process exits (Linux's
 * ipc/sem.c).
 *
 * A semop that must wait queues a sem_queue on its set and sleeps; every
 * change to the set retries the queued operations in Linux's order
 * (waits for zero first, then the others first come first served) and
 * completes them for their sleepers, who return its status.
 */
#include <errno.h>
#include <stdlib.h>

#include "abi/linux/signal.h"
#include "ipc_internal.h"
#include "ipc_objs.h"
#include "sentry/kernel/process.h"
#include "sentry/syscalls/syscalls.h"

/* semop's status while queued. */
#define SEM_PENDING 1

/* A process's adjustments for one set, undone at its exit. */
struct sem_undo {
	struct list_head ns_node;
	int tgid, semid;
	int nsems;
	short adj[];
};

/* A sleeping semop. */
struct sem_queue {
	struct list_head node;
	struct task *t;
	int pid;
	struct linux_sembuf *sops;
	int nsops;
	struct sem_undo *undo;
	bool alter;
	int blocking; /* index of the op that blocked (GETNCNT, GETZCNT) */
	int status;   /* SEM_PENDING, or the result */
};

static struct sem_set *sem_lookup(struct ipc_ns *ns, int id)
{
	/* perm is first: an ERR_PTR passes through the cast unchanged. */
	return (struct sem_set *)ipc_id_lookup(&ns->sem_ids, id);
}

static int sem_create(struct ipc_ns *ns, struct task *t, s32 key, int flg, void *arg)
{
	int nsems = *(int *)arg;
	if (!nsems)
		return -EINVAL;
	if (ns->used_sems + nsems > ns->sem_ctls[1])
		return -ENOSPC;
	struct sem_set *s = calloc(1, sizeof(*s) + nsems * sizeof(s->sems[0]));
	if (!s)
		return -ENOMEM;
	int ret = ipc_add(&ns->sem_ids, &s->perm, t, key, flg);
	if (ret) {
		free(s);
		return ret;
	}
	s->nsems = nsems;
	s->ctime = ipc_now();
	list_init(&s->pending);
	ns->used_sems += nsems;
	return s->perm.id;
}

static int sem_check(struct ipc_obj *o, void *arg)
{
	return *(int *)arg > ((struct sem_set *)o)->nsems ? -EINVAL : 0;
}

static const struct ipc_get_ops sem_get_ops = {.create = sem_create, .check = sem_check};

long sys_semget(struct task *t, const struct syscall_args *a)
{
	s32 key = arg_int(a, 0);
	int nsems = arg_int(a, 1), flg = arg_int(a, 2);
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	if (nsems < 0 || nsems > IPC_LIMIT(ns, sem_ctls[0]))
		return -EINVAL;
	return ipc_get(ns, &ns->sem_ids, t, key, flg, &sem_get_ops, &nsems);
}

/*
 * Linux's perform_atomic_semop_slow: apply the ops in order, or none.
 * 0 done, 1 would block (at *blocking), -EAGAIN (IPC_NOWAIT), -ERANGE.
 */
static int sem_try(struct sem_set *s, const struct linux_sembuf *sops, int nsops,
		   struct sem_undo *un, int pid, int *blocking)
{
	int i, ret;

	for (i = 0; i < nsops; i++) {
		const struct linux_sembuf *sop = &sops[i];
		int val = s->sems[sop->sem_num].val;
		if ((!sop->sem_op && val) || val + sop->sem_op < 0) {
			*blocking = i;
			ret = (sop->sem_flg & LINUX_IPC_NOWAIT) ? -EAGAIN : 1;
			goto undo;
		}
		if (val + sop->sem_op > SEM_VMX) {
			ret = -ERANGE;
			goto undo;
		}
		if (sop->sem_flg & LINUX_SEM_UNDO) {
			int adj = un->adj[sop->sem_num] - sop->sem_op;
			if (adj < -SEM_AEM - 1 || adj > SEM_AEM) {
				ret = -ERANGE;
				goto undo;
			}
			un->adj[sop->sem_num] = (short)adj;
		}
		s->sems[sop->sem_num].val = val + sop->sem_op;
	}
	for (i = 0; i < nsops; i++)
		s->sems[sops[i].sem_num].pid = pid;
	return 0;
undo:
	while (--i >= 0) {
		s->sems[sops[i].sem_num].val -= sops[i].sem_op;
		if (sops[i].sem_flg & LINUX_SEM_UNDO)
			un->adj[sops[i].sem_num] += sops[i].sem_op;
	}
	return ret;
}

static void sem_complete(struct sem_queue *q, int status)
{
	list_del(&q->node);
	q->status = status;
	task_wake(q->t);
}

/*
 * The set changed: complete the queued operations that can go now, waits
 * for zero first, then the others in arrival order, starting over after
 * each one that changed a value (Linux's update_queue).
 */
static void sem_update_queue(struct sem_set *s)
{
	struct sem_queue *q, *n;
	bool again;

	do {
		again = false;
		list_for_each_entry_safe(q, n, &s->pending, node)
		{
			if (q->alter)
				continue;
			int ret = sem_try(s, q->sops, q->nsops, q->undo, q->pid, &q->blocking);
			if (ret <= 0)
				sem_complete(q, ret);
		}
		list_for_each_entry_safe(q, n, &s->pending, node)
		{
			if (!q->alter)
				continue;
			int ret = sem_try(s, q->sops, q->nsops, q->undo, q->pid, &q->blocking);
			if (ret > 0)
				continue;
			sem_complete(q, ret);
			if (!ret) {
				s->otime = ipc_now();
				again = true;
				break;
			}
		}
	} while (again);
}

static void sem_undo_free_set(struct ipc_ns *ns, int semid)
{
	struct sem_undo *u, *n;
	list_for_each_entry_safe(u, n, &ns->undos, ns_node)
	{
		if (u->semid == semid) {
			list_del(&u->ns_node);
			free(u);
		}
	}
}

static void sem_destroy(struct ipc_ns *ns, struct sem_set *s)
{
	struct sem_queue *q, *n;
	list_for_each_entry_safe(q, n, &s->pending, node)
	{
		sem_complete(q, -EIDRM);
	}
	sem_undo_free_set(ns, s->perm.id);
	ipc_remove(&ns->sem_ids, &s->perm);
	ns->used_sems -= s->nsems;
	free(s);
}

/* The caller's adjustments for set s, made if absent. NULL: no memory. */
static struct sem_undo *sem_undo_get(struct ipc_ns *ns, struct sem_set *s, int tgid)
{
	struct sem_undo *u;
	list_for_each_entry(u, &ns->undos, ns_node)
	{
		if (u->tgid == tgid && u->semid == s->perm.id)
			return u;
	}
	u = calloc(1, sizeof(*u) + s->nsems * sizeof(u->adj[0]));
	if (!u)
		return NULL;
	u->tgid = tgid;
	u->semid = s->perm.id;
	u->nsems = s->nsems;
	list_add(&u->ns_node, &ns->undos);
	return u;
}

/* SETVAL and SETALL reset every process's adjustment of the values set. */
static void sem_undo_clear(struct ipc_ns *ns, int semid, int semnum)
{
	struct sem_undo *u;
	list_for_each_entry(u, &ns->undos, ns_node)
	{
		if (u->semid != semid)
			continue;
		for (int i = 0; i < u->nsems; i++)
			if (semnum < 0 || i == semnum)
				u->adj[i] = 0;
	}
}

void sem_exit_locked(struct ipc_ns *ns, int tgid)
{
	struct sem_undo *u, *n;
	list_for_each_entry_safe(u, n, &ns->undos, ns_node)
	{
		if (u->tgid != tgid)
			continue;
		list_del(&u->ns_node);
		struct sem_set *s = sem_lookup(ns, u->semid);
		if (!IS_ERR(s)) {
			/* Linux's exit_sem clamps rather than fails. */
			for (int i = 0; i < u->nsems && i < s->nsems; i++) {
				if (!u->adj[i])
					continue;
				int val = s->sems[i].val + u->adj[i];
				s->sems[i].val = val < 0 ? 0 : val > SEM_VMX ? SEM_VMX : val;
				s->sems[i].pid = tgid;
			}
			sem_update_queue(s);
		}
		free(u);
	}
}

/* Sleep until q completes, a signal comes, or the deadline passes. */
static int sem_wait(struct ipc_ns *ns, struct sem_queue *q, const struct timespec *dl)
{
	int ret;
	for (;;) {
		pthread_mutex_unlock(&ns->lock);
		int slept = task_sleep(q->t, dl);
		pthread_mutex_lock(&ns->lock);
		if (q->status != SEM_PENDING) {
			ret = q->status;
			break;
		}
		if (slept) {
			/* semop is never restarted after a handler (signal(7)). */
			list_del(&q->node);
			ret = slept == -ETIMEDOUT ? -EAGAIN : -EINTR;
			break;
		}
	}
	return ret;
}

static long do_semtimedop(struct task *t, int semid, uaddr_t usops, unsigned nsops, uaddr_t uts)
{
	struct linux_sembuf fast[16], *sops = fast;
	struct timespec deadline, *dl = NULL;
	unsigned max = 0;
	bool undos = false, alter = false;
	long ret;

	if (nsops < 1 || semid < 0)
		return -EINVAL;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	if (nsops > (unsigned)IPC_LIMIT(ns, sem_ctls[2]))
		return -E2BIG;
	if (nsops > 16 && !(sops = malloc(nsops * sizeof(*sops))))
		return -ENOMEM;
	ret = -EFAULT;
	if (mm_copy_from_user(t->mm, sops, usops, nsops * sizeof(*sops)))
		goto out_free;
	if (uts.addr) {
		if ((ret = ipc_read_timeout(t, uts, false, &deadline)))
			goto out_free;
		dl = &deadline;
	}
	for (unsigned i = 0; i < nsops; i++) {
		if (sops[i].sem_num >= max)
			max = sops[i].sem_num;
		if (sops[i].sem_flg & LINUX_SEM_UNDO)
			undos = true;
		if (sops[i].sem_op)
			alter = true;
	}
	pthread_mutex_lock(&ns->lock);
	struct sem_set *s = sem_lookup(ns, semid);
	struct sem_undo *un = NULL;
	if (IS_ERR(s))
		ret = PTR_ERR(s);
	else if (max >= (unsigned)s->nsems)
		ret = -EFBIG;
	else if ((ret = ipc_perms(t, &s->perm, alter ? 0222 : 0444)))
		;
	else if (undos && !(un = sem_undo_get(ns, s, t->tg->tgid)))
		ret = -ENOMEM;
	else {
		struct sem_queue q = {.t = t,
				      .pid = t->tg->tgid,
				      .sops = sops,
				      .nsops = nsops,
				      .undo = un,
				      .alter = alter,
				      .status = SEM_PENDING};
		ret = sem_try(s, sops, nsops, un, q.pid, &q.blocking);
		if (ret == 0) {
			s->otime = ipc_now();
			if (alter)
				sem_update_queue(s);
		} else if (ret > 0) {
			list_add_tail(&q.node, &s->pending);
			ret = sem_wait(ns, &q, dl);
		}
	}
	pthread_mutex_unlock(&ns->lock);
out_free:
	if (sops != fast)
		free(sops);
	return ret;
}

long sys_semop(struct task *t, const struct syscall_args *a)
{
	return do_semtimedop(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), uaddr(0));
}

long sys_semtimedop(struct task *t, const struct syscall_args *a)
{
	return do_semtimedop(t, arg_int(a, 0), arg_ptr(a, 1), arg_uint(a, 2), arg_ptr(a, 3));
}

/* GETNCNT and GETZCNT: sleepers whose blocking op is on semnum. */
static int sem_count(struct sem_set *s, int semnum, bool zero)
{
	struct sem_queue *q;
	int n = 0;
	list_for_each_entry(q, &s->pending, node)
	{
		const struct linux_sembuf *sop = &q->sops[q->blocking];
		if (sop->sem_num == semnum && (zero ? sop->sem_op == 0 : sop->sem_op < 0))
			n++;
	}
	return n;
}

static long sem_info(struct task *t, struct ipc_ns *ns, int cmd, uaddr_t buf)
{
	struct linux_seminfo si = {
		.semmni = IPC_LIMIT(ns, sem_ctls[3]),
		.semmns = IPC_LIMIT(ns, sem_ctls[1]),
		.semmsl = IPC_LIMIT(ns, sem_ctls[0]),
		.semopm = IPC_LIMIT(ns, sem_ctls[2]),
		.semvmx = SEM_VMX,
		.semmnu = SEM_MNS,
		.semmap = SEM_MNS,
		.semume = SEM_OPM,
		.semusz = 20,
		.semaem = SEM_AEM,
	};
	pthread_mutex_lock(&ns->lock);
	if (cmd == LINUX_SEM_INFO) {
		si.semusz = ns->sem_ids.in_use;
		si.semaem = ns->used_sems;
	}
	int max = ipc_max_idx(&ns->sem_ids);
	pthread_mutex_unlock(&ns->lock);
	if (mm_copy_to_user(t->mm, buf, &si, sizeof(si)))
		return -EFAULT;
	return max;
}

static long sem_stat(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_semid64_ds ds = {0};
	long ret = 0;

	pthread_mutex_lock(&ns->lock);
	struct ipc_obj *o = ipc_stat_lookup(&ns->sem_ids, id, cmd != LINUX_IPC_STAT);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
	} else if (cmd == LINUX_SEM_STAT_ANY || !(ret = ipc_perms(t, o, 0444))) {
		struct sem_set *s = (struct sem_set *)o;
		ipc_fill_perm(o, &ds.sem_perm);
		ds.sem_otime = s->otime;
		ds.sem_ctime = s->ctime;
		ds.sem_nsems = s->nsems;
		ret = cmd == LINUX_IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ns->lock);
	if (ret >= 0 && mm_copy_to_user(t->mm, buf, &ds, sizeof(ds)))
		return -EFAULT;
	return ret;
}

/* IPC_SET and IPC_RMID. */
static long sem_ctl_owner(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_semid64_ds ds;
	if (cmd == LINUX_IPC_SET && mm_copy_from_user(t->mm, &ds, buf, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	struct sem_set *s = sem_lookup(ns, id);
	long ret = IS_ERR(s) ? PTR_ERR(s) : ipc_owner_check(t, &s->perm);
	if (!ret && cmd == LINUX_IPC_RMID) {
		sem_destroy(ns, s);
	} else if (!ret) {
		ipc_set_perm(&s->perm, &ds.sem_perm);
		s->ctime = ipc_now();
	}
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

static long sem_setval(struct task *t, struct ipc_ns *ns, int id, int semnum, int val)
{
	if (val < 0 || val > SEM_VMX)
		return -ERANGE;
	pthread_mutex_lock(&ns->lock);
	struct sem_set *s = sem_lookup(ns, id);
	long ret = 0;
	if (IS_ERR(s))
		ret = PTR_ERR(s);
	else if (semnum < 0 || semnum >= s->nsems)
		ret = -EINVAL;
	else if (!(ret = ipc_perms(t, &s->perm, 0222))) {
		sem_undo_clear(ns, id, semnum);
		s->sems[semnum].val = val;
		s->sems[semnum].pid = t->tg->tgid;
		s->ctime = ipc_now();
		sem_update_queue(s);
	}
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

/* GETALL and SETALL: the whole array of values as unsigned shorts. */
static long sem_all(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	u16 *vals = NULL;
	int nsems;
	long ret;

	pthread_mutex_lock(&ns->lock);
	struct sem_set *s = sem_lookup(ns, id);
	if (IS_ERR(s)) {
		pthread_mutex_unlock(&ns->lock);
		return PTR_ERR(s);
	}
	nsems = s->nsems;
	ret = ipc_perms(t, &s->perm, cmd == LINUX_SETALL ? 0222 : 0444);
	if (!ret && !(vals = calloc(nsems, sizeof(*vals))))
		ret = -ENOMEM;
	for (int i = 0; !ret && cmd == LINUX_GETALL && i < nsems; i++)
		vals[i] = (u16)s->sems[i].val;
	pthread_mutex_unlock(&ns->lock);
	if (ret)
		return ret;
	if (cmd == LINUX_GETALL) {
		ret = mm_copy_to_user(t->mm, buf, vals, nsems * sizeof(*vals)) ? -EFAULT : 0;
		free(vals);
		return ret;
	}
	if (mm_copy_from_user(t->mm, vals, buf, nsems * sizeof(*vals))) {
		free(vals);
		return -EFAULT;
	}
	for (int i = 0; i < nsems; i++) {
		if (vals[i] > SEM_VMX) {
			free(vals);
			return -ERANGE;
		}
	}
	/* The set may have gone, or been replaced, while the values came in. */
	pthread_mutex_lock(&ns->lock);
	s = sem_lookup(ns, id);
	if (IS_ERR(s)) {
		ret = -EIDRM;
	} else if (s->nsems != nsems) {
		ret = -EIDRM;
	} else {
		sem_undo_clear(ns, id, -1);
		for (int i = 0; i < nsems; i++) {
			s->sems[i].val = vals[i];
			s->sems[i].pid = t->tg->tgid;
		}
		s->ctime = ipc_now();
		sem_update_queue(s);
	}
	pthread_mutex_unlock(&ns->lock);
	free(vals);
	return ret;
}

/* GETVAL, GETPID, GETNCNT, GETZCNT. */
static long sem_get_one(struct task *t, struct ipc_ns *ns, int id, int semnum, int cmd)
{
	pthread_mutex_lock(&ns->lock);
	struct sem_set *s = sem_lookup(ns, id);
	long ret;
	if (IS_ERR(s))
		ret = PTR_ERR(s);
	else if ((ret = ipc_perms(t, &s->perm, 0444)))
		;
	else if (semnum < 0 || semnum >= s->nsems)
		ret = -EINVAL;
	else if (cmd == LINUX_GETVAL)
		ret = s->sems[semnum].val;
	else if (cmd == LINUX_GETPID)
		ret = s->sems[semnum].pid;
	else
		ret = sem_count(s, semnum, cmd == LINUX_GETZCNT);
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

long sys_semctl(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), semnum = arg_int(a, 1), cmd = arg_int(a, 2);
	uaddr_t buf = arg_ptr(a, 3);
	if (id < 0)
		return -EINVAL;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;

	switch (cmd) {
	case LINUX_IPC_INFO:
	case LINUX_SEM_INFO:
		return sem_info(t, ns, cmd, buf);
	case LINUX_IPC_STAT:
	case LINUX_SEM_STAT:
	case LINUX_SEM_STAT_ANY:
		return sem_stat(t, ns, id, cmd, buf);
	case LINUX_GETALL:
	case LINUX_SETALL:
		return sem_all(t, ns, id, cmd, buf);
	case LINUX_GETVAL:
	case LINUX_GETPID:
	case LINUX_GETNCNT:
	case LINUX_GETZCNT:
		return sem_get_one(t, ns, id, semnum, cmd);
	case LINUX_SETVAL:
		return sem_setval(t, ns, id, semnum, arg_int(a, 3));
	case LINUX_IPC_RMID:
	case LINUX_IPC_SET:
		return sem_ctl_owner(t, ns, id, cmd, buf);
	default:
		return -EINVAL;
	}
}
