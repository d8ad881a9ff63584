// SPDX-License-Identifier: Apache-2.0
/* mmap, munmap, mprotect, brk: argument checks as Linux does them, then mm/. */
#include <errno.h>
#include <sys/mman.h>

#include "sentry/vfs/file.h"
#include "syscalls.h"

#define LINUX_MAP_TYPE 0x0f
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Flags MAP_SHARED_VALIDATE accepts (the rest: EOPNOTSUPP). */
#define MAP_KNOWN                                                                                \
	(LINUX_MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE |            \
	 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
	 MAP_HUGETLB | MAP_SYNC | LINUX_MAP_FIXED_NOREPLACE | (0x3fU << 26))

long sys_mmap(struct task *t, const struct syscall_args *a)
{
	u64 addr = a->a[0], len = a->a[1], off = a->a[5];
	u32 prot = a->a[2], flags = a->a[3];
	int fd = arg_int(a, 4);

	if (prot & ~PROT_ALL)
		return -EINVAL;
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	switch (flags & LINUX_MAP_TYPE) {
	case MAP_PRIVATE:
	case MAP_SHARED:
		break;
	case LINUX_MAP_SHARED_VALIDATE:
		if (flags & ~MAP_KNOWN)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	if (!(flags & MAP_ANONYMOUS)) {
		struct file *f = fdtable_get(t->files, fd);
		if (!f)
			return -EBADF;
		file_put(f);
		/* TODO(vfs): file mappings. Our only files are host streams. */
		return -ENODEV;
	}
	if (len > MM_TASK_SIZE)
		return -ENOMEM;
	u32 mflags = 0;
	if (flags & MAP_FIXED)
		mflags |= MM_FIXED;
	else if (flags & LINUX_MAP_FIXED_NOREPLACE)
		mflags |= MM_FIXED_NOREPLACE;
	if ((flags & MAP_POPULATE) && !(flags & MAP_NONBLOCK))
		mflags |= MM_POPULATE;
	if (flags & MAP_GROWSDOWN)
		mflags |= MM_GROWSDOWN;
	/* MAP_SHARED anonymous memory is private until fork exists to share it. */
	return mm_map_anon(t->mm, addr, len, prot, mflags);
}

long sys_munmap(struct task *t, const struct syscall_args *a)
{
	return mm_unmap(t->mm, a->a[0], a->a[1]);
}

long sys_mprotect(struct task *t, const struct syscall_args *a)
{
	u32 prot = a->a[2];
	if (prot & ~PROT_ALL)
		return -EINVAL; /* TODO(mm): PROT_GROWSDOWN/PROT_GROWSUP */
	return mm_protect(t->mm, a->a[0], a->a[1], prot);
}

long sys_brk(struct task *t, const struct syscall_args *a)
{
	return mm_brk(t->mm, a->a[0]);
}
