// SPDX-License-Identifier: Apache-2.0
/*
 * Exits with exit_group(42) straight after flushing stdout: the status
 * must be 42 and the line printed before must not be lost.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

int main(void)
{
	guest_start("exit");
	printf("exit_group(42)\n");
	fflush(stdout);
	syscall(SYS_exit_group, 42L);
	printf("FAIL exit_group: returned\n");
	return 1;
}
