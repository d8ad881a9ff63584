/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI bundle's config.json (runtime-spec 1.x), parsed and checked: the
 * parts runsk honours, in the form the runtime and the Sentry use. Unknown
 * fields are ignored, as the spec asks; a field runsk knows but cannot
 * honour, or one of the wrong type, is refused with a one-line message
 * that names it.
 */
#ifndef OCI_SPEC_H
#define OCI_SPEC_H

#include <stddef.h>

#include "hooks.h"
#include "seccomp_profile.h"
#include "lib/compiler.h"
#include "sentry/sentry.h"

/* One entry of "mounts". */
struct oci_mount {
	char *dest;    /* absolute, in the container */
	char *type;    /* "bind", "tmpfs", or one the Sentry provides itself */
	char *source;  /* bind: an absolute host path (relative ones are the bundle's) */
	char *options; /* tmpfs: "size=...,mode=..." or NULL */
	bool ro;
	bool own; /* the Sentry mounts its own there (proc, sysfs, devpts, /dev ...) */
};

struct oci_spec {
	char *root; /* the rootfs: absolute host path, a directory */
	bool root_readonly;
	char **args;	/* NULL-terminated, at least one */
	char **env;	/* NULL-terminated */
	char *cwd;	/* absolute */
	char *hostname; /* NULL: not set */
	u32 uid, gid;
	u32 *gids;
	unsigned ngids;
	bool no_new_privs;
	u64 caps[5];   /* OCI_CAP_* */
	bool caps_set; /* process.capabilities is there (exec: else the bundle's) */
	bool umask_set;
	u32 umask; /* process.user.umask, with umask_set */
	struct sandbox_rlimit *rlimits;
	unsigned nrlimits;
	bool oom_score_adj_set;
	int oom_score_adj; /* process.oomScoreAdj, with oom_score_adj_set: -1000..1000 */
	struct oci_mount *mounts;
	unsigned nmounts;
	u64 memory;    /* linux.resources.memory.limit; 0 = not set */
	unsigned cpus; /* from linux.resources.cpu quota/period; 0 = not set */
	/* linux.resources.pids.limit; <= 0 = none */
	s64 pids_limit;
	bool terminal; /* process.terminal: the process gets a pty (oci/console.h) */
	u16 console_height, console_width; /* process.consoleSize; 0 = not set */
	struct oci_hooks hooks;		   /* "hooks" (hooks.h) */
	char *annotations;	    /* "annotations" as compact JSON (string to string), or NULL */
	struct oci_seccomp seccomp; /* linux.seccomp compiled; prog NULL if absent */
};

enum {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_PERMITTED,
	OCI_CAP_INHERITABLE,
	OCI_CAP_AMBIENT
};

/*
 * Parse the config.json text json of the bundle in directory bundle
 * (absolute). Host paths it names (root.path, bind sources) are resolved
 * against the bundle and must exist. Returns 0, or -1 with a one-line
 * message naming the field in err; *spec is then empty.
 */
int oci_spec_parse(const char *json, const char *bundle, struct oci_spec *spec, char *err,
		   size_t errlen) __must_check;
/* Read bundle/config.json and parse it (bundle may be relative). As above. */
int oci_spec_load(const char *bundle, struct oci_spec *spec, char *err, size_t errlen) __must_check;
void oci_spec_free(struct oci_spec *spec);
/*
 * Parse the process.json at path (runc exec --process: a "process"
 * object of config.json) into spec's process fields. As above.
 */
int oci_process_load(const char *path, struct oci_spec *spec, char *err,
		     size_t errlen) __must_check;
/* The number of capability name (as CAP_CHOWN), or -1. */
int oci_cap_parse(const char *name);

#endif
