/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-visible Linux x86-64 ABI: our own definitions of what the guest
 * reads and writes, never the host libc's (glibc's struct stat, sigaction
 * and friends differ from the kernel's). Sizes and key offsets are checked.
 *
 * errno values: the Sentry is a Linux x86-64 program itself, so the host's
 * <errno.h> constants are the guest's; abi.c asserts a few to keep it so.
 */
#ifndef ABI_LINUX_ABI_H
#define ABI_LINUX_ABI_H

#include <stddef.h>
#include "lib/compiler.h"

struct linux_timespec {
	s64 tv_sec;
	s64 tv_nsec;
};

struct linux_timeval {
	s64 tv_sec;
	s64 tv_usec;
};

struct linux_timezone {
	s32 tz_minuteswest;
	s32 tz_dsttime;
};

struct linux_iovec {
	u64 base;
	u64 len;
};

struct linux_stat {
	u64 st_dev;
	u64 st_ino;
	u64 st_nlink;
	u32 st_mode;
	u32 st_uid;
	u32 st_gid;
	u32 __pad0;
	u64 st_rdev;
	s64 st_size;
	s64 st_blksize;
	s64 st_blocks;
	struct linux_timespec st_atim, st_mtim, st_ctim;
	s64 reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat size");
_Static_assert(offsetof(struct linux_stat, st_size) == 48, "st_size offset");

/* statfs(2)'s buffer on x86-64 (struct statfs, all longs). */
struct linux_statfs {
	s64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags;
	s64 f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs size");
_Static_assert(offsetof(struct linux_statfs, f_namelen) == 64, "f_namelen offset");

/* f_type values (Linux's magic.h) and f_flags bits */
#define LINUX_TMPFS_MAGIC 0x01021994
#define LINUX_PROC_SUPER_MAGIC 0x9fa0
#define LINUX_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define LINUX_V9FS_MAGIC 0x01021997
#define LINUX_PIPEFS_MAGIC 0x50495045
#define LINUX_ST_RDONLY 0x1
#define LINUX_ST_NOSUID 0x2
#define LINUX_ST_NODEV 0x4
#define LINUX_ST_NOEXEC 0x8
#define LINUX_ST_VALID 0x20
#define LINUX_ST_NOATIME 0x400
#define LINUX_ST_NODIRATIME 0x800
#define LINUX_ST_RELATIME 0x1000

#define LINUX_UTS_LEN 65
struct linux_utsname {
	char sysname[LINUX_UTS_LEN];
	char nodename[LINUX_UTS_LEN];
	char release[LINUX_UTS_LEN];
	char version[LINUX_UTS_LEN];
	char machine[LINUX_UTS_LEN];
	char domainname[LINUX_UTS_LEN];
};
_Static_assert(sizeof(struct linux_utsname) == 390, "utsname size");

/* The kernel's struct sigaction for rt_sigaction (not glibc's). */
struct linux_sigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};
_Static_assert(sizeof(struct linux_sigaction) == 32, "sigaction size");

#define LINUX_NSIG 64
#define LINUX_SIGSET_SIZE 8
#define LINUX_SIGKILL 9
#define LINUX_SIGSTOP 19

struct linux_rlimit {
	u64 cur;
	u64 max;
};
#define LINUX_RLIM_NLIMITS 16
#define LINUX_RLIMIT_DATA 2
#define LINUX_RLIMIT_STACK 3
#define LINUX_RLIMIT_NOFILE 7
#define LINUX_RLIMIT_MEMLOCK 8
#define LINUX_RLIMIT_AS 9
#define LINUX_RLIM_INFINITY (~0ULL)

struct linux_sysinfo {
	s64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs;
	u16 pad;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo size");
_Static_assert(offsetof(struct linux_sysinfo, procs) == 80, "sysinfo.procs offset");

struct linux_rusage {
	struct linux_timeval utime, stime;
	s64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
		nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage size");

struct linux_tms {
	s64 utime, stime, cutime, cstime;
};

#define LINUX_USER_HZ 100

/* struct termios of the TCGETS family (not glibc's termios). */
#define LINUX_TERMIOS_SIZE 36
#define LINUX_WINSIZE_SIZE 8

/* Auxiliary vector types. */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

#endif
