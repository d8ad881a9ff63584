// SPDX-License-Identifier: Apache-2.0
/*
 * runsk features: what this runtime honours, as the runtime-spec's
 * features document (the JSON `runc features` prints), which containerd
 * 1.7 and later read before they create a container.
 *
 * "Recognized" means honoured, not merely parsed: mount options other than
 * these are accepted and have no effect (oci/spec.c); every hook kind runs
 * (hooks.h); the Sentry is every namespace at once and uses no host
 * cgroups, AppArmor or SELinux of the spec's. The seccomp profile is
 * applied inside the sandbox, to the container's processes
 * (seccomp_profile.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What linux.seccomp may say (seccomp_profile.c): no SCMP_ACT_NOTIFY, no listener flags. */
static json_t *seccomp_features(void)
{
	return json_pack(
		"{s:b, s:[s,s,s,s,s,s,s,s], s:[s,s,s,s,s,s,s], s:[s,s,s], s:[s,s,s], "
		"s:[s,s,s]}",
		"enabled", 1, "actions", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
		"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE",
		"SCMP_ACT_TRAP", "operators", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
		"SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", "archs",
		"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "knownFlags",
		"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "supportedFlags", "SECCOMP_FILTER_FLAG_TSYNC",
		"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
}

int cmd_features(const struct global_opts *g, int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: runsk features\n  prints what runsk supports, as JSON\n");
			return 0;
		}
		cli_err("runsk features: takes no arguments (got %s)", argv[1]);
		return 1;
	}
	json_t *o = json_pack("{s:s, s:s, s:[s,s,s,s,s,s], s:[s,s,s,s,s,s,s], s:{s:[s,s,s,s,s,s], "
			      "s:{s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}}, s:{s:s}}",
			      "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks",
			      "prestart", "createRuntime", "createContainer", "startContainer",
			      "poststart", "poststop", "mountOptions", "ro", "rw", "bind", "rbind",
			      "nosuid", "nodev", "noexec", "linux", "namespaces", "pid", "mount",
			      "ipc", "uts", "network", "cgroup", "cgroup", "v1", 0, "v2", 0,
			      "systemd", 0, "systemdUser", 0, "seccomp", seccomp_features(),
			      "apparmor", "enabled", 0, "selinux", "enabled", 0, "annotations",
			      "io.github.sentry-kvm.runsk.version", RUNSK_VERSION);
	char *out = o ? json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (!out) {
		cli_err("runsk features: out of memory");
		return 1;
	}
	printf("%s\n", out);
	free(out);
	return 0;
}
