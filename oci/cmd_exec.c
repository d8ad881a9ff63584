// SPDX-License-Identifier: Apache-2.0
/*
 * runsk exec [flags] CONTAINER-ID [ARGS...]: run one more process in a
 * running container, as `runc exec` does (containerd's shim runs
 * `exec --process P --detach --pid-file F ID` for `ctr task exec` and
 * Kubernetes' exec probes). This file reads the command line and resolves
 * the process; exec_proxy.c runs it in the container's Sentry and stands
 * for it on the host (exec.h).
 *
 * As runc: the process is the bundle's "process" with ARGS, --cwd, --env
 * (added to its env), --user, --additional-gids, --cap (added to its
 * bounding, effective, permitted and ambient sets) and --no-new-privs
 * applied, or the one --process gives (its capabilities, user with umask,
 * rlimits; the bundle's capability sets if it has none); every failure to
 * start it is "exec failed: ..." and status 255.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "lib/log.h"
#include "state.h"

static int exec_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] exec [flags] CONTAINER-ID COMMAND [ARGS...]\n"
		     "       runsk [--root DIR] exec [flags] --process process.json CONTAINER-ID\n"
		     "  --process F, -p F     the process (runtime-spec \"process\" JSON) to run\n"
		     "  --cwd D               its working directory (default: the bundle's)\n"
		     "  --env K=V, -e K=V     add to its environment (repeatable)\n"
		     "  --user U[:G], -u      its uid and gid (default: the bundle's user)\n"
		     "  --additional-gids G, -g G  a supplementary group (repeatable)\n"
		     "  --no-new-privs        set no_new_privs for it\n"
		     "  --cap CAP, -c CAP     add CAP (as CAP_NET_ADMIN) to its capabilities\n"
		     "  --tty, -t             give it a terminal: --console-socket's, or ours\n"
		     "  --console-socket S    send the terminal's pty master to the socket S\n"
		     "  --detach, -d          return once it started; --pid-file has its proxy\n"
		     "  --pid-file F          write the pid of its host proxy to F\n"
		     "Signals sent to the proxy reach the process; its status is runsk's.\n");
	return out == stdout ? 0 : 1;
}

static bool parse_u32(const char *s, u32 *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || *s == '-' || v > 0xffffffffUL)
		return false;
	*out = (u32)v;
	return true;
}

/* Parse the flags; returns the index of the ID, or -1 after a message (or help). */
static int parse_flags(int argc, char **argv, struct exec_opts *o, int *status)
{
	const char *v;
	int i = 1;

	*status = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*status = exec_usage(stdout);
			return -1;
		} else if ((v = cli_flag_value(argc, argv, &i, "--process")) ||
			   (v = cli_flag_value(argc, argv, &i, "-p"))) {
			o->process = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--pid-file"))) {
			o->pid_file = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--cwd"))) {
			o->cwd = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--user")) ||
			   (v = cli_flag_value(argc, argv, &i, "-u"))) {
			o->user = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--env")) ||
			   (v = cli_flag_value(argc, argv, &i, "-e"))) {
			if (o->nenv == EXEC_MAX_ENV) {
				cli_err("runsk exec: too many --env (at most %d)", EXEC_MAX_ENV);
				return -1;
			}
			o->env[o->nenv++] = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--additional-gids")) ||
			   (v = cli_flag_value(argc, argv, &i, "-g"))) {
			if (o->ngids == SENTRY_CONTROL_MAX_GROUPS ||
			    !parse_u32(v, &o->gids[o->ngids])) {
				cli_err("runsk exec: --additional-gids %s: give a gid (a number)",
					v);
				return -1;
			}
			o->ngids++;
		} else if ((v = cli_flag_value(argc, argv, &i, "--console-socket"))) {
			o->console_socket = v;
		} else if (!strcmp(a, "--detach") || !strcmp(a, "-d")) {
			o->detach = true;
		} else if (!strcmp(a, "--tty") || !strcmp(a, "-t")) {
			o->tty = true;
		} else if (!strcmp(a, "--no-new-privs")) {
			o->no_new_privs = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--cap")) ||
			   (v = cli_flag_value(argc, argv, &i, "-c"))) {
			int cap = oci_cap_parse(v);
			if (cap < 0) {
				cli_err("runsk exec: --cap %s: give a capability name as "
					"CAP_NET_ADMIN",
					v);
				return -1;
			}
			o->add_caps |= 1ULL << cap;
		} else if ((v = cli_flag_value(argc, argv, &i, "--process-label")) ||
			   (v = cli_flag_value(argc, argv, &i, "--apparmor"))) {
			/* runc's; no host LSM applies inside the sandbox. */
		} else {
			cli_err("runsk exec: %s is not supported — see `runsk exec --help`", a);
			return -1;
		}
	}
	if (i >= argc || !oci_id_is_valid(argv[i])) {
		cli_err("runsk exec: give a container ID — see `runsk exec --help`");
		return -1;
	}
	if (!o->process && i + 1 >= argc) {
		cli_err("runsk exec: exec args cannot be empty: give a command after the ID");
		return -1;
	}
	if (o->process && i + 1 < argc) {
		cli_err("runsk exec: give --process or a command, not both");
		return -1;
	}
	return i;
}

/* The bundle's process with the flags applied, as runc's getProcess. */
static int proc_from_spec(const struct oci_spec *s, const struct exec_opts *o, char **args,
			  struct exec_proc *p)
{
	p->args = (const char **)args;
	for (char **e = s->env; e && *e; e++)
		if (p->nenv < EXEC_MAX_ENV)
			p->env[p->nenv++] = *e;
	for (unsigned i = 0; i < o->nenv && p->nenv < EXEC_MAX_ENV; i++)
		p->env[p->nenv++] = o->env[i];
	p->cwd = o->cwd ? o->cwd : s->cwd;
	p->uid = s->uid;
	p->gid = s->gid;
	for (unsigned i = 0; i < s->ngids && p->ngids < SENTRY_CONTROL_MAX_GROUPS; i++)
		p->gids[p->ngids++] = s->gids[i];
	p->no_new_privs = s->no_new_privs || o->no_new_privs;
	p->terminal = o->tty;
	p->rows = s->console_height;
	p->cols = s->console_width;
	/* The bundle's sets, and --cap's as runc adds them (not to inheritable). */
	p->caps_set = true;
	memcpy(p->caps, s->caps, sizeof(p->caps));
	for (int set = 0; set < 5; set++)
		if (set != OCI_CAP_INHERITABLE)
			p->caps[set] |= o->add_caps;
	p->umask_set = s->umask_set;
	p->umask = s->umask;
	p->oom_score_adj_set = s->oom_score_adj_set;
	p->oom_score_adj = s->oom_score_adj;
	/* The bundle's rlimits are the sandbox's already: none to send. */
	if (o->user) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", o->user);
		char *colon = strchr(buf, ':');
		if (colon)
			*colon = 0;
		if (!parse_u32(buf, &p->uid) || (colon && !parse_u32(colon + 1, &p->gid))) {
			cli_err("runsk exec: --user %s: give UID or UID:GID (numbers)", o->user);
			return -1;
		}
	}
	for (unsigned i = 0; i < o->ngids && p->ngids < SENTRY_CONTROL_MAX_GROUPS; i++)
		p->gids[p->ngids++] = o->gids[i];
	return 0;
}

/* --process F: runc's process.json, whole; its strings live in *ps. */
static int proc_from_json(const char *path, struct oci_spec *ps, struct exec_proc *p)
{
	char err[1024];

	if (oci_process_load(path, ps, err, sizeof(err))) {
		cli_err("runsk exec: --process %s", err);
		return -1;
	}
	if (ps->ngids > SENTRY_CONTROL_MAX_GROUPS || ps->nrlimits > SENTRY_CONTROL_MAX_RLIMITS) {
		cli_err("runsk exec: --process %s: too many additionalGids or rlimits", path);
		return -1;
	}
	p->args = (const char **)ps->args;
	for (char **e = ps->env; *e && p->nenv < EXEC_MAX_ENV; e++)
		p->env[p->nenv++] = *e;
	p->cwd = ps->cwd;
	p->uid = ps->uid;
	p->gid = ps->gid;
	memcpy(p->gids, ps->gids, ps->ngids * sizeof(u32));
	p->ngids = ps->ngids;
	p->no_new_privs = ps->no_new_privs;
	p->terminal = ps->terminal;
	p->rows = ps->console_height;
	p->cols = ps->console_width;
	p->caps_set = ps->caps_set;
	memcpy(p->caps, ps->caps, sizeof(p->caps));
	p->umask_set = ps->umask_set;
	p->umask = ps->umask;
	p->oom_score_adj_set = ps->oom_score_adj_set;
	p->oom_score_adj = ps->oom_score_adj;
	p->rlimits = ps->rlimits;
	p->nrlimits = ps->nrlimits;
	return 0;
}

/* Check the container and make the process of its bundle or --process. */
static int exec_prepare(const char *root, const char *id, struct oci_state *st,
			struct oci_spec *spec, bool *have_spec)
{
	char err[1024];
	if (cli_state_load("exec", root, id, st))
		return -1;
	enum oci_status s = oci_state_status(root, st);
	if (s == OCI_STOPPED) {
		cli_err("runsk exec: cannot exec in a stopped container (%s)", id);
		return -1;
	}
	/* runc's words; the control socket's thread is stopped with the rest. */
	if (s == OCI_PAUSED) {
		cli_err("runsk exec: cannot exec in a paused container (%s)", id);
		return -1;
	}
	if (s == OCI_CREATED) {
		cli_err("runsk exec: container %s is created, not running: `runsk start` it first",
			id);
		return -1;
	}
	if (oci_spec_load(st->bundle, spec, err, sizeof(err))) {
		cli_err("runsk exec: container %s: its bundle: %s", id, err);
		return -1;
	}
	*have_spec = true;
	return 0;
}

int cmd_exec(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g);
	struct exec_opts *o = calloc(1, sizeof(*o));
	struct exec_proc *p = calloc(1, sizeof(*p));
	_cleanup_state_ struct oci_state st = {0};
	struct oci_spec spec;
	bool have_spec = false;
	struct oci_spec pspec = {0};
	int status = 1, i, sock = -1;

	if (!o || !p || (i = parse_flags(argc, argv, o, &status)) < 0)
		goto out;
	status = EXEC_FAILED;
	if (log_init(g->debug_log, g->debug)) {
		cli_err("runsk: --debug-log=%s: cannot open it for writing", g->debug_log);
		goto out;
	}
	if (exec_prepare(root, argv[i], &st, &spec, &have_spec))
		goto out;
	if (o->process ? proc_from_json(o->process, &pspec, p)
		       : proc_from_spec(&spec, o, argv + i + 1, p))
		goto out;
	sock = oci_control_connect(root, argv[i]);
	if (sock < 0) {
		cli_err("runsk exec: container %s: cannot reach its sandbox: %s", argv[i],
			strerror(-sock));
		goto out;
	}
	status = exec_run(sock, p, o);
out:
	if (sock >= 0)
		close(sock);
	if (have_spec)
		oci_spec_free(&spec);
	oci_spec_free(&pspec);
	free(o);
	free(p);
	return status;
}
