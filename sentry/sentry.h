/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sentry: the kernel that services a sandbox's system calls. This is
 * its whole interface to the runtime (oci/).
 */
#ifndef SENTRY_SENTRY_H
#define SENTRY_SENTRY_H

#include "lib/compiler.h"

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
};

/*
 * Run argv in a new sandbox until its init process exits. Returns the exit
 * status runsk should exit with (the guest's status, or 128 + signal), or
 * a negative errno after printing a one-line error.
 */
int sentry_run(const struct sandbox_config *cfg);

/* Print the syscall compatibility listing (`runsk help syscalls`). */
void sentry_print_syscalls(void);

#endif
