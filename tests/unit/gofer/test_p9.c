// SPDX-License-Identifier: Apache-2.0
/*
 * The 9P2000.L codec (gofer/p9.c): every message type round-trips; known
 * layouts give the bytes the protocol says; truncated, padded, oversized
 * and garbage messages are refused without reading past their end (the
 * sanitizer build checks that: every buffer here is exactly sized).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gofer/p9.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static struct p9_str S(const char *s) {
	return (struct p9_str){s, strlen(s)};
}

static const u8 payload[] = "some data, not a string\0with a NUL";

static const struct p9_qid qid1 = {P9_QTDIR, 0x01020304, 0x1122334455667788ULL};

/* A message of type t with a distinctive value in every field. */
static struct p9_msg sample(u8 t)
{
	struct p9_msg m = {.type = t, .tag = 0xbeef};

	switch (t) {
	case P9_TVERSION:
	case P9_RVERSION:
		m.tversion.msize = 65536;
		m.tversion.version = S(P9_VERSION_L);
		break;
	case P9_TAUTH:
		m.tauth.afid = 3;
		m.tauth.uname = S("user");
		m.tauth.aname = S("/tree");
		m.tauth.n_uname = 1000;
		break;
	case P9_TATTACH:
		m.tattach.fid = 1;
		m.tattach.afid = P9_NOFID;
		m.tattach.uname = S("root");
		m.tattach.aname = S("/");
		m.tattach.n_uname = P9_NONUNAME;
		break;
	case P9_RAUTH:
	case P9_RATTACH:
	case P9_RSYMLINK:
	case P9_RMKNOD:
	case P9_RMKDIR:
		m.rattach.qid = qid1;
		break;
	case P9_RLERROR:
		m.rlerror.ecode = ENOENT;
		break;
	case P9_TFLUSH:
		m.tflush.oldtag = 42;
		break;
	case P9_TWALK:
		m.twalk.fid = 5;
		m.twalk.newfid = 6;
		m.twalk.nwname = 3;
		m.twalk.wnames[0] = S("usr");
		m.twalk.wnames[1] = S("");
		m.twalk.wnames[2] = S("..");
		break;
	case P9_RWALK:
		m.rwalk.nwqid = 2;
		m.rwalk.wqids[0] = qid1;
		m.rwalk.wqids[1] = (struct p9_qid){P9_QTSYMLINK, 7, 9};
		break;
	case P9_TSTATFS:
	case P9_TREADLINK:
	case P9_TCLUNK:
	case P9_TREMOVE:
		m.tclunk.fid = 0x12345678;
		break;
	case P9_RSTATFS:
		m.rstatfs = (struct p9_statfs){1, 2, 3, 4, 5, 6, 7, 8, 9};
		break;
	case P9_TLOPEN:
		m.tlopen.fid = 9;
		m.tlopen.flags = P9_DOTL_RDWR | P9_DOTL_TRUNC;
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		m.rlopen.qid = qid1;
		m.rlopen.iounit = 8168;
		break;
	case P9_TLCREATE:
		m.tlcreate = (typeof(m.tlcreate)){10, S("new"), P9_DOTL_WRONLY, 0644, 100};
		break;
	case P9_TSYMLINK:
		m.tsymlink = (typeof(m.tsymlink)){11, S("link"), S("/etc/passwd"), 100};
		break;
	case P9_TMKNOD:
		m.tmknod = (typeof(m.tmknod)){12, S("fifo"), 010644, 1, 2, 100};
		break;
	case P9_TRENAME:
		m.trename = (typeof(m.trename)){13, 14, S("renamed")};
		break;
	case P9_RREADLINK:
		m.rreadlink.target = S("../target");
		break;
	case P9_TGETATTR:
		m.tgetattr.fid = 15;
		m.tgetattr.request_mask = P9_GETATTR_ALL;
		break;
	case P9_RGETATTR:
		m.rgetattr = (struct p9_attr){P9_GETATTR_BASIC,
					      qid1,
					      0100644,
					      1000,
					      100,
					      1,
					      2,
					      3,
					      4,
					      5,
					      6,
					      7,
					      8,
					      9,
					      10,
					      11,
					      12,
					      13,
					      14,
					      15};
		break;
	case P9_TSETATTR:
		m.tsetattr.fid = 16;
		m.tsetattr.attr = (struct p9_setattr){
			P9_SETATTR_MODE | P9_SETATTR_SIZE, 0600, 1, 2, 4096, 5, 6, 7, 8};
		break;
	case P9_TXATTRWALK:
		m.txattrwalk = (typeof(m.txattrwalk)){17, 18, S("user.x")};
		break;
	case P9_RXATTRWALK:
		m.rxattrwalk.size = 1234;
		break;
	case P9_TXATTRCREATE:
		m.txattrcreate = (typeof(m.txattrcreate)){19, S("user.y"), 55, 1};
		break;
	case P9_TREADDIR:
	case P9_TREAD:
		m.tread.fid = 20;
		m.tread.offset = 0x100000000ULL;
		m.tread.count = 4096;
		break;
	case P9_RREADDIR:
	case P9_RREAD:
		m.rread.count = sizeof(payload);
		m.rread.data = payload;
		break;
	case P9_TFSYNC:
		m.tfsync.fid = 21;
		m.tfsync.datasync = 1;
		break;
	case P9_TLOCK:
		m.tlock = (typeof(m.tlock)){22, P9_LOCK_TYPE_WRLCK, P9_LOCK_FLAGS_BLOCK, 10, 20,
					    99, S("host")};
		break;
	case P9_RLOCK:
		m.rlock.status = P9_LOCK_BLOCKED;
		break;
	case P9_TGETLOCK:
		m.tgetlock.fid = 23;
		m.tgetlock.lock = (struct p9_getlock){P9_LOCK_TYPE_RDLCK, 1, 2, 3, S("host")};
		break;
	case P9_RGETLOCK:
		m.rgetlock = (struct p9_getlock){P9_LOCK_TYPE_UNLCK, 4, 5, 6, S("other")};
		break;
	case P9_TLINK:
		m.tlink = (typeof(m.tlink)){24, 25, S("hard")};
		break;
	case P9_TMKDIR:
		m.tmkdir = (typeof(m.tmkdir)){26, S("dir"), 0755, 100};
		break;
	case P9_TRENAMEAT:
		m.trenameat = (typeof(m.trenameat)){27, S("old"), 28, S("new")};
		break;
	case P9_TUNLINKAT:
		m.tunlinkat = (typeof(m.tunlinkat)){29, S("gone"), P9_DOTL_AT_REMOVEDIR};
		break;
	case P9_TWRITE:
		m.twrite.fid = 30;
		m.twrite.offset = 77;
		m.twrite.count = sizeof(payload);
		m.twrite.data = payload;
		break;
	case P9_RWRITE:
		m.rwrite.count = 4096;
		break;
	}
	return m;
}

/* Encode into an exactly sized buffer the caller frees. */
static u8 *encode(const struct p9_msg *m, size_t *len)
{
	ssize_t n = p9_msg_size(m);
	u8 *buf;

	assert_true(n >= P9_HDRSZ);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(p9_encode(m, buf, n), n);
	*len = n;
	return buf;
}

static void put_size(u8 *buf, u32 size)
{
	for (int i = 0; i < 4; i++)
		buf[i] = size >> (8 * i);
}

static void test_p9_roundtrip_every_type(void **state)
{
	int types = 0;

	for (int t = 0; t < 256; t++) {
		struct p9_msg m, d;
		size_t len, len2;
		u8 *buf, *again;

		if (!p9_type_known(t))
			continue;
		types++;
		m = sample(t);
		buf = encode(&m, &len);
		assert_int_equal(p9_decode(buf, len, &d), 0);
		assert_int_equal(d.type, t);
		assert_int_equal(d.tag, 0xbeef);
		/* The decoded message encodes to the same bytes. */
		again = encode(&d, &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
		free(again);
		free(buf);
	}
	/* 9P2000.L's T/R pairs, Rlerror, Tauth/Rauth and Tflush/Rflush. */
	assert_int_equal(types, 57);
}

static void test_p9_fields_survive(void **state)
{
	struct p9_msg m = sample(P9_TWALK), d;
	size_t len;
	u8 *buf = encode(&m, &len);

	assert_int_equal(p9_decode(buf, len, &d), 0);
	assert_int_equal(d.twalk.fid, 5);
	assert_int_equal(d.twalk.newfid, 6);
	assert_int_equal(d.twalk.nwname, 3);
	assert_true(p9_str_eq(d.twalk.wnames[0], "usr"));
	assert_true(p9_str_eq(d.twalk.wnames[1], ""));
	assert_true(p9_str_eq(d.twalk.wnames[2], ".."));
	free(buf);

	m = sample(P9_RGETATTR);
	buf = encode(&m, &len);
	assert_int_equal(p9_decode(buf, len, &d), 0);
	assert_memory_equal(&d.rgetattr.qid, &qid1, sizeof(qid1));
	assert_int_equal(d.rgetattr.mode, 0100644);
	assert_int_equal(d.rgetattr.data_version, 15);
	free(buf);

	m = sample(P9_TWRITE);
	buf = encode(&m, &len);
	assert_int_equal(p9_decode(buf, len, &d), 0);
	assert_int_equal(d.twrite.count, sizeof(payload));
	assert_memory_equal(d.twrite.data, payload, sizeof(payload));
	assert_int_equal(d.twrite.offset, 77);
	free(buf);
}

/* Byte-exact layouts from the protocol description. */
static void test_p9_wire_layouts(void **state)
{
	static const u8 tversion[] = {21, 0, 0,	  0,   100, 0xff, 0xff, 0x00, 0x00, 0x01, 0,
				      8,  0, '9', 'P', '2', '0',  '0',	'0',  '.',  'L'};
	static const u8 rlerror[] = {11, 0, 0, 0, 7, 0xef, 0xbe, 2, 0, 0, 0};
	static const u8 tclunk[] = {11, 0, 0, 0, 120, 0xef, 0xbe, 0x78, 0x56, 0x34, 0x12};
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG};
	u8 buf[64];

	m.tversion.msize = 65536;
	m.tversion.version = S(P9_VERSION_L);
	assert_int_equal(p9_encode(&m, buf, sizeof(buf)), sizeof(tversion));
	assert_memory_equal(buf, tversion, sizeof(tversion));
	m = sample(P9_RLERROR);
	assert_int_equal(p9_encode(&m, buf, sizeof(buf)), sizeof(rlerror));
	assert_memory_equal(buf, rlerror, sizeof(rlerror));
	m = sample(P9_TCLUNK);
	assert_int_equal(p9_encode(&m, buf, sizeof(buf)), sizeof(tclunk));
	assert_memory_equal(buf, tclunk, sizeof(tclunk));

	/* Sizes that follow from the layouts in protocol.md. */
	m = sample(P9_RGETATTR);
	assert_int_equal(p9_msg_size(&m), 7 + 8 + 13 + 3 * 4 + 15 * 8);
	m = sample(P9_TSETATTR);
	assert_int_equal(p9_msg_size(&m), 7 + 4 + 4 * 4 + 5 * 8);
	m = sample(P9_RSTATFS);
	assert_int_equal(p9_msg_size(&m), 7 + 2 * 4 + 6 * 8 + 4);
	m = sample(P9_RLOPEN);
	assert_int_equal(p9_msg_size(&m), 7 + 13 + 4);
	m = sample(P9_TLOCK);
	assert_int_equal(p9_msg_size(&m), 7 + 4 + 1 + 4 + 8 + 8 + 4 + 2 + 4);
	m = sample(P9_TREAD);
	assert_int_equal(p9_msg_size(&m), 7 + 4 + 8 + 4);
	m = sample(P9_TWRITE);
	assert_int_equal(p9_msg_size(&m), 7 + 4 + 8 + 4 + sizeof(payload));
	/* Twrite's header is what P9_IOHDRSZ leaves room for. */
	assert_true(7 + 4 + 8 + 4 <= P9_IOHDRSZ);
}

/* Every proper prefix of every message, with its size field fixed up to
 * match, is malformed; so is the message with a byte more. */
static void test_p9_truncated_and_padded_rejected(void **state)
{
	for (int t = 0; t < 256; t++) {
		struct p9_msg m, d;
		size_t len;
		u8 *buf;

		if (!p9_type_known(t))
			continue;
		m = sample(t);
		buf = encode(&m, &len);
		for (size_t cut = P9_HDRSZ; cut < len; cut++) {
			u8 *part = malloc(cut);
			memcpy(part, buf, cut);
			put_size(part, cut);
			assert_int_equal(p9_decode(part, cut, &d), -EBADMSG);
			/* The header is still known, for the Rlerror. */
			assert_int_equal(d.type, t);
			assert_int_equal(d.tag, 0xbeef);
			free(part);
		}
		buf = realloc(buf, len + 1);
		buf[len] = 0;
		put_size(buf, len + 1);
		assert_int_equal(p9_decode(buf, len + 1, &d), -EBADMSG);
		/* A size field that disagrees with the length read. */
		put_size(buf, len + 2);
		assert_int_equal(p9_decode(buf, len + 1, &d), -EBADMSG);
		free(buf);
	}
}

static void test_p9_bad_headers(void **state)
{
	static const u8 unknown[] = {7, 0, 0, 0, 99, 1, 0};
	static const u8 tlerror[] = {7, 0, 0, 0, P9_TLERROR, 1, 0};
	struct p9_msg d;

	for (size_t len = 0; len < P9_HDRSZ; len++)
		assert_int_equal(p9_decode(unknown, len, &d), -EBADMSG);
	assert_int_equal(p9_decode(unknown, sizeof(unknown), &d), -EOPNOTSUPP);
	assert_int_equal(d.tag, 1);
	assert_int_equal(p9_decode(tlerror, sizeof(tlerror), &d), -EOPNOTSUPP);
}

static void test_p9_strings_and_counts_checked(void **state)
{
	struct p9_msg m = sample(P9_TWALK), d;
	size_t len;
	u8 *buf = encode(&m, &len);

	/* A NUL inside a name. */
	buf[7 + 4 + 4 + 2 + 2] = 0;
	assert_int_equal(p9_decode(buf, len, &d), -EBADMSG);
	free(buf);

	/* More than P9_MAXWELEM names or qids, even if the bytes are there. */
	m = (struct p9_msg){.type = P9_TWALK, .twalk.nwname = P9_MAXWELEM};
	for (int i = 0; i < P9_MAXWELEM; i++)
		m.twalk.wnames[i] = S("x");
	buf = encode(&m, &len);
	assert_int_equal(p9_decode(buf, len, &d), 0);
	buf[7 + 8] = P9_MAXWELEM + 1;
	assert_int_equal(p9_decode(buf, len, &d), -EBADMSG);
	free(buf);
	m = (struct p9_msg){.type = P9_TWALK, .twalk.nwname = P9_MAXWELEM + 1};
	assert_int_equal(p9_msg_size(&m), -EMSGSIZE);
	m = (struct p9_msg){.type = P9_RWALK, .rwalk.nwqid = P9_MAXWELEM + 1};
	assert_int_equal(p9_msg_size(&m), -EMSGSIZE);

	/* A count beyond the message. */
	m = sample(P9_RREAD);
	buf = encode(&m, &len);
	put_size(buf, len);
	buf[7] = 0xff;
	assert_int_equal(p9_decode(buf, len, &d), -EBADMSG);
	free(buf);

	/* Data without a pointer cannot be encoded. */
	m = (struct p9_msg){.type = P9_RREAD, .rread.count = 10};
	assert_int_equal(p9_msg_size(&m), 7 + 4 + 10);
	{
		u8 out[64];
		assert_int_equal(p9_encode(&m, out, sizeof(out)), -EMSGSIZE);
	}
}

static void test_p9_encode_respects_capacity(void **state)
{
	for (int t = 0; t < 256; t++) {
		struct p9_msg m;
		ssize_t n;

		if (!p9_type_known(t))
			continue;
		m = sample(t);
		n = p9_msg_size(&m);
		for (ssize_t cap = 0; cap < n; cap++) {
			u8 *buf = malloc(cap ?: 1);
			assert_int_equal(p9_encode(&m, buf, cap), -EMSGSIZE);
			free(buf);
		}
	}
	struct p9_msg m = {.type = 99};
	u8 buf[16];
	assert_int_equal(p9_encode(&m, buf, sizeof(buf)), -EOPNOTSUPP);
}

static void test_p9_dirents(void **state)
{
	struct p9_dirent d = {qid1, 0x7fffffffffffffffULL, 4, S("entry")}, e;
	u8 buf[64];
	ssize_t n = p9_dirent_encode(&d, buf, sizeof(buf));

	assert_int_equal(n, 13 + 8 + 1 + 2 + 5);
	assert_int_equal(p9_dirent_decode(buf, n, &e), n);
	assert_int_equal(e.offset, d.offset);
	assert_int_equal(e.type, 4);
	assert_true(p9_str_eq(e.name, "entry"));
	for (ssize_t cut = 0; cut < n; cut++) {
		u8 *part = malloc(cut ?: 1);
		memcpy(part, buf, cut);
		assert_int_equal(p9_dirent_decode(part, cut, &e), -EBADMSG);
		assert_int_equal(p9_dirent_encode(&d, part, cut), -EMSGSIZE);
		free(part);
	}
}

static void test_p9_str_helpers(void **state)
{
	struct p9_str s;
	char small[4], *big = malloc(70000);

	assert_int_equal(p9_str_from(&s, "abc"), 0);
	assert_int_equal(s.len, 3);
	assert_true(p9_str_eq(s, "abc"));
	assert_false(p9_str_eq(s, "abcd"));
	assert_true(p9_str_eq((struct p9_str){NULL, 0}, ""));
	assert_int_equal(p9_str_copy(small, sizeof(small), s), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(p9_str_copy(small, 3, s), -ENAMETOOLONG);
	memset(big, 'a', 69999);
	big[69999] = 0;
	assert_int_equal(p9_str_from(&s, big), -ENAMETOOLONG);
	free(big);
	assert_string_equal(p9_type_name(P9_TLOPEN), "Tlopen");
	assert_string_equal(p9_type_name(3), "?");
}

/* xorshift64: the same garbage every run. */
static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random bodies under every type (through the fuzz harness, which aborts
 * if a decoded message does not re-encode to the same bytes); half start
 * from a valid message with a few bytes flipped.
 */
static void test_p9_garbage_never_crashes(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;
	u8 buf[300];
	int decoded = 0;

	for (int i = 0; i < 200000; i++) {
		size_t len = P9_HDRSZ + rnd(&seed) % (sizeof(buf) - P9_HDRSZ);
		u8 type = 6 + rnd(&seed) % 118;
		struct p9_msg d;

		if (i % 2 && p9_type_known(type)) {
			struct p9_msg m = sample(type);
			ssize_t n = p9_encode(&m, buf, sizeof(buf));
			assert_true(n > 0);
			len = n;
			for (int k = rnd(&seed) % 3; k >= 0; k--) {
				size_t at = len > P9_HDRSZ
						    ? P9_HDRSZ + rnd(&seed) % (len - P9_HDRSZ)
						    : 5;
				buf[at] ^= 1 << (rnd(&seed) % 8);
			}
		} else {
			for (size_t j = 0; j < len; j++)
				buf[j] = rnd(&seed);
			buf[4] = type;
		}
		put_size(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
		decoded += p9_decode(buf, len, &d) == 0;
	}
	/* The mutated valid messages make some of them decodable. */
	assert_true(decoded > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p9_roundtrip_every_type),
		cmocka_unit_test(test_p9_fields_survive),
		cmocka_unit_test(test_p9_wire_layouts),
		cmocka_unit_test(test_p9_truncated_and_padded_rejected),
		cmocka_unit_test(test_p9_bad_headers),
		cmocka_unit_test(test_p9_strings_and_counts_checked),
		cmocka_unit_test(test_p9_encode_respects_capacity),
		cmocka_unit_test(test_p9_dirents),
		cmocka_unit_test(test_p9_str_helpers),
		cmocka_unit_test(test_p9_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
