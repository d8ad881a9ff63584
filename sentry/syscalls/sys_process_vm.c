// SPDX-License-Identifier: Apache-2.0
/*
 * process_vm_readv and process_vm_writev: copy between the caller's
 * memory and another process's in the sandbox, with Linux's checks and
 * partial-transfer rule (mm/process_vm_access.c): the bytes moved before
 * a fault are the result, and -EFAULT only if none were.
 */
#include <errno.h>
#include <stdlib.h>

#include "abi/linux/capability.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/proc_info.h"
#include "syscalls.h"

#define LINUX_UIO_MAXIOV 1024
#define CHUNK 4096

/*
 * Linux's __ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): the caller's
 * own process, or real ids matching all of the target's with the target
 * dumpable, or CAP_SYS_PTRACE. (Yama's ptrace_scope is not modelled.)
 */
bool ptrace_may_access(const struct task *t, const struct proc_task *pt)
{
	const struct cred *c = t->cred, *tc = pt->cred;
	if (pt->same_group)
		return true;
	bool cap = cred_has_cap(c, LINUX_CAP_SYS_PTRACE);
	bool ids = c->uid == tc->uid && c->uid == tc->euid && c->uid == tc->suid &&
		   c->gid == tc->gid && c->gid == tc->egid && c->gid == tc->sgid;
	if (!ids && !cap)
		return false;
	return pt->dumpable || cap;
}

/*
 * Copy in cnt iovecs (Linux's iovec_from_user): -EINVAL past UIO_MAXIOV
 * or for a length that is negative as a ssize_t. *total gets their sum.
 */
static int iovecs_in(struct task *t, uaddr_t uvec, u64 cnt, struct linux_iovec **out, u64 *total)
{
	*out = NULL;
	*total = 0;
	if (cnt > LINUX_UIO_MAXIOV)
		return -EINVAL;
	if (!cnt)
		return 0;
	struct linux_iovec *v = calloc(cnt, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (mm_copy_from_user(t->mm, v, uvec, cnt * sizeof(*v))) {
		free(v);
		return -EFAULT;
	}
	for (u64 i = 0; i < cnt; i++) {
		if ((s64)v[i].len < 0) {
			free(v);
			return -EINVAL;
		}
		if (__builtin_add_overflow(*total, v[i].len, total))
			*total = ~0ULL; /* more than can move anyway */
	}
	*out = v;
	return 0;
}

/* A cursor over the caller's iovecs. */
struct iov_iter {
	const struct linux_iovec *v;
	u64 cnt, i, off;
};

static u64 iter_span(struct iov_iter *it)
{
	while (it->i < it->cnt && it->off == it->v[it->i].len) {
		it->i++;
		it->off = 0;
	}
	return it->i < it->cnt ? it->v[it->i].len - it->off : 0;
}

/*
 * Move len bytes between the remote range at raddr in mm and the local
 * iovecs (write: local to remote). Adds what moved to *done; -EFAULT on
 * a fault on either side, 0 once len bytes or the local iovecs ran out.
 */
static int rw_one(struct task *t, struct mm *mm, u64 raddr, u64 len, struct iov_iter *it,
		  bool write, u64 *done)
{
	u8 buf[CHUNK];

	while (len) {
		u64 span = iter_span(it);
		if (!span)
			return 0;
		/* Stop at remote page boundaries, as Linux pins page by page. */
		u64 n = MIN(MIN(len, span), CHUNK - (raddr & (CHUNK - 1)));
		uaddr_t laddr = uaddr(it->v[it->i].base + it->off);
		u64 got, put;
		if (write) {
			got = mm_copy_from_user_partial(t->mm, buf, laddr, n);
			put = mm_copy_to_user_partial(mm, uaddr(raddr), buf, got);
		} else {
			got = mm_copy_from_user_partial(mm, buf, uaddr(raddr), n);
			put = mm_copy_to_user_partial(t->mm, laddr, buf, got);
		}
		*done += put;
		it->off += put;
		raddr += put;
		len -= put;
		if (put < n)
			return -EFAULT;
	}
	return 0;
}

/* Linux's process_vm_rw. */
static long process_vm_rw(struct task *t, const struct syscall_args *a, bool write)
{
	int pid = arg_int(a, 0);
	struct linux_iovec *lv = NULL, *rv = NULL;
	u64 ltotal, rtotal, done = 0;
	struct proc_task pt;
	long ret;

	if (a->a[5])
		return -EINVAL;
	ret = iovecs_in(t, arg_ptr(a, 1), a->a[2], &lv, &ltotal);
	if (ret || !ltotal)
		goto out;
	ret = iovecs_in(t, arg_ptr(a, 3), a->a[4], &rv, &rtotal);
	if (ret || !rtotal)
		goto out;
	int tgid = proc_find(t->k, pid);
	if (pid <= 0 || tgid < 0 || proc_task_get(t->k, tgid, pid, PROC_MM, &pt)) {
		ret = -ESRCH;
		goto out;
	}
	if (!pt.mm)
		ret = -ESRCH; /* exited, or a zombie */
	else if (!ptrace_may_access(t, &pt))
		ret = -EPERM;
	struct iov_iter it = {.v = lv, .cnt = a->a[2]};
	for (u64 i = 0; !ret && i < a->a[4] && iter_span(&it); i++)
		ret = rw_one(t, pt.mm, rv[i].base, rv[i].len, &it, write, &done);
	proc_task_put(&pt);
	if (done)
		ret = (long)done;
out:
	free(lv);
	free(rv);
	return ret;
}

long sys_process_vm_readv(struct task *t, const struct syscall_args *a)
{
	return process_vm_rw(t, a, false);
}

long sys_process_vm_writev(struct task *t, const struct syscall_args *a)
{
	return process_vm_rw(t, a, true);
}
