/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible Linux x86-64 ABI of the file syscalls: directory entries,
 * statx, openat2's open_how, and the flag values the host headers either
 * lack or name differently. O_*, AT_* (fcntl.h) and S_* (sys/stat.h) are
 * the host's: the Sentry is itself a Linux x86-64 program, so they are the
 * guest's values.
 */
#ifndef ABI_LINUX_FS_H
#define ABI_LINUX_FS_H

#include <stddef.h>
#include "abi/linux/abi.h"
#include "abi/linux/capability.h" /* the capabilities the file system checks */

#define LINUX_PATH_MAX 4096
#define LINUX_NAME_MAX 255
#define LINUX_MAXSYMLINKS 40

/* open flags whose host (glibc) value is not the kernel's: 0 on x86-64. */
#define LINUX_O_LARGEFILE 0x8000

/* getdents64 records; d_name is NUL-terminated, reclen 8-aligned. */
struct linux_dirent64 {
	u64 d_ino;
	s64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
};
_Static_assert(offsetof(struct linux_dirent64, d_name) == 19, "dirent64 d_name");

/* getdents (old) records: d_type is the last byte of the record. */
struct linux_dirent {
	u64 d_ino;
	u64 d_off;
	u16 d_reclen;
	char d_name[];
};
_Static_assert(offsetof(struct linux_dirent, d_name) == 18, "dirent d_name");

#define LINUX_DT_UNKNOWN 0
#define LINUX_DT_FIFO 1
#define LINUX_DT_CHR 2
#define LINUX_DT_DIR 4
#define LINUX_DT_BLK 6
#define LINUX_DT_REG 8
#define LINUX_DT_LNK 10
#define LINUX_DT_SOCK 12

struct linux_statx_timestamp {
	s64 tv_sec;
	u32 tv_nsec;
	s32 __reserved;
};

struct linux_statx {
	u32 stx_mask;
	u32 stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink;
	u32 stx_uid;
	u32 stx_gid;
	u16 stx_mode;
	u16 __spare0;
	u64 stx_ino;
	u64 stx_size;
	u64 stx_blocks;
	u64 stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major;
	u32 stx_rdev_minor;
	u32 stx_dev_major;
	u32 stx_dev_minor;
	u64 stx_mnt_id;
	u64 __spare2[13];
};
_Static_assert(sizeof(struct linux_statx) == 256, "statx size");
_Static_assert(offsetof(struct linux_statx, stx_atime) == 64, "statx atime");
_Static_assert(offsetof(struct linux_statx, stx_mnt_id) == 144, "statx mnt_id");

#define LINUX_STATX_TYPE 0x1U
#define LINUX_STATX_MODE 0x2U
#define LINUX_STATX_NLINK 0x4U
#define LINUX_STATX_UID 0x8U
#define LINUX_STATX_GID 0x10U
#define LINUX_STATX_ATIME 0x20U
#define LINUX_STATX_MTIME 0x40U
#define LINUX_STATX_CTIME 0x80U
#define LINUX_STATX_INO 0x100U
#define LINUX_STATX_SIZE 0x200U
#define LINUX_STATX_BLOCKS 0x400U
#define LINUX_STATX_BASIC_STATS 0x7ffU
#define LINUX_STATX_BTIME 0x800U
#define LINUX_STATX_MNT_ID 0x1000U
#define LINUX_STATX__RESERVED 0x80000000U

#define LINUX_AT_STATX_SYNC_TYPE 0x6000
#define LINUX_AT_STATX_FORCE_SYNC 0x2000
#define LINUX_AT_STATX_DONT_SYNC 0x4000

/* openat2 */
struct linux_open_how {
	u64 flags;
	u64 mode;
	u64 resolve;
};
_Static_assert(sizeof(struct linux_open_how) == 24, "open_how size");
#define LINUX_OPEN_HOW_SIZE_VER0 24

#define LINUX_RESOLVE_NO_XDEV 0x01
#define LINUX_RESOLVE_NO_MAGICLINKS 0x02
#define LINUX_RESOLVE_NO_SYMLINKS 0x04
#define LINUX_RESOLVE_BENEATH 0x08
#define LINUX_RESOLVE_IN_ROOT 0x10
#define LINUX_RESOLVE_CACHED 0x20

/* renameat2 */
#define LINUX_RENAME_NOREPLACE (1U << 0)
#define LINUX_RENAME_EXCHANGE (1U << 1)
#define LINUX_RENAME_WHITEOUT (1U << 2)

/* utimensat */
#define LINUX_UTIME_NOW ((1L << 30) - 1L)
#define LINUX_UTIME_OMIT ((1L << 30) - 2L)

struct linux_utimbuf {
	s64 actime;
	s64 modtime;
};

/* Device numbers as stat reports them (new_encode_dev). */
static inline u64 linux_encode_dev(u32 major, u32 minor)
{
	return (minor & 0xff) | ((u64)(major & 0xfff) << 8) | ((u64)(minor & ~0xffU) << 12);
}
static inline u32 linux_dev_major(u64 dev)
{
	return (dev >> 8) & 0xfff;
}
static inline u32 linux_dev_minor(u64 dev)
{
	return (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

#endif
