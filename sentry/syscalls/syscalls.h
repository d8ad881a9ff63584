/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syscall handlers. Declarations come from syscalls.def itself, so the
 * table stays the only list; each handler lives in the sys_<area>.c of its
 * subsystem and shares the one signature.
 */
#ifndef SENTRY_SYSCALLS_SYSCALLS_H
#define SENTRY_SYSCALLS_SYSCALLS_H

#include "sentry/kernel/kernel.h"

#define SYSCALL(nr, name, handler, status, fmt) \
	long handler(struct task *t, const struct syscall_args *a);
#include "syscalls.def"
#undef SYSCALL

/* Nanoseconds as a struct timeval (sys_rusage.c), for rusage and the like. */
struct linux_timeval ns_to_tv(u64 ns);

/* prctl's capability, keepcaps and securebits options (sys_cred.c). */
long prctl_cred(struct task *t, const struct syscall_args *a);

/* fcntl's F_GETLK..F_OFD_SETLKW commands on fd (sys_flock.c). */
long fcntl_lock(struct task *t, int fd, int cmd, uaddr_t arg);
/* The affinity mask of thread pid of the sandbox (0: t), or -ESRCH (sys_sched.c). */
long sched_get_affinity(struct task *t, int pid, u64 *mask);

/*
 * Linux's __ptrace_may_access(*_REALCREDS): may t read or write the
 * memory and files of pt's thread (sys_process_vm.c)?
 */
struct proc_task;
bool ptrace_may_access(const struct task *t, const struct proc_task *pt);

/* Table introspection, for tests and tools. */
size_t syscall_table_size(void);
/* The name of syscall nr, or NULL if the number is unassigned. */
const char *syscall_name(u64 nr);
/* true if nr has a handler other than sys_ni_syscall. */
bool syscall_implemented(u64 nr);
/* The --strace argument formats of nr ("" if none). */
const char *syscall_formats(u64 nr);

#endif
