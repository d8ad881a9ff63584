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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include "kernel.h"
#include "lib/log.h"
#include "sentry/vfs/vfs.h"

/* Signals to runsk that stop the sandbox, as they would stop the program. */
static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct init_thread {
	struct task *t;
	const struct sandbox_config *cfg;
	int done_fd;
	int ret;
	struct platform_ctx *volatile ctx; /* published for the main thread's kicks */
};

static int resolve_exe(const char *arg0, char *out, size_t len)
{
	if (strchr(arg0, '/')) {
		if (!realpath(arg0, out))
			return -errno;
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		char cand[PATH_MAX];
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - path), path, arg0);
		if (access(cand, X_OK) == 0 && realpath(cand, out))
			return 0;
		path = *end ? end + 1 : end;
	}
	(void)len;
	return -ENOENT;
}

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
			t->sigactions[sig - 1].handler = (u64)(uintptr_t)SIG_IGN;
	}
}

static void kernel_init(struct kernel *k, const struct sandbox_config *cfg)
{
	k->ncpus = cfg->ncpus ? cfg->ncpus : 1;
	k->strace = cfg->strace;
	k->profile.on = cfg->profile_path != NULL;
	k->profile.start_ns = profile_now_ns();
	if (gethostname(k->hostname, sizeof(k->hostname) - 1) < 0)
		strcpy(k->hostname, "sandbox");
	if (!getcwd(k->cwd, sizeof(k->cwd)))
		strcpy(k->cwd, "/");
	for (int r = 0; r < LINUX_RLIM_NLIMITS; r++) {
		struct rlimit rl;
		if (getrlimit(r, &rl) == 0)
			k->rlimits[r] = (struct linux_rlimit){rl.rlim_cur, rl.rlim_max};
		else
			k->rlimits[r] =
				(struct linux_rlimit){LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY};
	}
}

static void *init_main(void *arg)
{
	struct init_thread *it = arg;
	struct task *t = it->t;
	struct platform *p = t->k->platform;

	it->ret = p->ops->ctx_create(p, &t->ctx);
	if (it->ret) {
		pr_err("cannot create an execution context: %s", strerror(-it->ret));
	} else {
		__atomic_store_n(&it->ctx, t->ctx, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&t->k->killed, __ATOMIC_SEQ_CST))
			p->ops->ctx_interrupt(t->ctx);
		it->ret = task_run(t);
		__atomic_store_n(&it->ctx, NULL, __ATOMIC_SEQ_CST);
		p->ops->ctx_destroy(t->ctx);
	}
	u64 one = 1;
	ssize_t __unused w = write(it->done_fd, &one, sizeof(one));
	return NULL;
}

/* Wait for init to exit, turning runsk's stop signals into a sandbox stop. */
static void supervise(struct init_thread *it, int sfd)
{
	struct pollfd pfd[2] = {{.fd = it->done_fd, .events = POLLIN},
				{.fd = sfd, .events = POLLIN}};
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return;
		if (pfd[0].revents)
			return;
		struct signalfd_siginfo si;
		if (pfd[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			/* A signal the program ignores would not stop it natively. */
			const u64 *handler = &it->t->sigactions[si.ssi_signo - 1].handler;
			if (__atomic_load_n(handler, __ATOMIC_RELAXED) == (u64)(uintptr_t)SIG_IGN) {
				pr_debug("runsk got signal %u, which the program ignores",
					 si.ssi_signo);
				continue;
			}
			pr_debug("runsk got signal %u: stopping the sandbox", si.ssi_signo);
			__atomic_store_n(&it->t->k->killed, (int)si.ssi_signo, __ATOMIC_SEQ_CST);
			struct platform_ctx *ctx = __atomic_load_n(&it->ctx, __ATOMIC_SEQ_CST);
			if (ctx)
				ctx->p->ops->ctx_interrupt(ctx);
		}
	}
}

static int run_init(struct kernel *k, struct task *t, const struct sandbox_config *cfg)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaddset(&set, stop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct init_thread it = {.t = t, .cfg = cfg, .done_fd = eventfd(0, EFD_CLOEXEC)};
	pthread_t th;
	int ret = sfd < 0 || it.done_fd < 0 ? -errno : 0;
	if (!ret)
		ret = -pthread_create(&th, NULL, init_main, &it);
	if (!ret) {
		supervise(&it, sfd);
		pthread_join(th, NULL);
		ret = it.ret;
	}
	if (sfd >= 0)
		close(sfd);
	if (it.done_fd >= 0)
		close(it.done_fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static int wait_status_to_exit(int status)
{
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}

int sentry_run(const struct sandbox_config *cfg)
{
	struct kernel k = {0};
	struct task t = {.k = &k, .tid = 1, .tgid = 1, .ppid = 0, .dumpable = true};
	struct platform_memory pm;
	int ret;

	kernel_init(&k, cfg);
	signal(SIGPIPE, SIG_IGN); /* EPIPE from host writes is handled per call */
	ret = resolve_exe(cfg->argv[0], t.exe, sizeof(t.exe));
	if (ret) {
		pr_err("%s: %s", cfg->argv[0], strerror(-ret));
		return ret;
	}
	const char *base = strrchr(t.exe, '/');
	/* comm is the first 15 bytes of the name, as Linux truncates it. */
	const char *name = base ? base + 1 : t.exe;
	memcpy(t.comm, name, MIN(strlen(name), sizeof(t.comm) - 1));
	inherit_ignored_signals(&t);
	t.uid = getuid();
	t.gid = getgid();

	k.mf = memfile_create(cfg->memory);
	if (IS_ERR(k.mf))
		return PTR_ERR(k.mf);
	pm = memfile_platform_memory(k.mf);
	struct platform_config pc = {.ncpus = k.ncpus, .mem = &pm};
	ret = platform_kvm_create(&pc, &k.platform);
	if (ret)
		goto out_mf;
	pr_debug("sandbox: platform %s ready", k.platform->ops->name);
	t.mm = mm_create(k.mf, k.platform);
	if (IS_ERR(t.mm)) {
		ret = PTR_ERR(t.mm);
		t.mm = NULL;
		goto out_platform;
	}
	task_update_mm_limits(&t);
	t.files = fdtable_create();
	ret = t.files ? stdio_install(t.files) : -ENOMEM;
	if (!ret) {
		t.fs = vfs_sandbox_root(k.cwd, t.uid, t.gid);
		ret = IS_ERR(t.fs) ? PTR_ERR(t.fs) : 0;
		if (ret)
			t.fs = NULL;
	}
	if (!ret)
		ret = exec_load(&t, cfg->argv, cfg->envp);
	if (!ret) {
		pr_debug("sandbox: %s loaded, starting it", t.exe);
		ret = run_init(&k, &t, cfg);
		pr_debug("sandbox: init exited with wait status %#x", ret);
	}
	if (ret >= 0)
		ret = wait_status_to_exit(ret);
	if (ret >= 0 && cfg->profile_path) {
		int err = profile_write(&k, cfg->profile_path, t.exe);
		if (err)
			pr_err("--profile=%s: %s", cfg->profile_path, strerror(-err));
	}
	fdtable_destroy(t.files);
	fs_struct_put(t.fs);
	mm_destroy(t.mm);
out_platform:
	platform_destroy(k.platform);
out_mf:
	memfile_destroy(k.mf);
	return ret;
}
