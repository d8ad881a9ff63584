// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "file.h"
#include "inotify.h"
#include "locks.h"
#include "sentry/kernel/kernel.h"

struct fdtable {
	int refs;	      /* atomic: tasks sharing it (CLONE_FILES) */
	pthread_mutex_t lock; /* guards fds and cloexec */
	struct file *fds[FDTABLE_MAX];
	bool cloexec[FDTABLE_MAX];
};

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));
	if (t) {
		t->refs = 1;
		pthread_mutex_init(&t->lock, NULL);
	}
	return t;
}

struct fdtable *fdtable_share(struct fdtable *t)
{
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
	return t;
}

struct fdtable *fdtable_copy(struct fdtable *src)
{
	struct fdtable *t = fdtable_create();
	if (!t)
		return NULL;
	pthread_mutex_lock(&src->lock);
	for (int i = 0; i < FDTABLE_MAX; i++) {
		if (src->fds[i]) {
			t->fds[i] = file_get(src->fds[i]);
			t->cloexec[i] = src->cloexec[i];
		}
	}
	pthread_mutex_unlock(&src->lock);
	return t;
}

/* An fd of t for f is closed (Linux's filp_flush): its POSIX locks and F_NOTIFY go. */
static void fd_closed(struct file *f, struct fdtable *t)
{
	locks_remove_posix(f, t);
	dnotify_flush(f, t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	struct file *closed[64];
	int n;

	/* file_put may call into a file system: never under the table lock. */
	do {
		n = 0;
		pthread_mutex_lock(&t->lock);
		for (int i = 0; i < FDTABLE_MAX && n < (int)ARRAY_SIZE(closed); i++) {
			if (t->fds[i] && t->cloexec[i]) {
				closed[n++] = t->fds[i];
				t->fds[i] = NULL;
				t->cloexec[i] = false;
			}
		}
		pthread_mutex_unlock(&t->lock);
		for (int i = 0; i < n; i++)
			fd_closed(closed[i], t);
		for (int i = 0; i < n; i++)
			file_put(closed[i]);
	} while (n == (int)ARRAY_SIZE(closed));
}

void fdtable_destroy(struct fdtable *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	locks_remove_owner(t);
	for (int i = 0; i < FDTABLE_MAX; i++) {
		dnotify_flush(t->fds[i], t);
		file_put(t->fds[i]);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return NULL;
	pthread_mutex_lock(&t->lock);
	struct file *f = t->fds[fd] ? file_get(t->fds[fd]) : NULL;
	pthread_mutex_unlock(&t->lock);
	return f;
}

int fdtable_install(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	struct file *old = t->fds[fd];
	t->fds[fd] = f;
	t->cloexec[fd] = cloexec;
	pthread_mutex_unlock(&t->lock);
	fd_closed(old, t);
	file_put(old);
	return 0;
}

/*
 * The calling task's RLIMIT_NOFILE bounds the numbers of new descriptors
 * (dup2 and F_DUPFD check the numbers they are given themselves).
 */
static int fd_limit(void)
{
	struct task *cur = task_current();
	u64 n = cur ? task_rlimit(cur, LINUX_RLIMIT_NOFILE) : FDTABLE_MAX;
	return n < FDTABLE_MAX ? (int)n : FDTABLE_MAX;
}

int fdtable_alloc(struct fdtable *t, int min, struct file *f, bool cloexec)
{
	if (min < 0)
		return -EINVAL;
	int end = fd_limit();
	pthread_mutex_lock(&t->lock);
	for (int fd = min; fd < end; fd++) {
		if (!t->fds[fd]) {
			t->fds[fd] = f;
			t->cloexec[fd] = cloexec;
			pthread_mutex_unlock(&t->lock);
			return fd;
		}
	}
	pthread_mutex_unlock(&t->lock);
	file_put(f);
	return -EMFILE;
}

int fdtable_close(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	struct file *f = t->fds[fd];
	t->fds[fd] = NULL;
	pthread_mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	fd_closed(f, t);
	file_put(f);
	return 0;
}

int fdtable_get_cloexec(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	int ret = t->fds[fd] ? t->cloexec[fd] : -EBADF;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec)
{
	if (fd < 0 || fd >= FDTABLE_MAX)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	int ret = t->fds[fd] ? 0 : -EBADF;
	if (!ret)
		t->cloexec[fd] = cloexec;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool fdtable_is_shared(struct fdtable *t)
{
	return __atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) > 1;
}

void fdtable_close_range(struct fdtable *t, unsigned lo, unsigned hi, bool cloexec)
{
	struct file *closed[64];
	unsigned end = hi < FDTABLE_MAX ? hi + 1 : FDTABLE_MAX;
	unsigned fd = lo;
	int n;

	/* As fdtable_close_on_exec: the files are put in batches, outside the lock. */
	while (fd < end) {
		n = 0;
		pthread_mutex_lock(&t->lock);
		for (; fd < end && n < (int)ARRAY_SIZE(closed); fd++) {
			if (!t->fds[fd])
				continue;
			if (cloexec) {
				t->cloexec[fd] = true;
				continue;
			}
			closed[n++] = t->fds[fd];
			t->fds[fd] = NULL;
			t->cloexec[fd] = false;
		}
		pthread_mutex_unlock(&t->lock);
		for (int i = 0; i < n; i++)
			fd_closed(closed[i], t);
		for (int i = 0; i < n; i++)
			file_put(closed[i]);
	}
}
