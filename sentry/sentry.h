/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sentry: the kernel that services a sandbox's system calls. This is
 * its whole interface to the runtime (oci/).
 */
#ifndef SENTRY_SENTRY_H
#define SENTRY_SENTRY_H

#include "lib/compiler.h"

/* A mount from an OCI bundle, made in the sandbox's tree before init starts. */
struct sandbox_mount {
	const char *dest;    /* absolute, in the sandbox */
	const char *type;    /* "bind" (the gofer's tree aname) or a file system type */
	const char *aname;   /* bind: the gofer's attach name */
	const char *options; /* tmpfs: "size=...,mode=..."; else NULL */
	bool ro;
};

/* A resource limit of init (LINUX_RLIMIT_* number). */
struct sandbox_rlimit {
	int resource;
	u64 soft, hard;
};

/* What an OCI bundle sets (runsk run); runsk do passes none. */
struct sandbox_spec {
	const char *cwd;      /* init's working directory */
	const char *hostname; /* NULL: the host's */
	u32 uid, gid;
	const u32 *gids; /* supplementary groups */
	unsigned ngids;
	u64 cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	bool no_new_privs;
	const struct sandbox_rlimit *rlimits;
	unsigned nrlimits;
	const struct sandbox_mount *mounts; /* in order; a later one may sit in an earlier one */
	unsigned nmounts;
};

struct sandbox_config {
	const char *const *argv; /* argv[0] is the program path */
	const char *const *envp;
	unsigned ncpus;
	u64 memory; /* bytes of guest memory */
	bool strace;
	const char *profile_path; /* reserved for --profile */
	/*
	 * A socket connected to the gofer serving the root file system (the
	 * Sentry takes it over), or -1 for an empty in-memory root.
	 */
	int gofer_fd;
	/* Writes to the root stay in memory (--overlay2=root:memory) instead of
	 * reaching the gofer's files (--overlay2=none). */
	bool overlay;
	const struct sandbox_spec *spec; /* NULL: as runsk do */
	/*
	 * OCI process.terminal: runsk's fd 0 is a terminal that the guest
	 * gets as its own pty on fds 0-2 and its controlling terminal
	 * (sentry/tty/console.c), instead of runsk's stdio as they are.
	 */
	bool console;
};

/*
 * The value of a sigqueue(3) to a running sandbox that sends its signal to
 * every process of the sandbox rather than to init (`runsk kill --all`).
 */
#define SENTRY_SIGNAL_ALL 0x6b616c6c /* "kall" */

/*
 * Run argv in a new sandbox until its init process exits. Returns the exit
 * status runsk should exit with (the guest's status, or 128 + signal), or
 * a negative errno after printing a one-line error.
 */
int sentry_run(const struct sandbox_config *cfg);

/* Print the syscall compatibility listing (`runsk help syscalls`). */
void sentry_print_syscalls(void);

#endif
