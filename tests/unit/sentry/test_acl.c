// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX ACLs (sentry/vfs/acl.c): the value format and its checks, the
 * mode mirroring, the permission algorithm, and through the VFS on the
 * sandbox's tmpfs: set, get, chmod, inheritance and the permission check.
 */
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

#include "../overlay/overlay_env.h"
#include "sentry/vfs/acl.h"
#include "sentry/vfs/xattr.h"
#include "vfs_env.h"

#define U ACL_UNDEFINED_ID

/* Encode n entries {tag, perm, id} after a header of version ver into buf. */
static size_t encode(u8 *buf, u32 ver, const struct acl_entry *e, size_t n)
{
	buf[0] = ver;
	buf[1] = ver >> 8;
	buf[2] = buf[3] = 0;
	for (size_t i = 0; i < n; i++) {
		u8 *p = buf + 4 + 8 * i;
		p[0] = e[i].tag;
		p[1] = e[i].tag >> 8;
		p[2] = e[i].perm;
		p[3] = e[i].perm >> 8;
		memcpy(p + 4, &e[i].id, 4); /* x86-64: little-endian */
	}
	return 4 + 8 * n;
}

/* Decode and validate: what setting the value would say about it. */
static int parse(const struct acl_entry *e, size_t n, struct acl **out)
{
	u8 buf[256];
	int ret = acl_from_xattr(buf, encode(buf, 2, e, n), out);
	if (!ret && *out && acl_valid(*out)) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return ret;
}

static int parse_ret(const struct acl_entry *e, size_t n)
{
	struct acl *acl = NULL;
	int ret = parse(e, n, &acl);
	free(acl);
	return ret;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_acl_format_errors(void **state)
{
	(void)state;
	u8 buf[64] = {0};
	struct acl *acl = (void *)1;
	const struct acl_entry min[] = {
		{ACL_USER_OBJ, 6, U}, {ACL_GROUP_OBJ, 4, U}, {ACL_OTHER, 0, U}};

	assert_int_equal(acl_from_xattr(buf, 2, &acl), -EINVAL);
	size_t len = encode(buf, 1, min, N(min));
	assert_int_equal(acl_from_xattr(buf, len, &acl), -EOPNOTSUPP);
	len = encode(buf, 2, min, N(min));
	assert_int_equal(acl_from_xattr(buf, len + 1, &acl), -EINVAL);
	assert_int_equal(acl_from_xattr(buf, 4, &acl), 0);
	assert_null(acl); /* only a header: no ACL, a removal */
	assert_int_equal(acl_from_xattr(buf, len, &acl), 0);
	assert_non_null(acl);
	assert_int_equal(acl->count, 3);
	assert_int_equal(acl_valid(acl), 0);
	free(acl);

	const struct acl_entry bad_id[] = {{ACL_USER_OBJ, 6, U},
					   {ACL_USER, 4, U},
					   {ACL_GROUP_OBJ, 4, U},
					   {ACL_MASK, 4, U},
					   {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(bad_id, N(bad_id)), -EINVAL);
	const struct acl_entry bad_tag[] = {{ACL_USER_OBJ, 6, U}, {0x40, 4, U}, {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(bad_tag, N(bad_tag)), -EINVAL);
}

static void test_acl_valid_order(void **state)
{
	(void)state;
	const struct acl_entry ok[] = {{ACL_USER_OBJ, 6, U}, {ACL_USER, 4, 1001},
				       {ACL_USER, 4, 1000},  {ACL_GROUP_OBJ, 4, U},
				       {ACL_GROUP, 7, 5},    {ACL_MASK, 7, U},
				       {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(ok, N(ok)), 0); /* unsorted named entries: Linux takes them */
	const struct acl_entry no_mask[] = {{ACL_USER_OBJ, 6, U},
					    {ACL_USER, 4, 1000},
					    {ACL_GROUP_OBJ, 4, U},
					    {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(no_mask, N(no_mask)), -EINVAL);
	const struct acl_entry mask_only[] = {
		{ACL_USER_OBJ, 6, U}, {ACL_GROUP_OBJ, 4, U}, {ACL_MASK, 2, U}, {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(mask_only, N(mask_only)), 0);
	const struct acl_entry no_other[] = {{ACL_USER_OBJ, 6, U}, {ACL_GROUP_OBJ, 4, U}};
	assert_int_equal(parse_ret(no_other, N(no_other)), -EINVAL);
	const struct acl_entry two_other[] = {
		{ACL_USER_OBJ, 6, U}, {ACL_GROUP_OBJ, 4, U}, {ACL_OTHER, 0, U}, {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(two_other, N(two_other)), -EINVAL);
	const struct acl_entry swapped[] = {
		{ACL_GROUP_OBJ, 4, U}, {ACL_USER_OBJ, 6, U}, {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(swapped, N(swapped)), -EINVAL);
	const struct acl_entry perm[] = {
		{ACL_USER_OBJ, 8, U}, {ACL_GROUP_OBJ, 4, U}, {ACL_OTHER, 0, U}};
	assert_int_equal(parse_ret(perm, N(perm)), -EINVAL);
}

static void test_acl_mode_mirroring(void **state)
{
	(void)state;
	struct acl *acl;
	const struct acl_entry e[] = {{ACL_USER_OBJ, 6, 5},
				      {ACL_USER, 4, 1000},
				      {ACL_GROUP_OBJ, 4, 6},
				      {ACL_MASK, 5, 9},
				      {ACL_OTHER, 0, 7}};
	assert_int_equal(parse(e, N(e), &acl), 0);
	u32 mode = S_IFREG | 02777;
	assert_int_equal(acl_equiv_mode(acl, &mode), 1);
	assert_int_equal(mode, S_IFREG | 02650); /* the mask is the group's bits */

	acl_chmod_masq(acl, 0604);
	assert_int_equal(acl->e[0].perm, 6);
	assert_int_equal(acl->e[2].perm, 4); /* GROUP_OBJ kept under a mask */
	assert_int_equal(acl->e[3].perm, 0);
	assert_int_equal(acl->e[4].perm, 4);

	/* Stored as Linux gives it back: unnamed entries' ids undefined. */
	u8 buf[64], want[64];
	const struct acl_entry norm[] = {{ACL_USER_OBJ, 6, U},
					 {ACL_USER, 4, 1000},
					 {ACL_GROUP_OBJ, 4, U},
					 {ACL_MASK, 0, U},
					 {ACL_OTHER, 4, U}};
	assert_int_equal(acl_xattr_size(acl), encode(want, 2, norm, N(norm)));
	acl_to_xattr(acl, buf);
	assert_memory_equal(buf, want, acl_xattr_size(acl));
	free(acl);

	const struct acl_entry min[] = {
		{ACL_USER_OBJ, 7, U}, {ACL_GROUP_OBJ, 4, U}, {ACL_OTHER, 1, U}};
	assert_int_equal(parse(min, N(min), &acl), 0);
	mode = S_IFREG | 0640;
	assert_int_equal(acl_equiv_mode(acl, &mode), 0);
	assert_int_equal(mode, S_IFREG | 0741);
	free(acl);
}

static void test_acl_create_masq(void **state)
{
	(void)state;
	struct acl *acl;
	const struct acl_entry def[] = {{ACL_USER_OBJ, 7, U},
					{ACL_USER, 5, 1000},
					{ACL_GROUP_OBJ, 5, U},
					{ACL_MASK, 7, U},
					{ACL_OTHER, 5, U}};
	assert_int_equal(parse(def, N(def), &acl), 0);
	u32 mode = S_IFREG | 0666;
	assert_int_equal(acl_create_masq(acl, &mode), 1);
	assert_int_equal(mode, S_IFREG | 0664);
	assert_int_equal(acl->e[0].perm, 6);
	assert_int_equal(acl->e[3].perm, 6);
	assert_int_equal(acl->e[4].perm, 4);
	free(acl);

	assert_int_equal(parse(def, N(def), &acl), 0);
	mode = S_IFCHR | 0600;
	assert_int_equal(acl_create_masq(acl, &mode), 1);
	assert_int_equal(mode, S_IFCHR | 0600);
	assert_int_equal(acl->e[3].perm, 0);
	free(acl);
}

static void test_acl_check(void **state)
{
	(void)state;
	struct acl *acl;
	const struct acl_entry e[] = {{ACL_USER_OBJ, 6, U},  {ACL_USER, 7, 1000},
				      {ACL_GROUP_OBJ, 4, U}, {ACL_GROUP, 2, 2000},
				      {ACL_MASK, 6, U},	     {ACL_OTHER, 1, U}};
	assert_int_equal(parse(e, N(e), &acl), 0);
	const u32 g2000 = 2000, g50 = 50;
	struct vfs_cred owner = {.fsuid = 10, .fsgid = 10};
	struct vfs_cred named = {.fsuid = 1000, .fsgid = 1000};
	struct vfs_cred in_both = {.fsuid = 3000, .fsgid = 50, .ngroups = 1, .groups = &g2000};
	struct vfs_cred in_named = {.fsuid = 3000, .fsgid = 3000, .ngroups = 1, .groups = &g2000};
	struct vfs_cred in_owning = {.fsuid = 3000, .fsgid = 3000, .ngroups = 1, .groups = &g50};
	struct vfs_cred other = {.fsuid = 4000, .fsgid = 4000};

	assert_int_equal(acl_check(acl, 10, 50, MAY_READ | MAY_WRITE, &owner), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_EXEC, &owner), -EACCES);
	assert_int_equal(acl_check(acl, 10, 50, MAY_READ | MAY_WRITE, &named), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_EXEC, &named), -EACCES); /* the mask */
	assert_int_equal(acl_check(acl, 10, 50, MAY_READ, &in_both), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_WRITE, &in_both), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_READ | MAY_WRITE, &in_both), -EACCES);
	assert_int_equal(acl_check(acl, 10, 50, MAY_WRITE, &in_named), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_READ, &in_named), -EACCES);
	assert_int_equal(acl_check(acl, 10, 50, MAY_WRITE, &in_owning), -EACCES);
	/* A matching group that does not grant it: not other's bits, EACCES. */
	assert_int_equal(acl_check(acl, 10, 50, MAY_EXEC, &in_named), -EACCES);
	assert_int_equal(acl_check(acl, 10, 50, MAY_EXEC, &other), 0);
	assert_int_equal(acl_check(acl, 10, 50, MAY_READ, &other), -EACCES);
	free(acl);
}

/* Through the VFS on the sandbox's tmpfs (vfs_env.h), with a umask. */
static int setup(void **state)
{
	*state = vfs_env_init("/", 022);
	return 0;
}

static u32 mode_of(const struct vfs_ctx *c, const char *name)
{
	struct path p;
	struct kstat st;
	assert_int_equal(vfs_lookup(c, name, 0, &p), 0);
	assert_int_equal(vfs_getattr(&p, &st), 0);
	path_put(&p);
	return st.mode;
}

static int set_acl(const struct vfs_ctx *c, const char *name, const char *xname,
		   const struct acl_entry *a, size_t n, const struct vfs_cred *cred)
{
	u8 buf[256];
	struct path p;
	assert_int_equal(vfs_lookup(c, name, 0, &p), 0);
	int ret = vfs_setxattr(&p, xname, buf, encode(buf, 2, a, n), 0, cred);
	path_put(&p);
	return ret;
}

static ssize_t get_acl(const struct vfs_ctx *c, const char *name, const char *xname, void *buf,
		       size_t size)
{
	struct path p;
	assert_int_equal(vfs_lookup(c, name, 0, &p), 0);
	ssize_t ret = vfs_getxattr(&p, xname, buf, size, &root_cred);
	path_put(&p);
	return ret;
}

static int access_as(const struct vfs_ctx *c, const char *name, int mask,
		     const struct vfs_cred *cred)
{
	struct path p;
	assert_int_equal(vfs_lookup(c, name, 0, &p), 0);
	int ret = vfs_access(&p, mask, cred);
	path_put(&p);
	return ret;
}

static void test_acl_vfs_tmpfs(void **state)
{
	struct vfs_env *e = *state;
	const struct vfs_cred user = {.fsuid = 1000, .fsgid = 1000};
	const struct vfs_cred stranger = {.fsuid = 1001, .fsgid = 1001};
	struct file *f;
	u8 buf[256];

	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/acl", 0755), 0);
	assert_int_equal(vfs_open(&e->ctx, "/tmp/acl/f", O_CREAT | O_WRONLY, 0640, &f), 0);
	file_put(f);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(access_as(&e->ctx, "/tmp/acl/f", MAY_READ, &user), -EACCES);

	const struct acl_entry a[] = {{ACL_USER_OBJ, 6, U},
				      {ACL_USER, 6, 1000},
				      {ACL_GROUP_OBJ, 4, U},
				      {ACL_MASK, 4, U},
				      {ACL_OTHER, 0, U}};
	assert_int_equal(set_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, a, N(a), &user), -EPERM);
	assert_int_equal(set_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_DEFAULT, a, N(a), &root_cred),
			 -EACCES);
	assert_int_equal(set_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, a, N(a), &root_cred), 0);
	assert_int_equal(mode_of(&e->ctx, "/tmp/acl/f"), S_IFREG | 0640);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, NULL, 0), 44);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, buf, 10), -ERANGE);
	assert_int_equal(access_as(&e->ctx, "/tmp/acl/f", MAY_READ, &user), 0);
	assert_int_equal(access_as(&e->ctx, "/tmp/acl/f", MAY_WRITE, &user),
			 -EACCES); /* mask r-- */
	assert_int_equal(access_as(&e->ctx, "/tmp/acl/f", MAY_READ, &stranger), -EACCES);

	/* chmod sets the mask, which now lets the named user write. */
	struct path p;
	assert_int_equal(vfs_lookup(&e->ctx, "/tmp/acl/f", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0660, &root_cred), 0);
	assert_int_equal(access_as(&e->ctx, "/tmp/acl/f", MAY_WRITE, &user), 0);
	/* An ACL the mode can say replaces the stored one and sets the mode. */
	const struct acl_entry min[] = {
		{ACL_USER_OBJ, 7, U}, {ACL_GROUP_OBJ, 0, U}, {ACL_OTHER, 4, U}};
	assert_int_equal(set_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, min, N(min), &root_cred),
			 0);
	assert_int_equal(mode_of(&e->ctx, "/tmp/acl/f"), S_IFREG | 0704);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/f", ACL_XATTR_ACCESS, buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(vfs_removexattr(&p, ACL_XATTR_ACCESS, &root_cred), 0);
	path_put(&p);

	/* Inheritance: the umask gives way to the default ACL. */
	const struct acl_entry d[] = {{ACL_USER_OBJ, 7, U},
				      {ACL_GROUP_OBJ, 5, U},
				      {ACL_GROUP, 5, 1000},
				      {ACL_MASK, 7, U},
				      {ACL_OTHER, 5, U}};
	assert_int_equal(set_acl(&e->ctx, "/tmp/acl", ACL_XATTR_DEFAULT, d, N(d), &root_cred), 0);
	assert_int_equal(vfs_open(&e->ctx, "/tmp/acl/n", O_CREAT | O_WRONLY, 0666, &f), 0);
	file_put(f);
	assert_int_equal(mode_of(&e->ctx, "/tmp/acl/n"), S_IFREG | 0664);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/n", ACL_XATTR_ACCESS, NULL, 0), 44);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/n", ACL_XATTR_DEFAULT, NULL, 0), -ENODATA);
	assert_int_equal(vfs_mkdir(&e->ctx, "/tmp/acl/sd", 0777), 0);
	assert_int_equal(mode_of(&e->ctx, "/tmp/acl/sd"), S_IFDIR | 0775);
	assert_int_equal(get_acl(&e->ctx, "/tmp/acl/sd", ACL_XATTR_DEFAULT, NULL, 0), 44);

	char list[128];
	assert_int_equal(vfs_lookup(&e->ctx, "/tmp/acl/sd", 0, &p), 0);
	ssize_t len = vfs_listxattr(&p, list, sizeof(list), &root_cred);
	path_put(&p);
	assert_int_equal(len, sizeof(ACL_XATTR_ACCESS) + sizeof(ACL_XATTR_DEFAULT));
	assert_string_equal(list, ACL_XATTR_ACCESS);
	assert_string_equal(list + sizeof(ACL_XATTR_ACCESS), ACL_XATTR_DEFAULT);
}

/*
 * The overlay (overlay_env.h): a lower file's ACL answers through it,
 * a copy-up takes it along (and chmod then changes only the copy's), a
 * copy made in an upper directory with a default ACL does not take that
 * one, and a new file there does.
 */
static void test_acl_overlay(void **state)
{
	struct env *e = *state;
	const struct vfs_cred user = {.fsuid = 1000, .fsgid = 1000};
	const struct acl_entry a[] = {{ACL_USER_OBJ, 6, U},
				      {ACL_USER, 6, 1000},
				      {ACL_GROUP_OBJ, 4, U},
				      {ACL_MASK, 6, U},
				      {ACL_OTHER, 4, U}};
	const struct acl_entry d[] = {{ACL_USER_OBJ, 7, U},
				      {ACL_USER, 7, 1000},
				      {ACL_GROUP_OBJ, 5, U},
				      {ACL_MASK, 7, U},
				      {ACL_OTHER, 5, U}};
	u8 buf[256];
	struct path p;
	struct file *f;

	assert_int_equal(set_acl(&e->l, "/etc/app/conf", ACL_XATTR_ACCESS, a, N(a), &root_cred), 0);
	assert_int_equal(set_acl(&e->l, "/etc", ACL_XATTR_DEFAULT, d, N(d), &root_cred), 0);
	assert_int_equal(get_acl(&e->o, "/etc/app/conf", ACL_XATTR_ACCESS, NULL, 0), 44);
	assert_int_equal(access_as(&e->o, "/etc/app/conf", MAY_WRITE, &user), 0);
	assert_int_equal(access_as(&e->o, "/etc/hosts", MAY_WRITE, &user), -EACCES);

	assert_int_equal(vfs_lookup(&e->o, "/etc/app/conf", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0640, &root_cred), 0); /* copies up */
	path_put(&p);
	assert_int_equal(access_as(&e->o, "/etc/app/conf", MAY_WRITE, &user), -EACCES);
	assert_int_equal(access_as(&e->o, "/etc/app/conf", MAY_READ, &user), 0);
	assert_int_equal(get_acl(&e->u, "/etc/app/conf", ACL_XATTR_ACCESS, NULL, 0), 44);
	assert_int_equal(access_as(&e->l, "/etc/app/conf", MAY_WRITE, &user), 0);
	assert_int_equal(mode_of(&e->l, "/etc/app/conf"), S_IFREG | 0664);
	/* /etc's copy has the lower's default ACL; a copy-up into it is not a creation. */
	assert_int_equal(get_acl(&e->u, "/etc", ACL_XATTR_DEFAULT, NULL, 0), 44);

	assert_int_equal(vfs_lookup(&e->o, "/etc/hosts", 0, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0600, &root_cred), 0);
	path_put(&p);
	assert_int_equal(get_acl(&e->u, "/etc/hosts", ACL_XATTR_ACCESS, buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(mode_of(&e->o, "/etc/hosts"), S_IFREG | 0600);

	struct vfs_ctx c = e->o;
	c.umask = 077;
	assert_int_equal(vfs_open(&c, "/etc/new", O_CREAT | O_WRONLY, 0666, &f), 0);
	file_put(f);
	assert_int_equal(mode_of(&e->o, "/etc/new"), S_IFREG | 0664);
	assert_int_equal(get_acl(&e->o, "/etc/new", ACL_XATTR_ACCESS, NULL, 0), 44);
	assert_int_equal(access_as(&e->o, "/etc/new", MAY_WRITE, &user), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_format_errors),
		cmocka_unit_test(test_acl_valid_order),
		cmocka_unit_test(test_acl_mode_mirroring),
		cmocka_unit_test(test_acl_create_masq),
		cmocka_unit_test(test_acl_check),
		cmocka_unit_test_setup_teardown(test_acl_vfs_tmpfs, setup, vfs_env_teardown),
		cmocka_unit_test_setup_teardown(test_acl_overlay, env_setup, env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
