/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible memfd ABI of Linux x86-64 (6.1, the release uname
 * reports): memfd_create(2)'s flags and name limit, and the file seals of
 * fcntl(2)'s F_ADD_SEALS and F_GET_SEALS.
 */
#ifndef ABI_LINUX_MEMFD_H
#define ABI_LINUX_MEMFD_H

#define LINUX_MFD_CLOEXEC 0x1u
#define LINUX_MFD_ALLOW_SEALING 0x2u
#define LINUX_MFD_HUGETLB 0x4u
/* With MFD_HUGETLB, a huge page size in bits 26-31 (MFD_HUGE_SHIFT). */
#define LINUX_MFD_HUGE_MASK (0x3fu << 26)
/* The name's bytes without the NUL: NAME_MAX less "memfd:" (MFD_NAME_MAX_LEN). */
#define LINUX_MFD_NAME_MAX 249
#define LINUX_MFD_NAME_PREFIX "memfd:"

#define LINUX_F_ADD_SEALS 1033
#define LINUX_F_GET_SEALS 1034

#define LINUX_F_SEAL_SEAL 0x1u		/* no more seals */
#define LINUX_F_SEAL_SHRINK 0x2u	/* the size may not shrink */
#define LINUX_F_SEAL_GROW 0x4u		/* the size may not grow */
#define LINUX_F_SEAL_WRITE 0x8u		/* no writes, no writable shared mappings */
#define LINUX_F_SEAL_FUTURE_WRITE 0x10u /* no new writes; existing mappings stay */
#define LINUX_F_SEAL_ALL 0x1fu

#endif
