// SPDX-License-Identifier: Apache-2.0
/*
 * runsk ps [--format table|json] CONTAINER-ID: the container's host
 * processes, as `runc ps` lists them. containerd's shim asks for
 * `--format json`, a list of host pids (`ctr task ps`).
 *
 * All of a runsk container's programs run inside the Sentry of one host
 * process, the sandbox process, so that pid heads the list: its gofer is
 * a helper that holds no program of the container. Then come the host
 * proxies of its `runsk exec` processes (exec_proxy.c), which stand for
 * them as runc's exec'd processes stand in its list: the Sentry tells
 * which are live (it drops one when its process is reaped). A stopped
 * container has none, as a runc container whose cgroup is empty.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sentry/sentry.h"
#include "state.h"

static int ps_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] ps [--format table|json] CONTAINER-ID\n"
		     "  --format, -f  table (default) or json: a list of host pids\n");
	return out == stdout ? 0 : 1;
}

/* The command name of pid, "?" if it is gone. */
static void proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

int cmd_ps(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *id = NULL;
	bool json = false;
	_cleanup_state_ struct oci_state st = {0};
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return ps_usage(stdout);
		if (!strncmp(a, "--format=", 9))
			v = a + 9;
		else if ((!strcmp(a, "--format") || !strcmp(a, "-f")) && i + 1 < argc)
			v = argv[++i];
		if (!v || (strcmp(v, "json") && strcmp(v, "table"))) {
			cli_err("runsk ps: %s%s%s: give --format table or --format json", a,
				v ? " " : "", v ? v : "");
			return 1;
		}
		json = !strcmp(v, "json");
	}
	/* runc passes what follows the ID to ps(1); there is no ps(1) here. */
	if (i >= argc || (i + 1 < argc && json)) {
		ps_usage(stderr);
		return 1;
	}
	id = argv[i];
	if (cli_state_load("ps", root, id, &st))
		return 1;
	enum oci_status status = oci_state_status(root, &st);
	int pids[1 + SENTRY_CONTROL_MAX_PROXIES], n = 0;
	if (status != OCI_STOPPED) {
		pids[n++] = (int)st.pid;
		/* None before start; a Sentry that cannot answer has none we can name. */
		int np = status == OCI_CREATED
				 ? 0
				 : oci_exec_proxies(root, id, pids + 1, SENTRY_CONTROL_MAX_PROXIES);
		n += np > 0 ? np : 0;
	}
	if (json) {
		printf("[");
		for (int j = 0; j < n; j++)
			printf("%s%d", j ? "," : "", pids[j]);
		printf("]\n");
		return 0;
	}
	char comm[64];
	printf("%-8s %s\n", "PID", "CMD");
	for (int j = 0; j < n; j++) {
		proc_comm(pids[j], comm, sizeof(comm));
		printf("%-8d %s\n", pids[j], comm);
	}
	return 0;
}
