/* SPDX-License-Identifier: Apache-2.0 */
/* The runsk command line: one file per subcommand (cmd_<name>.c). */
#ifndef OCI_CLI_H
#define OCI_CLI_H

#include "filestore.h"
#include "lib/compiler.h"

/* Flags runsc accepts before the subcommand; runsk honours the same ones. */
struct global_opts {
	bool debug;
	bool strace;
	const char *debug_log;
	const char *root;	   /* --root: the OCI state directory (oci/state.h) */
	enum oci_overlay overlay2; /* --overlay2, for run, create and do */
};

/*
 * A command's one-line error: to stderr and, when runc's flags asked for
 * `--log FILE --log-format json`, also to FILE as runc writes it
 * ({"level":"error","msg":...,"time":...}): containerd's shim reads the
 * last such line to say why a runtime command failed.
 */
void cli_err(const char *fmt, ...) __printf(1, 2);
/*
 * A command's flag with a value, "--name=V" or "--name V" (then *i moves
 * past V): V, or NULL if argv[*i] is another flag.
 */
const char *cli_flag_value(int argc, char **argv, int *i, const char *name);
struct oci_state;
/*
 * Load container id's state under root for `runsk cmd`: 0, or -errno
 * after one line saying why not (not an ID, no such container, or an
 * unreadable state).
 */
int cli_state_load(const char *cmd, const char *root, const char *id,
		   struct oci_state *st) __must_check;

int cmd_do(const struct global_opts *g, int argc, char **argv);
int cmd_run(const struct global_opts *g, int argc, char **argv);
int cmd_create(const struct global_opts *g, int argc, char **argv);
int cmd_start(const struct global_opts *g, int argc, char **argv);
int cmd_state(const struct global_opts *g, int argc, char **argv);
int cmd_kill(const struct global_opts *g, int argc, char **argv);
int cmd_delete(const struct global_opts *g, int argc, char **argv);
int cmd_list(const struct global_opts *g, int argc, char **argv);
int cmd_pause(const struct global_opts *g, int argc, char **argv);
int cmd_resume(const struct global_opts *g, int argc, char **argv);
int cmd_events(const struct global_opts *g, int argc, char **argv);
int cmd_update(const struct global_opts *g, int argc, char **argv);
int cmd_ps(const struct global_opts *g, int argc, char **argv);
int cmd_exec(const struct global_opts *g, int argc, char **argv);
int cmd_features(const struct global_opts *g, int argc, char **argv);
int cmd_spec(const struct global_opts *g, int argc, char **argv);
int cmd_selftest(const struct global_opts *g, int argc, char **argv);
int cmd_gofer(const struct global_opts *g, int argc, char **argv);
int cmd_help(const struct global_opts *g, int argc, char **argv);

/*
 * The host pids of the live `runsk exec` proxies of container id (asked
 * of its Sentry, control_client.c): up to max in pids; their count or -errno.
 */
int oci_exec_proxies(const char *root, const char *id, int *pids, int max);

/* Parse "512M", "2G", "1048576" into bytes; 0 on a malformed size. */
u64 cli_parse_size(const char *s);

#endif
