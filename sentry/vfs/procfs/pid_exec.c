// SPDX-License-Identifier: Apache-2.0
/*
 * What a process got from its execve: the auxiliary vector, and the
 * execution domain (personality).
 *
 * Linux keeps a copy of the auxiliary vector (mm->saved_auxv); the Sentry
 * reads it where exec.c wrote it, on the initial stack above argv and
 * envp (mm_exec_info's start_stack is argc's address), which the
 * process is free to overwrite: it then reads back what it wrote, and
 * the walk stays within a bounded number of words either way.
 */
#include <errno.h>
#include <string.h>

#include "procfs_internal.h"

#define AUXV_MAX 64	      /* pairs: Linux's AT_VECTOR_SIZE is smaller */
#define STACK_PTRS_MAX 262144 /* argv + envp pointers: ARG_MAX / 8 */

static u64 read_word(struct mm *mm, u64 addr, bool *ok)
{
	u64 v = 0;
	if (mm_copy_from_user_partial(mm, &v, uaddr(addr), sizeof(v)) != sizeof(v))
		*ok = false;
	return v;
}

/* The auxiliary vector up to and including AT_NULL, as Linux's auxv_read. */
static void put_auxv(struct seq *s, struct mm *mm)
{
	struct mm_exec_info e;
	bool ok = true;
	mm_get_exec_info(mm, &e);
	if (!e.start_stack)
		return;
	u64 argc = read_word(mm, e.start_stack, &ok);
	if (!ok || argc > STACK_PTRS_MAX)
		return;
	u64 p = e.start_stack + 8 * (argc + 2); /* envp[0] */
	for (u64 n = 0; ok && n < STACK_PTRS_MAX && read_word(mm, p, &ok); n++)
		p += 8;
	p += 8;
	for (int i = 0; ok && i < AUXV_MAX; i++, p += 16) {
		u64 pair[2] = {read_word(mm, p, &ok), read_word(mm, p + 8, &ok)};
		if (!ok)
			break;
		seq_write(s, pair, sizeof(pair));
		if (pair[0] == 0) /* AT_NULL */
			break;
	}
}

int proc_pid_show_auxv(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_MM, &pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(&pt);
	if (!ret && pt.mm)
		put_auxv(s, pt.mm);
	proc_task_put(&pt);
	return ret;
}

/* The thread's personality(2) value; a zombie's reads 0. */
int proc_pid_show_personality(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, 0, &pt);
	if (ret)
		return ret;
	ret = proc_may_inspect(&pt);
	if (!ret)
		seq_printf(s, "%08x\n", pt.personality);
	proc_task_put(&pt);
	return ret;
}
