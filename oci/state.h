/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime's shared pieces: container IDs, pid files, starting a
 * bundle's sandbox (cmd_run.c), and the state directory (state.c).
 *
 * The state directory (--root, default /run/runsk) holds one directory per
 * container, named by its ID, mode 0700:
 *
 *   state.json  what `runsk state` prints but the status, plus the
 *               sandbox process's start time (so that a reused pid is not
 *               taken for the container) and whether the rootfs holds
 *               the container's file store (filestore.h), for delete
 *   exec.fifo   while the container is created but not started: the
 *               sandbox process blocks opening it for writing until
 *               `runsk start` opens it for reading (runc's handshake)
 *   control.sock  the sandbox's control socket (sentry.h), which
 *               `runsk exec` connects to; made by the sandbox process
 *   hooks.json  the bundle's "hooks" as create found them (hooks.h), so
 *               that start and delete run those even if config.json changed
 *   resources.json  the sandbox's linux.resources as `runsk update` last
 *               set them and `runsk events` reports them (cmd_update.c)
 *
 * A paused container (`runsk pause`, cmd_pause.c) is one whose sandbox
 * process is stopped: its state says so, no file does.
 */
#ifndef OCI_STATE_H
#define OCI_STATE_H

#include <sys/types.h>

#include "cli.h"
#include "spec.h"

/* runc's rule: letters, digits and _ + - . only, not "." or "..". */
bool oci_id_is_valid(const char *id);
/* Write pid to path atomically (a temporary file renamed). 0 or -errno. */
int oci_write_pid_file(const char *path, pid_t pid) __must_check;
/*
 * Run the bundle s describes in a new sandbox (gofer for its root and bind
 * mounts, then the Sentry) until its process exits, with the root's writes
 * as g->overlay2 says; fs is the file store of root:self (fs->fd is the
 * Sentry's once it starts: -1 then). Returns the exit status runsk should
 * exit with: the container's, or 125 after a one-line error.
 */
int oci_sandbox_run(const struct global_opts *g, const struct oci_spec *s,
		    struct oci_filestore *fs);

#define OCI_STATE_ROOT_DEFAULT "/run/runsk"

struct oci_state {
	char id[256];
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22 */
	char bundle[4096];
	char rootfs[4096];
	char created[64];	   /* RFC 3339, UTC */
	unsigned long long memory; /* the sandbox's memory, bytes (0: not known) */
	bool filestore;		   /* rootfs holds its file store (filestore.h) */
	char *annotations;	   /* the bundle's, compact JSON, or NULL; owned */
};

/* Free what st owns (oci_state_load fills it); st may be all zero. */
void oci_state_release(struct oci_state *st);
#define _cleanup_state_ __attribute__((cleanup(oci_state_release)))

enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_STOPPED, OCI_PAUSED };

/* The state directory: --root or the default. */
const char *oci_state_root(const struct global_opts *g);
/* "root/id[/name]" into buf; -ENAMETOOLONG if it does not fit. */
int oci_state_path(const char *root, const char *id, const char *name, char *buf,
		   size_t len) __must_check;
/* Make root (if need be) and root/id; -EEXIST if the ID is taken. */
int oci_state_create(const char *root, const char *id) __must_check;
/*
 * Fill in the state of container id, whose process is pid, created now from
 * bundle with rootfs (holding a file store if filestore), and save it.
 * 0 or -errno.
 */
int oci_state_record(const char *root, const char *id, pid_t pid, const char *bundle,
		     const char *rootfs, bool filestore) __must_check;
/* Write st as root/id/state.json (atomically). 0 or -errno. */
int oci_state_save(const char *root, const struct oci_state *st) __must_check;
/*
 * Read root/id/state.json into st (zeroed, or filled by an earlier load);
 * -ENOENT if there is no such container.
 */
int oci_state_load(const char *root, const char *id, struct oci_state *st) __must_check;
/*
 * Created (exec.fifo still there), running, stopped (process gone), or
 * paused (the sandbox process is stopped, whatever it was before).
 */
enum oci_status oci_state_status(const char *root, const struct oci_state *st);
const char *oci_status_name(enum oci_status s);
/* The state as `runc state` prints it (a new string, or NULL). */
char *oci_state_json(const struct oci_state *st, enum oci_status s);
/*
 * The state a hook gets on stdin (hooks.h), compact, with status as given
 * ("creating" has no enum oci_status): a new string, or NULL.
 */
char *oci_state_hook_json(const struct oci_state *st, const char *status);
/* Remove root/id and what is in it. 0 or -errno. */
int oci_state_remove(const char *root, const char *id) __must_check;
/*
 * The listening control socket of container id (control_client.c), made in its
 * state directory, mode 0600: the fd, or -errno.
 */
int oci_control_listen(const char *root, const char *id) __must_check;
/* A process's start time (clock ticks after boot), 0 if it is gone or a zombie. */
unsigned long long oci_proc_start_time(pid_t pid);
/* Its state letter in /proc/PID/stat ('R', 'S', 'T' ...), 0 if it is gone. */
char oci_proc_state(pid_t pid);
/* The memory a sandbox of spec s gets (linux.resources.memory.limit, bounded). */
unsigned long long oci_sandbox_memory(const struct oci_spec *s);
/*
 * Keep what later commands need of spec s: its hooks as root/id/hooks.json
 * (none: no file), the sandbox's memory and the annotations in state.json.
 * 0 or -errno.
 */
int oci_state_save_spec(const char *root, const char *id, const struct oci_spec *s) __must_check;
/*
 * root/id/resources.json (a linux.resources object): a new reference,
 * or an empty object if there is none or it cannot be read.
 */
json_t *oci_state_load_resources(const char *root, const char *id);
/* Write it (atomically). 0 or -errno. */
int oci_state_save_resources(const char *root, const char *id, json_t *res) __must_check;
/*
 * Run the hooks of kind (hooks.h) with st's state, status as given; at the
 * first failure print "runsk CMD: container ID: why" and return -1.
 */
int oci_run_hooks(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind,
		  const struct oci_state *st, const char *status) __must_check;
/* The same where a failure is a warning (poststop): each one runs. */
void oci_run_hooks_warn(const char *cmd, const struct oci_hooks *h, enum oci_hook_kind kind,
			const struct oci_state *st, const char *status);
/* The hooks create kept; none is no error. 0, or -1 with a message in err. */
int oci_state_load_hooks(const char *root, const char *id, struct oci_hooks *h, char *err,
			 size_t errlen) __must_check;

#endif
