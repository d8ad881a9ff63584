// SPDX-License-Identifier: Apache-2.0
/*
 * runsk update [flags] CONTAINER-ID: runc's resource update. containerd's
 * shim runs `update --resources - ID` with a linux.resources object on
 * stdin whenever the CRI updates a container's resources; a failure there
 * fails the kubelet's update, so every well-formed update succeeds.
 *
 * What it does with them, honestly: it checks them (an object of objects,
 * numbers where runc wants numbers: a bad one is refused with one line
 * naming the field), merges them into the state directory's
 * resources.json, and `runsk events` reports the limits from there. None
 * is enforced on a running sandbox: its memory and vCPUs are fixed when
 * it boots (linux.resources in config.json sets them), the guest's
 * process count is the guest's RLIMIT_NPROC, and there is no host cgroup
 * to weigh CPU or block I/O. --debug logs what was only recorded.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "state.h"

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
	fprintf(out, "\nThey are recorded (`runsk events` reports them), not enforced: the\n"
		     "sandbox's memory and CPUs are fixed when it boots.\n");
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
	if (cli_state_load("update", root, argv[i], &st)) {
		ret = 1;
		goto out;
	}
	ret = 1;
	if (oci_state_status(root, &st) == OCI_STOPPED) {
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
	else
		pr_debug("container %s: resources recorded, not enforced (fixed at boot)", st.id);
	json_decref(all);
	ret = err ? 1 : 0;
out:
	json_decref(file);
	json_decref(res);
	return ret;
}
