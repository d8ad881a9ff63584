// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/sysvipc/{shm,sem,msg}: the tables ipcs(1) reads, in Linux's
 * format (ipc/shm.c, sem.c, msg.c sysvipc_*_proc_show). procfs calls
 * ipc_show_sysvipc with a line sink.
 */
#include <stdio.h>

#include "ipc_internal.h"
#include "ipc_objs.h"

static const char *const headers[] = {
	[IPC_SHOW_SHM] = "       key      shmid perms                  size  cpid  lpid nattch   "
			 "uid   gid  cuid  cgid      atime      dtime      ctime                   "
			 "rss                  swap\n",
	[IPC_SHOW_SEM] = "       key      semid perms      nsems   uid   gid  cuid  cgid      "
			 "otime      ctime\n",
	[IPC_SHOW_MSG] = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   "
			 "gid  cuid  cgid      stime      rtime      ctime\n",
};

static void show_one(int kind, struct ipc_obj *o, char *line, size_t size)
{
	if (kind == IPC_SHOW_SHM) {
		const struct shm_seg *s = (const struct shm_seg *)o;
		snprintf(
			line, size,
			"%10d %10d  %4o %21llu %5d %5d  %5llu %5u %5u %5u %5u %10lld %10lld %10lld "
			"%21llu %21llu\n",
			o->key, o->id, o->mode, (unsigned long long)s->segsz, s->cpid, s->lpid,
			(unsigned long long)s->nattch, o->uid, o->gid, o->cuid, o->cgid,
			(long long)s->atime, (long long)s->dtime, (long long)s->ctime,
			(unsigned long long)shm_rss_bytes(s), 0ULL);
	} else if (kind == IPC_SHOW_SEM) {
		const struct sem_set *s = (const struct sem_set *)o;
		snprintf(line, size, "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", o->key,
			 o->id, o->mode, (unsigned)s->nsems, o->uid, o->gid, o->cuid, o->cgid,
			 (long long)s->otime, (long long)s->ctime);
	} else {
		const struct msg_queue *q = (const struct msg_queue *)o;
		snprintf(line, size,
			 "%10d %10d  %4o  %10llu %10llu %5d %5d %5u %5u %5u %5u %10lld %10lld "
			 "%10lld\n",
			 o->key, o->id, o->mode, (unsigned long long)q->cbytes,
			 (unsigned long long)q->qnum, q->lspid, q->lrpid, o->uid, o->gid, o->cuid,
			 o->cgid, (long long)q->stime, (long long)q->rtime, (long long)q->ctime);
	}
}

void ipc_show_sysvipc(struct kernel *k, int kind, void (*emit)(void *arg, const char *line),
		      void *arg)
{
	char line[320];
	struct ipc_ns *ns = ipc_ns_current(k);

	if (kind < IPC_SHOW_SHM || kind > IPC_SHOW_MSG)
		return;
	emit(arg, headers[kind]);
	if (!ns)
		return;
	struct ipc_ids *ids = kind == IPC_SHOW_SHM   ? &ns->shm_ids
			      : kind == IPC_SHOW_SEM ? &ns->sem_ids
						     : &ns->msg_ids;
	/* emit must not call back into IPC; it runs under ns->lock. */
	pthread_mutex_lock(&ns->lock);
	for (int i = 0; i <= ids->max_idx; i++) {
		struct ipc_obj *o = ipc_idx_lookup(ids, i);
		if (!o)
			continue;
		show_one(kind, o, line, sizeof(line));
		emit(arg, line);
	}
	pthread_mutex_unlock(&ns->lock);
}
