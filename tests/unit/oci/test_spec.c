// SPDX-License-Identifier: Apache-2.0
/*
 * oci_spec_parse(): a full config.json read into every field; each kind of
 * bad input refused with a message naming the field; and every prefix of a
 * good document (truncated JSON) refused without a crash or a leak. The
 * hooks (oci/hooks.c): parsed, kept as JSON, and run with the state on
 * stdin, a failure's status and output, and a timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "oci/spec.h"

static char bundle[64];
static char err[1024];

static const char good[] =
	"{\"ociVersion\": \"1.0.2\", \"hostname\": \"box\","
	" \"process\": {\"terminal\": false, \"args\": [\"sh\", \"-c\", \"x\"],"
	"  \"env\": [\"PATH=/bin\", \"A=b=c\"], \"cwd\": \"/w\", \"noNewPrivileges\": true,"
	"  \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},"
	"  \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"ambient\": []},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 20}]},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\"},"
	"  {\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": [\"size=2m\", "
	"\"mode=1777\"]},"
	"  {\"destination\": \"/d\", \"type\": \"none\", \"source\": \"data\", \"options\": "
	"[\"rbind\", \"ro\"]}],"
	" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}],"
	"  \"resources\": {\"memory\": {\"limit\": 268435456}, \"cpu\": {\"quota\": 150000, "
	"\"period\": 100000}}},"
	" \"hooks\": {\"createRuntime\": [{\"path\": \"/bin/true\", \"args\": [\"true\", \"x\"],"
	"  \"env\": [\"A=1\"], \"timeout\": 5}], \"poststop\": [{\"path\": \"/bin/false\"}]},"
	" \"unknownField\": {\"ignored\": [1, 2]}}";

static int setup(void **state)
{
	char path[128];

	snprintf(bundle, sizeof(bundle), "/tmp/test_spec.XXXXXX");
	if (!mkdtemp(bundle))
		return -1;
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/data", bundle);
	mkdir(path, 0755);
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/data", bundle);
	rmdir(path);
	rmdir(bundle);
	return 0;
}

static void test_good(void **state)
{
	struct oci_spec s;
	char want[128];

	assert_int_equal(oci_spec_parse(good, bundle, &s, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/rootfs", bundle);
	assert_string_equal(s.root, want);
	assert_true(s.root_readonly);
	assert_string_equal(s.args[0], "sh");
	assert_string_equal(s.args[2], "x");
	assert_null(s.args[3]);
	assert_string_equal(s.env[1], "A=b=c");
	assert_string_equal(s.cwd, "/w");
	assert_string_equal(s.hostname, "box");
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.gid, 100);
	assert_int_equal(s.ngids, 2);
	assert_int_equal(s.gids[1], 6);
	assert_true(s.no_new_privs);
	assert_int_equal(s.caps[OCI_CAP_BOUNDING], (1 << 5) | (1 << 0));
	assert_int_equal(s.caps[OCI_CAP_EFFECTIVE], 0);
	assert_int_equal(s.nrlimits, 1);
	assert_int_equal(s.rlimits[0].resource, 7);
	assert_int_equal(s.rlimits[0].soft, 10);
	assert_int_equal(s.nmounts, 4);
	assert_true(s.mounts[0].own);
	assert_true(s.mounts[1].own); /* tmpfs on /dev: the Sentry's devfs */
	assert_false(s.mounts[2].own);
	assert_string_equal(s.mounts[2].options, "size=2097152,mode=1777");
	assert_string_equal(s.mounts[3].type, "bind");
	assert_true(s.mounts[3].ro);
	snprintf(want, sizeof(want), "%s/data", bundle);
	assert_string_equal(s.mounts[3].source, want);
	assert_int_equal(s.memory, 268435456);
	assert_int_equal(s.cpus, 2);
	assert_false(s.terminal);
	assert_int_equal(s.hooks.n[OCI_HOOK_CREATE_RUNTIME], 1);
	assert_string_equal(s.hooks.list[OCI_HOOK_CREATE_RUNTIME][0].path, "/bin/true");
	assert_string_equal(s.hooks.list[OCI_HOOK_CREATE_RUNTIME][0].args[1], "x");
	assert_null(s.hooks.list[OCI_HOOK_CREATE_RUNTIME][0].args[2]);
	assert_string_equal(s.hooks.list[OCI_HOOK_CREATE_RUNTIME][0].env[0], "A=1");
	assert_int_equal(s.hooks.list[OCI_HOOK_CREATE_RUNTIME][0].timeout, 5);
	assert_int_equal(s.hooks.n[OCI_HOOK_POSTSTOP], 1);
	assert_null(s.hooks.list[OCI_HOOK_POSTSTOP][0].args);
	assert_null(s.hooks.list[OCI_HOOK_POSTSTOP][0].env);
	assert_int_equal(s.hooks.n[OCI_HOOK_PRESTART], 0);
	/* The kept copy parses to the same hooks. */
	struct oci_hooks h;
	assert_int_equal(oci_hooks_parse_text(s.hooks.json, &h, err, sizeof(err)), 0);
	assert_int_equal(h.n[OCI_HOOK_CREATE_RUNTIME], 1);
	assert_int_equal(h.list[OCI_HOOK_CREATE_RUNTIME][0].timeout, 5);
	oci_hooks_free(&h);
	oci_spec_free(&s);
}

/* process.terminal and its consoleSize, for the console socket (oci/console.c). */
static void test_terminal(void **state)
{
	char doc[sizeof(good) + 128];
	const char *at = strstr(good, "\"terminal\": false");
	struct oci_spec s;

	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(at - good), good,
		 "\"terminal\": true, \"consoleSize\": {\"height\": 33, \"width\": 101}",
		 at + strlen("\"terminal\": false"));
	assert_int_equal(oci_spec_parse(doc, bundle, &s, err, sizeof(err)), 0);
	assert_true(s.terminal);
	assert_int_equal(s.console_height, 33);
	assert_int_equal(s.console_width, 101);
	oci_spec_free(&s);
}

/* Replace the first from in good by to, parse, and expect an error naming field. */
static void expect_bad(const char *from, const char *to, const char *field)
{
	char doc[sizeof(good) + 256];
	const char *at = strstr(good, from);
	struct oci_spec s;

	assert_non_null(at);
	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	err[0] = 0;
	assert_int_equal(oci_spec_parse(doc, bundle, &s, err, sizeof(err)), -1);
	if (!strstr(err, field))
		fail_msg("%s -> %s: message \"%s\" does not name %s", from, to, err, field);
	assert_null(strchr(err, '\n'));
	assert_null(s.args); /* emptied */
}

static void test_bad(void **state)
{
	expect_bad("\"1.0.2\"", "\"0.9\"", "ociVersion");
	expect_bad("\"1.0.2\"", "[]", "ociVersion");
	expect_bad("\"terminal\": false", "\"consoleSize\": [], \"terminal\": false",
		   "process.consoleSize");
	expect_bad("\"terminal\": false", "\"consoleSize\": {\"height\": 65536}",
		   "process.consoleSize");
	expect_bad("\"terminal\": false", "\"consoleSize\": {\"width\": -1}",
		   "process.consoleSize.width");
	expect_bad("\"terminal\": false", "\"terminal\": 1", "process.terminal");
	expect_bad("[\"sh\", \"-c\", \"x\"]", "[]", "process.args");
	expect_bad("[\"sh\", \"-c\", \"x\"]", "[\"sh\", 3]", "process.args");
	expect_bad("\"A=b=c\"", "\"novalue\"", "process.env");
	expect_bad("\"/w\"", "\"w\"", "process.cwd");
	expect_bad("\"uid\": 1000", "\"uid\": 4294967296", "process.user.uid");
	expect_bad("\"gid\": 100", "\"gid\": \"100\"", "process.user.gid");
	expect_bad("[5, 6]", "[5, -6]", "process.user.additionalGids[1]");
	expect_bad("\"CAP_CHOWN\"]", "\"CAP_CHOWNS\"]", "process.capabilities.bounding");
	expect_bad("\"ambient\": []", "\"ambient\": \"CAP_KILL\"", "process.capabilities.ambient");
	expect_bad("\"RLIMIT_NOFILE\"", "\"RLIMIT_FOO\"", "process.rlimits[0].type");
	expect_bad("\"soft\": 10", "\"soft\": 30", "process.rlimits[0]");
	expect_bad("\"path\": \"rootfs\"", "\"path\": \"../\"", "root.path");
	expect_bad("\"path\": \"rootfs\"", "\"path\": \"missing\"", "root.path");
	expect_bad("\"path\": \"rootfs\"", "\"path\": 7", "root.path");
	expect_bad("\"readonly\": true", "\"readonly\": \"yes\"", "root.readonly");
	expect_bad("\"hostname\": \"box\"", "\"hostname\": {}", "hostname");
	expect_bad("\"type\": \"proc\"", "\"type\": \"nfs\"", "mounts[0].type");
	expect_bad("\"destination\": \"/t\"", "\"destination\": \"/t/../..\"",
		   "mounts[2].destination");
	expect_bad("\"destination\": \"/t\"", "\"destination\": \"/\"", "mounts[2].destination");
	expect_bad("\"destination\": \"/t\"", "\"destination\": \"//./\"", "mounts[2].destination");
	expect_bad("\"destination\": \"/t\"", "\"destination\": \"/a/./b\"",
		   "mounts[2].destination");
	expect_bad("\"size=2m\"", "\"size=2x\"", "mounts[2].options");
	expect_bad("\"mode=1777\"", "\"mode=9\"", "mounts[2].options");
	expect_bad("\"source\": \"data\"", "\"source\": \"nowhere\"", "mounts[3].source");
	expect_bad("\"limit\": 268435456", "\"limit\": \"1G\"", "linux.resources.memory.limit");
	expect_bad("[{\"type\": \"pid\"}]", "[\"pid\"]", "linux.namespaces[0]");
	expect_bad("\"ociVersion\"", "\"ociVersion\": \"1.0.2\", \"ociVersion\"", "duplicate");
	expect_bad("{\"ociVersion\"", "[{\"ociVersion\"", "config.json: line");
	expect_bad("\"/bin/true\"", "\"bin/true\"", "hooks.createRuntime[0].path");
	expect_bad("\"/bin/true\"", "7", "hooks.createRuntime[0].path");
	expect_bad("\"timeout\": 5", "\"timeout\": 0", "hooks.createRuntime[0].timeout");
	expect_bad("\"timeout\": 5", "\"timeout\": \"5\"", "hooks.createRuntime[0].timeout");
	expect_bad("\"A=1\"", "\"A\"", "hooks.createRuntime[0].env[0]");
	expect_bad("[\"true\", \"x\"]", "[\"true\", 1]", "hooks.createRuntime[0].args[1]");
	expect_bad("\"hooks\": {", "\"hooks\": [], \"h\": {", "config.json: hooks:");
	expect_bad("\"poststop\": [{\"path\": \"/bin/false\"}]", "\"poststop\": {}",
		   "hooks.poststop");
	expect_bad("\"poststop\": [{\"path\": \"/bin/false\"}]", "\"poststop\": [[]]",
		   "hooks.poststop[0]");
}

/* A hook of one kind: sh -c script, with timeout. */
static int run_sh(const char *script, int timeout, const char *state)
{
	char *args[] = {"sh", "-c", (char *)script, NULL};
	char *env[] = {"HOOK_ENV=yes", NULL};
	struct oci_hook hk = {.path = "/bin/sh", .args = args, .env = env, .timeout = timeout};
	struct oci_hooks h = {.list = {[OCI_HOOK_POSTSTART] = &hk},
			      .n = {[OCI_HOOK_POSTSTART] = 1}};

	err[0] = 0;
	return oci_hooks_run(&h, OCI_HOOK_POSTSTART, state, err, sizeof(err));
}

static void test_hooks_run(void **state)
{
	char path[128], cmd[320], got[256] = "";
	FILE *f;

	/* The state on stdin, exactly the env given. */
	snprintf(path, sizeof(path), "%s/hook.out", bundle);
	snprintf(cmd, sizeof(cmd), "cat >%s; echo \" $HOOK_ENV $HOME\" >>%s", path, path);
	assert_int_equal(run_sh(cmd, 0, "{\"id\":\"c\"}"), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	unlink(path);
	assert_string_equal(got, "{\"id\":\"c\"} yes \n"); /* no HOME: only the hook's env */
	/* A failure: its status and its output, on one line. */
	assert_int_equal(run_sh("echo bad; echo worse >&2; exit 3", 0, "{}"), -1);
	assert_string_equal(err,
			    "error running poststart hook #0: exit status 3, output: bad worse ");
	/* One that does not read its stdin is no error. */
	assert_int_equal(run_sh("exit 0", 0, "{}"), 0);
	/* A timeout kills it and what it started, at once. */
	time_t t0 = time(NULL);
	assert_int_equal(run_sh("sleep 30 & sleep 30", 1, "{}"), -1);
	assert_true(time(NULL) - t0 < 5);
	assert_non_null(strstr(err, "hook ran past specified timeout of 1s"));
}

static void test_truncated(void **state)
{
	size_t len = strlen(good);
	char *doc = malloc(len + 1);
	struct oci_spec s;

	for (size_t n = 0; n < len; n++) {
		memcpy(doc, good, n);
		doc[n] = 0;
		assert_int_equal(oci_spec_parse(doc, bundle, &s, err, sizeof(err)), -1);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	  cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_bad),	  cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hooks_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
