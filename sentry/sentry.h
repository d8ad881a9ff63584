/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Sentry: the kernel that services a sandbox's system calls. This is
 * its whole interface to the runtime (oci/).
 */
#ifndef SENTRY_SENTRY_H
#define SENTRY_SENTRY_H

#include "lib/compiler.h"

/* Where a bare program name is looked for when the environment has no PATH. */
#define SENTRY_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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
	s64 pids_limit; /* linux.resources.pids.limit: > 0 the cgroup's pids.max; else none */
	bool oom_score_adj_set; /* process.oomScoreAdj is init's (-1000..1000) */
	int oom_score_adj;
	const struct sandbox_mount *mounts; /* in order; a later one may sit in an earlier one */
	unsigned nmounts;
	/* linux.seccomp as a classic-BPF program (struct sock_filter[len]) for init and exec'd processes; len 0: none */
	const void *seccomp_prog;
	unsigned seccomp_len, seccomp_flags; /* SECCOMP_FILTER_FLAG_* */
};

struct sandbox_config {
	const char *const *argv; /* argv[0] is the program path */
	const char *const *envp;
	unsigned ncpus;
	u64 memory; /* bytes of guest memory */
	bool strace;
	bool check_mm;		  /* --debug-check-mm: mm_check after each syscall */
	const char *profile_path; /* reserved for --profile */
	/*
	 * A socket connected to the gofer serving the root file system (the
	 * Sentry takes it over), or -1 for an empty in-memory root.
	 */
	int gofer_fd;
	/* Writes to the root stay in memory (--overlay2=root:memory) instead of
	 * reaching the gofer's files (--overlay2=none). */
	bool overlay;
	/*
	 * --overlay2=root:self: with overlay, the file data of the writes is
	 * kept in this host file of up to filestore_size bytes rather than in
	 * memory; -1: none. The Sentry takes it over: it is closed when
	 * sentry_run returns, whatever happened.
	 */
	int filestore_fd;
	u64 filestore_size;
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

/*
 * The control socket of a running sandbox (sentry/kernel/control.c): a
 * listening AF_UNIX SOCK_SEQPACKET socket the next sentry_run serves (it
 * takes fd over; -1: none). `runsk exec` connects, sends one EXEC message
 * with the program's stdio as SCM_RIGHTS (fds 0, 1, 2 in order, the ones
 * the stdio bits name), and gets STARTED (the guest pid) or ERROR
 * (-errno); later EXITED (the wait status) when the process ends. SIGNAL
 * messages from the client signal the process; closing the connection
 * before EXITED kills it (SIGKILL), so that it lives no longer than its
 * proxy. Each message is one packet; a bad one gets ERROR -EINVAL.
 */
void sentry_set_control_socket(int fd);

#define SENTRY_CONTROL_MSG_MAX (128 * 1024) /* bytes of one packet, at most */
#define SENTRY_CONTROL_MAX_GROUPS 256

enum sentry_control_type {
	SENTRY_CONTROL_EXEC = 1,  /* client: struct sentry_control_exec + gids + strings */
	SENTRY_CONTROL_SIGNAL,	  /* client: value is the signal */
	SENTRY_CONTROL_STARTED,	  /* Sentry: value is the guest pid */
	SENTRY_CONTROL_EXITED,	  /* Sentry: value is the wait status */
	SENTRY_CONTROL_ERROR,	  /* Sentry: value is -errno */
	SENTRY_CONTROL_ERROR_CWD, /* Sentry: value is -errno of the cwd's lookup */
	SENTRY_CONTROL_PROXY,	  /* client: value is the host pid of its proxy */
	SENTRY_CONTROL_LIST,	  /* client: value 0; Sentry: value n, then n s32 proxy pids */
	SENTRY_CONTROL_OOM,	  /* client: value 0; Sentry: value OOM kills, then s32 OOMs */
	/* client: value a limit > 0, or -1 for none; Sentry: the same (pids.max) */
	SENTRY_CONTROL_PIDS_MAX,
	/* client: value pages > 0, or -1 for none; Sentry: the pages in force (memory.max) */
	SENTRY_CONTROL_MEMORY_MAX,
};

#define SENTRY_CONTROL_MAX_PROXIES 64 /* a LIST reply's pids, at most */

struct sentry_control_msg {
	u32 type;
	s32 value;
};

/*
 * An EXEC packet: this header, then ngroups u32 supplementary gids, then
 * nrlimits struct sandbox_rlimit (none: the bundle's limits), then
 * `strings` bytes: the cwd (absolute), argc argv strings and envc envp
 * strings, each NUL-terminated, nothing after the last.
 */
struct sentry_control_exec {
	u32 type;
	u32 uid, gid;
	u32 ngroups;
	u32 argc, envc;
	u32 stdio; /* bit n: the packet carries fd n of the program */
	u32 no_new_privs;
	u32 strings;
	u32 flags;    /* SENTRY_EXEC_* */
	u32 umask;    /* with SENTRY_EXEC_UMASK; else 022 */
	u32 nrlimits; /* at most SENTRY_CONTROL_MAX_RLIMITS */
	u64 caps[5]; /* with SENTRY_EXEC_CAPS: bounding, effective, permitted, inheritable, ambient */
	s32 oom_score_adj; /* with SENTRY_EXEC_OOM_SCORE_ADJ: -1000..1000 */
};

#define SENTRY_CONTROL_MAX_RLIMITS 64
/*
 * The packet carries one fd, a host terminal (stdio 0): the process gets a
 * pty on it; a SIGNAL of SIGWINCH then resizes that pty to the host's size.
 */
#define SENTRY_EXEC_TERMINAL (1u << 0)
#define SENTRY_EXEC_CAPS (1u << 1)  /* caps are the process's; else the bundle's */
#define SENTRY_EXEC_UMASK (1u << 2) /* umask is set */
/* oom_score_adj is set; else the process gets 0 */
#define SENTRY_EXEC_OOM_SCORE_ADJ (1u << 3)

/* Print the syscall compatibility listing (`runsk help syscalls`). */
void sentry_print_syscalls(void);

#endif
