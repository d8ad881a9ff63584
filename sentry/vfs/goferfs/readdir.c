// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs directory files: listings, as the server gives them. A
 * position is the server's cookie (Treaddir's offset, the host's d_off),
 * so positions stay meaningful across seekdir and across our own changes,
 * exactly as on the host. "." and ".." are listed where the server lists
 * them, as Linux's getdents shows them.
 *
 * Each directory inode keeps a window of its listing (goferfs_internal.h),
 * read ahead a whole Treaddir reply at a time and shared by every open
 * file of it, until the sandbox changes the directory. A listing that
 * outgrows the window slides on; a position the window does not hold
 * (an old cookie, a seekdir) starts a new window there. The window is
 * guarded by vfs_lock, which the VFS holds around iterate and every
 * directory change.
 *
 * The server is not trusted with names: an empty one, one with '/', or
 * one longer than NAME_MAX is skipped (with a warning), and a cookie that
 * is no file position ends the listing with EIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goferfs_internal.h"
#include "lib/log.h"

/* Entries a window holds at most; enough for most directories in one. */
#define DIR_WINDOW_MAX 65536u
/* Replies in a row that give nothing listable before we call it a loop. */
#define DIR_EMPTY_FETCHES_MAX 16

static void dir_window_drop(struct goferfs_dir_cache *dc)
{
	for (u32 i = 0; i < dc->n; i++)
		free(dc->ents[i]);
	dc->n = 0;
	dc->gen++;
}

void goferfs_dir_cache_free(struct goferfs_dir_cache *dc)
{
	dir_window_drop(dc);
	free(dc->ents);
	dc->ents = NULL;
	dc->cap = 0;
	dc->start = dc->resume = 0;
	dc->complete = false;
}

void goferfs_dir_invalidate(struct inode *dir)
{
	goferfs_dir_cache_free(&GOFER_I(dir)->dir);
}

/* A new window, empty, at pos. */
static void dir_window_reset(struct goferfs_dir_cache *dc, s64 pos)
{
	dir_window_drop(dc);
	dc->start = dc->resume = pos;
	dc->complete = false;
}

/* The position just after the window's last entry. */
static s64 dir_window_end(const struct goferfs_dir_cache *dc)
{
	return dc->n ? dc->ents[dc->n - 1]->next : dc->start;
}

static s64 pos_at(const struct goferfs_dir_cache *dc, u32 i)
{
	return i < dc->n ? dc->ents[i]->off : dir_window_end(dc);
}

/* The index in the window whose entry comes next at pos (n: the end). */
static bool dir_find(const struct goferfs_dir_cache *dc, const struct goferfs_file *gf, s64 pos,
		     u32 *idx)
{
	if (gf->gen == dc->gen && gf->hint <= dc->n && pos_at(dc, gf->hint) == pos) {
		*idx = gf->hint;
		return true;
	}
	for (u32 i = 0; i <= dc->n; i++) {
		if (pos_at(dc, i) == pos) {
			*idx = i;
			return true;
		}
	}
	return false;
}

struct fill {
	struct inode *dir;
	struct goferfs_dir_cache *dc;
	u32 added;
};

static bool name_ok(struct p9_str name)
{
	return name.len > 0 && name.len <= LINUX_NAME_MAX && !memchr(name.s, '/', name.len);
}

/* Linux's DT_* of an entry; unknown types are DT_UNKNOWN. */
static u8 dtype(const struct p9_dirent *d, bool dot)
{
	if (dot)
		return LINUX_DT_DIR;
	return d->type <= LINUX_DT_SOCK ? d->type : LINUX_DT_UNKNOWN;
}

static int fill_one(void *arg, const struct p9_dirent *d)
{
	struct fill *fc = arg;
	struct goferfs_dir_cache *dc = fc->dc;

	if (d->offset > INT64_MAX) {
		pr_warn_ratelimited("goferfs: directory %llu: cookie %#llx is no position",
				    (unsigned long long)fc->dir->ino,
				    (unsigned long long)d->offset);
		return -EIO;
	}
	s64 off = dir_window_end(dc);
	if (!name_ok(d->name)) {
		pr_warn_ratelimited("goferfs: directory %llu: skipping a bad name (%u bytes)",
				    (unsigned long long)fc->dir->ino, d->name.len);
		dc->resume = d->offset;
		return 0;
	}
	if (dc->n == dc->cap) {
		u32 cap = dc->cap ? dc->cap * 2 : 64;
		void *ents = realloc(dc->ents, cap * sizeof(*dc->ents));
		if (!ents)
			return -ENOMEM;
		dc->ents = ents;
		dc->cap = cap;
	}
	struct goferfs_dirent *e = malloc(sizeof(*e) + d->name.len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->name, d->name.s, d->name.len);
	e->name[d->name.len] = 0;
	e->len = d->name.len;
	e->off = off;
	e->next = d->offset;
	bool dot = p9_str_eq(d->name, "."), dotdot = p9_str_eq(d->name, "..");
	e->type = dtype(d, dot || dotdot);
	e->ino = d->qid.path;
	/* The tree's root has no parent we could show: ".." is itself, as at "/". */
	if (dot || (dotdot && fc->dir == fc->dir->sb->root->inode))
		e->ino = fc->dir->ino;
	dc->ents[dc->n++] = e;
	dc->resume = d->offset;
	fc->added++;
	return 0;
}

/*
 * Read the next reply's worth into the window (sliding it on first if
 * full). Returns entries added, 0 at the end of the listing, or -errno.
 */
static int dir_fetch(struct inode *dir, struct goferfs_file *gf)
{
	struct goferfs_dir_cache *dc = &GOFER_I(dir)->dir;
	struct gofer_client *c = goferfs_client(dir);
	struct fill fc = {.dir = dir, .dc = dc};

	if (gf->h.fid == P9_NOFID) {
		int err = goferfs_handle_open(dir, P9_DOTL_RDONLY, &gf->h);
		if (err)
			return err;
	}
	if (dc->n >= DIR_WINDOW_MAX) {
		s64 end = dir_window_end(dc), resume = dc->resume;
		dir_window_reset(dc, end);
		dc->resume = resume;
	}
	s64 from = dc->resume;
	int n = gofer_readdir(c, gf->h.fid, from, GOFER_SB(dir->sb)->dir_chunk, fill_one, &fc);
	if (n == 0)
		dc->complete = true;
	if (n < 0 && !fc.added) {
		dc->resume = from;
		return goferfs_err(n);
	}
	return fc.added;
}

static int goferfs_iterate(struct file *f, struct dir_context *ctx)
{
	struct goferfs_file *gf = f->private_data;
	struct inode *dir = f->inode;
	struct goferfs_dir_cache *dc = &GOFER_I(dir)->dir;
	bool emitted = false;
	int empty = 0;

	for (;;) {
		u32 i;
		if (!dir_find(dc, gf, ctx->pos, &i)) {
			dir_window_reset(dc, ctx->pos);
			i = 0;
		}
		for (; i < dc->n; i++) {
			struct goferfs_dirent *e = dc->ents[i];
			if (!ctx->emit(ctx, e->name, e->len, e->ino, e->type, e->next))
				break;
			emitted = true;
			ctx->pos = e->next;
		}
		gf->gen = dc->gen;
		gf->hint = i;
		if (i < dc->n || dc->complete)
			return 0;
		int n = dir_fetch(dir, gf);
		if (n < 0)
			return emitted ? 0 : n;
		if (n == 0 && !dc->complete && ++empty > DIR_EMPTY_FETCHES_MAX) {
			pr_warn_ratelimited("goferfs: directory %llu lists nothing but bad names",
					    (unsigned long long)dir->ino);
			return emitted ? 0 : -EIO;
		}
	}
}

/* Directories are opened on the gofer only when their listing must be read. */
static int goferfs_dir_open(struct inode *inode, struct file *f)
{
	struct goferfs_file *gf = calloc(1, sizeof(*gf));
	if (!gf)
		return -ENOMEM;
	gf->h = (struct goferfs_handle){.fid = P9_NOFID, .fd = -1};
	f->private_data = gf;
	return 0;
}

static void goferfs_dir_release(struct file *f)
{
	struct goferfs_file *gf = f->private_data;
	if (!gf)
		return;
	goferfs_handle_close(goferfs_client(f->inode), &gf->h);
	free(gf);
}

static int goferfs_dir_fsync(struct file *f)
{
	struct goferfs_file *gf = f->private_data;
	struct gofer_client *c = goferfs_client(f->inode);

	vfs_lock(); /* a first open races with iterate's */
	int err = gf->h.fid == P9_NOFID ? goferfs_handle_open(f->inode, P9_DOTL_RDONLY, &gf->h) : 0;
	vfs_unlock();
	return err ? err : goferfs_err(gofer_fsync(c, gf->h.fid, false));
}

const struct file_ops goferfs_dir_fops = {
	.open = goferfs_dir_open,
	.read = generic_dir_read,
	.llseek = generic_dir_llseek,
	.iterate = goferfs_iterate,
	.fsync = goferfs_dir_fsync,
	.release = goferfs_dir_release,
};
