// SPDX-License-Identifier: Apache-2.0
/*
 * An OCI bundle's process settings applied to the sandbox (runsk run). The
 * runtime (oci/spec.c) has validated them; this only copies them where the
 * kernel keeps them, as runc sets them in the container's init before exec.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cred.h"
#include "sandbox_spec.h"
#include "seccomp.h"

void sandbox_spec_kernel(struct kernel *k, const struct sandbox_spec *s)
{
	if (s->hostname)
		snprintf(k->hostname, sizeof(k->hostname), "%s", s->hostname);
	if (s->cwd)
		snprintf(k->cwd, sizeof(k->cwd), "%s", s->cwd);
	for (unsigned i = 0; i < s->nrlimits; i++) {
		const struct sandbox_rlimit *r = &s->rlimits[i];
		if (r->resource >= 0 && r->resource < LINUX_RLIM_NLIMITS)
			k->init_rlimits[r->resource] = (struct linux_rlimit){r->soft, r->hard};
	}
	k->pids_max = s->pids_limit > 0 ? (u64)s->pids_limit : 0; /* cgroup_limits.h */
}

int sandbox_spec_task(struct task *t, const struct sandbox_spec *s)
{
	struct cred *c = cred_new_init(s->uid, s->gid);
	if (!c)
		return -ENOMEM;
	if (s->ngids) {
		struct group_info *g = groups_new(s->gids, s->ngids);
		if (!g) {
			cred_put(c);
			return -ENOMEM;
		}
		groups_put(c->groups);
		c->groups = g;
	}
	/* The bundle's sets, exactly: root gets no capability it does not list. */
	c->cap_bset = s->cap_bounding & LINUX_CAP_FULL;
	c->cap_effective = s->cap_effective & LINUX_CAP_FULL;
	c->cap_permitted = s->cap_permitted & LINUX_CAP_FULL;
	c->cap_inheritable = s->cap_inheritable & LINUX_CAP_FULL;
	c->cap_ambient = s->cap_ambient & LINUX_CAP_FULL;
	cred_put(t->cred);
	t->cred = c;
	t->uid = s->uid;
	t->gid = s->gid;
	t->no_new_privs = s->no_new_privs;
	/* linux.seccomp, as runc loads it just before the container's program starts. */
	if (s->seccomp_len)
		return seccomp_install(t, s->seccomp_prog, s->seccomp_len, s->seccomp_flags);
	return 0;
}

void sandbox_spec_process(struct task *t, const struct sandbox_spec *s)
{
	if (!s->oom_score_adj_set)
		return; /* the spec: "MUST NOT change" it, 0 as a new process's */
	/* runc writes /proc/self/oom_score_adj privileged: the floor too (oom.h's oom_adj_set). */
	pthread_mutex_lock(&t->k->lock);
	t->tg->oom_score_adj = t->tg->oom_score_adj_min = (short)s->oom_score_adj;
	pthread_mutex_unlock(&t->k->lock);
}
