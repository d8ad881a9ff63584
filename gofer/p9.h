/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 9P2000.L wire format: message types, constants, and a codec that turns a
 * message into bytes and back. Shared by the gofer (server.c) and the
 * Sentry's client (client.c); it does no I/O and allocates nothing.
 *
 * Every message is  size[4] type[1] tag[2] body, little-endian, where size
 * counts the whole message. Decoding is strict: every field is bounds-checked
 * against size, counts and string lengths against what is left, and a
 * message with bytes left over, a string with a NUL in it, or a walk with
 * more than P9_MAXWELEM names is malformed. Decoded strings and data point
 * into the caller's buffer, which must outlive the decoded message.
 *
 * Layouts follow the 9P2000.L description in diod's protocol.md and Linux's
 * net/9p; p9.c lists each message's fields once, in wire order.
 */
#ifndef GOFER_P9_H
#define GOFER_P9_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/compiler.h"

enum p9_type {
	P9_TLERROR = 6, /* not a real request: Rlerror answers any T-message */
	P9_RLERROR,
	P9_TSTATFS = 8,
	P9_RSTATFS,
	P9_TLOPEN = 12,
	P9_RLOPEN,
	P9_TLCREATE = 14,
	P9_RLCREATE,
	P9_TSYMLINK = 16,
	P9_RSYMLINK,
	P9_TMKNOD = 18,
	P9_RMKNOD,
	P9_TRENAME = 20,
	P9_RRENAME,
	P9_TREADLINK = 22,
	P9_RREADLINK,
	P9_TGETATTR = 24,
	P9_RGETATTR,
	P9_TSETATTR = 26,
	P9_RSETATTR,
	P9_TXATTRWALK = 30,
	P9_RXATTRWALK,
	P9_TXATTRCREATE = 32,
	P9_RXATTRCREATE,
	P9_TREADDIR = 40,
	P9_RREADDIR,
	P9_TFSYNC = 50,
	P9_RFSYNC,
	P9_TLOCK = 52,
	P9_RLOCK,
	P9_TGETLOCK = 54,
	P9_RGETLOCK,
	P9_TLINK = 70,
	P9_RLINK,
	P9_TMKDIR = 72,
	P9_RMKDIR,
	P9_TRENAMEAT = 74,
	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,
	P9_RUNLINKAT,
	P9_TVERSION = 100,
	P9_RVERSION,
	P9_TAUTH = 102,
	P9_RAUTH,
	P9_TATTACH = 104,
	P9_RATTACH,
	P9_TFLUSH = 108,
	P9_RFLUSH,
	P9_TWALK = 110,
	P9_RWALK,
	P9_TREAD = 116,
	P9_RREAD,
	P9_TWRITE = 118,
	P9_RWRITE,
	P9_TCLUNK = 120,
	P9_RCLUNK,
	P9_TREMOVE = 122,
	P9_RREMOVE,
};

#define P9_VERSION_L "9P2000.L"
#define P9_NOTAG 0xffffU
#define P9_NOFID 0xffffffffU
#define P9_NONUNAME 0xffffffffU
#define P9_MAXWELEM 16
/* size[4] type[1] tag[2] */
#define P9_HDRSZ 7
/* What Tread/Twrite/Treaddir add around their data: count <= msize - this. */
#define P9_IOHDRSZ 24
#define P9_QIDSZ 13
/* The smallest msize either side accepts: room for a full Rgetattr and a
 * walk of P9_MAXWELEM maximal names would need more, but 4 KiB is what
 * every implementation takes for granted. */
#define P9_MSIZE_MIN 4096

/* qid.type bits */
#define P9_QTDIR 0x80
#define P9_QTAPPEND 0x40
#define P9_QTEXCL 0x20
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

/* Tlopen/Tlcreate flags: Linux's open(2) bits as 9P2000.L spells them
 * (the same numbers as x86-64's, but fixed by the protocol, not the host). */
#define P9_DOTL_RDONLY 00000000
#define P9_DOTL_WRONLY 00000001
#define P9_DOTL_RDWR 00000002
#define P9_DOTL_ACCMODE 00000003
#define P9_DOTL_CREATE 00000100
#define P9_DOTL_EXCL 00000200
#define P9_DOTL_NOCTTY 00000400
#define P9_DOTL_TRUNC 00001000
#define P9_DOTL_APPEND 00002000
#define P9_DOTL_NONBLOCK 00004000
#define P9_DOTL_DSYNC 00010000
#define P9_DOTL_FASYNC 00020000
#define P9_DOTL_DIRECT 00040000
#define P9_DOTL_LARGEFILE 00100000
#define P9_DOTL_DIRECTORY 00200000
#define P9_DOTL_NOFOLLOW 00400000
#define P9_DOTL_NOATIME 01000000
#define P9_DOTL_CLOEXEC 02000000
#define P9_DOTL_SYNC 04000000

/* Tunlinkat flags */
#define P9_DOTL_AT_REMOVEDIR 0x200

/* Tgetattr request_mask / Rgetattr valid */
#define P9_GETATTR_MODE 0x00000001ULL
#define P9_GETATTR_NLINK 0x00000002ULL
#define P9_GETATTR_UID 0x00000004ULL
#define P9_GETATTR_GID 0x00000008ULL
#define P9_GETATTR_RDEV 0x00000010ULL
#define P9_GETATTR_ATIME 0x00000020ULL
#define P9_GETATTR_MTIME 0x00000040ULL
#define P9_GETATTR_CTIME 0x00000080ULL
#define P9_GETATTR_INO 0x00000100ULL
#define P9_GETATTR_SIZE 0x00000200ULL
#define P9_GETATTR_BLOCKS 0x00000400ULL
#define P9_GETATTR_BTIME 0x00000800ULL
#define P9_GETATTR_GEN 0x00001000ULL
#define P9_GETATTR_DATA_VERSION 0x00002000ULL
#define P9_GETATTR_BASIC 0x000007ffULL
#define P9_GETATTR_ALL 0x00003fffULL

/* Tsetattr valid */
#define P9_SETATTR_MODE 0x00000001U
#define P9_SETATTR_UID 0x00000002U
#define P9_SETATTR_GID 0x00000004U
#define P9_SETATTR_SIZE 0x00000008U
#define P9_SETATTR_ATIME 0x00000010U
#define P9_SETATTR_MTIME 0x00000020U
#define P9_SETATTR_CTIME 0x00000040U
#define P9_SETATTR_ATIME_SET 0x00000080U
#define P9_SETATTR_MTIME_SET 0x00000100U

/* Tlock type / flags, Rlock status */
#define P9_LOCK_TYPE_RDLCK 0
#define P9_LOCK_TYPE_WRLCK 1
#define P9_LOCK_TYPE_UNLCK 2
#define P9_LOCK_FLAGS_BLOCK 1
#define P9_LOCK_FLAGS_RECLAIM 2
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_BLOCKED 1
#define P9_LOCK_ERROR 2
#define P9_LOCK_GRACE 3

struct p9_qid {
	u8 type;
	u32 version;
	u64 path;
};

/* A counted string; not NUL-terminated on the wire nor after decoding. */
struct p9_str {
	const char *s;
	u16 len;
};

struct p9_attr {
	u64 valid;
	struct p9_qid qid;
	u32 mode, uid, gid;
	u64 nlink, rdev, size, blksize, blocks;
	u64 atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	u64 ctime_sec, ctime_nsec, btime_sec, btime_nsec;
	u64 gen, data_version;
};

struct p9_setattr {
	u32 valid, mode, uid, gid;
	u64 size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct p9_statfs {
	u32 type, bsize;
	u64 blocks, bfree, bavail, files, ffree, fsid;
	u32 namelen;
};

/* Tgetlock and Rgetlock share a layout after Tgetlock's fid. */
struct p9_getlock {
	u8 type;
	u64 start, length;
	u32 proc_id;
	struct p9_str client_id;
};

/* One Rreaddir entry: qid[13] offset[8] type[1] name[s]. */
struct p9_dirent {
	struct p9_qid qid;
	u64 offset;
	u8 type;
	struct p9_str name;
};

/*
 * One decoded (or to-be-encoded) message. The union member is named after
 * the message type; R-messages with an empty body have no member.
 * Data pointers (Twrite, Rread, Rreaddir) point at `count` bytes.
 */
struct p9_msg {
	u8 type;
	u16 tag;
	union {
		struct {
			u32 msize;
			struct p9_str version;
		} tversion, rversion;
		struct {
			u32 afid;
			struct p9_str uname, aname;
			u32 n_uname;
		} tauth;
		struct {
			u32 fid, afid;
			struct p9_str uname, aname;
			u32 n_uname;
		} tattach;
		struct {
			struct p9_qid qid;
		} rauth, rattach, rsymlink, rmknod, rmkdir;
		struct {
			u32 ecode;
		} rlerror;
		struct {
			u16 oldtag;
		} tflush;
		struct {
			u32 fid, newfid;
			u16 nwname;
			struct p9_str wnames[P9_MAXWELEM];
		} twalk;
		struct {
			u16 nwqid;
			struct p9_qid wqids[P9_MAXWELEM];
		} rwalk;
		struct {
			u32 fid;
		} tstatfs, treadlink, tclunk, tremove;
		struct p9_statfs rstatfs;
		struct {
			u32 fid, flags;
		} tlopen;
		struct {
			struct p9_qid qid;
			u32 iounit;
		} rlopen, rlcreate;
		struct {
			u32 fid;
			struct p9_str name;
			u32 flags, mode, gid;
		} tlcreate;
		struct {
			u32 fid;
			struct p9_str name, symtgt;
			u32 gid;
		} tsymlink;
		struct {
			u32 dfid;
			struct p9_str name;
			u32 mode, major, minor, gid;
		} tmknod;
		struct {
			u32 fid, dfid;
			struct p9_str name;
		} trename;
		struct {
			struct p9_str target;
		} rreadlink;
		struct {
			u32 fid;
			u64 request_mask;
		} tgetattr;
		struct p9_attr rgetattr;
		struct {
			u32 fid;
			struct p9_setattr attr;
		} tsetattr;
		struct {
			u32 fid, newfid;
			struct p9_str name;
		} txattrwalk;
		struct {
			u64 size;
		} rxattrwalk;
		struct {
			u32 fid;
			struct p9_str name;
			u64 attr_size;
			u32 flags;
		} txattrcreate;
		struct {
			u32 fid;
			u64 offset;
			u32 count;
		} treaddir, tread;
		struct {
			u32 count;
			const void *data;
		} rreaddir, rread;
		struct {
			u32 fid, datasync;
		} tfsync;
		struct {
			u32 fid;
			u8 type;
			u32 flags;
			u64 start, length;
			u32 proc_id;
			struct p9_str client_id;
		} tlock;
		struct {
			u8 status;
		} rlock;
		struct {
			u32 fid;
			struct p9_getlock lock;
		} tgetlock;
		struct p9_getlock rgetlock;
		struct {
			u32 dfid, fid;
			struct p9_str name;
		} tlink;
		struct {
			u32 dfid;
			struct p9_str name;
			u32 mode, gid;
		} tmkdir;
		struct {
			u32 olddirfid;
			struct p9_str oldname;
			u32 newdirfid;
			struct p9_str newname;
		} trenameat;
		struct {
			u32 dirfid;
			struct p9_str name;
			u32 flags;
		} tunlinkat;
		struct {
			u32 fid;
			u64 offset;
			u32 count;
			const void *data;
		} twrite;
		struct {
			u32 count;
		} rwrite;
	};
};

/* True if the codec knows type (a T- or R-message of 9P2000.L). */
bool p9_type_known(u8 type);
/* "Tlopen", "Rwalk", ... or "?" for debug logs. */
const char *p9_type_name(u8 type);

/*
 * Decode the message in buf[0..len). buf starts at the size field and len
 * must equal it. On return m->type and m->tag are set whenever len >= 7,
 * even on failure, so that a server can answer a bad request with Rlerror.
 * Returns 0, -EBADMSG if malformed, -EOPNOTSUPP if the type is unknown.
 */
int p9_decode(const void *buf, size_t len, struct p9_msg *m) __must_check;

/* The encoded size of m (header included), or -EMSGSIZE if over 4 GiB or
 * a field cannot be encoded (a count that does not match its data). */
ssize_t p9_msg_size(const struct p9_msg *m) __must_check;

/*
 * Encode m into buf, which has room for cap bytes. Data fields may point
 * anywhere, also into buf itself at their final place (they are moved with
 * memmove). Returns the message length, or -EMSGSIZE if it does not fit,
 * -EOPNOTSUPP for an unknown type.
 */
ssize_t p9_encode(const struct p9_msg *m, void *buf, size_t cap) __must_check;

/* Append one Rreaddir entry at buf; returns its length or -EMSGSIZE. */
ssize_t p9_dirent_encode(const struct p9_dirent *d, void *buf, size_t cap) __must_check;
/* Decode the entry at buf[0..len); returns its length or -EBADMSG. The
 * name points into buf. */
ssize_t p9_dirent_decode(const void *buf, size_t len, struct p9_dirent *d) __must_check;

/* A p9_str over a C string; returns -ENAMETOOLONG past 65535 bytes. */
int p9_str_from(struct p9_str *out, const char *s) __must_check;
/* True if a and the C string b are equal. */
bool p9_str_eq(struct p9_str a, const char *b);
/*
 * Copy s into dst[size] with a terminating NUL; -ENAMETOOLONG if it does not
 * fit. (Decoded strings never contain NUL, so the copy is the whole string.)
 */
int p9_str_copy(char *dst, size_t size, struct p9_str s) __must_check;

#endif
