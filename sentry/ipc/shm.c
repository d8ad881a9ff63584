// SPDX-License-Identifier: Apache-2.0
/*
 * System V shared memory: shmget(2), shmat(2), shmdt(2), shmctl(2), as
 * Linux's ipc/shm.c.
 *
 * A segment is a shmem object (mm/shmem.h, as tmpfs and memfd use)
 * mapped MAP_SHARED through an mm_file whose get and put count the VMAs
 * that map it: that is shm_nattch, as Linux's shm_open and shm_close
 * count VMAs, so fork, a split by mprotect or munmap, shmdt and exit
 * all keep it right without the mm knowing about segments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "ipc_internal.h"
#include "ipc_objs.h"
#include "mm/shmem.h"
#include "sentry/kernel/cred.h"
#include "sentry/syscalls/syscalls.h"

static struct shm_seg *shm_lookup(struct ipc_ns *ns, int id)
{
	return (struct shm_seg *)ipc_id_lookup(&ns->shm_ids, id);
}

static u64 shm_pages(const struct shm_seg *s)
{
	return (s->segsz + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The pid the attach times are charged to: the caller's process, if a task runs. */
static int shm_current_pid(void)
{
	struct task *t = task_current();
	return t && t->tg ? t->tg->tgid : 0;
}

static void shm_destroy(struct ipc_ns *ns, struct shm_seg *s)
{
	ipc_remove(&ns->shm_ids, &s->perm);
	ns->shm_tot -= shm_pages(s);
	shmem_put(s->file.shm);
	free(s);
}

/* Linux's shm_may_destroy: nothing maps it and it was removed. */
static void shm_maybe_destroy(struct ipc_ns *ns, struct shm_seg *s)
{
	if (!s->nattch && (s->perm.mode & LINUX_SHM_DEST))
		shm_destroy(ns, s);
}

/* A VMA maps the segment (shmat, fork, a split): Linux's shm_open. */
static void shm_file_get(struct mm_file *f)
{
	struct shm_seg *s = container_of(f, struct shm_seg, file);
	pthread_mutex_lock(&s->ns->lock);
	s->nattch++;
	s->atime = ipc_now();
	s->lpid = shm_current_pid();
	pthread_mutex_unlock(&s->ns->lock);
}

/* A VMA of it went (shmdt, munmap, exit): Linux's shm_close. */
static void shm_file_put(struct mm_file *f)
{
	struct shm_seg *s = container_of(f, struct shm_seg, file);
	struct ipc_ns *ns = s->ns;
	pthread_mutex_lock(&ns->lock);
	s->nattch--;
	s->dtime = ipc_now();
	s->lpid = shm_current_pid();
	shm_maybe_destroy(ns, s);
	pthread_mutex_unlock(&ns->lock);
}

/* Never called: the object's frames are mapped directly (file.shm is set). */
static long shm_file_read(struct mm_file *f, void *buf, size_t len, u64 off)
{
	(void)f, (void)buf, (void)len, (void)off;
	return -EIO;
}

static s64 shm_file_size(struct mm_file *f)
{
	return (s64)container_of(f, struct shm_seg, file)->segsz;
}

/* /proc/<pid>/maps shows "/SYSV<key> (deleted)", as Linux. */
static long shm_file_name(struct mm_file *f, char *buf, size_t size, u64 *dev, u64 *ino)
{
	struct shm_seg *s = container_of(f, struct shm_seg, file);
	*dev = 0;
	*ino = (u64)s->perm.id;
	int n = snprintf(buf, size, "/SYSV%08x (deleted)", (u32)s->perm.key);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

static const struct mm_file_ops shm_file_ops = {
	.get = shm_file_get,
	.put = shm_file_put,
	.read = shm_file_read,
	.size = shm_file_size,
	.name = shm_file_name,
};

static int shm_create(struct ipc_ns *ns, struct task *t, s32 key, int flg, void *arg)
{
	u64 size = *(u64 *)arg;
	u64 pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (size < SHM_MIN || size > ns->shm_ctlmax)
		return -EINVAL;
	if (ns->shm_tot + pages < ns->shm_tot || ns->shm_tot + pages > ns->shm_ctlall)
		return -ENOSPC;
	if (pages * PAGE_SIZE > (u64)SHMEM_MAX_SIZE)
		return -ENOMEM;
	struct shm_seg *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->file.shm = shmem_create(t->k->mf, pages * PAGE_SIZE);
	if (IS_ERR(s->file.shm)) {
		int err = PTR_ERR(s->file.shm);
		free(s);
		return err;
	}
	int ret = ipc_add(&ns->shm_ids, &s->perm, t, key, flg);
	if (ret) {
		shmem_put(s->file.shm);
		free(s);
		return ret;
	}
	s->file.ops = &shm_file_ops;
	s->file.id = s;
	s->ns = ns;
	s->segsz = size;
	s->cpid = t->tg->tgid;
	s->ctime = ipc_now();
	ns->shm_tot += pages;
	return s->perm.id;
}

static int shm_check(struct ipc_obj *o, void *arg)
{
	return ((struct shm_seg *)o)->segsz < *(u64 *)arg ? -EINVAL : 0;
}

static const struct ipc_get_ops shm_get_ops = {.create = shm_create, .check = shm_check};

long sys_shmget(struct task *t, const struct syscall_args *a)
{
	u64 size = a->a[1];
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	return ipc_get(ns, &ns->shm_ids, t, arg_int(a, 0), arg_int(a, 2), &shm_get_ops, &size);
}

long sys_shmat(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), flg = arg_int(a, 2);
	u64 addr = a->a[1];
	u32 prot = PROT_READ, mflags = MM_SHARED;
	int acc = 0444;

	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (PAGE_SIZE - 1)) {
			if (!(flg & LINUX_SHM_RND))
				return -EINVAL;
			addr &= PAGE_MASK; /* SHMLBA is a page on x86 */
			if (!addr && (flg & LINUX_SHM_REMAP))
				return -EINVAL;
		}
		mflags |= (flg & LINUX_SHM_REMAP) ? MM_FIXED : MM_FIXED_NOREPLACE;
	} else if (flg & LINUX_SHM_REMAP) {
		return -EINVAL;
	}
	if (flg & LINUX_SHM_RDONLY)
		mflags |= MM_NOWRITE;
	else
		prot |= PROT_WRITE, acc |= 0222;
	if (flg & LINUX_SHM_EXEC)
		prot |= PROT_EXEC, acc |= 0111;

	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;
	pthread_mutex_lock(&ns->lock);
	struct shm_seg *s = shm_lookup(ns, id);
	long ret = IS_ERR(s) ? PTR_ERR(s) : ipc_perms(t, &s->perm, acc);
	if (ret) {
		pthread_mutex_unlock(&ns->lock);
		return ret;
	}
	s->nattch++; /* hold it while it maps: an IPC_RMID meanwhile must not free it */
	u64 len = shm_pages(s) * PAGE_SIZE;
	pthread_mutex_unlock(&ns->lock);

	if (addr && len > MM_TASK_SIZE - addr)
		ret = -EINVAL;
	else
		ret = mm_map_file(t->mm, addr, len, prot, mflags, &s->file, 0);
	if (ret == -EEXIST)
		ret = -EINVAL; /* Linux: an attach over a mapping without SHM_REMAP */

	pthread_mutex_lock(&ns->lock);
	s->nattch--;
	shm_maybe_destroy(ns, s);
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

/* shmdt: the VMAs to unmap, found under mm->lock and unmapped after it. */
struct shmdt_scan {
	u64 addr;
	struct mm_file *file; /* the segment the first match maps */
	u64 size;
	size_t n, cap;
	struct {
		u64 start, end;
	} * ranges;
};

static int shmdt_collect(void *arg, const struct mm_vma_info *v)
{
	struct shmdt_scan *sc = arg;

	if (v->end <= sc->addr)
		return 0;
	if (sc->file && v->end - sc->addr > sc->size)
		return 1; /* past where a fragment of the segment could be */
	/* A VMA of a segment, at the offset it has if attached at addr (Linux's test). */
	if (!v->file || v->file->ops != &shm_file_ops || v->start - sc->addr != v->off)
		return 0;
	if (sc->file && v->file != sc->file)
		return 0;
	if (!sc->file) {
		struct shm_seg *s = container_of(v->file, struct shm_seg, file);
		sc->file = v->file;
		sc->size = shm_pages(s) * PAGE_SIZE;
	}
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 8;
		void *r = realloc(sc->ranges, cap * sizeof(sc->ranges[0]));
		if (!r)
			return -ENOMEM;
		sc->ranges = r;
		sc->cap = cap;
	}
	sc->ranges[sc->n].start = v->start;
	sc->ranges[sc->n].end = v->end;
	sc->n++;
	return 0;
}

long sys_shmdt(struct task *t, const struct syscall_args *a)
{
	struct shmdt_scan sc = {.addr = a->a[0]};
	long ret;

	if (sc.addr & (PAGE_SIZE - 1))
		return -EINVAL;
	ret = mm_for_each_vma(t->mm, shmdt_collect, &sc);
	if (ret >= 0)
		ret = sc.n ? 0 : -EINVAL;
	for (size_t i = 0; ret == 0 && i < sc.n; i++) {
		int err =
			mm_unmap(t->mm, sc.ranges[i].start, sc.ranges[i].end - sc.ranges[i].start);
		if (err)
			ret = err;
	}
	free(sc.ranges);
	return ret;
}

static long shm_info(struct task *t, struct ipc_ns *ns, int cmd, uaddr_t buf)
{
	struct linux_shminfo64 si = {
		.shmmax = IPC_LIMIT(ns, shm_ctlmax),
		.shmmin = SHM_MIN,
		.shmmni = IPC_LIMIT(ns, shm_ctlmni),
		.shmseg = SHM_MNI, /* Linux's SHMSEG, not a sysctl */
		.shmall = IPC_LIMIT(ns, shm_ctlall),
	};
	struct linux_shm_info info = {0};
	void *out = &si;
	size_t len = sizeof(si);

	pthread_mutex_lock(&ns->lock);
	if (cmd == LINUX_SHM_INFO) {
		info.used_ids = ns->shm_ids.in_use;
		info.shm_tot = ns->shm_tot;
		for (int i = 0; i <= ns->shm_ids.max_idx; i++) {
			struct shm_seg *s = (struct shm_seg *)ipc_idx_lookup(&ns->shm_ids, i);
			if (s)
				info.shm_rss += shmem_nr_frames(s->file.shm);
		}
		out = &info;
		len = sizeof(info);
	}
	int max = ipc_max_idx(&ns->shm_ids);
	pthread_mutex_unlock(&ns->lock);
	if (mm_copy_to_user(t->mm, buf, out, len))
		return -EFAULT;
	return max;
}

static long shm_stat(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_shmid64_ds ds = {0};
	long ret = 0;

	pthread_mutex_lock(&ns->lock);
	struct ipc_obj *o = ipc_stat_lookup(&ns->shm_ids, id, cmd != LINUX_IPC_STAT);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
	} else if (cmd == LINUX_SHM_STAT_ANY || !(ret = ipc_perms(t, o, 0444))) {
		struct shm_seg *s = (struct shm_seg *)o;
		ipc_fill_perm(o, &ds.shm_perm);
		ds.shm_segsz = s->segsz;
		ds.shm_atime = s->atime;
		ds.shm_dtime = s->dtime;
		ds.shm_ctime = s->ctime;
		ds.shm_cpid = s->cpid;
		ds.shm_lpid = s->lpid;
		ds.shm_nattch = s->nattch;
		ret = cmd == LINUX_IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ns->lock);
	if (ret >= 0 && mm_copy_to_user(t->mm, buf, &ds, sizeof(ds)))
		return -EFAULT;
	return ret;
}

static long shm_ctl_owner(struct task *t, struct ipc_ns *ns, int id, int cmd, uaddr_t buf)
{
	struct linux_shmid64_ds ds;
	if (cmd == LINUX_IPC_SET && mm_copy_from_user(t->mm, &ds, buf, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	struct shm_seg *s = shm_lookup(ns, id);
	long ret = IS_ERR(s) ? PTR_ERR(s) : ipc_owner_check(t, &s->perm);
	if (!ret && cmd == LINUX_IPC_RMID) {
		/* Attached: gone from key lookups now, freed at the last detach. */
		s->perm.mode |= LINUX_SHM_DEST;
		s->perm.key = LINUX_IPC_PRIVATE;
		shm_maybe_destroy(ns, s);
	} else if (!ret) {
		ipc_set_perm(&s->perm, &ds.shm_perm);
		s->ctime = ipc_now();
	}
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

static long shm_lock(struct task *t, struct ipc_ns *ns, int id, int cmd)
{
	pthread_mutex_lock(&ns->lock);
	struct shm_seg *s = shm_lookup(ns, id);
	long ret = IS_ERR(s) ? PTR_ERR(s) : 0;
	if (!ret && !task_capable(t, LINUX_CAP_IPC_LOCK)) {
		u32 euid = t->cred->euid;
		if (euid != s->perm.uid && euid != s->perm.cuid)
			ret = -EPERM;
		else if (cmd == LINUX_SHM_LOCK && !task_rlimit(t, LINUX_RLIMIT_MEMLOCK))
			ret = -EPERM;
	}
	if (!ret && cmd == LINUX_SHM_LOCK)
		s->perm.mode |= LINUX_SHM_LOCKED;
	else if (!ret)
		s->perm.mode &= ~LINUX_SHM_LOCKED;
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

long sys_shmctl(struct task *t, const struct syscall_args *a)
{
	int id = arg_int(a, 0), cmd = arg_int(a, 1);
	uaddr_t buf = arg_ptr(a, 2);
	if (cmd < 0 || id < 0)
		return -EINVAL;
	struct ipc_ns *ns = ipc_ns_of(t);
	if (!ns)
		return -ENOMEM;

	switch (cmd) {
	case LINUX_IPC_INFO:
	case LINUX_SHM_INFO:
		return shm_info(t, ns, cmd, buf);
	case LINUX_IPC_STAT:
	case LINUX_SHM_STAT:
	case LINUX_SHM_STAT_ANY:
		return shm_stat(t, ns, id, cmd, buf);
	case LINUX_IPC_SET:
	case LINUX_IPC_RMID:
		return shm_ctl_owner(t, ns, id, cmd, buf);
	case LINUX_SHM_LOCK:
	case LINUX_SHM_UNLOCK:
		return shm_lock(t, ns, id, cmd);
	default:
		return -EINVAL;
	}
}
