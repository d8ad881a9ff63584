// SPDX-License-Identifier: Apache-2.0
/*
 * Starting and stopping the gofer that serves a sandbox's root: a child
 * runsk running `runsk gofer`, connected to the Sentry by a socketpair.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer_spawn.h"
#include "lib/log.h"

/* The child's side: never returns. */
static void __attribute__((noreturn))
gofer_exec(const char *root, bool ro, const struct gofer_bind *binds, unsigned nbinds, int sock)
{
	char root_flag[4200];
	char *argv[GOFER_MAX_BINDS + 6] = {"runsk", "gofer", root_flag, "--fd=3"};
	int argc = 4;

	if (ro)
		argv[argc++] = "--ro";
	for (unsigned i = 0; i < nbinds && i < GOFER_MAX_BINDS; i++) {
		/* Only this child's copy: it execs or exits next. */
		if (asprintf(&argv[argc++], "--bind%s=%s", binds[i].ro ? "-ro" : "", binds[i].src) <
		    0)
			_exit(126);
	}
	argv[argc] = NULL;

	/* A gofer outliving runsk would serve nobody: die with the parent. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(126);
	/* Its own process group: ^C at the terminal is the sandbox's, not the gofer's. */
	setpgid(0, 0);
	/* dup2 clears O_CLOEXEC on the copy. */
	if (dup2(sock, 3) < 0)
		_exit(126);
	snprintf(root_flag, sizeof(root_flag), "--root=%s", root);
	execv("/proc/self/exe", argv);
	_exit(127);
}

int gofer_spawn(const char *root, bool ro, int *sock, pid_t *pid)
{
	return gofer_spawn_binds(root, ro, NULL, 0, sock, pid);
}

int gofer_spawn_binds(const char *root, bool ro, const struct gofer_bind *binds, unsigned nbinds,
		      int *sock, pid_t *pid)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	if (*pid == 0)
		gofer_exec(root, ro, binds, nbinds, sv[1]);
	close(sv[1]);
	*sock = sv[0];
	return 0;
}

/* Whether pid has exited, waiting at most ms for it. */
static bool exited_within(pid_t pid, int ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0) { /* a kernel before 5.3: naps */
		for (int i = 0; i < ms; i++) {
			siginfo_t si = {0};
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid)
				return true;
			nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
		}
		return false;
	}
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int n;
	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	close(pfd);
	return n > 0;
}

int gofer_reap(pid_t pid)
{
	int status;
	/* It exits once the Sentry's end is closed; give it a second. */
	if (!exited_within(pid, 1000)) {
		pr_warn("the gofer (pid %d) did not exit; killing it", pid);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}
