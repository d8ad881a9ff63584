/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying an OCI bundle's settings (struct sandbox_spec, sentry.h) to the
 * kernel and to init, for `runsk run`. Called by sentry_run only.
 */
#ifndef SENTRY_KERNEL_SANDBOX_SPEC_H
#define SENTRY_KERNEL_SANDBOX_SPEC_H

#include "kernel.h"

/* Hostname, init's cwd and resource limits: after kernel_init's defaults. */
void sandbox_spec_kernel(struct kernel *k, const struct sandbox_spec *s);
/*
 * init's ids, supplementary groups, capability sets, no_new_privs and
 * seccomp filter, replacing the credentials kernel set-up gave it. 0,
 * -ENOMEM, or -EINVAL if the filter does not pass seccomp's checks.
 */
int sandbox_spec_task(struct task *t, const struct sandbox_spec *s) __must_check;
/* init's process settings (oom_score_adj): once registered, before it runs. Takes k->lock. */
void sandbox_spec_process(struct task *t, const struct sandbox_spec *s);

#endif
