// SPDX-License-Identifier: Apache-2.0
/*
 * runsk update [flags] CONTAINER-ID: runc's resource update. containerd's
 * shim runs `update --resources - ID` with a linux.resources object on
 * stdin whenever the CRI updates a container's resources; a failure there
 * fails the kubelet's update, so every well-formed update succeeds.
 *
 * What it does with them: it checks them (an object of objects, numbers
 * where runc wants numbers: a bad one is refused with one line naming the
 * field), merges them into the state directory's resources.json (`runsk
 * events` reports the limits from there), and sends the Sentry the two a
 * sandbox can enforce, over the control socket (sentry/sentry.h;
 * sentry/kernel/cgroup_limits.h has how they are enforced):
 * - pids.limit: the guest's cgroup pids.max (> 0; negative: "max");
 * - memory.limit: the guest's memory.max, at most the memory the sandbox
 *   booted with: its memory file cannot grow. A bigger one (or -1) is
 *   recorded and the boot size enforced; --debug says so, and the update
 *   succeeds, as containerd needs.
 * As runc, 0 leaves either as it is. A running sandbox answers with the
 * limit in force; a created or paused one is not answering yet, so the
 * request waits in its socket and it takes it when it runs. The rest
 * (CPU shares and quota, block I/O, cpusets) is only recorded: the vCPUs
 * are fixed at boot and there is no host cgroup to weigh CPU or I/O.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "exec.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "state.h"

#define REPLY_TIMEOUT_MS 5000 /* a running Sentry answers at once */

/* runc's flags: each sets section.key of linux.resources. */
static const struct update_flag {
	const char *flag, *section, *key;
	bool size;   /* "512M" as memory sizes; "-1" is unlimited */
	bool string; /* cpuset lists and RDT schemas */
} flags[] = {
	{.flag = "--memory", .section = "memory", .key = "limit", .size = true},
	{.flag = "--memory-reservation", .section = "memory", .key = "reservation", .size = true},
	{.flag = "--memory-swap", .section = "memory", .key = "swap", .size = true},
	{.flag = "--kernel-memory", .section = "memory", .key = "kernel", .size = true},
	{.flag = "--kernel-memory-tcp", .section = "memory", .key = "kernelTCP", .size = true},
	{.flag = "--cpu-share", .section = "cpu", .key = "shares"},
	{.flag = "--cpu-quota", .section = "cpu", .key = "quota"},
	{.flag = "--cpu-period", .section = "cpu", .key = "period"},
	{.flag = "--cpu-rt-runtime", .section = "cpu", .key = "realtimeRuntime"},
	{.flag = "--cpu-rt-period", .section = "cpu", .key = "realtimePeriod"},
	{.flag = "--cpu-idle", .section = "cpu", .key = "idle"},
	{.flag = "--cpuset-cpus", .section = "cpu", .key = "cpus", .string = true},
	{.flag = "--cpuset-mems", .section = "cpu", .key = "mems", .string = true},
	{.flag = "--blkio-weight", .section = "blockIO", .key = "weight"},
	{.flag = "--pids-limit", .section = "pids", .key = "limit"},
	{.flag = "--l3-cache-schema",
	 .section = "intelRdt",
	 .key = "l3CacheSchema",
	 .string = true},
	{.flag = "--mem-bw-schema", .section = "intelRdt", .key = "memBwSchema", .string = true},
};

static int update_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] update [flags] CONTAINER-ID\n"
		     "  --resources FILE, -r FILE  a linux.resources JSON object (- : stdin)\n"
		     "  and runc's one-value flags:");
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		fprintf(out, "%s %s", i % 4 ? "" : "\n   ", flags[i].flag);
	fprintf(out, "\nThey are recorded (`runsk events` reports them). --pids-limit and\n"
		     "--memory are enforced (memory up to what the sandbox booted with); the\n"
		     "rest is not: the sandbox's CPUs are fixed when it boots.\n");
	return out == stdout ? 0 : 1;
}

/* Set section.key in res to the flag's value v. 0, or -1 after an error line. */
static int set_flag(json_t *res, const struct update_flag *f, const char *v)
{
	json_t *val;

	if (f->string) {
		val = json_string(v);
	} else if (f->size && !strcmp(v, "-1")) {
		val = json_integer(-1);
	} else {
		char *end;
		long long n = f->size ? (long long)cli_parse_size(v) : strtoll(v, &end, 10);
		if (f->size ? n <= 0 : (end == v || *end)) {
			cli_err("runsk update: %s %s: give a number%s", f->flag, v,
				f->size ? " of bytes (as 512M) or -1" : "");
			return -1;
		}
		val = json_integer(n);
	}
	json_t *sec = json_object_get(res, f->section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(res, f->section, sec);
	}
	return json_object_set_new(sec, f->key, val) ? -1 : 0;
}

/*
 * Check a linux.resources object: each known section an object whose
 * numeric fields are numbers. 0, or -1 after an error line naming the field.
 */
static int check_resources(json_t *res)
{
	static const char *const sections[] = {"memory", "cpu", "pids", "blockIO"};
	const char *key;
	json_t *v;

	if (!json_is_object(res)) {
		cli_err("runsk update: --resources: must be a JSON object (linux.resources)");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		json_t *sec = json_object_get(res, sections[i]);
		if (sec && !json_is_object(sec) && !json_is_null(sec)) {
			cli_err("runsk update: --resources: %s: must be an object", sections[i]);
			return -1;
		}
		json_object_foreach(sec, key, v)
		{
			bool text = !strcmp(key, "cpus") || !strcmp(key, "mems");
			if (!json_is_null(v) &&
			    (text ? !json_is_string(v)
				  : !json_is_number(v) && !json_is_boolean(v))) {
				cli_err("runsk update: --resources: %s.%s: must be a %s",
					sections[i], key, text ? "string" : "number");
				return -1;
			}
		}
	}
	return 0;
}

/* Merge src's sections into dst's, key by key. */
static void merge(json_t *dst, json_t *src)
{
	const char *name, *key;
	json_t *sec, *v;

	json_object_foreach(src, name, sec)
	{
		json_t *d = json_object_get(dst, name);
		if (!json_is_object(sec) || !json_is_object(d)) {
			json_object_set(dst, name, sec);
			continue;
		}
		json_object_foreach(sec, key, v) json_object_set(d, key, v);
	}
}

/* Read the --resources file (- : stdin): a new reference, or NULL after an error line. */
static json_t *read_resources(const char *path)
{
	json_error_t jerr;
	json_t *o =
		!strcmp(path, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(path, 0, &jerr);

	if (!o)
		cli_err("runsk update: --resources %s: line %d: %s", path, jerr.line, jerr.text);
	return o;
}

/*
 * The control message value of res's section.limit: 0 if it leaves the
 * limit as it is, -1 for none, else the limit (memory: in pages, at least one).
 */
static s32 limit_value(json_t *res, const char *section, bool pages)
{
	json_t *v = json_object_get(json_object_get(res, section), "limit");
	json_int_t n = json_is_number(v) ? (json_int_t)json_number_value(v) : 0;

	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (pages)
		n = MAX(n >> 12, 1); /* the guest's page size */
	return (s32)MIN(n, (json_int_t)INT32_MAX);
}

/* Send one limit; with wait, the limit in force from the reply. 0 or -errno. */
static int send_limit(int sock, u32 type, s32 value, bool wait, s32 *now)
{
	struct sentry_control_msg m = {type, value};
	struct pollfd pfd = {.fd = sock, .events = POLLIN};

	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -errno;
	*now = value;
	if (!wait)
		return 0;
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	if (recv(sock, &m, sizeof(m), 0) != sizeof(m))
		return -EIO;
	if (m.type == SENTRY_CONTROL_ERROR)
		return m.value < 0 ? m.value : -EIO;
	if (m.type != type)
		return -EIO;
	*now = m.value;
	return 0;
}

/* Send the sandbox the limits it enforces. 0, or 1 after an error line. */
static int apply_limits(const char *root, const struct oci_state *st, json_t *res, bool running)
{
	s32 pids = limit_value(res, "pids", false), mem = limit_value(res, "memory", true), now;
	int err = 0;

	if (!pids && !mem)
		return 0;
	_cleanup_close_ int sock = oci_control_connect(root, st->id);
	if (sock < 0)
		err = sock;
	if (!err && pids)
		err = send_limit(sock, SENTRY_CONTROL_PIDS_MAX, pids, running, &now);
	if (!err && mem) {
		err = send_limit(sock, SENTRY_CONTROL_MEMORY_MAX, mem, running, &now);
		/* Not an error: containerd's update must succeed; the limit is recorded. */
		if (!err && running && mem < 0)
			pr_debug("container %s: no memory limit: the sandbox keeps the %lld bytes "
				 "it booted with (its memory cannot grow)",
				 st->id, (long long)now << 12);
		else if (!err && running && now < mem)
			pr_debug("container %s: memory limit of %lld bytes recorded; the %lld "
				 "bytes the sandbox booted with are enforced (its memory cannot "
				 "grow)",
				 st->id, (long long)mem << 12, (long long)now << 12);
	}
	if (err)
		cli_err("runsk update: container %s: cannot set its limits: %s", st->id,
			err == -ETIMEDOUT ? "the sandbox does not answer" : strerror(-err));
	return err ? 1 : 0;
}

int cmd_update(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *v;
	json_t *res = json_object(), *file = NULL;
	_cleanup_state_ struct oci_state st = {0};
	int i = 1, ret = 1;

	for (; res && i < argc && argv[i][0] == '-'; i++) {
		size_t f = 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			json_decref(res);
			return update_usage(stdout);
		}
		if ((v = cli_flag_value(argc, argv, &i, "--resources")) ||
		    (v = cli_flag_value(argc, argv, &i, "-r"))) {
			json_decref(file);
			if (!(file = read_resources(v)) || check_resources(file))
				goto out;
			continue;
		}
		for (; f < ARRAY_SIZE(flags); f++)
			if ((v = cli_flag_value(argc, argv, &i, flags[f].flag)))
				break;
		if (f == ARRAY_SIZE(flags)) {
			cli_err("runsk update: unknown flag %s — see `runsk update --help`",
				argv[i]);
			goto out;
		}
		if (set_flag(res, &flags[f], v))
			goto out;
	}
	if (!res || i != argc - 1 || !oci_id_is_valid(argv[i])) {
		update_usage(stderr);
		goto out;
	}
	/* runc's callers pass --debug and --log: what was only recorded goes there. */
	if (log_init(g->debug_log, g->debug)) {
		cli_err("runsk: --debug-log=%s: cannot open it for writing", g->debug_log);
		goto out;
	}
	if (cli_state_load("update", root, argv[i], &st)) {
		ret = 1;
		goto out;
	}
	ret = 1;
	enum oci_status status = oci_state_status(root, &st);
	if (status == OCI_STOPPED) {
		cli_err("runsk update: container %s is stopped: there is nothing to update", st.id);
		goto out;
	}
	/* As runc: the flags override what the file says. */
	json_t *all = oci_state_load_resources(root, st.id);
	if (file)
		merge(all, file);
	merge(all, res);
	int err = oci_state_save_resources(root, st.id, all);
	if (err)
		cli_err("runsk update: container %s: cannot record the resources: %s", st.id,
			strerror(-err));
	/* This update's own limits: the flags over the file, as above. */
	json_t *upd = json_object();
	if (file)
		merge(upd, file);
	merge(upd, res);
	ret = err ? 1 : apply_limits(root, &st, upd, status == OCI_RUNNING);
	if (!ret)
		pr_debug("container %s: resources recorded; of them the sandbox enforces "
			 "pids.limit and memory.limit",
			 st.id);
	json_decref(upd);
	json_decref(all);
out:
	json_decref(file);
	json_decref(res);
	return ret;
}
