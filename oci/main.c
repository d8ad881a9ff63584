// SPDX-License-Identifier: Apache-2.0
/*
 * runsk: the sentry-kvm runtime. `runsk [global flags] COMMAND [flags] ...`
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "state.h"
#include "lib/log.h"

struct command {
	const char *name;
	int (*fn)(const struct global_opts *g, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"do", cmd_do, "run a program in a new sandbox, stdio wired through"},
	{"run", cmd_run, "run an OCI bundle's container in the foreground (as runc run)"},
	{"create", cmd_create, "create an OCI bundle's container; it waits for start"},
	{"start", cmd_start, "start a created container's process"},
	{"state", cmd_state, "print a container's state as JSON"},
	{"kill", cmd_kill, "send a signal (default TERM) to a container"},
	{"delete", cmd_delete, "delete a stopped container (--force: any)"},
	{"list", cmd_list, "list the containers in the state directory"},
	{"pause", cmd_pause, "freeze every process of a container"},
	{"resume", cmd_resume, "thaw a paused container"},
	{"events", cmd_events, "print a container's usage as JSON (--stats: once)"},
	{"update", cmd_update, "record new resource limits (runc's flags; not enforced)"},
	{"exec", cmd_exec, "run one more process in a running container (as runc exec)"},
	{"ps", cmd_ps, "list a container's host processes (--format json: a list of pids)"},
	{"features", cmd_features, "print what this runtime supports, as JSON (runc's)"},
	{"spec", cmd_spec, "write a starting config.json for a bundle (runc's)"},
	{"selftest", cmd_selftest, "check this host's KVM with the platform self-tests"},
	{"gofer", cmd_gofer, "serve a root file system to a Sentry over 9P (internal)"},
	{"help", cmd_help, "this text; `help syscalls` lists syscall support"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: runsk [--debug] [--debug-log=PATH] [--strace] [--root DIR] COMMAND "
		     "[ARGS...]\n  --root DIR  the containers' state (default /run/runsk)\n"
		     "  --overlay2=MODE  the root's writes: root:memory (default) in memory,\n"
		     "      root:self in a hidden file in the rootfs, none to the rootfs itself\n"
		     "  --log FILE, --log-format text|json  runc's: a text log is the debug "
		     "log;\n      a json one gets each command's error, as runc writes it\n\n"
		     "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`runsk COMMAND --help` describes a command's flags.\n");
}

int cmd_help(const struct global_opts *g, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "syscalls")) {
		extern void sentry_print_syscalls(void);
		sentry_print_syscalls();
		return 0;
	}
	usage(stdout);
	return 0;
}

const char *cli_flag_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (!strcmp(argv[*i], name) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cli_state_load(const char *cmd, const char *root, const char *id, struct oci_state *st)
{
	/* A checked ID never leaves root: the state directory is root/id. */
	if (!oci_id_is_valid(id)) {
		cli_err("runsk %s: %s is not a container ID", cmd, id);
		return -EINVAL;
	}
	int ret = oci_state_load(root, id, st);
	if (ret == -ENOENT)
		cli_err("runsk %s: container %s does not exist (in %s)", cmd, id, root);
	else if (ret)
		cli_err("runsk %s: container %s: cannot read its state: %s", cmd, id,
			strerror(-ret));
	return ret;
}

/* --log FILE with --log-format json: where cli_err also writes, or NULL. */
static const char *json_error_log;

void cli_err(const char *fmt, ...)
{
	char msg[2048], when[64];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", msg);
	if (!json_error_log)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *o = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", when);
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int fd = open(json_error_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	/* Best effort: the message is on stderr already. */
	if (line && fd >= 0 && dprintf(fd, "%s\n", line) < 0)
		fprintf(stderr, "runsk: cannot write the error to --log %s\n", json_error_log);
	if (fd >= 0)
		close(fd);
	free(line);
	json_decref(o);
}

u64 cli_parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	return *end ? 0 : v;
}

/* Global flags may also come after the command (runsk do --strace ...). */
int main(int argc, char **argv)
{
	struct global_opts g = {0};
	const char *log = NULL, *log_format = "text";
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--debug")) {
			g.debug = true;
		} else if (!strcmp(a, "--strace")) {
			g.strace = true;
		} else if (!strncmp(a, "--debug-log=", 12)) {
			g.debug_log = a + 12;
		} else if (!strncmp(a, "--root=", 7) || (!strcmp(a, "--root") && i + 1 < argc)) {
			g.root = a[6] == '=' ? a + 7 : argv[++i];
		} else if (!strncmp(a, "--log=", 6) || (!strcmp(a, "--log") && i + 1 < argc)) {
			/* runc's flag, as containerd's shim passes it. */
			log = a[5] == '=' ? a + 6 : argv[++i];
		} else if (!strncmp(a, "--log-format=", 13) ||
			   (!strcmp(a, "--log-format") && i + 1 < argc)) {
			log_format = a[12] == '=' ? a + 13 : argv[++i];
			if (strcmp(log_format, "text") && strcmp(log_format, "json")) {
				fprintf(stderr, "runsk: --log-format %s: give text or json\n",
					log_format);
				return 2;
			}
		} else if (!strncmp(a, "--overlay2=", 11) ||
			   (!strcmp(a, "--overlay2") && i + 1 < argc)) {
			const char *v = a[10] == '=' ? a + 11 : argv[++i];
			if (oci_overlay_parse("runsk", v, &g.overlay2))
				return 2;
		} else if (!strcmp(a, "--systemd-cgroup")) {
			/* runc's; accepted so that runc's callers work: no host cgroups here. */
		} else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			printf("runsk version %s\nspec: 1.1.0\n", RUNSK_VERSION);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "runsk: unknown flag %s — see `runsk help`\n", a);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	/*
	 * A JSON log gets runc's error lines only: runsk's text log lines
	 * there would break the reader (containerd's shim). A text one is
	 * the debug log, as runc's is.
	 */
	if (log && !strcmp(log_format, "json"))
		json_error_log = log;
	else if (log && !g.debug_log)
		g.debug_log = log;
	for (size_t c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(&g, argc - i, argv + i);
	if (!strcmp(argv[i], "version")) {
		printf("runsk version %s\nspec: 1.1.0\n", RUNSK_VERSION);
		return 0;
	}
	fprintf(stderr, "runsk: unknown command %s — see `runsk help`\n", argv[i]);
	return 2;
}
