// SPDX-License-Identifier: Apache-2.0
/*
 * sentry_run: build a sandbox (memory file, platform, init task), run it,
 * and stop it cleanly when runsk itself is signalled.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include "control.h"
#include "cred.h"
#include "rlimit.h"
#include "sandbox_spec.h"
#include "kernel.h"
#include "oom.h"
#include "process.h"
#include "signal.h"
#include "gofer/client.h"
#include "lib/log.h"
#include "lib/spin.h"
#include "sentry/tty/tty.h"
#include "sentry/vdso/vdso.h"
#include "sentry/vfs/goferfs/goferfs.h"
#include "sentry/vfs/procfs/procfs.h"
#include "sentry/vfs/vfs.h"

/* 9P message size: big enough that a directory listing or a fallback read moves 1 MiB at once. */
#define GOFER_MSIZE (1024 * 1024 + 4096)

/*
 * Signals sent to runsk from outside (kill(1), a terminal, containerd's shim
 * through `runsk kill`) that the supervisor passes on to the sandbox: see
 * forward_signal. Every other signal acts on runsk itself (SIGKILL ends the
 * sandbox, SIGSTOP and SIGCONT pause and resume it whole).
 */
static const int forwarded_signals[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
					SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};

static int stdio_install(struct fdtable *files)
{
	for (int fd = 0; fd < 3; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			continue; /* not open in runsk: not open in the guest */
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (dup < 0)
			return -errno;
		struct file *f = hostfile_create(dup, fl);
		if (IS_ERR(f)) {
			close(dup);
			return PTR_ERR(f);
		}
		int ret = fdtable_install(files, fd, f, false);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * runsk do: init holds no capability that runsk's own bounding set lacks,
 * as no program the caller starts could (a host whose containers run
 * without CAP_SYS_RESOURCE keeps it dropped in the sandbox). Capabilities
 * the host kernel does not know stay as they are.
 */
static void inherit_cap_bounding(struct cred *c)
{
	u64 bset = 0;
	int cap;

	for (cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r)
			bset |= 1ULL << cap;
	}
	if (cap < 64)
		bset |= ~0ULL << cap;
	c->cap_bset &= bset;
	c->cap_permitted &= bset;
	c->cap_effective &= bset;
	c->cap_inheritable &= bset;
	c->cap_ambient &= bset;
}

/*
 * Signals runsk was started with ignored stay ignored in the program, as
 * execve keeps them on Linux (a background job of a non-interactive shell
 * ignores SIGINT and SIGQUIT, nohup ignores SIGHUP).
 */
static void inherit_ignored_signals(struct task *t)
{
	for (int sig = 1; sig <= LINUX_NSIG; sig++) {
		struct sigaction old;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) < 0)
			continue;
		if (old.sa_handler == SIG_IGN)
			t->sighand->action[sig - 1].handler = LINUX_SIG_IGN;
	}
}

static void kernel_init(struct kernel *k, const struct sandbox_config *cfg)
{
	pthread_mutex_init(&k->lock, NULL);
	list_init(&k->groups);
	k->done_fd = eventfd(0, EFD_CLOEXEC);
	k->ncpus = cfg->ncpus ? cfg->ncpus : 1;
	k->spin = spin_host_cpus() > (int)k->ncpus;
	k->strace = cfg->strace;
	k->check_mm = cfg->check_mm;
	k->profile.on = cfg->profile_path != NULL;
	k->profile.start_ns = profile_now_ns();
	if (gethostname(k->hostname, sizeof(k->hostname) - 1) < 0)
		strcpy(k->hostname, "sandbox");
	if (!getcwd(k->cwd, sizeof(k->cwd)))
		strcpy(k->cwd, "/");
	for (int r = 0; r < LINUX_RLIM_NLIMITS; r++) {
		struct rlimit rl;
		if (getrlimit(r, &rl) == 0)
			k->init_rlimits[r] = (struct linux_rlimit){rl.rlim_cur, rl.rlim_max};
		else
			k->init_rlimits[r] =
				(struct linux_rlimit){LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY};
	}
	if (cfg->spec)
		sandbox_spec_kernel(k, cfg->spec);
}

/*
 * A signal sent to runsk (si) reaches the sandbox as a signal from outside
 * its PID namespace (SI_USER, pid 0), as runc and runsc pass `kill` to a
 * container:
 * - to the init process, or, for a sigqueue whose value is
 *   SENTRY_SIGNAL_ALL (`runsk kill --all`), to every process;
 * - init takes only the signals it handles (Linux's rule for a namespace's
 *   init: a signal with the default action from outside is dropped), so a
 *   container whose init does not handle SIGTERM keeps running, as under
 *   runc, until SIGKILL.
 * `runsk do` (no OCI spec) stands for running the program natively
 * instead: a signal whose default action would end the program ends the
 * whole sandbox with it, with runsk's status 128 + sig.
 */
static void forward_signal(struct kernel *k, const struct signalfd_siginfo *si, bool container,
			   struct tty_console *console)
{
	int sig = (int)si->ssi_signo;
	bool all = si->ssi_code == SI_QUEUE && si->ssi_int == SENTRY_SIGNAL_ALL;
	struct linux_siginfo info = {.signo = sig, .code = LINUX_SI_USER};
	u64 handler = LINUX_SIG_DFL;

	/* The console's size changed: its pty tells the foreground group, as on Linux. */
	if (console && sig == SIGWINCH && si->ssi_code != SI_QUEUE && si->ssi_code != SI_USER) {
		tty_console_resize(console);
		return;
	}
	pthread_mutex_lock(&k->lock);
	if (k->init && !list_empty(&k->init->threads)) {
		struct task *t = list_entry(k->init->threads.next, struct task, tg_node);
		handler = t->sighand->action[sig - 1].handler;
	}
	if (!container && handler == LINUX_SIG_DFL) {
		pthread_mutex_unlock(&k->lock);
		if (sig == SIGWINCH)
			return; /* ignored by default */
		pr_debug("runsk got signal %d: stopping the sandbox", sig);
		signal_kill_sandbox(k, sig);
		return;
	}
	pr_debug("runsk got signal %d: passing it to %s", sig, all ? "every process" : "init");
	if (all) {
		struct thread_group *tg;
		list_for_each_entry(tg, &k->groups, node) signal_send_group_locked(tg, &info);
	} else if (k->init) {
		signal_send_group_locked(k->init, &info);
	}
	pthread_mutex_unlock(&k->lock);
}

/* Wait for every task to exit, passing on the signals runsk gets. */
static void supervise(struct kernel *k, int sfd, bool container, struct tty_console *console)
{
	struct pollfd pfd[2] = {{.fd = k->done_fd, .events = POLLIN},
				{.fd = sfd, .events = POLLIN}};
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return;
		if (pfd[0].revents)
			return;
		struct signalfd_siginfo si;
		if (pfd[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
			forward_signal(k, &si, container, console);
	}
}

/* A task waiting for the gofer holds no vCPU meanwhile, as in task_sleep. */
static void release_cpu_of_current(void)
{
	struct task *t = task_current();
	if (t)
		task_release_cpu(t);
}

static void forwarded_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(set, forwarded_signals[i]);
}

/* The forwarded signals are blocked in every thread (sentry_run): the supervisor reads them here. */
static int run_init(struct kernel *k, struct task *t, bool container, struct tty_console *console,
		    bool *started)
{
	sigset_t set;
	forwarded_signal_set(&set);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int ret = sfd < 0 ? -errno : 0;
	if (!ret)
		ret = task_start(t);
	if (!ret) {
		*started = true;
		supervise(k, sfd, container, console);
		ret = k->exit_status;
	}
	if (sfd >= 0)
		close(sfd);
	return ret;
}

static int wait_status_to_exit(int status)
{
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}

/* Free the processes nobody will reap: init and the zombies it left. */
static void kernel_release_groups(struct kernel *k)
{
	struct thread_group *tg, *n;
	pthread_mutex_lock(&k->lock);
	list_for_each_entry_safe(tg, n, &k->groups, node) tg_reap_locked(k, tg);
	pthread_mutex_unlock(&k->lock);
}

/* Build init's task: its files, root, credentials and program. */
static int init_task_setup(struct kernel *k, struct task *t, const struct sandbox_config *cfg,
			   struct gofer_client *gofer, struct tty_console **console)
{
	int ret;

	t->uid = getuid();
	t->gid = getgid();
	t->cred = cred_new_init(t->uid, t->gid);
	if (!t->cred)
		return -ENOMEM;
	if (cfg->spec && (ret = sandbox_spec_task(t, cfg->spec)))
		return ret;
	if (!cfg->spec)
		inherit_cap_bounding(t->cred);
	t->sighand = sighand_alloc();
	if (!t->sighand)
		return -ENOMEM;
	inherit_ignored_signals(t);
	t->mm = mm_create(k->mf, k->platform);
	if (IS_ERR(t->mm)) {
		ret = PTR_ERR(t->mm);
		t->mm = NULL;
		return ret;
	}
	t->files = fdtable_create();
	/* A console's pty takes fds 0-2 once init is registered (it needs init's session). */
	ret = !t->files ? -ENOMEM : cfg->console ? 0 : stdio_install(t->files);
	if (ret)
		return ret;
	struct super_block *proc = procfs_mount(k);
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	t->fs = gofer ? vfs_gofer_sandbox_root(gofer, cfg->overlay, k->cwd, proc)
		      : vfs_sandbox_root_proc(k->cwd, t->uid, t->gid, proc);
	if (IS_ERR(t->fs)) {
		ret = PTR_ERR(t->fs);
		t->fs = NULL;
		pr_err("cannot build the sandbox's root file system: %s", strerror(-ret));
		return ret;
	}
	if (cfg->spec &&
	    (ret = vfs_sandbox_mounts(t->fs, gofer, cfg->spec->mounts, cfg->spec->nmounts, k->cwd)))
		return ret;
	ret = task_register_init(t);
	if (ret)
		return ret;
	if (cfg->spec)
		sandbox_spec_process(t, cfg->spec);
	if (cfg->console && (ret = tty_console_create(t, 0, console)))
		return ret;
	task_update_mm_limits(t); /* the limits are the process's: known from here */
	return exec_first(t, cfg->argv[0], cfg->argv, cfg->envp);
}

static int sentry_run_blocked(const struct sandbox_config *cfg);

/* The control socket the next sentry_run serves (control.h), or -1. */
static int control_fd = -1;

void sentry_set_control_socket(int fd)
{
	if (control_fd >= 0)
		close(control_fd);
	control_fd = fd;
}

/* Serve the control socket, if runsk gave one: the server owns it from here. */
static struct control *control_serve(struct kernel *k, const struct sandbox_config *cfg,
				     struct task *init)
{
	int fd = control_fd;

	control_fd = -1;
	return fd < 0 ? NULL : control_start(k, fd, cfg->spec, init->fs);
}

/*
 * Every thread the Sentry starts (the gofer client's reader, the timer
 * service, task threads) inherits the caller's mask: block the forwarded
 * signals first, so that they reach runsk only through the supervisor's
 * signalfd, and one the guest ignores cannot end runsk by landing in a
 * helper thread.
 */
int sentry_run(const struct sandbox_config *cfg)
{
	sigset_t set, old;
	forwarded_signal_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	int ret = sentry_run_blocked(cfg);
	sentry_set_control_socket(-1); /* closed if init never started */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* The file store is the Sentry's to close whatever happens (sentry.h). */
static void filestore_drop(const struct sandbox_config *cfg)
{
	if (cfg->filestore_fd >= 0)
		close(cfg->filestore_fd);
}

static int sentry_run_blocked(const struct sandbox_config *cfg)
{
	struct kernel k = {0};
	struct platform_memory pm;
	struct task *t = NULL;
	struct gofer_client *gofer = NULL;
	struct tty_console *console = NULL;
	int ret;

	if (cfg->gofer_fd >= 0) {
		gofer = gofer_client_create(cfg->gofer_fd, GOFER_MSIZE);
		if (IS_ERR(gofer)) {
			pr_err("cannot talk to the gofer: %s", strerror(-PTR_ERR(gofer)));
			filestore_drop(cfg);
			return PTR_ERR(gofer);
		}
		gofer_client_set_wait_hook(gofer, release_cpu_of_current);
	}
	kernel_init(&k, cfg);
	if (k.done_fd < 0) {
		ret = -errno;
		gofer_client_destroy(gofer);
		filestore_drop(cfg);
		return ret;
	}
	signal(SIGPIPE, SIG_IGN); /* EPIPE from host writes is handled per call */
	/* The store holds the overlay's upper layer: without one it has no use. */
	if (!cfg->overlay)
		filestore_drop(cfg);
	k.mf = cfg->overlay && cfg->filestore_fd >= 0
		       ? memfile_create_with_store(cfg->memory, cfg->filestore_fd,
						   cfg->filestore_size)
		       : memfile_create(cfg->memory);
	if (IS_ERR(k.mf)) {
		ret = PTR_ERR(k.mf);
		k.mf = NULL;
		goto out_mf;
	}
	shmem_set_file_memfile(k.mf); /* tmpfs data lives in guest memory, mappable */
	/* Page caches kept only to save work give way when the guest needs the memory. */
	memfile_set_reclaim(k.mf, goferfs_cache_reclaim);
	oom_init(); /* copies to guest memory go through the OOM killer too */
	pm = memfile_platform_memory(k.mf);
	struct platform_config pc = {.ncpus = k.ncpus, .mem = &pm};
	ret = platform_kvm_create(&pc, &k.platform);
	if (ret)
		goto out_mf;
	pr_debug("sandbox: platform %s ready", k.platform->ops->name);
	vdso_prepare(k.mf, k.ncpus); /* once the platform has its frames */
	t = task_alloc(&k);
	ret = t ? init_task_setup(&k, t, cfg, gofer, &console) : -ENOMEM;
	if (!ret) {
		pr_debug("sandbox: %s loaded, starting it", t->exe);
		bool started = false;
		struct control *ctl = control_serve(&k, cfg, t);
		ret = run_init(&k, t, cfg->spec != NULL, console, &started);
		control_stop(ctl); /* every task is gone: its clients get their exits */
		if (started)
			t = NULL; /* the task frees itself as it exits */
		pr_debug("sandbox: init exited with wait status %#x", ret);
	}
	if (ret >= 0)
		ret = wait_status_to_exit(ret);
	if (ret >= 0 && cfg->profile_path) {
		int err = profile_write(&k, cfg->profile_path, cfg->argv[0]);
		if (err)
			pr_err("--profile=%s: %s", cfg->profile_path, strerror(-err));
	}
	if (t) {
		/* Set up but never started: undo by hand. */
		fdtable_destroy(t->files);
		fs_struct_put(t->fs);
		mm_put(t->mm);
		sighand_put(t->sighand);
		cred_put(t->cred);
		free(t);
	}
	/* Before the kernel goes: the console's thread signals through k. */
	tty_console_destroy(console);
	rlimit_cpu_stop(&k); /* its timer would look at a kernel that is gone */
	kernel_release_groups(&k);
	platform_destroy(k.platform);
out_mf:
	/*
	 * File systems may talk to the gofer until every task is gone, and
	 * goferfs's idle page caches hold frames of the memory file.
	 */
	vfs_drop_caches();
	memfile_destroy(k.mf);
	gofer_client_destroy(gofer);
	if (k.done_fd >= 0)
		close(k.done_fd);
	return ret;
}
