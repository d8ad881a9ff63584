// SPDX-License-Identifier: Apache-2.0
/*
 * The handler table, and the checks every handler shares: names, read-only
 * attach points, open flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ops.h"

/* Tversion and Tflush are the connection's (server.c); Tauth is refused. */
static const gofer_handler handlers[256] = {
	[P9_TAUTH] = op_auth,		    /* ops_session.c */
	[P9_TATTACH] = op_attach,	    /* ops_session.c */
	[P9_TWALK] = op_walk,		    /* ops_session.c */
	[P9_TCLUNK] = op_clunk,		    /* ops_session.c */
	[P9_TGETATTR] = op_getattr,	    /* ops_attr.c */
	[P9_TSETATTR] = op_setattr,	    /* ops_attr.c */
	[P9_TREADLINK] = op_readlink,	    /* ops_attr.c */
	[P9_TSTATFS] = op_statfs,	    /* ops_attr.c */
	[P9_TLOPEN] = op_lopen,		    /* ops_io.c */
	[P9_TLCREATE] = op_lcreate,	    /* ops_io.c */
	[P9_TREAD] = op_read,		    /* ops_io.c */
	[P9_TWRITE] = op_write,		    /* ops_io.c */
	[P9_TREADDIR] = op_readdir,	    /* ops_io.c */
	[P9_TFSYNC] = op_fsync,		    /* ops_io.c */
	[P9_TLOCK] = op_lock,		    /* ops_io.c */
	[P9_TGETLOCK] = op_getlock,	    /* ops_io.c */
	[P9_TMKDIR] = op_mkdir,		    /* ops_dir.c */
	[P9_TSYMLINK] = op_symlink,	    /* ops_dir.c */
	[P9_TMKNOD] = op_mknod,		    /* ops_dir.c */
	[P9_TLINK] = op_link,		    /* ops_dir.c */
	[P9_TUNLINKAT] = op_unlinkat,	    /* ops_dir.c */
	[P9_TRENAMEAT] = op_renameat,	    /* ops_dir.c */
	[P9_TRENAME] = op_rename,	    /* ops_dir.c */
	[P9_TREMOVE] = op_remove,	    /* ops_dir.c */
	[P9_TXATTRWALK] = op_xattrwalk,	    /* ops_xattr.c */
	[P9_TXATTRCREATE] = op_xattrcreate, /* ops_xattr.c */
};

gofer_handler gofer_handler_for(u8 type)
{
	return handlers[type];
}

struct node *op_fid_node(struct gofer_server *srv, u32 num, u32 *uid)
{
	struct fid *f = op_fid(srv, num);
	struct node *n = NULL;

	if (!f)
		return ERR_PTR(-EBADF);
	pthread_mutex_lock(&f->lock);
	if (f->kind == FID_NODE)
		n = node_get(f->node);
	if (uid)
		*uid = f->uid;
	pthread_mutex_unlock(&f->lock);
	fid_put(srv, f);
	return n ?: ERR_PTR(-EBADF);
}

/*
 * A name the client asks to create, remove or walk to: one path component.
 * "." and ".." are refused here (Twalk handles ".." itself); so are names
 * with '/', which 9P forbids. Copied NUL-terminated into out.
 */
int name_check(struct p9_str s, char out[NAME_MAX + 1])
{
	if (s.len == 0)
		return -EINVAL;
	if (s.len > NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(s.s, '/', s.len))
		return -EINVAL;
	if (p9_str_eq(s, ".") || p9_str_eq(s, ".."))
		return -EINVAL;
	return p9_str_copy(out, NAME_MAX + 1, s);
}

int node_check_writable(const struct node *n)
{
	return n->ap->ro ? -EROFS : 0;
}

/*
 * Tlopen/Tlcreate flags to open(2) flags. Only what changes how the file is
 * accessed passes; O_CREAT/O_EXCL are Tlcreate's business, O_NOFOLLOW and
 * O_CLOEXEC are always set (host_openat), and O_NONBLOCK/O_ASYNC stay with
 * the Sentry's own file, not the host's. -EINVAL for access mode 3.
 */
int open_flags_from_p9(u32 p9flags)
{
	static const struct {
		u32 p9;
		int host;
	} map[] = {
		{P9_DOTL_TRUNC, O_TRUNC},	  {P9_DOTL_APPEND, O_APPEND},
		{P9_DOTL_DSYNC, O_DSYNC},	  {P9_DOTL_DIRECT, O_DIRECT},
		{P9_DOTL_LARGEFILE, O_LARGEFILE}, {P9_DOTL_DIRECTORY, O_DIRECTORY},
		{P9_DOTL_NOATIME, O_NOATIME},	  {P9_DOTL_SYNC, O_SYNC},
	};
	int flags;

	switch (p9flags & P9_DOTL_ACCMODE) {
	case P9_DOTL_RDONLY:
		flags = O_RDONLY;
		break;
	case P9_DOTL_WRONLY:
		flags = O_WRONLY;
		break;
	case P9_DOTL_RDWR:
		flags = O_RDWR;
		break;
	default:
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (p9flags & map[i].p9)
			flags |= map[i].host;
	return flags;
}
