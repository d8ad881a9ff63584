// SPDX-License-Identifier: Apache-2.0
/*
 * runsk exec [flags] CONTAINER-ID [ARGS...]: run one more process in a
 * running container, as `runc exec` does (containerd's shim runs
 * `exec --process P --detach --pid-file F ID` for `ctr task exec` and
 * Kubernetes' exec probes).
 *
 * The process runs in the container's Sentry, which the sandbox process
 * serves on the control socket STATE/ID/control.sock (sentry.h has the
 * protocol; the sandbox makes it before start, mode 0600). As gVisor's
 * runsc exec, a host process stands for the guest process, a proxy: it
 * lives exactly as long as the guest process, passes on every signal sent
 * to it (but SIGKILL, SIGSTOP and SIGCHLD), and ends with its status. Its
 * death by SIGKILL closes the connection, which kills the guest process.
 * - Without --detach, runsk exec is the proxy: it exits with the
 *   process's status, 128 + signal if a signal killed it (as runc exec).
 * - With --detach, runsk exec forks the proxy, writes its pid to
 *   --pid-file and exits 0 once the process has started. The proxy, a
 *   child of the caller's subreaper (containerd's shim), drops its stdio
 *   (the process has its own copies) and at the end dies of the
 *   process's signal, or exits with its status: the shim's wait status
 *   is then the process's, as if it were the process.
 * As runc: the process is the bundle's "process" with ARGS, --cwd, --env
 * (added to its env), --user, --additional-gids, --cap (added to its
 * bounding, effective, permitted and ambient sets) and --no-new-privs
 * applied, or the one --process gives (its capabilities, user with umask,
 * rlimits; the bundle's capability sets if it has none); every failure to
 * start it is "exec failed: ..." and status 255.
 *
 * A terminal (--tty, or "terminal": true): with --console-socket S, the
 * proxy makes a host pty, sends its master over S (runc's protocol,
 * console.h) and passes its slave to the Sentry, which shows the process
 * a pty of its own on it (sentry/tty/console.c). The proxy is a session
 * leader with that slave as its controlling terminal, so that a resize
 * of the master reaches it as SIGWINCH, which it passes on: the Sentry
 * then resizes the process's pty. Without --console-socket, runsk exec in
 * the foreground gives its own terminal (stdin) instead, as `run` does.
 *
 * The proxy tells the Sentry its host pid (PROXY): `runsk ps` asks the
 * Sentry for the live ones (LIST), so the list has no stale entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "lib/log.h"
#include "sentry/sentry.h"
#include "state.h"

#define CONTROL_SOCK "control.sock"
#define EXEC_FAILED 255 /* runc's status when the process cannot start */
#define MAX_ENV 4096

/*
 * The socket's address reaches it through the state directory's fd, so
 * that a deep --root does not overflow sun_path (108 bytes).
 */
static int control_addr(const char *root, const char *id, struct sockaddr_un *a, int *dirfd)
{
	char dir[4200];
	int ret = oci_state_path(root, id, NULL, dir, sizeof(dir));

	if (ret)
		return ret;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -errno;
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s", *dirfd, CONTROL_SOCK);
	return 0;
}

int oci_control_listen(const char *root, const char *id)
{
	struct sockaddr_un a;
	int dirfd, ret = control_addr(root, id, &a, &dirfd);
	int fd = ret ? -1 : socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (!ret && fd < 0)
		ret = -errno;
	if (!ret && unlinkat(dirfd, CONTROL_SOCK, 0) < 0 && errno != ENOENT)
		ret = -errno;
	if (!ret && (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		     fchmodat(dirfd, CONTROL_SOCK, 0600, 0) < 0 || listen(fd, 16) < 0))
		ret = -errno;
	if (!ret)
		ret = fd;
	else if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

static int control_connect(const char *root, const char *id)
{
	struct sockaddr_un a;
	int dirfd, ret = control_addr(root, id, &a, &dirfd);
	int fd = ret ? -1 : socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (!ret && fd < 0)
		ret = -errno;
	if (!ret && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		ret = -errno;
	if (!ret)
		ret = fd;
	else if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

/* The process to run, as runc's specs.Process, resolved. */
struct exec_proc {
	const char **args; /* NULL-terminated */
	const char *env[MAX_ENV + 1];
	unsigned nenv;
	const char *cwd;
	u32 uid, gid;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	unsigned ngids;
	bool no_new_privs;
	bool terminal;
	u16 rows, cols; /* consoleSize */
	bool caps_set, umask_set;
	u64 caps[5]; /* OCI_CAP_* */
	u32 umask;
	const struct sandbox_rlimit *rlimits;
	unsigned nrlimits;
};

struct exec_opts {
	const char *process, *pid_file, *cwd, *user, *console_socket;
	bool detach, tty, no_new_privs;
	u64 add_caps; /* --cap */
	const char *env[MAX_ENV];
	unsigned nenv;
	u32 gids[SENTRY_CONTROL_MAX_GROUPS];
	unsigned ngids;
};

static int exec_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] exec [flags] CONTAINER-ID COMMAND [ARGS...]\n"
		     "       runsk [--root DIR] exec [flags] --process process.json CONTAINER-ID\n"
		     "  --process F, -p F     the process (runtime-spec \"process\" JSON) to run\n"
		     "  --cwd D               its working directory (default: the bundle's)\n"
		     "  --env K=V, -e K=V     add to its environment (repeatable)\n"
		     "  --user U[:G], -u      its uid and gid (default: the bundle's user)\n"
		     "  --additional-gids G, -g G  a supplementary group (repeatable)\n"
		     "  --no-new-privs        set no_new_privs for it\n"
		     "  --cap CAP, -c CAP     add CAP (as CAP_NET_ADMIN) to its capabilities\n"
		     "  --tty, -t             give it a terminal: --console-socket's, or ours\n"
		     "  --console-socket S    send the terminal's pty master to the socket S\n"
		     "  --detach, -d          return once it started; --pid-file has its proxy\n"
		     "  --pid-file F          write the pid of its host proxy to F\n"
		     "Signals sent to the proxy reach the process; its status is runsk's.\n");
	return out == stdout ? 0 : 1;
}

static bool parse_u32(const char *s, u32 *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || *s == '-' || v > 0xffffffffUL)
		return false;
	*out = (u32)v;
	return true;
}

/* Parse the flags; returns the index of the ID, or -1 after a message (or help). */
static int parse_flags(int argc, char **argv, struct exec_opts *o, int *status)
{
	const char *v;
	int i = 1;

	*status = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*status = exec_usage(stdout);
			return -1;
		} else if ((v = cli_flag_value(argc, argv, &i, "--process")) ||
			   (v = cli_flag_value(argc, argv, &i, "-p"))) {
			o->process = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--pid-file"))) {
			o->pid_file = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--cwd"))) {
			o->cwd = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--user")) ||
			   (v = cli_flag_value(argc, argv, &i, "-u"))) {
			o->user = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--env")) ||
			   (v = cli_flag_value(argc, argv, &i, "-e"))) {
			if (o->nenv == MAX_ENV) {
				cli_err("runsk exec: too many --env (at most %d)", MAX_ENV);
				return -1;
			}
			o->env[o->nenv++] = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--additional-gids")) ||
			   (v = cli_flag_value(argc, argv, &i, "-g"))) {
			if (o->ngids == SENTRY_CONTROL_MAX_GROUPS ||
			    !parse_u32(v, &o->gids[o->ngids])) {
				cli_err("runsk exec: --additional-gids %s: give a gid (a number)",
					v);
				return -1;
			}
			o->ngids++;
		} else if ((v = cli_flag_value(argc, argv, &i, "--console-socket"))) {
			o->console_socket = v;
		} else if (!strcmp(a, "--detach") || !strcmp(a, "-d")) {
			o->detach = true;
		} else if (!strcmp(a, "--tty") || !strcmp(a, "-t")) {
			o->tty = true;
		} else if (!strcmp(a, "--no-new-privs")) {
			o->no_new_privs = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--cap")) ||
			   (v = cli_flag_value(argc, argv, &i, "-c"))) {
			int cap = oci_cap_parse(v);
			if (cap < 0) {
				cli_err("runsk exec: --cap %s: give a capability name as "
					"CAP_NET_ADMIN",
					v);
				return -1;
			}
			o->add_caps |= 1ULL << cap;
		} else if ((v = cli_flag_value(argc, argv, &i, "--process-label")) ||
			   (v = cli_flag_value(argc, argv, &i, "--apparmor"))) {
			/* runc's; no host LSM applies inside the sandbox. */
		} else {
			cli_err("runsk exec: %s is not supported — see `runsk exec --help`", a);
			return -1;
		}
	}
	if (i >= argc || !oci_id_is_valid(argv[i])) {
		cli_err("runsk exec: give a container ID — see `runsk exec --help`");
		return -1;
	}
	if (!o->process && i + 1 >= argc) {
		cli_err("runsk exec: exec args cannot be empty: give a command after the ID");
		return -1;
	}
	if (o->process && i + 1 < argc) {
		cli_err("runsk exec: give --process or a command, not both");
		return -1;
	}
	return i;
}

/* The bundle's process with the flags applied, as runc's getProcess. */
static int proc_from_spec(const struct oci_spec *s, const struct exec_opts *o, char **args,
			  struct exec_proc *p)
{
	p->args = (const char **)args;
	for (char **e = s->env; e && *e; e++)
		if (p->nenv < MAX_ENV)
			p->env[p->nenv++] = *e;
	for (unsigned i = 0; i < o->nenv && p->nenv < MAX_ENV; i++)
		p->env[p->nenv++] = o->env[i];
	p->cwd = o->cwd ? o->cwd : s->cwd;
	p->uid = s->uid;
	p->gid = s->gid;
	for (unsigned i = 0; i < s->ngids && p->ngids < SENTRY_CONTROL_MAX_GROUPS; i++)
		p->gids[p->ngids++] = s->gids[i];
	p->no_new_privs = s->no_new_privs || o->no_new_privs;
	p->terminal = o->tty;
	p->rows = s->console_height;
	p->cols = s->console_width;
	/* The bundle's sets, and --cap's as runc adds them (not to inheritable). */
	p->caps_set = true;
	memcpy(p->caps, s->caps, sizeof(p->caps));
	for (int set = 0; set < 5; set++)
		if (set != OCI_CAP_INHERITABLE)
			p->caps[set] |= o->add_caps;
	p->umask_set = s->umask_set;
	p->umask = s->umask;
	/* The bundle's rlimits are the sandbox's already: none to send. */
	if (o->user) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", o->user);
		char *colon = strchr(buf, ':');
		if (colon)
			*colon = 0;
		if (!parse_u32(buf, &p->uid) || (colon && !parse_u32(colon + 1, &p->gid))) {
			cli_err("runsk exec: --user %s: give UID or UID:GID (numbers)", o->user);
			return -1;
		}
	}
	for (unsigned i = 0; i < o->ngids && p->ngids < SENTRY_CONTROL_MAX_GROUPS; i++)
		p->gids[p->ngids++] = o->gids[i];
	return 0;
}

/* --process F: runc's process.json, whole; its strings live in *ps. */
static int proc_from_json(const char *path, struct oci_spec *ps, struct exec_proc *p)
{
	char err[1024];

	if (oci_process_load(path, ps, err, sizeof(err))) {
		cli_err("runsk exec: --process %s", err);
		return -1;
	}
	if (ps->ngids > SENTRY_CONTROL_MAX_GROUPS || ps->nrlimits > SENTRY_CONTROL_MAX_RLIMITS) {
		cli_err("runsk exec: --process %s: too many additionalGids or rlimits", path);
		return -1;
	}
	p->args = (const char **)ps->args;
	for (char **e = ps->env; *e && p->nenv < MAX_ENV; e++)
		p->env[p->nenv++] = *e;
	p->cwd = ps->cwd;
	p->uid = ps->uid;
	p->gid = ps->gid;
	memcpy(p->gids, ps->gids, ps->ngids * sizeof(u32));
	p->ngids = ps->ngids;
	p->no_new_privs = ps->no_new_privs;
	p->terminal = ps->terminal;
	p->rows = ps->console_height;
	p->cols = ps->console_width;
	p->caps_set = ps->caps_set;
	memcpy(p->caps, ps->caps, sizeof(p->caps));
	p->umask_set = ps->umask_set;
	p->umask = ps->umask;
	p->rlimits = ps->rlimits;
	p->nrlimits = ps->nrlimits;
	return 0;
}

/* Append s with its NUL to buf at *off (within SENTRY_CONTROL_MSG_MAX). */
static bool put_str(u8 *buf, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;
	if (n > SENTRY_CONTROL_MSG_MAX - *off)
		return false;
	memcpy(buf + *off, s, n);
	*off += n;
	return true;
}

/*
 * Send p's EXEC packet with our stdio, or the host terminal tty (>= 0)
 * instead. 0 or -errno (-E2BIG: too big).
 */
static int send_exec(int sock, const struct exec_proc *p, int tty)
{
	struct sentry_control_exec h = {.type = SENTRY_CONTROL_EXEC,
					.uid = p->uid,
					.gid = p->gid,
					.ngroups = p->ngids,
					.envc = p->nenv,
					.no_new_privs = p->no_new_privs,
					.umask = p->umask,
					.nrlimits = p->nrlimits};
	size_t gsz = p->ngids * sizeof(u32), rsz = p->nrlimits * sizeof(*p->rlimits);
	size_t off = sizeof(h) + gsz + rsz;
	u8 *buf = malloc(SENTRY_CONTROL_MSG_MAX);
	bool fits = buf != NULL;
	int fds[3], nfds = 0;

	if (!buf)
		return -ENOMEM;
	h.flags = (tty >= 0 ? SENTRY_EXEC_TERMINAL : 0) | (p->caps_set ? SENTRY_EXEC_CAPS : 0) |
		  (p->umask_set ? SENTRY_EXEC_UMASK : 0);
	memcpy(h.caps, p->caps, sizeof(h.caps));
	memcpy(buf + sizeof(h), p->gids, gsz);
	if (rsz)
		memcpy(buf + sizeof(h) + gsz, p->rlimits, rsz);
	fits = put_str(buf, &off, p->cwd);
	for (; fits && p->args[h.argc]; h.argc++)
		fits = put_str(buf, &off, p->args[h.argc]);
	for (unsigned i = 0; fits && i < p->nenv; i++)
		fits = put_str(buf, &off, p->env[i]);
	h.strings = off - sizeof(h) - gsz - rsz;
	/* The process gets our stdio, those that are open, or the terminal. */
	for (int fd = 0; fd < 3 && tty < 0; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		fds[nfds++] = fd;
		h.stdio |= 1u << fd;
	}
	if (tty >= 0)
		fds[nfds++] = tty;
	memcpy(buf, &h, sizeof(h));
	char cbuf[CMSG_SPACE(sizeof(fds))] = {0};
	struct iovec iov = {.iov_base = buf, .iov_len = off};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	int ret = !fits ? -E2BIG : sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
	free(buf);
	return ret == -EMSGSIZE ? -E2BIG : ret;
}

/* Every signal the proxy passes on: all but SIGKILL, SIGSTOP and SIGCHLD. */
static void proxied_signals(sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaddset(set, sig);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

/* The proxy: pass signals on until the process exits. Its wait status. */
static int proxy(int sock, int sfd)
{
	struct pollfd pfd[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return SIGKILL;
		}
		struct signalfd_siginfo si;
		if (pfd[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			struct sentry_control_msg m = {SENTRY_CONTROL_SIGNAL, (s32)si.ssi_signo};
			if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
				pr_debug("exec proxy: cannot pass on signal %d", m.value);
		}
		if (!pfd[0].revents)
			continue;
		struct sentry_control_msg m;
		ssize_t n = recv(sock, &m, sizeof(m), 0);
		if (n == sizeof(m) && m.type == SENTRY_CONTROL_EXITED)
			return m.value;
		if (n <= 0)
			return SIGKILL; /* the sandbox is gone, and the process with it */
	}
}

/* Die as the process did: its signal (no core dump here), else its code. */
static void __attribute__((noreturn)) exit_like(int status)
{
	int sig = status & 0x7f;
	if (sig) {
		struct rlimit none = {0, 0};
		sigset_t set;
		setrlimit(RLIMIT_CORE, &none);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	_exit((status >> 8) & 0xff);
}

/* STARTED's pid, or a one-line error and -1. */
static int await_start(int sock, const struct exec_proc *p)
{
	struct sentry_control_msg m;
	ssize_t n = recv(sock, &m, sizeof(m), 0);

	if (n == sizeof(m) && m.type == SENTRY_CONTROL_STARTED)
		return m.value;
	const char *what =
		n != sizeof(m) ? "the sandbox closed the connection" : strerror(-m.value);
	if (n == sizeof(m) && m.type == SENTRY_CONTROL_ERROR_CWD)
		cli_err("runsk exec: exec failed: unable to start container process: chdir to "
			"cwd (\"%s\") set in config.json failed: %s",
			p->cwd, what);
	else if (n == sizeof(m) && m.value == -ENOENT && !strchr(p->args[0], '/'))
		cli_err("runsk exec: exec failed: unable to start container process: exec: "
			"\"%s\": executable file not found in $PATH",
			p->args[0]);
	else
		cli_err("runsk exec: exec failed: unable to start container process: exec: "
			"\"%s\": %s",
			p->args[0], what);
	return -1;
}

static void send_msg(int sock, u32 type, s32 value)
{
	struct sentry_control_msg m = {type, value};
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		pr_debug("exec: cannot send message %u: %s", type, strerror(errno));
}

/*
 * The terminal of p: the slave of a new host pty whose master went over
 * --console-socket, or our stdin. The fd (*own: ours to close), -2 for
 * none, or -1 after a one-line error. runc's checks, but that the
 * foreground may use a console socket too.
 */
static int exec_tty(const struct exec_proc *p, const struct exec_opts *o, bool *own)
{
	*own = false;
	if (!p->terminal && o->console_socket) {
		cli_err("runsk exec: exec failed: cannot use console socket if runc will not "
			"allocate tty (give --tty, or \"terminal\": true in --process)");
		return -1;
	}
	if (!p->terminal)
		return -2;
	if (o->console_socket) {
		*own = true;
		return oci_console_open("exec", o->console_socket, p->rows, p->cols);
	}
	if (o->detach) {
		cli_err("runsk exec: exec failed: cannot allocate tty if runc will detach without "
			"setting console socket");
		return -1;
	}
	if (!isatty(0)) {
		cli_err("runsk exec: exec failed: a terminal was asked for but stdin is not one: "
			"run it from one or give --console-socket");
		return -1;
	}
	return 0;
}

/*
 * Become a session leader whose controlling terminal is tty, so that a
 * resize of its master reaches us as SIGWINCH (passed on to the Sentry).
 * Then one SIGWINCH of our own: a resize before now is not lost.
 */
static void own_tty(int sock, int tty)
{
	if (setsid() < 0 || ioctl(tty, TIOCSCTTY, 0) < 0)
		pr_debug("exec: the terminal's resizes will not reach the process: %s",
			 strerror(errno));
	send_msg(sock, SENTRY_CONTROL_SIGNAL, SIGWINCH);
}

/* Run p in the container whose control socket is sock; runsk's exit status. */
static int exec_run(int sock, const struct exec_proc *p, const struct exec_opts *o)
{
	bool own;
	int tty = exec_tty(p, o, &own);
	sigset_t set;

	if (tty == -1)
		return EXEC_FAILED;
	proxied_signals(&set);
	/* Blocked from now on: none is lost or acts on us before the proxy reads it. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int ret = sfd < 0 ? -errno : send_exec(sock, p, tty);

	if (ret) {
		cli_err("runsk exec: exec failed: %s",
			ret == -E2BIG ? "its args and env are too long (128 KiB at most)"
				      : strerror(-ret));
		goto out_failed;
	}
	if (await_start(sock, p) < 0)
		goto out_failed;
	pid_t proxy_pid = o->detach ? fork() : getpid();
	if (proxy_pid < 0) {
		cli_err("runsk exec: cannot fork the proxy: %s", strerror(errno));
		goto out_failed; /* closing sock kills the process */
	}
	if (proxy_pid == 0 || !o->detach) {
		/* The proxy: `runsk ps` lists it. */
		send_msg(sock, SENTRY_CONTROL_PROXY, getpid());
		if (own)
			own_tty(sock, tty);
	}
	if (own)
		close(tty);
	if (proxy_pid == 0) {
		/* The proxy holds none of the caller's pipes: the process has them. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			dup2(null, fd);
		exit_like(proxy(sock, sfd));
	}
	if (o->pid_file && (ret = oci_write_pid_file(o->pid_file, proxy_pid))) {
		cli_err("runsk exec: --pid-file %s: %s", o->pid_file, strerror(-ret));
		if (o->detach)
			kill(proxy_pid, SIGKILL);
		return EXEC_FAILED;
	}
	if (o->detach)
		return 0;
	int status = proxy(sock, sfd);
	/* As runc exec: 128 + signal for a process a signal killed. */
	return status & 0x7f ? 128 + (status & 0x7f) : (status >> 8) & 0xff;

out_failed:
	if (own)
		close(tty);
	return EXEC_FAILED;
}

/* Check the container and make the process of its bundle or --process. */
static int exec_prepare(const char *root, const char *id, struct oci_state *st,
			struct oci_spec *spec, bool *have_spec)
{
	char err[1024];
	int ret = oci_state_load(root, id, st);

	if (ret) {
		cli_err("runsk exec: container %s %s (in %s)", id,
			ret == -ENOENT ? "does not exist" : strerror(-ret), root);
		return -1;
	}
	enum oci_status s = oci_state_status(root, st);
	if (s == OCI_STOPPED) {
		cli_err("runsk exec: cannot exec in a stopped container (%s)", id);
		return -1;
	}
	/* runc's words; the control socket's thread is stopped with the rest. */
	if (s == OCI_PAUSED) {
		cli_err("runsk exec: cannot exec in a paused container (%s)", id);
		return -1;
	}
	if (s == OCI_CREATED) {
		cli_err("runsk exec: container %s is created, not running: `runsk start` it first",
			id);
		return -1;
	}
	if (oci_spec_load(st->bundle, spec, err, sizeof(err))) {
		cli_err("runsk exec: container %s: its bundle: %s", id, err);
		return -1;
	}
	*have_spec = true;
	return 0;
}

int cmd_exec(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g);
	struct exec_opts *o = calloc(1, sizeof(*o));
	struct exec_proc *p = calloc(1, sizeof(*p));
	struct oci_state st;
	struct oci_spec spec;
	bool have_spec = false;
	struct oci_spec pspec = {0};
	int status = 1, i, sock = -1;

	if (!o || !p || (i = parse_flags(argc, argv, o, &status)) < 0)
		goto out;
	status = EXEC_FAILED;
	if (log_init(g->debug_log, g->debug)) {
		cli_err("runsk: --debug-log=%s: cannot open it for writing", g->debug_log);
		goto out;
	}
	if (exec_prepare(root, argv[i], &st, &spec, &have_spec))
		goto out;
	if (o->process ? proc_from_json(o->process, &pspec, p)
		       : proc_from_spec(&spec, o, argv + i + 1, p))
		goto out;
	sock = control_connect(root, argv[i]);
	if (sock < 0) {
		cli_err("runsk exec: container %s: cannot reach its sandbox: %s", argv[i],
			strerror(-sock));
		goto out;
	}
	status = exec_run(sock, p, o);
out:
	if (sock >= 0)
		close(sock);
	if (have_spec)
		oci_spec_free(&spec);
	oci_spec_free(&pspec);
	free(o);
	free(p);
	return status;
}

int oci_exec_proxies(const char *root, const char *id, int *pids, int max)
{
	int sock = control_connect(root, id);
	s32 buf[2 + SENTRY_CONTROL_MAX_PROXIES];

	if (sock < 0)
		return sock;
	send_msg(sock, SENTRY_CONTROL_LIST, 0);
	/* The reply is one packet: a message whose value is the count, then the pids. */
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	ssize_t n = poll(&pfd, 1, 5000) == 1 ? recv(sock, buf, sizeof(buf), 0) : -1;
	int ret = -EIO;
	struct sentry_control_msg m = {0};
	if (n >= (ssize_t)sizeof(m)) {
		memcpy(&m, buf, sizeof(m));
		if (m.type == SENTRY_CONTROL_LIST && m.value >= 0 &&
		    n == (ssize_t)(sizeof(m) + m.value * sizeof(s32)))
			ret = 0;
	}
	for (int j = 0; !ret && j < m.value && j < max; j++)
		pids[j] = buf[2 + j];
	if (!ret)
		ret = MIN(m.value, max);
	close(sock);
	return ret;
}
