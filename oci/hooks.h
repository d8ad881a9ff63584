/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"): config.json's
 * "hooks" parsed, and each hook run as the spec says: the host program
 * `path` with `args` (argv[0] included; absent: path) and exactly `env`
 * (absent: empty), the container's state JSON on its stdin, its stdout and
 * stderr captured for the error message, killed after `timeout` seconds.
 *
 * Where runsk runs them (oci/cmd_lifecycle.c, oci/cmd_run.c):
 *   prestart, createRuntime, createContainer  in `create`, once the sandbox
 *       process exists (its pid is the state's) and before it may start;
 *       status "creating". A failure kills the sandbox, runs poststop and
 *       fails create, leaving nothing behind.
 *   startContainer  in `start`, before the sandbox is let go; status
 *       "created". A failure kills the sandbox and fails start.
 *   poststart  in `start`, once the sandbox runs; status "running". A
 *       failure kills the container and fails start, as runc does (the
 *       spec would only warn; containerd sees runc's behaviour).
 *   poststop  in `delete`, after the sandbox is gone; status "stopped".
 *       A failure is a warning: the other hooks run, delete succeeds.
 * Every hook runs on the host in the runtime's namespaces, createContainer
 * and startContainer included (the spec puts those two in the container's
 * namespaces): a runsk container's namespaces are the Sentry's guest,
 * where no host program can run, and the container's root is the bundle's
 * rootfs, which those hooks can reach through the state's bundle.
 */
#ifndef OCI_HOOKS_H
#define OCI_HOOKS_H

#include <jansson.h>
#include <stddef.h>

#include "lib/compiler.h"

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS
};

struct oci_hook {
	char *path;  /* absolute, on the host */
	char **args; /* NULL-terminated; NULL: { path } */
	char **env;  /* NULL-terminated; NULL: empty */
	int timeout; /* seconds; 0: none */
};

struct oci_hooks {
	struct oci_hook *list[OCI_HOOK_KINDS];
	unsigned n[OCI_HOOK_KINDS];
	char *json; /* the "hooks" object as given, to keep in the state directory */
};

/* The config.json name of kind ("createRuntime"). */
const char *oci_hook_name(enum oci_hook_kind kind);

/*
 * Parse config.json's "hooks" object (NULL: none) into *h. Returns 0, or
 * -1 with a one-line message naming the field ("config.json:
 * hooks.poststop[1].path: must be an absolute path") in err; *h is then
 * empty.
 */
int oci_hooks_parse(json_t *hooks, struct oci_hooks *h, char *err, size_t errlen) __must_check;
/* The same from the text h->json was (the state directory's copy). */
int oci_hooks_parse_text(const char *text, struct oci_hooks *h, char *err,
			 size_t errlen) __must_check;
void oci_hooks_free(struct oci_hooks *h);

/*
 * Run hook number i of kind with state (a JSON text) on its stdin, and
 * wait for it (at most its timeout). 0 if it exited with status 0; else
 * -1 with runc's message in err ("error running createRuntime hook #0:
 * exit status 3, output: ..." or "...: hook ran past specified timeout
 * of 2s"), one line. Blocks.
 */
int oci_hook_run(const struct oci_hooks *h, enum oci_hook_kind kind, unsigned i, const char *state,
		 char *err, size_t errlen) __must_check;
/* Run every hook of kind in order; stop at the first failure, as above. */
int oci_hooks_run(const struct oci_hooks *h, enum oci_hook_kind kind, const char *state, char *err,
		  size_t errlen) __must_check;

#endif
