// SPDX-License-Identifier: Apache-2.0
/* memfd_create(2): an anonymous tmpfs file (sentry/vfs/memfd.h), sealable on request. */
#include <errno.h>

#include "abi/linux/memfd.h"
#include "sentry/vfs/memfd.h"
#include "sys_path.h"

#define MFD_ALL_FLAGS (LINUX_MFD_CLOEXEC | LINUX_MFD_ALLOW_SEALING | LINUX_MFD_HUGETLB)

long sys_memfd_create(struct task *t, const struct syscall_args *a)
{
	u32 flags = a->a[1];
	char name[LINUX_MFD_NAME_MAX + 1];
	struct vfs_cred c;
	struct file *f;

	/* Linux's order: flags (a huge page size only with MFD_HUGETLB), then the name. */
	u32 valid = MFD_ALL_FLAGS | ((flags & LINUX_MFD_HUGETLB) ? LINUX_MFD_HUGE_MASK : 0);
	if (flags & ~valid)
		return -EINVAL;
	long len = mm_strncpy_from_user(t->mm, name, arg_ptr(a, 0), sizeof(name));
	if (len == -ENAMETOOLONG)
		return -EINVAL;
	if (len < 0)
		return len;
	/* No hugetlbfs: a huge-page memfd cannot be backed as asked. */
	if (flags & LINUX_MFD_HUGETLB)
		return -EINVAL;
	task_vfs_cred(t, &c);
	int ret = vfs_memfd_create(name, flags & LINUX_MFD_ALLOW_SEALING, &c, &f);
	if (ret)
		return ret;
	return fdtable_alloc(t->files, 0, f, flags & LINUX_MFD_CLOEXEC);
}
