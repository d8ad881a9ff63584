// SPDX-License-Identifier: Apache-2.0
/* The goferfs tests' scaffolding (goferfs_harness.h). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer/gofer.h"
#include "goferfs_harness.h"
#include "tests/unit/rmtree.h"

const struct vfs_cred root_cred = {.caps = ~0ULL};
const struct vfs_cred user_cred = {.fsuid = 1000, .fsgid = 1000};
struct goferfs_env env;

void goferfs_require_root(void)
{
	if (geteuid() != 0) {
		printf("goferfs tests need root (the gofer makes namespaces): skipped\n");
		exit(77);
	}
	/* A gofer that dies must not take us with it through SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

const char *host_path(const char *rel)
{
	static char buf[2][4096];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", env.scratch, rel);
	return buf[which];
}

void host_write(const char *rel, const char *data)
{
	int fd = open(host_path(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), strlen(data));
	close(fd);
}

/* The host file's contents, NUL-terminated (static buffer). */
const char *host_read(const char *rel)
{
	static char buf[8192];
	int fd = open(host_path(rel), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = 0;
	close(fd);
	return buf;
}

struct stat host_stat(const char *rel)
{
	struct stat st;
	assert_int_equal(lstat(host_path(rel), &st), 0);
	return st;
}

bool host_exists(const char *rel)
{
	struct stat st;
	return lstat(host_path(rel), &st) == 0;
}

struct kstat vstat(const struct vfs_ctx *ctx, const char *name)
{
	struct path p;
	struct kstat st;
	assert_int_equal(vfs_lookup(ctx, name, 0, &p), 0);
	assert_int_equal(vfs_getattr(&p, &st), 0);
	path_put(&p);
	return st;
}

int vlookup(const struct vfs_ctx *ctx, const char *name, unsigned flags)
{
	struct path p;
	int ret = vfs_lookup(ctx, name, flags, &p);
	if (!ret)
		path_put(&p);
	return ret;
}

struct file *vopen(const struct vfs_ctx *ctx, const char *name, int flags, u32 mode)
{
	struct file *f = NULL;
	int ret = vfs_open(ctx, name, flags, mode, &f);
	if (ret)
		fail_msg("vfs_open %s: %s", name, strerror(-ret));
	return f;
}

void vwrite_at(struct file *f, const char *data, s64 pos)
{
	ssize_t n = vfs_write(f, data, strlen(data), &pos);
	assert_int_equal(n, strlen(data));
}

/* Fork the gofer now, while this process has no threads (gofer_run wants that). */
static void gofer_fork(void)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	env.gofer = fork();
	assert_true(env.gofer >= 0);
	if (env.gofer == 0) {
		struct gofer_config cfg = {.root = env.scratch, .sock = sv[1]};
		/* _exit: no atexit handlers (LSan) under the gofer's seccomp filter. */
		_exit(gofer_run(&cfg) ? 1 : 0);
	}
	close(sv[1]);
	env.c = gofer_client_create(sv[0], 256 * 1024);
	assert_false(IS_ERR(env.c));
}

static struct path mount_root(unsigned flags)
{
	struct super_block *sb = goferfs_mount(env.c, "/", flags);
	assert_false(IS_ERR(sb));
	struct mount *m = mount_create_root(sb);
	assert_non_null(m);
	return (struct path){m, dget(m->root)};
}

int goferfs_setup(void **state)
{
	strcpy(env.scratch, "/tmp/goferfs-test.XXXXXX");
	assert_non_null(mkdtemp(env.scratch));
	assert_int_equal(chmod(env.scratch, 0755), 0); /* searchable by user_cred */
	host_write("hello.txt", "hello, world\n");
	assert_int_equal(mkdir(host_path("sub"), 0755), 0);
	host_write("sub/inner", "inner\n");
	assert_int_equal(symlink("hello.txt", host_path("link")), 0);
	gofer_fork();
	env.root = mount_root(0);
	env.ro_root = mount_root(GOFERFS_RDONLY);
	env.ctx = (struct vfs_ctx){.cred = &root_cred, .root = env.root, .start = env.root};
	env.user_ctx = env.ctx;
	env.user_ctx.cred = &user_cred;
	env.ro_ctx =
		(struct vfs_ctx){.cred = &root_cred, .root = env.ro_root, .start = env.ro_root};
	return 0;
}

int goferfs_teardown(void **state)
{
	int status;
	/* The super blocks stay (there is no umount yet); the server goes. */
	path_put(&env.root);
	path_put(&env.ro_root);
	vfs_drop_caches(); /* cached names hold fids of this client */
	gofer_client_destroy(env.c);
	assert_int_equal(waitpid(env.gofer, &status, 0), env.gofer);
	rmtree(env.scratch);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}
