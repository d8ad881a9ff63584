/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests' scratch directories: removed with what is in them, without a shell. */
#ifndef TESTS_UNIT_RMTREE_H
#define TESTS_UNIT_RMTREE_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

static int rmtree_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove dir and everything under it (symlinks as links): 0 or -1. */
static inline int rmtree(const char *dir)
{
	return nftw(dir, rmtree_one, 64, FTW_DEPTH | FTW_PHYS);
}

/* The number of entries in dir besides . and .., or -1. */
static inline int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

#endif
