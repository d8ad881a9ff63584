// SPDX-License-Identifier: Apache-2.0
/*
 * The OCI lifecycle, as runc has it: create, start, state, kill, delete,
 * list, over the state directory (state.h).
 *
 * `create` checks the bundle (and, as runc, that process.args[0] is
 * there to run: exe_check.h), records the container and forks the sandbox
 * process, which keeps create's stdio (as runc's init does without a
 * terminal) and blocks opening exec.fifo for writing; `start` opens it for
 * reading, takes the one byte written, and removes it; only then does the
 * sandbox start its gofer, its Sentry and the container's process. The
 * sandbox process is the container's pid: `kill` signals it, and the
 * running Sentry passes SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
 * SIGALRM and SIGWINCH on to the container's init (with --all, to every
 * process), which takes only those it handles, as a namespace's init does
 * under runc; SIGKILL ends runsk, and its gofer with it.
 *
 * With --overlay2=root:self, create also makes the container's file store
 * in its rootfs (filestore.h), which the sandbox process inherits and
 * removes when it ends; delete removes it again, for a sandbox that was
 * killed, and so does a create that failed.
 *
 * The bundle's hooks (hooks.h) run here: prestart, createRuntime and
 * createContainer in create, startContainer and poststart in start,
 * poststop in delete; create keeps them in the state directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "exe_check.h"
#include "lib/log.h"
#include "sentry/sentry.h"
#include "state.h"

/* The one ID argument at argv[i]; prints why not and returns NULL. */
static const char *the_id(const char *cmd, int argc, char **argv, int i)
{
	if (i != argc - 1) {
		cli_err("runsk %s: give one container ID — see `runsk %s --help`", cmd, cmd);
		return NULL;
	}
	if (!oci_id_is_valid(argv[i])) {
		cli_err("runsk %s: container ID %s: use letters, digits, _ + - . only", cmd,
			argv[i]);
		return NULL;
	}
	return argv[i];
}

/* SIGKILL the sandbox process and wait (at most 5 s) until it is gone. */
static void kill_sandbox(const struct oci_state *st)
{
	kill(st->pid, SIGKILL);
	for (int t = 0; t < 500 && oci_proc_start_time(st->pid) == st->start_time; t++)
		usleep(10000);
}

/*
 * Only stdio, runsk's log and the file store (or -1) stay open in the
 * sandbox process, as runc's init closes the rest: containerd's shim, for
 * one, leaves its listening socket open in the runtime it starts.
 */
static void close_inherited_fds(int store)
{
	int keep[2] = {MIN(log_fd(), store), MAX(log_fd(), store)};
	int from = 3;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < from)
			continue; /* none, stdio, or the same one again */
		if (keep[i] > from)
			close_range(from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

/* The sandbox process of a created container: wait for start, then run. */
static void __attribute__((noreturn))
create_child(const struct global_opts *g, const struct oci_spec *spec, const char *fifo,
	     const char *root, const char *id, struct oci_filestore *fs)
{
	/* process.terminal: the pty's slave is stdio from here (console.h). */
	if (oci_console_attach())
		_exit(125);
	close_inherited_fds(fs->fd);
	/* Before start, so that exec finds it once the container runs (cmd_exec.c). */
	int control = oci_control_listen(root, id);
	if (control < 0) {
		fprintf(stderr, "runsk: container %s: cannot make its control socket: %s\n", id,
			strerror(-control));
		_exit(125);
	}
	sentry_set_control_socket(control);
	/* Blocks until `runsk start` opens the other end. */
	int fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(125);
	close(fd);
	int status = oci_sandbox_run(g, spec, fs);
	/* The container ended: its writes are gone, so are their blocks. */
	oci_filestore_remove(spec->root, id, fs);
	_exit(status);
}

static int create_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] create [flags] CONTAINER-ID\n"
		     "  --bundle DIR, -b DIR  the OCI bundle (config.json, rootfs); default .\n"
		     "  --pid-file FILE       write the container's pid to FILE\n"
		     "  --console-socket PATH with process.terminal: send the pty's master there\n"
		     "The container waits for `runsk start`; its stdio are create's.\n");
	return out == stdout ? 0 : 1;
}

/*
 * prestart (runc still runs it, first), createRuntime and createContainer:
 * the sandbox process exists and waits for start. A failure ends it and
 * runs poststop, as runc's destroy does; the caller removes the state.
 */
static int create_hooks(const char *root, const char *id, const struct oci_spec *spec, pid_t pid)
{
	static const enum oci_hook_kind kinds[] = {OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME,
						   OCI_HOOK_CREATE_CONTAINER};
	_cleanup_state_ struct oci_state st = {0};

	if (oci_state_load(root, id, &st))
		return 0; /* just written: cannot fail but as the disk does */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		if (oci_run_hooks("create", &spec->hooks, kinds[k], &st, "creating")) {
			kill_sandbox(&st);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			oci_run_hooks_warn("create", &spec->hooks, OCI_HOOK_POSTSTOP, &st,
					   "stopped");
			return -1;
		}
	}
	return 0;
}

/* Record the container and fork its sandbox process; *pid is that process. */
static int create_container(const struct global_opts *g, const char *root, const char *id,
			    const struct oci_spec *spec, const char *bundle, pid_t *pid)
{
	struct oci_filestore fs = OCI_FILESTORE_NONE;
	bool store = g->overlay2 == OCI_OVERLAY_SELF && !spec->root_readonly;
	char fifo[4200];
	int ret = oci_state_create(root, id);

	if (ret == -EEXIST) {
		cli_err("runsk create: container %s already exists (in %s)", id, root);
		return ret;
	}
	if (!ret)
		ret = oci_state_path(root, id, "exec.fifo", fifo, sizeof(fifo));
	if (!ret && mkfifo(fifo, 0600) < 0)
		ret = -errno;
	/* Made here, so that create reports a full disk; the sandbox inherits it. */
	if (!ret && store &&
	    oci_filestore_create("create", spec->root, id, oci_sandbox_memory(spec), &fs))
		ret = -ECANCELED; /* it said why */
	if (!ret && (*pid = fork()) < 0)
		ret = -errno;
	if (!ret && *pid == 0)
		create_child(g, spec, fifo, root, id, &fs);
	if (!ret) {
		ret = oci_state_record(root, id, *pid, bundle, spec->root, store);
		if (!ret)
			ret = oci_state_save_spec(root, id, spec);
		/* Named once the state records it: `runsk delete` then removes it. */
		if (!ret && oci_filestore_name("create", spec->root, id, &fs))
			ret = -ECANCELED; /* it said why */
		if (ret)
			kill(*pid, SIGKILL);
	}
	if (fs.fd >= 0)
		close(fs.fd); /* the sandbox's; fs still names the file */
	fs.fd = -1;
	if (ret && ret != -ECANCELED)
		cli_err("runsk create: container %s in %s: %s", id, root, strerror(-ret));
	else if (!ret && create_hooks(root, id, spec, *pid))
		ret = -ECANCELED;
	/* Nothing left behind; this can only fail as the step above did. */
	if (ret && oci_filestore_remove(spec->root, id, &fs))
		pr_warn("could not remove the file store of %s in %s", id, spec->root);
	if (ret && oci_state_remove(root, id))
		pr_warn("could not remove the state of %s in %s", id, root);
	return ret;
}

int cmd_create(const struct global_opts *gopt, int argc, char **argv)
{
	struct global_opts g = *gopt;
	const char *bundle = ".", *pid_file = NULL, *console_socket = NULL, *v, *id;
	struct oci_spec spec;
	char err[1024];
	pid_t pid;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((v = cli_flag_value(argc, argv, &i, "--bundle")) ||
		    (v = cli_flag_value(argc, argv, &i, "-b")))
			bundle = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--pid-file")))
			pid_file = v;
		else if ((v = cli_flag_value(argc, argv, &i, "--console-socket")))
			console_socket = v;
		else if (!strcmp(argv[i], "--no-pivot") || !strcmp(argv[i], "--no-new-keyring"))
			; /* runc's; the sandbox has no host root or keyring to keep */
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return create_usage(stdout);
		else {
			cli_err("runsk create: %s is not supported — see `runsk create --help`",
				argv[i]);
			return 1;
		}
	}
	if (!(id = the_id("create", argc, argv, i)))
		return 1;
	if (log_init(g.debug_log, g.debug)) {
		cli_err("runsk: --debug-log=%s: cannot open it for writing", g.debug_log);
		return 1;
	}
	if (oci_spec_load(bundle, &spec, err, sizeof(err))) {
		cli_err("runsk create: %s", err);
		return 1;
	}
	if (oci_check_executable(&spec, err, sizeof(err))) {
		cli_err("runsk create: %s", err);
		oci_spec_free(&spec);
		return 1;
	}
	int ret = oci_console_check("create", &spec, console_socket) ||
		  (console_socket && oci_console_send("create", console_socket, &spec));
	if (!ret)
		ret = create_container(&g, oci_state_root(&g), id, &spec, bundle, &pid);
	oci_console_drop(); /* the sandbox process has it */
	if (!ret && pid_file && (ret = oci_write_pid_file(pid_file, pid)))
		cli_err("runsk create: --pid-file %s: %s", pid_file, strerror(-ret));
	oci_spec_free(&spec);
	return ret ? 1 : 0;
}

/* Take the sandbox's byte from exec.fifo: it then runs. 0 or -errno. */
static int start_handshake(const char *fifo, const struct oci_state *st)
{
	/* Non-blocking: a reader opens at once, and a dead sandbox cannot hang us. */
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int ret = -ETIMEDOUT;
	char c;

	if (fd < 0)
		return -errno;
	for (int tries = 0; tries < 100; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) > 0 && read(fd, &c, 1) == 1) {
			ret = 0;
			break;
		}
		if (oci_proc_start_time(st->pid) != st->start_time) {
			ret = -ESRCH;
			break;
		}
	}
	close(fd);
	if (!ret)
		unlink(fifo);
	return ret;
}

int cmd_start(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *id = the_id("start", argc, argv, 1);
	_cleanup_state_ struct oci_state st = {0};
	char fifo[4200];

	if (!id || cli_state_load("start", root, id, &st))
		return 1;
	enum oci_status s = oci_state_status(root, &st);
	if (s != OCI_CREATED) {
		cli_err("runsk start: container %s is %s, not created", id, oci_status_name(s));
		return 1;
	}
	struct oci_hooks hooks;
	char err[1024];
	if (oci_state_load_hooks(root, id, &hooks, err, sizeof(err))) {
		cli_err("runsk start: container %s: its kept %s", id, err);
		return 1;
	}
	/* startContainer, then poststart: a failure ends the container, as runc's. */
	int ret = oci_run_hooks("start", &hooks, OCI_HOOK_START_CONTAINER, &st, "created")
			  ? -ECANCELED
			  : 0;
	if (!ret)
		ret = oci_state_path(root, id, "exec.fifo", fifo, sizeof(fifo));
	if (!ret)
		ret = start_handshake(fifo, &st);
	if (ret && ret != -ECANCELED)
		cli_err("runsk start: container %s: %s", id,
			ret == -ESRCH ? "its sandbox process has exited" : strerror(-ret));
	if (!ret && oci_run_hooks("start", &hooks, OCI_HOOK_POSTSTART, &st, "running"))
		ret = -ECANCELED;
	if (ret == -ECANCELED)
		kill_sandbox(&st);
	oci_hooks_free(&hooks);
	return ret ? 1 : 0;
}

int cmd_state(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *id = the_id("state", argc, argv, 1);
	_cleanup_state_ struct oci_state st = {0};

	if (!id || cli_state_load("state", root, id, &st))
		return 1;
	char *json = oci_state_json(&st, oci_state_status(root, &st));
	if (!json)
		return 1;
	printf("%s\n", json);
	free(json);
	return 0;
}

/* "TERM", "SIGTERM", "15": the signal number, or 0. */
static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
		{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP},
		{"CONT", SIGCONT}, {"ALRM", SIGALRM}, {"PIPE", SIGPIPE}, {"WINCH", SIGWINCH},
	};
	char *end;
	long n = strtol(s, &end, 10);

	if (end != s && !*end)
		return n > 0 && n < NSIG ? n : 0;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	return 0;
}

int cmd_kill(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *id;
	_cleanup_state_ struct oci_state st = {0};
	int i = 1, sig = SIGTERM;
	bool all = false;

	for (; i < argc && (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a")); i++)
		all = true;
	if (argc - i == 2) {
		sig = parse_signal(argv[argc - 1]);
		if (!sig) {
			cli_err("runsk kill: %s is not a signal (as TERM, SIGKILL or 9)",
				argv[argc - 1]);
			return 1;
		}
		argc--;
	}
	if (!(id = the_id("kill", argc, argv, i)) || cli_state_load("kill", root, id, &st))
		return 1;
	/* runc's words, which containerd's shim looks for; with --all it is no error. */
	if (oci_state_status(root, &st) == OCI_STOPPED) {
		if (all)
			return 0;
		cli_err("runsk kill: container not running: %s has stopped", id);
		return 1;
	}
	/* The sandbox passes the signal to init, or with --all to every process. */
	if (sigqueue(st.pid, sig, (union sigval){.sival_int = all ? SENTRY_SIGNAL_ALL : 0}) < 0) {
		cli_err("runsk kill: container %s: %s", id, strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_delete(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *id;
	_cleanup_state_ struct oci_state st = {0};
	bool force = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) {
			force = true;
		} else {
			cli_err("runsk delete: unknown flag %s (only --force)", argv[i]);
			return 1;
		}
	}
	if (!(id = the_id("delete", argc, argv, i)))
		return 1;
	/*
	 * As runc: --force of a container that is gone, or whose create was
	 * cut short before its state was written, removes what is left and
	 * succeeds (containerd's shim ends every container so).
	 */
	if (force && oci_state_load(root, id, &st)) {
		int ret = oci_state_remove(root, id);
		if (ret)
			cli_err("runsk delete: container %s: %s", id, strerror(-ret));
		return ret ? 1 : 0;
	}
	if (!force && cli_state_load("delete", root, id, &st))
		return 1;
	enum oci_status s = oci_state_status(root, &st);
	/* A created container never ran anything: runc deletes it too. */
	if ((s == OCI_RUNNING || s == OCI_PAUSED) && !force) {
		cli_err("runsk delete: container %s is %s: stop it first or use --force", id,
			oci_status_name(s));
		return 1;
	}
	struct oci_hooks hooks;
	char err[1024];
	if (oci_state_load_hooks(root, id, &hooks, err, sizeof(err)))
		fprintf(stderr, "runsk delete: container %s: warning: its kept %s\n", id, err);
	/* SIGKILL ends a paused (stopped) sandbox process too. */
	if (s != OCI_STOPPED)
		kill_sandbox(&st);
	/* Once the sandbox is gone; one that was killed could not remove it. */
	int ret = st.filestore ? oci_filestore_remove(st.rootfs, id, NULL) : 0;
	if (ret)
		cli_err("runsk delete: container %s: cannot remove its file store in %s: %s", id,
			st.rootfs, strerror(-ret));
	else if ((ret = oci_state_remove(root, id)))
		cli_err("runsk delete: container %s: %s", id, strerror(-ret));
	if (!ret)
		oci_run_hooks_warn("delete", &hooks, OCI_HOOK_POSTSTOP, &st, "stopped");
	oci_hooks_free(&hooks);
	return ret ? 1 : 0;
}

int cmd_list(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g);
	bool quiet = false, json = false;
	const char *v;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--format")) ||
			   (v = cli_flag_value(argc, argv, &i, "-f"))) {
			json = !strcmp(v, "json");
			if (!json && strcmp(v, "table")) {
				cli_err("runsk list: --format %s: give table or json", v);
				return 1;
			}
		} else {
			cli_err("runsk list: unknown argument %s", argv[i]);
			return 1;
		}
	}
	DIR *d = opendir(root);
	struct dirent *e;
	bool first = true;

	if (!quiet && !json)
		printf("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	if (json)
		printf("[");
	while (d && (e = readdir(d))) {
		_cleanup_state_ struct oci_state st = {0};
		if (e->d_name[0] == '.' || oci_state_load(root, e->d_name, &st))
			continue;
		enum oci_status s = oci_state_status(root, &st);
		if (quiet) {
			printf("%s\n", st.id);
		} else if (json) {
			char *j = oci_state_json(&st, s);
			printf("%s%s", first ? "" : ",", j ? j : "{}");
			free(j);
		} else {
			printf("%-12s %-8d %-10s %-40s %-32s %s\n", st.id,
			       s == OCI_STOPPED ? 0 : st.pid, oci_status_name(s), st.bundle,
			       st.created, "root");
		}
		first = false;
	}
	if (json)
		printf("]\n");
	if (d)
		closedir(d);
	return 0;
}
