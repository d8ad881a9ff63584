// SPDX-License-Identifier: Apache-2.0
/*
 * The text procfs writes, field for field against Linux 6.1's: a stat
 * line (52 fields, in order), status lines and their order, statm, maps
 * lines (the padding before a name, the trailing space without one), and
 * the CPU bitmaps of status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "sentry/vfs/procfs/procfs_internal.h"

static const struct proc_task task = {
	.tgid = 42,
	.ppid = 1,
	.pgid = 42,
	.sid = 1,
	.nr_threads = 3,
	.exit_signal = 17,
	.uid = 1000,
	.gid = 100,
	.state = 'S',
	.comm = "cat",
	.sig_blocked = 1ULL << 16,
	.sig_ignored = 1ULL << 12,
	.sig_caught = 1ULL << 1,
	.utime_ns = 250000000, /* 25 ticks */
	.minflt = 99,
};

static const struct proc_mm_stats mm_stats = {
	.total_vm = 256,
	.data_vm = 32,
	.stack_vm = 33,
	.exec_vm = 16,
	.rss = 100,
	.start_code = 0x400000,
	.end_code = 0x402000,
	.start_brk = 0x600000,
	.exec = {.arg_start = 0x7ffffffde000,
		 .arg_end = 0x7ffffffde010,
		 .env_start = 0x7ffffffde010,
		 .env_end = 0x7ffffffde020,
		 .start_stack = 0x7ffffffdd000},
};

static const struct proc_stat_extra extra = {
	.ncpus = 2,
	.rsslim = ~0ULL,
	.umask = 022,
	.fdsize = 64,
	.sigq_limit = 63359,
	.has_mm = true,
};

static void test_format_stat_fields(void **state)
{
	struct seq s = {0};
	proc_format_stat(&s, &task, &mm_stats, &extra);
	assert_int_equal(s.err, 0);
	assert_string_equal(s.buf, "42 (cat) S 1 42 1 0 -1 4194304 99 0 0 0 25 0 0 0 20 0 3 0 0 "
				   "1048576 100 18446744073709551615 4194304 4202496 "
				   "140737488211968 0 0 0 65536 4096 2 1 0 0 17 0 0 0 0 0 0 0 0 "
				   "6291456 140737488216064 140737488216080 140737488216080 "
				   "140737488216096 0\n");
	int fields = 0;
	for (char *tok = strtok(s.buf, " "); tok; tok = strtok(NULL, " "))
		fields++;
	assert_int_equal(fields, 52);
	seq_free(&s);
}

static void test_format_stat_thread(void **state)
{
	struct proc_task t = task;
	struct seq s = {0};
	t.tid = 43;
	t.state = 'R';
	proc_format_stat(&s, &t, &mm_stats, &extra);
	/* A thread's own ID, and no exit signal but the leader's. */
	assert_int_equal(strncmp(s.buf, "43 (cat) R ", 11), 0);
	assert_non_null(strstr(s.buf, " 0 0 0 -1 0 0 0 0 0 0 0 0 6291456 "));
	seq_free(&s);
}

static void test_format_stat_zombie(void **state)
{
	struct proc_task z = task;
	struct proc_mm_stats none = {0};
	struct proc_stat_extra x = extra;
	struct seq s = {0};
	z.state = 'Z';
	z.exit_status = 0x100;
	z.comm[0] = 0;
	x.has_mm = false;
	proc_format_stat(&s, &z, &none, &x);
	assert_int_equal(strncmp(s.buf, "42 () Z 1 ", 10), 0);
	assert_non_null(strstr(s.buf, " 0 0 0 0 0 0 0 256\n"));
	seq_free(&s);
}

static void test_format_statm(void **state)
{
	struct seq s = {0};
	proc_format_statm(&s, &mm_stats);
	assert_string_equal(s.buf, "256 100 0 2 0 65 0\n");
	seq_free(&s);
}

/* Lines of status in order: each must appear after the one before. */
static void assert_lines_in_order(const char *text, const char *const *lines, size_t n)
{
	const char *at = text;
	for (size_t i = 0; i < n; i++) {
		const char *found = strstr(at, lines[i]);
		if (!found)
			fail_msg("status lacks (or misorders) \"%s\" in:\n%s", lines[i], text);
		at = found + strlen(lines[i]);
	}
}

static void test_format_status(void **state)
{
	static const char *const lines[] = {
		"Name:\tcat\n",
		"Umask:\t0022\n",
		"State:\tS (sleeping)\n",
		"Tgid:\t42\n",
		"Ngid:\t0\n",
		"Pid:\t42\n",
		"PPid:\t1\n",
		"TracerPid:\t0\n",
		"Uid:\t1000\t1000\t1000\t1000\n",
		"Gid:\t100\t100\t100\t100\n",
		"FDSize:\t64\n",
		"Groups:\t\n",
		"NSpid:\t42\n",
		"VmPeak:\t    1024 kB\n",
		"VmSize:\t    1024 kB\n",
		"VmRSS:\t     400 kB\n",
		"VmData:\t     128 kB\n",
		"VmStk:\t     132 kB\n",
		"VmExe:\t       8 kB\n",
		"VmLib:\t      56 kB\n",
		"Threads:\t3\n",
		"SigQ:\t0/63359\n",
		"SigPnd:\t0000000000000000\n",
		"ShdPnd:\t0000000000000000\n",
		"SigBlk:\t0000000000010000\n",
		"SigIgn:\t0000000000001000\n",
		"SigCgt:\t0000000000000002\n",
		"CapInh:\t0000000000000000\n",
		"CapEff:\t0000000000000000\n",
		"CapBnd:\t000001ffffffffff\n",
		"NoNewPrivs:\t0\n",
		"Seccomp:\t0\n",
		"Cpus_allowed:\t3\n",
		"Cpus_allowed_list:\t0-1\n",
		"Mems_allowed_list:\t0\n",
		"nonvoluntary_ctxt_switches:\t0\n",
	};
	struct seq s = {0};
	proc_format_status(&s, &task, &mm_stats, &extra);
	assert_int_equal(strncmp(s.buf, "Name:", 5), 0);
	assert_lines_in_order(s.buf, lines, sizeof(lines) / sizeof(lines[0]));
	seq_free(&s);
}

static void test_format_status_root_no_mm(void **state)
{
	struct proc_task r = task;
	struct proc_stat_extra x = extra;
	struct seq s = {0};
	r.uid = 0;
	x.has_mm = false;
	x.umask = ~0u;
	proc_format_status(&s, &r, &mm_stats, &x);
	assert_non_null(strstr(s.buf, "CapEff:\t000001ffffffffff\n"));
	assert_null(strstr(s.buf, "VmSize"));
	assert_null(strstr(s.buf, "Umask"));
	seq_free(&s);
}

static void test_format_maps_lines(void **state)
{
	struct mm_vma_info v = {
		.start = 0x400000, .end = 0x401000, .prot = PROT_READ | PROT_EXEC, .off = 0x1000};
	struct seq s = {0};
	char want[256];
	proc_format_maps_line(&s, &v, 8, 1, 1234, "/bin/cat");
	/* The name starts in column 73, as Linux's seq_pad leaves it. */
	snprintf(want, sizeof(want), "%-72s %s\n", "00400000-00401000 r-xp 00001000 08:01 1234 ",
		 "/bin/cat");
	assert_string_equal(s.buf, want);
	assert_int_equal(strchr(s.buf, '/') - s.buf, 73);
	seq_free(&s);

	struct mm_vma_info a = {.start = 0x7ffff7ff0000,
				.end = 0x7ffff7ff2000,
				.prot = PROT_READ | PROT_WRITE,
				.shared = true};
	proc_format_maps_line(&s, &a, 0, 0, 0, NULL);
	assert_string_equal(s.buf, "7ffff7ff0000-7ffff7ff2000 rw-s 00000000 00:00 0 \n");
	seq_free(&s);
}

static void test_format_bitmaps(void **state)
{
	static const struct {
		unsigned n;
		const char *mask, *list;
	} cases[] = {
		{1, "1", "0"},
		{2, "3", "0-1"},
		{4, "f", "0-3"},
		{5, "1f", "0-4"},
		{32, "ffffffff", "0-31"},
		{33, "1,ffffffff", "0-32"},
		{64, "ffffffff,ffffffff", "0-63"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seq s = {0};
		proc_format_bitmap(&s, cases[i].n);
		assert_string_equal(s.buf, cases[i].mask);
		seq_free(&s);
		proc_format_bitmap_list(&s, cases[i].n);
		assert_string_equal(s.buf, cases[i].list);
		seq_free(&s);
	}
}

static void test_seq_grows_and_pads(void **state)
{
	struct seq s = {0};
	for (int i = 0; i < 1000; i++)
		seq_printf(&s, "%04d,", i);
	assert_int_equal(s.len, 5000);
	assert_int_equal(strncmp(s.buf + 4995, "0999,", 5), 0);
	seq_free(&s);
	seq_puts(&s, "ab");
	seq_pad(&s, 0, 5, '.');
	assert_string_equal(s.buf, "ab...");
	seq_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_stat_fields),
		cmocka_unit_test(test_format_stat_thread),
		cmocka_unit_test(test_format_stat_zombie),
		cmocka_unit_test(test_format_statm),
		cmocka_unit_test(test_format_status),
		cmocka_unit_test(test_format_status_root_no_mm),
		cmocka_unit_test(test_format_maps_lines),
		cmocka_unit_test(test_format_bitmaps),
		cmocka_unit_test(test_seq_grows_and_pads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
