// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/<pid>/maps: one line per VMA, from mm's iterator. File mappings
 * show their file's path, device and inode (struct mm_file's name op);
 * the others the names Linux gives them: [heap], [stack], and [vvar]
 * and [vdso] for the Sentry's frames and the vDSO text vdso_map puts
 * right above them.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "procfs_internal.h"

struct maps_walk {
	struct seq *s;
	u64 prev_end;
	u32 prev_kind;
	char name[LINUX_PATH_MAX + 16];
};

static int maps_vma(void *arg, const struct mm_vma_info *v)
{
	struct maps_walk *w = arg;
	const char *name = NULL;
	u64 dev = 0, ino = 0;

	if (v->file) {
		if (v->file->ops->name &&
		    v->file->ops->name(v->file, w->name, sizeof(w->name), &dev, &ino) >= 0)
			name = w->name;
	} else if (v->kind == MM_VMA_HEAP) {
		name = "[heap]";
	} else if (v->kind == MM_VMA_STACK) {
		name = "[stack]";
	} else if (v->kind == MM_VMA_SPECIAL) {
		name = "[vvar]";
	} else if (w->prev_kind == MM_VMA_SPECIAL && w->prev_end == v->start &&
		   (v->prot & PROT_EXEC)) {
		name = "[vdso]";
	} else if (v->shared) {
		/* Shared anonymous memory: Linux's shmem file behind it. */
		name = "/dev/zero (deleted)";
	}
	proc_format_maps_line(w->s, v, linux_dev_major(dev), linux_dev_minor(dev), ino, name);
	w->prev_end = v->end;
	w->prev_kind = v->kind;
	return w->s->err;
}

int proc_pid_show_maps(struct seq *s, struct proc_inode *pi)
{
	struct proc_task pt;
	int ret = proc_task_get(proc_kernel(pi), pi->tgid, pi->tid, PROC_MM, &pt);
	if (ret)
		return ret;
	/* Linux's mm_access: the layout is for those who may inspect the process. */
	ret = proc_may_inspect(&pt);
	if (!ret && pt.mm) {
		struct maps_walk *w = calloc(1, sizeof(*w));
		if (!w) {
			ret = -ENOMEM;
		} else {
			w->s = s;
			w->prev_kind = MM_VMA_ANON;
			ret = mm_for_each_vma(pt.mm, maps_vma, w);
			free(w);
		}
	}
	proc_task_put(&pt);
	return ret;
}
