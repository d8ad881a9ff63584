// SPDX-License-Identifier: Apache-2.0
/*
 * The state directory (state.h): one directory per container, with its
 * state.json and, until it is started, its exec.fifo.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

const char *oci_state_root(const struct global_opts *g)
{
	return g->root ? g->root : OCI_STATE_ROOT_DEFAULT;
}

int oci_state_path(const char *root, const char *id, const char *name, char *buf, size_t len)
{
	int n = name ? snprintf(buf, len, "%s/%s/%s", root, id, name)
		     : snprintf(buf, len, "%s/%s", root, id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int oci_state_create(const char *root, const char *id)
{
	char path[4200];
	int ret;

	/* The root may be new: make it and its parents, readable by root only. */
	snprintf(path, sizeof(path), "%s", root);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0711) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(root, 0711) < 0 && errno != EEXIST)
		return -errno;
	ret = oci_state_path(root, id, NULL, path, sizeof(path));
	if (!ret && mkdir(path, 0700) < 0)
		ret = -errno;
	return ret;
}

int oci_state_save(const char *root, const struct oci_state *st)
{
	char path[4200], tmp[4300];
	json_t *o =
		json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:I}", "id", st->id, "pid", (int)st->pid,
			  "startTime", (json_int_t)st->start_time, "bundle", st->bundle, "rootfs",
			  st->rootfs, "created", st->created, "memory", (json_int_t)st->memory);
	if (o && st->annotations)
		json_object_set_new(o, "annotations", json_loads(st->annotations, 0, NULL));
	if (o && st->filestore)
		json_object_set_new(o, "filestore", json_true());
	int ret = o ? oci_state_path(root, st->id, "state.json", path, sizeof(path)) : -ENOMEM;

	if (!ret) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		if (json_dump_file(o, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0)
			ret = errno ? -errno : -EIO;
	}
	json_decref(o);
	return ret;
}

static void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

int oci_state_record(const char *root, const char *id, pid_t pid, const char *bundle,
		     const char *rootfs, bool filestore)
{
	struct oci_state st = {
		.pid = pid, .start_time = oci_proc_start_time(pid), .filestore = filestore};

	snprintf(st.id, sizeof(st.id), "%s", id);
	if (!realpath(bundle, st.bundle))
		snprintf(st.bundle, sizeof(st.bundle), "%s", bundle);
	snprintf(st.rootfs, sizeof(st.rootfs), "%s", rootfs);
	now_rfc3339(st.created, sizeof(st.created));
	return oci_state_save(root, &st);
}

static void copy_str(char *dst, size_t len, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(dst, len, "%s", s ? s : "");
}

int oci_state_load(const char *root, const char *id, struct oci_state *st)
{
	char path[4200];
	json_error_t jerr;
	int ret = oci_state_path(root, id, "state.json", path, sizeof(path));

	if (ret)
		return ret;
	json_t *o = json_load_file(path, 0, &jerr);
	if (!o)
		return access(path, F_OK) < 0 ? -ENOENT : -EIO;
	oci_state_release(st);
	memset(st, 0, sizeof(*st));
	copy_str(st->id, sizeof(st->id), o, "id");
	copy_str(st->bundle, sizeof(st->bundle), o, "bundle");
	copy_str(st->rootfs, sizeof(st->rootfs), o, "rootfs");
	copy_str(st->created, sizeof(st->created), o, "created");
	st->pid = json_integer_value(json_object_get(o, "pid"));
	st->start_time = json_integer_value(json_object_get(o, "startTime"));
	st->memory = json_integer_value(json_object_get(o, "memory"));
	st->filestore = json_is_true(json_object_get(o, "filestore"));
	json_t *a = json_object_get(o, "annotations");
	if (json_is_object(a))
		st->annotations = json_dumps(a, JSON_COMPACT);
	json_decref(o);
	return st->pid > 0 && !strcmp(st->id, id) ? 0 : -EIO;
}

void oci_state_release(struct oci_state *st)
{
	free(st->annotations);
	st->annotations = NULL;
}

/* /proc/PID/stat's state letter and start time; false if it cannot be read. */
static bool proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	return p && sscanf(p + 2,
			   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			   "%*d %*d %*d %*d %llu",
			   state, start) == 2;
}

unsigned long long oci_proc_start_time(pid_t pid)
{
	unsigned long long start;
	char state;

	if (!proc_stat(pid, &state, &start))
		return 0;
	return state == 'Z' || state == 'X' ? 0 : start;
}

char oci_proc_state(pid_t pid)
{
	unsigned long long start;
	char state;

	return proc_stat(pid, &state, &start) ? state : 0;
}

enum oci_status oci_state_status(const char *root, const struct oci_state *st)
{
	char fifo[4200];

	if (!st->start_time || oci_proc_start_time(st->pid) != st->start_time)
		return OCI_STOPPED;
	/* Stopped by `runsk pause` (SIGSTOP), or by anyone: it runs nothing. */
	if (oci_proc_state(st->pid) == 'T')
		return OCI_PAUSED;
	if (!oci_state_path(root, st->id, "exec.fifo", fifo, sizeof(fifo)) &&
	    access(fifo, F_OK) == 0)
		return OCI_CREATED;
	return OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {[OCI_CREATED] = "created",
					    [OCI_RUNNING] = "running",
					    [OCI_STOPPED] = "stopped",
					    [OCI_PAUSED] = "paused"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

/* The spec's "annotations" of the state, where the bundle had any (runc omits it empty). */
static void add_annotations(json_t *o, const struct oci_state *st)
{
	if (o && st->annotations)
		json_object_set_new(o, "annotations", json_loads(st->annotations, 0, NULL));
}

char *oci_state_hook_json(const struct oci_state *st, const char *status)
{
	/* The spec's state: a stopped container's pid is 0 here too. */
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", "1.1.0", "id", st->id,
			      "status", status, "pid", strcmp(status, "stopped") ? (int)st->pid : 0,
			      "bundle", st->bundle);
	add_annotations(o, st);
	char *out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return out;
}

char *oci_state_json(const struct oci_state *st, enum oci_status s)
{
	/* runc's fields and order; a stopped container's pid is 0. */
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "ociVersion", "1.1.0",
			      "id", st->id, "pid", s == OCI_STOPPED ? 0 : (int)st->pid, "status",
			      oci_status_name(s), "bundle", st->bundle, "rootfs", st->rootfs,
			      "created", st->created, "owner", "");
	add_annotations(o, st);
	char *out = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return out;
}

int oci_state_remove(const char *root, const char *id)
{
	static const char *const files[] = {"exec.fifo",      "state.json",	   "state.json.tmp",
					    "control.sock",   "hooks.json",	   "hooks.json.tmp",
					    "resources.json", "resources.json.tmp"};
	char path[4200];
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		ret = oci_state_path(root, id, files[i], path, sizeof(path));
		if (ret)
			return ret;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	ret = oci_state_path(root, id, NULL, path, sizeof(path));
	if (!ret && rmdir(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

static int save_hooks(const char *root, const char *id, const struct oci_hooks *h)
{
	char path[4200], tmp[4300];
	FILE *f;
	int ret;

	if (!h->json)
		return 0;
	ret = oci_state_path(root, id, "hooks.json", path, sizeof(path));
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(h->json, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

int oci_state_load_hooks(const char *root, const char *id, struct oci_hooks *h, char *err,
			 size_t errlen)
{
	char path[4200], *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(h, 0, sizeof(*h));
	if (oci_state_path(root, id, "hooks.json", path, sizeof(path)))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0; /* the bundle had none */
	ssize_t n = getdelim(&text, &len, 0, f);
	fclose(f);
	int ret = n > 0 ? oci_hooks_parse_text(text, h, err, errlen) : 0;
	free(text);
	return ret;
}

json_t *oci_state_load_resources(const char *root, const char *id)
{
	char path[4200];
	json_t *o = NULL;

	if (!oci_state_path(root, id, "resources.json", path, sizeof(path)))
		o = json_load_file(path, 0, NULL);
	if (o && json_is_object(o))
		return o;
	json_decref(o);
	return json_object();
}

int oci_state_save_resources(const char *root, const char *id, json_t *res)
{
	char path[4200], tmp[4300];
	int ret = oci_state_path(root, id, "resources.json", path, sizeof(path));

	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(res, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

int oci_state_save_spec(const char *root, const char *id, const struct oci_spec *s)
{
	_cleanup_state_ struct oci_state st = {0};
	int ret = oci_state_load(root, id, &st);

	if (!ret) {
		st.memory = oci_sandbox_memory(s);
		free(st.annotations);
		st.annotations = s->annotations ? strdup(s->annotations) : NULL;
		ret = s->annotations && !st.annotations ? -ENOMEM : oci_state_save(root, &st);
	}
	return ret ? ret : save_hooks(root, id, &s->hooks);
}

int oci_run_hooks(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind,
		  const struct oci_state *st, const char *status)
{
	char err[2048];

	if (!h->n[kind])
		return 0;
	char *json = oci_state_hook_json(st, status);
	int ret = json ? oci_hooks_run(h, kind, json, err, sizeof(err)) : -1;
	if (ret)
		cli_err("runsk %s: container %s: %s", cmd, st->id, json ? err : "out of memory");
	free(json);
	return ret;
}

void oci_run_hooks_warn(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind,
			const struct oci_state *st, const char *status)
{
	char err[2048], *json = h->n[kind] ? oci_state_hook_json(st, status) : NULL;

	for (unsigned i = 0; json && i < h->n[kind]; i++)
		if (oci_hook_run(h, kind, i, json, err, sizeof(err)))
			fprintf(stderr, "runsk %s: container %s: warning: %s\n", cmd, st->id, err);
	free(json);
}
