// SPDX-License-Identifier: Apache-2.0
/*
 * System V message queues: msgget(2), msgsnd(2), msgrcv(2), msgctl(2),
 * as Linux's ipc/msg.c.
 *
 * A receiver that finds nothing queues a msg_receiver and sleeps; a
 * sender hands its message straight to the first receiver that wants it
 * (Linux's pipelined_send), so a queued receiver never misses one. A
 * sender that finds the queue full queues a msg_sender and sleeps until
 * a receive frees room, then tries again.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "abi/linux/signal.h"
#include "ipc_internal.h"
#include "ipc_objs.h"
#include "sentry/kernel/cred.h"
#include "sentry/syscalls/syscalls.h"

/* Linux's msgrcv search modes. */
enum { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

struct msg_msg {
	struct list_head node;
	long type;
	size_t len;
	char text[];
};

struct msg_receiver {
	struct list_head node;
	struct task *t;
	int mode;
	long type;
	size_t maxsize;
	/* -EAGAIN while waiting; then a message, or ERR_PTR(-E2BIG / -EIDRM). */
	struct msg_msg *msg;
};

struct msg_sender {
	struct list_head node;
	struct task *t;
	bool removed; /* the queue went (EIDRM) */
};

static struct msg_queue *msq_lookup(struct ipc_ns *ns, int id)
{
	return (struct msg_queue *)ipc_id_lookup(&ns->msg_ids, id);
}

static int msq_create(struct ipc_ns *ns, struct task *t, s32 key, int flg, void *arg)
{
	(void)arg;
	struct msg_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	int ret = ipc_add(&ns->msg_ids, &q->perm, t, key, flg);
	if (ret) {
		free(q);
		return ret;
	}
	q->qbytes = ns->msg_ctlmnb;
	q->ctime = ipc_now();
	list_init(&q->messages);
	list_init(&q->receivers);
	list_init(&q->senders);
	return q->perm.id;
}

static const struct ipc_get_ops msq_get_ops = {.create = msq_create};

long sys_msgget(struct task *t, const struct syscall_args *a)
{
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	return ipc_get(ns, &ns->msg_ids, t, arg_int(a, 0), arg_int(a, 1), &msq_get_ops, NULL);
}

/* Wake every receiver with res (retry: -EAGAIN; gone: -EIDRM). */
static void msq_expunge(struct msg_queue *q, int res)
{
	struct msg_receiver *r, *n;
	list_for_each_entry_safe(r, n, &q->receivers, node)
	{
		list_del(&r->node);
		r->msg = ERR_PTR(res);
		task_wake(r->t);
	}
}

/* Wake every sender to try again (or learn the queue is gone). */
static void msq_wake_senders(struct msg_queue *q, bool removed)
{
	struct msg_sender *s, *n;
	list_for_each_entry_safe(s, n, &q->senders, node)
	{
		list_del(&s->node);
		s->removed = removed;
		task_wake(s->t);
	}
}

static bool msg_matches(const struct msg_msg *m, long type, int mode)
{
	switch (mode) {
	case SEARCH_ANY:
	case SEARCH_NUMBER:
		return true;
	case SEARCH_LESSEQUAL:
		return m->type <= type;
	case SEARCH_EQUAL:
		return m->type == type;
	case SEARCH_NOTEQUAL:
		return m->type != type;
	}
	return false;
}

/* Give m to the first receiver that wants it; false if none took it. */
static bool msq_pipelined_send(struct msg_queue *q, struct msg_msg *m)
{
	struct msg_receiver *r, *n;
	list_for_each_entry_safe(r, n, &q->receivers, node)
	{
		if (!msg_matches(m, r->type, r->mode))
			continue;
		list_del(&r->node);
		if (r->maxsize < m->len) {
			r->msg = ERR_PTR(-E2BIG);
			task_wake(r->t);
			continue;
		}
		q->lrpid = r->t->tg->tgid;
		q->rtime = ipc_now();
		r->msg = m;
		task_wake(r->t);
		return true;
	}
	return false;
}

static bool msq_fits(const struct msg_queue *q, size_t len)
{
	return len + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

static long do_msgsnd(struct task *t, struct ipc_ns *ns, int id, struct msg_msg *m, int flg)
{
	struct msg_sender s = {.t = t};
	long ret;

	pthread_mutex_lock(&ns->lock);
	for (;;) {
		struct msg_queue *q = msq_lookup(ns, id);
		if (IS_ERR(q)) {
			ret = s.removed ? -EIDRM : PTR_ERR(q);
			break;
		}
		if ((ret = ipc_perms(t, &q->perm, 0222)))
			break;
		if (msq_fits(q, m->len)) {
			q->lspid = t->tg->tgid;
			q->stime = ipc_now();
			if (!msq_pipelined_send(q, m)) {
				list_add_tail(&m->node, &q->messages);
				q->cbytes += m->len;
				q->qnum++;
				ns->msg_bytes += m->len;
				ns->msg_hdrs++;
			}
			m = NULL;
			break;
		}
		if (flg & LINUX_IPC_NOWAIT) {
			ret = -EAGAIN;
			break;
		}
		list_add_tail(&s.node, &q->senders);
		pthread_mutex_unlock(&ns->lock);
		int slept = task_sleep(t, NULL);
		pthread_mutex_lock(&ns->lock);
		/* Still queued: not woken by the queue (a signal, or spurious). */
		list_del(&s.node);
		if (s.removed) {
			ret = -EIDRM;
			break;
		}
		if (slept) {
			ret = -ERESTARTNOHAND;
			break;
		}
	}
	pthread_mutex_unlock(&ns->lock);
	free(m);
	return ret;
}

long sys_msgsnd(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), flg = arg_int(a, 3);
	uaddr_t msgp = arg_ptr(a, 1);
	size_t len = a->a[2];
	long type;

	if (mm_copy_from_user(t->mm, &type, msgp, sizeof(type)))
		return -EFAULT;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	if (len > (size_t)IPC_LIMIT(ns, msg_ctlmax) || (long)len < 0 || id < 0)
		return -EINVAL;
	if (type < 1)
		return -EINVAL;
	struct msg_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->len = len;
	if (mm_copy_from_user(t->mm, m->text, uaddr(msgp.addr + sizeof(long)), len)) {
		free(m);
		return -EFAULT;
	}
	return do_msgsnd(t, ns, id, m, flg);
}

/* Linux's find_msg: the message a receiver in mode wants, or NULL. */
static struct msg_msg *msq_find(struct msg_queue *q, long *type, int mode)
{
	struct msg_msg *m, *found = NULL;
	long count = 0;
	list_for_each_entry(m, &q->messages, node)
	{
		if (mode == SEARCH_NUMBER) {
			if (count++ == *type)
				return m;
			continue;
		}
		if (!msg_matches(m, *type, mode))
			continue;
		if (mode != SEARCH_LESSEQUAL || m->type == 1)
			return m;
		/* The lowest type wins: keep looking below this one. */
		found = m;
		*type = m->type - 1;
	}
	return found;
}

static struct msg_msg *msg_dup(const struct msg_msg *m)
{
	struct msg_msg *c = malloc(sizeof(*c) + m->len);
	if (!c)
		return ERR_PTR(-ENOMEM);
	memcpy(c, m, sizeof(*c) + m->len);
	return c;
}

/* Take the message receiver r wants off q, or wait for it. Returns it or ERR_PTR. */
static struct msg_msg *msq_receive(struct task *t, struct ipc_ns *ns, int id,
				   struct msg_receiver *r, int flg)
{
	struct msg_msg *m;

	pthread_mutex_lock(&ns->lock);
	for (;;) {
		struct msg_queue *q = msq_lookup(ns, id);
		if (IS_ERR(q)) {
			m = (struct msg_msg *)q;
			break;
		}
		int ret = ipc_perms(t, &q->perm, 0444);
		if (ret) {
			m = ERR_PTR(ret);
			break;
		}
		long type = r->type;
		m = msq_find(q, &type, r->mode);
		if (m) {
			if (m->len > r->maxsize && !(flg & LINUX_MSG_NOERROR))
				m = ERR_PTR(-E2BIG);
			else if (r->mode == SEARCH_NUMBER)
				m = m->len > r->maxsize ? ERR_PTR(-EINVAL) : msg_dup(m);
			else {
				list_del(&m->node);
				q->qnum--;
				q->cbytes -= m->len;
				ns->msg_bytes -= m->len;
				ns->msg_hdrs--;
				q->rtime = ipc_now();
				q->lrpid = t->tg->tgid;
				msq_wake_senders(q, false);
			}
			break;
		}
		if (flg & LINUX_IPC_NOWAIT) {
			m = ERR_PTR(-ENOMSG);
			break;
		}
		/* MSG_NOERROR receivers take messages of any size, truncated. */
		size_t want = r->maxsize;
		if (flg & LINUX_MSG_NOERROR)
			r->maxsize = INT_MAX;
		r->msg = ERR_PTR(-EAGAIN);
		list_add_tail(&r->node, &q->receivers);
		pthread_mutex_unlock(&ns->lock);
		int slept = task_sleep(t, NULL);
		pthread_mutex_lock(&ns->lock);
		r->maxsize = want;
		if (r->msg != ERR_PTR(-EAGAIN)) {
			m = r->msg;
			break;
		}
		/* Still queued unless expunged for a retry (list_del leaves it empty). */
		list_del(&r->node);
		if (slept) {
			m = ERR_PTR(-ERESTARTNOHAND);
			break;
		}
	}
	pthread_mutex_unlock(&ns->lock);
	return m;
}

long sys_msgrcv(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), flg = arg_int(a, 4);
	uaddr_t msgp = arg_ptr(a, 1);
	size_t bufsz = a->a[2];
	long type = (long)a->a[3];
	struct msg_receiver r = {.t = t, .type = type, .maxsize = bufsz};

	if (id < 0 || (long)bufsz < 0)
		return -EINVAL;
	if (flg & LINUX_MSG_COPY) {
		if ((flg & LINUX_MSG_EXCEPT) || !(flg & LINUX_IPC_NOWAIT))
			return -EINVAL;
		r.mode = SEARCH_NUMBER;
	} else if (type == 0) {
		r.mode = SEARCH_ANY;
	} else if (type < 0) {
		r.mode = SEARCH_LESSEQUAL;
		r.type = type == LONG_MIN ? LONG_MAX : -type;
	} else {
		r.mode = (flg & LINUX_MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
	}
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	struct msg_msg *m = msq_receive(t, ns, id, &r, flg);
	if (IS_ERR(m))
		return PTR_ERR(m);
	size_t n = bufsz < m->len ? bufsz : m->len;
	long ret = n;
	/* As Linux, a message that cannot be copied out is lost. */
	if (mm_copy_to_user(t->mm, msgp, &m->type, sizeof(m->type)) ||
	    mm_copy_to_user(t->mm, uaddr(msgp.addr + sizeof(long)), m->text, n))
		ret = -EFAULT;
	free(m);
	return ret;
}

static long msq_info(struct task *t, struct ipc_ns *ns, int cmd, uaddr_t buf)
{
	struct linux_msginfo mi = {
		.msgmax = IPC_LIMIT(ns, msg_ctlmax),
		.msgmnb = IPC_LIMIT(ns, msg_ctlmnb),
		.msgmni = IPC_LIMIT(ns, msg_ctlmni),
		.msgssz = MSG_SSZ,
		.msgseg = MSG_SEG,
		.msgpool = MSG_POOL,
		.msgmap = MSG_MAP,
		.msgtql = MSG_TQL,
	};
	pthread_mutex_lock(&ns->lock);
	if (cmd == LINUX_MSG_INFO) {
		mi.msgpool = ns->msg_ids.in_use;
		mi.msgmap = (s32)ns->msg_hdrs;
		mi.msgtql = (s32)ns->msg_bytes;
	}
	int max = ipc_max_idx(&ns->msg_ids);
	pthread_mutex_unlock(&ns->lock);
	if (mm_copy_to_user(t->mm, buf, &mi, sizeof(mi)))
		return -EFAULT;
	return max;
}

static long msq_stat(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_msqid64_ds ds = {0};
	long ret = 0;

	pthread_mutex_lock(&ns->lock);
	struct ipc_obj *o = ipc_stat_lookup(&ns->msg_ids, id, cmd != LINUX_IPC_STAT);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
	} else if (cmd == LINUX_MSG_STAT_ANY || !(ret = ipc_perms(t, o, 0444))) {
		struct msg_queue *q = (struct msg_queue *)o;
		ipc_fill_perm(o, &ds.msg_perm);
		ds.msg_stime = q->stime;
		ds.msg_rtime = q->rtime;
		ds.msg_ctime = q->ctime;
		ds.msg_cbytes = q->cbytes;
		ds.msg_qnum = q->qnum;
		ds.msg_qbytes = q->qbytes;
		ds.msg_lspid = q->lspid;
		ds.msg_lrpid = q->lrpid;
		ret = cmd == LINUX_IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ns->lock);
	if (ret >= 0 && mm_copy_to_user(t->mm, buf, &ds, sizeof(ds)))
		return -EFAULT;
	return ret;
}

static void msq_destroy(struct ipc_ns *ns, struct msg_queue *q)
{
	struct msg_msg *m, *n;
	msq_expunge(q, -EIDRM);
	msq_wake_senders(q, true);
	list_for_each_entry_safe(m, n, &q->messages, node)
	{
		ns->msg_bytes -= m->len;
		ns->msg_hdrs--;
		free(m);
	}
	ipc_remove(&ns->msg_ids, &q->perm);
	free(q);
}

static long msq_ctl_owner(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_msqid64_ds ds;
	if (cmd == LINUX_IPC_SET && mm_copy_from_user(t->mm, &ds, buf, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	struct msg_queue *q = msq_lookup(ns, id);
	long ret = IS_ERR(q) ? PTR_ERR(q) : ipc_owner_check(t, &q->perm);
	if (!ret && cmd == LINUX_IPC_RMID) {
		msq_destroy(ns, q);
	} else if (!ret) {
		if (ds.msg_qbytes > (u64)ns->msg_ctlmnb &&
		    !task_capable(t, LINUX_CAP_SYS_RESOURCE)) {
			ret = -EPERM;
		} else {
			ipc_set_perm(&q->perm, &ds.msg_perm);
			q->qbytes = ds.msg_qbytes;
			q->ctime = ipc_now();
			/* Receivers recheck their permission; senders may fit now. */
			msq_expunge(q, -EAGAIN);
			msq_wake_senders(q, false);
		}
	}
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

long sys_msgctl(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), cmd = arg_int(a, 1);
	uaddr_t buf = arg_ptr(a, 2);
	if (id < 0 || cmd < 0)
		return -EINVAL;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;

	switch (cmd) {
	case LINUX_IPC_INFO:
	case LINUX_MSG_INFO:
		return msq_info(t, ns, cmd, buf);
	case LINUX_IPC_STAT:
	case LINUX_MSG_STAT:
	case LINUX_MSG_STAT_ANY:
		return msq_stat(t, ns, id, cmd, buf);
	case LINUX_IPC_SET:
	case LINUX_IPC_RMID:
		return msq_ctl_owner(t, ns, id, cmd, buf);
	default:
		return -EINVAL;
	}
}
