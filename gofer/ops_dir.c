// SPDX-License-Identifier: Apache-2.0
/*
 * Tmkdir, Tsymlink, Tmknod, Tlink, Tunlinkat, Trenameat, Trename, Tremove:
 * directory entries, each made or removed by one name relative to the
 * directory's descriptor (the *at calls never follow a final symlink, and
 * name_check has made sure the name is one component).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

/*
 * The directory fid dfid, writable, and a valid name in it; hidden_err for
 * a hidden name (node_name_hidden): -ENOENT where the name must exist,
 * -EACCES where it would be made. On success the caller owns a reference
 * to *dir.
 */
static int dir_and_name(struct gofer_server *srv, u32 dfid, struct p9_str s, struct node **dir,
			char name[NAME_MAX + 1], u32 *uid, int hidden_err)
{
	struct node *d = op_fid_node(srv, dfid, uid);
	int err;

	if (IS_ERR(d))
		return PTR_ERR(d);
	err = d->type != S_IFDIR ? -ENOTDIR : node_check_writable(d) ?: name_check(s, name);
	if (!err && node_name_hidden(d, name))
		err = hidden_err;
	if (err) {
		node_put(srv, d);
		return err;
	}
	*dir = d;
	return 0;
}

/*
 * name was just made in dir: give it to its creator and return its qid.
 * If that fails, the entry is removed again so that the client's error
 * leaves nothing behind.
 */
static int created(struct node *dir, const char *name, u32 uid, u32 gid, struct p9_qid *qid)
{
	int fd = host_openat(dir->fd, name, O_PATH, 0);
	struct stat st = {0};
	int err = 0;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	else
		err = chown_new(fd, uid, gid);
	if (!err)
		node_qid(&st, qid);
	else
		unlinkat(dir->fd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	close(fd);
	return err;
}

GOFER_HANDLER(op_mkdir)
{
	const typeof(req->tmkdir) *m = &req->tmkdir;
	char name[NAME_MAX + 1];
	struct node *dir;
	u32 uid;
	int err = dir_and_name(srv, m->dfid, m->name, &dir, name, &uid, -EACCES);

	if (err)
		return err;
	if (mkdirat(dir->fd, name, m->mode & 07777) < 0)
		err = -errno;
	else
		err = created(dir, name, uid, m->gid, &r->msg.rmkdir.qid);
	node_put(srv, dir);
	return err;
}

GOFER_HANDLER(op_symlink)
{
	const typeof(req->tsymlink) *m = &req->tsymlink;
	char name[NAME_MAX + 1], target[PATH_MAX];
	struct node *dir;
	u32 uid;
	int err = dir_and_name(srv, m->fid, m->name, &dir, name, &uid, -EACCES);

	if (err)
		return err;
	/* The target is only data to us: it is never followed here. */
	err = m->symtgt.len ? p9_str_copy(target, sizeof(target), m->symtgt) : -ENOENT;
	if (!err && symlinkat(target, dir->fd, name) < 0)
		err = -errno;
	if (!err)
		err = created(dir, name, uid, m->gid, &r->msg.rsymlink.qid);
	node_put(srv, dir);
	return err;
}

/*
 * Regular files, FIFOs and sockets only: the gofer never makes a device
 * node on the host (and does not keep CAP_MKNOD). The Sentry provides
 * devices itself.
 */
GOFER_HANDLER(op_mknod)
{
	const typeof(req->tmknod) *m = &req->tmknod;
	mode_t type = m->mode & S_IFMT;
	char name[NAME_MAX + 1];
	struct node *dir;
	u32 uid;
	int err;

	if (type == S_IFCHR || type == S_IFBLK)
		return -EPERM;
	if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	err = dir_and_name(srv, m->dfid, m->name, &dir, name, &uid, -EACCES);
	if (err)
		return err;
	if (mknodat(dir->fd, name, (type ?: S_IFREG) | (m->mode & 07777), 0) < 0)
		err = -errno;
	else
		err = created(dir, name, uid, m->gid, &r->msg.rmknod.qid);
	node_put(srv, dir);
	return err;
}

/* linkat(AT_EMPTY_PATH) links the file the O_PATH descriptor holds, not
 * whatever its name means now; it needs CAP_DAC_READ_SEARCH. */
GOFER_HANDLER(op_link)
{
	const typeof(req->tlink) *m = &req->tlink;
	struct node *target = op_fid_node(srv, m->fid, NULL);
	char name[NAME_MAX + 1];
	struct node *dir;
	int err;

	if (IS_ERR(target))
		return PTR_ERR(target);
	err = dir_and_name(srv, m->dfid, m->name, &dir, name, NULL, -EACCES);
	if (err)
		goto out;
	if (dir->ap != target->ap)
		err = -EXDEV;
	else if (target->type == S_IFDIR)
		err = -EPERM;
	else if (linkat(target->fd, "", dir->fd, name, AT_EMPTY_PATH) < 0)
		err = -errno;
	node_put(srv, dir);
out:
	node_put(srv, target);
	return err;
}

GOFER_HANDLER(op_unlinkat)
{
	const typeof(req->tunlinkat) *m = &req->tunlinkat;
	char name[NAME_MAX + 1];
	struct node *dir;
	int err;

	if (m->flags & ~P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	err = dir_and_name(srv, m->dirfid, m->name, &dir, name, NULL, -ENOENT);
	if (err)
		return err;
	if (unlinkat(dir->fd, name, (m->flags & P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) < 0)
		err = -errno;
	node_put(srv, dir);
	return err;
}

/*
 * Rename and tell the nodes found under the old name where they are now.
 * Trenameat has no flags: RENAME_EXCHANGE and RENAME_NOREPLACE stay in
 * the Sentry (see goferfs_rename).
 */
static int do_rename(struct gofer_server *srv, struct node *olddir, const char *oldname,
		     struct node *newdir, const char *newname)
{
	if (olddir->ap != newdir->ap)
		return -EXDEV;
	if (renameat(olddir->fd, oldname, newdir->fd, newname) < 0)
		return -errno;
	nodes_renamed(srv, olddir, oldname, newdir, newname);
	return 0;
}

GOFER_HANDLER(op_renameat)
{
	const typeof(req->trenameat) *m = &req->trenameat;
	char oldname[NAME_MAX + 1], newname[NAME_MAX + 1];
	struct node *olddir, *newdir;
	int err;

	err = dir_and_name(srv, m->olddirfid, m->oldname, &olddir, oldname, NULL, -ENOENT);
	if (err)
		return err;
	err = dir_and_name(srv, m->newdirfid, m->newname, &newdir, newname, NULL, -EACCES);
	if (!err) {
		err = do_rename(srv, olddir, oldname, newdir, newname);
		node_put(srv, newdir);
	}
	node_put(srv, olddir);
	return err;
}

/* Trename: the file fid names moves to dfid/name. */
GOFER_HANDLER(op_rename)
{
	const typeof(req->trename) *m = &req->trename;
	struct node *n = op_fid_node(srv, m->fid, NULL), *olddir, *newdir;
	char oldname[NAME_MAX + 1], newname[NAME_MAX + 1];
	int err;

	if (IS_ERR(n))
		return PTR_ERR(n);
	err = node_check_writable(n) ?: node_where(srv, n, &olddir, oldname);
	if (err)
		goto out;
	err = dir_and_name(srv, m->dfid, m->name, &newdir, newname, NULL, -EACCES);
	if (!err) {
		err = do_rename(srv, olddir, oldname, newdir, newname);
		node_put(srv, newdir);
	}
	node_put(srv, olddir);
out:
	node_put(srv, n);
	return err;
}

/* Unlink the file n names, if its name still means it. */
static int remove_node(struct gofer_server *srv, struct node *n)
{
	char name[NAME_MAX + 1];
	struct node *dir;
	struct stat st;
	int err;

	err = node_check_writable(n) ?: node_where(srv, n, &dir, name);
	if (err)
		return err;
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		err = errno == ENOENT ? -ESTALE : -errno;
	else if (st.st_dev != n->dev || st.st_ino != n->ino)
		err = -ESTALE;
	else if (unlinkat(dir->fd, name, n->type == S_IFDIR ? AT_REMOVEDIR : 0) < 0)
		err = -errno;
	node_put(srv, dir);
	return err;
}

/* Tremove clunks the fid whether or not the file could be removed. */
GOFER_HANDLER(op_remove)
{
	struct fid *f = fid_remove(&srv->fids, req->tremove.fid);
	struct node *n = NULL;
	int err;

	if (!f)
		return -EBADF;
	pthread_mutex_lock(&f->lock);
	if (f->kind == FID_NODE)
		n = node_get(f->node);
	pthread_mutex_unlock(&f->lock);
	err = n ? remove_node(srv, n) : -EBADF;
	node_put(srv, n);
	fid_put(srv, f);
	return err;
}
