// SPDX-License-Identifier: Apache-2.0
/*
 * Merged directory listings: the upper directory's entries in its order,
 * then the lower's that upper neither has nor whites out (none under an
 * opaque directory); "." and ".." once, from the overlay.
 *
 * An open directory builds the merged list when listed from position 0
 * and keeps it in its private data; a position is 2 + the index in that
 * list, so a getdents continuation resumes exactly where the last call
 * stopped, whatever happens in between. Entries made or removed after the
 * list was built show after a rewind (seek to 0), which POSIX allows;
 * entries removed since are skipped, as a listing of one directory on
 * Linux never returns a name already unlinked. Only the upper directory,
 * in memory, is asked: a lower entry goes only by a whiteout.
 * Everything here runs under vfs_lock (vfs_iterate holds it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overlay_internal.h"

void ovl_dirlist_free(struct ovl_dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i]);
	free(l->e);
	l->e = NULL;
	l->n = l->cap = 0;
}

static int dirlist_reserve(struct ovl_dirlist *l, size_t n)
{
	if (n <= l->cap)
		return 0;
	size_t cap = MAX(n, MAX(l->cap * 2, (size_t)16));
	struct ovl_dirent **e = realloc(l->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	l->e = e;
	l->cap = cap;
	return 0;
}

struct collect {
	struct dir_context ctx;
	struct ovl_dirlist *out;
	int err;
};

static bool collect_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino,
			 unsigned type, s64 next)
{
	struct collect *c = container_of(ctx, struct collect, ctx);
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	struct ovl_dirent *e = malloc(sizeof(*e) + len + 1);
	if (!e || dirlist_reserve(c->out, c->out->n + 1)) {
		free(e);
		c->err = -ENOMEM;
		return false;
	}
	e->ino = ino;
	e->type = type;
	e->whiteout = false;
	e->upper = false;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	c->out->e[c->out->n++] = e;
	return true;
}

int ovl_list_real(struct inode *dir, struct ovl_dirlist *out)
{
	struct file *f;
	int ret = ovl_open_real(dir, O_RDONLY | O_DIRECTORY, FMODE_READ, &f);
	if (ret)
		return ret;
	struct collect c = {.ctx.emit = collect_emit, .out = out};
	/* A file system may list in batches: go on until a call brings nothing. */
	while (!ret && f->ops->iterate) {
		s64 before = f->pos;
		c.ctx.pos = f->pos;
		ret = f->ops->iterate(f, &c.ctx);
		f->pos = c.ctx.pos;
		ret = ret ? ret : c.err;
		if (f->pos == before)
			break;
	}
	if (!f->ops->iterate)
		ret = -ENOTDIR;
	file_put(f);
	if (ret)
		ovl_dirlist_free(out);
	return ret;
}

/* Only a character device can be a whiteout; the type may be unknown. */
static int mark_whiteouts(struct inode *udir, struct ovl_dirlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct ovl_dirent *e = l->e[i];
		if (e->type != LINUX_DT_CHR && e->type != LINUX_DT_UNKNOWN)
			continue;
		struct inode *inode = ovl_real_lookup(udir, e->name);
		if (IS_ERR(inode))
			return PTR_ERR(inode);
		e->whiteout = inode && ovl_is_whiteout(inode);
		inode_put(inode);
	}
	return 0;
}

/* The st_ino lookup would give an upper entry (see ovl_lookup). */
static u64 upper_entry_ino(struct ovl_inode *dir, const struct ovl_dirent *e)
{
	struct ovl_fs *ofs = OVL_FS(dir->vfs.sb);
	struct inode *ldir = ovl_lower_dir(dir);
	u64 ino;

	if (ovl_map_get(&ofs->origin, e->ino, &ino))
		return ino;
	if (e->type == LINUX_DT_DIR && !ovl_map_get(&ofs->opaque, e->ino, NULL) &&
	    ovl_map_get(&ofs->redirect, e->ino, &ino))
		return ((struct inode *)(uintptr_t)ino)->ino;
	if (e->type == LINUX_DT_DIR && ldir && !ovl_map_get(&ofs->opaque, e->ino, NULL)) {
		struct inode *l = ovl_real_lookup(ldir, e->name);
		bool merged = l && !IS_ERR(l) && S_ISDIR(l->mode);
		ino = merged ? l->ino : 0;
		if (l && !IS_ERR(l))
			inode_put(l);
		if (merged)
			return ino;
	}
	return e->ino | OVL_UPPER_INO;
}

static int cmp_dirent(const void *a, const void *b)
{
	return strcmp((*(struct ovl_dirent *const *)a)->name,
		      (*(struct ovl_dirent *const *)b)->name);
}

static bool sorted_has(struct ovl_dirent **v, size_t n, struct ovl_dirent *key)
{
	return n && bsearch(&key, v, n, sizeof(*v), cmp_dirent);
}

/* Move the entries of up and low that show into out (which owns them then). */
static int merge(struct ovl_inode *dir, struct ovl_dirlist *up, struct ovl_dirlist *low,
		 struct ovl_dirlist *out)
{
	struct ovl_dirent **names = NULL;
	if (up->n && low->n) {
		names = malloc(up->n * sizeof(*names));
		if (!names)
			return -ENOMEM;
		memcpy(names, up->e, up->n * sizeof(*names));
		qsort(names, up->n, sizeof(*names), cmp_dirent);
	}
	int ret = dirlist_reserve(out, out->n + up->n + low->n);
	for (size_t i = 0; !ret && i < up->n; i++) {
		if (!up->e[i]->whiteout) {
			up->e[i]->ino = upper_entry_ino(dir, up->e[i]);
			up->e[i]->upper = true;
			out->e[out->n++] = up->e[i];
			up->e[i] = NULL;
		}
	}
	for (size_t i = 0; !ret && i < low->n; i++) {
		if (!sorted_has(names, names ? up->n : 0, low->e[i])) {
			out->e[out->n++] = low->e[i];
			low->e[i] = NULL;
		}
	}
	free(names);
	return ret;
}

static int ovl_read_merged(struct ovl_inode *dir, struct ovl_dirlist *out)
{
	struct ovl_dirlist up = {0}, low = {0};
	struct inode *udir = ovl_upper(dir), *ldir = ovl_lower_dir(dir);
	int ret = 0;

	if (udir)
		ret = ovl_list_real(udir, &up);
	if (!ret && udir)
		ret = mark_whiteouts(udir, &up);
	if (!ret && ldir)
		ret = ovl_list_real(ldir, &low);
	if (!ret)
		ret = merge(dir, &up, &low, out);
	ovl_dirlist_free(&up);
	ovl_dirlist_free(&low);
	if (ret)
		ovl_dirlist_free(out);
	return ret;
}

int ovl_check_empty(struct ovl_inode *dir)
{
	struct ovl_dirlist l = {0};
	int ret = ovl_read_merged(dir, &l);
	if (!ret && l.n)
		ret = -ENOTEMPTY;
	ovl_dirlist_free(&l);
	return ret;
}

int ovl_clear_whiteouts(struct inode *udir)
{
	struct ovl_dirlist l = {0};
	int ret = ovl_list_real(udir, &l);
	if (!ret)
		ret = mark_whiteouts(udir, &l);
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (!l.e[i]->whiteout)
			continue;
		struct inode *w = ovl_real_lookup(udir, l.e[i]->name);
		if (IS_ERR(w)) {
			ret = PTR_ERR(w);
		} else if (w) {
			ret = ovl_remove_real(udir, l.e[i]->name, w);
			inode_put(w);
		}
	}
	ovl_dirlist_free(&l);
	return ret;
}

struct ovl_dir_file {
	struct ovl_dirlist list;
	bool built;
};

static int ovl_dir_open(struct inode *inode, struct file *f)
{
	f->private_data = calloc(1, sizeof(struct ovl_dir_file));
	return f->private_data ? 0 : -ENOMEM;
}

/* Whether e was removed after the list was built (vfs_lock held). */
static bool entry_gone(struct ovl_inode *dir, const struct ovl_dirent *e)
{
	struct inode *udir = ovl_upper(dir);
	if (!udir)
		return false;
	struct inode *u = ovl_real_lookup(udir, e->name);
	if (IS_ERR(u))
		return false;
	bool gone = u ? ovl_is_whiteout(u) : e->upper;
	inode_put(u);
	return gone;
}

static int ovl_iterate(struct file *f, struct dir_context *ctx)
{
	struct ovl_dir_file *df = f->private_data;
	struct ovl_inode *dir = OVL_I(f->inode);

	if (ctx->pos == 0 || !df->built) {
		ovl_dirlist_free(&df->list);
		df->built = false;
		int ret = ovl_read_merged(dir, &df->list);
		if (ret)
			return ret;
		df->built = true;
	}
	struct dentry *d = f->path.dentry;
	if (!dir_emit_dots(ctx, dir->vfs.ino, d ? d->parent->inode->ino : dir->vfs.ino))
		return 0;
	for (size_t i = ctx->pos - 2; i < df->list.n; i++) {
		struct ovl_dirent *e = df->list.e[i];
		if (entry_gone(dir, e)) {
			ctx->pos = i + 3;
			continue;
		}
		if (!ctx->emit(ctx, e->name, strlen(e->name), e->ino, e->type, i + 3))
			return 0;
		ctx->pos = i + 3;
	}
	return 0;
}

static int ovl_dir_fsync(struct file *f)
{
	struct inode *upper = ovl_upper(OVL_I(f->inode));
	struct file *rf;
	if (!upper)
		return 0; /* nothing of it was ever written */
	int ret = ovl_open_real(upper, O_RDONLY | O_DIRECTORY, FMODE_READ, &rf);
	if (ret)
		return ret;
	ret = vfs_fsync(rf);
	file_put(rf);
	return ret;
}

static void ovl_dir_release(struct file *f)
{
	struct ovl_dir_file *df = f->private_data;
	if (!df)
		return;
	ovl_dirlist_free(&df->list);
	free(df);
}

const struct file_ops ovl_dir_fops = {
	.open = ovl_dir_open,
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = ovl_iterate,
	.fsync = ovl_dir_fsync,
	.release = ovl_dir_release,
};
