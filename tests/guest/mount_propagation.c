// SPDX-License-Identifier: Apache-2.0
/*
 * Mount propagation as root (mount_namespaces(7), Linux's
 * Documentation/filesystems/sharedsubtree.rst): a mount under a shared
 * mount is seen at its peers (a bind of it, its copy in a namespace made
 * after it became shared) and its slaves, not the other way from a
 * slave; MS_PRIVATE stops it; umount propagates, not to a busy copy
 * (EBUSY) nor to one with mounts of its own; MS_UNBINDABLE refuses bind
 * and is skipped by rbind; MS_MOVE under a shared mount propagates and
 * out of one is EINVAL; trees (rbind, mounts on copies) propagate and
 * go whole; a receiver's own mount stays on top of a copy and takes its
 * place when it goes; a group's slaves pass to its master when the group
 * ends; mountinfo's shared:, master:, propagate_from: and unbindable.
 *
 * Peer group numbers differ between Linux and runsk (and Linux reuses
 * them), so mountinfo's fields are printed with each number replaced by
 * the first mount point (in strcmp order) in that group we see:
 * "master:=/tmp/a".
 *
 * The first thing is unshare(CLONE_NEWNS) and making every mount
 * private, and everything happens on a tmpfs mounted on /tmp after that,
 * so the host's mounts are never touched when run natively.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "guest_test.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static void tmpfs(const char *where)
{
	mkdir(where, 0755);
	expect_ret(mount("tmpfs", where, "tmpfs", 0, NULL), 0, "mount tmpfs %s", where);
}

static void bind(const char *from, const char *to)
{
	mkdir(to, 0755);
	expect_ret(mount(from, to, NULL, MS_BIND, NULL), 0, "bind %s %s", from, to);
}

static void make(const char *where, unsigned long type, const char *name)
{
	expect_ret(mount(NULL, where, NULL, type, NULL), 0, "make-%s %s", name, where);
}

/* Our mountinfo: each line's mount point and its optional fields. */
struct info {
	char mp[128];
	char fields[128];
};
static struct info lines[256];
static int nlines;

static void read_mountinfo(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	nlines = 0;
	while (f && nlines < 256 && fgets(line, sizeof(line), f)) {
		int end = 0;
		char *dash = strstr(line, " - ");
		struct info *in = &lines[nlines];
		if (!dash || sscanf(line, "%*s %*s %*s %*s %127s %*s%n", in->mp, &end) != 1)
			continue;
		*dash = 0;
		snprintf(in->fields, sizeof(in->fields), "%s", line + end + (line[end] == ' '));
		nlines++;
	}
	if (f)
		fclose(f);
}

/* Does the field list have "shared:N"? */
static bool has_shared(const char *fields, unsigned long n)
{
	char want[32];
	snprintf(want, sizeof(want), "shared:%lu", n);
	for (const char *p = fields; (p = strstr(p, want)); p++) {
		char after = p[strlen(want)];
		if ((p == fields || p[-1] == ' ') && (after == 0 || after == ' ' || after == '\n'))
			return true;
	}
	return false;
}

/*
 * A group number's name: "=" and the first mount point (in strcmp order)
 * of a mount in that group we see, or "other" if we see none.
 */
static void group_name(unsigned long n, char *out, size_t size)
{
	const char *best = NULL;
	for (int i = 0; i < nlines; i++)
		if (has_shared(lines[i].fields, n) && (!best || strcmp(lines[i].mp, best) < 0))
			best = lines[i].mp;
	snprintf(out, size, best ? "=%s" : "other", best);
}

/* The optional fields of the top mount on mp in our mountinfo, numbers named; "absent" if none. */
static const char *fields(const char *mp)
{
	static char out[256];
	char found[128] = "";
	int at = -1;
	read_mountinfo();
	for (int i = 0; i < nlines; i++)
		if (!strcmp(lines[i].mp, mp))
			at = i;
	if (at < 0)
		return "absent";
	snprintf(found, sizeof(found), "%s", lines[at].fields);
	out[0] = 0;
	for (char *tok = strtok(found, " \n"); tok; tok = strtok(NULL, " \n")) {
		char *colon = strchr(tok, ':');
		char word[200], name[140];
		if (colon) {
			group_name(strtoul(colon + 1, NULL, 10), name, sizeof(name));
			snprintf(word, sizeof(word), "%.*s:%s", (int)(colon - tok), tok, name);
		} else {
			snprintf(word, sizeof(word), "%s", tok);
		}
		if (out[0])
			strncat(out, " ", sizeof(out) - strlen(out) - 1);
		strncat(out, word, sizeof(out) - strlen(out) - 1);
	}
	return out[0] ? out : "private";
}

static int count_mounts(const char *mp)
{
	int n = 0;
	read_mountinfo();
	for (int i = 0; i < nlines; i++)
		n += !strcmp(lines[i].mp, mp);
	return n;
}

static void show(const char *mp)
{
	printf("mountinfo %s: %s\n", mp, fields(mp));
}

/* A mount on /tmp/a/sub (shared) is seen at the bind /tmp/b, and umount of either takes both. */
static void test_peers(void)
{
	tmpfs("/tmp/a");
	make("/tmp/a", MS_SHARED, "shared");
	mkdir("/tmp/a/sub", 0755);
	bind("/tmp/a", "/tmp/b");
	show("/tmp/a");
	show("/tmp/b");
	tmpfs("/tmp/a/sub");
	touch("/tmp/a/sub/x");
	check(exists("/tmp/b/sub/x"), "mount under a shared mount is seen at its peer");
	show("/tmp/a/sub");
	show("/tmp/b/sub");
	expect_ret(umount("/tmp/b/sub"), 0, "umount the peer's copy");
	check(!exists("/tmp/a/sub/x"), "umount propagates back to the original");
	show("/tmp/a/sub");
	/* A mount on the peer propagates the other way too. */
	tmpfs("/tmp/b/sub");
	touch("/tmp/b/sub/y");
	check(exists("/tmp/a/sub/y"), "mount on the peer is seen at the original");
	expect_ret(umount("/tmp/a/sub"), 0, "umount the original");
	check(!exists("/tmp/b/sub/y"), "umount propagates to the peer");
}

/* /tmp/s is a slave of /tmp/a's group: it receives, it does not send. */
static void test_slave(void)
{
	bind("/tmp/a", "/tmp/s");
	make("/tmp/s", MS_SLAVE, "slave");
	show("/tmp/s");
	tmpfs("/tmp/a/sub");
	touch("/tmp/a/sub/z");
	check(exists("/tmp/s/sub/z"), "mount on the master is seen at the slave");
	show("/tmp/s/sub");
	mkdir("/tmp/a/sub2", 0755);
	tmpfs("/tmp/s/sub2");
	touch("/tmp/s/sub2/w");
	check(!exists("/tmp/a/sub2/w"), "mount on the slave is not seen at the master");
	check(!exists("/tmp/b/sub2/w"), "mount on the slave is not seen at the master's peer");
	show("/tmp/s/sub2");
	expect_ret(umount("/tmp/s/sub2"), 0, "umount on the slave");

	/* A busy copy makes the umount EBUSY; a copy with mounts of its own stays. */
	int fd = open("/tmp/s/sub/z", O_RDONLY);
	check(fd >= 0, "open a file in the slave's copy");
	expect_err(umount("/tmp/a/sub"), EBUSY, "umount while the slave's copy is busy");
	close(fd);
	mkdir("/tmp/s/sub/inner", 0755);
	tmpfs("/tmp/s/sub/inner");
	expect_ret(umount("/tmp/a/sub"), 0, "umount with the slave's copy holding a mount");
	check(!exists("/tmp/a/sub/z") && !exists("/tmp/b/sub/z"), "gone from master and peer");
	check(exists("/tmp/s/sub/z"), "the slave's copy with a mount on it stays");
	expect_ret(umount("/tmp/s/sub/inner"), 0, "umount the slave's own mount");
	expect_ret(umount("/tmp/s/sub"), 0, "umount the slave's copy");
}

/* MS_PRIVATE stops both ways; a shared slave passes events on to its own slaves and peers. */
static void test_private_and_chain(void)
{
	/* /tmp/t: a slave of /tmp/a's group, shared itself; /tmp/t2 its peer; /tmp/t3 its slave. */
	bind("/tmp/a", "/tmp/t");
	make("/tmp/t", MS_SLAVE, "slave");
	make("/tmp/t", MS_SHARED, "shared");
	bind("/tmp/t", "/tmp/t2");
	bind("/tmp/t", "/tmp/t3");
	make("/tmp/t3", MS_SLAVE, "slave");
	show("/tmp/t");
	show("/tmp/t2");
	show("/tmp/t3");
	make("/tmp/b", MS_PRIVATE, "private");
	show("/tmp/b");
	tmpfs("/tmp/a/sub");
	touch("/tmp/a/sub/v");
	check(!exists("/tmp/b/sub/v"), "a private mount receives nothing");
	check(exists("/tmp/t/sub/v") && exists("/tmp/t2/sub/v") && exists("/tmp/t3/sub/v"),
	      "a shared slave, its peer and its slave receive");
	show("/tmp/a/sub");
	show("/tmp/t/sub");
	show("/tmp/t2/sub");
	show("/tmp/t3/sub");
	expect_ret(umount("/tmp/a/sub"), 0, "umount on the master");
	check(!exists("/tmp/t/sub/v") && !exists("/tmp/t2/sub/v") && !exists("/tmp/t3/sub/v"),
	      "umount reaches the slave chain");
	tmpfs("/tmp/b/sub");
	touch("/tmp/b/sub/p");
	check(!exists("/tmp/a/sub/p"), "a private mount sends nothing");
	expect_ret(umount("/tmp/b/sub"), 0, "umount on the private mount");
	/* A slave that is shared sends to its peers and slaves, not to its master. */
	tmpfs("/tmp/t/sub");
	touch("/tmp/t/sub/q");
	check(exists("/tmp/t2/sub/q") && exists("/tmp/t3/sub/q"),
	      "shared slave sends to its group");
	check(!exists("/tmp/a/sub/q"), "shared slave sends nothing to its master");
	expect_ret(umount("/tmp/t/sub"), 0, "umount on the shared slave");
	check(!exists("/tmp/t3/sub/q"), "and it reaches its slave");
}

/* MS_UNBINDABLE: no bind of it, rbind leaves it out. */
static void test_unbindable(void)
{
	tmpfs("/tmp/c");
	tmpfs("/tmp/c/u");
	touch("/tmp/c/u/m");
	make("/tmp/c/u", MS_UNBINDABLE, "unbindable");
	show("/tmp/c/u");
	mkdir("/tmp/u2", 0755);
	expect_err(mount("/tmp/c/u", "/tmp/u2", NULL, MS_BIND, NULL), EINVAL, "bind unbindable");
	mkdir("/tmp/d", 0755);
	expect_ret(mount("/tmp/c", "/tmp/d", NULL, MS_BIND | MS_REC, NULL), 0, "rbind its parent");
	check(exists("/tmp/d/u") && !exists("/tmp/d/u/m"), "rbind leaves the unbindable mount out");
	show("/tmp/d/u");
	/* Moving a tree holding an unbindable mount under a shared one: EINVAL. */
	mkdir("/tmp/a/mv", 0755);
	expect_err(mount("/tmp/c", "/tmp/a/mv", NULL, MS_MOVE, NULL), EINVAL,
		   "move a tree with an unbindable mount under a shared mount");
}

/* MS_MOVE onto a shared mount propagates as a new mount; out of a shared parent it is EINVAL. */
static void test_move(void)
{
	tmpfs("/tmp/m");
	touch("/tmp/m/moved");
	expect_ret(mount("/tmp/m", "/tmp/a/mv", NULL, MS_MOVE, NULL), 0,
		   "move under a shared mount");
	check(exists("/tmp/s/mv/moved") && exists("/tmp/t2/mv/moved"),
	      "the moved mount is seen at the slaves");
	show("/tmp/a/mv");
	show("/tmp/s/mv");
	mkdir("/tmp/mv2", 0755);
	expect_err(mount("/tmp/a/mv", "/tmp/mv2", NULL, MS_MOVE, NULL), EINVAL,
		   "move out of a shared parent");
	expect_ret(umount("/tmp/a/mv"), 0, "umount the moved mount");
	check(!exists("/tmp/s/mv/moved"), "and its copies go");
}

/*
 * A tree (rbind, or mounts on a propagated mount) propagates whole, and
 * umount -l takes the copies of the whole tree; a peer whose root is a
 * subdirectory receives only what is under it; a receiver's own mount
 * on the spot stays on top of the copy.
 */
static void test_trees(void)
{
	tmpfs("/tmp/e");
	tmpfs("/tmp/e/e1");
	touch("/tmp/e/e1/deep");
	mkdir("/tmp/a/rb", 0755);
	expect_ret(mount("/tmp/e", "/tmp/a/rb", NULL, MS_BIND | MS_REC, NULL), 0,
		   "rbind a tree under a shared mount");
	check(exists("/tmp/s/rb/e1/deep") && exists("/tmp/t3/rb/e1/deep"),
	      "the whole tree is seen at the slaves");
	show("/tmp/a/rb");
	show("/tmp/a/rb/e1");
	show("/tmp/s/rb/e1");
	show("/tmp/t2/rb/e1");
	expect_ret(umount2("/tmp/a/rb", MNT_DETACH), 0, "umount -l the tree");
	check(!exists("/tmp/s/rb/e1") && !exists("/tmp/t3/rb/e1"), "the copies of the tree go");

	tmpfs("/tmp/a/sub");
	mkdir("/tmp/a/sub/in", 0755);
	tmpfs("/tmp/a/sub/in");
	touch("/tmp/a/sub/in/f");
	check(exists("/tmp/s/sub/in/f") && exists("/tmp/t3/sub/in/f"),
	      "a mount on a propagated mount propagates");
	show("/tmp/a/sub/in");
	show("/tmp/t3/sub/in");
	expect_err(umount("/tmp/a/sub"), EBUSY, "umount with a mount on it");
	expect_ret(umount2("/tmp/a/sub", MNT_DETACH), 0, "umount -l it");
	check(!exists("/tmp/s/sub/in") && !exists("/tmp/t3/sub/in"), "the copies go with it");

	/* A peer whose root is a subdirectory. */
	mkdir("/tmp/a/dir", 0755);
	mkdir("/tmp/a/dir/x", 0755);
	mkdir("/tmp/a/y", 0755);
	bind("/tmp/a/dir", "/tmp/pd");
	show("/tmp/pd");
	tmpfs("/tmp/a/dir/x");
	touch("/tmp/a/dir/x/f");
	tmpfs("/tmp/a/y");
	check(exists("/tmp/pd/x/f"), "a subdirectory's peer receives what is under it");
	show("/tmp/pd/x");
	expect_ret(umount("/tmp/a/y"), 0, "umount /tmp/a/y");
	expect_ret(umount("/tmp/pd/x"), 0, "umount at the subdirectory's peer");
	check(!exists("/tmp/a/dir/x/f"), "it propagates back");

	/* The slave's own mount stays on top of what its master sends there. */
	mkdir("/tmp/a/own", 0755);
	tmpfs("/tmp/s/own");
	touch("/tmp/s/own/mine");
	tmpfs("/tmp/a/own");
	touch("/tmp/a/own/masters");
	check(exists("/tmp/s/own/mine") && !exists("/tmp/s/own/masters"),
	      "the slave still sees its own mount");
	check(exists("/tmp/t3/own/masters"), "another slave sees the master's");
	printf("mounts on /tmp/s/own: %d\n", count_mounts("/tmp/s/own"));
	expect_ret(umount("/tmp/s/own"), 0, "umount the slave's own mount");
	check(exists("/tmp/s/own/masters"), "then the master's copy under it shows");
	expect_ret(umount("/tmp/a/own"), 0, "umount the master's");
	check(!exists("/tmp/s/own/masters"), "and its copy goes");
	/* Again, but the master's goes first: the slave's own mount takes its copy's place. */
	tmpfs("/tmp/s/own");
	tmpfs("/tmp/a/own");
	touch("/tmp/a/own/masters");
	/* What is busy is the slave's own mount, which stays: not EBUSY. */
	int fd = open("/tmp/s/own/mine2", O_CREAT | O_WRONLY, 0644);
	expect_ret(umount("/tmp/a/own"), 0, "umount the master's, the slave's own mount busy");
	close(fd);
	printf("mounts on /tmp/s/own: %d\n", count_mounts("/tmp/s/own"));
	check(exists("/tmp/s/own/mine2"), "the slave's own mount is still there");
	show("/tmp/s/own");
	expect_ret(umount("/tmp/s/own"), 0, "umount the slave's own mount");
	printf("mounts on /tmp/s/own: %d\n", count_mounts("/tmp/s/own"));
	/* With the copy itself busy under the slave's mount: EBUSY. */
	tmpfs("/tmp/a/own");
	fd = open("/tmp/s/own", O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "open the slave's copy");
	tmpfs("/tmp/s/own");
	expect_err(umount("/tmp/a/own"), EBUSY, "umount the master's, its copy busy");
	close(fd);
	expect_ret(umount("/tmp/a/own"), 0, "umount the master's, the copy no longer busy");
	printf("mounts on /tmp/s/own: %d\n", count_mounts("/tmp/s/own"));
	expect_ret(umount("/tmp/s/own"), 0, "umount the slave's own mount");
	printf("mounts on /tmp/s/own: %d\n", count_mounts("/tmp/s/own"));

	/* A bind of a shared mount onto itself: one copy at each peer, not an endless chain. */
	mkdir("/tmp/a/self", 0755);
	expect_ret(mount("/tmp/a", "/tmp/a/self", NULL, MS_BIND, NULL), 0,
		   "bind a shared mount under itself");
	check(exists("/tmp/a/self/self") && !exists("/tmp/a/self/self/self/dir"),
	      "the copy's own copy is a plain directory");
	check(exists("/tmp/s/self/dir"), "the slave got a copy");
	show("/tmp/a/self");
	show("/tmp/s/self");
	expect_ret(umount2("/tmp/a/self", MNT_DETACH), 0, "umount -l it");
	check(!exists("/tmp/s/self/dir"), "the slave's copy goes");
}

static void sync_write(int fd)
{
	if (write(fd, "x", 1) != 1)
		printf("FAIL pipe write\n");
}

static void sync_read(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		printf("FAIL pipe read\n");
}

/*
 * A namespace copied from one whose mounts are shared: its copies are
 * peers of the originals, both ways. Then, made a slave there, /tmp/t's
 * copy shows where its events come from (propagate_from).
 */
static void test_namespaces(void)
{
	int to_child[2], to_parent[2];
	mkdir("/tmp/a/n1", 0755);
	mkdir("/tmp/a/n2", 0755);
	if (pipe(to_child) || pipe(to_parent)) {
		printf("FAIL pipe\n");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		expect_ret(unshare(CLONE_NEWNS), 0, "child: unshare(CLONE_NEWNS)");
		show("/tmp/a");
		sync_write(to_parent[1]);
		sync_read(to_child[0]);
		check(exists("/tmp/a/n1/from-parent"), "child: sees the parent's new mount");
		show("/tmp/a/n1");
		tmpfs("/tmp/a/n2");
		touch("/tmp/a/n2/from-child");
		/* /tmp/t's group (its master) has no member left here: events come from /tmp/a's. */
		make("/tmp/t", MS_SLAVE, "slave");
		make("/tmp/t2", MS_SLAVE, "slave");
		show("/tmp/t");
		show("/tmp/t3");
		sync_write(to_parent[1]);
		sync_read(to_child[0]);
		check(!exists("/tmp/a/n1/from-parent"), "child: the parent's umount propagated");
		exit(guest_finish());
	}
	sync_read(to_parent[0]);
	tmpfs("/tmp/a/n1");
	touch("/tmp/a/n1/from-parent");
	sync_write(to_child[1]);
	sync_read(to_parent[0]);
	check(exists("/tmp/a/n2/from-child"), "parent: sees the child's new mount");
	expect_ret(umount("/tmp/a/n1"), 0, "parent: umount its mount");
	sync_write(to_child[1]);
	guest_expect_child(pid, "exit 0", "child");
	expect_ret(umount("/tmp/a/n2"), 0, "parent: umount the child's mount");
}

/*
 * When the last member of a group leaves it, its slaves receive from
 * the group's master instead, or from nobody if it had none.
 */
static void test_group_end(void)
{
	make("/tmp/t", MS_PRIVATE, "private");
	show("/tmp/t3");
	make("/tmp/t2", MS_PRIVATE, "private");
	show("/tmp/t3");
	tmpfs("/tmp/a/sub");
	touch("/tmp/a/sub/r");
	check(exists("/tmp/t3/sub/r"), "the slave of the ended group receives from its master");
	check(!exists("/tmp/t/sub/r"), "the private one does not");
	show("/tmp/t3/sub");
	expect_ret(umount("/tmp/a/sub"), 0, "umount on the master");
	check(!exists("/tmp/t3/sub/r"), "and that reaches the slave too");

	tmpfs("/tmp/f");
	make("/tmp/f", MS_SHARED, "shared");
	bind("/tmp/f", "/tmp/f2");
	make("/tmp/f2", MS_SLAVE, "slave");
	show("/tmp/f2");
	make("/tmp/f", MS_SLAVE, "slave");
	show("/tmp/f");
	show("/tmp/f2");
}

int main(void)
{
	guest_start("mount_propagation");
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, NULL)) {
		printf("FAIL setup: unshare + private + tmpfs on /tmp: %s\n",
		       guest_errno_name(errno));
		return 1;
	}
	printf("unshare(CLONE_NEWNS) and a tmpfs on /tmp: ok\n");
	test_peers();
	test_slave();
	test_private_and_chain();
	test_unbindable();
	test_move();
	test_trees();
	test_namespaces();
	test_group_end();
	return guest_finish();
}
