// SPDX-License-Identifier: Apache-2.0
/*
 * procfs through the VFS, over a kernel of fake tasks (no threads run:
 * task_current is set by hand) and an mm on the recording platform: the
 * self links, listings and their resumption, per-process files read from
 * the tasks and the mm, fd links and reopening a pipe through them, a
 * process turning zombie and being reaped under an open file, writes
 * where they are allowed, and permission checks for another user; and
 * sysfs and the cgroup2 mounted beside it (vCPUs, members, limits,
 * read-only opens), /proc/locks and the other files added with them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tests/unit/mm/rec_platform.h"
#include "sentry/kernel/cred.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/vfs/pipe.h"
#include "sentry/vfs/locks.h"
#include "sentry/vfs/procfs/procfs.h"
#include "sentry/vfs/vfs.h"

static const struct vfs_cred root_cred = {.caps = ~0ULL};
static const struct vfs_cred user_cred = {.fsuid = 1000, .fsgid = 1000};

static struct env {
	void *mm_state;
	struct kernel k;
	struct fs_struct *fs;
	struct path root, cwd;
	struct vfs_ctx ctx;
	struct platform_ctx fake_ctx; /* non-NULL t->ctx: a running task */
	struct task *init;
} env;

static struct mm *env_mm(void)
{
	return ((void **)env.mm_state)[1];
}

static struct task *task_add(int tgid, int tid, const char *comm)
{
	struct kernel *k = &env.k;
	struct task *t = task_alloc(k);
	assert_non_null(t);
	pthread_mutex_lock(&k->lock);
	struct thread_group *tg = tg_lookup_locked(k, tgid);
	if (!tg) {
		tg = tg_alloc(k, tgid);
		assert_non_null(tg);
		tg->pgid = tg->sid = 1;
		tg->parent = k->init;
		tg->leader = t;
		memcpy(tg->rlimits, k->init_rlimits, sizeof(tg->rlimits));
		list_add_tail(&tg->node, &k->groups);
		if (!k->init)
			k->init = tg;
	}
	t->tg = tg;
	t->tid = tid;
	list_add_tail(&t->tg_node, &tg->threads);
	tg->nr_threads++;
	pthread_mutex_unlock(&k->lock);
	t->ctx = &env.fake_ctx;
	t->mm = mm_get(env_mm());
	t->files = fdtable_create();
	t->fs = fs_struct_get(env.fs);
	t->sighand = sighand_alloc();
	t->cred = cred_new_init(0, 0);
	assert_non_null(t->cred);
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	snprintf(t->exe, sizeof(t->exe), "/bin/%s", comm);
	return t;
}

/* What task_exit_final does: give the resources back, leave the process. */
static void task_del(struct task *t)
{
	struct kernel *k = &env.k;
	pthread_mutex_lock(&k->lock);
	t->ctx = NULL;
	pthread_mutex_unlock(&k->lock);
	mm_put(t->mm);
	fdtable_destroy(t->files);
	fs_struct_put(t->fs);
	sighand_put(t->sighand);
	cred_put(t->cred);
	pthread_mutex_lock(&k->lock);
	list_del(&t->tg_node);
	if (t->tg->leader == t)
		t->tg->leader = NULL;
	if (--t->tg->nr_threads == 0)
		t->tg->zombie = true;
	pthread_mutex_unlock(&k->lock);
	free(t);
}

static void tg_reap(int tgid)
{
	pthread_mutex_lock(&env.k.lock);
	tg_reap_locked(&env.k, tg_lookup_locked(&env.k, tgid));
	pthread_mutex_unlock(&env.k.lock);
}

static int group_setup(void **state)
{
	setup(&env.mm_state);
	struct kernel *k = &env.k;
	pthread_mutex_init(&k->lock, NULL);
	list_init(&k->groups);
	k->ncpus = 2;
	k->mf = ((void **)env.mm_state)[0];
	k->platform = &rec.base;
	strcpy(k->hostname, "sandbox");
	for (int r = 0; r < LINUX_RLIM_NLIMITS; r++)
		k->init_rlimits[r] =
			(struct linux_rlimit){LINUX_RLIM_INFINITY, LINUX_RLIM_INFINITY};
	k->init_rlimits[LINUX_RLIMIT_NOFILE] = (struct linux_rlimit){1024, 4096};
	struct super_block *proc = procfs_mount(k);
	assert_false(IS_ERR(proc));
	env.fs = vfs_sandbox_root_proc("/work", 0, 0, proc);
	assert_false(IS_ERR(env.fs));
	fs_struct_paths(env.fs, &env.root, &env.cwd);
	env.ctx = (struct vfs_ctx){.cred = &root_cred, .root = env.root, .start = env.cwd};
	env.init = task_add(1, 1, "init");
	task_set_current(env.init);
	*state = &env;
	return 0;
}

static int group_teardown(void **state)
{
	task_set_current(NULL);
	task_del(env.init);
	tg_reap(1);
	path_put(&env.root);
	path_put(&env.cwd);
	fs_struct_put(env.fs);
	return teardown(&env.mm_state);
}

/* The whole of a /proc file, read in small pieces (a snapshot per pass). */
static long slurp_as(const struct vfs_ctx *ctx, const char *path, char *out, size_t size)
{
	struct file *f;
	int ret = vfs_open(ctx, path, O_RDONLY, 0, &f);
	if (ret)
		return ret;
	size_t n = 0;
	ssize_t r;
	s64 pos = 0;
	while (n < size - 1 && (r = vfs_read(f, out + n, MIN((size_t)7, size - 1 - n), &pos)) > 0)
		n += r;
	file_put(f);
	out[n] = 0;
	return r < 0 ? r : (long)n;
}

static char text[1 << 16];

static const char *slurp(const char *path)
{
	long n = slurp_as(&env.ctx, path, text, sizeof(text));
	if (n < 0)
		fail_msg("reading %s: %ld", path, n);
	return text;
}

static const char *link_of(const char *path)
{
	static char target[4096];
	struct path p;
	int ret = vfs_lookup(&env.ctx, path, 0, &p);
	if (ret)
		return "lookup failed";
	ret = vfs_readlink(&p, target, sizeof(target) - 1);
	path_put(&p);
	if (ret < 0)
		return "readlink failed";
	target[ret] = 0;
	return target;
}

struct listing {
	struct dir_context ctx;
	char names[4096];
	int budget; /* entries this call may take; -1 for all */
};

static bool list_emit(struct dir_context *ctx, const char *name, size_t len, u64 ino, unsigned type,
		      s64 next)
{
	struct listing *l = container_of(ctx, struct listing, ctx);
	if (l->budget == 0)
		return false;
	if (l->budget > 0)
		l->budget--;
	if (!(len == 1 && name[0] == '.') && !(len == 2 && !strncmp(name, "..", 2)))
		snprintf(l->names + strlen(l->names), sizeof(l->names) - strlen(l->names), "%.*s ",
			 (int)len, name);
	return true;
}

/* "a b c " of dir, listed budget entries per getdents call. */
static const char *list(const char *dir, int budget)
{
	static struct listing l;
	struct file *f;
	memset(&l, 0, sizeof(l));
	l.ctx.emit = list_emit;
	assert_int_equal(vfs_open(&env.ctx, dir, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	for (int calls = 0; calls < 1000; calls++) {
		size_t before = strlen(l.names);
		s64 pos = f->pos;
		l.budget = budget;
		assert_int_equal(vfs_iterate(f, &l.ctx), 0);
		if (strlen(l.names) == before && f->pos == pos)
			break;
	}
	file_put(f);
	return l.names;
}

static void test_self_links(void **state)
{
	assert_string_equal(link_of("/proc/self"), "1");
	assert_string_equal(link_of("/proc/thread-self"), "1/task/1");
	assert_string_equal(link_of("/proc/mounts"), "self/mounts");
	assert_string_equal(link_of("/proc/self/exe"), "/bin/init");
	assert_string_equal(link_of("/proc/self/cwd"), "/work");
	assert_string_equal(link_of("/proc/self/root"), "/");
}

static void test_listings_resume(void **state)
{
	struct task *a = task_add(7, 7, "seven"), *b = task_add(7, 8, "seven");
	const char *all = list("/proc", -1);
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", all);
	assert_non_null(strstr(copy, "self thread-self mounts cpuinfo"));
	assert_non_null(strstr(copy, " sys 1 7 "));
	assert_null(strstr(copy, " 8 "));
	/* One entry per call: the same names, each once. */
	assert_string_equal(list("/proc", 1), copy);
	assert_string_equal(list("/proc/7/task", 1), "7 8 ");
	assert_string_equal(link_of("/proc/8/task/8/exe"), "/bin/seven");
	assert_non_null(strstr(slurp("/proc/8/status"), "Tgid:\t7\nNgid:\t0\nPid:\t8\n"));
	assert_string_equal(list("/proc/sys", -1), "kernel vm fs net ");
	task_del(b);
	task_del(a);
	tg_reap(7);
	assert_null(strstr(list("/proc", -1), " 7 "));
}

static void test_stat_and_status(void **state)
{
	const char *s = slurp("/proc/self/stat");
	assert_int_equal(strncmp(s, "1 (init) R 0 1 1 0 -1 ", 22), 0);
	s = slurp("/proc/1/status");
	assert_non_null(strstr(s, "Name:\tinit\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\n"));
	assert_non_null(strstr(s, "Threads:\t1\n"));
	assert_non_null(strstr(s, "Cpus_allowed_list:\t0-1\n"));
	assert_non_null(
		strstr(slurp("/proc/1/limits"),
		       "Max open files            1024                 4096                 "
		       "files     \n"));
}

static void test_cmdline_environ(void **state)
{
	struct mm *mm = env_mm();
	const u64 at = 0x10000000;
	assert_int_equal(mm_map_anon(mm, at, P, PROT_READ | PROT_WRITE, MM_FIXED), (long)at);
	assert_int_equal(mm_copy_to_user(mm, uaddr(at), "a\0bb\0X=1\0", 9), 0);
	struct mm_exec_info e = {
		.arg_start = at, .arg_end = at + 5, .env_start = at + 5, .env_end = at + 9};
	mm_set_exec_info(mm, &e);
	assert_int_equal(slurp_as(&env.ctx, "/proc/self/cmdline", text, sizeof(text)), 5);
	assert_memory_equal(text, "a\0bb\0", 5);
	assert_int_equal(slurp_as(&env.ctx, "/proc/self/environ", text, sizeof(text)), 4);
	assert_memory_equal(text, "X=1\0", 4);
	/* A title written over the arguments runs on into the environment. */
	assert_int_equal(mm_copy_to_user(mm, uaddr(at), "proc!", 5), 0);
	assert_string_equal(slurp("/proc/self/cmdline"), "proc!X=1");
	assert_int_equal(mm_unmap(mm, at, P), 0);
	mm_set_exec_info(mm, &(struct mm_exec_info){0});
}

static void test_maps(void **state)
{
	struct mm *mm = env_mm();
	assert_int_equal(mm_map_anon(mm, 0x20000000, 3 * P, PROT_READ, MM_FIXED), 0x20000000);
	mm_brk_init(mm, 0x30000000);
	assert_int_equal(mm_brk(mm, 0x30002000), 0x30002000);
	assert_int_equal(mm_map_stack(mm, 0x7ffffffff000, 8 << 20), 0);
	const char *m = slurp("/proc/self/maps");
	assert_non_null(strstr(m, "20000000-20003000 r--p 00000000 00:00 0 \n"));
	assert_non_null(strstr(m, "30000000-30002000 rw-p 00000000 00:00 0"));
	assert_non_null(strstr(m, "[heap]\n"));
	assert_non_null(strstr(m, "[stack]\n"));
	assert_int_equal(mm_unmap(mm, 0x20000000, 3 * P), 0);
}

static void test_fds(void **state)
{
	struct fdtable *files = env.init->files;
	struct file *f, *ends[2];
	assert_int_equal(vfs_open(&env.ctx, "/tmp/f", O_CREAT | O_RDWR, 0644, &f), 0);
	assert_int_equal(fdtable_install(files, 3, f, false), 0);
	assert_int_equal(pipe_create(0, 0, 0, ends), 0);
	assert_int_equal(fdtable_install(files, 4, ends[0], true), 0);
	assert_int_equal(fdtable_install(files, 5, ends[1], false), 0);

	assert_string_equal(list("/proc/self/fd", -1), "3 4 5 ");
	assert_string_equal(list("/proc/self/fdinfo", 1), "3 4 5 ");
	assert_string_equal(link_of("/proc/self/fd/3"), "/tmp/f");
	assert_int_equal(strncmp(link_of("/proc/self/fd/4"), "pipe:[", 6), 0);
	assert_non_null(strstr(slurp("/proc/self/fdinfo/4"), "flags:\t02000000\n"));
	assert_non_null(strstr(slurp("/proc/self/fdinfo/3"), "pos:\t0\nflags:\t0100002\n"));

	/* Through the link: the pipe itself, for stat and for writing. */
	struct path p;
	struct kstat st;
	assert_int_equal(vfs_lookup(&env.ctx, "/proc/self/fd/5", LOOKUP_FOLLOW, &p), 0);
	assert_int_equal(vfs_getattr(&p, &st), 0);
	assert_true(S_ISFIFO(st.mode));
	path_put(&p);
	struct file *w;
	assert_int_equal(vfs_open(&env.ctx, "/proc/self/fd/5", O_WRONLY, 0, &w), 0);
	assert_int_equal(vfs_write(w, "hi", 2, NULL), 2);
	char got[2];
	assert_int_equal(vfs_read(ends[0], got, 2, NULL), 2);
	assert_memory_equal(got, "hi", 2);
	/* The reopened file names the pipe, and reopens it once the original fd is gone. */
	char pipe_name[64];
	snprintf(pipe_name, sizeof(pipe_name), "%s", link_of("/proc/self/fd/5"));
	assert_int_equal(fdtable_install(files, 6, w, false), 0);
	assert_string_equal(link_of("/proc/self/fd/6"), pipe_name);
	assert_int_equal(fdtable_close(files, 5), 0);
	assert_int_equal(vfs_open(&env.ctx, "/proc/self/fd/6", O_WRONLY, 0, &w), 0);
	assert_int_equal(vfs_write(w, "yo", 2, NULL), 2);
	assert_int_equal(vfs_read(ends[0], got, 2, NULL), 2);
	assert_memory_equal(got, "yo", 2);
	file_put(w);
	assert_int_equal(fdtable_close(files, 6), 0);

	assert_int_equal(fdtable_close(files, 3), 0);
	assert_int_equal(fdtable_close(files, 4), 0);
	assert_int_equal(vfs_unlink(&env.ctx, "/tmp/f"), 0);
	assert_string_equal(list("/proc/self/fd", -1), "");
}

static void test_zombie_then_reaped(void **state)
{
	struct task *t = task_add(9, 9, "nine");
	struct file *f;
	char buf[256];
	s64 pos = 0;
	assert_int_equal(vfs_open(&env.ctx, "/proc/9/status", O_RDONLY, 0, &f), 0);
	task_del(t);
	ssize_t n = vfs_read(f, buf, sizeof(buf) - 1, &pos);
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(buf, "State:\tZ (zombie)\n"));
	assert_null(strstr(buf, "VmSize"));
	assert_string_equal(link_of("/proc/9/exe"), "readlink failed");
	tg_reap(9);
	pos = 0;
	assert_int_equal(vfs_read(f, buf, sizeof(buf), &pos), -ESRCH);
	file_put(f);
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/proc/9", 0, &p), -ENOENT);
}

static void test_permissions_and_writes(void **state)
{
	struct vfs_ctx user = env.ctx;
	struct file *f;
	user.cred = &user_cred;
	assert_int_equal(vfs_open(&user, "/proc/1/stat", O_WRONLY, 0, &f), -EACCES);
	assert_int_equal(vfs_open(&user, "/proc/1/environ", O_RDONLY, 0, &f), -EACCES);
	assert_int_equal(vfs_open(&user, "/proc/1/fd", O_RDONLY | O_DIRECTORY, 0, &f), -EACCES);
	assert_true(slurp_as(&user, "/proc/1/stat", text, sizeof(text)) > 0);

	assert_int_equal(vfs_open(&env.ctx, "/proc/self/stat", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_write(f, "x", 1, &f->pos), -EINVAL);
	file_put(f);
	assert_int_equal(vfs_open(&env.ctx, "/proc/self/comm", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_write(f, "a-much-too-long-name", 20, &f->pos), 20);
	file_put(f);
	assert_string_equal(env.init->comm, "a-much-too-long");
	assert_string_equal(slurp("/proc/self/comm"), "a-much-too-long\n");
	snprintf(env.init->comm, sizeof(env.init->comm), "init");
	assert_int_equal(vfs_open(&env.ctx, "/proc/self/oom_score_adj", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_write(f, " -17\n", 5, &f->pos), 5);
	assert_int_equal(vfs_write(f, "1001", 4, &f->pos), -EINVAL);
	file_put(f);
	assert_string_equal(slurp("/proc/self/oom_score_adj"), "-17\n");
	assert_int_equal(vfs_open(&env.ctx, "/proc/sys/kernel/hostname", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_write(f, "x", 1, &f->pos), -EPERM);
	file_put(f);
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/proc/self/status", LOOKUP_FOLLOW, &p), 0);
	assert_int_equal(vfs_chmod(&p, 0666, &root_cred), -EPERM);
	path_put(&p);
}

static void test_seek_and_system_files(void **state)
{
	struct file *f;
	char a[8];
	assert_int_equal(vfs_open(&env.ctx, "/proc/version", O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_llseek(f, 6, SEEK_SET), 6);
	assert_int_equal(vfs_read(f, a, 7, &f->pos), 7);
	assert_memory_equal(a, "version", 7);
	assert_int_equal(vfs_llseek(f, 0, SEEK_END), -EINVAL);
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.mode, S_IFREG | 0444);
	file_put(f);

	assert_int_equal(strncmp(slurp("/proc/meminfo"), "MemTotal:          65536 kB\n", 28), 0);
	const char *c = slurp("/proc/cpuinfo");
	assert_non_null(strstr(c, "processor\t: 0\n"));
	assert_non_null(strstr(c, "processor\t: 1\n"));
	assert_null(strstr(c, "processor\t: 2\n"));
	assert_non_null(strstr(slurp("/proc/stat"), "cpu1 "));
	assert_string_equal(slurp("/proc/sys/kernel/ostype"), "Linux\n");
	assert_string_equal(slurp("/proc/sys/kernel/hostname"), "sandbox\n");
	char boot[64];
	const char *b = slurp("/proc/sys/kernel/random/boot_id");
	assert_int_equal(strlen(b), 37);
	memcpy(boot, b, 38);
	assert_string_equal(slurp("/proc/sys/kernel/random/boot_id"), boot);
	const char *m = slurp("/proc/self/mounts");
	assert_non_null(strstr(m, "tmpfs / tmpfs rw,relatime 0 0\n"));
	assert_non_null(strstr(m, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"));
	assert_non_null(strstr(slurp("/proc/self/mountinfo"),
			       " / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"));
}

/* sysfs, mounted beside procfs by vfs_sandbox_root_proc: vCPUs, cgroup, read-only. */
static void test_sysfs(void **state)
{
	assert_string_equal(slurp("/sys/devices/system/cpu/online"), "0-1\n");
	assert_string_equal(slurp("/sys/devices/system/cpu/possible"), "0-1\n");
	assert_non_null(strstr(list("/sys/devices/system/cpu", 1), "kernel_max cpu0 cpu1 "));
	assert_string_equal(list("/sys/devices/system/cpu/cpu0", -1), "topology ");
	assert_string_equal(slurp("/sys/devices/system/cpu/cpu1/online"), "1\n");
	assert_string_equal(slurp("/sys/devices/system/cpu/cpu1/topology/core_id"), "1\n");
	assert_string_equal(slurp("/sys/devices/system/cpu/cpu1/topology/thread_siblings"), "2\n");
	assert_string_equal(slurp("/sys/devices/system/cpu/cpu0/topology/core_siblings_list"),
			    "0-1\n");
	struct path p;
	assert_int_equal(vfs_lookup(&env.ctx, "/sys/devices/system/cpu/cpu2", 0, &p), -ENOENT);
	assert_int_equal(vfs_lookup(&env.ctx, "/sys/devices/system/cpu/cpu01", 0, &p), -ENOENT);
	assert_string_equal(slurp("/sys/kernel/mm/transparent_hugepage/enabled"),
			    "always madvise [never]\n");

	/* The cgroup: its members, and the limits /proc/meminfo gives. */
	struct task *a = task_add(7, 7, "seven"), *b = task_add(7, 9, "seven");
	assert_string_equal(slurp("/sys/fs/cgroup/cgroup.procs"), "1\n7\n");
	assert_string_equal(slurp("/sys/fs/cgroup/cgroup.threads"), "1\n7\n9\n");
	assert_string_equal(slurp("/sys/fs/cgroup/pids.current"), "3\n");
	task_del(b);
	task_del(a);
	assert_string_equal(slurp("/sys/fs/cgroup/cgroup.procs"), "1\n");
	tg_reap(7);
	assert_string_equal(slurp("/sys/fs/cgroup/memory.max"), "67108864\n");
	assert_string_equal(slurp("/sys/fs/cgroup/cpu.max"), "200000 100000\n");
	assert_string_equal(slurp("/sys/fs/cgroup/cpuset.cpus.effective"), "0-1\n");
	assert_non_null(
		strstr(slurp("/proc/self/mountinfo"),
		       " /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 ro\n"));

	/* Nothing opens for writing: no write bits EACCES (kernfs), else EROFS. */
	struct vfs_ctx user = env.ctx;
	struct file *f;
	user.cred = &user_cred;
	assert_int_equal(vfs_open(&env.ctx, "/sys/devices/system/cpu/online", O_WRONLY, 0, &f),
			 -EACCES);
	assert_int_equal(vfs_open(&env.ctx, "/sys/fs/cgroup/memory.max", O_RDWR, 0, &f), -EROFS);
	assert_int_equal(vfs_open(&user, "/sys/fs/cgroup/memory.max", O_WRONLY, 0, &f), -EACCES);
	assert_int_equal(vfs_mkdir(&env.ctx, "/sys/fs/cgroup/child", 0755) < 0, 1);
	struct kstatfs st;
	assert_int_equal(vfs_lookup(&env.ctx, "/sys/fs/cgroup", 0, &p), 0);
	assert_int_equal(vfs_statfs(&p, &st), 0);
	assert_int_equal(st.type, 0x63677270);
	path_put(&p);
	assert_int_equal(vfs_lookup(&env.ctx, "/sys/class", 0, &p), 0);
	assert_int_equal(vfs_statfs(&p, &st), 0);
	assert_int_equal(st.type, 0x62656572);
	path_put(&p);
}

/* The files added with sysfs: locks, ns, id maps, smaps, sysctls, net. */
static void test_more_proc_files(void **state)
{
	struct file *f;
	char want[128];
	assert_int_equal(vfs_open(&env.ctx, "/tmp/locked", O_RDWR | O_CREAT, 0644, &f), 0);
	assert_int_equal(vfs_flock(env.init, f, LINUX_F_WRLCK, false), 0);
	struct kstat st;
	assert_int_equal(vfs_fstat(f, &st), 0);
	snprintf(want, sizeof(want), "1: FLOCK  ADVISORY  WRITE 1 %02x:%02x:%llu 0 EOF\n",
		 linux_dev_major(st.dev), linux_dev_minor(st.dev), (unsigned long long)st.ino);
	assert_string_equal(slurp("/proc/locks"), want);
	file_put(f);
	assert_string_equal(slurp("/proc/locks"), "");

	assert_string_equal(link_of("/proc/self/ns/mnt"), "mnt:[4026531841]");
	assert_string_equal(link_of("/proc/net"), "self/net");
	assert_int_equal(strncmp(slurp("/proc/net/tcp6"), "  sl  local_address ", 20), 0);
	assert_string_equal(slurp("/proc/self/uid_map"), "         0          0 4294967295\n");
	assert_string_equal(slurp("/proc/self/loginuid"), "4294967295");
	assert_int_equal(vfs_open(&env.ctx, "/proc/self/uid_map", O_WRONLY, 0, &f), 0);
	assert_int_equal(vfs_write(f, "0 0 1", 5, &f->pos), -EPERM);
	file_put(f);
	assert_non_null(strstr(slurp("/proc/self/smaps"), "\nKernelPageSize:        4 kB\n"));
	assert_non_null(strstr(slurp("/proc/self/smaps_rollup"), "[rollup]\nRss:"));
	assert_string_equal(slurp("/proc/sys/fs/inotify/max_user_instances"), "128\n");
	assert_string_equal(slurp("/proc/sys/vm/mmap_min_addr"), "65536\n");
	assert_string_equal(slurp("/proc/sys/kernel/threads-max"), "512\n");
	assert_string_equal(slurp("/proc/self/personality"), "00000000\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_links),
		cmocka_unit_test(test_listings_resume),
		cmocka_unit_test(test_stat_and_status),
		cmocka_unit_test(test_cmdline_environ),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_zombie_then_reaped),
		cmocka_unit_test(test_permissions_and_writes),
		cmocka_unit_test(test_seek_and_system_files),
		cmocka_unit_test(test_sysfs),
		cmocka_unit_test(test_more_proc_files),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
