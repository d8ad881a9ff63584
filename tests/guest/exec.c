// SPDX-License-Identifier: Apache-2.0
/*
 * What execve and execveat give the new program besides its code: argv of
 * `#!` scripts (nested too), AT_EXECFN, comm and /proc/self/exe; and
 * execveat from a directory fd, from the program's own fd
 * (AT_EMPTY_PATH: fexecve), from an O_PATH fd, and with a close-on-exec
 * fd (a script from one cannot be reached by its interpreter: ENOENT).
 *
 * The program re-executes itself in "report" mode, which prints what it
 * got with the test directory shown as $T and fd numbers as FD.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "guest_test.h"

static char dir[64];

/* s with the test directory as $T and "/dev/fd/<digits>" as /dev/fd/FD. */
static const char *masked(const char *s)
{
	static char out[4][512];
	static int next;
	char *o = out[next++ % 4];
	size_t n = 0, dl = strlen(dir);
	while (*s && n < 500) {
		if (!strncmp(s, dir, dl)) {
			n += snprintf(o + n, 512 - n, "$T");
			s += dl;
		} else if (!strncmp(s, "/dev/fd/", 8)) {
			n += snprintf(o + n, 512 - n, "/dev/fd/FD");
			for (s += 8; *s >= '0' && *s <= '9'; s++)
				;
		} else {
			o[n++] = *s++;
		}
	}
	o[n] = 0;
	return o;
}

static int report(int argc, char **argv)
{
	char comm[32] = {0}, exe[256] = {0};
	const char *t = getenv("RUNSK_TEST_DIR");
	if (!t || strlen(t) >= sizeof(dir))
		return 5;
	strcpy(dir, t);
	int fd = open("/proc/self/comm", O_RDONLY);
	if (fd < 0 || read(fd, comm, sizeof(comm) - 1) < 0)
		return 3;
	close(fd);
	comm[strcspn(comm, "\n")] = 0;
	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) < 0)
		return 4;
	/*
	 * An fd run itself is named /dev/fd/N, and its comm was "N" until
	 * Linux 6.14, the file's name since: either is right.
	 */
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *exe_base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	if (!strncmp(execfn, "/dev/fd/", 8) && !strchr(execfn + 8, '/') &&
	    (!strcmp(comm, execfn + 8) || !strcmp(comm, exe_base)))
		strcpy(comm, "<N or the file's name>");
	/* exe is this program wherever it was started from: only say whether. */
	printf("    comm=%s execfn=%s exe-is-self=%s\n", comm, masked(execfn),
	       strstr(exe_base, "exec") ? "yes" : exe);
	printf("    argv:");
	for (int i = 1; i < argc; i++)
		printf(" [%s]", masked(argv[i]));
	printf("\n");
	/* A script reached through /dev/fd: its interpreter can open it. */
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "/dev/fd/", 8) || !strncmp(argv[i], dir, strlen(dir))) {
			int sfd = open(argv[i], O_RDONLY);
			char head[3] = {0};
			printf("    open(%s): %s\n", masked(argv[i]),
			       sfd < 0			 ? guest_errno_name(errno)
			       : read(sfd, head, 2) != 2 ? "short read"
			       : !strcmp(head, "#!")	 ? "a script"
							 : "not a script");
			if (sfd >= 0)
				close(sfd);
		}
	return 0;
}

static void put_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("FAIL create %s: %s\n", name, guest_errno_name(errno));
	close(fd);
	chmod(path, mode);
}

/* Run execveat(dirfd, name, ..., flags) in a child; say how it went. */
static void run(const char *what, int dirfd, const char *name, int flags)
{
	char *argv[] = {"argv0", "report", "arg 1", NULL};
	char env[96];
	snprintf(env, sizeof(env), "RUNSK_TEST_DIR=%s", dir);
	char *envp[] = {env, NULL};
	printf("%s\n", what);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long r = syscall(SYS_execveat, dirfd, name, argv, envp, flags);
		printf("    execveat: %ld %s\n", r, guest_errno_name(errno));
		fflush(stdout);
		_exit(0);
	}
	const char *end = guest_child_end(pid);
	check(!strcmp(end, "exit 0"), "    %s", end);
}

static int opened(const char *name, int flags)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, flags);
	if (fd < 0)
		printf("FAIL open %s: %s\n", name, guest_errno_name(errno));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "report"))
		return report(argc, argv);
	if (argc > 2 && !strcmp(argv[2], "report"))
		return report(argc, argv); /* as a script's interpreter: argv[1] is the script */
	guest_start("exec");
	char me[4096];
	if (!realpath(argv[0], me))
		return 2;
	snprintf(dir, sizeof(dir), "/tmp/runsk-exec-XXXXXX");
	if (!mkdtemp(dir))
		return 2;

	/* The program under a short name, and scripts it interprets. */
	char self[128], text[256];
	snprintf(self, sizeof(self), "%s/prog", dir);
	if (symlink(me, self))
		return 2;
	snprintf(text, sizeof(text), "#!%s report\n", self);
	put_file("script", text, 0755);
	snprintf(text, sizeof(text), "#!%s/script\n", dir);
	put_file("nested", text, 0755);
	snprintf(text, sizeof(text), "#!%s/loop\n", dir);
	put_file("loop", text, 0755);
	put_file("noexec", "#!/bin/sh\n", 0644);

	int dfd = opened("", O_RDONLY | O_DIRECTORY);
	int dfd_cloexec = opened("", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int pfd = opened("prog", O_RDONLY);
	int pfd_cloexec = opened("prog", O_RDONLY | O_CLOEXEC);
	int pfd_path = opened("prog", O_PATH);
	int sfd = opened("script", O_RDONLY);
	int sfd_cloexec = opened("script", O_RDONLY | O_CLOEXEC);

	char name[128];
	snprintf(name, sizeof(name), "%s/prog", dir);
	run("execve by absolute path", AT_FDCWD, name, 0);
	if (chdir(dir))
		return 2;
	run("execve by relative path", AT_FDCWD, "./prog", 0);
	run("execveat(dirfd, \"prog\")", dfd, "prog", 0);
	run("execveat(cloexec dirfd, \"prog\")", dfd_cloexec, "prog", 0);
	run("execveat(fd, \"\", AT_EMPTY_PATH)", pfd, "", AT_EMPTY_PATH);
	run("execveat(cloexec fd, \"\", AT_EMPTY_PATH)", pfd_cloexec, "", AT_EMPTY_PATH);
	run("execveat(O_PATH fd, \"\", AT_EMPTY_PATH)", pfd_path, "", AT_EMPTY_PATH);
	run("script by path", AT_FDCWD, "./script", 0);
	run("nested script", AT_FDCWD, "./nested", 0);
	run("script from dirfd", dfd, "script", 0);
	run("script from cloexec dirfd", dfd_cloexec, "script", 0);
	run("script by fd", sfd, "", AT_EMPTY_PATH);
	run("script by cloexec fd", sfd_cloexec, "", AT_EMPTY_PATH);

	/* Errors. */
	run("a script that names itself", AT_FDCWD, "./loop", 0);
	run("a file without execute permission", AT_FDCWD, "./noexec", 0);
	run("a symlink with AT_SYMLINK_NOFOLLOW", AT_FDCWD, "./prog", AT_SYMLINK_NOFOLLOW);
	run("an unknown flag (AT_SYMLINK_FOLLOW)", AT_FDCWD, "./script", AT_SYMLINK_FOLLOW);
	run("empty name without AT_EMPTY_PATH", pfd, "", 0);
	run("a directory fd with AT_EMPTY_PATH", dfd, "", AT_EMPTY_PATH);
	run("a bad fd with a relative name", 1000, "prog", 0);
	run("a bad fd with an absolute name", 1000, name, 0);
	run("a regular file as dirfd", pfd, "prog", 0);

	const char *files[] = {"prog", "script", "nested", "loop", "noexec"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(name, sizeof(name), "%s/%s", dir, files[i]);
		unlink(name);
	}
	if (chdir("/") || rmdir(dir))
		printf("FAIL cleanup: %s\n", guest_errno_name(errno));
	return guest_finish();
}
