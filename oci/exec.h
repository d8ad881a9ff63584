/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runsk exec, between its files: cmd_exec.c parses the command line and
 * resolves the process to run (struct exec_proc), exec_proxy.c runs it in
 * the container's Sentry and stands for it on the host as its proxy, and
 * control_client.c reaches the Sentry's control socket (sentry.h has the
 * protocol).
 */
#ifndef OCI_EXEC_H
#define OCI_EXEC_H

#include "lib/compiler.h"
#include "sentry/sentry.h"

#define EXEC_FAILED 255 /* runc's status when the process cannot start */
#define EXEC_MAX_ENV 4096

/* The process to run, as runc's specs.Process, resolved. */
struct exec_proc {
	const char **args; /* NULL-terminated */
	const char *env[EXEC_MAX_ENV + 1];
	unsigned nenv;
	const char *cwd;
	u32 uid, gid;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	unsigned ngids;
	bool no_new_privs;
	bool terminal;
	u16 rows, cols; /* consoleSize */
	bool caps_set, umask_set;
	u64 caps[5]; /* OCI_CAP_* */
	u32 umask;
	bool oom_score_adj_set;
	int oom_score_adj; /* process.oomScoreAdj, with oom_score_adj_set */
	const struct sandbox_rlimit *rlimits;
	unsigned nrlimits;
};

/* runsk exec's flags. */
struct exec_opts {
	const char *process, *pid_file, *cwd, *user, *console_socket;
	bool detach, tty, no_new_privs;
	u64 add_caps; /* --cap */
	const char *env[EXEC_MAX_ENV];
	unsigned nenv;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	unsigned ngids;
};

/*
 * Run p in the container whose control socket is sock (still the
 * caller's to close), as o's --tty, --console-socket, --detach and
 * --pid-file say (exec_proxy.c). Without --detach this process is the
 * proxy until p exits. Returns runsk exec's exit status: p's (128 +
 * signal), 0 once a detached p started, or EXEC_FAILED after a one-line
 * error. A detached proxy never returns.
 */
int exec_run(int sock, const struct exec_proc *p, const struct exec_opts *o);

/*
 * Connect to the control socket of container id under root
 * (control_client.c). The socket (O_CLOEXEC), or -errno.
 */
int oci_control_connect(const char *root, const char *id) __must_check;

/* Send a message of type and value on sock; a failure is only logged. May block. */
void oci_control_send(int sock, u32 type, s32 value);

#endif
