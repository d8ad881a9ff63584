// SPDX-License-Identifier: Apache-2.0
/*
 * mount(2), umount2(2) and pivot_root(2): the arguments are copied here
 * in Linux's order (type, source, data, then the target's lookup), the
 * work is the VFS's (sentry/vfs/namespace.c, pivot_root.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "abi/linux/capability.h"
#include "sentry/kernel/nsproxy.h"
#include "sentry/kernel/cred.h"
#include "sys_path.h"

/*
 * A mount(2) string argument (strndup_user): NULL stays NULL; longer than
 * a page is -EINVAL. For data (copy_mount_options) a longer one is cut to
 * a page instead, as Linux copies one page of it.
 */
static long mount_string(struct task *t, uaddr_t u, bool cut, char **out)
{
	*out = NULL;
	if (!u.addr)
		return 0;
	char *buf = malloc(PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	long ret = mm_strncpy_from_user(t->mm, buf, u, PAGE_SIZE);
	if (ret == -ENAMETOOLONG && cut) {
		buf[PAGE_SIZE - 1] = 0;
		ret = 0;
	} else if (ret == -ENAMETOOLONG) {
		ret = -EINVAL;
	}
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

long sys_mount(struct task *t, const struct syscall_args *a)
{
	char *type = NULL, *source = NULL, *data = NULL, target[LINUX_PATH_MAX];
	struct at_ctx at;
	long ret = mount_string(t, arg_ptr(a, 2), false, &type);
	if (!ret)
		ret = mount_string(t, arg_ptr(a, 0), false, &source);
	if (!ret)
		ret = mount_string(t, arg_ptr(a, 4), true, &data);
	if (!ret) {
		ret = path_arg(t, arg_ptr(a, 1), target);
		ret = ret < 0 ? ret : at_begin(t, AT_FDCWD, target, false, &at);
	}
	if (!ret) {
		ret = vfs_mount(&at.ctx, source, target, type, a->a[3], data);
		at_end(&at);
	}
	free(type);
	free(source);
	free(data);
	return ret;
}

long sys_umount2(struct task *t, const struct syscall_args *a)
{
	char target[LINUX_PATH_MAX];
	struct at_ctx at;
	int flags = arg_int(a, 1);
	/* Linux checks the flags before it reads the name. */
	if (flags & ~0xf)
		return -EINVAL;
	long ret = path_arg(t, arg_ptr(a, 0), target);
	ret = ret < 0 ? ret : at_begin(t, AT_FDCWD, target, false, &at);
	if (ret)
		return ret;
	ret = vfs_umount(&at.ctx, target, flags);
	at_end(&at);
	return ret;
}

long sys_pivot_root(struct task *t, const struct syscall_args *a)
{
	char new_root[LINUX_PATH_MAX], put_old[LINUX_PATH_MAX];
	struct at_ctx at;
	struct path old_root, root;
	long ret = path_arg(t, arg_ptr(a, 0), new_root);
	if (ret >= 0)
		ret = path_arg(t, arg_ptr(a, 1), put_old);
	/* Linux's may_mount comes before the lookups. */
	if (ret >= 0 && !task_capable(t, LINUX_CAP_SYS_ADMIN))
		ret = -EPERM;
	if (ret < 0)
		return ret;
	struct nsproxy *nsp = nsproxy_of(t);
	if (!nsp)
		return -ENOMEM;
	ret = at_begin(t, AT_FDCWD, new_root, false, &at);
	if (ret)
		return ret;
	if (!*put_old)
		ret = -ENOENT;
	else
		ret = mnt_ns_pivot_root(nsp->mnt, &at.ctx, new_root, put_old, &old_root, &root);
	at_end(&at);
	if (ret)
		return ret;
	nsproxy_chroot_fs_refs(t->k, &old_root, &root);
	path_put(&old_root);
	path_put(&root);
	return 0;
}
