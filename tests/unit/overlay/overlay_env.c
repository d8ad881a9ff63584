// SPDX-License-Identifier: Apache-2.0
/* The overlay test environment (overlay_env.h). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "overlay_env.h"
#include "sentry/vfs/overlay/overlay_internal.h"

const struct vfs_cred root_cred = {.caps = ~0ULL};

void put_file(const struct vfs_ctx *c, const char *path, const char *data)
{
	struct file *f;
	assert_int_equal(vfs_open(c, path, O_CREAT | O_WRONLY | O_TRUNC, 0644, &f), 0);
	s64 pos = 0;
	assert_int_equal(vfs_write(f, data, strlen(data), &pos), strlen(data));
	file_put(f);
}

ssize_t get_file(const struct vfs_ctx *c, const char *path, char *buf, size_t size)
{
	struct file *f;
	int ret = vfs_open(c, path, O_RDONLY, 0, &f);
	if (ret)
		return ret;
	s64 pos = 0;
	ssize_t n = vfs_read(f, buf, size - 1, &pos);
	file_put(f);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

int stat_at(const struct vfs_ctx *c, const char *path, bool follow, struct kstat *st)
{
	struct path p;
	int ret = vfs_lookup(c, path, follow ? LOOKUP_FOLLOW : 0, &p);
	if (ret)
		return ret;
	ret = vfs_getattr(&p, st);
	path_put(&p);
	return ret;
}

struct lister {
	struct dir_context ctx;
	struct listing *out;
	int budget;
};

static bool list_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino, unsigned type,
		      s64 next)
{
	struct lister *l = container_of(ctx, struct lister, ctx);
	struct listing *out = l->out;
	if (l->budget-- <= 0)
		return false;
	if (len == 1 && name[0] == '.') {
		out->dots++;
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		out->dotdots++;
	} else {
		assert_true(out->n < LIST_MAX && len < sizeof(out->names[0]));
		memcpy(out->names[out->n], name, len);
		out->names[out->n][len] = 0;
		out->inos[out->n++] = ino;
	}
	return true;
}

int list_dir(const struct vfs_ctx *c, const char *path, int batch, struct listing *out)
{
	struct file *f;
	int ret = vfs_open(c, path, O_RDONLY | O_DIRECTORY, 0, &f);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	struct lister l = {.ctx.emit = list_emit, .out = out};
	for (;;) {
		int before = out->n + out->dots + out->dotdots;
		l.budget = batch;
		ret = vfs_iterate(f, &l.ctx);
		if (ret || out->n + out->dots + out->dotdots == before)
			break;
	}
	file_put(f);
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

const char *listing_names(struct listing *l, char *buf, size_t size)
{
	char sorted[LIST_MAX][64];
	memcpy(sorted, l->names, sizeof(sorted));
	qsort(sorted, l->n, sizeof(sorted[0]), cmp_name);
	buf[0] = 0;
	for (int i = 0; i < l->n; i++) {
		if (i)
			strncat(buf, ",", size - strlen(buf) - 1);
		strncat(buf, sorted[i], size - strlen(buf) - 1);
	}
	return buf;
}

u64 listing_ino(const struct listing *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return l->inos[i];
	return 0;
}

static struct env *envs[64];
static size_t nenvs;

static struct mount *mount_root(struct super_block *sb, struct path *root, struct vfs_ctx *c)
{
	/* mount_create_root consumes a reference: the overlay keeps its own. */
	__atomic_fetch_add(&sb->refs, 1, __ATOMIC_RELAXED);
	struct mount *m = mount_create_root(sb);
	assert_non_null(m);
	*root = (struct path){m, dget(m->root)};
	*c = (struct vfs_ctx){.cred = &root_cred, .root = *root, .start = *root};
	return m;
}

static void populate_lower(const struct vfs_ctx *l)
{
	struct path p;
	struct file *f;
	assert_int_equal(vfs_mkdir(l, "/etc", 0755), 0);
	put_file(l, "/etc/passwd", "root:x:0:0\n");
	put_file(l, "/etc/hosts", "127.0.0.1 localhost\n");
	assert_int_equal(vfs_mkdir(l, "/etc/app", 0755), 0);
	put_file(l, "/etc/app/conf", "v=1\n");
	assert_int_equal(vfs_mkdir(l, "/bin", 0755), 0);
	put_file(l, "/bin/busybox", "ELF");
	assert_int_equal(vfs_lookup(l, "/bin/busybox", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0755, &root_cred), 0);
	path_put(&p);
	assert_int_equal(vfs_symlink("busybox", l, "/bin/sh"), 0);
	assert_int_equal(vfs_mkdir(l, "/data", 0750), 0);
	assert_int_equal(vfs_mkdir(l, "/data/a", 0700), 0);
	assert_int_equal(vfs_mkdir(l, "/data/a/b", 0755), 0);
	assert_int_equal(vfs_mkdir(l, "/data/a/b/c", 0755), 0);
	put_file(l, "/data/a/b/c/deep.txt", "deep\n");
	assert_int_equal(vfs_lookup(l, "/data", 0, &p), 0);
	assert_int_equal(vfs_chown(&p, 1000, 1000, &root_cred), 0);
	path_put(&p);
	assert_int_equal(vfs_lookup(l, "/data/a", 0, &p), 0);
	assert_int_equal(vfs_chown(&p, 1001, 1002, &root_cred), 0);
	path_put(&p);
	assert_int_equal(vfs_mkdir(l, "/data/l1", 0755), 0);
	assert_int_equal(vfs_mkdir(l, "/data/l2", 0755), 0);
	put_file(l, "/data/l1/h", "linked\n");
	assert_int_equal(vfs_link(l, "/data/l1/h", l, "/data/l2/h", 0), 0);
	put_file(l, "/hard1", "shared\n");
	assert_int_equal(vfs_link(l, "/hard1", l, "/hard2", 0), 0);
	assert_int_equal(vfs_mkdir(l, "/gone", 0755), 0);
	put_file(l, "/gone/x", "x\n");
	put_file(l, "/gone/y", "y\n");
	assert_int_equal(vfs_mkdir(l, "/empty", 0755), 0);
	assert_int_equal(vfs_open(l, "/sparse", O_CREAT | O_WRONLY, 0644, &f), 0);
	s64 pos = 1 << 20;
	assert_int_equal(vfs_write(f, "end", 3, &pos), 3);
	file_put(f);
}

int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	e->lower = vfs_find_fs_type("tmpfs")->mount("mode=0755");
	e->upper = vfs_find_fs_type("tmpfs")->mount("mode=0755");
	assert_false(IS_ERR(e->lower));
	assert_false(IS_ERR(e->upper));
	e->mounts[0] = mount_root(e->lower, &e->lroot, &e->l);
	populate_lower(&e->l);
	e->ovl = overlay_mount(e->lower, e->upper);
	assert_false(IS_ERR(e->ovl));
	assert_string_equal(e->ovl->fstype, "overlay");
	e->mounts[1] = mount_root(e->ovl, &e->oroot, &e->o);
	e->mounts[2] = mount_root(e->upper, &e->uroot, &e->u);
	assert_true(nenvs < ARRAY_SIZE(envs));
	envs[nenvs++] = e;
	*state = e;
	return 0;
}

int env_teardown(void **state)
{
	struct env *e = *state;
	path_put(&e->lroot);
	path_put(&e->uroot);
	path_put(&e->oroot);
	d_prune_unused(NULL);
	/* Only the root, which the mount holds, is left. */
	assert_int_equal(OVL_FS(e->ovl)->cache.count, 1);
	return 0;
}
