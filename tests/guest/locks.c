// SPDX-License-Identifier: Apache-2.0
/*
 * File locks: fcntl record locks (F_GETLK/F_SETLK/F_SETLKW) between two
 * processes, with F_GETLK's answer (l_pid of the holder), range split
 * and merge, the POSIX rule that closing any fd drops the process's
 * locks, a blocked F_SETLKW woken by an unlock, ended by a signal (EINTR)
 * or restarted (SA_RESTART), EDEADLK between two processes; OFD locks
 * (per open file description, across threads, conflicting with POSIX
 * locks); flock(2) (conversions, LOCK_NB, per description, independent
 * of fcntl locks); and Linux's errors for bad requests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_test.h"

static char path[] = "/tmp/guest-locks-XXXXXX";

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int lk(int fd, int cmd, short type, short whence, long start, long len)
{
	struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

/* F_GETLK (or F_OFD_GETLK) of [start, start+len) as "W 0+10 pid" or "U". */
static const char *getlk(int fd, int cmd, short type, long start, long len, pid_t self_pid)
{
	static char s[64];
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	if (fcntl(fd, cmd, &fl))
		return guest_errno_name(errno);
	if (fl.l_type == F_UNLCK)
		return "U";
	const char *who = fl.l_pid == -1 ? "ofd" : fl.l_pid == self_pid ? "parent" : "other";
	snprintf(s, sizeof(s), "%c %ld+%ld %s", fl.l_type == F_WRLCK ? 'W' : 'R', (long)fl.l_start,
		 (long)fl.l_len, who);
	return s;
}

static void expect_str(const char *got, const char *want, const char *what)
{
	bool ok = !strcmp(got, want);
	if (ok)
		printf("%s: %s\n", what, want);
	else {
		guest_failures++;
		printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got, want);
	}
}

/* Run fn in a child process; its checks print there, its failures fail us. */
static void in_child(void (*fn)(void *), void *arg, const char *what)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child passed", what);
}

static int open_file(int flags)
{
	return open(path, flags);
}

struct query {
	short type;
	long start, len;
	const char *want;
	const char *what;
};

/* Child side: F_GETLK queries against the parent's locks. */
static void child_queries(void *arg)
{
	pid_t parent = getppid();
	int fd = open_file(O_RDWR);
	for (const struct query *q = arg; q->what; q++)
		expect_str(getlk(fd, F_GETLK, q->type, q->start, q->len, parent), q->want, q->what);
	close(fd);
}

static void query(const char *what, const struct query *q)
{
	in_child(child_queries, (void *)q, what);
}

static void test_errors(void)
{
	int fd = open_file(O_RDWR), rd = open_file(O_RDONLY), wr = open_file(O_WRONLY);
	int opath = open(path, O_PATH);
	struct flock fl = {.l_type = F_WRLCK};

	expect_err(lk(fd, F_SETLK, F_WRLCK, 7, 0, 0), EINVAL, "F_SETLK l_whence 7");
	expect_err(lk(fd, F_SETLK, 7, SEEK_SET, 0, 0), EINVAL, "F_SETLK l_type 7");
	expect_err(lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 0), EINVAL, "F_GETLK of F_UNLCK");
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 0), EINVAL, "F_SETLK l_start -1");
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -6), EINVAL, "F_SETLK before offset 0");
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, INT64_MAX, 2), EOVERFLOW,
		   "F_SETLK past the largest offset");
	expect_err(lk(fd, F_GETLK, F_WRLCK, SEEK_SET, INT64_MAX, 2), EOVERFLOW,
		   "F_GETLK past the largest offset");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, INT64_MAX, 1), 0, "F_SETLK of the last byte");
	expect_ret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0, "F_SETLK F_UNLCK of it all");
	expect_err(lk(rd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF, "write lock, O_RDONLY fd");
	expect_err(lk(wr, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF, "read lock, O_WRONLY fd");
	expect_ret(lk(rd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1), 0, "unlock, O_RDONLY fd");
	expect_err(lk(opath, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF, "F_SETLK on O_PATH");
	expect_err(lk(opath, F_GETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF, "F_GETLK on O_PATH");
	expect_err(lk(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF, "F_SETLK on fd -1");
	expect_err(fcntl(fd, F_SETLK, (void *)8), EFAULT, "F_SETLK bad pointer");
	expect_err(fcntl(fd, F_GETLK, (void *)8), EFAULT, "F_GETLK bad pointer");
	fl.l_pid = 1;
	expect_err(fcntl(fd, F_OFD_SETLK, &fl), EINVAL, "F_OFD_SETLK l_pid 1");
	expect_err(fcntl(fd, F_OFD_GETLK, &fl), EINVAL, "F_OFD_GETLK l_pid 1");
	fl.l_pid = 12345;
	expect_ret(fcntl(fd, F_SETLK, &fl), 0, "F_SETLK ignores l_pid");

	/* Own locks never block: F_GETLK answers F_UNLCK, fields untouched. */
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 3, .l_len = 4};
	expect_ret(fcntl(fd, F_GETLK, &fl), 0, "F_GETLK of own lock");
	check(fl.l_type == F_UNLCK && fl.l_whence == SEEK_CUR && fl.l_start == 3 && fl.l_len == 4,
	      "...F_UNLCK, the rest untouched");
	expect_ret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0, "unlock");

	expect_err(flock(fd, 0), EINVAL, "flock 0");
	expect_err(flock(fd, LOCK_SH | LOCK_EX), EINVAL, "flock LOCK_SH|LOCK_EX");
	expect_err(flock(-1, 16), EINVAL, "flock bad op before bad fd");
	expect_err(flock(-1, LOCK_SH), EBADF, "flock fd -1");
	expect_err(flock(opath, LOCK_SH), EBADF, "flock O_PATH");
	expect_err(flock(opath, LOCK_UN), EBADF, "flock LOCK_UN O_PATH");
	close(fd);
	close(rd);
	close(wr);
	close(opath);
}

static void child_contend(void *arg)
{
	int fd = open_file(O_RDWR);
	(void)arg;
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), EAGAIN,
		   "child F_SETLK in parent's lock");
	expect_err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), EAGAIN, "child read lock over it");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0, "child lock next to it");
	expect_str(getlk(fd, F_GETLK, F_RDLCK, 0, 0, getppid()), "W 0+10 parent",
		   "child F_GETLK names the parent");
	close(fd);
}

static void test_two_processes(void)
{
	int fd = open_file(O_RDWR);

	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0, "parent write-locks [0,10)");
	in_child(child_contend, NULL, "contention");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0, "the child's lock went with it");

	/* Split: unlock the middle; change the type of a part; merge back. */
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100), 0, "lock [0,100)");
	expect_ret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20), 0, "unlock [40,60)");
	query("split", (const struct query[]){
			       {F_RDLCK, 0, 0, "W 0+40 parent", "first piece"},
			       {F_RDLCK, 40, 20, "U", "hole"},
			       {F_RDLCK, 50, 0, "W 60+40 parent", "second piece"},
			       {0},
		       });
	expect_ret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 30, 40), 0, "read-lock [30,70)");
	query("type change", (const struct query[]){
				     {F_RDLCK, 0, 0, "W 0+30 parent", "write part"},
				     {F_RDLCK, 30, 40, "U", "read part lets readers in"},
				     {F_WRLCK, 30, 1, "R 30+40 parent", "read part, merged"},
				     {F_WRLCK, 70, 0, "W 70+30 parent", "last part"},
				     {0},
			     });
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 30, 40), 0, "upgrade [30,70)");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, 10), 0, "lock [100,110), adjacent");
	query("merge", (const struct query[]){
			       {F_RDLCK, 0, 0, "W 0+110 parent", "one lock"},
			       {0},
		       });
	/* Whence: SEEK_CUR and SEEK_END, negative lengths, to EOF. */
	expect_ret(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0, "unlock all");
	lseek(fd, 200, SEEK_SET);
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -10, 5), 0, "SEEK_CUR -10, 5");
	expect_ret(ftruncate(fd, 1000), 0, "ftruncate 1000");
	expect_ret(lk(fd, F_SETLK, F_RDLCK, SEEK_END, 0, -10), 0, "SEEK_END 0, -10");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 100, 0), 0, "SEEK_END +100, to EOF");
	query("whence", (const struct query[]){
				{F_RDLCK, 0, 0, "W 190+5 parent", "SEEK_CUR"},
				{F_WRLCK, 500, 0, "R 990+10 parent", "SEEK_END, negative length"},
				{F_RDLCK, 1000, 0, "W 1100+0 parent", "to EOF"},
				{0},
			});
	close(fd);
}

static void test_close_rule(void)
{
	int fd = open_file(O_RDWR), other = open_file(O_RDONLY);

	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "lock through fd");
	close(other);
	query("close another fd", (const struct query[]){
					  {F_RDLCK, 0, 0, "U", "closing another fd dropped it"},
					  {0},
				  });
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "lock again");
	int d = dup(fd);
	close(d);
	query("close a dup", (const struct query[]){
				     {F_RDLCK, 0, 0, "U", "closing a dup dropped it"},
				     {0},
			     });
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "lock again");
	d = open_file(O_RDONLY);
	dup2(d, d + 1);
	dup2(fd, d + 1); /* closing the fd dup2 replaces counts too */
	query("dup2 over an fd", (const struct query[]){
					 {F_RDLCK, 0, 0, "U", "dup2 over one dropped it"},
					 {0},
				 });
	close(d);
	close(d + 1);

	/* OFD locks stay until their description's last close. */
	expect_ret(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "OFD lock");
	other = open_file(O_RDONLY);
	close(other);
	query("OFD", (const struct query[]){
			     {F_RDLCK, 0, 0, "W 0+1 ofd", "OFD lock survives, l_pid -1"},
			     {0},
		     });
	close(fd);
	fd = open_file(O_RDWR);
	expect_str(getlk(fd, F_OFD_GETLK, F_WRLCK, 0, 0, 0), "U",
		   "last close dropped the OFD lock");
	close(fd);
}

static int sync_pipe[2];

static void child_lock_and_exit(void *arg)
{
	int fd = open_file(O_RDWR);
	(void)arg;
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), 0, "child locks the file");
}

static void child_setlkw(void *arg)
{
	int fd = open_file(O_RDWR);
	(void)arg;
	write(sync_pipe[1], "r", 1);
	expect_ret(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0, "child F_SETLKW woken");
	write(sync_pipe[1], "g", 1);
	sleep_ms(500);
}

static int handled;
static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void arm_timer(bool restart, long ms)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = restart ? SA_RESTART : 0};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {ms / 1000, ms % 1000 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void child_eintr(void *arg)
{
	int fd = open_file(O_RDWR);
	(void)arg;
	arm_timer(false, 100);
	expect_err(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1), EINTR, "F_SETLKW ended by a signal");
	check(handled == 1, "...the handler ran");
	arm_timer(true, 100);
	write(sync_pipe[1], "r", 1);
	expect_ret(lk(fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0,
		   "F_OFD_SETLKW restarted (SA_RESTART) until the unlock");
	check(handled == 2, "...the handler ran");
}

static void child_deadlock(void *arg)
{
	int fd = open_file(O_RDWR);
	(void)arg;
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1), 0, "child locks byte 1");
	write(sync_pipe[1], "r", 1);
	sleep_ms(500); /* the parent blocks on byte 1 meanwhile */
	alarm(10);     /* were it not blocked, we would block: die instead of hanging */
	errno = 0;
	int ret = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
	check(ret == -1 && errno == EDEADLK, "child F_SETLKW on the parent's byte: EDEADLK");
}

static void wait_ready(void)
{
	char c;
	read(sync_pipe[0], &c, 1);
}

static void test_blocking(void)
{
	int fd = open_file(O_RDWR);
	char c;

	in_child(child_lock_and_exit, NULL, "lock and exit");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), 0, "the exit released it");

	pipe(sync_pipe);
	pid_t pid = fork();
	if (pid == 0) {
		child_setlkw(NULL);
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	wait_ready();
	sleep_ms(100);
	fcntl(sync_pipe[0], F_SETFL, O_NONBLOCK);
	expect_err(read(sync_pipe[0], &c, 1), EAGAIN, "child still blocked");
	fcntl(sync_pipe[0], F_SETFL, 0);
	/* Print only once the child has printed: the outputs must not interleave. */
	int unlocked = lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	expect_ret(read(sync_pipe[0], &c, 1), 1, "child got the lock");
	expect_ret(unlocked, 0, "...when the parent unlocked");
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EAGAIN, "...and holds it");
	int status;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "F_SETLKW: child passed");

	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "parent locks byte 0");
	pid = fork();
	if (pid == 0) {
		child_eintr(NULL);
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	wait_ready();
	sleep_ms(300);
	unlocked = lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	waitpid(pid, &status, 0);
	expect_ret(unlocked, 0, "parent unlocked byte 0");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "EINTR: child passed");

	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "parent locks byte 0");
	pid = fork();
	if (pid == 0) {
		child_deadlock(NULL);
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	wait_ready();
	arm_timer(false, 20000); /* never hang: EINTR if no one lets us go */
	expect_ret(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1), 0,
		   "parent F_SETLKW on byte 1: gets it when the child exits");
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "EDEADLK: child passed");
	close(sync_pipe[0]);
	close(sync_pipe[1]);
	close(fd);
}

static int thread_fd;
static void *ofd_thread(void *arg)
{
	(void)arg;
	int fd = open_file(O_RDWR);
	expect_err(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1), EAGAIN,
		   "thread: OFD lock of another description");
	expect_str(getlk(fd, F_OFD_GETLK, F_RDLCK, 0, 0, 0), "W 0+1 ofd", "thread: F_OFD_GETLK");
	expect_err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EAGAIN,
		   "thread: POSIX lock against the OFD lock");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), 0, "thread: POSIX lock of byte 5");
	expect_ret(lk(thread_fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0,
		   "thread: same description, no conflict");
	write(sync_pipe[1], "r", 1);
	expect_ret(lk(fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1), 0,
		   "thread: F_OFD_SETLKW woken by the other thread's close");
	close(fd);
	return NULL;
}

static void test_ofd_threads(void)
{
	int fd = open_file(O_RDWR);
	pthread_t th;

	thread_fd = fd;
	pipe(sync_pipe);
	expect_ret(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0, "OFD lock of byte 0");
	expect_ret(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), 0, "POSIX lock of byte 5");
	pthread_create(&th, NULL, ofd_thread, NULL);
	wait_ready();
	sleep_ms(100);
	int d = dup(fd);
	close(fd);
	sleep_ms(50);
	close(d); /* the description's last close */
	pthread_join(th, NULL);
	close(sync_pipe[0]);
	close(sync_pipe[1]);
}

static void child_flock(void *arg)
{
	int inherited = *(int *)arg, fd = open_file(O_RDONLY);
	expect_ret(flock(inherited, LOCK_EX | LOCK_NB), 0,
		   "child: flock of the shared description");
	expect_err(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK, "child: own description, busy");
	expect_ret(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0), 0, "child: fcntl lock is independent");
	write(sync_pipe[1], "r", 1);
	expect_ret(flock(fd, LOCK_SH), 0, "child: LOCK_SH waits for LOCK_UN");
}

static void test_flock(void)
{
	int a = open_file(O_RDONLY), b = open_file(O_WRONLY);

	expect_ret(flock(a, LOCK_SH), 0, "a LOCK_SH");
	expect_ret(flock(b, LOCK_SH | LOCK_NB), 0, "b LOCK_SH");
	expect_err(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK, "b LOCK_EX|LOCK_NB: busy");
	expect_ret(flock(a, LOCK_EX | LOCK_NB), 0, "...which dropped b's lock: a converts");
	expect_err(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK, "b LOCK_SH: busy");
	expect_ret(flock(a, LOCK_SH), 0, "a converts back to LOCK_SH");
	expect_ret(flock(b, LOCK_SH | LOCK_NB), 0, "b LOCK_SH");
	expect_ret(flock(a, LOCK_UN), 0, "a LOCK_UN");
	expect_ret(flock(a, LOCK_UN), 0, "a LOCK_UN again");
	expect_ret(flock(b, LOCK_EX | LOCK_NB), 0, "b converts to LOCK_EX");
	int d = dup(b);
	expect_ret(flock(d, LOCK_EX | LOCK_NB), 0, "a dup holds the same lock");
	close(d);
	expect_err(flock(a, LOCK_SH | LOCK_NB), EWOULDBLOCK, "closing the dup kept it");
	close(b);
	expect_ret(flock(a, LOCK_EX | LOCK_NB), 0, "the last close dropped it");

	pipe(sync_pipe);
	pid_t pid = fork();
	if (pid == 0) {
		child_flock(&a);
		fflush(stdout);
		_exit(guest_failures ? 1 : 0);
	}
	wait_ready();
	sleep_ms(100);
	int unlocked = flock(a, LOCK_UN);
	int status;
	waitpid(pid, &status, 0);
	expect_ret(unlocked, 0, "parent LOCK_UN (the description the child locked)");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "flock: child passed");
	close(sync_pipe[0]);
	close(sync_pipe[1]);
	close(a);
}

/*
 * A process's POSIX locks survive execve, unless close-on-exec closes an
 * fd for the file (the close rule again). The new image checks, from a
 * child of its own, with "after-exec WANT".
 */
static void exec_with_lock(const char *self, bool cloexec_fd, const char *want)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open_file(O_RDWR);
		if (cloexec_fd)
			open_file(O_RDONLY | O_CLOEXEC);
		lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
		fflush(stdout);
		execl(self, self, "after-exec", want, path, (char *)NULL);
		_exit(127);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve%s: the new image passed",
	      cloexec_fd ? " with a close-on-exec fd" : "");
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "after-exec") && strlen(argv[3]) == strlen(path)) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		strcpy(path, argv[3]);
		query("after execve", (const struct query[]){
					      {F_RDLCK, 0, 0, argv[2], "the lock after execve"},
					      {0},
				      });
		return guest_failures ? 1 : 0;
	}
	guest_start("locks");
	int fd = mkstemp(path);
	if (fd < 0) {
		printf("FAIL mkstemp: %s\n", guest_errno_name(errno));
		return 1;
	}
	close(fd);
	test_errors();
	test_two_processes();
	test_close_rule();
	test_blocking();
	test_ofd_threads();
	test_flock();
	exec_with_lock(argv[0], false, "W 0+1 parent");
	exec_with_lock(argv[0], true, "U");
	unlink(path);
	return guest_finish();
}
