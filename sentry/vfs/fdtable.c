// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "file.h"

struct fdtable {
	pthread_mutex_t lock; /* guards fds and cloexec */
	struct file *fds[FDTABLE_MAX];
	bool cloexec[FDTABLE_MAX];
};

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));
	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

void fdtable_destroy(struct fdtable *t)
{
	if (!t)
		return;
	for (int i = 0; i < FDTABLE_MAX; i++)
		file_put(t->fds[i]);
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
	file_put(old);
	return 0;
}

int fdtable_alloc(struct fdtable *t, int min, struct file *f, bool cloexec)
{
	if (min < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	for (int fd = min; fd < FDTABLE_MAX; fd++) {
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
