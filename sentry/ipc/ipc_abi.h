/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest-visible System V IPC ABI of x86-64 Linux: the 64-bit
 * (IPC_64) structures of uapi/asm-generic/{ipcbuf,shmbuf,msgbuf}.h and
 * asm/sembuf.h, and the command and flag values. Our own definitions:
 * glibc's differ in places (reserved fields) and must not be used for
 * guest data.
 */
#ifndef SENTRY_IPC_IPC_ABI_H
#define SENTRY_IPC_IPC_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/abi.h"

#define LINUX_IPC_PRIVATE 0
#define LINUX_IPC_CREAT 01000
#define LINUX_IPC_EXCL 02000
#define LINUX_IPC_NOWAIT 04000

#define LINUX_IPC_RMID 0
#define LINUX_IPC_SET 1
#define LINUX_IPC_STAT 2
#define LINUX_IPC_INFO 3

#define LINUX_SEM_UNDO 0x1000
#define LINUX_GETPID 11
#define LINUX_GETVAL 12
#define LINUX_GETALL 13
#define LINUX_GETNCNT 14
#define LINUX_GETZCNT 15
#define LINUX_SETVAL 16
#define LINUX_SETALL 17
#define LINUX_SEM_STAT 18
#define LINUX_SEM_INFO 19
#define LINUX_SEM_STAT_ANY 20

#define LINUX_MSG_STAT 11
#define LINUX_MSG_INFO 12
#define LINUX_MSG_STAT_ANY 13
#define LINUX_MSG_NOERROR 010000
#define LINUX_MSG_EXCEPT 020000
#define LINUX_MSG_COPY 040000

#define LINUX_SHM_LOCK 11
#define LINUX_SHM_UNLOCK 12
#define LINUX_SHM_STAT 13
#define LINUX_SHM_INFO 14
#define LINUX_SHM_STAT_ANY 15
#define LINUX_SHM_RDONLY 010000
#define LINUX_SHM_RND 020000
#define LINUX_SHM_REMAP 040000
#define LINUX_SHM_EXEC 0100000
/* Segment state in shm_perm.mode. */
#define LINUX_SHM_DEST 01000
#define LINUX_SHM_LOCKED 02000

struct linux_ipc64_perm {
	s32 key;
	u32 uid, gid, cuid, cgid;
	u32 mode;
	u16 seq;
	u16 pad2;
	u64 unused1, unused2;
};
_Static_assert(sizeof(struct linux_ipc64_perm) == 48, "ipc64_perm");
_Static_assert(offsetof(struct linux_ipc64_perm, seq) == 24, "ipc64_perm.seq");

struct linux_semid64_ds {
	struct linux_ipc64_perm sem_perm;
	s64 sem_otime;
	u64 unused1;
	s64 sem_ctime;
	u64 unused2;
	u64 sem_nsems;
	u64 unused3, unused4;
};
_Static_assert(sizeof(struct linux_semid64_ds) == 104, "semid64_ds");

struct linux_sembuf {
	u16 sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};
_Static_assert(sizeof(struct linux_sembuf) == 6, "sembuf");

struct linux_seminfo {
	s32 semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};
_Static_assert(sizeof(struct linux_seminfo) == 40, "seminfo");

struct linux_msqid64_ds {
	struct linux_ipc64_perm msg_perm;
	s64 msg_stime, msg_rtime, msg_ctime;
	u64 msg_cbytes, msg_qnum, msg_qbytes;
	s32 msg_lspid, msg_lrpid;
	u64 unused4, unused5;
};
_Static_assert(sizeof(struct linux_msqid64_ds) == 120, "msqid64_ds");
_Static_assert(offsetof(struct linux_msqid64_ds, msg_lspid) == 96, "msqid64_ds.msg_lspid");

struct linux_msginfo {
	s32 msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	u16 msgseg;
};
_Static_assert(sizeof(struct linux_msginfo) == 32, "msginfo");

struct linux_shmid64_ds {
	struct linux_ipc64_perm shm_perm;
	u64 shm_segsz;
	s64 shm_atime, shm_dtime, shm_ctime;
	s32 shm_cpid, shm_lpid;
	u64 shm_nattch;
	u64 unused4, unused5;
};
_Static_assert(sizeof(struct linux_shmid64_ds) == 112, "shmid64_ds");
_Static_assert(offsetof(struct linux_shmid64_ds, shm_nattch) == 88, "shmid64_ds.shm_nattch");

struct linux_shminfo64 {
	u64 shmmax, shmmin, shmmni, shmseg, shmall;
	u64 unused1, unused2, unused3, unused4;
};
_Static_assert(sizeof(struct linux_shminfo64) == 72, "shminfo64");

struct linux_shm_info {
	s32 used_ids;
	u64 shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};
_Static_assert(sizeof(struct linux_shm_info) == 48, "shm_info");

#endif
