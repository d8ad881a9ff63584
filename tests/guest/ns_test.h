/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the ns_* guest programs.
 */
#ifndef GUEST_NS_TEST_H
#define GUEST_NS_TEST_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest_test.h"

/* The inode number in "mnt:[N]" of /proc/self/ns/<kind>, or 0 if malformed. */
static GUEST_UNUSED unsigned long long ns_ino(const char *kind)
{
	char path[64], buf[64], want[16];
	unsigned long long n = 0;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", kind);
	ssize_t len = readlink(path, buf, sizeof(buf) - 1);
	if (len < 0)
		return 0;
	buf[len] = 0;
	snprintf(want, sizeof(want), "%s:[", kind);
	if (strncmp(buf, want, strlen(want)) || sscanf(buf + strlen(want), "%llu]", &n) != 1)
		return 0;
	return n;
}

#endif
