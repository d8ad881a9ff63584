// SPDX-License-Identifier: Apache-2.0
/*
 * Memory syscalls: mmap, munmap, mprotect, brk, mremap, madvise, mincore,
 * msync, the mlock family and membarrier. Argument checks as Linux does
 * them, then mm/.
 */
#include <errno.h>
#include <sys/mman.h>

#include "sentry/vfs/vfs.h"
#include "syscalls.h"

#define LINUX_MAP_TYPE 0x0f
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_PROT_SEM 0x08
#define LINUX_PROT_GROWSDOWN 0x01000000
#define LINUX_PROT_GROWSUP 0x02000000
#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

/* The rlimits mm enforces (abi/linux/abi.h names only a few). */

/* Flags MAP_SHARED_VALIDATE accepts for anonymous memory (the rest: EOPNOTSUPP). */
#define MAP_KNOWN                                                                                \
	(LINUX_MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE |            \
	 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
	 MAP_HUGETLB | MAP_SYNC | LINUX_MAP_FIXED_NOREPLACE | (0x3fU << 26))
/*
 * ... and for a file: Linux's LEGACY_MAP_MASK, which lacks MAP_SYNC (no
 * DAX here) and, a Linux quirk, MAP_FIXED_NOREPLACE.
 */
#define MAP_KNOWN_FILE                                                                           \
	(LINUX_MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE |            \
	 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
	 MAP_HUGETLB | MAP_32BIT | (0x3fU << 26))

/*
 * Hand the task's limits to mm before each call that can grow memory: the
 * rlimits live in the kernel and prlimit64 may change them at any time.
 * CAP_IPC_LOCK is "uid 0" until credentials carry capabilities.
 */
static struct mm *task_mm(struct task *t)
{
	task_update_mm_limits(t);
	return t->mm;
}

/*
 * The MM_* flags of mmap flags, or -EINVAL (no mapping type) or
 * -EOPNOTSUPP (MAP_SHARED_VALIDATE with a flag outside known).
 */
static long mmap_mm_flags(u32 flags, u32 known)
{
	switch (flags & LINUX_MAP_TYPE) {
	case MAP_PRIVATE:
	case MAP_SHARED:
		break;
	case LINUX_MAP_SHARED_VALIDATE:
		if (flags & ~known)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	u32 mflags = 0;
	/* MAP_FIXED_NOREPLACE wins over MAP_FIXED, as Linux checks it after setting MAP_FIXED. */
	if (flags & LINUX_MAP_FIXED_NOREPLACE)
		mflags |= MM_FIXED_NOREPLACE;
	else if (flags & MAP_FIXED)
		mflags |= MM_FIXED;
	if ((flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK))
		mflags |= MM_POPULATE;
	if (flags & MAP_GROWSDOWN)
		mflags |= MM_GROWSDOWN;
	if (flags & MAP_LOCKED)
		mflags |= MM_LOCKED;
	if ((flags & LINUX_MAP_TYPE) != MAP_PRIVATE)
		mflags |= MM_SHARED;
	return mflags;
}

/* Linux's ksys_mmap_pgoff for a file: the fd first, then do_mmap. */
static long mmap_file(struct task *t, u64 addr, u64 len, u32 prot, u32 flags, int fd, u64 off)
{
	struct file *f = fdtable_get(t->files, fd);
	long ret;
	if (!f || (f->mode & FMODE_PATH))
		ret = -EBADF;
	else if ((flags & MAP_HUGETLB) || !len)
		ret = -EINVAL; /* no hugetlbfs file can be open */
	else if ((prot & PROT_EXEC) && path_noexec(&f->path))
		ret = -EPERM;
	else
		ret = mmap_mm_flags(flags, MAP_KNOWN_FILE);
	if (ret >= 0)
		ret = vfs_mmap_file(task_mm(t), f, addr, len, prot & PROT_ALL, ret, off);
	file_put(f);
	return ret;
}

long sys_mmap(struct task *t, const struct syscall_args *a)
{
	u64 addr = a->a[0], len = a->a[1], off = a->a[5];
	u32 prot = a->a[2], flags = a->a[3];

	if (off & ~PAGE_MASK)
		return -EINVAL;
	/* Linux ignores prot bits it does not know here (unlike mprotect). */
	if (!(flags & MAP_ANONYMOUS))
		return mmap_file(t, addr, len, prot, flags, arg_int(a, 4), off);
	if (!len)
		return -EINVAL;
	long mflags = mmap_mm_flags(flags, MAP_KNOWN);
	if (mflags < 0)
		return mflags;
	if (len > MM_TASK_SIZE)
		return -ENOMEM;
	/* Shared anonymous memory stays shared with children across fork. */
	return mm_map_anon(task_mm(t), addr, len, prot & PROT_ALL, mflags);
}

long sys_munmap(struct task *t, const struct syscall_args *a)
{
	return mm_unmap(t->mm, a->a[0], a->a[1]);
}

long sys_mprotect(struct task *t, const struct syscall_args *a)
{
	u64 addr = a->a[0], len = a->a[1], prot = a->a[2];
	u32 grows = 0;

	if (prot & LINUX_PROT_GROWSDOWN)
		grows |= MM_PROT_GROWSDOWN;
	if (prot & LINUX_PROT_GROWSUP)
		grows |= MM_PROT_GROWSUP;
	prot &= ~(u64)(LINUX_PROT_GROWSDOWN | LINUX_PROT_GROWSUP);
	if (grows == (MM_PROT_GROWSDOWN | MM_PROT_GROWSUP) || (addr & ~PAGE_MASK))
		return -EINVAL;
	if (!len)
		return 0;
	if (addr + ALIGN_UP(len, PAGE_SIZE) <= addr)
		return -ENOMEM;
	/* arch_validate_prot: PROT_SEM is accepted and means nothing. */
	if (prot & ~(u64)(PROT_ALL | LINUX_PROT_SEM))
		return -EINVAL;
	prot &= PROT_ALL;
	if (grows)
		return mm_protect_grows(task_mm(t), addr, len, prot, grows);
	return mm_protect(task_mm(t), addr, len, prot);
}

long sys_brk(struct task *t, const struct syscall_args *a)
{
	return mm_brk(task_mm(t), a->a[0]);
}

long sys_mremap(struct task *t, const struct syscall_args *a)
{
	u64 flags = a->a[3];
	if (flags >> 32)
		return -EINVAL;
	return mm_remap(task_mm(t), a->a[0], a->a[1], a->a[2], flags, a->a[4]);
}

long sys_madvise(struct task *t, const struct syscall_args *a)
{
	return mm_advise(t->mm, a->a[0], a->a[1], arg_int(a, 2));
}

long sys_mincore(struct task *t, const struct syscall_args *a)
{
	return mm_mincore(t->mm, a->a[0], a->a[1], arg_ptr(a, 2));
}

long sys_msync(struct task *t, const struct syscall_args *a)
{
	return mm_sync(t->mm, a->a[0], a->a[1], arg_int(a, 2));
}

long sys_mlock(struct task *t, const struct syscall_args *a)
{
	return mm_lock(task_mm(t), a->a[0], a->a[1], 0);
}

long sys_mlock2(struct task *t, const struct syscall_args *a)
{
	return mm_lock(task_mm(t), a->a[0], a->a[1], arg_uint(a, 2));
}

long sys_munlock(struct task *t, const struct syscall_args *a)
{
	return mm_unlock(t->mm, a->a[0], a->a[1]);
}

long sys_mlockall(struct task *t, const struct syscall_args *a)
{
	return mm_lock_all(task_mm(t), arg_uint(a, 0));
}

long sys_munlockall(struct task *t, const struct syscall_args *a)
{
	return mm_unlock_all(t->mm);
}

/* membarrier(2) commands (Linux's values). */
#define MB_QUERY 0
#define MB_GLOBAL (1 << 0)
#define MB_GLOBAL_EXPEDITED (1 << 1)
#define MB_REGISTER_GLOBAL_EXPEDITED (1 << 2)
#define MB_PRIVATE_EXPEDITED (1 << 3)
#define MB_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#define MB_PRIVATE_EXPEDITED_SYNC_CORE (1 << 5)
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)
#define MB_PRIVATE_EXPEDITED_RSEQ (1 << 7)
#define MB_REGISTER_PRIVATE_EXPEDITED_RSEQ (1 << 8)
#define MB_GET_REGISTRATIONS (1 << 9)
#define MB_FLAG_CPU 1
#define MB_SUPPORTED 0x3ff

/*
 * Registration state, kept in the mm as Linux keeps it: registering sets
 * the command's state bit, then its READY bit; a private expedited barrier
 * needs READY, GET_REGISTRATIONS reports either.
 */
#define MBS_PRIVATE_READY (1 << 0)
#define MBS_PRIVATE (1 << 1)
#define MBS_GLOBAL_READY (1 << 2)
#define MBS_GLOBAL (1 << 3)
#define MBS_SYNC_CORE_READY (1 << 4)
#define MBS_SYNC_CORE (1 << 5)
#define MBS_RSEQ_READY (1 << 6)
#define MBS_RSEQ (1 << 7)

static long membarrier_private(struct mm *mm, u32 ready)
{
	if (!(mm_membarrier_register(mm, 0) & ready))
		return -EPERM;
	/*
	 * One thread per address space today: no other CPU runs this mm, so
	 * the barrier of the syscall itself is enough, whatever cpu_id says.
	 * With threads this must interrupt the vCPUs running the mm.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static long membarrier_registrations(struct mm *mm)
{
	static const struct {
		u32 state, cmd;
	} map[] = {
		{MBS_GLOBAL | MBS_GLOBAL_READY, MB_REGISTER_GLOBAL_EXPEDITED},
		{MBS_PRIVATE | MBS_PRIVATE_READY, MB_REGISTER_PRIVATE_EXPEDITED},
		{MBS_SYNC_CORE | MBS_SYNC_CORE_READY, MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE},
		{MBS_RSEQ | MBS_RSEQ_READY, MB_REGISTER_PRIVATE_EXPEDITED_RSEQ},
	};
	u32 state = mm_membarrier_register(mm, 0);
	long cmds = 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (state & map[i].state)
			cmds |= map[i].cmd;
	return cmds;
}

/*
 * membarrier(2). The Sentry's own syscall entry and exit already order
 * memory on this vCPU, and the global commands need every other thread of
 * the sandbox to pass a barrier: with one task there is none.
 */
long sys_membarrier(struct task *t, const struct syscall_args *a)
{
	int cmd = arg_int(a, 0);
	u32 flags = arg_uint(a, 1);
	struct mm *mm = t->mm;

	if (cmd == MB_PRIVATE_EXPEDITED_RSEQ ? (flags && flags != MB_FLAG_CPU) : flags != 0)
		return -EINVAL;
	switch (cmd) {
	case MB_QUERY:
		return MB_SUPPORTED;
	case MB_GLOBAL:
	case MB_GLOBAL_EXPEDITED:
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	case MB_REGISTER_GLOBAL_EXPEDITED:
		mm_membarrier_register(mm, MBS_GLOBAL);
		mm_membarrier_register(mm, MBS_GLOBAL_READY);
		return 0;
	case MB_PRIVATE_EXPEDITED:
		return membarrier_private(mm, MBS_PRIVATE_READY);
	case MB_REGISTER_PRIVATE_EXPEDITED:
		mm_membarrier_register(mm, MBS_PRIVATE);
		mm_membarrier_register(mm, MBS_PRIVATE_READY);
		return 0;
	case MB_PRIVATE_EXPEDITED_SYNC_CORE:
		return membarrier_private(mm, MBS_SYNC_CORE_READY);
	case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		mm_membarrier_register(mm, MBS_PRIVATE | MBS_SYNC_CORE);
		mm_membarrier_register(mm, MBS_SYNC_CORE_READY);
		return 0;
	case MB_PRIVATE_EXPEDITED_RSEQ:
		return membarrier_private(mm, MBS_RSEQ_READY);
	case MB_REGISTER_PRIVATE_EXPEDITED_RSEQ:
		mm_membarrier_register(mm, MBS_PRIVATE | MBS_RSEQ);
		mm_membarrier_register(mm, MBS_RSEQ_READY);
		return 0;
	case MB_GET_REGISTRATIONS:
		return membarrier_registrations(mm);
	default:
		return -EINVAL;
	}
}
