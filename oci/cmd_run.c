// SPDX-License-Identifier: Apache-2.0
/*
 * runsk run [--bundle DIR] [--pid-file F] ID: run the OCI bundle's process
 * in a new sandbox in the foreground, stdio wired through as for `runsk
 * do`, and exit with its status, as `runc run` without --detach does.
 *
 * The root is the bundle's rootfs, served by a gofer, under an in-memory
 * overlay (or read-only with root.readonly); each bind mount is one more
 * attach point of the same gofer, mounted without an overlay so that
 * writes reach the host directory, as a bind mount's do.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "gofer_spawn.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "state.h"

#define DEFAULT_MEMORY (2ULL << 30)
#define MIN_MEMORY (64ULL << 20)
#define MAX_MEMORY (256ULL << 30)

static void run_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] run [flags] CONTAINER-ID\n"
		     "  --bundle DIR, -b DIR  the OCI bundle (config.json, rootfs); default .\n"
		     "  --pid-file FILE       write the sandbox's host pid to FILE\n"
		     "  --console-socket PATH with process.terminal: send the pty's master to\n"
		     "                        the unix socket PATH (else stdin is the terminal)\n"
		     "  --debug, --debug-log=PATH, --strace  as for every command\n");
}

bool oci_id_is_valid(const char *id)
{
	if (!*id || strlen(id) > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
			return false;
	return true;
}

int oci_write_pid_file(const char *path, pid_t pid)
{
	char tmp[4200];
	FILE *f;

	/* Written whole, then renamed: a reader never sees half a pid. */
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d", (int)pid);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

/*
 * mkdir -p rel under the directory rootfd, never through a symlink, and
 * with file an empty file as its last component instead (the mount point
 * of a file's bind mount, as runc makes it): for a read-only root the
 * Sentry cannot make mount points, so they are made in the image. What is
 * already there stays; a directory where a file is wanted is left for the
 * Sentry's mount to name.
 */
static int make_beneath(int rootfd, const char *rel, bool file)
{
	char buf[4096];
	_cleanup_close_ int dir = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	char *save = NULL;
	for (char *name = strtok_r(buf, "/", &save); name;) {
		char *next_name = strtok_r(NULL, "/", &save);
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			return -EINVAL;
		if (file && !next_name) {
			int fd = openat(dir, name, O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
					0644);
			if (fd < 0)
				return errno == EISDIR || errno == ELOOP
					       ? 0
					       : -errno; /* the Sentry's to judge */
			close(fd);
			return 0;
		}
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			return -errno;
		int next = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return -errno;
		close(dir);
		dir = next;
		name = next_name;
	}
	return 0;
}

/* Whether mount m binds a host file that is not a directory (followed as runc does). */
static bool binds_file(const struct oci_mount *m)
{
	struct stat st;
	return !strcmp(m->type, "bind") && m->source && stat(m->source, &st) == 0 &&
	       !S_ISDIR(st.st_mode);
}

static int make_mount_points(const struct oci_spec *s)
{
	static const char *const own[] = {"dev", "proc", "sys"};
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret = rootfd < 0 ? -errno : 0;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(own); i++)
		ret = make_beneath(rootfd, own[i], false);
	for (unsigned i = 0; !ret && i < s->nmounts; i++) {
		/* Under /dev, /proc and /sys the Sentry's own file systems hold them. */
		const char *d = s->mounts[i].dest;
		if (s->mounts[i].own || !strncmp(d, "/dev/", 5) || !strncmp(d, "/proc/", 6) ||
		    !strncmp(d, "/sys/", 5))
			continue;
		ret = make_beneath(rootfd, s->mounts[i].dest, binds_file(&s->mounts[i]));
		if (ret)
			fprintf(stderr,
				"runsk: cannot make the mount point %s in the read-only "
				"root %s: %s\n",
				s->mounts[i].dest, s->root, strerror(-ret));
	}
	return ret;
}

/* Everything sentry_run needs that the spec says; arrays live in *sm. */
struct run_state {
	struct sandbox_config cfg;
	struct sandbox_spec ss;
	struct sandbox_mount *mounts;
	struct gofer_bind *binds;
	char (*anames)[GOFER_ANAME_MAX];
	unsigned nbinds;
};

static int run_state_build(struct run_state *r, const struct oci_spec *s,
			   const struct global_opts *g, const struct oci_filestore *fs)
{
	r->mounts = calloc(s->nmounts + 1, sizeof(*r->mounts));
	r->binds = calloc(s->nmounts + 1, sizeof(*r->binds));
	r->anames = calloc(s->nmounts + 1, sizeof(*r->anames));
	if (!r->mounts || !r->binds || !r->anames)
		return -ENOMEM;
	unsigned n = 0;
	for (unsigned i = 0; i < s->nmounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		if (m->own)
			continue;
		struct sandbox_mount *sm = &r->mounts[n++];
		*sm = (struct sandbox_mount){
			.dest = m->dest, .type = m->type, .options = m->options, .ro = m->ro};
		if (!strcmp(m->type, "bind")) {
			if (r->nbinds == GOFER_MAX_BINDS)
				return -E2BIG;
			r->binds[r->nbinds] = (struct gofer_bind){m->source, m->ro};
			sm->aname = gofer_bind_aname(r->nbinds, r->anames[r->nbinds]);
			r->nbinds++;
		}
	}
	r->ss = (struct sandbox_spec){
		.cwd = s->cwd,
		.hostname = s->hostname,
		.uid = s->uid,
		.gid = s->gid,
		.gids = s->gids,
		.ngids = s->ngids,
		.cap_bounding = s->caps[OCI_CAP_BOUNDING],
		.cap_effective = s->caps[OCI_CAP_EFFECTIVE],
		.cap_permitted = s->caps[OCI_CAP_PERMITTED],
		.cap_inheritable = s->caps[OCI_CAP_INHERITABLE],
		.cap_ambient = s->caps[OCI_CAP_AMBIENT],
		.no_new_privs = s->no_new_privs,
		.rlimits = s->rlimits,
		.nrlimits = s->nrlimits,
		.pids_limit = s->pids_limit,
		.oom_score_adj_set = s->oom_score_adj_set,
		.oom_score_adj = s->oom_score_adj,
		.mounts = r->mounts,
		.nmounts = n,
		.seccomp_prog = s->seccomp.prog,
		.seccomp_len = s->seccomp.len,
		.seccomp_flags = s->seccomp.flags,
	};
	r->cfg = (struct sandbox_config){
		.argv = (const char *const *)s->args,
		.envp = (const char *const *)s->env,
		.ncpus = s->cpus ? s->cpus : 1,
		.memory = oci_sandbox_memory(s),
		.strace = g->strace,
		.gofer_fd = -1,
		.overlay = !s->root_readonly && g->overlay2 != OCI_OVERLAY_NONE,
		.filestore_fd = fs ? fs->fd : -1,
		.filestore_size = fs ? fs->size : 0,
		.spec = &r->ss,
		.console = s->terminal,
	};
	return 0;
}

unsigned long long oci_sandbox_memory(const struct oci_spec *s)
{
	u64 mem = s->memory ? s->memory : DEFAULT_MEMORY;

	return mem < MIN_MEMORY ? MIN_MEMORY : mem > MAX_MEMORY ? MAX_MEMORY : mem;
}

static void run_state_free(struct run_state *r)
{
	free(r->mounts);
	free(r->binds);
	free(r->anames);
}

int oci_sandbox_run(const struct global_opts *g, const struct oci_spec *s, struct oci_filestore *fs)
{
	struct run_state r = {0};
	pid_t gofer;
	int ret = run_state_build(&r, s, g, fs);

	if (ret) {
		fprintf(stderr, "runsk: %s\n",
			ret == -E2BIG ? "too many bind mounts (at most 64)" : strerror(-ret));
		run_state_free(&r);
		return 125;
	}
	if (s->root_readonly && make_mount_points(s)) {
		run_state_free(&r);
		return 125;
	}
	ret = gofer_spawn_binds(s->root, s->root_readonly, r.binds, r.nbinds, &r.cfg.gofer_fd,
				&gofer);
	if (ret) {
		fprintf(stderr, "runsk: cannot start the gofer: %s\n", strerror(-ret));
		run_state_free(&r);
		return 125;
	}
	if (fs)
		fs->fd = -1;	  /* the Sentry's now */
	ret = sentry_run(&r.cfg); /* it blocks the stop signals in every thread it starts */
	gofer_reap(gofer);
	run_state_free(&r);
	/* sentry_run printed the reason; 125 is what runc uses. */
	return ret < 0 ? 125 : ret;
}

/*
 * runsk run's hooks (hooks.h): prestart, createRuntime, createContainer
 * and startContainer before the sandbox boots; poststart as it boots,
 * from a thread, so it may run before the process has started (as
 * Kubernetes' PostStart may), and a failure is only a warning there (the
 * spec's rule: runsk run has no caller to fail); poststop once it ended.
 */
static int run_hooks_before(const struct oci_hooks *h, const struct oci_state *st)
{
	static const enum oci_hook_kind kinds[] = {OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME,
						   OCI_HOOK_CREATE_CONTAINER,
						   OCI_HOOK_START_CONTAINER};

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const char *status = kinds[k] == OCI_HOOK_START_CONTAINER ? "created" : "creating";
		if (oci_run_hooks("run", h, kinds[k], st, status))
			return -ECANCELED;
	}
	return 0;
}

struct poststart {
	const struct oci_hooks *hooks; /* the spec's: cmd_run joins the thread first */
	struct oci_state st;
};

static void *poststart_thread(void *arg)
{
	struct poststart *p = arg;

	oci_run_hooks_warn("run", p->hooks, OCI_HOOK_POSTSTART, &p->st, "running");
	free(p);
	return NULL;
}

/* Start the poststart thread: true if *t is one to join. */
static bool poststart_in_background(const struct oci_hooks *h, const struct oci_state *st,
				    pthread_t *t)
{
	struct poststart *p = h->n[OCI_HOOK_POSTSTART] ? calloc(1, sizeof(*p)) : NULL;
	bool started = false;
	sigset_t all, old;

	if (!p)
		return false;
	p->hooks = h;
	p->st = *st;
	/* Every signal blocked in it: those runsk gets are the Sentry's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(t, NULL, poststart_thread, p)) {
		fprintf(stderr, "runsk run: container %s: warning: cannot run poststart hooks\n",
			st->id);
		free(p);
	} else {
		started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

int cmd_run(const struct global_opts *gopt, int argc, char **argv)
{
	struct global_opts g = *gopt;
	const char *bundle = ".", *pid_file = NULL, *console_socket = NULL, *v;
	struct oci_spec spec;
	char err[1024];
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if ((v = cli_flag_value(argc, argv, &i, "--bundle")) ||
			   (v = cli_flag_value(argc, argv, &i, "-b"))) {
			bundle = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--pid-file"))) {
			pid_file = v;
		} else if ((v = cli_flag_value(argc, argv, &i, "--console-socket"))) {
			console_socket = v;
		} else if (!strcmp(argv[i], "--strace")) {
			g.strace = true;
		} else if (!strcmp(argv[i], "--debug")) {
			g.debug = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--debug-log"))) {
			g.debug_log = v;
		} else if (!strcmp(argv[i], "--no-pivot") || !strcmp(argv[i], "--no-new-keyring")) {
			/* runc's; the sandbox has no host root or keyring to keep. */
		} else if (!strcmp(argv[i], "--detach") || !strcmp(argv[i], "-d")) {
			fprintf(stderr, "runsk run: --detach is not supported yet; use `runsk "
					"create` and `runsk start`\n");
			return 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			run_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "runsk run: unknown flag %s — see `runsk run --help`\n",
				argv[i]);
			return 1;
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "runsk run: give one container ID — see `runsk run --help`\n");
		return 1;
	}
	if (!oci_id_is_valid(argv[i])) {
		fprintf(stderr, "runsk run: container ID %s: use letters, digits, _ + - . only\n",
			argv[i]);
		return 1;
	}
	if (log_init(g.debug_log, g.debug)) {
		fprintf(stderr, "runsk: --debug-log=%s: cannot open it for writing\n", g.debug_log);
		return 1;
	}
	if (oci_spec_load(bundle, &spec, err, sizeof(err))) {
		fprintf(stderr, "runsk run: %s\n", err);
		return 1;
	}
	if (oci_console_check("run", &spec, console_socket) ||
	    (console_socket && oci_console_send("run", console_socket, &spec))) {
		oci_spec_free(&spec);
		return 1;
	}
	/* Recorded while it runs, as runc does: `state`, `kill` and `list` see it. */
	const char *root = oci_state_root(&g), *id = argv[i];
	int ret = oci_state_create(root, id);
	if (ret) {
		fprintf(stderr, "runsk run: container %s %s (in %s)\n", id,
			ret == -EEXIST ? "already exists" : strerror(-ret), root);
		oci_spec_free(&spec);
		return 1;
	}
	/* Made before the state, named after it (filestore.h): delete finds it. */
	struct oci_filestore fs = OCI_FILESTORE_NONE;
	bool store = g.overlay2 == OCI_OVERLAY_SELF && !spec.root_readonly;
	ret = store ? oci_filestore_create("run", spec.root, id, oci_sandbox_memory(&spec), &fs)
		    : 0;
	if (!ret) {
		ret = oci_state_record(root, id, getpid(), bundle, spec.root, store);
		if (!ret)
			ret = oci_state_save_spec(root, id, &spec);
		if (ret)
			fprintf(stderr,
				"runsk run: container %s: cannot record its state in %s: %s\n", id,
				root, strerror(-ret));
	}
	if (!ret)
		ret = oci_filestore_name("run", spec.root, id, &fs);
	if (!ret && pid_file && (ret = oci_write_pid_file(pid_file, getpid())))
		fprintf(stderr, "runsk run: --pid-file %s: %s\n", pid_file, strerror(-ret));
	_cleanup_state_ struct oci_state st = {0};
	bool poststop = false, poststart = false;
	pthread_t poststarter;
	if (!ret && (ret = oci_state_load(root, id, &st)))
		fprintf(stderr, "runsk run: container %s: cannot read its state: %s\n", id,
			strerror(-ret));
	if (!ret)
		ret = run_hooks_before(&spec.hooks, &st);
	poststop = !ret || ret == -ECANCELED;
	if (!ret && (ret = oci_console_attach()))
		fprintf(stderr, "runsk run: cannot make the pty the container's terminal: %s\n",
			strerror(-ret));
	oci_console_drop();
	sentry_set_control_socket(ret ? -1 : oci_control_listen(root, id)); /* for runsk exec */
	if (!ret)
		poststart = poststart_in_background(&spec.hooks, &st, &poststarter);
	int status = ret ? 1 : oci_sandbox_run(&g, &spec, &fs);
	if (poststart)
		pthread_join(poststarter, NULL); /* it uses spec.hooks */
	if ((ret = oci_filestore_remove(spec.root, id, &fs)))
		fprintf(stderr, "runsk run: container %s: cannot remove its file store: %s\n", id,
			strerror(-ret));
	if ((ret = oci_state_remove(root, id)))
		fprintf(stderr, "runsk run: container %s: cannot remove its state from %s: %s\n",
			id, root, strerror(-ret));
	if (poststop)
		oci_run_hooks_warn("run", &spec.hooks, OCI_HOOK_POSTSTOP, &st, "stopped");
	oci_spec_free(&spec);
	return status;
}
