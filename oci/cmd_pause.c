// SPDX-License-Identifier: Apache-2.0
/*
 * runsk pause ID / runsk resume ID: freeze a container's every process and
 * thaw it, as runc does with its cgroup's freezer.
 *
 * A runsk container's processes are guest tasks of one host process, the
 * sandbox process (the Sentry), so freezing the container is stopping
 * that process: SIGSTOP stops each of its threads (a vCPU in KVM_RUN
 * leaves the guest first, and the Sentry's run loop retries KVM_RUN after
 * SIGCONT), SIGCONT lets them go on. Nothing in the guest sees either: the
 * Sentry neither forwards nor handles them (sentry/kernel/sentry.c), and
 * the guest's clocks are the host's, so a timer that expires meanwhile
 * fires on resume, as under runc's freezer. "paused" in `runsk state` is
 * that the sandbox process is stopped ('T' in /proc/PID/stat), not a file
 * that could go stale.
 *
 * The gofer is left running: it only answers the Sentry, which asks
 * nothing while stopped, and stopping it too would make its parent, the
 * Sentry, get a SIGCHLD on resume for no reason. The supervisors of the
 * sandbox process do not misread the stop: containerd's shim reaps with
 * wait4 without WUNTRACED, and `runsk create` has exited by then; only a
 * shell with job control that started `runsk run` in the foreground
 * reports it as "Stopped", as it would for any job.
 *
 * A signal `runsk kill` sends meanwhile waits for resume (SIGKILL does
 * not: it ends the sandbox at once), as runc's does in a frozen cgroup.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "state.h"

/* Every thread of pid is stopped (or gone): true. */
static bool all_threads_stopped(pid_t pid)
{
	char path[64];
	struct dirent *e;
	bool stopped = true;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return true; /* gone */
	while (stopped && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char s = oci_proc_state((pid_t)atoi(e->d_name));
		stopped = !s || s == 'T' || s == 'Z' || s == 'X';
	}
	closedir(d);
	return stopped;
}

/*
 * The container ID argument and its state: 0; 1 after --help; -1 after
 * saying why not.
 */
static int pause_target(const char *cmd, const struct global_opts *g, int argc, char **argv,
			struct oci_state *st, enum oci_status *s)
{
	const char *root = oci_state_root(g);

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: runsk [--root DIR] %s CONTAINER-ID\n", cmd);
		return 1;
	}
	if (argc != 2 || !oci_id_is_valid(argv[1])) {
		cli_err("runsk %s: give one container ID — see `runsk %s --help`", cmd, cmd);
		return -1;
	}
	if (cli_state_load(cmd, root, argv[1], st))
		return -1;
	*s = oci_state_status(root, st);
	return 0;
}

int cmd_pause(const struct global_opts *g, int argc, char **argv)
{
	_cleanup_state_ struct oci_state st = {0};
	enum oci_status s;

	int ret = pause_target("pause", g, argc, argv, &st, &s);

	if (ret)
		return ret > 0 ? 0 : 1;
	/* As runc: a created container may be paused too. */
	if (s != OCI_RUNNING && s != OCI_CREATED) {
		cli_err("runsk pause: container %s is %s, not running", st.id, oci_status_name(s));
		return 1;
	}
	if (kill(st.pid, SIGSTOP) < 0) {
		cli_err("runsk pause: container %s: %s", st.id, strerror(errno));
		return 1;
	}
	/* Done when every thread is: a vCPU thread leaves the guest first. */
	for (int t = 0; t < 500; t++) {
		if (all_threads_stopped(st.pid))
			return 0;
		usleep(10000);
	}
	kill(st.pid, SIGCONT);
	cli_err("runsk pause: container %s: its threads did not stop within 5 s; resumed it",
		st.id);
	return 1;
}

int cmd_resume(const struct global_opts *g, int argc, char **argv)
{
	_cleanup_state_ struct oci_state st = {0};
	enum oci_status s;

	int ret = pause_target("resume", g, argc, argv, &st, &s);

	if (ret)
		return ret > 0 ? 0 : 1;
	if (s != OCI_PAUSED) {
		cli_err("runsk resume: container %s is %s, not paused", st.id, oci_status_name(s));
		return 1;
	}
	if (kill(st.pid, SIGCONT) < 0) {
		cli_err("runsk resume: container %s: %s", st.id, strerror(errno));
		return 1;
	}
	/* So that `runsk state` right after says running. */
	for (int t = 0; t < 500 && oci_proc_state(st.pid) == 'T'; t++)
		usleep(10000);
	return 0;
}
