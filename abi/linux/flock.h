/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible Linux x86-64 ABI of file locks: fcntl's record-lock
 * commands and struct flock (x86-64 has no separate flock64: the
 * F_*LK64 commands are the same numbers), and flock(2)'s operations.
 */
#ifndef ABI_LINUX_FLOCK_H
#define ABI_LINUX_FLOCK_H

#include <stddef.h>
#include "abi/linux/abi.h"

#define LINUX_F_GETLK 5
#define LINUX_F_SETLK 6
#define LINUX_F_SETLKW 7
#define LINUX_F_OFD_GETLK 36
#define LINUX_F_OFD_SETLK 37
#define LINUX_F_OFD_SETLKW 38

#define LINUX_F_RDLCK 0
#define LINUX_F_WRLCK 1
#define LINUX_F_UNLCK 2

#define LINUX_LOCK_SH 1
#define LINUX_LOCK_EX 2
#define LINUX_LOCK_NB 4
#define LINUX_LOCK_UN 8
#define LINUX_LOCK_MAND 32 /* obsolete: Linux ignores such requests */

struct linux_flock {
	int16_t l_type;
	int16_t l_whence;
	s64 l_start;
	s64 l_len;
	s32 l_pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "flock size");
_Static_assert(offsetof(struct linux_flock, l_start) == 8, "flock l_start");
_Static_assert(offsetof(struct linux_flock, l_pid) == 24, "flock l_pid");

#endif
