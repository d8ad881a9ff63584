// SPDX-License-Identifier: Apache-2.0
/*
 * The 9P2000.L codec. Each message's layout is written once, as a transfer
 * function over a cursor that runs in one of three modes: measure (count the
 * bytes), encode (write them), or decode (read and check them). Because the
 * same function does all three, encoding and decoding cannot disagree about
 * a layout, and the round-trip tests cover both directions at once.
 *
 * The cursor's error flag is sticky: once a field does not fit, every later
 * field is a no-op, and the caller checks the flag once at the end. No field
 * is read before its bytes are known to be in the buffer.
 */
#include <errno.h>
#include <string.h>

#include "p9.h"

enum cur_mode { CUR_MEASURE, CUR_ENCODE, CUR_DECODE };

struct cur {
	enum cur_mode mode;
	u8 *buf; /* NULL when measuring */
	size_t cap, pos;
	bool err;
};

typedef void (*xfer_fn)(struct cur *c, struct p9_msg *m);

/* Reserve n bytes at the cursor; false (and the error set) if they do not fit. */
static bool room(struct cur *c, size_t n)
{
	if (c->err)
		return false;
	if (c->mode != CUR_MEASURE && n > c->cap - c->pos) {
		c->err = true;
		return false;
	}
	return true;
}

static void x_uint(struct cur *c, void *v, size_t n)
{
	if (!room(c, n))
		return;
	/* Little-endian on the wire; built byte by byte so that the host's
	 * byte order and alignment never matter. */
	u64 val = 0;
	if (c->mode == CUR_ENCODE) {
		switch (n) {
		case 1:
			val = *(u8 *)v;
			break;
		case 2:
			val = *(u16 *)v;
			break;
		case 4:
			val = *(u32 *)v;
			break;
		default:
			val = *(u64 *)v;
		}
		for (size_t i = 0; i < n; i++)
			c->buf[c->pos + i] = val >> (8 * i);
	} else if (c->mode == CUR_DECODE) {
		for (size_t i = 0; i < n; i++)
			val |= (u64)c->buf[c->pos + i] << (8 * i);
		switch (n) {
		case 1:
			*(u8 *)v = val;
			break;
		case 2:
			*(u16 *)v = val;
			break;
		case 4:
			*(u32 *)v = val;
			break;
		default:
			*(u64 *)v = val;
		}
	}
	c->pos += n;
}

static void x_u8(struct cur *c, u8 *v)
{
	x_uint(c, v, 1);
}

static void x_u16(struct cur *c, u16 *v)
{
	x_uint(c, v, 2);
}

static void x_u32(struct cur *c, u32 *v)
{
	x_uint(c, v, 4);
}

static void x_u64(struct cur *c, u64 *v)
{
	x_uint(c, v, 8);
}

/* n raw bytes at *p: decoding points *p into the buffer, encoding copies. */
static void x_bytes(struct cur *c, const void **p, size_t n)
{
	if (!room(c, n))
		return;
	if (c->mode == CUR_ENCODE && n) {
		if (!*p) {
			c->err = true;
			return;
		}
		memmove(c->buf + c->pos, *p, n);
	} else if (c->mode == CUR_DECODE) {
		*p = c->buf + c->pos;
	}
	c->pos += n;
}

/* len[2] bytes[len]; a decoded string with a NUL in it is malformed, as no
 * 9P2000.L string (name, path, xattr name, version) can hold one. */
static void x_str(struct cur *c, struct p9_str *s)
{
	const void *p = s->s;

	x_u16(c, &s->len);
	x_bytes(c, &p, s->len);
	if (c->mode != CUR_DECODE || c->err)
		return;
	s->s = p;
	if (memchr(p, 0, s->len))
		c->err = true;
}

static void x_qid(struct cur *c, struct p9_qid *q)
{
	x_u8(c, &q->type);
	x_u32(c, &q->version);
	x_u64(c, &q->path);
}

/* count[4] data[count] */
static void x_data(struct cur *c, u32 *count, const void **data)
{
	x_u32(c, count);
	x_bytes(c, data, *count);
}

/* --- One transfer function per layout, fields in wire order. --- */

static void x_version(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tversion.msize);
	x_str(c, &m->tversion.version);
}

static void x_tauth(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tauth.afid);
	x_str(c, &m->tauth.uname);
	x_str(c, &m->tauth.aname);
	x_u32(c, &m->tauth.n_uname);
}

static void x_tattach(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tattach.fid);
	x_u32(c, &m->tattach.afid);
	x_str(c, &m->tattach.uname);
	x_str(c, &m->tattach.aname);
	x_u32(c, &m->tattach.n_uname);
}

/* Rauth, Rattach, Rsymlink, Rmknod, Rmkdir: qid[13] */
static void x_rqid(struct cur *c, struct p9_msg *m)
{
	x_qid(c, &m->rattach.qid);
}

static void x_rlerror(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->rlerror.ecode);
}

static void x_tflush(struct cur *c, struct p9_msg *m)
{
	x_u16(c, &m->tflush.oldtag);
}

static void x_twalk(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->twalk.fid);
	x_u32(c, &m->twalk.newfid);
	x_u16(c, &m->twalk.nwname);
	if (m->twalk.nwname > P9_MAXWELEM) {
		c->err = true;
		return;
	}
	for (u16 i = 0; i < m->twalk.nwname; i++)
		x_str(c, &m->twalk.wnames[i]);
}

static void x_rwalk(struct cur *c, struct p9_msg *m)
{
	x_u16(c, &m->rwalk.nwqid);
	if (m->rwalk.nwqid > P9_MAXWELEM) {
		c->err = true;
		return;
	}
	for (u16 i = 0; i < m->rwalk.nwqid; i++)
		x_qid(c, &m->rwalk.wqids[i]);
}

/* Tstatfs, Treadlink, Tclunk, Tremove: fid[4] */
static void x_tfid(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tclunk.fid);
}

static void x_rstatfs(struct cur *c, struct p9_msg *m)
{
	struct p9_statfs *s = &m->rstatfs;

	x_u32(c, &s->type);
	x_u32(c, &s->bsize);
	x_u64(c, &s->blocks);
	x_u64(c, &s->bfree);
	x_u64(c, &s->bavail);
	x_u64(c, &s->files);
	x_u64(c, &s->ffree);
	x_u64(c, &s->fsid);
	x_u32(c, &s->namelen);
}

static void x_tlopen(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tlopen.fid);
	x_u32(c, &m->tlopen.flags);
}

/* Rlopen, Rlcreate: qid[13] iounit[4] */
static void x_ropen(struct cur *c, struct p9_msg *m)
{
	x_qid(c, &m->rlopen.qid);
	x_u32(c, &m->rlopen.iounit);
}

static void x_tlcreate(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tlcreate.fid);
	x_str(c, &m->tlcreate.name);
	x_u32(c, &m->tlcreate.flags);
	x_u32(c, &m->tlcreate.mode);
	x_u32(c, &m->tlcreate.gid);
}

static void x_tsymlink(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tsymlink.fid);
	x_str(c, &m->tsymlink.name);
	x_str(c, &m->tsymlink.symtgt);
	x_u32(c, &m->tsymlink.gid);
}

static void x_tmknod(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tmknod.dfid);
	x_str(c, &m->tmknod.name);
	x_u32(c, &m->tmknod.mode);
	x_u32(c, &m->tmknod.major);
	x_u32(c, &m->tmknod.minor);
	x_u32(c, &m->tmknod.gid);
}

static void x_trename(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->trename.fid);
	x_u32(c, &m->trename.dfid);
	x_str(c, &m->trename.name);
}

static void x_rreadlink(struct cur *c, struct p9_msg *m)
{
	x_str(c, &m->rreadlink.target);
}

static void x_tgetattr(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tgetattr.fid);
	x_u64(c, &m->tgetattr.request_mask);
}

static void x_rgetattr(struct cur *c, struct p9_msg *m)
{
	struct p9_attr *a = &m->rgetattr;

	x_u64(c, &a->valid);
	x_qid(c, &a->qid);
	x_u32(c, &a->mode);
	x_u32(c, &a->uid);
	x_u32(c, &a->gid);
	x_u64(c, &a->nlink);
	x_u64(c, &a->rdev);
	x_u64(c, &a->size);
	x_u64(c, &a->blksize);
	x_u64(c, &a->blocks);
	x_u64(c, &a->atime_sec);
	x_u64(c, &a->atime_nsec);
	x_u64(c, &a->mtime_sec);
	x_u64(c, &a->mtime_nsec);
	x_u64(c, &a->ctime_sec);
	x_u64(c, &a->ctime_nsec);
	x_u64(c, &a->btime_sec);
	x_u64(c, &a->btime_nsec);
	x_u64(c, &a->gen);
	x_u64(c, &a->data_version);
}

static void x_tsetattr(struct cur *c, struct p9_msg *m)
{
	struct p9_setattr *a = &m->tsetattr.attr;

	x_u32(c, &m->tsetattr.fid);
	x_u32(c, &a->valid);
	x_u32(c, &a->mode);
	x_u32(c, &a->uid);
	x_u32(c, &a->gid);
	x_u64(c, &a->size);
	x_u64(c, &a->atime_sec);
	x_u64(c, &a->atime_nsec);
	x_u64(c, &a->mtime_sec);
	x_u64(c, &a->mtime_nsec);
}

static void x_txattrwalk(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->txattrwalk.fid);
	x_u32(c, &m->txattrwalk.newfid);
	x_str(c, &m->txattrwalk.name);
}

static void x_rxattrwalk(struct cur *c, struct p9_msg *m)
{
	x_u64(c, &m->rxattrwalk.size);
}

static void x_txattrcreate(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->txattrcreate.fid);
	x_str(c, &m->txattrcreate.name);
	x_u64(c, &m->txattrcreate.attr_size);
	x_u32(c, &m->txattrcreate.flags);
}

/* Treaddir, Tread: fid[4] offset[8] count[4] */
static void x_tio(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tread.fid);
	x_u64(c, &m->tread.offset);
	x_u32(c, &m->tread.count);
}

/* Rreaddir, Rread: count[4] data[count] */
static void x_rdata(struct cur *c, struct p9_msg *m)
{
	x_data(c, &m->rread.count, &m->rread.data);
}

static void x_tfsync(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tfsync.fid);
	x_u32(c, &m->tfsync.datasync);
}

static void x_tlock(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tlock.fid);
	x_u8(c, &m->tlock.type);
	x_u32(c, &m->tlock.flags);
	x_u64(c, &m->tlock.start);
	x_u64(c, &m->tlock.length);
	x_u32(c, &m->tlock.proc_id);
	x_str(c, &m->tlock.client_id);
}

static void x_rlock(struct cur *c, struct p9_msg *m)
{
	x_u8(c, &m->rlock.status);
}

static void x_getlock(struct cur *c, struct p9_getlock *l)
{
	x_u8(c, &l->type);
	x_u64(c, &l->start);
	x_u64(c, &l->length);
	x_u32(c, &l->proc_id);
	x_str(c, &l->client_id);
}

static void x_tgetlock(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tgetlock.fid);
	x_getlock(c, &m->tgetlock.lock);
}

static void x_rgetlock(struct cur *c, struct p9_msg *m)
{
	x_getlock(c, &m->rgetlock);
}

static void x_tlink(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tlink.dfid);
	x_u32(c, &m->tlink.fid);
	x_str(c, &m->tlink.name);
}

static void x_tmkdir(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tmkdir.dfid);
	x_str(c, &m->tmkdir.name);
	x_u32(c, &m->tmkdir.mode);
	x_u32(c, &m->tmkdir.gid);
}

static void x_trenameat(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->trenameat.olddirfid);
	x_str(c, &m->trenameat.oldname);
	x_u32(c, &m->trenameat.newdirfid);
	x_str(c, &m->trenameat.newname);
}

static void x_tunlinkat(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->tunlinkat.dirfid);
	x_str(c, &m->tunlinkat.name);
	x_u32(c, &m->tunlinkat.flags);
}

static void x_twrite(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->twrite.fid);
	x_u64(c, &m->twrite.offset);
	x_data(c, &m->twrite.count, &m->twrite.data);
}

static void x_rwrite(struct cur *c, struct p9_msg *m)
{
	x_u32(c, &m->rwrite.count);
}

/* Messages whose body is empty. */
static void x_empty(struct cur *c, struct p9_msg *m)
{
}

struct layout {
	const char *name;
	xfer_fn xfer;
};

static const struct layout layouts[256] = {
	[P9_RLERROR] = {"Rlerror", x_rlerror},
	[P9_TSTATFS] = {"Tstatfs", x_tfid},
	[P9_RSTATFS] = {"Rstatfs", x_rstatfs},
	[P9_TLOPEN] = {"Tlopen", x_tlopen},
	[P9_RLOPEN] = {"Rlopen", x_ropen},
	[P9_TLCREATE] = {"Tlcreate", x_tlcreate},
	[P9_RLCREATE] = {"Rlcreate", x_ropen},
	[P9_TSYMLINK] = {"Tsymlink", x_tsymlink},
	[P9_RSYMLINK] = {"Rsymlink", x_rqid},
	[P9_TMKNOD] = {"Tmknod", x_tmknod},
	[P9_RMKNOD] = {"Rmknod", x_rqid},
	[P9_TRENAME] = {"Trename", x_trename},
	[P9_RRENAME] = {"Rrename", x_empty},
	[P9_TREADLINK] = {"Treadlink", x_tfid},
	[P9_RREADLINK] = {"Rreadlink", x_rreadlink},
	[P9_TGETATTR] = {"Tgetattr", x_tgetattr},
	[P9_RGETATTR] = {"Rgetattr", x_rgetattr},
	[P9_TSETATTR] = {"Tsetattr", x_tsetattr},
	[P9_RSETATTR] = {"Rsetattr", x_empty},
	[P9_TXATTRWALK] = {"Txattrwalk", x_txattrwalk},
	[P9_RXATTRWALK] = {"Rxattrwalk", x_rxattrwalk},
	[P9_TXATTRCREATE] = {"Txattrcreate", x_txattrcreate},
	[P9_RXATTRCREATE] = {"Rxattrcreate", x_empty},
	[P9_TREADDIR] = {"Treaddir", x_tio},
	[P9_RREADDIR] = {"Rreaddir", x_rdata},
	[P9_TFSYNC] = {"Tfsync", x_tfsync},
	[P9_RFSYNC] = {"Rfsync", x_empty},
	[P9_TLOCK] = {"Tlock", x_tlock},
	[P9_RLOCK] = {"Rlock", x_rlock},
	[P9_TGETLOCK] = {"Tgetlock", x_tgetlock},
	[P9_RGETLOCK] = {"Rgetlock", x_rgetlock},
	[P9_TLINK] = {"Tlink", x_tlink},
	[P9_RLINK] = {"Rlink", x_empty},
	[P9_TMKDIR] = {"Tmkdir", x_tmkdir},
	[P9_RMKDIR] = {"Rmkdir", x_rqid},
	[P9_TRENAMEAT] = {"Trenameat", x_trenameat},
	[P9_RRENAMEAT] = {"Rrenameat", x_empty},
	[P9_TUNLINKAT] = {"Tunlinkat", x_tunlinkat},
	[P9_RUNLINKAT] = {"Runlinkat", x_empty},
	[P9_TVERSION] = {"Tversion", x_version},
	[P9_RVERSION] = {"Rversion", x_version},
	[P9_TAUTH] = {"Tauth", x_tauth},
	[P9_RAUTH] = {"Rauth", x_rqid},
	[P9_TATTACH] = {"Tattach", x_tattach},
	[P9_RATTACH] = {"Rattach", x_rqid},
	[P9_TFLUSH] = {"Tflush", x_tflush},
	[P9_RFLUSH] = {"Rflush", x_empty},
	[P9_TWALK] = {"Twalk", x_twalk},
	[P9_RWALK] = {"Rwalk", x_rwalk},
	[P9_TREAD] = {"Tread", x_tio},
	[P9_RREAD] = {"Rread", x_rdata},
	[P9_TWRITE] = {"Twrite", x_twrite},
	[P9_RWRITE] = {"Rwrite", x_rwrite},
	[P9_TCLUNK] = {"Tclunk", x_tfid},
	[P9_RCLUNK] = {"Rclunk", x_empty},
	[P9_TREMOVE] = {"Tremove", x_tfid},
	[P9_RREMOVE] = {"Rremove", x_empty},
};

bool p9_type_known(u8 type)
{
	return layouts[type].xfer != NULL;
}

const char *p9_type_name(u8 type)
{
	return layouts[type].name ?: "?";
}

/* size[4] type[1] tag[2] body */
static void x_msg(struct cur *c, struct p9_msg *m, u32 *size)
{
	x_u32(c, size);
	x_u8(c, &m->type);
	x_u16(c, &m->tag);
	layouts[m->type].xfer(c, m);
}

int p9_decode(const void *buf, size_t len, struct p9_msg *m)
{
	struct cur c = {.mode = CUR_DECODE, .buf = (u8 *)buf, .cap = len};
	u32 size;

	memset(m, 0, sizeof(*m));
	if (len < P9_HDRSZ)
		return -EBADMSG;
	/* The header first, alone, so type and tag are known for an Rlerror. */
	x_u32(&c, &size);
	x_u8(&c, &m->type);
	x_u16(&c, &m->tag);
	if (size != len)
		return -EBADMSG;
	if (!p9_type_known(m->type))
		return -EOPNOTSUPP;
	layouts[m->type].xfer(&c, m);
	if (c.err || c.pos != len)
		return -EBADMSG;
	return 0;
}

ssize_t p9_msg_size(const struct p9_msg *m)
{
	struct p9_msg copy = *m;
	struct cur c = {.mode = CUR_MEASURE};
	u32 size = 0;

	if (!p9_type_known(m->type))
		return -EOPNOTSUPP;
	x_msg(&c, &copy, &size);
	if (c.err || c.pos > UINT32_MAX)
		return -EMSGSIZE;
	return c.pos;
}

ssize_t p9_encode(const struct p9_msg *m, void *buf, size_t cap)
{
	/* The transfer functions take non-const pointers (decoding writes
	 * through them); encode from a copy so that m stays const. */
	struct p9_msg copy = *m;
	struct cur c = {.mode = CUR_ENCODE, .buf = buf, .cap = cap};
	ssize_t size = p9_msg_size(m);
	u32 size32;

	if (size < 0)
		return size;
	if ((size_t)size > cap)
		return -EMSGSIZE;
	size32 = size;
	x_msg(&c, &copy, &size32);
	if (c.err)
		return -EMSGSIZE;
	return size;
}

static void x_dirent(struct cur *c, struct p9_dirent *d)
{
	x_qid(c, &d->qid);
	x_u64(c, &d->offset);
	x_u8(c, &d->type);
	x_str(c, &d->name);
}

ssize_t p9_dirent_encode(const struct p9_dirent *d, void *buf, size_t cap)
{
	struct p9_dirent copy = *d;
	struct cur c = {.mode = CUR_ENCODE, .buf = buf, .cap = cap};

	x_dirent(&c, &copy);
	return c.err ? -EMSGSIZE : (ssize_t)c.pos;
}

ssize_t p9_dirent_decode(const void *buf, size_t len, struct p9_dirent *d)
{
	struct cur c = {.mode = CUR_DECODE, .buf = (u8 *)buf, .cap = len};

	memset(d, 0, sizeof(*d));
	x_dirent(&c, d);
	return c.err ? -EBADMSG : (ssize_t)c.pos;
}

int p9_str_from(struct p9_str *out, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT16_MAX)
		return -ENAMETOOLONG;
	*out = (struct p9_str){.s = s, .len = n};
	return 0;
}

bool p9_str_eq(struct p9_str a, const char *b)
{
	return strlen(b) == a.len && (!a.len || !memcmp(a.s, b, a.len));
}

int p9_str_copy(char *dst, size_t size, struct p9_str s)
{
	if ((size_t)s.len >= size)
		return -ENAMETOOLONG;
	if (s.len)
		memcpy(dst, s.s, s.len);
	dst[s.len] = 0;
	return 0;
}
