// SPDX-License-Identifier: Apache-2.0
/*
 * runsk events [--stats] [--interval D] CONTAINER-ID: runc's event stream,
 * one JSON object a line: {"type":"stats","id":ID,"data":{...}} with the
 * fields of runc's types.Stats. With --stats, one such line; without, one
 * every interval (default 5s) until the container stops; and without
 * --stats, runc's {"type":"oom","id":ID} once per process the Sentry's
 * OOM killer kills from then on (runc watches memory.events' oom_kill;
 * the sandbox's memory is its own, so its OOMs are the Sentry's: asked
 * for over the control socket, SENTRY_CONTROL_OOM). memory.usage.failcnt
 * is the times the sandbox's memory ran out (memory.events' oom).
 *
 * The numbers are the sandbox's host processes' (the Sentry process and
 * its gofer, from /proc): the Sentry's CPU time and memory are the
 * container's, since every guest task runs in it (guest time counts as
 * the Sentry's user time). memory.usage.limit is the sandbox's memory,
 * pids.limit what `runsk update` recorded; pids.current, blkio, hugetlb
 * and the network are not known from outside and left out, as runc's
 * omitempty fields are.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "lib/cleanup.h"
#include "state.h"

struct usage {
	unsigned long long user_ticks, kernel_ticks;
	unsigned long long rss_kb, hwm_kb;
};

/* Add pid's CPU time and memory to u; its parent into *ppid. False if it is gone. */
static bool proc_usage(pid_t pid, struct usage *u, pid_t *ppid)
{
	char path[64], buf[1024], line[256];
	unsigned long long ut, stime;
	int pp;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &pp, &ut,
			 &stime) != 3)
		return false;
	*ppid = pp;
	if (!u)
		return true;
	u->user_ticks += ut;
	u->kernel_ticks += stime;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kb;
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			u->rss_kb += kb;
		else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			u->hwm_kb += kb;
	}
	fclose(f);
	return true;
}

/* The sandbox process and its children (the gofer). */
static void sandbox_usage(pid_t sandbox, struct usage *u)
{
	struct dirent *e;
	pid_t ppid;
	DIR *d;

	memset(u, 0, sizeof(*u));
	proc_usage(sandbox, u, &ppid);
	if (!(d = opendir("/proc")))
		return;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && pid != sandbox && proc_usage(pid, NULL, &ppid) && ppid == sandbox)
			proc_usage(pid, u, &ppid);
	}
	closedir(d);
}

/*
 * The Sentry's OOM kills and OOMs so far (SENTRY_CONTROL_OOM): 0, or
 * -errno when the sandbox does not answer (stopped, or too old to know).
 */
static int oom_counts(const char *root, const char *id, s32 *kills, s32 *ooms)
{
	_cleanup_close_ int sock = oci_control_connect(root, id);
	s32 buf[3];
	struct sentry_control_msg m;

	if (sock < 0)
		return sock;
	oci_control_send(sock, SENTRY_CONTROL_OOM, 0);
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	/* A paused (SIGSTOPped) sandbox answers nothing: the next poll asks again. */
	ssize_t n = poll(&pfd, 1, 500) == 1 ? recv(sock, buf, sizeof(buf), 0) : -1;
	if (n != (ssize_t)sizeof(buf))
		return -EIO;
	memcpy(&m, buf, sizeof(m));
	if (m.type != SENTRY_CONTROL_OOM || m.value < 0 || buf[2] < 0)
		return -EIO;
	*kills = m.value;
	*ooms = buf[2];
	return 0;
}

/* resources.json's section.key as an integer, 0 if unset. */
static json_int_t resource(json_t *res, const char *section, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(res, section), key));
}

/* One stats event of st as runc prints it (a new string, or NULL). */
static char *stats_event(const char *root, const struct oci_state *st)
{
	struct usage u;
	long hz = sysconf(_SC_CLK_TCK);
	json_t *res = oci_state_load_resources(root, st->id);

	s32 kills, ooms = 0;
	if (oci_state_status(root, st) == OCI_PAUSED || oom_counts(root, st->id, &kills, &ooms))
		ooms = 0; /* unknown: 0, as before the Sentry counted */
	sandbox_usage(st->pid, &u);
	hz = hz > 0 ? hz : 100;
	/* The sandbox's memory is the limit it has; an updated one is only recorded. */
	json_int_t limit = st->memory ? (json_int_t)st->memory : resource(res, "memory", "limit");
	json_int_t user = (json_int_t)(u.user_ticks * (1000000000ULL / hz)),
		   kernel = (json_int_t)(u.kernel_ticks * (1000000000ULL / hz));
	json_t *pids = json_object();
	if (pids && resource(res, "pids", "limit") > 0)
		json_object_set_new(pids, "limit", json_integer(resource(res, "pids", "limit")));
	json_t *o = json_pack(
		"{s:s, s:s, s:{s:{s:{s:I, s:I, s:I}, s:{}}, s:{s:{s:I, s:I, s:I, s:i}, s:{s:i, "
		"s:i}, s:{s:i, s:i}, s:{s:i, s:i}}, s:o, s:{}, s:{}, s:{}, s:n}}",
		"type", "stats", "id", st->id, "data", "cpu", "usage", "total", user + kernel,
		"kernel", kernel, "user", user, "throttling", "memory", "usage", "limit", limit,
		"usage", (json_int_t)u.rss_kb * 1024, "max", (json_int_t)u.hwm_kb * 1024, "failcnt",
		(int)ooms, "swap", "limit", 0, "failcnt", 0, "kernel", "limit", 0, "failcnt", 0,
		"kernelTCP", "limit", 0, "failcnt", 0, "pids", pids, "blkio", "hugetlb",
		"intel_rdt", "network_interfaces");
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	json_decref(res);
	return line;
}

#define OOM_POLL_MS 250 /* how often the OOM kills are asked for */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A Go duration as runc takes it ("5s", "100ms", "1m30s"): milliseconds, or -1. */
static long long parse_duration(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}};
	double total = 0;

	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t u = 0;
		if (end == s || v < 0)
			return -1;
		for (; u < ARRAY_SIZE(units); u++) {
			size_t n = strlen(units[u].unit);
			/* "ms" before "m": the longer unit of the same start wins. */
			if (!strncmp(end, units[u].unit, n) &&
			    (n == 2 || end[1] < 'a' || end[1] > 'z'))
				break;
		}
		if (u == ARRAY_SIZE(units))
			return -1;
		total += v * units[u].ms;
		s = end + strlen(units[u].unit);
	}
	return total >= 1 ? (long long)total : -1;
}

static int events_usage(FILE *out)
{
	fprintf(out, "usage: runsk [--root DIR] events [--stats] [--interval D] CONTAINER-ID\n"
		     "  --stats        print the container's usage once, as a JSON line\n"
		     "  --interval D   without --stats: print it every D (default 5s) until the\n"
		     "                 container stops\n");
	return out == stdout ? 0 : 1;
}

int cmd_events(const struct global_opts *g, int argc, char **argv)
{
	const char *root = oci_state_root(g), *v;
	long long interval = 5000;
	bool once = false;
	_cleanup_state_ struct oci_state st = {0};
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--stats")) {
			once = true;
		} else if ((v = cli_flag_value(argc, argv, &i, "--interval"))) {
			if ((interval = parse_duration(v)) < 0) {
				cli_err("runsk events: --interval %s: give a duration as 5s or "
					"500ms",
					v);
				return 1;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return events_usage(stdout);
		} else {
			cli_err("runsk events: unknown flag %s — see `runsk events --help`",
				argv[i]);
			return 1;
		}
	}
	if (i != argc - 1 || !oci_id_is_valid(argv[i]))
		return events_usage(stderr);
	if (cli_state_load("events", root, argv[i], &st))
		return 1;
	/* runc's words. */
	if (oci_state_status(root, &st) == OCI_STOPPED) {
		cli_err("runsk events: container with id %s is not running", st.id);
		return 1;
	}
	/* OOM kills before we started are not events (runc reports changes it sees). */
	s32 seen = 0, kills, ooms;
	if (!once && oom_counts(root, st.id, &seen, &ooms))
		seen = 0;
	for (long long next_stats = now_ms();;) {
		if (now_ms() >= next_stats) {
			char *line = stats_event(root, &st);
			if (!line) {
				cli_err("runsk events: container %s: out of memory", st.id);
				return 1;
			}
			printf("%s\n", line);
			fflush(stdout);
			free(line);
			if (once)
				return 0;
			next_stats += interval;
		}
		/* Kills are looked for more often than stats are printed: runc's come at once. */
		long long wait = MIN(next_stats - now_ms(), (long long)OOM_POLL_MS);
		struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
		while (wait > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		enum oci_status status = oci_state_status(root, &st);
		if (status == OCI_STOPPED)
			return 0;
		if (status == OCI_PAUSED || oom_counts(root, st.id, &kills, &ooms))
			continue;
		for (; seen < kills; seen++) /* the id is of safe characters (oci_id_is_valid) */
			printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", st.id);
		fflush(stdout);
	}
}
