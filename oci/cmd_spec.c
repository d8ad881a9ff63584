// SPDX-License-Identifier: Apache-2.0
/*
 * runsk spec [--bundle DIR] [-- ARGS...]: write a starting config.json,
 * as `runc spec` and `runsc spec` do, for a bundle whose rootfs is DIR's
 * "rootfs": a root shell on a terminal with a read-only root, a few
 * capabilities, and the mounts and masked paths a container usually has.
 * With ARGS they are process.args instead of "sh", and there is no
 * terminal: a command, not an interactive shell.
 *
 * Every field written is one runsk honours or accepts (oci/spec.c), so
 * that the file runs as it is.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sentry/sentry.h"

static int spec_usage(FILE *out)
{
	fprintf(out,
		"usage: runsk spec [--bundle DIR] [-- ARGS...]\n"
		"  writes DIR/config.json (default ./config.json) for a rootfs in DIR/rootfs;\n"
		"  with ARGS, the container runs them without a terminal instead of sh\n");
	return out == stdout ? 0 : 1;
}

/* The capability sets: a few harmless ones, as runc's default. */
static json_t *caps(void)
{
	return json_pack("[s,s,s]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
}

static json_t *mounts(void)
{
	return json_pack("[{s:s, s:s, s:s},"
			 " {s:s, s:s, s:s, s:[s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s,s]}]",
			 "destination", "/proc", "type", "proc", "source", "proc",
			 /* /dev: the Sentry's own devfs stands for this tmpfs (oci/spec.c). */
			 "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options",
			 "nosuid", "strictatime", "mode=755", "size=65536k", "destination",
			 "/dev/pts", "type", "devpts", "source", "devpts", "options", "nosuid",
			 "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5",
			 "destination", "/dev/shm", "type", "tmpfs", "source", "shm", "options",
			 "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "destination",
			 "/dev/mqueue", "type", "mqueue", "source", "mqueue", "options", "nosuid",
			 "noexec", "nodev", "destination", "/sys", "type", "sysfs", "source",
			 "sysfs", "options", "nosuid", "noexec", "nodev", "ro");
}

static json_t *linux_section(void)
{
	return json_pack("{s:[{s:s},{s:s},{s:s},{s:s},{s:s}],"
			 " s:[s,s,s,s,s,s,s,s,s,s],"
			 " s:[s,s,s,s,s,s]}",
			 "namespaces", "type", "pid", "type", "network", "type", "ipc", "type",
			 "uts", "type", "mount", "maskedPaths", "/proc/acpi", "/proc/asound",
			 "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			 "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			 "readonlyPaths", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			 "/proc/sysrq-trigger", "/sys/fs/cgroup");
}

/* The whole document; args NULL: an interactive sh on a terminal. */
static json_t *default_spec(char **args, int nargs)
{
	json_t *argv = json_array();
	if (!argv)
		return NULL;
	if (!nargs)
		json_array_append_new(argv, json_string("sh"));
	for (int i = 0; i < nargs; i++)
		json_array_append_new(argv, json_string(args[i]));
	return json_pack("{s:s, s:{s:b, s:{s:i, s:i}, s:o, s:[s,s], s:s, s:{s:o, s:o, s:o, s:o}, "
			 "s:[{s:s, s:i, s:i}], s:b}, s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", "1.1.0", "process", "terminal", !nargs, "user", "uid", 0,
			 "gid", 0, "args", argv, "env", "PATH=" SENTRY_DEFAULT_PATH, "TERM=xterm",
			 "cwd", "/", "capabilities", "bounding", caps(), "effective", caps(),
			 "permitted", caps(), "ambient", caps(), "rlimits", "type", "RLIMIT_NOFILE",
			 "hard", 1024, "soft", 1024, "noNewPrivileges", 1, "root", "path", "rootfs",
			 "readonly", 1, "hostname", "runsk", "mounts", mounts(), "linux",
			 linux_section());
}

int cmd_spec(const struct global_opts *g, int argc, char **argv)
{
	const char *bundle = ".", *v;
	bool dashdash = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			dashdash = true;
			i++;
			break;
		}
		if ((v = cli_flag_value(argc, argv, &i, "--bundle")) ||
		    (v = cli_flag_value(argc, argv, &i, "-b")))
			bundle = v;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return spec_usage(stdout);
		else if (!strcmp(argv[i], "--rootless")) {
			cli_err("runsk spec: --rootless: runsk runs as root (the sandbox needs "
				"/dev/kvm "
				"and its own namespaces)");
			return 1;
		} else {
			cli_err("runsk spec: %s is not supported — see `runsk spec --help`",
				argv[i]);
			return 1;
		}
	}
	if (i < argc && !dashdash) {
		cli_err("runsk spec: unexpected %s: put the container's command after --", argv[i]);
		return 1;
	}
	char path[4200];
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path)) {
		cli_err("runsk spec: --bundle %s: path too long", bundle);
		return 1;
	}
	json_t *doc = default_spec(argv + i, argc - i);
	char *text = doc ? json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text) {
		cli_err("runsk spec: out of memory");
		return 1;
	}
	/* As runc: never over an existing file. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int err = fd < 0 ? errno : 0;
	if (!err) {
		size_t len = strlen(text);
		if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
			err = errno ? errno : EIO;
		if (close(fd) < 0 && !err)
			err = errno;
	}
	free(text);
	if (err == EEXIST)
		cli_err("runsk spec: %s exists: remove it first", path);
	else if (err)
		cli_err("runsk spec: %s: %s", path, strerror(err));
	return err ? 1 : 0;
}
