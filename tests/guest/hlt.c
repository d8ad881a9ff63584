// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile: executes hlt, a privileged instruction, in user mode (#GP).
 * Must be killed by SIGSEGV; a shell reports status 139.
 */
#include <stdio.h>

int main(void)
{
	printf("== hlt\nhlt: executing hlt in user mode\n");
	fflush(stdout);
	asm volatile("hlt");
	printf("FAIL hlt: still running\n");
	return 1;
}
