// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's seccomp allowlist: every syscall it makes after confinement,
 * in this one table, each with the reason. Anything else kills the process.
 * README.md in this folder carries the same list for reference; keep the two
 * in step.
 *
 * Worth noting for what is absent: no open/openat (every lookup is openat2
 * with RESOLVE_BENEATH), no socket/connect/bind, no execve, no clone (the
 * workers exist before the filter; TSYNC puts them under it), no mount,
 * chroot or ptrace, and no mknod of devices (mknodat is allowed, but
 * CAP_MKNOD is gone).
 *
 * Sanitizer builds: the one extra entry is at the end of the table. What
 * LeakSanitizer does at process exit (clone a tracer thread, ptrace, read
 * /proc/self/task) is not allowed, and could not work without /proc
 * anyway: `runsk gofer` ends with _Exit, which skips that check.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>

#include "gofer_internal.h"

/* Which argument, if any, a rule pins to one value. */
enum pin {
	ANY,
	FD_SOCK, /* arg 0 is the 9P socket */
	FD_LOG,	 /* arg 0 is the log's descriptor */
	ARG1,	 /* arg 1 (fcntl's command) is val */
};

struct allow {
	int nr;
	enum pin pin;
	int val;
};

#define ALLOW(name)                    \
	{                              \
		SCMP_SYS(name), ANY, 0 \
	}
#define ALLOW_ON(name, pin)            \
	{                              \
		SCMP_SYS(name), pin, 0 \
	}
#define ALLOW_CMD(name, cmd)              \
	{                                 \
		SCMP_SYS(name), ARG1, cmd \
	}

static const struct allow allowlist[] = {
	/* The 9P connection. */
	ALLOW_ON(read, FD_SOCK),    /* requests (read() drops any fds a client sends) */
	ALLOW_ON(sendmsg, FD_SOCK), /* replies, with a donated fd (SCM_RIGHTS) */
	ALLOW_ON(write, FD_LOG),    /* log lines (lib/log.c) */
	ALLOW(getpid),		    /* the pid in each log line */
	ALLOW(clock_gettime),	    /* log timestamps, when the vDSO falls back */

	/* Looking up and making files, always relative to a directory fd. */
	ALLOW(openat2),	   /* every open: RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS */
	ALLOW(close),	   /* descriptors of clunked fids, reopens */
	ALLOW(newfstatat), /* Tgetattr, identity checks (fstat is this too) */
	ALLOW(fstatfs),	   /* Tstatfs */
	ALLOW(readlinkat), /* Treadlink */
	ALLOW(mkdirat),	   /* Tmkdir */
	ALLOW(symlinkat),  /* Tsymlink */
	ALLOW(mknodat),	   /* Tmknod: files, FIFOs, sockets (no CAP_MKNOD) */
	ALLOW(linkat),	   /* Tlink */
	ALLOW(unlinkat),   /* Tunlinkat, Tremove */
	ALLOW(renameat),   /* Trenameat, Trename */
	ALLOW(renameat2),  /* what glibc's renameat may use */

	/* Attributes. */
	ALLOW(fchownat),     /* Tsetattr uid/gid, ownership of new files */
	ALLOW(fchmod),	     /* Tsetattr mode, on a reopened descriptor */
	ALLOW(ftruncate),    /* Tsetattr size */
	ALLOW(utimensat),    /* Tsetattr times, on the O_PATH descriptor */
	ALLOW(fgetxattr),    /* Txattrwalk */
	ALLOW(flistxattr),   /* Txattrwalk with no name */
	ALLOW(fsetxattr),    /* Tclunk after Txattrcreate */
	ALLOW(fremovexattr), /* the same, with size 0 */

	/* Open files. */
	ALLOW(pread64),			   /* Tread */
	ALLOW(pwrite64),		   /* Twrite */
	ALLOW(getdents64),		   /* Treaddir */
	ALLOW(lseek),			   /* Treaddir: seek to the client's cookie */
	ALLOW(fsync),			   /* Tfsync */
	ALLOW(fdatasync),		   /* Tfsync with datasync */
	ALLOW_CMD(fcntl, F_DUPFD_CLOEXEC), /* the copy of an fd to donate */
	ALLOW_CMD(fcntl, F_OFD_SETLK),	   /* Tlock */
	ALLOW_CMD(fcntl, F_OFD_GETLK),	   /* Tgetlock */

	/* The process: memory, threads, exit. */
	ALLOW(brk),		/* malloc */
	ALLOW(mmap),		/* malloc of large blocks and thread arenas */
	ALLOW(munmap),		/* free */
	ALLOW(mremap),		/* realloc */
	ALLOW(mprotect),	/* malloc growing a thread arena */
	ALLOW(madvise),		/* free returning memory */
	ALLOW(futex),		/* mutexes and condition variables */
	ALLOW(rt_sigprocmask),	/* glibc blocks signals around some calls */
	ALLOW(restart_syscall), /* resuming a futex wait after a stop */
	ALLOW(exit),		/* a worker thread ending */
	ALLOW(exit_group),	/* the gofer ending when the socket closes */
#ifdef __SANITIZE_ADDRESS__
	/*
	 * ASan builds only: ASan gives each thread an alternate signal stack
	 * and, as a worker ends, disables it (sigaltstack(SS_DISABLE)) before
	 * unmapping it. Harmless: it changes only the calling thread's
	 * alternate stack. Release builds never call it, so they do not allow
	 * it. (UBSan's runtime makes no calls at thread exit.)
	 */
	ALLOW(sigaltstack),
#endif
};

static int add_rule(scmp_filter_ctx ctx, const struct allow *a, int sock, int log_fd)
{
	switch (a->pin) {
	case FD_SOCK:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1,
					SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sock));
	case FD_LOG:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1,
					SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)log_fd));
	case ARG1:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1,
					SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)a->val));
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	}
}

int gofer_seccomp_install(int sock, int log_fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	/* All threads, not just this one: the workers already exist. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; !err && i < ARRAY_SIZE(allowlist); i++)
		err = add_rule(ctx, &allowlist[i], sock, log_fd);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}
