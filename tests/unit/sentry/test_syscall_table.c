// SPDX-License-Identifier: Apache-2.0
/* syscalls.def is the one table: check it is whole and consistent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "sentry/syscalls/syscalls.h"

static void test_syscall_table_names_match_kernel_numbers(void **state)
{
	/* Spot checks against the host's own numbering (x86-64). */
	assert_string_equal(syscall_name(SYS_read), "read");
	assert_string_equal(syscall_name(SYS_exit_group), "exit_group");
	assert_string_equal(syscall_name(SYS_clone3), "clone3");
	assert_string_equal(syscall_name(SYS_getrandom), "getrandom");
	assert_null(syscall_name(400)); /* an unassigned hole */
	assert_null(syscall_name(100000));
}

static void test_syscall_table_entries_consistent(void **state)
{
	size_t named = 0;
	for (size_t nr = 0; nr < syscall_table_size(); nr++) {
		const char *name = syscall_name(nr);
		if (!name) {
			assert_false(syscall_implemented(nr));
			continue;
		}
		named++;
		const char *fmt = syscall_formats(nr);
		assert_true(strlen(fmt) <= 6);
		assert_int_equal(strspn(fmt, "duxpsf"), strlen(fmt));
		/* Names are unique. */
		for (size_t other = nr + 1; other < syscall_table_size(); other++)
			if (syscall_name(other))
				assert_string_not_equal(name, syscall_name(other));
	}
	assert_true(named > 350);
}

static void test_syscall_table_foundation_syscalls_implemented(void **state)
{
	static const long must[] = {
		SYS_read,
		SYS_write,
		SYS_readv,
		SYS_writev,
		SYS_pread64,
		SYS_pwrite64,
		SYS_exit,
		SYS_exit_group,
		SYS_brk,
		SYS_mmap,
		SYS_munmap,
		SYS_mprotect,
		SYS_arch_prctl,
		SYS_set_tid_address,
		SYS_set_robust_list,
		SYS_rseq,
		SYS_uname,
		SYS_getpid,
		SYS_gettid,
		SYS_getppid,
		SYS_getuid,
		SYS_clock_gettime,
		SYS_gettimeofday,
		SYS_time,
		SYS_getrandom,
		SYS_prlimit64,
		SYS_readlinkat,
		SYS_fstat,
		SYS_newfstatat,
		SYS_ioctl,
		SYS_rt_sigaction,
		SYS_rt_sigprocmask,
		SYS_sched_getaffinity,
		SYS_getcwd,
		SYS_sched_yield,
		SYS_nanosleep,
		SYS_clock_nanosleep,
	};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_true(syscall_implemented(must[i]));
	assert_false(syscall_implemented(SYS_kexec_load)); /* never: the host kernel is not ours */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_table_names_match_kernel_numbers),
		cmocka_unit_test(test_syscall_table_entries_consistent),
		cmocka_unit_test(test_syscall_table_foundation_syscalls_implemented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
