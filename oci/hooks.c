// SPDX-License-Identifier: Apache-2.0
/*
 * OCI hooks (hooks.h): parsing config.json's "hooks", and running one hook
 * as runc does, with the state on stdin and a time limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"

static const char *const hook_names[OCI_HOOK_KINDS] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

/* The bytes of a hook's output kept for the error message. */
#define HOOK_OUTPUT_MAX 1024

const char *oci_hook_name(enum oci_hook_kind kind)
{
	return kind < OCI_HOOK_KINDS ? hook_names[kind] : "?";
}

static int __printf(3, 4) hook_bad(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "config.json: hooks%s", msg);
	return -1;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* An array of strings as a NULL-terminated vector; absent: NULL. */
static int hook_strv(json_t *e, const char *key, char ***out, const char *where, char *err,
		     size_t errlen)
{
	json_t *v = json_object_get(e, key), *s;
	size_t i;

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return hook_bad(err, errlen, "%s.%s: must be an array of strings", where, key);
	*out = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!*out)
		return hook_bad(err, errlen, "%s.%s: out of memory", where, key);
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s))
			return hook_bad(err, errlen, "%s.%s[%zu]: must be a string", where, key, i);
		if (!strcmp(key, "env") && !strchr(json_string_value(s), '='))
			return hook_bad(err, errlen, "%s.env[%zu]: %s: give NAME=VALUE", where, i,
					json_string_value(s));
		if (!((*out)[i] = strdup(json_string_value(s))))
			return hook_bad(err, errlen, "%s.%s: out of memory", where, key);
	}
	return 0;
}

static int hook_parse_one(json_t *e, struct oci_hook *hk, const char *where, char *err,
			  size_t errlen)
{
	json_t *path = json_object_get(e, "path"), *timeout = json_object_get(e, "timeout");

	if (!json_is_object(e))
		return hook_bad(err, errlen, "%s: must be an object {path, args, env, timeout}",
				where);
	if (!json_is_string(path) || strlen(json_string_value(path)) != json_string_length(path))
		return hook_bad(err, errlen, "%s.path: must be a string (the hook's program)",
				where);
	/* A hook is the host's program: a relative path would depend on runsk's cwd. */
	if (json_string_value(path)[0] != '/')
		return hook_bad(err, errlen, "%s.path: %s: must be an absolute path", where,
				json_string_value(path));
	if (!(hk->path = strdup(json_string_value(path))))
		return hook_bad(err, errlen, "%s: out of memory", where);
	if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) <= 0 ||
			json_integer_value(timeout) > 86400 * 365))
		return hook_bad(err, errlen, "%s.timeout: must be a number of seconds above 0",
				where);
	hk->timeout = timeout ? (int)json_integer_value(timeout) : 0;
	if (hook_strv(e, "args", &hk->args, where, err, errlen) ||
	    hook_strv(e, "env", &hk->env, where, err, errlen))
		return -1;
	return 0;
}

static int hooks_parse_kind(json_t *hooks, enum oci_hook_kind kind, struct oci_hooks *h, char *err,
			    size_t errlen)
{
	json_t *v = json_object_get(hooks, hook_names[kind]), *e;
	char where[64];
	size_t i;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return hook_bad(err, errlen, ".%s: must be an array of {path, args, env, timeout}",
				hook_names[kind]);
	h->list[kind] = calloc(json_array_size(v) + 1, sizeof(struct oci_hook));
	if (!h->list[kind])
		return hook_bad(err, errlen, ".%s: out of memory", hook_names[kind]);
	json_array_foreach(v, i, e)
	{
		snprintf(where, sizeof(where), ".%s[%zu]", hook_names[kind], i);
		h->n[kind]++; /* freed with the others if it is bad */
		if (hook_parse_one(e, &h->list[kind][i], where, err, errlen))
			return -1;
	}
	return 0;
}

int oci_hooks_parse(json_t *hooks, struct oci_hooks *h, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	if (!hooks || json_is_null(hooks))
		return 0;
	if (!json_is_object(hooks))
		return hook_bad(err, errlen, ": must be an object of hook lists");
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		if (hooks_parse_kind(hooks, k, h, err, errlen)) {
			oci_hooks_free(h);
			return -1;
		}
	}
	h->json = json_dumps(hooks, JSON_COMPACT);
	if (!h->json) {
		oci_hooks_free(h);
		return hook_bad(err, errlen, ": out of memory");
	}
	return 0;
}

int oci_hooks_parse_text(const char *text, struct oci_hooks *h, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	int ret;

	if (!doc) {
		memset(h, 0, sizeof(*h));
		snprintf(err, errlen, "hooks: line %d: %s", jerr.line, jerr.text);
		return -1;
	}
	ret = oci_hooks_parse(doc, h, err, errlen);
	json_decref(doc);
	return ret;
}

void oci_hooks_free(struct oci_hooks *h)
{
	for (int k = 0; k < OCI_HOOK_KINDS; k++) {
		for (unsigned i = 0; i < h->n[k]; i++) {
			free(h->list[k][i].path);
			strv_free(h->list[k][i].args);
			strv_free(h->list[k][i].env);
		}
		free(h->list[k]);
	}
	free(h->json);
	memset(h, 0, sizeof(*h));
}

/* The hook's side: never returns. in and out are its stdin and stdout/stderr. */
static void __attribute__((noreturn)) hook_exec(const struct oci_hook *hk, int in, int out)
{
	static char *const no_env[] = {NULL};
	char *const argv0[] = {hk->path, NULL};
	sigset_t none;

	/* Its own group, so that a timeout ends what it started too. */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	execve(hk->path, hk->args ? hk->args : argv0, hk->env ? hk->env : no_env);
	dprintf(2, "exec %s: %s", hk->path, strerror(errno));
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Keep what fits of the hook's output, one line. True at its end (EOF). */
static bool output_take(int fd, char *buf, size_t *len)
{
	char chunk[512];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n && *len < HOOK_OUTPUT_MAX; i++)
			buf[(*len)++] = chunk[i] == '\n' || chunk[i] == '\r' ? ' ' : chunk[i];
	}
	return n == 0;
}

/*
 * Wait for pid, collecting its output from fd, until it exits or the
 * deadline (ms, 0: none) passes: its wait status, or -ETIMEDOUT once it is
 * killed. A child of the hook that keeps the output open does not hold
 * us: the hook's own exit ends the wait.
 */
static int hook_wait(pid_t pid, int fd, long long deadline, char *buf, size_t *len)
{
	bool eof = false;
	int status;

	for (;;) {
		/* After EOF poll would return at once: sleep instead. */
		struct pollfd p = {.fd = eof ? -1 : fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0)
			eof = output_take(fd, buf, len);
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			output_take(fd, buf, len);
			return status;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (deadline && now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
	}
}

/* Spawn the hook with state on stdin; *out reads its output. The pid, or -errno. */
static pid_t hook_spawn(const struct oci_hook *hk, const char *state, int *out)
{
	int in[2], o[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(o, O_CLOEXEC) < 0) {
		int e = -errno;
		close(in[0]);
		close(in[1]);
		return e;
	}
	pid = fork();
	if (pid == 0)
		hook_exec(hk, in[0], o[1]);
	int e = pid < 0 ? -errno : 0;
	close(in[0]);
	close(o[1]);
	/* The state is small (a pipe holds 64 KiB); a hook may not read it all. */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	/*
	 * What the hook reads of it is its business: EPIPE and EAGAIN are no
	 * errors. SIGPIPE is blocked in this thread only, and a pending one
	 * taken, so that another thread's (the Sentry's, under runsk run)
	 * handling of it is untouched.
	 */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if (pid > 0 && write(in[1], state, strlen(state)) < 0 && errno == EPIPE)
		sigtimedwait(&pipe_set, NULL, &(struct timespec){0, 0});
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(in[1]);
	if (pid < 0) {
		close(o[0]);
		return e;
	}
	fcntl(o[0], F_SETFL, O_NONBLOCK);
	*out = o[0];
	return pid;
}

int oci_hook_run(const struct oci_hooks *h, enum oci_hook_kind kind, unsigned i, const char *state,
		 char *err, size_t errlen)
{
	const struct oci_hook *hk = &h->list[kind][i];
	char buf[HOOK_OUTPUT_MAX + 1];
	size_t len = 0;
	int out = -1;
	pid_t pid = hook_spawn(hk, state, &out);

	if (pid < 0) {
		snprintf(err, errlen, "error running %s hook #%u: %s", hook_names[kind], i,
			 strerror((int)-pid));
		return -1;
	}
	int status =
		hook_wait(pid, out, hk->timeout ? now_ms() + hk->timeout * 1000LL : 0, buf, &len);
	close(out);
	buf[len] = 0;
	if (status == -ETIMEDOUT) {
		snprintf(err, errlen,
			 "error running %s hook #%u: hook ran past specified timeout of %ds",
			 hook_names[kind], i, hk->timeout);
		return -1;
	}
	if (status < 0) {
		snprintf(err, errlen, "error running %s hook #%u: %s", hook_names[kind], i,
			 strerror(-status));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "error running %s hook #%u: exit status %d, output: %s",
			 hook_names[kind], i, WEXITSTATUS(status), buf);
	else
		snprintf(err, errlen, "error running %s hook #%u: signal: %s, output: %s",
			 hook_names[kind], i, strsignal(WTERMSIG(status)), buf);
	return -1;
}

int oci_hooks_run(const struct oci_hooks *h, enum oci_hook_kind kind, const char *state, char *err,
		  size_t errlen)
{
	for (unsigned i = 0; i < h->n[kind]; i++)
		if (oci_hook_run(h, kind, i, state, err, errlen))
			return -1;
	return 0;
}
