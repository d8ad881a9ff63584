/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System V IPC (shared memory, semaphores, message queues) and POSIX
 * message queues, per IPC namespace (sentry/kernel/nsproxy.h): the
 * initial one is made on first use and reached from struct kernel, new
 * ones by unshare/clone(CLONE_NEWIPC). The syscall handlers live in this
 * folder; the rest of the Sentry only calls the hooks below.
 *
 * Lock order: k->lock > mm->lock > ipc_ns->lock > waitq locks. The IPC
 * code never takes k->lock nor mm->lock while it holds ns->lock.
 */
#ifndef SENTRY_IPC_IPC_H
#define SENTRY_IPC_IPC_H

struct kernel;

/*
 * Process tgid exits (its last thread): apply its semaphore adjustments
 * (SEM_UNDO), as Linux's exit_sem. Called with k->lock held; never
 * blocks on the guest.
 */
void ipc_exit_process(struct kernel *k, int tgid);

/* Namespace objects (ipc_ns_create_new and friends) are declared in nsproxy.h. */

/*
 * /proc/sysvipc/{shm,sem,msg}: Linux's header line and one line per
 * object, each passed to emit(arg, line) in index order. emit runs under
 * the namespace's lock: it must only copy the line.
 */
enum { IPC_SHOW_SHM, IPC_SHOW_SEM, IPC_SHOW_MSG };
void ipc_show_sysvipc(struct kernel *k, int kind, void (*emit)(void *arg, const char *line),
		      void *arg);

/*
 * The IPC sysctls, by their file's name: /proc/sys/kernel/{shmmax,shmall,
 * shmmni,msgmax,msgmnb,msgmni,sem} and /proc/sys/fs/mqueue/{queues_max,
 * msg_max,msgsize_max,msg_default,msgsize_default}. ipc_sysctl_read puts
 * the file's text, NUL-terminated, in buf and returns its length;
 * ipc_sysctl_write parses one write(2) as Linux does and stores it,
 * returning len or -EINVAL (not a number, out of bounds), -ERANGE (sem's
 * semmni). Both -ENOENT for another name, -ENOMEM if the namespace
 * cannot be made. The caller checks who may write.
 */
int ipc_sysctl_read(struct kernel *k, const char *name, char *buf, size_t size);
long ipc_sysctl_write(struct kernel *k, const char *name, const char *buf, unsigned long len);

/*
 * The mqueue file system (mqueue_fs.c), for the VFS's table of file
 * system types: its one super block with a new reference, or
 * ERR_PTR(-ENOMEM). options are ignored, as Linux has none to take.
 */
struct super_block;
struct super_block *mqueue_mount(const char *options);

#endif
