/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An OCI spec's linux.seccomp, compiled to the classic-BPF program runc
 * would load (with libseccomp, as runc does), for the Sentry to attach to
 * the container's processes: init before its program starts, and each
 * `runsk exec` process.
 *
 * What runc accepts is accepted, with its meanings: defaultAction and
 * defaultErrnoRet; architectures; flags (SECCOMP_FILTER_FLAG_TSYNC is
 * moot, each process gets the filter itself); per syscall names (unknown
 * ones skipped, as runc does), action, errnoRet and args, whose
 * conditions AND unless two name the same argument, then each is a rule
 * of its own. SCMP_ACT_NOTIFY and listenerPath are refused: the Sentry
 * has no user notification.
 */
#ifndef OCI_SECCOMP_PROFILE_H
#define OCI_SECCOMP_PROFILE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/compiler.h"

struct oci_seccomp {
	void *prog;	/* struct sock_filter[len], malloc'ed; NULL: no filter */
	unsigned len;	/* instructions */
	unsigned flags; /* SECCOMP_FILTER_FLAG_* the filter is attached with */
};

/*
 * Compile v (linux.seccomp) into out. On error, -1, the field at fault in
 * field ("linux.seccomp.syscalls[2].action") and what is wrong in msg.
 */
int oci_seccomp_parse(json_t *v, struct oci_seccomp *out, char *field, size_t fieldlen, char *msg,
		      size_t msglen) __must_check;
void oci_seccomp_free(struct oci_seccomp *s);

#endif
