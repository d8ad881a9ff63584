// SPDX-License-Identifier: Apache-2.0
/*
 * config.json (OCI runtime-spec 1.x) with libjansson. Each parse_* takes
 * one part of the document and fails with a message naming the field, as
 * "config.json: process.user.uid: must be an integer from 0 to 4294967295".
 * Unknown fields are ignored (the spec says runtimes must). The whole
 * document is checked before anything is started, so a bad bundle leaves
 * nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "spec.h"

struct ctx {
	const char *file; /* for messages; NULL: config.json */
	const char *bundle;
	char *err;
	size_t errlen;
	char field[128]; /* the field being parsed, for messages */
};

static int __printf(2, 3) bad(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s: %s", c->file ? c->file : "config.json", c->field, msg);
	return -1;
}

static void __printf(2, 3) at(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->field, sizeof(c->field), fmt, ap);
	va_end(ap);
}

/* A string field: NULL if absent; -1 (with a message) if not a string. */
static int get_str(struct ctx *c, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(c, "must be a string");
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return bad(c, "must not contain a NUL character");
	return 0;
}

static int get_bool(struct ctx *c, json_t *obj, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(c, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int get_u32(struct ctx *c, json_t *v, u32 *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return bad(c, "must be an integer from 0 to 4294967295");
	*out = json_integer_value(v);
	return 0;
}

/* An object field that may be absent (NULL). */
static int get_obj(struct ctx *c, json_t *obj, const char *key, json_t **out)
{
	*out = json_object_get(obj, key);
	if (*out && !json_is_object(*out))
		return bad(c, "must be an object");
	return 0;
}

/* An array of strings as a NULL-terminated vector (absent: empty). */
static int get_strv(struct ctx *c, json_t *obj, const char *key, char ***out)
{
	json_t *v = json_object_get(obj, key), *e;
	size_t i;

	*out = NULL;
	if (v && !json_is_array(v))
		return bad(c, "must be an array of strings");
	*out = calloc((v ? json_array_size(v) : 0) + 1, sizeof(char *));
	if (!*out)
		return bad(c, "out of memory");
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e))
			return bad(c, "element %zu must be a string", i);
		(*out)[i] = strdup(json_string_value(e));
		if (!(*out)[i])
			return bad(c, "out of memory");
	}
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static int parse_caps(struct ctx *c, json_t *proc, struct oci_spec *s)
{
	static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable",
					   "ambient"};
	json_t *caps, *e;
	size_t i;

	at(c, "process.capabilities");
	if (get_obj(c, proc, "capabilities", &caps))
		return -1;
	s->caps_set = caps != NULL;
	for (int set = 0; set < 5; set++) {
		json_t *v = json_object_get(caps, sets[set]);
		at(c, "process.capabilities.%s", sets[set]);
		if (v && !json_is_array(v))
			return bad(c, "must be an array of capability names");
		json_array_foreach(v, i, e)
		{
			const char *name = json_string_value(e);
			size_t cap = 0;
			while (name && cap < ARRAY_SIZE(cap_names) && strcmp(name, cap_names[cap]))
				cap++;
			if (!name || cap == ARRAY_SIZE(cap_names))
				return bad(c, "element %zu is not a capability name (as CAP_CHOWN)",
					   i);
			s->caps[set] |= 1ULL << cap;
		}
	}
	return 0;
}

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static int parse_u64(struct ctx *c, json_t *v, u64 *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(c, "must be a non-negative integer");
	*out = json_integer_value(v);
	return 0;
}

static int parse_rlimits(struct ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *v = json_object_get(proc, "rlimits"), *e;
	size_t i;

	at(c, "process.rlimits");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return bad(c, "must be an array of {type, soft, hard}");
	s->rlimits = calloc(json_array_size(v) + 1, sizeof(*s->rlimits));
	if (!s->rlimits)
		return bad(c, "out of memory");
	json_array_foreach(v, i, e)
	{
		struct sandbox_rlimit *r = &s->rlimits[s->nrlimits++];
		const char *type;
		at(c, "process.rlimits[%zu].type", i);
		if (!json_is_object(e))
			return bad(c, "must be an object {type, soft, hard}");
		if (get_str(c, e, "type", &type))
			return -1;
		r->resource = 0;
		while (type && r->resource < (int)ARRAY_SIZE(rlimit_names) &&
		       strcmp(type, rlimit_names[r->resource]))
			r->resource++;
		if (!type || r->resource == (int)ARRAY_SIZE(rlimit_names))
			return bad(c, "give a limit name as RLIMIT_NOFILE");
		at(c, "process.rlimits[%zu].soft", i);
		if (parse_u64(c, json_object_get(e, "soft"), &r->soft))
			return -1;
		at(c, "process.rlimits[%zu].hard", i);
		if (parse_u64(c, json_object_get(e, "hard"), &r->hard))
			return -1;
		at(c, "process.rlimits[%zu]", i);
		if (r->soft > r->hard)
			return bad(c, "%s: soft limit %llu is above the hard limit %llu", type,
				   (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
	return 0;
}

static int parse_user(struct ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *user, *v, *e;
	size_t i;

	at(c, "process.user");
	if (get_obj(c, proc, "user", &user))
		return -1;
	if (!user)
		return bad(c, "missing: give {\"uid\": 0, \"gid\": 0}");
	at(c, "process.user.uid");
	if (get_u32(c, json_object_get(user, "uid"), &s->uid))
		return -1;
	at(c, "process.user.gid");
	if (get_u32(c, json_object_get(user, "gid"), &s->gid))
		return -1;
	at(c, "process.user.umask");
	v = json_object_get(user, "umask");
	if (v && (get_u32(c, v, &s->umask) || s->umask > 0777))
		return s->umask > 0777 ? bad(c, "must be from 0 to 0777") : -1;
	s->umask_set = v != NULL;
	at(c, "process.user.additionalGids");
	v = json_object_get(user, "additionalGids");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return bad(c, "must be an array of integers");
	s->gids = calloc(json_array_size(v) + 1, sizeof(u32));
	if (!s->gids)
		return bad(c, "out of memory");
	json_array_foreach(v, i, e)
	{
		at(c, "process.user.additionalGids[%zu]", i);
		if (get_u32(c, e, &s->gids[s->ngids++]))
			return -1;
	}
	return 0;
}

/* process.consoleSize {height, width}: the terminal's first window size. */
static int parse_console_size(struct ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *size;
	u32 h = 0, w = 0;

	at(c, "process.consoleSize");
	if (get_obj(c, proc, "consoleSize", &size))
		return -1;
	if (!size)
		return 0;
	at(c, "process.consoleSize.height");
	if (json_object_get(size, "height") && get_u32(c, json_object_get(size, "height"), &h))
		return -1;
	at(c, "process.consoleSize.width");
	if (json_object_get(size, "width") && get_u32(c, json_object_get(size, "width"), &w))
		return -1;
	/* struct winsize holds 16 bits each. */
	if (h > 0xffff || w > 0xffff)
		return bad(c, "%u is too big (at most 65535)", h > 0xffff ? h : w);
	s->console_height = h;
	s->console_width = w;
	return 0;
}

/* process.oomScoreAdj: Linux's oom_score_adj range, which runc's write to /proc would check. */
static int parse_oom_score_adj(struct ctx *c, json_t *proc, struct oci_spec *s)
{
	json_t *v = json_object_get(proc, "oomScoreAdj");

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
		return bad(c, "must be an integer from -1000 to 1000");
	s->oom_score_adj_set = true;
	s->oom_score_adj = (int)json_integer_value(v);
	return 0;
}

static int parse_process(struct ctx *c, json_t *doc, struct oci_spec *s)
{
	json_t *proc;
	const char *cwd;

	at(c, "process");
	if (get_obj(c, doc, "process", &proc))
		return -1;
	if (!proc)
		return bad(c, "missing: runsk run needs the program to start");
	at(c, "process.terminal");
	if (get_bool(c, proc, "terminal", &s->terminal))
		return -1;
	if (parse_console_size(c, proc, s))
		return -1;
	at(c, "process.args");
	if (get_strv(c, proc, "args", &s->args))
		return -1;
	if (!s->args[0] || !s->args[0][0])
		return bad(c, "missing or empty: give the program and its arguments");
	at(c, "process.env");
	if (get_strv(c, proc, "env", &s->env))
		return -1;
	for (size_t i = 0; s->env[i]; i++)
		if (!strchr(s->env[i], '=') || s->env[i][0] == '=')
			return bad(c, "element %zu (%s) is not NAME=VALUE", i, s->env[i]);
	at(c, "process.cwd");
	if (get_str(c, proc, "cwd", &cwd))
		return -1;
	if (cwd && (cwd[0] != '/' || strlen(cwd) >= PATH_MAX))
		return bad(c, "must be an absolute path");
	s->cwd = strdup(cwd ? cwd : "/");
	at(c, "process.noNewPrivileges");
	if (get_bool(c, proc, "noNewPrivileges", &s->no_new_privs))
		return -1;
	at(c, "process.oomScoreAdj");
	if (parse_oom_score_adj(c, proc, s))
		return -1;
	if (parse_user(c, proc, s) || parse_caps(c, proc, s) || parse_rlimits(c, proc, s))
		return -1;
	return s->cwd ? 0 : bad(c, "out of memory");
}

/* A host path of the bundle: absolute as given, or relative to the bundle. */
static char *bundle_path(struct ctx *c, const char *p)
{
	char *out;

	if (p[0] == '/')
		return strdup(p);
	return asprintf(&out, "%s/%s", c->bundle, p) < 0 ? NULL : out;
}

static int parse_root(struct ctx *c, json_t *doc, struct oci_spec *s)
{
	json_t *root;
	const char *path;
	char real[PATH_MAX], *joined;
	struct stat st;

	at(c, "root");
	if (get_obj(c, doc, "root", &root))
		return -1;
	if (!root)
		return bad(c, "missing: give {\"path\": \"rootfs\"}");
	at(c, "root.path");
	if (get_str(c, root, "path", &path))
		return -1;
	if (!path || !*path)
		return bad(c, "missing: give the root file system's directory");
	joined = bundle_path(c, path);
	if (!joined)
		return bad(c, "out of memory");
	if (!realpath(joined, real)) {
		free(joined);
		return bad(c, "%s: %s", path, strerror(errno));
	}
	free(joined);
	/* A relative root is the bundle's: it may not climb out of it. */
	size_t blen = strlen(c->bundle);
	if (path[0] != '/' && (strncmp(real, c->bundle, blen) ||
			       (blen > 1 && real[blen] != '/' && real[blen] != '\0')))
		return bad(c, "%s leads outside the bundle %s", path, c->bundle);
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return bad(c, "%s is not a directory", path);
	s->root = strdup(real);
	at(c, "root.readonly");
	if (get_bool(c, root, "readonly", &s->root_readonly))
		return -1;
	return s->root ? 0 : bad(c, "out of memory");
}

/* Types the Sentry provides itself wherever the image expects them. */
static bool type_is_sentrys(const char *t)
{
	static const char *const own[] = {"proc",   "sysfs",   "devpts",   "mqueue",
					  "cgroup", "cgroup2", "devtmpfs", "securityfs"};
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(t, own[i]))
			return true;
	return false;
}

/*
 * tmpfs's size=N[k|m|g] as bytes and mode=OCTAL, as the Sentry's tmpfs takes
 * them, appended to buf. 0, or -1 for a value Linux would refuse.
 */
static int tmpfs_option(const char *o, char *buf, size_t len)
{
	char *end;
	unsigned long long v = strtoull(o + 5, &end, o[0] == 'm' ? 8 : 10);

	if (end == o + 5 || o[5] == '-')
		return -1;
	if (o[0] == 's') {
		const char *units = "kmg";
		const char *u = *end ? strchr(units, *end | 0x20) : NULL;
		if (*end && (!u || end[1]))
			return -1;
		if (u)
			v <<= 10 * (u - units + 1);
	} else if (*end || v > 07777) {
		return -1;
	}
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, o[0] == 's' ? "%ssize=%llu" : "%smode=%llo", n ? "," : "", v);
	return 0;
}

/*
 * Mount options: ro/rw, the per-mount nosuid/nodev/noexec/noatime/nodiratime
 * and tmpfs's size= and mode=; the rest have no effect here.
 */
static int parse_mount_options(struct ctx *c, json_t *e, struct oci_mount *m, bool *bind)
{
	char **opts, buf[256] = "";
	int ret = 0;

	if (get_strv(c, e, "options", &opts)) {
		strv_free(opts);
		return -1;
	}
	for (size_t i = 0; opts[i] && !ret; i++) {
		const char *o = opts[i];
		if (!strcmp(o, "ro") || !strcmp(o, "rw"))
			m->ro = o[1] == 'o';
		else if (!strcmp(o, "bind") || !strcmp(o, "rbind"))
			*bind = true;
		else if (!strcmp(o, "nosuid") || !strcmp(o, "nodev") || !strcmp(o, "noexec") ||
			 !strcmp(o, "noatime") || !strcmp(o, "nodiratime"))
			/* Per-mount flags: the Sentry's root.c takes them out of the options. */
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 buf[0] ? "," : "", o);
		else if ((!strncmp(o, "size=", 5) || !strncmp(o, "mode=", 5)) &&
			 tmpfs_option(o, buf, sizeof(buf)))
			ret = bad(c, "%s: give size=BYTES[k|m|g] or mode=OCTAL", o);
	}
	strv_free(opts);
	if (!ret && buf[0] && !(m->options = strdup(buf)))
		ret = bad(c, "out of memory");
	return ret;
}

static int parse_bind_source(struct ctx *c, json_t *e, struct oci_mount *m)
{
	const char *src;
	char real[PATH_MAX], *joined;
	struct stat st;

	if (get_str(c, e, "source", &src))
		return -1;
	if (!src || !*src)
		return bad(c, "missing: a bind mount needs the host directory");
	joined = bundle_path(c, src);
	if (!joined)
		return bad(c, "out of memory");
	if (!realpath(joined, real)) {
		free(joined);
		return bad(c, "%s: %s", src, strerror(errno));
	}
	free(joined);
	/* A single file too (Kubernetes binds /etc/hosts); not a socket or
	 * device: the Sentry has its own, and the gofer serves neither. */
	if (stat(real, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		return bad(c, "%s: runsk binds directories and regular files only", src);
	m->source = strdup(real);
	return m->source ? 0 : bad(c, "out of memory");
}

/* At least one component, none of them "." or "..": a mount never lands on / itself. */
static bool dest_is_clean(const char *dest)
{
	bool named = false;

	for (const char *p = dest; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		named |= n > 0;
		p += n + (p[n] == '/');
	}
	return named;
}

static int parse_mount(struct ctx *c, size_t i, json_t *e, struct oci_mount *m)
{
	const char *dest, *type;
	bool bind = false;

	at(c, "mounts[%zu]", i);
	if (!json_is_object(e))
		return bad(c, "must be an object {destination, type, source, options}");
	at(c, "mounts[%zu].destination", i);
	if (get_str(c, e, "destination", &dest))
		return -1;
	if (!dest || dest[0] != '/' || strlen(dest) >= PATH_MAX || !dest_is_clean(dest))
		return bad(c, "must be an absolute path below /, without . or ..");
	at(c, "mounts[%zu].options", i);
	if (parse_mount_options(c, e, m, &bind))
		return -1;
	at(c, "mounts[%zu].type", i);
	if (get_str(c, e, "type", &type))
		return -1;
	if (!type || !strcmp(type, "none") || !strcmp(type, "rbind"))
		type = "bind";
	if (!strcmp(type, "bind") || bind) {
		type = "bind";
		at(c, "mounts[%zu].source", i);
		if (parse_bind_source(c, e, m))
			return -1;
	} else if (!strcmp(type, "tmpfs")) {
		/* runc's default spec puts a tmpfs on /dev: the Sentry's devfs is that. */
		m->own = !strcmp(dest, "/dev") || !strcmp(dest, "/dev/");
	} else if (type_is_sentrys(type)) {
		m->own = true;
	} else {
		return bad(c,
			   "%s is not a mount type runsk knows (bind, tmpfs, proc, sysfs, "
			   "devpts, mqueue, cgroup)",
			   type);
	}
	m->dest = strdup(dest);
	m->type = strdup(type);
	return m->dest && m->type ? 0 : bad(c, "out of memory");
}

static int parse_mounts(struct ctx *c, json_t *doc, struct oci_spec *s)
{
	json_t *v = json_object_get(doc, "mounts"), *e;
	size_t i;

	at(c, "mounts");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return bad(c, "must be an array of mounts");
	if (json_array_size(v) > 256)
		return bad(c, "more than 256 mounts");
	s->mounts = calloc(json_array_size(v) + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return bad(c, "out of memory");
	unsigned binds = 0;
	json_array_foreach(v, i, e)
	{
		if (parse_mount(c, i, e, &s->mounts[s->nmounts++]))
			return -1;
		binds += !strcmp(s->mounts[i].type, "bind");
	}
	at(c, "mounts");
	/* Each is an attach point of the one gofer, which serves so many. */
	return binds > GOFER_MAX_BINDS
		       ? bad(c, "%u bind mounts; at most %d", binds, GOFER_MAX_BINDS)
		       : 0;
}

/*
 * linux.maskedPaths and linux.readonlyPaths become mounts of the types
 * "masked" and "readonly", after every other, for the Sentry to apply
 * (sentry/vfs/root.c) once /proc and /sys are there.
 */
static int parse_path_list(struct ctx *c, json_t *lx, const char *key, const char *type,
			   struct oci_spec *s)
{
	char **paths;
	size_t n = 0;

	at(c, "linux.%s", key);
	if (get_strv(c, lx, key, &paths)) {
		strv_free(paths);
		return -1;
	}
	while (paths[n])
		n++;
	if (!n) {
		strv_free(paths);
		return 0;
	}
	struct oci_mount *m = realloc(s->mounts, (s->nmounts + n + 1) * sizeof(*m));
	if (!m) {
		strv_free(paths);
		return bad(c, "out of memory");
	}
	s->mounts = m;
	int ret = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		const char *p = paths[i];
		if (p[0] != '/' || strlen(p) >= PATH_MAX || !dest_is_clean(p)) {
			ret = bad(c, "%s: must be an absolute path below /, without . or ..", p);
			break;
		}
		m[s->nmounts] = (struct oci_mount){.dest = strdup(p), .type = strdup(type)};
		if (!m[s->nmounts].dest || !m[s->nmounts].type)
			ret = bad(c, "out of memory");
		s->nmounts++;
		memset(&m[s->nmounts], 0, sizeof(*m));
	}
	strv_free(paths);
	return ret;
}

/* linux.resources.pids.limit: as runc, 0 leaves it unset and a negative one is "max". */
static int parse_pids(struct ctx *c, json_t *res, struct oci_spec *s)
{
	json_t *pids, *v;

	at(c, "linux.resources.pids");
	if (get_obj(c, res, "pids", &pids))
		return -1;
	at(c, "linux.resources.pids.limit");
	v = json_object_get(pids, "limit");
	if (v && !json_is_integer(v))
		return bad(c, "must be an integer (tasks)");
	s->pids_limit = v ? json_integer_value(v) : 0;
	return 0;
}

static int parse_linux(struct ctx *c, json_t *doc, struct oci_spec *s)
{
	json_t *lx, *res, *mem, *cpu, *v, *e;
	char msg[256];
	size_t i;

	at(c, "linux");
	if (get_obj(c, doc, "linux", &lx))
		return -1;
	at(c, "linux.namespaces");
	v = json_object_get(lx, "namespaces");
	if (v && !json_is_array(v))
		return bad(c, "must be an array of {type}");
	/* The sandbox is every namespace at once: each type is accepted. */
	json_array_foreach(v, i, e)
	{
		at(c, "linux.namespaces[%zu].type", i);
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "type")))
			return bad(c, "must be a string");
	}
	at(c, "linux.resources");
	if (get_obj(c, lx, "resources", &res))
		return -1;
	at(c, "linux.resources.memory");
	if (get_obj(c, res, "memory", &mem))
		return -1;
	at(c, "linux.resources.memory.limit");
	v = json_object_get(mem, "limit");
	if (v && !json_is_integer(v))
		return bad(c, "must be an integer (bytes)");
	/* -1 is "no limit" in runc's configs. */
	if (v && json_integer_value(v) > 0)
		s->memory = json_integer_value(v);
	if (parse_pids(c, res, s))
		return -1;
	at(c, "linux.resources.cpu");
	if (get_obj(c, res, "cpu", &cpu))
		return -1;
	json_t *quota = json_object_get(cpu, "quota"), *period = json_object_get(cpu, "period");
	at(c, "linux.resources.cpu.quota");
	if (quota && !json_is_integer(quota))
		return bad(c, "must be an integer (microseconds)");
	at(c, "linux.resources.cpu.period");
	if (period && !json_is_integer(period))
		return bad(c, "must be an integer (microseconds)");
	if (quota && period && json_integer_value(quota) > 0 && json_integer_value(period) > 0) {
		long long q = json_integer_value(quota), p = json_integer_value(period);
		long long n = (q + p - 1) / p;
		s->cpus = n > 64 ? 64 : n;
	}
	v = json_object_get(lx, "seccomp");
	if (v && !json_is_null(v) &&
	    oci_seccomp_parse(v, &s->seccomp, c->field, sizeof(c->field), msg, sizeof(msg)))
		return bad(c, "%s", msg);
	return parse_path_list(c, lx, "maskedPaths", "masked", s) ||
			       parse_path_list(c, lx, "readonlyPaths", "readonly", s)
		       ? -1
		       : 0;
}

/*
 * "annotations": a map of strings, kept as compact JSON for the state
 * and the hooks (state.h). Keys must not be empty (the runtime spec).
 */
static int parse_annotations(struct ctx *c, json_t *doc, struct oci_spec *s)
{
	json_t *a = json_object_get(doc, "annotations"), *v;
	const char *key;

	at(c, "annotations");
	if (!a)
		return 0;
	if (!json_is_object(a))
		return bad(c, "must be an object of strings");
	json_object_foreach(a, key, v)
	{
		at(c, "annotations.%s", key);
		if (!*key)
			return bad(c, "a key must not be empty");
		if (!json_is_string(v))
			return bad(c, "must be a string");
	}
	if (json_object_size(a) && !(s->annotations = json_dumps(a, JSON_COMPACT)))
		return bad(c, "out of memory");
	return 0;
}

int oci_spec_parse(const char *json, const char *bundle, struct oci_spec *s, char *err,
		   size_t errlen)
{
	struct ctx c = {.bundle = bundle, .err = err, .errlen = errlen};
	json_error_t jerr;
	json_t *doc;
	const char *ver, *host;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	doc = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, errlen, "config.json: line %d column %d: %s", jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	at(&c, "(top level)");
	if (!json_is_object(doc)) {
		bad(&c, "must be an object");
		goto out;
	}
	at(&c, "ociVersion");
	if (get_str(&c, doc, "ociVersion", &ver))
		goto out;
	if (!ver || strncmp(ver, "1.", 2)) {
		bad(&c, "%s: runsk runs bundles of runtime-spec 1.x", ver ? ver : "missing");
		goto out;
	}
	at(&c, "hostname");
	if (get_str(&c, doc, "hostname", &host))
		goto out;
	if (host && strlen(host) >= 65) {
		bad(&c, "longer than 64 characters");
		goto out;
	}
	if (host && !(s->hostname = strdup(host))) {
		bad(&c, "out of memory");
		goto out;
	}
	ret = parse_root(&c, doc, s) || parse_process(&c, doc, s) || parse_mounts(&c, doc, s) ||
			      parse_linux(&c, doc, s) || parse_annotations(&c, doc, s) ||
			      oci_hooks_parse(json_object_get(doc, "hooks"), &s->hooks, err, errlen)
		      ? -1
		      : 0;
out:
	json_decref(doc);
	if (ret)
		oci_spec_free(s);
	return ret;
}

int oci_cap_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (!strcmp(name, cap_names[i]))
			return (int)i;
	return -1;
}

int oci_process_load(const char *path, struct oci_spec *s, char *err, size_t errlen)
{
	struct ctx c = {.file = path, .err = err, .errlen = errlen};
	json_error_t jerr;
	json_t *proc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	memset(s, 0, sizeof(*s));
	if (!proc) {
		snprintf(err, errlen, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	/* The object is config.json's "process": parse it as that. */
	json_t *doc = json_pack("{s:O}", "process", proc);
	int ret = doc ? parse_process(&c, doc, s) : bad(&c, "out of memory");
	json_decref(doc);
	json_decref(proc);
	if (ret)
		oci_spec_free(s);
	return ret;
}

int oci_spec_load(const char *bundle, struct oci_spec *s, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX + 16];
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	memset(s, 0, sizeof(*s));
	if (!realpath(bundle, real)) {
		snprintf(err, errlen, "bundle %s: %s", bundle, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/config.json", real);
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s (give the bundle with --bundle DIR)", path,
			 strerror(errno));
		return -1;
	}
	/* Read it whole; a config.json over 4 MiB is not one. */
	FILE *mem = open_memstream(&buf, &len);
	char chunk[8192];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < (4u << 20))
		fwrite(chunk, 1, n, mem);
	bool failed = !mem || ferror(f);
	fclose(f);
	if (mem)
		fclose(mem);
	if (failed || len >= (4u << 20)) {
		snprintf(err, errlen, "%s: %s", path, failed ? "cannot read it" : "over 4 MiB");
		free(buf);
		return -1;
	}
	int ret = oci_spec_parse(buf, real, s, err, errlen);
	free(buf);
	return ret;
}

void oci_spec_free(struct oci_spec *s)
{
	free(s->root);
	strv_free(s->args);
	strv_free(s->env);
	free(s->cwd);
	free(s->hostname);
	free(s->gids);
	free(s->rlimits);
	for (unsigned i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		free(s->mounts[i].options);
	}
	free(s->mounts);
	oci_hooks_free(&s->hooks);
	free(s->annotations);
	oci_seccomp_free(&s->seccomp);
	memset(s, 0, sizeof(*s));
}
