// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs against a lying 9P server: a thread of ours answers the
 * client with attributes that contradict the walk, impossible times and
 * sizes, kernel-internal error codes, names with '/', cookies that are no
 * position and listings that never end. goferfs must answer EIO (or skip
 * the entry) and never crash or loop. The server donates no descriptors,
 * so the Tread/Twrite fallback (as with diod) is exercised too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer/client.h"
#include "sentry/vfs/goferfs/goferfs.h"
#include "sentry/vfs/vfs_internal.h"

enum listing { NONE, ROOT_LIST, ENDLESS, BAD_COOKIE };

/* The files of the served tree: all in the root, which is nodes[0]. */
struct node {
	const char *name;
	struct p9_qid qid; /* what Twalk says */
	u32 mode;
	u64 attr_path; /* what Tgetattr says it is */
	u64 open_path; /* what Tlopen says it is */
	u32 walk_err;  /* Rlerror for the walk instead */
	u64 size, mtime_nsec;
	enum listing list;
};

#define REG_NODE(path) .qid = {P9_QTFILE, 0, path}, .mode = S_IFREG | 0644
#define DIR_NODE(path) .qid = {P9_QTDIR, 0, path}, .mode = S_IFDIR | 0755

static const struct node nodes[] = {
	{DIR_NODE(1), .attr_path = 1, .open_path = 1, .list = ROOT_LIST},
	{"dir-but-file", .qid = {P9_QTDIR, 0, 2}, .mode = S_IFREG | 0644, .attr_path = 2},
	{"other-inode", REG_NODE(3), .attr_path = 99, .open_path = 3},
	{"data", REG_NODE(4), .attr_path = 4, .open_path = 4},
	{"restart", REG_NODE(5), .walk_err = 512 /* ERESTARTSYS */},
	{"bad-time", REG_NODE(6), .attr_path = 6, .mtime_nsec = 2000000000},
	{"huge", REG_NODE(7), .attr_path = 7, .size = 1ULL << 63},
	{"no-type", .qid = {P9_QTFILE, 0, 8}, .mode = 0170644, .attr_path = 8},
	{"opens-other", REG_NODE(9), .attr_path = 9, .open_path = 10},
	{"endless", DIR_NODE(20), .attr_path = 20, .open_path = 20, .list = ENDLESS},
	{"bad-cookie", DIR_NODE(21), .attr_path = 21, .open_path = 21, .list = BAD_COOKIE},
};

#define MAX_FIDS 4096
static int fid_node[MAX_FIDS]; /* node index + 1; 0: unused */
static char data[64] = "hello";
static u64 data_size = 5;

static bool read_exact(int fd, void *buf, size_t n)
{
	for (u8 *p = buf; n;) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= r;
	}
	return true;
}

static const struct node *fid_get(u32 fid)
{
	return fid < MAX_FIDS && fid_node[fid] ? &nodes[fid_node[fid] - 1] : NULL;
}

static void fid_set(u32 fid, const struct node *n)
{
	if (fid < MAX_FIDS)
		fid_node[fid] = n ? n - nodes + 1 : 0;
}

/* One Rreaddir's entries for listing l from offset, into buf. */
static u32 listing(enum listing l, u64 offset, u8 *buf, size_t cap)
{
	static const struct {
		const char *name;
		u64 path;
		u8 type;
	} root[] = {{".", 1, 4}, {"..", 123, 4}, {"a/b", 30, 8},
		    {"", 31, 8}, {"good", 4, 8}, {"oddtype", 32, 200}};
	struct p9_dirent d = {0};
	u32 used = 0;

	for (int i = 0; i < 3; i++) {
		if (l == ROOT_LIST) {
			if (offset >= ARRAY_SIZE(root))
				break;
			d.name = (struct p9_str){root[offset].name, strlen(root[offset].name)};
			d.qid.path = root[offset].path;
			d.type = root[offset].type;
			d.offset = ++offset;
		} else if (l == ENDLESS) {
			d.name = (struct p9_str){"x/y", 3}; /* never listable */
			d.offset = ++offset;
		} else {
			d.name = (struct p9_str){"x", 1};
			d.offset = 1ULL << 63;
		}
		ssize_t n = p9_dirent_encode(&d, buf + used, cap - used);
		assert_true(n > 0);
		used += n;
	}
	return used;
}

/* Fill r (type preset to req's + 1) or return an error for Rlerror. */
static u32 answer(const struct p9_msg *q, struct p9_msg *r, u8 *dbuf, size_t dcap)
{
	const struct node *n;

	switch (q->type) {
	case P9_TVERSION:
		r->rversion.msize = q->tversion.msize;
		r->rversion.version = (struct p9_str){P9_VERSION_L, strlen(P9_VERSION_L)};
		return 0;
	case P9_TATTACH:
		fid_set(q->tattach.fid, &nodes[0]);
		r->rattach.qid = nodes[0].qid;
		return 0;
	case P9_TWALK:
		if (!(n = fid_get(q->twalk.fid)))
			return EBADF;
		if (q->twalk.nwname == 1) {
			n = NULL;
			for (size_t i = 1; i < ARRAY_SIZE(nodes); i++)
				if (p9_str_eq(q->twalk.wnames[0], nodes[i].name))
					n = &nodes[i];
			if (!n)
				return ENOENT;
			if (n->walk_err)
				return n->walk_err;
			r->rwalk.wqids[0] = n->qid;
		}
		r->rwalk.nwqid = q->twalk.nwname;
		fid_set(q->twalk.newfid, n);
		return 0;
	case P9_TCLUNK:
		fid_set(q->tclunk.fid, NULL);
		return 0;
	case P9_TGETATTR:
		if (!(n = fid_get(q->tgetattr.fid)))
			return EBADF;
		r->rgetattr = (struct p9_attr){
			.valid = P9_GETATTR_BASIC,
			.qid = {n->qid.type, 0, n->attr_path},
			.mode = n->mode,
			.nlink = 1,
			.size = n == &nodes[3] ? data_size : n->size,
			.mtime_nsec = n->mtime_nsec,
		};
		return 0;
	case P9_TLOPEN:
		if (!(n = fid_get(q->tlopen.fid)))
			return EBADF;
		r->rlopen.qid = (struct p9_qid){n->qid.type, 0, n->open_path};
		return 0;
	case P9_TREADDIR:
		if (!(n = fid_get(q->treaddir.fid)))
			return EBADF;
		r->rreaddir.count = listing(n->list, q->treaddir.offset, dbuf, dcap);
		r->rreaddir.data = dbuf;
		return 0;
	case P9_TREAD:
		r->rread.count = q->tread.offset < data_size
					 ? MIN(q->tread.count, data_size - q->tread.offset)
					 : 0;
		r->rread.data = data + q->tread.offset;
		return 0;
	case P9_TWRITE:
		if (q->twrite.offset + q->twrite.count > sizeof(data))
			return EFBIG;
		memcpy(data + q->twrite.offset, q->twrite.data, q->twrite.count);
		data_size = MAX(data_size, q->twrite.offset + q->twrite.count);
		r->rwrite.count = q->twrite.count;
		return 0;
	case P9_TFSYNC:
		return 0;
	}
	return EOPNOTSUPP;
}

static void *liar(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static u8 in[65536], out[65536], dbuf[8192];
	u32 size;

	while (read_exact(fd, &size, 4) && size >= 7 && size <= sizeof(in)) {
		struct p9_msg q, r = {0};
		memcpy(in, &size, 4);
		if (!read_exact(fd, in + 4, size - 4) || p9_decode(in, size, &q))
			break;
		r.type = q.type + 1;
		r.tag = q.tag;
		u32 err = answer(&q, &r, dbuf, sizeof(dbuf));
		if (err) {
			r.type = P9_RLERROR;
			r.rlerror.ecode = err;
		}
		ssize_t n = p9_encode(&r, out, sizeof(out));
		assert_true(n > 0);
		/* The client may hang up with replies (to clunks it does not wait for) unsent. */
		if (send(fd, out, n, MSG_NOSIGNAL) != n)
			break;
	}
	close(fd);
	return NULL;
}

static const struct vfs_cred root_cred = {.caps = ~0ULL};
static struct {
	pthread_t server;
	struct gofer_client *c;
	struct path root;
	struct vfs_ctx ctx;
} env;

static int setup(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pthread_create(&env.server, NULL, liar, (void *)(intptr_t)sv[1]), 0);
	env.c = gofer_client_create(sv[0], 65536);
	assert_false(IS_ERR(env.c));
	struct super_block *sb = goferfs_mount(env.c, "/", 0);
	assert_false(IS_ERR(sb));
	struct mount *m = mount_create_root(sb);
	assert_non_null(m);
	env.root = (struct path){m, dget(m->root)};
	env.ctx = (struct vfs_ctx){.cred = &root_cred, .root = env.root, .start = env.root};
	return 0;
}

static int teardown(void **state)
{
	path_put(&env.root);
	gofer_client_destroy(env.c);
	pthread_join(env.server, NULL);
	return 0;
}

static int lookup(const char *name)
{
	struct path p;
	int ret = vfs_lookup(&env.ctx, name, 0, &p);
	if (!ret)
		path_put(&p);
	return ret;
}

static void test_goferfs_hostile_attributes(void **state)
{
	assert_int_equal(lookup("/data"), 0);
	assert_int_equal(lookup("/missing"), -ENOENT);
	assert_int_equal(lookup("/dir-but-file"), -EIO);
	assert_int_equal(lookup("/other-inode"), -EIO);
	assert_int_equal(lookup("/restart"), -EIO);
	assert_int_equal(lookup("/bad-time"), -EIO);
	assert_int_equal(lookup("/huge"), -EIO);
	assert_int_equal(lookup("/no-type"), -EIO);
	struct file *f;
	assert_int_equal(vfs_open(&env.ctx, "/opens-other", O_RDONLY, 0, &f), -EIO);
}

/* No donated descriptor: data goes through Tread and Twrite. */
static void test_goferfs_hostile_io_without_descriptor(void **state)
{
	struct file *f;
	char buf[16] = {0};
	assert_int_equal(vfs_open(&env.ctx, "/data", O_RDWR, 0, &f), 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &f->pos), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(vfs_write(f, "!!", 2, &f->pos), 2);
	assert_int_equal(data_size, 7);
	assert_memory_equal(data, "hello!!", 7);
	assert_int_equal(vfs_llseek(f, 0, SEEK_HOLE), 7);
	assert_int_equal(vfs_fsync(f), 0);
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.size, 7);
	file_put(f);
}

struct names {
	struct dir_context ctx;
	int n;
	char name[8][16];
	u64 ino[8];
	unsigned type[8];
};

static bool names_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino,
		       unsigned type, s64 next)
{
	struct names *l = container_of(ctx, struct names, ctx);
	assert_true(l->n < 8 && len < 16);
	memcpy(l->name[l->n], name, len);
	l->name[l->n][len] = 0;
	l->ino[l->n] = ino;
	l->type[l->n] = type;
	l->n++;
	return true;
}

static void test_goferfs_hostile_listings(void **state)
{
	struct names l = {.ctx.emit = names_emit};
	struct file *f;
	assert_int_equal(vfs_open(&env.ctx, "/", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	assert_int_equal(vfs_iterate(f, &l.ctx), 0);
	/* "a/b" and "" are skipped; ".." of the root is the root. */
	assert_int_equal(l.n, 4);
	assert_string_equal(l.name[0], ".");
	assert_string_equal(l.name[1], "..");
	assert_int_equal(l.ino[1], 1);
	assert_string_equal(l.name[2], "good");
	assert_string_equal(l.name[3], "oddtype");
	assert_int_equal(l.type[3], LINUX_DT_UNKNOWN);
	assert_int_equal(f->pos, 6);
	file_put(f);

	assert_int_equal(vfs_open(&env.ctx, "/endless", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	l.n = 0;
	assert_int_equal(vfs_iterate(f, &l.ctx), -EIO);
	assert_int_equal(l.n, 0);
	file_put(f);
	assert_int_equal(vfs_open(&env.ctx, "/bad-cookie", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	assert_int_equal(vfs_iterate(f, &l.ctx), -EIO);
	assert_int_equal(l.n, 0);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goferfs_hostile_attributes),
		cmocka_unit_test(test_goferfs_hostile_io_without_descriptor),
		cmocka_unit_test(test_goferfs_hostile_listings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
