/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI process.terminal on the host side: the pty whose master goes to the
 * caller over --console-socket (runc's protocol) and whose slave becomes
 * the sandbox process's stdio and controlling terminal. Inside, the
 * Sentry shows it to the guest as a pty of its own (sentry/tty/console.c).
 */
#ifndef OCI_CONSOLE_H
#define OCI_CONSOLE_H

#include "lib/compiler.h"
#include "spec.h"

/*
 * Whether process.terminal and --console-socket (socket, or NULL) go
 * together for cmd ("create", or "run" in the foreground), as runc
 * checks them. Prints a one-line error and returns -1 if not.
 */
int oci_console_check(const char *cmd, const struct oci_spec *s, const char *socket) __must_check;

/*
 * Open a host pty of process.consoleSize, send its master over the unix
 * socket at path with SCM_RIGHTS (the message is the master's name,
 * "/dev/ptmx", as runc sends it) and close it here. The slave waits for
 * oci_console_attach. Prints a one-line error and returns -1 on failure;
 * nothing is left open then.
 */
int oci_console_send(const char *cmd, const char *path, const struct oci_spec *s) __must_check;

/*
 * The same for any process (runsk exec -t): a host pty of rows x cols
 * (0x0: unset), its master sent over the unix socket at path and closed
 * here. Returns the slave (O_CLOEXEC, not yet anyone's controlling
 * terminal), or -1 after a one-line error.
 */
int oci_console_open(const char *cmd, const char *path, u16 rows, u16 cols) __must_check;

/*
 * In the process that runs the sandbox: the waiting slave becomes fds 0,
 * 1 and 2 and, in a new session, the controlling terminal, as runc's init
 * makes it (so that a resize reaches runsk as SIGWINCH). Returns 0 or
 * -errno; 0 if no slave waits.
 */
int oci_console_attach(void) __must_check;

/* In the process that sent the master but does not run the sandbox: drop the slave. */
void oci_console_drop(void);

#endif
