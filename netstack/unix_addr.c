// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX names (unix_internal.h): a socket file made in the file system
 * (bind to a path), the abstract namespace (sun_path[0] == 0), autobind,
 * and finding the socket a name stands for. Bound sockets are on one
 * list under unix_lock: a path socket is found by the st_dev and st_ino
 * of its node, as Linux finds it by inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/sys_path.h"
#include "unix_internal.h"

/* offsetof(struct sockaddr_un, sun_path): a name of just the family. */
#define SUN_PATH_OFF 2

static struct list_head bound = LIST_HEAD_INIT(bound);
static u32 autobind_next;

struct unix_addr *unix_addr_get(struct unix_addr *a)
{
	__atomic_fetch_add(&a->refs, 1, __ATOMIC_RELAXED);
	return a;
}

void unix_addr_put(struct unix_addr *a)
{
	if (a && !__atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL))
		free(a);
}

static struct unix_addr *unix_addr_new(const void *name, int len)
{
	struct unix_addr *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->refs = 1;
	a->len = len;
	memcpy(&a->name, name, len);
	a->name.sun_family = LINUX_AF_UNIX;
	return a;
}

int unix_validate_addr(const void *addr, int len)
{
	u16 family;
	if (len < SUN_PATH_OFF || len > (int)sizeof(struct linux_sockaddr_un))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	return family == LINUX_AF_UNIX ? 0 : -EINVAL;
}

/* Abstract names are per socket type in Linux (the type is part of the hash key). */
static struct unix_sk *find_abstract_locked(const void *name, int len, int type)
{
	struct unix_sk *u;
	list_for_each_entry(u, &bound, bound_node) if (!u->path.dentry && u->type == type &&
						       u->addr->len == len &&
						       !memcmp(u->addr->name.sun_path,
							       (const u8 *)name + SUN_PATH_OFF,
							       len - SUN_PATH_OFF)) return u;
	return NULL;
}

static struct unix_sk *find_inode_locked(u64 dev, u64 ino)
{
	struct unix_sk *u;
	list_for_each_entry(u, &bound, bound_node) if (u->path.dentry && u->bind_dev == dev &&
						       u->bind_ino == ino) return u;
	return NULL;
}

int unix_autobind(struct unix_sk *u)
{
	int ret = 0;
	pthread_mutex_lock(&unix_lock);
	if (u->addr)
		goto out_unlock;
	/* Linux's autobind name: a NUL and five hex digits, 8 bytes in all. */
	struct linux_sockaddr_un sun = {.sun_family = LINUX_AF_UNIX};
	for (u32 tries = 0;; tries++) {
		if (tries > 0xfffff) {
			ret = -ENOSPC;
			goto out_unlock;
		}
		char digits[8];
		snprintf(digits, sizeof(digits), "%05x", autobind_next++ & 0xfffff);
		memcpy(sun.sun_path + 1, digits, 5);
		if (!find_abstract_locked(&sun, SUN_PATH_OFF + 6, u->type))
			break;
	}
	u->addr = unix_addr_new(&sun, SUN_PATH_OFF + 6);
	if (!u->addr)
		ret = -ENOMEM;
	else
		list_add_tail(&u->bound_node, &bound);
out_unlock:
	pthread_mutex_unlock(&unix_lock);
	return ret;
}

static int unix_bind_abstract(struct unix_sk *u, const void *addr, int len)
{
	struct unix_addr *a = unix_addr_new(addr, len);
	int ret = 0;
	if (!a)
		return -ENOMEM;
	pthread_mutex_lock(&unix_lock);
	if (u->addr)
		ret = -EINVAL;
	else if (find_abstract_locked(addr, len, u->type))
		ret = -EADDRINUSE;
	else {
		u->addr = a;
		list_add_tail(&u->bound_node, &bound);
	}
	pthread_mutex_unlock(&unix_lock);
	if (ret)
		unix_addr_put(a);
	return ret;
}

/* sun_path as a C string: the bytes up to the first NUL within len (Linux's unix_mkname_bsd). */
static int sun_path_string(const void *addr, int len, char *buf)
{
	memcpy(buf, (const u8 *)addr + SUN_PATH_OFF, len - SUN_PATH_OFF);
	buf[len - SUN_PATH_OFF] = 0;
	return strlen(buf);
}

static int unix_bind_bsd(struct unix_sk *u, const void *addr, int len)
{
	char name[sizeof(struct linux_sockaddr_un)];
	int n = sun_path_string(addr, len, name);
	struct at_ctx at;
	struct kstat st;
	struct path p;

	/* Linux makes the node first: binding a bound socket to its own path is EADDRINUSE. */
	int ret = at_begin(task_current(), AT_FDCWD, name, false, &at);
	if (ret)
		return ret;
	/* The node's mode is the socket inode's 0777 less the umask. */
	ret = vfs_mknod(&at.ctx, name, S_IFSOCK | 0777, 0);
	if (ret == -EEXIST)
		ret = -EADDRINUSE;
	if (!ret)
		ret = vfs_lookup(&at.ctx, name, 0, &p);
	if (ret)
		goto out_end;
	/* Keyed as connect finds it: by what stat says of the node. */
	ret = vfs_getattr(&p, &st);
	if (ret)
		goto out_put_path;
	struct unix_addr *a = unix_addr_new(addr, SUN_PATH_OFF + n + 1);
	if (!a) {
		ret = -ENOMEM;
		goto out_put_path;
	}
	pthread_mutex_lock(&unix_lock);
	if (u->addr) {
		ret = -EINVAL;
	} else {
		u->addr = a;
		u->path = p;
		u->bind_dev = st.dev;
		u->bind_ino = st.ino;
		list_add_tail(&u->bound_node, &bound);
	}
	pthread_mutex_unlock(&unix_lock);
	if (!ret)
		goto out_end;
	/* Another bind won the race: take back the node we made, as Linux does. */
	unix_addr_put(a);
	int __unused ign = vfs_unlink(&at.ctx, name);
out_put_path:
	path_put(&p);
out_end:
	at_end(&at);
	return ret;
}

int unix_bind(struct socket *sock, const void *addr, int len)
{
	struct unix_sk *u = unix_sk(sock);
	u16 family = 0;

	if (len >= (int)sizeof(family))
		memcpy(&family, addr, sizeof(family));
	if (len == SUN_PATH_OFF && family == LINUX_AF_UNIX)
		return unix_autobind(u);
	int ret = unix_validate_addr(addr, len);
	if (ret)
		return ret;
	if (((const char *)addr)[SUN_PATH_OFF])
		return unix_bind_bsd(u, addr, len);
	return unix_bind_abstract(u, addr, len);
}

static struct unix_sk *unix_find_bsd(const void *addr, int len)
{
	char name[sizeof(struct linux_sockaddr_un)];
	struct task *t = task_current();
	struct at_ctx at;
	struct path p;
	struct kstat st;

	sun_path_string(addr, len, name);
	int ret = at_begin(t, AT_FDCWD, name, false, &at);
	if (ret)
		return ERR_PTR(ret);
	ret = vfs_lookup(&at.ctx, name, LOOKUP_FOLLOW, &p);
	if (!ret) {
		ret = inode_permission(path_inode(&p), MAY_WRITE, &at.cred);
		if (!ret)
			ret = vfs_getattr(&p, &st);
		path_put(&p);
	}
	at_end(&at);
	if (ret)
		return ERR_PTR(ret);
	if (!S_ISSOCK(st.mode))
		return ERR_PTR(-ECONNREFUSED);
	pthread_mutex_lock(&unix_lock);
	struct unix_sk *u = find_inode_locked(st.dev, st.ino);
	if (u)
		unix_sk_get(u);
	pthread_mutex_unlock(&unix_lock);
	return u ? u : ERR_PTR(-ECONNREFUSED);
}

struct unix_sk *unix_find_other(const void *addr, int len, int type)
{
	struct unix_sk *u;
	if (((const char *)addr)[SUN_PATH_OFF]) {
		u = unix_find_bsd(addr, len);
	} else {
		pthread_mutex_lock(&unix_lock);
		u = find_abstract_locked(addr, len, type);
		if (u)
			unix_sk_get(u);
		pthread_mutex_unlock(&unix_lock);
		if (!u)
			u = ERR_PTR(-ECONNREFUSED);
	}
	if (!IS_ERR(u) && u->type != type) {
		unix_sk_put(u);
		return ERR_PTR(-EPROTOTYPE);
	}
	return u;
}

struct path unix_unbind_locked(struct unix_sk *u)
{
	struct path p = u->path;
	if (u->addr)
		list_del(&u->bound_node);
	u->path = (struct path){0};
	return p;
}

int unix_getname(struct socket *sock, void *addr, bool peer)
{
	struct unix_sk *u = unix_sk(sock);
	struct unix_addr *a;
	int len = SUN_PATH_OFF;
	u16 family = LINUX_AF_UNIX;

	pthread_mutex_lock(&unix_lock);
	if (peer) {
		if (!u->peer || (u->type != LINUX_SOCK_DGRAM && u->state != UNIX_ESTABLISHED)) {
			pthread_mutex_unlock(&unix_lock);
			return -ENOTCONN;
		}
		a = u->peer->addr;
	} else {
		a = u->addr;
	}
	if (a) {
		len = a->len;
		memcpy(addr, &a->name, len);
	} else {
		memcpy(addr, &family, sizeof(family));
	}
	pthread_mutex_unlock(&unix_lock);
	return len;
}
