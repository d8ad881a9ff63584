/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The object types of sentry/ipc, shared by their files and the
 * /proc/sysvipc tables (proc.c). Guarded by ns->lock.
 */
#ifndef SENTRY_IPC_IPC_OBJS_H
#define SENTRY_IPC_IPC_OBJS_H

#include "ipc_internal.h"
#include "mm/shmem.h"

struct sem {
	int val;
	int pid; /* of the last operation */
};

struct sem_set {
	struct ipc_obj perm; /* first: the registry holds &perm */
	int nsems;
	s64 otime, ctime;
	struct list_head pending; /* struct sem_queue.node, in arrival order */
	struct sem sems[];
};

struct msg_queue {
	struct ipc_obj perm; /* first: the registry holds &perm */
	s64 stime, rtime, ctime;
	u64 cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct list_head messages;  /* struct msg_msg.node, in send order */
	struct list_head receivers; /* struct msg_receiver.node */
	struct list_head senders;   /* struct msg_sender.node */
};

struct shm_seg {
	struct ipc_obj perm; /* first: the registry holds &perm */
	struct mm_file file; /* what VMAs map: its get and put count nattch */
	struct ipc_ns *ns;
	u64 segsz;
	s64 atime, dtime, ctime;
	int cpid, lpid;
	u64 nattch; /* VMAs mapping it, plus shmat's hold while it maps */
};

/* Resident bytes of a segment (SHM_INFO, /proc/sysvipc/shm). */
static inline u64 shm_rss_bytes(const struct shm_seg *s)
{
	return shmem_nr_frames(s->file.shm) * PAGE_SIZE;
}

#endif
