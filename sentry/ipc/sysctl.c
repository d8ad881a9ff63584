// SPDX-License-Identifier: Apache-2.0
/*
 * The IPC namespace's sysctls, as Linux's ipc/ipc_sysctl.c and
 * ipc/mq_sysctl.c: /proc/sys/kernel/{shmmax,shmall,shmmni,msgmax,msgmnb,
 * msgmni,sem} and /proc/sys/fs/mqueue/{queues_max,msg_max,msgsize_max,
 * msg_default,msgsize_default}. Each is one field of struct ipc_ns that
 * the IPC calls check; a write is parsed as Linux's proc_dointvec_minmax
 * (or proc_doulongvec_minmax) and refused with EINVAL out of its bounds.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_internal.h"

enum sysctl_kind { CTL_INT, CTL_ULONG, CTL_SEM };

struct ipc_sysctl {
	const char *name;
	enum sysctl_kind kind;
	size_t off; /* in struct ipc_ns */
	long min, max;
};

#define CTL(n, k, f, lo, hi)                                                                  \
	{                                                                                     \
		.name = n, .kind = k, .off = offsetof(struct ipc_ns, f), .min = lo, .max = hi \
	}

static const struct ipc_sysctl sysctls[] = {
	CTL("shmmax", CTL_ULONG, shm_ctlmax, 0, 0),
	CTL("shmall", CTL_ULONG, shm_ctlall, 0, 0),
	CTL("shmmni", CTL_INT, shm_ctlmni, 0, IPC_MNI),
	CTL("msgmax", CTL_INT, msg_ctlmax, 0, INT_MAX),
	CTL("msgmnb", CTL_INT, msg_ctlmnb, 0, INT_MAX),
	CTL("msgmni", CTL_INT, msg_ctlmni, 0, IPC_MNI),
	CTL("sem", CTL_SEM, sem_ctls, INT_MIN, INT_MAX),
	/* Linux bounds queues_max by nothing but int (proc_dointvec). */
	CTL("queues_max", CTL_INT, mq_queues_max, INT_MIN, INT_MAX),
	CTL("msg_max", CTL_INT, mq_msg_max, MQ_MIN_MSGMAX, MQ_HARD_MSGMAX),
	CTL("msgsize_max", CTL_INT, mq_msgsize_max, MQ_MIN_MSGSIZEMAX, MQ_HARD_MSGSIZEMAX),
	CTL("msg_default", CTL_INT, mq_msg_default, MQ_MIN_MSGMAX, MQ_HARD_MSGMAX),
	CTL("msgsize_default", CTL_INT, mq_msgsize_default, MQ_MIN_MSGSIZEMAX, MQ_HARD_MSGSIZEMAX),
};

void ipc_sysctl_init(struct ipc_ns *ns)
{
	ns->shm_ctlmax = SHM_MAX;
	ns->shm_ctlall = SHM_ALL;
	ns->shm_ctlmni = SHM_MNI;
	ns->msg_ctlmax = MSG_MAX;
	ns->msg_ctlmnb = MSG_MNB;
	ns->msg_ctlmni = MSG_MNI;
	ns->sem_ctls[0] = SEM_MSL;
	ns->sem_ctls[1] = SEM_MNS;
	ns->sem_ctls[2] = SEM_OPM;
	ns->sem_ctls[3] = SEM_MNI;
	ns->mq_queues_max = MQ_QUEUES_MAX;
	ns->mq_msg_max = MQ_MSG_MAX;
	ns->mq_msgsize_max = MQ_MSGSIZE_MAX;
	ns->mq_msg_default = MQ_MSG_DEFAULT;
	ns->mq_msgsize_default = MQ_MSGSIZE_DEFAULT;
}

static const struct ipc_sysctl *sysctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++)
		if (!strcmp(sysctls[i].name, name))
			return &sysctls[i];
	return NULL;
}

int ipc_sysctl_read(struct kernel *k, const char *name, char *buf, size_t size)
{
	const struct ipc_sysctl *c = sysctl_find(name);
	struct ipc_ns *ns = ipc_ns_current(k);
	int n;

	if (!c)
		return -ENOENT;
	if (!ns)
		return -ENOMEM;
	void *field = (char *)ns + c->off;
	pthread_mutex_lock(&ns->lock);
	if (c->kind == CTL_ULONG) {
		n = snprintf(buf, size, "%llu\n", (unsigned long long)*(u64 *)field);
	} else if (c->kind == CTL_INT) {
		n = snprintf(buf, size, "%d\n", *(int *)field);
	} else {
		/* proc_dointvec separates a vector's values with tabs. */
		const int *v = field;
		n = snprintf(buf, size, "%d\t%d\t%d\t%d\n", v[0], v[1], v[2], v[3]);
	}
	pthread_mutex_unlock(&ns->lock);
	return MIN(n, (int)size - 1);
}

/*
 * Linux's proc_get_long: one number (base 0, as strtoul) after spaces,
 * ended by a space or the end. 0, -EINVAL without a number or with
 * something else after it.
 */
static int parse_num(const char **p, unsigned long long *val, bool *neg)
{
	const char *s = *p;
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	*neg = *s == '-';
	if (*neg)
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, &end, 0);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*p = end;
	return 0;
}

/* Up to n ints of proc_dointvec_minmax into v; how many were given, or -EINVAL. */
static int parse_ints(const char *buf, int *v, int n, long min, long max)
{
	const char *p = buf;
	int i;
	for (i = 0; i < n; i++) {
		unsigned long long u;
		bool neg;
		const char *rest = p;
		while (isspace((unsigned char)*rest))
			rest++;
		if (i && !*rest)
			break;
		if (parse_num(&p, &u, &neg))
			return -EINVAL;
		if (u > (unsigned long long)INT_MAX + neg)
			return -EINVAL;
		long x = neg ? -(long)u : (long)u;
		if (x < min || x > max)
			return -EINVAL;
		v[i] = (int)x;
	}
	return i;
}

/* After a write: the registries' limits follow msgmni, shmmni and semmni. */
static void sysctl_sync_locked(struct ipc_ns *ns)
{
	ns->msg_ids.mni = ns->msg_ctlmni;
	ns->shm_ids.mni = ns->shm_ctlmni;
	ns->sem_ids.mni = MAX(0, MIN(ns->sem_ctls[3], IPC_MNI));
}

long ipc_sysctl_write(struct kernel *k, const char *name, const char *buf, unsigned long len)
{
	const struct ipc_sysctl *c = sysctl_find(name);
	struct ipc_ns *ns = ipc_ns_current(k);
	int v[4], n = 0;
	unsigned long long u = 0;
	bool neg;

	if (!c)
		return -ENOENT;
	if (!ns)
		return -ENOMEM;
	if (c->kind == CTL_ULONG) {
		const char *p = buf;
		/* proc_doulongvec_minmax refuses a minus sign. */
		if (parse_num(&p, &u, &neg) || neg || u > ULONG_MAX)
			return -EINVAL;
	} else if ((n = parse_ints(buf, v, c->kind == CTL_SEM ? 4 : 1, c->min, c->max)) < 0) {
		return n;
	}
	void *field = (char *)ns + c->off;
	int ret = 0;
	pthread_mutex_lock(&ns->lock);
	if (c->kind == CTL_ULONG) {
		__atomic_store_n((u64 *)field, (u64)u, __ATOMIC_RELAXED);
	} else if (c->kind == CTL_INT) {
		__atomic_store_n((int *)field, v[0], __ATOMIC_RELAXED);
	} else {
		/* Linux's proc_ipc_sem_dointvec: the values given, but semmni in [0, IPCMNI]. */
		int *sem = field, old_mni = sem[3];
		for (int i = 0; i < n; i++)
			__atomic_store_n(&sem[i], v[i], __ATOMIC_RELAXED);
		if (sem[3] < 0 || sem[3] > IPC_MNI) {
			sem[3] = old_mni;
			ret = -ERANGE;
		}
	}
	sysctl_sync_locked(ns);
	pthread_mutex_unlock(&ns->lock);
	return ret ? ret : (long)len;
}
