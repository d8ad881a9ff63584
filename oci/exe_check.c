// SPDX-License-Identifier: Apache-2.0
/*
 * process.args[0] looked up in the rootfs at create (exe_check.h).
 *
 * The walk is ours, one component at a time, rather than one openat2:
 * it must know the path in the container of every step, both to stop at
 * a mount (whose contents only the sandbox sees) and to follow a symlink
 * as the container would, from the rootfs's root. Each step is still an
 * openat2 with RESOLVE_IN_ROOT, so that a rootfs changed under us cannot
 * send a lookup outside it; nothing is read but link targets and modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exe_check.h"
#include "lib/cleanup.h"
#include "sentry/sentry.h"

/* Linux's limit on symlinks followed in one lookup. */
#define LINKS_MAX 40
/* A candidate that reaches a mount: the sandbox decides (not an errno). */
#define UNKNOWN 1

/*
 * A mount destination as config.json gives it (absolute, but maybe with
 * "//" or a trailing "/"), cleaned into d. False for the rootfs itself.
 */
static bool clean_dest(const char *dest, char *d, size_t len)
{
	size_t n = 0;
	for (const char *p = dest; *p && n < len - 1; p++)
		if (*p != '/' || !n || d[n - 1] != '/')
			d[n++] = *p;
	if (n > 1 && d[n - 1] == '/')
		n--;
	d[n] = 0;
	return strcmp(d, "/") != 0;
}

/* Whether the clean path is dir or under it. */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/*
 * The rootfs a lookup walks, with the spec's mount destinations, each
 * cleaned once (clean_dest) rather than at every step of every lookup;
 * the rootfs's own ("/") is left out.
 */
struct rootfs {
	int fd;
	unsigned nmounts;
	char (*mounts)[PATH_MAX];
};

/* Fill r->mounts from s; the caller frees it. 0 or -ENOMEM. */
static int rootfs_mounts(struct rootfs *r, const struct oci_spec *s)
{
	r->nmounts = 0;
	r->mounts = calloc(s->nmounts ? s->nmounts : 1, sizeof(*r->mounts));
	if (!r->mounts)
		return -ENOMEM;
	for (unsigned i = 0; i < s->nmounts; i++)
		if (clean_dest(s->mounts[i].dest, r->mounts[r->nmounts], PATH_MAX))
			r->nmounts++;
	return 0;
}

/*
 * Whether the clean path is a mount or in one (below false), or a mount
 * sits at the path or below it (below true).
 */
static bool mount_near(const struct rootfs *r, const char *path, bool below)
{
	for (unsigned i = 0; i < r->nmounts; i++)
		if (below ? under(r->mounts[i], path) : under(path, r->mounts[i]))
			return true;
	return false;
}

/* The step from the clean path cur into its child name: an O_PATH fd of it, no link followed. */
static int step_open(int rootfd, const char *cur)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = syscall(SYS_openat2, rootfd, cur[1] ? cur + 1 : ".", &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/*
 * Resolve path (absolute in the container) in the rootfs r and
 * check what it names: 0 (an executable regular file), UNKNOWN, or
 * -errno as execve would give it.
 */
static int check_path(const struct rootfs *r, const char *path)
{
	char cur[PATH_MAX] = "/", todo[PATH_MAX], link[PATH_MAX];
	int links = 0;
	bool exe = false; /* the last step reached an executable file */

	if (snprintf(todo, sizeof(todo), "%s", path) >= (int)sizeof(todo))
		return -ENAMETOOLONG;
	for (char *rest = todo; *rest;) {
		char *comp = rest + strspn(rest, "/");
		size_t len = strcspn(comp, "/");
		rest = comp + len;
		exe = false;
		if (!len || (len == 1 && comp[0] == '.'))
			continue;
		size_t cl = strlen(cur);
		if (len == 2 && !strncmp(comp, "..", 2)) {
			while (cl > 1 && cur[cl - 1] != '/')
				cl--;
			cur[cl > 1 ? cl - 1 : 1] = 0;
			continue;
		}
		if (cl + (cl > 1) + len >= sizeof(cur))
			return -ENAMETOOLONG;
		snprintf(cur + cl, sizeof(cur) - cl, "%s%.*s", cl > 1 ? "/" : "", (int)len, comp);
		if (mount_near(r, cur, false))
			return UNKNOWN;
		_cleanup_close_ int fd = step_open(r->fd, cur);
		/*
		 * The runtime makes a missing mount point: what is beyond it is
		 * the mount's. A host without openat2 (before 5.6) cannot look.
		 */
		if (fd < 0)
			return mount_near(r, cur, true) || fd == -ENOSYS ? UNKNOWN : fd;
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			if (++links > LINKS_MAX)
				return -ELOOP;
			ssize_t n = readlinkat(fd, "", link, sizeof(link) - 1);
			if (n < 0)
				return -errno;
			if (n == 0)
				return -ENOENT; /* Linux: an empty target names nothing */
			link[n] = 0;
			/* The target, then what is left (empty or from a "/"). */
			char next[PATH_MAX];
			if (snprintf(next, sizeof(next), "%s%s", link, rest) >= (int)sizeof(next))
				return -ENAMETOOLONG;
			memcpy(todo, next, strlen(next) + 1);
			rest = todo;
			cur[cl] = 0;
			if (link[0] == '/')
				strcpy(cur, "/");
			continue;
		}
		if (*rest && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		exe = !*rest && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	}
	return exe ? 0 : -EACCES; /* execve's answer for a directory or a file without x */
}

/* execvp's walk of PATH: the first hit wins; EACCES is kept while the search goes on. */
static int check_search(const struct oci_spec *s, const struct rootfs *r, const char *name,
			const char *search)
{
	bool denied = false;
	while (*search) {
		const char *end = strchrnul(search, ':');
		int dlen = end - search;
		char path[PATH_MAX];
		/* An empty entry, or a relative one, is from the cwd, as execvp reads it. */
		int n = dlen && search[0] == '/'
				? snprintf(path, sizeof(path), "%.*s/%s", dlen, search, name)
				: snprintf(path, sizeof(path), "%s/%.*s%s%s", s->cwd, dlen, search,
					   dlen ? "/" : "", name);
		search = *end ? end + 1 : end;
		if (n >= (int)sizeof(path))
			continue;
		int ret = check_path(r, path);
		if (ret == -EACCES)
			denied = true;
		else if (ret != -ENOENT && ret != -ENOTDIR)
			return ret;
	}
	return denied ? -EACCES : -ENOENT;
}

int oci_check_executable(const struct oci_spec *s, char *err, size_t errlen)
{
	const char *name = s->args[0];
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct rootfs r = {.fd = rootfd};
	int ret;

	if (rootfd < 0) {
		snprintf(err, errlen, "root.path %s: %s", s->root, strerror(errno));
		return -errno;
	}
	ret = rootfs_mounts(&r, s);
	if (ret) {
		snprintf(err, errlen, "checking process.args[0]: %s", strerror(-ret));
		return ret;
	}
	_cleanup_free_ void *mounts = r.mounts;
	if (strchr(name, '/')) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", name[0] == '/' ? "" : s->cwd, name) >=
		    (int)sizeof(path))
			ret = -ENAMETOOLONG;
		else
			ret = check_path(&r, path);
	} else {
		const char *search = SENTRY_DEFAULT_PATH;
		for (size_t i = 0; s->env && s->env[i]; i++)
			if (!strncmp(s->env[i], "PATH=", 5))
				search = s->env[i] + 5;
		ret = check_search(s, &r, name, search);
	}
	if (ret == UNKNOWN)
		return 0;
	if (ret == -ENOENT && !strchr(name, '/'))
		snprintf(err, errlen, "process.args[0] \"%s\": executable file not found in $PATH",
			 name);
	else if (ret)
		snprintf(err, errlen, "process.args[0] \"%s\": %s", name, strerror(-ret));
	return ret;
}
