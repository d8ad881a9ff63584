// SPDX-License-Identifier: Apache-2.0
/*
 * Hostile: executes ud2, the architecturally undefined instruction (#UD).
 * Must be killed by SIGILL; a shell reports status 132.
 */
#include <stdio.h>

int main(void)
{
	printf("== ud2\nud2: executing ud2\n");
	fflush(stdout);
	asm volatile("ud2");
	printf("FAIL ud2: still running\n");
	return 1;
}
