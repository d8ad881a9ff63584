// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling attributes as the threads that set them see them, through
 * the calls and through /proc/self/task/TID/stat (priority, nice,
 * rt_priority, policy): nice values up and back down, on the caller and
 * on another thread, SCHED_BATCH, SCHED_IDLE and back, SCHED_FIFO and
 * SCHED_RR, and what a thread created afterwards inherits. Under runsk
 * the nice values and SCHED_BATCH/IDLE also reach the host threads; the
 * guest must see the same as natively all the same.
 *
 * With the argument "hold", sets nice 7 on the main thread and SCHED_IDLE
 * on a second one, prints "holding" and sleeps 10 s, so that one can look
 * at runsk's host threads meanwhile: field 19 of /proc/PID/task/TID/stat
 * is the nice value, 41 the policy.
 *
 * Runs as root (lowering a nice value and the real-time policies need
 * CAP_SYS_NICE).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "guest_test.h"

struct sched_attr_v0 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static const char *res(long r)
{
	return r < 0 ? guest_errno_name(errno) : "0";
}

static long tid(void)
{
	return syscall(SYS_gettid);
}

/* Fields 18, 19, 40 and 41 of /proc/self/task/TID/stat: priority nice rt_priority policy. */
static const char *stat_of(long t)
{
	static char out[64];
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", t);
	FILE *f = fopen(path, "r");
	if (!f)
		return "no stat";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	long v[64] = {0};
	int i = 3; /* field 3 (state) follows the comm */
	for (p = p ? p + 2 : buf; *p && i < 42; i++) {
		char *end;
		v[i] = strtol(p, &end, 10);
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	snprintf(out, sizeof(out), "prio %ld nice %ld rtprio %ld policy %ld", v[18], v[19], v[40],
		 v[41]);
	return out;
}

static long setattr(long t, int policy, int nice, int prio)
{
	struct sched_attr_v0 a = {.size = sizeof(a),
				  .sched_policy = (uint32_t)policy,
				  .sched_nice = nice,
				  .sched_priority = (uint32_t)prio};
	return syscall(SYS_sched_setattr, t, &a, 0L);
}

static long setsched(long t, int policy, int prio)
{
	struct sched_param p = {.sched_priority = prio};
	return syscall(SYS_sched_setscheduler, t, (long)policy, &p);
}

static void show(const char *what, long t)
{
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, (id_t)t);
	if (errno)
		nice = -100;
	long policy = syscall(SYS_sched_getscheduler, t);
	printf("%s: policy %ld nice %d stat %s\n", what, policy, nice, stat_of(t));
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long other_tid;
static bool done;

static void *other(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	other_tid = tid();
	pthread_cond_broadcast(&cv);
	while (!done)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *inherit(void *arg)
{
	(void)arg;
	show("new thread inherits", tid());
	return NULL;
}

static pthread_t start_other(void)
{
	pthread_t th;
	pthread_create(&th, NULL, other, NULL);
	pthread_mutex_lock(&mu);
	while (!other_tid)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return th;
}

static void stop_other(pthread_t th)
{
	pthread_mutex_lock(&mu);
	done = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(th, NULL);
}

static int hold(void)
{
	pthread_t th = start_other();
	printf("nice 7: %s\n", res(setpriority(PRIO_PROCESS, 0, 7)));
	printf("other nice 9: %s\n", res(setpriority(PRIO_PROCESS, (id_t)other_tid, 9)));
	printf("other SCHED_IDLE: %s\n", res(setsched(other_tid, SCHED_IDLE, 0)));
	printf("holding\n");
	fflush(stdout);
	struct timespec ts = {10, 0};
	nanosleep(&ts, NULL);
	stop_other(th);
	return guest_finish();
}

int main(int argc, char **argv)
{
	guest_start("sched_host");
	if (argc > 1 && !strcmp(argv[1], "hold"))
		return hold();
	long me = tid();
	show("start", me);
	printf("nice 5: %s\n", res(setpriority(PRIO_PROCESS, 0, 5)));
	show("after nice 5", me);
	printf("nice -3 (root): %s\n", res(setpriority(PRIO_PROCESS, 0, -3)));
	show("after nice -3", me);
	printf("nice 0: %s\n", res(setpriority(PRIO_PROCESS, 0, 0)));

	pthread_t th = start_other();
	printf("other thread nice 12: %s\n", res(setpriority(PRIO_PROCESS, (id_t)other_tid, 12)));
	show("other thread", other_tid);
	show("caller unchanged", me);
	printf("other thread SCHED_BATCH: %s\n", res(setsched(other_tid, SCHED_BATCH, 0)));
	show("other batch", other_tid);
	printf("other thread SCHED_IDLE: %s\n", res(setsched(other_tid, SCHED_IDLE, 0)));
	show("other idle", other_tid);
	printf("other thread back to NORMAL nice 1: %s\n", res(setattr(other_tid, 0, 1, 0)));
	show("other normal", other_tid);
	stop_other(th);

	printf("SCHED_BATCH nice 4: %s\n", res(setattr(0, SCHED_BATCH, 4, 0)));
	show("batch", me);
	pthread_t t2;
	pthread_create(&t2, NULL, inherit, NULL);
	pthread_join(t2, NULL);
	printf("SCHED_FIFO 10: %s\n", res(setsched(0, SCHED_FIFO, 10)));
	show("fifo", me);
	printf("SCHED_RR 3: %s\n", res(setsched(0, SCHED_RR, 3)));
	show("rr", me);
	printf("SCHED_OTHER: %s\n", res(setsched(0, SCHED_OTHER, 0)));
	show("other again", me);
	printf("nice 0: %s\n", res(setpriority(PRIO_PROCESS, 0, 0)));
	show("end", me);
	return guest_finish();
}
