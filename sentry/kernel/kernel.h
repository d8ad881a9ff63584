/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sentry-internal: the kernel object and tasks.
 *
 * Lock order: kernel->lock > task locks > mm->lock.
 */
#ifndef SENTRY_KERNEL_KERNEL_H
#define SENTRY_KERNEL_KERNEL_H

#include <pthread.h>

#include "abi/linux/abi.h"
#include "mm/mm.h"
#include "platform/platform.h"
#include "sentry/sentry.h"
#include "profile.h"

struct fdtable;
struct fs_struct;

struct kernel {
	struct platform *platform;
	struct memfile *mf;
	bool strace;
	unsigned ncpus;
	char hostname[LINUX_UTS_LEN];
	char cwd[4096];
	/* Set once when the sandbox must stop; the value is the signal. */
	int killed;
	int exit_status; /* the wait status of init, once it exits */
	struct linux_rlimit rlimits[LINUX_RLIM_NLIMITS];
	struct profile profile;
};

struct task {
	struct kernel *k;
	struct mm *mm;
	struct platform_ctx *ctx;
	struct fdtable *files;
	struct fs_struct *fs; /* root, cwd, umask (sentry/vfs/vfs.h) */
	struct user_regs regs;
	int tid, tgid, ppid;
	u32 uid, gid;
	bool exiting;
	int exit_status; /* wait status: (code << 8) or signal */
	u64 clear_child_tid;
	u64 robust_list;
	u64 sigmask;
	struct linux_sigaction sigactions[LINUX_NSIG];
	u64 minflt; /* page faults served (atomic) */
	bool dumpable;
	bool no_new_privs;
	char exe[4096];
	char comm[16];
};

/* The guest's syscall arguments, in order. */
struct syscall_args {
	u64 a[6];
};

typedef long (*syscall_fn)(struct task *t, const struct syscall_args *args);

static inline int arg_int(const struct syscall_args *a, int i)
{
	return (int)a->a[i];
}

static inline unsigned arg_uint(const struct syscall_args *a, int i)
{
	return (unsigned)a->a[i];
}

static inline uaddr_t arg_ptr(const struct syscall_args *a, int i)
{
	return uaddr(a->a[i]);
}

/* Dispatch the syscall in t->regs and store the result in rax. */
void syscall_dispatch(struct task *t);

/* Load argv[0] into t's fresh address space and set t->regs for entry. */
int exec_load(struct task *t, const char *const *argv, const char *const *envp) __must_check;

/* Run t until it exits; returns its wait status. */
int task_run(struct task *t);

/* Mark t (single-threaded today) as exiting with a wait status. */
void task_exit(struct task *t, int wait_status);

/* Tell t's mm the current memory rlimits (after prlimit64, before mm calls). */
void task_update_mm_limits(struct task *t);

/* A write hit a closed pipe: SIGPIPE's default action kills the writer. */
void task_sigpipe(struct task *t);

#endif
