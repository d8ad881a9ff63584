// SPDX-License-Identifier: Apache-2.0
/*
 * execve and execveat: copy the arguments in, find the program (through
 * `#!` interpreters), and hand it to the loader.
 *
 * The program's bytes, and its ELF interpreter's, come from the sandbox's
 * file system, as do the first program's (exec_first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/log.h"
#include "sentry/kernel/process.h"
#include "sentry/sentry.h"
#include "sentry/vfs/vfs.h"
#include "sys_path.h"
#include "syscalls.h"

#define MAX_ARG_STRLEN (32 * PAGE_SIZE) /* one argument or variable, as Linux */
#define ARG_BYTES_MAX (2ULL << 20)	/* a quarter of the 8 MiB stack limit */
#define MAX_ARG_COUNT 0x7fffffff
#define INTERP_DEPTH_MAX 4 /* BINPRM_MAX_RECURSION: #! of #! of ... */
#define EXEC_SIZE_MAX (1ULL << 30)
#define SHEBANG_MAX 256 /* BINPRM_BUF_SIZE: the #! line Linux reads */
#define EXEC_HEAD 4096	/* bytes of a program read up front */

/* A NULL-terminated vector of strings copied from the guest. */
struct strvec {
	char **v;
	size_t n, cap;
};

static void strvec_free(struct strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int strvec_insert(struct strvec *s, size_t at, const char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	char *dup = strdup(str);
	if (!dup)
		return -ENOMEM;
	memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
	s->v[at] = dup;
	s->n++;
	s->v[s->n] = NULL;
	return 0;
}

static int strvec_copy_in(struct task *t, uaddr_t uvec, struct strvec *s, size_t *total)
{
	_cleanup_free_ char *buf = malloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	/* A NULL argv or envp is an empty one (Linux warns and accepts it). */
	for (u64 i = 0; uvec.addr; i++) {
		u64 p;
		if (i >= MAX_ARG_COUNT)
			return -E2BIG;
		if (mm_copy_from_user(t->mm, &p, uaddr(uvec.addr + i * 8), sizeof(p)))
			return -EFAULT;
		if (!p)
			break;
		long len = mm_strncpy_from_user(t->mm, buf, uaddr(p), MAX_ARG_STRLEN);
		if (len == -ENAMETOOLONG)
			return -E2BIG;
		if (len < 0)
			return len;
		/* Counted as Linux does: each string with its NUL, and its pointer. */
		*total += len + 1 + sizeof(u64);
		if (*total > ARG_BYTES_MAX)
			return -E2BIG;
		int ret = strvec_insert(s, s->n, buf);
		if (ret)
			return ret;
	}
	if (!s->v && !(s->v = calloc(1, sizeof(*s->v))))
		return -ENOMEM;
	return 0;
}

/*
 * Keep f for the loader, which maps the program's segments from it, and
 * read its head: enough for a #! line and, nearly always, the ELF headers
 * (the loader reads on if they lie further).
 */
static int read_file(struct file *f, struct exec_file *exe)
{
	struct kstat st;
	int ret = vfs_getattr(&f->path, &st);
	if (ret)
		return ret;
	if ((st.mode & 0170000) != 0100000)
		return -EACCES;
	if (st.size > (s64)EXEC_SIZE_MAX)
		return -E2BIG;
	exe->f = file_get(f);
	exe->size = st.size;
	return exec_file_read_head(exe, MIN((u64)EXEC_HEAD, exe->size));
}

/*
 * Open name (from dirfd) for execution: a regular file with execute
 * permission in the sandbox's VFS.
 * exe->path gets where it is from the root (/proc/self/exe).
 */
static int open_exec(struct task *t, int dirfd, const char *name, bool nofollow, bool empty,
		     struct exec_file *exe)
{
	struct at_ctx at;
	int ret = at_begin(t, dirfd, name, empty, &at);
	if (ret)
		return ret;
	struct file *f = NULL;
	int flags = O_RDONLY | (nofollow ? O_NOFOLLOW : 0);
	/* fexecve: the fd's file is opened anew, so an O_PATH fd does too. */
	ret = *name ? vfs_open(&at.ctx, name, flags, 0, &f)
		    : vfs_open_path(&at.ctx, &at.start, flags, &f);
	if (!ret) {
		struct path p = f->path;
		ret = vfs_access(&p, 1 /* X_OK */, &at.cred) ?: (path_noexec(&p) ? -EACCES : 0);
		if (!ret)
			ret = read_file(f, exe);
		/* Not while it is open for writing (ETXTBSY); denied until exec_file_free or a new mm takes it. */
		if (!ret && !(ret = inode_deny_write_access(exe->f->inode)))
			exe->denied = true;
		if (!ret && (exe->path = malloc(LINUX_PATH_MAX)) &&
		    vfs_d_path(&at.root, &f->path, exe->path, LINUX_PATH_MAX) < 0) {
			free(exe->path);
			exe->path = NULL;
		}
		file_put(f);
	}
	at_end(&at);
	return ret;
}

/*
 * The interpreter a dynamic ELF program names, opened as Linux's
 * load_elf_binary does (a relative path from the cwd). A missing one is
 * ENOENT, as on Linux, however confusing that is for the program's caller.
 */
static int open_interp(struct task *t, struct exec_file *exe, struct exec_file *interp)
{
	_cleanup_free_ char *path = malloc(LINUX_PATH_MAX);
	if (!path)
		return -ENOMEM;
	if (!exec_interp_path(exe, path, LINUX_PATH_MAX))
		return 0;
	return open_exec(t, AT_FDCWD, path, false, false, interp);
}

/* The `#!interpreter [arg]` line of a script: 1 if exe is one, 0 if not, or -errno. */
static int parse_shebang(const struct exec_file *exe, char *interp, size_t ilen, char *arg,
			 size_t alen)
{
	if (exe->len < 2 || exe->data[0] != '#' || exe->data[1] != '!')
		return 0;
	size_t n = MIN(exe->len, SHEBANG_MAX);
	char line[SHEBANG_MAX + 1];
	memcpy(line, exe->data, n);
	line[n] = 0;
	char *nl = memchr(line, '\n', n);
	if (nl)
		*nl = 0;
	else if (n == SHEBANG_MAX)
		return -ENOEXEC; /* Linux: an interpreter path that does not fit */
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	char *end = p;
	while (*end && *end != ' ' && *end != '\t')
		end++;
	if (p == end)
		return -ENOEXEC;
	char *rest = *end ? end + 1 : end;
	*end = 0;
	snprintf(interp, ilen, "%s", p);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	/* The rest of the line, trailing blanks cut, is one argument. */
	size_t rl = strlen(rest);
	while (rl && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t'))
		rest[--rl] = 0;
	snprintf(arg, alen, "%s", rest);
	return 1;
}

/*
 * What the new program is called (Linux's bprm->filename): AT_EXECFN,
 * the name a `#!` interpreter is given, and where comm comes from.
 */
struct exec_name {
	char *filename;
	/* The fd itself is the program (AT_EMPTY_PATH): comm is its file's name. */
	bool comm_from_file;
	/* A close-on-exec fd leaves /dev/fd/N unreachable to an interpreter. */
	bool inaccessible;
};

#define EXEC_NAME_MAX (LINUX_PATH_MAX + 32)

static int exec_name_init(struct task *t, int dirfd, const char *path, struct exec_name *n)
{
	if (!(n->filename = malloc(EXEC_NAME_MAX)))
		return -ENOMEM;
	if (dirfd == AT_FDCWD || path[0] == '/') {
		snprintf(n->filename, EXEC_NAME_MAX, "%s", path);
		return 0;
	}
	/* A name relative to a directory fd is reached through /dev/fd. */
	snprintf(n->filename, EXEC_NAME_MAX, *path ? "/dev/fd/%d/%s" : "/dev/fd/%d", dirfd, path);
	n->comm_from_file = !*path;
	n->inaccessible = fdtable_get_cloexec(t->files, dirfd) > 0;
	return 0;
}

/*
 * comm: the last part of the name or, for an fd run itself, the name of
 * the file that runs (a script's interpreter), as Linux since 6.14 gives
 * rather than the fd's number.
 */
static const char *exec_comm(const struct exec_name *n, const struct exec_file *exe)
{
	const char *name = n->comm_from_file && exe->path ? exe->path : n->filename;
	const char *base = strrchr(name, '/');
	return base ? base + 1 : name;
}

/*
 * Find the program at path (from dirfd; execveat's flags) through up to
 * INTERP_DEPTH_MAX `#!` lines, open its ELF interpreter, and load it with
 * argv and envp in place of t's program.
 */
static long exec_vectors(struct task *t, int dirfd, char *path, struct strvec *argv,
			 struct strvec *envp, int flags)
{
	struct exec_file exe = {0}, interp = {0};
	struct exec_name name = {0};
	long ret = exec_name_init(t, dirfd, path, &name);
	if (!ret)
		ret = open_exec(t, dirfd, path, flags & AT_SYMLINK_NOFOLLOW, flags & AT_EMPTY_PATH,
				&exe);
	/* Each interpreter is given the name of what it interprets. */
	const char *script = name.filename;

	for (int depth = 0; !ret; depth++) {
		char shebang[SHEBANG_MAX], arg[SHEBANG_MAX];
		int sb = parse_shebang(&exe, shebang, sizeof(shebang), arg, sizeof(arg));
		if (sb <= 0) {
			ret = sb;
			break;
		}
		if (depth >= INTERP_DEPTH_MAX) {
			ret = -ELOOP;
			break;
		}
		if (name.inaccessible) {
			ret = -ENOENT;
			break;
		}
		/* argv becomes: interpreter [arg] script-path original-argv[1..]. */
		if (argv->n) {
			free(argv->v[0]);
			memmove(&argv->v[0], &argv->v[1], argv->n * sizeof(*argv->v));
			argv->n--;
		}
		ret = strvec_insert(argv, 0, script);
		if (!ret && *arg)
			ret = strvec_insert(argv, 0, arg);
		if (!ret)
			ret = strvec_insert(argv, 0, shebang);
		exec_file_free(&exe);
		if (!ret) {
			snprintf(path, LINUX_PATH_MAX, "%s", shebang);
			script = path;
			ret = open_exec(t, AT_FDCWD, path, false, false, &exe);
		}
	}
	if (!ret)
		ret = open_interp(t, &exe, &interp);
	if (!ret)
		ret = exec_replace(t, &exe, interp.data ? &interp : NULL, name.filename,
				   exec_comm(&name, &exe), (const char *const *)argv->v,
				   (const char *const *)envp->v);
	exec_file_free(&exe);
	exec_file_free(&interp);
	free(name.filename);
	return ret;
}

static long do_execve(struct task *t, int dirfd, uaddr_t upath, uaddr_t uargv, uaddr_t uenvp,
		      int flags)
{
	_cleanup_free_ char *path = malloc(LINUX_PATH_MAX);
	struct strvec argv = {0}, envp = {0};
	size_t total = 0;
	long ret;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if (!path)
		return -ENOMEM;
	ret = path_arg(t, upath, path);
	if (ret < 0)
		return ret;
	ret = strvec_copy_in(t, uargv, &argv, &total);
	if (!ret)
		ret = strvec_copy_in(t, uenvp, &envp, &total);
	if (!ret)
		ret = exec_vectors(t, dirfd, path, &argv, &envp, flags);
	strvec_free(&argv);
	strvec_free(&envp);
	/* Success returns to the new program with its registers already set. */
	return ret ? ret : (long)t->regs.rax;
}

/* A host string vector as a strvec, within execve's limits. */
static int strvec_from_host(const char *const *src, struct strvec *s, size_t *total)
{
	for (size_t i = 0; src && src[i]; i++) {
		size_t len = strlen(src[i]);
		if (len >= MAX_ARG_STRLEN)
			return -E2BIG;
		*total += len + 1 + sizeof(u64);
		if (*total > ARG_BYTES_MAX)
			return -E2BIG;
		int ret = strvec_insert(s, s->n, src[i]);
		if (ret)
			return ret;
	}
	if (!s->v && !(s->v = calloc(1, sizeof(*s->v))))
		return -ENOMEM;
	return 0;
}

/* One attempt of exec_first at path, with fresh copies of the vectors. */
static long exec_try(struct task *t, char *path, const char *const *argv, const char *const *envp)
{
	struct strvec av = {0}, ev = {0};
	size_t total = 0;
	long ret = strvec_from_host(argv, &av, &total);
	if (!ret)
		ret = strvec_from_host(envp, &ev, &total);
	if (!ret)
		ret = exec_vectors(t, AT_FDCWD, path, &av, &ev, 0);
	strvec_free(&av);
	strvec_free(&ev);
	return ret;
}

/*
 * execvp's search: the first PATH entry where name can be executed; as
 * execvp, a candidate that exists but cannot be run is remembered
 * (EACCES) and the search goes on.
 */
static long exec_search_path(struct task *t, const char *name, const char *search, char *path,
			     const char *const *argv, const char *const *envp)
{
	bool denied = false;
	while (*search) {
		const char *end = strchrnul(search, ':');
		int dlen = end - search;
		/* An empty entry is the cwd, as execvp reads it. */
		int n = snprintf(path, LINUX_PATH_MAX, "%.*s%s%s", dlen, search, dlen ? "/" : "",
				 name);
		search = *end ? end + 1 : end;
		if (n >= LINUX_PATH_MAX)
			continue;
		long ret = exec_try(t, path, argv, envp);
		if (ret == -EACCES)
			denied = true;
		else if (ret != -ENOENT && ret != -ENOTDIR)
			return ret;
	}
	return denied ? -EACCES : -ENOENT;
}

int exec_first(struct task *t, const char *name, const char *const *argv, const char *const *envp)
{
	_cleanup_free_ char *path = malloc(LINUX_PATH_MAX);
	long ret;

	if (!path) {
		ret = -ENOMEM;
	} else if (!*name) {
		ret = -ENOENT;
	} else if (strchr(name, '/')) {
		int n = snprintf(path, LINUX_PATH_MAX, "%s", name);
		ret = n >= LINUX_PATH_MAX ? -ENAMETOOLONG : exec_try(t, path, argv, envp);
	} else {
		const char *search = SENTRY_DEFAULT_PATH;
		for (size_t i = 0; envp && envp[i]; i++)
			if (!strncmp(envp[i], "PATH=", 5))
				search = envp[i] + 5;
		ret = exec_search_path(t, name, search, path, argv, envp);
	}
	if (ret == -ENOEXEC)
		pr_err("%s: not an x86-64 ELF executable or script runsk can run", name);
	else if (ret)
		pr_err("%s: %s", name, strerror(-ret));
	return ret;
}

long sys_execve(struct task *t, const struct syscall_args *a)
{
	return do_execve(t, AT_FDCWD, arg_ptr(a, 0), arg_ptr(a, 1), arg_ptr(a, 2), 0);
}

long sys_execveat(struct task *t, const struct syscall_args *a)
{
	return do_execve(t, arg_int(a, 0), arg_ptr(a, 1), arg_ptr(a, 2), arg_ptr(a, 3),
			 arg_int(a, 4));
}
