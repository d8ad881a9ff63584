// SPDX-License-Identifier: Apache-2.0
/*
 * runsk gofer --root=DIR [--ro] --fd=N: serve DIR as 9P2000.L on the
 * connected unix stream socket N (one end of a socketpair the runtime
 * made), confined (gofer/README.md). Exits 0 when the peer closes N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gofer/gofer.h"
#include "lib/log.h"

static void gofer_usage(FILE *out)
{
	fprintf(out, "usage: runsk gofer --root=DIR [--ro] [--bind[-ro]=DIR...] --fd=N\n"
		     "  --root=DIR   the tree to serve (attach name \"/\")\n"
		     "  --ro         refuse every change with EROFS\n"
		     "  --bind=DIR, --bind-ro=DIR  one more tree (a bind mount), served as\n"
		     "               attach name bind0, bind1, ... in order; -ro refuses changes\n"
		     "  --fd=N       a connected AF_UNIX SOCK_STREAM socket to serve\n"
		     "  --debug, --debug-log=PATH  as for every command\n");
}

int cmd_gofer(const struct global_opts *gopt, int argc, char **argv)
{
	struct global_opts g = *gopt;
	struct gofer_bind binds[GOFER_MAX_BINDS];
	struct gofer_config cfg = {.sock = -1, .binds = binds};
	int err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "--root=", 7)) {
			cfg.root = a + 7;
		} else if (!strcmp(a, "--ro")) {
			cfg.ro = true;
		} else if (!strncmp(a, "--bind=", 7) || !strncmp(a, "--bind-ro=", 10)) {
			if (cfg.nbinds == GOFER_MAX_BINDS) {
				fprintf(stderr, "runsk gofer: more than %d --bind flags\n",
					GOFER_MAX_BINDS);
				return 2;
			}
			bool ro = a[6] == '-';
			binds[cfg.nbinds++] = (struct gofer_bind){a + (ro ? 10 : 7), ro};
		} else if (!strncmp(a, "--fd=", 5)) {
			char *end;
			long fd = strtol(a + 5, &end, 10);
			if (*end || end == a + 5 || fd < 0 || fd > 1 << 20) {
				fprintf(stderr, "runsk gofer: --fd=%s: give a descriptor number\n",
					a + 5);
				return 2;
			}
			cfg.sock = fd;
		} else if (!strcmp(a, "--debug")) {
			g.debug = true;
		} else if (!strncmp(a, "--debug-log=", 12)) {
			g.debug_log = a + 12;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			gofer_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "runsk gofer: unknown flag %s — see `runsk gofer --help`\n",
				a);
			return 2;
		}
	}
	if (!cfg.root || cfg.sock < 0) {
		fprintf(stderr, "runsk gofer: give both --root=DIR and --fd=N — see `runsk gofer "
				"--help`\n");
		return 2;
	}
	if (log_init(g.debug_log, g.debug)) {
		fprintf(stderr, "runsk gofer: cannot open the log %s\n", g.debug_log);
		return 1;
	}
	err = gofer_run(&cfg);
	_Exit(err ? 1 : 0); /* no atexit: ASan's leak check cannot run confined (gofer/seccomp.c) */
}
