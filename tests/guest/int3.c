// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile: executes int3, the breakpoint instruction (#BP).
 * Must be killed by SIGTRAP; a shell reports status 133.
 */
#include <stdio.h>

int main(void)
{
	printf("== int3\nint3: executing int3\n");
	fflush(stdout);
	asm volatile("int3");
	printf("FAIL int3: still running\n");
	return 1;
}
