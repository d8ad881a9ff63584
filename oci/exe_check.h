/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `runsk create`'s check of process.args[0], as runc's: a container whose
 * program does not exist fails at create, not later at start, so that
 * containerd and Kubernetes report a create error instead of a task that
 * dies at once.
 */
#ifndef OCI_EXE_CHECK_H
#define OCI_EXE_CHECK_H

#include <stddef.h>

#include "spec.h"

/*
 * Look for s->args[0] in the bundle's rootfs as the sandbox's execve will:
 * a name with a slash from process.cwd, a bare name along the PATH of
 * process.env (the Sentry's default PATH without one). As runc, a
 * candidate counts when it is a regular file with an execute bit.
 * Symlinks are followed inside the rootfs; a path that reaches a mount
 * of the bundle (a bind or tmpfs, a file system of the Sentry's own) is
 * not known here and counts as found: the sandbox decides at start.
 * 0 or -errno with a one-line message in err.
 */
int oci_check_executable(const struct oci_spec *s, char *err, size_t errlen) __must_check;

#endif
