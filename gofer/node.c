// SPDX-License-Identifier: Apache-2.0
/*
 * Nodes: the files the gofer has looked up, each held by an O_PATH
 * descriptor. Every lookup is one name, relative to a directory descriptor,
 * through openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS: no symlink is ever followed, ".." never reaches
 * the host's parent, and a name with a '/' in it cannot escape even if it
 * got past name_check.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gofer_internal.h"

int host_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = flags | O_NOFOLLOW | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	/* openat2 refuses O_PATH with any other flag than these three. */
	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static struct node *node_alloc(struct gofer_server *srv, int fd, const struct attach_point *ap,
			       struct node *parent, const char *name)
{
	struct node *n = calloc(1, sizeof(*n));
	struct stat st;

	if (!n)
		return ERR_PTR(-ENOMEM);
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int err = -errno;
		free(n);
		return ERR_PTR(err);
	}
	n->name = name ? strdup(name) : NULL;
	if (name && !n->name) {
		free(n);
		return ERR_PTR(-ENOMEM);
	}
	n->refs = 1;
	n->fd = fd;
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	n->type = st.st_mode & S_IFMT;
	n->ap = ap;
	n->parent = parent ? node_get(parent) : NULL;
	pthread_mutex_lock(&srv->names_lock);
	list_add(&n->link, &srv->nodes);
	pthread_mutex_unlock(&srv->names_lock);
	return n;
}

struct node *node_new_root(struct gofer_server *srv, const struct attach_point *ap)
{
	int fd = fcntl(ap->fd, F_DUPFD_CLOEXEC, 0);
	struct node *n;

	if (fd < 0)
		return ERR_PTR(-errno);
	n = node_alloc(srv, fd, ap, NULL, NULL);
	if (IS_ERR(n))
		close(fd);
	else
		n->root = true;
	return n;
}

bool node_name_hidden(const struct node *dir, const char *name)
{
	return dir->root && dir->ap->hides &&
	       !strncmp(name, GOFER_HIDDEN_PREFIX, sizeof(GOFER_HIDDEN_PREFIX) - 1);
}

/* name has passed name_check: one component, not "." or "..". */
struct node *node_lookup(struct gofer_server *srv, struct node *dir, const char *name)
{
	struct node *n;
	int fd;

	if (dir->type != S_IFDIR)
		return ERR_PTR(-ENOTDIR);
	fd = host_openat(dir->fd, name, O_PATH, 0);
	if (fd < 0)
		return ERR_PTR(fd);
	n = node_alloc(srv, fd, dir->ap, dir, name);
	if (IS_ERR(n))
		close(fd);
	return n;
}

/* "..": the node it was found in; an attach point's root is its own parent,
 * so no walk climbs above it. Returns a new reference. */
struct node *node_parent(struct gofer_server *srv, struct node *n)
{
	struct node *p;

	pthread_mutex_lock(&srv->names_lock);
	p = node_get(n->parent ?: n);
	pthread_mutex_unlock(&srv->names_lock);
	return p;
}

struct node *node_get(struct node *n)
{
	__atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
	return n;
}

void node_put(struct gofer_server *srv, struct node *n)
{
	while (n && __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct node *parent;

		pthread_mutex_lock(&srv->names_lock);
		list_del(&n->link);
		parent = n->parent;
		pthread_mutex_unlock(&srv->names_lock);
		close(n->fd);
		free(n->name);
		free(n);
		n = parent; /* iterate, not recurse: chains can be deep */
	}
}

int node_stat(const struct node *n, struct stat *st)
{
	if (fstatat(n->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Whether fd (any kind of descriptor) is the file n names. */
bool node_same_file(const struct node *n, int fd)
{
	struct stat st;

	return !fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) && st.st_dev == n->dev &&
	       st.st_ino == n->ino;
}

/*
 * Where n was found: a new reference to its parent and its name. -EBUSY for
 * an attach point's root, which has neither.
 */
int node_where(struct gofer_server *srv, struct node *n, struct node **parent,
	       char name[NAME_MAX + 1])
{
	int err = 0;

	pthread_mutex_lock(&srv->names_lock);
	if (!n->parent) {
		err = -EBUSY;
	} else {
		*parent = node_get(n->parent);
		strcpy(name, n->name); /* it passed name_check: <= NAME_MAX */
	}
	pthread_mutex_unlock(&srv->names_lock);
	return err;
}

/*
 * A descriptor for I/O on n (flags as for open(2); O_NOFOLLOW is implied).
 * O_PATH cannot be upgraded and the gofer has no /proc, so: a directory is
 * opened again through "." relative to itself; a regular file or FIFO by its
 * name in its parent (a file bind mount's root by its name in the attach
 * point's private directory), and then must still be the same file.
 * Symlinks give ELOOP, as open(O_NOFOLLOW) does; sockets and devices are
 * never opened (the mount is nodev as well).
 */
int node_reopen(struct gofer_server *srv, struct node *n, int flags)
{
	char name[NAME_MAX + 1];
	struct node *parent;
	int fd, err;

	switch (n->type) {
	case S_IFDIR:
		return host_openat(n->fd, ".", flags | O_DIRECTORY, 0);
	case S_IFLNK:
		return -ELOOP;
	case S_IFREG:
		break;
	case S_IFIFO:
		flags |= O_NONBLOCK; /* never wait for a peer */
		break;
	default:
		return -ENXIO;
	}
	if (!n->parent && n->ap->dirfd >= 0) {
		/* A file bind mount's root: through its private directory. */
		fd = host_openat(n->ap->dirfd, ATTACH_FILE_NAME, flags & ~O_CREAT, 0);
	} else {
		err = node_where(srv, n, &parent, name);
		if (err)
			return err;
		fd = host_openat(parent->fd, name, flags & ~O_CREAT, 0);
		node_put(srv, parent);
	}
	if (fd < 0)
		return fd == -ENOENT ? -ESTALE : fd;
	if (!node_same_file(n, fd)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * The client renamed olddir/oldname to newdir/newname: every node found
 * under the old name now lives under the new one. Nodes are compared by the
 * directory's identity, as one directory may have several nodes.
 */
void nodes_renamed(struct gofer_server *srv, const struct node *olddir, const char *oldname,
		   struct node *newdir, const char *newname)
{
	struct list_head dropped;
	struct node *n;

	list_init(&dropped);
	pthread_mutex_lock(&srv->names_lock);
	list_for_each_entry(n, &srv->nodes, link)
	{
		struct node *p = n->parent;
		char *copy;

		if (!p || p->dev != olddir->dev || p->ino != olddir->ino ||
		    strcmp(n->name, oldname))
			continue;
		copy = strdup(newname);
		if (!copy) /* keep the old name: reopen will say ESTALE */
			continue;
		free(n->name);
		n->name = copy;
		n->parent = node_get(newdir);
		/* Dropping the old parent may free it, which takes names_lock:
		 * after the loop. Its refcount is > 0 until then. */
		if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
			p->refs = 1;
			list_del(&p->link);
			list_add(&p->link, &dropped);
		}
	}
	pthread_mutex_unlock(&srv->names_lock);
	while (!list_empty(&dropped)) {
		n = list_entry(dropped.next, struct node, link);
		/* node_put unlinks it again from our private list: fine. */
		node_put(srv, n);
	}
}

/*
 * A qid path names one file among all the mounts under the root (a host
 * `/` has several, and each numbers its inodes from 1): the first device
 * seen (the root's) keeps its inode numbers, each other one gets its own
 * prefix in the top 16 bits, as QEMU's 9p `multidevs=remap` does. Inode
 * numbers wider than 48 bits (rare: some network file systems) are folded
 * and may collide; the Sentry then sees two names as hard links.
 */
#define QID_INO_BITS 48
#define QID_MAX_DEVS (1u << (64 - QID_INO_BITS))

u64 node_qid_path(dev_t dev, ino_t ino)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static dev_t devs[QID_MAX_DEVS];
	static unsigned ndevs;
	unsigned i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ndevs && devs[i] != dev; i++)
		;
	if (i == ndevs && ndevs < QID_MAX_DEVS)
		devs[ndevs++] = dev;
	pthread_mutex_unlock(&lock);
	u64 mask = (1ULL << QID_INO_BITS) - 1;
	return ((u64)(i % QID_MAX_DEVS) << QID_INO_BITS) | ((ino ^ (ino >> QID_INO_BITS)) & mask);
}

void node_qid(const struct stat *st, struct p9_qid *qid)
{
	qid->type = S_ISDIR(st->st_mode)   ? P9_QTDIR
		    : S_ISLNK(st->st_mode) ? P9_QTSYMLINK
					   : P9_QTFILE;
	qid->version = 0;
	qid->path = node_qid_path(st->st_dev, st->st_ino);
}
