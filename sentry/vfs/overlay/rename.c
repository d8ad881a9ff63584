// SPDX-License-Identifier: Apache-2.0
/*
 * overlay rename (with RENAME_NOREPLACE, checked by the VFS, and
 * RENAME_EXCHANGE). The source is copied up and moved within upper; when
 * lower has the old name, a whiteout takes its place in the same step.
 *
 * Directories are moved as overlayfs does with redirect_dir=on, not by
 * copying their trees up: only the directory itself is copied up (an
 * empty upper directory with its attributes), and a redirect record
 * (struct ovl_fs) ties that upper directory to its lower one, so that
 * wherever it goes it merges with the lower directory it came from, not
 * with whatever lower has at the new path. The lower tree is never
 * touched or copied: a rename costs one mkdir in memory, however big the
 * directory. The directory keeps its overlay inode and st_ino (its
 * lower's), and so do the files below it: lower-only ones keep their
 * lower inos and their aliases (which name the moved overlay inode), and
 * copied-up ones their origin records. A directory without a lower (or
 * opaque) becomes opaque instead, so that a lower directory at its new
 * name does not show through. Renaming it back leaves the redirect in
 * place: it names the same lower directory the path would.
 *
 * RENAME_WHITEOUT is refused by the VFS before it gets here.
 */
#include <errno.h>
#include <string.h>

#include "lib/log.h"
#include "overlay_internal.h"

/* A directory moved in upper: it keeps its lower (redirect) or hides any. */
static int mark_moved_dir(struct ovl_fs *ofs, struct ovl_inode *oi)
{
	if (!S_ISDIR(oi->vfs.mode))
		return 0;
	struct inode *ldir = ovl_lower_dir(oi);
	if (ldir)
		return ovl_set_redirect(ofs, ovl_upper(oi), ldir);
	return ovl_set_opaque(ofs, ovl_upper(oi), oi);
}

static int rename_prepare(struct ovl_inode *od, const char *oname, struct ovl_inode *nd,
			  const char *nname, struct ovl_inode *src, struct ovl_inode *dst,
			  bool exchange)
{
	struct ovl_fs *ofs = OVL_FS(od->vfs.sb);
	int ret = 0;

	/* The upper directory may hold only whiteouts: the merged view decides. */
	if (!exchange && dst && S_ISDIR(dst->vfs.mode) && (ret = ovl_check_empty(dst)))
		return ret;
	ret = ovl_copy_up_at(src, od, oname);
	if (!ret && exchange)
		ret = ovl_copy_up_at(dst, nd, nname);
	if (!ret)
		ret = ovl_copy_up(nd, -1);
	if (!ret)
		ret = mark_moved_dir(ofs, src);
	if (!ret && exchange)
		ret = mark_moved_dir(ofs, dst);
	return ret;
}

static void remove_temp(struct inode *udir, const char *tmp)
{
	struct inode *w = ovl_real_lookup(udir, tmp);
	if (!w || IS_ERR(w) || ovl_remove_real(udir, tmp, w))
		pr_warn("overlay: cannot remove temporary %s", tmp);
	if (w && !IS_ERR(w))
		inode_put(w);
}

/*
 * Move uo/oname to un/nname and leave a whiteout at oname, all or
 * nothing: the whiteout, made aside, swaps places with the source (an
 * exchange allocates nothing, so it does not fail half-way), and the
 * source moves on from there.
 */
static int move_leaving_whiteout(struct ovl_fs *ofs, struct inode *uo, const char *oname,
				 struct inode *un, const char *nname)
{
	char tmp[32];
	int ret = ovl_temp_name(ofs, uo, tmp, sizeof(tmp));
	if (!ret)
		ret = ovl_whiteout(ofs, uo, tmp, NULL);
	if (ret)
		return ret;
	ret = ovl_rename_real(uo, tmp, uo, oname, LINUX_RENAME_EXCHANGE);
	if (!ret) {
		ret = ovl_rename_real(uo, tmp, un, nname, 0);
		if (ret && ovl_rename_real(uo, tmp, uo, oname, LINUX_RENAME_EXCHANGE))
			pr_warn("overlay: rename of %s failed and cannot be undone", oname);
	}
	if (ret)
		remove_temp(uo, tmp);
	return ret;
}

static void rename_done(struct ovl_inode *od, struct ovl_inode *nd, struct ovl_inode *src,
			struct ovl_inode *dst)
{
	ovl_sync(src);
	if (dst)
		ovl_sync(dst);
	ovl_sync(od);
	if (nd != od)
		ovl_sync(nd);
}

static int rename_move(struct ovl_inode *od, const char *oname, struct ovl_inode *nd,
		       const char *nname, struct ovl_inode *src, struct ovl_inode *dst)
{
	struct ovl_fs *ofs = OVL_FS(od->vfs.sb);
	struct inode *uo = ovl_upper(od), *un = ovl_upper(nd);
	int low = ovl_lower_has(od, oname);
	if (low < 0)
		return low;
	struct inode *udst = ovl_real_lookup(un, nname);
	if (IS_ERR(udst))
		return PTR_ERR(udst);
	int ret = 0;
	if (udst && S_ISDIR(udst->mode)) {
		/* Replaced by a rename, which wants it empty: its whiteouts go. */
		if (dst && ovl_lower_dir(dst))
			ret = ovl_set_opaque(ofs, udst, dst);
		if (!ret)
			ret = ovl_clear_whiteouts(udst);
	}
	if (!ret && low)
		ret = move_leaving_whiteout(ofs, uo, oname, un, nname);
	else if (!ret)
		ret = ovl_rename_real(uo, oname, un, nname, 0);
	if (!ret) {
		if (udst && !ovl_is_whiteout(udst))
			ovl_forget_upper(ofs, udst);
		if (dst && dst->parent == nd && strcmp(dst->name, nname) == 0)
			ovl_drop_alias(dst);
		if (dst && S_ISDIR(dst->vfs.mode))
			ovl_mark_opaque(dst); /* a replaced directory lists nothing */
		rename_done(od, nd, src, dst);
	}
	inode_put(udst);
	return ret;
}

int ovl_rename(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
	       unsigned flags)
{
	struct ovl_inode *od = OVL_I(odir), *nd = OVL_I(ndir);
	bool exchange = flags & LINUX_RENAME_EXCHANGE;

	struct inode *s = ovl_lookup(odir, oname);
	if (IS_ERR(s))
		return PTR_ERR(s);
	struct inode *d = ovl_lookup(ndir, nname);
	if (IS_ERR(d) && PTR_ERR(d) != -ENOENT) {
		inode_put(s);
		return PTR_ERR(d);
	}
	struct ovl_inode *src = OVL_I(s), *dst = IS_ERR(d) ? NULL : OVL_I(d);
	int ret = exchange && !dst ? -ENOENT : 0;
	if (!ret)
		ret = rename_prepare(od, oname, nd, nname, src, dst, exchange);
	if (!ret && exchange) {
		/* Both names stay taken: no whiteout is needed. */
		ret = ovl_rename_real(ovl_upper(od), oname, ovl_upper(nd), nname,
				      LINUX_RENAME_EXCHANGE);
		if (!ret)
			rename_done(od, nd, src, dst);
	} else if (!ret) {
		ret = rename_move(od, oname, nd, nname, src, dst);
	}
	inode_put(s);
	if (dst)
		inode_put(d);
	return ret;
}
