// SPDX-License-Identifier: Apache-2.0
/* The unit tests' VFS environment (vfs_env.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vfs_env.h"

/*
 * Its own name, not root_cred: test_acl.c links overlay_env.c too, which
 * exports one.
 */
static const struct vfs_cred vfs_env_cred = {.caps = ~0ULL};

struct vfs_env *vfs_env_init(const char *workdir, u32 umask)
{
	static struct vfs_env e; /* vfs_env.h says why static */

	e.fs = vfs_sandbox_root(workdir, 0, 0);
	assert_false(IS_ERR(e.fs));
	fs_struct_paths(e.fs, &e.root, &e.cwd);
	e.ctx = (struct vfs_ctx){
		.cred = &vfs_env_cred, .root = e.root, .start = e.cwd, .umask = umask};
	return &e;
}

int vfs_env_setup(void **state)
{
	*state = vfs_env_init("/", 0);
	return 0;
}

int vfs_env_teardown(void **state)
{
	struct vfs_env *e = *state;

	path_put(&e->root);
	path_put(&e->cwd);
	fs_struct_put(e->fs);
	return 0;
}
