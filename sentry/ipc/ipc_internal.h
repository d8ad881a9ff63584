/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside sentry/ipc: the namespace, the id registries each object type
 * keeps (Linux's struct ipc_ids), and the permission checks every call
 * shares (Linux's ipc/util.c).
 *
 * One mutex, ns->lock, guards every object of the namespace: IPC calls
 * are off the hot path, and one lock makes the multi-object paths
 * (semaphore undo at exit, key lookups) simple. Sleepers drop it
 * (task_sleep) and the waker completes their operation under it, as
 * Linux's pipelined semop and msg receive do.
 */
#ifndef SENTRY_IPC_IPC_INTERNAL_H
#define SENTRY_IPC_IPC_INTERNAL_H

#include <pthread.h>

#include "abi/linux/capability.h"
#include "ipc.h"
#include "ipc_abi.h"
#include "lib/list.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/nsproxy.h"

/* Linux's IPCMNI: ids are seq * IPC_MNI + index. */
#define IPC_MNI 32768
#define IPC_SEQ_MAX (0x7fffffff / IPC_MNI)

/* Limits: Linux's defaults, as /proc/sys/kernel shows them. */
#define SEM_MSL 32000
#define SEM_MNS (SEM_MNI * SEM_MSL)
#define SEM_OPM 500
#define SEM_MNI 32000
#define SEM_VMX 32767
#define SEM_AEM SEM_VMX
#define MSG_MAX 8192
#define MSG_MNB 16384
#define MSG_MNI 32000
#define MSG_POOL (MSG_MNI * MSG_MNB / 1024)
#define MSG_TQL MSG_MNB
#define MSG_MAP MSG_MNB
#define MSG_SSZ 16
#define MSG_SEG 0xffff
#define SHM_MAX (~0UL - (1UL << 24))
#define SHM_ALL SHM_MAX
#define SHM_MNI 4096
#define SHM_MIN 1

/* What every object starts with: Linux's struct kern_ipc_perm. */
struct ipc_obj {
	int id;
	s32 key;
	u32 uid, gid, cuid, cgid;
	u32 mode; /* permission bits, and SHM_DEST/SHM_LOCKED for segments */
	u16 seq;
	bool deleted; /* out of the registry (IPC_RMID): waiters get EIDRM */
};

/* The objects of one type. */
struct ipc_ids {
	int in_use;
	int max_idx;  /* highest index in use, or -1 */
	int last_idx; /* the index handed out last (cyclic allocation) */
	u16 seq;
	int mni; /* how many objects may exist */
	struct ipc_obj *entries[IPC_MNI];
};

struct sem_set;
struct sem_undo;

struct ipc_ns {
	struct ns_common ns;	   /* sentry/kernel/nsproxy.h: refs, inode number */
	struct list_head all_node; /* in ipc.c's list of every namespace */
	pthread_mutex_t lock;
	struct ipc_ids sem_ids, msg_ids, shm_ids;
	int used_sems;		   /* semaphores in all sets, against SEM_MNS */
	u64 shm_tot;		   /* pages of all segments, against SHM_ALL */
	struct list_head undos;	   /* struct sem_undo.ns_node, of every process */
	u64 msg_bytes, msg_hdrs;   /* queued in all message queues (MSG_INFO) */
	struct list_head mq_users; /* struct mq_user (mqueue.c): RLIMIT_MSGQUEUE charges */
	struct list_head mqueues;  /* POSIX queues by name (mqueue.c) */
	/*
	 * The namespace's sysctls (sysctl.c: /proc/sys/kernel and
	 * /proc/sys/fs/mqueue), written under lock; read with IPC_LIMIT
	 * by calls that check them before taking it. The *mni ones are
	 * also each registry's mni.
	 */
	u64 shm_ctlmax, shm_ctlall;
	int shm_ctlmni;
	int msg_ctlmax, msg_ctlmnb, msg_ctlmni;
	int sem_ctls[4]; /* semmsl, semmns, semopm, semmni */
	int mq_queues_max, mq_msg_max, mq_msgsize_max, mq_msg_default, mq_msgsize_default;
};

/* A sysctl of ns read without ns->lock (a write may race: either value is fine). */
#define IPC_LIMIT(ns, field) __atomic_load_n(&(ns)->field, __ATOMIC_RELAXED)

/* Linux's POSIX queue defaults (/proc/sys/fs/mqueue) and hard limits. */
#define MQ_MSG_DEFAULT 10
#define MQ_MSGSIZE_DEFAULT 8192
#define MQ_MSG_MAX 10
#define MQ_MSGSIZE_MAX 8192
#define MQ_QUEUES_MAX 256
#define MQ_MIN_MSGMAX 1
#define MQ_MIN_MSGSIZEMAX 128
#define MQ_HARD_MSGMAX 65536
#define MQ_HARD_MSGSIZEMAX (16 * 1024 * 1024)

/* sysctl.c: the namespace's sysctls at their defaults (Linux's). */
void ipc_sysctl_init(struct ipc_ns *ns);
/* The namespace of kernel k, made on first use. NULL: out of memory. */
struct ipc_ns *ipc_ns_of_kernel(struct kernel *k);

/* t's namespace (the sandbox's first one made on first use). NULL: out of memory. */
struct ipc_ns *ipc_ns_of(struct task *t);
/* The calling task's, or the initial one off a task thread: for /proc. */
struct ipc_ns *ipc_ns_current(struct kernel *k);

/* The object with index idx, or NULL. Caller holds ns->lock. */
struct ipc_obj *ipc_idx_lookup(struct ipc_ids *ids, int idx);
/* The object with id (checking its sequence number), or ERR_PTR(-EINVAL). */
struct ipc_obj *ipc_id_lookup(struct ipc_ids *ids, int id);
/* The object with key (not IPC_PRIVATE), or NULL. */
struct ipc_obj *ipc_key_lookup(struct ipc_ids *ids, s32 key);
/*
 * Enter o (allocated by the caller) with key and mode (the low nine bits
 * of the flags) owned by t: sets o's id. 0 or -ENOSPC.
 */
int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, struct task *t, s32 key, int flg);
/* Take o out: its key and id no longer find it. */
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);

/*
 * Linux's ipcperms: may t access o for flag's rwx bits (any of the three
 * triplets asks)? 0 or -EACCES.
 */
int ipc_perms(struct task *t, const struct ipc_obj *o, int flag);
/* IPC_SET and IPC_RMID: t is o's owner or creator, or has CAP_SYS_ADMIN. 0 or -EPERM. */
int ipc_owner_check(struct task *t, const struct ipc_obj *o);
/* The guest view of o's ipc_perm. */
void ipc_fill_perm(const struct ipc_obj *o, struct linux_ipc64_perm *p);
/* IPC_SET's common part: owner ids and permission bits from p. */
void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p);

/*
 * The shared part of semget, msgget and shmget (Linux's ipcget): find or
 * make the object for key and flg. create makes a new one (returns its id
 * or -errno; called with ns->lock held); check (may be NULL) vets an
 * existing one after the permission check. Returns the id or -errno.
 */
struct ipc_get_ops {
	int (*create)(struct ipc_ns *ns, struct task *t, s32 key, int flg, void *arg);
	int (*check)(struct ipc_obj *o, void *arg);
};
long ipc_get(struct ipc_ns *ns, struct ipc_ids *ids, struct task *t, s32 key, int flg,
	     const struct ipc_get_ops *ops, void *arg);

/* *_STAT and *_STAT_ANY look objects up by index, IPC_STAT by id. */
struct ipc_obj *ipc_stat_lookup(struct ipc_ids *ids, int id, bool by_index);
/* IPC_INFO and friends return the highest index in use (0 if none). */
static inline int ipc_max_idx(const struct ipc_ids *ids)
{
	return ids->max_idx < 0 ? 0 : ids->max_idx;
}

/* Seconds of the realtime clock, for the *_time fields. */
s64 ipc_now(void);

/* The guest's timeout ts as a CLOCK_MONOTONIC deadline (copied in and checked: -EFAULT, -EINVAL). */
int ipc_read_timeout(struct task *t, uaddr_t uts, bool absolute, struct timespec *dl) __must_check;

/* sem.c: the undo adjustments of process tgid (Linux's exit_sem). ns->lock held. */
void sem_exit_locked(struct ipc_ns *ns, int tgid);

#endif
