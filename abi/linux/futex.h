/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible futex ABI (include/uapi/linux/futex.h): futex(2)
 * operations and flags, FUTEX_WAKE_OP's encoding, the PI word's bits,
 * the robust-list head and futex_waitv(2)'s entry.
 */
#ifndef ABI_LINUX_FUTEX_H
#define ABI_LINUX_FUTEX_H

#include <stddef.h>
#include "lib/compiler.h"

#define LINUX_FUTEX_WAIT 0
#define LINUX_FUTEX_WAKE 1
#define LINUX_FUTEX_FD 2 /* removed in Linux 2.6.26: ENOSYS */
#define LINUX_FUTEX_REQUEUE 3
#define LINUX_FUTEX_CMP_REQUEUE 4
#define LINUX_FUTEX_WAKE_OP 5
#define LINUX_FUTEX_LOCK_PI 6
#define LINUX_FUTEX_UNLOCK_PI 7
#define LINUX_FUTEX_TRYLOCK_PI 8
#define LINUX_FUTEX_WAIT_BITSET 9
#define LINUX_FUTEX_WAKE_BITSET 10
#define LINUX_FUTEX_WAIT_REQUEUE_PI 11
#define LINUX_FUTEX_CMP_REQUEUE_PI 12
#define LINUX_FUTEX_LOCK_PI2 13

#define LINUX_FUTEX_PRIVATE_FLAG 128
#define LINUX_FUTEX_CLOCK_REALTIME 256
#define LINUX_FUTEX_CMD_MASK (~(LINUX_FUTEX_PRIVATE_FLAG | LINUX_FUTEX_CLOCK_REALTIME))

#define LINUX_FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* FUTEX_WAKE_OP's val3: op (bits 28-30), shift flag (31), cmp (24-27), oparg, cmparg. */
#define LINUX_FUTEX_OP_SET 0	     /* *uaddr2 = oparg */
#define LINUX_FUTEX_OP_ADD 1	     /* *uaddr2 += oparg */
#define LINUX_FUTEX_OP_OR 2	     /* *uaddr2 |= oparg */
#define LINUX_FUTEX_OP_ANDN 3	     /* *uaddr2 &= ~oparg */
#define LINUX_FUTEX_OP_XOR 4	     /* *uaddr2 ^= oparg */
#define LINUX_FUTEX_OP_OPARG_SHIFT 8 /* oparg is 1 << oparg */

#define LINUX_FUTEX_OP_CMP_EQ 0
#define LINUX_FUTEX_OP_CMP_NE 1
#define LINUX_FUTEX_OP_CMP_LT 2
#define LINUX_FUTEX_OP_CMP_LE 3
#define LINUX_FUTEX_OP_CMP_GT 4
#define LINUX_FUTEX_OP_CMP_GE 5

/* The PI and robust futex word: the owner's TID and two state bits. */
#define LINUX_FUTEX_WAITERS 0x80000000u
#define LINUX_FUTEX_OWNER_DIED 0x40000000u
#define LINUX_FUTEX_TID_MASK 0x3fffffffu

/*
 * The robust list (set_robust_list(2)): a user-space circular list of held
 * locks. Each entry's pointer has bit 0 set for a PI futex; the futex word
 * lies futex_offset bytes from its entry.
 */
struct linux_robust_list_head {
	u64 next;	     /* struct robust_list *, the first entry (or the head) */
	s64 futex_offset;    /* from an entry to its futex word */
	u64 list_op_pending; /* the lock being taken or released, or 0 */
};
_Static_assert(sizeof(struct linux_robust_list_head) == 24, "robust_list_head size");
/* Linux walks at most this many entries, so a corrupt or circular list ends. */
#define LINUX_ROBUST_LIST_LIMIT 2048

/* futex_waitv(2). */
struct linux_futex_waitv {
	u64 val;
	u64 uaddr;
	u32 flags;
	u32 reserved;
};
_Static_assert(sizeof(struct linux_futex_waitv) == 24, "futex_waitv size");
_Static_assert(offsetof(struct linux_futex_waitv, flags) == 16, "futex_waitv.flags offset");
#define LINUX_FUTEX2_SIZE_U32 0x02
#define LINUX_FUTEX2_SIZE_MASK 0x03
#define LINUX_FUTEX2_PRIVATE LINUX_FUTEX_PRIVATE_FLAG
#define LINUX_FUTEX_WAITV_MAX 128

#endif
