// SPDX-License-Identifier: Apache-2.0
/*
 * runsk do [flags] [--] CMD [ARGS...]: run CMD in a fresh sandbox whose
 * root is the host's `/`, served by a gofer, under an in-memory overlay so
 * that the sandbox's writes never reach the host, like `runsc do`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gofer_spawn.h"
#include "lib/log.h"
#include "sentry/sentry.h"

extern char **environ;

#define DEFAULT_MEMORY (2ULL << 30)

static void do_usage(FILE *out)
{
	fprintf(out,
		"usage: runsk do [flags] [--] CMD [ARGS...]\n"
		"  --strace           print each syscall with arguments and result\n"
		"  --debug            debug log\n"
		"  --debug-log=PATH   write the log to PATH\n"
		"  --debug-check-mm   check every address space's VMA set after each syscall\n"
		"                     and abort on a broken one (slow: for fuzzing)\n"
		"  --cpus N           CPUs the guest sees and runs threads on at once (default 1)\n"
		"  --memory SIZE      guest memory, e.g. 512M, 2G (default 2G)\n"
		"  --profile=FILE     at exit, write where time went (syscalls, exits, faults)\n"
		"  --overlay2=MODE    root:memory (default): writes to / stay in the sandbox's\n"
		"                     memory; root:self: their data goes to a nameless file\n"
		"                     in the host's /, not memory; none: they reach the host's\n"
		"                     files\n");
}

int cmd_do(const struct global_opts *gopt, int argc, char **argv)
{
	struct global_opts g = *gopt;
	struct sandbox_config cfg = {
		.ncpus = 1, .memory = DEFAULT_MEMORY, .overlay = true, .filestore_fd = -1};
	struct oci_filestore fs = OCI_FILESTORE_NONE;
	const char *v;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--strace")) {
			g.strace = true;
		} else if (!strcmp(argv[i], "--debug")) {
			g.debug = true;
		} else if (!strcmp(argv[i], "--debug-check-mm")) {
			cfg.check_mm = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--debug-log"))) {
			g.debug_log = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--profile"))) {
			cfg.profile_path = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--cpus"))) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 64) {
				fprintf(stderr, "runsk do: --cpus %s: give a number from 1 to 64\n",
					v);
				return 2;
			}
			cfg.ncpus = n;
		} else if ((v = cli_flag_value(argc, argv, &i, "--memory"))) {
			cfg.memory = cli_parse_size(v);
			if (cfg.memory < (64ULL << 20) || cfg.memory > (256ULL << 30)) {
				fprintf(stderr,
					"runsk do: --memory %s: give a size from 64M to 256G\n", v);
				return 2;
			}
		} else if ((v = cli_flag_value(argc, argv, &i, "--overlay2"))) {
			if (oci_overlay_parse("runsk do", v, &g.overlay2))
				return 2;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			do_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "runsk do: unknown flag %s — see `runsk do --help`\n",
				argv[i]);
			return 2;
		}
	}
	if (i == argc) {
		do_usage(stderr);
		return 2;
	}
	if (log_init(g.debug_log, g.debug)) {
		fprintf(stderr, "runsk: --debug-log=%s: cannot open it for writing\n", g.debug_log);
		return 2;
	}
	cfg.overlay = g.overlay2 != OCI_OVERLAY_NONE;
	/* Made before the gofer, which never sees it: it has no name. */
	if (g.overlay2 == OCI_OVERLAY_SELF) {
		if (oci_filestore_create("do", "/", NULL, cfg.memory, &fs))
			return 125;
		cfg.filestore_fd = fs.fd;
		cfg.filestore_size = fs.size;
	}
	cfg.strace = g.strace;
	cfg.argv = (const char *const *)argv + i;
	cfg.envp = (const char *const *)environ;
	pid_t gofer;
	int ret = gofer_spawn("/", false, &cfg.gofer_fd, &gofer);
	if (ret) {
		fprintf(stderr, "runsk: cannot start the gofer: %s\n", strerror(-ret));
		oci_filestore_remove("/", NULL, &fs);
		return 125;
	}
	ret = sentry_run(&cfg); /* it closes the file store: its blocks go with it */
	gofer_reap(gofer);
	/* sentry_run printed the reason; 125 is what runsc and runc use. */
	return ret < 0 ? 125 : ret;
}
